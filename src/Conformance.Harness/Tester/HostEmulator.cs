using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;

namespace Conformance.Harness.Tester;

/// <summary>
/// The tester answering as the hosts a testbed's addresses stand for (the reference lab's D behind t2, say), so that a
/// ping or traceroute through the DUT to them gets the answer a real host would give: an ICMPv6 echo reply to an echo
/// request, and a Destination Unreachable, code 4 (port unreachable), to a UDP probe (a traceroute's last hop). Only
/// packets whose final destination is one of the hosts are answered (no SRH, or Segments Left 0); the answer goes back
/// to the frame's sender (the DUT) with the host as source, hop limit 64.
/// </summary>
public static class HostEmulator
{
    /// <summary>What a tester port answers for <paramref name="hosts"/>; null for any other frame.</summary>
    public static Func<byte[], byte[]?> For(PhysicalAddress portMac, IReadOnlyCollection<IPAddress> hosts) => frame =>
    {
        if (frame.Length < 14 + 40 || frame[12] != 0x86 || frame[13] != 0xdd) return null;
        DecodedPacket d;
        try { d = PacketDecoder.Decode(frame); } catch (Exception) { return null; }
        if (d.Ipv6 is not { } ip || !hosts.Contains(ip.Dst) || d.Srh is { SegmentsLeft: > 0 }) return null;
        var back = new PacketBuilder().Ethernet(portMac, new PhysicalAddress(frame[6..12]));
        switch (d.Inner)
        {
            case Icmpv6Layer { Type: 128, EchoId: { } id, EchoSeq: { } seq } echo:
                return back.Ipv6(ip.Dst, ip.Src, 64).IcmpEchoReply(id, seq, echo.Data).Build();
            case UdpLayer:
                var invoking = frame.AsSpan(14);
                var quoted = invoking[..Math.Min(invoking.Length, 1280 - 48)];
                var body = new byte[4 + quoted.Length];
                BinaryPrimitives.WriteUInt32BigEndian(body, 0);
                quoted.CopyTo(body.AsSpan(4));
                return back.Ipv6(ip.Dst, ip.Src, 64).Payload(new PacketPayload.Icmpv6(1, 4, body)).Build();
            default:
                return null;
        }
    };
}
