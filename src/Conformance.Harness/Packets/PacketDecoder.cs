using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;

namespace Conformance.Harness.Packets;

/// <summary>Decodes Ethernet/IPv6/SRH frames. Never throws: every problem becomes a <see cref="Malformation"/>.</summary>
public static class PacketDecoder
{
    /// <summary>Maximum nesting of encapsulated packets (IPv6-in-IPv6, Ethernet-in-IPv6, quoted ICMPv6 packets).</summary>
    public const int MaxDepth = 8;
    private const int MaxExtensionHeaders = 32;

    public static DecodedPacket Decode(ReadOnlySpan<byte> frame, LinkKind link = LinkKind.Ethernet) => Decode(frame, link, null);

    /// <summary>
    /// Decodes with the C-SID blocks of <paramref name="csid"/> known: the upper-layer checksum is then checked against the
    /// ultimate destination found by applying the blocks' endpoint behaviors (RFC 9800 §6.5: "The Destination Address
    /// used in the IPv6 pseudo-header (Section 8.1 of [RFC8200]) is that of the ultimate destination.", found "by
    /// repeatedly applying the segment behavior as described in Section 9.4"), not against SRH segment [0].
    /// </summary>
    public static DecodedPacket Decode(ReadOnlySpan<byte> frame, LinkKind link, CsidTable? csid)
    {
        var list = new List<Malformation>();
        try
        {
            var sink = new MalformationSink(list, frame.Length) { Csid = csid is { IsEmpty: false } ? csid : null };
            return DecodeLink(frame, 0, frame.Length, link, "", 0, sink, topLevel: true);
        }
        catch (Exception ex)
        {
            // Defensive: a decoder bug must not take a test run down; it is reported like any other problem.
            list.Add(new Malformation("decoder", "internal", 0, "internal decoder error: " + ex.GetType().Name + ": " + ex.Message));
            return new DecodedPacket { Link = link, Length = frame.Length, Malformations = list, Inner = new UnknownLayer { Bytes = frame.ToArray() } };
        }
    }

    private static DecodedPacket DecodeLink(ReadOnlySpan<byte> f, int start, int end, LinkKind link, string prefix, int depth,
        MalformationSink sink, bool topLevel)
    {
        var p = new DecodedPacket { Link = link, Offset = start, Length = end - start, Malformations = sink.List };
        int pos = start;
        if (link == LinkKind.Ethernet)
        {
            string layer = prefix + "ethernet";
            if (end - pos < 14)
            {
                sink.Error(layer, "header", pos, $"truncated: Ethernet header needs 14 octets, {end - pos} present");
                p.Inner = new UnknownLayer { Offset = pos, Bytes = f[pos..end].ToArray(), Truncated = true };
                return p;
            }
            var dst = new PhysicalAddress(f.Slice(pos, 6).ToArray());
            var src = new PhysicalAddress(f.Slice(pos + 6, 6).ToArray());
            ushort et = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 12)..]);
            int ethStart = pos;
            pos += 14;
            var vlans = new List<ushort>();
            while ((et == 0x8100 || et == 0x88A8) && vlans.Count < 2)
            {
                if (end - pos < 4)
                {
                    sink.Error(layer, "vlan", pos, "truncated: VLAN tag needs 4 octets");
                    p.Ethernet = new EthernetInfo(dst, src, et, ethStart) { VlanTags = vlans };
                    p.Inner = new UnknownLayer { Offset = pos, Bytes = f[pos..end].ToArray(), Number = et, IsEtherType = true, Truncated = true };
                    return p;
                }
                vlans.Add(BinaryPrimitives.ReadUInt16BigEndian(f[pos..]));
                et = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 2)..]);
                pos += 4;
            }
            p.Ethernet = new EthernetInfo(dst, src, et, ethStart) { VlanTags = vlans };
            switch (et)
            {
                case 0x86DD:
                    DecodeIpv6(f, pos, end, p, prefix, depth, sink, topLevel);
                    break;
                case 0x0800:
                    p.Inner = DecodeIpv4(f, pos, end, prefix, sink);
                    break;
                default:
                    sink.Note(layer, "ethertype", ethStart + 12, $"ethertype 0x{et:x4} is neither IPv6 nor IPv4; payload not decoded");
                    p.Inner = new UnknownLayer { Offset = pos, Bytes = f[pos..end].ToArray(), Number = et, IsEtherType = true };
                    break;
            }
            return p;
        }

        if (end - pos < 1)
        {
            sink.Error(prefix + "ip", "version", pos, "truncated: no IP header present");
            p.Inner = new UnknownLayer { Offset = pos, Truncated = true };
            return p;
        }
        int version = f[pos] >> 4;
        switch (version)
        {
            case 6:
                DecodeIpv6(f, pos, end, p, prefix, depth, sink, topLevel);
                break;
            case 4:
                p.Inner = DecodeIpv4(f, pos, end, prefix, sink);
                break;
            default:
                sink.Error(prefix + "ip", "version", pos, $"bad version nibble {version}: expected 6 or 4");
                p.Inner = new UnknownLayer { Offset = pos, Bytes = f[pos..end].ToArray() };
                break;
        }
        return p;
    }

    private static void DecodeIpv6(ReadOnlySpan<byte> f, int pos, int end, DecodedPacket p, string prefix, int depth,
        MalformationSink sink, bool topLevel)
    {
        string layer = prefix + "ipv6";
        if (end - pos < 40)
        {
            sink.Error(layer, "header", pos, $"truncated: IPv6 header needs 40 octets, {end - pos} present");
            p.Inner = new UnknownLayer { Offset = pos, Bytes = f[pos..end].ToArray(), Truncated = true };
            return;
        }
        int version = f[pos] >> 4;
        if (version != 6)
            sink.Error(layer, "version", pos, $"bad version nibble {version}: expected 6");
        byte tc = (byte)(((f[pos] & 0x0F) << 4) | (f[pos + 1] >> 4));
        uint flow = (uint)(((f[pos + 1] & 0x0F) << 16) | (f[pos + 2] << 8) | f[pos + 3]);
        ushort plen = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 4)..]);
        byte nh = f[pos + 6];
        byte hl = f[pos + 7];
        var src = new IPAddress(f.Slice(pos + 8, 16));
        var dst = new IPAddress(f.Slice(pos + 24, 16));
        p.Ipv6 = new Ipv6Info(version, src, dst, hl, nh, tc, flow, plen, pos);

        int payloadStart = pos + 40;
        int avail = end - payloadStart;
        int payloadEnd;
        if (plen > avail)
        {
            sink.Error(layer, "payload_length", pos + 4, $"payload length {plen} exceeds the {avail} octets present after the IPv6 header");
            payloadEnd = end;
        }
        else
        {
            payloadEnd = payloadStart + plen;
            if (plen < avail)
            {
                p.TrailingBytes = f[payloadEnd..end].ToArray();
                bool ethernetPadding = topLevel && p.Ethernet is not null && end - p.Offset <= 60;
                if (!ethernetPadding)
                    sink.Note(layer, "payload_length", pos + 4,
                        $"payload length {plen} is shorter than the {avail} octets present; {avail - plen} trailing octets ignored");
            }
        }

        int cur = payloadStart;
        byte next = nh;
        for (int count = 0; count < MaxExtensionHeaders; count++)
        {
            if (next is not (0 or 43 or 44 or 51 or 60))
                break;
            if (next == 0 && count > 0)
                sink.Error(prefix + "ext", "hop_by_hop", cur, "hop-by-hop options header is only allowed immediately after the IPv6 header");
            int left = payloadEnd - cur;
            if (next == 43 && left >= 3 && f[cur + 2] == SegmentRoutingHeader.SrhRoutingType && p.Srh is null)
            {
                int srhStart = cur;
                var srh = SegmentRoutingHeader.Decode(f[cur..payloadEnd], cur, sink, prefix + "srh", out int consumed);
                if (srh is null)
                {
                    p.Inner = new UnknownLayer { Offset = cur, Bytes = f[cur..payloadEnd].ToArray(), Number = 43, Truncated = true };
                    return;
                }
                p.Srh = srh;
                p.SrhOffset = srhStart;
                cur += consumed;
                next = srh.NextHeader;
                if (consumed < 8 * (srh.EffectiveHdrExtLen + 1))
                {
                    // Truncated SRH: there is nothing left to decode after it.
                    p.Inner = new UnknownLayer { Offset = cur, Number = next, Truncated = true };
                    SetPseudoDestination(p, sink.Csid);
                    return;
                }
                continue;
            }
            // Generic extension header.
            string extLayer = prefix + "ext";
            if (left < 2 || (next == 44 && left < 8))
            {
                sink.Error(extLayer, ExtensionName(next), cur, $"truncated: extension header {next} needs at least {(next == 44 ? 8 : 2)} octets, {left} present");
                p.Inner = new UnknownLayer { Offset = cur, Bytes = f[cur..payloadEnd].ToArray(), Number = next, Truncated = true };
                SetPseudoDestination(p, sink.Csid);
                return;
            }
            int len = next switch
            {
                44 => 8,
                51 => (f[cur + 1] + 2) * 4,
                _ => (f[cur + 1] + 1) * 8,
            };
            if (len > left)
            {
                sink.Error(extLayer, ExtensionName(next), cur + 1, $"header length {len} octets exceeds the {left} octets remaining");
                p.Inner = new UnknownLayer { Offset = cur, Bytes = f[cur..payloadEnd].ToArray(), Number = next, Truncated = true };
                SetPseudoDestination(p, sink.Csid);
                return;
            }
            if (next == 43)
            {
                if (p.Srh is not null && left >= 3 && f[cur + 2] == SegmentRoutingHeader.SrhRoutingType)
                    sink.Error(extLayer, "routing", cur, "more than one routing header; the second SRH is skipped");
                else
                    sink.Note(extLayer, "routing_type", cur + 2, $"routing type {f[cur + 2]} is not 4 (SRH); header skipped");
            }
            var info = new ExtensionHeaderInfo(next, f[cur], cur, len, f.Slice(cur, len).ToArray());
            p.ExtensionHeaders.Add(info);
            byte following = f[cur];
            if (next == 44)
            {
                ushort offsetField = BinaryPrimitives.ReadUInt16BigEndian(f[(cur + 2)..]);
                if ((offsetField & 0xFFF8) != 0)
                {
                    sink.Note(extLayer, "fragment", cur + 2, "non-first fragment: upper layer not decoded");
                    p.Inner = new UnknownLayer { Offset = cur + len, Bytes = f[(cur + len)..payloadEnd].ToArray(), Number = following };
                    SetPseudoDestination(p, sink.Csid);
                    return;
                }
            }
            cur += len;
            next = following;
        }

        SetPseudoDestination(p, sink.Csid);
        p.Inner = DecodeUpper(f, next, cur, payloadEnd, p, prefix, depth, sink);
    }

    private static string ExtensionName(byte type) => new ExtensionHeaderInfo(type, 0, 0, 0, []).Name;

    private static void SetPseudoDestination(DecodedPacket p, CsidTable? csid)
    {
        if (p.Ipv6 is null) return;
        if (csid is not null && (p.Srh is not null || csid.Find(p.Ipv6.Dst) is not null))
        {
            // RFC 9800 §9.4: apply the behavior of each known SID "until the application of the SRv6 endpoint behavior
            // would result in the processing of the upper-layer header"; a list the walk cannot finish (Parameter
            // Problem) falls back to the RFC 8200 rule below.
            var segments = p.Srh?.Segments ?? [];
            try
            {
                var hops = CsidEndpoint.Walk(p.Ipv6.Dst, segments, p.Srh?.SegmentsLeft ?? 0, csid);
                if (hops[^1].Step == CsidStep.Ultimate)
                {
                    p.PseudoHeaderDestination = hops[^1].Destination;
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // no ultimate segment: the RFC 8200 rule
            }
        }
        // RFC 8200 §8.1: with a Routing header the pseudo-header carries the final destination. At a node that is
        // not the last one (SL > 0) that is the last element of the routing header, segment [0] in SRH order.
        p.PseudoHeaderDestination = p.Srh is { SegmentsLeft: > 0, Segments.Count: > 0 } ? p.Srh.Segments[0] : p.Ipv6.Dst;
    }

    private static InnerLayer DecodeUpper(ReadOnlySpan<byte> f, byte next, int cur, int end, DecodedPacket p, string prefix,
        int depth, MalformationSink sink)
    {
        var bytes = f[cur..end];
        var src = p.Ipv6!.Src;
        var pseudoDst = p.PseudoHeaderDestination ?? p.Ipv6.Dst;
        switch (next)
        {
            case 58:
            {
                string layer = prefix + "icmpv6";
                if (bytes.Length < 4)
                {
                    sink.Error(layer, "header", cur, $"truncated: ICMPv6 header needs 4 octets, {bytes.Length} present");
                    return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next, Truncated = true };
                }
                byte type = bytes[0];
                ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
                bool valid = InternetChecksum.Verify(src, pseudoDst, 58, bytes);
                ushort? id = null, seq = null;
                uint? mtu = null, pointer = null;
                DecodedPacket? invoking = null;
                bool known = type is 128 or 129 or (>= 1 and <= 4);
                if (known && bytes.Length < 8)
                    sink.Error(layer, "header", cur, $"truncated: ICMPv6 type {type} needs 8 octets, {bytes.Length} present");
                else if (bytes.Length >= 8)
                {
                    uint word = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]);
                    if (type is 128 or 129)
                    {
                        id = (ushort)(word >> 16);
                        seq = (ushort)word;
                    }
                    else if (type == 2) mtu = word;
                    else if (type == 4) pointer = word;
                    if (type is >= 1 and <= 4 && bytes.Length > 8)
                    {
                        if (depth + 1 < MaxDepth)
                        {
                            // The quoted packet is usually truncated on purpose; keep its findings separate.
                            var quoted = new MalformationSink([], sink.Clamp(int.MaxValue) + 1) { Csid = sink.Csid };
                            invoking = DecodeLink(f, cur + 8, end, LinkKind.RawIp, layer + ".invoking.", depth + 1, quoted, topLevel: false);
                        }
                        else sink.Error(layer, "invoking", cur + 8, "nesting too deep; quoted packet not decoded");
                    }
                }
                if (!valid)
                    sink.Error(layer, "checksum", cur + 2, $"checksum 0x{checksum:x4} is wrong (pseudo-header destination {Rfc5952.Format(pseudoDst)})");
                return new Icmpv6Layer
                {
                    Offset = cur, Bytes = bytes.ToArray(), Type = type, Code = bytes[1], Checksum = checksum, ChecksumValid = valid,
                    EchoId = id, EchoSeq = seq, Mtu = mtu, Pointer = pointer, Invoking = invoking,
                    Data = bytes.Length > 8 ? bytes[8..].ToArray() : [],
                };
            }
            case 17:
            case 6:
                return DecodeTransport(f, next, cur, end, src, pseudoDst, prefix, sink);
            case 41:
            case 4:
            case 143:
            {
                if (depth + 1 >= MaxDepth)
                {
                    sink.Error(prefix + "ipv6", "next_header", cur, $"nesting too deep (more than {MaxDepth} levels); next header {next} not decoded");
                    return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next };
                }
                if (next == 4)
                    return DecodeIpv4(f, cur, end, prefix + "inner.", sink);
                if (next == 143)
                    return new EthernetLayer
                    {
                        Offset = cur, Bytes = bytes.ToArray(),
                        Packet = DecodeLink(f, cur, end, LinkKind.Ethernet, prefix + "inner.", depth + 1, sink, topLevel: false),
                    };
                var inner = new DecodedPacket { Link = LinkKind.RawIp, Offset = cur, Length = end - cur, Malformations = sink.List };
                DecodeIpv6(f, cur, end, inner, prefix + "inner.", depth + 1, sink, topLevel: false);
                return new Ipv6Layer { Offset = cur, Bytes = bytes.ToArray(), Packet = inner };
            }
            case 59:
                return new NoNextHeaderLayer { Offset = cur, Bytes = bytes.ToArray() };
            default:
                return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next };
        }
    }

    private static InnerLayer DecodeTransport(ReadOnlySpan<byte> f, byte next, int cur, int end, IPAddress src, IPAddress pseudoDst,
        string prefix, MalformationSink sink)
    {
        var bytes = f[cur..end];
        switch (next)
        {
            case 17:
            {
                string layer = prefix + "udp";
                if (bytes.Length < 8)
                {
                    sink.Error(layer, "header", cur, $"truncated: UDP header needs 8 octets, {bytes.Length} present");
                    return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next, Truncated = true };
                }
                ushort length = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
                ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]);
                if (length != bytes.Length)
                    sink.Error(layer, "length", cur + 4, $"UDP length {length} does not match the {bytes.Length} octets present");
                bool v4 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
                // Over IPv4 a zero checksum means "not computed" (RFC 768); over IPv6 it is not allowed (RFC 8200 §8.1).
                bool valid = checksum == 0 ? v4 : InternetChecksum.Verify(src, pseudoDst, 17, bytes);
                if (checksum == 0 && !v4)
                    sink.Error(layer, "checksum", cur + 6, "UDP checksum 0 is not allowed over IPv6");
                else if (!valid)
                    sink.Error(layer, "checksum", cur + 6, $"checksum 0x{checksum:x4} is wrong (pseudo-header destination {Rfc5952.Format(pseudoDst)})");
                return new UdpLayer
                {
                    Offset = cur, Bytes = bytes.ToArray(), SrcPort = BinaryPrimitives.ReadUInt16BigEndian(bytes),
                    DstPort = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]), Length = length, Checksum = checksum,
                    ChecksumValid = valid, Data = bytes[8..].ToArray(),
                };
            }
            case 6:
            {
                string layer = prefix + "tcp";
                if (bytes.Length < 20)
                {
                    sink.Error(layer, "header", cur, $"truncated: TCP header needs 20 octets, {bytes.Length} present");
                    return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next, Truncated = true };
                }
                int dataOffset = bytes[12] >> 4;
                int hdrLen = dataOffset * 4;
                if (dataOffset < 5 || hdrLen > bytes.Length)
                {
                    sink.Error(layer, "data_offset", cur + 12, $"data offset {dataOffset} ({hdrLen} octets) is outside 20..{bytes.Length}");
                    hdrLen = Math.Clamp(hdrLen, 20, bytes.Length);
                }
                ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(bytes[16..]);
                bool valid = InternetChecksum.Verify(src, pseudoDst, 6, bytes);
                if (!valid)
                    sink.Error(layer, "checksum", cur + 16, $"checksum 0x{checksum:x4} is wrong (pseudo-header destination {Rfc5952.Format(pseudoDst)})");
                return new TcpLayer
                {
                    Offset = cur, Bytes = bytes.ToArray(), SrcPort = BinaryPrimitives.ReadUInt16BigEndian(bytes),
                    DstPort = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]), Seq = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
                    Ack = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]), DataOffset = (byte)dataOffset,
                    Flags = (TcpFlags)(((bytes[12] & 0x01) << 8) | bytes[13]), Window = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]),
                    Checksum = checksum, ChecksumValid = valid, UrgentPointer = BinaryPrimitives.ReadUInt16BigEndian(bytes[18..]),
                    Options = bytes[20..hdrLen].ToArray(), Data = bytes[hdrLen..].ToArray(),
                };
            }
            default:
                return new UnknownLayer { Offset = cur, Bytes = bytes.ToArray(), Number = next };
        }
    }

    private static InnerLayer DecodeIpv4(ReadOnlySpan<byte> f, int pos, int end, string prefix, MalformationSink sink)
    {
        string layer = prefix + "ipv4";
        var bytes = f[pos..end];
        if (bytes.Length < 20)
        {
            sink.Error(layer, "header", pos, $"truncated: IPv4 header needs 20 octets, {bytes.Length} present");
            return new UnknownLayer { Offset = pos, Bytes = bytes.ToArray(), Number = 4, Truncated = true };
        }
        int version = bytes[0] >> 4;
        if (version != 4)
            sink.Error(layer, "version", pos, $"bad version nibble {version}: expected 4");
        int ihl = (bytes[0] & 0x0F) * 4;
        int hdrLen = ihl;
        if (ihl < 20 || ihl > bytes.Length)
        {
            sink.Error(layer, "ihl", pos, $"header length {ihl} is outside 20..{bytes.Length}");
            hdrLen = Math.Clamp(ihl, 20, bytes.Length);
        }
        ushort total = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        int payloadEnd = bytes.Length;
        if (total > bytes.Length)
            sink.Error(layer, "total_length", pos + 2, $"total length {total} exceeds the {bytes.Length} octets present");
        else if (total < hdrLen)
            sink.Error(layer, "total_length", pos + 2, $"total length {total} is shorter than the header ({hdrLen} octets)");
        else
            payloadEnd = total;
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(bytes[10..]);
        bool valid = InternetChecksum.Finish(InternetChecksum.Add(0, bytes[..hdrLen])) == 0;
        if (!valid)
            sink.Error(layer, "checksum", pos + 10, $"header checksum 0x{checksum:x4} is wrong");
        ushort fragWord = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]);
        var v4src = new IPAddress(bytes.Slice(12, 4));
        var v4dst = new IPAddress(bytes.Slice(16, 4));
        InnerLayer? upper = null;
        if (bytes[9] is 17 or 6 && (fragWord & 0x3FFF) == 0)
            upper = DecodeTransport(f, bytes[9], pos + hdrLen, pos + payloadEnd, v4src, v4dst, prefix, sink);
        return new Ipv4Layer
        {
            Upper = upper,
            Offset = pos, Bytes = bytes.ToArray(), Version = version, HeaderLength = ihl, Tos = bytes[1], TotalLength = total,
            Identification = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]), FlagBits = (byte)(fragWord >> 13),
            FragmentOffset = (ushort)(fragWord & 0x1FFF), Ttl = bytes[8], Protocol = bytes[9], HeaderChecksum = checksum,
            ChecksumValid = valid, Src = v4src, Dst = v4dst,
            Options = bytes[20..hdrLen].ToArray(), Payload = bytes[hdrLen..payloadEnd].ToArray(),
        };
    }
}
