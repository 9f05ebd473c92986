namespace Conformance.Harness;

/// <summary>
/// The test system (lab, DUT access, capture, traffic generator) could not do its part, so no verdict about
/// the DUT can be drawn. Reported as Allure <c>broken</c> (inconclusive), never as a DUT failure.
/// </summary>
public class TestbedException : Exception
{
    public TestbedException(string message, Exception? inner = null) : base(message, inner) { }
}
