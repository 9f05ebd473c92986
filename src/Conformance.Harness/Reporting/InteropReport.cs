using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Conformance.Harness.Topology;

namespace Conformance.Harness.Reporting;

/// <summary>A DUT of a multi-DUT run, as the run recorded it (dut.&lt;node&gt;.* in the statement's environment).</summary>
public sealed record InteropDut(string Node, string Platform, string Hostname, string Os, string Profile)
{
    /// <summary>The vendor (implementation) as its identity reads: the platform pack and the operating system it reported.</summary>
    public string Vendor => Os.Length > 0 ? $"{Platform} ({Os})" : Platform;
}

/// <summary>One multi-DUT run: its DUTs by node (one DUT pair and role assignment), the lab fault it ran with, its statement.</summary>
public sealed record InteropRun(string RunDirectory, string Testbed, string Topology, string Fault, IReadOnlyList<InteropDut> Duts, ConformanceStatementDocument Statement)
{
    public InteropDut? DutAt(string node) => Duts.FirstOrDefault(d => d.Node == node);
}

/// <summary>One run's result of one interop purpose: the DUT at each role, the verdict, the DUTs the verdict blames.</summary>
public sealed record InteropResult(int Run, string Verdict, IReadOnlyList<(string Node, string Dut, string Role)> Assignment, IReadOnlyList<string> Blamed, string Message,
    IReadOnlyList<(string Name, string Text)> Evidence, IReadOnlyList<EvidenceFile> Files)
{
    /// <summary>The blamed DUT's known deviations that this failure is (its profile lists them for the purpose); empty otherwise.</summary>
    public IReadOnlyList<string> KnownDeviations { get; init; } = [];
}

/// <summary>An interop purpose of the report: its description (from the cases assembly) and its results, one per run that has it.</summary>
public sealed record InteropTest(TestPurposeAttribute Purpose, IReadOnlyList<InteropResult> Results);

/// <summary>A row of the issues table: a purpose that did not pass for a DUT pair, and the DUT it was blamed on.</summary>
public sealed record InteropIssue(int Number, string PurposeId, string Pair, string Verdict, string Blamed, string Summary);

/// <summary>
/// The interop report the way public interop events publish (EANTC style), built from multi-DUT runs' conformance statements
/// and evidence: per test the purpose and procedure, a topology figure with the DUTs' roles (SVG drawn from the topology model),
/// the capture evidence per hop, a role table (one row per DUT pair and role assignment, with its result); a matrix of DUT pairs ×
/// tests; an issues table naming the blamed DUT's vendor, or, anonymised, the letters A, B, C (one per vendor, in order of
/// appearance). Anonymised, every vendor-identifying string of the runs (platform, operating system, host names, profile names,
/// run folders) is replaced everywhere, and the written files are checked not to contain any of them.
/// Reads only what the runs recorded: no verdict is recomputed.
/// </summary>
public sealed class InteropReport
{
    public const string HtmlFileName = "interop.html";
    public const string MarkdownFileName = "interop.md";

    public IReadOnlyList<InteropRun> Runs { get; }
    public IReadOnlyList<InteropTest> Tests { get; }
    public bool Anonymise { get; }
    public ReferenceTopology? Topology { get; }
    /// <summary>How a vendor is shown: its name, or "A", "B"… when anonymised.</summary>
    public IReadOnlyDictionary<string, string> VendorLabels { get; }
    /// <summary>Each vendor's letter (A, B, C… in order of appearance), named or not.</summary>
    public IReadOnlyDictionary<string, string> Letters { get; }
    /// <summary>The strings an anonymised report must not contain (each run's DUT identities, profiles, run folders).</summary>
    public IReadOnlyList<string> Hidden { get; }
    private readonly IReadOnlyList<(Regex Pattern, string With)> _redactions;

    private InteropReport(IReadOnlyList<InteropRun> runs, IReadOnlyList<TestPurposeAttribute> purposes, bool anonymise, ReferenceTopology? topology)
    {
        Runs = runs;
        Anonymise = anonymise;
        Topology = topology;
        var vendors = runs.SelectMany(r => r.Duts.Select(d => d.Vendor)).Distinct(StringComparer.Ordinal).ToList();
        VendorLabels = vendors.Select((v, i) => (v, anonymise ? Letter(i) : v)).ToDictionary(x => x.v, x => x.Item2, StringComparer.Ordinal);
        Letters = vendors.Select((v, i) => (v, Letter(i))).ToDictionary(x => x.v, x => x.Item2, StringComparer.Ordinal);
        var nodes = runs.SelectMany(r => r.Duts.Select(d => d.Node)).Concat(topology?.Nodes.Select(n => n.Name) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var hidden = new List<(string Text, string With)>();
        if (anonymise)
        {
            for (int k = 0; k < runs.Count; k++)
            {
                var r = runs[k];
                hidden.Add((r.Testbed, $"testbed {k + 1}"));
                hidden.Add((Path.GetFileName(r.RunDirectory), $"run {k + 1}"));
                foreach (var d in r.Duts)
                {
                    var letter = VendorLabels[d.Vendor];
                    hidden.Add((d.Vendor, letter));
                    hidden.Add((d.Os, letter));
                    hidden.Add((d.Platform, letter));
                    hidden.Add((d.Profile, $"profile of {letter} at {d.Node}"));
                    hidden.Add((d.Hostname, $"{letter}-{d.Node}"));
                }
            }
        }
        // A host name that is a node name (n2 at N2) names the node, not the vendor; too short a string would mangle the text.
        var list = hidden.Where(h => h.Text.Trim().Length >= 3 && !nodes.Contains(h.Text.Trim())).GroupBy(h => h.Text.Trim(), StringComparer.OrdinalIgnoreCase)
            .Select(g => (Text: g.Key, g.First().With)).OrderByDescending(h => h.Text.Length).ToList();
        Hidden = [.. list.Select(h => h.Text)];
        _redactions = [.. list.Select(h => (new Regex(Regex.Escape(h.Text), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), h.With))];

        var tests = new List<InteropTest>();
        foreach (var p in purposes.Where(p => p.Roles.Length > 0).OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            var results = new List<InteropResult>();
            for (int k = 0; k < runs.Count; k++)
            {
                var v = runs[k].Statement.TestPurposes.FirstOrDefault(t => t.TestPurposeId == p.Id);
                if (v is null) continue;
                var message = v.Messages.FirstOrDefault() ?? "";
                var firstLine = message.Split('\n')[0];
                var blamed = runs[k].Duts.Select(d => d.Node).Where(n => firstLine.Contains($"blamed on {n} (", StringComparison.Ordinal) || firstLine.Contains($" and {n} (", StringComparison.Ordinal)).ToList();
                var assignment = p.DutRoles.Select(x => (x.Node, runs[k].DutAt(x.Node) is { } d ? DutName(d) : "not a DUT of this testbed", x.Role)).ToList();
                var evidence = v.Evidence.Where(e => e.MimeType.StartsWith("text/", StringComparison.Ordinal))
                    .Select(e => (e.Name, Text: ReadText(runs[k].RunDirectory, e.Path))).Where(e => e.Text is not null).Select(e => (e.Name, e.Text!)).ToList();
                results.Add(new InteropResult(k, v.Verdict, assignment, blamed, message, evidence, [.. v.Evidence.Where(e => !e.MimeType.StartsWith("text/", StringComparison.Ordinal))])
                {
                    KnownDeviations = v.KnownDeviation ? v.KnownDeviationIds : [],
                });
            }
            tests.Add(new InteropTest(p, results));
        }
        Tests = tests;
    }

    /// <summary>
    /// Reads the runs (run folders with conformance-statement.json, or those files) and keeps the multi-DUT ones; the
    /// purposes are the suite's (the interop ones, with roles, are reported); the topology is the runs' (statement
    /// environment "topology"), else <paramref name="topology"/>.
    /// </summary>
    public static InteropReport Build(IReadOnlyList<string> runPaths, IReadOnlyList<TestPurposeAttribute> purposes, bool anonymise, ReferenceTopology? topology = null)
    {
        if (runPaths.Count == 0) throw new ArgumentException("an interop report needs at least one run of a multi-DUT testbed.");
        var runs = new List<InteropRun>();
        foreach (var path in runPaths)
        {
            var doc = ConformanceStatement.Read(path);
            var file = Directory.Exists(path) ? Path.Combine(path, ConformanceStatement.JsonFileName) : path;
            var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
            var env = doc.Environment;
            var nodes = env.Keys.Select(k => Regex.Match(k, @"^dut\.([^.]+)\.platform$")).Where(m => m.Success).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
            if (nodes.Count < 2)
                throw new InvalidDataException($"{path}: not a run of a multi-DUT testbed (its statement names {nodes.Count} DUT node(s); testbed.topology.dut_nodes makes one).");
            string E(string key) => env.GetValueOrDefault(key, "");
            runs.Add(new InteropRun(dir, E("profile"), E("topology"), env.GetValueOrDefault("lab.fault_mode", "None"),
                [.. nodes.Select(n => new InteropDut(n, E($"dut.{n}.platform"), E($"dut.{n}.hostname"), E($"dut.{n}.os"), E($"dut.{n}.profile")))], doc));
        }
        var topo = runs.Select(r => r.Topology).FirstOrDefault(t => t.Length > 0) is { } name ? Topologies.TryFind(name) ?? topology : topology;
        return new InteropReport(runs, purposes, anonymise, topo);
    }

    private static string Letter(int i) => i < 26 ? ((char)('A' + i)).ToString() : $"{(char)('A' + i / 26 - 1)}{(char)('A' + i % 26)}";

    private static string? ReadText(string runDirectory, string path)
    {
        var file = Path.Combine(runDirectory, path);
        if (!File.Exists(file)) return null;
        var text = File.ReadAllText(file);
        return text.Length > 20000 ? text[..20000] + "\n… (cut at 20,000 characters; the run's file has it all)" : text;
    }

    /// <summary>Replaces every vendor-identifying string (anonymised); the text unchanged otherwise. Secrets are redacted always.</summary>
    public string Redact(string? text)
    {
        var s = SecretRedactor.Redact(text ?? "");
        foreach (var (p, with) in _redactions) s = p.Replace(s, with);
        return s;
    }

    /// <summary>A DUT as the report names it: "A" (anonymised) or its vendor and host.</summary>
    public string DutName(InteropDut d) => Anonymise ? VendorLabels[d.Vendor] : $"{d.Vendor}, host {d.Hostname}";

    /// <summary>A run's DUT pair and role assignment: "N2 = A · N4 = B", with the lab fault when it ran with one.</summary>
    public string PairOf(int run)
    {
        var r = Runs[run];
        var pair = string.Join(" · ", r.Duts.Select(d => $"{d.Node} = {(Anonymise ? VendorLabels[d.Vendor] : d.Platform)}"));
        return r.Fault is "None" or "" ? pair : $"{pair} (fault {r.Fault})";
    }

    /// <summary>The issues: every result that is not a pass or not applicable, with the DUT it is blamed on (the testbed when none).</summary>
    public IReadOnlyList<InteropIssue> Issues()
    {
        var list = new List<InteropIssue>();
        foreach (var t in Tests)
            foreach (var r in t.Results.Where(r => r.Verdict is not ("pass" or "not-applicable")))
            {
                var blamed = r.Blamed.Count == 0 ? (r.Verdict == "inconclusive" ? "testbed (inconclusive)" : "—")
                    : string.Join(", ", r.Blamed.Select(n => $"{(Runs[r.Run].DutAt(n) is { } d ? (Anonymise ? VendorLabels[d.Vendor] : d.Vendor) : "?")} at {n}"));
                list.Add(new InteropIssue(list.Count + 1, t.Purpose.Id, PairOf(r.Run), r.Verdict, blamed, Redact(r.Message.Split('\n')[0])));
            }
        return list;
    }

    public static string VerdictText(string verdict) => verdict switch { "not-applicable" => "N/A", "not-run" => "NOT RUN", var v => v.ToUpperInvariant() };

    // ------------------------------------------------------------------ writing

    /// <summary>Writes interop.html (one file, figures inline), interop.md and one SVG figure per test; returns their paths.
    /// Anonymised, a written file that still contains a hidden string is an error (and is deleted).</summary>
    public IReadOnlyList<string> Write(string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var files = new List<(string Path, string Text)>
        {
            (Path.Combine(outputDirectory, HtmlFileName), Html(outputDirectory)),
            (Path.Combine(outputDirectory, MarkdownFileName), Markdown()),
        };
        foreach (var t in Tests)
            files.Add((Path.Combine(outputDirectory, FigureFile(t)), Figure(t)));
        foreach (var (path, text) in files)
        {
            var leak = Hidden.FirstOrDefault(h => text.Contains(h, StringComparison.OrdinalIgnoreCase));
            if (leak is not null)
                throw new InvalidDataException($"{Path.GetFileName(path)}: the anonymised report would name a DUT's identity; not written.");
            File.WriteAllText(path, text);
        }
        return [.. files.Select(f => f.Path)];
    }

    private static string FigureFile(InteropTest t) => $"interop-figure-{t.Purpose.Id}.svg";

    /// <summary>The test's figure: the topology with every DUT node of its roles marked and its role written under it.</summary>
    public string Figure(InteropTest t) => Topology is null ? "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"
        : TopologySvg.Render(Topology, t.Purpose.DutRoles.GroupBy(r => r.Node).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(r => Regex.Replace(ShortRole(r.Role), @"\s*\([^)]*\)", "")))), Redact);

    private static string ShortRole(string role) => role.Split(':', 2)[0].Trim();

    private string Procedure(TestPurposeAttribute p) => Redact(p.Stimulus);

    public string Markdown()
    {
        var sb = new StringBuilder("# SRv6 interoperability report\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{Runs.Count} run(s) of multi-DUT testbeds, {Tests.Count} interop test(s). Verdicts are the runs' own; each hop was judged with the Figure 1 rule (the first wrong hop decides, blamed on the DUT that sent it; upstream problems are inconclusive).{(Anonymise ? " Vendors are anonymised as A, B, C." : "")}\n\n");
        sb.Append("## Participants\n\n| Vendor | Implementation (platform, operating system) | Host names |\n|---|---|---|\n");
        foreach (var (v, l) in Letters) sb.Append(CultureInfo.InvariantCulture, $"| {l} | {Md(Anonymise ? "(anonymised)" : v)} | {Md(Anonymise ? "—" : Hosts(v))} |\n");
        sb.Append("\n## Matrix: DUT pairs × tests\n\n| DUT pair (role assignment) | ").Append(string.Join(" | ", Tests.Select(t => t.Purpose.Id))).Append(" |\n|---|").Append(string.Concat(Tests.Select(_ => "---|"))).Append('\n');
        for (int k = 0; k < Runs.Count; k++)
            sb.Append("| ").Append(Md(Redact(PairOf(k)))).Append(" | ").Append(string.Join(" | ", Tests.Select(t => t.Results.FirstOrDefault(r => r.Run == k) is { } r ? Cell(r) : "—"))).Append(" |\n");
        var issues = Issues();
        sb.Append("\n## Issues\n\n");
        if (issues.Count == 0) sb.Append("None: every result passed or was not applicable.\n");
        else
        {
            sb.Append("| # | Test | DUT pair | Verdict | Blamed DUT | Summary |\n|---|---|---|---|---|---|\n");
            foreach (var i in issues) sb.Append(CultureInfo.InvariantCulture, $"| {i.Number} | {i.PurposeId} | {Md(Redact(i.Pair))} | {VerdictText(i.Verdict)} | {Md(i.Blamed)} | {Md(i.Summary)} |\n");
        }
        foreach (var t in Tests)
        {
            var p = t.Purpose;
            sb.Append(CultureInfo.InvariantCulture, $"\n## {p.Id}: {Md(Redact(p.Feature))}\n\n**Purpose.** {Redact(p.Title)}\n\n**Procedure.** {Procedure(p)}\n\n**Expected.** {Redact(p.Expected)}\n\n");
            foreach (var q in p.Cited) sb.Append(CultureInfo.InvariantCulture, $"> {q.Citation} ({q.Id}): \"{Redact(q.Text).ReplaceLineEndings(" ").Trim()}\"\n>\n");
            sb.Append(CultureInfo.InvariantCulture, $"\n![Topology and roles of {p.Id}]({FigureFile(t)})\n\n");
            sb.Append("| DUT pair | ").Append(string.Join(" | ", p.DutRoles.Select(r => $"{r.Node}: {Md(Redact(ShortRole(r.Role)))}"))).Append(" | Result | Blamed |\n|---|").Append(string.Concat(p.DutRoles.Select(_ => "---|"))).Append("---|---|\n");
            foreach (var r in t.Results)
                sb.Append("| ").Append(Md(Redact(PairOf(r.Run)))).Append(" | ").Append(string.Join(" | ", r.Assignment.Select(a => Md(Redact(a.Dut))))).Append(" | ").Append(ResultText(r)).Append(" | ")
                  .Append(r.Blamed.Count == 0 ? "—" : string.Join(", ", r.Blamed)).Append(" |\n");
            foreach (var r in t.Results)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n### {p.Id}, {Md(Redact(PairOf(r.Run)))}: {ResultText(r)}\n\n");
                if (r.Message.Length > 0) sb.Append("```\n").Append(Redact(r.Message).Trim()).Append("\n```\n\n");
                foreach (var (name, text) in r.Evidence.Where(e => IsHopEvidence(e.Name)))
                    sb.Append(CultureInfo.InvariantCulture, $"**{Md(Redact(name))}**\n\n```\n{Redact(text).Trim()}\n```\n\n");
                foreach (var f in r.Files) sb.Append(CultureInfo.InvariantCulture, $"- capture: {Md(Redact(f.Name))} (sha256 {f.Sha256 ?? "—"})\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>The evidence a report shows per hop: the path computed, what was expected and received on each link, the measurement, the roles.</summary>
    private static bool IsHopEvidence(string name) =>
        name.StartsWith("Path computed", StringComparison.Ordinal) || name.StartsWith("Traceroute", StringComparison.Ordinal) || name.StartsWith("Expected hop by hop", StringComparison.Ordinal)
        || name.StartsWith("Received on tester ports and link taps", StringComparison.Ordinal) || name.StartsWith("Path measurement", StringComparison.Ordinal)
        || name.StartsWith("Exports correlated", StringComparison.Ordinal) || name.StartsWith("Roles", StringComparison.Ordinal) || name.StartsWith("Expected vs received", StringComparison.Ordinal)
        || name.StartsWith("Not judged", StringComparison.Ordinal);

    /// <summary>A result's verdict as shown: a failure that is a listed deviation of the blamed DUT says so, with its ids.</summary>
    private string ResultText(InteropResult r) => r.KnownDeviations.Count == 0 ? VerdictText(r.Verdict)
        : $"{VerdictText(r.Verdict)}, KNOWN {Redact(string.Join(", ", r.KnownDeviations))}";

    private string Cell(InteropResult r) => ResultText(r) + (r.Blamed.Count == 0 ? "" : " (" + string.Join(", ", r.Blamed.Select(n => Runs[r.Run].DutAt(n) is { } d ? $"{(Anonymise ? VendorLabels[d.Vendor] : d.Platform)}@{n}" : n)) + ")");

    public string Html(string outputDirectory)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        static string Cls(string v) => v switch { "pass" => "pass", "fail" => "fail", "inconclusive" => "inconclusive", _ => "na" };
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SRv6 interoperability report</title>\n<style>\n");
        sb.Append("""
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px} table{border-collapse:collapse;margin:.5em 0 1.5em}
            th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top} th{background:#f3f3f3}
            .pass{background:#d8f5d8} .fail{background:#f8d0d0} .inconclusive{background:#e5d4f5} .na{color:#777}
            blockquote{border-left:3px solid #99b;margin:.5em 0;padding:.2em .8em;color:#334} pre{background:#f7f7f7;padding:.5em;overflow-x:auto;font-size:.8em}
            section.test{border-top:2px solid #889;margin-top:2em} details{margin:.3em 0}
            """);
        sb.Append("\n</style></head><body>\n<h1>SRv6 interoperability report</h1>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<p data-testid=\"intro\">{Runs.Count} run(s) of multi-DUT testbeds, {Tests.Count} interop test(s). Verdicts are the runs' own; each hop was judged with the Figure 1 rule (the first wrong hop decides, blamed on the DUT that sent it; upstream problems are inconclusive).{(Anonymise ? " Vendors are anonymised as A, B, C." : "")}</p>\n");
        sb.Append("<h2>Participants</h2>\n<table data-testid=\"participants\"><tr><th>Vendor</th><th>Implementation (platform, operating system)</th><th>Host names</th></tr>\n");
        foreach (var (v, l) in Letters) sb.Append(CultureInfo.InvariantCulture, $"<tr data-testid=\"participant\"><td>{E(l)}</td><td>{E(Anonymise ? "(anonymised)" : v)}</td><td>{E(Anonymise ? "—" : Hosts(v))}</td></tr>\n");
        sb.Append("</table>\n<h2>Matrix: DUT pairs × tests</h2>\n<table data-testid=\"matrix\"><thead><tr><th>DUT pair (role assignment)</th>")
          .Append(string.Concat(Tests.Select(t => $"<th><a href=\"#{E(t.Purpose.Id)}\">{E(t.Purpose.Id)}</a></th>"))).Append("</tr></thead><tbody>\n");
        for (int k = 0; k < Runs.Count; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr data-testid=\"pair-row\" data-run=\"{k}\"><td>{E(Redact(PairOf(k)))}</td>");
            foreach (var t in Tests)
                sb.Append(t.Results.FirstOrDefault(r => r.Run == k) is { } r
                    ? $"<td class=\"{Cls(r.Verdict)}\" data-test=\"{E(t.Purpose.Id)}\">{E(Cell(r))}</td>" : $"<td class=\"na\" data-test=\"{E(t.Purpose.Id)}\">—</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table>\n<h2>Issues</h2>\n");
        var issues = Issues();
        if (issues.Count == 0) sb.Append("<p data-testid=\"issues\">None: every result passed or was not applicable.</p>\n");
        else
        {
            sb.Append("<table data-testid=\"issues\"><tr><th>#</th><th>Test</th><th>DUT pair</th><th>Verdict</th><th>Blamed DUT</th><th>Summary</th></tr>\n");
            foreach (var i in issues)
                sb.Append(CultureInfo.InvariantCulture, $"<tr data-testid=\"issue-row\"><td>{i.Number}</td><td><a href=\"#{E(i.PurposeId)}\">{E(i.PurposeId)}</a></td><td>{E(Redact(i.Pair))}</td><td class=\"{Cls(i.Verdict)}\">{E(VerdictText(i.Verdict))}</td><td data-testid=\"blamed\">{E(i.Blamed)}</td><td>{E(i.Summary)}</td></tr>\n");
            sb.Append("</table>\n");
        }
        foreach (var t in Tests)
        {
            var p = t.Purpose;
            sb.Append(CultureInfo.InvariantCulture, $"<section class=\"test\" id=\"{E(p.Id)}\" data-testid=\"test\"><h2>{E(p.Id)}: {E(Redact(p.Feature))}</h2>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<p><b>Purpose.</b> {E(Redact(p.Title))}</p>\n<p data-testid=\"procedure\"><b>Procedure.</b> {E(Procedure(p))}</p>\n<p><b>Expected.</b> {E(Redact(p.Expected))}</p>\n");
            foreach (var q in p.Cited) sb.Append(CultureInfo.InvariantCulture, $"<blockquote><b>{E(q.Citation)}</b> ({E(q.Id)}): “{E(Redact(q.Text).ReplaceLineEndings(" ").Trim())}”</blockquote>\n");
            sb.Append("<figure data-testid=\"figure\">").Append(Figure(t)).Append(CultureInfo.InvariantCulture, $"<figcaption>Topology {E(Topology?.Name ?? "(unknown)")} with the DUTs' roles in {E(p.Id)}; the tester plays the other attachments.</figcaption></figure>\n");
            sb.Append("<table data-testid=\"roles\"><tr><th>DUT pair</th>").Append(string.Concat(p.DutRoles.Select(r => $"<th>{E(r.Node)}: {E(Redact(r.Role))}</th>"))).Append("<th>Result</th><th>Blamed</th></tr>\n");
            foreach (var r in t.Results)
                sb.Append(CultureInfo.InvariantCulture, $"<tr data-testid=\"role-row\"><td>{E(Redact(PairOf(r.Run)))}</td>{string.Concat(r.Assignment.Select(a => $"<td>{E(Redact(a.Dut))}</td>"))}<td class=\"{Cls(r.Verdict)}\">{E(ResultText(r))}</td><td>{E(r.Blamed.Count == 0 ? "—" : string.Join(", ", r.Blamed))}</td></tr>\n");
            sb.Append("</table>\n");
            foreach (var r in t.Results)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<details data-testid=\"evidence\"><summary>Evidence per hop: {E(Redact(PairOf(r.Run)))} — {E(ResultText(r))}</summary>\n");
                if (r.Message.Length > 0) sb.Append("<pre>").Append(E(Redact(r.Message).Trim())).Append("</pre>\n");
                foreach (var (name, text) in r.Evidence.Where(e => IsHopEvidence(e.Name)))
                    sb.Append(CultureInfo.InvariantCulture, $"<h4>{E(Redact(name))}</h4><pre>{E(Redact(text).Trim())}</pre>\n");
                foreach (var f in r.Files)
                    sb.Append(Anonymise ? $"<div>capture: {E(Redact(f.Name))} (sha256 {E(f.Sha256 ?? "—")})</div>\n"
                        : $"<div>capture: <a href=\"{E(Path.GetRelativePath(outputDirectory, Path.Combine(Runs[r.Run].RunDirectory, f.Path)).Replace('\\', '/'))}\">{E(f.Name)}</a> (sha256 {E(f.Sha256 ?? "—")})</div>\n");
                sb.Append("</details>\n");
            }
            sb.Append("</section>\n");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private string Hosts(string vendor) => string.Join(", ", Runs.SelectMany(r => r.Duts).Where(d => d.Vendor == vendor).Select(d => d.Hostname).Distinct(StringComparer.Ordinal));

    private static string Md(string? s) => (s ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}

/// <summary>
/// Draws a topology (its nodes and links, from the topology model) as SVG: routers in columns by hop distance from the first
/// router, a tester beside the router it attaches to (a tester attached to several, e.g. the controller, below them), parallel
/// links bowed apart and named, and the DUT nodes of a test marked with their roles.
/// </summary>
public static class TopologySvg
{
    public static string Render(ReferenceTopology t, IReadOnlyDictionary<string, string> roles, Func<string, string>? redact = null)
    {
        redact ??= s => s;
        static string E(string s) => WebUtility.HtmlEncode(s);
        var routers = t.Routers.Select(n => n.Name).ToList();
        var col = new Dictionary<string, int>();
        if (routers.Count > 0)
        {
            col[routers[0]] = 0;
            var queue = new Queue<string>([routers[0]]);
            while (queue.Count > 0)
            {
                var n = queue.Dequeue();
                foreach (var l in t.Links.Where(l => l.Touches(n)))
                {
                    var o = l.Other(n);
                    if (!t.Node(o).IsTester && !col.ContainsKey(o)) { col[o] = col[n] + 1; queue.Enqueue(o); }
                }
            }
            foreach (var n in routers.Where(n => !col.ContainsKey(n))) col[n] = col.Values.Max() + 1; // not connected: at the end
        }
        var pos = new Dictionary<string, (double X, double Y)>();
        const double Dx = 140, Dy = 110, X0 = 90, Y0 = 70;
        int minCol = col.Count == 0 ? 0 : col.Values.Min(), maxCol = col.Count == 0 ? 0 : col.Values.Max();
        foreach (var g in col.GroupBy(c => c.Value))
        {
            var inCol = g.Select(x => x.Key).ToList();
            for (int i = 0; i < inCol.Count; i++) pos[inCol[i]] = (X0 + (g.Key - minCol + 1) * Dx, Y0 + i * Dy);
        }
        int maxRow = col.GroupBy(c => c.Value).Select(g => g.Count()).DefaultIfEmpty(1).Max();
        foreach (var tester in t.Nodes.Where(n => n.IsTester))
        {
            var attached = t.Links.Where(l => l.Touches(tester.Name)).Select(l => l.Other(tester.Name)).Where(pos.ContainsKey).Distinct().ToList();
            if (attached.Count == 0) continue;
            if (attached.Count > 1) { pos[tester.Name] = (attached.Average(a => pos[a].X), Y0 + maxRow * Dy + 20); continue; }
            var (x, y) = pos[attached[0]];
            pos[tester.Name] = col[attached[0]] == minCol ? (x - Dx, y) : col[attached[0]] == maxCol ? (x + Dx, y) : (x, Y0 + maxRow * Dy + 20);
        }
        double width = pos.Values.Select(p => p.X).DefaultIfEmpty(0).Max() + 130, height = pos.Values.Select(p => p.Y).DefaultIfEmpty(0).Max() + 110;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:F0}\" height=\"{height:F0}\" viewBox=\"0 0 {width:F0} {height:F0}\" font-family=\"sans-serif\" font-size=\"11\" data-topology=\"{E(t.Name)}\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{E(t.Name)}: {E(string.Join("; ", roles.Select(r => $"{r.Key} {redact(r.Value)}")))}</title>\n");
        foreach (var pair in t.Links.Where(l => pos.ContainsKey(l.A) && pos.ContainsKey(l.B)).GroupBy(l => string.Join('|', new[] { l.A, l.B }.Order(StringComparer.Ordinal))))
        {
            var links = pair.ToList();
            for (int i = 0; i < links.Count; i++)
            {
                var l = links[i];
                var (x1, y1) = pos[l.A];
                var (x2, y2) = pos[l.B];
                double off = (i - (links.Count - 1) / 2.0) * 26;
                double len = Math.Max(1, Math.Sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)));
                double nx = -(y2 - y1) / len, ny = (x2 - x1) / len;
                double cx = (x1 + x2) / 2 + nx * off * 2, cy = (y1 + y2) / 2 + ny * off * 2;
                var tester = t.Node(l.A).IsTester || t.Node(l.B).IsTester;
                sb.Append(CultureInfo.InvariantCulture, $"<path d=\"M{x1:F1},{y1:F1} Q{cx:F1},{cy:F1} {x2:F1},{y2:F1}\" fill=\"none\" stroke=\"{(tester ? "#999" : "#446")}\" stroke-width=\"1.5\"{(tester ? " stroke-dasharray=\"4 3\"" : "")} data-link=\"{E(l.Name)}\"/>\n");
                double mx = (x1 + 2 * cx + x2) / 4, my = (y1 + 2 * cy + y2) / 4;
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{mx:F1}\" y=\"{my - 3:F1}\" text-anchor=\"middle\" fill=\"#557\" font-size=\"9\">{E(l.Name)}</text>\n");
            }
        }
        foreach (var n in t.Nodes.Where(n => pos.ContainsKey(n.Name)))
        {
            var (x, y) = pos[n.Name];
            bool dut = roles.TryGetValue(n.Name, out var role);
            var fill = dut ? "#f6b26b" : n.IsTester ? "#e8eef8" : "#ffffff";
            if (n.IsTester) sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x - 26:F1}\" y=\"{y - 16:F1}\" width=\"52\" height=\"32\" rx=\"4\" fill=\"{fill}\" stroke=\"#446\" data-node=\"{E(n.Name)}\"/>\n");
            else sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"22\" fill=\"{fill}\" stroke=\"{(dut ? "#b45f06" : "#446")}\" stroke-width=\"{(dut ? 3 : 1.5)}\" data-node=\"{E(n.Name)}\"{(dut ? " data-dut=\"1\"" : "")}/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y + 4:F1}\" text-anchor=\"middle\" font-weight=\"bold\">{E(n.Name)}</text>\n");
            if (dut)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y + 36:F1}\" text-anchor=\"middle\" fill=\"#b45f06\" font-weight=\"bold\">DUT</text>\n");
                var words = redact(role!).Split(' ');
                var lines = new List<string> { "" };
                foreach (var w in words) { if (lines[^1].Length + w.Length > 22) lines.Add(""); lines[^1] = (lines[^1] + " " + w).Trim(); }
                for (int i = 0; i < lines.Count; i++)
                    sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y + 49 + i * 12:F1}\" text-anchor=\"middle\" fill=\"#7a3d00\" data-role=\"{E(n.Name)}\">{E(lines[i])}</text>\n");
            }
        }
        sb.Append("</svg>");
        return sb.ToString();
    }
}
