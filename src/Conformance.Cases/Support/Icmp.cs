using System.Buffers.Binary;
using System.Net;
using Conformance.Harness.Packets;
using Conformance.Harness.Verdicts;

namespace Conformance.Cases.Support;

/// <summary>Expected ICMPv6 errors (RFC 4443) for a stimulus: type, code, the 32-bit field and the quoted invoking packet.</summary>
public static class Icmp
{
    /// <summary>RFC 4443 §2.4 (c): as much of the invoking packet as fits in the minimum IPv6 MTU.</summary>
    public const int MaxQuoted = 1280 - 40 - 8;

    /// <summary>
    /// The error the DUT must send back on <paramref name="port"/> to the stimulus' source. The
    /// DUT chooses its source address, hop limit, flow label and traffic class (not compared here;
    /// the case checks the source is one of the DUT's addresses); the checksum must be valid.
    /// </summary>
    public static ExpectedPacket Error(PacketBuilder outOfPort, string port, byte[] stimulusFrame, IPAddress dutSource,
        byte type, byte code, uint field, string description)
    {
        var invoking = stimulusFrame.AsSpan(14);
        var quoted = invoking[..Math.Min(invoking.Length, MaxQuoted)];
        var body = new byte[4 + quoted.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, field);
        quoted.CopyTo(body.AsSpan(4));
        var stimulus = PacketDecoder.Decode(stimulusFrame);
        var frame = outOfPort.Ipv6(dutSource, stimulus.Ipv6!.Src, 64).Payload(new PacketPayload.Icmpv6(type, code, body)).Build();
        return new ExpectedPacket(port, frame, description,
            ["ipv6.src", "ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class", "inner.icmpv6.checksum"]);
    }
}
