using System.Net;
using System.Net.Sockets;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Templates;

namespace Conformance.Harness.Testbeds;

/// <summary>
/// Renders a profile into the DUT's configuration from <c>dut-configs/&lt;platform&gt;/</c>:
/// <list type="bullet">
/// <item>the infrastructure (interfaces, addresses, global sysctls): what a real router already has
/// before the suite connects; the reference lab applies it when it builds the DUT;</item>
/// <item>the suite's SRv6 configuration (one template per behaviour for every SID of the profile, and
/// the routes of the DUT's surroundings): applied over SSH, snapshotted before and rolled back after.</item>
/// </list>
/// </summary>
public static class ProfileDutConfig
{
    public static string TemplateDirectory(string platform)
    {
        var linux = LinuxConfigTemplates.FindDirectory();
        var dir = Path.Combine(Path.GetDirectoryName(linux)!, platform);
        if (!Directory.Exists(dir))
            throw new TestbedException($"no configuration templates for platform '{platform}' (looked in {dir}). " +
                "Add dut-configs/<platform>/ with one template per SRv6 behaviour, or use platform: linux.");
        return dir;
    }

    /// <summary>The reference lab's DUT infrastructure: loopback, per-port addresses and sysctls.</summary>
    public static ReferenceLabSpec LabSpec(Profile profile)
    {
        var dir = TemplateDirectory("linux");
        if (profile.Testbed.Topology is { } topology) return TopologyLabSpec(topology, dir);
        var lines = new List<string>();
        var ports = profile.Testbed.TesterPorts;
        lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "base.conf"), new Dictionary<string, string>
        {
            ["dut_loopback"] = Loopback(profile) + "/128",
        })));
        foreach (var p in ports)
        {
            var v = new Dictionary<string, string>
            {
                ["dut_if"] = p.DutInterface,
                ["dut_ipv6"] = $"{p.DutIpv6}/{p.TesterIpv6.PrefixLength}",
            };
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "port.conf"), v)));
            if (p.DutIpv4 is not null && p.TesterIpv4 is not null)
            {
                v["dut_ipv4"] = $"{p.DutIpv4}/{p.TesterIpv4.PrefixLength}";
                lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "port-ipv4.conf"), v)));
            }
        }
        var labPorts = ports.Select(p => new LabPortSpec(p.Name, p.DutInterface, p.TesterIpv6.ToString(),
            $"{p.DutIpv6}/{p.TesterIpv6.PrefixLength}", p.TesterIpv4?.ToString(),
            p.DutIpv4 is null || p.TesterIpv4 is null ? null : $"{p.DutIpv4}/{p.TesterIpv4.PrefixLength}")).ToList();
        return new ReferenceLabSpec(labPorts, Loopback(profile) + "/128", profile.Parameters.Locator.ToString(), [], DutConfig.FromLines(lines));
    }

    /// <summary>
    /// The DUT node of a reference topology: its links are the lab's ports (their far ends go to the
    /// neighbours' namespaces), its infrastructure is the figure's addressing plan and the IGP's routes.
    /// </summary>
    private static ReferenceLabSpec TopologyLabSpec(TopologyBinding topology, string dir)
    {
        var f = Topology.Figure1Topology.Instance;
        var node = topology.DutNode;
        var lines = Topology.TopologyLab.Infrastructure(f, node, dir);
        return new ReferenceLabSpec(Topology.TopologyLab.DutPorts(f, node), f.Loopback(node) + "/128", f.Locator(node), [], DutConfig.FromLines(lines))
        {
            ExtraNamespaceSuffixes = f.Routers.Where(r => r.Name != node).Select(r => Topology.TopologyLab.NamespaceSuffix(r.Name)).ToList(),
        };
    }

    /// <summary>The DUT's interfaces the suite configures: its tester-facing ports, or in a topology its links.</summary>
    public static IReadOnlyList<string> DutInterfaces(Profile profile) => profile.Testbed.Topology is { } t
        ? Topology.Figure1Topology.Instance.LinksOf(t.DutNode).Select(l => l.Name).ToList()
        : profile.Testbed.TesterPorts.Select(p => p.DutInterface).ToList();

    /// <summary>A local address of the DUT that is not a SID: the locator's ::1.</summary>
    public static IPAddress Loopback(Profile profile)
    {
        var b = profile.Parameters.Locator.BaseAddress.GetAddressBytes();
        b[^1] = 1;
        return new IPAddress(b);
    }

    /// <summary>The SRv6 configuration of the profile (SIDs and surrounding routes), applied and rolled back over SSH.</summary>
    public static DutConfig Srv6(Profile profile)
    {
        var dir = TemplateDirectory(profile.Testbed.Platform);
        var lines = new List<string>();
        var ports = profile.Testbed.TesterPorts;
        var sids = new Dictionary<string, string>();
        lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "sysctls.conf"),
            new Dictionary<string, string> { ["seg6_enabled_all"] = "1" })));
        var dutInterfaces = DutInterfaces(profile);
        foreach (var dutIf in dutInterfaces)
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "port-sysctls.conf"),
                new Dictionary<string, string> { ["dut_if"] = dutIf, ["seg6_enabled"] = "1" })));
        foreach (var sid in profile.Parameters.Sids.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var behavior = sid.Behavior.Name();
            var file = Path.Combine(dir, "sid", behavior + ".conf");
            if (!File.Exists(file))
                throw new TestbedException($"parameters.sids.{sid.Name}: no template for behaviour {behavior} on platform {profile.Testbed.Platform} ({file}).");
            var egress = sid.Interface ?? (sid.NextHop is { } nh ? EgressFor(profile, nh) : null) ?? dutInterfaces[0];
            var values = new Dictionary<string, string>
            {
                ["sid"] = sid.Address.ToString(),
                ["flavors"] = sid.Flavors.Count == 0 ? "" : " flavors " + string.Join(',', sid.Flavors.Select(f => f.Name().ToLowerInvariant())),
                ["next_hop"] = sid.NextHop?.ToString() ?? "",
                ["interface"] = egress,
                ["dev"] = dutInterfaces[0],
                ["table"] = sid.Table ?? "254",
                ["segments"] = string.Join(',', sid.Segments),
            };
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(file, values)));
            sids[sid.Name] = sid.Address.ToString();
        }
        lines.AddRange(EdgeFilter(profile, dir));
        lines.AddRange(HmacKeys(profile, dir));
        var routes = Path.Combine(dir, "lab-routes.conf");
        if (profile.Testbed.Kind == TestbedKind.ReferenceLab && profile.Testbed.Topology is null && File.Exists(routes))
        {
            var v = new Dictionary<string, string>();
            foreach (var p in ports)
            {
                v[$"{p.Name}_tester_ipv6"] = p.TesterIpv6.Address.ToString();
                v[$"{p.Name}_dut_if"] = p.DutInterface;
                if (p.TesterIpv4 is { } v4) v[$"{p.Name}_tester_ipv4"] = v4.Address.ToString();
            }
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(routes, v)));
            // Headend SR policies (RFC 8986 §5) for the lab's fixed documentation prefixes.
            var headends = Path.Combine(dir, "headends.conf");
            if (File.Exists(headends))
                lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(headends, v)));
            var insert = Path.Combine(dir, "headend-insert.conf");
            if (profile.Claims("H.Insert") && File.Exists(insert))
                lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(insert, v)));
        }
        lines.AddRange(OFlagEmulation(profile, dir));
        return DutConfig.FromLines(lines, sids);
    }

    /// <summary>nftables table of the reference lab's O-flag emulation (RFC 9259 §2.1.1); deleted on rollback.</summary>
    public const string OamTable = "srv6conf_oam";

    /// <summary>
    /// The reference lab's emulated O-flag processing (oam-oflag.conf): only for a reference lab whose
    /// profile claims oam.o_flag_processing (a real DUT's claim is its own, never emulated by the suite).
    /// The rate limit is rendered only when the profile also claims oam.o_flag_rate_limit.
    /// </summary>
    private static IEnumerable<string> OFlagEmulation(Profile profile, string dir)
    {
        var file = Path.Combine(dir, "oam-oflag.conf");
        if (profile.Testbed.Kind != TestbedKind.ReferenceLab || !profile.Claims("oam.o_flag_processing") || !File.Exists(file)) return [];
        var o = profile.Parameters.OFlag
            ?? throw new TestbedException($"{profile.SourcePath}: capabilities.oam.o_flag_processing is claimed but parameters.o_flag (collector_port, rate_per_second, burst) is missing.");
        var collector = o.CollectorPort is { } cp ? profile.GetTesterPort(cp)
            : throw new TestbedException($"{profile.SourcePath}: parameters.o_flag.collector_port is required for O-flag processing.");
        if (profile.Parameters.Sids.Count == 0) return [];
        var limit = profile.Claims("oam.o_flag_rate_limit")
            ? (o.RatePerSecond > 0 ? $"limit rate {o.RatePerSecond}/second burst {Math.Max(o.Burst, 1)} packets "
                : throw new TestbedException($"{profile.SourcePath}: oam.o_flag_rate_limit is claimed but parameters.o_flag.rate_per_second is not positive."))
            : "";
        // In a reference topology the copies go to the controller N100 over SRv6 (RFC 9259 Appendix A.3), not out of a tester port.
        if (profile.Testbed.Topology is { } topology)
            return Topology.TopologyLab.OFlagExport(Topology.Figure1Topology.Instance, topology.DutNode,
                profile.Parameters.Sids.Values.Select(s => s.Address), limit, dir);
        return TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(file, new Dictionary<string, string>
        {
            ["sids"] = string.Join(", ", profile.Parameters.Sids.Values.Select(s => s.Address.ToString()).Distinct().Order(StringComparer.Ordinal)),
            ["limit"] = limit,
            ["collector"] = collector.TesterIpv6.Address.ToString(),
            ["collector_if"] = collector.DutInterface,
        }));
    }

    /// <summary>nftables table of the SR-domain edge filter (RFC 8754 §5.1, RFC 9602); rolled back like any new table.</summary>
    public const string EdgeTable = "srv6conf_edge";

    /// <summary>
    /// SR-domain filtering when the profile claims <c>sr_domain_filtering</c>: edge-filter.conf once, edge-filter-port.conf
    /// per external tester port, edge-filter-source.conf per internal port when <c>parameters.inside_sources</c> is declared.
    /// </summary>
    public static IReadOnlyList<string> EdgeFilter(Profile profile, string dir)
    {
        var lines = new List<string>();
        if (!profile.Claims("sr_domain_filtering")) return lines;
        var external = profile.Testbed.TesterPorts.Where(p => p.Role == PortRole.External).ToList();
        var internalPorts = profile.Testbed.TesterPorts.Where(p => p.Role != PortRole.External).ToList();
        if (external.Count == 0 && profile.Parameters.InsideSources.Count == 0) return lines;
        lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "edge-filter.conf"), new Dictionary<string, string>())));
        foreach (var p in external)
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "edge-filter-port.conf"), new Dictionary<string, string>
            {
                ["dut_if"] = p.DutInterface,
                ["sid_block"] = profile.Parameters.SidBlock.ToString(),
            })));
        if (profile.Parameters.InsideSources.Count > 0)
            foreach (var p in internalPorts)
                lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "edge-filter-source.conf"), new Dictionary<string, string>
                {
                    ["dut_if"] = p.DutInterface,
                    ["locator"] = profile.Parameters.Locator.ToString(),
                    ["inside_sources"] = string.Join(", ", profile.Parameters.InsideSources),
                })));
        return lines;
    }

    /// <summary>
    /// The profile's HMAC keys (hmac-key.conf per key) when the profile claims HMAC. The secret is read from the key's
    /// environment variable here; callers register <see cref="Profile.SecretValues"/> with the transcript and the report.
    /// </summary>
    public static IReadOnlyList<string> HmacKeys(Profile profile, string dir)
    {
        var lines = new List<string>();
        if (!profile.Claims("hmac") || profile.Parameters.HmacKeys.Count == 0) return lines;
        EnsureLabHmacSecrets(profile);
        foreach (var k in profile.Parameters.HmacKeys)
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, "hmac-key.conf"), new Dictionary<string, string>
            {
                ["key_id"] = k.KeyId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["algorithm"] = k.Algorithm.Name(),
                ["secret_quoted"] = "'" + k.ResolveSecret().Replace("'", "'\\''", StringComparison.Ordinal) + "'",
            })));
        return lines;
    }

    /// <summary>
    /// For the reference lab only: an HMAC key whose environment variable is unset gets a per-run random secret
    /// (32 random octets, hex) in this process's environment, so the lab and the cases share it. A real DUT's
    /// secret must come from the operator.
    /// </summary>
    public static void EnsureLabHmacSecrets(Profile profile)
    {
        if (profile.Testbed.Kind != TestbedKind.ReferenceLab) return;
        foreach (var k in profile.Parameters.HmacKeys)
            if (k.TryResolveSecret() is null)
                Environment.SetEnvironmentVariable(k.SecretEnv, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
    }

    private static string? EgressFor(Profile profile, IPAddress nextHop) =>
        profile.Testbed.TesterPorts.FirstOrDefault(p =>
            nextHop.AddressFamily == AddressFamily.InterNetworkV6 ? p.TesterIpv6.Network.Contains(nextHop)
            : p.TesterIpv4 is { } v4 && v4.Network.Contains(nextHop))?.DutInterface;
}
