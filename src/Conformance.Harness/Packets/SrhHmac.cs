using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Packets;

/// <summary>
/// The SRH HMAC TLV (RFC 8754 §2.1.2) computed from the RFC's definition (§2.1.2.1):
/// <code>
/// Text = IPv6 source address (16) | Last Entry (1) | Flags (1) | the HMAC TLV's 16 bits following Length (D bit and
///        Reserved, 2) | HMAC Key ID (4, network order) | Segment List[0..Last Entry] (16 each)
/// HMAC = HMAC(key, Text) truncated to 32 octets; a shorter digest (SHA-1: 20) is placed in the
///        lowest-order octets and the remaining octets are zero, so the field is a multiple of 8 octets.
/// </code>
/// The default field length is 32 octets (Length 38), which is also the only length Linux accepts
/// (seg6_hmac.c: <c>tlvhdr.len != 38</c> → no TLV; it compares all 32 octets, a SHA-1 digest zero-padded).
/// Linux also looks for the TLV only in the last 40 octets of the SRH and only when the legacy "H" flag
/// (0x08, draft-era, not in RFC 8754) is set; <see cref="LinuxLegacyHFlag"/> names it for tests. Its text also lacks
/// the TLV's 16 bits following Length ("SRH: HMAC 16 bits following Length" in RFC 8754 §2.1.2.1), as this class did
/// until the reference node, written from the RFC's list, rejected its HMACs (the second implementation's first catch).
/// </summary>
public static class SrhHmac
{
    /// <summary>RFC 8754 §2.1.2: the HMAC field is at most 32 octets.</summary>
    public const int FieldLength = 32;

    /// <summary>The Linux kernel's SR6_FLAG1_HMAC (bit 3 of Flags) — not an RFC 8754 flag.</summary>
    public const byte LinuxLegacyHFlag = 0x08;

    /// <summary>The text the HMAC is computed over (RFC 8754 §2.1.2.1), as the verifying node receives the packet.</summary>
    /// <param name="dAndReserved">The HMAC TLV's 16 bits following its Length: the D bit (0x8000) and the 15 reserved bits.</param>
    public static byte[] Text(IPAddress source, byte lastEntry, byte flags, ushort dAndReserved, uint keyId, IReadOnlyList<IPAddress> segmentsHeaderOrder)
    {
        if (source.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException("the source must be an IPv6 address", nameof(source));
        var n = lastEntry + 1;
        if (segmentsHeaderOrder.Count < n)
            throw new ArgumentException($"Last Entry {lastEntry} needs {n} segments, the list has {segmentsHeaderOrder.Count}", nameof(segmentsHeaderOrder));
        var text = new byte[16 + 1 + 1 + 2 + 4 + 16 * n];
        source.GetAddressBytes().CopyTo(text, 0);
        text[16] = lastEntry;
        text[17] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(text.AsSpan(18), dAndReserved);
        BinaryPrimitives.WriteUInt32BigEndian(text.AsSpan(20), keyId);
        for (var i = 0; i < n; i++)
        {
            var s = segmentsHeaderOrder[i];
            if (s.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException($"segment {i} is not an IPv6 address", nameof(segmentsHeaderOrder));
            s.GetAddressBytes().CopyTo(text, 24 + 16 * i);
        }
        return text;
    }

    /// <summary>
    /// The HMAC field: the digest truncated to <paramref name="fieldLength"/> octets (at most 32, a multiple of 8),
    /// a shorter digest placed in the lowest-order octets with the rest zero.
    /// </summary>
    public static byte[] Compute(HmacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> text, int fieldLength = FieldLength)
    {
        if (fieldLength <= 0 || fieldLength > FieldLength || fieldLength % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(fieldLength), $"the HMAC field is 8, 16, 24 or 32 octets (RFC 8754 §2.1.2), not {fieldLength}");
        var digest = algorithm switch
        {
            HmacAlgorithm.Sha1 => HMACSHA1.HashData(key, text),
            HmacAlgorithm.Sha256 => HMACSHA256.HashData(key, text),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        var field = new byte[fieldLength];
        digest.AsSpan(0, Math.Min(digest.Length, fieldLength)).CopyTo(field);
        return field;
    }

    /// <summary>The HMAC TLV for an SRH as it will be received (its Flags, Last Entry and segments) from <paramref name="source"/>.</summary>
    public static HmacTlv Tlv(HmacAlgorithm algorithm, ReadOnlySpan<byte> key, uint keyId, IPAddress source, SegmentRoutingHeader srh,
        bool dFlag = false, int fieldLength = FieldLength) =>
        HmacTlv.Create(dFlag, keyId, Compute(algorithm, key, Text(source, srh.EffectiveLastEntry, srh.Flags, DBit(dFlag), keyId, srh.Segments), fieldLength));

    /// <summary>The TLV's 16 bits following Length for a D bit and zero reserved bits.</summary>
    public static ushort DBit(bool dFlag) => dFlag ? (ushort)0x8000 : (ushort)0;

    /// <summary>Appends the HMAC TLV (computed over the header as configured so far) as the SRH's last TLV.</summary>
    public static SegmentRoutingHeader AddHmac(this SegmentRoutingHeader srh, HmacAlgorithm algorithm, ReadOnlySpan<byte> key, uint keyId, IPAddress source)
    {
        srh.Tlvs.Add(Tlv(algorithm, key, keyId, source, srh));
        return srh;
    }
}
