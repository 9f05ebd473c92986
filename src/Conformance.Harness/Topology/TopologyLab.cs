using System.Net;
using System.Text;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Lab;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Templates;

namespace Conformance.Harness.Topology;

/// <summary>
/// A reference topology (<see cref="ReferenceTopology"/>, e.g. RFC 9259 Figure 1) as a multi-namespace network around one DUT node. The DUT node is a
/// <see cref="ReferenceLab"/> (namespace <c>s6c-&lt;id&gt;-dut</c>, sshd, management link) whose "tester
/// ports" are its links; this class moves the far end of each link into the neighbour's namespace
/// (<c>s6c-&lt;id&gt;-n3</c>, …), builds the other routers and links, configures them directly (they are
/// the DUT's surroundings, not under test), and leaves only the tester attachments (Figure 1: CE1, CE2, N100) in
/// the root namespace. Everything is torn down with the DUT's lab (the namespaces are in its state file).
/// <para>The other routers are Linux namespaces configured from dut-configs/linux/topology/ (their SIDs seg6local routes)
/// where the host's kernel has SRv6 lightweight tunnels; where it has not (<see cref="RoutersRunAsReferenceNodes"/>), each
/// is an instance of the suite's reference node (<c>srv6-refnode daemon</c>) owning the router's interfaces through
/// AF_PACKET (the kernel's IPv6 off on them), started with the same plan rendered from the node pack's <c>lab/</c>
/// templates and its SIDs, O-flag export and knobs from the pack's <c>templates/</c> (<see cref="NodeStartupConfig"/>).</para>
/// </summary>
public sealed class TopologyLab
{
    private readonly Dictionary<string, string> _testerInterfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);

    private TopologyLab(IReadOnlyList<(string Node, ReferenceLab Lab)> duts, ReferenceTopology figure, ReferenceLab owner)
    {
        Dut = owner; Figure = figure; DutNode = string.Join("+", duts.Select(d => d.Node));
        DutNodes = [.. duts.Select(d => d.Node)];
        DutLabs = duts.ToDictionary(d => d.Node, d => d.Lab, StringComparer.Ordinal);
    }

    /// <summary>
    /// The lab whose state owns the lab routers' namespaces (and a real router's NICs): the first lab-built DUT's, or the lab
    /// around a real router; its run directory holds the lab's evidence.
    /// </summary>
    public ReferenceLab Dut { get; }
    public ReferenceTopology Figure { get; }
    /// <summary>The DUT's node; with several DUTs their names joined with '+' (see <see cref="DutNodes"/>).</summary>
    public string DutNode { get; }
    /// <summary>Every DUT node (one, or several for a multi-DUT testbed), in the profile's order.</summary>
    public IReadOnlyList<string> DutNodes { get; }
    /// <summary>DUT node → the lab that built it (namespace, sshd, management link).</summary>
    public IReadOnlyDictionary<string, ReferenceLab> DutLabs { get; }
    /// <summary>Whether <paramref name="node"/> is one of the DUTs (never tapped, never configured by the lab).</summary>
    public bool IsDut(string node) => DutLabs.ContainsKey(node);
    /// <summary>Router → its network namespace (the DUT node's is the DUT lab's namespace).</summary>
    public IReadOnlyDictionary<string, string> Namespaces => _namespaces;
    /// <summary>Attachment (tester port) name → root-namespace interface the harness injects and captures on.</summary>
    public IReadOnlyDictionary<string, string> TesterInterfaces => _testerInterfaces;
    /// <summary>The shell scripts that configured the lab's other routers (evidence).</summary>
    public IReadOnlyDictionary<string, string> NodeConfigurations => _configs;
    private readonly Dictionary<string, string> _configs = new(StringComparer.Ordinal);

    public static string NamespaceSuffix(string node) => node.ToLowerInvariant();

    /// <summary>
    /// True when the lab's other routers run as reference nodes instead of Linux namespaces: the host's kernel has no SRv6
    /// lightweight tunnels (<see cref="HostKernel.WhyNoLinuxReferenceDut"/>), so a Linux router could not hold a SID.
    /// Hosts whose kernel has them keep the Linux routers (the testbed the Figure 1 cases were written on).
    /// </summary>
    public static bool RoutersRunAsReferenceNodes => HostKernel.WhyNoLinuxReferenceDut is not null;

    /// <summary>True when this lab's other routers are reference nodes (see <see cref="RoutersRunAsReferenceNodes"/>).</summary>
    public bool RoutersAreReferenceNodes { get; private set; }

    /// <summary>Lab router → its reference node's control socket (when <see cref="RoutersAreReferenceNodes"/>).</summary>
    public IReadOnlyDictionary<string, string> NodeControlSockets => _sockets;
    private readonly Dictionary<string, string> _sockets = new(StringComparer.Ordinal);

    /// <summary>
    /// The start-up configuration of a lab router run as a reference node: the figure's plan for it (loopback, links,
    /// attachments with IPv4 on the CE ones, the IGP's routes) from the pack's <c>lab/</c> templates, as the DUT node's; then
    /// what the Linux lab router has (dut-configs/linux/topology/, <see cref="Srv6"/>) in the pack's <c>templates/</c>: node
    /// knobs (forwarding, no ICMP error rate limit), per link SRH processing on, and for an SR-capable router its locator,
    /// End and End.X SIDs (and extra SIDs such as N7's End.DX4), and for an O-flag-capable one O-flag processing without
    /// punt rate limit exporting the copies to the controller through an H.Encaps policy towards its End SID (as
    /// topology/oam-oflag-export.conf).
    /// </summary>
    public static string NodeStartupConfig(ReferenceTopology f, string node, PlatformPack pack)
    {
        var labDir = Path.Combine(pack.Directory, "lab");
        var lines = new List<string>();
        lines.AddRange(Infrastructure(f, node, (item, v) => TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(labDir, item + ".cfg"),
            new Dictionary<string, string>(v) { ["hostname"] = NamespaceSuffix(node) }))));
        var sids = f.SidsOf(node);
        var locator = IPNetwork.Parse(f.Locator(node));
        // The SID block: the locator's first 48 bits (Figure 1: 2001:db8:B::/48, as the profiles' parameters.sid_block).
        var blockBytes = locator.BaseAddress.GetAddressBytes();
        Array.Clear(blockBytes, 6, 10);
        var block = new IPNetwork(new IPAddress(blockBytes), 48);
        var intent = new Srv6Intent
        {
            Platform = pack.Platform,
            Interfaces = [.. f.LinksOf(node).Select(l => new IntentInterface(l.Name, PortRole.Internal))],
            Knobs = new IntentKnobs(),
            SidBlock = block,
            Locator = locator,
            // A NEXT-C-SID SID of the plan (RFC 9800) is block + C-SID long, any argument accepted, in a locator of its own.
            Sids = [.. sids.Select(s => new IntentSid(s.Name, SrVocabulary.ParseBehavior(s.Behavior), s.Address)
            {
                NextHop = s.NextHop, Interface = s.Link, Csid = s.Csid,
                PrefixLength = s.Csid is { } c ? c.BlockBits + c.CsidBits : 128,
                Flavors = s.Csid is null ? new HashSet<SrFlavor>() : new HashSet<SrFlavor> { SrFlavor.NextCSid },
            })],
            OFlag = f.OFlagCapable.Contains(node) && sids.Count > 0
                ? new IntentOFlag([.. sids.Select(s => s.Address)], Intent.OFlagExport.ToTopologyController, null, null) { TopologyNode = node, TopologyName = f.Name }
                : null,
        };
        var rendering = PackRenderer.Render(pack, intent);
        if (rendering.NotRenderable.Count > 0)
            throw new TestbedException($"{pack.DescriptorPath} cannot configure {node} of {f.Name} as a lab router: {string.Join("; ", rendering.NotRenderable)}");
        // A classic IPv6 router (not SR-capable) gets no locator: it instantiates no SID.
        lines.AddRange(rendering.Items.Where(i => sids.Count > 0 || i.Item != "locator").SelectMany(i => i.Lines));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The DUT node's links as the lab's ports (DUT end: its link address; far end: the neighbour's).</summary>
    public static IReadOnlyList<LabPortSpec> DutPorts(ReferenceTopology f, string dutNode) =>
        f.LinksOf(dutNode).Select(l => new LabPortSpec(l.Name, l.Name,
            f.LinkAddress(l.Other(dutNode), l.Name) + "/128", f.LinkAddress(dutNode, l.Name) + "/128")).ToList();

    /// <summary>The infrastructure of a node (loopback, link and attachment addresses, the IGP's routes) from dut-configs/linux/topology.</summary>
    public static IReadOnlyList<string> Infrastructure(ReferenceTopology f, string node, string templateDirectory) =>
        Infrastructure(f, node, (item, values) => Render(Path.Combine(templateDirectory, item == "base" ? "base.conf" : Path.Combine("topology", item + ".conf")), values));

    /// <summary>
    /// The infrastructure of a node (what a router of the figure has before the suite connects) rendered item by item with
    /// <paramref name="render"/>: <c>base</c> (<c>dut_loopback</c> with its /128, <c>dut_loopback_address</c>), per router link
    /// <c>link</c> (<c>if</c>, <c>address</c>, <c>peer</c>), per tester attachment <c>attachment</c> (<c>if</c>, <c>address</c>)
    /// and <c>attachment-ipv4</c> on a CE attachment, per IGP route <c>route</c> (<c>prefix</c>, <c>via</c>, <c>if</c>). The Linux
    /// reference renders them from dut-configs/linux/topology/, the reference node from its pack's lab/ templates.
    /// </summary>
    public static IReadOnlyList<string> Infrastructure(ReferenceTopology f, string node, Func<string, Dictionary<string, string>, IEnumerable<string>> render)
    {
        var lines = new List<string>();
        lines.AddRange(render("base", new() { ["dut_loopback"] = f.Loopback(node) + "/128", ["dut_loopback_address"] = f.Loopback(node).ToString() }));
        foreach (var l in f.LinksOf(node))
        {
            bool attachment = f.Node(l.Other(node)).IsTester;
            lines.AddRange(attachment
                ? render("attachment", new() { ["if"] = l.Name, ["address"] = f.LinkAddress(node, l.Name).ToString() })
                : render("link", new()
                {
                    ["if"] = l.Name, ["address"] = f.LinkAddress(node, l.Name).ToString(), ["peer"] = f.LinkAddress(l.Other(node), l.Name).ToString(),
                }));
            if (f.LinkAddress4(node, l.Name) is { } v4)
                lines.AddRange(render("attachment-ipv4", new() { ["if"] = l.Name, ["address"] = v4.ToString() }));
        }
        foreach (var r in f.RoutesOf(node))
            lines.AddRange(render("route", new() { ["prefix"] = r.Prefix, ["via"] = r.Via, ["if"] = r.Interface }));
        foreach (var r in f.Ipv4RoutesOf(node))
            lines.AddRange(render("route-ipv4", new() { ["prefix"] = r.Prefix, ["via"] = r.Via, ["if"] = r.Interface }));
        return lines;
    }

    /// <summary>What a router of the lab runs as SRv6 configuration: sysctls, per-link SRH processing, its End and End.X SIDs.</summary>
    public static IReadOnlyList<string> Srv6(ReferenceTopology f, string node, string templateDirectory)
    {
        var lines = new List<string>();
        // Classic IPv6 nodes too keep SRH processing on: Linux with seg6_enabled=0 drops every packet with an
        // SRH addressed to it, even with Segments Left 0, where RFC 8200 §4.4 has a node ignore the routing
        // header (the seed's N5 answers such an echo request). They instantiate no SID.
        var seg6 = "1";
        lines.AddRange(Render(Path.Combine(templateDirectory, "topology", "node-sysctls.conf"), new() { ["seg6_enabled"] = seg6 }));
        foreach (var l in f.LinksOf(node))
            lines.AddRange(Render(Path.Combine(templateDirectory, "port-sysctls.conf"), new() { ["dut_if"] = l.Name, ["seg6_enabled"] = seg6 }));
        var firstLink = f.LinksOf(node).First().Name;
        // The plan's NEXT-C-SID SIDs are not rendered for a Linux lab router (its templates here have no C-SID lengths): the
        // C-SID variant of the figure runs where the lab routers are reference nodes (TopologyLab.NodeStartupConfig).
        foreach (var s in f.SidsOf(node).Where(x => x.Csid is null))
        {
            lines.AddRange(Render(Path.Combine(templateDirectory, "sid", s.Behavior + ".conf"), new()
            {
                ["sid"] = s.Address.ToString(), ["sid_prefix_length"] = "128", ["count"] = " count", ["flavors"] = "", ["csid_lengths"] = "", ["next_hop"] = s.NextHop?.ToString() ?? "",
                ["interface"] = s.Link ?? firstLink, ["dev"] = firstLink, ["table"] = "main",
            }));
        }
        if (f.OFlagCapable.Contains(node) && f.SidsOf(node).Count > 0)
            lines.AddRange(OFlagExport(f, node, f.SidsOf(node).Where(x => x.Csid is null).Select(x => x.Address), "", templateDirectory));
        return lines;
    }

    /// <summary>The address whose route exports O-flag copies to N100 (never on the wire: the copy is encapsulated towards N100's End SID).</summary>
    public static IPAddress ExportKey => IPAddress.Parse("2001:db8:a:100::e0");

    /// <summary>
    /// RFC 9259 §2.1.1 O-flag processing emulated on a router of the figure (topology/oam-oflag-export.conf): copies of
    /// O-flag packets at its SIDs go to the controller N100, encapsulated towards N100's End SID.
    /// </summary>
    public static IReadOnlyList<string> OFlagExport(ReferenceTopology f, string node, IEnumerable<IPAddress> sids, string limit, string templateDirectory)
    {
        var collector = f.EndSid(f.Controller);
        var dev = f.Egress(node, collector) ?? throw new TestbedException($"{node} has no route to the controller's End SID {collector}.");
        return Render(Path.Combine(templateDirectory, "topology", "oam-oflag-export.conf"), new()
        {
            ["export_key"] = ExportKey.ToString(), ["collector_sid"] = collector.ToString(), ["dev"] = dev.Name, ["limit"] = limit,
            ["sids"] = string.Join(", ", sids.Select(a => a.ToString()).Distinct().Order(StringComparer.Ordinal)),
        });
    }

    private static IReadOnlyList<string> Render(string file, Dictionary<string, string> values) =>
        TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(file, values));

    /// <summary>
    /// Builds the rest of the topology around a started DUT lab whose spec came from <see cref="DutPorts"/> and
    /// whose <see cref="ReferenceLabSpec.ExtraNamespaceSuffixes"/> name the other routers. On failure the
    /// caller disposes the DUT lab, which removes everything.
    /// </summary>
    public static TopologyLab Build(ReferenceLab dut, ReferenceTopology f, string dutNode, string templateDirectory, bool? routersAsReferenceNodes = null) =>
        Build([(dutNode, dut)], f, templateDirectory, routersAsReferenceNodes);

    /// <summary>
    /// Builds the rest of the topology around several started DUT labs (a multi-DUT testbed), one per DUT node, each started
    /// with <see cref="DutPorts"/> of its node. The first lab's <see cref="ReferenceLabSpec.ExtraNamespaceSuffixes"/> name every
    /// router that is no DUT (its state file owns them, so a killed run's leftovers are found). Every DUT's links go to lab
    /// routers or tester attachments: two DUT nodes must not share a link (the profile loader refuses that). On failure the
    /// caller disposes the DUT labs (the later ones first), which removes everything.
    /// </summary>
    public static TopologyLab Build(IReadOnlyList<(string Node, ReferenceLab Lab)> duts, ReferenceTopology f, string templateDirectory, bool? routersAsReferenceNodes = null) =>
        Build(duts, f, templateDirectory, routersAsReferenceNodes, nics: null, realRouters: null);

    /// <summary>
    /// Builds the topology around a real router at <paramref name="dutNode"/> (a profile of kind ssh with testbed.topology.links):
    /// <paramref name="host"/> is a lab started with <see cref="ReferenceLabSpec.ExternalDut"/> (no DUT namespace) whose state
    /// names the other routers' namespaces; each link of the router is the host NIC <paramref name="nics"/> names, moved into the
    /// neighbouring router's namespace and renamed after the link (<see cref="ReferenceLab.LeaseNic"/>: recorded in the state file
    /// first, given back under its own name by teardown and by the cleanup of a killed run). On failure the caller disposes
    /// <paramref name="host"/>, which gives back the NICs taken so far and removes the rest.
    /// </summary>
    public static TopologyLab BuildAroundRouter(ReferenceLab host, ReferenceTopology f, string dutNode, IReadOnlyDictionary<string, string> nics,
        string templateDirectory, bool? routersAsReferenceNodes = null)
    {
        if (!host.Spec.ExternalDut) throw new ArgumentException("the lab around a real router is started with ReferenceLabSpec.ExternalDut", nameof(host));
        return Build([(dutNode, host)], f, templateDirectory, routersAsReferenceNodes, nics, realRouters: null);
    }

    /// <summary>
    /// Builds a multi-DUT topology in which some DUT nodes are real routers (<paramref name="realRouters"/>: DUT profiles of kind
    /// ssh with testbed.topology.links) and the others lab-built DUTs: <paramref name="duts"/> pairs each node with its lab, a real
    /// router with the lab around it (the first lab-built DUT's lab, whose state owns the lab routers' namespaces, or a lab started
    /// with <see cref="ReferenceLabSpec.ExternalDut"/> when every DUT is a real router). Each real router's link is the host NIC
    /// <paramref name="nics"/> names (link → NIC, links are unique in the topology), leased by that owning lab (recorded in its state
    /// file, given back by teardown and by the cleanup of a killed run before its namespaces go).
    /// </summary>
    public static TopologyLab Build(IReadOnlyList<(string Node, ReferenceLab Lab)> duts, ReferenceTopology f, string templateDirectory,
        IReadOnlyDictionary<string, string> nics, IReadOnlySet<string> realRouters, bool? routersAsReferenceNodes = null) =>
        Build(duts, f, templateDirectory, routersAsReferenceNodes, nics, realRouters);

    private static TopologyLab Build(IReadOnlyList<(string Node, ReferenceLab Lab)> duts, ReferenceTopology f, string templateDirectory, bool? routersAsReferenceNodes,
        IReadOnlyDictionary<string, string>? nics, IReadOnlySet<string>? realRouters)
    {
        if (duts.Count == 0) throw new ArgumentException("a topology lab needs at least one DUT node", nameof(duts));
        bool IsReal((string Node, ReferenceLab Lab) d) => d.Lab.Spec.ExternalDut || realRouters?.Contains(d.Node) == true;
        // The lab whose state owns the lab routers' namespaces and the real routers' NICs.
        var dut = duts.Where(d => !IsReal(d)).Select(d => d.Lab).FirstOrDefault() ?? duts[0].Lab;
        var lab = new TopologyLab(duts, f, dut) { RoutersAreReferenceNodes = routersAsReferenceNodes ?? RoutersRunAsReferenceNodes };
        var nodes = lab.RoutersAreReferenceNodes;
        var pack = nodes ? PlatformPacks.Find("refnode") ?? throw new TestbedException("the reference node's pack (dut-configs/refnode/platform.yaml) is missing: the lab routers cannot run as reference nodes.") : null;
        var id = dut.RunId;
        // A real router has no namespace here (its links are host NICs in its neighbours' namespaces).
        foreach (var (node, l) in duts.Where(d => !IsReal(d))) lab._namespaces[node] = l.Namespace;
        var others = f.Routers.Where(r => !lab.IsDut(r.Name)).Select(r => r.Name).ToList();
        foreach (var node in others)
        {
            var ns = ReferenceLab.ExtraNamespaceName(id, NamespaceSuffix(node));
            if (!dut.ExtraNamespaces.Contains(ns))
                throw new TestbedException($"the DUT lab {id} was not started with the namespace of {node} ({ns}) in its state.");
            Proc.RunChecked("ip", ["netns", "add", ns]);
            lab._namespaces[node] = ns;
            // Defaults first, so that every interface moved in later inherits them.
            NsSysctl(ns, "net.ipv6.conf.default.accept_dad", "0");
            NsSysctl(ns, "net.ipv6.conf.all.accept_dad", "0");
            // A reference node owns the interfaces: the kernel's IPv6 stays off them from the start (no RS, DAD, MLD).
            if (nodes) NsSysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
        }

        // Each DUT's links: its lab made them as tester ports; their far ends go to the neighbours.
        int attachmentIndex = 0;
        foreach (var (dutNode, dutLab) in duts)
        {
            if (IsReal((dutNode, dutLab)))
            {
                // A real router: each of its links is a host NIC cabled to it, moved to the neighbour and named after the link.
                foreach (var link in f.LinksOf(dutNode))
                {
                    var nbr = link.Other(dutNode);
                    var field = $"testbed.topology.links.{link.Name}.nic";
                    if (f.Node(nbr).IsTester)
                        throw new TestbedException($"{link.Name} joins the real router {dutNode} to the tester ({nbr}): a real router's tester attachments are not supported yet.");
                    if (nics is null || !nics.TryGetValue(link.Name, out var nic))
                        throw new TestbedException($"{field} is missing: the real router {dutNode}'s link {link.Name} has no host NIC.");
                    if (lab.IsDut(nbr))
                        throw new TestbedException($"{link.Name} joins two DUT nodes ({dutNode} and {nbr}); a multi-DUT testbed needs a lab router between its DUTs.");
                    var ns = lab._namespaces[nbr];
                    dut.LeaseNic(link.Name, nic, ns, field);
                    NsSysctl(ns, $"net.ipv6.conf.{link.Name}.disable_ipv6", nodes ? "1" : "0");
                }
                continue;
            }
            foreach (var port in dutLab.Ports)
            {
                var link = f.Link(port.Spec.Name);
                var nbr = link.Other(dutNode);
                if (f.Node(nbr).IsTester) { lab._testerInterfaces[link.Name] = port.TesterInterface; continue; }
                if (lab.IsDut(nbr))
                    throw new TestbedException($"{link.Name} joins two DUT nodes ({dutNode} and {nbr}); a multi-DUT testbed needs a lab router between its DUTs.");
                var ns = lab._namespaces[nbr];
                Proc.RunChecked("ip", ["link", "set", port.TesterInterface, "netns", ns]);
                Proc.RunChecked("ip", ["-n", ns, "link", "set", port.TesterInterface, "name", link.Name]);
                NsSysctl(ns, $"net.ipv6.conf.{link.Name}.disable_ipv6", nodes ? "1" : "0");
            }
        }
        // Links between two lab routers, and attachments of lab routers (tester end in the root namespace).
        foreach (var link in f.Links.Where(l => !lab.IsDut(l.A) && !lab.IsDut(l.B)))
        {
            bool attachment = f.Node(link.B).IsTester;
            if (!attachment)
            {
                Proc.RunChecked("ip", ["link", "add", link.Name, "netns", lab._namespaces[link.A], "type", "veth", "peer", "name", link.Name, "netns", lab._namespaces[link.B]]);
                continue;
            }
            var root = $"{ReferenceLab.NamePrefix}{id}a{++attachmentIndex}";
            Proc.RunChecked("ip", ["link", "add", root, "type", "veth", "peer", "name", link.Name, "netns", lab._namespaces[link.A]]);
            File.WriteAllText($"/proc/sys/net/ipv6/conf/{root}/disable_ipv6", "1");
            File.WriteAllText($"/proc/sys/net/ipv4/conf/{root}/arp_ignore", "8");
            Proc.RunChecked("ip", ["link", "set", root, "up"]);
            lab._testerInterfaces[link.Name] = root;
        }

        if (nodes)
        {
            var routers = new List<(string Suffix, IReadOnlyList<string> Interfaces, string StartupConfig)>();
            foreach (var node in others)
            {
                var links = f.LinksOf(node).Select(l => l.Name).ToList();
                var kernel = new StringBuilder("set -e\nip link set lo up\n");
                foreach (var l in links)
                    kernel.AppendLine($"sysctl -q -w net.ipv6.conf.{l}.disable_ipv6=1 net.ipv4.conf.{l}.arp_ignore=8\nip link set {l} up");
                var r = Proc.Run("ip", ["netns", "exec", lab._namespaces[node], "/bin/sh", "-c", kernel.ToString()], timeoutMs: 30000);
                if (r.ExitCode != 0)
                    throw new TestbedException($"preparing {node} of {f.Name} in {lab._namespaces[node]} for the reference node failed (exit {r.ExitCode}): " +
                        string.Join(" | ", r.Stderr.Trim().Split('\n').TakeLast(3)));
                var config = NodeStartupConfig(f, node, pack!);
                lab._configs[node] = config;
                routers.Add((NamespaceSuffix(node), links, config));
            }
            foreach (var (suffix, socket) in dut.StartLabRouterNodes(routers))
                lab._sockets[others.First(n => NamespaceSuffix(n) == suffix)] = socket;
            return lab;
        }
        foreach (var node in others)
        {
            var script = new StringBuilder("set -e\nip link set lo up\n");
            var srv6 = Srv6(f, node, templateDirectory);
            foreach (var line in Infrastructure(f, node, templateDirectory).Concat(srv6))
                script.AppendLine(line);
            var text = script.ToString();
            lab._configs[node] = text;
            var path = Path.Combine(dut.RunDirectory, $"node-{NamespaceSuffix(node)}.sh");
            File.WriteAllText(path, text);
            var r = Proc.Run("ip", ["netns", "exec", lab._namespaces[node], "/bin/sh", "-x", path], timeoutMs: 30000);
            if (r.ExitCode != 0)
                throw new TestbedException($"configuring {node} of {lab.Figure.Name} in {lab._namespaces[node]} failed (exit {r.ExitCode}): " +
                    string.Join(" | ", r.Stderr.Trim().Split('\n').TakeLast(3)));
        }
        return lab;
    }

    private static void NsSysctl(string ns, string key, string value) =>
        Proc.RunChecked("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", $"{key}={value}"]);

    /// <summary>The namespace a node runs in.</summary>
    public string NamespaceOf(string node) => _namespaces.TryGetValue(node, out var ns) ? ns
        : throw new ArgumentException($"{node} is not a router of this lab (routers: {string.Join(", ", _namespaces.Keys)})");

    /// <summary>
    /// Runs one CLI command (e.g. <c>ping 2001:db8:a:7:: count 3</c>) on a lab router that runs as a reference node, through
    /// its control socket as its SSH login shell would; returns the exit code (1: the node rejected it) and its output.
    /// </summary>
    public (int ExitCode, string Stdout, string Stderr) NodeCommand(string node, string command)
    {
        if (!_sockets.TryGetValue(node, out var socket))
            throw new ArgumentException($"{node} is not a lab router running as a reference node (those: {string.Join(", ", _sockets.Keys)})");
        var r = Proc.Run("env", ["SSH_ORIGINAL_COMMAND=" + command, ReferenceNodeLaunch.DotnetPath, ReferenceNodeLaunch.LocateAssembly(), "cli", "--control", socket], timeoutMs: 60000);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Runs a command in a lab node's namespace (diagnostics and link taps; never the DUT's management path).</summary>
    public (int ExitCode, string Stdout, string Stderr) Exec(string node, params string[] command)
    {
        var r = Proc.Run("ip", ["netns", "exec", NamespaceOf(node), .. command]);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}
