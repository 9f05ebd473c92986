using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>RFC 8986 §4.16.1 PSP: Penultimate Segment Pop of the SRH.</summary>
[TestFixture, Category("PSP")]
public sealed class PspCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    [Test]
    [NegativeControl("EndWithoutPsp", Why = "the PSP SID is a plain End")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the PSP SID is programmed without PSP: the SRH is kept")]
    [TestPurpose(Id = "TP-PSP-BV-01", Requires = new[] { "End", "PSP" }, Feature = "PSP",
        Title = "End with PSP at the penultimate segment removes the SRH",
        Requirements = new[] { "RFC8986-4.16.1.2-PSP-S14.1-S14.5" },
        Stimulus = "10 × (A,S)(D,S;SL=1) ICMPv6 echo request into t1 (S = the End SID with the PSP flavor)",
        Expected = "10 × (A,D) without SRH out of t2: next header 58, payload length reduced by the SRH's 8*(Hdr Ext Len+1), hop limit 63, ICMPv6 message and checksum unchanged; nothing else")]
    public async Task PspAtPenultimateSegmentPopsTheSrh()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end_psp");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} with the SRH popped", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "PSP did not remove the SRH at the penultimate segment exactly as S14.1–S14.5 say.");
    }

    [Test]
    [NegativeControl("PspSidMissing", Why = "the PSP SID is not programmed")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "the PSP SID is not programmed")]
    [TestPurpose(Id = "TP-PSP-BV-02", Requires = new[] { "End", "PSP" }, Feature = "PSP",
        Title = "End with PSP keeps the SRH when it is not the penultimate segment",
        Requirements = new[] { "RFC8986-4.16.1.2-PSP-S14.1-S14.5", "RFC8986-4.16.1.2-PSP-PENULTIMATE-ONLY" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 (S = the End SID with PSP; after it SL=1)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2 with the SRH kept, hop limit 63; nothing else")]
    public async Task PspKeepsTheSrhBeforeThePenultimateSegment()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end_psp");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} with the SRH kept", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "An End SID with PSP popped the SRH although the updated SL was not 0.");
    }

    [Test]
    [NegativeControl("EndWithPsp", Why = "the plain End SID pops the SRH")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "the plain End SID is programmed with PSP: it pops the SRH")]
    [TestPurpose(Id = "TP-PSP-BI-01", Requires = new[] { "End" }, Feature = "PSP",
        Title = "End without PSP keeps the SRH at the penultimate segment",
        Requirements = new[] { "RFC8986-4.1-END-S12-S15", "RFC8986-4.16.1.1-PSP-SEPARATE-SIDS" },
        Stimulus = "10 × (A,S)(D,S;SL=1) ICMPv6 echo request into t1 (S = the End SID without any flavor)",
        Expected = "10 × (A,D)(D,S;SL=0) out of t2 with the SRH kept, hop limit 63; nothing else")]
    public async Task EndWithoutPspKeepsTheSrhAtThePenultimateSegment()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).Srh([d, s], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} with the SRH kept (SL=0)", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "An End SID without PSP removed the SRH or changed it beyond SL and DA.");
    }
}
