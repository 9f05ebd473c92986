using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.7 End.DT4 and §4.8 End.DT46: decapsulation and lookup of the inner packet in the SID's table
/// T (profile SIDs <c>end_dt4</c> and <c>end_dt46</c>; <c>table</c> is the VRF / table id). The lab plan is
/// the one End.T and End.DT6 use: the table T routes the test destinations via t2, the main table via t3
/// (reference lab: table 100; IPv4 203.0.113.128/25 — D4X — and IPv6 2001:db8:d:3::/64 — D3). A DUT claiming
/// these behaviours must route them so. The reference profile claims neither (Linux needs a VRF device and
/// the reference kernel has no vrf module): not applicable there; CatalogueConformingReceptionTests proves
/// the expectations offline.
/// </summary>
[TestFixture, Category("Lookup")]
public sealed class VrfLookupCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    private static PacketBuilder Inner4(PacketBuilder b, IPAddress s, IPAddress d, byte ttl, ushort echoId, int i, Func<int, byte[]> data) =>
        b.Ipv4(s, d, ttl, TrafficClass, (ushort)(0x4242 + i)).IcmpEchoRequest(echoId, (ushort)i, data(i));

    /// <summary>(A,SID)(SID;SL=0)(A4,D4X) ICMP echo, and the inner IPv4 packet alone out of t2 with TTL 63 (checksum updated).</summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) Ipv4Exchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2,
        IPAddress a, IPAddress a4, IPAddress d4x, IPAddress sid, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        var stimuli = Enumerable.Range(0, probes).Select(i =>
            intoT1().Ipv6(a, sid).Srh([sid], 0).Encapsulate(Inner4(new PacketBuilder(), a4, d4x, 64, echoId, i, data)).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            Inner4(outOfT2(), a4, d4x, 63, echoId, i, data).Build(), $"inner IPv4 packet {i} routed by table T", [])).ToList();
        return (stimuli, expected);
    }

    /// <summary>(A,SID)(SID;SL=0)(A,D3) ICMPv6 echo, and the inner IPv6 packet alone out of t2 with hop limit 63.</summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) Ipv6Exchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2,
        IPAddress a, IPAddress d3, IPAddress sid, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        var stimuli = Enumerable.Range(0, probes).Select(i => intoT1().Ipv6(a, sid).Srh([sid], 0)
            .Encapsulate(new PacketBuilder().RawIp().Ipv6(a, d3, 64, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i))).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            outOfT2().Ipv6(a, d3, 63, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(),
            $"inner IPv6 packet {i} routed by table T", [])).ToList();
        return (stimuli, expected);
    }

    /// <summary>The SID's address, after checking the profile names its table (a claimed End.DT* without one is a profile problem).</summary>
    private static IPAddress SidWithTable(string name)
    {
        var sid = Sid(name);
        if (string.IsNullOrWhiteSpace(Profile.Parameters.Sids[name].Table))
            throw new TestbedException($"{Profile.SourcePath}: parameters.sids.{name}.table is required: the VRF / table id the SID looks the inner packet up in.");
        return sid;
    }

    [Test]
    [NotClaimedByTheReferenceLab("End.DT4", "CatalogueConformingReceptionTests.EndDt4InnerIpv4PacketRoutedByItsTablePassesAndTheMainTableFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DT4 looks up the main table: the inner packet leaves by t3")]
    [TestPurpose(Id = "TP-DT4-BV-01", Requires = new[] { "End.DT4" }, Feature = "End.DT4",
        Title = "End.DT4 removes the outer header and looks the inner IPv4 packet up in its table",
        Requirements = new[] { "RFC8986-4.7-END-DT4-ULH-S01-S04" },
        Stimulus = "10 × (A,DT4)(DT4;SL=0)(A4,D4X) ICMP echo request (TTL 64, TOS 0x2e, identification 0x4242+i) into t1 (DT4 = the End.DT4 SID, end_dt4; its table T routes D4X via t2, the main table via t3)",
        Expected = "10 × the inner IPv4 packet alone out of t2, TTL 63 and header checksum updated (forwarded once), every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDt4LooksTheInnerPacketUpInItsTable()
    {
        var (stimuli, expected) = Ipv4Exchange(() => Into("t1"), () => OutOf("t2"), Address("A"), Address("A4"), Address("D4X"), SidWithTable("end_dt4"), EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DT4 did not decapsulate and route the inner IPv4 packet by its table (t2) with the packet intact.");
    }

    [Test]
    [NotClaimedByTheReferenceLab("End.DT46", "CatalogueConformingReceptionTests.EndDt46InnerIpv4AndIpv6PacketsRoutedByItsTablePassAndTheMainTableFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DT46 looks up the main table: the inner packet leaves by t3")]
    [TestPurpose(Id = "TP-DT46-BV-01", Requires = new[] { "End.DT46" }, Feature = "End.DT46",
        Title = "End.DT46 removes the outer header and looks an inner IPv4 packet up in its table",
        Requirements = new[] { "RFC8986-4.8-END-DT46-ULH-S01-S04-IPV4" },
        Stimulus = "10 × (A,DT46)(DT46;SL=0)(A4,D4X) ICMP echo request (TTL 64, TOS 0x2e, identification 0x4242+i) into t1 (DT46 = the End.DT46 SID, end_dt46; its table routes D4X via t2, the main table via t3)",
        Expected = "10 × the inner IPv4 packet alone out of t2, TTL 63 and header checksum updated, every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDt46LooksAnInnerIpv4PacketUpInItsTable()
    {
        var (stimuli, expected) = Ipv4Exchange(() => Into("t1"), () => OutOf("t2"), Address("A"), Address("A4"), Address("D4X"), SidWithTable("end_dt46"), EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DT46 did not decapsulate and route the inner IPv4 packet by its table (t2) with the packet intact.");
    }

    [Test]
    [NotClaimedByTheReferenceLab("End.DT46", "CatalogueConformingReceptionTests.EndDt46InnerIpv4AndIpv6PacketsRoutedByItsTablePassAndTheMainTableFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DT46 looks up the main table: the inner packet leaves by t3")]
    [TestPurpose(Id = "TP-DT46-BV-02", Requires = new[] { "End.DT46" }, Feature = "End.DT46",
        Title = "End.DT46 removes the outer header and looks an inner IPv6 packet up in its table",
        Requirements = new[] { "RFC8986-4.8-END-DT46-ULH-S05-S08-IPV6", "RFC8200-3-HOP-LIMIT-DECREMENT" },
        Stimulus = "10 × (A,DT46)(DT46;SL=0)(A,D3) ICMPv6 echo request (inner hop limit 64, traffic class 0x2e, flow label 0x12345) into t1 (its table routes D3 via t2, the main table via t3)",
        Expected = "10 × the inner packet (A,D3) alone out of t2, hop limit 63 (forwarded once), every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDt46LooksAnInnerIpv6PacketUpInItsTable()
    {
        var (stimuli, expected) = Ipv6Exchange(() => Into("t1"), () => OutOf("t2"), Address("A"), Address("D3"), SidWithTable("end_dt46"), EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DT46 did not decapsulate and route the inner IPv6 packet by its table (t2) with the packet intact.");
    }
}
