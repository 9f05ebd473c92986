using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Capture;
using Conformance.Harness.Oam;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Oam;

/// <summary>SRv6 ping/traceroute logic without a lab: probe layout (RFC 9259 Appendix A.1.1/A.2.2), reply matching, RTT, output.</summary>
[TestFixture]
public class SrOamTests
{
    private static readonly IPAddress N1 = IPAddress.Parse("2001:db8:a:1::"), N5 = IPAddress.Parse("2001:db8:a:5::"),
        S1 = IPAddress.Parse("2001:db8:b:2:c31::"), S2 = IPAddress.Parse("2001:db8:b:4:c52::"), Hop1 = IPAddress.Parse("2001:db8:1:2:21::");

    /// <summary>Answers each probe with a scripted reply after a fixed delay (capture-style timestamps).</summary>
    private sealed class ScriptedTransport(Func<byte[], byte[]?> answer, TimeSpan delay) : IProbeTransport
    {
        public PhysicalAddress LocalMac { get; } = PhysicalAddress.Parse("02-00-00-00-00-01");
        public PhysicalAddress NextHopMac { get; } = PhysicalAddress.Parse("02-00-00-00-00-02");
        public List<byte[]> Probes { get; } = [];
        private DateTime _clock = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public Task<(Frame Sent, IReadOnlyList<Frame> Received)> ExchangeAsync(byte[] frame, Func<Frame, bool> isAnswer, TimeSpan timeout, CancellationToken ct = default)
        {
            Probes.Add(frame);
            _clock += TimeSpan.FromSeconds(1);
            var sent = new Frame(_clock, frame, "t1", FrameDirection.Sent);
            var a = answer(frame);
            IReadOnlyList<Frame> got = a is null ? [] : [new Frame(_clock + delay, a, "t1", FrameDirection.Received)];
            return Task.FromResult((sent, got));
        }
    }

    private static byte[] EchoReplyTo(byte[] probe)
    {
        var d = PacketDecoder.Decode(probe);
        var e = (Icmpv6Layer)d.Inner;
        return new PacketBuilder().Ethernet("02-00-00-00-00-02", "02-00-00-00-00-01").Ipv6(d.Srh!.Segments[0], d.Ipv6!.Src)
            .IcmpEchoReply(e.EchoId!.Value, e.EchoSeq!.Value, e.Data).Build();
    }

    private static byte[] ErrorFor(byte[] probe, IPAddress from, byte type, byte code)
    {
        var quoted = probe.AsSpan(14).ToArray();
        var body = new byte[4 + quoted.Length];
        quoted.CopyTo(body.AsSpan(4));
        var src = PacketDecoder.Decode(probe).Ipv6!.Src;
        return new PacketBuilder().Ethernet("02-00-00-00-00-02", "02-00-00-00-00-01").Ipv6(from, src).Payload(new PacketPayload.Icmpv6(type, code, body)).Build();
    }

    [Test]
    public void PingProbeCarriesTheTargetAsLastSegment_Figure2()
    {
        var path = new SrPath(N5, [S1, S2]);
        var t = new ScriptedTransport(_ => null, TimeSpan.Zero);
        var d = PacketDecoder.Decode(SrPing.BuildProbe(t, N1, path, 7, 0));
        Assert.That(d.Ipv6!.Dst, Is.EqualTo(S1));
        Assert.That(d.Srh!.Segments, Is.EqualTo(new[] { N5, S2, S1 }));
        Assert.That(d.Srh.SegmentsLeft, Is.EqualTo(2));
        Assert.That(d.Inner, Is.TypeOf<Icmpv6Layer>());
        Assert.That(d.Ipv6.PayloadLength - d.Srh.EncodedLength, Is.EqualTo(100), "100-byte ICMPv6 echo");
    }

    [Test]
    public void PingToASidWithoutSegmentsHasNoSrh()
    {
        var d = PacketDecoder.Decode(SrPing.BuildProbe(new ScriptedTransport(_ => null, TimeSpan.Zero), N1, new SrPath(S2, []), 1, 1));
        Assert.That(d.Srh, Is.Null);
        Assert.That(d.Ipv6!.Dst, Is.EqualTo(S2));
    }

    [Test]
    public async Task PingMatchesRepliesAndReportsRttFromTimestamps()
    {
        var t = new ScriptedTransport(p => PacketDecoder.Decode(p).Inner is Icmpv6Layer { EchoSeq: 2 } ? null : EchoReplyTo(p), TimeSpan.FromMilliseconds(0.75));
        var r = await SrPing.RunAsync(t, N1, new SrPath(N5, [S1, S2]), 5, TimeSpan.Zero, TimeSpan.FromSeconds(2), id: 99);
        Assert.That(r.Select(x => SrPing.Mark(x.Outcome)), Is.EqualTo("!!.!!".ToCharArray()));
        Assert.That(r[0].Rtt, Is.EqualTo(TimeSpan.FromMilliseconds(0.75)));
        Assert.That(SrPing.Summary(r), Is.EqualTo("Success rate is 80 percent (4/5), round-trip min/avg/max = 0.750/0.750/0.750 ms"));
        Assert.That(SrPing.Header(new SrPath(N5, [S1, S2]), 5, 100, TimeSpan.FromSeconds(2)), Does.Contain("> ping 2001:db8:a:5:: via segment-list 2001:db8:b:2:c31::, 2001:db8:b:4:c52::"));
    }

    [Test]
    public void AnUnrelatedReplyIsNotMatched()
    {
        var t = new ScriptedTransport(_ => null, TimeSpan.Zero);
        var probe = SrPing.BuildProbe(t, N1, new SrPath(N5, [S1]), 5, 1);
        var otherSeq = EchoReplyTo(SrPing.BuildProbe(t, N1, new SrPath(N5, [S1]), 5, 2));
        Assert.That(ProbeMatch.Classify(PacketDecoder.Decode(otherSeq), "echo:5:1"), Is.Null);
        Assert.That(ProbeMatch.Classify(PacketDecoder.Decode(EchoReplyTo(probe)), "echo:5:1"), Is.EqualTo(ProbeOutcome.EchoReply));
        Assert.That(ProbeMatch.Classify(PacketDecoder.Decode(ErrorFor(probe, Hop1, 3, 0)), "echo:5:1"), Is.EqualTo(ProbeOutcome.TimeExceeded));
    }

    [Test]
    public async Task TracerouteStopsAtPortUnreachableAndShowsTheQuotedSrh_Figure4()
    {
        var target = IPAddress.Parse("2001:db8:b:4:c52::");
        var t = new ScriptedTransport(p =>
        {
            var d = PacketDecoder.Decode(p);
            return d.Ipv6!.HopLimit == 1 ? ErrorFor(p, Hop1, 3, 0) : ErrorFor(p, target, 1, 4);
        }, TimeSpan.FromMilliseconds(0.5));
        var path = new SrPath(target, [S1]);
        var hops = await SrTraceroute.RunAsync(t, N1, path, 8, 3, TimeSpan.FromSeconds(1));
        Assert.That(hops, Has.Count.EqualTo(2));
        Assert.That(t.Probes.Select(p => PacketDecoder.Decode(p).Inner).OfType<UdpLayer>().Select(u => (int)u.DstPort), Is.EqualTo(Enumerable.Range(33434, 6)));
        var first = SrTraceroute.FormatHop(hops[0]);
        Assert.That(first, Is.EqualTo(" 1  2001:db8:1:2:21:: 0.500 msec 0.500 msec 0.500 msec\n    DA: 2001:db8:b:2:c31::,\n    SRH:(2001:db8:b:4:c52::, 2001:db8:b:2:c31::; SL=1)"));
        Assert.That(SrTraceroute.FormatHop(hops[1]), Does.Contain("(PortUnreachable)"));
        Assert.That(SrTraceroute.Header(path, true), Does.EndWith("Tracing the route to SID 2001:db8:b:4:c52::"));
    }

    [Test]
    public async Task SilentHopsPrintStars()
    {
        var hops = await SrTraceroute.RunAsync(new ScriptedTransport(_ => null, TimeSpan.Zero), N1, new SrPath(N5, [S1]), 2, 3, TimeSpan.FromMilliseconds(1));
        Assert.That(hops.Select(SrTraceroute.FormatHop), Is.EqualTo(new[] { " 1  * * *", " 2  * * *" }));
    }
}
