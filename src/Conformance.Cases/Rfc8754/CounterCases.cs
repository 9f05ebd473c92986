using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8754;

/// <summary>
/// RFC 8986 §6: per-SID traffic counters, read through the DUT driver around one exchange.
/// </summary>
[TestFixture, Category("Counters")]
public sealed class CounterCases : ConformanceCase
{
    private const int Probes = 10;

    [Test]
    [NegativeControl("EndWithoutCounters", Why = "the End SID forwards but keeps no counter")]
    [TestPurpose(Id = "TP-COUNTERS-BV-01", Requires = new[] { "End", "per_sid_counters" }, Feature = "Counters",
        Title = "The End SID's packet counter rises by exactly the packets it processed; no other SID's counter moves",
        Requirements = new[] { "RFC8986-6-SID-COUNTERS" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request into t1 (S = the End SID); the DUT's per-SID counters read before and after",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2 (hop limit 63); the End SID's packet counter +10, every other SID of the profile +0 (or no counter)")]
    public async Task EndSidCounterCountsExactlyItsPackets()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63).Srh([d, n2, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment", [])).ToList();
        var (j, deltas) = await ExchangeWithCountersAsync("t1", stimuli, expected);
        Verdict(j, "End did not forward the probes, so its counter cannot be judged against them.");
        var problems = new List<string>();
        string key = s.ToString();
        if (!deltas.TryGetValue(key, out var own))
            problems.Add($"the End SID {key} has no packet counter on the DUT");
        else if (own != Probes)
            problems.Add($"the End SID {key} counted {own} packet(s), it processed {Probes}");
        foreach (var (name, sid) in Profile.Parameters.Sids.Where(x => x.Key != "end"))
            if (deltas.TryGetValue(sid.Address.ToString(), out var other) && other != 0)
                problems.Add($"SID {name} ({sid.Address}) counted {other} packet(s) it never saw");
        Evidence.AttachText("Per-SID counter deltas (packets)", string.Join('\n', deltas.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}: +{x.Value}")));
        if (problems.Count > 0) Fail("Per-SID counters do not match the traffic: " + string.Join("; ", problems) + ".");
    }
    [Test]
    [NegativeControl("EndWithoutCounters", Why = "the End SID keeps no counter at all")]
    [TestPurpose(Id = "TP-COUNTERS-BV-02", Requires = new[] { "End", "per_sid_counters" }, Feature = "Counters",
        Title = "Packets the End SID discards as malformed are not counted in its packet counter",
        Requirements = new[] { "RFC8986-6-SID-COUNTERS" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=4) ICMPv6 echo request into t1 (Segments Left > Last Entry + 1: RFC 8986 §4.1 S09–S10 discard it); the DUT's per-SID counters read before and after",
        Expected = "nothing forwarded on any port (the Parameter Problem RFC 8986 S10 asks for is judged by TP-SRH-BI-01, not here, and is accepted on t1); the End SID's packet counter +0, every other SID's +0")]
    public async Task DiscardedPacketsAreNotCounted()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([d, n2, s], 4).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var (j, deltas) = await ExchangeWithCountersAsync("t1", stimuli, []);
        // Only the counters are judged here: Parameter Problems back to the source are TP-SRH-BI-01's business.
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Conformance.Harness.Packets.Icmpv6Layer { Type: 4 }))] };
        Verdict(j, "The End SID forwarded (or answered otherwise than with Parameter Problem) a packet it must discard.");
        var problems = new List<string>();
        string key = s.ToString();
        if (!deltas.TryGetValue(key, out var own))
            problems.Add($"the End SID {key} has no packet counter on the DUT");
        else if (own != 0)
            problems.Add($"the End SID {key} counted {own} discarded packet(s) as processed");
        foreach (var (name, sid) in Profile.Parameters.Sids.Where(x => x.Key != "end"))
            if (deltas.TryGetValue(sid.Address.ToString(), out var other) && other != 0)
                problems.Add($"SID {name} ({sid.Address}) counted {other} packet(s) it never saw");
        Evidence.AttachText("Per-SID counter deltas (packets)", string.Join('\n', deltas.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}: +{x.Value}")));
        if (problems.Count > 0) Fail("Per-SID counters do not match the traffic: " + string.Join("; ", problems) + ".");
    }
}
