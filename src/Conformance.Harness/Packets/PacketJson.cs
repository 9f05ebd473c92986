using System.Globalization;
using System.Net.NetworkInformation;
using System.Text.Json.Nodes;

namespace Conformance.Harness.Packets;

/// <summary>The public "decode --format json" projection of a <see cref="DecodedPacket"/>.</summary>
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
                ["hop_limit"] = ip.HopLimit,
                ["next_header"] = ip.NextHeader,
                ["traffic_class"] = ip.TrafficClass,
                ["flow_label"] = ip.FlowLabel,
                ["payload_length"] = ip.PayloadLength,
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
                ["type"] = t.Type,
                ["length"] = t.Length is int l ? l : null,
                ["value_hex"] = PacketDiff.Hex(t.Value),
            });
        return new JsonObject
        {
            ["next_header"] = s.NextHeader,
            ["hdr_ext_len"] = s.EffectiveHdrExtLenSafe(),
            ["routing_type"] = s.RoutingType,
            ["segments_left"] = s.SegmentsLeft,
            ["last_entry"] = s.EffectiveLastEntry,
            ["flags"] = s.Flags,
            ["o_flag"] = s.OFlag,
            ["tag"] = s.Tag,
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
                o["type"] = c.Type;
                o["code"] = c.Code;
                o["checksum"] = c.Checksum;
                o["checksum_valid"] = c.ChecksumValid;
                if (c.EchoId is ushort id) o["id"] = id;
                if (c.EchoSeq is ushort seq) o["seq"] = seq;
                if (c.Mtu is uint mtu) o["mtu"] = mtu;
                if (c.Pointer is uint ptr) o["pointer"] = ptr;
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
                o["src_port"] = u.SrcPort;
                o["dst_port"] = u.DstPort;
                o["length"] = u.Length;
                o["checksum"] = u.Checksum;
                o["checksum_valid"] = u.ChecksumValid;
                o["data_hex"] = PacketDiff.Hex(u.Data);
                break;
            case TcpLayer t:
                o["src_port"] = t.SrcPort;
                o["dst_port"] = t.DstPort;
                o["seq"] = t.Seq;
                o["ack"] = t.Ack;
                o["flags"] = (ushort)t.Flags;
                o["window"] = t.Window;
                o["checksum"] = t.Checksum;
                o["checksum_valid"] = t.ChecksumValid;
                o["data_hex"] = PacketDiff.Hex(t.Data);
                break;
            case Ipv6Layer v6:
                var ip = v6.Packet.Ipv6;
                o["src"] = ip is null ? null : Rfc5952.Format(ip.Src);
                o["dst"] = ip is null ? null : Rfc5952.Format(ip.Dst);
                o["hop_limit"] = ip?.HopLimit;
                o["next_header"] = ip?.NextHeader;
                o["traffic_class"] = ip?.TrafficClass;
                o["flow_label"] = ip?.FlowLabel;
                o["payload_length"] = ip?.PayloadLength;
                o["srh"] = v6.Packet.Srh is { } s ? Srh(s) : null;
                o["inner"] = depth < PacketDecoder.MaxDepth ? Inner(v6.Packet.Inner, depth + 1) : null;
                break;
            case Ipv4Layer v4:
                o["src"] = v4.Src.ToString();
                o["dst"] = v4.Dst.ToString();
                o["ttl"] = v4.Ttl;
                o["protocol"] = v4.Protocol;
                o["tos"] = v4.Tos;
                o["identification"] = v4.Identification;
                o["total_length"] = v4.TotalLength;
                o["checksum"] = v4.HeaderChecksum;
                o["checksum_valid"] = v4.ChecksumValid;
                o["payload_hex"] = PacketDiff.Hex(v4.Payload);
                break;
            case EthernetLayer el:
                var eth = el.Packet.Ethernet;
                o["dst_mac"] = eth is null ? null : Mac(eth.Destination);
                o["src_mac"] = eth is null ? null : Mac(eth.Source);
                o["ethertype"] = eth?.EtherType;
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
