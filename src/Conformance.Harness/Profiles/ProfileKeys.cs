using System.Text.Json;

namespace Conformance.Harness.Profiles;

/// <summary>
/// The keys the loader accepts in each mapping of the format, read from profiles/profile.schema.json (embedded in this
/// assembly): the schema is the one definition of the format's shape, the reader (<see cref="ProfileReader"/>) turns a
/// file into the one model (<see cref="Profile"/>) with file:line:column errors. Section paths: "" is the top level,
/// "x.y" a nested mapping, "x[]" the items of list x, "x.*" the values of map x.
/// </summary>
internal static class ProfileKeys
{
    /// <summary>Every object section of the schema with its property names, in the schema's order.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> BySection = ReadSchema();

    public static IReadOnlyList<string> Top => BySection[""];
    public static IReadOnlyList<string> Testbed => BySection["testbed"];
    public static IReadOnlyList<string> Topology => BySection["testbed.topology"];
    public static IReadOnlyList<string> DutNode => BySection["testbed.topology.dut_nodes[]"];
    public static IReadOnlyList<string> TopologyLink => BySection["testbed.topology.links.*"];
    public static IReadOnlyList<string> Identity => BySection["testbed.identity"];
    public static IReadOnlyList<string> Ssh => BySection["testbed.ssh"];
    public static IReadOnlyList<string> Auth => BySection["testbed.ssh.auth"];
    public static IReadOnlyList<string> TesterPort => BySection["testbed.tester_ports[]"];
    public static IReadOnlyList<string> Capabilities => BySection["capabilities"];
    public static IReadOnlyList<string> Oam => BySection["capabilities.oam"];
    public static IReadOnlyList<string> IcmpErrors => BySection["capabilities.icmp_errors"];
    public static IReadOnlyList<string> Hmac => BySection["capabilities.hmac"];
    public static IReadOnlyList<string> Parameters => BySection["parameters"];
    public static IReadOnlyList<string> HmacKey => BySection["parameters.hmac_keys[]"];
    public static IReadOnlyList<string> HeadendPolicy => BySection["parameters.headend_policies[]"];
    public static IReadOnlyList<string> Sid => BySection["parameters.sids.*"];
    public static IReadOnlyList<string> Csid => BySection["parameters.sids.*.csid"];
    public static IReadOnlyList<string> OFlag => BySection["parameters.o_flag"];
    public static IReadOnlyList<string> Timeouts => BySection["parameters.timeouts"];
    public static IReadOnlyList<string> Traffic => BySection["parameters.traffic"];
    public static IReadOnlyList<string> SelectorCaps => BySection["capabilities.policy_selector"];
    public static IReadOnlyList<string> Selector => BySection["parameters.policy_selector"];
    public static IReadOnlyList<string> Constituent => BySection["parameters.policy_selector.constituents[]"];
    public static IReadOnlyList<string> SelectorMeasurementKeys => BySection["parameters.policy_selector.measurement"];
    public static IReadOnlyList<string> Thresholds => BySection["parameters.policy_selector.constituents[].thresholds"];
    public static IReadOnlyList<string> SelectorClass => BySection["parameters.policy_selector.classes[]"];
    public static IReadOnlyList<string> SelectorMatch => BySection["parameters.policy_selector.classes[].match"];
    public static IReadOnlyList<string> Deviation => BySection["known_deviations[]"];

    /// <summary>
    /// The schema's object sections ($refs resolved), keyed by section path, each with its property names and whether it
    /// is closed (additionalProperties: false, as the loader is: it rejects an unknown key).
    /// </summary>
    internal static Dictionary<string, (IReadOnlyList<string> Keys, bool Closed)> Sections(JsonElement root)
    {
        var result = new Dictionary<string, (IReadOnlyList<string>, bool)>(StringComparer.Ordinal);
        JsonElement Resolve(JsonElement n)
        {
            while (n.ValueKind == JsonValueKind.Object && n.TryGetProperty("$ref", out var r))
            {
                n = root;
                foreach (var part in r.GetString()!.TrimStart('#', '/').Split('/')) n = n.GetProperty(part);
            }
            return n;
        }
        void Walk(JsonElement n, string path)
        {
            n = Resolve(n);
            if (n.ValueKind != JsonValueKind.Object) return;
            if (n.TryGetProperty("properties", out var props))
            {
                var closed = n.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.False;
                result[path] = ([.. props.EnumerateObject().Select(p => p.Name)], closed);
                foreach (var p in props.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}");
            }
            if (n.TryGetProperty("items", out var items)) Walk(items, path + "[]");
            if (n.TryGetProperty("additionalProperties", out var map) && map.ValueKind == JsonValueKind.Object) Walk(map, path + ".*");
        }
        Walk(root, "");
        return result;
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadSchema()
    {
        using var s = typeof(ProfileKeys).Assembly.GetManifestResourceStream("profile.schema.json")
            ?? throw new InvalidOperationException("profile.schema.json is not embedded in Conformance.Harness (see its .csproj)");
        using var doc = JsonDocument.Parse(s);
        return Sections(doc.RootElement).ToDictionary(x => x.Key, x => x.Value.Keys, StringComparer.Ordinal);
    }
}
