using System.Buffers.Binary;

namespace Conformance.Harness.Packets;

/// <summary>An SRH TLV (RFC 8754 §2.1). Equality compares content, including byte arrays.</summary>
public abstract record SrhTlv(byte Type)
{
    /// <summary>Bytes this TLV occupies in the header (type and length octets included).</summary>
    public abstract int EncodedLength { get; }

    /// <summary>Value of the length octet, or null for Pad1 which has none.</summary>
    public virtual int? Length => EncodedLength - 2;

    /// <summary>The value bytes (everything after the length octet).</summary>
    public abstract byte[] Value { get; }

    internal void WriteTo(Span<byte> dest)
    {
        dest[0] = Type;
        if (Length is int len)
        {
            dest[1] = (byte)len;
            Value.CopyTo(dest[2..]);
        }
    }

    internal static bool BytesEqual(byte[]? a, byte[]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));

    internal static int BytesHash(byte[] a)
    {
        var h = new HashCode();
        h.AddBytes(a);
        return h.ToHashCode();
    }
}

/// <summary>Pad1 (type 0): a single octet, no length field.</summary>
public sealed record Pad1Tlv() : SrhTlv(0)
{
    public override int EncodedLength => 1;
    public override int? Length => null;
    public override byte[] Value => [];
}

/// <summary>PadN (type 4). Padding should be zero; the actual bytes are kept as received.</summary>
public sealed record PadNTlv(byte[] Padding) : SrhTlv(4)
{
    public PadNTlv(int length) : this(new byte[length]) { }

    public override int EncodedLength => 2 + Padding.Length;
    public override byte[] Value => Padding;

    public bool Equals(PadNTlv? other) => other is not null && BytesEqual(Padding, other.Padding);
    public override int GetHashCode() => BytesHash(Padding);
}

/// <summary>
/// HMAC TLV (type 5, RFC 8754 §2.1.2): D flag (most significant bit) and 15 reserved bits kept together in
/// <see cref="DAndReserved"/>, 32-bit key id, then the HMAC bytes.
/// </summary>
public sealed record HmacTlv(ushort DAndReserved, uint KeyId, byte[] Hmac) : SrhTlv(5)
{
    public static HmacTlv Create(bool dFlag, uint keyId, byte[] hmac) => new(dFlag ? (ushort)0x8000 : (ushort)0, keyId, hmac);

    public bool DFlag => (DAndReserved & 0x8000) != 0;
    public ushort Reserved => (ushort)(DAndReserved & 0x7FFF);

    public override int EncodedLength => 2 + 6 + Hmac.Length;

    public override byte[] Value
    {
        get
        {
            var v = new byte[6 + Hmac.Length];
            BinaryPrimitives.WriteUInt16BigEndian(v, DAndReserved);
            BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(2), KeyId);
            Hmac.CopyTo(v, 6);
            return v;
        }
    }

    public bool Equals(HmacTlv? other) =>
        other is not null && DAndReserved == other.DAndReserved && KeyId == other.KeyId && BytesEqual(Hmac, other.Hmac);
    public override int GetHashCode() => HashCode.Combine(DAndReserved, KeyId, BytesHash(Hmac));
}

/// <summary>Any TLV kept as raw bytes (unknown types, or known types whose length made them unparsable).</summary>
public sealed record RawTlv : SrhTlv
{
    public RawTlv(byte type, byte[] value) : base(type)
    {
        if (value.Length > 255) throw new ArgumentException("TLV value longer than 255 bytes", nameof(value));
        RawValue = value;
    }

    public byte[] RawValue { get; }
    public override int EncodedLength => 2 + RawValue.Length;
    public override byte[] Value => RawValue;

    public bool Equals(RawTlv? other) => other is not null && Type == other.Type && BytesEqual(RawValue, other.RawValue);
    public override int GetHashCode() => HashCode.Combine(Type, BytesHash(RawValue));
}
