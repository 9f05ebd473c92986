using System.Net;
using System.Net.Sockets;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
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
        var linux = Platforms.PlatformPacks.LinuxDirectory;
        var dir = Path.Combine(Path.GetDirectoryName(linux)!, platform);
        if (!Directory.Exists(dir))
            throw new TestbedException($"no configuration templates for platform '{platform}' (looked in {dir}). " +
                "Add dut-configs/<platform>/ with one template per SRv6 behaviour, or use platform: linux.");
        return dir;
    }

    /// <summary>The reference lab's DUT infrastructure: loopback, per-port addresses and sysctls.</summary>
    public static ReferenceLabSpec LabSpec(Profile profile)
    {
        // A reference lab whose platform pack drives a router CLI can only be the reference node: the one router the
        // suite builds itself (the Linux kernel is driven as a shell).
        if (Platforms.PlatformPacks.Find(profile.Testbed.Platform) is { Session.Driver: Platforms.SessionDriver.Cli } pack)
            return NodeLabSpec(profile, pack);
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
    /// The reference node as the lab's DUT: the namespace's kernel stays off the data interfaces (IPv6 disabled, no IPv4
    /// address, ARP ignored), and the node starts with the interfaces' addresses, the loopback and the host name rendered
    /// from the pack's <c>lab/</c> templates (<c>base.cfg</c>; per port <c>port.cfg</c>, <c>port-ipv4.cfg</c>) — what a
    /// router has before the suite connects. The SRv6 configuration then goes over SSH through the pack, like any router's.
    /// As the DUT node of a reference topology (testbed.topology) its ports are the node's links and its start-up
    /// configuration is the figure's plan for the node (<see cref="Topology.TopologyLab.Infrastructure(Topology.ReferenceTopology, string, Func{string, Dictionary{string, string}, IEnumerable{string}})"/>):
    /// <c>base.cfg</c>, per link <c>link.cfg</c>, per attachment <c>attachment.cfg</c> (and <c>attachment-ipv4.cfg</c>), per
    /// IGP route <c>route.cfg</c>; the lab builds the other routers around it (<see cref="Topology.TopologyLab.Build"/>).
    /// </summary>
    private static ReferenceLabSpec NodeLabSpec(Profile profile, Platforms.PlatformPack pack)
    {
        var labDir = Path.Combine(pack.Directory, "lab");
        string Render(string file, Dictionary<string, string> values)
        {
            var path = Path.Combine(labDir, file);
            if (!File.Exists(path))
                throw new TestbedException($"{pack.DescriptorPath}: a reference lab with the '{pack.Platform}' pack needs {path} " +
                    "(the node's start-up configuration: host name, loopback, interface addresses" + (profile.Testbed.Topology is null ? ")." : ", the topology's links and routes)."));
            return string.Join('\n', TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(path, values)));
        }
        var hostname = profile.Testbed.Identity.Hostname;
        var startup = new List<string>();
        IReadOnlyList<LabPortSpec> labPorts;
        string loopback, locator;
        IReadOnlyList<string> extraNamespaces = [];
        if (profile.Testbed.Topology is { } topology)
        {
            var f = Topology.Topologies.Find(topology.Name);
            var node = topology.DutNode;
            startup.AddRange(Topology.TopologyLab.Infrastructure(f, node, (item, v) => [Render(item + ".cfg", new(v) { ["hostname"] = hostname })]));
            labPorts = Topology.TopologyLab.DutPorts(f, node);
            (loopback, locator) = (f.Loopback(node) + "/128", f.Locator(node));
            extraNamespaces = OtherRouters(f, node);
        }
        else
        {
            startup.Add(Render("base.cfg", new() { ["hostname"] = hostname, ["dut_loopback"] = Loopback(profile) + "/128", ["dut_loopback_address"] = Loopback(profile).ToString() }));
            var ports = profile.Testbed.TesterPorts;
            foreach (var p in ports)
            {
                var v = new Dictionary<string, string> { ["dut_if"] = p.DutInterface, ["dut_ipv6"] = $"{p.DutIpv6}/{p.TesterIpv6.PrefixLength}" };
                startup.Add(Render("port.cfg", v));
                if (p.DutIpv4 is not null && p.TesterIpv4 is not null)
                {
                    v["dut_ipv4"] = $"{p.DutIpv4}/{p.TesterIpv4.PrefixLength}";
                    startup.Add(Render("port-ipv4.cfg", v));
                }
            }
            labPorts = ports.Select(p => new LabPortSpec(p.Name, p.DutInterface, p.TesterIpv6.ToString(),
                $"{p.DutIpv6}/{p.TesterIpv6.PrefixLength}", p.TesterIpv4?.ToString(),
                p.DutIpv4 is null || p.TesterIpv4 is null ? null : $"{p.DutIpv4}/{p.TesterIpv4.PrefixLength}")).ToList();
            (loopback, locator) = (Loopback(profile) + "/128", profile.Parameters.Locator.ToString());
        }
        var infra = new List<string>();
        foreach (var p in labPorts)
        {
            infra.Add($"sysctl -w net.ipv6.conf.{p.DutInterface}.disable_ipv6=1");
            infra.Add($"sysctl -w net.ipv4.conf.{p.DutInterface}.arp_ignore=8");
            infra.Add($"ip link set {p.DutInterface} up");
        }
        return new ReferenceLabSpec(labPorts, loopback, locator, [], DutConfig.FromLines(infra))
        {
            Node = new ReferenceNodeLaunch(ReferenceNodeLaunch.LocateAssembly(), string.Join('\n', startup) + "\n"),
            ExtraNamespaceSuffixes = extraNamespaces,
        };
    }

    /// <summary>The namespace suffixes of a topology's routers other than the DUT's node (built around it by the lab).</summary>
    private static IReadOnlyList<string> OtherRouters(Topology.ReferenceTopology f, string node) =>
        f.Routers.Where(r => r.Name != node).Select(r => Topology.TopologyLab.NamespaceSuffix(r.Name)).ToList();

    /// <summary>
    /// The DUT node of a reference topology: its links are the lab's ports (their far ends go to the
    /// neighbours' namespaces), its infrastructure is the figure's addressing plan and the IGP's routes.
    /// </summary>
    private static ReferenceLabSpec TopologyLabSpec(TopologyBinding topology, string dir)
    {
        var f = Topology.Topologies.Find(topology.Name);
        var node = topology.DutNode;
        var lines = Topology.TopologyLab.Infrastructure(f, node, dir);
        return new ReferenceLabSpec(Topology.TopologyLab.DutPorts(f, node), f.Loopback(node) + "/128", f.Locator(node), [], DutConfig.FromLines(lines))
        {
            ExtraNamespaceSuffixes = OtherRouters(f, node),
        };
    }

    /// <summary>The DUT's interfaces the suite configures: its tester-facing ports, or in a topology its links.</summary>
    public static IReadOnlyList<string> DutInterfaces(Profile profile) => profile.Testbed.Topology is { } t
        ? Topology.Topologies.Find(t.Name).LinksOf(t.DutNode).Select(l => l.Name).ToList()
        : profile.Testbed.TesterPorts.Select(p => p.DutInterface).ToList();

    /// <summary>A local address of the DUT that is not a SID: the locator's ::1.</summary>
    public static IPAddress Loopback(Profile profile)
    {
        var b = profile.Parameters.Locator.BaseAddress.GetAddressBytes();
        b[^1] = 1;
        return new IPAddress(b);
    }

    /// <summary>
    /// The SRv6 configuration of the profile (its <see cref="Srv6Intent"/> rendered by the platform's pack, here the Linux
    /// reference's), applied and rolled back over SSH; <paramref name="fault"/> (default none) is a reference-lab fault mode.
    /// </summary>
    public static DutConfig Srv6(Profile profile, LabFaultMode? fault = null)
    {
        var dir = TemplateDirectory(profile.Testbed.Platform);
        var intent = IntentBuilder.Build(profile);
        if (intent.HmacKeys.Count > 0) EnsureLabHmacSecrets(profile);
        return (fault ?? LabFaultMode.None).Render(intent, dir);
    }

    /// <summary>
    /// A transient SR policy a case installs on the DUT (platform verb dut.sr_policy), rendered with the pack's headend
    /// template for <paramref name="headend"/>'s behaviour; the case removes it by rolling back to its snapshot.
    /// </summary>
    public static DutConfig TransientHeadend(Profile profile, IntentHeadend headend) =>
        RouterPack(profile) is { } pack ? DutConfig.FromLines(Platforms.PackRenderer.HeadendItem(pack, headend).Lines)
        : DutConfig.FromLines(LinuxIntentRenderer.HeadendLines(headend, profile.Testbed.Platform, TemplateDirectory(profile.Testbed.Platform)));

    /// <summary>
    /// Transient SIDs, headend policies and routes a case installs on the DUT (removed by rolling back to its snapshot),
    /// rendered by the profile's pack like the profile's own (router packs: their sid, csid_locator, headend and route
    /// templates; Linux: its sid/, headend/ and lab-route templates). They go
    /// through the run's fault mode <paramref name="fault"/> with the profile's intent, so a mode that misprograms every
    /// policy of a kind (e.g. HeadendsNotReduced) misprograms the case's too; only the case's items are rendered.
    /// </summary>
    public static DutConfig TransientIntent(Profile profile, IReadOnlyList<IntentSid> sids, IReadOnlyList<IntentHeadend> headends,
        IReadOnlyList<IntentRoute> routes, LabFaultMode? fault = null)
    {
        var baseIntent = IntentBuilder.Build(profile);
        var all = (fault ?? LabFaultMode.None).Transform(baseIntent with
        {
            Sids = [.. baseIntent.Sids, .. sids],
            Headends = [.. baseIntent.Headends, .. headends],
            Routes = [.. baseIntent.Routes, .. routes],
        });
        var names = sids.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var policies = headends.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var mine = all with
        {
            Interfaces = RouterPack(profile) is null ? baseIntent.Interfaces : [],
            Sids = [.. all.Sids.Where(s => names.Contains(s.Name))],
            Headends = [.. all.Headends.Where(h => policies.Contains(h.Name))],
            Routes = [.. all.Routes.Skip(baseIntent.Routes.Count)],
            EdgeFilter = null, HmacKeys = [], OFlag = null, PolicySelector = null, NodeDebugFaults = [],
        };
        if (RouterPack(profile) is { } pack)
        {
            var rendering = Platforms.PackRenderer.Render(pack, mine);
            if (rendering.NotRenderable.Count > 0)
                throw new TestbedException($"{pack.DescriptorPath}: the case's transient configuration cannot be rendered: {string.Join("; ", rendering.NotRenderable)}");
            return DutConfig.FromLines([.. rendering.Items.Where(i => i.Item is not ("node knobs" or "locator")).SelectMany(i => i.Lines)]);
        }
        // The node-wide and per-port sysctls the renderer adds are the profile's own, already applied: left out.
        var config = LinuxIntentRenderer.Render(mine, TemplateDirectory(profile.Testbed.Platform));
        return config with { Sysctls = [], Sids = sids.ToDictionary(s => s.Name, s => s.Address.ToString()) };
    }

    /// <summary>
    /// Null when this host can build the profile's testbed; otherwise why not, in one sentence. A reference lab with the
    /// Linux kernel as its DUT needs the kernel's SRv6 lightweight tunnels (<see cref="HostKernel"/>); the reference node
    /// as the DUT needs nothing of the kind, between tester ports or in a reference topology (whose other routers run as
    /// reference nodes too where the kernel lacks SRv6: <see cref="Topology.TopologyLab.RoutersRunAsReferenceNodes"/>), and
    /// neither does a real router's testbed.
    /// </summary>
    public static string? WhyThisHostCannotBuild(Profile profile)
    {
        if (profile.Testbed.Kind != TestbedKind.ReferenceLab) return null;
        // Every DUT of the testbed; a reference topology's other routers need nothing of the kind: where the kernel lacks SRv6
        // they run as reference nodes (Topology.TopologyLab.RoutersRunAsReferenceNodes).
        IEnumerable<Profile> duts = profile.Testbed.Topology is { IsMultiDut: true } mt ? mt.DutNodes.Select(d => d.Profile) : [profile];
        // A Linux DUT, alone or a node of a reference topology, may run in the opt-in VM (DutVm).
        if (duts.Any(d => RouterPack(d) is null))
            return HostKernel.WhyNoLinuxReferenceLab;
        return null;
    }

    /// <summary>The profile's platform pack when it is a router pack (cli driver), rendered by <see cref="Platforms.PackRenderer"/>; null for the Linux reference.</summary>
    private static Platforms.PlatformPack? RouterPack(Profile profile) =>
        profile.Testbed.Platform == "linux" ? null
        : Platforms.PlatformPacks.Find(profile.Testbed.Platform) is { Session.Driver: Platforms.SessionDriver.Cli } p ? p : null;

    /// <summary>One interface's HMAC policy set by a case (platform verb dut.hmac_policy), rendered with the pack's template.</summary>
    public static DutConfig TransientHmacPolicy(Profile profile, string interfaceName, HmacPolicy policy) =>
        RouterPack(profile) is { } pack ? DutConfig.FromLines(Platforms.PackRenderer.HmacPolicyItem(pack, interfaceName, policy).Lines) :
        DutConfig.FromLines(LinuxIntentRenderer.HmacPolicyLines(interfaceName, policy, TemplateDirectory(profile.Testbed.Platform)));

    /// <summary>
    /// The O-flag punt policer set to <paramref name="ratePerSecond"/> (platform verb dut.set_oflag_rate), replacing the
    /// applied one. The Linux reference: its nftables O-flag emulation re-rendered for the rate exactly as the run renders
    /// it (<paramref name="fault"/> included, so a negative control stays wrong at every rate), after deleting the
    /// table whatever it holds; a fresh rule also starts with a full bucket. Null rate: the profile's own.
    /// </summary>
    public static DutConfig OFlagAtRate(Profile profile, int? ratePerSecond, LabFaultMode? fault)
    {
        var p = ratePerSecond is { } r && profile.Parameters.OFlag is { } o
            ? profile with { Parameters = profile.Parameters with { OFlag = o with { RatePerSecond = r } } } : profile;
        if (RouterPack(profile) is { } pack && pack.Templates.OFlag is not null)
        {
            // A router pack: its oflag template re-typed with the rate (a statement that replaces the applied one).
            var item = Platforms.PackRenderer.Render(pack, IntentBuilder.Build(p)).Items.FirstOrDefault(i => i.Item == "O-flag")
                ?? throw new TestbedException($"platform {profile.Testbed.Platform}: the profile has no O-flag settings to change.");
            return DutConfig.FromLines(item.Lines);
        }
        if (profile.Testbed.Platform != "linux")
            throw new TestbedException($"platform {profile.Testbed.Platform}: dut.set_oflag_rate needs templates.oflag in its pack.");
        var lines = Srv6(p, fault).Commands.Where(x => x.Contains($" ip6 {OamTable}", StringComparison.Ordinal)).ToList();
        return DutConfig.Empty with { Commands = [$"nft delete table ip6 {OamTable} 2>/dev/null || true", .. lines] };
    }

    /// <summary>nftables table of the reference lab's O-flag emulation (RFC 9259 §2.1.1); deleted on rollback.</summary>
    public const string OamTable = LinuxIntentRenderer.OamTable;

    /// <summary>nftables table of the SR-domain edge filter (RFC 8754 §5.1, RFC 9602); rolled back like any new table.</summary>
    public const string EdgeTable = LinuxIntentRenderer.EdgeTable;

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
}
