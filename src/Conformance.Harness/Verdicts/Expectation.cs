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
        var pending = expected.ToList();
        var matched = new List<MatchedPacket>();
        var unexpected = new List<(Frame, DecodedPacket, string)>();
        var late = new List<(Frame, DecodedPacket)>();
        foreach (var f in result.Received)
        {
            var d = PacketDecoder.Decode(f.Data);
            var key = ProbeKey.Of(d);
            if (fromEarlierExchange is not null && !pending.Any(e => e.Key == key) && fromEarlierExchange(d))
            {
                late.Add((f, d));
                continue;
            }
            var candidates = pending.Where(e => e.Key == key && key is not null).ToList();
            var here = candidates.FirstOrDefault(e => e.Port == f.Port);
            if (here is null)
            {
                string why = candidates.Count > 0 ? $"expected on {candidates[0].Port}, came out of {f.Port}"
                    : matched.Any(m => m.Expected.Key == key && key is not null) ? "duplicate" : "not caused by any expected packet";
                unexpected.Add((f, d, why));
                continue;
            }
            pending.Remove(here);
            matched.Add(new MatchedPacket(here, f, d, PacketDiff.Compare(here.Decoded, d, [.. here.IgnoredFields])));
        }
        return new Judgement(matched, pending, unexpected, late);
    }
}
