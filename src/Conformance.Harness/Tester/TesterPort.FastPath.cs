using System.Diagnostics;
using Conformance.Harness.Capture;

namespace Conformance.Harness.Tester;

/// <summary>
/// The tester port's fast transmit path: bursts and paced streams go through a
/// <see cref="RawSocketInjector"/> (AF_PACKET + sendmmsg) when one could be opened, or, with
/// S6C_TX_RING=1, through a <see cref="PacketTxRing"/> (AF_PACKET PACKET_TX_RING, one send() per batch;
/// sendmmsg when the ring cannot be set up); single
/// frames and ND answers stay on the libpcap handle. Evidence is the same as on the slow path
/// (one <see cref="Frame"/> per frame sent, stamped when its batch was handed to the kernel),
/// unless the caller passes keepEvidence:false for a load stream.
/// </summary>
/// <remarks>
/// The injector bypasses the qdisc (PACKET_QDISC_BYPASS) by default. Through the qdisc, every
/// frame sent is also handed to each packet tap on the interface, the port's own libpcap handles
/// included (with libpcap 1.10 they still receive outbound frames under PCAP_D_IN): measured on a
/// veth, the burst rate was less than half (benchmark: tests/Conformance.Benchmarks/README.md).
/// With the bypass, a tap on the tester interface (tcpdump -i on it) does not see what the fast
/// path sends; the far end receives the same frames, and the evidence is the port's own record,
/// as before. S6C_TX_QDISC=1 restores the qdisc path (sendmmsg through the qdisc, the default before
/// the bypass). The TX ring is not the default: on the shared 2-core machine it measured slower than
/// sendmmsg in the same runs (tests/Conformance.Benchmarks/README.md).
/// </remarks>
public sealed partial class TesterPort
{
    private readonly FrameInjector? _fast;

    /// <summary>True when bursts and paced streams use the raw-socket fast path.</summary>
    public bool FastPath => _fast is not null;

    /// <summary>
    /// True when the fast path hands frames straight to the driver (PACKET_QDISC_BYPASS): the
    /// default. Packet taps on the tester interface (tcpdump on it) then do not see the frames the
    /// port sends; the port's own evidence (<see cref="Sent"/>) is recorded by the port and is
    /// unaffected, and the far end receives the same frames.
    /// </summary>
    public bool QdiscBypass => _fast?.QdiscBypass ?? false;

    /// <summary>
    /// How bursts and paced streams are handed to the kernel: "sendmmsg" (the default, and the fallback
    /// when the ring cannot be set up), "tx_ring" (PACKET_TX_RING, with S6C_TX_RING=1), or "libpcap" (no
    /// fast path: S6C_NO_FAST_TX=1 or no AF_PACKET socket).
    /// </summary>
    public string FastPathMethod => _fast?.Method ?? "libpcap";

    /// <summary>Why the TX ring is not in use when S6C_TX_RING=1 asked for it (null when it is, or was not asked for).</summary>
    public string? FastPathFallbackReason { get; private set; }

    /// <summary>Tests only: replaces <see cref="PacketTxRing.Open"/> (to make the ring fail to set up). Null: the real one.</summary>
    internal static Func<string, FrameInjector>? RingOpener { get; set; }

    /// <summary>
    /// Set S6C_NO_FAST_TX=1 to force the libpcap path (for comparison or a kernel without AF_PACKET),
    /// S6C_TX_QDISC=1 to keep the fast path on the qdisc (sendmmsg, so that a tap on the tester interface
    /// sees what the port sends, at a lower rate: see tests/Conformance.Benchmarks/README.md),
    /// S6C_TX_RING=1 to use the TX ring (with the bypass) instead of sendmmsg.
    /// </summary>
    private FrameInjector? OpenFastPath(string ifname)
    {
        if (Environment.GetEnvironmentVariable("S6C_NO_FAST_TX") == "1") return null;
        bool bypass = Environment.GetEnvironmentVariable("S6C_TX_QDISC") != "1";
        if (bypass && Environment.GetEnvironmentVariable("S6C_TX_RING") == "1")
        {
            try { return (RingOpener ?? (i => PacketTxRing.Open(i, qdiscBypass: true)))(ifname); }
            catch (TestbedException e) { FastPathFallbackReason = e.Message; }
        }
        try { return RawSocketInjector.Open(ifname, qdiscBypass: bypass); }
        catch (TestbedException) { return null; }
    }

    private int SendBurstFast(IReadOnlyList<byte[]> frames, string? comment, bool keepEvidence)
    {
        var deadline = Stopwatch.StartNew();
        int sent = 0;
        lock (_txLock)
        {
            while (sent < frames.Count)
            {
                if (deadline.Elapsed > Limits.Duration) throw new TestbedException($"burst on {Name} exceeded {Limits.Duration}.");
                int n = Math.Min(_fast!.MaxBatch, frames.Count - sent);
                var at = DateTime.UtcNow; // stamped before the send: a stimulus never follows its own response in the evidence
                try { _fast!.SendBatch(frames, sent, n); }
                catch (TestbedException e) { throw new TestbedException($"tester port {Name} ({Interface}): send failed: {e.Message}", e); }
                if (keepEvidence) Record(at, frames, sent, n, comment, sent);
                sent += n;
            }
        }
        return sent;
    }

    private long SendPacedFast(Func<long, byte[]> make, long count, double ratePps, CancellationToken ct, bool keepEvidence)
    {
        var clock = Stopwatch.StartNew();
        var batch = new List<byte[]>(_fast!.MaxBatch);
        long sent = 0;
        while (sent < count && !ct.IsCancellationRequested)
        {
            if (clock.Elapsed > Limits.Duration) break;
            // Frames due by now (the schedule is sent/rate): send them as one batch per tick.
            double now = clock.Elapsed.TotalSeconds;
            long due = Math.Min(count, (long)(now * ratePps) + 1);
            if (due <= sent)
            {
                double wait = sent / ratePps - now;
                if (wait > 0.002) Thread.Sleep(TimeSpan.FromSeconds(wait - 0.001));
                else if (ratePps >= 10_000) Thread.Sleep(1); // high rate: one batch per ~1 ms tick, no core spent spinning
                else Thread.SpinWait(50);
                continue;
            }
            int n = (int)Math.Min(_fast.MaxBatch, due - sent);
            batch.Clear();
            for (int i = 0; i < n; i++) batch.Add(make(sent + i));
            lock (_txLock)
            {
                var at = DateTime.UtcNow;
                try { _fast!.SendBatch(batch, 0, n); }
                catch (TestbedException e) { throw new TestbedException($"tester port {Name} ({Interface}): send failed: {e.Message}", e); }
                if (keepEvidence) Record(at, batch, 0, n, null, 0);
            }
            sent += n;
        }
        return sent;
    }

    // Caller holds _txLock; at = the time taken just before the frames were handed to the kernel.
    private void Record(DateTime at, IReadOnlyList<byte[]> frames, int start, int n, string? comment, int firstIndex)
    {
        for (int i = 0; i < n; i++)
            _sent.Add(new Frame(at, frames[start + i], Name, FrameDirection.Sent, comment is null ? null : $"{comment} #{firstIndex + i}"));
    }
}
