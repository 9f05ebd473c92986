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
    public static JsonObject ToJsonObject(DecodedPacket packet, int index) => ToJsonObject(packet, index, null);

    /// <summary>
    /// With C-SID blocks (<c>decode --csid</c>), fields are added and none changes: "csid_notation" (the notation with
    /// containers as block + C-SIDs), "ipv6.dst_csid" and "srh.segments_csid" (one entry per segment, null outside every
    /// block), also on inner IPv6 layers; see <see cref="Csid"/>.
    /// </summary>
    public static JsonObject ToJsonObject(DecodedPacket packet, int index, CsidTable? csid)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (csid is { IsEmpty: true }) csid = null;
        var o = new JsonObject { ["index"] = index };
        AddIpLayers(o, packet, 0, csid);
        o["notation"] = packet.Notation;
        if (csid is not null) o["csid_notation"] = csid.Format(NotationPacket.FromDecoded(packet));
        var mal = new JsonArray();
        foreach (var m in packet.Malformations)
            mal.Add(Malformation(m));
        o["malformations"] = mal;
        return o;
    }

    /// <summary>
    /// One container: "flavor" (NEXT-CSID or REPLACE-CSID), "form" (next, full or packed), "block" (PREFIX/B, null when
    /// packed), "block_bits", "csid_bits", "csids" (hex, processing order, zeros included), "index" (REPLACE-CSID full
    /// form, else null), "remainder_hex" (NEXT-CSID bits left over after the last whole C-SID, null when there are none),
    /// "notation", "malformations" (same shape as the packet's).
    /// </summary>
    public static JsonObject Csid(CsidContainer c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Structure;
        var csids = new JsonArray();
        foreach (var v in c.Csids) csids.Add(v.ToString("x" + ((s.CsidBits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        var mal = new JsonArray();
        foreach (var m in c.Malformations) mal.Add(Malformation(m));
        return new JsonObject
        {
            ["flavor"] = s.FlavorName,
            ["form"] = c.Form switch { CsidContainerForm.Next => "next", CsidContainerForm.ReplaceFull => "full", _ => "packed" },
            ["block"] = c.Block is { } b ? $"{Rfc5952.Format(b.Prefix)}/{s.BlockBits}" : null,
            ["block_bits"] = s.BlockBits,
            ["csid_bits"] = s.CsidBits,
            ["csids"] = csids,
            ["index"] = c.Index,
            ["remainder_hex"] = c.Form == CsidContainerForm.Next && s.RemainderBits > 0
                ? c.Remainder.ToString("x" + ((s.RemainderBits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
                : null,
            ["notation"] = c.Notation,
            ["malformations"] = mal,
        };
    }

    private static void AddCsid(JsonObject? ipv6, JsonObject? srh, DecodedPacket p, CsidTable? csid, string prefix)
    {
        if (csid is null || csid.Read(p, prefix) is not { } view) return;
        if (ipv6 is not null) ipv6["dst_csid"] = view.Destination is { } d ? Csid(d) : null;
        if (srh is not null)
        {
            var arr = new JsonArray();
            foreach (var c in view.Segments) arr.Add(c is null ? null : Csid(c));
            srh["segments_csid"] = arr;
        }
    }

    private static JsonObject Malformation(Malformation m) => new()
    {
        ["layer"] = m.Layer,
        ["field"] = m.Field,
        ["offset"] = m.Offset,
        ["problem"] = m.Problem,
    };

    private static void AddIpLayers(JsonObject o, DecodedPacket p, int depth, CsidTable? csid = null, string prefix = "")
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
        AddCsid(o["ipv6"] as JsonObject, o["srh"] as JsonObject, p, csid, prefix);
        o["inner"] = Inner(p.Inner, depth, csid, prefix + "inner.");
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

    private static JsonObject Inner(InnerLayer layer, int depth, CsidTable? csid = null, string prefix = "")
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
                        AddIpLayers(q, inv, depth + 1, csid, prefix.EndsWith("inner.", StringComparison.Ordinal) ? prefix[..^6] + "icmpv6.invoking." : prefix + "icmpv6.invoking.");
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
                AddCsid(o, o["srh"] as JsonObject, v6.Packet, csid, prefix);
                o["inner"] = depth < PacketDecoder.MaxDepth ? Inner(v6.Packet.Inner, depth + 1, csid, prefix + "inner.") : null;
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
                    AddIpLayers(q, el.Packet, depth + 1, csid, prefix);
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
