using System.Text.RegularExpressions;
using Conformance.Harness.Profiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Differential;

/// <summary>
/// A deviation of a profile's DUT that no test purpose observes, so it cannot be one of the profile's known_deviations
/// (a listed deviation must be observed by a purpose): it is documented in the explanations file itself, with the RFC
/// text it breaks, quoted exactly.
/// </summary>
public sealed record DifferentialDeviation(string Id, string Profile, string Rfc, string Quote, string Observed, string Location);

/// <summary>
/// A difference between the two testbeds' configurations, not a deviation of either DUT: where the RFC leaves a choice
/// to each node's configuration (for example which Destination Unreachable code an address without a FIB entry draws,
/// RFC 4443 §3.1), two conforming DUTs configured differently answer differently. It names the two profiles, the RFC
/// text that allows each answer (quoted exactly) and what each configuration does. It explains a class only in a run of
/// exactly those two profiles.
/// </summary>
public sealed record ConfigurationDifference(string Id, IReadOnlyList<string> Profiles, string Rfc, string Quote, string Observed, string Location);

/// <summary>
/// One entry of profiles/differential/explanations.yaml: a difference signature mapped to a deviation of the profile whose
/// DUT shows it, either one of its known_deviations or a <see cref="DifferentialDeviation"/> of the file. A difference
/// class is explained by the entry when the profile named here is A's or B's, the id is that profile's, and:
/// the behaviour (an anchored regular expression) and the stimulus kind match at the hop the deviation predicts
/// (<see cref="Hop"/>: "last", the last of the DUT's SIDs on the packet's path, where its processing ends, or "first", the
/// SID the packet is addressed to); the path (if given) matches; what the deviating DUT did, and (if given) what the
/// other DUT did and the fields that differ, match.
/// </summary>
public sealed record Explanation(string Deviation, string Profile, Regex Behavior, Regex Stimulus, Regex Deviating, Regex? Other, string Why, string Location)
{
    public string Hop { get; init; } = "last";
    public Regex? Path { get; init; }
    public Regex? Fields { get; init; }
    /// <summary>Set when <see cref="Deviation"/> is documented in the explanations file, not in the profile.</summary>
    public DifferentialDeviation? Documented { get; init; }
    /// <summary>Set when the entry names a configuration difference of the two testbeds (key configuration_difference), not a deviation.</summary>
    public ConfigurationDifference? Configuration { get; init; }

    public bool Covers(DifferenceClass c, string deviatingDid, string otherDid)
    {
        var (behavior, kind) = Hop == "first" ? (c.Behavior, c.StimulusKind) : (c.LastBehavior, c.LastKind);
        return Behavior.IsMatch(behavior) && Stimulus.IsMatch(kind) && Deviating.IsMatch(deviatingDid)
            && (Other is null || Other.IsMatch(otherDid))
            && (Path is null || Path.IsMatch(c.Path))
            && (Fields is null || Fields.IsMatch(c.FieldsDiffering));
    }

    /// <summary>True when the profile is this entry's and the deviation is one of its own (listed there or documented in the file).
    /// A configuration difference needs the other DUT's profile too: see <see cref="AppliesTo(Profile, Profile)"/>.</summary>
    public bool AppliesTo(Profile p) =>
        Configuration is null && Profile == p.Name && (Documented is not null || p.KnownDeviations.Any(d => d.Id == Deviation));

    /// <summary>True when the entry applies with <paramref name="p"/> the profile of the DUT that did what <see cref="Deviating"/>
    /// says and <paramref name="other"/> the other DUT's: a deviation of p, or a configuration difference of exactly these two profiles.</summary>
    public bool AppliesTo(Profile p, Profile other) =>
        Configuration is { } c
            ? Profile == p.Name && p.Name != other.Name && c.Profiles.Contains(p.Name) && c.Profiles.Contains(other.Name)
            : AppliesTo(p);

    /// <summary>How the report names what explains a class.</summary>
    public string Describe(Profile p, Profile other, string side) => Configuration is not null
        ? $"{Deviation}: configuration difference of {p.Name} ({side}) and {other.Name}, documented in the explanations file"
        : $"{Deviation} of {p.Name} ({side}{(Documented is null ? "" : ", documented in the explanations file")})";
}

public sealed class ExplanationsException(string message) : Exception(message);

/// <summary>Reads profiles/differential/explanations.yaml; every error names file:line.</summary>
public static class ExplanationsFile
{
    private static readonly string[] Keys = ["deviation", "configuration_difference", "profile", "behavior", "hop", "path", "stimulus", "deviating", "other", "fields", "why"];
    private static readonly string[] DeviationKeys = ["id", "profile", "rfc", "quote", "observed", "test_purposes"];
    private static readonly string[] ConfigurationKeys = ["id", "profiles", "rfc", "quote", "observed"];
    /// <summary>Ids of the deviations the file documents: not DEV-… (those are the profiles' known_deviations).</summary>
    private static readonly Regex DocumentedId = new(@"^DIFF-[A-Z]+-\d{3}$", RegexOptions.CultureInvariant);
    /// <summary>Ids of the configuration differences the file documents.</summary>
    private static readonly Regex ConfigurationId = new(@"^CONFIG-DIFF-\d{3}$", RegexOptions.CultureInvariant);

    public static IReadOnlyList<Explanation> Load(string path) => LoadAll(path).Explanations;

    public static (IReadOnlyList<Explanation> Explanations, IReadOnlyList<DifferentialDeviation> Deviations) LoadAll(string path)
    {
        var (e, d, _) = LoadFile(path);
        return (e, d);
    }

    /// <summary>The configuration differences the file documents (key configuration_differences).</summary>
    public static IReadOnlyList<ConfigurationDifference> LoadConfigurationDifferences(string path) => LoadFile(path).Configurations;

    private static (IReadOnlyList<Explanation> Explanations, IReadOnlyList<DifferentialDeviation> Deviations, IReadOnlyList<ConfigurationDifference> Configurations) LoadFile(string path)
    {
        if (!File.Exists(path)) throw new ExplanationsException($"{path}: no such file (--explanations)");
        var stream = new YamlStream();
        try { using var reader = new StreamReader(path); stream.Load(reader); }
        catch (YamlException e) { throw new ExplanationsException($"{path}:{e.Start.Line}: {e.Message}"); }
        if (stream.Documents.Count == 0) return ([], [], []);
        string At(YamlNode n) => $"{path}:{n.Start.Line}";
        if (stream.Documents[0].RootNode is not YamlMappingNode root || !root.Children.TryGetValue(new YamlScalarNode("explanations"), out var listNode))
            throw new ExplanationsException($"{At(stream.Documents[0].RootNode)}: expected a mapping with the key 'explanations'");
        foreach (var k in root.Children.Keys)
            if ((k as YamlScalarNode)?.Value is not ("explanations" or "deviations" or "configuration_differences"))
                throw new ExplanationsException($"{At(k)}: unknown key '{(k as YamlScalarNode)?.Value}' (allowed: explanations, deviations, configuration_differences)");
        if (listNode is not YamlSequenceNode list) throw new ExplanationsException($"{At(listNode)}: explanations: expected a list");

        Dictionary<string, (string Value, YamlNode Node)> Values(YamlNode item, string[] keys, string what)
        {
            if (item is not YamlMappingNode m) throw new ExplanationsException($"{At(item)}: {what} is a mapping ({string.Join(", ", keys)})");
            var values = new Dictionary<string, (string Value, YamlNode Node)>();
            foreach (var (k, v) in m.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!keys.Contains(key)) throw new ExplanationsException($"{At(k)}: unknown key '{key}' (allowed: {string.Join(", ", keys)})");
                if (v is not YamlScalarNode { Value: { } s }) throw new ExplanationsException($"{At(v)}: {key}: expected a string");
                values[key] = (s, v);
            }
            return values;
        }

        var deviations = new List<DifferentialDeviation>();
        if (root.Children.TryGetValue(new YamlScalarNode("deviations"), out var devNode))
        {
            if (devNode is not YamlSequenceNode devList) throw new ExplanationsException($"{At(devNode)}: deviations: expected a list");
            foreach (var item in devList.Children)
            {
                var v = Values(item, DeviationKeys, "a deviation");
                string Req(string key) => v.TryGetValue(key, out var x) && x.Value.Trim().Length > 0 ? x.Value
                    : throw new ExplanationsException($"{At(item)}: '{key}' is required");
                var id = Req("id");
                if (!DocumentedId.IsMatch(id))
                    throw new ExplanationsException($"{At(v["id"].Node)}: id '{id}': a deviation documented here is named DIFF-<DUT>-NNN (DEV-… ids are the profiles' known_deviations)");
                if (deviations.Any(d => d.Id == id)) throw new ExplanationsException($"{At(v["id"].Node)}: id '{id}' is documented twice");
                if (v.TryGetValue("test_purposes", out var tp) && tp.Value.Trim() != "none")
                    throw new ExplanationsException($"{At(tp.Node)}: test_purposes: a deviation a test purpose observes belongs in the profile's known_deviations");
                deviations.Add(new DifferentialDeviation(id, Req("profile"), Req("rfc"), Req("quote"), Req("observed"), At(item)));
            }
        }

        var configurations = new List<ConfigurationDifference>();
        if (root.Children.TryGetValue(new YamlScalarNode("configuration_differences"), out var confNode))
        {
            if (confNode is not YamlSequenceNode confList) throw new ExplanationsException($"{At(confNode)}: configuration_differences: expected a list");
            foreach (var item in confList.Children)
            {
                var v = Values(item, ConfigurationKeys, "a configuration difference");
                string Req(string key) => v.TryGetValue(key, out var x) && x.Value.Trim().Length > 0 ? x.Value
                    : throw new ExplanationsException($"{At(item)}: '{key}' is required");
                var id = Req("id");
                if (!ConfigurationId.IsMatch(id))
                    throw new ExplanationsException($"{At(v["id"].Node)}: id '{id}': a configuration difference is named CONFIG-DIFF-NNN");
                if (configurations.Any(d => d.Id == id)) throw new ExplanationsException($"{At(v["id"].Node)}: id '{id}' is documented twice");
                var profiles = Req("profiles").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (profiles.Length != 2 || profiles[0] == profiles[1])
                    throw new ExplanationsException($"{At(v["profiles"].Node)}: profiles: the two profiles whose testbeds are configured differently, 'a, b'");
                configurations.Add(new ConfigurationDifference(id, profiles, Req("rfc"), Req("quote"), Req("observed"), At(item)));
            }
        }

        var result = new List<Explanation>();
        foreach (var item in list.Children)
        {
            var values = Values(item, Keys, "an explanation");
            string Req(string key) => values.TryGetValue(key, out var v) && v.Value.Length > 0 ? v.Value
                : throw new ExplanationsException($"{At(item)}: '{key}' is required");
            Regex Rx(string key, bool anchored = false)
            {
                var (s, node) = values[key];
                try { return new Regex(anchored ? $"^(?:{s})$" : s, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException e) { throw new ExplanationsException($"{At(node)}: {key}: not a regular expression: {e.Message}"); }
            }
            Req("stimulus"); Req("deviating");
            var hop = values.TryGetValue("hop", out var h) ? h.Value : "last";
            if (hop is not ("first" or "last")) throw new ExplanationsException($"{At(h.Node)}: hop: 'first' or 'last', not '{hop}'");
            var profile = Req("profile");
            if (values.ContainsKey("configuration_difference"))
            {
                if (values.ContainsKey("deviation"))
                    throw new ExplanationsException($"{At(item)}: an entry names a deviation or a configuration_difference, not both");
                var cid = Req("configuration_difference");
                var conf = configurations.FirstOrDefault(c => c.Id == cid)
                    ?? throw new ExplanationsException($"{At(values["configuration_difference"].Node)}: {cid} is not documented under 'configuration_differences' in this file");
                if (!conf.Profiles.Contains(profile))
                    throw new ExplanationsException($"{At(values["profile"].Node)}: {cid} is about profiles {string.Join(", ", conf.Profiles)}, not {profile}");
                Req("behavior");
                result.Add(new Explanation(cid, profile, Rx("behavior", anchored: true), Rx("stimulus"), Rx("deviating"),
                    values.ContainsKey("other") ? Rx("other") : null, Req("why"), At(item))
                {
                    Hop = hop,
                    Path = values.ContainsKey("path") ? Rx("path") : null,
                    Fields = values.ContainsKey("fields") ? Rx("fields") : null,
                    Configuration = conf,
                });
                continue;
            }
            var id = Req("deviation");
            var documented = deviations.FirstOrDefault(d => d.Id == id);
            if (documented is not null && documented.Profile != profile)
                throw new ExplanationsException($"{At(values["deviation"].Node)}: {id} is documented for profile {documented.Profile}, not {profile}");
            if (documented is null && DocumentedId.IsMatch(id))
                throw new ExplanationsException($"{At(values["deviation"].Node)}: {id} is not documented under 'deviations' in this file");
            Req("behavior");
            result.Add(new Explanation(id, profile, Rx("behavior", anchored: true), Rx("stimulus"), Rx("deviating"),
                values.ContainsKey("other") ? Rx("other") : null, Req("why"), At(item))
            {
                Hop = hop,
                Path = values.ContainsKey("path") ? Rx("path") : null,
                Fields = values.ContainsKey("fields") ? Rx("fields") : null,
                Documented = documented,
            });
        }
        return (result, deviations, configurations);
    }

    /// <summary>Entries naming a profile of the run whose known_deviations lack the id: an error (the data file is wrong).</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<Explanation> entries, params Profile[] profiles)
    {
        var problems = new List<string>();
        foreach (var e in entries.Where(e => e.Documented is null && e.Configuration is null))
            foreach (var p in profiles.Where(p => p.Name == e.Profile).DistinctBy(p => p.SourcePath))
                if (!p.KnownDeviations.Any(d => d.Id == e.Deviation))
                    problems.Add($"{e.Location}: deviation {e.Deviation} is not a known deviation of {p.SourcePath} (known_deviations)");
        return problems;
    }
}
