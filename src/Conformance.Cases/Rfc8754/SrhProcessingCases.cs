using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>RFC 8754 §4: how segment endpoints and transit nodes treat the SRH.</summary>
[TestFixture, Category("SRH")]
public sealed class SrhProcessingCases : ConformanceCase
{
    private const int Probes = 10;

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the End SID is not programmed")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect segments-left-not-checked: no Parameter Problem for Segments Left > Last Entry + 1")]
    [TestPurpose(Id = "TP-SRH-BI-01", Requires = new[] { "End", "icmp_errors.parameter_problem" }, Feature = "SRH",
        Title = "Segments Left greater than Last Entry + 1: Parameter Problem pointing at Segments Left, packet discarded",
        Requirements = new[] { "RFC8754-4.3.1.1-PARAM-PROBLEM-SL" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=4) ICMPv6 echo request into t1: Last Entry 2 and Hdr Ext Len 6 are consistent with the three segments, Segments Left 4 > Last Entry + 1",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 43 (the Segments Left octet), to A out of t1 from a DUT address, quoting the packet; nothing out of t2")]
    public async Task SegmentsLeftBeyondLastEntryIsAParameterProblem()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 4).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        const uint pointerToSegmentsLeft = 40 + 3;
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 4, 0, pointerToSegmentsLeft, $"Parameter Problem for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "An SRH with SL > LE+1 was not answered with Parameter Problem code 0 pointing at Segments Left, or was not discarded.");
    }

    [Test]
    [NegativeControl("ForwardingDisabled", Why = "the DUT does not forward")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect transit-srh-dropped: the transit SRH packet is discarded")]
    [TestPurpose(Id = "TP-TRANSIT-BV-01", Feature = "Transit",
        Title = "A transit node forwards on the DA and leaves the SRH untouched",
        Requirements = new[] { "RFC8754-4.2-TRANSIT-NO-INSPECT-FORWARD", "RFC8200-4-EXT-HEADERS-NOT-PROCESSED-EN-ROUTE" },
        Stimulus = "10 × (A,N2)(D,N2;SL=1) ICMPv6 echo request into t1 (N2 is not a SID of the DUT; it is routed via t2)",
        Expected = "10 × the same packet out of t2 with hop limit 63 and every other field, the SRH included, unchanged; nothing else")]
    public async Task TransitNodeLeavesTheSrhUntouched()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, n2, 64, 0x2e, 0x12345).Srh([d, n2], 1, h => h.Tag = 0x5a5a).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, 0x2e, 0x12345).Srh([d, n2], 1, h => h.Tag = 0x5a5a).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} forwarded as transit", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The transit node did not forward the packet unchanged but for the hop limit.");
    }
}
