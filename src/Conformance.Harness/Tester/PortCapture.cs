using Conformance.Harness.Capture;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Conformance.Harness.Tester;

/// <summary>
/// The books of one capture: what libpcap says it received and dropped, and what the harness
/// read. If libpcap or the interface dropped anything, the capture is incomplete and no verdict
/// about missing packets may be drawn from it.
/// </summary>
/// <remarks>Captured counts frames that matched the capture's filter; libpcap received counts every inbound frame.</remarks>
public sealed record CaptureCounters(string Port, long Captured, long PcapReceived, long PcapDropped, long InterfaceDropped)
{
    /// <summary>True when libpcap reported its counters and they show no loss (−1 = counters unavailable).</summary>
    public bool Lossless => PcapDropped == 0 && InterfaceDropped == 0;
    public override string ToString() =>
        $"{Port}: captured {Captured}, libpcap received {PcapReceived}, dropped {PcapDropped}, interface dropped {InterfaceDropped}";
}

/// <summary>An inbound capture on one tester port, with its own libpcap handle and BPF filter.</summary>
public sealed class PortCapture : IDisposable
{
    private readonly LibPcapLiveDevice _dev;
    private readonly Bpf? _bpf;
    private readonly Thread _thread;
    private readonly List<Frame> _frames = new();
    private readonly object _lock = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private volatile bool _stopRequested;
    private bool _stopped;
    private CaptureCounters? _counters;

    public TesterPort Port { get; }
    public string Filter { get; }

    internal PortCapture(TesterPort port, string? bpf)
    {
        Port = port;
        Filter = string.IsNullOrWhiteSpace(bpf) ? "" : bpf;
        _bpf = Filter.Length > 0 ? new Bpf(Filter) : null;
        _dev = TesterPort.OpenDevice(port.Interface);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"cap-{port.Name}" };
        _thread.Start();
    }

    private void Loop()
    {
        while (true)
        {
            GetPacketStatus st;
            PacketCapture pc;
            try { st = _dev.GetNextPacket(out pc); }
            catch (Exception) { if (_stopRequested) return; continue; }
            if (st == GetPacketStatus.PacketRead)
            {
                if (_bpf is not null && !_bpf.Matches(pc.Data)) continue;
                var raw = pc.GetPacket();
                var f = new Frame(raw.Timeval.Date.ToUniversalTime(), raw.Data, Port.Name, FrameDirection.Received);
                lock (_lock) _frames.Add(f);
                _arrived.Release();
                continue;
            }
            // Nothing pending right now: if a stop was asked for, the ring is drained.
            if (_stopRequested) return;
        }
    }

    /// <summary>Frames captured so far.</summary>
    public IReadOnlyList<Frame> Frames { get { lock (_lock) return _frames.ToList(); } }

    /// <summary>Waits until <paramref name="done"/> holds over the frames so far, or the deadline passes. Returns whether it held.</summary>
    public async Task<bool> WaitAsync(Func<IReadOnlyList<Frame>, bool> done, TimeSpan deadline, CancellationToken ct = default)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            if (done(Frames)) return true;
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the capture after draining everything libpcap still holds, and returns its counters.</summary>
    public CaptureCounters Stop()
    {
        if (_stopped) return _counters!;
        _stopRequested = true;
        if (!_thread.Join(TimeSpan.FromSeconds(5)))
            throw new TestbedException($"capture on {Port.Name} did not drain within 5 s.");
        ICaptureStatistics? stats = null;
        try { stats = _dev.Statistics; } catch { }
        _stopped = true;
        lock (_lock)
            _counters = stats is null
                ? new CaptureCounters(Port.Name, _frames.Count, -1, -1, -1)
                : new CaptureCounters(Port.Name, _frames.Count, stats.ReceivedPackets, stats.DroppedPackets, stats.InterfaceDroppedPackets);
        try { _dev.Close(); } catch { }
        _bpf?.Dispose();
        return _counters;
    }

    public void Dispose()
    {
        if (!_stopped) { try { Stop(); } catch { } }
        _arrived.Dispose();
    }
}
