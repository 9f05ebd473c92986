using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>RFC 8754 §2.1.2 HMAC, per-interface SRv6 acceptance, RFC 8754 §5.1 / RFC 9602 §5 edge filtering, RFC 9259 §2.1.1 O-flag.</summary>
[TestFixture]
public sealed class SecurityAndOamTests
{
    private static readonly byte[] Data = [4, 5, 6];

    private static NodeConfig WithInterface(NodeConfig c, string name, Func<InterfaceConfig, InterfaceConfig> change) =>
        c with { Interfaces = c.Interfaces.Select(i => i.Name == name ? change(i) : i).ToList() };

    // ------------------------------------------------------------ HMAC

    /// <summary>
    /// The HMAC field computed here from RFC 8754 §2.1.2.1's list, independently of the node: Source address | Last Entry |
    /// Flags | "HMAC 16 bits following Length" | HMAC Key ID | all addresses of the Segment List; the digest in the first
    /// octets of a 32-octet field, the rest zero.
    /// </summary>
    private static byte[] RfcHmac(HmacKeyConfig key, IPAddress src, IReadOnlyList<IPAddress> segs, byte flags, ushort dAndReserved)
    {
        var text = new List<byte>();
        text.AddRange(src.GetAddressBytes());
        text.Add((byte)(segs.Count - 1));
        text.Add(flags);
        text.Add((byte)(dAndReserved >> 8)); text.Add((byte)dAndReserved);
        var id = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(id, key.KeyId); text.AddRange(id);
        foreach (var s in segs) text.AddRange(s.GetAddressBytes());
        var digest = key.Algorithm == HmacAlgorithmId.Sha1 ? HMACSHA1.HashData(key.Secret, text.ToArray()) : HMACSHA256.HashData(key.Secret, text.ToArray());
        var field = new byte[32];
        digest.AsSpan(0, Math.Min(32, digest.Length)).CopyTo(field);
        return field;
    }

    private static readonly IPAddress[] Segs = [D, Sid("1")];

    private static byte[] HmacStimulus(HmacTlv? tlv, IPAddress? dst = null) =>
        Into("t1").Ipv6(A, dst ?? Sid("1"), 64).Srh(new SegmentRoutingHeader
        {
            Segments = [.. Segs], SegmentsLeft = 1, Tlvs = tlv is null ? [] : [tlv],
        }).IcmpEchoRequest(1, 1, Data).Build();

    private static RefNode HmacNode(HmacPolicyMode mode, params DebugFault[] faults) =>
        new(WithInterface(BaseConfig(), "t1", i => i with { Hmac = mode }) with { DebugFaults = faults.ToHashSet() });

    private static HmacTlv Good(HmacKeyConfig k) => HmacTlv.Create(false, k.KeyId, RfcHmac(k, A, Segs, 0, 0));
    private static HmacTlv Bad(HmacKeyConfig k) { var f = RfcHmac(k, A, Segs, 0, 0); f[0] ^= 1; return HmacTlv.Create(false, k.KeyId, f); }

    /// <summary>The HMAC TLV starts right after the segment list: 40 + 8 + 2 × 16.</summary>
    private const uint HmacPointer = 80;

    [Test]
    public void RequireForwardsACorrectHmacOfEitherAlgorithm([Values] bool sha1)
    {
        var n = HmacNode(HmacPolicyMode.Require);
        var o = n.Exchange("t1", HmacStimulus(Good(sha1 ? Key1 : Key256)));
        Assert.That(o.Single().Interface, Is.EqualTo("t2"));
        Assert.That(n.Counter("hmac.verified"), Is.EqualTo(1));
    }

    [Test]
    public void RequireDropsAMissingHmacAndAnswersAWrongOneWithParameterProblem()
    {
        var n = HmacNode(HmacPolicyMode.Require);
        Assert.That(n.Exchange("t1", HmacStimulus(null)), Is.Empty);
        Assert.That(n.Counter("drop.hmac-missing"), Is.EqualTo(1));
        var bad = HmacStimulus(Bad(Key256));
        AssertIcmp6Error(n.Exchange("t1", bad), 4, 0, HmacPointer, bad);
        var unknownKey = HmacStimulus(HmacTlv.Create(false, 4242, RfcHmac(Key256 with { KeyId = 4242 }, A, Segs, 0, 0)));
        AssertIcmp6Error(n.Exchange("t1", unknownKey), 4, 0, HmacPointer, unknownKey);
    }

    [Test]
    public void VerifyIfPresentForwardsAnAbsentHmacAndRefusesAWrongOne()
    {
        var n = HmacNode(HmacPolicyMode.VerifyIfPresent);
        Assert.That(n.Exchange("t1", HmacStimulus(null)).Single().Interface, Is.EqualTo("t2"));
        Assert.That(n.Exchange("t1", HmacStimulus(Good(Key256))).Single().Interface, Is.EqualTo("t2"));
        var bad = HmacStimulus(Bad(Key1));
        AssertIcmp6Error(n.Exchange("t1", bad), 4, 0, HmacPointer, bad);
    }

    /// <summary>TP-HMAC-BI-05: "The HMAC digest is truncated to 32 octets and placed in the HMAC field" — a field cut to the
    /// first 16 octets of the valid SHA-256 digest fails verification; a SHA-1 digest in 24 octets (20 + zeros) passes.</summary>
    [Test]
    public void AnHmacFieldShorterThanTheDigestFailsVerification()
    {
        var n = HmacNode(HmacPolicyMode.VerifyIfPresent);
        var cut = HmacStimulus(HmacTlv.Create(false, Key256.KeyId, RfcHmac(Key256, A, Segs, 0, 0)[..16]));
        AssertIcmp6Error(n.Exchange("t1", cut), 4, 0, HmacPointer, cut);
        var sha1In24 = HmacStimulus(HmacTlv.Create(false, Key1.KeyId, RfcHmac(Key1, A, Segs, 0, 0)[..24]));
        Assert.That(n.Exchange("t1", sha1In24).Single().Interface, Is.EqualTo("t2"));
    }

    [Test]
    public void IgnoreForwardsEvenAWrongHmac()
    {
        var n = HmacNode(HmacPolicyMode.Ignore);
        Assert.That(n.Exchange("t1", HmacStimulus(Bad(Key256))).Single().Interface, Is.EqualTo("t2"));
    }

    [Test]
    public void TheCurrentSegmentMustBeTheDestinationUnlessTheDBitIsSet()
    {
        // A valid HMAC over the list, but the packet arrives addressed to End.X (not Segment List[1]).
        var n = HmacNode(HmacPolicyMode.Require);
        var stim = HmacStimulus(Good(Key256), dst: Sid("2"));
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, HmacPointer, stim);
    }

    [Test]
    public void TheHarnessSrhHmacIsAcceptedButOneWithoutTheSixteenBitsIsNot()
    {
        // RFC 8754 §2.1.2.1 lists "SRH: HMAC 16 bits following Length" in the Text. The harness first left those two
        // octets out (as Linux does); the node, written from the RFC's list, rejected its HMACs, and the harness was
        // corrected. Its HMAC now verifies; one computed over the text without the 16 bits does not.
        var n = HmacNode(HmacPolicyMode.Require);
        var srh = new SegmentRoutingHeader { Segments = [.. Segs], SegmentsLeft = 1 };
        srh.AddHmac(HmacAlgorithm.Sha256, Key256.Secret, Key256.KeyId, A);
        var ok = Into("t1").Ipv6(A, Sid("1"), 64).Srh(srh).IcmpEchoRequest(1, 1, Data).Build();
        Assert.That(n.Exchange("t1", ok).Single().Interface, Is.EqualTo("t2"), "the harness's RFC 8754 HMAC verifies");

        var legacy = new SegmentRoutingHeader { Segments = [.. Segs], SegmentsLeft = 1 };
        var text = SrhHmac.Text(A, legacy.EffectiveLastEntry, legacy.Flags, 0, Key256.KeyId, legacy.Segments);
        var withoutSixteenBits = text[..18].Concat(text[20..]).ToArray();
        legacy.Tlvs.Add(HmacTlv.Create(false, Key256.KeyId, SrhHmac.Compute(HmacAlgorithm.Sha256, Key256.Secret, withoutSixteenBits)));
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh(legacy).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, HmacPointer, stim);
    }

    // ------------------------------------------------------------ per-interface SRv6

    [Test]
    public void AnInterfaceWithSrv6DisabledDropsSrhPacketsToLocalSidsButForwardsTransit()
    {
        var n = new RefNode(WithInterface(BaseConfig(), "t1", i => i with { Srv6Enabled = false }));
        Assert.That(n.Exchange("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build()), Is.Empty);
        Assert.That(n.Counter("drop.srv6-disabled"), Is.EqualTo(1));
        Assert.That(n.Exchange("t1", Into("t1").Ipv6(A, S2a, 64).Srh([D, S2a], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Interface, Is.EqualTo("t2"));
        Assert.That(n.Exchange("t2", Into("t2").Ipv6(N2, Sid("1"), 64).Srh([A, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Interface, Is.EqualTo("t1"));
    }

    // ------------------------------------------------------------ SR-domain edge

    private static NodeConfig EdgeConfig() => WithInterface(BaseConfig(), "t1", i => i with { External = true }) with
    {
        Routes = [.. BaseConfig().Routes, new RouteConfig("main", IPNetwork.Parse("2001:dead::/32"), N2, "t2")],
        Srv6 = BaseConfig().Srv6 with
        {
            Domain = new DomainConfig
            {
                ProtectedPrefixes = [IPNetwork.Parse("fc00:1::/48"), IPNetwork.Parse("5f00::/16")],
                DropSrhToLocalFromExternal = true,
                SourceChecks = [new SourceCheckConfig("t2", IPNetwork.Parse("fc00:1::/48"), [IPNetwork.Parse("2001:db8::/32")])],
            },
        },
    };

    [TestCase("fc00:1::")]
    [TestCase("fc00:1:0:ffff:ffff:ffff:ffff:ffff")]
    [TestCase("fc00:1:0:1234:5678:9abc:def0:1")]
    [TestCase("fc00:1::1")]
    [TestCase("5f00::")]
    [TestCase("5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [TestCase("5f00:3456:789a::1")]
    public void InsideAProtectedPrefixIsDroppedWithAdministrativelyProhibited(string dst)
    {
        var n = new RefNode(EdgeConfig());
        var stim = Into("t1").Ipv6(A, IPAddress.Parse(dst), 64).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 1, null, stim);
        // The same packet from inside the domain (t3, not external) is not filtered.
        Assert.That(n.Exchange("t3", Into("t3").Ipv6(N3, IPAddress.Parse(dst), 64).IcmpEchoRequest(1, 1, Data).Build()).Select(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 1, Code: 1 }), Has.None.True);
    }

    [TestCase("fc00:0:ffff:ffff:ffff:ffff:ffff:ffff")]
    [TestCase("fc00:2::")]
    [TestCase("5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [TestCase("5f01::")]
    public void JustOutsideAProtectedPrefixIsNotFiltered(string dst)
    {
        var n = new RefNode(EdgeConfig());
        var o = n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse(dst), 64).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(o, Has.Count.EqualTo(1), "forwarded or answered");
        Assert.That(Decode(o[0].Frame).Inner is Icmpv6Layer { Type: 1, Code: 1 }, Is.False);
        Assert.That(n.Counter("drop.edge-protected-prefix"), Is.Zero);
    }

    [Test]
    public void AnSrhToALocalAddressFromOutsideIsFiltered()
    {
        var n = new RefNode(EdgeConfig());
        var stim = Into("t1").Ipv6(A, T3, 64).Srh([D, T3], 1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 1, null, stim);
        Assert.That(n.Counter("drop.edge-srh-to-local"), Is.EqualTo(1));
    }

    [Test]
    public void TheSourceCheckAdmitsInsideSourcesOnly()
    {
        var n = new RefNode(EdgeConfig());
        var inside = n.Exchange("t2", Into("t2").Ipv6(N2, Sid("1"), 64).Srh([A, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(inside.Single().Interface, Is.EqualTo("t1"));
        var outside = n.Exchange("t2", Into("t2").Ipv6(IPAddress.Parse("2001:dead::1"), Sid("1"), 64).Srh([A, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build());
        var d = Decode(outside.Single().Frame);
        Assert.That((outside[0].Interface, ((Icmpv6Layer)d.Inner).Type, ((Icmpv6Layer)d.Inner).Code), Is.EqualTo(("t2", (byte)1, (byte)1)));
    }

    // ------------------------------------------------------------ O-flag

    private static readonly IPAddress Collector = IPAddress.Parse("2001:db8:3::c");
    private static readonly byte[] MacCollector = [0x02, 0xbb, 0, 0, 0, 0x0c];

    private static RefNode OamNode(int? rate, int burst, IPAddress? collector = null, params DebugFault[] faults)
    {
        var b = BaseConfig();
        var n = new RefNode(b with
        {
            Srv6 = b.Srv6 with { Oam = new OamConfig { OFlagEnabled = true, Collector = collector ?? Collector, PuntRatePerSecond = rate, PuntBurst = burst } },
            DebugFaults = faults.ToHashSet(),
        });
        n.LearnNeighbour("t3", Collector, MacCollector, T3);
        n.Sink.Clear();
        return n;
    }

    private static byte[] OStimulus(ushort seq, bool oFlag = true) =>
        Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1, s => s.OFlag = oFlag).IcmpEchoRequest(1, seq, Data).Build();

    [Test]
    public void AnOFlagPacketIsForwardedAndACopyAsReceivedGoesToTheCollector()
    {
        var n = OamNode(null, 1);
        var records = new List<(DateTimeOffset, byte[])>();
        n.Engine.OamRecord += (t, m) => records.Add((t, m.ToArray()));
        var stim = OStimulus(1);
        var o = n.Exchange("t1", stim);
        Assert.That(o.Select(f => f.Interface).Order(), Is.EqualTo(new[] { "t2", "t3" }));
        var fwd = Decode(o.Single(f => f.Interface == "t2").Frame);
        Assert.That((fwd.Ipv6!.Dst, fwd.Ipv6.HopLimit, fwd.Srh!.OFlag), Is.EqualTo((D, (byte)63, true)), "forwarded, the O-flag kept");
        var export = o.Single(f => f.Interface == "t3").Frame;
        Assert.That(export[..6], Is.EqualTo(MacCollector));
        Assert.That(Ip(export), Is.EqualTo(Ip(stim)), "a full copy of the packet as received");
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Item2, Is.EqualTo(Ip(stim)));
        Assert.That(n.Exchange("t1", OStimulus(2, oFlag: false)).Single().Interface, Is.EqualTo("t2"), "no O-flag, no copy");
    }

    [Test]
    public void ThePuntRateLimitBoundsTheExports()
    {
        var n = OamNode(rate: 2, burst: 3);
        int Exports() => n.Sink.On("t3").Count;
        n.Sink.Clear();
        for (ushort i = 0; i < 10; i++) n.Send("t1", OStimulus(i));
        Assert.That(n.Sink.On("t2"), Has.Count.EqualTo(10), "every packet forwarded");
        Assert.That(Exports(), Is.EqualTo(3), "the burst");
        n.NowMs += 1000;
        n.Sink.Clear();
        for (ushort i = 0; i < 10; i++) n.Send("t1", OStimulus(i));
        Assert.That(Exports(), Is.EqualTo(2), "two a second");
        Assert.That(n.Counter("oam.suppressed"), Is.EqualTo(15));
    }

    [Test]
    public void ACollectorBehindAPolicyGetsTheCopyEncapsulated()
    {
        var n = OamNode(null, 1, IPAddress.Parse("2001:db8:e1::c"));
        var stim = OStimulus(1);
        var o = n.Exchange("t1", stim);
        Assert.That(o, Has.Count.EqualTo(2));
        var enc = o.Select(f => Decode(f.Frame)).Single(d => d.Ipv6!.Dst.Equals(S2a));
        Assert.That(((Ipv6Layer)enc.Inner).Packet.Ipv6!.Dst, Is.EqualTo(Sid("1")), "the copy, still addressed to the SID");
    }
}
