using System.Net;
using System.Net.NetworkInformation;

namespace Conformance.Harness.Packets;

public enum LinkKind
{
    /// <summary>Frames start with an Ethernet II header (optionally 802.1Q/802.1ad tagged).</summary>
    Ethernet,
    /// <summary>Frames start with the IP header (version nibble selects IPv6 or IPv4).</summary>
    RawIp,
}

public sealed record EthernetInfo(PhysicalAddress Destination, PhysicalAddress Source, ushort EtherType, int Offset)
{
    /// <summary>VLAN tag control information of any 802.1Q/802.1ad tags, outermost first.</summary>
    public IReadOnlyList<ushort> VlanTags { get; init; } = [];
    public int HeaderLength => 14 + 4 * VlanTags.Count;
}

public sealed record Ipv6Info(int Version, IPAddress Src, IPAddress Dst, byte HopLimit, byte NextHeader, byte TrafficClass,
    uint FlowLabel, ushort PayloadLength, int Offset);

/// <summary>An extension header that was skipped generically (hop-by-hop, destination options, fragment, non-SRH routing, AH).</summary>
public sealed record ExtensionHeaderInfo(byte Type, byte NextHeader, int Offset, int Length, byte[] Bytes)
{
    public string Name => Type switch
    {
        0 => "hop_by_hop",
        43 => "routing",
        44 => "fragment",
        51 => "ah",
        60 => "destination_options",
        _ => "ext_" + Type,
    };
}

/// <summary>The layer after the IPv6 header and its extension headers.</summary>
public abstract class InnerLayer
{
    /// <summary>"icmpv6", "udp", "tcp", "ipv6", "ipv4", "ethernet", "none" or "unknown".</summary>
    public abstract string Kind { get; }
    public int Offset { get; init; }
    /// <summary>All bytes of this layer that are present (bounded by the enclosing payload length).</summary>
    public byte[] Bytes { get; init; } = [];
}

public sealed class Icmpv6Layer : InnerLayer
{
    public override string Kind => "icmpv6";
    public byte Type { get; init; }
    public byte Code { get; init; }
    public ushort Checksum { get; init; }
    public bool ChecksumValid { get; init; }
    public ushort? EchoId { get; init; }
    public ushort? EchoSeq { get; init; }
    /// <summary>Parameter Problem pointer (type 4).</summary>
    public uint? Pointer { get; init; }
    /// <summary>Packet Too Big MTU (type 2).</summary>
    public uint? Mtu { get; init; }
    /// <summary>Bytes after the 8-octet ICMPv6 header (echo data, or the quoted packet for errors).</summary>
    public byte[] Data { get; init; } = [];
    /// <summary>For error messages (types 1-4): the quoted invoking packet, decoded as raw IP. Its malformations stay in its own list.</summary>
    public DecodedPacket? Invoking { get; init; }
    public bool IsEcho => Type is 128 or 129;
    public bool IsError => Type < 128;
}

public sealed class UdpLayer : InnerLayer
{
    public override string Kind => "udp";
    public ushort SrcPort { get; init; }
    public ushort DstPort { get; init; }
    public ushort Length { get; init; }
    public ushort Checksum { get; init; }
    public bool ChecksumValid { get; init; }
    public byte[] Data { get; init; } = [];
}

[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}

public sealed class TcpLayer : InnerLayer
{
    public override string Kind => "tcp";
    public ushort SrcPort { get; init; }
    public ushort DstPort { get; init; }
    public uint Seq { get; init; }
    public uint Ack { get; init; }
    public byte DataOffset { get; init; }
    public TcpFlags Flags { get; init; }
    public ushort Window { get; init; }
    public ushort Checksum { get; init; }
    public bool ChecksumValid { get; init; }
    public ushort UrgentPointer { get; init; }
    public byte[] Options { get; init; } = [];
    public byte[] Data { get; init; } = [];
}

/// <summary>Encapsulated IPv6 packet (next header 41).</summary>
public sealed class Ipv6Layer : InnerLayer
{
    public override string Kind => "ipv6";
    public required DecodedPacket Packet { get; init; }
}

/// <summary>IPv4 packet (next header 4 inside IPv6, or the outer packet itself). UDP and TCP in an unfragmented
/// packet are decoded into <see cref="Upper"/>; anything else stays in <see cref="Payload"/>.</summary>
public sealed class Ipv4Layer : InnerLayer
{
    public override string Kind => "ipv4";
    public int Version { get; init; }
    public int HeaderLength { get; init; }
    public byte Tos { get; init; }
    public ushort TotalLength { get; init; }
    public ushort Identification { get; init; }
    public byte FlagBits { get; init; }
    public ushort FragmentOffset { get; init; }
    public byte Ttl { get; init; }
    public byte Protocol { get; init; }
    public ushort HeaderChecksum { get; init; }
    public bool ChecksumValid { get; init; }
    public required IPAddress Src { get; init; }
    public required IPAddress Dst { get; init; }
    public byte[] Options { get; init; } = [];
    public byte[] Payload { get; init; } = [];
    /// <summary>Decoded UDP/TCP layer (null for other protocols or fragments).</summary>
    public InnerLayer? Upper { get; init; }
}

/// <summary>Encapsulated Ethernet frame (next header 143, RFC 8986 L2 encapsulation).</summary>
public sealed class EthernetLayer : InnerLayer
{
    public override string Kind => "ethernet";
    public required DecodedPacket Packet { get; init; }
}

/// <summary>No Next Header (59). Any bytes present are in <see cref="InnerLayer.Bytes"/>.</summary>
public sealed class NoNextHeaderLayer : InnerLayer
{
    public override string Kind => "none";
}

/// <summary>Anything else, or a layer that was too truncated to decode. <see cref="Number"/> is the IP protocol
/// number, or the EtherType when <see cref="IsEtherType"/>; -1 when nothing could be determined.</summary>
public sealed class UnknownLayer : InnerLayer
{
    public override string Kind => "unknown";
    public int Number { get; init; } = -1;
    public bool IsEtherType { get; init; }
    public bool Truncated { get; init; }
}

/// <summary>Result of <see cref="PacketDecoder.Decode"/>. Offsets are relative to the start of the decoded frame.</summary>
public sealed class DecodedPacket
{
    private string? _notation;

    public LinkKind Link { get; init; }
    /// <summary>Offset of this (possibly nested) packet's first byte in the frame.</summary>
    public int Offset { get; init; }
    /// <summary>Bytes available to this packet (frame length for the top level).</summary>
    public int Length { get; init; }
    public EthernetInfo? Ethernet { get; internal set; }
    public Ipv6Info? Ipv6 { get; internal set; }
    public SegmentRoutingHeader? Srh { get; internal set; }
    public int? SrhOffset { get; internal set; }
    public List<ExtensionHeaderInfo> ExtensionHeaders { get; } = [];
    public InnerLayer Inner { get; internal set; } = new UnknownLayer();
    /// <summary>Bytes after the IP payload (e.g. Ethernet padding).</summary>
    public byte[] TrailingBytes { get; internal set; } = [];
    /// <summary>
    /// Everything found while decoding. Encapsulated packets (next header 41/143) share the top-level list, so the
    /// top-level packet holds all of them; layer names of inner headers are prefixed with "inner.". The quoted packet
    /// of an ICMPv6 error keeps its own list (a quoted packet is normally truncated on purpose).
    /// </summary>
    public List<Malformation> Malformations { get; init; } = [];

    /// <summary>Destination used in upper-layer pseudo-headers: segment [0] when an SRH with SL &gt; 0 is present, else the IPv6 destination.</summary>
    public IPAddress? PseudoHeaderDestination { get; internal set; }

    /// <summary>RFC 8986-style notation, e.g. "(A,S1)(S3,S2,S1;SL=2)(C,D)" with literal addresses.</summary>
    public string Notation => _notation ??= SrNotation.Format(NotationPacket.FromDecoded(this));

    public bool IsWellFormed => Malformations.All(m => m.IsNote);

    public override string ToString() => Notation;
}
