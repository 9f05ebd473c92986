using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>ND, ARP, the FIB, transit forwarding, ICMPv6/ICMP errors and echo, the control plane.</summary>
[TestFixture]
public sealed class NeighbourAndIcmpTests
{
    [Test]
    public void NeighborSolicitationToTheSolicitedNodeGroupIsAnsweredWithAnAdvertisement()
    {
        var n = new RefNode(resolve: false);
        var body = new byte[28];
        T1.GetAddressBytes().CopyTo(body, 4);
        body[20] = 1; body[21] = 1; MacA.CopyTo(body, 22);
        var ns = new PacketBuilder().Ethernet(new PhysicalAddress(MacA), PhysicalAddress.Parse("33-33-FF-00-00-01"))
            .Ipv6(A, SolicitedNode(T1), 255).Payload(new PacketPayload.Icmpv6(135, 0, body)).Build();
        var out1 = n.Exchange("t1", ns);
        Assert.That(out1, Has.Count.EqualTo(1));
        var d = Decode(out1[0].Frame);
        var icmp = (Icmpv6Layer)d.Inner;
        Assert.Multiple(() =>
        {
            Assert.That(out1[0].Interface, Is.EqualTo("t1"));
            Assert.That(d.Ethernet!.Destination.GetAddressBytes(), Is.EqualTo(MacA));
            Assert.That(d.Ethernet.Source.GetAddressBytes(), Is.EqualTo(MacT1));
            Assert.That(d.Ipv6!.Src, Is.EqualTo(T1));
            Assert.That(d.Ipv6.Dst, Is.EqualTo(A));
            Assert.That(d.Ipv6.HopLimit, Is.EqualTo(255));
            Assert.That(icmp.Type, Is.EqualTo(136));
            Assert.That(icmp.ChecksumValid, Is.True);
            Assert.That(icmp.Data[..0], Is.Empty);
            Assert.That(icmp.Bytes[4] & 0xE0, Is.EqualTo(0xE0), "R, S and O set");
            Assert.That(new IPAddress(icmp.Bytes[8..24]), Is.EqualTo(T1), "target");
            Assert.That(icmp.Bytes[24..26], Is.EqualTo(new byte[] { 2, 1 }), "target link-layer address option");
            Assert.That(icmp.Bytes[26..32], Is.EqualTo(MacT1));
        });
    }

    [Test]
    public void SolicitationForSomeoneElseAndWithHopLimitBelow255AreIgnored()
    {
        var n = new RefNode(resolve: false);
        var body = new byte[20];
        IPAddress.Parse("2001:db8:1::99").GetAddressBytes().CopyTo(body, 4);
        var other = Into("t1").Ipv6(A, SolicitedNode(IPAddress.Parse("2001:db8:1::99")), 255).Payload(new PacketPayload.Icmpv6(135, 0, body)).Build();
        Assert.That(n.Exchange("t1", other), Is.Empty);
        var body2 = new byte[20];
        T1.GetAddressBytes().CopyTo(body2, 4);
        var low = Into("t1").Ipv6(A, SolicitedNode(T1), 254).Payload(new PacketPayload.Icmpv6(135, 0, body2)).Build();
        Assert.That(n.Exchange("t1", low), Is.Empty);
    }

    [Test]
    public void AnUnresolvedNextHopIsSolicitedThePacketQueuedAndSentOnTheAdvertisement()
    {
        var n = new RefNode(resolve: false);
        n.LearnNeighbour("t1", A, MacA, T1);
        n.Sink.Clear();
        var stim = Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, [1, 2, 3]).Build();
        var out1 = n.Exchange("t1", stim);
        Assert.That(out1, Has.Count.EqualTo(1), "only the solicitation");
        var ns = Decode(out1[0].Frame);
        Assert.Multiple(() =>
        {
            Assert.That(out1[0].Interface, Is.EqualTo("t2"));
            Assert.That(ns.Ethernet!.Destination.GetAddressBytes(), Is.EqualTo(new byte[] { 0x33, 0x33, 0xff, 0, 0, 2 }));
            Assert.That(ns.Ipv6!.Dst, Is.EqualTo(SolicitedNode(N2)));
            Assert.That(ns.Ipv6.Src, Is.EqualTo(T2), "an address of the outgoing interface on the target's prefix");
            Assert.That(ns.Ipv6.HopLimit, Is.EqualTo(255));
            Assert.That(((Icmpv6Layer)ns.Inner).Type, Is.EqualTo(135));
            Assert.That(new IPAddress(ns.Inner.Bytes[8..24]), Is.EqualTo(N2));
        });
        // The NA releases the queued packet.
        var body = new byte[28];
        body[0] = 0x60;
        N2.GetAddressBytes().CopyTo(body, 4);
        body[20] = 2; body[21] = 1; MacN2.CopyTo(body, 22);
        var na = Into("t2").Ipv6(N2, T2, 255).Payload(new PacketPayload.Icmpv6(136, 0, body)).Build();
        var out2 = n.Exchange("t2", na);
        Assert.That(out2, Has.Count.EqualTo(1));
        var fwd = Decode(out2[0].Frame);
        Assert.Multiple(() =>
        {
            Assert.That(out2[0].Interface, Is.EqualTo("t2"));
            Assert.That(fwd.Ethernet!.Destination.GetAddressBytes(), Is.EqualTo(MacN2));
            Assert.That(fwd.Ipv6!.Dst, Is.EqualTo(D));
            Assert.That(fwd.Ipv6.HopLimit, Is.EqualTo(63));
        });
        Assert.That(n.Engine.DescribeNeighbours(), Has.Some.Contains("2001:db8:2::2").And.Some.Contains("reachable"));
    }

    [Test]
    public void ThePendingQueueIsBoundedAndGivenUpAfterThreeSolicitations()
    {
        var n = new RefNode(resolve: false);
        n.LearnNeighbour("t1", A, MacA, T1);
        for (int i = 0; i < ForwardingEngine.PendingQueueLimit + 5; i++)
            n.Send("t1", Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, (ushort)i).Build());
        Assert.That(n.Counter("drop.neighbour-queue-full"), Is.EqualTo(5));
        n.Sink.Clear();
        for (int s = 1; s <= 3; s++) { n.NowMs += 1000; n.Engine.Tick(n.Sink); }
        Assert.That(n.Sink.On("t2"), Has.Count.EqualTo(2), "two retransmissions after the first solicitation");
        Assert.That(n.Counter("drop.neighbour-unresolved"), Is.EqualTo(ForwardingEngine.PendingQueueLimit));
        // RFC 4861 §7.2.2: Destination Unreachable code 3 (Address Unreachable) for each queued packet, quoting it as received.
        var errors = n.Sink.On("t1").Select(f => Decode(f.Frame)).ToList();
        Assert.That(errors, Has.Count.EqualTo(ForwardingEngine.PendingQueueLimit));
        Assert.That(errors.Select(d => (((Icmpv6Layer)d.Inner).Type, ((Icmpv6Layer)d.Inner).Code)), Is.All.EqualTo(((byte)1, (byte)3)));
        Assert.That(((Icmpv6Layer)errors[0].Inner).Invoking!.Ipv6!.HopLimit, Is.EqualTo(64));
        Assert.That(n.Engine.DescribeNeighbours(), Has.None.Contains("2001:db8:2::2"));
    }

    [Test]
    public void ArpRequestIsAnsweredAndIpv4NextHopsAreResolvedWithArp()
    {
        var n = new RefNode(resolve: false);
        var out1 = n.Exchange("t1", Arp(1, MacA, A4, new byte[6], T14, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
        Assert.That(out1, Has.Count.EqualTo(1));
        var r = out1[0].Frame;
        Assert.Multiple(() =>
        {
            Assert.That(r[..6], Is.EqualTo(MacA));
            Assert.That(r[12..14], Is.EqualTo(new byte[] { 8, 6 }));
            Assert.That(r[21], Is.EqualTo(2), "reply");
            Assert.That(r[22..28], Is.EqualTo(MacT1));
            Assert.That(new IPAddress(r[28..32]), Is.EqualTo(T14));
        });
        var out2 = n.Exchange("t1", Into("t1").Ipv4(A4, D4, 64).Udp(1000, 2000, [9]).Build());
        Assert.That(out2, Has.Count.EqualTo(1));
        var req = out2[0].Frame;
        Assert.Multiple(() =>
        {
            Assert.That(out2[0].Interface, Is.EqualTo("t2"));
            Assert.That(req[..6], Is.EqualTo(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }));
            Assert.That(req[21], Is.EqualTo(1), "request");
            Assert.That(new IPAddress(req[38..42]), Is.EqualTo(N24));
        });
        var out3 = n.Exchange("t2", Arp(2, MacN2, N24, MacT2, IPAddress.Parse("10.0.2.1"), MacT2));
        Assert.That(out3, Has.Count.EqualTo(1));
        var fwd = Decode(out3[0].Frame);
        var v4 = (Ipv4Layer)fwd.Inner;
        Assert.Multiple(() =>
        {
            Assert.That(fwd.Ethernet!.Destination.GetAddressBytes(), Is.EqualTo(MacN2));
            Assert.That(v4.Ttl, Is.EqualTo(63));
            Assert.That(v4.ChecksumValid, Is.True);
        });
    }

    [Test]
    public void LongestPrefixWinsAndTheFibIsDescribed()
    {
        var n = new RefNode();
        var o = n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:d:1::5"), 64).IcmpEchoRequest(1, 1).Build());
        Assert.That(o.Single().Interface, Is.EqualTo("t3"), "the /64 via N3 beats the /48 via N2");
        var o2 = n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:d:2::5"), 64).IcmpEchoRequest(1, 1).Build());
        Assert.That(o2.Single().Interface, Is.EqualTo("t2"));
        Assert.That(n.Engine.DescribeFib(), Has.Some.Contains("vrf1 2001:db8:d::/48 via 2001:db8:3::3 t3"));
        Assert.That(n.Engine.DescribeFib(), Has.Some.Contains("main 2001:db8:2::/64 connected t2"));
    }

    [Test]
    public void TransitForwardingDecrementsTheHopLimitAndChangesNothingElse()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, D, 64, 0x2e, 0x12345).IcmpEchoRequest(1, 1, [1, 2, 3]).Build();
        var o = n.Exchange("t1", stim);
        var expected = new PacketBuilder().Ethernet(new PhysicalAddress(MacT2), new PhysicalAddress(MacN2)).Ipv6(A, D, 63, 0x2e, 0x12345).IcmpEchoRequest(1, 1, [1, 2, 3]).Build();
        Assert.That(o.Single().Frame, Is.EqualTo(expected));
    }

    [Test]
    public void HopLimitOneGetsTimeExceededQuotingThePacketAsReceived()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, D, 1).IcmpEchoRequest(1, 1, [1, 2, 3]).Build();
        var icmp = AssertIcmp6Error(n.Exchange("t1", stim), 3, 0, null, stim);
        Assert.That(Decode(n.Sink.Frames[0].Frame).Ipv6!.Src, Is.EqualTo(T1), "from the address of the interface it came in on");
    }

    /// <summary>
    /// RFC 8200 §3: the Hop Limit is "Decremented by 1 by each node that forwards the packet. When forwarding, the packet is
    /// discarded if Hop Limit was zero when received or is decremented to zero." A packet the node cannot forward is not
    /// forwarded: with hop limit 1 it is answered as undeliverable (no route: code 0), or discarded by a discard route, not
    /// answered with Time Exceeded. Linux does the same; the differential run (C-SID rows "outside the prefix") found the node
    /// checking the hop limit first.
    /// </summary>
    [Test]
    public void AnUnforwardablePacketWithHopLimitOneIsUnreachableNotExpired()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:99::1"), 1).IcmpEchoRequest(1, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 0, null, stim);
        Assert.That(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:dead::1"), 1).IcmpEchoRequest(1, 1).Build()), Is.Empty);
        Assert.That(n.Counter("drop.discard-route"), Is.EqualTo(1));
        // A routed one still expires.
        var routed = Into("t1").Ipv6(A, D, 1).IcmpEchoRequest(1, 2).Build();
        AssertIcmp6Error(n.Exchange("t1", routed), 3, 0, null, routed);
    }

    [Test]
    public void NoRouteGetsDestinationUnreachableCode0AndDiscardRouteDropsSilently()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:99::1"), 64).IcmpEchoRequest(1, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 0, null, stim);
        Assert.That(n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse("2001:db8:dead::1"), 64).IcmpEchoRequest(1, 1).Build()), Is.Empty);
        Assert.That(n.Counter("drop.discard-route"), Is.EqualTo(1));
    }

    [Test]
    public void UdpToALocalAddressGetsPortUnreachableFromThatAddressAndIsDelivered()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, T2, 64).Udp(33434, 33434, [1]).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 4, null, stim);
        Assert.That(Decode(n.Sink.Frames[0].Frame).Ipv6!.Src, Is.EqualTo(T2), "RFC 4443 §2.2 (a)");
        Assert.That(n.Delivered, Has.Count.EqualTo(1));
    }

    [Test]
    public void EchoRequestToAnInterfaceAddressAndToALoopbackIsAnswered([Values("2001:db8:2::1", "2001:db8:ffff::1")] string to)
    {
        var n = new RefNode();
        var o = n.Exchange("t1", Into("t1").Ipv6(A, IPAddress.Parse(to), 64).IcmpEchoRequest(7, 9, [5, 6]).Build());
        var d = Decode(o.Single().Frame);
        var icmp = (Icmpv6Layer)d.Inner;
        Assert.Multiple(() =>
        {
            Assert.That(d.Ipv6!.Src, Is.EqualTo(IPAddress.Parse(to)));
            Assert.That(d.Ipv6.Dst, Is.EqualTo(A));
            Assert.That(icmp.Type, Is.EqualTo(129));
            Assert.That((icmp.EchoId, icmp.EchoSeq), Is.EqualTo(((ushort?)7, (ushort?)9)));
            Assert.That(icmp.Data, Is.EqualTo(new byte[] { 5, 6 }));
            Assert.That(icmp.ChecksumValid, Is.True);
        });
    }

    [Test]
    public void Ipv4EchoTtlExceededAndPortUnreachable()
    {
        var n = new RefNode();
        var echo = n.Exchange("t1", Into("t1").Ipv4(A4, T14, 64).IcmpEchoRequest(3, 4, [1]).Build());
        var e = (Ipv4Layer)Decode(echo.Single().Frame).Inner;
        Assert.That((e.Src, e.Dst, e.Payload[0], e.ChecksumValid), Is.EqualTo((T14, A4, (byte)0, true)));
        var stim = Into("t1").Ipv4(A4, D4, 1).Udp(1, 2, [3]).Build();
        var te = (Ipv4Layer)Decode(n.Exchange("t1", stim).Single().Frame).Inner;
        Assert.That((te.Payload[0], te.Payload[1]), Is.EqualTo(((byte)11, (byte)0)));
        Assert.That(te.Payload[8..], Is.EqualTo(Ip(stim)), "quotes the datagram as received");
        var pu = (Ipv4Layer)Decode(n.Exchange("t1", Into("t1").Ipv4(A4, T14, 64).Udp(1, 33434, [3]).Build()).Single().Frame).Inner;
        Assert.That((pu.Payload[0], pu.Payload[1]), Is.EqualTo(((byte)3, (byte)3)));
    }

    [TestCase((byte)0x00, (byte)0xC0, (byte)0x00, TestName = "Ipv4IcmpTos_Zero")]
    [TestCase((byte)0x10, (byte)0xD0, (byte)0x10, TestName = "Ipv4IcmpTos_LowDelayBitKept")]
    [TestCase((byte)0xB8, (byte)0xD8, (byte)0xB8, TestName = "Ipv4IcmpTos_PrecedenceReplacedInErrorsKeptInReplies")]
    [TestCase((byte)0x01, (byte)0xC0, (byte)0x00, TestName = "Ipv4IcmpTos_MustBeZeroBitNotCopied")]
    public void Ipv4IcmpMessagesCarryPrecedenceAndTosAsRfc1812Says(byte tos, byte errorTos, byte replyTos)
    {
        // RFC 1812 §4.3.2.5 (not vendored): errors with precedence 6 and the provoking packet's TOS bits; a reply with
        // the request's precedence and TOS bits. Linux sends the same (the differential's F37: End.DX4, inner TTL 1).
        var n = new RefNode();
        var te = (Ipv4Layer)Decode(n.Exchange("t1", Into("t1").Ipv4(A4, D4, 1, tos).Udp(1, 2, [3]).Build()).Single().Frame).Inner;
        Assert.That((te.Payload[0], te.Tos, te.ChecksumValid), Is.EqualTo(((byte)11, errorTos, true)));
        var pu = (Ipv4Layer)Decode(n.Exchange("t1", Into("t1").Ipv4(A4, T14, 64, tos).Udp(1, 33434, [3]).Build()).Single().Frame).Inner;
        Assert.That((pu.Payload[0], pu.Tos), Is.EqualTo(((byte)3, errorTos)));
        var echo = (Ipv4Layer)Decode(n.Exchange("t1", Into("t1").Ipv4(A4, T14, 64, tos).IcmpEchoRequest(3, 4, [1]).Build()).Single().Frame).Inner;
        Assert.That((echo.Payload[0], echo.Tos, echo.ChecksumValid), Is.EqualTo(((byte)0, replyTos, true)));
    }

    [Test]
    public void IcmpErrorsAreRateLimitedByATokenBucket()
    {
        var cfg = BaseConfig() with { Icmp = new IcmpConfig { ErrorIntervalMs = 100, ErrorBurst = 3 } };
        var n = new RefNode(cfg);
        var stim = Into("t1").Ipv6(A, D, 1).IcmpEchoRequest(1, 1).Build();
        int sent = 0;
        for (int i = 0; i < 10; i++) sent += n.Exchange("t1", stim).Count;
        Assert.That(sent, Is.EqualTo(3), "the burst");
        Assert.That(n.Counter("icmp.suppressed"), Is.EqualTo(7));
        n.NowMs += 250;
        sent = 0;
        for (int i = 0; i < 10; i++) sent += n.Exchange("t1", stim).Count;
        Assert.That(sent, Is.EqualTo(2), "2.5 tokens refilled in 250 ms at one per 100 ms");
    }

    [Test]
    public void AnIcmpErrorIsNeverSentAboutAnIcmpError()
    {
        var n = new RefNode();
        var inner = new byte[48];
        var stim = Into("t1").Ipv6(A, D, 1).Payload(new PacketPayload.Icmpv6(1, 0, inner)).Build();
        Assert.That(n.Exchange("t1", stim), Is.Empty);
    }

    [Test]
    public void AHopByHopHeaderThatIsNotFirstIsAnUnrecognizedNextHeader()
    {
        // (A,T2) Destination Options, then Hop-by-Hop: Parameter Problem code 1 pointing at the Destination Options' Next Header (40).
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, T2, 64).WithExtensionHeader(60, [0, 0, 1, 4, 0, 0, 0, 0]).WithExtensionHeader(0, [0, 0, 1, 4, 0, 0, 0, 0]).IcmpEchoRequest(1, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 1, 40, stim);
    }

    [Test]
    public void PacketTooBigWhenTheEgressMtuIsExceeded()
    {
        var n = new RefNode(mtu: 1300);
        var stim = Into("t1").Ipv6(A, D, 64).IcmpEchoRequest(1, 1, new byte[1300]).Build();
        var icmp = AssertIcmp6Error(n.Exchange("t1", stim), 2, 0, null, stim);
        Assert.That(icmp.Mtu, Is.EqualTo(1300));
    }

    [Test]
    public void OriginateLooksUpResolvesAndSteersAndDeliveredGetsTheReplies()
    {
        var n = new RefNode();
        var ping = new PacketBuilder().RawIp().Ipv6(T2, D, 64).IcmpEchoRequest(1, 1).BuildIp();
        n.Sink.Clear();
        n.Engine.Originate(ping, n.Sink);
        Assert.That(n.Sink.Frames.Single().Interface, Is.EqualTo("t2"));
        Assert.That(Ip(n.Sink.Frames[0].Frame), Is.EqualTo(ping), "originated packets are not decremented");
        n.Sink.Clear();
        n.Engine.Originate(new PacketBuilder().RawIp().Ipv6(T2, IPAddress.Parse("2001:db8:e1::1"), 64).IcmpEchoRequest(1, 1).BuildIp(), n.Sink);
        var enc = Decode(n.Sink.Frames.Single().Frame);
        Assert.That(enc.Ipv6!.Dst, Is.EqualTo(S2a), "steered into the H.Encaps policy");
        n.Send("t2", Into("t2").Ipv6(D, T2, 60).IcmpEchoReply(1, 1).Build());
        Assert.That(n.Delivered, Has.Count.EqualTo(1));
        Assert.That(n.Delivered[0][40], Is.EqualTo(129));
    }
}
