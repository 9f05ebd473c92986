using System.Net;
using System.Text;
using Conformance.Harness.Packets;

namespace Conformance.Harness.Oam;

/// <summary>
/// SRv6 traceroute (RFC 9259 Appendix A.2.1, A.2.2): UDP probes with monotonically increasing hop limit to a
/// target via a segment list, to the UDP ports IANA assigned for traceroute use (33434 and up). Each
/// hop's answer is an ICMPv6 Time Exceeded (transit) or Destination Unreachable (the target: Port
/// Unreachable); the quoted invoking packet shows the DA and SRH the probe had at that hop.
/// </summary>
public static class SrTraceroute
{
    public const ushort BasePort = 33434;
    public const ushort SourcePort = 33433;

    public static byte[] BuildProbe(IProbeTransport t, IPAddress source, SrPath path, byte hopLimit, int probeIndex) =>
        path.Apply(new PacketBuilder().Ethernet(t.LocalMac, t.NextHopMac), source, hopLimit)
            .Udp(SourcePort, (ushort)(BasePort + probeIndex), System.Text.Encoding.ASCII.GetBytes($"srv6conf traceroute {probeIndex:D5}")).Build();

    public static string KeyOf(byte[] probe) => Verdicts.ProbeKey.Of(PacketDecoder.Decode(probe))!;

    public static async Task<IReadOnlyList<IReadOnlyList<ProbeResult>>> RunAsync(IProbeTransport t, IPAddress source, SrPath path, int maxHops,
        int probesPerHop, TimeSpan timeout, Action<IReadOnlyList<ProbeResult>>? progress = null, CancellationToken ct = default)
    {
        if (maxHops is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(maxHops), "1..64 hops");
        var hops = new List<IReadOnlyList<ProbeResult>>();
        int n = 0;
        for (byte h = 1; h <= maxHops; h++)
        {
            var hop = new List<ProbeResult>();
            for (int q = 0; q < probesPerHop; q++, n++)
            {
                var frame = BuildProbe(t, source, path, h, n);
                var key = KeyOf(frame);
                var (sent, got) = await t.ExchangeAsync(frame, f => ProbeMatch.Classify(PacketDecoder.Decode(f.Data), key) is not null, timeout, ct).ConfigureAwait(false);
                hop.Add(ProbeMatch.Result(n, h, key, sent, got));
            }
            hops.Add(hop);
            progress?.Invoke(hop);
            if (hop.Any(r => r.Outcome is ProbeOutcome.PortUnreachable or ProbeOutcome.DestinationUnreachable or ProbeOutcome.EchoReply)) break;
        }
        return hops;
    }

    public static string Header(SrPath path, bool targetIsSid) =>
        $"> traceroute {Rfc5952.Format(path.Target)}{(path.HasSrh ? " via segment-list " + path.SegmentListText : "")}\n" +
        $"Tracing the route to {(targetIsSid ? "SID " : "")}{Rfc5952.Format(path.Target)}";

    /// <summary>One hop in the style of RFC 9259 Figures 3 and 4: address, RTTs, then the probe's DA and SRH as quoted by the answer.</summary>
    public static string FormatHop(IReadOnlyList<ProbeResult> hop)
    {
        var sb = new StringBuilder();
        var from = hop.FirstOrDefault(r => r.From is not null)?.From;
        sb.Append($"{hop[0].HopLimit,2} ");
        if (from is not null) sb.Append($" {Rfc5952.Format(from)}");
        foreach (var r in hop) sb.Append(r.Rtt is { } rtt ? $" {ProbeMatch.Ms(rtt)} msec" : " *");
        var answered = hop.FirstOrDefault(r => r.Quoted?.Ipv6 is not null);
        if (answered is { Quoted: { } q })
        {
            sb.Append($"\n    DA: {Rfc5952.Format(q.Ipv6!.Dst)}");
            if (q.Srh is { } srh)
                sb.Append($",\n    SRH:({string.Join(", ", srh.Segments.Select(Rfc5952.Format))}; SL={srh.SegmentsLeft})");
        }
        var kinds = hop.Where(r => r.Outcome is not (ProbeOutcome.TimeExceeded or ProbeOutcome.Timeout)).Select(r => r.Outcome).Distinct().ToList();
        if (kinds.Count > 0) sb.Append($"\n    ({string.Join(", ", kinds)})");
        return sb.ToString();
    }
}
