using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>RFC 8754 §4.3 and RFC 8986 §4.1-§4.3: End, End.X, End.T, their errors, the flavors, counters.</summary>
[TestFixture]
public sealed class EndpointTests
{
    private static readonly byte[] Data = [1, 2, 3, 4];

    /// <summary>From the node on <paramref name="ifc"/> to its neighbour there.</summary>
    private static PacketBuilder OutOf(string ifc) => new PacketBuilder().Ethernet(new PhysicalAddress(MacOf(ifc)), new PhysicalAddress(TesterMac(ifc)));

    /// <summary>in: (A,S)(D,X,S;SL=2)  out: (A,X)(D,X,S;SL=1), hop limit 63 — for End (main: X via t2), End.X (t3), End.T (vrf1: D via t3).</summary>
    [TestCase("1", "t2", "fc00:2::a")]
    [TestCase("2", "t3", "fc00:2::a")]
    [TestCase("3", "t3", "2001:db8:d::7")]
    public void EndFamilyAdvancesTheSegmentList(string sid, string egress, string next)
    {
        var n = new RefNode();
        var s = Sid(sid);
        var x = IPAddress.Parse(next);
        var stim = Into("t1").Ipv6(A, s, 64, 0x2e, 0x12345).Srh([D, x, s], 2).IcmpEchoRequest(1, 1, Data).Build();
        var expected = OutOf(egress).Ipv6(A, x, 63, 0x2e, 0x12345).Srh([D, x, s], 1).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange("t1", stim);
        Assert.That(o.Select(f => f.Interface), Is.EqualTo(new[] { egress }));
        Assert.That(o[0].Frame, Is.EqualTo(expected));
        var name = sid switch { "1" => "end", "2" => "endx", _ => "endt" };
        Assert.That(n.SidCounter(name), Is.EqualTo(new Conformance.ReferenceNode.Dataplane.SidCounters(name, 1, Ip(stim).Length)));
    }

    [Test]
    public void EndWhoseNextSegmentIsLocalIsProcessedAgain()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("2"), Sid("1")], 2).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange("t1", stim);
        var d = Decode(o.Single().Frame);
        Assert.That((o[0].Interface, d.Ipv6!.Dst, d.Ipv6.HopLimit, (int)d.Srh!.SegmentsLeft), Is.EqualTo(("t3", D, (byte)62, 0)));
    }

    [TestCase(4, 2, 3, TestName = "SegmentsLeftGreaterThanLastEntryPlusOne")]
    [TestCase(1, 3, 3, TestName = "LastEntryGreaterThanMaxLastEntry")]
    public void SrhErrorsGetParameterProblemPointingAtSegmentsLeft(int sl, int lastEntry, int segments)
    {
        var n = new RefNode();
        var segs = Enumerable.Range(0, segments - 1).Select(i => IPAddress.Parse($"fc00:2::{i + 1}")).Append(Sid("1")).ToList();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh(segs, (byte)sl).WithLastEntry((byte)lastEntry).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, 43, stim);
        Assert.That(n.SidCounter("end").Packets, Is.Zero, "RFC 8986 §6: packets that generate ICMP errors are not counted");
    }

    /// <summary>TP-SRH-BI-03: three segments on the wire, Last Entry 2, Hdr Ext Len 4 (max_LE 1). The third segment
    /// sits where the header chain puts the upper layer (next header 58): its first octet must not pass for an ICMPv6
    /// error type (RFC 4443 §2.4 (e.1)) — the message has no valid checksum — so S10's Parameter Problem is sent.</summary>
    [Test]
    public void HdrExtLenTooSmallForTheSegmentListGetsParameterProblemPointingAtSegmentsLeft()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, IPAddress.Parse("2001:db8:2::2"), Sid("1")], 2).WithHdrExtLen(4).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, 43, stim);
    }

    /// <summary>RFC 4443 §2.4 (e.1) still holds for a real ICMPv6 error (valid checksum) that triggers an SRH error.</summary>
    [Test]
    public void AnIcmpv6ErrorWithAnSrhErrorIsNotAnswered()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 4).WithLastEntry(1)
            .Payload(new PacketPayload.Icmpv6(1, 4, new byte[4 + 48])).Build();
        Assert.That(n.Exchange("t1", stim), Is.Empty);
    }

    [Test]
    public void HopLimitOneAtAnEndSidGetsTimeExceeded()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 1).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 3, 0, null, stim);
    }

    [Test]
    public void PingToASidIsAnsweredFromTheSid([Values] bool withSrh)
    {
        var n = new RefNode();
        var b = Into("t1").Ipv6(A, Sid("1"), 64);
        if (withSrh) b.Srh([Sid("1")], 0);
        var o = n.Exchange("t1", b.IcmpEchoRequest(5, 6, Data).Build());
        var d = Decode(o.Single().Frame);
        Assert.That((d.Ipv6!.Src, d.Ipv6.Dst, ((Icmpv6Layer)d.Inner).Type, ((Icmpv6Layer)d.Inner).ChecksumValid), Is.EqualTo((Sid("1"), A, (byte)129, true)));
        Assert.That(n.SidCounter("end").Packets, Is.EqualTo(1));
    }

    [Test]
    public void UdpToASidAtSegmentsLeftZeroGetsPortUnreachableEvenWithHopLimitOne()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 1).Srh([Sid("1")], 0).Udp(33434, 33434, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 4, null, stim);
    }

    [Test]
    public void OtherUpperLayersAtAnEndSidGetSrUpperLayerHeaderError()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([Sid("1")], 0).Tcp(1, 2, TcpFlags.Syn, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 4, 64, stim);
        var inner = Into("t1").Ipv6(A, Sid("1"), 64).Srh([Sid("1")], 0).Encapsulate(new PacketBuilder().RawIp().Ipv6(A, D, 64).IcmpEchoRequest(1, 1)).Build();
        AssertIcmp6Error(n.Exchange("t1", inner), 4, 4, 64, inner);
    }

    [Test]
    public void AnSrhToAnInterfaceAddressWithSegmentsLeftIsRefusedPointingAtTheRoutingType()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, T2, 64).Srh([D, T2], 1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 4, 0, 42, stim);
        // RFC 8754 §4.3.2: Segments Left zero: the routing header is ignored and the packet consumed.
        var zero = Into("t1").Ipv6(A, T2, 64).Srh([T2], 0).IcmpEchoRequest(1, 1, Data).Build();
        Assert.That(((Icmpv6Layer)Decode(n.Exchange("t1", zero).Single().Frame).Inner).Type, Is.EqualTo(129));
    }

    [Test]
    public void EndTWithoutARouteInItsTableGetsDestinationUnreachable()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("3"), 64).Srh([IPAddress.Parse("2001:db8:77::1"), Sid("3")], 1).IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 0, null, stim);
    }

    [Test]
    public void EndTLooksTheNextSegmentUpInItsTableOnlyNotInTheLocalSids([Values("1", "2", "loopback")] string next)
    {
        // RFC 8986 §4.3: "S15.1. Set the packet's associated FIB table to T / S15.2. Submit the packet to the egress IPv6
        // FIB lookup for transmission to the new destination". The local SIDs (and the loopback) are FIB entries of the
        // main table; vrf1 routes none of them: No Match, Destination Unreachable code 0, and the End SID never runs.
        var n = new RefNode();
        var nextSeg = next == "loopback" ? Src : Sid(next);
        var stim = Into("t1").Ipv6(A, Sid("3"), 64).Srh([D, nextSeg, Sid("3")], 2).IcmpEchoRequest(1, 1, Data).Build();
        var output = n.Exchange("t1", stim);
        AssertIcmp6Error(output, 1, 0, null, stim);
        Assert.That(n.SidCounter("end").Packets + n.SidCounter("endx").Packets, Is.Zero);
        Assert.That(n.SidCounter("endt").Packets, Is.Zero, "End.T counts only what it submitted successfully");
        // The same next segment through End (main table) reaches the local SID.
        if (next == "1")
        {
            var viaEnd = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1"), Sid("1")], 2).IcmpEchoRequest(1, 1, Data).Build();
            Assert.That(n.Exchange("t1", viaEnd).Single().Interface, Is.EqualTo("t2"));
            Assert.That(n.SidCounter("end").Packets, Is.EqualTo(2));
        }
    }

    [Test]
    public void SidCountersSurviveACommitThatKeepsTheSidAndClearCountersResetsThem()
    {
        var n = new RefNode();
        var stim = Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, Data).Build();
        n.Send("t1", stim);
        n.Send("t1", stim);
        n.Apply(n.Config with { Hostname = "other" });
        Assert.That(n.SidCounter("end").Packets, Is.EqualTo(2));
        Assert.That(n.SidCounter("end").Bytes, Is.EqualTo(2 * Ip(stim).Length));
        n.Engine.ClearCounters();
        Assert.That(n.SidCounter("end").Packets, Is.Zero);
    }

    [Test]
    public void AnUnprogrammedAddressOfTheLocatorIsUnreachableNotForwarded([Values] bool withSrh)
    {
        // As PingCases (TP-PING: no echo reply, nothing forwarded), although fc00::/16 routes the rest of fc00: to N2.
        var b = BaseConfig();
        var n = new RefNode(b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("fc00::/16"), N2, "t2")],
            Srv6 = b.Srv6 with { Locators = [new LocatorConfig("loc", IPNetwork.Parse("fc00:1::/48"))] },
        });
        var u = Sid("99");
        var s = Into("t1").Ipv6(A, u, 64);
        if (withSrh) s.Srh([u, N2], 0);
        var stim = s.IcmpEchoRequest(1, 1, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 3, null, stim);
        Assert.That(n.Engine.DescribeFib(), Has.Some.Contains("locator loc"));
    }

    // ------------------------------------------------------------ flavors (RFC 8986 §4.16)

    private static readonly Flavors[] Combinations =
    [
        Flavors.Psp, Flavors.Usp, Flavors.Usd, Flavors.Psp | Flavors.Usp, Flavors.Psp | Flavors.Usd, Flavors.Usp | Flavors.Usd,
        Flavors.Psp | Flavors.Usp | Flavors.Usd,
    ];

    private static readonly Behavior[] EndFamily = [Behavior.End, Behavior.EndX, Behavior.EndT];

    private static readonly IPAddress F = IPAddress.Parse("fc00:1::f");

    private static RefNode Flavored(Behavior b, Flavors f) =>
        new(BaseConfig([new LocalSidConfig("flv", F, b) { Flavors = f, NextHop = b == Behavior.EndX ? N3 : null, Interface = b == Behavior.EndX ? "t3" : null, Table = b == Behavior.EndT ? "vrf1" : null }]));

    private static string EgressToD(Behavior b) => b == Behavior.End ? "t2" : "t3";

    [Test]
    public void PenultimateSegmentPop([ValueSource(nameof(EndFamily))] Behavior b, [ValueSource(nameof(Combinations))] Flavors f)
    {
        var n = Flavored(b, f);
        var stim = Into("t1").Ipv6(A, F, 64, 0x2e, 0x12345).Srh([D, F], 1).IcmpEchoRequest(1, 1, Data).Build();
        var o = n.Exchange("t1", stim);
        var expected = (f & Flavors.Psp) != 0
            ? OutOf(EgressToD(b)).Ipv6(A, D, 63, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build()
            : OutOf(EgressToD(b)).Ipv6(A, D, 63, 0x2e, 0x12345).Srh([D, F], 0).IcmpEchoRequest(1, 1, Data).Build();
        Assert.That(o.Single().Frame, Is.EqualTo(expected), (f & Flavors.Psp) != 0 ? "S14.1-S14.4: the SRH removed" : "SRH kept");
        // Not penultimate: PSP does nothing (SL 2 -> 1).
        var far = Into("t1").Ipv6(A, F, 64).Srh([D, D, F], 2).IcmpEchoRequest(1, 1, Data).Build();
        Assert.That(Decode(n.Exchange("t1", far).Single().Frame).Srh, Is.Not.Null);
    }

    [Test]
    public void UltimateSegmentPopAndDecapsulation([ValueSource(nameof(EndFamily))] Behavior b, [ValueSource(nameof(Combinations))] Flavors f)
    {
        var n = Flavored(b, f);
        var inner = new PacketBuilder().RawIp().Ipv6(A, D, 64, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data);
        var stim = Into("t1").Ipv6(A, F, 64).Srh([F], 0).Encapsulate(inner).Build();
        var o = n.Exchange("t1", stim);
        if ((f & Flavors.Usd) != 0)
        {
            // USD S01-S03: the exposed packet forwarded (once: hop limit 63).
            var expected = OutOf(EgressToD(b)).Ipv6(A, D, 63, 0x2e, 0x12345).IcmpEchoRequest(1, 1, Data).Build();
            Assert.That(o.Single().Frame, Is.EqualTo(expected));
            Assert.That(n.SidCounter("flv").Packets, Is.EqualTo(1));
        }
        else if ((f & Flavors.Usp) != 0)
        {
            // USP S03.1-S03.4, then §4.1.1: the upper layer got the popped packet; the error points into it and quotes it.
            var popped = Into("t1").Ipv6(A, F, 64).Encapsulate(inner).Build();
            AssertIcmp6Error(o, 4, 4, 40, popped);
        }
        else
        {
            // §4.1.1: IPv6 is not an allowed upper layer at End: Parameter Problem code 4 at the offset in the packet as received.
            AssertIcmp6Error(o, 4, 4, 64, stim);
        }
        // Ping at SL=0: USP pops the SRH, the echo is answered in every combination.
        var ping = Into("t1").Ipv6(A, F, 64).Srh([F], 0).IcmpEchoRequest(2, 2, Data).Build();
        Assert.That(((Icmpv6Layer)Decode(n.Exchange("t1", ping).Single().Frame).Inner).Type, Is.EqualTo(129));
    }

    [Test]
    public void UltimateSegmentPopRemovesTheSrhBeforeTheUpperLayer()
    {
        // As FlavorCases.UspExchange (TP-USP-BV-01): the Port Unreachable quotes the probe as UDP got it, without its SRH,
        // from the SID.
        var n = Flavored(Behavior.End, Flavors.Usp);
        var stim = Into("t1").Ipv6(A, F, 64, 0x2e, 0x12345).Srh([F, N2], 0).Udp(49152, 33434, Data).Build();
        var popped = Into("t1").Ipv6(A, F, 64, 0x2e, 0x12345).Udp(49152, 33434, Data).Build();
        AssertIcmp6Error(n.Exchange("t1", stim), 1, 4, null, popped);
        Assert.That(Decode(n.Sink.Frames[0].Frame).Ipv6!.Src, Is.EqualTo(F));
        var tcp = Into("t1").Ipv6(A, F, 64).Srh([F], 0).Tcp(1, 2, TcpFlags.Syn, 1).Build();
        AssertIcmp6Error(n.Exchange("t1", tcp), 4, 4, 40, Into("t1").Ipv6(A, F, 64).Tcp(1, 2, TcpFlags.Syn, 1).Build());
    }

    [Test]
    public void UsdDecapsulatesIpv4Too([ValueSource(nameof(EndFamily))] Behavior b)
    {
        var n = Flavored(b, Flavors.Usd);
        var stim = Into("t1").Ipv6(A, F, 64).Srh([F], 0).Encapsulate(new PacketBuilder().RawIp().Ipv4(A4, D4, 64).Udp(1, 2, Data)).Build();
        var o = n.Exchange("t1", stim);
        var v4 = (Ipv4Layer)Decode(o.Single().Frame).Inner;
        Assert.That((v4.Dst, v4.Ttl, v4.ChecksumValid), Is.EqualTo((D4, (byte)63, true)));
        Assert.That(o[0].Interface, Is.EqualTo(b == Behavior.End ? "t2" : "t3"));
    }
}
