using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.16.2 USP (Ultimate Segment Pop) and §4.16.3 USD (Ultimate Segment Decapsulation), as
/// flavors of an End SID (profile SIDs <c>end_usp</c> and <c>end_usd</c>). The reference profile claims
/// neither (the Linux kernel rejects them: "Unsupported Flavor operation(s)"), so on the reference lab
/// these cases are not applicable; CatalogueConformingReceptionTests proves offline that the expectations
/// built here accept an RFC-conforming reception and reject a wrong one. The expected packets are built
/// by the public static methods, shared with those offline tests.
/// </summary>
[TestFixture, Category("Flavors")]
public sealed class FlavorCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;
    private const ushort SourcePort = 49152, TracerouteBase = 33434;

    /// <summary>
    /// USP: (A,USP)(USP,N2;SL=0) UDP probes to a traceroute port, and the Port Unreachable that upper-layer
    /// processing after S03.1–S03.4 produces: it quotes the packet as UDP saw it, i.e. without the SRH
    /// (next header 17, Payload Length 40 octets smaller). A node that keeps the SRH quotes it.
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) UspExchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT1,
        IPAddress a, IPAddress usp, IPAddress n2, Func<int, byte[]> data, int probes = Probes)
    {
        PacketBuilder Probe(PacketBuilder b, int i, bool withSrh)
        {
            var p = b.Ipv6(a, usp, 64, TrafficClass, FlowLabel);
            if (withSrh) p = p.Srh([usp, n2], 0);
            return p.Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), data(i));
        }
        var stimuli = Enumerable.Range(0, probes).Select(i => Probe(intoT1(), i, true).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i =>
            Icmp.Error(outOfT1(), "t1", Probe(intoT1(), i, false).Build(), usp, 1, 4, 0, $"Port Unreachable quoting probe {i} without its SRH")).ToList();
        return (stimuli, expected);
    }

    /// <summary>USD: (A,USD)(USD,N2;SL=0)(A,D) and the inner packet (A,D) alone out of t2, forwarded once (hop limit 63).</summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) UsdExchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2,
        IPAddress a, IPAddress usd, IPAddress n2, IPAddress d, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        var stimuli = Enumerable.Range(0, probes).Select(i => intoT1().Ipv6(a, usd).Srh([usd, n2], 0)
            .Encapsulate(new PacketBuilder().RawIp().Ipv6(a, d, 64, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i))).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            outOfT2().Ipv6(a, d, 63, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(),
            $"inner packet {i} decapsulated and looked up", [])).ToList();
        return (stimuli, expected);
    }

    [Test]
    [NotClaimedByTheReferenceLab("USP", "CatalogueConformingReceptionTests.UspPortUnreachableQuotingThePacketWithoutItsSrhPassesAndAQuoteWithTheSrhFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the USP SID is programmed without USP: the quote keeps the SRH")]
    [TestPurpose(Id = "TP-USP-BV-01", Requires = new[] { "USP", "oam.traceroute_to_sid" }, Feature = "USP",
        Title = "An End SID with the USP flavor removes the SRH at Segments Left 0 before processing the next header",
        Requirements = new[] { "RFC8986-4.16.2-USP-S02-S04" },
        Stimulus = "10 × (A,USP)(USP,N2;SL=0) UDP A:49152+i → 33434+i (traceroute ports, RFC 9259 Appendix A.2.2), hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (USP = the profile's End SID with the USP flavor, end_usp)",
        Expected = "10 × ICMPv6 Destination Unreachable code 4 (Port Unreachable) to A out of t1 from a DUT address, quoting the probe as the UDP layer got it after S03.1–S03.3: (A,USP) without SRH, next header 17, Payload Length 40 octets less; a quote that still holds the SRH fails; nothing else")]
    public async Task UspRemovesTheSrhAtTheUltimateSegment()
    {
        // The observable of USP is the packet the next-header processing sees. The SID answers a traceroute probe
        // (the profile must claim oam.traceroute_to_sid: RFC 9259 Appendix A.2.2, as TP-TRACE-BV-02), and the Port
        // Unreachable quotes the invoking packet (RFC 4443 §2.4 (c)) — after USP, a packet without its SRH.
        var (stimuli, expected) = UspExchange(() => Into("t1"), () => OutOf("t1"), Address("A"), Sid("end_usp"), Address("N2"), ProbeData);
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "The USP SID did not process the probe with the SRH removed (Port Unreachable quoting the packet without SRH).");
    }

    [Test]
    [NotClaimedByTheReferenceLab("USD", "CatalogueConformingReceptionTests.UsdInnerPacketForwardedByTheFibPassesAndTheKeptOuterHeaderFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the USD SID is programmed without USD: the outer header is not removed")]
    [TestPurpose(Id = "TP-USD-BV-01", Requires = new[] { "USD" }, Feature = "USD",
        Title = "An End SID with the USD flavor decapsulates at Segments Left 0 and forwards the inner IPv6 packet by a FIB lookup",
        Requirements = new[] { "RFC8986-4.16.3-USD-END-S01-S03", "RFC8986-4.1-END-S02-S04-SL-ZERO", "RFC8200-3-HOP-LIMIT-DECREMENT" },
        Stimulus = "10 × (A,USD)(USD,N2;SL=0)(A,D) ICMPv6 echo request (inner hop limit 64, traffic class 0x2e, flow label 0x12345) into t1 (USD = the profile's End SID with the USD flavor, end_usd; the FIB routes D via t2)",
        Expected = "10 × the inner packet (A,D) alone out of t2, hop limit 63 (forwarded once), every other field as sent; no outer header, nothing out of any other port")]
    public async Task UsdDecapsulatesAtTheUltimateSegment()
    {
        var (stimuli, expected) = UsdExchange(() => Into("t1"), () => OutOf("t2"), Address("A"), Sid("end_usd"), Address("N2"), Address("D"), EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The USD SID did not decapsulate the packet at SL=0 and forward the intact inner packet by the FIB (t2).");
    }
}
