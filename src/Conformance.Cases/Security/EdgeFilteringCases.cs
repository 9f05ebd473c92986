using System.Net;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Security;

/// <summary>
/// RFC 8754 §5.1 and §7: nodes outside the SR domain cannot use the domain's SIDs — the intra-SR-domain
/// deployment model, stated without a BCP 14 keyword, judged where the profile claims sr_domain_filtering.
/// RFC 9602 (Informational) allocates 5f00::/16 for SIDs and only says the prefix makes filtering at the edge
/// simpler: TP-EDGE-BI-02 checks that hardening, not a requirement. Stimuli come in on the profile's external
/// tester port (role: external), with the tester's own address there as the outside source X; nothing may come
/// out of any tester port but a filter's Destination Unreachable (code 1, 5 or 6: RFC 4443 §3.1 says one SHOULD be
/// generated; TP-EDGE-BI-03 also the Parameter Problem of RFC 8754 §4.3.2). A purpose about a prefix probes across it
/// (first, last, random addresses, and just outside as a control that must not be filtered). The same stimulus on an
/// internal port is processed (the filter is on the edge only).
/// </summary>
[TestFixture, Category("Security"), Category("SrDomain")]
public sealed class EdgeFilteringCases : SecurityCase
{
    /// <summary>Offset of the Routing Type octet (IPv6 header, then the routing header's third octet).</summary>
    private const uint PointerToRoutingType = 40 + 2;

    private static string ExternalPort =>
        Profile.Testbed.TesterPorts.FirstOrDefault(p => p.Role == Harness.Profiles.PortRole.External)?.Name
        ?? throw new Harness.TestbedException($"{Profile.SourcePath}: the case needs a tester port with role: external (the SR domain's outside).");

    private static IPAddress OutsideSource => PortSpec(ExternalPort).TesterIpv6.Address;

    /// <summary>Seed of the random probe addresses (recorded in each case's evidence).</summary>
    private const int Seed = 20261202;

    /// <summary>
    /// Two echo requests to every inside address of <paramref name="probes"/> (all must be dropped) and two to each
    /// address just outside (each must come out in some form): the probe is (X,addr)(D,N2,addr;SL=2).
    /// </summary>
    private static async Task ExpectPrefixFilteredAsync(IReadOnlyList<Harness.Tester.PrefixProbe> probes, string port, IPAddress x, string requirementShort)
    {
        IPAddress d = Address("D"), n2 = Address("N2");
        byte[] Stim(IPAddress to, int i) => Into(port).Ipv6(x, to).Srh([d, n2, to], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build();
        var inside = probes.Where(p => p.Inside).SelectMany((p, k) => new[] { Stim(p.Address, 2 * k), Stim(p.Address, 2 * k + 1) }).ToList();
        await ExpectDroppedAsync(port, inside, requirementShort, FilterNotice(port, x));
        var controls = probes.Where(p => !p.Inside).SelectMany((p, k) => new[] { 100 + 2 * k, 101 + 2 * k }.Select(i => (Stim(p.Address, i), ProbeData(i), p.Address))).ToList();
        await ExpectEachReachedAsync(port, controls, requirementShort);
    }

    [Test]
    [NegativeControl("EdgeFilterWithoutSidBlockRule", Why = "the edge rule for the SID block is missing: End forwards the packet from outside")]
    [NegativeControl("EdgeFilterSidBlockNarrowed", Why = "the SID-block rule covers the first half of the block only (one bit longer): the End SID is still filtered, the block's last address is not")]
    [NegativeControl("EdgeFilterSidBlockTooBroad", Why = "the SID-block rule covers twice the block (one bit shorter): the address just below the block is dropped too")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect edge-filter-ignored: the packet to the SID block from outside is processed")]
    [TestPurpose(Id = "TP-EDGE-BI-01", Requires = new[] { "sr_domain_filtering", "End" }, Feature = "SR domain",
        Title = "A packet from outside the SR domain to a SID of the domain is dropped at the edge",
        Requirements = new[] { "RFC8754-5.1-EDGE-IACL", "RFC8754-7-SR-DOMAIN-FILTERING", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "2 × (X,P)(D,N2,P;SL=2) ICMPv6 echo request into the external port t3 for every P of: the first and the last address of parameters.sid_block, 3 random ones across it (seed 20261202, listed in the evidence) and the End SID S; then 2 × the same to the addresses just below and just above the block (X = the tester's address on t3)",
        Expected = "inside the block: nothing out of any tester port (not forwarded, no ICMPv6 error) but an ICMPv6 Destination Unreachable code 1, 5 or 6 to X (RFC 4443 §3.1, a filter's notice); just outside: each probe comes out in some form (forwarded or quoted by an ICMPv6 error), i.e. the filter covers the block, not less and not more")]
    public async Task PacketToASidFromOutsideIsDropped()
    {
        var port = ExternalPort;
        var probes = ProbesAcross(Profile.Parameters.SidBlock, Seed, Sid("end"));
        await ExpectPrefixFilteredAsync(probes, port, OutsideSource, $"Packets from outside to the SID block {Profile.Parameters.SidBlock} were not dropped at the edge, or the filter reached beyond it.");
    }

    [Test]
    [NegativeControl("EdgeFilterWithoutRfc9602Rule", Why = "the edge rule for 5f00::/16 is missing: the DUT answers Destination Unreachable")]
    [NegativeControl("EdgeFilter5f00Narrowed", Why = "the rule covers 5f00::/32 instead of 5f00::/16: 5f00:0:1:e:: is still filtered, the rest of the /16 is not")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect edge-filter-ignored: the packet to 5f00::/16 from outside is not dropped")]
    [TestPurpose(Id = "TP-EDGE-BI-02", Requires = new[] { "sr_domain_filtering" }, Feature = "SR domain",
        Title = "A packet from outside the SR domain to the RFC 9602 SRv6 SID space 5f00::/16 is dropped at the edge (RFC 9602: informative hardening)",
        Requirements = new[] { "RFC9602-5-SID-PREFIX-EDGE-FILTERING", "RFC9602-7-EDGE-FILTERING", "RFC9602-6-5F00-ALLOCATION", "RFC8754-5.1-EDGE-IACL", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "2 × (X,P)(D,N2,P;SL=2) ICMPv6 echo request into the external port t3 for every P of: 5f00::, 5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 3 random addresses across 5f00::/16 (seed 20261202, listed in the evidence) and 5f00:0:1:e::; then 2 × the same to 5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff and 5f01:: just outside",
        Expected = "inside 5f00::/16: nothing out of any tester port (no forwarding, no ICMPv6 error) but an ICMPv6 Destination Unreachable code 1, 5 or 6 to X (RFC 4443 §3.1, a filter's notice); just outside: each probe comes out in some form (forwarded or quoted by an ICMPv6 error)")]
    public async Task PacketToTheSrv6SidSpaceFromOutsideIsDropped()
    {
        var probes = ProbesAcross(IPNetwork.Parse("5f00::/16"), Seed, IPAddress.Parse("5f00:0:1:e::"));
        await ExpectPrefixFilteredAsync(probes, ExternalPort, OutsideSource, "Packets from outside to 5f00::/16 (the RFC 9602 SRv6 SID prefix) were not dropped at the edge, or the filter reached beyond it.");
    }

    [Test]
    [NegativeControl("EdgeFilterWithoutSrhToLocalRule", Why = "the edge rule for SRH to local addresses is missing: the kernel processes the SRH and forwards to D")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defects edge-filter-ignored and srh-to-local-address-processed-as-end: the SRH to an interface address from outside is processed")]
    [TestPurpose(Id = "TP-EDGE-BI-03", Requires = new[] { "sr_domain_filtering" }, Feature = "SR domain",
        Title = "An SRH packet from outside to an interface address of the node is not processed (dropped at the edge, or discarded as RFC 8754 §4.3.2 says)",
        Requirements = new[] { "RFC8754-5.1-EDGE-IACL", "RFC8754-3.3-SEGMENT-ENDPOINT", "RFC8754-4.3.2-LOCAL-SL-NONZERO-PARAM-PROBLEM", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "10 × (X,I3)(D,I3;SL=1) ICMPv6 echo request into the external port t3 (I3 = the DUT's own address on t3, outside the SID block)",
        Expected = "the SRH is not processed: nothing forwarded to D on t2, nothing out of t1; out of t3 nothing but the ICMPv6 Parameter Problem code 0, pointer 42 (Routing Type), to X from a DUT address that RFC 8754 §4.3.2 asks of a node for which I3 is not a SID, or a filter's Destination Unreachable code 1, 5 or 6 (RFC 4443 §3.1); the DUT's edge drop counter rises where exposed")]
    public async Task SrhToAnInterfaceAddressFromOutsideIsDropped()
    {
        var port = ExternalPort;
        IPAddress x = OutsideSource, d = Address("D"), i3 = PortSpec(port).DutIpv6;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into(port).Ipv6(x, i3).Srh([d, i3], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        // Dropped at the edge (RFC 8754 §5.1) or, where I3 is a local interface and not a SID, discarded with the
        // Parameter Problem of §4.3.2: either way the outside cannot use the address as a segment.
        await ExpectDroppedAsync(port, stimuli, "An SRH packet from outside addressed to the node's interface address was not dropped.",
            Either(FilterNotice(port, x), (p, on) => on == port && p.Inner is Icmpv6Layer { Type: 4, Code: 0, Pointer: PointerToRoutingType }
                && p.Ipv6 is { } ip && ip.Dst.Equals(x) && DutAddresses.Contains(ip.Src)));
    }

    [Test]
    [NegativeControl("EdgeFilterOnInternalPorts", Why = "the SID-block rule is also on the internal interfaces")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the SID-block edge rule is also on the internal interfaces: the packet from inside is dropped")]
    [TestPurpose(Id = "TP-EDGE-BV-01", Requires = new[] { "sr_domain_filtering", "End" }, Feature = "SR domain",
        Title = "The edge filter applies to external interfaces only: the same SID packet from inside is processed",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8754-5.1-EDGE-IACL" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into the internal port t1 (the stimulus of TP-EDGE-BI-01 from an inside source)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2 with hop limit 63, every other field unchanged; nothing else on any port")]
    public async Task TheSamePacketFromInsideIsProcessed()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63).Srh([d, n2, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment", [])).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        await AttachFilterCountersAsync();
        Verdict(j, "A packet to a SID from an internal interface was not processed (the edge filter must be on external interfaces only).");
    }

    [Test]
    [NegativeControl("EdgeFilterWithoutSourceCheck", Why = "the per-node source check is missing: End forwards the packet")]
    [NegativeControl("EdgeFilterWithoutSourceCheckOnT2", Why = "the per-node source check is missing on t2's interface only: End forwards the packets from outside sources that come in on t2")]
    [NegativeControl("EdgeFilterSourceCheckNarrowed", Why = "the source check's inside prefixes are one bit too long: sources in the upper half of parameters.inside_sources are dropped")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect edge-filter-ignored: the packet from an outside source is processed")]
    [TestPurpose(Id = "TP-SRCADDR-BI-01", Requires = new[] { "sr_domain_filtering", "End" }, Feature = "SR domain",
        Title = "A packet to a local SID from a source outside the SR domain is dropped on every internal interface; from any source inside it is processed",
        Requirements = new[] { "RFC8754-5.1-NODE-SOURCE-IACL", "RFC8754-7-SR-DOMAIN-FILTERING", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "into every internal tester port P (role internal; the reference lab: t1 and t2), ICMPv6 echo requests to the End SID S: (Y,S)(D,N2,S;SL=2) into t1, (Y,S)(A,S;SL=1) into t2 (so that they leave by the other side): 2 from each source Y outside parameters.inside_sources (the addresses just below and above each inside prefix where they are documentation addresses, and one far outside), and 1 from each source inside (the first and the last address of each inside prefix and 3 seeded random ones, listed in the evidence)",
        Expected = "from outside: nothing out of any tester port (not forwarded) but an ICMPv6 Destination Unreachable code 1, 5 or 6 to Y out of P (RFC 4443 §3.1, a filter's notice); from inside: (Y,N2)(D,N2,S;SL=1) out of t2 for t1's, (Y,A)(A,S;SL=0) out of t1 for t2's, hop limit 63, every other field unchanged")]
    public async Task PacketToASidFromAnOutsideSourceIsDroppedInside()
    {
        var insideSources = Profile.Parameters.InsideSources;
        if (insideSources.Count == 0)
            Assert.Ignore($"N/A: the profile {Profile.Name} declares no parameters.inside_sources (the SR domain's source prefixes).");
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var documentation = IPNetwork.Parse("2001:db8::/32");
        var probes = insideSources.SelectMany(p => ProbesAcross(p, Seed)).ToList();
        var outside = probes.Where(p => !p.Inside && documentation.Contains(p.Address) && !insideSources.Any(n => n.Contains(p.Address))).Select(p => p.Address)
            .Append(OutsideOf(insideSources)).Distinct().ToList();
        var inside = probes.Where(p => p.Inside).Select(p => p.Address).Distinct().ToList();
        var ports = Profile.Testbed.TesterPorts.Where(p => p.Role == Harness.Profiles.PortRole.Internal).Select(p => p.Name).ToList();
        foreach (var (port, k0) in ports.Select((p, k) => (p, 1000 * k)))
        {
            // Into t2 the probe's next segment is A (behind t1), into any other port N2 (behind t2): never back out of the ingress port.
            var (segments, left, exit, nextDa) = port == "t2" ? (new[] { a, s }, (byte)1, "t1", a) : (new[] { d, n2, s }, (byte)2, "t2", n2);
            byte[] Stim(IPAddress y, int i) => Into(port).Ipv6(y, s).Srh(segments, left).IcmpEchoRequest(EchoId, (ushort)(k0 + i), ProbeData(k0 + i)).Build();
            var dropped = outside.SelectMany((y, k) => new[] { Stim(y, 2 * k), Stim(y, 2 * k + 1) }).ToList();
            await ExpectDroppedAsync(port, dropped, $"Into the internal port {port}: a packet to a SID from outside the SR domain's sources ({string.Join(", ", outside)}) was not dropped.",
                (p, on) => outside.Any(y => FilterNotice(port, y)(p, on)));
            var processed = inside.Select((y, k) => Stim(y, 100 + k)).ToList();
            var expected = inside.Select((y, k) => new ExpectedPacket(exit,
                OutOf(exit).Ipv6(y, nextDa, 63).Srh(segments, (byte)(left - 1)).IcmpEchoRequest(EchoId, (ushort)(k0 + 100 + k), ProbeData(k0 + 100 + k)).Build(),
                $"into {port} from inside source {y}: at the next segment", [])).ToList();
            Verdict(await ExchangeAsync(port, processed, expected), $"Into the internal port {port}: a packet to a SID from a source inside the SR domain was not processed: the source check reaches beyond the outside.");
        }
    }

    /// <summary>A documentation address (2001:db8::/32) in none of <paramref name="inside"/>.</summary>
    internal static IPAddress OutsideOf(IReadOnlyList<IPNetwork> inside)
    {
        for (var hi = 0xffff; hi >= 0; hi -= 0x101)
        {
            var candidate = IPAddress.Parse($"2001:db8:{hi:x}::5");
            if (!inside.Any(n => n.Contains(candidate))) return candidate;
        }
        throw new Harness.TestbedException("parameters.inside_sources cover all of 2001:db8::/32: no documentation address is left as an outside source.");
    }
}
