using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// RFC 8754 §2 Flags: unused bits are ignored on receipt, and §4.3.1 keeps the Flags immutable while the
/// SID is processed (so they are left as they are). The O-flag (RFC 9259 §2.1): whether or not the DUT
/// processes it, the data packet itself is forwarded as without it and keeps the flag — O-flag processing
/// works on a copy (RFC 9259 §2.1.1 S01.1).
/// </summary>
[TestFixture, Category("SRH"), Category("Flags")]
public sealed class SrhFlagsCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>Every flag bit but the O-flag (0x20, RFC 9259): none is defined by RFC 8754.</summary>
    internal const byte UnknownFlags = 0xff & ~SegmentRoutingHeader.OFlagMask;

    private async Task<Judgement> EndExchangeAsync(byte flags, ushort tag)
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2, h => { h.Flags = flags; h.Tag = tag; }).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1, h => { h.Flags = flags; h.Tag = tag; }).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment, flags 0x{flags:x2} kept", [])).ToList();
        return await ExchangeAsync("t1", stimuli, expected);
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-FLAGS-BV-01", Requires = new[] { "End" }, Feature = "Flags",
        Title = "End ignores unused flag bits on receipt and forwards them unchanged",
        Requirements = new[] { "RFC8754-2-FLAGS-UNUSED-IGNORED", "RFC8754-4.3.1-SID-IMMUTABLE-FIELDS", "RFC8754-2-TAG-IGNORED" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with SRH flags 0xdf (every bit but the O-flag) and tag 0x0bad",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, flags 0xdf and tag 0x0bad as sent; nothing else")]
    public async Task EndIgnoresUnusedFlagBits() =>
        Verdict(await EndExchangeAsync(UnknownFlags, 0x0bad), "End did not ignore the unused SRH flag bits (dropped, answered an error, or changed them).");

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-FLAGS-BV-02", Requires = new[] { "End" }, Feature = "Flags",
        Title = "End forwards a data packet carrying the O-flag exactly as without it, flag kept",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED", "RFC9259-2.1.1-OFLAG-OPTIONAL-IGNORED", "RFC8754-4.3.1-SID-IMMUTABLE-FIELDS" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 with the O-flag (0x20) set",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2, hop limit 63, O-flag still set, all else unchanged; nothing else — except, when the profile claims O-flag processing, the OAM copies on the profile's collector port, which this case does not judge (see the OAM cases)")]
    public async Task EndForwardsTheOFlagDataPacketUnchanged()
    {
        var j = await EndExchangeAsync(SegmentRoutingHeader.OFlagMask, 0);
        if (Profile.Claims("oam.o_flag_processing") && Profile.Parameters.OFlag?.CollectorPort is { } collector)
            j = j with { Unexpected = [.. j.Unexpected.Where(u => u.Frame.Port != collector)] };
        Verdict(j, "End did not forward the O-flag data packet as it forwards one without the flag, or cleared the flag.");
    }

    [Test]
    [NegativeControl("ForwardingDisabled", Why = "the DUT does not forward")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect transit-srh-dropped: the transit SRH packet with flags is discarded")]
    [TestPurpose(Id = "TP-TRANSIT-BV-03", Feature = "Transit",
        Title = "A transit node forwards an SRH with flags (O-flag and unused bits) and a tag untouched",
        Requirements = new[] { "RFC8754-4.2-TRANSIT-NO-INSPECT-FORWARD", "RFC8200-4-EXT-HEADERS-NOT-PROCESSED-EN-ROUTE" },
        Stimulus = "10 × (A,N2)(D,N2;SL=1) ICMPv6 echo request into t1 (N2 not a SID of the DUT), SRH flags 0xff (O-flag and every unused bit) on probes 0–4, 0xdf on probes 5–9, tag 0x5a5a",
        Expected = "10 × the same packet out of t2 with hop limit 63 and every other field, flags and tag included, unchanged; nothing else")]
    public async Task TransitNodeForwardsFlagsUntouched()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        static byte Flags(int i) => i < Probes / 2 ? (byte)0xff : UnknownFlags;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, n2, 64, TrafficClass, FlowLabel).Srh([d, n2], 1, h => { h.Flags = Flags(i); h.Tag = 0x5a5a; }).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2], 1, h => { h.Flags = Flags(i); h.Tag = 0x5a5a; }).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} forwarded as transit, flags 0x{Flags(i):x2} kept", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The transit node did not forward the SRH flags and tag unchanged.");
    }
}
