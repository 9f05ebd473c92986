using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Differential;

/// <summary>Stimuli that A and B treated differently in the same way: one row of the report.</summary>
public sealed record DifferenceClass(string Behavior, string Path, string StimulusKind, string WhatA, string WhatB, string FieldsDiffering, IReadOnlyList<int> Stimuli)
{
    /// <summary>The known deviation that explains the class ("DEV-LINUX-001 of reference-lab"), or null: a bug in A or B.</summary>
    public string? ExplainedBy { get; init; }
    public string Signature => $"{Behavior} | {Path} | {StimulusKind} | A: {WhatA} | B: {WhatB}" + (FieldsDiffering.Length > 0 ? $" | fields: {FieldsDiffering}" : "");
}

public sealed partial class DifferentialReport
{
    public required StimulusSet Set { get; init; }
    public required DutRun A { get; init; }
    public required DutRun B { get; init; }
    public required IReadOnlyList<DifferenceClass> Classes { get; init; }
    public required string ExplanationsPath { get; init; }

    public int Differences => Classes.Sum(c => c.Stimuli.Count);
    public int Unexplained => Classes.Where(c => c.ExplainedBy is null).Sum(c => c.Stimuli.Count);
    public int ExitCode => Classes.All(c => c.ExplainedBy is not null) ? 0 : 1;

    /// <summary>Compares what A and B did with every stimulus and groups the differences; explains them from the data file.</summary>
    public static DifferentialReport Compare(StimulusSet set, DutRun a, DutRun b, Profile profileA, Profile profileB,
        IReadOnlyList<Explanation> explanations, string explanationsPath)
    {
        var groups = new Dictionary<string, (DifferenceClass Class, List<int> Stimuli)>();
        foreach (var s in set.Stimuli)
        {
            var oa = a.For(s.Index);
            var ob = b.For(s.Index);
            if (oa.Select(o => o.Canonical).SequenceEqual(ob.Select(o => o.Canonical))) continue;
            string whatA = What(oa), whatB = What(ob);
            string fields = whatA == whatB ? FieldsDiffering(oa, ob) : "";
            var cls = new DifferenceClass(s.Behavior, s.Path.Count == 0 ? "-" : string.Join(" → ", s.Path), s.Kind, whatA, whatB, fields, []);
            if (!groups.TryGetValue(cls.Signature, out var g)) groups[cls.Signature] = g = (cls, []);
            g.Stimuli.Add(s.Index);
        }
        var ua = a.Unattributed.Select(o => o.Canonical).Order(StringComparer.Ordinal).ToList();
        var ub = b.Unattributed.Select(o => o.Canonical).Order(StringComparer.Ordinal).ToList();
        if (!ua.SequenceEqual(ub))
        {
            var cls = new DifferenceClass("-", "-", "no stimulus (untagged output)", $"{ua.Count} untagged", $"{ub.Count} untagged", "", []);
            groups[cls.Signature] = (cls, []);
        }
        var classes = groups.Values.Select(g => g.Class with { Stimuli = g.Stimuli, ExplainedBy = Explain(g.Class, explanations, profileA, profileB) })
            .OrderBy(c => c.ExplainedBy is not null).ThenByDescending(c => c.Stimuli.Count).ThenBy(c => c.Signature, StringComparer.Ordinal).ToList();
        return new DifferentialReport { Set = set, A = a, B = b, Classes = classes, ExplanationsPath = explanationsPath };
    }

    private static string? Explain(DifferenceClass c, IReadOnlyList<Explanation> entries, Profile a, Profile b)
    {
        foreach (var e in entries)
        {
            if (e.Profile == a.Name && a.KnownDeviations.Any(d => d.Id == e.Deviation) && e.Covers(c.Behavior, c.StimulusKind, c.WhatA, c.WhatB))
                return $"{e.Deviation} of {a.Name} (A)";
            if (e.Profile == b.Name && b.KnownDeviations.Any(d => d.Id == e.Deviation) && e.Covers(c.Behavior, c.StimulusKind, c.WhatB, c.WhatA))
                return $"{e.Deviation} of {b.Name} (B)";
        }
        return null;
    }

    /// <summary>What a DUT did with a stimulus: "nothing", or the shapes of its outputs ("t2 ipv6/srh/icmpv6 128; t1 …").</summary>
    public static string What(IReadOnlyList<NormalizedOutput> outputs) =>
        outputs.Count == 0 ? "nothing" : string.Join("; ", outputs.GroupBy(o => o.Shape).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : $"{g.Count()} × {g.Key}"));

    /// <summary>The fields (indices folded to [*]) in which outputs of the same shapes differ.</summary>
    public static string FieldsDiffering(IReadOnlyList<NormalizedOutput> a, IReadOnlyList<NormalizedOutput> b)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var bs = b.ToList();
        foreach (var x in a)
        {
            var y = bs.FirstOrDefault(o => o.Shape == x.Shape && o.Canonical != x.Canonical && !a.Any(z => z.Canonical == o.Canonical));
            if (y is null) continue;
            bs.Remove(y);
            var fx = x.Fields.ToDictionary(f => f.Path, f => f.Value);
            var fy = y.Fields.ToDictionary(f => f.Path, f => f.Value);
            foreach (var p in fx.Keys.Union(fy.Keys))
                if (!fx.TryGetValue(p, out var vx) || !fy.TryGetValue(p, out var vy) || vx != vy)
                    paths.Add(Index().Replace(p, "[*]"));
        }
        return paths.Count > 0 ? string.Join(", ", paths) : "count or order of outputs";
    }

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();

    // ------------------------------------------------------------------ writing

    public (string Json, string Markdown) Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var json = Path.Combine(dir, "differential.json");
        var md = Path.Combine(dir, "differential.md");
        File.WriteAllText(json, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.WriteAllText(md, ToMarkdown());
        return (json, md);
    }

    private static JsonObject RunJson(DutRun r) => new()
    {
        ["label"] = r.Label,
        ["profile"] = r.ProfilePath,
        ["profile_name"] = r.ProfileName,
        ["fault"] = r.Fault,
        ["sent"] = r.Sent,
        ["batches"] = r.Batches,
        ["outputs_attributed"] = r.Outputs.Values.Sum(l => l.Count),
        ["stimuli_with_output"] = r.Outputs.Count,
        ["outputs_untagged"] = r.Unattributed.Count,
        ["icmp_errors"] = r.IcmpErrors,
        ["max_icmp_errors_per_second"] = r.MaxIcmpErrorsPerSecond,
        ["rate_limit_state"] = new JsonArray(r.RateLimitState.Select(s => (JsonNode?)s).ToArray()),
        ["startup_s"] = Math.Round(r.StartupDuration.TotalSeconds, 1),
        ["duration_s"] = Math.Round(r.Duration.TotalSeconds, 1),
        ["notes"] = new JsonArray(r.Notes.Select(s => (JsonNode?)s).ToArray()),
    };

    private Stimulus Stim(int i) => Set.Stimuli[i];

    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        foreach (var c in Classes)
        {
            var ex = c.Stimuli.Count > 0 ? Stim(c.Stimuli[0]) : null;
            rows.Add(new JsonObject
            {
                ["behavior"] = c.Behavior,
                ["path"] = c.Path,
                ["stimulus_kind"] = c.StimulusKind,
                ["a_did"] = c.WhatA,
                ["b_did"] = c.WhatB,
                ["fields_differing"] = c.FieldsDiffering,
                ["count"] = c.Stimuli.Count,
                ["explanation"] = c.ExplainedBy is { } e ? $"explained: {e}" : "unexplained: bug in A or B",
                ["stimuli"] = new JsonArray(c.Stimuli.Take(50).Select(i => (JsonNode?)Stim(i).Id).ToArray()),
                ["example"] = ex is null ? null : new JsonObject
                {
                    ["stimulus"] = ex.Id,
                    ["stimulus_notation"] = ex.Notation,
                    ["a"] = new JsonArray(A.For(ex.Index).Select(o => (JsonNode?)$"{o.Port}: {o.Notation}").ToArray()),
                    ["b"] = new JsonArray(B.For(ex.Index).Select(o => (JsonNode?)$"{o.Port}: {o.Notation}").ToArray()),
                },
            });
        }
        return new JsonObject
        {
            ["tool"] = $"srv6conf differential {HarnessInfo.Version}",
            ["seed"] = Set.Seed,
            ["count"] = Set.Count,
            ["stimuli"] = Set.Stimuli.Count,
            ["fixed"] = Set.FixedCount,
            ["random"] = Set.Stimuli.Count - Set.FixedCount,
            ["sids"] = new JsonArray(Set.Sids.Select(s => (JsonNode?)s).ToArray()),
            ["sids_excluded"] = new JsonArray(Set.Excluded.Select(s => (JsonNode?)s).ToArray()),
            ["a"] = RunJson(A),
            ["b"] = RunJson(B),
            ["stimuli_differing"] = Differences,
            ["stimuli_unexplained"] = Unexplained,
            ["explanations_file"] = ExplanationsPath,
            ["normalizations"] = new JsonArray(OutputNormalizer.Rules.Select(r => (JsonNode?)new JsonObject
            {
                ["field"] = r.Field, ["class"] = r.Class, ["applies_to"] = r.AppliesTo, ["justification"] = r.Justification,
            }).ToArray()),
            ["differences"] = rows,
            ["exit_code"] = ExitCode,
        };
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("# Differential run");
        sb.AppendLine();
        sb.AppendLine(ci, $"- A: `{A.ProfilePath}` (fault mode {A.Fault}); B: `{B.ProfilePath}` (fault mode {B.Fault})");
        sb.AppendLine(ci, $"- Stimuli: {Set.Stimuli.Count} ({Set.FixedCount} fixed + {Set.Stimuli.Count - Set.FixedCount} random, seed {Set.Seed}, count {Set.Count})");
        sb.AppendLine(ci, $"- SIDs both profiles define and claim: {string.Join(", ", Set.Sids)}");
        foreach (var x in Set.Excluded) sb.AppendLine(ci, $"  - left out: {x}");
        foreach (var r in new[] { A, B })
            sb.AppendLine($"- {r.Label}: sent {r.Sent} in {r.Batches} batches, {r.Outputs.Count} stimuli with output ({r.Outputs.Values.Sum(l => l.Count)} packets), " +
                $"{r.Unattributed.Count} untagged; ICMPv6 errors {r.IcmpErrors} (at most {r.MaxIcmpErrorsPerSecond:0} in any second); up in {r.StartupDuration.TotalSeconds:0.0} s, " +
                $"{r.Duration.TotalSeconds:0.0} s in all" + (r.RateLimitState.Count > 0 ? $"; rate-limit state: {string.Join(" / ", r.RateLimitState)}" : "") +
                (r.Notes.Count > 0 ? $"; {string.Join("; ", r.Notes)}" : ""));
        sb.AppendLine(ci, $"- **Stimuli treated differently: {Differences}, unexplained: {Unexplained}** ({Classes.Count} difference classes; explanations from `{ExplanationsPath}`)");
        sb.AppendLine();
        sb.AppendLine("## Differences");
        sb.AppendLine();
        if (Classes.Count == 0) sb.AppendLine("None: A and B did the same with every stimulus (after normalisation).");
        else
        {
            sb.AppendLine("| behaviour | SIDs on the path | stimulus kind | A did | B did | fields differing | count | explanation |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var c in Classes)
                sb.AppendLine($"| {Cell(c.Behavior)} | {Cell(c.Path)} | {Cell(c.StimulusKind)} | {Cell(c.WhatA)} | {Cell(c.WhatB)} | {Cell(c.FieldsDiffering)} | {c.Stimuli.Count} | " +
                    $"{(c.ExplainedBy is { } e ? $"explained: {e}" : "**unexplained: bug in A or B**")} |");
            sb.AppendLine();
            sb.AppendLine("### Examples");
            foreach (var (c, n) in Classes.Select((c, n) => (c, n)))
            {
                if (c.Stimuli.Count == 0) continue;
                var s = Stim(c.Stimuli[0]);
                sb.AppendLine();
                sb.AppendLine(ci, $"{n + 1}. {c.Behavior}, {c.StimulusKind} — stimulus {s.Id} into {s.IngressPort}:");
                sb.AppendLine("```");
                sb.AppendLine(ci, $"in  {s.IngressPort}: {s.Notation}");
                foreach (var (label, outs) in new[] { ("A", A.For(s.Index)), ("B", B.For(s.Index)) })
                {
                    if (outs.Count == 0) sb.AppendLine(ci, $"{label}   (nothing on any port)");
                    foreach (var o in outs) sb.AppendLine(ci, $"{label}   {o.Port}: {o.Notation}");
                }
                if (c.FieldsDiffering.Length > 0)
                    foreach (var line in FieldLines(A.For(s.Index), B.For(s.Index))) sb.AppendLine("    " + line);
                sb.AppendLine("```");
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Normalisations");
        sb.AppendLine();
        sb.AppendLine("| field | compared as | applies to | why the RFCs leave it open |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var r in OutputNormalizer.Rules) sb.AppendLine(ci, $"| {Cell(r.Field)} | {Cell(r.Class)} | {Cell(r.AppliesTo)} | {Cell(r.Justification)} |");
        return sb.ToString();
    }

    private static IEnumerable<string> FieldLines(IReadOnlyList<NormalizedOutput> a, IReadOnlyList<NormalizedOutput> b)
    {
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var fb = b[i].Fields.ToDictionary(f => f.Path, f => f.Value);
            foreach (var (p, v) in a[i].Fields)
                if (!fb.TryGetValue(p, out var w) || w != v) yield return $"{p}: A {v}, B {w ?? "<absent>"}";
        }
    }
}
