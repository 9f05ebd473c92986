namespace Conformance.Harness.Dut;

/// <summary>Per-SID packet counters (seg6local <c>count</c>).</summary>
public sealed record SidCounters(long Packets, long Bytes, long Errors);

/// <summary>Who the DUT says it is (identity check, report). <paramref name="Serial"/>: null when the driver cannot read one.</summary>
public sealed record DutIdentity(string Hostname, string KernelRelease, string OperatingSystem, string Platform, string? Serial = null);

/// <summary>
/// The DUT state the suite may touch, as sections of normalised lines (routes, addresses, rules, links,
/// nftables, sysctls). Two snapshots are compared line by line.
/// </summary>
public sealed record DutSnapshot(DateTimeOffset TakenUtc, IReadOnlyDictionary<string, IReadOnlyList<string>> Sections)
{
    public IReadOnlyList<string> Section(string name) => Sections.TryGetValue(name, out var s) ? s : [];

    /// <summary>Lines "- [section] line" (in this, missing in <paramref name="other"/>) and "+ [section] line" (new in other).</summary>
    public IReadOnlyList<string> DiffTo(DutSnapshot other)
    {
        var diff = new List<string>();
        foreach (var name in Sections.Keys.Union(other.Sections.Keys).Order(StringComparer.Ordinal))
        {
            var before = Section(name);
            var after = other.Section(name);
            foreach (var l in before.Except(after)) diff.Add($"- [{name}] {l}");
            foreach (var l in after.Except(before)) diff.Add($"+ [{name}] {l}");
        }
        return diff;
    }

    public string ToText() =>
        string.Join("\n", Sections.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"### {s.Key}\n{string.Join("\n", s.Value)}")) + "\n";
}

/// <summary>Drives one kind of DUT (configuration, snapshot/rollback, counters, identity).</summary>
public interface IDutPlatform
{
    Task ApplyAsync(DutConfig config, CancellationToken cancellationToken = default);
    Task<DutSnapshot> SnapshotAsync(CancellationToken cancellationToken = default);
    Task RollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default);
    /// <summary>Diff between <paramref name="before"/> and a fresh snapshot; empty when the rollback was complete.</summary>
    Task<IReadOnlyList<string>> VerifyRollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default);
    Task<IReadOnlyDictionary<string, SidCounters>> ReadCountersAsync(CancellationToken cancellationToken = default);
    Task<DutIdentity> ReadIdentityAsync(CancellationToken cancellationToken = default);
    /// <summary>
    /// Runs one operational command of a platform verb (a ping, a traceroute, a counter read the pack's template wrote)
    /// the way this platform takes commands — a router's through its CLI session, a shell's on an exec channel — and
    /// returns everything it printed, for the verb's patterns to read.
    /// </summary>
    Task<string> ExecVerbAsync(string command, CancellationToken cancellationToken = default);
}
