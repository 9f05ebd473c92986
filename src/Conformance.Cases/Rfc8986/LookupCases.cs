using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.3 End.T and §4.6 End.DT6: lookups in a specific table. The lab's table 100 routes
/// 2001:db8:b:3::/64 and 2001:db8:d:3::/64 via t2 while the main table routes them via t3.
/// </summary>
[TestFixture, Category("Lookup")]
public sealed class LookupCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    [Test]
    [NegativeControl("EndTMainTable", Why = "End.T looks up the main table (t3) instead of table 100 (t2)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.T looks up the main table (t3) instead of its table (t2)")]
    [TestPurpose(Id = "TP-ENDT-BV-01", Requires = new[] { "End.T" }, Feature = "End.T",
        Title = "End.T looks the next segment up in its table T, not in the main table",
        Requirements = new[] { "RFC8986-4.3-END-T-S15.1-S15.2" },
        Stimulus = "10 × (A,T)(D,N3,T;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (T = the End.T SID; its table routes N3 via t2, the main table via t3)",
        Expected = "10 × (A,N3)(D,N3,T;SL=1) out of t2 with hop limit 63, every other field unchanged; nothing out of t3 or anywhere else")]
    public async Task EndTLooksUpItsTable()
    {
        IPAddress a = Address("A"), d = Address("D"), n3 = Address("N3"), t = Sid("end_t");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, t, 64, TrafficClass, FlowLabel).Srh([d, n3, t], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n3, 63, TrafficClass, FlowLabel).Srh([d, n3, t], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} routed by table T", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.T did not forward the packet by its table (t2) with SL, DA and hop limit updated and all else intact.");
    }

    [Test]
    [NegativeControl("EndDt6MainTable", Why = "End.DT6 looks up the main table (t3) instead of table 100 (t2)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DT6 looks up the main table: the inner packet leaves by t3")]
    [TestPurpose(Id = "TP-DT6-BV-01", Requires = new[] { "End.DT6" }, Feature = "End.DT6",
        Title = "End.DT6 removes the outer header and looks the inner packet up in its table",
        Requirements = new[] { "RFC8986-4.6-END-DT6-ULH-S01-S04", "RFC8200-3-HOP-LIMIT-DECREMENT" },
        Stimulus = "10 × (A,DT6)(DT6;SL=0)(A,D3) ICMPv6 echo request (inner hop limit 64, traffic class 0x2e, flow label 0x12345) into t1 (the End.DT6 table routes D3 via t2, the main table via t3)",
        Expected = "10 × the inner packet (A,D3) alone out of t2, hop limit 63 (forwarded once), every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDt6LooksTheInnerPacketUpInItsTable()
    {
        IPAddress a = Address("A"), d3 = Address("D3"), dt6 = Sid("end_dt6");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, dt6).Srh([dt6], 0)
                .Encapsulate(new Harness.Packets.PacketBuilder().RawIp().Ipv6(a, d3, 64, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d3, 63, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"inner packet {i} routed by table T", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DT6 did not decapsulate and route the inner packet by its table (t2) with the inner packet intact.");
    }
}
