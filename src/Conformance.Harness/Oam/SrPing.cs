using System.Globalization;
using System.Net;
using System.Text;
using Conformance.Harness.Packets;

namespace Conformance.Harness.Oam;

/// <summary>
/// SRv6 ping (RFC 9259 Appendix A.1.1, A.1.2): ICMPv6 echo requests to a target via a segment list,
/// matched to their echo replies (or ICMPv6 errors quoting them), RTT from the capture timestamps.
/// </summary>
public static class SrPing
{
    /// <summary>One echo request of <paramref name="size"/> bytes of IPv6 payload after the SRH (ICMPv6 header + data, at least 8).</summary>
    public static byte[] BuildProbe(IProbeTransport t, IPAddress source, SrPath path, ushort id, ushort seq, int size = 100)
    {
        var data = new byte[Math.Max(size - 8, 0)];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)('a' + (i + seq) % 26);
        return path.Apply(new PacketBuilder().Ethernet(t.LocalMac, t.NextHopMac), source).IcmpEchoRequest(id, seq, data).Build();
    }

    public static async Task<IReadOnlyList<ProbeResult>> RunAsync(IProbeTransport t, IPAddress source, SrPath path, int count, TimeSpan interval,
        TimeSpan timeout, int size = 100, ushort? id = null, Action<ProbeResult>? progress = null, CancellationToken ct = default)
    {
        if (count is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(count), "1..10000 probes");
        var echoId = id ?? (ushort)Random.Shared.Next(1, 0xffff);
        var results = new List<ProbeResult>();
        for (int i = 0; i < count; i++)
        {
            var key = $"echo:{echoId}:{(ushort)i}";
            var frame = BuildProbe(t, source, path, echoId, (ushort)i, size);
            var (sent, got) = await t.ExchangeAsync(frame, f => ProbeMatch.Classify(PacketDecoder.Decode(f.Data), key) is not null, timeout, ct).ConfigureAwait(false);
            var r = ProbeMatch.Result(i, 64, key, sent, got);
            results.Add(r);
            progress?.Invoke(r);
            if (i + 1 < count && interval > TimeSpan.Zero) await Task.Delay(interval, ct).ConfigureAwait(false);
        }
        return results;
    }

    /// <summary>The command echo and header line, in the style of RFC 9259 Figure 2.</summary>
    public static string Header(SrPath path, int count, int size, TimeSpan timeout) =>
        $"> ping {Rfc5952.Format(path.Target)}{(path.HasSrh ? " via segment-list " + path.SegmentListText : "")}\n" +
        $"Sending {count}, {size}-byte ICMPv6 Echos to {Rfc5952.Format(path.Target)}, timeout is {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} seconds:";

    /// <summary>'!' for an echo reply, '.' for a time-out, 'U' unreachable, 'T' time exceeded, 'P' parameter problem, '?' other.</summary>
    public static char Mark(ProbeOutcome o) => o switch
    {
        ProbeOutcome.EchoReply => '!', ProbeOutcome.Timeout => '.', ProbeOutcome.TimeExceeded => 'T',
        ProbeOutcome.PortUnreachable or ProbeOutcome.DestinationUnreachable => 'U', ProbeOutcome.ParameterProblem => 'P', _ => '?',
    };

    /// <summary>The summary line of RFC 9259 Figure 2 (success rate and min/avg/max round trip over the echo replies).</summary>
    public static string Summary(IReadOnlyList<ProbeResult> results)
    {
        var ok = results.Where(r => r.Outcome == ProbeOutcome.EchoReply && r.Rtt is not null).Select(r => r.Rtt!.Value).ToList();
        int pct = results.Count == 0 ? 0 : ok.Count * 100 / results.Count;
        var sb = new StringBuilder($"Success rate is {pct} percent ({ok.Count}/{results.Count})");
        if (ok.Count > 0)
            sb.Append($", round-trip min/avg/max = {ProbeMatch.Ms(ok.Min())}/{ProbeMatch.Ms(TimeSpan.FromTicks((long)ok.Average(x => x.Ticks)))}/{ProbeMatch.Ms(ok.Max())} ms");
        foreach (var r in results.Where(r => r.Outcome is not (ProbeOutcome.EchoReply or ProbeOutcome.Timeout)).Take(3))
            sb.Append($"\n  probe {r.Index}: {r.Outcome} from {(r.From is null ? "?" : Rfc5952.Format(r.From))}");
        return sb.ToString();
    }
}
