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
    /// <summary>The behaviour of the last of the DUT's SIDs on the path (see <see cref="Stimulus.LastBehavior"/>).</summary>
    public string LastBehavior { get; init; } = Behavior;
    /// <summary>The stimulus kind as the packet arrives there (see <see cref="Stimulus.LastKind"/>).</summary>
    public string LastKind { get; init; } = StimulusKind;

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

    /// <summary>Stimuli treated differently (one stimulus may be in two classes: its forwarded/answered packets and its O-flag exports).</summary>
    public int Differences => Classes.SelectMany(c => c.Stimuli).Distinct().Count();
    public int Unexplained => Classes.Where(c => c.ExplainedBy is null).SelectMany(c => c.Stimuli).Distinct().Count();

    /// <summary>
    /// An O-flag export: a packet on the profile's O-flag collector port that is a copy of a packet to one of the DUT's SIDs
    /// (its destination a SID, its source not the DUT's). RFC 9259 §2.1.1 S01.1 makes the copy at each local SID; how it
    /// is exported is left open ("this document does not define any formats for exporting the data elements"), so exports
    /// are compared apart from the data plane's outputs, their hop limit by class (<see cref="OutputNormalizer.Rules"/>).
    /// </summary>
    public static bool IsExport(NormalizedOutput o, Profile p)
    {
        if (p.Parameters.OFlag?.CollectorPort is not { } collector || o.Port != collector) return false;
        var dst = o.Fields.FirstOrDefault(f => f.Path == "ipv6.dst").Value;
        var src = o.Fields.FirstOrDefault(f => f.Path == "ipv6.src").Value;
        return dst is not null && src != OutputNormalizer.DutAddressClass
            && p.Parameters.Sids.Values.Any(s => s.Address.ToString() == dst);
    }

    private static string ExportKey(NormalizedOutput o) =>
        string.Join('\n', o.Canonical.Split('\n').Select(l => l.StartsWith("ipv6.hop_limit=", StringComparison.Ordinal) ? "ipv6.hop_limit=" + OutputNormalizer.AnyClass : l));
    public int ExitCode => Classes.All(c => c.ExplainedBy is not null) ? 0 : 1;

    /// <summary>Compares what A and B did with every stimulus and groups the differences; explains them from the data file.</summary>
    public static DifferentialReport Compare(StimulusSet set, DutRun a, DutRun b, Profile profileA, Profile profileB,
        IReadOnlyList<Explanation> explanations, string explanationsPath)
    {
        var groups = new Dictionary<string, (DifferenceClass Class, List<int> Stimuli)>();
        foreach (var s in set.Stimuli)
        {
            var ea = a.For(s.Index).Where(o => IsExport(o, profileA)).ToList();
            var eb = b.For(s.Index).Where(o => IsExport(o, profileB)).ToList();
            var oa = a.For(s.Index).Where(o => !IsExport(o, profileA)).ToList();
            var ob = b.For(s.Index).Where(o => !IsExport(o, profileB)).ToList();
            void Add(string whatA, string whatB, string fields)
            {
                var cls = new DifferenceClass(s.Behavior, s.Path.Count == 0 ? "-" : string.Join(" → ", s.Path), s.Kind, whatA, whatB, fields, [])
                {
                    LastBehavior = s.LastBehavior.Length > 0 ? s.LastBehavior : s.Behavior,
                    LastKind = s.LastKind.Length > 0 ? s.LastKind : s.Kind,
                };
                if (!groups.TryGetValue(cls.Signature, out var g)) groups[cls.Signature] = g = (cls, []);
                g.Stimuli.Add(s.Index);
            }
            if (!oa.Select(o => o.Canonical).SequenceEqual(ob.Select(o => o.Canonical)))
            {
                string whatA = What(oa), whatB = What(ob);
                Add(whatA, whatB, whatA == whatB ? FieldsDiffering(oa, ob) : "");
            }
            if (!ea.Select(ExportKey).Order(StringComparer.Ordinal).SequenceEqual(eb.Select(ExportKey).Order(StringComparer.Ordinal)))
            {
                string whatA = "O-flag export: " + What(ea), whatB = "O-flag export: " + What(eb);
                Add(whatA, whatB, whatA == whatB ? FieldsDiffering(ea, eb) : "");
            }
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
            if (e.AppliesTo(a, b) && e.Covers(c, c.WhatA, c.WhatB))
                return e.Describe(a, b, "A");
            if (e.AppliesTo(b, a) && e.Covers(c, c.WhatB, c.WhatA))
                return e.Describe(b, a, "B");
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
        File.WriteAllText(Path.Combine(dir, "outputs.json"), OutputsJson(A, B).ToJsonString());
        return (json, md);
    }

    /// <summary>What both DUTs did with every stimulus, normalised (outputs.json), so the differences can be grouped and
    /// explained again without sending anything (<c>srv6conf differential --recompare DIR</c>).</summary>
    public static JsonObject OutputsJson(DutRun a, DutRun b)
    {
        static JsonNode Out(NormalizedOutput o) => new JsonObject
        {
            ["port"] = o.Port, ["shape"] = o.Shape, ["notation"] = o.Notation,
            ["fields"] = new JsonArray(o.Fields.Select(f => (JsonNode?)new JsonArray(f.Path, f.Value)).ToArray()),
        };
        static JsonObject Run(DutRun r) => new()
        {
            ["label"] = r.Label, ["profile"] = r.ProfilePath, ["profile_name"] = r.ProfileName, ["fault"] = r.Fault,
            ["sent"] = r.Sent, ["batches"] = r.Batches, ["duration_s"] = r.Duration.TotalSeconds, ["startup_s"] = r.StartupDuration.TotalSeconds,
            ["icmp_errors"] = r.IcmpErrors, ["max_icmp_errors_per_second"] = r.MaxIcmpErrorsPerSecond,
            ["rate_limit_state"] = new JsonArray(r.RateLimitState.Select(x => (JsonNode?)x).ToArray()),
            ["notes"] = new JsonArray(r.Notes.Select(x => (JsonNode?)x).ToArray()),
            ["outputs"] = new JsonObject(r.Outputs.OrderBy(kv => kv.Key).Select(kv =>
                KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)new JsonArray(kv.Value.Select(Out).ToArray())))),
            ["untagged"] = new JsonArray(r.Unattributed.Select(Out).ToArray()),
        };
        return new JsonObject { ["a"] = Run(a), ["b"] = Run(b) };
    }

    /// <summary>Reads outputs.json back (see <see cref="OutputsJson"/>).</summary>
    public static (DutRun A, DutRun B) ReadOutputs(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        static NormalizedOutput Out(JsonNode n) => new(n["port"]!.GetValue<string>(),
            n["fields"]!.AsArray().Select(f => (f![0]!.GetValue<string>(), f[1]!.GetValue<string>())).ToList(),
            n["shape"]!.GetValue<string>(), n["notation"]!.GetValue<string>());
        static DutRun Run(JsonNode r) => new(r["label"]!.GetValue<string>(), r["profile"]!.GetValue<string>(), r["profile_name"]!.GetValue<string>(),
            r["fault"]!.GetValue<string>(),
            r["outputs"]!.AsObject().ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture), kv => (IReadOnlyList<NormalizedOutput>)kv.Value!.AsArray().Select(o => Out(o!)).ToList()),
            r["untagged"]!.AsArray().Select(o => Out(o!)).ToList(),
            r["sent"]!.GetValue<int>(), r["batches"]!.GetValue<int>(), TimeSpan.FromSeconds(r["duration_s"]!.GetValue<double>()),
            TimeSpan.FromSeconds(r["startup_s"]!.GetValue<double>()), r["icmp_errors"]!.GetValue<int>(), r["max_icmp_errors_per_second"]!.GetValue<double>(),
            r["rate_limit_state"]!.AsArray().Select(x => x!.GetValue<string>()).ToList(), r["notes"]!.AsArray().Select(x => x!.GetValue<string>()).ToList());
        return (Run(root["a"]!), Run(root["b"]!));
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
                ["last_sid_behavior"] = c.LastBehavior,
                ["last_sid_kind"] = c.LastKind,
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
            sb.AppendLine("| behaviour | SIDs on the path | stimulus kind | at the last SID | A did | B did | fields differing | count | explanation |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var c in Classes)
                sb.AppendLine($"| {Cell(c.Behavior)} | {Cell(c.Path)} | {Cell(c.StimulusKind)} | {Cell(c.Path.Contains('→') ? $"{c.LastBehavior}: {c.LastKind}" : "")} | {Cell(c.WhatA)} | {Cell(c.WhatB)} | {Cell(c.FieldsDiffering)} | {c.Stimuli.Count} | " +
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
