using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §5 headends, against the intent's headend policies (IntentBuilder.ReferenceLabHeadends, rendered with dut-configs/linux/headend/; fixed
/// documentation prefixes 2001:db8:e:1..5::/64, probed across each (first, last, a seeded random address, ::1), steered into policies of S1 = N2 behind t2 and
/// S2 = N3). The headend source T is "an IPv6 address T (e.g., assigned to its loopback)" the node is configured with
/// (RFC 8986 §5.1): any address of the DUT; the expected packets carry the DUT's address on t2 (the Linux reference's
/// choice, no `ip sr tunsrc`) and the outer source is judged as "one of the DUT's addresses" (the reference node uses
/// its loopback). Outer hop limit and traffic class are the tunnel entry point's to set (RFC 2473) and are not
/// compared; the outer flow label has its own purpose.
/// </summary>
[TestFixture, Category("Headend")]
public sealed class HeadendCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>The steered prefixes of the lab's policies (E1..E5); a purpose probes across its prefix (<see cref="Across"/>).</summary>
    private static readonly IPNetwork Encaps = IPNetwork.Parse("2001:db8:e:1::/64"), EncapsRed1 = IPNetwork.Parse("2001:db8:e:2::/64"),
        EncapsRed2 = IPNetwork.Parse("2001:db8:e:3::/64"), L2Encaps = IPNetwork.Parse("2001:db8:e:4::/64"), L2EncapsRed = IPNetwork.Parse("2001:db8:e:5::/64");

    /// <summary>The one destination of the flow-label purpose (its flows differ by port, not by address).</summary>
    private static readonly IPAddress EncapsFlowTarget = IPAddress.Parse("2001:db8:e:1::1");

    /// <summary>Seed of the random destination inside each steered prefix (recorded in the evidence).</summary>
    internal const int Seed = 20261203;

    /// <summary>
    /// The destinations a headend purpose sends to inside its steered prefix: the first and the last address, one seeded
    /// random address and ::1, so that a policy narrower than its prefix (one bit longer) leaves one of them unsteered.
    /// Probe i goes to the (i mod 4)-th. Listed in the evidence.
    /// </summary>
    internal static IReadOnlyList<IPAddress> Across(IPNetwork steered)
    {
        var one = steered.BaseAddress.GetAddressBytes();
        one[^1] |= 1;
        var addresses = Harness.Tester.PrefixProbes.Across(steered, Seed, 1, new IPAddress(one)).Where(p => p.Inside).Select(p => p.Address).ToList();
        Evidence.AttachText($"Destinations across {steered} (seed {Seed}; probe i goes to the (i mod {addresses.Count})-th)", string.Join('\n', addresses));
        return addresses;
    }

    internal static readonly string[] OuterFieldsLeftToTheDut = ["ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label", "ipv6.src"];

    /// <summary>The outer source must be T, an address of the DUT (RFC 8986 §5.1); which one is the DUT's configuration.</summary>
    private static void CheckOuterSource(Judgement j)
    {
        var foreign = j.Matched.Select(m => m.ReceivedDecoded.Ipv6!.Src).Where(src => !DutAddresses.Contains(src)).Distinct().ToList();
        if (foreign.Count > 0) Fail($"the outer source {string.Join(", ", foreign)} is not an address of the DUT (T, RFC 8986 §5.1).");
    }

    private static IPAddress T => PortSpec("t2").DutIpv6;

    private static PacketBuilder InnerPacket(IPAddress dst, byte hopLimit, int i) =>
        new PacketBuilder().Ipv6(Address("A"), dst, hopLimit, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i));

    private static List<byte[]> Stimuli(IReadOnlyList<IPAddress> dsts) =>
        Enumerable.Range(0, Probes).Select(i => Into("t1").Ipv6(Address("A"), dsts[i % dsts.Count], 64, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();

    private static async Task<Judgement> EncapsulatedExchange(IPNetwork steered, Func<PacketBuilder, PacketBuilder> outer, byte innerHopLimit, string[] ignored, string what)
    {
        var dsts = Across(steered);
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            outer(OutOf("t2")).Encapsulate(InnerPacket(dsts[i % dsts.Count], innerHopLimit, i)).Build(), $"probe {i} to {dsts[i % dsts.Count]} {what}", ignored)).ToList();
        var j = await ExchangeAsync("t1", Stimuli(dsts), expected);
        CheckOuterSource(j);
        return j;
    }

    [Test]
    [NegativeControl("HeadendsMissing", Why = "no headend policy programmed")]
    [NegativeControl("HeadendPrefixNarrowed", Why = "the H.Encaps policy steers 2001:db8:e:1::/65 instead of the /64: the probes to the prefix's last address and to the random one in its upper half are not encapsulated")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the H.Encaps policy steers a /65: the upper half of the prefix is not encapsulated")]
    [TestPurpose(Id = "TP-HENCAPS-BV-01", Requires = new[] { "H.Encaps" }, Feature = "H.Encaps",
        Title = "H.Encaps pushes an outer IPv6 header (SA = T, DA = S1) with an SRH carrying the policy, the inner packet intact",
        Requirements = new[] { "RFC8986-5.1-H-ENCAPS-S01-S06", "RFC8986-5.1-H-ENCAPS-INNER-UNMODIFIED" },
        Stimulus = "10 × (A,E1) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (E1 across 2001:db8:e:1::/64, steered into the policy <N2, N3>: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence))",
        Expected = "10 × (T,N2)(N3,N2;SL=1) next header 41 carrying (A,E1) with traffic class, flow label and ICMPv6 message as sent, out of t2 (T = an address of the DUT, RFC 8986 §5.1: which one is not compared); outer hop limit, traffic class and flow label not compared (RFC 2473, RFC 6437: TP-HENCAPS-BV-03); inner hop limit not compared here (TP-HENCAPS-BV-02); nothing else")]
    public async Task HEncapsPushesTheOuterHeaderAndSrh()
    {
        IPAddress n2 = Address("N2"), n3 = Address("N3");
        var j = await EncapsulatedExchange(Encaps, o => o.Ipv6(T, n2).Srh([n3, n2], 1), 63, [.. OuterFieldsLeftToTheDut, "inner.ipv6.hop_limit"], "encapsulated in <N2, N3>");
        Verdict(j, "H.Encaps did not encapsulate the packet in (T,S1)(S2,S1;SL=1) with the inner packet intact.");
    }

    [Test]
    [NegativeControl("HeadendsMissing", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-014); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect hop-limit-not-decremented: the inner hop limit stays 64")]
    [TestPurpose(Id = "TP-HENCAPS-BV-02", Requires = new[] { "H.Encaps" }, Feature = "H.Encaps",
        Title = "H.Encaps decrements the inner IPv6 hop limit",
        Requirements = new[] { "RFC8986-5.1-H-ENCAPS-INNER-UNMODIFIED", "RFC8986-5.1-H-ENCAPS-S01-S06" },
        Stimulus = "10 × (A,E1) ICMPv6 echo request with hop limit 64 into t1 (E1 across 2001:db8:e:1::/64 as in TP-HENCAPS-BV-01)",
        Expected = "10 × encapsulated packets out of t2 as in TP-HENCAPS-BV-01 whose inner hop limit is 63; nothing else")]
    public async Task HEncapsDecrementsTheInnerHopLimit()
    {
        IPAddress n2 = Address("N2"), n3 = Address("N3");
        var j = await EncapsulatedExchange(Encaps, o => o.Ipv6(T, n2).Srh([n3, n2], 1), 63, OuterFieldsLeftToTheDut, "encapsulated, inner hop limit 63");
        Verdict(j, "H.Encaps did not decrement the inner hop limit (S05), or the packet differs otherwise.");
    }

    [Test]
    [NegativeControl("FlowLabelZero", Why = "seg6_flowlabel=0: every flow gets outer flow label 0")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "outer flow label 0 for every flow (flow-label zero)")]
    [TestPurpose(Id = "TP-HENCAPS-BV-03", Requires = new[] { "H.Encaps" }, Feature = "H.Encaps",
        Title = "H.Encaps sets the outer flow label per inner flow: one label per flow, different flows different labels",
        Requirements = new[] { "RFC6437-3-FLOW-LABEL-SAME-PER-FLOW", "RFC6437-3-FLOW-LABEL-UNIQUE", "RFC8986-5.1-H-ENCAPS-S03-FLOW-LABEL" },
        Stimulus = "4 flows × 10 UDP packets (A,E1) sport 41000+f → dport 5000, inner flow label 0, into t1 (RFC 8986 §5.1 sets the outer flow label as per RFC 6437; the encapsulating headend is the source of the outer packet)",
        Expected = "40 encapsulated packets out of t2, as in TP-HENCAPS-BV-01; within each flow every outer flow label is the same and not 0, and the 4 flows have 4 different labels; nothing else")]
    public async Task HEncapsFlowLabelFollowsTheInnerFlow()
    {
        const int flows = 4;
        IPAddress a = Address("A"), n2 = Address("N2"), n3 = Address("N3");
        static byte[] Data(int f, int i) => System.Text.Encoding.ASCII.GetBytes($"{f:D2}{i:D4}fl srv6conf".PadRight(32, '.'));
        PacketBuilder Udp(PacketBuilder b, byte hl, int f, int i) => b.Ipv6(a, EncapsFlowTarget, hl).Udp((ushort)(41000 + f), 5000, Data(f, i));
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        for (int i = 0; i < Probes; i++)
            for (int f = 0; f < flows; f++)
            {
                stimuli.Add(Udp(Into("t1"), 64, f, i).Build());
                expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(T, n2).Srh([n3, n2], 1).Encapsulate(Udp(new PacketBuilder(), 63, f, i)).Build(),
                    $"flow {f} packet {i}", [.. OuterFieldsLeftToTheDut, "inner.ipv6.hop_limit"]));
            }
        var j = await ExchangeAsync("t1", stimuli, expected);
        CheckOuterSource(j);
        var labels = j.Matched.GroupBy(m => ((UdpLayer)((Ipv6Layer)m.ReceivedDecoded.Inner!).Packet.Inner!).SrcPort)
            .ToDictionary(g => g.Key, g => g.Select(m => m.ReceivedDecoded.Ipv6!.FlowLabel).Distinct().ToList());
        Evidence.AttachText("Outer flow labels per inner flow", string.Join('\n', labels.OrderBy(k => k.Key).Select(k => $"sport {k.Key}: {string.Join(", ", k.Value.Select(l => $"0x{l:x5}"))}")));
        Verdict(j, "H.Encaps did not encapsulate every packet of the flows as expected.");
        var problems = new List<string>();
        foreach (var (port, ls) in labels)
        {
            if (ls.Count != 1) problems.Add($"flow with source port {port} got {ls.Count} different outer labels");
            else if (ls[0] == 0) problems.Add($"flow with source port {port} got outer flow label 0 (unlabelled)");
        }
        var perFlow = labels.Values.Where(l => l.Count == 1).Select(l => l[0]).ToList();
        if (perFlow.Distinct().Count() != perFlow.Count) problems.Add($"different flows share an outer flow label ({string.Join(", ", perFlow.Select(l => $"0x{l:x5}"))})");
        if (problems.Count > 0) Fail("The outer flow label does not follow the inner flow: " + string.Join("; ", problems));
    }

    [Test]
    [NegativeControl("HeadendsNotReduced", Why = "encap.red programmed as encap: the SRH is pushed")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "H.Encaps.Red programmed as H.Encaps: the SRH is pushed")]
    [TestPurpose(Id = "TP-HENCAPS-BV-04", Requires = new[] { "H.Encaps.Red" }, Feature = "H.Encaps.Red",
        Title = "H.Encaps.Red with a single-segment policy omits the SRH",
        Requirements = new[] { "RFC8986-5.2-H-ENCAPS-RED-SRH-OMITTED" },
        Stimulus = "10 × (A,E2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (E2 across 2001:db8:e:2::/64, policy <N2> configured as H.Encaps.Red: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence))",
        Expected = "10 × (T,N2) next header 41 without SRH carrying (A,E2) as sent, out of t2; outer hop limit, traffic class, flow label and inner hop limit not compared; nothing else")]
    public async Task HEncapsRedSingleSegmentOmitsTheSrh()
    {
        var j = await EncapsulatedExchange(EncapsRed1, o => o.Ipv6(T, Address("N2")), 63, [.. OuterFieldsLeftToTheDut, "inner.ipv6.hop_limit"], "encapsulated in <N2> without SRH");
        Verdict(j, "H.Encaps.Red with a one-segment policy did not encapsulate in (T,S1) without an SRH.");
    }

    [Test]
    [NegativeControl("HeadendsNotReduced", Why = "encap.red programmed as encap: the first SID stays in the SRH")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "H.Encaps.Red programmed as H.Encaps: the first SID stays in the SRH")]
    [TestPurpose(Id = "TP-HENCAPS-BV-05", Requires = new[] { "H.Encaps.Red" }, Feature = "H.Encaps.Red",
        Title = "H.Encaps.Red excludes the first SID from the pushed SRH",
        Requirements = new[] { "RFC8986-5.2-H-ENCAPS-RED-REDUCED-SRH", "RFC8986-5.1-H-ENCAPS-S01-S06" },
        Stimulus = "10 × (A,E3) ICMPv6 echo request into t1 (E3 across 2001:db8:e:3::/64, policy <N2, N3> configured as H.Encaps.Red: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence))",
        Expected = "10 × (T,N2)(N3;SL=1) — Last Entry 0, Segments Left 1 — next header 41 carrying (A,E3) as sent, out of t2; outer hop limit, traffic class, flow label and inner hop limit not compared; nothing else")]
    public async Task HEncapsRedExcludesTheFirstSid()
    {
        IPAddress n2 = Address("N2"), n3 = Address("N3");
        var j = await EncapsulatedExchange(EncapsRed2, o => o.Ipv6(T, n2).Srh([n3], 1), 63, [.. OuterFieldsLeftToTheDut, "inner.ipv6.hop_limit"], "encapsulated in the reduced SRH (N3;SL=1)");
        Verdict(j, "H.Encaps.Red did not encapsulate in (T,S1)(S2;SL=1) with the first SID only in the DA.");
    }

    private static async Task<Judgement> L2Exchange(IPNetwork steered, Func<PacketBuilder, PacketBuilder> outer, string what)
    {
        var dsts = Across(steered);
        var stimuli = Stimuli(dsts);
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            outer(OutOf("t2")).EncapsulateEthernet(Into("t1").Ipv6(Address("A"), dsts[i % dsts.Count], 64, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build(),
            $"frame {i} to {dsts[i % dsts.Count]} {what}", OuterFieldsLeftToTheDut)).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        CheckOuterSource(j);
        return j;
    }

    [Test]
    [NegativeControl("HeadendsMissing", Why = "no headend policy programmed")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "no H.Encaps.L2 policy: the frame is not encapsulated")]
    [TestPurpose(Id = "TP-HENCAPS-BV-06", Requires = new[] { "H.Encaps.L2" }, Feature = "H.Encaps.L2",
        Title = "H.Encaps.L2 encapsulates the received Ethernet frame (next header 143)",
        Requirements = new[] { "RFC8986-5.3-H-ENCAPS-L2-FRAME-AS-PAYLOAD", "RFC8986-5.3-H-ENCAPS-L2-SRH-NH-143", "RFC8986-5.3-H-ENCAPS-L2-NO-PREAMBLE-FCS" },
        Stimulus = "10 × Ethernet frames (tester t1 MAC → DUT t1 MAC) carrying (A,E4) ICMPv6 echo request into t1 (E4 across 2001:db8:e:4::/64, steered into the L2 policy <N2, N3>: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence); Linux needs an IP route to steer a frame, so the frame is an IPv6 packet routed to the policy)",
        Expected = "10 × (T,N2)(N3,N2;SL=1) with SRH next header 143 whose payload is the received frame byte for byte (MACs, EtherType, the inner packet with hop limit 64), out of t2; outer hop limit, traffic class, flow label not compared; nothing else")]
    public async Task HEncapsL2EncapsulatesTheFrame()
    {
        IPAddress n2 = Address("N2"), n3 = Address("N3");
        Verdict(await L2Exchange(L2Encaps, o => o.Ipv6(T, n2).Srh([n3, n2], 1), "encapsulated in <N2, N3>"),
            "H.Encaps.L2 did not carry the received Ethernet frame intact in (T,S1)(S2,S1;SL=1) with next header 143.");
    }

    [Test]
    [NegativeControl("HeadendsNotReduced", Why = "l2encap.red programmed as l2encap: the SRH is pushed")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "H.Encaps.L2.Red programmed as H.Encaps.L2: the SRH is pushed")]
    [TestPurpose(Id = "TP-HENCAPS-BV-07", Requires = new[] { "H.Encaps.L2.Red" }, Feature = "H.Encaps.L2.Red",
        Title = "H.Encaps.L2.Red with a single-segment policy omits the SRH (next header 143 in the outer header)",
        Requirements = new[] { "RFC8986-5.4-H-ENCAPS-L2-RED-SRH-OMITTED", "RFC8986-5.3-H-ENCAPS-L2-FRAME-AS-PAYLOAD" },
        Stimulus = "10 × Ethernet frames carrying (A,E5) ICMPv6 echo request into t1 (E5 across 2001:db8:e:5::/64, L2 policy <N2> configured as H.Encaps.L2.Red: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence))",
        Expected = "10 × (T,N2) without SRH, next header 143, whose payload is the received frame byte for byte, out of t2; outer hop limit, traffic class, flow label not compared; nothing else")]
    public async Task HEncapsL2RedOmitsTheSrh()
    {
        Verdict(await L2Exchange(L2EncapsRed, o => o.Ipv6(T, Address("N2")), "encapsulated in <N2> without SRH"),
            "H.Encaps.L2.Red with a one-segment policy did not carry the received frame intact in (T,S1) with next header 143 and no SRH.");
    }
}
