using System.Text;
using System.Text.RegularExpressions;
using Conformance.Harness.Profiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Platforms;

/// <summary>A platform pack that cannot be loaded: every problem with file:line:column and the field.</summary>
public sealed class PlatformPackException(IReadOnlyList<ProfileError> errors) : Exception(Format(errors))
{
    public const string Hint = "hint: the platform pack format is described in docs/platform-packs.md; dut-configs/linux/platform.yaml is a complete example.";

    public IReadOnlyList<ProfileError> Errors { get; } = errors;

    private static string Format(IReadOnlyList<ProfileError> errors)
    {
        var sb = new StringBuilder(errors.Count == 1 ? "platform pack error:" : $"{errors.Count} platform pack errors:");
        foreach (var e in errors) sb.AppendLine().Append(e);
        return sb.AppendLine().Append(Hint).ToString();
    }
}

/// <summary>
/// Reads <c>dut-configs/&lt;platform&gt;/platform.yaml</c> (docs/platform-packs.md) and checks it: known keys
/// (with a suggestion for a misspelt one), required fields, regexes that compile, template files that exist,
/// known verbs. All problems are reported at once, each with file:line:column.
/// </summary>
public static class PlatformPackLoader
{
    public const string DescriptorName = "platform.yaml";

    private static readonly string[] Top = ["format_version", "platform", "vendor", "os", "verification", "verification_note", "sources", "session", "identity", "state", "templates", "verbs"];
    private static readonly string[] SessionKeys = ["driver", "prompts", "disable_paging", "enter_config", "leave_config", "commit", "commit_confirmed", "confirm", "abort", "rollback", "checkpoint", "questions", "error_patterns", "timeouts"];
    private static readonly string[] TemplateKeys = ["locator", "csid_locator", "sid", "flavors", "flavor_sets", "headend", "edge_filter", "hmac_key", "hmac_policy", "oflag", "route", "debug_fault", "policy_selector", "knobs", "dynamic_sids"];
    private static readonly string[] VerbKeys = ["command", "use", "output", "success", "hop", "pattern", "class", "measurement", "measured"];
    private static readonly string[] IdentityKeys = ["command", "patterns", "hostname", "serial"];
    private static readonly string[] StateKeys = ["snapshot", "diff", "counters", "sid_table"];
    private static readonly string[] TableKeys = ["command", "format", "pattern", "rows", "fields"];

    /// <summary>The keys each section of platform.yaml accepts (dut-configs/platform.schema.json must list the same; a test compares).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> AcceptedKeys { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [""] = Top, ["session"] = SessionKeys, ["identity"] = IdentityKeys, ["state"] = StateKeys,
        ["state.counters"] = TableKeys, ["state.sid_table"] = TableKeys, ["templates"] = TemplateKeys, ["verbs.*"] = VerbKeys,
    };

    private static readonly string[] Uses = ["state.counters", "templates.headend", "templates.hmac_policy", "templates.oflag", "templates.policy_selector.measurement"];
    private static readonly string[] Outputs = ["linux-traceroute", "text"];

    /// <summary>Every pack under <paramref name="dutConfigs"/> (folders with a platform.yaml), by platform name.</summary>
    public static IReadOnlyList<PlatformPack> LoadAll(string dutConfigs) =>
        [.. System.IO.Directory.GetDirectories(dutConfigs).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, DescriptorName)))
            .Select(Load)];

    /// <summary>Loads the pack in <paramref name="directory"/>.</summary>
    /// <exception cref="PlatformPackException">The descriptor is missing, not YAML or not valid (all errors listed).</exception>
    public static PlatformPack Load(string directory)
    {
        var path = Path.Combine(directory, DescriptorName);
        if (!File.Exists(path))
            throw new PlatformPackException([new ProfileError(path, 0, 0, "", $"no {DescriptorName}: a platform pack is a folder dut-configs/<platform>/ with a descriptor (docs/platform-packs.md)")]);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses descriptor text; <paramref name="path"/> names it in errors and locates its templates.</summary>
    public static PlatformPack Parse(string text, string path)
    {
        var w = new YamlWalker(path);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new PlatformPackException([new ProfileError(path, (int)e.Start.Line, (int)e.Start.Column, "", $"YAML syntax error: {e.Message}")]);
        }
        if (stream.Documents.Count == 0)
            throw new PlatformPackException([new ProfileError(path, 1, 1, "", "the descriptor is empty; start from dut-configs/linux/platform.yaml")]);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var top = w.Mapping(stream.Documents[0].RootNode, "", Top);
        if (top is null) throw new PlatformPackException(w.Errors);

        if (top.Integer("format_version", true, 1, 1, "", "only format_version 1 exists") is null) { }
        var platform = top.String("platform", true, "the platform's name (= the folder name = testbed.platform in a profile)");
        var folder = Path.GetFileName(directory);
        if (platform is not null && platform != folder)
            w.Error(top.Get("platform")!, "platform", $"is '{platform}' but the pack's folder is '{folder}'; they must be the same (a profile names the folder in testbed.platform)");
        var vendor = top.String("vendor", true);
        var os = top.String("os", true);
        var verification = Enum(top, "verification", true, new Dictionary<string, PackVerification>
        {
            ["documentation"] = PackVerification.Documentation, ["reference-lab"] = PackVerification.ReferenceLab, ["hardware"] = PackVerification.Hardware,
        });

        var sources = new List<PackSource>();
        foreach (var (node, p) in top.Sequence("sources", false, "sources (id, title, url)") ?? [])
        {
            var s = w.Mapping(node, p, ["id", "title", "url"]);
            if (s is null) continue;
            var id = s.String("id", true);
            var title = s.String("title", true);
            var url = s.String("url", true);
            if (id is not null && sources.Any(x => x.Id == id)) w.Error(s.Get("id")!, s.P("id"), $"source id '{id}' is listed twice");
            if (id is not null && title is not null && url is not null) sources.Add(new PackSource(id, title, url));
        }

        var session = ReadSession(w, top);
        PackIdentity? identity = null;
        if (top.Mapping("identity", false, IdentityKeys) is { } id2)
        {
            var cmd = id2.String("command", true);
            var patterns = (id2.Sequence("patterns", false, "regexes with named groups hostname, platform, version, serial") ?? [])
                .Select(x => w.String(x.Node, x.Path) is { } r ? Regex(w, x.Node, x.Path, r) : null).OfType<Regex>().ToList();
            identity = cmd is null ? null : new PackIdentity(cmd, patterns, Probe(w, id2, "hostname"), Probe(w, id2, "serial"));
        }
        PackState? state = null;
        if (top.Mapping("state", false, StateKeys) is { } st)
        {
            var counters = Table(w, st, "counters", ["sid", "packets"], ["bytes", "errors"], true);
            var sidTable = Table(w, st, "sid_table", ["sid", "name"], ["behavior", "flavors", "prefix_length", "block_bits", "csid_bits"], true);
            var snapshot = st.String("snapshot", true, "the command that shows the configuration the suite touches");
            if (snapshot is not null) state = new PackState(snapshot, st.String("diff", false), counters) { SidTable = sidTable };
        }

        var templates = ReadTemplates(w, top, directory);
        if (templates.DynamicSids.Count > 0 && state?.SidTable is null)
            w.Error(top.Get("templates") is YamlMappingNode tm && tm.Children.FirstOrDefault(kv => (kv.Key as YamlScalarNode)?.Value == "dynamic_sids").Key is { } dk ? dk : top.Get("templates")!,
                "templates.dynamic_sids", "the device allocates these SIDs, so the suite must learn them: define state.sid_table (command, format and the fields sid and name)");
        var verbs = new Dictionary<string, PackVerb>(StringComparer.Ordinal);
        if (top.Get("verbs") is YamlMappingNode vm)
        {
            foreach (var (k, v) in vm.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                var p = YamlWalker.Join("verbs", name);
                if (!DutVerbs.All.ContainsKey(name))
                {
                    var hint = YamlWalker.Suggest(name, DutVerbs.All.Keys);
                    w.Error(k, p, $"unknown verb '{name}'{(hint is null ? "" : $"; did you mean '{hint}'?")} (verbs: {string.Join(", ", DutVerbs.All.Keys)})");
                    continue;
                }
                var s = w.Mapping(v, p, VerbKeys);
                if (s is null) continue;
                var command = s.String("command", false);
                var use = s.String("use", false);
                var output = s.String("output", false);
                if (command is null && use is null) w.Error(v, p, "a verb needs a 'command' (rendered with its placeholders) or a 'use' (state.counters, templates.headend, templates.hmac_policy, templates.oflag, templates.policy_selector.measurement)");
                if (use is not null && !Uses.Contains(use)) w.Error(s.Get("use")!, s.P("use"), $"unknown use '{use}' ({string.Join(", ", Uses)})");
                if (output is not null && !Outputs.Contains(output)) w.Error(s.Get("output")!, s.P("output"), $"unknown output reader '{output}' ({string.Join(", ", Outputs)})");
                if (use == "state.counters" && state?.Counters is null) w.Error(s.Get("use")!, s.P("use"), "uses state.counters, which the descriptor does not define");
                if (use == "templates.headend" && templates.Headend.Count == 0) w.Error(s.Get("use")!, s.P("use"), "uses templates.headend, which lists no headend template");
                if (use == "templates.hmac_policy" && templates.HmacPolicy is null) w.Error(s.Get("use")!, s.P("use"), "uses templates.hmac_policy, which the descriptor does not define");
                if (use == "templates.oflag" && templates.OFlag is null) w.Error(s.Get("use")!, s.P("use"), "uses templates.oflag, which the descriptor does not define");
                if (use == "templates.policy_selector.measurement" && !templates.PolicySelector.ContainsKey("measurement"))
                    w.Error(s.Get("use")!, s.P("use"), "uses templates.policy_selector.measurement, which the descriptor does not define");
                var patterns = new Dictionary<string, Regex>(StringComparer.Ordinal);
                foreach (var key in new[] { "success", "hop", "pattern", "class", "measurement", "measured" })
                    if (s.String(key, false) is { } r && Regex(w, s.Get(key)!, s.P(key), r) is { } rx) patterns[key] = rx;
                if (name == DutVerbs.Ping && command is not null && !patterns.ContainsKey("success"))
                    w.Error(v, p, "dut.ping needs a 'success' regex with the named groups sent and received");
                if (name == DutVerbs.Traceroute && command is not null && output is null && !patterns.ContainsKey("hop"))
                    w.Error(v, p, "dut.traceroute needs an 'output' reader or a 'hop' regex with the named groups hop and address");
                if (name == DutVerbs.PolicySelectorState && command is not null && !patterns.ContainsKey("pattern"))
                    w.Error(v, p, "dut.policy_selector_state needs a 'pattern' regex (one match per constituent) with the named groups name, priority, weight and segments, and may have a 'class' regex with the groups name and priorities");
                verbs[name] = new PackVerb(name, command, use, output, patterns);
            }
        }
        else if (top.Get("verbs") is { } bad) w.Error(bad, "verbs", $"expected a mapping verb → {{command | use, …}}; got {YamlWalker.Describe(bad)}");

        if (w.Errors.Count > 0) throw new PlatformPackException(w.Errors);
        return new PlatformPack
        {
            Platform = platform!, Directory = directory, DescriptorPath = path, Vendor = vendor!, Os = os!,
            Verification = verification!.Value, VerificationNote = top.String("verification_note", false), Sources = sources,
            Session = session!, Identity = identity, State = state, Templates = templates, Verbs = verbs,
        };
    }

    /// <summary>
    /// A table reader (<c>state.counters</c>, <c>state.sid_table</c>): command, format, and either a regex with the named
    /// groups <paramref name="required"/> (format regex) or <c>rows</c> + <c>fields</c> paths (json, xml).
    /// </summary>
    private static PackCounters? Table(YamlWalker w, Section st, string key, string[] required, string[] optional, bool linux)
    {
        if (st.Mapping(key, false, TableKeys) is not { } c) return null;
        var cmd = c.String("command", true);
        string[] formats = linux ? ["regex", "json", "xml", "linux-seg6local"] : ["regex", "json", "xml"];
        var format = c.String("format", true, string.Join(", ", formats)) ?? "regex";
        if (!formats.Contains(format))
            w.Error(c.Get("format")!, c.P("format"), $"unknown format '{format}' ({string.Join(", ", formats)})");
        Regex? pattern = null;
        if (format == "regex")
        {
            if (c.String("pattern", true, $"a regex with the named groups {string.Join(", ", required)}") is { } r && Regex(w, c.Get("pattern")!, c.P("pattern"), r) is { } rx)
            {
                pattern = rx;
                var groups = rx.GetGroupNames();
                foreach (var g in required.Where(g => !groups.Contains(g)))
                    w.Error(c.Get("pattern")!, c.P("pattern"), $"has no named group '{g}' (needs {string.Join(", ", required)}; may have {string.Join(", ", optional)})");
            }
            foreach (var k in new[] { "rows", "fields" }.Where(k => c.Get(k) is not null))
                w.Error(c.Get(k)!, c.P(k), $"'{k}' belongs to the structured formats (json, xml); format regex reads the named groups of 'pattern'");
        }
        else if (format is "json" or "xml")
        {
            if (c.Get("pattern") is { } pn) w.Error(pn, c.P("pattern"), $"format {format} reads 'rows' and 'fields', not a regex 'pattern'");
            var rows = c.String("rows", false, "the path to the rows, names joined by '.'") ?? "";
            if (rows.Length > 0 && !ValidPath(rows, format)) w.Error(c.Get("rows")!, c.P("rows"), $"'{rows}' is not a path of names joined by '.'");
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (c.Get("fields") is YamlMappingNode fm)
            {
                foreach (var (fk, fv) in fm.Children)
                {
                    var name = (fk as YamlScalarNode)?.Value ?? "";
                    var fp = YamlWalker.Join(c.P("fields"), name);
                    if (!required.Contains(name) && !optional.Contains(name))
                    {
                        var hint = YamlWalker.Suggest(name, required.Concat(optional));
                        w.Error(fk, fp, $"unknown field '{name}'{(hint is null ? "" : $"; did you mean '{hint}'?")} (fields: {string.Join(", ", required.Concat(optional))})");
                        continue;
                    }
                    if (w.String(fv, fp) is not { } path) continue;
                    if (!ValidPath(path, format)) { w.Error(fv, fp, $"'{path}' is not a path of names joined by '.'"); continue; }
                    fields[name] = path;
                }
                foreach (var g in required.Where(g => !fields.ContainsKey(g) && fm.Children.All(kv => (kv.Key as YamlScalarNode)?.Value != g)))
                    w.Error(fm, c.P("fields"), $"has no field '{g}' (needs {string.Join(", ", required)}; may have {string.Join(", ", optional)})");
            }
            else if (c.Get("fields") is { } bad) w.Error(bad, c.P("fields"), $"expected a mapping field → path; got {YamlWalker.Describe(bad)}");
            else w.Error(c.Node, c.Path, $"format {format} needs 'fields' (field → path in a row: {string.Join(", ", required)}; may have {string.Join(", ", optional)})");
            if (cmd is not null)
                return new PackCounters(cmd, format, null) { Rows = rows, Fields = fields, DeclaredAt = $"{w.File}:{c.Node.Start.Line}:{c.Node.Start.Column}" };
            return null;
        }
        return cmd is null ? null : new PackCounters(cmd, format, pattern) { DeclaredAt = $"{w.File}:{c.Node.Start.Line}:{c.Node.Start.Column}" };
    }

    private static bool ValidPath(string path, string format) =>
        path.Split('.').All(seg => seg.Length > 0 && !seg.Any(char.IsWhiteSpace) && (format == "xml" || !seg.StartsWith('@')));

    private static PackSession? ReadSession(YamlWalker w, Section top)
    {
        var s = top.Mapping("session", true, SessionKeys);
        if (s is null) return null;
        var driver = Enum(s, "driver", true, new Dictionary<string, SessionDriver> { ["cli"] = SessionDriver.Cli, ["shell"] = SessionDriver.Shell });
        var prompts = new Dictionary<string, Regex>(StringComparer.Ordinal);
        if (s.Mapping("prompts", driver == SessionDriver.Cli, ["exec", "config"]) is { } pm)
            foreach (var mode in new[] { "exec", "config" })
                if (pm.String(mode, driver == SessionDriver.Cli, "a regex matching the prompt of that mode") is { } r && Regex(w, pm.Get(mode)!, pm.P(mode), r) is { } rx)
                    prompts[mode] = rx;
        var cli = driver == SessionDriver.Cli;
        var questions = new List<PackQuestion>();
        foreach (var (node, p) in s.Sequence("questions", false, "questions (pattern, answer)") ?? [])
            if (w.Mapping(node, p, ["pattern", "answer"]) is { } q && q.String("pattern", true) is { } qp && q.String("answer", true) is { } qa && Regex(w, q.Get("pattern")!, q.P("pattern"), qp) is { } qrx)
                questions.Add(new PackQuestion(qrx, qa));
        var errors = (s.Sequence("error_patterns", cli, "regexes of the lines a rejected command prints") ?? [])
            .Select(x => w.String(x.Node, x.Path) is { } r ? Regex(w, x.Node, x.Path, r) : null).OfType<Regex>().ToList();
        var paging = (s.Sequence("disable_paging", false, "commands") ?? []).Select(x => w.String(x.Node, x.Path)).OfType<string>().ToList();
        TimeSpan command = TimeSpan.FromSeconds(30), commit = TimeSpan.FromSeconds(120), connect = TimeSpan.FromSeconds(15);
        if (s.Mapping("timeouts", false, ["command_s", "commit_s", "connect_s"]) is { } t)
        {
            if (t.Integer("command_s", false, 1, 3600, " seconds") is { } a) command = TimeSpan.FromSeconds(a);
            if (t.Integer("commit_s", false, 1, 3600, " seconds") is { } b) commit = TimeSpan.FromSeconds(b);
            if (t.Integer("connect_s", false, 1, 600, " seconds") is { } c) connect = TimeSpan.FromSeconds(c);
        }
        // a checkpoint is optional: { command, pattern with the group id }
        PackProbe? checkpoint = null;
        if (s.Mapping("checkpoint", false, ["command", "pattern"]) is { } cp && cp.String("command", true) is { } cpc && cp.String("pattern", true) is { } cpp
            && Regex(w, cp.Get("pattern")!, cp.P("pattern"), cpp) is { } cprx)
            checkpoint = new PackProbe(cpc, cprx);
        if (driver is null) return null;
        return new PackSession
        {
            Driver = driver.Value, Prompts = prompts, DisablePaging = paging,
            EnterConfig = s.String("enter_config", cli), LeaveConfig = s.String("leave_config", cli), Commit = s.String("commit", cli),
            CommitConfirmed = s.String("commit_confirmed", false), Confirm = s.String("confirm", false), Abort = s.String("abort", cli),
            Rollback = s.String("rollback", false), Checkpoint = checkpoint, Questions = questions, ErrorPatterns = errors,
            CommandTimeout = command, CommitTimeout = commit, ConnectTimeout = connect,
        };
    }

    private static PackTemplates ReadTemplates(YamlWalker w, Section top, string directory)
    {
        var t = top.Mapping("templates", false, TemplateKeys);
        if (t is null) return new PackTemplates();
        string? File1(string key) => t.String(key, false) is { } f && Exists(w, t.Get(key)!, t.P(key), directory, f) ? f : null;
        Dictionary<string, string> Map(string key, Func<string, string?> checkKey, bool files)
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            var node = t.Get(key);
            if (node is null) return d;
            if (node is not YamlMappingNode m) { w.Error(node, t.P(key), $"expected a mapping; got {YamlWalker.Describe(node)}"); return d; }
            foreach (var (k, v) in m.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                var p = YamlWalker.Join(t.P(key), name);
                if (checkKey(name) is { } why) { w.Error(k, p, why); continue; }
                if (w.String(v, p) is not { } value) continue;
                if (files && !Exists(w, v, p, directory, value)) continue;
                d[name] = value;
            }
            return d;
        }
        static string? Known(string name, IEnumerable<string> vocabulary, string what)
        {
            if (vocabulary.Contains(name, StringComparer.Ordinal)) return null;
            var hint = YamlWalker.Suggest(name, vocabulary);
            return $"unknown {what} '{name}'{(hint is null ? "" : $"; did you mean '{hint}'?")}";
        }
        var behaviors = System.Enum.GetValues<SrBehavior>().Select(b => b.Name()).ToList();
        var headends = System.Enum.GetValues<HeadendBehavior>().Select(b => b.Name()).ToList();
        var flavors = System.Enum.GetValues<SrFlavor>().Select(b => b.Name()).ToList();
        return new PackTemplates
        {
            Locator = File1("locator"),
            CsidLocator = File1("csid_locator"),
            Sid = Map("sid", n => Known(n, behaviors, "behaviour"), true),
            Flavors = Map("flavors", n => Known(n, flavors, "flavor"), false),
            FlavorSets = Map("flavor_sets", n => n == "none" || n.Split('+').All(flavors.Contains) ? null : $"'{n}' is not 'none' or flavors joined by '+' ({string.Join(", ", flavors)})", false),
            Headend = Map("headend", n => Known(n, headends, "headend behaviour"), true),
            EdgeFilter = File1("edge_filter"),
            HmacKey = File1("hmac_key"),
            HmacPolicy = File1("hmac_policy"),
            OFlag = File1("oflag"),
            Route = File1("route"),
            DebugFault = File1("debug_fault"),
            PolicySelector = Map("policy_selector", n => n is "constituent" or "class" or "measurement" ? null : $"unknown policy_selector item '{n}' (constituent, class, measurement)", true),
            Knobs = Map("knobs", _ => null, true),
            DynamicSids = DynamicSids(w, t, behaviors),
        };
    }

    private static HashSet<string> DynamicSids(YamlWalker w, Section t, List<string> behaviors)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, p) in t.Sequence("dynamic_sids", false, "behaviours whose SID the device allocates (e.g. [End.DT6])") ?? [])
        {
            if (w.String(node, p) is not { } b) continue;
            if (!behaviors.Contains(b))
            {
                var hint = YamlWalker.Suggest(b, behaviors);
                w.Error(node, p, $"unknown behaviour '{b}'{(hint is null ? "" : $"; did you mean '{hint}'?")}");
                continue;
            }
            if (!set.Add(b)) w.Error(node, p, $"'{b}' is listed twice");
        }
        return set;
    }

    private static bool Exists(YamlWalker w, YamlNode node, string path, string directory, string relative)
    {
        if (File.Exists(Path.Combine(directory, relative))) return true;
        w.Error(node, path, $"template '{relative}' does not exist in {directory}");
        return false;
    }

    private static T? Enum<T>(Section s, string key, bool required, Dictionary<string, T> values) where T : struct
    {
        var v = s.String(key, required, string.Join(" | ", values.Keys));
        if (v is null) return null;
        if (values.TryGetValue(v, out var r)) return r;
        s.W.Error(s.Get(key)!, s.P(key), $"unknown value '{v}' (one of {string.Join(", ", values.Keys)})");
        return null;
    }

    private static PackProbe? Probe(YamlWalker w, Section parent, string key)
    {
        if (parent.Mapping(key, false, ["command", "pattern"]) is not { } s) return null;
        var cmd = s.String("command", true);
        var pattern = s.String("pattern", true) is { } r ? Regex(w, s.Get("pattern")!, s.P("pattern"), r) : null;
        return cmd is not null && pattern is not null ? new PackProbe(cmd, pattern) : null;
    }

    private static Regex? Regex(YamlWalker w, YamlNode node, string path, string pattern)
    {
        try { return new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { w.Error(node, path, $"not a valid regex: {e.Message}"); return null; }
    }
}
