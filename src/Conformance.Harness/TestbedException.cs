namespace Conformance.Harness;

/// <summary>
/// The testbed or the harness could not decide (SSH dropped, capture lost packets, lab set-up
/// failed, a timeout of the harness itself). Cases let it propagate: the verdict is broken
/// (inconclusive), never a DUT failure.
/// </summary>
public class TestbedException : Exception
{
    public TestbedException(string message) : base(message) { }
    public TestbedException(string message, Exception? inner) : base(message, inner) { }
}
