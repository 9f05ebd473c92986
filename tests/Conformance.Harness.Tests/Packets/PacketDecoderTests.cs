using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
public class PacketDecoderTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:a::1");
    private static readonly IPAddress S1 = IPAddress.Parse("fc00:1::1");
    private static readonly IPAddress S2 = IPAddress.Parse("fc00:2::1");

    private static PacketBuilder Valid() => new PacketBuilder().Ipv6(A, S2).Srh([S1, S2], 1).IcmpEchoRequest(1, 2, [1, 2, 3, 4]);

    private static bool Reported(DecodedPacket d, string layer, string field) => d.Malformations.Any(m => m.Layer == layer && m.Field == field);

    [Test]
    public void DecodesAllLayers()
    {
        var d = PacketDecoder.Decode(Valid().Build());
        Assert.That(d.Ethernet, Is.Not.Null);
        Assert.That(d.Ipv6!.Src, Is.EqualTo(A));
        Assert.That(d.Ipv6.Offset, Is.EqualTo(14));
        Assert.That(d.Srh!.Segments, Is.EqualTo(new[] { S1, S2 }));
        var icmp = (Icmpv6Layer)d.Inner;
        Assert.That((icmp.EchoId, icmp.EchoSeq, icmp.ChecksumValid), Is.EqualTo(((ushort?)1, (ushort?)2, true)));
        Assert.That(d.PseudoHeaderDestination, Is.EqualTo(S1));
        Assert.That(d.Malformations, Is.Empty);
    }

    [Test]
    public void ChecksumAtLastSegmentUsesDestinationAddress()
    {
        // SL = 0: the recipient uses the IPv6 destination (which is segment [0] after the last SRv6 End).
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S1, S2], 0).IcmpEchoRequest(1, 2).Build();
        var d = PacketDecoder.Decode(f, LinkKind.RawIp);
        Assert.That(((Icmpv6Layer)d.Inner).ChecksumValid, Is.True);
        Assert.That(d.PseudoHeaderDestination, Is.EqualTo(S1));
    }

    [Test]
    public void WrongChecksumIsReported()
    {
        var d = PacketDecoder.Decode(Valid().WithChecksum(0x1234).Build());
        Assert.That(((Icmpv6Layer)d.Inner).ChecksumValid, Is.False);
        Assert.That(Reported(d, "icmpv6", "checksum"), Is.True);
    }

    [Test]
    public void TruncationAtEveryLayerIsReportedNeverThrows()
    {
        byte[] f = Valid().Build();
        for (int len = 0; len < f.Length; len++)
        {
            var d = PacketDecoder.Decode(f.AsSpan(0, len));
            Assert.That(d.Malformations.Where(m => !m.IsNote), Is.Not.Empty, $"length {len}");
            Assert.That(d.Malformations, Has.All.Matches<Malformation>(m => m.Offset >= 0 && m.Offset < Math.Max(1, len)), $"length {len}");
        }
        Assert.That(Reported(PacketDecoder.Decode(f.AsSpan(0, 10)), "ethernet", "header"), Is.True);
        Assert.That(Reported(PacketDecoder.Decode(f.AsSpan(0, 30)), "ipv6", "header"), Is.True);
        Assert.That(Reported(PacketDecoder.Decode(f.AsSpan(0, 60)), "srh", "header") || Reported(PacketDecoder.Decode(f.AsSpan(0, 60)), "ipv6", "payload_length"), Is.True);
        Assert.That(Reported(PacketDecoder.Decode(f.AsSpan(0, 14 + 40 + 40 + 2)), "icmpv6", "header"), Is.True);
    }

    [Test]
    public void PayloadLengthLongerThanBytesPresent()
    {
        var d = PacketDecoder.Decode(Valid().WithPayloadLength(500).Build());
        var m = d.Malformations.Single(x => x.Field == "payload_length");
        Assert.That(m.Offset, Is.EqualTo(14 + 4));
        Assert.That(m.IsNote, Is.False);
    }

    [Test]
    public void PayloadLengthShorterThanBytesPresentIsNotedAndBounded()
    {
        var d = PacketDecoder.Decode(Valid().WithPayloadLength(40 + 10).Build());
        Assert.That(d.Malformations.Any(x => x.Field == "payload_length"), Is.True);
        Assert.That(d.TrailingBytes, Is.Not.Empty);
    }

    [Test]
    public void HdrExtLenBeyondPacket()
    {
        var d = PacketDecoder.Decode(Valid().WithHdrExtLen(200).Build());
        Assert.That(Reported(d, "srh", "hdr_ext_len"), Is.True);
        Assert.That(d.Malformations.First(m => m.Field == "hdr_ext_len").Offset, Is.EqualTo(14 + 40 + 1));
    }

    [Test]
    public void SlGreaterThanLePlusOne()
    {
        var d = PacketDecoder.Decode(Valid().WithSegmentsLeft(5).Build());
        Assert.That(Reported(d, "srh", "segments_left"), Is.True);
        Assert.That(d.Notation, Does.EndWith(";SL=5)"));
    }

    [Test]
    public void LastEntryBeyondSegmentSpace()
    {
        var d = PacketDecoder.Decode(Valid().WithLastEntry(3).Build());
        Assert.That(Reported(d, "srh", "last_entry"), Is.True);
    }

    [Test]
    public void NonSrhRoutingTypeIsSkippedAsNote()
    {
        var srh = new SegmentRoutingHeader { Segments = [S1], RoutingType = 3 };
        var d = PacketDecoder.Decode(new PacketBuilder().Ipv6(A, S1).Srh(srh).Udp(1, 2, [1]).Build());
        Assert.That(d.Srh, Is.Null);
        Assert.That(d.ExtensionHeaders.Single().Type, Is.EqualTo(43));
        Assert.That(d.Malformations.Single().IsNote, Is.True);
        Assert.That(d.Inner, Is.TypeOf<UdpLayer>());
    }

    [Test]
    public void OtherExtensionHeadersAreSkippedAndListed()
    {
        byte[] hbh = [0, 0, 1, 4, 0, 0, 0, 0];
        byte[] dest = [0, 0, 1, 4, 0, 0, 0, 0];
        var f = new PacketBuilder().Ipv6(A, S2).WithExtensionHeader(0, hbh).Srh([S1, S2], 1)
            .WithExtensionHeader(60, dest, afterSrh: true).Udp(5, 6, [1, 2]).Build();
        var d = PacketDecoder.Decode(f);
        Assert.That(d.ExtensionHeaders.Select(e => e.Type), Is.EqualTo(new byte[] { 0, 60 }));
        Assert.That(d.Srh, Is.Not.Null);
        Assert.That(d.SrhOffset, Is.EqualTo(14 + 40 + 8));
        Assert.That(((UdpLayer)d.Inner).ChecksumValid, Is.True);
        Assert.That(d.Malformations, Is.Empty);
    }

    [Test]
    public void BadVersionNibble()
    {
        byte[] f = Valid().Build();
        f[14] = 0x50;
        Assert.That(Reported(PacketDecoder.Decode(f), "ipv6", "version"), Is.True);
        var raw = PacketDecoder.Decode(f.AsSpan(14), LinkKind.RawIp);
        Assert.That(Reported(raw, "ip", "version"), Is.True);
        Assert.That(raw.Malformations[0].Offset, Is.Zero);
    }

    [Test]
    public void IcmpErrorQuotesInvokingPacket()
    {
        byte[] invoking = Valid().RawIp().Build();
        byte[] body = new byte[4 + invoking.Length];
        body[3] = 40 + 3; // pointer at SL
        invoking.CopyTo(body, 4);
        var f = new PacketBuilder().Ipv6(S2, A).Payload(new PacketPayload.Icmpv6(4, 0, body)).Build();
        var d = PacketDecoder.Decode(f);
        var icmp = (Icmpv6Layer)d.Inner;
        Assert.That(icmp.ChecksumValid, Is.True);
        Assert.That(icmp.Pointer, Is.EqualTo(43));
        Assert.That(icmp.Invoking!.Srh!.SegmentsLeft, Is.EqualTo(1));
        Assert.That(((Icmpv6Layer)icmp.Invoking.Inner).EchoSeq, Is.EqualTo(2));
        Assert.That(d.Malformations, Is.Empty);
    }

    [Test]
    public void UdpZeroChecksumOverIpv6IsReported()
    {
        var d = PacketDecoder.Decode(new PacketBuilder().Ipv6(A, S1).Udp(1, 2, [3]).WithChecksum(0).Build());
        Assert.That(Reported(d, "udp", "checksum"), Is.True);
    }

    [Test]
    public void EthernetPaddingIsNotReported()
    {
        byte[] f = new PacketBuilder().Ipv6(A, S1).NoNextHeader().Build();
        Assert.That(f, Has.Length.EqualTo(54));
        byte[] padded = [.. f, 0, 0, 0, 0, 0, 0];
        var d = PacketDecoder.Decode(padded);
        Assert.That(d.Malformations, Is.Empty);
        Assert.That(d.TrailingBytes, Has.Length.EqualTo(6));
    }

    [Test]
    public void DeepNestingIsBounded()
    {
        var b = new PacketBuilder().Ipv6(A, S1).NoNextHeader();
        for (int i = 0; i < 20; i++)
            b = new PacketBuilder().Ipv6(A, S1).Encapsulate(b);
        var d = PacketDecoder.Decode(b.RawIp().Build(), LinkKind.RawIp);
        Assert.That(d.Malformations, Has.Some.Matches<Malformation>(m => m.Problem.Contains("nesting too deep")));
        Assert.That(PacketJson.ToJsonObject(d, 0).ToJsonString(), Is.Not.Empty);
        Assert.That(PacketDiff.Flatten(d), Is.Not.Empty);
    }
}
