using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Conformance.Harness.Reporting;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Catalogue;

/// <summary>
/// One normative statement of an RFC: a sentence with an upper-case BCP 14 keyword (kind "keyword",
/// id …-K<n>) or a block of behaviour pseudocode (kind "procedure", id …-P<n>), numbered in order within
/// its section. The published text never changes, so the ids are stable.
/// </summary>
public sealed record NormativeStatement(string Id, string Document, string Section, string Kind, string Level, string Text, int Start, int End);

/// <summary>How a statement is covered: by test purposes, or why not.</summary>
public sealed record CoverageRow(NormativeStatement Statement, IReadOnlyList<string> TestPurposes, IReadOnlyList<string> Requirements, string Status, string? Why);

/// <summary>
/// The requirement coverage matrix: every normative statement of the covered RFCs (generated from the
/// vendored texts), mapped to the test purposes whose catalogue entries quote part of it, or to a
/// recorded reason why it is not covered (Catalogue/coverage/*.yaml).
/// </summary>
public static partial class CoverageMatrix
{
    /// <summary>The documents whose every normative statement the matrix enumerates.</summary>
    public static readonly string[] Documents = ["RFC 8754", "RFC 8986", "RFC 9259", "RFC 9800"];

    public const string Covered = "covered";
    public const string Observable = "observable";       // observable on the wire, not yet covered
    public const string NotObservable = "not-observable"; // cannot be observed from the tester's ports
    public const string OutOfScope = "out-of-scope";     // control plane, IANA, management: not this suite's object

    /// <summary>The normative statements of one RFC, in document order.</summary>
    public static IReadOnlyList<NormativeStatement> Statements(RfcText rfc)
    {
        var all = new List<NormativeStatement>();
        var doc = rfc.Document.Replace(" ", "", StringComparison.Ordinal);
        var informative = InformativeParts(rfc).Select(x => x.Section.Number).ToList();
        foreach (var s in rfc.Sections)
        {
            if (Regex.IsMatch(s.Title, @"^(Requirements Language|Conventions|Terminology)", RegexOptions.IgnoreCase)) continue;
            if (informative.Any(n => s.Number == n || s.Number.StartsWith(n + ".", StringComparison.Ordinal))) continue;
            int k = 0, p = 0;
            foreach (var (kind, text) in Blocks(s.RawText))
            {
                if (kind == "procedure")
                {
                    var n = RfcText.Normalise(text);
                    var at = s.Text.IndexOf(n, StringComparison.Ordinal);
                    all.Add(new NormativeStatement($"{doc}-{s.Number}-P{++p}", rfc.Document, s.Number, "procedure", "PROCEDURE", n, at, at < 0 ? -1 : at + n.Length));
                    continue;
                }
                var para = RfcText.Normalise(text);
                var from = s.Text.IndexOf(para, StringComparison.Ordinal);
                int offset = 0;
                foreach (var sentence in RfcText.Sentences(para))
                {
                    var i = para.IndexOf(sentence, offset, StringComparison.Ordinal);
                    offset = i + sentence.Length;
                    var keywords = CatalogueCheck.Keywords(sentence);
                    if (keywords.Count == 0) continue;
                    var level = keywords.Select(w => RequirementCatalogue.LevelOf(w)!.Value).Min();
                    int start = from < 0 ? -1 : from + i;
                    all.Add(new NormativeStatement($"{doc}-{s.Number}-K{++k}", rfc.Document, s.Number, "keyword", level.ToKeyword(), sentence, start, start < 0 ? -1 : start + sentence.Length));
                }
            }
        }
        return all;
    }

    /// <summary>
    /// Parts the RFC itself declares informative (e.g. RFC 9800 Appendix A: "The content of this section is purely
    /// informative rendering of the pseudocodes […]"), with the sentence that says so: they and their subsections
    /// hold no normative statements.
    /// </summary>
    public static IReadOnlyList<(RfcSection Section, string Sentence)> InformativeParts(RfcText rfc) =>
        [.. rfc.Sections.Select(s => (s, sentence: RfcText.Sentences(s.Text).FirstOrDefault(x => Regex.IsMatch(x, @"\b(purely informative|(section|appendix) is informative)\b", RegexOptions.IgnoreCase))))
            .Where(x => x.sentence is not null).Select(x => (x.s, x.sentence!))];

    /// <summary>Splits a section's raw text into paragraphs of prose and blocks of S-labelled pseudocode.</summary>
    private static IEnumerable<(string Kind, string Text)> Blocks(string raw)
    {
        var lines = raw.Split('\n').ToList();
        var sb = new StringBuilder();
        string kind = "prose";
        int codeIndent = -1;
        IEnumerable<(string, string)> Flush()
        {
            if (sb.ToString().Trim().Length > 0) yield return (kind, sb.ToString());
            sb.Clear();
        }
        for (int i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            var indent = l.Length - l.TrimStart().Length;
            bool label = PseudocodeLabel().IsMatch(l); // a line of a note (an <aside>, marked "|") is never pseudocode
            if (kind == "procedure")
            {
                bool blank = l.Trim().Length == 0;
                bool continues = label || (!blank && indent > codeIndent)
                    || (blank && lines.Skip(i + 1).FirstOrDefault(x => x.Trim().Length > 0) is { } next
                        && PseudocodeLabel().IsMatch(next));
                if (continues) { sb.Append(l).Append('\n'); continue; }
                foreach (var b in Flush()) yield return b;
                kind = "prose";
            }
            if (label)
            {
                foreach (var b in Flush()) yield return b;
                kind = "procedure"; codeIndent = indent;
                sb.Append(l).Append('\n');
                continue;
            }
            if (l.Trim().Length == 0) { foreach (var b in Flush()) yield return b; continue; }
            sb.Append(l).Append('\n');
        }
        foreach (var b in Flush()) yield return b;
    }

    /// <summary>Reasons recorded for statements no test purpose covers: statement id → (status, why).</summary>
    public static IReadOnlyDictionary<string, (string Status, string Why)> LoadReasons()
    {
        var asm = typeof(CoverageMatrix).Assembly;
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("coverage/", StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            var file = "src/Conformance.Harness/Catalogue/coverage/" + name["coverage/".Length..];
            var ys = new YamlStream();
            ys.Load(new StreamReader(s));
            if (ys.Documents.Count == 0) continue;
            if (ys.Documents[0].RootNode is not YamlMappingNode root || !root.Children.TryGetValue(new YamlScalarNode("statements"), out var st) || st is not YamlSequenceNode seq)
                throw new InvalidDataException($"{file}:1: expected 'statements:' with a list of {{id, status, why}}.");
            foreach (var item in seq.OfType<YamlMappingNode>())
            {
                string Get(string k) => item.Children.TryGetValue(new YamlScalarNode(k), out var v) && v is YamlScalarNode sv && sv.Value is { Length: > 0 } x ? x
                    : throw new InvalidDataException($"{file}:{item.Start.Line}: '{k}' is missing.");
                var status = Get("status");
                if (status is not (Observable or NotObservable or OutOfScope))
                    throw new InvalidDataException($"{file}:{item.Start.Line}: status '{status}' must be {Observable}, {NotObservable} or {OutOfScope}.");
                if (!map.TryAdd(Get("id"), (status, Get("why"))))
                    throw new InvalidDataException($"{file}:{item.Start.Line}: statement {Get("id")} is listed twice.");
            }
        }
        return map;
    }

    /// <summary>
    /// The matrix: each statement with the purposes citing a catalogue entry whose quote overlaps it
    /// (same document and section), else its recorded reason, else "observable" with no reason given.
    /// </summary>
    public static IReadOnlyList<CoverageRow> Build(RfcLibrary library, RequirementCatalogue catalogue,
        IReadOnlyList<(string TestPurpose, IReadOnlyList<string> Requirements)> purposes, IReadOnlyDictionary<string, (string Status, string Why)> reasons)
    {
        var rows = new List<CoverageRow>();
        foreach (var d in Documents)
        {
            var rfc = library.Get(d) ?? throw new FileNotFoundException($"{d} is not vendored in {library.Directory}.");
            var entries = catalogue.All.Where(r => r.Document == d).Select(r =>
            {
                var sec = rfc.Section(r.Section);
                return (r, span: sec is null ? null : RfcText.Locate(sec.Text, r.Text));
            }).Where(x => x.span is not null).ToList();
            foreach (var st in Statements(rfc))
            {
                var hit = entries.Where(e => e.r.Section == st.Section && st.Start >= 0 && e.span!.Value.Start < st.End && st.Start < e.span.Value.End)
                    .Select(e => e.r.Id).ToList();
                var tps = purposes.Where(p => p.Requirements.Any(hit.Contains)).Select(p => p.TestPurpose).Distinct().Order(StringComparer.Ordinal).ToList();
                if (tps.Count > 0) rows.Add(new CoverageRow(st, tps, hit, Covered, null));
                else if (reasons.TryGetValue(st.Id, out var why)) rows.Add(new CoverageRow(st, [], hit, why.Status, why.Why));
                else rows.Add(new CoverageRow(st, [], hit, Observable, null));
            }
        }
        return rows;
    }

    /// <summary>Counts per document and status (and per level), for the README, the statement and docs/coverage.md.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Counts(IReadOnlyList<CoverageRow> rows) =>
        rows.GroupBy(r => r.Statement.Document).ToDictionary(g => g.Key,
            g => (IReadOnlyDictionary<string, int>)new[] { Covered, Observable, NotObservable, OutOfScope }.ToDictionary(s => s, s => g.Count(r => r.Status == s)));

    /// <summary>docs/coverage.md.</summary>
    public static string ToMarkdown(IReadOnlyList<CoverageRow> rows, RfcLibrary library)
    {
        var sb = new StringBuilder();
        sb.Append("# Requirement coverage matrix\n\n");
        sb.Append("Generated from the vendored RFC texts (`docs/rfc/`) by `scripts/update-docs.sh`; do not edit by hand (a harness test fails when\n");
        sb.Append("this file and the generator disagree). Every sentence with an upper-case BCP 14 keyword is a statement `…-K<n>`; every\n");
        sb.Append("block of behaviour pseudocode is a statement `…-P<n>` (level PROCEDURE: normative once the DUT claims the behaviour);\n");
        sb.Append("both numbered in order within their section. A statement is **covered** when a test purpose cites a catalogue entry\n");
        sb.Append("(`src/Conformance.Harness/Catalogue/requirements/`) that quotes part of it. Otherwise it is **observable** (could be\n");
        sb.Append("judged on the wire, no purpose yet), **not observable** from the tester's ports, or **out of scope** (control plane,\n");
        sb.Append("IANA, management), with the reason recorded in `src/Conformance.Harness/Catalogue/coverage/`.\n\n");
        sb.Append("Left out as informative by the RFC's own words (with their subsections): ");
        sb.Append(string.Join("; ", Documents.Select(d => (d, parts: library.Get(d) is { } t ? InformativeParts(t) : [])).SelectMany(x => x.parts.Select(p => $"{x.d} {(char.IsLetter(p.Section.Number[0]) ? "Appendix " : "§")}{p.Section.Number} (\"{p.Sentence}\")")).DefaultIfEmpty("none")));
        sb.Append(".\n\n## Summary\n\n| RFC | statements | covered | observable, not yet covered | not observable | out of scope |\n|---|---|---|---|---|---|\n");
        foreach (var (doc, c) in Counts(rows))
            sb.Append(CultureInfo.InvariantCulture, $"| {doc} | {c.Values.Sum()} | {c[Covered]} | {c[Observable]} | {c[NotObservable]} | {c[OutOfScope]} |\n");
        sb.Append("\n### By level\n\n| RFC | level | statements | covered |\n|---|---|---|---|\n");
        foreach (var g in rows.GroupBy(r => (r.Statement.Document, r.Statement.Level)).OrderBy(g => g.Key.Document, StringComparer.Ordinal).ThenBy(g => LevelRank(g.Key.Level)))
            sb.Append(CultureInfo.InvariantCulture, $"| {g.Key.Document} | {g.Key.Level} | {g.Count()} | {g.Count(r => r.Status == Covered)} |\n");
        foreach (var doc in rows.GroupBy(r => r.Statement.Document))
        {
            sb.Append("\n## ").Append(doc.Key).Append("\n\n| statement | § | level | status | test purposes / why | text |\n|---|---|---|---|---|---|\n");
            foreach (var r in doc)
            {
                var text = r.Statement.Text.Length > 160 ? r.Statement.Text[..157] + "…" : r.Statement.Text;
                var what = r.Status == Covered ? string.Join(", ", r.TestPurposes) : r.Why ?? "";
                sb.Append(CultureInfo.InvariantCulture, $"| {r.Statement.Id} | {r.Statement.Section} | {r.Statement.Level} | {r.Status} | {Cell(what)} | {Cell(text)} |\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>docs/coverage.json: the summary per RFC (and per RFC and level) and every statement's status.</summary>
    public static string ToJson(IReadOnlyList<CoverageRow> rows)
    {
        var summary = new System.Text.Json.Nodes.JsonObject();
        foreach (var (doc, c) in Counts(rows))
        {
            var o = new System.Text.Json.Nodes.JsonObject { ["statements"] = c.Values.Sum() };
            foreach (var (k, v) in c) o[k] = v;
            var levels = new System.Text.Json.Nodes.JsonObject();
            foreach (var g in rows.Where(r => r.Statement.Document == doc).GroupBy(r => r.Statement.Level).OrderBy(g => LevelRank(g.Key)))
                levels[g.Key] = new System.Text.Json.Nodes.JsonObject { ["statements"] = g.Count(), [Covered] = g.Count(r => r.Status == Covered) };
            o["byLevel"] = levels;
            summary[doc] = o;
        }
        var statements = new System.Text.Json.Nodes.JsonArray(rows.Select(r => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = r.Statement.Id, ["document"] = r.Statement.Document, ["section"] = r.Statement.Section, ["level"] = r.Statement.Level,
            ["status"] = r.Status, ["testPurposes"] = new System.Text.Json.Nodes.JsonArray(r.TestPurposes.Select(t => (System.Text.Json.Nodes.JsonNode?)t).ToArray()),
            ["why"] = r.Why,
        }).ToArray());
        var root = new System.Text.Json.Nodes.JsonObject { ["summary"] = summary, ["statements"] = statements };
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The coverage summary embedded in the harness at build time (docs/coverage.json), or null.</summary>
    public static System.Text.Json.Nodes.JsonNode? EmbeddedSummary()
    {
        using var s = typeof(CoverageMatrix).Assembly.GetManifestResourceStream("coverage.json");
        return s is null ? null : System.Text.Json.Nodes.JsonNode.Parse(s)?["summary"]?.DeepClone();
    }

    /// <summary>
    /// The requirement statements of the matrix embedded at build time (docs/coverage.json): id, RFC, level, status and the
    /// test purposes that cover each; empty when the harness was built without it.
    /// </summary>
    public static IReadOnlyList<(string Id, string Document, string Level, string Status, IReadOnlyList<string> TestPurposes)> EmbeddedStatements()
    {
        using var s = typeof(CoverageMatrix).Assembly.GetManifestResourceStream("coverage.json");
        if (s is null || System.Text.Json.Nodes.JsonNode.Parse(s)?["statements"] is not System.Text.Json.Nodes.JsonArray list) return [];
        return
        [
            .. list.OfType<System.Text.Json.Nodes.JsonObject>().Select(o => ((string?)o["id"] ?? "", (string?)o["document"] ?? "", (string?)o["level"] ?? "", (string?)o["status"] ?? "",
                (IReadOnlyList<string>)[.. (o["testPurposes"] as System.Text.Json.Nodes.JsonArray ?? []).Select(t => (string?)t).OfType<string>()])),
        ];
    }

    private static int LevelRank(string l) => Array.IndexOf(new[] { "MUST", "PROCEDURE", "SHOULD", "MAY" }, l);

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    [GeneratedRegex(@"^\s+([A-Z]\d{2}(\.\d+)*\.\s|IF \(|ELSE \{)")]
    private static partial Regex PseudocodeLabel();
}
