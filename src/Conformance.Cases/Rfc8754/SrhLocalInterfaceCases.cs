using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// RFC 8754 §4.3.2: an SRH addressed to a local interface address of the DUT that is NOT a locally
/// instantiated SID (here the DUT's loopback, the locator's ::1) is treated as RFC 8200 §4.4 treats an
/// unrecognised Routing Type: with Segments Left 0 it is ignored and the next header processed; with
/// Segments Left &gt; 0 the packet is discarded with a Parameter Problem code 0 pointing at the Routing
/// Type. So a conforming DUT does NOT act as a segment endpoint for a plain interface address — what
/// Linux does when seg6_enabled=1 (every local address behaves like End; known deviation), and with
/// seg6_enabled=0 Linux drops SRH packets to local addresses silently whatever Segments Left says.
/// </summary>
[TestFixture, Category("SRH"), Category("LocalInterface")]
public sealed class SrhLocalInterfaceCases : ConformanceCase
{
    private const int Probes = 10;
    private const uint PointerToRoutingType = 40 + 2;

    private static IPAddress LocalAddress => ProfileDutConfig.Loopback(Profile);

    [Test]
    [NegativeControl("Seg6Disabled", Why = "seg6_enabled=0: Linux drops every SRH packet to a local address, even with SL=0")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect srh-to-local-address-dropped: the SRH packet with Segments Left 0 to a local address is discarded, not processed")]
    [TestPurpose(Id = "TP-LOCAL-BV-01", Feature = "SRH",
        Title = "SRH with Segments Left 0 to a local interface address (not a SID): the routing header is ignored, the upper layer processed",
        Requirements = new[] { "RFC8754-4.3.2-LOCAL-SL-ZERO-IGNORE", "RFC8200-4.4-UNRECOGNIZED-ROUTING-TYPE" },
        Stimulus = "10 × (A,L)(L,N2;SL=0) ICMPv6 echo request into t1, L = the DUT's loopback address (locator::1), which is not a SID of the profile",
        Expected = "10 × ICMPv6 echo reply (L,A) out of t1 with the same identifier, sequence and data; nothing else on any port")]
    public async Task SegmentsLeftZeroToALocalAddressIsProcessedLocally()
    {
        IPAddress a = Address("A"), n2 = Address("N2"), l = LocalAddress;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, l).Srh([l, n2], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(l, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the local address", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "An SRH with SL=0 to a local (non-SID) address was not ignored: the echo request was not answered.");
    }

    [Test]
    [NegativeControl("Seg6Disabled", NoLinuxModePasses = true, OfflineProof = "SrhConformingReplyTests", Why = "no known Linux mode passes (DEV-LINUX-041: seg6_enabled=1 acts as End, =0 drops silently); the judgement of a conforming reply is shown offline in SrhConformingReplyTests")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect srh-to-local-address-processed-as-end: the packet is forwarded to the next segment, no Parameter Problem")]
    [TestPurpose(Id = "TP-LOCAL-BI-01", Requires = new[] { "icmp_errors.parameter_problem" }, Feature = "SRH",
        Title = "SRH with Segments Left > 0 to a local interface address (not a SID): Parameter Problem code 0 pointing at the Routing Type, packet discarded",
        Requirements = new[] { "RFC8754-4.3.2-LOCAL-SL-NONZERO-PARAM-PROBLEM", "RFC8200-4.4-UNRECOGNIZED-ROUTING-TYPE" },
        Stimulus = "10 × (A,L)(D,N2,L;SL=2) ICMPv6 echo request into t1, L = the DUT's loopback address (locator::1), not a SID",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 42 (the Routing Type octet), to A out of t1 from a DUT address, quoting the packet as received; nothing out of t2 or t3 (the DUT is no segment endpoint for L)")]
    public async Task SegmentsLeftAboveZeroToALocalAddressIsAParameterProblem()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), l = LocalAddress;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, l).Srh([d, n2, l], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 4, 0, PointerToRoutingType, $"Parameter Problem for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "An SRH with SL>0 to a local address that is not a SID was not answered with Parameter Problem code 0 pointing at the Routing Type, or was not discarded.");
    }
}
