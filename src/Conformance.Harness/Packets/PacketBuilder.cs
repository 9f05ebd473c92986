using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Conformance.Harness.Packets;

/// <summary>What follows the IP header (and SRH) in a built packet.</summary>
public abstract record PacketPayload
{
    /// <summary>ICMPv6 echo request (128) / reply (129); over IPv4 an ICMP echo (8 / 0).</summary>
    public sealed record IcmpEcho(bool Reply, ushort Id, ushort Seq, byte[] Data) : PacketPayload;

    /// <summary>Any ICMPv6 message: type, code and the bytes after the checksum (the 4-octet field included).</summary>
    public sealed record Icmpv6(byte Type, byte Code, byte[] Body) : PacketPayload;

    public sealed record Udp(ushort SrcPort, ushort DstPort, byte[] Data) : PacketPayload;

    public sealed record Tcp(ushort SrcPort, ushort DstPort, TcpFlags Flags, uint Seq, uint Ack = 0, ushort Window = 65535,
        byte[]? Data = null) : PacketPayload;

    /// <summary>An inner IP packet (next header 41 for IPv6, 4 for IPv4); the inner builder's link layer is ignored.</summary>
    public sealed record Ip(PacketBuilder Inner) : PacketPayload;

    /// <summary>An inner Ethernet frame (next header 143, RFC 8986 L2 encapsulation).</summary>
    public sealed record Ethernet(PacketBuilder Inner) : PacketPayload;

    /// <summary>No Next Header (59), optionally followed by bytes a receiver must ignore.</summary>
    public sealed record NoNextHeader(byte[]? Trailing = null) : PacketPayload;

    /// <summary>Raw bytes with an arbitrary protocol number.</summary>
    public sealed record Raw(byte Protocol, byte[] Data) : PacketPayload;
}

/// <summary>
/// Builds stimulus frames: Ethernet / IPv6 (or IPv4) / [extension headers] / [SRH] / payload.
/// Lengths, next headers and checksums are consistent by default; every With* override writes a value verbatim.
/// Upper-layer checksums use the final destination (SRH segment [0]) in the pseudo-header (RFC 8200 §8.1).
/// </summary>
public sealed class PacketBuilder
{
    public static readonly PhysicalAddress DefaultSourceMac = PhysicalAddress.Parse("02-00-00-00-00-01");
    public static readonly PhysicalAddress DefaultDestinationMac = PhysicalAddress.Parse("02-00-00-00-00-02");

    private LinkKind _link = LinkKind.Ethernet;
    private PhysicalAddress _srcMac = DefaultSourceMac;
    private PhysicalAddress _dstMac = DefaultDestinationMac;
    private ushort? _etherType;

    private bool _ipv4;
    private IPAddress _src = IPAddress.IPv6Loopback;
    private IPAddress _dst = IPAddress.IPv6Loopback;
    private byte _hopLimit = 64;
    private byte _trafficClass;
    private uint _flowLabel;
    private ushort _ipv4Id;
    private bool _dontFragment;

    private ushort? _payloadLength;
    private byte? _nextHeader;
    private byte? _srhNextHeader;
    private ushort? _checksum;
    private ushort? _ipv4Checksum;
    private SegmentRoutingHeader? _srh;
    private IPAddress? _pseudoDst;
    private readonly List<(byte Type, byte[] Bytes, bool AfterSrh)> _extensions = [];
    private PacketPayload _payload = new PacketPayload.NoNextHeader();

    public LinkKind Link => _link;
    public bool IsIpv4 => _ipv4;

    // ---- link layer ----
    public PacketBuilder Ethernet(PhysicalAddress source, PhysicalAddress destination)
    {
        _link = LinkKind.Ethernet;
        _srcMac = source;
        _dstMac = destination;
        return this;
    }

    public PacketBuilder Ethernet(string source, string destination) =>
        Ethernet(PhysicalAddress.Parse(source.Replace(':', '-').ToUpperInvariant()), PhysicalAddress.Parse(destination.Replace(':', '-').ToUpperInvariant()));

    /// <summary>Build the IP packet without an Ethernet header.</summary>
    public PacketBuilder RawIp()
    {
        _link = LinkKind.RawIp;
        return this;
    }

    public PacketBuilder WithEtherType(ushort etherType)
    {
        _etherType = etherType;
        return this;
    }

    // ---- IP layer ----
    public PacketBuilder Ipv6(IPAddress source, IPAddress destination, byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0)
    {
        if (source.AddressFamily != AddressFamily.InterNetworkV6 || destination.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException("IPv6 header needs IPv6 addresses");
        if (flowLabel > 0xFFFFF)
            throw new ArgumentOutOfRangeException(nameof(flowLabel), "flow label is 20 bits");
        _ipv4 = false;
        _src = source;
        _dst = destination;
        _hopLimit = hopLimit;
        _trafficClass = trafficClass;
        _flowLabel = flowLabel;
        return this;
    }

    public PacketBuilder Ipv6(string source, string destination, byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0) =>
        Ipv6(IPAddress.Parse(source), IPAddress.Parse(destination), hopLimit, trafficClass, flowLabel);

    public PacketBuilder Ipv4(IPAddress source, IPAddress destination, byte ttl = 64, byte tos = 0, ushort identification = 0,
        bool dontFragment = false)
    {
        if (source.AddressFamily != AddressFamily.InterNetwork || destination.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException("IPv4 header needs IPv4 addresses");
        _ipv4 = true;
        _src = source;
        _dst = destination;
        _hopLimit = ttl;
        _trafficClass = tos;
        _ipv4Id = identification;
        _dontFragment = dontFragment;
        return this;
    }

    public PacketBuilder Ipv4(string source, string destination, byte ttl = 64) => Ipv4(IPAddress.Parse(source), IPAddress.Parse(destination), ttl);

    // ---- SRH and other extension headers ----

    /// <summary>Adds an SRH. The header is copied at build time; its NextHeader is replaced by the payload's protocol
    /// unless <see cref="WithSrhNextHeader"/> is used. HdrExtLen/LastEntry/SegmentsLeft are written as set on it.</summary>
    public PacketBuilder Srh(SegmentRoutingHeader srh)
    {
        if (_ipv4) throw new InvalidOperationException("an SRH needs an IPv6 header");
        _srh = srh;
        return this;
    }

    /// <summary>Adds an SRH with the given segments in header order ([0] = final segment).</summary>
    public PacketBuilder Srh(IEnumerable<IPAddress> segmentsHeaderOrder, byte segmentsLeft, Action<SegmentRoutingHeader>? configure = null)
    {
        var srh = new SegmentRoutingHeader { Segments = [.. segmentsHeaderOrder], SegmentsLeft = segmentsLeft };
        configure?.Invoke(srh);
        return Srh(srh);
    }

    public SegmentRoutingHeader? SrhHeader => _srh;

    /// <summary>Adds a raw extension header (e.g. 0 hop-by-hop, 60 destination options). <paramref name="bytes"/> is the
    /// whole header; its first octet (next header) is overwritten at build time.</summary>
    public PacketBuilder WithExtensionHeader(byte type, byte[] bytes, bool afterSrh = false)
    {
        if (bytes.Length < 2) throw new ArgumentException("an extension header has at least 2 octets", nameof(bytes));
        _extensions.Add((type, bytes, afterSrh));
        return this;
    }

    // ---- payloads ----
    public PacketBuilder Payload(PacketPayload payload)
    {
        _payload = payload;
        return this;
    }

    public PacketBuilder IcmpEchoRequest(ushort id, ushort seq, byte[]? data = null) => Payload(new PacketPayload.IcmpEcho(false, id, seq, data ?? []));
    public PacketBuilder IcmpEchoReply(ushort id, ushort seq, byte[]? data = null) => Payload(new PacketPayload.IcmpEcho(true, id, seq, data ?? []));
    public PacketBuilder Udp(ushort srcPort, ushort dstPort, byte[]? data = null) => Payload(new PacketPayload.Udp(srcPort, dstPort, data ?? []));
    public PacketBuilder Tcp(ushort srcPort, ushort dstPort, TcpFlags flags, uint seq, uint ack = 0, byte[]? data = null) =>
        Payload(new PacketPayload.Tcp(srcPort, dstPort, flags, seq, ack, 65535, data));
    public PacketBuilder Encapsulate(PacketBuilder innerIpPacket) => Payload(new PacketPayload.Ip(innerIpPacket));
    public PacketBuilder EncapsulateEthernet(PacketBuilder innerFrame) => Payload(new PacketPayload.Ethernet(innerFrame));
    public PacketBuilder NoNextHeader(byte[]? trailing = null) => Payload(new PacketPayload.NoNextHeader(trailing));

    // ---- overrides for malformed stimuli ----
    /// <summary>IPv6 payload length (or IPv4 total length) written verbatim.</summary>
    public PacketBuilder WithPayloadLength(ushort value) { _payloadLength = value; return this; }
    /// <summary>IPv6 next header (or IPv4 protocol) written verbatim.</summary>
    public PacketBuilder WithNextHeader(byte value) { _nextHeader = value; return this; }
    public PacketBuilder WithSrhNextHeader(byte value) { _srhNextHeader = value; return this; }
    /// <summary>Upper-layer (ICMP/UDP/TCP) checksum written verbatim.</summary>
    public PacketBuilder WithChecksum(ushort value) { _checksum = value; return this; }
    public PacketBuilder WithIpv4HeaderChecksum(ushort value) { _ipv4Checksum = value; return this; }
    public PacketBuilder WithHdrExtLen(byte value) { RequireSrh().HdrExtLen = value; return this; }
    public PacketBuilder WithLastEntry(byte value) { RequireSrh().LastEntry = value; return this; }
    public PacketBuilder WithSegmentsLeft(byte value) { RequireSrh().SegmentsLeft = value; return this; }

    private SegmentRoutingHeader RequireSrh() => _srh ?? throw new InvalidOperationException("no SRH: call Srh(...) first");

    /// <summary>Final destination used in the upper-layer pseudo-header: the one set by <see cref="WithPseudoHeaderDestination"/>
    /// or <see cref="CompressedSegments"/>, else SRH segment [0], else the destination.</summary>
    public IPAddress FinalDestination => _pseudoDst ?? (_srh is { Segments.Count: > 0 } ? _srh.Segments[0] : _dst);

    /// <summary>The destination of the upper-layer pseudo-header, written verbatim (e.g. the ultimate destination of a
    /// compressed SID list, RFC 9800 §6.5, which SRH segment [0] need not be).</summary>
    public PacketBuilder WithPseudoHeaderDestination(IPAddress destination) { _pseudoDst = destination; return this; }

    /// <summary>
    /// A headend's compressed SID list in one call (call after <see cref="Ipv6(IPAddress, IPAddress, byte, byte, uint)"/>):
    /// the destination is the list's first entry, the SRH carries its segment list (reduced: without the first entry,
    /// RFC 8754 §4.1.1), and upper-layer checksums use its ultimate destination (RFC 9800 §6.5).
    /// </summary>
    public PacketBuilder CompressedSegments(CompressedSegmentList list, bool reduced = false)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (_ipv4) throw new InvalidOperationException("an SRH needs an IPv6 header");
        _dst = list.Destination;
        _srh = list.Srh(reduced);
        _pseudoDst = list.FinalDestination;
        return this;
    }

    // ---- build ----
    public byte[] Build()
    {
        byte[] ip = BuildIp();
        if (_link == LinkKind.RawIp)
            return ip;
        var frame = new byte[14 + ip.Length];
        _dstMac.GetAddressBytes().CopyTo(frame, 0);
        _srcMac.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), _etherType ?? (_ipv4 ? (ushort)0x0800 : (ushort)0x86DD));
        ip.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>The IP packet without any link-layer header.</summary>
    public byte[] BuildIp()
    {
        var (proto, upper) = EncodeUpper(_payload);
        return _ipv4 ? BuildIpv4(proto, upper) : BuildIpv6(proto, upper);
    }

    private byte[] BuildIpv6(byte proto, byte[] upper)
    {
        var headers = new List<(byte Type, byte[] Bytes)>();
        foreach (var e in _extensions.Where(e => !e.AfterSrh))
            headers.Add((e.Type, (byte[])e.Bytes.Clone()));
        SegmentRoutingHeader? srh = null;
        if (_srh is not null)
        {
            srh = _srh.Clone();
            headers.Add((SegmentRoutingHeader.IpProtocolRouting, []));
        }
        foreach (var e in _extensions.Where(e => e.AfterSrh))
            headers.Add((e.Type, (byte[])e.Bytes.Clone()));

        for (int i = 0; i < headers.Count; i++)
        {
            byte following = i + 1 < headers.Count ? headers[i + 1].Type : proto;
            if (headers[i].Bytes.Length == 0 && srh is not null)
            {
                srh.NextHeader = _srhNextHeader ?? following;
                headers[i] = (headers[i].Type, srh.Encode());
            }
            else
                headers[i].Bytes[0] = following;
        }

        int extLen = headers.Sum(h => h.Bytes.Length);
        var pkt = new byte[40 + extLen + upper.Length];
        uint word0 = (6u << 28) | ((uint)_trafficClass << 20) | _flowLabel;
        BinaryPrimitives.WriteUInt32BigEndian(pkt, word0);
        BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(4), _payloadLength ?? checked((ushort)(extLen + upper.Length)));
        pkt[6] = _nextHeader ?? (headers.Count > 0 ? headers[0].Type : proto);
        pkt[7] = _hopLimit;
        _src.TryWriteBytes(pkt.AsSpan(8, 16), out _);
        _dst.TryWriteBytes(pkt.AsSpan(24, 16), out _);
        int pos = 40;
        foreach (var h in headers)
        {
            h.Bytes.CopyTo(pkt, pos);
            pos += h.Bytes.Length;
        }
        upper.CopyTo(pkt, pos);
        return pkt;
    }

    private byte[] BuildIpv4(byte proto, byte[] upper)
    {
        var pkt = new byte[20 + upper.Length];
        pkt[0] = 0x45;
        pkt[1] = _trafficClass;
        BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(2), _payloadLength ?? checked((ushort)pkt.Length));
        BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(4), _ipv4Id);
        BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(6), _dontFragment ? (ushort)0x4000 : (ushort)0);
        pkt[8] = _hopLimit;
        pkt[9] = _nextHeader ?? proto;
        _src.TryWriteBytes(pkt.AsSpan(12, 4), out _);
        _dst.TryWriteBytes(pkt.AsSpan(16, 4), out _);
        ushort checksum = _ipv4Checksum ?? InternetChecksum.Finish(InternetChecksum.Add(0, pkt.AsSpan(0, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(10), checksum);
        upper.CopyTo(pkt, 20);
        return pkt;
    }

    private (byte Proto, byte[] Bytes) EncodeUpper(PacketPayload payload)
    {
        var finalDst = FinalDestination;
        switch (payload)
        {
            case PacketPayload.IcmpEcho e:
            {
                var b = new byte[8 + e.Data.Length];
                b[0] = _ipv4 ? (e.Reply ? (byte)0 : (byte)8) : (e.Reply ? (byte)129 : (byte)128);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), e.Id);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), e.Seq);
                e.Data.CopyTo(b, 8);
                return _ipv4 ? ((byte)1, Checksummed(b, 2, null)) : ((byte)58, Checksummed(b, 2, 58));
            }
            case PacketPayload.Icmpv6 m:
            {
                var b = new byte[4 + m.Body.Length];
                b[0] = m.Type;
                b[1] = m.Code;
                m.Body.CopyTo(b, 4);
                return (58, Checksummed(b, 2, 58));
            }
            case PacketPayload.Udp u:
            {
                var b = new byte[8 + u.Data.Length];
                BinaryPrimitives.WriteUInt16BigEndian(b, u.SrcPort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), u.DstPort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), checked((ushort)b.Length));
                u.Data.CopyTo(b, 8);
                return (17, Checksummed(b, 6, 17, zeroAsOnes: true));
            }
            case PacketPayload.Tcp t:
            {
                var data = t.Data ?? [];
                var b = new byte[20 + data.Length];
                BinaryPrimitives.WriteUInt16BigEndian(b, t.SrcPort);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), t.DstPort);
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), t.Seq);
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), t.Ack);
                b[12] = (byte)(0x50 | (((ushort)t.Flags >> 8) & 0x01));
                b[13] = (byte)t.Flags;
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), t.Window);
                data.CopyTo(b, 20);
                return (6, Checksummed(b, 16, 6));
            }
            case PacketPayload.Ip ip:
                return (ip.Inner.IsIpv4 ? (byte)4 : (byte)41, ip.Inner.BuildIp());
            case PacketPayload.Ethernet eth:
                return (143, eth.Inner.Build());
            case PacketPayload.NoNextHeader n:
                return (59, n.Trailing ?? []);
            case PacketPayload.Raw r:
                return (r.Protocol, r.Data);
            default:
                throw new NotSupportedException($"payload {payload.GetType().Name} is not supported");
        }

        byte[] Checksummed(byte[] b, int at, byte? pseudoProto, bool zeroAsOnes = false)
        {
            ushort c;
            if (_checksum is ushort forced)
                c = forced;
            else
            {
                c = pseudoProto is byte pp
                    ? InternetChecksum.Compute(_src, finalDst, pp, b)
                    : InternetChecksum.Finish(InternetChecksum.Add(0, b));
                if (c == 0 && zeroAsOnes) c = 0xFFFF;
            }
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), c);
            return b;
        }
    }

    /// <summary>
    /// Builds the headers of a parsed notation: IP [SRH] ( IP [SRH] | [L2] )* and puts <paramref name="payload"/> after
    /// the last header. An IPv4 header must be the last IP header. MAC addresses default to <see cref="DefaultSourceMac"/>
    /// / <see cref="DefaultDestinationMac"/>.
    /// </summary>
    public static PacketBuilder FromNotation(NotationPacket notation, PacketPayload payload, LinkKind link = LinkKind.Ethernet)
    {
        ArgumentNullException.ThrowIfNull(notation);
        if (notation.Headers.Count == 0)
            throw new ArgumentException("notation has no headers", nameof(notation));
        var b = FromNotationAt(notation.Headers, 0, payload);
        if (link == LinkKind.RawIp) b.RawIp();
        return b;
    }

    private static PacketBuilder FromNotationAt(IReadOnlyList<NotationHeader> hs, int i, PacketPayload payload)
    {
        if (hs[i] is not NotationIpHeader ip)
            throw new ArgumentException($"notation header {i + 1} must be an IP header (SA,DA), found {hs[i]}");
        var b = new PacketBuilder();
        if (ip.IsIpv4) b.Ipv4(ip.Source, ip.Destination);
        else b.Ipv6(ip.Source, ip.Destination);
        i++;
        if (i < hs.Count && hs[i] is NotationSrh srh)
        {
            if (ip.IsIpv4) throw new ArgumentException("an SRH cannot follow an IPv4 header");
            b.Srh(srh.Segments, checked((byte)srh.SegmentsLeft));
            i++;
        }
        if (i >= hs.Count)
            return b.Payload(payload);
        if (ip.IsIpv4)
            throw new ArgumentException("headers after an IPv4 header are not supported by the builder");
        if (hs[i] is NotationL2)
        {
            var inner = i + 1 < hs.Count ? FromNotationAt(hs, i + 1, payload) : new PacketBuilder().Payload(payload);
            return b.EncapsulateEthernet(inner);
        }
        return b.Encapsulate(FromNotationAt(hs, i, payload));
    }
}
