using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Conformance.Harness.Reporting;

/// <summary>One run in a comparison: its column label (the DUT, or "DUT A" when anonymised), its folder and statement.</summary>
public sealed record ComparedRun(string Label, string RunDirectory, ConformanceStatementDocument Statement)
{
    /// <summary>The DUT as the run recorded it: hostname, platform, profile.</summary>
    public string Dut => $"{Statement.Environment.GetValueOrDefault("dut.hostname", "?")} ({Statement.Environment.GetValueOrDefault("dut.platform", "?")}, profile {Statement.Environment.GetValueOrDefault("profile", "?")})";
}

/// <summary>One test purpose across the compared runs (a cell is null where the run did not have the purpose).</summary>
public sealed record ComparisonRow(string Id, string? Title, string? Rfc, string? Section, string Level, IReadOnlyList<TestPurposeVerdict?> Cells)
{
    /// <summary>
    /// True when the runs that have the purpose do not all give it the same verdict (a known deviation counts as its own
    /// verdict, not applicable too).
    /// </summary>
    /// A run that does not have the purpose at all (another testbed shape) is left out.
    public bool Differs => Cells.OfType<TestPurposeVerdict>().Select(RunComparison.VerdictText).Distinct(StringComparer.Ordinal).Count() > 1;
}

/// <summary>
/// The RFP side-by-side page: several runs' conformance statements (one per DUT, from <c>srv6conf report statement</c>)
/// compared purpose by purpose, with the PICS that differ, the summaries by level and RFC, and the requirement coverage
/// each DUT demonstrated. Written as one self-contained HTML page (filters by level and RFC, no network), Markdown and CSV.
/// Reads only what the statements say: a verdict is never recomputed here.
/// </summary>
public static class RunComparison
{
    public const string HtmlFileName = "comparison.html";
    public const string MarkdownFileName = "comparison.md";
    public const string CsvFileName = "comparison.csv";

    private static readonly string[] LevelOrder = ["MUST", "PROCEDURE", "SHOULD", "MAY", "INFORMATIVE", "UNSPECIFIED"];

    /// <summary>
    /// Reads the statements of <paramref name="runs"/> (a run folder holding conformance-statement.json, or that file).
    /// Columns are labelled by DUT, or "DUT A", "DUT B"… in run order when <paramref name="anonymise"/> is set.
    /// </summary>
    public static IReadOnlyList<ComparedRun> Load(IReadOnlyList<string> runs, bool anonymise)
    {
        if (runs.Count < 2) throw new ArgumentException($"a comparison needs at least two runs (got {runs.Count}).");
        var loaded = new List<ComparedRun>();
        for (int i = 0; i < runs.Count; i++)
        {
            var path = runs[i];
            var doc = ConformanceStatement.Read(path);
            var file = Directory.Exists(path) ? Path.Combine(path, ConformanceStatement.JsonFileName) : path;
            loaded.Add(new ComparedRun("", Path.GetDirectoryName(Path.GetFullPath(file))!, doc));
        }
        var labels = loaded.Select((r, i) => anonymise ? $"DUT {(char)('A' + i)}" : r.Dut).ToList();
        // Two runs of one DUT (before/after, two shards): tell them apart by run name.
        var repeated = labels.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        for (int i = 0; i < labels.Count; i++)
            if (repeated.Contains(labels[i])) labels[i] += $" [{Path.GetFileName(loaded[i].RunDirectory)}]";
        return [.. loaded.Select((r, i) => r with { Label = labels[i] })];
    }

    public static IReadOnlyList<ComparisonRow> Rows(IReadOnlyList<ComparedRun> runs) =>
    [
        .. runs.SelectMany(r => r.Statement.TestPurposes).GroupBy(t => t.TestPurposeId, StringComparer.Ordinal)
            .Select(g =>
            {
                var first = g.First();
                var cells = runs.Select(r => r.Statement.TestPurposes.FirstOrDefault(t => t.TestPurposeId == g.Key)).ToList();
                return new ComparisonRow(g.Key, ShortTitle(first), first.Rfc, first.Section, first.Level, cells);
            })
            .OrderBy(r => r.Rfc ?? "~", StringComparer.Ordinal).ThenBy(r => SectionKey(r.Section), StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal),
    ];

    /// <summary>The verdict as one word for a cell: PASS, FAIL, KNOWN (DEV-…), INCONCLUSIVE, NOT RUN, N/A, or — (not in that run).</summary>
    public static string VerdictText(TestPurposeVerdict? v) => v is null ? "—" : v.Verdict switch
    {
        "fail" when v.KnownDeviation => "KNOWN " + string.Join(' ', v.KnownDeviationIds),
        "not-applicable" => "N/A",
        "not-run" => "NOT RUN",
        var other => other.ToUpperInvariant(),
    };

    /// <summary>PICS entries whose value is not the same in every run (a run without the key shows "—").</summary>
    public static IReadOnlyList<(string Key, IReadOnlyList<string> Values)> PicsDifferences(IReadOnlyList<ComparedRun> runs) =>
    [
        .. runs.SelectMany(r => r.Statement.Pics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(k => (k, (IReadOnlyList<string>)[.. runs.Select(r => r.Statement.Pics.TryGetValue(k, out var v) ? v : "—")]))
            .Where(x => x.Item2.Distinct(StringComparer.Ordinal).Count() > 1),
    ];

    /// <summary>
    /// Per RFC of the requirements matrix (docs/coverage.json as built into this harness): its requirement statements, how
    /// many the suite's purposes cover, and per run how many of them a purpose it passed covers — what each DUT
    /// demonstrated, against one yardstick.
    /// </summary>
    public static IReadOnlyList<(string Rfc, int Statements, int CoveredBySuite, IReadOnlyList<int> Demonstrated)> Coverage(IReadOnlyList<ComparedRun> runs)
    {
        var matrix = Catalogue.CoverageMatrix.EmbeddedStatements();
        var passed = runs.Select(r => r.Statement.TestPurposes.Where(t => t.Verdict == "pass").Select(t => t.TestPurposeId).ToHashSet(StringComparer.Ordinal)).ToList();
        return
        [
            .. matrix.GroupBy(m => m.Document, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
                (g.Key, g.Count(), g.Count(m => m.TestPurposes.Count > 0),
                 (IReadOnlyList<int>)[.. passed.Select(p => g.Count(m => m.TestPurposes.Any(p.Contains)))])),
        ];
    }

    /// <summary>Writes comparison.html, comparison.md and comparison.csv into <paramref name="outputDirectory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<ComparedRun> runs, string outputDirectory, bool anonymise)
    {
        Directory.CreateDirectory(outputDirectory);
        var rows = Rows(runs);
        var html = Path.Combine(outputDirectory, HtmlFileName);
        var md = Path.Combine(outputDirectory, MarkdownFileName);
        var csv = Path.Combine(outputDirectory, CsvFileName);
        File.WriteAllText(html, Html(runs, rows, outputDirectory, anonymise));
        File.WriteAllText(md, Markdown(runs, rows, anonymise));
        File.WriteAllText(csv, Csv(runs, rows));
        return [html, md, csv];
    }

    // ------------------------------------------------------------------ renderings

    public static string Csv(IReadOnlyList<ComparedRun> runs, IReadOnlyList<ComparisonRow> rows)
    {
        var sb = new StringBuilder();
        sb.Append("test_purpose,rfc,section,level,title");
        foreach (var r in runs) sb.Append(',').Append(CsvCell(r.Label));
        sb.Append(",differs\n");
        foreach (var row in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{CsvCell(row.Id)},{CsvCell(row.Rfc)},{CsvCell(row.Section)},{row.Level},{CsvCell(row.Title)}");
            foreach (var c in row.Cells) sb.Append(',').Append(CsvCell(VerdictText(c)));
            sb.Append(',').Append(row.Differs ? "yes" : "no").Append('\n');
        }
        return sb.ToString();
    }

    public static string Markdown(IReadOnlyList<ComparedRun> runs, IReadOnlyList<ComparisonRow> rows, bool anonymise)
    {
        var sb = new StringBuilder("# SRv6 conformance: side-by-side comparison\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{runs.Count} runs, {rows.Count} test purposes, {rows.Count(r => r.Differs)} with different verdicts. Verdicts are the runs' own conformance statements.\n\n");
        sb.Append("| Column | Run | Generated | Suite |\n|---|---|---|---|\n");
        foreach (var r in runs)
            sb.Append(CultureInfo.InvariantCulture, $"| {Md(r.Label)} | {Md(anonymise ? "—" : Path.GetFileName(r.RunDirectory))} | {Md(r.Statement.GeneratedAt)} | {Md(r.Statement.SuiteVersion + " " + r.Statement.Environment.GetValueOrDefault("suite.commit", ""))} |\n");
        sb.Append("\n## Summary by level\n\n| Level | ").Append(string.Join(" | ", runs.Select(r => Md(r.Label)))).Append(" |\n|---|").Append(string.Concat(runs.Select(_ => "---|"))).Append('\n');
        foreach (var level in Levels(runs))
            sb.Append("| ").Append(level).Append(" | ").Append(string.Join(" | ", runs.Select(r => r.Statement.SummaryByLevel.TryGetValue(level, out var s) ? s.Text : "—"))).Append(" |\n");
        sb.Append("\n## Summary by RFC\n\n| RFC | ").Append(string.Join(" | ", runs.Select(r => Md(r.Label)))).Append(" |\n|---|").Append(string.Concat(runs.Select(_ => "---|"))).Append('\n');
        foreach (var rfc in Rfcs(runs))
            sb.Append("| ").Append(rfc).Append(" | ").Append(string.Join(" | ", runs.Select(r => RfcSummary(r, rfc)))).Append(" |\n");
        sb.Append("\n## Requirement coverage\n\nRequirement statements of each RFC (the suite's requirements matrix), how many the suite's purposes cover, and how many each DUT demonstrated (covered by a purpose it passed).\n\n");
        sb.Append("| RFC | Statements | Covered by the suite | ").Append(string.Join(" | ", runs.Select(r => Md(r.Label)))).Append(" |\n|---|---|---|").Append(string.Concat(runs.Select(_ => "---|"))).Append('\n');
        foreach (var (rfc, statements, covered, shown) in Coverage(runs))
            sb.Append(CultureInfo.InvariantCulture, $"| {rfc} | {statements} | {covered} | {string.Join(" | ", shown)} |\n");
        var pics = PicsDifferences(runs);
        sb.Append("\n## PICS differences\n\n");
        if (pics.Count == 0) sb.Append("The runs claim the same capabilities.\n");
        else
        {
            sb.Append("| Capability | ").Append(string.Join(" | ", runs.Select(r => Md(r.Label)))).Append(" |\n|---|").Append(string.Concat(runs.Select(_ => "---|"))).Append('\n');
            foreach (var (k, v) in pics) sb.Append("| ").Append(Md(k)).Append(" | ").Append(string.Join(" | ", v.Select(Md))).Append(" |\n");
        }
        sb.Append("\n## Test purposes\n\n| Test purpose | RFC § | Level | ").Append(string.Join(" | ", runs.Select(r => Md(r.Label)))).Append(" |\n|---|---|---|").Append(string.Concat(runs.Select(_ => "---|"))).Append('\n');
        foreach (var row in rows)
            sb.Append(CultureInfo.InvariantCulture, $"| {row.Id}{(row.Differs ? " ≠" : "")} | {Md(row.Rfc)} §{Md(row.Section)} | {row.Level} | {string.Join(" | ", row.Cells.Select(c => Md(VerdictText(c))))} |\n");
        return sb.ToString();
    }

    public static string Html(IReadOnlyList<ComparedRun> runs, IReadOnlyList<ComparisonRow> rows, string outputDirectory, bool anonymise)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SRv6 conformance: side-by-side comparison</title>\n<style>\n");
        sb.Append("""
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222} table{border-collapse:collapse;margin:.5em 0 1.5em}
            th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top} th{background:#f3f3f3}
            .pass{background:#d8f5d8} .fail{background:#f8d0d0} .known{background:#fbe7c6} .inconclusive{background:#e5d4f5}
            .not-run{background:#ddd} .na{color:#777} .differs td:first-child{border-left:4px solid #c00} details{font-size:.85em}
            #filters label{margin-right:1.5em} .count{color:#555}
            """);
        sb.Append("\n</style></head><body>\n<h1>SRv6 conformance: side-by-side comparison</h1>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<p data-testid=\"intro\">{runs.Count} runs, {rows.Count} test purposes, <span data-testid=\"differing\">{rows.Count(r => r.Differs)}</span> with different verdicts. Verdicts are the runs' own conformance statements; a cell links to that run's evidence.</p>\n");
        sb.Append("<table data-testid=\"runs\"><tr><th>Column</th><th>Run</th><th>Generated</th><th>Suite</th><th>Statement</th></tr>\n");
        foreach (var r in runs)
        {
            var st = Rel(outputDirectory, Path.Combine(r.RunDirectory, ConformanceStatement.MarkdownFileName));
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Label)}</td><td>{E(anonymise ? "—" : Path.GetFileName(r.RunDirectory))}</td><td>{E(r.Statement.GeneratedAt)}</td><td>{E(r.Statement.SuiteVersion + " " + r.Statement.Environment.GetValueOrDefault("suite.commit", ""))}</td><td><a href=\"{E(st)}\">conformance statement</a></td></tr>\n");
        }
        sb.Append("</table>\n<h2>Summary by level</h2>\n<table data-testid=\"by-level\"><tr><th>Level</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Label)}</th>"))).Append("</tr>\n");
        foreach (var level in Levels(runs))
            sb.Append("<tr><td>").Append(level).Append("</td>").Append(string.Concat(runs.Select(r => $"<td>{E(r.Statement.SummaryByLevel.TryGetValue(level, out var s) ? s.Text : "—")}</td>"))).Append("</tr>\n");
        sb.Append("</table>\n<h2>Summary by RFC</h2>\n<table data-testid=\"by-rfc\"><tr><th>RFC</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Label)}</th>"))).Append("</tr>\n");
        foreach (var rfc in Rfcs(runs))
            sb.Append("<tr><td>").Append(E(rfc)).Append("</td>").Append(string.Concat(runs.Select(r => $"<td>{E(RfcSummary(r, rfc))}</td>"))).Append("</tr>\n");
        sb.Append("</table>\n<h2>Requirement coverage</h2>\n<p>Requirement statements of each RFC (the suite's requirements matrix), how many the suite's purposes cover, and how many each DUT demonstrated (covered by a purpose it passed).</p>\n");
        sb.Append("<table data-testid=\"coverage\"><tr><th>RFC</th><th>Statements</th><th>Covered by the suite</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Label)}</th>"))).Append("</tr>\n");
        foreach (var (rfc, statements, covered, shown) in Coverage(runs))
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(rfc)}</td><td>{statements}</td><td>{covered}</td>{string.Concat(shown.Select(n => $"<td>{n}</td>"))}</tr>\n");
        var pics = PicsDifferences(runs);
        sb.Append("</table>\n<h2>PICS differences</h2>\n");
        if (pics.Count == 0) sb.Append("<p data-testid=\"pics\">The runs claim the same capabilities.</p>\n");
        else
        {
            sb.Append("<table data-testid=\"pics\"><tr><th>Capability</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Label)}</th>"))).Append("</tr>\n");
            foreach (var (k, v) in pics) sb.Append("<tr><td>").Append(E(k)).Append("</td>").Append(string.Concat(v.Select(x => $"<td>{E(x)}</td>"))).Append("</tr>\n");
            sb.Append("</table>\n");
        }
        sb.Append("<h2>Test purposes</h2>\n<div id=\"filters\"><label>Level <select id=\"level\" data-testid=\"filter-level\"><option value=\"\">all</option>");
        foreach (var l in rows.Select(r => r.Level).Distinct().OrderBy(l => Array.IndexOf(LevelOrder, l) is var i && i < 0 ? 99 : i)) sb.Append(CultureInfo.InvariantCulture, $"<option>{E(l)}</option>");
        sb.Append("</select></label><label>RFC <select id=\"rfc\" data-testid=\"filter-rfc\"><option value=\"\">all</option>");
        foreach (var rfc in rows.Select(r => r.Rfc ?? "").Distinct().Order(StringComparer.Ordinal)) sb.Append(CultureInfo.InvariantCulture, $"<option>{E(rfc)}</option>");
        sb.Append("</select></label><label><input type=\"checkbox\" id=\"differs\" data-testid=\"filter-differs\"> only purposes with different verdicts</label> <span class=\"count\" data-testid=\"shown\"></span></div>\n");
        sb.Append("<table data-testid=\"purposes\"><thead><tr><th>Test purpose</th><th>RFC §</th><th>Level</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Label)}</th>"))).Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr data-testid=\"purpose-row\" data-id=\"{E(row.Id)}\" data-level=\"{E(row.Level)}\" data-rfc=\"{E(row.Rfc)}\" data-differs=\"{(row.Differs ? "1" : "0")}\"{(row.Differs ? " class=\"differs\"" : "")}>");
            sb.Append(CultureInfo.InvariantCulture, $"<td title=\"{E(row.Title)}\">{E(row.Id)}</td><td>{E(row.Rfc)} §{E(row.Section)}</td><td>{E(row.Level)}</td>");
            for (int i = 0; i < runs.Count; i++)
            {
                var c = row.Cells[i];
                var cls = c is null ? "na" : c.Verdict == "fail" && c.KnownDeviation ? "known" : c.Verdict == "not-applicable" ? "na" : c.Verdict;
                sb.Append(CultureInfo.InvariantCulture, $"<td class=\"{cls}\" data-run=\"{i}\"><b>{E(VerdictText(c))}</b>");
                if (c is { Evidence.Count: > 0 })
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<details><summary>evidence ({c.Evidence.Count})</summary>");
                    foreach (var ev in c.Evidence)
                        sb.Append(CultureInfo.InvariantCulture, $"<div><a href=\"{E(Rel(outputDirectory, Path.Combine(runs[i].RunDirectory, ev.Path)))}\">{E(ev.Name)}</a></div>");
                    sb.Append("</details>");
                }
                sb.Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table>\n<script>\n");
        sb.Append("""
            const level = document.getElementById('level'), rfc = document.getElementById('rfc'), differs = document.getElementById('differs');
            function apply() {
              let shown = 0;
              for (const tr of document.querySelectorAll('tr[data-testid="purpose-row"]')) {
                const ok = (!level.value || tr.dataset.level === level.value) && (!rfc.value || tr.dataset.rfc === rfc.value) && (!differs.checked || tr.dataset.differs === '1');
                tr.style.display = ok ? '' : 'none';
                if (ok) shown++;
              }
              document.querySelector('[data-testid="shown"]').textContent = shown + ' shown';
            }
            for (const el of [level, rfc, differs]) el.addEventListener('change', apply);
            apply();
            """);
        sb.Append("\n</script>\n</body></html>\n");
        return sb.ToString();
    }

    // ------------------------------------------------------------------ helpers

    private static IEnumerable<string> Levels(IReadOnlyList<ComparedRun> runs) =>
        runs.SelectMany(r => r.Statement.SummaryByLevel.Keys).Distinct(StringComparer.Ordinal).OrderBy(l => Array.IndexOf(LevelOrder, l) is var i && i < 0 ? 99 : i);

    private static IEnumerable<string> Rfcs(IReadOnlyList<ComparedRun> runs) =>
        runs.SelectMany(r => r.Statement.SummaryByRfc.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>"pass/applicable" for the RFC over every level, from the statement's own summary.</summary>
    private static string RfcSummary(ComparedRun r, string rfc)
    {
        if (!r.Statement.SummaryByRfc.TryGetValue(rfc, out var byLevel)) return "—";
        int passed = byLevel.Values.Sum(s => s.Passed), applicable = byLevel.Values.Sum(s => s.Applicable), known = byLevel.Values.Sum(s => s.KnownDeviations);
        int failed = byLevel.Values.Sum(s => s.Failed) - known, inconclusive = byLevel.Values.Sum(s => s.Inconclusive);
        return $"{passed}/{applicable} passed" + (known > 0 ? $", {known} known" : "") + (failed > 0 ? $", {failed} failed" : "") + (inconclusive > 0 ? $", {inconclusive} inconclusive" : "");
    }

    private static string ShortTitle(TestPurposeVerdict t) =>
        t.Title is { } title && title.StartsWith(t.TestPurposeId + " ", StringComparison.Ordinal) ? title[(t.TestPurposeId.Length + 1)..] : t.Title ?? "";

    /// <summary>"4.16.1" → "0004.0016.0001" so sections sort as numbers ("A.3" after digits).</summary>
    private static string SectionKey(string? section) =>
        string.Join('.', (section ?? "").Split('.').Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n.ToString("D4", CultureInfo.InvariantCulture) : "~" + p));

    private static string Rel(string from, string to) => Path.GetRelativePath(from, to).Replace('\\', '/');

    private static string Md(string? s) => (s ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string CsvCell(string? s) =>
        s is null ? "" : s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
