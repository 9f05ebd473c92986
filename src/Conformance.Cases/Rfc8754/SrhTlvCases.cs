using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// RFC 8754 §2.1: SRH TLVs at the segment endpoint and at a transit node. Padding TLVs (Pad1, PadN)
/// are ignored (§2.1.1), and an implementation parsing TLVs must support them; TLVs of an unrecognised
/// type are ignored on receipt (§2.1). A node that ignores a TLV leaves it as it is: the TLV area must
/// come out octet for octet as it went in (§4.3.1: only TLVs that change en route are mutable, and only
/// for a node configured to process them). The highest-order bit of the type tells whether the TLV data
/// can change en route; it gives a node that does not recognise the type no licence to change or drop it.
/// </summary>
[TestFixture, Category("SRH"), Category("TLV")]
public sealed class SrhTlvCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>
    /// TLV types no RFC defines in the IANA "Segment Routing Header TLVs" registry as the suite knows it
    /// (0 Pad1, 4 PadN, 5 HMAC are the RFC 8754 ones): one with the high-order ("may change en
    /// route") bit clear, one with it set.
    /// </summary>
    internal const byte UnknownImmutableType = 0x7b, UnknownMutableType = 0xfb;

    /// <summary>Pad1 then PadN with five octets: 8 octets of padding only.</summary>
    internal static List<SrhTlv> Padding() => [new Pad1Tlv(), new PadNTlv(5)];

    /// <summary>Two unrecognised TLVs (immutable and mutable type), then an empty PadN: 16 octets, on the 8-octet boundary.</summary>
    internal static List<SrhTlv> Unknown(int i) =>
    [
        new RawTlv(UnknownImmutableType, [0xde, 0xad, 0xbe, 0xef, (byte)i, 0x01]),
        new RawTlv(UnknownMutableType, [0xca, 0xfe, (byte)i, 0x02]),
        new PadNTlv(0),
    ];

    /// <summary>A 7-octet unrecognised TLV, then one Pad1 octet: 8 octets.</summary>
    internal static List<SrhTlv> TrailingPad1(int i) => [new RawTlv(UnknownImmutableType, [0x0e, 0x1d, (byte)i, 0x03, 0x04]), new Pad1Tlv()];

    private async Task EndPassesTlvsAsync(Func<int, List<SrhTlv>> tlvs, string failure)
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2, h => h.Tlvs = tlvs(i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1, h => h.Tlvs = tlvs(i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment with its TLVs unchanged", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), failure);
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-TLV-BV-01", Requires = new[] { "End" }, Feature = "TLV",
        Title = "End accepts Pad1 and PadN TLVs and forwards them unchanged",
        Requirements = new[] { "RFC8754-2.1-PAD-SUPPORT", "RFC8754-2.1.1-PADDING-IGNORED", "RFC8754-4.3.1-SID-IMMUTABLE-FIELDS" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with the TLVs Pad1, PadN(5 octets of zero) after the segment list (Hdr Ext Len 7)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, Hdr Ext Len 7 and the Pad1/PadN octets exactly as sent; nothing else")]
    public Task EndAcceptsAndForwardsPaddingTlvs() =>
        EndPassesTlvsAsync(_ => Padding(), "End did not process an SRH carrying Pad1/PadN like one without, or changed the padding.");

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-TLV-BV-02", Requires = new[] { "End" }, Feature = "TLV",
        Title = "End ignores TLVs of unrecognised types and forwards them unchanged",
        Requirements = new[] { "RFC8754-2.1-TLV-UNRECOGNIZED-IGNORED", "RFC8754-2.1-TLV-LENGTH-SKIP", "RFC8754-2.1-TLVS-IGNORED-UNLESS-CONFIGURED", "RFC8754-4.3.1-SID-IMMUTABLE-FIELDS" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with TLVs of type 0x7b (high-order bit 0) and 0xfb (high-order bit 1, 'may change en route'), then PadN(0)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, the TLV area octet for octet as sent; nothing else")]
    public Task EndIgnoresUnknownTlvs() =>
        EndPassesTlvsAsync(Unknown, "End did not ignore TLVs of unrecognised types (dropped the packet, answered an error, or changed the TLVs).");

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the End SID is not programmed (plain seg6local drops it: DEV-LINUX-042)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-TLV-BV-03", Requires = new[] { "End" }, Feature = "TLV",
        Title = "End accepts a TLV area ending in a single Pad1 (one octet of padding) and forwards it unchanged",
        Requirements = new[] { "RFC8754-2.1-PAD-SUPPORT", "RFC8754-2.1.1.1-PAD1-SINGLE-BYTE", "RFC8754-2.1.1-PADDING-IGNORED", "RFC8754-2.1-TLV-UNRECOGNIZED-IGNORED" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with TLVs: type 0x7b with 5 octets of value (7 octets), then one Pad1 (1 octet) to the 8-octet boundary",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, the TLV area octet for octet as sent; nothing else")]
    public Task EndAcceptsATrailingPad1() =>
        EndPassesTlvsAsync(TrailingPad1,
            "End did not accept an SRH whose TLV area ends with a single Pad1 octet, or changed it.");

    [Test]
    [NegativeControl("ForwardingDisabled", Why = "the DUT does not forward")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect transit-srh-dropped: the transit SRH packet with TLVs is discarded")]
    [TestPurpose(Id = "TP-TRANSIT-BV-02", Feature = "Transit",
        Title = "A transit node forwards an SRH with padding and unrecognised TLVs untouched",
        Requirements = new[] { "RFC8754-4.2-TRANSIT-NO-INSPECT-FORWARD", "RFC8200-4-EXT-HEADERS-NOT-PROCESSED-EN-ROUTE" },
        Stimulus = "10 × (A,N2)(D,N2;SL=1) ICMPv6 echo request into t1 (N2 not a SID of the DUT, routed via t2), with TLVs 0x7b, 0xfb, PadN(0) (probes 0–3), Pad1, PadN(5) (probes 4–6), or a 7-octet 0x7b TLV and a single trailing Pad1 (probes 7–9)",
        Expected = "10 × the same packet out of t2 with hop limit 63 and every other field, the SRH and its TLVs included, unchanged; nothing else")]
    public async Task TransitNodeForwardsTlvsUntouched()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        List<SrhTlv> Tlvs(int i) => i switch { < 4 => Unknown(i), < 7 => Padding(), _ => TrailingPad1(i) };
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, n2, 64, TrafficClass, FlowLabel).Srh([d, n2], 1, h => h.Tlvs = Tlvs(i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2], 1, h => h.Tlvs = Tlvs(i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} forwarded as transit, TLVs untouched", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The transit node did not forward the SRH with its TLVs unchanged but for the hop limit.");
    }
}
