using System.Globalization;
using System.Net.NetworkInformation;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Packets;

public sealed record FieldDifference(string Path, string Expected, string Received)
{
    public override string ToString() => $"{Path}: expected {Expected}, received {Received}";
}

/// <summary>
/// Field-by-field comparison of decoded packets. Paths are snake_case: "ethernet.src", "ipv6.hop_limit",
/// "srh.segments[1]", "srh.tlvs[0].value_hex", "inner.kind", "inner.icmpv6.checksum", "inner.udp.data_hex".
/// An encapsulated packet's fields are prefixed with "inner." ("inner.ipv6.src", "inner.srh.segments_left",
/// "inner.inner.icmpv6.id"); an ICMPv6 error's quoted packet with "inner.icmpv6.invoking.".
/// </summary>
public static class PacketDiff
{
    /// <summary>
    /// Compares every field. An ignored field is an exact path, a prefix ("srh" ignores "srh.*" and "srh[...]")
    /// or a pattern with '*' wildcards ("srh.segments[*]", "*.checksum").
    /// </summary>
    public static List<FieldDifference> Compare(DecodedPacket expected, DecodedPacket received, params string[] ignoredFields)
    {
        var e = Flatten(expected);
        var r = Flatten(received);
        var ignore = ignoredFields.Select(ToMatcher).ToList();
        var diffs = new List<FieldDifference>();
        var rIndex = r.ToDictionary(x => x.Path, x => x.Value);
        var seen = new HashSet<string>();
        foreach (var (path, value) in e)
        {
            seen.Add(path);
            if (ignore.Any(m => m(path))) continue;
            string rv = rIndex.TryGetValue(path, out var v) ? v : "<absent>";
            if (rv != value) diffs.Add(new FieldDifference(path, value, rv));
        }
        foreach (var (path, value) in r)
        {
            if (seen.Contains(path) || ignore.Any(m => m(path))) continue;
            diffs.Add(new FieldDifference(path, "<absent>", value));
        }
        return diffs;
    }

    private static Func<string, bool> ToMatcher(string pattern)
    {
        if (pattern.Contains('*'))
        {
            var rx = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*") + "(?:$|[.\\[])", RegexOptions.CultureInvariant);
            return p => rx.IsMatch(p);
        }
        return p => p == pattern || (p.StartsWith(pattern, StringComparison.Ordinal) && p.Length > pattern.Length && p[pattern.Length] is '.' or '[');
    }

    /// <summary>All fields as (path, value) pairs in a stable order.</summary>
    public static List<(string Path, string Value)> Flatten(DecodedPacket packet)
    {
        var list = new List<(string, string)>();
        FlattenInto(packet, "", list, 0);
        for (int i = 0; i < packet.Malformations.Count; i++)
            list.Add(($"malformations[{i}]", packet.Malformations[i].ToString()));
        return list;
    }

    internal static string Hex(byte[] b) => Convert.ToHexStringLower(b);
    private static string Mac(PhysicalAddress a) => string.Join(":", a.GetAddressBytes().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static void FlattenInto(DecodedPacket p, string prefix, List<(string, string)> o, int depth)
    {
        void Add(string path, string value) => o.Add((prefix + path, value));
        if (p.Ethernet is { } eth)
        {
            Add("ethernet.dst", Mac(eth.Destination));
            Add("ethernet.src", Mac(eth.Source));
            for (int i = 0; i < eth.VlanTags.Count; i++) Add($"ethernet.vlan[{i}]", N(eth.VlanTags[i]));
            Add("ethernet.ethertype", N(eth.EtherType));
        }
        if (p.Ipv6 is { } ip)
        {
            Add("ipv6.version", N(ip.Version));
            Add("ipv6.src", Rfc5952.Format(ip.Src));
            Add("ipv6.dst", Rfc5952.Format(ip.Dst));
            Add("ipv6.hop_limit", N(ip.HopLimit));
            Add("ipv6.next_header", N(ip.NextHeader));
            Add("ipv6.traffic_class", N(ip.TrafficClass));
            Add("ipv6.flow_label", N(ip.FlowLabel));
            Add("ipv6.payload_length", N(ip.PayloadLength));
        }
        for (int i = 0; i < p.ExtensionHeaders.Count; i++)
        {
            var x = p.ExtensionHeaders[i];
            Add($"ext_headers[{i}].type", N(x.Type));
            Add($"ext_headers[{i}].next_header", N(x.NextHeader));
            Add($"ext_headers[{i}].bytes_hex", Hex(x.Bytes));
        }
        if (p.Srh is { } s)
        {
            Add("srh.next_header", N(s.NextHeader));
            Add("srh.hdr_ext_len", N(s.EffectiveHdrExtLenSafe()));
            Add("srh.routing_type", N(s.RoutingType));
            Add("srh.segments_left", N(s.SegmentsLeft));
            Add("srh.last_entry", N(s.EffectiveLastEntry));
            Add("srh.flags", N(s.Flags));
            Add("srh.tag", N(s.Tag));
            for (int i = 0; i < s.Segments.Count; i++) Add($"srh.segments[{i}]", Rfc5952.Format(s.Segments[i]));
            for (int i = 0; i < s.Tlvs.Count; i++)
            {
                Add($"srh.tlvs[{i}].type", N(s.Tlvs[i].Type));
                Add($"srh.tlvs[{i}].length", s.Tlvs[i].Length is int l ? N(l) : "null");
                Add($"srh.tlvs[{i}].value_hex", Hex(s.Tlvs[i].Value));
            }
            if (s.TrailingBytes.Length > 0) Add("srh.trailing_hex", Hex(s.TrailingBytes));
        }
        var inner = p.Inner;
        Add("inner.kind", inner.Kind);
        string k = "inner." + inner.Kind + ".";
        switch (inner)
        {
            case Icmpv6Layer c:
                Add(k + "type", N(c.Type));
                Add(k + "code", N(c.Code));
                Add(k + "checksum", N(c.Checksum));
                Add(k + "checksum_valid", c.ChecksumValid ? "true" : "false");
                if (c.EchoId is ushort id) Add(k + "id", N(id));
                if (c.EchoSeq is ushort seq) Add(k + "seq", N(seq));
                if (c.Mtu is uint mtu) Add(k + "mtu", N(mtu));
                if (c.Pointer is uint ptr) Add(k + "pointer", N(ptr));
                if (c.Invoking is { } inv && depth < PacketDecoder.MaxDepth)
                    FlattenInto(inv, prefix + k + "invoking.", o, depth + 1);
                else
                    Add(k + "data_hex", Hex(c.Data));
                break;
            case UdpLayer u:
                Add(k + "src_port", N(u.SrcPort));
                Add(k + "dst_port", N(u.DstPort));
                Add(k + "length", N(u.Length));
                Add(k + "checksum", N(u.Checksum));
                Add(k + "checksum_valid", u.ChecksumValid ? "true" : "false");
                Add(k + "data_hex", Hex(u.Data));
                break;
            case TcpLayer t:
                Add(k + "src_port", N(t.SrcPort));
                Add(k + "dst_port", N(t.DstPort));
                Add(k + "seq", N(t.Seq));
                Add(k + "ack", N(t.Ack));
                Add(k + "data_offset", N(t.DataOffset));
                Add(k + "flags", N((ushort)t.Flags));
                Add(k + "window", N(t.Window));
                Add(k + "checksum", N(t.Checksum));
                Add(k + "checksum_valid", t.ChecksumValid ? "true" : "false");
                Add(k + "urgent_pointer", N(t.UrgentPointer));
                Add(k + "options_hex", Hex(t.Options));
                Add(k + "data_hex", Hex(t.Data));
                break;
            case Ipv4Layer v4:
                Add(k + "version", N(v4.Version));
                Add(k + "src", v4.Src.ToString());
                Add(k + "dst", v4.Dst.ToString());
                Add(k + "ihl", N(v4.HeaderLength));
                Add(k + "tos", N(v4.Tos));
                Add(k + "total_length", N(v4.TotalLength));
                Add(k + "identification", N(v4.Identification));
                Add(k + "flags", N(v4.FlagBits));
                Add(k + "fragment_offset", N(v4.FragmentOffset));
                Add(k + "ttl", N(v4.Ttl));
                Add(k + "protocol", N(v4.Protocol));
                Add(k + "checksum", N(v4.HeaderChecksum));
                Add(k + "checksum_valid", v4.ChecksumValid ? "true" : "false");
                Add(k + "options_hex", Hex(v4.Options));
                Add(k + "payload_hex", Hex(v4.Payload));
                if (v4.Upper is { } up)
                {
                    var sub = new DecodedPacket { Inner = up, Malformations = [] };
                    foreach (var (path, value) in Flatten(sub))
                        o.Add((prefix + k + "upper." + path["inner.".Length..], value));
                }
                break;
            case Ipv6Layer v6 when depth < PacketDecoder.MaxDepth:
                FlattenInto(v6.Packet, prefix + "inner.", o, depth + 1);
                break;
            case EthernetLayer el when depth < PacketDecoder.MaxDepth:
                FlattenInto(el.Packet, prefix + "inner.", o, depth + 1);
                break;
            case NoNextHeaderLayer nn:
                Add(k + "data_hex", Hex(nn.Bytes));
                break;
            case UnknownLayer un:
                Add(k + "number", N(un.Number));
                Add(k + "data_hex", Hex(un.Bytes));
                break;
        }
        if (p.TrailingBytes.Length > 0) Add("trailing_hex", Hex(p.TrailingBytes));
    }
}

internal static class SrhExtensions
{
    /// <summary>Hdr Ext Len as on the wire, without throwing for unpadded headers (rounded up).</summary>
    public static int EffectiveHdrExtLenSafe(this SegmentRoutingHeader s) => s.HdrExtLen ?? (s.EncodedLength + 7) / 8 - 1;
}
