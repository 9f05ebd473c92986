using System.Buffers.Binary;
using Conformance.Harness.Packets;

namespace Conformance.Harness.Verdicts;

/// <summary>
/// What ties a received packet to the stimulus that caused it: the innermost probe marker
/// (ICMPv6/ICMP echo id and sequence, UDP ports and the first payload bytes, TCP ports and
/// sequence). An ICMP error carries its invoking packet's key behind its own type and code, so a
/// Time Exceeded for probe 7 is told apart from probe 7 itself.
/// </summary>
public static class ProbeKey
{
    public static string? Of(DecodedPacket p, int depth = 0)
    {
        if (depth > 6) return null;
        return p.Inner switch
        {
            Icmpv6Layer { IsEcho: true } e => $"echo:{e.EchoId}:{e.EchoSeq}",
            Icmpv6Layer { Invoking: { } inv } e => $"icmp6-{e.Type}/{e.Code}<{Of(inv, depth + 1)}",
            Icmpv6Layer e => $"icmp6-{e.Type}/{e.Code}",
            UdpLayer u => $"udp:{u.SrcPort}:{u.DstPort}:{Convert.ToHexStringLower(u.Data.AsSpan(0, Math.Min(8, u.Data.Length)))}",
            TcpLayer t => $"tcp:{t.SrcPort}:{t.DstPort}:{t.Seq}",
            Ipv6Layer inner => Of(inner.Packet, depth + 1),
            EthernetLayer l2 => Of(l2.Packet, depth + 1),
            Ipv4Layer v4 => OfIpv4(v4),
            _ => null,
        };
    }

    private static string? OfIpv4(Ipv4Layer v4)
    {
        var b = v4.Payload;
        switch (v4.Protocol)
        {
            case 1 when b.Length >= 8 && b[0] is 0 or 8:
                return $"echo:{BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(4))}:{BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(6))}";
            case 1 when b.Length >= 8 + 20 && b[0] is 3 or 11 or 12:
                // ICMPv4 error: the quoted IPv4 header and the first 8 octets of what it carried (an echo's id and sequence)
                var quoted = b.AsSpan(8);
                int ihl = (quoted[0] & 0x0f) * 4;
                if (quoted[9] == 1 && ihl >= 20 && quoted.Length >= ihl + 8 && quoted[ihl] is 0 or 8)
                    return $"icmp4-{b[0]}/{b[1]}<echo:{BinaryPrimitives.ReadUInt16BigEndian(quoted[(ihl + 4)..])}:{BinaryPrimitives.ReadUInt16BigEndian(quoted[(ihl + 6)..])}";
                return $"icmp4-{b[0]}/{b[1]}";
            case 17 when b.Length >= 8:
                var data = b.AsSpan(8);
                return $"udp:{BinaryPrimitives.ReadUInt16BigEndian(b)}:{BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2))}:{Convert.ToHexStringLower(data[..Math.Min(8, data.Length)])}";
            default:
                return null;
        }
    }
}
