using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// RFC 8754 §4.3.1.1 / RFC 8986 §4.1: the segment endpoint with Segments Left &gt; 0 over segment lists
/// of several lengths, and what it must leave alone (upper-layer checksum, payload length). The
/// payload-length recomputation of PSP is TP-PSP-BV-01 (PspCases), not repeated here.
/// </summary>
[TestFixture, Category("SRH")]
public sealed class SrhEndpointCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;
    private const ushort Tag = 0x0bad;

    /// <summary>
    /// A SID of the downstream node behind t2 other than N2: N2 with its last 16 bits set to
    /// <paramref name="i"/> (inside N2's /64, which the DUT routes to t2).
    /// </summary>
    internal static IPAddress Downstream(int i)
    {
        var b = Address("N2").GetAddressBytes();
        b[14] = (byte)(i >> 8);
        b[15] = (byte)i;
        return new IPAddress(b);
    }

    /// <summary>
    /// The segment list (header order) for <paramref name="segments"/> segments with the End SID active:
    /// 1 → the reduced SRH (D) with SL=1 (RFC 8754 §4.1.1: the active segment is only in the DA);
    /// n ≥ 2 → (D, X(n-2) … X1, S) with SL=n-1, X = downstream SIDs behind t2.
    /// </summary>
    internal static (List<IPAddress> List, byte SegmentsLeft) SegmentList(int segments, IPAddress d, IPAddress s)
    {
        if (segments == 1) return ([d], 1);
        var list = new List<IPAddress> { d };
        for (int i = segments - 2; i >= 1; i--) list.Add(Downstream(0x100 + i));
        list.Add(s);
        return (list, (byte)(segments - 1));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8)]
    [TestCase(16)]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed (every segments=N parameter set)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-SRH-BV-02", Requires = new[] { "End" }, Feature = "End",
        Title = "End with Segments Left > 0 over segment lists of 1, 2, 3, 8 and 16 segments: DA update, hop limit, nothing else changed",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8754-4.3.1-SID-IMMUTABLE-FIELDS", "RFC8754-2-TAG-IGNORED", "RFC8754-4.1.1-REDUCED-SRH", "RFC8986-4.1-END-S12-S15" },
        Stimulus = "per segments=N, 10 × ICMPv6 echo request into t1, hop limit 64, traffic class 0x2e, flow label 0x12345, tag 0x0bad: N=1 (A,S)(D;SL=1) (reduced SRH); N≥2 (A,S)(D,X(N-2),…,X1,S;SL=N-1) with X = SIDs behind t2",
        Expected = "per N, 10 × the packet out of t2 with DA = Segment List[SL-1], SL-1, hop limit 63; Last Entry, Hdr Ext Len, flags, tag, segment list, traffic class, flow label, payload length and the ICMPv6 message with its checksum unchanged; nothing else on any port")]
    public async Task EndAdvancesOverSegmentListsOfSeveralLengths(int segments)
    {
        Evidence.Parameter("segments", segments);
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end");
        var (list, sl) = SegmentList(segments, d, s);
        byte next = (byte)(sl - 1);
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh(list, sl, h => h.Tag = Tag).IcmpEchoRequest(EchoId, (ushort)(segments * 100 + i), ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, list[next], 63, TrafficClass, FlowLabel).Srh(list, next, h => h.Tag = Tag).IcmpEchoRequest(EchoId, (ushort)(segments * 100 + i), ProbeData(i)).Build(),
            $"probe {i} ({segments} segments) at Segment List[{next}]", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected),
            $"With {segments} segment(s), End did not forward to Segment List[SL-1] with SL and hop limit decremented and every other field intact.");
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-SRH-BV-03", Requires = new[] { "End" }, Feature = "End",
        Title = "End leaves the upper-layer header, its checksum and the IPv6 payload length untouched",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8200-8.1-PSEUDO-HEADER-FINAL-DESTINATION", "RFC8986-4.1-END-S12-S15" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) UDP 40001→40002 with 64 octets of data, UDP checksum computed over the final destination D (RFC 8200 §8.1), into t1",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, IPv6 payload length, UDP length, data and UDP checksum exactly as sent; nothing else (PSP's payload-length change is TP-PSP-BV-01)")]
    public async Task EndLeavesUpperLayerChecksumAndPayloadLengthAlone()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        // The probe number leads the data: the UDP probe key is the ports and the first 8 data octets.
        static byte[] Data(int i) => [(byte)(i >> 8), (byte)i, 0xc0, 0xde, 0x5a, 0x5a, 0x5a, 0x5a, .. ProbeData(i), .. Enumerable.Range(0, 16).Select(x => (byte)(0xa0 + x))];
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2).Udp(40001, 40002, Data(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1).Udp(40001, 40002, Data(i)).Build(),
            $"UDP probe {i} at the next segment, upper layer untouched", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End changed the upper-layer header, its checksum or the IPv6 payload length.");
    }
}
