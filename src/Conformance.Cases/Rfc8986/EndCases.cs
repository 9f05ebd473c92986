using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>RFC 8986 §4.1 End: the basic SRv6 endpoint behaviour, at the DUT's End SID.</summary>
[TestFixture, Category("End")]
public sealed class EndCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated (its address routed on): the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-END-BV-01", Requires = new[] { "End" }, Feature = "End",
        Title = "End with Segments Left > 0 moves the packet to the next segment",
        Requirements = new[] { "RFC8986-4.1-END-S12-S15" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (S = the End SID, N2 = a downstream SID behind t2)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2 with hop limit 63; every other field unchanged (other SRH fields, traffic class, flow label, payload and its checksum); nothing else on any port")]
    public async Task EndWithSegmentsLeftAboveZero()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End did not forward to Segment List[SL-1] with SL and hop limit decremented and all else intact.");
    }

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated (its address routed on): no local answer")]
    [TestPurpose(Id = "TP-END-BV-02", Requires = new[] { "End" }, Feature = "End",
        Title = "End with Segments Left = 0 processes an allowed upper-layer header locally",
        Requirements = new[] { "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC8986-4.1-END-S02-S04-SL-ZERO" },
        Stimulus = "10 × (A,S)(S,N2;SL=0) ICMPv6 echo request into t1 (the End SID is the final segment)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 with the same identifier, sequence and data; nothing else on any port")]
    public async Task EndWithSegmentsLeftZeroAnswersLocally()
    {
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([s, n2], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End did not process the ICMPv6 echo request at SL=0 locally.");
    }

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "ConformingReplyTests", Why = "no known Linux mode passes (DEV-LINUX-002); the judgement of a conforming reply is shown offline in ConformingReplyTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect time-exceeded-after-srh-update: the Time Exceeded quotes the rewritten packet")]
    [TestPurpose(Id = "TP-END-BI-01", Requires = new[] { "End", "icmp_errors.time_exceeded" }, Feature = "End",
        Title = "End with hop limit 1 sends Time Exceeded and does not forward",
        Requirements = new[] { "RFC8986-4.1-END-S05-S07-TIME-EXCEEDED" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request with hop limit 1 into t1",
        Expected = "10 × ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address, quoting the packet as received (hop limit 1, SL=2, DA=S); nothing out of t2")]
    public async Task EndWithHopLimitOneSendsTimeExceeded()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 1).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 3, 0, 0, $"Time Exceeded for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        CheckErrorSources(j);
        Verdict(j, "End with hop limit 1 did not answer Time Exceeded (code 0) quoting the received packet, or forwarded it.");
    }

    /// <summary>The DUT may choose which of its addresses sources an ICMP error, but it must be one of its own.</summary>
    internal static void CheckErrorSources(Judgement j)
    {
        var foreign = j.Matched.Where(m => !DutAddresses.Contains(m.ReceivedDecoded.Ipv6!.Src)).Select(m => m.ReceivedDecoded.Ipv6!.Src).Distinct().ToList();
        if (foreign.Count > 0) Fail($"ICMPv6 errors came from {string.Join(", ", foreign)}, which is not an address of the DUT.");
    }
}
