using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>RFC 8986 §4.4-§4.9 and §4.13-§4.14 (decapsulating and binding SIDs), §5 headends and H.Insert.</summary>
[TestFixture]
public sealed class DecapsulationAndHeadendTests
{
    private static readonly byte[] Data = [9, 8, 7];

    private static PacketBuilder OutOf(string ifc) => new PacketBuilder().Ethernet(new PhysicalAddress(MacOf(ifc)), new PhysicalAddress(TesterMac(ifc)));

    private static PacketBuilder Inner6(byte hop = 64) => new PacketBuilder().RawIp().Ipv6(A, D, hop, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data);
    private static PacketBuilder Inner4(byte ttl = 64) => new PacketBuilder().RawIp().Ipv4(A4, D4, ttl).Udp(5, 6, Data);

    /// <summary>End.DX6 to J (N3 on t3), End.DT6 / End.DT46 in vrf1 (D via N3 on t3); the inner hop limit decremented once.</summary>
    [TestCase("6", "dx6")]
    [TestCase("d6", "dt6")]
    [TestCase("d46", "dt46")]
    public void Ipv6Decapsulation(string sid, string name)
    {
        var n = new RefNode();
        foreach (var withSrh in new[] { true, false })
        {
            var b = Into("t1").Ipv6(A, Sid(sid), 64);
            if (withSrh) b.Srh([Sid(sid)], 0);
            var o = n.Exchange("t1", b.Encapsulate(Inner6()).Build());
            Assert.That(o.Select(f => f.Interface), Is.EqualTo(new[] { "t3" }));
            Assert.That(o[0].Frame, Is.EqualTo(OutOf("t3").Ipv6(A, D, 63, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build()));
        }
        Assert.That(n.SidCounter(name).Packets, Is.EqualTo(2));
    }

    [TestCase("4", "dx4")]
    [TestCase("d4", "dt4")]
    [TestCase("d46", "dt46")]
    public void Ipv4Decapsulation(string sid, string name)
    {
        var n = new RefNode();
        var o = n.Exchange("t1", Into("t1").Ipv6(A, Sid(sid), 64).Srh([Sid(sid)], 0).Encapsulate(Inner4()).Build());
        Assert.That(o.Select(f => f.Interface), Is.EqualTo(new[] { "t3" }));
        Assert.That(o[0].Frame, Is.EqualTo(new PacketBuilder().Ethernet(new PhysicalAddress(MacT3), new PhysicalAddress(MacN3)).Ipv4(A4, D4, 63).Udp(5, 6, Data).Build()));
        Assert.That(n.SidCounter(name).Packets, Is.EqualTo(1));
    }

    [TestCase("6")] [TestCase("4")] [TestCase("d6")] [TestCase("d4")] [TestCase("d46")] [TestCase("2:2")]
    public void DecapsulationSidsRefuseSegmentsLeftNotZero(string sid)
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid(sid), 64).Srh([Sid(sid), Sid(sid)], 1).Encapsulate(Inner6()).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, 43, stim);
    }

    [TestCase("6")] [TestCase("4")] [TestCase("d6")] [TestCase("d4")] [TestCase("d46")] [TestCase("2:2")]
    public void DecapsulationSidsRefuseAWrongUpperLayer(string sid)
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid(sid), 64).Srh([Sid(sid)], 0).Tcp(1, 2, TcpFlags.Syn, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 4, 64, stim);
    }

    [Test]
    public void EndDx6WithAnInnerIpv4GetsTheUpperLayerError()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("6"), 64).Srh([Sid("6")], 0).Encapsulate(Inner4()).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 4, 64, stim);
    }

    [Test]
    public void EndDx2ForwardsTheCarriedFrameByteForByte()
    {
        var n = new RefNode();
        var frame = new PacketBuilder().Ethernet("02:cc:00:00:00:01", "02:cc:00:00:00:02").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange("t1", Into("t1").Ipv6(A, Sid("2:2"), 64).Srh([Sid("2:2")], 0).EncapsulateEthernet(
            new PacketBuilder().Ethernet("02:cc:00:00:00:01", "02:cc:00:00:00:02").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, Data)).Build());
        Assert.That(o.Single(), Is.EqualTo(("t3", frame)));
        Assert.That(n.SidCounter("dx2").Packets, Is.EqualTo(1));
    }

    [Test]
    public void InnerHopLimitOneAfterDecapsulationGetsTimeExceededFromTheInnerSource()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("d6"), 64).Srh([Sid("d6")], 0).Encapsulate(Inner6(1)).Build();
        var o = n.Exchange("t1", stim);
        var d = Decode(o.Single().Frame);
        Assert.That((((Icmpv6Layer)d.Inner).Type, d.Ipv6!.Dst), Is.EqualTo(((byte)3, A)));
    }

    // ------------------------------------------------------------ End.B6.Encaps(.Red)

    [TestCase("b6", false)]
    [TestCase("b7", true)]
    public void BindingSidEncapsulatesTheAdvancedPacket(string sid, bool reduced)
    {
        var n = new RefNode();
        var s = Sid(sid);
        var stim = Into("t1").Ipv6(A, s, 64, 0x2e, 0x12345).Srh([D, s], 1).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange("t1", stim);
        var d = Decode(o.Single().Frame);
        var list = reduced ? new[] { S2c, S2b } : new[] { S2c, S2b, S2a };
        Assert.Multiple(() =>
        {
            Assert.That(o[0].Interface, Is.EqualTo("t2"));
            Assert.That(d.Ipv6!.Src, Is.EqualTo(Src), "S16: A");
            Assert.That(d.Ipv6.Dst, Is.EqualTo(S2a), "S17: the first SID of B");
            Assert.That(d.Srh!.Segments, Is.EqualTo(list));
            Assert.That(d.Srh.SegmentsLeft, Is.EqualTo(2));
            Assert.That(d.Srh.EffectiveLastEntry, Is.EqualTo((byte)(list.Length - 1)));
            Assert.That(d.Srh.NextHeader, Is.EqualTo(41));
            Assert.That(d.Ipv6.TrafficClass, Is.EqualTo(0x2e));
            Assert.That(d.Ipv6.FlowLabel, Is.Not.Zero);
            var inner = ((Ipv6Layer)d.Inner).Packet;
            Assert.That((inner.Ipv6!.Dst, inner.Ipv6.HopLimit, (int)inner.Srh!.SegmentsLeft), Is.EqualTo((D, (byte)63, 0)), "S12-S14 on the inner packet");
        });
        Assert.That(n.SidCounter(sid == "b6" ? "b6" : "b6red").Packets, Is.EqualTo(1));
    }

    // ------------------------------------------------------------ headends

    [Test]
    public void HEncapsPushesAnIpv6HeaderWithItsSrh()
    {
        var n = new RefNode();
        var e1 = IPAddress.Parse("2001:db8:e1::1");
        var o = n.Exchange("t1", Into("t1").Ipv6(A, e1, 64, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build());
        var d = Decode(o.Single().Frame);
        Assert.Multiple(() =>
        {
            Assert.That(o[0].Interface, Is.EqualTo("t2"));
            Assert.That((d.Ipv6!.Src, d.Ipv6.Dst, d.Ipv6.HopLimit), Is.EqualTo((Src, S2a, (byte)64)));
            Assert.That(d.Srh!.Segments, Is.EqualTo(new[] { S2b, S2a }));
            Assert.That((d.Srh.SegmentsLeft, d.Srh.NextHeader), Is.EqualTo(((byte)1, (byte)41)));
            var inner = ((Ipv6Layer)d.Inner).Packet;
            Assert.That((inner.Ipv6!.Dst, inner.Ipv6.HopLimit, inner.Ipv6.TrafficClass, inner.Ipv6.FlowLabel), Is.EqualTo((e1, (byte)63, (byte)0x2e, 0x12345u)), "S05: inner hop limit decremented");
            Assert.That(d.IsWellFormed, Is.True);
        });
    }

    [Test]
    public void HEncapsFlowLabelIsStablePerFlowAndDiffersAcrossFlows()
    {
        var n = new RefNode();
        uint Label(int port) => Decode(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e1::1"), 64).Udp((ushort)port, 53, Data).Build()).Single().Frame).Ipv6!.FlowLabel;
        var labels = Enumerable.Range(1000, 4).Select(Label).ToList();
        Assert.That(labels, Is.Unique);
        Assert.That(labels, Has.None.Zero);
        Assert.That(Label(1000), Is.EqualTo(labels[0]));
        var off = new RefNode(BaseConfig() with { Srv6 = BaseConfig().Srv6 with { FlowLabelFromInner = false } });
        Assert.That(Decode(off.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e1::1"), 64).Udp(1, 53, Data).Build()).Single().Frame).Ipv6!.FlowLabel, Is.Zero);
    }

    [Test]
    public void HEncapsRedLeavesTheFirstSidOutAndOmitsAnEmptySrh()
    {
        var n = new RefNode();
        var one = Decode(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e2::1"), 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((one.Ipv6!.Dst, one.Ipv6.NextHeader, one.Srh), Is.EqualTo((S2a, (byte)41, (SegmentRoutingHeader?)null)));
        var two = Decode(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e3::1"), 64).IcmpEchoRequest(1, 1, Data).Build()).Single().Frame);
        Assert.That((two.Ipv6!.Dst, (int)two.Srh!.SegmentsLeft, (int)two.Srh.EffectiveLastEntry), Is.EqualTo((S2a, 1, 0)));
        Assert.That(two.Srh.Segments, Is.EqualTo(new[] { S2b }));
    }

    [Test]
    public void HEncapsOfIpv4()
    {
        var n = new RefNode();
        var d = Decode(n.Exchange("t1", Into("t1").Ipv4(A4, IPAddress.Parse("10.8.0.1"), 64).Udp(1, 2, Data).Build()).Single().Frame);
        Assert.That((d.Ipv6!.Dst, d.Srh!.NextHeader), Is.EqualTo((S2a, (byte)4)));
        var v4 = (Ipv4Layer)d.Inner;
        Assert.That((v4.Ttl, v4.ChecksumValid), Is.EqualTo(((byte)63, true)));
    }

    [Test]
    public void HEncapsL2CarriesTheReceivedFrameByteForByte([Values("t4", "t5")] string ifc)
    {
        var n = new RefNode();
        var frame = new PacketBuilder().Ethernet("02:cc:00:00:00:01", "02:cc:00:00:00:02").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange(ifc, frame);
        var d = Decode(o.Single().Frame);
        Assert.That(d.Ipv6!.Dst, Is.EqualTo(S2a));
        if (ifc == "t4") Assert.That((d.Srh!.NextHeader, (int)d.Srh.SegmentsLeft, d.Srh.Segments.Count), Is.EqualTo(((byte)143, 1, 2)));
        else Assert.That((d.Srh, d.Ipv6.NextHeader), Is.EqualTo(((SegmentRoutingHeader?)null, (byte)143)));
        Assert.That(o[0].Frame[^frame.Length..], Is.EqualTo(frame));
    }

    /// <summary>TP-HENCAPS-BV-06/07: an L2 policy steered by a destination prefix (the pack's <c>steer</c>) carries the
    /// frame the matching packet arrived in, byte for byte (MACs, EtherType, hop limit as received), next header 143.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void HEncapsL2SteeredByPrefixCarriesTheReceivedFrame(bool reduced)
    {
        var cfg = BaseConfig();
        var pol = new HeadendPolicyConfig("l2steer", reduced ? HeadendMode.EncapsL2Red : HeadendMode.EncapsL2, reduced ? [S2a] : [S2a, S2b])
        { Match = IPNetwork.Parse("2001:db8:e4::/48") };
        var n = new RefNode(cfg with { Srv6 = cfg.Srv6 with { Policies = [.. cfg.Srv6.Policies, pol] } });
        foreach (var hl in new byte[] { 64, 1 })
        {
            var frame = Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e4::1"), hl, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build();
            var o = n.Exchange("t1", frame);
            Assert.That(o, Has.Count.EqualTo(1), $"hop limit {hl}: one frame out, no error");
            var d = Decode(o[0].Frame);
            Assert.That((o[0].Interface, d.Ipv6!.Src, d.Ipv6.Dst), Is.EqualTo(("t2", Src, S2a)));
            if (reduced) Assert.That((d.Srh, d.Ipv6.NextHeader), Is.EqualTo(((SegmentRoutingHeader?)null, (byte)143)));
            else Assert.That((d.Srh!.NextHeader, (int)d.Srh.SegmentsLeft, d.Srh.Segments), Is.EqualTo(((byte)143, 1, new[] { S2b, S2a })));
            Assert.That(o[0].Frame[^frame.Length..], Is.EqualTo(frame), "the received frame, MACs included, as the payload");
        }
        // An IPv4 prefix steers IPv4 frames the same way.
        var v4 = new HeadendPolicyConfig("l2steer4", HeadendMode.EncapsL2, [S2a, S2b]) { Match = IPNetwork.Parse("10.7.0.0/16") };
        var m = new RefNode(cfg with { Srv6 = cfg.Srv6 with { Policies = [.. cfg.Srv6.Policies, v4] } });
        var f4 = Into("t1").Ipv4(A4, IPAddress.Parse("10.7.0.1"), 64).Udp(1, 2, Data).Build();
        var o4 = m.Exchange("t1", f4);
        Assert.That((Decode(o4.Single().Frame).Srh!.NextHeader, o4[0].Frame[^f4.Length..]), Is.EqualTo(((byte)143, f4)));
    }

    [Test]
    public void HInsertInsertsTheSrhIntoThePacketItself()
    {
        // As HeadendInsertCases.InsertExchange: (A,E6) -> (A,S1)(E6,S2,S1;SL=2), hop limit 63, the rest as sent.
        var n = new RefNode();
        var e6 = IPAddress.Parse("2001:db8:e6::1");
        var o = n.Exchange("t1", Into("t1").Ipv6(A, e6, 64, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build());
        Assert.That(o.Single().Frame, Is.EqualTo(OutOf("t2").Ipv6(A, S2a, 63, 0x2e, 0x12345).Srh([e6, S2b, S2a], 2).IcmpEchoRequest(1, 1, Data).Build()));
    }

    [Test]
    public void AnEncapsulationBeyondTheEgressMtuGetsPacketTooBigWithTheRoomLeft()
    {
        var n = new RefNode(mtu: 1500);
        var stim = Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e1::1"), 64).IcmpEchoRequest(1, 1, new byte[1452 - 8]).Build(); // a 1492-octet packet
        var icmp = AssertIcmp6Error(n.Exchange("t1", stim), 2, 0, null, stim);
        Assert.That(icmp.Mtu, Is.EqualTo(1500 - 40 - 40), "the outer IPv6 header and the 40-octet SRH");
        var ins = Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:e6::1"), 64).IcmpEchoRequest(1, 1, new byte[1452 - 8]).Build();
        Assert.That(AssertIcmp6Error(n.Exchange("t1", ins), 2, 0, null, ins).Mtu, Is.EqualTo(1500 - 56));
    }
}
