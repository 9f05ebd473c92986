using System.Text.RegularExpressions;
using Conformance.Harness.Profiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Differential;

/// <summary>
/// One entry of profiles/differential/explanations.yaml: a difference signature mapped to a known deviation of the
/// profile whose DUT shows it. A difference class is explained by the entry when the profile named here is A's or B's,
/// the id is one of that profile's known_deviations, and the class's behaviour, stimulus kind and what the deviating DUT
/// did (and, if given, what the other DUT did) match.
/// </summary>
public sealed record Explanation(string Deviation, string Profile, string Behavior, Regex Stimulus, Regex Deviating, Regex? Other, string Why, string Location)
{
    public bool Covers(string behavior, string kind, string deviatingDid, string otherDid) =>
        string.Equals(Behavior, behavior, StringComparison.Ordinal) && Stimulus.IsMatch(kind) && Deviating.IsMatch(deviatingDid)
        && (Other is null || Other.IsMatch(otherDid));
}

public sealed class ExplanationsException(string message) : Exception(message);

/// <summary>Reads profiles/differential/explanations.yaml; every error names file:line.</summary>
public static class ExplanationsFile
{
    private static readonly string[] Keys = ["deviation", "profile", "behavior", "stimulus", "deviating", "other", "why"];

    public static IReadOnlyList<Explanation> Load(string path)
    {
        if (!File.Exists(path)) throw new ExplanationsException($"{path}: no such file (--explanations)");
        var stream = new YamlStream();
        try { using var reader = new StreamReader(path); stream.Load(reader); }
        catch (YamlException e) { throw new ExplanationsException($"{path}:{e.Start.Line}: {e.Message}"); }
        if (stream.Documents.Count == 0) return [];
        string At(YamlNode n) => $"{path}:{n.Start.Line}";
        if (stream.Documents[0].RootNode is not YamlMappingNode root || !root.Children.TryGetValue(new YamlScalarNode("explanations"), out var listNode))
            throw new ExplanationsException($"{At(stream.Documents[0].RootNode)}: expected a mapping with the key 'explanations'");
        if (listNode is not YamlSequenceNode list) throw new ExplanationsException($"{At(listNode)}: explanations: expected a list");
        var result = new List<Explanation>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode m) throw new ExplanationsException($"{At(item)}: an explanation is a mapping ({string.Join(", ", Keys)})");
            var values = new Dictionary<string, (string Value, YamlNode Node)>();
            foreach (var (k, v) in m.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!Keys.Contains(key)) throw new ExplanationsException($"{At(k)}: unknown key '{key}' (allowed: {string.Join(", ", Keys)})");
                if (v is not YamlScalarNode { Value: { } s }) throw new ExplanationsException($"{At(v)}: {key}: expected a string");
                values[key] = (s, v);
            }
            string Req(string key) => values.TryGetValue(key, out var v) && v.Value.Length > 0 ? v.Value
                : throw new ExplanationsException($"{At(item)}: '{key}' is required");
            Regex Rx(string key)
            {
                var (s, node) = values[key];
                try { return new Regex(s, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException e) { throw new ExplanationsException($"{At(node)}: {key}: not a regular expression: {e.Message}"); }
            }
            Req("stimulus"); Req("deviating");
            result.Add(new Explanation(Req("deviation"), Req("profile"), Req("behavior"), Rx("stimulus"), Rx("deviating"),
                values.ContainsKey("other") ? Rx("other") : null, Req("why"), At(item)));
        }
        return result;
    }

    /// <summary>Entries naming a profile of the run whose known_deviations lack the id: an error (the data file is wrong).</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<Explanation> entries, params Profile[] profiles)
    {
        var problems = new List<string>();
        foreach (var e in entries)
            foreach (var p in profiles.Where(p => p.Name == e.Profile).DistinctBy(p => p.SourcePath))
                if (!p.KnownDeviations.Any(d => d.Id == e.Deviation))
                    problems.Add($"{e.Location}: deviation {e.Deviation} is not a known deviation of {p.SourcePath} (known_deviations)");
        return problems;
    }
}
