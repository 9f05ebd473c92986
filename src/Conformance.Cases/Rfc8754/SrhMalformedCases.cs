using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// Malformed SRHs at the End SID (RFC 8754 §4.3.1.1 S09–S13, the same checks as RFC 8986 §4.1 S08–S11):
/// every inconsistency between Hdr Ext Len, Last Entry and Segments Left that the pseudocode tests.
/// TP-SRH-BI-01 (SrhProcessingCases) covers SL &gt; LE+1 with LE consistent with the list.
/// A Hdr Ext Len beyond the IPv6 payload is judged by RFC 4443 §3.4 (RFC 8200 names no reaction to a
/// truncated extension header): MUST discard, SHOULD send Parameter Problem — so the case requires the
/// discard and accepts, but does not require, a Parameter Problem code 0 (the pointer is left to the DUT).
/// Not covered, deliberately: a TLV overrunning the header — RFC 8754 §2.1 names the reaction (Parameter
/// Problem code 0 pointing to Hdr Ext Len) only while processing TLVs, which local configuration decides
/// (§4.3.1.1 S06–S08), so a node that does not process TLVs has no reaction to show.
/// </summary>
[TestFixture, Category("SRH")]
public sealed class SrhMalformedCases : ConformanceCase
{
    private const int Probes = 10;
    private const uint PointerToSegmentsLeft = 40 + 3;

    private async Task ExpectParameterProblemAsync(IReadOnlyList<byte[]> stimuli, string failure)
    {
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 4, 0, PointerToSegmentsLeft, $"Parameter Problem for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, failure);
    }

    [Test]
    [NegativeControl("SidMissing", NoLinuxModePasses = true, OfflineProof = "SrhConformingReplyTests", Why = "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect segments-left-not-checked: no Parameter Problem for Last Entry > max_LE")]
    [TestPurpose(Id = "TP-SRH-BI-02", Requires = new[] { "End", "icmp_errors.parameter_problem" }, Feature = "SRH",
        Title = "Last Entry beyond the segment list (Last Entry > max_LE): Parameter Problem pointing at Segments Left, packet discarded",
        Requirements = new[] { "RFC8754-4.3.1.1-PARAM-PROBLEM-SL" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with Hdr Ext Len 6 (room for 3 segments, max_LE = 2) but Last Entry 5",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 43 (Segments Left), to A out of t1 from a DUT address, quoting the packet as received; nothing out of t2 or t3")]
    public async Task LastEntryBeyondTheSegmentListIsAParameterProblem()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2, h => h.LastEntry = 5).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        await ExpectParameterProblemAsync(stimuli, "An SRH with Last Entry > max_LE was not answered with Parameter Problem code 0 pointing at Segments Left, or was not discarded.");
    }

    [Test]
    [NegativeControl("SidMissing", NoLinuxModePasses = true, OfflineProof = "SrhConformingReplyTests", Why = "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect segments-left-not-checked: no Parameter Problem for a Hdr Ext Len too small")]
    [TestPurpose(Id = "TP-SRH-BI-03", Requires = new[] { "End", "icmp_errors.parameter_problem" }, Feature = "SRH",
        Title = "Hdr Ext Len too small for the segment list (Last Entry > max_LE): Parameter Problem pointing at Segments Left, packet discarded",
        Requirements = new[] { "RFC8754-4.3.1.1-PARAM-PROBLEM-SL" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1: three segments and Last Entry 2 on the wire, but Hdr Ext Len 4 (max_LE = 1); the IPv6 payload length covers every octet sent",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 43 (Segments Left), to A out of t1 from a DUT address, quoting the packet as received; nothing out of t2 or t3")]
    public async Task HdrExtLenTooSmallForTheSegmentListIsAParameterProblem()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2, h => h.HdrExtLen = 4).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        await ExpectParameterProblemAsync(stimuli, "An SRH whose Hdr Ext Len cannot hold Last Entry + 1 segments was not answered with Parameter Problem code 0 pointing at Segments Left, or was not discarded.");
    }

    [Test]
    [NegativeControl("SidMissing", NoLinuxModePasses = true, OfflineProof = "SrhConformingReplyTests", Why = "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect segments-left-not-checked: no Parameter Problem for Segments Left beyond a small Last Entry")]
    [TestPurpose(Id = "TP-SRH-BI-04", Requires = new[] { "End", "icmp_errors.parameter_problem" }, Feature = "SRH",
        Title = "Segments Left greater than Last Entry + 1 where Last Entry is smaller than the segment list: Parameter Problem pointing at Segments Left",
        Requirements = new[] { "RFC8754-4.3.1.1-PARAM-PROBLEM-SL" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with Hdr Ext Len 6 (three segments, max_LE = 2) but Last Entry 0: SL 2 > LE+1 = 1, although SL ≤ max_LE+1",
        Expected = "10 × ICMPv6 Parameter Problem code 0, pointer 43 (Segments Left), to A out of t1 from a DUT address, quoting the packet as received; nothing out of t2 or t3")]
    public async Task SegmentsLeftBeyondASmallLastEntryIsAParameterProblem()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2, h => h.LastEntry = 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        await ExpectParameterProblemAsync(stimuli, "An SRH with SL > LE+1 (LE smaller than the list) was not answered with Parameter Problem code 0 pointing at Segments Left, or was not discarded.");
    }
    [Test]
    [NegativeControl("EndSidRoutedOnwards", Why = "the SID's address is routed on as plain IPv6: the truncated SRH is forwarded")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID's address is routed on as plain IPv6: the truncated SRH is forwarded")]
    [TestPurpose(Id = "TP-SRH-BI-05", Requires = new[] { "End" }, Feature = "SRH",
        Title = "Hdr Ext Len beyond the end of the IPv6 payload: the packet is discarded (a Parameter Problem code 0 is allowed, not required)",
        Requirements = new[] { "RFC4443-3.4-PARAM-PROBLEM-DISCARD" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1, Last Entry 2 (consistent), but Hdr Ext Len 20: the SRH claims 168 octets, the IPv6 payload is 104",
        Expected = "nothing out of t2 or t3; on t1 at most one ICMPv6 Parameter Problem code 0 per probe to A (SHOULD; its pointer is the DUT's choice) and nothing else")]
    public async Task HdrExtLenBeyondThePayloadIsDiscarded()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2, h => h.HdrExtLen = 20).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var j = await ExchangeAsync("t1", stimuli, []);
        var errors = j.Unexpected.Where(u => u.Frame.Port == "t1" && u.Decoded.Inner is Conformance.Harness.Packets.Icmpv6Layer { Type: 4, Code: 0 }
            && u.Decoded.Ipv6!.Dst.Equals(a) && DutAddresses.Contains(u.Decoded.Ipv6.Src)).ToList();
        if (errors.Count > Probes) Fail($"{errors.Count} Parameter Problems for {Probes} probes.");
        Verdict(j with { Unexpected = [.. j.Unexpected.Except(errors)] },
            "A packet whose SRH runs past the end of the IPv6 payload was not discarded (forwarded, or answered otherwise than with Parameter Problem code 0).");
    }
}
