using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Conformance.Harness.Packets;

/// <summary>
/// Segment Routing Header (RFC 8754 §2). Mutable so that test cases can build deliberately malformed headers:
/// null <see cref="HdrExtLen"/>/<see cref="LastEntry"/> are computed on encode, explicit values are written verbatim.
/// <see cref="Segments"/> is in header order: [0] is the final segment.
/// </summary>
public sealed class SegmentRoutingHeader
{
    public const byte IpProtocolRouting = 43;
    public const byte SrhRoutingType = 4;
    public const byte OFlagMask = 0x20;

    public byte NextHeader { get; set; }
    public byte? HdrExtLen { get; set; }
    public byte RoutingType { get; set; } = SrhRoutingType;
    public byte SegmentsLeft { get; set; }
    public byte? LastEntry { get; set; }
    public byte Flags { get; set; }
    public ushort Tag { get; set; }
    public List<IPAddress> Segments { get; set; } = [];
    public List<SrhTlv> Tlvs { get; set; } = [];

    /// <summary>
    /// Bytes after the segment list that could not be parsed (a partial segment, or a TLV area that overruns).
    /// Kept so that encode(decode(x)) == x.
    /// </summary>
    public byte[] TrailingBytes { get; set; } = [];

    /// <summary>O-flag (RFC 9259 §2.1), bit 0x20 of <see cref="Flags"/>; other flag bits are preserved.</summary>
    public bool OFlag
    {
        get => (Flags & OFlagMask) != 0;
        set => Flags = value ? (byte)(Flags | OFlagMask) : (byte)(Flags & ~OFlagMask);
    }

    /// <summary>Last Entry as written on the wire: explicit value, or Segments.Count-1 (wrapping to 255 for an empty list).</summary>
    public byte EffectiveLastEntry => LastEntry ?? unchecked((byte)(Segments.Count - 1));

    public int EncodedLength => 8 + 16 * Segments.Count + Tlvs.Sum(t => t.EncodedLength) + TrailingBytes.Length;

    /// <summary>Hdr Ext Len as written on the wire (explicit value, or computed from the content).</summary>
    public byte EffectiveHdrExtLen
    {
        get
        {
            if (HdrExtLen is byte b) return b;
            int len = EncodedLength;
            if ((len & 7) != 0)
                throw new InvalidOperationException(
                    $"SRH length {len} is not a multiple of 8 octets; add padding (AddPadding()) or set HdrExtLen explicitly");
            int hel = len / 8 - 1;
            if (hel > 255)
                throw new InvalidOperationException($"SRH length {len} does not fit Hdr Ext Len (max 2048 octets)");
            return (byte)hel;
        }
    }

    public byte[] Encode()
    {
        foreach (var s in Segments)
            if (s.AddressFamily != AddressFamily.InterNetworkV6)
                throw new InvalidOperationException($"segment {s} is not an IPv6 address");
        if (LastEntry is null && Segments.Count > 256)
            throw new InvalidOperationException("more than 256 segments cannot be described by Last Entry");

        var buf = new byte[EncodedLength];
        buf[0] = NextHeader;
        buf[1] = EffectiveHdrExtLen;
        buf[2] = RoutingType;
        buf[3] = SegmentsLeft;
        buf[4] = EffectiveLastEntry;
        buf[5] = Flags;
        BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(6), Tag);
        int pos = 8;
        foreach (var s in Segments)
        {
            s.TryWriteBytes(buf.AsSpan(pos, 16), out _);
            pos += 16;
        }
        foreach (var t in Tlvs)
        {
            t.WriteTo(buf.AsSpan(pos));
            pos += t.EncodedLength;
        }
        TrailingBytes.CopyTo(buf, pos);
        return buf;
    }

    /// <summary>Padding TLVs that bring a header of <paramref name="currentLength"/> octets to a multiple of 8.</summary>
    public static List<SrhTlv> PaddingFor(int currentLength)
    {
        int need = (8 - (currentLength & 7)) & 7;
        return need switch
        {
            0 => [],
            1 => [new Pad1Tlv()],
            _ => [new PadNTlv(need - 2)],
        };
    }

    /// <summary>Appends Pad1/PadN so that <see cref="EncodedLength"/> is a multiple of 8. Returns this.</summary>
    public SegmentRoutingHeader AddPadding()
    {
        Tlvs.AddRange(PaddingFor(EncodedLength));
        return this;
    }

    public SegmentRoutingHeader Clone() => new()
    {
        NextHeader = NextHeader,
        HdrExtLen = HdrExtLen,
        RoutingType = RoutingType,
        SegmentsLeft = SegmentsLeft,
        LastEntry = LastEntry,
        Flags = Flags,
        Tag = Tag,
        Segments = [.. Segments],
        Tlvs = [.. Tlvs],
        TrailingBytes = (byte[])TrailingBytes.Clone(),
    };

    /// <summary>
    /// Decodes an SRH at the start of <paramref name="data"/> (which may extend beyond the header).
    /// Never throws. Offsets of reported malformations are <paramref name="baseOffset"/> + position in data.
    /// Returns null only when fewer than 8 octets are present. Explicit HdrExtLen and LastEntry are kept.
    /// </summary>
    public static SegmentRoutingHeader? Decode(ReadOnlySpan<byte> data, int baseOffset, List<Malformation> malformations, out int consumed)
    {
        malformations ??= [];
        var sink = new MalformationSink(malformations, int.MaxValue);
        return Decode(data, baseOffset, sink, "srh", out consumed);
    }

    internal static SegmentRoutingHeader? Decode(ReadOnlySpan<byte> data, int baseOffset,
        MalformationSink sink, string layer, out int consumed)
    {
        int last = Math.Max(0, data.Length - 1);
        int At(int rel) => baseOffset + Math.Min(rel, last);

        if (data.Length < 8)
        {
            sink.Error(layer, "header", At(0), $"truncated: fixed SRH part needs 8 octets, {data.Length} present");
            consumed = data.Length;
            return null;
        }

        var srh = new SegmentRoutingHeader
        {
            NextHeader = data[0],
            HdrExtLen = data[1],
            RoutingType = data[2],
            SegmentsLeft = data[3],
            LastEntry = data[4],
            Flags = data[5],
            Tag = BinaryPrimitives.ReadUInt16BigEndian(data[6..]),
        };
        int hel = data[1], le = data[4], sl = data[3];
        int declared = 8 * (hel + 1);
        int avail = Math.Min(declared, data.Length);
        if (declared > data.Length)
            sink.Error(layer, "hdr_ext_len", At(1),
                $"hdr ext len {hel} declares {declared} octets but only {data.Length} remain in the packet");
        if (srh.RoutingType != SrhRoutingType)
            sink.Note(layer, "routing_type", At(2), $"routing type {srh.RoutingType} is not 4 (SRH); fields decoded with the SRH layout");

        int segRoom = (declared - 8) / 16;
        int segCount;
        if (hel == 0)
        {
            sink.Error(layer, "hdr_ext_len", At(1), "hdr ext len 0: the SRH has no room for a segment list");
            segCount = 0;
        }
        else
        {
            if (le + 1 > segRoom)
                sink.Error(layer, "last_entry", At(4),
                    $"last entry {le} implies {le + 1} segments ({16 * (le + 1)} octets) but hdr ext len {hel} leaves room for {segRoom}");
            segCount = Math.Min(le + 1, (avail - 8) / 16);
            if (segCount < le + 1 && le + 1 <= segRoom)
                sink.Error(layer, "segments", At(8 + 16 * segCount),
                    $"truncated: segment list of {le + 1} entries cut after {segCount}");
        }
        if (sl > le + 1)
            sink.Error(layer, "segments_left", At(3), $"segments left {sl} is greater than last entry + 1 ({le + 1})");

        int pos = 8;
        for (int i = 0; i < segCount; i++, pos += 16)
            srh.Segments.Add(new IPAddress(data.Slice(pos, 16)));

        bool segmentsComplete = hel != 0 && segCount == le + 1;
        if (!segmentsComplete)
        {
            if (pos < avail)
                srh.TrailingBytes = data[pos..avail].ToArray();
        }
        else
        {
            int index = 0;
            while (pos < avail)
            {
                byte type = data[pos];
                string field = $"tlvs[{index}]";
                if (type == 0)
                {
                    srh.Tlvs.Add(new Pad1Tlv());
                    pos++;
                    index++;
                    continue;
                }
                if (pos + 1 >= avail)
                {
                    sink.Error(layer, field, At(pos), $"TLV overrun: type {type} at the end of the header has no length octet");
                    srh.TrailingBytes = data[pos..avail].ToArray();
                    break;
                }
                int len = data[pos + 1];
                if (pos + 2 + len > avail)
                {
                    sink.Error(layer, field, At(pos + 1),
                        $"TLV overrun: type {type} length {len} exceeds the {avail - pos - 2} octets left in the header");
                    srh.TrailingBytes = data[pos..avail].ToArray();
                    break;
                }
                byte[] value = data.Slice(pos + 2, len).ToArray();
                switch (type)
                {
                    case 4:
                        if (len > 5)
                            sink.Note(layer, field, At(pos + 1), $"PadN length {len} is larger than 5");
                        if (value.Any(v => v != 0))
                            sink.Note(layer, field, At(pos + 2), "PadN padding is not all zero");
                        srh.Tlvs.Add(new PadNTlv(value));
                        break;
                    case 5:
                        if (len < 6)
                        {
                            sink.Error(layer, field, At(pos + 1), $"HMAC TLV length {len} is shorter than the 6 octets of D/reserved and key id");
                            srh.Tlvs.Add(new RawTlv(type, value));
                        }
                        else
                        {
                            int hmacLen = len - 6;
                            if (hmacLen % 8 != 0 || hmacLen > 32 || hmacLen == 0)
                                sink.Error(layer, field, At(pos + 1),
                                    $"HMAC TLV length {len}: HMAC of {hmacLen} octets must be 8, 16, 24 or 32 octets");
                            srh.Tlvs.Add(new HmacTlv(BinaryPrimitives.ReadUInt16BigEndian(value),
                                BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(2)), value[6..]));
                        }
                        break;
                    default:
                        srh.Tlvs.Add(new RawTlv(type, value));
                        break;
                }
                pos += 2 + len;
                index++;
            }
        }
        consumed = avail;
        return srh;
    }

    public override string ToString() =>
        $"SRH(nh={NextHeader}, hel={(HdrExtLen?.ToString() ?? "auto")}, type={RoutingType}, SL={SegmentsLeft}, LE={EffectiveLastEntry}, " +
        $"flags=0x{Flags:x2}, tag={Tag}, segments=[{string.Join(", ", Segments.Select(Rfc5952.Format))}], tlvs={Tlvs.Count})";
}
