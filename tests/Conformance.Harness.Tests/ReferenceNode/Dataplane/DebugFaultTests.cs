using System.Net;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;
using CsidStructure = Conformance.ReferenceNode.Config.CsidStructure;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>Every <see cref="DebugFault"/> makes its defect visible (the suite's negative controls on this implementation),
/// and without it the same stimulus gets the right answer.</summary>
[TestFixture]
public sealed class DebugFaultTests
{
    private static readonly byte[] Data = [1, 1, 2, 3, 5];
    private static readonly IPAddress F = IPAddress.Parse("fc00:1::f");

    private static RefNode Node(DebugFault? fault, Flavors flavors = Flavors.None, Func<NodeConfig, NodeConfig>? change = null)
    {
        var c = BaseConfig([new LocalSidConfig("flv", F, Behavior.End) { Flavors = flavors }]);
        if (change is not null) c = change(c);
        return new RefNode(c with { DebugFaults = fault is { } f ? new HashSet<DebugFault> { f } : new HashSet<DebugFault>() });
    }

    [Test]
    public void EveryFaultHasATestHere()
    {
        var tested = typeof(DebugFaultTests).GetMethods().Select(m => m.Name).ToHashSet();
        Assert.That(Enum.GetNames<DebugFault>().Where(f => !tested.Contains(f)), Is.Empty);
    }

    [Test]
    public void HopLimitNotDecremented([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.HopLimitNotDecremented : null);
        var transit = Decode(n.Exchange("t1", Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        var end = Decode(n.Exchange("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((transit.Ipv6!.HopLimit, end.Ipv6!.HopLimit), Is.EqualTo(faulty ? ((byte)64, (byte)64) : ((byte)63, (byte)63)));
    }

    [Test]
    public void IcmpQuotesRewrittenPacket([Values] bool faulty)
    {
        // End rewrites DA and SL, then S15 finds no route: the Destination Unreachable must quote the packet as received.
        var n = Node(faulty ? DebugFault.IcmpQuotesRewrittenPacket : null);
        var nowhere = IPAddress.Parse("2001:db8:77::1");
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([nowhere, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build();
        var icmp = (Icmpv6Layer)Decode(n.Exchange("t1", stim).Single().Frame).Inner;
        Assert.That(icmp.Invoking!.Ipv6!.Dst, Is.EqualTo(faulty ? nowhere : Sid("1")));
        Assert.That(icmp.Data.SequenceEqual(Ip(stim)), Is.EqualTo(!faulty));
    }

    [Test]
    public void PspIgnored([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.PspIgnored : null, Flavors.Psp);
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, F, 64).Srh([D, F], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That(d.Srh is null, Is.EqualTo(!faulty));
    }

    [Test]
    public void UspIgnored([Values] bool faulty)
    {
        // USP is visible in what the node delivers: an echo reply to the SID reaches Delivered without its SRH.
        var n = Node(faulty ? DebugFault.UspIgnored : null, Flavors.Usp);
        n.Send("t1", Into("t1").Ipv6(A, F, 64).Srh([F], 0).IcmpEchoReply(1, 1, Data).Build());
        Assert.That(n.Delivered.Single()[6], Is.EqualTo(faulty ? 43 : 58));
    }

    [Test]
    public void UsdIgnored([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.UsdIgnored : null, Flavors.Usd);
        var o = n.Exchange("t1", Into("t1").Ipv6(A, F, 64).Srh([F], 0).Encapsulate(new PacketBuilder().RawIp().Ipv6(A, D, 64).IcmpEchoRequest(1, 1, Data)).Build());
        var d = Decode(o.Single().Frame);
        Assert.That(o[0].Interface, Is.EqualTo(faulty ? "t1" : "t2"));
        if (faulty) Assert.That(((Icmpv6Layer)d.Inner).Code, Is.EqualTo(4));
    }

    [Test]
    public void HeadendExtraSegment([Values] bool faulty)
    {
        // H.Encaps <S2a, S2b>: the faulty headend lists S2a once more on top (Last Entry 2, 16 bytes more), SL still 1.
        var n = Node(faulty ? DebugFault.HeadendExtraSegment : null);
        var o = n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e1::1"), 64).IcmpEchoRequest(1, 1, Data).Build());
        var d = Decode(o.Single().Frame);
        Assert.That(d.Srh!.Segments, Is.EqualTo(faulty ? new[] { S2b, S2a, S2a } : new[] { S2b, S2a }));
        Assert.That((d.Ipv6!.Dst, (int)d.Srh.SegmentsLeft), Is.EqualTo((S2a, 1)));
        Assert.That(CompressionMetrics.Measure(o[0].Frame.AsSpan(14))!.Value.E, Is.EqualTo(faulty ? 40 + 8 + 48 : 40 + 8 + 32));
    }

    private static readonly IPAddress Collector = IPAddress.Parse("2001:db8:3::c");

    private static RefNode OamNode(DebugFault? fault)
    {
        var n = Node(fault, change: c => c with { Srv6 = c.Srv6 with { Oam = new OamConfig { OFlagEnabled = true, Collector = Collector, PuntRatePerSecond = 1, PuntBurst = 1 } } });
        n.LearnNeighbour("t3", Collector, [2, 0xbb, 0, 0, 0, 0xc], T3);
        n.Sink.Clear();
        return n;
    }

    private static byte[] OStimulus(ushort i) => Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1, s => s.OFlag = true).IcmpEchoRequest(1, i, Data).Build();

    [Test]
    public void OFlagRateLimitIgnored([Values] bool faulty)
    {
        var n = OamNode(faulty ? DebugFault.OFlagRateLimitIgnored : null);
        for (ushort i = 0; i < 5; i++) n.Send("t1", OStimulus(i));
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(faulty ? 5 : 1));
    }

    [Test]
    public void OFlagIgnored([Values] bool faulty)
    {
        var n = OamNode(faulty ? DebugFault.OFlagIgnored : null);
        n.Send("t1", OStimulus(1));
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(faulty ? 0 : 1));
        Assert.That(n.Sink.On("t2"), Has.Count.EqualTo(1));
    }

    [Test]
    public void HmacNotChecked([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.HmacNotChecked : null, change: c => c with { Interfaces = c.Interfaces.Select(i => i.Name == "t1" ? i with { Hmac = HmacPolicyMode.Require } : i).ToList() });
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh(new SegmentRoutingHeader
        { Segments = [D, Sid("1")], SegmentsLeft = 1, Tlvs = [HmacTlv.Create(false, Key256.KeyId, new byte[32])] }).IcmpEchoRequest(1, 1, Data).Build();
        Assert.That(n.Exchange("t1", stim).Single().Interface, Is.EqualTo(faulty ? "t2" : "t1"));
    }

    [Test]
    public void SegmentsLeftNotChecked([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.SegmentsLeftNotChecked : null);
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, S2a, Sid("1")], 4).IcmpEchoRequest(1, 1, new byte[40]).Build();
        var o = n.Exchange("t1", stim);
        Assert.That(o.Any(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 4 }), Is.EqualTo(!faulty));
    }

    [Test]
    public void EdgeFilterIgnored([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.EdgeFilterIgnored : null, change: c => c with
        {
            Interfaces = c.Interfaces.Select(i => i.Name == "t1" ? i with { External = true } : i).ToList(),
            Srv6 = c.Srv6 with { Domain = new DomainConfig { ProtectedPrefixes = [IPNetwork.Parse("fc00:2::/32")] } },
        });
        var o = n.Exchange("t1", Into("t1").Ipv6(A, S2a, 64).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(o.Single().Interface, Is.EqualTo(faulty ? "t2" : "t1"));
    }
    [Test]
    public void TimeExceededAfterSrhUpdate([Values] bool faulty)
    {
        // End with hop limit 1: S05-S06 answer before S13-S14, so the Time Exceeded quotes the packet as received.
        var n = Node(faulty ? DebugFault.TimeExceededAfterSrhUpdate : null);
        var stim = Into("t1").Ipv6(A, Sid("1"), 1).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build();
        var icmp = (Icmpv6Layer)Decode(n.Exchange("t1", stim).Single().Frame).Inner;
        Assert.That(icmp.Type, Is.EqualTo(3));
        Assert.That(icmp.Invoking!.Ipv6!.Dst, Is.EqualTo(faulty ? D : Sid("1")));
        Assert.That(icmp.Data.SequenceEqual(Ip(stim)), Is.EqualTo(!faulty));
    }

    [Test]
    public void NextCsidSkippedBehindExtensionHeaders([Values] bool faulty)
    {
        // RFC 9800 §4.1.1: N01-N09 run "before processing the first header [...] that is not an SRH, a Hop-by-Hop header, or a
        // Destination Options header": behind HBH and DOH the container is shifted; the defect processes it as a plain End.
        var csid = IPAddress.Parse("fc00:0:100::");
        var n = Node(faulty ? DebugFault.NextCsidSkippedBehindExtensionHeaders : null, change: c => c with
        {
            Routes = [.. c.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = c.Srv6 with
            {
                Locators = [.. c.Srv6.Locators, new LocatorConfig("next", IPNetwork.Parse("fc00:0:100::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) }],
                Sids = [.. c.Srv6.Sids, new LocalSidConfig("n-end", csid, Behavior.End) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid }],
            },
        });
        byte[] pad = [0, 0, 1, 4, 0, 0, 0, 0];
        var container = IPAddress.Parse("fc00:0:100:200::");
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, container, 64).WithExtensionHeader(0, pad).WithExtensionHeader(60, pad).Srh([D, container], 1)
            .IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, (int)d.Srh!.SegmentsLeft), Is.EqualTo(faulty ? (D, 0) : (IPAddress.Parse("fc00:0:200::"), 1)));
        // Without the extension headers the defect does not show.
        var plain = Decode(n.Exchange("t1", Into("t1").Ipv6(A, container, 64).Srh([D, container], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That(plain.Ipv6!.Dst, Is.EqualTo(IPAddress.Parse("fc00:0:200::")));
    }

    [Test]
    public void FlavorsDroppedExceptEndAndEndX([Values] bool faulty)
    {
        // As Linux seg6local installs `action End.T ... flavors next-csid`: the End.T's NEXT-C-SID is accepted but not
        // installed, so a container with a non-zero Argument is processed as by a plain End.T (next segment from the SRH);
        // the End SID keeps its PSP flavor (End and End.X are not touched).
        var csid = IPAddress.Parse("fc00:0:100::");
        var n = Node(faulty ? DebugFault.FlavorsDroppedExceptEndAndEndX : null, Flavors.Psp, c => c with
        {
            Routes = [.. c.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = c.Srv6 with
            {
                Locators = [.. c.Srv6.Locators, new LocatorConfig("next", IPNetwork.Parse("fc00:0:100::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) }],
                Sids = [.. c.Srv6.Sids, new LocalSidConfig("n-end-t", csid, Behavior.EndT) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid }],
            },
        });
        var container = IPAddress.Parse("fc00:0:100:200::");
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, container, 64).Srh([D, container], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, (int)d.Srh!.SegmentsLeft), Is.EqualTo(faulty ? (D, 0) : (IPAddress.Parse("fc00:0:200::"), 1)));
        var psp = Decode(n.Exchange("t1", Into("t1").Ipv6(A, F, 64).Srh([D, F], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That(psp.Srh, Is.Null, "End keeps PSP");
    }

    [Test]
    public void B6NextCsidInnerNotShifted([Values] bool faulty)
    {
        // RFC 9800 §4.1.4: End.B6.Encaps with NEXT-CSID shifts the inner destination (N05-N06) before the encapsulation; the
        // defect encapsulates it as received (the hop limit still decremented).
        var csid = IPAddress.Parse("fc00:0:104::");
        var n = Node(faulty ? DebugFault.B6NextCsidInnerNotShifted : null, change: c => c with
        {
            Routes = [.. c.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = c.Srv6 with
            {
                Locators = [.. c.Srv6.Locators, new LocatorConfig("next", IPNetwork.Parse("fc00:0:104::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) }],
                Sids = [.. c.Srv6.Sids, new LocalSidConfig("n-b6", csid, Behavior.EndB6Encaps) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid, Segments = [N2] }],
            },
        });
        var container = IPAddress.Parse("fc00:0:104:200::");
        var d = Decode(n.Exchange("t1", Into("t1").Ipv6(A, container, 64).Srh([D, container], 1).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        var inner = ((Ipv6Layer)d.Inner).Packet;
        Assert.That((d.Ipv6!.Dst, inner.Ipv6!.Dst, inner.Ipv6.HopLimit), Is.EqualTo((N2, faulty ? container : IPAddress.Parse("fc00:0:200::"), (byte)63)));
        // A NEXT-C-SID End is not affected.
        var end = Node(faulty ? DebugFault.B6NextCsidInnerNotShifted : null, change: c => c with
        {
            Routes = [.. c.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = c.Srv6 with
            {
                Locators = [.. c.Srv6.Locators, new LocatorConfig("next", IPNetwork.Parse("fc00:0:104::/48")) { Csid = new CsidStructure(CsidFlavorKind.Next, 32, 16) }],
                Sids = [.. c.Srv6.Sids, new LocalSidConfig("n-end", csid, Behavior.End) { PrefixLength = 48, Locator = "next", Flavors = Flavors.NextCsid }],
            },
        });
        Assert.That(Decode(end.Exchange("t1", Into("t1").Ipv6(A, container, 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame).Ipv6!.Dst, Is.EqualTo(IPAddress.Parse("fc00:0:200::")));
    }

    [Test]
    public void UpperLayerErrorNotSent([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.UpperLayerErrorNotSent : null);
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([Sid("1")], 0).Tcp(1, 2, TcpFlags.Syn, 1).Build();
        var o = n.Exchange("t1", stim);
        Assert.That(o.Any(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 4, Code: 4 }), Is.EqualTo(!faulty));
        if (faulty) Assert.That(o, Is.Empty);
    }

    [Test]
    public void PacketTooBigNotSent([Values] bool faulty)
    {
        var n = new RefNode(BaseConfig() with { DebugFaults = faulty ? new HashSet<DebugFault> { DebugFault.PacketTooBigNotSent } : new HashSet<DebugFault>() }, mtu: 1300);
        var o = n.Exchange("t1", Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, new byte[1300]).Build());
        Assert.That(o.Any(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 2 }), Is.EqualTo(!faulty));
        if (faulty) Assert.That(o, Is.Empty);
    }

    [Test]
    public void TransitSrhDropped([Values] bool faulty)
    {
        var n = Node(faulty ? DebugFault.TransitSrhDropped : null);
        var withSrh = n.Exchange("t1", Into("t1").Ipv6(A, D, 64).Srh([D, S2a], 0).IcmpEchoRequest(1, 1, Data).Build());
        var plain = n.Exchange("t1", Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, 2, Data).Build());
        Assert.That(withSrh, Has.Count.EqualTo(faulty ? 0 : 1));
        Assert.That(plain.Single().Interface, Is.EqualTo("t2"), "plain IPv6 transit is not affected");
    }

    [Test]
    public void OFlagCopiesEverything([Values] bool faulty)
    {
        var n = OamNode(faulty ? DebugFault.OFlagCopiesEverything : null);
        // One send per second: the punt rate limit (1/s, burst 1) lets each through.
        n.Send("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build()); // no O-flag
        n.NowMs += 1000;
        n.Send("t1", Into("t1").Ipv6(A, Sid("1"), 64).IcmpEchoRequest(1, 2, Data).Build());                     // no SRH
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(faulty ? 2 : 0));
        n.Sink.Clear();
        n.NowMs += 1000;
        n.Send("t1", OStimulus(3));
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(1), "an O-flag packet is punted once either way");
    }

    [Test]
    public void OFlagCopyAnswered([Values] bool faulty)
    {
        var n = OamNode(faulty ? DebugFault.OFlagCopyAnswered : null);
        n.Send("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([Sid("1")], 0, s => s.OFlag = true).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(1), "one copy exported");
        Assert.That(n.Sink.On("t1").Count(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 129 }), Is.EqualTo(faulty ? 2 : 1));
    }

    [Test]
    public void OFlagClearedOnForward([Values] bool faulty)
    {
        var n = OamNode(faulty ? DebugFault.OFlagClearedOnForward : null);
        n.Send("t1", OStimulus(1));
        Assert.That(n.Sink.On("t3"), Has.Count.EqualTo(1), "the copy is still exported");
        Assert.That(Decode(n.Sink.On("t2").Single().Frame).Srh!.OFlag, Is.EqualTo(!faulty));
    }
    [Test]
    public void SrhToLocalAddressProcessedAsEnd([Values] bool faulty)
    {
        // An SRH with Segments Left 1 to t1's own address: RFC 8754 §4.3.2 refuses it (Parameter Problem); the defect forwards it.
        var n = Node(faulty ? DebugFault.SrhToLocalAddressProcessedAsEnd : null);
        var o = n.Exchange("t1", Into("t1").Ipv6(A, T1, 64).Srh([D, T1], 1).IcmpEchoRequest(1, 1, Data).Build()).Single();
        Assert.That(o.Interface, Is.EqualTo(faulty ? "t2" : "t1"));
        if (faulty) Assert.That(Decode(o.Frame).Ipv6!.Dst, Is.EqualTo(D));
        else Assert.That(((Icmpv6Layer)Decode(o.Frame).Inner).Type, Is.EqualTo(4));
    }

    [Test]
    public void SrhToLocalAddressDropped([Values] bool faulty)
    {
        // Segments Left 0 to t1's own address: the SRH is ignored and the echo request answered; the defect discards it.
        var n = Node(faulty ? DebugFault.SrhToLocalAddressDropped : null);
        var o = n.Exchange("t1", Into("t1").Ipv6(A, T1, 64).Srh([T1, D], 0).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(o.Count(f => Decode(f.Frame).Inner is Icmpv6Layer { Type: 129 }), Is.EqualTo(faulty ? 0 : 1));
        Assert.That(n.Exchange("t1", Into("t1").Ipv6(A, T1, 64).IcmpEchoRequest(1, 2, Data).Build()), Has.Count.EqualTo(1), "without an SRH it is answered either way");
    }

    [Test]
    public void SidCounterCountsArrivals([Values] bool faulty)
    {
        // One packet processed (forwarded), one discarded (Segments Left > Last Entry + 1): the counter must say 1.
        var n = Node(faulty ? DebugFault.SidCounterCountsArrivals : null);
        n.Send("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build());
        n.Send("t1", Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, S2a, Sid("1")], 4).IcmpEchoRequest(1, 2, Data).Build());
        Assert.That(n.SidCounter("end").Packets, Is.EqualTo(faulty ? 3 : 1));
    }

    // ------------------------------------------------------------------ policy selector (draft-yang-srv6ops-policy-selector-01)

    /// <summary>A parent policy steering 2001:db8:e7::/48: a and b of priority 1 (weights 3 and 1, S2a / S2b), c of priority 2 (S2c).</summary>
    private static RefNode SelectorNode(DebugFault? fault) => Node(fault, change: c => c with
    {
        Srv6 = c.Srv6 with
        {
            Selectors =
            [
                new PolicySelectorConfig("parent")
                {
                    Steer = IPNetwork.Parse("2001:db8:e7::/48"),
                    Constituents =
                    [
                        new ConstituentConfig("a") { Segments = [S2a], Priority = 1, Weight = 3 },
                        new ConstituentConfig("b") { Segments = [S2b], Priority = 1, Weight = 1 },
                        new ConstituentConfig("c") { Segments = [S2c], Priority = 2 },
                    ],
                },
            ],
        },
    });

    /// <summary>The constituent (by its one segment) each of <paramref name="flows"/> UDP flows left with.</summary>
    private static Dictionary<string, int> SelectorSplit(RefNode n, int flows)
    {
        var count = new Dictionary<string, int>();
        for (var f = 0; f < flows; f++)
        {
            var o = Decode(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e7::1"), 64).Udp((ushort)(20000 + f), 9, Data).Build()).Single().Frame);
            var seg = o.Ipv6!.Dst.Equals(S2a) ? "a" : o.Ipv6.Dst.Equals(S2b) ? "b" : o.Ipv6.Dst.Equals(S2c) ? "c" : o.Ipv6.Dst.ToString();
            count[seg] = count.GetValueOrDefault(seg) + 1;
        }
        return count;
    }

    [Test]
    public void SelectorPriorityIgnored([Values] bool faulty)
    {
        var split = SelectorSplit(SelectorNode(faulty ? DebugFault.SelectorPriorityIgnored : null), 64);
        Assert.That(split.GetValueOrDefault("c"), faulty ? Is.GreaterThan(0) : Is.EqualTo(0), string.Join(", ", split));
    }

    [Test]
    public void SelectorWeightsIgnored([Values] bool faulty)
    {
        var split = SelectorSplit(SelectorNode(faulty ? DebugFault.SelectorWeightsIgnored : null), 400);
        var shareA = split.GetValueOrDefault("a") / 400.0;
        Assert.That(shareA, faulty ? Is.InRange(0.40, 0.60) : Is.InRange(0.68, 0.82), string.Join(", ", split));
    }

    /// <summary>Loss 1–2.5 s on the branch class's path1b (SwitchTimelineTests' simulation): the return comes after the 3 s wait-to-restore, or before it with the fault.</summary>
    [Test]
    public void SelectorNoWaitToRestore([Values] bool faulty)
    {
        var t0 = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);
        var sw = Conformance.Harness.Verdicts.SwitchTimeline.Switches(Cases.SwitchTimelineTests.Simulate(
            faulty ? Cases.SwitchTimelineTests.Node(DebugFault.SelectorNoWaitToRestore) : Cases.SwitchTimelineTests.Node(), 9, [(1.0, 2.5)]));
        Assert.That(sw, Has.Count.EqualTo(2));
        Assert.That((sw[1].At - t0).TotalSeconds - 2.5 < 3.0, Is.EqualTo(faulty));
    }

    /// <summary>80 % loss on path1b: the class leaves it, or (thresholds ignored) stays.</summary>
    [Test]
    public void SelectorThresholdIgnored([Values] bool faulty)
    {
        var sw = Conformance.Harness.Verdicts.SwitchTimeline.Switches(Cases.SwitchTimelineTests.Simulate(
            faulty ? Cases.SwitchTimelineTests.Node(DebugFault.SelectorThresholdIgnored) : Cases.SwitchTimelineTests.Node(), 4, [(1.0, 3.5)]));
        Assert.That(sw, Has.Count.EqualTo(faulty ? 0 : 1));
    }
}
