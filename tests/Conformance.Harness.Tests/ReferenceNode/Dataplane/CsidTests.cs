using System.Net;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;
using CsidStructure = Conformance.ReferenceNode.Config.CsidStructure;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>RFC 9800 NEXT-CSID (§4.1.1-§4.1.5, F3216: 32-bit block, 16-bit C-SIDs) on End, End.X, End.T and
/// End.B6.Encaps(.Red), and REPLACE-CSID (§4.2.1-§4.2.3, 48-bit block, 32-bit C-SIDs: K = 4, index in the 2 low bits) on
/// End, End.X and End.T.</summary>
[TestFixture]
public sealed class CsidTests
{
    private static readonly byte[] Data = [7, 7];
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    private static RefNode Node(bool replaceSecondLocal = false, Flavors flavors = Flavors.None)
    {
        var b = BaseConfig();
        var sids = new List<LocalSidConfig>
        {
            new("n-end", Ip("fc00:0:100::"), Behavior.End) { PrefixLength = 48, Locator = "next", Flavors = flavors | Flavors.NextCsid },
            new("n-endx", Ip("fc00:0:101::"), Behavior.EndX) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid, NextHop = N3, Interface = "t3" },
            new("r-end", Ip("fc00:0:c:1::"), Behavior.End) { PrefixLength = 80, Locator = "replace", Flavors = flavors | Flavors.ReplaceCsid },
            new("r-endx", Ip("fc00:0:c:5::"), Behavior.EndX) { PrefixLength = 80, Locator = "replace", Flavors = Flavors.ReplaceCsid, NextHop = N3, Interface = "t3" },
        };
        if (replaceSecondLocal) sids.Add(new("r-end2", Ip("fc00:0:c:2::"), Behavior.End) { PrefixLength = 80, Locator = "replace", Flavors = Flavors.ReplaceCsid });
        return new RefNode(b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = b.Srv6 with
            {
                Locators =
                [
                    new LocatorConfig("next", IPNetwork.Parse("fc00:0:100::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) },
                    new LocatorConfig("replace", IPNetwork.Parse("fc00:0:c:1::/80")) { Csid = new CsidStructure(CsidFlavorKind.Replace, 48, 32) },
                ],
                Sids = [.. b.Srv6.Sids, .. sids],
            },
        });
    }

    [Test]
    public void NextCsidShiftsTheArgumentAndLeavesTheSrhAlone()
    {
        var n = Node();
        var stim = Into("t1").Ipv6(A, Ip("fc00:0:100:200:300::"), 64).Srh([D, Ip("fc00:0:100:200:300::")], 1).IcmpEchoRequest(1, 1, Data).Build();
        var d = Decode(n.Exchange("t1", stim).Single().Frame);
        Assert.That((d.Ipv6!.Dst, d.Ipv6.HopLimit, (int)d.Srh!.SegmentsLeft), Is.EqualTo((Ip("fc00:0:200:300::"), (byte)63, 1)), "N05-N07; Segments Left not modified");
        // Without an SRH as well.
        var bare = Decode(n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:100:200::"), 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That(bare.Ipv6!.Dst, Is.EqualTo(Ip("fc00:0:200::")));
        Assert.That(n.SidCounter("n-end").Packets, Is.EqualTo(2));
    }

    [Test]
    public void NextCsidWithArgumentZeroIsPlainEnd()
    {
        var n = Node();
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:100::"), 64).Srh([D, Ip("fc00:0:100::")], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, (int)d.Srh!.SegmentsLeft), Is.EqualTo((D, 0)));
    }

    [Test]
    public void NextCsidHopLimitOneGetsTimeExceeded()
    {
        var n = Node();
        var stim = Into("t1").Ipv6(A, Ip("fc00:0:100:200::"), 1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 3, 0, null, stim);
    }

    [Test]
    public void NextCsidEndXGoesToItsAdjacency()
    {
        var n = Node();
        var o = n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:101:200::"), 64).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That((o.Single().Interface, Decode(o[0].Frame).Ipv6!.Dst), Is.EqualTo(("t3", Ip("fc00:0:200::"))));
    }

    /// <summary>Segment List[0] packed: position 3 (least significant) = 2nd C-SID 0002:0000, position 2 = 3rd 0003:0000.</summary>
    private static readonly IPAddress Packed = Ip("::3:0:2:0");

    [Test]
    public void ReplaceCsidStartsTheNextContainerAtIndexKMinusOne()
    {
        var n = Node();
        var first = Ip("fc00:0:c:1::");
        var stim = Into("t1").Ipv6(A, first, 64).Srh([Packed, first], 1).IcmpEchoRequest(1, 1, Data).Build();
        var d = Decode(n.Exchange("t1", stim).Single().Frame);
        Assert.That((d.Ipv6!.Dst, d.Ipv6.HopLimit, (int)d.Srh!.SegmentsLeft), Is.EqualTo((Ip("fc00:0:c:2::3"), (byte)63, 0)), "R16, R17, R19, R20");
    }

    [Test]
    public void ReplaceCsidWalksThePackedContainerThenEnds()
    {
        var n = Node(replaceSecondLocal: true);
        var first = Ip("fc00:0:c:1::");
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, first, 64).Srh([Packed, first], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, d.Ipv6.HopLimit, (int)d.Srh!.SegmentsLeft), Is.EqualTo((Ip("fc00:0:c:3::2"), (byte)62, 0)), "R05, R20 at the second SID");
        // At fc00:0:c:2::2 the next position (1) is 0: S02 ends the sequence and the upper layer is processed (an echo reply).
        var last = n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:c:2::2"), 64).Srh([Ip("::0:0:2:0"), first], 0)
            .WithPseudoHeaderDestination(Ip("fc00:0:c:2::2")).IcmpEchoRequest(1, 1, Data).Build()); // RFC 9800 §6.5: the checksum uses the last SID
        Assert.That(last, Has.Count.EqualTo(1), string.Join(",", n.Engine.Counters().Values.Select(kv => kv.Key + "=" + kv.Value)));
        Assert.That(((Icmpv6Layer)Decode(last.Single().Frame).Inner).Type, Is.EqualTo(129));
    }

    [Test]
    public void ReplaceCsidChecksSegmentsLeftAgainstLastEntryWhenTheIndexIsNotZero()
    {
        var n = Node();
        var stim = Into("t1").Ipv6(A, Ip("fc00:0:c:1::2"), 64).Srh([Packed, Ip("fc00:0:c:1::")], 2).WithLastEntry(1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, 43, stim);
    }

    [Test]
    public void ReplaceCsidEndXAndPsp()
    {
        var n = Node(flavors: Flavors.Psp);
        var first = Ip("fc00:0:c:1::");
        // 2nd C-SID alone in the packed container: after R20 the sequence ends (position 2 is 0) and PSP pops the SRH (R20.1).
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, first, 64).Srh([Ip("::2:0"), first], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, d.Srh), Is.EqualTo((Ip("fc00:0:c:2::3"), (SegmentRoutingHeader?)null)));
        var x = n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:c:5::"), 64).Srh([Packed, Ip("fc00:0:c:5::")], 1).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That((x.Single().Interface, Decode(x[0].Frame).Ipv6!.Dst), Is.EqualTo(("t3", Ip("fc00:0:c:2::3"))));
    }

    /// <summary>
    /// End.T with either flavor (RFC 9800 §4.1.3 N08.1-N08.2, §4.2.3 R10.1/R21.1): the new destination is looked up in the
    /// SID's table T ("100": fc00::/16 via t3), not in the main table (fc00::/16 via t2).
    /// </summary>
    [Test]
    public void EndTWithEitherFlavorLooksUpItsTable()
    {
        var b = BaseConfig();
        var n = new RefNode(b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2"), new RouteConfig("100", IPNetwork.Parse("fc00::/16"), N3, "t3")],
            Srv6 = b.Srv6 with
            {
                Locators =
                [
                    new LocatorConfig("next", IPNetwork.Parse("fc00:0:102::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) },
                    new LocatorConfig("replace", IPNetwork.Parse("fc00:0:c:7::/80")) { Csid = new CsidStructure(CsidFlavorKind.Replace, 48, 32) },
                ],
                Sids =
                [
                    .. b.Srv6.Sids,
                    new("n-endt", Ip("fc00:0:102::"), Behavior.EndT) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid, Table = "100" },
                    new("r-endt", Ip("fc00:0:c:7::"), Behavior.EndT) { PrefixLength = 80, Locator = "replace", Flavors = Flavors.ReplaceCsid, Table = "100" },
                ],
            },
        });
        var next = n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:102:200::"), 64).Srh([D, Ip("fc00:0:102:200::")], 1).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That((next.Single().Interface, Decode(next[0].Frame).Ipv6!.Dst), Is.EqualTo(("t3", Ip("fc00:0:200::"))), "N05-N06, then N08.1-N08.2 in table 100");
        // REPLACE: index 0 at SL=1, packed container with position 3 = 0009:0001: R16-R20 write it with index 3 (R21.1-R21.2: table 100).
        var packed = Ip("::9:1");
        var replace = n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:c:7::"), 64).Srh([packed, Ip("fc00:0:c:7::")], 1).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That((replace.Single().Interface, Decode(replace[0].Frame).Ipv6!.Dst), Is.EqualTo(("t3", Ip("fc00:0:c:9:1::3"))));
    }

    /// <summary>
    /// End.B6.Encaps(.Red) with NEXT-CSID (RFC 9800 §4.1.4, §4.1.5): a non-zero Argument is shifted in the inner packet
    /// (N05-N06) and its hop limit decremented (N07) before the policy's outer header is pushed (N08.1-N08.5), Segments Left
    /// untouched, with and without SRH; Argument 0 is the plain End.B6.Encaps (RFC 8986 §4.13 S12-S19).
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void NextCsidB6EncapsulatesTheShiftedPacket(bool reduced)
    {
        var b = BaseConfig();
        var n = new RefNode(b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = b.Srv6 with
            {
                Locators = [new LocatorConfig("next", IPNetwork.Parse("fc00:0:103::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) }],
                Sids =
                [
                    .. b.Srv6.Sids,
                    new("n-b6", Ip("fc00:0:103::"), reduced ? Behavior.EndB6EncapsRed : Behavior.EndB6Encaps) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid, Segments = [S2a, S2b] },
                ],
            },
        });
        var container = Ip("fc00:0:103:200:300::");
        var o = n.Exchange("t1", Into("t1").Ipv6(A, container, 64, 0x2e, 0x12345).Srh([D, container], 1).IcmpEchoRequest(1, 1, Data).Build());
        var d = Decode(o.Single().Frame);
        var inner = ((Ipv6Layer)d.Inner).Packet;
        Assert.Multiple(() =>
        {
            Assert.That(o[0].Interface, Is.EqualTo("t2"));
            Assert.That((d.Ipv6!.Src, d.Ipv6.Dst), Is.EqualTo((Src, S2a)), "N08.2-N08.3");
            Assert.That(d.Srh!.Segments, Is.EqualTo(reduced ? new[] { S2b } : new[] { S2b, S2a }), "N08.1: an SRH with B (§4.1.5: RFC 8986 §4.14's reduced SRH)");
            Assert.That(d.Srh.NextHeader, Is.EqualTo(41));
            Assert.That((inner.Ipv6!.Dst, inner.Ipv6.HopLimit, (int)inner.Srh!.SegmentsLeft), Is.EqualTo((Ip("fc00:0:200:300::"), (byte)63, 1)), "N05-N07 on the inner packet, Segments Left not modified");
        });
        var bare = Decode(n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:103:200::"), 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((bare.Ipv6!.Dst, ((Ipv6Layer)bare.Inner).Packet.Ipv6!.Dst), Is.EqualTo((S2a, Ip("fc00:0:200::"))), "without SRH as well");
        var zero = Decode(n.Exchange("t1", Into("t1").Ipv6(A, Ip("fc00:0:103::"), 64).Srh([D, Ip("fc00:0:103::")], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        var zi = ((Ipv6Layer)zero.Inner).Packet;
        Assert.That((zero.Ipv6!.Dst, zi.Ipv6!.Dst, (int)zi.Srh!.SegmentsLeft), Is.EqualTo((S2a, D, 0)), "Argument 0: RFC 8986 §4.13 S12-S14, then S15-S19");
        Assert.That(n.SidCounter("n-b6").Packets, Is.EqualTo(3));
    }
}
