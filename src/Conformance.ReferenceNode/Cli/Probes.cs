using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Conformance.ReferenceNode.Cli;

/// <summary>What a reply to one of the CLI's probes says.</summary>
public enum ProbeReplyKind { EchoReply, TimeExceeded, Unreachable, PortUnreachable, Other }

public sealed record ProbeReply(ProbeReplyKind Kind, IPAddress From);

/// <summary>
/// The packets the CLI's ping and traceroute originate (ICMPv6/ICMP echo requests, UDP probes, optionally with an SRH
/// for a segment list: RFC 8754 §2), and the reading of what comes back (echo replies; Time Exceeded and Destination
/// Unreachable quoting a probe: RFC 4443 §3, RFC 792). Packets are IP packets without an Ethernet header.
/// </summary>
public static class Probes
{
    public const int TraceroutePort = 33434;

    public static byte[] Echo(IPAddress source, IPAddress target, ushort id, ushort seq, int payload, IReadOnlyList<IPAddress> segments, int hopLimit = 64)
    {
        var data = new byte[payload];
        for (var i = 0; i < payload; i++) data[i] = (byte)i;
        if (target.AddressFamily == AddressFamily.InterNetwork)
        {
            var icmp = new byte[8 + payload];
            icmp[0] = 8;
            BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), id);
            BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), seq);
            data.CopyTo(icmp, 8);
            BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(icmp, 0));
            return Ipv4(source, target, 1, hopLimit, icmp);
        }
        var m = new byte[8 + payload];
        m[0] = 128;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), seq);
        data.CopyTo(m, 8);
        return Ipv6(source, target, 58, hopLimit, m, segments);
    }

    public static byte[] Udp(IPAddress source, IPAddress target, ushort sourcePort, ushort port, int hopLimit, IReadOnlyList<IPAddress> segments)
    {
        var u = new byte[8 + 12];
        BinaryPrimitives.WriteUInt16BigEndian(u, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), port);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        return target.AddressFamily == AddressFamily.InterNetwork
            ? Ipv4(source, target, 17, hopLimit, u)
            : Ipv6(source, target, 17, hopLimit, u, segments);
    }

    private static byte[] Ipv4(IPAddress src, IPAddress dst, byte proto, int ttl, byte[] payload)
    {
        var p = new byte[20 + payload.Length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)Random.Shared.Next(1, 65536));
        p[8] = (byte)ttl;
        p[9] = proto;
        src.GetAddressBytes().CopyTo(p, 12);
        dst.GetAddressBytes().CopyTo(p, 16);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Checksum(p.AsSpan(0, 20), 0));
        payload.CopyTo(p, 20);
        if (proto == 17)
        {
            var sum = PseudoSum(src, dst, proto, payload.Length);
            var c = Checksum(payload, sum);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(26), c == 0 ? (ushort)0xffff : c);
        }
        return p;
    }

    /// <summary>An IPv6 packet to <paramref name="target"/>, through <paramref name="segments"/> first when there are any (an SRH, RFC 8754 §2).</summary>
    private static byte[] Ipv6(IPAddress src, IPAddress target, byte proto, int hopLimit, byte[] payload, IReadOnlyList<IPAddress> segments)
    {
        var srhLen = segments.Count == 0 ? 0 : 8 + 16 * (segments.Count + 1);
        var p = new byte[40 + srhLen + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(srhLen + payload.Length));
        p[6] = segments.Count == 0 ? proto : (byte)43;
        p[7] = (byte)hopLimit;
        src.GetAddressBytes().CopyTo(p, 8);
        (segments.Count == 0 ? target : segments[0]).GetAddressBytes().CopyTo(p, 24);
        if (segments.Count > 0)
        {
            // Segment List[0] is the last segment (the target), Segment List[n] the first; Segments Left = n (RFC 8754 §2).
            var n = segments.Count;
            var s = p.AsSpan(40, srhLen);
            s[0] = proto;
            s[1] = (byte)(srhLen / 8 - 1);
            s[2] = 4;
            s[3] = (byte)n;
            s[4] = (byte)n;
            target.GetAddressBytes().CopyTo(s[8..]);
            for (var i = 0; i < n; i++) segments[i].GetAddressBytes().CopyTo(s[(8 + 16 * (n - i))..]);
        }
        payload.CopyTo(p, 40 + srhLen);
        // The upper-layer checksum uses the final destination (RFC 8200 §8.1).
        var sum = PseudoSum(src, target, proto, payload.Length);
        var off = 40 + srhLen + (proto == 58 ? 2 : 6);
        var c = Checksum(p.AsSpan(40 + srhLen), sum);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(off), proto == 17 && c == 0 ? (ushort)0xffff : c);
        return p;
    }

    private static uint PseudoSum(IPAddress src, IPAddress dst, byte proto, int length)
    {
        uint sum = 0;
        foreach (var b in new[] { src.GetAddressBytes(), dst.GetAddressBytes() })
            for (var i = 0; i < b.Length; i += 2) sum += (uint)(b[i] << 8 | b[i + 1]);
        sum += proto;
        sum += (uint)length;
        return sum;
    }

    public static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (data.Length % 2 == 1) sum += (uint)(data[^1] << 8);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>
    /// Reads a packet delivered to the node: an echo reply with <paramref name="id"/>/<paramref name="seq"/>, or an error
    /// quoting a probe of ours (echo with that id/seq, or UDP with source port <paramref name="id"/> and destination
    /// port <paramref name="seq"/>). Null when the packet is not about this probe.
    /// </summary>
    public static ProbeReply? Match(ReadOnlySpan<byte> packet, ushort id, ushort seq)
    {
        if (packet.Length < 20) return null;
        var version = packet[0] >> 4;
        if (version == 6 && packet.Length >= 48)
        {
            var from = new IPAddress(packet.Slice(8, 16));
            var (proto, off) = SkipExtensions(packet, packet[6], 40);
            if (proto != 58 || off + 8 > packet.Length) return null;
            var type = packet[off];
            var code = packet[off + 1];
            if (type == 129) return Read16(packet, off + 4) == id && Read16(packet, off + 6) == seq ? new ProbeReply(ProbeReplyKind.EchoReply, from) : null;
            if (type is 1 or 3 && Quotes(packet[(off + 8)..], id, seq))
                return new ProbeReply(type == 3 ? ProbeReplyKind.TimeExceeded : code == 4 ? ProbeReplyKind.PortUnreachable : ProbeReplyKind.Unreachable, from);
            return null;
        }
        if (version == 4)
        {
            var ihl = (packet[0] & 0xf) * 4;
            if (packet[9] != 1 || packet.Length < ihl + 8) return null;
            var from = new IPAddress(packet.Slice(12, 4));
            var type = packet[ihl];
            var code = packet[ihl + 1];
            if (type == 0) return Read16(packet, ihl + 4) == id && Read16(packet, ihl + 6) == seq ? new ProbeReply(ProbeReplyKind.EchoReply, from) : null;
            if (type is 3 or 11 && Quotes(packet[(ihl + 8)..], id, seq))
                return new ProbeReply(type == 11 ? ProbeReplyKind.TimeExceeded : code == 3 ? ProbeReplyKind.PortUnreachable : ProbeReplyKind.Unreachable, from);
        }
        return null;
    }

    private static ushort Read16(ReadOnlySpan<byte> p, int off) => BinaryPrimitives.ReadUInt16BigEndian(p[off..]);

    private static (byte Proto, int Offset) SkipExtensions(ReadOnlySpan<byte> p, byte next, int off)
    {
        while (next is 0 or 43 or 60 && off + 8 <= p.Length)
        {
            var len = (p[off + 1] + 1) * 8;
            next = p[off];
            off += len;
        }
        return (next, off);
    }

    private static bool Quotes(ReadOnlySpan<byte> q, ushort id, ushort seq)
    {
        if (q.Length < 20) return false;
        int off;
        byte proto;
        if (q[0] >> 4 == 6)
        {
            if (q.Length < 40) return false;
            (proto, off) = SkipExtensions(q, q[6], 40);
        }
        else
        {
            off = (q[0] & 0xf) * 4;
            proto = q[9];
        }
        if (off + 8 > q.Length) return false;
        return proto switch
        {
            17 => Read16(q, off) == id && Read16(q, off + 2) == seq,
            58 or 1 => Read16(q, off + 4) == id && Read16(q, off + 6) == seq,
            _ => false,
        };
    }
}
