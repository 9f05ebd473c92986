using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// H.Insert, the SR headend with insertion of an SRH into the steered packet itself. H.Insert is NOT in
/// RFC 8986 (it was removed from the network-programming draft before publication); the profile vocabulary
/// names it after draft-filsfils-spring-srv6-net-pgm-insertion. The purpose cites the same behaviour under
/// its earlier name, T.Insert, in draft-filsfils-spring-srv6-network-programming-06 §5.2 (an expired
/// individual Internet-Draft, not vendored: its catalogue entry is unverified; pseudocode, no BCP 14 keyword).
/// Lab policy (IntentBuilder.ReferenceLabHeadends, dut-configs/linux/headend/H.Insert.conf): 2001:db8:e:6::/64 steered into &lt;S1 = N2, S2 = N3&gt;
/// with Linux <c>seg6 mode inline</c>.
/// </summary>
[TestFixture, Category("Headend")]
public sealed class HeadendInsertCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>A destination steered into the reference lab's H.Insert policy.</summary>
    public static readonly IPAddress Insert = IPAddress.Parse("2001:db8:e:6::1");

    /// <summary>The prefix steered into the reference lab's H.Insert policy (the purpose probes across it).</summary>
    public static readonly IPNetwork InsertPrefix = IPNetwork.Parse("2001:db8:e:6::/64");

    /// <summary>
    /// The stimuli (A,E6) and the expected packets: the same packet with an SRH (E6, S2, S1; SL=2) inserted right
    /// after the IPv6 header, DA = S1, Payload Length grown by the SRH, hop limit decremented once by forwarding,
    /// everything else (source, traffic class, flow label, the ICMPv6 message) as sent. Shared with the offline tests.
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) InsertExchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2,
        IPAddress a, IPAddress dst, IPAddress s1, IPAddress s2, ushort echoId, Func<int, byte[]> data, int probes = Probes) =>
        InsertExchange(intoT1, outOfT2, a, [dst], s1, s2, echoId, data, probes);

    /// <summary>As above, probe i to the (i mod n)-th of <paramref name="dsts"/>.</summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) InsertExchange(Func<PacketBuilder> intoT1, Func<PacketBuilder> outOfT2,
        IPAddress a, IReadOnlyList<IPAddress> dsts, IPAddress s1, IPAddress s2, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        IPAddress Dst(int i) => dsts[i % dsts.Count];
        var stimuli = Enumerable.Range(0, probes).Select(i =>
            intoT1().Ipv6(a, Dst(i), 64, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            outOfT2().Ipv6(a, s1, 63, TrafficClass, FlowLabel).Srh([Dst(i), s2, s1], 2).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(),
            $"probe {i} to {Dst(i)} with the SRH inserted", [])).ToList();
        return (stimuli, expected);
    }

    [Test]
    [NegativeControl("HInsertAsEncap", Why = "the inline policy is programmed as encap: a new outer header instead of an inserted SRH")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the H.Insert policy is programmed as H.Encaps: a new outer header instead of an inserted SRH")]
    [TestPurpose(Id = "TP-HINSERT-BV-01", Requires = new[] { "H.Insert" }, Feature = "H.Insert",
        Title = "H.Insert inserts an SRH after the IPv6 header (original DA as last segment, DA = first SID), the packet otherwise intact — text of T.Insert, its earlier name, in an expired individual Internet-Draft, not an RFC; draft-filsfils-spring-srv6-net-pgm-insertion unverified",
        Requirements = new[] { "DRAFT-FILSFILS-NWPROG-06-5.2-T-INSERT" },
        Stimulus = "10 × (A,E6) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (E6 across 2001:db8:e:6::/64, steered into the H.Insert policy <N2, N3>: to the first and the last address of the prefix, a seeded random one (seed 20261203) and ::1 in turn (listed in the evidence))",
        Expected = "10 × (A,N2)(E6,N3,N2;SL=2) out of t2: the SRH (Last Entry 2, next header 58) directly after the IPv6 header, the original DA E6 as Segment List[0], Payload Length grown by the 56-octet SRH, hop limit 63 (forwarded once), source, traffic class, flow label and ICMPv6 message (checksum valid for the final destination E6) as sent — no outer header; every field compared; nothing else")]
    public async Task HInsertInsertsTheSrhIntoThePacket()
    {
        var (stimuli, expected) = InsertExchange(() => Into("t1"), () => OutOf("t2"), Address("A"), HeadendCases.Across(InsertPrefix), Address("N2"), Address("N3"), EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "H.Insert did not insert (E6, S2, S1; SL=2) after the IPv6 header with DA = S1 and the packet otherwise intact.");
    }
}
