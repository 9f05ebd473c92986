using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.2 End.X: End, then forwarding to the SID's layer-3 adjacency instead of a FIB lookup.
/// The lab routes the next segment (N3) via t3 while the End.X adjacency is on t2, so a plain End
/// (a FIB lookup) and End.X leave by different ports.
/// </summary>
[TestFixture, Category("End.X")]
public sealed class EndXCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    [Test]
    [NegativeControl("EndXAsEnd", Why = "End.X programmed as End: the FIB sends the next segment out of t3")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.X programmed as End: the next segment leaves by the FIB (t3), not the adjacency")]
    [TestPurpose(Id = "TP-ENDX-BV-01", Requires = new[] { "End.X" }, Feature = "End.X",
        Title = "End.X forwards to its adjacency, not where the FIB routes the next segment",
        Requirements = new[] { "RFC8986-4.2-END-X-S15" },
        Stimulus = "10 × (A,X)(D,N3,X;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (X = the End.X SID whose adjacency J is the next hop on t2; the FIB routes N3 via t3)",
        Expected = "10 × (A,N3)(D,N3,X;SL=1) out of t2 (the adjacency) with hop limit 63, every other field unchanged; nothing out of t3 or anywhere else")]
    public async Task EndXForwardsToItsAdjacency()
    {
        IPAddress a = Address("A"), d = Address("D"), n3 = Address("N3"), x = Sid("end_x");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, x, 64, TrafficClass, FlowLabel).Srh([d, n3, x], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n3, 63, TrafficClass, FlowLabel).Srh([d, n3, x], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} via the End.X adjacency", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.X did not send the packet to its adjacency on t2 with SL, DA and hop limit updated and all else intact.");
    }

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-010); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect time-exceeded-after-srh-update: the Time Exceeded quotes the rewritten packet")]
    [TestPurpose(Id = "TP-ENDX-BI-01", Requires = new[] { "End.X", "icmp_errors.time_exceeded" }, Feature = "End.X",
        Title = "End.X with hop limit 1 sends Time Exceeded for the packet as received and does not forward",
        Requirements = new[] { "RFC8986-4.1-END-S05-S07-TIME-EXCEEDED", "RFC8986-4.2-END-X-S15" },
        Stimulus = "10 × (A,X)(D,N3,X;SL=2) ICMPv6 echo request with hop limit 1 into t1",
        Expected = "10 × ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address, quoting the packet as received (hop limit 1, SL=2, DA=X); nothing out of t2 or t3")]
    public async Task EndXWithHopLimitOneSendsTimeExceeded()
    {
        IPAddress a = Address("A"), d = Address("D"), n3 = Address("N3"), x = Sid("end_x");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, x, 1).Srh([d, n3, x], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 3, 0, 0, $"Time Exceeded for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "End.X with hop limit 1 did not answer Time Exceeded (code 0) quoting the received packet, or forwarded it.");
    }
}
