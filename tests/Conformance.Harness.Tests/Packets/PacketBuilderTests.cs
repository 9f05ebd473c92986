using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
public class PacketBuilderTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:a::1");
    private static readonly IPAddress S1 = IPAddress.Parse("fc00:1::1");
    private static readonly IPAddress S2 = IPAddress.Parse("fc00:2::1");
    private static readonly IPAddress S3 = IPAddress.Parse("fc00:3::1");

    /// <summary>Independent RFC 1071 sum: pseudo-header (src, dst, 32-bit length, 3 zero octets, next header) + message.</summary>
    private static int OnesComplementSum(byte[] src, byte[] dst, byte nextHeader, byte[] message)
    {
        var all = new List<byte>();
        all.AddRange(src);
        all.AddRange(dst);
        int len = message.Length;
        all.AddRange([(byte)(len >> 24), (byte)(len >> 16), (byte)(len >> 8), (byte)len, 0, 0, 0, nextHeader]);
        all.AddRange(message);
        if (all.Count % 2 == 1) all.Add(0);
        long sum = 0;
        for (int i = 0; i < all.Count; i += 2) sum += (all[i] << 8) + all[i + 1];
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (int)sum;
    }

    private static byte[] Upper(byte[] frame, int offset) => frame[offset..];

    private static PacketBuilder ThreeSegmentStimulus() =>
        new PacketBuilder().Ipv6(A, S3, hopLimit: 63, trafficClass: 0xB8, flowLabel: 0xABCDE)
            .Srh([S1, S2, S3], 2);

    [Test]
    public void IcmpEchoWithSrhHasConsistentLengthsAndFinalDestinationChecksum()
    {
        byte[] f = ThreeSegmentStimulus().IcmpEchoRequest(0x1234, 7, [1, 2, 3, 4, 5]).Build();
        // Ethernet(14) + IPv6(40) + SRH(8+48) + ICMPv6(8+5)
        Assert.That(f, Has.Length.EqualTo(14 + 40 + 56 + 13));
        Assert.That((f[12] << 8) | f[13], Is.EqualTo(0x86DD));
        Assert.That(f[14] >> 4, Is.EqualTo(6));
        Assert.That((f[18] << 8) | f[19], Is.EqualTo(56 + 13), "payload length");
        Assert.That(f[20], Is.EqualTo(43), "ipv6 next header = routing");
        Assert.That(f[21], Is.EqualTo(63));
        int srh = 54;
        Assert.That(f[srh], Is.EqualTo(58), "srh next header");
        Assert.That(f[srh + 1], Is.EqualTo(6), "hdr ext len = 2 * 3 segments");
        Assert.That(f[srh + 3], Is.EqualTo(2), "SL");
        Assert.That(f[srh + 4], Is.EqualTo(2), "LE");
        Assert.That(new IPAddress(f.AsSpan(srh + 8, 16)), Is.EqualTo(S1), "segment [0] is the final segment");

        byte[] icmp = Upper(f, srh + 56);
        Assert.That(icmp[0], Is.EqualTo(128));
        Assert.That(OnesComplementSum(A.GetAddressBytes(), S1.GetAddressBytes(), 58, icmp), Is.EqualTo(0xFFFF),
            "checksum must verify with the final destination S1");
        Assert.That(OnesComplementSum(A.GetAddressBytes(), S3.GetAddressBytes(), 58, icmp), Is.Not.EqualTo(0xFFFF),
            "checksum must not verify with the current DA");
    }

    [Test]
    public void UdpChecksumAndLength()
    {
        byte[] f = ThreeSegmentStimulus().Udp(1000, 2000, new byte[33]).RawIp().Build();
        byte[] udp = Upper(f, 40 + 56);
        Assert.That((udp[4] << 8) | udp[5], Is.EqualTo(41));
        Assert.That(OnesComplementSum(A.GetAddressBytes(), S1.GetAddressBytes(), 17, udp), Is.EqualTo(0xFFFF));
    }

    [Test]
    public void TcpChecksumWithoutSrhUsesDestination()
    {
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S2).Tcp(80, 443, TcpFlags.Syn | TcpFlags.Ack, 1, 2, [9, 9]).Build();
        Assert.That(f[6], Is.EqualTo(6));
        byte[] tcp = Upper(f, 40);
        Assert.That(tcp[13], Is.EqualTo(0x12));
        Assert.That(OnesComplementSum(A.GetAddressBytes(), S2.GetAddressBytes(), 6, tcp), Is.EqualTo(0xFFFF));
    }

    [Test]
    public void EncapsulatedIpv6UsesNextHeader41AndInnerChecksum()
    {
        var inner = new PacketBuilder().Ipv6(IPAddress.Parse("2001:db8:c::1"), IPAddress.Parse("2001:db8:d::1")).IcmpEchoReply(1, 2);
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S2, S1], 1).Encapsulate(inner).Build();
        Assert.That(f[40], Is.EqualTo(41), "srh next header");
        var d = PacketDecoder.Decode(f, LinkKind.RawIp);
        Assert.That(d.Malformations, Is.Empty);
        var v6 = (Ipv6Layer)d.Inner;
        var icmp = (Icmpv6Layer)v6.Packet.Inner;
        Assert.That(icmp.ChecksumValid, Is.True);
        Assert.That(d.Notation, Is.EqualTo("(2001:db8:a::1,fc00:1::1)(fc00:2::1,fc00:1::1;SL=1)(2001:db8:c::1,2001:db8:d::1)"));
    }

    [Test]
    public void EncapsulatedIpv4HasValidHeaderChecksum()
    {
        var inner = new PacketBuilder().Ipv4("192.0.2.1", "198.51.100.1").Udp(53, 53, [1, 2, 3]);
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S1], 0).Encapsulate(inner).Build();
        Assert.That(f[40], Is.EqualTo(4));
        byte[] v4 = f[(40 + 24)..(40 + 24 + 20)];
        long sum = 0;
        for (int i = 0; i < 20; i += 2) sum += (v4[i] << 8) | v4[i + 1];
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        Assert.That(sum, Is.EqualTo(0xFFFF));
        var d = PacketDecoder.Decode(f, LinkKind.RawIp);
        Assert.That(d.Inner, Is.TypeOf<Ipv4Layer>());
        Assert.That(((Ipv4Layer)d.Inner).ChecksumValid, Is.True);
        Assert.That(d.Notation, Does.EndWith("(192.0.2.1,198.51.100.1)"));
        Assert.That(d.Malformations, Is.Empty);
        var udp = (UdpLayer)((Ipv4Layer)d.Inner).Upper!;
        Assert.That((udp.SrcPort, udp.ChecksumValid), Is.EqualTo(((ushort)53, true)));
        Assert.That(PacketDiff.Flatten(d).Select(x => x.Path), Does.Contain("inner.ipv4.upper.udp.checksum_valid"));
        byte[] bad = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S1], 0)
            .Encapsulate(new PacketBuilder().Ipv4("192.0.2.1", "198.51.100.1").Udp(53, 53, [1, 2, 3]).WithChecksum(7)).Build();
        Assert.That(PacketDecoder.Decode(bad, LinkKind.RawIp).Malformations.Single().Layer, Is.EqualTo("inner.udp"));
    }

    [Test]
    public void L2EncapsulationUsesNextHeader143()
    {
        var frame = new PacketBuilder().Ethernet("02:00:00:00:00:aa", "02:00:00:00:00:bb").Ipv6(A, S2).IcmpEchoRequest(5, 6);
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S1], 0).EncapsulateEthernet(frame).Build();
        Assert.That(f[40], Is.EqualTo(143));
        var d = PacketDecoder.Decode(f, LinkKind.RawIp);
        var eth = (EthernetLayer)d.Inner;
        Assert.That(eth.Packet.Ethernet!.Source.ToString(), Is.EqualTo("0200000000AA"));
        Assert.That(((Icmpv6Layer)eth.Packet.Inner).EchoSeq, Is.EqualTo(6));
        Assert.That(d.Malformations, Is.Empty);
    }

    [Test]
    public void NoNextHeaderPayload()
    {
        byte[] f = new PacketBuilder().RawIp().Ipv6(A, S1).Srh([S1, S2], 1).NoNextHeader().Build();
        Assert.That(f[40], Is.EqualTo(59));
        Assert.That((f[4] << 8) | f[5], Is.EqualTo(40));
        Assert.That(PacketDecoder.Decode(f, LinkKind.RawIp).Inner, Is.TypeOf<NoNextHeaderLayer>());
    }

    [Test]
    public void OverridesAreWrittenVerbatim()
    {
        byte[] f = ThreeSegmentStimulus().IcmpEchoRequest(1, 1).RawIp()
            .WithPayloadLength(1000).WithHdrExtLen(9).WithLastEntry(7).WithSegmentsLeft(200)
            .WithNextHeader(60).WithSrhNextHeader(17).WithChecksum(0xDEAD).Build();
        Assert.That((f[4] << 8) | f[5], Is.EqualTo(1000));
        Assert.That(f[6], Is.EqualTo(60));
        Assert.That(f[40], Is.EqualTo(17));
        Assert.That(f[41], Is.EqualTo(9));
        Assert.That(f[43], Is.EqualTo(200));
        Assert.That(f[44], Is.EqualTo(7));
        Assert.That((f[96 + 2] << 8) | f[96 + 3], Is.EqualTo(0xDEAD));
    }

    [Test]
    public void BuilderDoesNotMutateCallersSrh()
    {
        var srh = new SegmentRoutingHeader { Segments = [S1], NextHeader = 0 };
        new PacketBuilder().Ipv6(A, S1).Srh(srh).Udp(1, 2).Build();
        Assert.That(srh.NextHeader, Is.Zero);
    }

    [Test]
    public void DecodedBuiltPacketIsWellFormed()
    {
        var srh = new SegmentRoutingHeader { Segments = [S1, S2, S3], SegmentsLeft = 2, OFlag = true, Tag = 7 };
        srh.Tlvs.Add(HmacTlv.Create(true, 1, new byte[32]));
        srh.AddPadding();
        byte[] f = new PacketBuilder().Ipv6(A, S3).Srh(srh).IcmpEchoRequest(9, 10, [1, 2, 3]).Build();
        var d = PacketDecoder.Decode(f);
        Assert.That(d.Malformations, Is.Empty, string.Join("; ", d.Malformations));
        Assert.That(d.Srh!.OFlag, Is.True);
        Assert.That(d.SrhOffset, Is.EqualTo(54));
        Assert.That(((Icmpv6Layer)d.Inner).ChecksumValid, Is.True);
    }
}
