using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Capture;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Conformance.Harness.Tester;

/// <summary>What a tester port is bound to: a name from the profile (t1…), the NIC, and what it may answer ND for.</summary>
public sealed record TesterPortBinding(string Name, string Interface, IReadOnlyList<IPAddress> OwnedAddresses, bool Dedicated = false);

/// <summary>
/// One tester port: injects frames (one, a burst, a paced stream — always bounded), captures with
/// a BPF filter, and answers Neighbor Solicitations (and ARP requests) for its own addresses so the DUT can
/// resolve its next hops. Every frame sent is kept as evidence (load streams may opt out with keepEvidence:false).
/// </summary>
public sealed partial class TesterPort : IDisposable
{
    private readonly LibPcapLiveDevice _tx;
    private readonly LibPcapLiveDevice _nd;
    private readonly Thread _ndThread;
    private volatile bool _closing;
    private readonly object _txLock = new();
    private readonly List<Frame> _sent = new();
    private long _ndAnswered;

    public string Name { get; }
    public string Interface { get; }
    public PhysicalAddress Mac { get; }
    public IReadOnlyList<IPAddress> OwnedAddresses { get; }
    public TrafficLimits Limits { get; }
    /// <summary>Neighbor Advertisements and ARP replies sent by the responder since the port opened.</summary>
    public long NdAnswered => Interlocked.Read(ref _ndAnswered);

    /// <summary>
    /// Answers other inbound frames (null: none): given a frame, the frame to send back, or null. The CLI sets it to
    /// <see cref="HostEmulator"/> so the hosts behind the port answer pings and traceroutes through the DUT.
    /// </summary>
    public Func<byte[], byte[]?>? Responder { get; set; }

    private TesterPort(TesterPortBinding b, TrafficLimits limits)
    {
        Name = b.Name; Interface = b.Interface; OwnedAddresses = b.OwnedAddresses; Limits = limits;
        _tx = OpenDevice(b.Interface); // transmit handle; nothing reads its receive side
        Mac = _tx.MacAddress ?? PhysicalAddress.Parse(File.ReadAllText($"/sys/class/net/{b.Interface}/address").Trim().Replace(':', '-').ToUpperInvariant());
        _nd = OpenDevice(b.Interface);
        _fast = OpenFastPath(b.Interface); // fast path for bursts and paced streams (TesterPort.FastPath.cs)
        _ndThread = new Thread(NdLoop) { IsBackground = true, Name = $"nd-{b.Name}" };
        _ndThread.Start();
    }

    /// <summary>Opens a tester port after the interlock has checked the interface may be used.</summary>
    public static TesterPort Open(TesterPortBinding binding, TrafficLimits? limits = null)
    {
        TesterInterlock.Verify(binding.Interface, binding.Dedicated);
        return new TesterPort(binding, limits ?? TrafficLimits.Default);
    }

    /// <summary>Opens a live handle that sees only inbound frames (no kernel filter: see <see cref="Bpf"/>).</summary>
    /// <remarks>
    /// <paramref name="immediate"/> makes libpcap use TPACKET_V2, whose fixed slots are 64 KiB on an
    /// interface with offloads (veth): 32 MiB then holds only ~500 frames. Captures pass false to get
    /// TPACKET_V3 (packed blocks, retired after the 20 ms read timeout) and a bigger ring.
    /// </remarks>
    internal static LibPcapLiveDevice OpenDevice(string ifname, bool inboundOnly = true, bool immediate = true, int bufferSize = 32 * 1024 * 1024)
    {
        var dev = LibPcapLiveDeviceList.New().FirstOrDefault(d => d.Name == ifname)
            ?? throw new TestbedException($"libpcap does not list the interface '{ifname}' (is it up, and are we root?).");
        try
        {
            dev.Open(new DeviceConfiguration
            {
                Mode = immediate ? DeviceModes.Promiscuous | DeviceModes.MaxResponsiveness : DeviceModes.Promiscuous,
                ReadTimeout = 20,
                Immediate = immediate,
                Snaplen = 65535,
                BufferSize = bufferSize,
            });
            if (inboundOnly) Bpf.InboundOnly(dev.Handle, ifname);
        }
        catch (Exception e)
        {
            throw new TestbedException($"cannot open tester interface '{ifname}' with libpcap: {e.Message}", e);
        }
        return dev;
    }

    /// <summary>Sends one frame.</summary>
    public void Send(byte[] frame, string? comment = null)
    {
        lock (_txLock)
        {
            var at = DateTime.UtcNow; // before the send: the evidence never shows a response ahead of its stimulus
            try { _tx.SendPacket(frame); }
            catch (Exception e) { throw new TestbedException($"tester port {Name} ({Interface}): send failed: {e.Message}", e); }
            _sent.Add(new Frame(at, frame, Name, FrameDirection.Sent, comment));
        }
    }

    /// <summary>Sends frames back to back.</summary>
    public int SendBurst(IReadOnlyList<byte[]> frames, string? comment = null, bool keepEvidence = true)
    {
        Limits.CheckCount(frames.Count, $"burst on {Name}");
        if (_fast is not null) return SendBurstFast(frames, comment, keepEvidence);
        var deadline = Stopwatch.StartNew();
        for (int i = 0; i < frames.Count; i++)
        {
            if (deadline.Elapsed > Limits.Duration) throw new TestbedException($"burst on {Name} exceeded {Limits.Duration}.");
            if (keepEvidence) Send(frames[i], comment is null ? null : $"{comment} #{i}");
            else lock (_txLock) { _tx.SendPacket(frames[i]); }
        }
        return frames.Count;
    }

    /// <summary>
    /// Sends <paramref name="count"/> frames at <paramref name="ratePps"/>, produced by
    /// <paramref name="make"/> (index → frame). Bounded by the port's limits in count and time;
    /// returns how many were sent. Pacing uses the monotonic clock against the schedule, so it
    /// does not drift when one send is slow.
    /// </summary>
    public long SendPaced(Func<long, byte[]> make, long count, double ratePps, CancellationToken ct = default, bool keepEvidence = true)
    {
        Limits.CheckCount(count, $"paced stream on {Name}");
        Limits.CheckRate(ratePps, $"paced stream on {Name}");
        if (_fast is not null) return SendPacedFast(make, count, ratePps, ct, keepEvidence);
        var clock = Stopwatch.StartNew();
        double interval = 1.0 / ratePps;
        long sent = 0;
        for (; sent < count && !ct.IsCancellationRequested; sent++)
        {
            double due = sent * interval;
            while (clock.Elapsed.TotalSeconds < due)
            {
                double wait = due - clock.Elapsed.TotalSeconds;
                if (wait > 0.002) Thread.Sleep(TimeSpan.FromSeconds(wait - 0.001));
                else Thread.SpinWait(50);
            }
            if (clock.Elapsed > Limits.Duration) break;
            var frame = make(sent);
            if (keepEvidence) Send(frame);
            else lock (_txLock) { _tx.SendPacket(frame); }
        }
        return sent;
    }

    /// <summary>Frames sent since the port opened (or since <see cref="TakeSent"/>).</summary>
    public IReadOnlyList<Frame> Sent { get { lock (_txLock) return _sent.ToList(); } }

    /// <summary>Returns and forgets the frames sent so far (evidence for the case that sent them).</summary>
    public IReadOnlyList<Frame> TakeSent()
    {
        lock (_txLock) { var l = _sent.ToList(); _sent.Clear(); return l; }
    }

    /// <summary>
    /// Resolves the DUT's link-layer address for <paramref name="target"/> the way a host would: a
    /// Neighbor Solicitation from <paramref name="source"/> (an address the port owns), retried up
    /// to three times, and the Neighbor Advertisement's target link-layer address.
    /// </summary>
    public async Task<PhysicalAddress> ResolveAsync(IPAddress target, IPAddress source, TimeSpan timeout)
    {
        using var cap = StartCapture("icmp6");
        var ns = NeighborDiscovery.BuildSolicitation(Mac, source, target);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            lock (_txLock) _tx.SendPacket(ns);
            PhysicalAddress? found = null;
            await cap.WaitAsync(fs =>
            {
                foreach (var f in fs)
                    if (NeighborDiscovery.TryParseAdvertisement(f.Data, target, out var m)) { found = m; return true; }
                return false;
            }, timeout / 3).ConfigureAwait(false);
            if (found is not null) return found;
        }
        throw new TestbedException($"tester port {Name}: no Neighbor Advertisement for {target} within {timeout.TotalSeconds:0.#} s (is the DUT interface up and addressed?).");
    }

    /// <summary>Starts a capture of inbound frames matching <paramref name="bpf"/> (null = everything inbound).</summary>
    public PortCapture StartCapture(string? bpf = null) => new(this, bpf);

    private void NdLoop()
    {
        while (!_closing)
        {
            GetPacketStatus st;
            PacketCapture pc;
            try { st = _nd.GetNextPacket(out pc); }
            catch { if (_closing) return; Thread.Sleep(10); continue; }
            if (st != GetPacketStatus.PacketRead) continue;
            var data = pc.Data;
            byte[] na;
            if (NeighborDiscovery.TryParseSolicitation(data, out var target, out var src, out var srcMac))
            {
                if (!OwnedAddresses.Any(a => a.Equals(target))) continue;
                na = NeighborDiscovery.BuildAdvertisement(Mac, target, src, srcMac);
            }
            else if (NeighborDiscovery.TryParseArpRequest(data, out var target4, out var asker, out var askerMac))
            {
                if (!OwnedAddresses.Any(a => a.Equals(target4))) continue;
                na = NeighborDiscovery.BuildArpReply(Mac, target4, asker, askerMac);
            }
            else if (Responder is { } respond && respond(data.ToArray()) is { } answer) na = answer;
            else continue;
            try
            {
                lock (_txLock) _tx.SendPacket(na);
                Interlocked.Increment(ref _ndAnswered);
            }
            catch { /* the port is closing */ }
        }
    }

    public void Dispose()
    {
        _closing = true;
        _ndThread.Join(TimeSpan.FromSeconds(2));
        try { _nd.Close(); } catch { }
        try { _tx.Close(); } catch { }
        lock (_txLock) _fast?.Dispose();
    }
}
