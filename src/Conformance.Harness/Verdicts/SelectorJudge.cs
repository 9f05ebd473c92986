using System.Globalization;
using System.Net;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Verdicts;

/// <summary>One flow a policy-selector case sends: its UDP source port (unique per flow: the flow's id), the packet fields
/// the headend classifies on, and the constituents allowed to carry it (empty: the parent policy must not carry it).</summary>
public sealed record SelectorFlow(int Id, IPAddress Source, IPAddress Destination, int Dscp, int DestinationPort, uint FlowLabel, int Packets,
    IReadOnlySet<string> Allowed, string Description);

/// <summary>One packet the tester saw leave the DUT encapsulated: the flow it carries (inner UDP source port), the SRH segment
/// list in policy order (first SID first) and the constituent whose segment list that is (null: none of the profile's).</summary>
public sealed record SelectorObservation(string Port, int FlowId, IReadOnlyList<IPAddress> Segments, string? Constituent);

/// <summary>What a selector exchange showed: per flow the constituents that carried it, and the problems found.</summary>
public sealed record SelectorJudgement(IReadOnlyDictionary<int, IReadOnlyList<string>> CarriedBy, IReadOnlyList<string> Problems)
{
    public bool Pass => Problems.Count == 0;
}

/// <summary>
/// Judges the policy selector (draft-yang-srv6ops-policy-selector-01) from the SRH segment lists seen on the tester's
/// captures: which constituent carried each flow. Pure: the live cases and the offline proofs use the same code.
/// </summary>
public static class SelectorJudge
{
    /// <summary>The encapsulated packets among <paramref name="frames"/> that carry a UDP flow inside an SRH (outer IPv6 + SRH + inner IPv6/UDP).</summary>
    public static IReadOnlyList<SelectorObservation> Observe(IEnumerable<(string Port, byte[] Frame)> frames, IReadOnlyList<SelectorConstituent> constituents)
    {
        var byList = constituents.ToDictionary(c => string.Join(",", c.Segments), c => c.Name, StringComparer.Ordinal);
        var list = new List<SelectorObservation>();
        foreach (var (port, frame) in frames)
        {
            var d = PacketDecoder.Decode(frame);
            if (d.Srh is not { } srh || d.Inner is not Ipv6Layer { Packet.Inner: UdpLayer udp }) continue;
            var policyOrder = Enumerable.Reverse(srh.Segments).ToList();
            byList.TryGetValue(string.Join(",", policyOrder), out var name);
            list.Add(new SelectorObservation(port, udp.SrcPort, policyOrder, name));
        }
        return list;
    }

    /// <summary>
    /// Every flow with allowed constituents arrives with all its packets, each on one of them and all on the same one (per
    /// flow); a flow with none is not carried by the parent policy at all; no packet carries a segment list that is no
    /// constituent's.
    /// </summary>
    public static SelectorJudgement Judge(IReadOnlyList<SelectorFlow> flows, IReadOnlyList<SelectorObservation> seen)
    {
        var problems = new List<string>();
        var carried = new Dictionary<int, IReadOnlyList<string>>();
        var ids = flows.Select(f => f.Id).ToHashSet();
        foreach (var f in flows)
        {
            var obs = seen.Where(o => o.FlowId == f.Id).ToList();
            carried[f.Id] = [.. obs.Select(o => o.Constituent ?? $"<{string.Join(",", o.Segments)}>")];
            if (f.Allowed.Count == 0)
            {
                if (obs.Count > 0) problems.Add($"flow {f.Id} ({f.Description}) must not be steered into the parent policy but left encapsulated in {string.Join(", ", carried[f.Id].Distinct())}");
                continue;
            }
            var unknown = obs.Where(o => o.Constituent is null).ToList();
            if (unknown.Count > 0) problems.Add($"flow {f.Id} ({f.Description}): {unknown.Count} packet(s) carried by a segment list that is no constituent's: <{string.Join(",", unknown[0].Segments)}>");
            if (obs.Count != f.Packets) problems.Add($"flow {f.Id} ({f.Description}): {obs.Count} of {f.Packets} packet(s) seen encapsulated");
            var names = obs.Where(o => o.Constituent is not null).Select(o => o.Constituent!).Distinct().ToList();
            if (names.Count > 1) problems.Add($"flow {f.Id} ({f.Description}) split over {string.Join(" and ", names)}: not one constituent per flow");
            var wrong = names.Where(n => !f.Allowed.Contains(n)).ToList();
            if (wrong.Count > 0) problems.Add($"flow {f.Id} ({f.Description}) carried by {string.Join(", ", wrong)}, expected {string.Join(" or ", f.Allowed.Order(StringComparer.Ordinal))}");
        }
        var strays = seen.Where(o => !ids.Contains(o.FlowId)).ToList();
        if (strays.Count > 0) problems.Add($"{strays.Count} encapsulated packet(s) of flows that were not sent (source ports {string.Join(", ", strays.Select(s => s.FlowId).Distinct().Take(5))})");
        return new SelectorJudgement(carried, problems);
    }

    /// <summary>One constituent's share of the flows: measured vs configured, with the acceptance band.</summary>
    public sealed record Share(string Constituent, int Weight, double Expected, int Flows, double Measured, double Low, double High)
    {
        public bool Within => Measured >= Low && Measured <= High;
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Constituent}: weight {Weight}, configured share {Expected:P1}, measured {Flows} flows = {Measured:P1} (accepted {Low:P1}..{High:P1}){(Within ? "" : "  OUTSIDE")}");
    }

    /// <summary>
    /// The split of <paramref name="flows"/> flows over constituents of equal priority against their weights: each share must lie
    /// within <paramref name="z"/> binomial standard deviations of weight/sum (a per-flow hash that spreads flows independently
    /// in proportion to the weights stays inside with probability ≥ 99.7 % per constituent for z = 3).
    /// </summary>
    public static IReadOnlyList<Share> Split(IReadOnlyDictionary<string, int> weights, IReadOnlyDictionary<int, IReadOnlyList<string>> carriedBy, double z = 3)
    {
        var n = carriedBy.Count;
        var total = weights.Values.Sum();
        var perFlow = carriedBy.Values.Select(v => v.Distinct().Count() == 1 ? v[0] : null).ToList();
        return [.. weights.Select(w =>
        {
            var p = (double)w.Value / total;
            var sd = Math.Sqrt(p * (1 - p) / Math.Max(n, 1));
            var count = perFlow.Count(x => x == w.Key);
            return new Share(w.Key, w.Value, p, count, n == 0 ? 0 : (double)count / n, p - z * sd, p + z * sd);
        })];
    }
}
