namespace Conformance.Harness.Capture;

/// <summary>Which way a frame crossed a tester port, seen from the tester.</summary>
public enum FrameDirection
{
    /// <summary>Injected by the tester towards the DUT (a stimulus).</summary>
    Sent,
    /// <summary>Received by the tester from the DUT.</summary>
    Received,
}

/// <summary>
/// One link-layer frame as evidence: its bytes exactly as they were on the wire, when, on which
/// tester port and in which direction. Comment is free text carried into pcapng (e.g. "stimulus #3").
/// </summary>
public sealed record Frame(DateTime TimestampUtc, byte[] Data, string Port, FrameDirection Direction, string? Comment = null)
{
    public int Length => Data.Length;
}
