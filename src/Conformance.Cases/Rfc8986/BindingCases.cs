using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.13 End.B6.Encaps: End's S01–S14 on the received SRH (SL and DA of the inner packet
/// updated, hop limit decremented), then a new outer IPv6 header with an SRH carrying the bound
/// policy B. The outer source address, traffic class, flow label and hop limit are the DUT's to set
/// (S18); the outer source must be one of the DUT's addresses.
/// </summary>
[TestFixture, Category("End.B6.Encaps")]
public sealed class BindingCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    private static readonly string[] OuterFieldsLeftToTheDut = ["ipv6.src", "ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"];

    private static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) Exchange(byte expectedInnerHopLimit, string[] ignored)
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), b6 = Sid("end_b6_encaps");
        var policy = Profile.Parameters.Sids["end_b6_encaps"].Segments;
        if (policy.Count == 0) throw new Conformance.Harness.TestbedException("parameters.sids.end_b6_encaps.segments is empty.");
        var outerSrh = policy.Reverse().ToList(); // header order: [0] = the policy's last segment
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, b6, 64, TrafficClass, FlowLabel).Srh([d, n2, b6], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(PortSpec("t2").DutIpv6, policy[0]).Srh(outerSrh, (byte)(policy.Count - 1))
                .Encapsulate(new PacketBuilder().Ipv6(a, n2, expectedInnerHopLimit, TrafficClass, FlowLabel).Srh([d, n2, b6], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)))
                .Build(),
            $"probe {i} encapsulated in the bound policy", ignored)).ToList();
        return (stimuli, expected);
    }

    [Test]
    [NegativeControl("EndB6AsEnd", Why = "End.B6.Encaps programmed as End: no encapsulation")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.B6.Encaps programmed as End: no encapsulation")]
    [TestPurpose(Id = "TP-B6-BV-01", Requires = new[] { "End.B6.Encaps" }, Feature = "End.B6.Encaps",
        Title = "End.B6.Encaps updates the inner SRH and DA, then pushes an outer IPv6 header with an SRH carrying the bound policy",
        Requirements = new[] { "RFC8986-4.13-END-B6-ENCAPS-S15-S19", "RFC8986-4.13-END-B6-ENCAPS-S12-S14" },
        Stimulus = "10 × (A,B6)(D,N2,B6;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (B6 = the End.B6.Encaps SID, B = its policy from the profile, B1 behind t2)",
        Expected = "10 × (DUT,B1)(B reversed;SL=|B|-1) next header 41, carrying (A,N2)(D,N2,B6;SL=1) with traffic class, flow label, ICMPv6 message as sent, out of t2; outer source one of the DUT's addresses; outer hop limit, traffic class, flow label not compared (S18: the DUT's); inner hop limit not compared here (TP-B6-BV-02); nothing else")]
    public async Task EndB6EncapsPushesTheBoundPolicy()
    {
        var (stimuli, expected) = Exchange(63, [.. OuterFieldsLeftToTheDut, "inner.ipv6.hop_limit"]);
        var j = await ExchangeAsync("t1", stimuli, expected);
        var foreign = j.Matched.Select(m => m.ReceivedDecoded.Ipv6!.Src).Where(s => !DutAddresses.Contains(s)).Distinct().ToList();
        if (foreign.Count > 0) Fail($"the outer source {string.Join(", ", foreign)} is not an address of the DUT.");
        Verdict(j, "End.B6.Encaps did not forward the packet with the inner SRH advanced inside a new outer header carrying the bound policy.");
    }

    [Test]
    [NegativeControl("EndB6AsEnd", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-013); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect hop-limit-not-decremented: the inner hop limit stays 64")]
    [TestPurpose(Id = "TP-B6-BV-02", Requires = new[] { "End.B6.Encaps" }, Feature = "End.B6.Encaps",
        Title = "End.B6.Encaps decrements the hop limit of the packet it encapsulates",
        Requirements = new[] { "RFC8986-4.13-END-B6-ENCAPS-S12-S14" },
        Stimulus = "10 × (A,B6)(D,N2,B6;SL=2) ICMPv6 echo request with hop limit 64 into t1",
        Expected = "10 × encapsulated packets out of t2 as in TP-B6-BV-01 whose inner IPv6 header has hop limit 63; nothing else")]
    public async Task EndB6EncapsDecrementsTheInnerHopLimit()
    {
        var (stimuli, expected) = Exchange(63, OuterFieldsLeftToTheDut);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "End.B6.Encaps did not decrement the hop limit of the encapsulated packet (S12), or the packet differs otherwise.");
    }
}
