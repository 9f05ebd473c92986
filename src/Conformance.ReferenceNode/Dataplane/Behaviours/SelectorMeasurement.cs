using System.Buffers.Binary;
using System.Diagnostics;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>What the headend measured of one constituent (for <c>show srv6 policy-selector</c>).</summary>
public sealed record ConstituentMeasurement(string Selector, string Constituent, int Samples, int Lost, double LossPercent, double? DelayMs,
    bool Qualified, bool Eligible, long WaitToRestoreRemainingMs, long ProbesSent, long ProbesReturned, int Transitions);

/// <summary>
/// Quality measurement of the policy selector's constituents (draft-yang-srv6ops-policy-selector-01 §5.4: "The quality
/// parameters can be obtained through active or passive performance measurement methods"): loopback probes in the style
/// of RFC 9259 Appendix A.4. Every interval the headend originates, per constituent, a UDP probe (source: the node's SRv6
/// source address) whose segment list is the constituent's followed by the configured return SID (an End SID of this
/// node): the path carries it back, the End SID's upper-layer processing hands it to <see cref="ProbeReturned"/>. A probe
/// not back within max(3 intervals, 300 ms) is lost. Over the last <c>window</c> probes: loss in percent, and the loop
/// delay (send to return, this node's own clock: no clock sync needed, but it is the round trip, not one way).
/// §5.1: a constituent whose loss or delay exceeds its threshold is not qualified; when it meets the threshold again it
/// becomes eligible only after its wait-to-restore time, and only if it stayed qualified all that time (§5.1 "the traffic
/// will be switched back after a period of wait-to-restore time"). Remaining bandwidth is not probed: the node accounts its own sending rate (SelectorBandwidth.cs).
/// </summary>
public sealed partial class ForwardingEngine
{
    /// <summary>The probe's UDP destination port (the node's own; never forwarded as data).</summary>
    public const int ProbePort = 49863;
    private static readonly byte[] ProbeMagic = "S6PSEL"u8.ToArray();

    private sealed class ProbeState
    {
        public uint Seq;
        public long NextSendMs;
        public readonly Dictionary<uint, (long SentMs, long Ticks)> Outstanding = [];
        public readonly Queue<double?> Window = new(); // loop delay in ms, null: lost
        public bool Qualified = true;
        public bool Eligible = true;
        public long? RestoreAtMs;
        public long Sent, Returned;
        public int Transitions;
    }

    private readonly Dictionary<(string Selector, string Constituent), ProbeState> _probes = [];
    private readonly Dictionary<string, (string Selector, string Constituent)> _probeIds = new(StringComparer.Ordinal);

    /// <summary>Whether a constituent may carry traffic now (no measurement configured: always).</summary>
    private bool Eligible(string selector, string constituent) => !_probes.TryGetValue((selector, constituent), out var p) || p.Eligible;

    /// <summary>Called from <see cref="Tick"/> under the lock: sends the probes that are due, ages out the lost ones, updates qualification.</summary>
    private void SelectorProbeTick(EngineState st, IFrameSink sink, long now)
    {
        foreach (var ps in st.Config.Srv6.Selectors)
        {
            if (ps.Measurement is not { } m) continue;
            for (var ci = 0; ci < ps.Constituents.Count; ci++)
            {
                var c = ps.Constituents[ci];
                if (c.Segments.Count == 0) continue;
                if (!_probes.TryGetValue((ps.Name, c.Name), out var pr))
                {
                    _probes[(ps.Name, c.Name)] = pr = new ProbeState { NextSendMs = now };
                    _probeIds[$"{ps.Name}/{c.Name}"] = (ps.Name, c.Name);
                }
                var timeout = Math.Max(3L * m.IntervalMs, 300);
                foreach (var (seq, t) in pr.Outstanding.Where(o => now - o.Value.SentMs > timeout).ToList())
                {
                    pr.Outstanding.Remove(seq);
                    Record(pr, null, m.Window);
                }
                if (now >= pr.NextSendMs && st.SourceAddress is { } src)
                {
                    pr.NextSendMs = Math.Max(pr.NextSendMs + m.IntervalMs, now - m.IntervalMs);
                    var seq = ++pr.Seq;
                    var probe = Probe(src, [.. c.Segments.Select(Wire.ToU128), Wire.ToU128(m.ReturnSid)], $"{ps.Name}/{c.Name}", seq);
                    pr.Outstanding[seq] = (now, Stopwatch.GetTimestamp());
                    pr.Sent++;
                    Count("selector.probes-sent");
                    Output6(st, new Ctx { Sink = sink, In = null, Received = probe, NoErrors = true }, probe, MainTable);
                }
                Evaluate(st, c, pr, now);
            }
        }
    }

    private static void Record(ProbeState pr, double? delay, int window)
    {
        pr.Window.Enqueue(delay);
        while (pr.Window.Count > window) pr.Window.Dequeue();
    }

    private static (int Lost, double Loss, double? Delay) Stats(ProbeState pr)
    {
        var n = pr.Window.Count;
        var lost = pr.Window.Count(x => x is null);
        var ok = pr.Window.Where(x => x is not null).Select(x => x!.Value).ToList();
        return (lost, n == 0 ? 0 : 100.0 * lost / n, ok.Count == 0 ? null : ok.Average());
    }

    /// <summary>Qualification against the thresholds (§5.1) and the wait-to-restore state machine.</summary>
    private static void Evaluate(EngineState st, ConstituentConfig c, ProbeState pr, long now)
    {
        var (_, loss, delay) = Stats(pr);
        var qualified = st.Config.DebugFaults.Contains(DebugFault.SelectorThresholdIgnored)
            || !((c.LossPercent is { } l && loss > l) || (c.DelayMs is { } d && delay is { } dl && dl > d));
        if (!qualified)
        {
            if (pr.Eligible) pr.Transitions++;
            pr.Qualified = false; pr.Eligible = false; pr.RestoreAtMs = null;
            return;
        }
        if (!pr.Qualified)
        {
            pr.Qualified = true;
            var wtr = st.Config.DebugFaults.Contains(DebugFault.SelectorNoWaitToRestore) ? 0 : c.WaitToRestoreSeconds * 1000L;
            pr.RestoreAtMs = now + wtr;
        }
        if (!pr.Eligible && pr.RestoreAtMs is { } at && now >= at)
        {
            pr.Eligible = true; pr.RestoreAtMs = null; pr.Transitions++;
        }
    }

    /// <summary>A loopback probe: IPv6 (source, first segment) + SRH (segments in reverse, SL = n-1) + UDP to <see cref="ProbePort"/>.</summary>
    private static byte[] Probe(UInt128 src, IReadOnlyList<UInt128> segments, string id, uint seq)
    {
        var idBytes = System.Text.Encoding.ASCII.GetBytes(id);
        var payload = new byte[ProbeMagic.Length + 4 + 1 + idBytes.Length];
        ProbeMagic.CopyTo(payload, 0);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(ProbeMagic.Length), seq);
        payload[ProbeMagic.Length + 4] = (byte)idBytes.Length;
        idBytes.CopyTo(payload, ProbeMagic.Length + 5);
        var n = segments.Count;
        var srhLen = 8 + 16 * n;
        var udpLen = 8 + payload.Length;
        var p = new byte[40 + srhLen + udpLen];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(srhLen + udpLen));
        p[6] = Wire.NhRouting; p[7] = 64;
        Wire.A6(p, 8, src);
        Wire.A6(p, 24, segments[0]);
        var h = 40;
        p[h] = Wire.NhUdp; p[h + 1] = (byte)(2 * n); p[h + 2] = 4; p[h + 3] = (byte)(n - 1); p[h + 4] = (byte)(n - 1);
        for (var i = 0; i < n; i++) Wire.A6(p, h + 8 + 16 * i, segments[n - 1 - i]);
        var u = h + srhLen;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u), ProbePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u + 2), ProbePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u + 4), (ushort)udpLen);
        payload.CopyTo(p, u + 8);
        // RFC 8200 §8.1: the checksum's destination is the final destination (the last segment).
        var sum = Wire.Checksum6(src, segments[^1], Wire.NhUdp, p.AsSpan(u, udpLen));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u + 6), sum == 0 ? (ushort)0xffff : sum);
        return p;
    }

    /// <summary>A UDP packet delivered to this node: true when it is one of its loopback probes come back (consumed).</summary>
    private bool ProbeReturned(byte[] p, int off)
    {
        if (off + 8 + ProbeMagic.Length + 5 > p.Length || Wire.U16(p, off + 2) != ProbePort) return false;
        var body = p.AsSpan(off + 8);
        if (!body[..ProbeMagic.Length].SequenceEqual(ProbeMagic)) return false;
        var seq = BinaryPrimitives.ReadUInt32BigEndian(body[ProbeMagic.Length..]);
        int len = body[ProbeMagic.Length + 4];
        if (ProbeMagic.Length + 5 + len > body.Length) return false;
        var id = System.Text.Encoding.ASCII.GetString(body.Slice(ProbeMagic.Length + 5, len));
        Count("selector.probes-returned");
        if (!_probeIds.TryGetValue(id, out var key) || !_probes.TryGetValue(key, out var pr) || !pr.Outstanding.Remove(seq, out var sent)) return true;
        pr.Returned++;
        var ms = (Stopwatch.GetTimestamp() - sent.Ticks) * 1000.0 / Stopwatch.Frequency;
        var m = _state.Config.Srv6.Selectors.FirstOrDefault(s => s.Name == key.Selector)?.Measurement;
        Record(pr, ms, m?.Window ?? 10);
        return true;
    }

    /// <summary>The measurement of every constituent of every measured selector.</summary>
    public IReadOnlyList<ConstituentMeasurement> SelectorMeasurements()
    {
        lock (_gate)
        {
            var now = Now;
            return [.. _probes.Select(kv =>
            {
                var (lost, loss, delay) = Stats(kv.Value);
                return new ConstituentMeasurement(kv.Key.Selector, kv.Key.Constituent, kv.Value.Window.Count, lost, loss, delay, kv.Value.Qualified, kv.Value.Eligible,
                    kv.Value.RestoreAtMs is { } at ? Math.Max(0, at - now) : 0, kv.Value.Sent, kv.Value.Returned, kv.Value.Transitions);
            })];
        }
    }
}
