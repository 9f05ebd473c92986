namespace Conformance.Harness;

/// <summary>
/// The testbed (lab, DUT connection, DUT configuration) could not decide the outcome of a test.
/// Cases map this exception to the verdict <c>broken</c>, never to <c>failed</c>: the DUT was not shown
/// to be non-conformant, the harness just could not drive or observe it.
/// </summary>
public class TestbedException : Exception
{
    public TestbedException(string message) : base(message) { }

    public TestbedException(string message, Exception? innerException) : base(message, innerException) { }
}
