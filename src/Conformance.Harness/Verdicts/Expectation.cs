using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;

namespace Conformance.Harness.Verdicts;

/// <summary>
/// One packet the DUT must emit: on which tester port, its exact expected bytes (built from the
/// stimulus with the RFC's changes applied), and which fields the RFC leaves to the DUT (e.g. the
/// DUT's MAC addresses, the hop limit of a packet the DUT originates). Every other field must match.
/// </summary>
public sealed record ExpectedPacket(string Port, byte[] Frame, string Description, IReadOnlyList<string> IgnoredFields)
{
    public DecodedPacket Decoded { get; } = PacketDecoder.Decode(Frame);
    public string? Key => ProbeKey.Of(Decoded);
}

/// <summary>A received frame that answers an expected packet, with the fields that differ.</summary>
public sealed record MatchedPacket(ExpectedPacket Expected, Frame Received, DecodedPacket ReceivedDecoded, IReadOnlyList<FieldDifference> Differences)
{
    public bool Exact => Differences.Count == 0;
}

/// <summary>
/// The judgement of one exchange: every expected packet found exactly once on its port with no
/// field difference, and nothing else received on any port (no duplicates, leaks, extra errors).
/// </summary>
public sealed record Judgement(
    IReadOnlyList<MatchedPacket> Matched,
    IReadOnlyList<ExpectedPacket> Missing,
    IReadOnlyList<(Frame Frame, DecodedPacket Decoded, string Why)> Unexpected,
    IReadOnlyList<(Frame Frame, DecodedPacket Decoded)>? Stragglers = null)
{
    /// <summary>Late packets caused by an earlier exchange (another case's probes): kept as evidence, not judged here.</summary>
    public IReadOnlyList<(Frame Frame, DecodedPacket Decoded)> LateFromEarlierCases => Stragglers ?? [];

    public bool Pass => Missing.Count == 0 && Unexpected.Count == 0 && Matched.All(m => m.Exact);

    /// <summary>A readable account, field by field, for the failure message and the evidence.</summary>
    public string Explain(int maxLines = 60)
    {
        var lines = new List<string>();
        int exact = Matched.Count(m => m.Exact);
        lines.Add($"expected {Matched.Count + Missing.Count} packet(s): {exact} exact, {Matched.Count - exact} with differences, {Missing.Count} missing; {Unexpected.Count} unexpected" +
            (LateFromEarlierCases.Count > 0 ? $" ({LateFromEarlierCases.Count} late packet(s) of earlier cases not judged)" : ""));
        foreach (var m in Matched.Where(m => !m.Exact).Take(5))
        {
            lines.Add($"- {m.Expected.Description} on {m.Expected.Port}: received {m.ReceivedDecoded.Notation}");
            lines.AddRange(m.Differences.Take(12).Select(d => $"    {d}"));
        }
        foreach (var x in Missing.Take(5)) lines.Add($"- missing on {x.Port}: {x.Description} {x.Decoded.Notation}");
        foreach (var u in Unexpected.Take(5)) lines.Add($"- unexpected on {u.Frame.Port}: {u.Decoded.Notation} ({u.Why})");
        return string.Join('\n', lines.Take(maxLines));
    }
}

/// <summary>Matches what the tester ports received against the expected packets.</summary>
public static class Judge
{
    /// <param name="fromEarlierExchange">
    /// Recognises a reception caused by an earlier exchange (e.g. an ICMP error quoting another
    /// case's probe that the DUT sent seconds later); such packets are set aside as evidence instead
    /// of counting as unexpected here. Null: every reception is judged.
    /// </param>
    public static Judgement Exchange(TrafficResult result, IReadOnlyList<ExpectedPacket> expected, Func<DecodedPacket, bool>? fromEarlierExchange = null)
    {
        // Pending expectations indexed by probe key (each list in expected order), so that a load run of
        // tens of thousands of probes is judged in linear time; the outcome is the same as a scan of
        // the pending list in order.
        var pendingByKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var keys = new string?[expected.Count];
        for (int i = 0; i < expected.Count; i++)
        {
            keys[i] = expected[i].Key;
            if (keys[i] is { } k)
            {
                if (!pendingByKey.TryGetValue(k, out var l)) pendingByKey[k] = l = new List<int>();
                l.Add(i);
            }
        }
        bool anyKeyless = keys.Any(k => k is null); // never matched, so always pending
        var taken = new bool[expected.Count];
        var matchedKeys = new HashSet<string>(StringComparer.Ordinal);
        var matched = new List<MatchedPacket>();
        var unexpected = new List<(Frame, DecodedPacket, string)>();
        var late = new List<(Frame, DecodedPacket)>();
        foreach (var f in result.Received)
        {
            var d = PacketDecoder.Decode(f.Data);
            var key = ProbeKey.Of(d);
            var candidates = key is not null && pendingByKey.TryGetValue(key, out var c) ? c : null;
            bool nonePending = key is null ? !anyKeyless : candidates is null || candidates.Count == 0;
            if (fromEarlierExchange is not null && nonePending && fromEarlierExchange(d))
            {
                late.Add((f, d));
                continue;
            }
            int here = candidates?.FindIndex(i => expected[i].Port == f.Port) ?? -1;
            if (here < 0)
            {
                string why = candidates is { Count: > 0 } ? $"expected on {expected[candidates[0]].Port}, came out of {f.Port}"
                    : key is not null && matchedKeys.Contains(key) ? "duplicate" : "not caused by any expected packet";
                unexpected.Add((f, d, why));
                continue;
            }
            int e = candidates![here];
            candidates.RemoveAt(here);
            taken[e] = true;
            matchedKeys.Add(key!);
            matched.Add(new MatchedPacket(expected[e], f, d, PacketDiff.Compare(expected[e].Decoded, d, [.. expected[e].IgnoredFields])));
        }
        var pending = expected.Where((_, i) => !taken[i]).ToList();
        return new Judgement(matched, pending, unexpected, late);
    }
}
