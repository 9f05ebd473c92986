using System.Net;
using Conformance.Harness.Packets;

namespace Conformance.Harness.Differential;

/// <summary>One output of a DUT, normalised: the egress port and the IP packet's fields, from the IP header up.</summary>
/// <param name="Fields">Every field as PacketDiff flattens it, Ethernet addresses dropped; a field the RFCs leave to the
/// implementation holds its class in angle brackets ("&lt;dut-address&gt;") instead of its value.</param>
/// <param name="Shape">A short description of what the output is ("t2 ipv6/srh(SL=1)/icmpv6 128"), for grouping differences.</param>
public sealed record NormalizedOutput(string Port, IReadOnlyList<(string Path, string Value)> Fields, string Shape, string Notation)
{
    /// <summary>The comparable form: port and every field, one per line.</summary>
    public string Canonical { get; } = Port + "\n" + string.Join('\n', Fields.Select(f => $"{f.Path}={f.Value}"));
}

/// <summary>A normalisation the differential run applies, with the RFC text that leaves the field open.</summary>
public sealed record Normalization(string Field, string Class, string AppliesTo, string Justification);

/// <summary>
/// Turns a captured frame into a <see cref="NormalizedOutput"/>. Only what the RFCs leave to the implementation is
/// compared by class; everything else, the quoted packet of an ICMP error included, is compared by value.
/// </summary>
public sealed class OutputNormalizer(IReadOnlySet<IPAddress> dutAddresses)
{
    public const string DutAddressClass = "<dut-address>";
    public const string AnyClass = "<any>";
    public const string ValidChecksumClass = "<valid>";

    /// <summary>The normalisations, for the report: each one names the RFC text that leaves the field open.</summary>
    public static IReadOnlyList<Normalization> Rules { get; } =
    [
        new("ethernet.* (outer)", "dropped", "every output",
            "Not part of the SRv6 behaviour: the link layer is each DUT's own (MAC addresses, padding); outputs are compared from the IP header up."),
        new("ipv6.src", DutAddressClass, "packets the DUT originates (ICMPv6 errors and replies, outer header of an encapsulation)",
            "RFC 4443 §2.2 (b): the source of an ICMPv6 error \"MUST be a unicast address belonging to the node. The address SHOULD be chosen " +
            "according to the rules that would be used to select the source address for any other packet ... However, it MAY be selected in an " +
            "alternative way\". RFC 8986 §4.13 S16 / §5.1 S02: the outer SA is the node's configured source (A, T). An address that is not the DUT's stays a difference."),
        new("ipv6.flow_label", AnyClass, "packets the DUT originates",
            "RFC 8986 §4.13 note on S18: \"The Flow Label is computed as per [RFC6437]\"; RFC 6437 §3 leaves the value to the source (a hash or a " +
            "pseudo-random number, \"uniformly distributed\"), so two implementations legitimately differ. A forwarded packet's flow label is compared by value."),
        new("ipv6.hop_limit", AnyClass, "packets the DUT originates",
            "RFC 8986 §4.13 note on S18: the outer Hop Limit is \"set as per [RFC2473]\" (the tunnel entry point's own Tunnel Hop Limit, a configured " +
            "value); RFC 4443 sets no hop limit for ICMPv6 messages (the originating node's default, RFC 8200 §3). A forwarded or decapsulated packet's hop limit is compared by value."),
        new("ipv4 src / identification / ttl / header checksum", $"{DutAddressClass} / {AnyClass} / {AnyClass} / {ValidChecksumClass}",
            "IPv4 packets the DUT originates (ICMP errors for a decapsulated IPv4 packet)",
            "RFC 791 §3.1: the Identification is \"an identifying value assigned by the sender\" (RFC 6864 §4.1: any value for an atomic datagram), " +
            "the TTL is the sender's choice; the source is one of the DUT's addresses (RFC 1812 §4.3.2.4); the header checksum follows from them and is checked valid. " +
            "(RFC 791, 6864 and 1812 are not in the shared RFC folder: quoted from memory, to review.)"),
        new("O-flag exports (collector port, a copy of a packet to a DUT SID): compared apart; ipv6.hop_limit", AnyClass,
            "copies the DUT exports to its O-flag collector (profile parameters.o_flag.collector_port)",
            "RFC 9259 §2.1.1 S01.1: \"a. Make a copy of the packet. b. Send the copied packet, along with a timestamp, to the OAM process for telemetry " +
            "data collection and export.\" The same section: \"This document does not specify the data elements that need to be exported and the associated " +
            "configurations.  Similarly, this document does not define any formats for exporting the data elements.\" The copy is compared by value " +
            "but for the hop limit, which the way it reaches the collector sets; the number of copies is compared."),
        new("inner.icmpv6.checksum", ValidChecksumClass, "ICMPv6 messages the DUT originates",
            "A consequence of the source address class: the checksum covers the pseudo-header (RFC 4443 §2.3). It is checked valid; an invalid one stays a difference."),
    ];

    public NormalizedOutput Normalize(string port, byte[] frame)
    {
        var d = PacketDecoder.Decode(frame);
        var fields = PacketDiff.Flatten(d).Where(f => !f.Path.StartsWith("ethernet.", StringComparison.Ordinal) && f.Path != "trailing_hex").ToList();
        bool originated = d.Ipv6 is { } ip && dutAddresses.Contains(ip.Src);
        if (d.Ipv6 is null && d.Inner is Ipv4Layer v4 && dutAddresses.Contains(v4.Src))
        {
            // An IPv4 packet the DUT originates (an ICMP error for a decapsulated IPv4 packet).
            for (int i = 0; i < fields.Count; i++)
            {
                var (path, value) = fields[i];
                fields[i] = path switch
                {
                    "inner.ipv4.src" => (path, DutAddressClass),
                    "inner.ipv4.identification" => (path, AnyClass),
                    "inner.ipv4.ttl" => (path, AnyClass),
                    "inner.ipv4.checksum" when v4.ChecksumValid => (path, ValidChecksumClass),
                    _ => (path, value),
                };
            }
        }
        if (originated)
        {
            bool icmpValid = fields.Any(f => f.Path == "inner.icmpv6.checksum_valid" && f.Value == "true");
            for (int i = 0; i < fields.Count; i++)
            {
                var (path, value) = fields[i];
                fields[i] = path switch
                {
                    "ipv6.src" => (path, DutAddressClass),
                    "ipv6.flow_label" => (path, AnyClass),
                    "ipv6.hop_limit" => (path, AnyClass),
                    "inner.icmpv6.checksum" when icmpValid => (path, ValidChecksumClass),
                    _ => (path, value),
                };
            }
        }
        return new NormalizedOutput(port, fields, port + " " + Shape(d), d.Notation);
    }

    /// <summary>"ipv6/srh(SL=1)/icmpv6 128", "ipv6/icmpv6 3/0 quoting ipv6/srh(SL=2)/icmpv6 128", "ipv4/icmp".</summary>
    public static string Shape(DecodedPacket d, int depth = 0)
    {
        var parts = new List<string>();
        if (d.Ipv6 is not null) parts.Add("ipv6");
        if (d.Srh is { } s) parts.Add(s.SegmentsLeft == 0 ? "srh(SL=0)" : "srh");
        string inner = d.Inner switch
        {
            Icmpv6Layer { IsError: true } e => $"icmpv6 {e.Type}/{e.Code}" + (e.Invoking is { } inv && depth < 2 ? $" quoting {Shape(inv, depth + 1)}" : ""),
            Icmpv6Layer e => $"icmpv6 {e.Type}",
            Ipv6Layer v6 when depth < 3 => Shape(v6.Packet, depth + 1),
            EthernetLayer el when depth < 3 => "ethernet>" + Shape(el.Packet, depth + 1),
            Ipv4Layer v4 => "ipv4/" + (v4.Upper?.Kind ?? (v4.Protocol == 1 ? "icmp" : v4.Protocol.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            var l => l.Kind,
        };
        parts.Add(inner);
        return string.Join('/', parts);
    }
}
