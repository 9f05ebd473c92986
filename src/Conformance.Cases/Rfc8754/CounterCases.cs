using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Profiles;
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
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "defect sid-counter-counts-arrivals: the End SID counts its packets twice")]
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
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "defect sid-counter-counts-arrivals: the End SID counts the packets it discards")]
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

    [Test]
    [NegativeControl("EndXWithoutCounters", Why = "the End.X SID forwards but keeps no counter (End's counter still counts)")]
    [NegativeControl("EndWithoutCounters", Why = "the End SID forwards but keeps no counter")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "defect sid-counter-counts-arrivals: every SID counts its packets twice")]
    [TestPurpose(Id = "TP-COUNTERS-BV-03", Requires = new[] { "per_sid_counters" }, Feature = "Counters",
        Title = "Every SID of the profile has a packet counter, and it rises by exactly the packets that SID processed",
        Requirements = new[] { "RFC8986-6-SID-COUNTERS" },
        Stimulus = "10 packets into t1 for every SID S of parameters.sids whose behaviour the profile claims, each one the SID processes without error: (A,S)(D,N2,S;SL=2) ICMPv6 echo request for End (any flavor), End.X, End.T, End.B6.Encaps(.Red), with a REPLACE-C-SID structure (A,S)(D,P,S;SL=2), P the packed container of N2's C-SID (RFC 9800 §4.2.1 R13–R21); (A,S)(S;SL=0) carrying (A,D3) for End.DX6/End.DT6/End.DT46, (A4,D4X) for End.DX4/End.DT4, an Ethernet frame (A,D) for End.DX2; a distinct payload per probe; the DUT's per-SID counters read before and after",
        Expected = "every such SID's packet counter +10, no other counter moving (where each probe leaves is judged by the behaviour's own purpose; here the receptions are evidence)")]
    public async Task EverySidCounterCountsExactlyItsPackets()
    {
        var sids = Profile.Parameters.Sids.Values.Where(x => Profile.Claims(x.Behavior.Name())).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        var probes = new List<(SidDefinition Sid, int Index, byte[] Stimulus)>();
        var noStimulus = new List<string>();
        foreach (var sid in sids)
        {
            var first = probes.Count;
            for (int k = 0; k < Probes; k++)
            {
                var st = PacketProcessedBy(sid, first + k);
                if (st is null) { noStimulus.Add($"{sid.Name} ({sid.Behavior.Name()})"); break; }
                probes.Add((sid, first + k, st));
            }
        }
        if (noStimulus.Count > 0)
            Evidence.AttachText("SIDs without a stimulus (not judged)", string.Join('\n', noStimulus));
        var judged = probes.Select(p => p.Sid).Distinct().ToList();
        if (judged.Count == 0) Assert.Ignore($"N/A: the profile {Profile.Name} has no SID of a claimed behaviour the purpose can send to.");
        var (j, deltas) = await ExchangeWithCountersAsync("t1", [.. probes.Select(p => p.Stimulus)], [], TimeSpan.FromSeconds(1));
        var received = j.Unexpected.Select(u => (u.Frame.Port, u.Frame.Data)).ToList();
        string Out(SidDefinition sid)
        {
            var ports = probes.Where(p => p.Sid == sid).Select(p => received.Where(r => r.Data.AsSpan().IndexOf(ProbeData(p.Index)) >= 0).Select(r => r.Port).FirstOrDefault())
                .GroupBy(port => port ?? "nowhere").Select(g => $"{g.Count()} {(g.Key == "nowhere" ? "not seen" : "out of " + g.Key)}");
            return string.Join(", ", ports);
        }
        var problems = new List<string>();
        foreach (var sid in judged)
        {
            string key = sid.Address.ToString();
            if (!deltas.TryGetValue(key, out var own))
                problems.Add($"SID {sid.Name} ({sid.Behavior.Name()}, {key}) has no packet counter on the DUT (its probes: {Out(sid)})");
            else if (own != Probes)
                problems.Add($"SID {sid.Name} ({sid.Behavior.Name()}, {key}) counted {own} packet(s), it was sent {Probes} it must process (its probes: {Out(sid)})");
        }
        foreach (var (name, sid) in Profile.Parameters.Sids.Where(x => !judged.Any(s => s.Name == x.Key)))
            if (deltas.TryGetValue(sid.Address.ToString(), out var other) && other != 0)
                problems.Add($"SID {name} ({sid.Address}) counted {other} packet(s) it never saw");
        Evidence.AttachText("Per-SID counter deltas (packets) and where each SID's probes left", string.Join('\n', judged.Select(s =>
            $"{s.Name} {s.Address}: {(deltas.TryGetValue(s.Address.ToString(), out var v) ? "+" + v : "no counter")}; probes {Out(s)}")));
        if (problems.Count > 0) Fail("Per-SID counters do not match the traffic: " + string.Join("; ", problems) + ".");
    }
}
