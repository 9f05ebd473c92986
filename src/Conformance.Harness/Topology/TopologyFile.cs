using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Topology;

/// <summary>
/// Reads a topology data file (topologies/NAME.yaml): name, source, controller, nodes, links, addressing, sids.
/// Every problem is reported as <c>file:line:col: field: message</c> (a <see cref="TopologyException"/> carrying all of them).
/// </summary>
public static class TopologyFile
{
    private static readonly string[] TopKeys = ["name", "source", "controller", "nodes", "links", "addressing", "sids", "ipv4_routes"];
    private static readonly string[] NodeKeys = ["name", "label", "role", "sr_capable", "o_flag_capable", "advertises", "end_sid", "link_address"];
    private static readonly string[] LinkKeys = ["name", "a", "b", "index", "metric", "ipv4"];
    private static readonly string[] PlanKeys = ["loopback", "locator", "end_sid", "end_x_sid", "link_prefix", "link_address"];
    /// <summary>Optional, all or none: the SRv6 routers' NEXT-C-SID SIDs (RFC 9800), block "PREFIX/B,C" and patterns as the classic ones.</summary>
    private static readonly string[] CsidPlanKeys = ["csid_block", "csid_locator", "csid_end_sid", "csid_end_x_sid"];
    private static readonly string[] SidKeys = ["node", "name", "behavior", "address", "link", "next_hop"];

    public static ReferenceTopology Load(string path)
    {
        var file = Path.GetFullPath(path);
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new TopologyException([new ProfileError(file, 0, 0, "", $"cannot read the topology file: {e.Message}")]); }
        return Parse(text, file);
    }

    public static ReferenceTopology Parse(string text, string file)
    {
        var errors = new List<ProfileError>();
        void Error(YamlNode? at, string field, string message) =>
            errors.Add(new ProfileError(file, at is null ? 0 : (int)at.Start.Line, at is null ? 0 : (int)at.Start.Column, field, message));

        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        { throw new TopologyException([new ProfileError(file, (int)e.Start.Line, (int)e.Start.Column, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}")]); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode top)
            throw new TopologyException([new ProfileError(file, 1, 1, "", "a topology file is a mapping (name, source, nodes, links, addressing, sids)")]);

        YamlMappingNode? Map(YamlNode? n, string field)
        {
            if (n is null) return null;
            if (n is YamlMappingNode m) return m;
            Error(n, field, "expected a mapping");
            return null;
        }
        void Keys(YamlMappingNode m, string path, string[] known)
        {
            foreach (var k in m.Children.Keys)
                if (k is not YamlScalarNode s || !known.Contains(s.Value))
                    Error(k, path.Length == 0 ? $"{k}" : $"{path}.{k}", $"unknown field; expected one of {string.Join(", ", known)}");
        }
        YamlNode? Get(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;
        string? Str(YamlMappingNode m, string path, string key, bool required)
        {
            var v = Get(m, key);
            if (v is null)
            {
                if (required) Error(m, $"{path}.{key}".TrimStart('.'), "required field is missing");
                return null;
            }
            if (v is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value)) return s.Value!.Trim();
            Error(v, $"{path}.{key}".TrimStart('.'), "expected a non-empty text");
            return null;
        }
        bool Bool(YamlMappingNode m, string path, string key)
        {
            var v = Get(m, key);
            if (v is null) return false;
            if (v is YamlScalarNode { Value: "true" or "false" } s) return s.Value == "true";
            Error(v, $"{path}.{key}", "expected true or false");
            return false;
        }
        int? Int(YamlMappingNode m, string path, string key, int min)
        {
            var v = Get(m, key);
            if (v is null) { Error(m, $"{path}.{key}", "required field is missing"); return null; }
            if (v is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= min) return i;
            Error(v, $"{path}.{key}", $"expected a whole number ≥ {min}");
            return null;
        }
        IPAddress? Address(YamlMappingNode m, string path, string key, AddressFamily family, bool required)
        {
            var s = Str(m, path, key, required);
            if (s is null) return null;
            if (IPAddress.TryParse(s, out var a) && a.AddressFamily == family) return a;
            Error(Get(m, key), $"{path}.{key}", $"'{s}' is not an {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address");
            return null;
        }
        List<YamlMappingNode> Seq(string key, bool required)
        {
            var v = Get(top, key);
            if (v is null) { if (required) Error(top, key, "required field is missing"); return []; }
            if (v is not YamlSequenceNode seq) { Error(v, key, "expected a list"); return []; }
            var list = new List<YamlMappingNode>();
            for (int i = 0; i < seq.Children.Count; i++)
                if (Map(seq.Children[i], $"{key}[{i}]") is { } m) list.Add(m);
            return list;
        }

        Keys(top, "", TopKeys);
        var name = Str(top, "", "name", true);
        var source = Str(top, "", "source", true);

        var nodes = new List<TopologyNode>();
        var oflag = new HashSet<string>();
        var nodeSeq = Seq("nodes", true);
        for (int i = 0; i < nodeSeq.Count; i++)
        {
            var m = nodeSeq[i];
            var p = $"nodes[{i}]";
            Keys(m, p, NodeKeys);
            var n = Str(m, p, "name", true);
            var label = Str(m, p, "label", true);
            var role = Str(m, p, "role", true);
            if (role is not null and not ("router" or "tester")) { Error(Get(m, "role"), $"{p}.role", $"'{role}' is not a role; expected router or tester"); role = null; }
            var sr = Bool(m, p, "sr_capable");
            if (Bool(m, p, "o_flag_capable") && n is not null) oflag.Add(n);
            var endSid = Str(m, p, "end_sid", false);
            var linkAddress = Str(m, p, "link_address", false);
            if (n is not null && nodes.Any(x => x.Name == n)) Error(Get(m, "name"), $"{p}.name", $"node '{n}' is listed twice");
            else if (n is not null && label is not null && role is not null)
                nodes.Add(new TopologyNode(n, label, sr, role == "tester") { Advertises = Bool(m, p, "advertises"), EndSidOverride = endSid, LinkAddressOverride = linkAddress });
        }
        var names = nodes.Select(x => x.Name).ToList();
        string? NodeRef(YamlMappingNode m, string p, string key, bool required)
        {
            var s = Str(m, p, key, required);
            if (s is null || names.Contains(s)) return s;
            Error(Get(m, key), $"{p}.{key}", $"'{s}' is not a node of this topology; expected one of {string.Join(", ", names)}");
            return null;
        }

        var links = new List<TopologyLink>();
        var linkSeq = Seq("links", true);
        for (int i = 0; i < linkSeq.Count; i++)
        {
            var m = linkSeq[i];
            var p = $"links[{i}]";
            Keys(m, p, LinkKeys);
            var n = Str(m, p, "name", true);
            var a = NodeRef(m, p, "a", true);
            var b = NodeRef(m, p, "b", true);
            var index = Int(m, p, "index", 1);
            var metric = Int(m, p, "metric", 1);
            IPAddress? v4a = null, v4b = null;
            if (Map(Get(m, "ipv4"), $"{p}.ipv4") is { } v4)
            {
                Keys(v4, $"{p}.ipv4", ["a", "b"]);
                v4a = Address(v4, $"{p}.ipv4", "a", AddressFamily.InterNetwork, true);
                v4b = Address(v4, $"{p}.ipv4", "b", AddressFamily.InterNetwork, true);
            }
            if (a is not null && a == b) { Error(Get(m, "b"), $"{p}.b", $"a link joins two different nodes; both ends are {a}"); continue; }
            if (n is not null && links.Any(x => x.Name == n)) { Error(Get(m, "name"), $"{p}.name", $"link '{n}' is listed twice"); continue; }
            if (a is not null && b is not null && nodes.First(x => x.Name == a).IsTester)
            { Error(Get(m, "a"), $"{p}.a", $"end a of a link is a router ({a} is a tester; write the tester as b)"); continue; }
            if (n is not null && a is not null && b is not null && index is not null && metric is not null)
                links.Add(new TopologyLink(n, a, b, index.Value, metric.Value) { Ipv4A = v4a, Ipv4B = v4b });
        }

        TopologyPlan? plan = null;
        if (Get(top, "addressing") is null) Error(top, "addressing", "required field is missing");
        else if (Map(Get(top, "addressing"), "addressing") is { } pm)
        {
            Keys(pm, "addressing", [.. PlanKeys, .. CsidPlanKeys]);
            var v = PlanKeys.Select(k => Str(pm, "addressing", k, true)).ToArray();
            var c = CsidPlanKeys.Select(k => Str(pm, "addressing", k, false)).ToArray();
            TopologyCsidPlan? csid = null;
            if (c.Any(x => x is not null))
            {
                if (c.Any(x => x is null))
                    Error(pm, "addressing", $"the C-SID plan needs all of {string.Join(", ", CsidPlanKeys)} (missing: {string.Join(", ", CsidPlanKeys.Where((_, k) => c[k] is null))})");
                else
                {
                    try { csid = new TopologyCsidPlan(Packets.CsidBlock.Parse(c[0]!), c[1]!, c[2]!, c[3]!); }
                    catch (FormatException e) { Error(Get(pm, "csid_block"), "addressing.csid_block", e.Message); }
                }
            }
            if (v.All(x => x is not null)) plan = new TopologyPlan(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!) { Csid = csid };
        }

        var extra = new List<TopologyExtraSid>();
        var sidSeq = Seq("sids", false);
        for (int i = 0; i < sidSeq.Count; i++)
        {
            var m = sidSeq[i];
            var p = $"sids[{i}]";
            Keys(m, p, SidKeys);
            var node = NodeRef(m, p, "node", true);
            var n = Str(m, p, "name", true);
            var behavior = Str(m, p, "behavior", true);
            var address = Address(m, p, "address", AddressFamily.InterNetworkV6, true);
            var link = Str(m, p, "link", false);
            if (link is not null && !links.Any(l => l.Name == link))
            { Error(Get(m, "link"), $"{p}.link", $"'{link}' is not a link of this topology"); link = null; }
            var next = NodeRef(m, p, "next_hop", false);
            if (node is not null && n is not null && behavior is not null && address is not null)
                extra.Add(new TopologyExtraSid(node, n, behavior, address, link, next));
        }

        // Static IPv4 routes (the plan's IGP is IPv6 only): a router's route to an IPv4 prefix via its neighbour's IPv4 address on a link with IPv4.
        var v4routes = new List<TopologyIpv4Route>();
        var v4Seq = Seq("ipv4_routes", false);
        for (int i = 0; i < v4Seq.Count; i++)
        {
            var m = v4Seq[i];
            var p = $"ipv4_routes[{i}]";
            Keys(m, p, ["node", "prefix", "link"]);
            var node = NodeRef(m, p, "node", true);
            var prefixText = Str(m, p, "prefix", true);
            var link = Str(m, p, "link", true);
            var l = links.FirstOrDefault(x => x.Name == link);
            if (link is not null && l is null) { Error(Get(m, "link"), $"{p}.link", $"'{link}' is not a link of this topology"); continue; }
            if (l is not null && (l.Ipv4A is null || l.Ipv4B is null)) { Error(Get(m, "link"), $"{p}.link", $"{link} has no IPv4 addresses (links[].ipv4)"); continue; }
            if (node is not null && l is not null && !l.Touches(node)) { Error(Get(m, "link"), $"{p}.link", $"{node} is not an end of {link}"); continue; }
            if (prefixText is not null && (!IPNetwork.TryParse(prefixText, out var net) || net.BaseAddress.AddressFamily != AddressFamily.InterNetwork))
            { Error(Get(m, "prefix"), $"{p}.prefix", $"'{prefixText}' is not an IPv4 prefix"); continue; }
            if (node is not null && prefixText is not null && l is not null)
                v4routes.Add(new TopologyIpv4Route(node, IPNetwork.Parse(prefixText), l.Name));
        }

        string? controller = null;
        if (Get(top, "controller") is not null)
        {
            controller = NodeRef(top, "", "controller", false);
            if (controller is not null && !nodes.First(x => x.Name == controller).IsTester)
            { Error(Get(top, "controller"), "controller", $"the controller is a tester node ({controller} is a router)"); controller = null; }
        }

        if (errors.Count > 0 || name is null || source is null || plan is null) throw new TopologyException(errors);
        var topo = new ReferenceTopology(name, source, file, nodes, links, oflag, controller, plan, extra) { Ipv4Routes = v4routes };
        // Every address the plan yields must parse: report a broken pattern at the addressing section.
        try
        {
            foreach (var n in nodes) { _ = topo.AddressesOf(n.Name); _ = topo.PrefixesOf(n.Name).Select(IPNetwork.Parse).ToList(); }
        }
        catch (FormatException e)
        {
            throw new TopologyException([new ProfileError(file, (int)Get(top, "addressing")!.Start.Line, (int)Get(top, "addressing")!.Start.Column, "addressing",
                $"a pattern does not give an address for every node ({e.Message})")]);
        }
        return topo;
    }
}

/// <summary>Problems in a topology data file, each as <c>file:line:col: field: message</c>.</summary>
public sealed class TopologyException(IReadOnlyList<ProfileError> errors) : Exception(Format(errors))
{
    public IReadOnlyList<ProfileError> Errors { get; } = errors;

    private static string Format(IReadOnlyList<ProfileError> errors) =>
        (errors.Count == 1 ? "topology error:" : $"{errors.Count} topology errors:") + string.Concat(errors.Select(e => "\n" + e)) +
        "\nhint: the topology file format is described in topologies/README.md.";
}

/// <summary>The topologies this harness knows: every topologies/*.yaml at the repository's root (or the folder <c>SRV6CONF_TOPOLOGIES</c> names).</summary>
public static class Topologies
{
    public const string DirectoryVariable = "SRV6CONF_TOPOLOGIES";

    private static readonly Lazy<IReadOnlyList<ReferenceTopology>> Loaded = new(() => LoadDirectory(Directory()));

    /// <summary>The folder the topology files are read from: <c>SRV6CONF_TOPOLOGIES</c>, else the nearest topologies/ above the binaries or the current directory (like dut-configs/).</summary>
    public static string Directory()
    {
        var env = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        foreach (var start in new[] { AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (System.IO.Directory.Exists(Path.Combine(dir.FullName, "topologies"))) return Path.Combine(dir.FullName, "topologies");
        var root = AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory) ?? System.IO.Directory.GetCurrentDirectory();
        return Path.Combine(root, "topologies");
    }

    /// <summary>Every topology in <paramref name="directory"/> (*.yaml, by file name). A broken file throws with its errors.</summary>
    public static IReadOnlyList<ReferenceTopology> LoadDirectory(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return [];
        var list = System.IO.Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).Select(TopologyFile.Load).ToList();
        var dup = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new TopologyException([new ProfileError(dup.Last().File, 0, 0, "name", $"topology '{dup.Key}' is also defined in {dup.First().File}")]);
        return list;
    }

    public static IReadOnlyList<ReferenceTopology> All => Loaded.Value;

    /// <summary>The topology named <paramref name="name"/>, or null.</summary>
    public static ReferenceTopology? TryFind(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>The topology named <paramref name="name"/>; throws naming the known ones otherwise.</summary>
    public static ReferenceTopology Find(string name) => TryFind(name)
        ?? throw new ArgumentException($"unknown topology '{name}'; {Directory()} has {string.Join(", ", All.Select(t => t.Name))}");
}
