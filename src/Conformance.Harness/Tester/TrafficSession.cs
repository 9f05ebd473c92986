using Conformance.Harness.Capture;

namespace Conformance.Harness.Tester;

/// <summary>What one stimulus produced on every tester port, with the capture books reconciled.</summary>
public sealed record TrafficResult(
    IReadOnlyList<Frame> Sent,
    IReadOnlyList<Frame> Received,
    IReadOnlyList<Frame> ControlPlaneNoise,
    IReadOnlyList<CaptureCounters> Counters,
    bool ExpectationMet,
    TimeSpan Elapsed)
{
    /// <summary>Received frames (not ND/MLD chatter) on one port.</summary>
    public IReadOnlyList<Frame> On(string port) => Received.Where(f => f.Port == port).ToList();

    /// <summary>Every frame of the exchange in time order (stimuli, receptions and chatter), for the pcapng evidence.</summary>
    public IReadOnlyList<Frame> All => Sent.Concat(Received).Concat(ControlPlaneNoise).OrderBy(f => f.TimestampUtc).ToList();

    /// <summary>One line for the evidence: sent / captured per port and libpcap's counters.</summary>
    public string Reconciliation(int expected) =>
        $"sent {Sent.Count}, expected {expected}, captured {Received.Count} (+{ControlPlaneNoise.Count} ND/MLD); " +
        string.Join("; ", Counters.Select(c => c.ToString()));
}

/// <summary>
/// One exchange with the DUT: capture on all tester ports, send the stimulus, wait for the
/// expected set of packets with a deadline, then a short quiet period so that unexpected extra
/// packets (duplicates, ICMP errors, leaks out of the wrong port) are seen too. If any capture
/// lost packets, the exchange is inconclusive (<see cref="TestbedException"/>), never a DUT fail.
/// </summary>
public sealed class TrafficSession : IDisposable
{
    private readonly IReadOnlyList<TesterPort> _ports;
    private readonly List<PortCapture> _captures = new();
    private readonly List<Frame> _sent = new();
    private readonly DateTime _started = DateTime.UtcNow;

    public TrafficSession(IEnumerable<TesterPort> ports, string? bpf = null)
    {
        _ports = ports.ToList();
        try
        {
            foreach (var p in _ports) _captures.Add(p.StartCapture(bpf));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TesterPort Port(string name) => _ports.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"no tester port named '{name}' in this session (have: {string.Join(", ", _ports.Select(p => p.Name))}).");

    /// <summary>Sends frames on one port and records them as the stimulus.</summary>
    public void Send(string port, IReadOnlyList<byte[]> frames, string comment = "stimulus")
    {
        var p = Port(port);
        p.TakeSent();
        p.SendBurst(frames, comment);
        _sent.AddRange(p.TakeSent());
    }

    /// <summary>Sends through a paced stream on one port (bounded by the port's limits).</summary>
    public long SendPaced(string port, Func<long, byte[]> make, long count, double pps, CancellationToken ct = default)
    {
        var p = Port(port);
        p.TakeSent();
        // An interrupted run (Ctrl-C, a CI cancel) stops a long stream a few seconds later: the case is then not run.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, Testbeds.RunInterruption.CaseAbort);
        long n = p.SendPaced(make, count, pps, linked.Token);
        _sent.AddRange(p.TakeSent());
        Testbeds.RunInterruption.ThrowIfCaseAborted();
        return n;
    }

    /// <summary>
    /// Waits until <paramref name="expected"/> holds over the received (non-chatter) frames of all
    /// ports or <paramref name="deadline"/> passes, then waits <paramref name="quiet"/> more for
    /// stragglers, drains and stops every capture, and reconciles the counters.
    /// </summary>
    public async Task<TrafficResult> CompleteAsync(Func<IReadOnlyList<Frame>, bool> expected, TimeSpan deadline, TimeSpan quiet)
    {
        var until = DateTime.UtcNow + deadline;
        bool met = false;
        while (true)
        {
            var got = Data();
            if (expected(got)) { met = true; break; }
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            await Task.Delay(left < TimeSpan.FromMilliseconds(10) ? left : TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        }
        if (quiet > TimeSpan.Zero) await Task.Delay(quiet).ConfigureAwait(false);
        var counters = _captures.Select(c => c.Stop()).ToList();
        var lossy = counters.Where(c => !c.Lossless).ToList();
        if (lossy.Count > 0)
            throw new TestbedException("capture lost packets, the exchange cannot be judged: " + string.Join("; ", lossy));
        var all = _captures.SelectMany(c => c.Frames).OrderBy(f => f.TimestampUtc).ToList();
        var noise = all.Where(f => NeighborDiscovery.IsControlPlaneNoise(f.Data)).ToList();
        var data = all.Where(f => !NeighborDiscovery.IsControlPlaneNoise(f.Data)).ToList();
        // A final re-evaluation over the drained set: packets that arrived during the quiet period count too.
        met = met || expected(data);
        return new TrafficResult(_sent.ToList(), data, noise, counters, met, DateTime.UtcNow - _started);
    }

    /// <summary>
    /// The frames received so far on one port (not ND/MLD chatter), in capture order: for a tester that answers the DUT
    /// while the exchange runs (e.g. emulating downstream hops). Loss is still judged by <see cref="CompleteAsync"/>.
    /// </summary>
    public IReadOnlyList<Frame> ReceivedSoFar(string port)
    {
        var c = _captures.FirstOrDefault(c => c.Port.Name == port)
            ?? throw new ArgumentException($"no capture on a tester port named '{port}' in this session.");
        return c.Frames.Where(f => !NeighborDiscovery.IsControlPlaneNoise(f.Data)).ToList();
    }

    private List<Frame> Data() => _captures.SelectMany(c => c.Frames).Where(f => !NeighborDiscovery.IsControlPlaneNoise(f.Data)).ToList();

    public void Dispose()
    {
        foreach (var c in _captures) c.Dispose();
    }
}
