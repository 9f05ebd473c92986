using System.Net;
using System.Net.Sockets;

namespace Conformance.Harness.Packets;

/// <summary>RFC 1071 one's-complement checksum with IPv4/IPv6 pseudo-headers.</summary>
public static class InternetChecksum
{
    /// <summary>Adds 16-bit big-endian words of <paramref name="data"/> to a running sum (odd tail padded with zero).</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (ulong)((data[i] << 8) | data[i + 1]);
        if (i < data.Length)
            sum += (ulong)(data[i] << 8);
        return sum;
    }

    /// <summary>Folds the carries and returns the one's complement (the value to place in a checksum field).</summary>
    public static ushort Finish(ulong sum)
    {
        while ((sum >> 16) != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Sum of the IPv6 pseudo-header (RFC 8200 §8.1) or IPv4 pseudo-header (RFC 768/793).</summary>
    public static ulong PseudoHeader(IPAddress source, IPAddress destination, int upperLayerLength, byte nextHeader)
    {
        ulong sum = 0;
        sum = Add(sum, source.GetAddressBytes());
        sum = Add(sum, destination.GetAddressBytes());
        if (source.AddressFamily == AddressFamily.InterNetworkV6)
        {
            sum += (ulong)((uint)upperLayerLength >> 16);
            sum += (ulong)(upperLayerLength & 0xFFFF);
            sum += nextHeader;
        }
        else
        {
            sum += nextHeader;
            sum += (ulong)(upperLayerLength & 0xFFFF);
        }
        return sum;
    }

    /// <summary>Checksum value for an upper-layer message whose checksum field currently holds zero.</summary>
    public static ushort Compute(IPAddress source, IPAddress destination, byte nextHeader, ReadOnlySpan<byte> upper) =>
        Finish(Add(PseudoHeader(source, destination, upper.Length, nextHeader), upper));

    /// <summary>True when the message (checksum field included) sums to all ones.</summary>
    public static bool Verify(IPAddress source, IPAddress destination, byte nextHeader, ReadOnlySpan<byte> upper) =>
        Finish(Add(PseudoHeader(source, destination, upper.Length, nextHeader), upper)) == 0;
}
