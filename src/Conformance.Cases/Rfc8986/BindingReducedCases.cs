using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.14 End.B6.Encaps.Red: End.B6.Encaps with the reduced SRH — the first SID of the bound policy
/// B only in the outer DA, not in the pushed SRH (profile SID <c>end_b6_encaps_red</c>; B = its
/// <c>segments</c>, at least two, since a one-segment policy may omit the SRH altogether). The inner packet
/// gets End's processing (S12–S14: hop limit, Segments Left and DA); the outer source, traffic class, flow
/// label and hop limit are the DUT's (S18), the source must be one of its addresses. The reference profile
/// does not claim it (Linux has no such seg6local action): not applicable there; CatalogueConformingReceptionTests
/// proves the expectation offline.
/// </summary>
[TestFixture, Category("End.B6.Encaps")]
public sealed class BindingReducedCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>The outer fields RFC 8986 §4.13 S18 leaves to the DUT (the source is checked to be the DUT's separately).</summary>
    public static readonly string[] OuterFieldsLeftToTheDut = ["ipv6.src", "ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"];

    /// <summary>
    /// (A,B6R)(D,N2,B6R;SL=2) and the expected (DUT,B1)(Bn,…,B2;SL=n-1) next header 41 carrying (A,N2)(D,N2,B6R;SL=1)
    /// with hop limit 63, out of t2. <paramref name="policy"/> is B in path order (B1 first), at least two SIDs.
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) Exchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2, IPAddress dutT2,
        IPAddress a, IPAddress d, IPAddress n2, IPAddress b6r, IReadOnlyList<IPAddress> policy, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        if (policy.Count < 2) throw new ArgumentException("the reduced SRH needs a policy of at least two SIDs (with one, the SRH may be omitted: RFC 8986 §4.14)", nameof(policy));
        var reducedSrh = policy.Skip(1).Reverse().ToList(); // header order, B1 excluded: [0] = Bn … [n-2] = B2
        var stimuli = Enumerable.Range(0, probes).Select(i =>
            intoT1().Ipv6(a, b6r, 64, TrafficClass, FlowLabel).Srh([d, n2, b6r], 2).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            outOfT2().Ipv6(dutT2, policy[0]).Srh(reducedSrh, (byte)(policy.Count - 1))
                .Encapsulate(new PacketBuilder().Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, b6r], 1).IcmpEchoRequest(echoId, (ushort)i, data(i)))
                .Build(),
            $"probe {i} encapsulated in the reduced SRH of the bound policy", OuterFieldsLeftToTheDut)).ToList();
        return (stimuli, expected);
    }

    [Test]
    [NotClaimedByTheReferenceLab("End.B6.Encaps.Red", "CatalogueConformingReceptionTests.EndB6EncapsRedOuterSrhWithoutTheFirstSidPassesAndTheFullSrhFails")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.B6.Encaps.Red programmed as End.B6.Encaps: the pushed SRH keeps B1")]
    [TestPurpose(Id = "TP-B6RED-BV-01", Requires = new[] { "End.B6.Encaps.Red" }, Feature = "End.B6.Encaps.Red",
        Title = "End.B6.Encaps.Red pushes an outer header whose SRH excludes the first SID of the bound policy (in the DA only)",
        Requirements = new[] { "RFC8986-4.14-END-B6-ENCAPS-RED-REDUCED-SRH", "RFC8986-4.13-END-B6-ENCAPS-S15-S19", "RFC8986-4.13-END-B6-ENCAPS-S12-S14" },
        Stimulus = "10 × (A,B6R)(D,N2,B6R;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (B6R = the End.B6.Encaps.Red SID, end_b6_encaps_red; B = its policy of n ≥ 2 SIDs, B1 behind t2)",
        Expected = "10 × (DUT,B1)(Bn,…,B2;SL=n-1) — Last Entry n-2, B1 absent from the SRH — next header 41, carrying (A,N2)(D,N2,B6R;SL=1) with hop limit 63, traffic class, flow label and ICMPv6 message as sent, out of t2; outer source one of the DUT's addresses; outer hop limit, traffic class, flow label not compared (S18); nothing else")]
    public async Task EndB6EncapsRedPushesTheReducedSrh()
    {
        var policy = Profile.Parameters.Sids.TryGetValue("end_b6_encaps_red", out var s) ? s.Segments
            : throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.sids.end_b6_encaps_red, which the profile does not define.");
        if (policy.Count < 2)
            throw new TestbedException($"{Profile.SourcePath}: parameters.sids.end_b6_encaps_red.segments needs at least two SIDs to show the reduced SRH (it has {policy.Count}).");
        var (stimuli, expected) = Exchange(() => Into("t1"), () => OutOf("t2"), PortSpec("t2").DutIpv6, Address("A"), Address("D"), Address("N2"), Sid("end_b6_encaps_red"), policy, EchoId, ProbeData);
        var j = await ExchangeAsync("t1", stimuli, expected);
        var foreign = j.Matched.Select(m => m.ReceivedDecoded.Ipv6!.Src).Where(src => !DutAddresses.Contains(src)).Distinct().ToList();
        if (foreign.Count > 0) Fail($"the outer source {string.Join(", ", foreign)} is not an address of the DUT.");
        Verdict(j, "End.B6.Encaps.Red did not forward the packet (SRH advanced, hop limit decremented) inside an outer header whose SRH holds the bound policy without its first SID.");
    }
}
