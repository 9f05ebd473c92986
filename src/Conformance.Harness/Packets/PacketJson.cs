using System.Globalization;
using System.Net.NetworkInformation;
using System.Text.Json.Nodes;

namespace Conformance.Harness.Packets;

/// <summary>
/// The public "decode --format json" projection of a <see cref="DecodedPacket"/>. Numbers are stored as int
/// (long for 32-bit unsigned fields) so that in-memory readers can use GetValue&lt;int&gt;/GetValue&lt;long&gt;.
/// </summary>
public static class PacketJson
{
    public static JsonObject ToJsonObject(DecodedPacket packet, int index)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var o = new JsonObject { ["index"] = index };
        AddIpLayers(o, packet, 0);
        o["notation"] = packet.Notation;
        var mal = new JsonArray();
        foreach (var m in packet.Malformations)
            mal.Add(Malformation(m));
        o["malformations"] = mal;
        return o;
    }

    private static JsonObject Malformation(Malformation m) => new()
    {
        ["layer"] = m.Layer,
        ["field"] = m.Field,
        ["offset"] = m.Offset,
        ["problem"] = m.Problem,
    };

    private static void AddIpLayers(JsonObject o, DecodedPacket p, int depth)
    {
        o["ipv6"] = p.Ipv6 is { } ip
            ? new JsonObject
            {
                ["src"] = Rfc5952.Format(ip.Src),
                ["dst"] = Rfc5952.Format(ip.Dst),
                ["hop_limit"] = (int)ip.HopLimit,
                ["next_header"] = (int)ip.NextHeader,
                ["traffic_class"] = (int)ip.TrafficClass,
                ["flow_label"] = (int)ip.FlowLabel,
                ["payload_length"] = (int)ip.PayloadLength,
            }
            : null;
        o["srh"] = p.Srh is { } s ? Srh(s) : null;
        o["inner"] = Inner(p.Inner, depth);
    }

    public static JsonObject Srh(SegmentRoutingHeader s)
    {
        var segs = new JsonArray();
        foreach (var a in s.Segments) segs.Add(Rfc5952.Format(a));
        var tlvs = new JsonArray();
        foreach (var t in s.Tlvs)
            tlvs.Add(new JsonObject
            {
                ["type"] = (int)t.Type,
                ["length"] = t.Length is int l ? l : null,
                ["value_hex"] = PacketDiff.Hex(t.Value),
            });
        return new JsonObject
        {
            ["next_header"] = (int)s.NextHeader,
            ["hdr_ext_len"] = s.EffectiveHdrExtLenSafe(),
            ["routing_type"] = (int)s.RoutingType,
            ["segments_left"] = (int)s.SegmentsLeft,
            ["last_entry"] = (int)s.EffectiveLastEntry,
            ["flags"] = (int)s.Flags,
            ["o_flag"] = s.OFlag,
            ["tag"] = (int)s.Tag,
            ["segments"] = segs,
            ["tlvs"] = tlvs,
        };
    }

    private static string Mac(PhysicalAddress a) => string.Join(":", a.GetAddressBytes().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));

    private static JsonObject Inner(InnerLayer layer, int depth)
    {
        var o = new JsonObject { ["kind"] = layer.Kind };
        switch (layer)
        {
            case Icmpv6Layer c:
                o["type"] = (int)c.Type;
                o["code"] = (int)c.Code;
                o["checksum"] = (int)c.Checksum;
                o["checksum_valid"] = c.ChecksumValid;
                if (c.EchoId is ushort id) o["id"] = (int)id;
                if (c.EchoSeq is ushort seq) o["seq"] = (int)seq;
                if (c.Mtu is uint mtu) o["mtu"] = (long)mtu;
                if (c.Pointer is uint ptr) o["pointer"] = (long)ptr;
                o["data_hex"] = PacketDiff.Hex(c.Data);
                if (c.IsError)
                {
                    if (c.Invoking is { } inv && depth < PacketDecoder.MaxDepth)
                    {
                        var q = new JsonObject();
                        AddIpLayers(q, inv, depth + 1);
                        o["invoking"] = q;
                    }
                    else o["invoking"] = null;
                }
                break;
            case UdpLayer u:
                o["src_port"] = (int)u.SrcPort;
                o["dst_port"] = (int)u.DstPort;
                o["length"] = (int)u.Length;
                o["checksum"] = (int)u.Checksum;
                o["checksum_valid"] = u.ChecksumValid;
                o["data_hex"] = PacketDiff.Hex(u.Data);
                break;
            case TcpLayer t:
                o["src_port"] = (int)t.SrcPort;
                o["dst_port"] = (int)t.DstPort;
                o["seq"] = (long)t.Seq;
                o["ack"] = (long)t.Ack;
                o["flags"] = (int)(ushort)t.Flags;
                o["window"] = (int)t.Window;
                o["checksum"] = (int)t.Checksum;
                o["checksum_valid"] = t.ChecksumValid;
                o["data_hex"] = PacketDiff.Hex(t.Data);
                break;
            case Ipv6Layer v6:
                var ip = v6.Packet.Ipv6;
                o["src"] = ip is null ? null : Rfc5952.Format(ip.Src);
                o["dst"] = ip is null ? null : Rfc5952.Format(ip.Dst);
                o["hop_limit"] = (int?)ip?.HopLimit;
                o["next_header"] = (int?)ip?.NextHeader;
                o["traffic_class"] = (int?)ip?.TrafficClass;
                o["flow_label"] = (int?)ip?.FlowLabel;
                o["payload_length"] = (int?)ip?.PayloadLength;
                o["srh"] = v6.Packet.Srh is { } s ? Srh(s) : null;
                o["inner"] = depth < PacketDecoder.MaxDepth ? Inner(v6.Packet.Inner, depth + 1) : null;
                break;
            case Ipv4Layer v4:
                o["src"] = v4.Src.ToString();
                o["dst"] = v4.Dst.ToString();
                o["ttl"] = (int)v4.Ttl;
                o["protocol"] = (int)v4.Protocol;
                o["tos"] = (int)v4.Tos;
                o["identification"] = (int)v4.Identification;
                o["total_length"] = (int)v4.TotalLength;
                o["checksum"] = (int)v4.HeaderChecksum;
                o["checksum_valid"] = v4.ChecksumValid;
                o["payload_hex"] = PacketDiff.Hex(v4.Payload);
                o["upper"] = v4.Upper is null ? null : Inner(v4.Upper, depth + 1);
                break;
            case EthernetLayer el:
                var eth = el.Packet.Ethernet;
                o["dst_mac"] = eth is null ? null : Mac(eth.Destination);
                o["src_mac"] = eth is null ? null : Mac(eth.Source);
                o["ethertype"] = (int?)eth?.EtherType;
                if (depth < PacketDecoder.MaxDepth)
                {
                    var q = new JsonObject();
                    AddIpLayers(q, el.Packet, depth + 1);
                    o["ipv6"] = q["ipv6"]?.DeepClone();
                    o["srh"] = q["srh"]?.DeepClone();
                    o["inner"] = q["inner"]?.DeepClone();
                }
                break;
            case NoNextHeaderLayer n:
                o["data_hex"] = PacketDiff.Hex(n.Bytes);
                break;
            case UnknownLayer un:
                o["number"] = un.Number;
                o["truncated"] = un.Truncated;
                o["data_hex"] = PacketDiff.Hex(un.Bytes);
                break;
        }
        return o;
    }
}
