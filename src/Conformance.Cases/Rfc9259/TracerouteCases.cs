using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>
/// RFC 9259 §3.2 / §3.2.1 / §3.2.2: traceroute through and to a SID with UDP probes (destination ports from
/// the IANA "traceroute use" range 33434+). Texts from shared/seeds/draft-ietf-6man-spring-srv6-oam-10.txt.
/// </summary>
[TestFixture, Category("OAM"), Category("Traceroute")]
public sealed class TracerouteCases : ConformanceCase
{
    private const int Probes = 10;
    private const ushort SourcePort = 49152;
    private const ushort TracerouteBase = 33434;

    [Test]
    [TestPurpose(Id = "TP-TRACE-BV-01", Rfc = "RFC 9259", Section = "3.2.2", Level = RequirementLevel.Must, Feature = "Traceroute",
        Title = "A transit hop answers a hop-limited traceroute probe with Time Exceeded quoting the probe (SRH included) and forwards probes with more hops",
        Requirement = "When node N3, which is a classic IPv6 node, receives the packet with hop-count = 1, it processes the hop count expiry. Specifically, the node N3 responses with the ICMPv6 message (Type: \"Time Exceeded\", Code: \"Hop limit exceeded in Transit\"). The ICMPv6 response is IP routed. [...] When node N3, which is a classic IPv6 node, receives the packet with hop-count > 1, it performs the standard IPv6 processing. Specifically, it forwards the traceroute probe based on DA 2001:db8:B:4:: in the IPv6 header.",
        Stimulus = "10 × (A,N2)(D,N2;SL=1) UDP A:49152+i → 33434+i with hop limit 1, interleaved with 10 such probes with hop limit 2, into t1 (N2 = a SID of the downstream node behind t2: the DUT is a transit hop, the DA is not a local SID)",
        Expected = "for each hop-limit-1 probe one ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address (§3.2.1: e.g. the address of the interface the probe came in on), quoting the probe as received (SRH included, §3.2.1); each hop-limit-2 probe forwarded unchanged but for hop limit 1 out of t2; nothing else")]
    public async Task TransitHopAnswersTimeExceeded()
    {
        Require("oam.traceroute_to_sid");
        Require("icmp_errors.time_exceeded");
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        for (int i = 0; i < 2 * Probes; i++)
        {
            byte hops = (byte)(i % 2 == 0 ? 1 : 2);
            var probe = Into("t1").Ipv6(a, n2, hops).Srh([d, n2], 1).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build();
            stimuli.Add(probe);
            expected.Add(hops == 1
                ? Icmp.Error(OutOf("t1"), "t1", probe, PortSpec("t1").DutIpv6, 3, 0, 0, $"Time Exceeded for probe {i} (hop limit 1)")
                : new ExpectedPacket("t2", OutOf("t2").Ipv6(a, n2, 1).Srh([d, n2], 1).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build(),
                    $"probe {i} (hop limit 2) forwarded", []));
        }
        var j = await ExchangeAsync("t1", stimuli, expected);
        // Only the errors (back out of t1) come from the DUT; the forwarded probes keep A as their source.
        EndCases.CheckErrorSources(j with { Matched = j.Matched.Where(m => m.Expected.Port == "t1").ToList() });
        Verdict(j, "A transit hop did not answer hop-limit-1 traceroute probes with Time Exceeded (code 0) quoting the probe, or did not forward the others.");
    }

    [Test]
    [TestPurpose(Id = "TP-TRACE-BV-02", Rfc = "RFC 9259", Section = "3.2.2", Level = RequirementLevel.Must, Feature = "Traceroute",
        Title = "A traceroute probe to a locally instantiated SID (last segment, SL=0) is answered with Destination Unreachable, Port Unreachable",
        Requirement = "When node N4 receives the packet with DA set to the local SID 2001:db8:B:4::, it processes the END SID. [...] If the target SID (2001:db8:B:4::) is locally instantiated, the node processes the upper layer header. As part of the upper layer header processing node N4 responses with the ICMPv6 message (Type: Destination unreachable, Code: Port Unreachable). The ICMPv6 response is IP routed.",
        Stimulus = "10 × (A,S)(S,N2;SL=0) UDP A:49152+i → 33434+i into t1, hop limit alternately 1 (the last probe of a traceroute arrives with one hop left) and 64 (S = the End SID, the target; N2 = the via SID already executed upstream)",
        Expected = "10 × ICMPv6 Destination Unreachable code 4 (Port Unreachable) to A out of t1 from a DUT address, quoting the probe as received; no Time Exceeded (the target does not forward: RFC 8986 §4.1.1 processes the upper layer at SL=0 before any hop-limit check); nothing else")]
    public async Task TargetSidAnswersPortUnreachable()
    {
        // RFC 8986 §4.1.1 S01-S04: at SL=0 an allowed upper-layer header is processed, otherwise Parameter
        // Problem code 4. A DUT claiming oam.traceroute_to_sid allows UDP at its SIDs, so RFC 9259 §3.2.2's
        // Port Unreachable is the expectation (TP-ULH-BI-01 covers the other branch). The Linux seg6local End
        // drops SL=0 packets (DEV-LINUX-001): listed as DEV-LINUX-051; EndAsLocalAddress answers.
        Require("End");
        Require("oam.traceroute_to_sid");
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, (byte)(i % 2 == 0 ? 1 : 64)).Srh([s, n2], 0).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, s, 1, 4, 0, $"Port Unreachable for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "A traceroute probe to a locally instantiated SID was not answered with Destination Unreachable / Port Unreachable quoting the probe.");
    }
}
