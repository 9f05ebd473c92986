using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conformance.Harness.Reporting;

/// <summary>An evidence file of a run, relative to the run folder, with its SHA-256.</summary>
public sealed record EvidenceFile(string Name, string Path, string MimeType, string? Sha256);

/// <summary>The verdict of one test purpose (all its results, e.g. parameterized cases, combined).</summary>
public sealed record TestPurposeVerdict
{
    public required string TestPurposeId { get; init; }
    public string? Title { get; init; }
    public string? Rfc { get; init; }
    public string? Section { get; init; }
    public string Level { get; init; } = "UNSPECIFIED";
    /// <summary>Where the level comes from: a BCP 14 keyword in the cited sentence, or a normative procedure (pseudocode, no keyword).</summary>
    public string? LevelSource { get; init; }
    /// <summary>The requirement catalogue entries the purpose cites ("RFC8754-2.1.2.1-HMAC-FAIL …"), primary first.</summary>
    public IReadOnlyList<string> Requirements { get; init; } = [];
    /// <summary>pass | fail | inconclusive | not-run | not-applicable (worst of its results: fail, inconclusive, not-run, pass, not-applicable).</summary>
    public required string Verdict { get; init; }
    public bool KnownDeviation { get; init; }
    public IReadOnlyList<string> KnownDeviationIds { get; init; } = [];
    /// <summary>Deviations the profile lists for this purpose that the run did not observe: the purpose passed.</summary>
    public IReadOnlyList<string> KnownDeviationsNotObserved { get; init; } = [];
    public IReadOnlyList<string> Messages { get; init; } = [];
    public int Results { get; init; }
    public IReadOnlyList<EvidenceFile> Evidence { get; init; } = [];
}

/// <summary>Counts of test-purpose verdicts in one group (a level, or a level of one RFC).</summary>
public sealed record VerdictSummary
{
    public int Total { get; init; }
    public int Passed { get; init; }
    public int Failed { get; init; }
    public int Inconclusive { get; init; }
    public int NotApplicable { get; init; }
    /// <summary>Purposes the run did not reach because it was interrupted (applicable, not passed).</summary>
    public int NotRun { get; init; }
    public int KnownDeviations { get; init; }
    /// <summary>Applicable = Total − NotApplicable.</summary>
    public int Applicable => Total - NotApplicable;
    /// <summary>"10/12 passed".</summary>
    public string Text => $"{Passed}/{Applicable} passed" + (NotRun > 0 ? $", {NotRun} not run" : "") + (NotApplicable > 0 ? $", {NotApplicable} not applicable" : "")
        + (KnownDeviations > 0 ? $", {KnownDeviations} known deviation(s)" : "");
}

/// <summary>conformance-statement.json.</summary>
public sealed record ConformanceStatementDocument
{
    public string Run { get; init; } = "";
    /// <summary>The signal that interrupted the run ("SIGINT", "SIGTERM"), or null for a run that ended by itself.</summary>
    public string? Interrupted { get; init; }
    public string GeneratedAt { get; init; } = "";
    public string SuiteVersion { get; init; } = HarnessInfo.Version;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Pics { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, VerdictSummary> SummaryByLevel { get; init; } = new Dictionary<string, VerdictSummary>();
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, VerdictSummary>> SummaryByRfc { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, VerdictSummary>>();
    public IReadOnlyList<TestPurposeVerdict> TestPurposes { get; init; } = [];
    /// <summary>Listed known deviations whose purpose passed in this run: stale entries that could hide a changed DUT.</summary>
    public IReadOnlyList<DeviationNotObserved> KnownDeviationsNotObserved { get; init; } = [];
    /// <summary>The suite's requirement coverage per RFC (docs/coverage.json as built into this harness): statements, covered, observable, not observable, out of scope, by level.</summary>
    public System.Text.Json.Nodes.JsonNode? RequirementCoverage { get; init; }
    /// <summary>
    /// The compression metrics measured in this run (draft-ietf-spring-compression-requirement-03 §3.1: E, ES, D.PRS, S per
    /// form and segment list length; TP-CMET-BV-01's attachment <see cref="Packets.CompressionMetrics.AttachmentName"/>), or
    /// absent when the run did not measure them. README "Conformance statement" documents its fields.
    /// </summary>
    public System.Text.Json.Nodes.JsonNode? CompressionMetrics { get; init; }
}

/// <summary>A known deviation of the profile that the run did not observe: its test purposes passed.</summary>
public sealed record DeviationNotObserved(string Id, IReadOnlyList<string> TestPurposes);

/// <summary>
/// Builds the conformance statement of a run from its allure-results: per test purpose the clause, level,
/// verdict, known-deviation flag and evidence files with SHA-256, a summary by level and by RFC, the PICS, and
/// <c>SHA256SUMS</c> over every file of the run folder (sha256sum -c compatible).
/// </summary>
public static class ConformanceStatement
{
    public const string JsonFileName = "conformance-statement.json";
    public const string MarkdownFileName = "conformance-statement.md";
    public const string SumsFileName = "SHA256SUMS";
    /// <summary>Written into allure-results when the run is interrupted: its first line is the signal.</summary>
    public const string InterruptedFileName = "srv6conf-interrupted.txt";

    private static readonly string[] VerdictOrder = ["fail", "inconclusive", "not-run", "pass", "not-applicable"];
    private static readonly string[] LevelOrder = ["MUST", "PROCEDURE", "SHOULD", "MAY", "INFORMATIVE", "UNSPECIFIED"];

    private static readonly JsonSerializerOptions OutJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions InJson = new() { PropertyNameCaseInsensitive = true };

    /// <summary>
    /// Reads a run's conformance-statement.json (<paramref name="runOrFile"/>: the run folder or the file); a missing or
    /// unreadable statement is an error naming the path and how to write it.
    /// </summary>
    public static ConformanceStatementDocument Read(string runOrFile)
    {
        var file = Directory.Exists(runOrFile) ? Path.Combine(runOrFile, JsonFileName) : runOrFile;
        if (!File.Exists(file))
            throw new FileNotFoundException($"{runOrFile}: no {JsonFileName} (write it with `srv6conf report statement --run {runOrFile}`; ./run-suite.sh does).");
        try { return JsonSerializer.Deserialize<ConformanceStatementDocument>(File.ReadAllText(file), InJson) ?? throw new InvalidDataException($"{file}: empty statement"); }
        catch (JsonException e) { throw new InvalidDataException($"{file}: not a conformance statement ({e.Message}).", e); }
    }

    /// <summary>Reads every <c>*-result.json</c> at the top level of an allure-results folder.</summary>
    public static IReadOnlyList<AllureResult> ReadResults(string resultsDirectory) =>
        Directory.EnumerateFiles(resultsDirectory, "*-result.json", SearchOption.TopDirectoryOnly)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<AllureResult>(File.ReadAllText(f), AllureJson.Read)
                         ?? throw new InvalidDataException($"empty result file {f}"))
            .ToList();

    /// <summary>Reads environment.properties (simple key=value lines, as the writer produces them).</summary>
    public static IReadOnlyDictionary<string, string> ReadEnvironment(string resultsDirectory)
    {
        var path = Path.Combine(resultsDirectory, "environment.properties");
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return env;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            int i = 0;
            while (i < line.Length && line[i] != '=') i += line[i] == '\\' ? 2 : 1;
            if (i >= line.Length) continue;
            env[Unescape(line[..i])] = Unescape(line[(i + 1)..]);
        }
        return env;
    }

    /// <summary>
    /// Builds the statement. <paramref name="runDirectory"/> (optional) is where attachment sources are looked up
    /// (under allure-results/) to hash them.
    /// </summary>
    public static ConformanceStatementDocument Build(IEnumerable<AllureResult> results, IReadOnlyDictionary<string, string>? pics,
        string? runDirectory = null, string? runId = null, IReadOnlyDictionary<string, string>? environment = null, DateTimeOffset? now = null,
        IReadOnlyList<Profiles.KnownDeviation>? deviations = null)
    {
        deviations ??= [];
        var tps = results
            .GroupBy(r => r.Label("testPurposeId") ?? r.FullName, StringComparer.Ordinal)
            .Select(g => Verdict(g.Key, [.. g], runDirectory))
            .Select(t => t.Verdict != "pass" ? t : t with
            {
                KnownDeviationsNotObserved = [.. deviations.Where(d => d.TestPurposes.Contains(t.TestPurposeId, StringComparer.Ordinal)).Select(d => d.Id)],
            })
            .OrderBy(t => LevelRank(t.Level)).ThenBy(t => t.TestPurposeId, StringComparer.Ordinal)
            .ToList();

        var byLevel = tps.GroupBy(t => t.Level).OrderBy(g => LevelRank(g.Key))
            .ToDictionary(g => g.Key, g => Summarize(g));
        var byRfc = tps.GroupBy(t => t.Rfc ?? "(no RFC)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, VerdictSummary>)g.GroupBy(t => t.Level)
                .OrderBy(x => LevelRank(x.Key)).ToDictionary(x => x.Key, x => Summarize(x)));

        return new ConformanceStatementDocument
        {
            Run = runId ?? (runDirectory is null ? "" : new DirectoryInfo(runDirectory).Name),
            GeneratedAt = (now ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Environment = environment ?? new Dictionary<string, string>(),
            Pics = pics is null ? new SortedDictionary<string, string>(StringComparer.Ordinal) : new SortedDictionary<string, string>(pics.ToDictionary(), StringComparer.Ordinal),
            SummaryByLevel = byLevel,
            SummaryByRfc = byRfc,
            TestPurposes = tps,
            KnownDeviationsNotObserved = [.. deviations
                .Select(d => new DeviationNotObserved(d.Id, [.. tps.Where(t => t.KnownDeviationsNotObserved.Contains(d.Id)).Select(t => t.TestPurposeId)]))
                .Where(d => d.TestPurposes.Count > 0)],
            RequirementCoverage = Catalogue.CoverageMatrix.EmbeddedSummary(),
            CompressionMetrics = runDirectory is null ? null : ReadCompressionMetrics(results, runDirectory),
        };
    }

    /// <summary>The last compression-metrics attachment of the run's results (by the result's stop time), parsed; null when none.</summary>
    private static System.Text.Json.Nodes.JsonNode? ReadCompressionMetrics(IEnumerable<AllureResult> results, string runDirectory)
    {
        var file = results.OrderBy(r => r.Stop).SelectMany(AllAttachments)
            .Where(a => a.Name == Packets.CompressionMetrics.AttachmentName)
            .Select(a => Path.Combine(runDirectory, "allure-results", a.Source)).LastOrDefault(File.Exists);
        if (file is null) return null;
        try { return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new InvalidDataException($"{file}: the compression metrics attachment is not JSON ({e.Message}).", e); }
    }

    /// <summary>
    /// Reads <c>&lt;runDirectory&gt;/allure-results</c>, writes conformance-statement.json and .md into the run folder,
    /// then SHA256SUMS over all files of the run. Returns the document.
    /// </summary>
    public static ConformanceStatementDocument Write(string runDirectory, IReadOnlyDictionary<string, string>? pics = null,
        IReadOnlyList<Profiles.KnownDeviation>? deviations = null)
    {
        var results = Path.Combine(runDirectory, "allure-results");
        if (!Directory.Exists(results)) throw new DirectoryNotFoundException($"no allure-results in {runDirectory}");
        var doc = Build(ReadResults(results), pics, runDirectory, environment: ReadEnvironment(results), deviations: deviations);
        var marker = Path.Combine(results, InterruptedFileName);
        if (File.Exists(marker)) doc = doc with { Interrupted = File.ReadAllText(marker).Trim() is { Length: > 0 } sig ? sig.Split('\n')[0] : "interrupted" };
        File.WriteAllText(Path.Combine(runDirectory, JsonFileName), SecretRedactor.Redact(JsonSerializer.Serialize(doc, OutJson)) + "\n");
        File.WriteAllText(Path.Combine(runDirectory, MarkdownFileName), SecretRedactor.Redact(ToMarkdown(doc)));
        WriteSha256Sums(runDirectory);
        return doc;
    }

    /// <summary>Writes SHA256SUMS ("&lt;hex&gt;  &lt;relative path&gt;" lines, sorted) over every file under the run folder but itself.</summary>
    public static string WriteSha256Sums(string runDirectory)
    {
        var root = Path.GetFullPath(runDirectory);
        var sb = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                     .Where(f => f != SumsFileName)
                     .OrderBy(f => f, StringComparer.Ordinal))
        {
            sb.Append(Sha256File(Path.Combine(root, file))).Append("  ").Append(file).Append('\n');
        }
        var path = Path.Combine(root, SumsFileName);
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    public static string Sha256File(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    public static string ToMarkdown(ConformanceStatementDocument doc)
    {
        var sb = new StringBuilder();
        sb.Append("# SRv6 conformance statement\n\n");
        if (doc.Interrupted is not null)
            sb.Append("**INTERRUPTED (").Append(doc.Interrupted).Append("):** the run was stopped before it ended. Purposes it did not reach are ")
              .Append("listed as NOT-RUN: they have no verdict.\n\n");
        sb.Append("- Run: `").Append(doc.Run).Append("`\n- Generated: ").Append(doc.GeneratedAt)
          .Append("\n- Suite version: ").Append(doc.SuiteVersion).Append("\n\n");
        if (doc.Environment.Count > 0)
        {
            sb.Append("## Implementation under test\n\n| Key | Value |\n|---|---|\n");
            foreach (var (k, v) in doc.Environment) sb.Append("| ").Append(Cell(k)).Append(" | ").Append(Cell(v)).Append(" |\n");
            sb.Append('\n');
        }
        sb.Append("## Summary by requirement level\n\n");
        sb.Append("Levels: MUST, SHOULD, MAY are the BCP 14 keyword of the cited sentence; PROCEDURE is the pseudocode of a behaviour, which has no ")
          .Append("keyword and is normative once the DUT claims the behaviour; INFORMATIVE cites text with no keyword.\n\n");
        foreach (var (level, s) in doc.SummaryByLevel) sb.Append("- **").Append(level).Append(":** ").Append(s.Text).Append('\n');
        sb.Append("\n## Summary by RFC\n\n| RFC | Level | Passed | Failed | Inconclusive | Not run | Not applicable | Known deviations |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var (rfc, levels) in doc.SummaryByRfc)
            foreach (var (level, s) in levels)
                sb.Append(CultureInfo.InvariantCulture, $"| {Cell(rfc)} | {level} | {s.Passed}/{s.Applicable} | {s.Failed} | {s.Inconclusive} | {s.NotRun} | {s.NotApplicable} | {s.KnownDeviations} |\n");
        if (doc.KnownDeviationsNotObserved.Count > 0)
        {
            sb.Append("\n## Known deviations not observed\n\nThe profile lists these deviations, but their test purposes passed: the DUT no longer shows them. ")
              .Append("Remove them from the profile (a stale entry could hide a changed DUT); the run counts them as regressions.\n\n");
            foreach (var d in doc.KnownDeviationsNotObserved) sb.Append("- **").Append(d.Id).Append("**: ").Append(string.Join(", ", d.TestPurposes)).Append(" passed\n");
        }
        sb.Append("\n## PICS (capabilities claimed)\n\n");
        if (doc.Pics.Count == 0) sb.Append("_none given_\n");
        else
        {
            sb.Append("| Capability | Support |\n|---|---|\n");
            foreach (var (k, v) in doc.Pics) sb.Append("| ").Append(Cell(k)).Append(" | ").Append(Cell(v)).Append(" |\n");
        }
        sb.Append("\n## Test purposes\n\n| Test purpose | Reference | Level | Verdict | Known deviation | Results | Evidence |\n|---|---|---|---|---|---|---|\n");
        foreach (var t in doc.TestPurposes)
        {
            var reference = $"{t.Rfc} {(string.IsNullOrEmpty(t.Section) ? "" : "§" + t.Section)}".Trim();
            var known = t.KnownDeviation ? "yes (" + string.Join(", ", t.KnownDeviationIds) + ")"
                : t.KnownDeviationsNotObserved.Count > 0 ? "listed, not observed (" + string.Join(", ", t.KnownDeviationsNotObserved) + ")" : "no";
            sb.Append(CultureInfo.InvariantCulture, $"| {Cell(t.TestPurposeId)} | {Cell(reference)} | {t.Level} | **{t.Verdict.ToUpperInvariant()}** | {Cell(known)} | {t.Results} | {t.Evidence.Count} |\n");
        }
        if (doc.RequirementCoverage is System.Text.Json.Nodes.JsonObject cov)
        {
            sb.Append("\n## Requirement coverage of the suite\n\nNormative statements (BCP 14 sentences and pseudocode blocks) of each RFC and how many a test purpose covers ")
              .Append("(docs/coverage.md lists them all with the purposes or the reason).\n\n| RFC | statements | covered | observable, not yet covered | not observable | out of scope |\n|---|---|---|---|---|---|\n");
            foreach (var (rfc, n) in cov)
                sb.Append(CultureInfo.InvariantCulture, $"| {rfc} | {n?["statements"]} | {n?["covered"]} | {n?["observable"]} | {n?["not-observable"]} | {n?["out-of-scope"]} |\n");
        }
        if (doc.CompressionMetrics is { } cm) AppendCompressionMetrics(sb, cm);
        sb.Append("\n## Evidence files\n\n");
        foreach (var t in doc.TestPurposes.Where(t => t.Evidence.Count > 0))
        {
            sb.Append("### ").Append(t.TestPurposeId).Append("\n\n");
            foreach (var m in t.Messages) sb.Append("> ").Append(m.Split('\n')[0]).Append("\n\n");
            foreach (var e in t.Evidence)
                sb.Append("- `").Append(e.Path).Append("` (").Append(e.Name).Append(", ").Append(e.MimeType).Append(") sha256 `")
                  .Append(e.Sha256 ?? "missing").Append("`\n");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static TestPurposeVerdict Verdict(string id, IReadOnlyList<AllureResult> rs, string? runDirectory)
    {
        static string V(AllureResult r) => r.Status switch
        {
            AllureStatus.Passed => "pass",
            AllureStatus.Failed => "fail",
            AllureStatus.Broken => "inconclusive",
            AllureStatus.Unknown => "not-run",
            _ => "not-applicable",
        };
        var verdicts = rs.Select(V).ToList();
        var worst = VerdictOrder.First(v => verdicts.Contains(v) || v == "not-applicable");
        var failed = rs.Where(r => r.Status == AllureStatus.Failed).ToList();
        bool known = failed.Count > 0 && failed.All(r => r.StatusDetails?.Known == true);
        var first = rs[0];
        var evidence = new List<EvidenceFile>();
        foreach (var r in rs)
            foreach (var a in AllAttachments(r))
            {
                var rel = "allure-results/" + a.Source;
                string? sha = null;
                if (runDirectory is not null)
                {
                    var full = Path.Combine(runDirectory, "allure-results", a.Source);
                    if (File.Exists(full)) sha = Sha256File(full);
                }
                evidence.Add(new EvidenceFile(a.Name, rel, a.Type, sha));
            }
        return new TestPurposeVerdict
        {
            TestPurposeId = id,
            Title = first.Label("story") ?? first.Name,
            Rfc = first.Label("epic"),
            Section = first.Label("rfcSection"),
            Level = first.Label("requirementLevel") ?? "UNSPECIFIED",
            LevelSource = first.Label("levelSource"),
            Requirements = [.. first.Labels.Where(l => l.Name == "requirement").Select(l => l.Value)],
            Verdict = worst,
            KnownDeviation = known,
            KnownDeviationIds = [.. rs.SelectMany(r => r.Labels).Where(l => l.Name == "knownDeviation").Select(l => l.Value).Distinct()],
            Messages = [.. rs.Select(r => r.StatusDetails?.Message).OfType<string>().Where(m => m.Length > 0).Distinct()],
            Results = rs.Count,
            Evidence = evidence,
        };
    }

    /// <summary>The statement's compression metrics section: E measured (and ES) per form and N, with the conditions.</summary>
    private static void AppendCompressionMetrics(StringBuilder sb, System.Text.Json.Nodes.JsonNode cm)
    {
        var rows = cm["rows"]?.AsArray().OfType<System.Text.Json.Nodes.JsonNode>().ToList() ?? [];
        var forms = rows.Select(r => (string?)r["form"] ?? "?").Distinct().ToList();
        sb.Append("\n## Compression metrics (measured)\n\n").Append(cm["source"]?.ToString()).Append(". ").Append(cm["conditions"]?.ToString())
          .Append(".\n\nE in bytes before the payload, on the wire (ES = 1 − E/E(H.Encaps) in brackets):\n\n| N |");
        foreach (var f in forms) sb.Append(' ').Append(Cell(f)).Append(" |");
        sb.Append("\n|---|").Append(string.Concat(forms.Select(_ => "---|"))).Append('\n');
        foreach (var n in rows.Select(r => (int?)r["n"] ?? 0).Distinct().Order())
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {n} |");
            foreach (var f in forms)
            {
                var r = rows.FirstOrDefault(x => (string?)x["form"] == f && (int?)x["n"] == n);
                var e = r?["e_measured"] is { } m ? m.ToString() : "lost";
                var es = r?["es"] is { } v ? $" ({((double)v).ToString("0.000", CultureInfo.InvariantCulture)})" : "";
                sb.Append(' ').Append(r is null ? "-" : e + es).Append(" |");
            }
            sb.Append('\n');
        }
        if (cm["not_observable"] is System.Text.Json.Nodes.JsonArray no)
            foreach (var x in no) sb.Append("\nNot observable: ").Append(x?.ToString()).Append('\n');
    }

    private static IEnumerable<AllureAttachment> AllAttachments(AllureResult r)
    {
        foreach (var a in r.Attachments) yield return a;
        var stack = new Stack<AllureStep>(r.Steps.AsEnumerable().Reverse());
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            foreach (var a in s.Attachments) yield return a;
            for (int i = s.Steps.Count - 1; i >= 0; i--) stack.Push(s.Steps[i]);
        }
    }

    private static VerdictSummary Summarize(IEnumerable<TestPurposeVerdict> tps)
    {
        var l = tps.ToList();
        return new VerdictSummary
        {
            Total = l.Count,
            Passed = l.Count(t => t.Verdict == "pass"),
            Failed = l.Count(t => t.Verdict == "fail"),
            Inconclusive = l.Count(t => t.Verdict == "inconclusive"),
            NotApplicable = l.Count(t => t.Verdict == "not-applicable"),
            NotRun = l.Count(t => t.Verdict == "not-run"),
            KnownDeviations = l.Count(t => t.KnownDeviation),
        };
    }

    private static int LevelRank(string level) { var i = Array.IndexOf(LevelOrder, level); return i < 0 ? LevelOrder.Length : i; }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Unescape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length) { sb.Append(s[i]); continue; }
            char c = s[++i];
            switch (c)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u' when i + 4 < s.Length:
                    sb.Append((char)int.Parse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)); i += 4; break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}

/// <summary>
/// Console entry point for <c>srv6conf report statement --run reports/&lt;run&gt; [--pics pics.json]</c>
/// (the CLI passes the arguments after "report"). pics.json is an object of capability → value (bool/string/number).
/// Exit codes: 0 written, 2 usage error, 1 other error.
/// </summary>
public static class ReportCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] != "statement")
        {
            stderr.WriteLine("usage: report statement --run <run-dir> [--pics <pics.json>]");
            return 2;
        }
        string? run = null, pics = null;
        for (int i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--run" when i + 1 < args.Count: run = args[++i]; break;
                case "--pics" when i + 1 < args.Count: pics = args[++i]; break;
                default:
                    stderr.WriteLine($"unknown or incomplete option: {args[i]}");
                    return 2;
            }
        }
        if (run is null) { stderr.WriteLine("--run <run-dir> is required"); return 2; }
        try
        {
            var doc = ConformanceStatement.Write(run, pics is null ? null : ReadPics(pics));
            foreach (var (level, s) in doc.SummaryByLevel) stdout.WriteLine($"{level}: {s.Text}");
            stdout.WriteLine(Path.Combine(run, ConformanceStatement.JsonFileName));
            stdout.WriteLine(Path.Combine(run, ConformanceStatement.MarkdownFileName));
            stdout.WriteLine(Path.Combine(run, ConformanceStatement.SumsFileName));
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            stderr.WriteLine($"report statement failed: {SecretRedactor.Redact(ex.Message)}");
            return 1;
        }
    }

    public static IReadOnlyDictionary<string, string> ReadPics(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
            d[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString() ?? "",
                JsonValueKind.True => "yes",
                JsonValueKind.False => "no",
                _ => p.Value.GetRawText(),
            };
        return d;
    }
}
