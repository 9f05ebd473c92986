using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.4 End.DX6 and §4.5 End.DX4 (decapsulation and cross-connect to a next hop), the
/// decapsulation behaviours' SRH check (Segments Left must be 0) and §4.1.1 (an upper-layer header
/// the SID does not accept). The lab routes the inner destinations via t3, the cross-connects'
/// next hops are on t2.
/// </summary>
[TestFixture, Category("Decapsulation")]
public sealed class DecapsulationCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    [Test]
    [NegativeControl("EndDx6AsDt6", Why = "End.DX6 programmed as a main-table lookup: the inner packet leaves by t3")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DX6 programmed as a main-table lookup: the inner packet leaves by t3")]
    [TestPurpose(Id = "TP-DX6-BV-01", Requires = new[] { "End.DX6" }, Feature = "End.DX6",
        Title = "End.DX6 removes the outer header and forwards the inner IPv6 packet to its adjacency",
        Requirements = new[] { "RFC8986-4.4-END-DX6-ULH-S01-S03", "RFC8200-3-HOP-LIMIT-DECREMENT" },
        Stimulus = "10 × (A,DX6)(DX6;SL=0)(A,D3) ICMPv6 echo request (inner hop limit 64, traffic class 0x2e, flow label 0x12345) into t1 (J = the next hop on t2; the FIB routes D3 via t3)",
        Expected = "10 × the inner packet (A,D3) alone out of t2 (to J), hop limit 63 (forwarded once), every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDx6CrossConnectsTheInnerPacket()
    {
        IPAddress a = Address("A"), d3 = Address("D3"), dx6 = Sid("end_dx6");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, dx6).Srh([dx6], 0)
                .Encapsulate(new PacketBuilder().Ipv6(a, d3, 64, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d3, 63, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"inner packet {i} to the adjacency", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DX6 did not decapsulate and send the intact inner packet to its adjacency on t2.");
    }

    [Test]
    [NegativeControl("EndDx4WrongAdjacency", NoLinuxModePasses = true, Why = "End.DX4 cross-connects to the next hop behind t3; no Linux mode passes (DEV-LINUX-016: ARP for the inner destination)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DX4 cross-connects to the next hop behind t3")]
    [TestPurpose(Id = "TP-DX4-BV-01", Requires = new[] { "End.DX4" }, Feature = "End.DX4",
        Title = "End.DX4 removes the outer header and forwards the inner IPv4 packet to its adjacency",
        Requirements = new[] { "RFC8986-4.5-END-DX4-ULH-S01-S03" },
        Stimulus = "10 × (A,DX4)(DX4;SL=0)(A4,D4X) ICMP echo request (TTL 64, TOS 0x2e, identification 0x4242+i) into t1 (J = the IPv4 next hop on t2; the FIB routes D4X via t3)",
        Expected = "10 × the inner IPv4 packet alone out of t2 (to J), TTL 63 and header checksum updated (forwarded once), every other field as sent; nothing out of t3 or anywhere else")]
    public async Task EndDx4CrossConnectsTheInnerPacket()
    {
        IPAddress a = Address("A"), a4 = Address("A4"), d4x = Address("D4X"), dx4 = Sid("end_dx4");
        static PacketBuilder Inner(PacketBuilder b, IPAddress s, IPAddress d, byte ttl, int i) =>
            b.Ipv4(s, d, ttl, 0x2e, (ushort)(0x4242 + i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i));
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, dx4).Srh([dx4], 0).Encapsulate(Inner(new PacketBuilder(), a4, d4x, 64, i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            Inner(OutOf("t2"), a4, d4x, 63, i).Build(), $"inner IPv4 packet {i} to the adjacency", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.DX4 did not decapsulate and send the intact inner IPv4 packet to its adjacency on t2.");
    }

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-011); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect segments-left-not-checked: End.DX6 decapsulates with Segments Left 1 instead of a Parameter Problem")]
    [TestPurpose(Id = "TP-DECAP-BI-01", Requires = new[] { "End.DX6", "icmp_errors.parameter_problem" }, Feature = "End.DX6",
        Title = "A decapsulating SID (End.DX6) with Segments Left > 0: Parameter Problem pointing at Segments Left, packet discarded",
        Requirements = new[] { "RFC8986-4.4-END-DX6-S02-S04-SL-NONZERO" },
        Stimulus = "10 × (A,DX6)(N2,DX6;SL=1)(A,D3) ICMPv6 echo request into t1",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 43 (the Segments Left octet), to A out of t1 from a DUT address, quoting the packet; nothing out of t2 or t3")]
    public async Task DecapsulationWithSegmentsLeftIsAParameterProblem()
    {
        IPAddress a = Address("A"), n2 = Address("N2"), d3 = Address("D3"), dx6 = Sid("end_dx6");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, dx6).Srh([n2, dx6], 1)
                .Encapsulate(new PacketBuilder().Ipv6(a, d3).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build()).ToList();
        const uint pointerToSegmentsLeft = 40 + 3;
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 4, 0, pointerToSegmentsLeft, $"Parameter Problem for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "End.DX6 with SL > 0 was not answered with Parameter Problem code 0 pointing at Segments Left, or was not discarded.");
    }

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-012); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect upper-layer-error-not-sent: TCP to the SID is discarded without the Parameter Problem")]
    [TestPurpose(Id = "TP-ULH-BI-01", Requires = new[] { "End", "icmp_errors.parameter_problem" }, Feature = "End",
        Title = "An upper-layer header the End SID does not accept (TCP): Parameter Problem code 4 pointing at it",
        Requirements = new[] { "RFC8986-4.1.1-ULH-S03-S05-PARAM-PROBLEM", "RFC8986-4.1-END-S02-S04-SL-ZERO" },
        Stimulus = "10 × (A,S)(S,N2;SL=0) TCP SYN (40000+i)→9 into t1 (S = the End SID). TCP, because a SID is expected to allow ICMPv6 and UDP for OAM (RFC 9259 ping and traceroute to a SID, TP-PING-*/TP-TRACE-*), not TCP",
        Expected = "10 × ICMPv6 Parameter Problem code 4, pointer 80 (40 + the 40-octet SRH: the TCP header), to A out of t1 from a DUT address, quoting the packet; nothing out of t2 or t3")]
    public async Task DisallowedUpperLayerHeaderIsAParameterProblem()
    {
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([s, n2], 0).Tcp((ushort)(40000 + i), 9, TcpFlags.Syn, (uint)(1000 + i)).Build()).ToList();
        const uint pointerToUpperLayer = 40 + 8 + 2 * 16;
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 4, 4, pointerToUpperLayer, $"Parameter Problem (code 4) for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "TCP at an End SID with SL=0 was not answered with Parameter Problem code 4 pointing at the upper-layer header, or was not discarded.");
    }
}
