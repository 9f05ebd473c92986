using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conformance.Cli.Commands.Mutation;

/// <summary>How a mutation's run ended.</summary>
internal static class MutationResults
{
    /// <summary>Some purpose's verdict differs from the baseline's (pass → fail or inconclusive, a known deviation no longer observed…).</summary>
    public const string Killed = "killed";
    /// <summary>Every purpose run kept its baseline verdict: nothing the suite checks tells the mutant from the reference.</summary>
    public const string Survived = "SURVIVED";
    /// <summary>The DUT rejected the mutated configuration (the testbed did not come up): not a viable mutant.</summary>
    public const string Invalid = "invalid";
    /// <summary>The run outlived its time-out and was stopped, with no verdict change before.</summary>
    public const string Timeout = "timeout";
    /// <summary>The run produced no verdict (crashed, or no result).</summary>
    public const string Error = "error";
    /// <summary>Not run (the time budget was spent, or the tool was interrupted).</summary>
    public const string NotRun = "not-run";
}

/// <summary>A purpose whose verdict on the mutant differs from the baseline's.</summary>
internal sealed record Kill(
    [property: JsonPropertyName("purpose")] string Purpose,
    [property: JsonPropertyName("baseline")] string Baseline,
    [property: JsonPropertyName("mutant")] string Mutant,
    [property: JsonPropertyName("message")] string Message);

internal sealed record MutationEntry
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("line")] public required string Line { get; init; }
    [JsonPropertyName("mutated_line")] public required string MutatedLine { get; init; }
    /// <summary>The purposes run (all of the single-DUT lab when the line's concern is unknown).</summary>
    [JsonPropertyName("purposes")] public required IReadOnlyList<string> Purposes { get; init; }
    [JsonPropertyName("all_purposes")] public bool AllPurposes { get; init; }
    [JsonPropertyName("purposes_reason")] public required string PurposesReason { get; init; }
    [JsonPropertyName("result")] public string Result { get; set; } = MutationResults.NotRun;
    [JsonPropertyName("killed_by")] public List<Kill> KilledBy { get; set; } = [];
    [JsonPropertyName("detail")] public string? Detail { get; set; }
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; set; }
    [JsonPropertyName("reproduce")] public required string Reproduce { get; init; }
}

internal sealed record MutationScore
{
    [JsonPropertyName("total")] public int Total { get; init; }
    [JsonPropertyName("killed")] public int Killed { get; init; }
    [JsonPropertyName("survived")] public int Survived { get; init; }
    [JsonPropertyName("invalid")] public int Invalid { get; init; }
    [JsonPropertyName("timeout")] public int Timeout { get; init; }
    [JsonPropertyName("error")] public int Error { get; init; }
    [JsonPropertyName("not_run")] public int NotRun { get; init; }
    /// <summary>killed / (killed + survived): the score over the viable mutants that produced a verdict.</summary>
    [JsonPropertyName("score")] public double? Score { get; init; }

    public static MutationScore Of(IReadOnlyCollection<MutationEntry> entries)
    {
        int C(string r) => entries.Count(e => e.Result == r);
        int killed = C(MutationResults.Killed), survived = C(MutationResults.Survived);
        return new MutationScore
        {
            Total = entries.Count, Killed = killed, Survived = survived, Invalid = C(MutationResults.Invalid), Timeout = C(MutationResults.Timeout),
            Error = C(MutationResults.Error), NotRun = C(MutationResults.NotRun),
            Score = killed + survived == 0 ? null : Math.Round((double)killed / (killed + survived), 4),
        };
    }

    /// <summary>killed / total, then the score over the viable mutants and the other results.</summary>
    [JsonIgnore]
    public string Text => $"{Killed}/{Total} killed; {Killed}/{Killed + Survived} of the viable mutants" + (Score is { } s ? $" ({s.ToString("P1", System.Globalization.CultureInfo.InvariantCulture)})" : "") +
        $"; {Survived} survived, {Invalid} invalid (rejected by the DUT), {Timeout} timed out, {Error} errors, {NotRun} not run";
}

internal sealed record MutationReportDocument
{
    [JsonPropertyName("profile")] public required string Profile { get; init; }
    [JsonPropertyName("profile_sha256")] public required string ProfileSha256 { get; init; }
    [JsonPropertyName("started")] public required DateTimeOffset Started { get; init; }
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; set; }
    [JsonPropertyName("suite_commit")] public string? SuiteCommit { get; init; }
    [JsonPropertyName("selection")] public string? Selection { get; init; }
    [JsonPropertyName("complete")] public bool Complete { get; set; }
    [JsonPropertyName("note")] public string? Note { get; set; }
    [JsonPropertyName("score")] public MutationScore Score => MutationScore.Of(Mutations);
    /// <summary>Every purpose's verdict on the unmutated configuration (fault mode None).</summary>
    [JsonPropertyName("baseline")] public required IReadOnlyDictionary<string, string> Baseline { get; init; }
    [JsonPropertyName("mutations")] public required List<MutationEntry> Mutations { get; init; }
}

internal static class MutationReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// The result of a mutation's run against the baseline: killed when a purpose run has another verdict than on the
    /// unmutated configuration (not-applicable and not-run verdicts are not compared), invalid when the testbed did not
    /// come up (every verdict inconclusive, the set-up error naming it), otherwise survived (or timeout / error).
    /// </summary>
    public static (string Result, List<Kill> Kills, string? Detail) Classify(
        IReadOnlyDictionary<string, PurposeOutcome> baseline, CaseRunResult run, IReadOnlyCollection<string> purposes)
    {
        var outcomes = run.Outcomes;
        var kills = new List<Kill>();
        foreach (var p in purposes.Order(StringComparer.Ordinal))
        {
            if (!baseline.TryGetValue(p, out var b) || !outcomes.TryGetValue(p, out var m)) continue;
            if (b.Verdict is "skipped" or "unknown" || m.Verdict is "skipped" or "unknown") continue;
            if (b.Verdict != m.Verdict) kills.Add(new Kill(p, b.Verdict, m.Verdict, FirstLine(m.Message)));
        }
        var ran = outcomes.Values.Where(o => purposes.Contains(o.PurposeId)).ToList();
        bool setupFailed = ran.Count > 0 && ran.All(o => o.Status is "broken" or "skipped" or "unknown") && ran.Any(o => o.Status == "broken")
            && ran.Any(o => o.Message.Contains("did not come up", StringComparison.Ordinal) || o.Message.Contains("OneTimeSetUp", StringComparison.Ordinal));
        if (setupFailed)
            return (MutationResults.Invalid, [], FirstLine(ran.First(o => o.Status == "broken").Message));
        if (run.Cancelled) return (MutationResults.NotRun, [], "interrupted");
        if (kills.Count > 0) return (MutationResults.Killed, kills, run.TimedOut ? "the run timed out after these verdicts" : null);
        if (run.TimedOut) return (MutationResults.Timeout, [], $"stopped after {run.Duration.TotalSeconds:0} s");
        if (outcomes.Count == 0) return (MutationResults.Error, [], $"no results (exit {run.ExitCode}): {LastLines(run.OutputTail, 5)}");
        return (MutationResults.Survived, [], null);
    }

    private static string FirstLine(string s)
    {
        var line = s.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    private static string LastLines(string s, int n) => string.Join(" | ", s.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).TakeLast(n));

    public static void Write(MutationReportDocument doc, string jsonPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, Json) + "\n");
        File.WriteAllText(Path.ChangeExtension(jsonPath, ".md"), Markdown(doc));
    }

    public static string Markdown(MutationReportDocument doc)
    {
        var sb = new StringBuilder();
        var s = doc.Score;
        sb.Append("# Mutation score of the DUT configuration: ").Append(doc.Profile).Append("\n\n");
        sb.Append("Started ").Append(doc.Started.ToString("u")).Append(", ").Append((doc.DurationSeconds / 60).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).Append(" min")
            .Append(doc.SuiteCommit is null ? "" : $", suite commit {doc.SuiteCommit}").Append(", profile sha256 ").Append(doc.ProfileSha256[..12]).Append('…')
            .Append(doc.Selection is null ? "" : $", selection `{doc.Selection}`").Append(doc.Complete ? "" : " — **incomplete**").Append(".\n\n");
        if (doc.Note is not null) sb.Append(doc.Note).Append("\n\n");
        sb.Append("**Score: ").Append(s.Text).Append("**\n\n");
        sb.Append("A mutation changes one line of the rendered configuration (`srv6conf mutate --list`); it is *killed* when a purpose it runs ")
            .Append("gets another verdict than on the unmutated configuration (baseline), *invalid* when the DUT rejects the configuration. ")
            .Append("Reproduce one with `srv6conf lab up --profile … --fault 'Mutation:<id>'` or the cases with `SRV6CONF_FAULT='Mutation:<id>'`.\n\n");
        var survivors = doc.Mutations.Where(m => m.Result == MutationResults.Survived).ToList();
        sb.Append("## Survivors (").Append(survivors.Count).Append(")\n\n");
        if (survivors.Count == 0) sb.Append("None.\n\n");
        else
        {
            sb.Append("| mutation | what the mutant does | purposes run |\n|---|---|---|\n");
            foreach (var m in survivors) sb.Append("| `").Append(m.Id).Append("` | ").Append(Cell(m.Description)).Append(" | ").Append(PurposeCell(m)).Append(" |\n");
            sb.Append('\n');
        }
        sb.Append("## All mutations\n\n| mutation | kind | what the mutant does | purposes run | result | s |\n|---|---|---|---|---|---|\n");
        foreach (var m in doc.Mutations)
        {
            var result = m.Result switch
            {
                MutationResults.Killed => "killed by " + string.Join(", ", m.KilledBy.Select(k => $"{k.Purpose} ({k.Baseline}→{k.Mutant})")),
                _ => m.Result + (m.Detail is null ? "" : ": " + m.Detail),
            };
            sb.Append("| `").Append(m.Id).Append("` | ").Append(m.Kind).Append(" | ").Append(Cell(m.Description)).Append(" | ").Append(PurposeCell(m))
                .Append(" | ").Append(Cell(result)).Append(" | ").Append(m.DurationSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).Append(" |\n");
        }
        sb.Append("\n## Baseline (fault mode None)\n\n");
        foreach (var g in doc.Baseline.GroupBy(b => b.Value).OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.Append("- ").Append(g.Key).Append(" (").Append(g.Count()).Append("): ").Append(string.Join(", ", g.Select(x => x.Key).Order(StringComparer.Ordinal))).Append('\n');
        return sb.ToString();
    }

    private static string PurposeCell(MutationEntry m) => m.AllPurposes ? $"all ({m.Purposes.Count}): {Cell(m.PurposesReason)}"
        : m.Purposes.Count <= 6 ? string.Join(", ", m.Purposes) : $"{m.Purposes.Count}: {Cell(m.PurposesReason)}";

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
