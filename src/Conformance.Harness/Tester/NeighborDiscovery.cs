using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;

namespace Conformance.Harness.Tester;

/// <summary>
/// The few ND (RFC 4861) frames a tester port needs: recognising a Neighbor Solicitation and
/// answering it with a Neighbor Advertisement for an address the port owns.
/// </summary>
public static class NeighborDiscovery
{
    private const int EthLen = 14;

    /// <summary>If the frame is an Ethernet/IPv6 Neighbor Solicitation (no extension headers), returns its target.</summary>
    public static bool TryParseSolicitation(ReadOnlySpan<byte> f, out IPAddress target, out IPAddress source, out PhysicalAddress sourceMac)
    {
        target = IPAddress.IPv6None; source = IPAddress.IPv6None; sourceMac = PhysicalAddress.None;
        if (f.Length < EthLen + 40 + 24) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != 0x86DD) return false;
        var ip = f[EthLen..];
        if (ip[6] != 58 || ip[7] != 255) return false; // ICMPv6, hop limit 255 (RFC 4861 §7.1.1)
        var icmp = ip[40..];
        if (icmp[0] != 135 || icmp[1] != 0) return false;
        target = new IPAddress(icmp.Slice(8, 16));
        source = new IPAddress(ip.Slice(8, 16));
        sourceMac = new PhysicalAddress(f.Slice(6, 6).ToArray());
        return true;
    }

    /// <summary>Builds a solicited, override Neighbor Advertisement from <paramref name="mac"/> for <paramref name="target"/>.</summary>
    public static byte[] BuildAdvertisement(PhysicalAddress mac, IPAddress target, IPAddress solicitor, PhysicalAddress solicitorMac)
    {
        bool dad = solicitor.Equals(IPAddress.IPv6Any);
        var dst = dad ? IPAddress.Parse("ff02::1") : solicitor;
        var dstMac = dad ? new byte[] { 0x33, 0x33, 0, 0, 0, 1 } : solicitorMac.GetAddressBytes();
        const int icmpLen = 32; // 24 + target link-layer address option (8)
        var f = new byte[EthLen + 40 + icmpLen];
        dstMac.CopyTo(f, 0);
        mac.GetAddressBytes().CopyTo(f, 6);
        f[12] = 0x86; f[13] = 0xDD;
        var ip = f.AsSpan(EthLen);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], icmpLen);
        ip[6] = 58; ip[7] = 255;
        target.GetAddressBytes().CopyTo(ip[8..]);
        dst.GetAddressBytes().CopyTo(ip[24..]);
        var icmp = ip[40..];
        icmp[0] = 136;
        icmp[4] = dad ? (byte)0x20 : (byte)0x60; // S (not for DAD replies) and O
        target.GetAddressBytes().CopyTo(icmp[8..]);
        icmp[24] = 2; icmp[25] = 1; // target link-layer address, 8 octets
        mac.GetAddressBytes().CopyTo(icmp[26..]);
        ushort sum = Checksum(ip, icmp);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], sum);
        return f;
    }

    /// <summary>Builds a Neighbor Solicitation from <paramref name="mac"/>/<paramref name="source"/> for <paramref name="target"/> (to its solicited-node group).</summary>
    public static byte[] BuildSolicitation(PhysicalAddress mac, IPAddress source, IPAddress target)
    {
        var t = target.GetAddressBytes();
        var group = new byte[16] { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13], t[14], t[15] };
        const int icmpLen = 32;
        var f = new byte[EthLen + 40 + icmpLen];
        new byte[] { 0x33, 0x33, 0xff, t[13], t[14], t[15] }.CopyTo(f, 0);
        mac.GetAddressBytes().CopyTo(f, 6);
        f[12] = 0x86; f[13] = 0xDD;
        var ip = f.AsSpan(EthLen);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], icmpLen);
        ip[6] = 58; ip[7] = 255;
        source.GetAddressBytes().CopyTo(ip[8..]);
        group.CopyTo(ip[24..]);
        var icmp = ip[40..];
        icmp[0] = 135;
        t.CopyTo(icmp[8..]);
        icmp[24] = 1; icmp[25] = 1; // source link-layer address
        mac.GetAddressBytes().CopyTo(icmp[26..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(ip, icmp));
        return f;
    }

    /// <summary>If the frame is a Neighbor Advertisement for <paramref name="target"/>, returns the advertised link-layer address.</summary>
    public static bool TryParseAdvertisement(ReadOnlySpan<byte> f, IPAddress target, out PhysicalAddress mac)
    {
        mac = PhysicalAddress.None;
        if (f.Length < EthLen + 40 + 24 || BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != 0x86DD) return false;
        var ip = f[EthLen..];
        if (ip[6] != 58) return false;
        var icmp = ip[40..];
        if (icmp[0] != 136 || !new IPAddress(icmp.Slice(8, 16)).Equals(target)) return false;
        for (int o = 24; o + 8 <= icmp.Length && icmp[o + 1] > 0; o += icmp[o + 1] * 8)
        {
            if (icmp[o] == 2) { mac = new PhysicalAddress(icmp.Slice(o + 2, 6).ToArray()); return true; }
        }
        mac = new PhysicalAddress(f.Slice(6, 6).ToArray()); // no option: the frame's source
        return true;
    }

    /// <summary>If the frame is an ARP request (Ethernet/IPv4), returns the address asked for and who asks.</summary>
    public static bool TryParseArpRequest(ReadOnlySpan<byte> f, out IPAddress target, out IPAddress sender, out PhysicalAddress senderMac)
    {
        target = IPAddress.None; sender = IPAddress.None; senderMac = PhysicalAddress.None;
        if (f.Length < EthLen + 28 || BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != 0x0806) return false;
        var a = f[EthLen..];
        if (BinaryPrimitives.ReadUInt16BigEndian(a) != 1 || BinaryPrimitives.ReadUInt16BigEndian(a[2..]) != 0x0800 || a[4] != 6 || a[5] != 4) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(a[6..]) != 1) return false; // request
        senderMac = new PhysicalAddress(a.Slice(8, 6).ToArray());
        sender = new IPAddress(a.Slice(14, 4));
        target = new IPAddress(a.Slice(24, 4));
        return true;
    }

    /// <summary>Builds the ARP reply (RFC 826) giving <paramref name="mac"/> for <paramref name="target"/>.</summary>
    public static byte[] BuildArpReply(PhysicalAddress mac, IPAddress target, IPAddress asker, PhysicalAddress askerMac)
    {
        var f = new byte[EthLen + 28];
        askerMac.GetAddressBytes().CopyTo(f, 0);
        mac.GetAddressBytes().CopyTo(f, 6);
        f[12] = 0x08; f[13] = 0x06;
        var a = f.AsSpan(EthLen);
        a[1] = 1; a[2] = 0x08; a[3] = 0x00; a[4] = 6; a[5] = 4; a[7] = 2; // Ethernet, IPv4, reply
        mac.GetAddressBytes().CopyTo(a[8..]);
        target.GetAddressBytes().CopyTo(a[14..]);
        askerMac.GetAddressBytes().CopyTo(a[18..]);
        asker.GetAddressBytes().CopyTo(a[24..]);
        return f;
    }

    /// <summary>The ICMPv6 checksum of a message whose checksum field is still zero (the codec's one routine).</summary>
    private static ushort Checksum(Span<byte> ip, Span<byte> icmp) =>
        Conformance.Harness.Packets.InternetChecksum.Compute(new IPAddress(ip.Slice(8, 16)), new IPAddress(ip.Slice(24, 16)), 58, icmp);

    /// <summary>
    /// True for the DUT's own control-plane chatter that a case does not count: ND (RS, RA, NS,
    /// NA, redirect) and MLD (queries, reports), possibly behind a hop-by-hop header.
    /// </summary>
    public static bool IsControlPlaneNoise(ReadOnlySpan<byte> f)
    {
        if (f.Length < EthLen) return false;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(f[12..]);
        if (etherType == 0x0806) return true; // ARP
        if (etherType != 0x86DD || f.Length < EthLen + 40) return false;
        var ip = f[EthLen..];
        int nh = ip[6]; int off = 40;
        if (nh == 0 && ip.Length >= off + 8) { nh = ip[off]; off += (ip[off + 1] + 1) * 8; }
        if (nh != 58 || ip.Length < off + 1) return false;
        byte type = ip[off];
        return type is 130 or 131 or 132 or 133 or 134 or 135 or 136 or 137 or 143;
    }
}
