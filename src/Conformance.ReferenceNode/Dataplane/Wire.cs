using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>
/// The node's own wire helpers (it shares no code with the harness on purpose): big-endian fields, IPv6 addresses as
/// <see cref="UInt128"/>, IPv4 addresses as <see cref="uint"/>, prefixes, and the Internet checksum (RFC 1071).
/// </summary>
internal static class Wire
{
    public const int EthernetHeader = 14;
    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;
    public const ushort EtherTypeIpv6 = 0x86DD;

    public const byte NhHopByHop = 0;
    public const byte NhIpv4 = 4;
    public const byte NhTcp = 6;
    public const byte NhUdp = 17;
    public const byte NhIpv6 = 41;
    public const byte NhRouting = 43;
    public const byte NhFragment = 44;
    public const byte NhIcmpv6 = 58;
    public const byte NhNone = 59;
    public const byte NhDestOpts = 60;
    public const byte NhEthernet = 143;
    public const byte ProtoIcmp = 1;

    public static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16BigEndian(b[o..]);
    public static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32BigEndian(b[o..]);
    public static void U16(Span<byte> b, int o, ushort v) => BinaryPrimitives.WriteUInt16BigEndian(b[o..], v);
    public static void U32(Span<byte> b, int o, uint v) => BinaryPrimitives.WriteUInt32BigEndian(b[o..], v);
    public static UInt128 A6(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt128BigEndian(b[o..]);
    public static void A6(Span<byte> b, int o, UInt128 v) => BinaryPrimitives.WriteUInt128BigEndian(b[o..], v);

    public static UInt128 ToU128(IPAddress a)
    {
        if (a.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException($"{a} is not an IPv6 address");
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    public static uint ToU32(IPAddress a)
    {
        if (a.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{a} is not an IPv4 address");
        Span<byte> b = stackalloc byte[4];
        a.TryWriteBytes(b, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress Ip6(UInt128 v)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, v);
        return new IPAddress(b);
    }

    public static IPAddress Ip4(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return new IPAddress(b);
    }

    public static UInt128 Mask6(int len) => len <= 0 ? UInt128.Zero : len >= 128 ? UInt128.MaxValue : ~((UInt128.One << (128 - len)) - UInt128.One);
    public static uint Mask4(int len) => len <= 0 ? 0u : len >= 32 ? uint.MaxValue : ~((1u << (32 - len)) - 1u);
    public static bool In6(UInt128 a, UInt128 prefix, int len) => (a & Mask6(len)) == (prefix & Mask6(len));
    public static bool In4(uint a, uint prefix, int len) => (a & Mask4(len)) == (prefix & Mask4(len));

    public static bool IsMulticast6(UInt128 a) => (byte)(a >> 120) == 0xFF;
    public static bool IsLinkLocal6(UInt128 a) => (ushort)(a >> 112) >> 6 == 0xFE80 >> 6;

    /// <summary>ff02::1:ffXX:XXXX (RFC 4291 §2.7.1).</summary>
    public static UInt128 SolicitedNode(UInt128 a) => ((UInt128)0xFF02 << 112) | ((UInt128)1 << 32) | ((UInt128)0xFF << 24) | (a & 0xFFFFFF);

    /// <summary>fe80::/64 with the modified EUI-64 interface identifier of <paramref name="mac"/> (RFC 4291 Appendix A).</summary>
    public static UInt128 LinkLocalFromMac(byte[] mac)
    {
        Span<byte> b = stackalloc byte[16];
        b[0] = 0xFE; b[1] = 0x80;
        b[8] = (byte)(mac[0] ^ 0x02); b[9] = mac[1]; b[10] = mac[2]; b[11] = 0xFF; b[12] = 0xFE; b[13] = mac[3]; b[14] = mac[4]; b[15] = mac[5];
        return BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    /// <summary>One's-complement sum of 16-bit words (RFC 1071), not yet complemented.</summary>
    public static uint Sum(ReadOnlySpan<byte> b, uint sum = 0)
    {
        int i = 0;
        for (; i + 1 < b.Length; i += 2) sum += (uint)(b[i] << 8 | b[i + 1]);
        if (i < b.Length) sum += (uint)(b[i] << 8);
        return sum;
    }

    public static ushort Fold(uint sum)
    {
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Upper-layer checksum with the IPv6 pseudo-header (RFC 8200 §8.1).</summary>
    public static ushort Checksum6(UInt128 src, UInt128 dst, byte nh, ReadOnlySpan<byte> upper)
    {
        Span<byte> ph = stackalloc byte[40];
        A6(ph, 0, src);
        A6(ph, 16, dst);
        U32(ph, 32, (uint)upper.Length);
        ph[36] = 0; ph[37] = 0; ph[38] = 0; ph[39] = nh;
        return Fold(Sum(upper, Sum(ph)));
    }

    public static ushort Checksum(ReadOnlySpan<byte> b) => Fold(Sum(b));

    /// <summary>Writes a 40-octet IPv6 header.</summary>
    public static void WriteIpv6Header(Span<byte> b, byte trafficClass, uint flowLabel, int payloadLength, byte nextHeader, byte hopLimit, UInt128 src, UInt128 dst)
    {
        U32(b, 0, 6u << 28 | (uint)trafficClass << 20 | (flowLabel & 0xFFFFF));
        U16(b, 4, (ushort)payloadLength);
        b[6] = nextHeader;
        b[7] = hopLimit;
        A6(b, 8, src);
        A6(b, 24, dst);
    }

    public static byte TrafficClass6(ReadOnlySpan<byte> ip) => (byte)(U32(ip, 0) >> 20);
    public static uint FlowLabel6(ReadOnlySpan<byte> ip) => U32(ip, 0) & 0xFFFFF;

    /// <summary>IPv4 header checksum recomputed in place.</summary>
    public static void FixIpv4Checksum(Span<byte> ip)
    {
        int ihl = (ip[0] & 0x0F) * 4;
        ip[10] = 0; ip[11] = 0;
        U16(ip, 10, Checksum(ip[..ihl]));
    }

    public static string Mac(ReadOnlySpan<byte> m) => Convert.ToHexString(m[..6]).ToLowerInvariant() is var h
        ? string.Join(':', Enumerable.Range(0, 6).Select(i => h.Substring(2 * i, 2))) : "";
}

/// <summary>Longest-prefix match over 128-bit keys (IPv4 keys are left-aligned: the address in the top 32 bits).</summary>
internal sealed class Lpm<T> where T : class
{
    private readonly Dictionary<UInt128, T>?[] _byLength = new Dictionary<UInt128, T>?[129];
    private int[] _lengths = [];

    public void Add(UInt128 prefix, int len, T value)
    {
        var d = _byLength[len] ??= new Dictionary<UInt128, T>();
        d[prefix & Wire.Mask6(len)] = value;
        _lengths = Enumerable.Range(0, 129).Where(l => _byLength[l] is not null).OrderByDescending(l => l).ToArray();
    }

    public T? Lookup(UInt128 key)
    {
        foreach (var len in _lengths)
            if (_byLength[len]!.TryGetValue(key & Wire.Mask6(len), out var v)) return v;
        return null;
    }

    public IEnumerable<(UInt128 Prefix, int Length, T Value)> All()
    {
        foreach (var len in _lengths)
            foreach (var kv in _byLength[len]!) yield return (kv.Key, len, kv.Value);
    }
}
