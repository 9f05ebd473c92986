using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conformance.Harness.Reporting;

/// <summary>A purpose whose verdict changed between the baseline run and this one.</summary>
public sealed record VerdictChange(string TestPurposeId, string Before, string Now, string? Title);

/// <summary>An evidence file of a purpose (same name in both runs) whose SHA-256 changed.</summary>
public sealed record EvidenceChange(string TestPurposeId, string Name, string? Before, string? Now);

/// <summary>regressions.json: this run against a baseline run (the previous nightly) of the same profile.</summary>
public sealed record RegressionReport
{
    public string Run { get; init; } = "";
    public string Baseline { get; init; } = "";
    /// <summary>Passed in the baseline, not now (failed, known deviation, inconclusive, not run, not applicable, or gone): the gate.</summary>
    public IReadOnlyList<VerdictChange> NewFailures { get; init; } = [];
    /// <summary>Not passed in the baseline, passed now.</summary>
    public IReadOnlyList<VerdictChange> Fixes { get; init; } = [];
    /// <summary>Other verdict changes (e.g. a fail that became inconclusive), for the record.</summary>
    public IReadOnlyList<VerdictChange> OtherChanges { get; init; } = [];
    /// <summary>Evidence other than captures whose hash changed (captures carry timestamps: they differ in every run and are only counted).</summary>
    public IReadOnlyList<EvidenceChange> ChangedEvidence { get; init; } = [];
    public int CapturesCompared { get; init; }
    public bool Regressed => NewFailures.Count > 0;
}

/// <summary>
/// Nightly regression detection: compares a run's conformance statement with a baseline's (the previous run of the same
/// profile) and lists new failures (any purpose that passed before and does not now — the gate), fixes, other verdict
/// changes and the evidence whose hash changed. Writes regressions.json and regressions.md into the run.
/// </summary>
public static class RegressionCheck
{
    public const string JsonFileName = "regressions.json";
    public const string MarkdownFileName = "regressions.md";
    private const string CaptureMime = "application/vnd.tcpdump.pcap";

    private static readonly JsonSerializerOptions WriteJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static RegressionReport Compare(ConformanceStatementDocument baseline, ConformanceStatementDocument now, string runName = "", string baselineName = "")
    {
        static string Word(TestPurposeVerdict? v) => v is null ? "absent" : v.Verdict == "fail" && v.KnownDeviation ? "known deviation" : v.Verdict;
        var before = baseline.TestPurposes.ToDictionary(t => t.TestPurposeId, StringComparer.Ordinal);
        var after = now.TestPurposes.ToDictionary(t => t.TestPurposeId, StringComparer.Ordinal);
        List<VerdictChange> newFailures = [], fixes = [], other = [];
        List<EvidenceChange> evidence = [];
        int captures = 0;
        foreach (var id in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(id, out var b);
            after.TryGetValue(id, out var a);
            var (wb, wa) = (Word(b), Word(a));
            var change = new VerdictChange(id, wb, wa, a?.Title ?? b?.Title);
            if (wb == "pass" && wa != "pass") newFailures.Add(change);
            else if (wb != "pass" && wa == "pass") fixes.Add(change);
            else if (wb != wa) other.Add(change);
            if (a is null || b is null) continue;
            foreach (var e in a.Evidence)
            {
                var old = b.Evidence.FirstOrDefault(x => x.Name == e.Name);
                if (old is null || old.Sha256 == e.Sha256) continue;
                if (e.MimeType == CaptureMime) { captures++; continue; }
                evidence.Add(new EvidenceChange(id, e.Name, old.Sha256, e.Sha256));
            }
        }
        return new RegressionReport
        {
            Run = runName, Baseline = baselineName, NewFailures = newFailures, Fixes = fixes, OtherChanges = other,
            ChangedEvidence = evidence, CapturesCompared = captures,
        };
    }

    /// <summary>Compares and writes regressions.json/.md into <paramref name="run"/>.</summary>
    public static RegressionReport Write(string run, string baseline)
    {
        var report = Compare(ConformanceStatement.Read(baseline), ConformanceStatement.Read(run), Path.GetFileName(Path.GetFullPath(run)), Path.GetFileName(Path.GetFullPath(baseline)));
        File.WriteAllText(Path.Combine(run, JsonFileName), JsonSerializer.Serialize(report, WriteJson) + "\n");
        File.WriteAllText(Path.Combine(run, MarkdownFileName), Markdown(report));
        return report;
    }

    public static string Markdown(RegressionReport r)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Regressions: {r.Run} against {r.Baseline}\n\n");
        sb.Append(r.Regressed ? $"**REGRESSION: {r.NewFailures.Count} test purpose(s) passed in the baseline and do not now.**\n\n" : "No regression: every purpose that passed in the baseline passes now.\n\n");
        void Table(string title, IReadOnlyList<VerdictChange> rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"## {title} ({rows.Count})\n\n");
            if (rows.Count == 0) { sb.Append("None.\n\n"); return; }
            sb.Append("| Test purpose | Baseline | Now | Title |\n|---|---|---|---|\n");
            foreach (var c in rows) sb.Append(CultureInfo.InvariantCulture, $"| {c.TestPurposeId} | {c.Before} | {c.Now} | {(c.Title ?? "").Replace("|", "\\|", StringComparison.Ordinal)} |\n");
            sb.Append('\n');
        }
        Table("New failures", r.NewFailures);
        Table("Fixes", r.Fixes);
        Table("Other verdict changes", r.OtherChanges);
        sb.Append(CultureInfo.InvariantCulture, $"## Changed evidence ({r.ChangedEvidence.Count})\n\nEvidence files of one purpose, same name in both runs, whose SHA-256 differs. Captures are left out: their timestamps make every run's differ ({r.CapturesCompared} captures differed).\n\n");
        if (r.ChangedEvidence.Count > 0)
        {
            sb.Append("| Test purpose | Evidence | Baseline SHA-256 | Now SHA-256 |\n|---|---|---|---|\n");
            foreach (var e in r.ChangedEvidence) sb.Append(CultureInfo.InvariantCulture, $"| {e.TestPurposeId} | {e.Name} | {e.Before?[..Math.Min(12, e.Before.Length)]}… | {e.Now?[..Math.Min(12, e.Now.Length)]}… |\n");
        }
        return sb.ToString();
    }
}
