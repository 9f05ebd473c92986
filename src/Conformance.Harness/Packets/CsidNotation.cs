using System.Globalization;
using System.Net;
using System.Text;

namespace Conformance.Harness.Packets;

/// <summary>
/// Readable C-SID containers (the README's decode section documents the form):
/// <list type="bullet">
/// <item>NEXT-CSID: <c>2001:db8:100:[0200,0300]</c>, the block's 16-bit groups (or <c>PREFIX/B:</c> when B is not a
/// multiple of 16), then the C-SIDs in processing order, each in C/4 hex digits; the active C-SID first. Trailing zero
/// C-SIDs (the unused end of the container) are left out; a zero followed by a non-zero C-SID is kept, as is a non-zero
/// remainder after <c>|</c> (<c>[00010000|abcd]</c>).</item>
/// <item>REPLACE-CSID fully formed: <c>2001:db8:b2:[00200001@0]</c>, the C-SID and, after <c>@</c>, DA.Arg.Index; non-zero
/// Argument bits above the index after <c>|</c> (<c>[00200001|8000@0]</c>).</item>
/// <item>REPLACE-CSID packed: <c>&lt;00000002,00000003&gt;</c>, positions K-1 down to 0 (processing order), trailing
/// zero positions left out.</item>
/// </list>
/// </summary>
public static class CsidNotation
{
    public static string Format(CsidContainer c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Structure;
        string H(ulong v) => CsidBits.Hex(v, s.CsidBits);
        var sb = new StringBuilder();
        switch (c.Form)
        {
            case CsidContainerForm.Next:
            {
                sb.Append(Block(c.Block!)).Append('[');
                int last = c.Remainder != 0 ? c.Csids.Count - 1 : LastNonZero(c.Csids, 0);
                for (int i = 0; i <= last; i++)
                    sb.Append(i > 0 ? "," : "").Append(H(c.Csids[i]));
                if (c.Remainder != 0) sb.Append('|').Append(CsidBits.Hex(c.Remainder, s.RemainderBits));
                return sb.Append(']').ToString();
            }
            case CsidContainerForm.ReplaceFull:
                sb.Append(Block(c.Block!)).Append('[').Append(H(c.Active));
                if (c.ArgumentAboveIndex != 0) sb.Append('|').Append(CsidBits.Hex(c.ArgumentAboveIndex, s.ArgumentBits - s.IndexBits));
                return sb.Append('@').Append(c.Index!.Value.ToString(CultureInfo.InvariantCulture)).Append(']').ToString();
            default:
            {
                sb.Append('<');
                int last = LastNonZero(c.Csids, -1);
                for (int i = 0; i <= last; i++)
                    sb.Append(i > 0 ? "," : "").Append(H(c.Csids[i]));
                return sb.Append('>').ToString();
            }
        }
    }

    private static int LastNonZero(IReadOnlyList<ulong> v, int floor)
    {
        for (int i = v.Count - 1; i > floor; i--)
            if (v[i] != 0) return i;
        return floor;
    }

    /// <summary>"2001:db8:100:" for a /48 block, "5f00:" for /16, "2001:db8:1000::/40:" otherwise.</summary>
    public static string Block(CsidBlock block)
    {
        int b = block.Structure.BlockBits;
        if (b % 16 != 0)
            return $"{Rfc5952.Format(block.Prefix)}/{b}:";
        var bytes = block.Prefix.GetAddressBytes();
        var sb = new StringBuilder();
        for (int g = 0; g < b / 16; g++)
            sb.Append(((bytes[2 * g] << 8) | bytes[2 * g + 1]).ToString("x", CultureInfo.InvariantCulture)).Append(':');
        return sb.ToString();
    }
}

/// <summary>The C-SID view of one IPv6 header and its SRH: the container each address is read as (null: a plain address).</summary>
public sealed record CsidView(CsidContainer? Destination, IReadOnlyList<CsidContainer?> Segments)
{
    public IEnumerable<Malformation> Malformations =>
        (Destination?.Malformations ?? []).Concat(Segments.SelectMany(s => s?.Malformations ?? []));
}

/// <summary>
/// The C-SID blocks a reader knows (<c>decode --csid</c>): which addresses are containers, and of which structure.
/// An address is read with the longest block that contains it.
/// </summary>
public sealed class CsidTable
{
    public CsidTable(IEnumerable<CsidBlock> blocks) =>
        Blocks = [.. blocks.OrderByDescending(b => b.Structure.BlockBits)];

    public IReadOnlyList<CsidBlock> Blocks { get; }

    public bool IsEmpty => Blocks.Count == 0;

    public CsidBlock? Find(IPAddress address) => Blocks.FirstOrDefault(b => b.Contains(address));

    /// <summary>The address as a fully formed container of its block, or null when no block contains it.</summary>
    public CsidContainer? Decode(IPAddress address, int baseOffset = 0, string fieldPrefix = "") =>
        Find(address) is { } b ? CsidCodec.Decode(address, b, baseOffset, fieldPrefix) : null;

    /// <summary>
    /// Reads a destination and a segment list (header order, [0] = last segment). An entry inside a block is a fully formed
    /// container. An entry outside every block is read as a REPLACE-CSID packed container when it follows, in processing
    /// order (Segment List[Last Entry] down to [0]), a fully formed REPLACE-CSID container or a full packed one (RFC 9800
    /// §6.4 rule 3); the topmost entry also follows a REPLACE-CSID destination (a reduced SRH, or a packet in the middle
    /// of the sequence). A packed container cannot be told from an address outside every block: give the blocks of the
    /// SIDs after a REPLACE-CSID sequence. Malformation offsets are <paramref name="destinationOffset"/> (the destination
    /// address in the frame) and <paramref name="segmentListOffset"/> + 16 × index.
    /// </summary>
    public CsidView Read(IPAddress? destination, IReadOnlyList<IPAddress>? segments, int destinationOffset = 0, int segmentListOffset = 0,
        string fieldPrefix = "")
    {
        var da = destination is null ? null : Decode(destination, destinationOffset, fieldPrefix + "dst.");
        var list = new CsidContainer?[segments?.Count ?? 0];
        CsidStructure? packed = da is { Form: CsidContainerForm.ReplaceFull } ? da.Structure : null;
        for (int i = list.Length - 1; i >= 0; i--)
        {
            var a = segments![i];
            int at = segmentListOffset + 16 * i;
            string field = $"{fieldPrefix}segments[{i}].";
            if (Find(a) is { } b)
            {
                list[i] = CsidCodec.Decode(a, b, at, field);
                packed = b.Structure.Flavor == CsidFlavor.ReplaceCsid ? b.Structure : null;
            }
            else if (packed is not null)
            {
                list[i] = CsidCodec.DecodePacked(a, packed, at, field);
                packed = list[i]!.Csids[^1] != 0 ? packed : null;
            }
        }
        return new CsidView(da, list);
    }

    /// <summary>The C-SID view of a decoded packet's IPv6 destination and SRH, offsets in the frame; null without IPv6.
    /// Fields are prefixed with <paramref name="fieldPrefix"/> ("dst.csids[1]", "segments[0].remainder").</summary>
    public CsidView? Read(DecodedPacket packet, string fieldPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.Ipv6 is not { } ip) return null;
        return Read(ip.Dst, packet.Srh?.Segments, ip.Offset + 24, (packet.SrhOffset ?? 0) + 8, fieldPrefix);
    }

    /// <summary>The C-SID views of a packet and of the IPv6 packets it encapsulates, outermost first, with the layer
    /// prefix the decoder uses for them ("", "inner.", "inner.inner.").</summary>
    public IReadOnlyList<(string Prefix, CsidView View)> ReadAll(DecodedPacket packet)
    {
        var list = new List<(string, CsidView)>();
        string prefix = "";
        for (var p = packet; p is not null && list.Count <= PacketDecoder.MaxDepth; prefix += "inner.")
        {
            if (Read(p, prefix) is { } v) list.Add((prefix, v));
            p = p.Inner switch { Ipv6Layer v6 => v6.Packet, EthernetLayer e => e.Packet, _ => null };
        }
        return list;
    }

    /// <summary>The address in C-SID notation when a block contains it, else RFC 5952.</summary>
    public string Format(IPAddress address) => Decode(address)?.Notation ?? Rfc5952.Format(address);

    /// <summary>
    /// The notation of a packet with its containers in C-SID notation ("(2001:db8::1,2001:db8:100:[0200,0300])…").
    /// Names win over C-SID notation. Output only: <see cref="SrNotation.Parse"/> does not read it back.
    /// </summary>
    public string Format(NotationPacket packet, IReadOnlyDictionary<IPAddress, string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var sb = new StringBuilder();
        IPAddress? lastDa = null;
        foreach (var h in packet.Headers)
        {
            switch (h)
            {
                case NotationIpHeader ip when !ip.IsIpv4:
                    lastDa = ip.Destination;
                    var v = Read(ip.Destination, null);
                    sb.Append('(').Append(Name(ip.Source, null)).Append(',').Append(Name(ip.Destination, v.Destination)).Append(')');
                    break;
                case NotationSrh srh:
                    var view = Read(lastDa, srh.Segments);
                    sb.Append('(').Append(string.Join(",", srh.Segments.Select((s, i) => Name(s, view.Segments[i]))))
                        .Append(";SL=").Append(srh.SegmentsLeft.ToString(CultureInfo.InvariantCulture)).Append(')');
                    break;
                default:
                    sb.Append(SrNotation.Format(h, names));
                    break;
            }
        }
        return sb.ToString();

        string Name(IPAddress a, CsidContainer? c) =>
            names is not null && names.TryGetValue(a, out var n) ? n : c?.Notation ?? Rfc5952.Format(a);
    }
}
