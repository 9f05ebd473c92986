using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Profiles;

/// <summary>Walks one profile document, validating as it builds the model. Collects every error.</summary>
internal sealed partial class ProfileReader(YamlWalker w, string? baseDirectory, ProfileLoadOptions options)
{
    private const AddressFamily V6 = AddressFamily.InterNetworkV6;
    private const AddressFamily V4 = AddressFamily.InterNetwork;

    private static string? LiteralSecret(string key) => key.ToLowerInvariant() switch
    {
        "password" or "pass" or "passwd" or "secret" =>
            "a literal password must not be written in a profile; put it in an environment variable and write " +
            "'password_env: VARIABLE_NAME' under testbed.ssh.auth instead",
        "passphrase" or "key_passphrase" =>
            "a literal key passphrase must not be written in a profile; put it in an environment variable and write " +
            "'key_passphrase_env: VARIABLE_NAME' under testbed.ssh.auth instead",
        _ => null,
    };

    public (string Name, string? Description, int FormatVersion, Testbed Testbed, Capabilities Capabilities,
        Parameters Parameters, IReadOnlyList<KnownDeviation> Deviations)? Read(YamlNode root)
    {
        var top = w.Mapping(root, "", ProfileKeys.Top, LiteralSecret);
        if (top is null) return null;

        var name = top.String("profile", true, "the profile's name, e.g. reference-lab");
        var description = top.String("description", false);
        var version = top.Integer("format_version", true, 1, int.MaxValue);
        if (version is not null and not Profile.CurrentFormatVersion)
            w.Error(top.Get("format_version")!, "format_version",
                $"format_version {version} is not supported; this harness reads format_version: {Profile.CurrentFormatVersion}");

        var testbed = top.Mapping("testbed", true, ProfileKeys.Testbed, LiteralSecret) is { } tb ? ReadTestbed(tb) : null;
        var caps = top.Mapping("capabilities", true, ProfileKeys.Capabilities) is { } c ? ReadCapabilities(c) : null;
        var parameters = top.Mapping("parameters", true, ProfileKeys.Parameters) is { } p ? ReadParameters(p, caps, testbed) : null;
        var deviations = ReadDeviations(top);

        if (w.Errors.Count > 0 || name is null || version is null || testbed is null || caps is null || parameters is null)
            return null;
        return (name, description, (int)version, testbed, caps, parameters, deviations);
    }

    // ---------------- testbed ----------------

    private Testbed? ReadTestbed(Section s)
    {
        TestbedKind? kind = null;
        if (s.String("kind", true, "'reference-lab' or 'ssh'") is { } k)
        {
            kind = k switch { "reference-lab" => TestbedKind.ReferenceLab, "ssh" => TestbedKind.Ssh, _ => null };
            if (kind is null)
                w.Error(s.Get("kind")!, s.P("kind"), $"unknown kind '{k}'; expected 'reference-lab' or 'ssh'");
        }
        // A multi-DUT testbed (testbed.topology.dut_nodes) takes each DUT's platform and identity from that DUT's own profile.
        bool multi = s.Get("topology") is YamlMappingNode tm && tm.Children.ContainsKey(new YamlScalarNode("dut_nodes"));
        if (multi)
            foreach (var key in new[] { "platform", "identity", "ssh" })
                if (s.Get(key) is { } n)
                    w.Error(n, s.P(key), $"a testbed with testbed.topology.dut_nodes takes each DUT's {key} from the DUT's own profile (dut_nodes[].profile); remove it here");
        var platform = multi ? null : s.String("platform", true, "a platform id such as linux, frr, iosxr or junos");
        if (platform is not null && !PlatformId().IsMatch(platform))
            w.Error(s.Get("platform")!, s.P("platform"), "expected a lower-case platform id such as linux, frr, iosxr or junos");

        ExpectedIdentity? identity = null;
        if (!multi && s.Mapping("identity", true, ProfileKeys.Identity) is { } id)
        {
            var hostname = id.String("hostname", true, "the hostname the DUT reports");
            var serial = id.String("serial", false);
            var pattern = id.String("platform_version_pattern", false, "a regular expression matched against the DUT's version output");
            if (pattern is not null)
            {
                try { _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException e)
                {
                    w.Error(id.Get("platform_version_pattern")!, id.P("platform_version_pattern"), $"is not a valid regular expression: {e.Message}");
                    pattern = null;
                }
            }
            if (hostname is not null)
                identity = new ExpectedIdentity { Hostname = hostname, Serial = serial, PlatformVersionPattern = pattern };
        }

        var ssh = multi ? null : ReadSsh(s, kind);
        var ports = ReadTesterPorts(s, kind);
        var topology = ReadTopology(s, kind, ports);
        if (multi && topology is { IsMultiDut: true } mt)
        {
            // The testbed's platform and identity summarise its DUTs' (each DUT is checked against its own profile).
            platform = string.Join("+", mt.DutNodes.Select(d => d.Profile.Testbed.Platform));
            identity = new ExpectedIdentity { Hostname = string.Join("+", mt.DutNodes.Select(d => d.Profile.Testbed.Identity.Hostname)) };
        }

        if (kind is null || platform is null || identity is null || ports is null) return null;
        return new Testbed { Kind = kind.Value, Platform = platform, Identity = identity, Ssh = ssh, TesterPorts = ports, Topology = topology };
    }

    private TopologyBinding? ReadTopology(Section testbed, TestbedKind? kind, List<PortBinding>? ports)
    {
        var t = testbed.Mapping("topology", false, ProfileKeys.Topology);
        if (t is null) return null;
        var name = t.String("name", true, "the topology's name, one of topologies/*.yaml (e.g. rfc9259-figure1)");
        Topology.ReferenceTopology? f = null;
        if (name is not null)
        {
            try
            {
                f = Topology.Topologies.TryFind(name);
                if (f is null)
                    w.Error(t.Get("name")!, t.P("name"), $"unknown topology '{name}'; {Topology.Topologies.Directory()} has " +
                        (Topology.Topologies.All.Count == 0 ? "none" : string.Join(", ", Topology.Topologies.All.Select(x => x.Name))));
            }
            catch (Topology.TopologyException e)
            {
                w.Error(t.Get("name")!, t.P("name"), $"the topology files cannot be read: {string.Join("; ", e.Errors)}");
            }
            if (f is null) name = null;
        }
        var routers = f?.Routers.Select(r => r.Name).ToList() ?? [];
        List<DutNodeBinding>? duts = null;
        if (t.Contains("dut_nodes"))
        {
            if (t.Get("dut_node") is { } single)
                w.Error(single, t.P("dut_node"), "give either dut_node (one DUT) or dut_nodes (several DUTs, each with its own profile), not both");
            duts = ReadDutNodes(t, f, kind);
            if (duts is null) return null;
        }
        var dut = duts is not null ? string.Join("+", duts.Select(d => d.Node)) : t.String("dut_node", true, "the router the DUT is, e.g. N4 (or dut_nodes: several DUTs)");
        if (duts is not null && dut is not null) routers = [.. routers, dut];
        if (dut is not null && f is not null && !routers.Contains(dut))
        {
            w.Error(t.Get("dut_node")!, t.P("dut_node"), $"'{dut}' is not a router of {f.Name}; expected one of {string.Join(", ", routers)}");
            dut = null;
        }
        var nics = ReadTopologyLinks(t, f, kind, duts is null ? dut : null, duts is not null);
        if (ports is not null && dut is not null && f is not null)
        {
            // With several DUTs the tester ports are the attachments of any node; each must be one of the topology's.
            var attachments = f.Attachments.Select(a => a.Name).ToList();
            foreach (var p in ports)
            {
                if (!attachments.Contains(p.Name))
                {
                    w.Error(testbed.Get("tester_ports") ?? t.Node, testbed.P("tester_ports"),
                        $"tester port '{p.Name}' is not an attachment of {f.Name}; expected one of {string.Join(", ", attachments)}");
                    continue;
                }
                var link = f.Link(p.Name);
                IPAddress wantTester = f.LinkAddress(link.B, link.Name), wantNode = f.LinkAddress(link.A, link.Name);
                if (!p.TesterIpv6.Address.Equals(wantTester) || !p.DutIpv6.Equals(wantNode) || p.DutInterface != link.Name)
                    w.Error(testbed.Get("tester_ports") ?? t.Node, testbed.P("tester_ports"),
                        $"tester port '{p.Name}' must follow {f.Name}'s plan: dut_interface {link.Name}, tester_ipv6 {wantTester}/64, dut_ipv6 {wantNode} ({link.A}'s address)");
            }
        }
        var external = new List<string>();
        if (t.Sequence("external_links", false, "link names of the DUT node facing outside the SR domain") is { } ext)
        {
            foreach (var (n, path) in ext)
            {
                var l = w.String(n, path, "a link name, e.g. link1");
                if (l is null) continue;
                if (duts is not null) { w.Error(n, path, "external_links belongs to a DUT's own profile (dut_node), not to a multi-DUT testbed"); continue; }
                if (f is not null && dut is not null && !f.LinksOf(dut).Any(x => x.Name == l && !f.Node(x.Other(dut)).IsTester))
                { w.Error(n, path, $"'{l}' is not a router link of {dut} in {f.Name}"); continue; }
                external.Add(l);
            }
        }
        return name is null || dut is null ? null : new TopologyBinding(name, dut) { DutNodes = duts ?? [], Nics = nics, ExternalLinks = external };
    }

    /// <summary>
    /// <c>testbed.topology.links</c>: a real router (kind ssh) as the DUT node, each of its links to another router bound to the
    /// host NIC cabled to it (link → NIC). Required for kind ssh, refused for a reference-lab DUT (the lab makes its links) and
    /// with dut_nodes; every router link of the node once, no tester attachment (not supported for a real router yet), each
    /// NIC once. Whether the NIC exists and is free is checked when the lab takes it (<see cref="Lab.ReferenceLab.LeaseNic"/>).
    /// </summary>
    private Dictionary<string, string> ReadTopologyLinks(Section t, Topology.ReferenceTopology? f, TestbedKind? kind, string? dut, bool multi)
    {
        var nics = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = t.Get("links");
        if (kind == TestbedKind.Ssh && multi) return nics; // refused by ReadDutNodes
        if (node is null)
        {
            if (kind == TestbedKind.Ssh && !t.Contains("links"))
                w.Error(t.Node, t.P("links"), "a real router (kind ssh) as a node of a reference topology needs testbed.topology.links: per link of the node " +
                    "to another router, the host NIC cabled to the router's port, e.g. links: { link5: { nic: ens1f0 } }");
            else if (kind == TestbedKind.Ssh)
                w.Error(t.Get("links") ?? t.Node, t.P("links"), "is empty; expected the host NIC of every link of the DUT node, e.g. { link5: { nic: ens1f0 } }");
            return nics;
        }
        if (kind == TestbedKind.ReferenceLab)
        {
            w.Error(node, t.P("links"), "only for a real router (kind ssh): the reference lab makes its DUT's links itself; remove it");
            return nics;
        }
        if (node is not YamlMappingNode map)
        {
            w.Error(node, t.P("links"), $"expected a mapping of link names to {{ nic: NAME }}; got {YamlWalker.Describe(node)}");
            return nics;
        }
        var own = f is not null && dut is not null ? f.LinksOf(dut).ToList() : null;
        var byNic = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var link = (keyNode as YamlScalarNode)?.Value ?? "";
            var path = t.P("links") + "." + link;
            var l = own?.FirstOrDefault(x => x.Name == link);
            if (own is not null && l is null)
            {
                w.Error(keyNode, path, $"'{link}' is not a link of {dut} in {f!.Name}; {dut}'s links: {string.Join(", ", own.Select(x => x.Name))}");
                continue;
            }
            if (l is not null && f!.Node(l.Other(dut!)).IsTester)
            {
                w.Error(keyNode, path, $"{link} joins {dut} to the tester ({l.Other(dut!)}): a real router's tester attachments are not supported yet; choose a node whose links all go to other routers (Figure 1: N2 … N6)");
                continue;
            }
            if (w.Mapping(value, path, ProfileKeys.TopologyLink) is not { } m) continue;
            if (m.String("nic", true, "the host NIC cabled to the router's port on this link, e.g. ens1f0") is not { } nic) continue;
            if (nic.Length > 15 || nic.Any(ch => char.IsWhiteSpace(ch) || ch == '/' || ch == ':') || nic is "." or ".." or "lo")
            {
                w.Error(m.Get("nic")!, m.P("nic"), $"'{nic}' is not a usable Linux interface name (at most 15 characters, no '/', ':' or spaces, not lo)");
                continue;
            }
            if (!byNic.TryAdd(nic, link))
            {
                w.Error(m.Get("nic")!, m.P("nic"), $"NIC {nic} is already bound to {byNic[nic]}; each link needs its own NIC");
                continue;
            }
            nics[link] = nic;
        }
        if (own is not null)
        {
            var missing = own.Where(l => !f!.Node(l.Other(dut!)).IsTester && !nics.ContainsKey(l.Name) && !map.Children.ContainsKey(new YamlScalarNode(l.Name))).Select(l => l.Name).ToList();
            if (missing.Count > 0)
                w.Error(node, t.P("links"), $"names no NIC for {string.Join(", ", missing)} of {dut}: every link of the DUT node to another router needs the NIC cabled to it");
            var attachments = own.Where(l => f!.Node(l.Other(dut!)).IsTester).Select(l => l.Name).ToList();
            if (attachments.Count > 0 && !attachments.Any(a => map.Children.ContainsKey(new YamlScalarNode(a))))
                w.Error(node, t.P("links"), $"{dut} has tester attachments ({string.Join(", ", attachments)}): a real router's tester attachments are not supported yet; choose a node whose links all go to other routers (Figure 1: N2 … N6)");
        }
        return nics;
    }

    /// <summary>
    /// <c>testbed.topology.dut_nodes</c>: several routers of the topology, each bound to its own DUT profile (a single-DUT profile
    /// of the same topology whose <c>dut_node</c> is that router; relative paths from this profile's directory). Errors name this
    /// file's line and column, and the DUT profile's own errors keep theirs. First slice: two DUT nodes must not be neighbours
    /// (the lab would have to join two DUT namespaces directly).
    /// </summary>
    private List<DutNodeBinding>? ReadDutNodes(Section t, Topology.ReferenceTopology? f, TestbedKind? kind)
    {
        var items = t.Sequence("dut_nodes", true, "DUT nodes ({ node: N2, profile: file.yaml })");
        if (items is null) return null;
        if (kind == TestbedKind.Ssh)
        {
            w.Error(t.Get("dut_nodes") ?? t.Node, t.P("dut_nodes"), "a multi-DUT testbed is kind reference-lab (the lab builds the routers around its DUTs); " +
                "a real router is one of its DUTs through its own profile (dut_nodes[].profile: kind ssh with testbed.topology.links)");
            return null;
        }
        if (items.Count < 2)
            w.Error(t.Get("dut_nodes") ?? t.Node, t.P("dut_nodes"), $"lists {items.Count} DUT node(s); a multi-DUT testbed names at least two (one DUT: use dut_node)");
        var result = new List<DutNodeBinding>();
        bool ok = items.Count >= 2;
        foreach (var (node, path) in items)
        {
            if (w.Mapping(node, path, ProfileKeys.DutNode) is not { } d) { ok = false; continue; }
            var router = d.String("node", true, "a router of the topology, e.g. N2");
            var file = d.String("profile", true, "the DUT's own profile file, e.g. reference-figure1-n2.yaml");
            if (router is null || file is null) { ok = false; continue; }
            if (f is not null && !f.Routers.Any(r => r.Name == router))
            {
                w.Error(d.Get("node")!, d.P("node"), $"'{router}' is not a router of {f.Name}; expected one of {string.Join(", ", f.Routers.Select(r => r.Name))}");
                ok = false; continue;
            }
            if (result.Any(x => x.Node == router))
            {
                w.Error(d.Get("node")!, d.P("node"), $"{router} is listed twice; each DUT node once");
                ok = false; continue;
            }
            if (f is not null && result.FirstOrDefault(x => f.LinksOf(router).Any(l => l.Other(router) == x.Node)) is { } adjacent)
            {
                w.Error(d.Get("node")!, d.P("node"), $"{router} is a neighbour of the DUT node {adjacent.Node}; DUT nodes that share a link are not supported yet (choose nodes with a lab router between them, e.g. N2 and N4)");
                ok = false; continue;
            }
            var full = Path.IsPathRooted(file) ? file : Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), file);
            Profile dp;
            try { dp = ProfileLoader.Load(full, options); }
            catch (ProfileException e)
            {
                w.Error(d.Get("profile")!, d.P("profile"), $"the DUT profile '{file}' of {router} is not valid ({e.Errors.Count} error(s) listed with their own file:line:column)");
                w.Errors.AddRange(e.Errors);
                ok = false; continue;
            }
            var problems = new List<string>();
            if (dp.Testbed.Topology is not { } dt) problems.Add("it has no testbed.topology (it must place its DUT in the same topology)");
            else
            {
                if (dt.IsMultiDut) problems.Add("it is itself a multi-DUT profile (dut_nodes); name single-DUT profiles here");
                else if (dt.DutNode != router) problems.Add($"its testbed.topology.dut_node is {dt.DutNode}, not {router}");
                if (f is not null && dt.Name != f.Name) problems.Add($"its topology is {dt.Name}, not {f.Name}");
            }
            // A DUT is built by the lab (its kind is the testbed's) or is a real router cabled to host NICs (kind ssh with links).
            if (kind is { } k && dp.Testbed.Kind != k && !(k == TestbedKind.ReferenceLab && dp.Testbed.Kind == TestbedKind.Ssh))
                problems.Add($"its testbed.kind is {dp.Testbed.Kind}, this testbed's is {k}");
            foreach (var (link, nic) in dp.Testbed.Topology?.Nics ?? new Dictionary<string, string>())
                foreach (var other in result)
                    if (other.Profile.Testbed.Topology?.Nics.FirstOrDefault(x => x.Value == nic) is { Key: not null } taken)
                        problems.Add($"its NIC {nic} ({link}) is already cabled to {other.Node}'s {taken.Key}; each link needs its own NIC");
            if (problems.Count > 0)
            {
                w.Error(d.Get("profile")!, d.P("profile"), $"the DUT profile '{file}' cannot be {router}: {string.Join("; ", problems)}");
                ok = false; continue;
            }
            result.Add(new DutNodeBinding(router, dp));
        }
        return ok ? result : null;
    }

    private SshSettings? ReadSsh(Section testbed, TestbedKind? kind)
    {
        var s = testbed.Mapping("ssh", kind == TestbedKind.Ssh, ProfileKeys.Ssh, LiteralSecret);
        if (s is null) return null;

        var lab = kind == TestbedKind.ReferenceLab;
        if (lab)
        {
            foreach (var generated in new[] { "host", "host_key_sha256", "auth" })
            {
                if (s.Contains(generated))
                    w.Error(s.Get(generated) ?? s.Node, s.P(generated),
                        $"must not be set for kind 'reference-lab': the lab generates the management address, host key and user key " +
                        "at run time (only port, user and the timeouts may be set here)");
            }
        }

        string? host = null;
        if (!lab && s.String("host", true, "the DUT's management IP address or DNS name") is { } h)
        {
            if (YamlWalker.TryParseStrictAddress(h, out _) || (Hostname().IsMatch(h) && !h.TrimEnd('.').Split('.').All(l => l.All(char.IsAsciiDigit))))
                host = h;
            else
                w.Error(s.Get("host")!, s.P("host"), $"'{h}' is neither an IP address nor a valid DNS name");
        }
        var port = s.Integer("port", false, 1, 65535) ?? SshSettings.DefaultPort;
        var user = s.String("user", !lab, "the SSH user name");

        SshAuth? auth = null;
        if (!lab && s.Mapping("auth", true, ProfileKeys.Auth, LiteralSecret) is { } a) auth = ReadAuth(a);

        string? fingerprint = null;
        if (!lab && s.String("host_key_sha256", true, "the pinned host key fingerprint 'SHA256:' + 43 base64 characters (ssh-keygen -lf)") is { } fp)
        {
            if (IsValidFingerprint(fp))
                fingerprint = fp;
            else
                w.Error(s.Get("host_key_sha256")!, s.P("host_key_sha256"),
                    "expected an OpenSSH SHA-256 fingerprint: 'SHA256:' followed by 43 base64 characters without '=' padding " +
                    "(get it with: ssh-keyscan -t ed25519 HOST | ssh-keygen -lf -)");
        }

        var defaults = new SshSettings();
        var connect = s.Integer("connect_timeout_s", false, 1, 600, " seconds");
        var command = s.Integer("command_timeout_s", false, 1, 3600, " seconds");
        var keepalive = s.Integer("keepalive_s", false, 0, 3600, " seconds");
        return new SshSettings
        {
            Host = host,
            Port = (int)port,
            User = user,
            Auth = auth,
            HostKeySha256 = fingerprint,
            ConnectTimeout = connect is { } c ? TimeSpan.FromSeconds(c) : defaults.ConnectTimeout,
            CommandTimeout = command is { } m ? TimeSpan.FromSeconds(m) : defaults.CommandTimeout,
            KeepAlive = keepalive is { } ka ? TimeSpan.FromSeconds(ka) : defaults.KeepAlive,
        };
    }

    internal static bool IsValidFingerprint(string fp)
    {
        if (!fp.StartsWith("SHA256:", StringComparison.Ordinal)) return false;
        var b64 = fp["SHA256:".Length..];
        if (b64.Length != 43 || !Base64Chars().IsMatch(b64)) return false;
        var buffer = new byte[33];
        if (!Convert.TryFromBase64String(b64 + "=", buffer, out var written) || written != 32) return false;
        // The last character carries 2 bits of data; the 4 padding bits must be zero (canonical encoding).
        return Convert.ToBase64String(buffer, 0, 32).TrimEnd('=') == b64;
    }

    private SshAuth? ReadAuth(Section a)
    {
        var hasKey = a.Contains("key_file");
        var hasPassword = a.Contains("password_env");
        if (hasKey == hasPassword && !(a.HadForbiddenKey && !hasKey))
        {
            w.Error(a.Node, a.Path, hasKey
                ? "set exactly one of key_file and password_env, not both"
                : "set exactly one of key_file (path to a private key) or password_env (name of an environment variable holding the password)");
        }
        var keyFile = a.String("key_file", false, "the path of an SSH private key (relative to the profile file allowed)");
        var passwordEnv = EnvName(a, "password_env");
        var passphraseEnv = EnvName(a, "key_passphrase_env");
        if (passphraseEnv is not null && !hasKey)
            w.Error(a.Get("key_passphrase_env")!, a.P("key_passphrase_env"), "key_passphrase_env only makes sense together with key_file");

        string? keyPath = null;
        if (keyFile is not null)
        {
            var expanded = keyFile.StartsWith("~/", StringComparison.Ordinal)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), keyFile[2..])
                : keyFile;
            keyPath = Path.IsPathRooted(expanded) || baseDirectory is null ? expanded : Path.GetFullPath(Path.Combine(baseDirectory, expanded));
        }
        return new SshAuth
        {
            KeyFile = keyFile,
            KeyFilePath = keyPath,
            PasswordEnv = passwordEnv,
            KeyPassphraseEnv = passphraseEnv,
            PasswordEnvLocation = a.Get("password_env") is { } pn ? w.Location(pn) : null,
            KeyPassphraseEnvLocation = a.Get("key_passphrase_env") is { } kn ? w.Location(kn) : null,
        };
    }

    private string? EnvName(Section a, string key)
    {
        if (a.Get(key) is not { } node) return null;
        if (node is YamlScalarNode { Value: { } v } && EnvVarName().IsMatch(v)) return v;
        // Do not echo the value: it may be a password typed in the wrong place.
        w.Error(node, a.P(key), "expected the NAME of an environment variable (letters, digits, '_', e.g. DUT_SSH_PASSWORD), not the secret itself");
        return null;
    }

    private List<PortBinding>? ReadTesterPorts(Section testbed, TestbedKind? kind)
    {
        var items = testbed.Sequence("tester_ports", true, "tester ports");
        if (items is null) return null;
        if (items.Count == 0)
            w.Error(testbed.Get("tester_ports") ?? testbed.Node, testbed.P("tester_ports"), "at least one tester port is needed");

        // A topology's attachments are made by the lab (a real router's testbed too): no tester NIC to name.
        var physical = kind == TestbedKind.Ssh && testbed.Get("topology") is null;
        var ports = new List<PortBinding>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var interfaces = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (node, path) in items)
        {
            var s = w.Mapping(node, path, ProfileKeys.TesterPort);
            if (s is null) continue;
            var name = s.String("name", true, "a port name such as t1");
            if (name is not null && !Identifier().IsMatch(name))
            {
                w.Error(s.Get("name")!, s.P("name"), "expected a short name of letters, digits, '_' or '-', such as t1");
                name = null;
            }
            if (name is not null && !names.TryAdd(name, (int)node.Start.Line))
                w.Error(s.Get("name")!, s.P("name"), $"duplicate tester port name '{name}' (first used on line {names[name]})");

            var iface = s.String("interface", physical, "the tester NIC name, e.g. enp3s0f0");
            if (iface is not null && (iface.Length > 15 || iface.Any(ch => char.IsWhiteSpace(ch) || ch == '/')))
                w.Error(s.Get("interface")!, s.P("interface"), "expected a Linux interface name (at most 15 characters, no '/' or spaces)");
            else if (iface is not null && !interfaces.TryAdd(iface, (int)node.Start.Line))
                w.Error(s.Get("interface")!, s.P("interface"), $"tester interface '{iface}' is already used by another port (line {interfaces[iface]})");

            var dutIface = s.String("dut_interface", true, "the DUT interface facing this tester port");
            PortRole? role = null;
            if (s.String("role", true, "'internal' or 'external'") is { } r)
            {
                role = r switch { "internal" => PortRole.Internal, "external" => PortRole.External, _ => null };
                if (role is null) w.Error(s.Get("role")!, s.P("role"), $"unknown role '{r}'; expected 'internal' or 'external'");
            }
            var testerV6 = s.InterfaceAddress("tester_ipv6", true, V6);
            var dutV6 = s.Address("dut_ipv6", true, V6);
            var testerV4 = s.InterfaceAddress("tester_ipv4", false, V4);
            var dutV4 = s.Address("dut_ipv4", false, V4);
            CheckSameLink(s, testerV6, dutV6, "tester_ipv6", "dut_ipv6");
            CheckSameLink(s, testerV4, dutV4, "tester_ipv4", "dut_ipv4");
            if ((testerV4 is null) != (dutV4 is null) && s.Contains("tester_ipv4") != s.Contains("dut_ipv4"))
                w.Error(s.Node, path, "set both tester_ipv4 and dut_ipv4, or neither");

            PhysicalAddress? mac = null;
            if (s.String("tester_mac", false, "a MAC address such as 02:00:00:00:00:01") is { } m)
            {
                if (MacAddress().IsMatch(m)) mac = PhysicalAddress.Parse(m.Replace(':', '-'));
                else w.Error(s.Get("tester_mac")!, s.P("tester_mac"), $"'{m}' is not a MAC address; expected six colon-separated hex bytes such as 02:00:00:00:00:01");
            }
            var dedicated = s.Boolean("dedicated", physical);

            if (name is null || dutIface is null || role is null || testerV6 is null || dutV6 is null) continue;
            ports.Add(new PortBinding
            {
                Name = name, Interface = iface, DutInterface = dutIface, Role = role.Value,
                TesterIpv6 = testerV6, DutIpv6 = dutV6, TesterIpv4 = testerV4, DutIpv4 = dutV4, TesterMac = mac,
                Dedicated = dedicated ?? !physical,
            });
        }
        return ports;
    }

    private void CheckSameLink(Section s, InterfaceAddress? tester, IPAddress? dut, string testerKey, string dutKey)
    {
        if (tester is null || dut is null) return;
        if (!tester.Network.Contains(dut))
            w.Error(s.Get(dutKey)!, s.P(dutKey), $"{dut} is not on the link {tester.Network} given by {testerKey}");
        else if (tester.Address.Equals(dut))
            w.Error(s.Get(dutKey)!, s.P(dutKey), $"{dut} is the same address as {testerKey}");
    }

    // ---------------- capabilities (PICS) ----------------

    private Capabilities? ReadCapabilities(Section s)
    {
        var behaviors = Names<SrBehavior>(s, "behaviors", "behavior", SrVocabulary.BehaviorNames, SrVocabulary.TryParseBehavior);
        var flavors = Names<SrFlavor>(s, "flavors", "flavor", SrVocabulary.FlavorNames, SrVocabulary.TryParseFlavor);
        var headends = Names<HeadendBehavior>(s, "headends", "headend behavior", SrVocabulary.HeadendNames, SrVocabulary.TryParseHeadend);

        var oam = new OamCapabilities();
        if (s.Mapping("oam", false, ProfileKeys.Oam) is { } o)
        {
            oam = new OamCapabilities
            {
                OFlagProcessing = o.Boolean("o_flag_processing", false) ?? false,
                OFlagRateLimit = o.Boolean("o_flag_rate_limit", false) ?? false,
                PingToSid = o.Boolean("ping_to_sid", false) ?? false,
                TracerouteToSid = o.Boolean("traceroute_to_sid", false) ?? false,
            };
        }
        var icmp = new IcmpErrorCapabilities();
        if (s.Mapping("icmp_errors", false, ProfileKeys.IcmpErrors) is { } i)
        {
            icmp = new IcmpErrorCapabilities
            {
                ParameterProblem = i.Boolean("parameter_problem", false) ?? false,
                TimeExceeded = i.Boolean("time_exceeded", false) ?? false,
                PacketTooBig = i.Boolean("packet_too_big", false) ?? false,
            };
        }
        var hmac = new HmacCapabilities();
        if (s.Mapping("hmac", false, ProfileKeys.Hmac) is { } h)
        {
            var supported = h.Boolean("supported", true);
            var algorithms = Names<HmacAlgorithm>(h, "algorithms", "HMAC algorithm", SrVocabulary.HmacAlgorithmNames, SrVocabulary.TryParseHmacAlgorithm, required: false);
            if (supported == true && algorithms is { Count: 0 })
                w.Error(h.Get("algorithms") ?? h.Node, h.P("algorithms"), $"hmac.supported is true: list the supported algorithms ({string.Join(", ", SrVocabulary.HmacAlgorithmNames)})");
            if (supported == false && algorithms is { Count: > 0 })
                w.Error(h.Get("algorithms")!, h.P("algorithms"), "algorithms are listed but hmac.supported is false");
            hmac = new HmacCapabilities { Supported = supported ?? false, Algorithms = algorithms ?? [] };
        }
        var filtering = s.Boolean("sr_domain_filtering", false) ?? false;
        var counters = s.Boolean("per_sid_counters", false) ?? false;
        var selector = ReadSelectorCapabilities(s);

        if (behaviors is null || flavors is null || headends is null) return null;
        return new Capabilities
        {
            Behaviors = behaviors, Flavors = flavors, Headends = headends, Oam = oam, IcmpErrors = icmp, Hmac = hmac,
            SrDomainFiltering = filtering, PerSidCounters = counters, PolicySelector = selector,
        };
    }

    private delegate bool TryParse<T>(string name, out T value);

    private HashSet<T>? Names<T>(Section s, string key, string what, IReadOnlyList<string> known, TryParse<T> parse, bool required = true)
        where T : struct
    {
        var items = s.Sequence(key, required, $"{what} names");
        if (items is null) return required ? null : [];
        var set = new HashSet<T>();
        foreach (var (node, path) in items)
        {
            if (ParseName(node, path, what, known, parse) is { } v && !set.Add(v))
                w.Error(node, path, $"{what} '{((YamlScalarNode)node).Value}' is listed twice");
        }
        return set;
    }

    private T? ParseName<T>(YamlNode node, string path, string what, IReadOnlyList<string> known, TryParse<T> parse) where T : struct
    {
        var text = w.String(node, path, $"a {what} name ({string.Join(", ", known)})");
        if (text is null) return null;
        if (parse(text, out var v)) return v;
        var suggestion = YamlWalker.Suggest(text, known);
        w.Error(node, path, $"unknown {what} '{text}'{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} (allowed: {string.Join(", ", known)})");
        return null;
    }

    // ---------------- parameters (PIXIT) ----------------

    private Parameters? ReadParameters(Section s, Capabilities? caps, Testbed? testbed)
    {
        var block = s.Prefix("sid_block", true, V6);
        var locator = s.Prefix("locator", true, V6);
        if (block is { } b && locator is { } l && (l.PrefixLength < b.PrefixLength || !b.Contains(l.BaseAddress)))
            w.Error(s.Get("locator")!, s.P("locator"), $"locator {l} is not inside sid_block {b}");

        var sids = new Dictionary<string, SidDefinition>(StringComparer.Ordinal);
        var sidsSection = s.Require("sids", "a mapping of SID names to { behavior, flavors, address, … }");
        if (sidsSection is YamlMappingNode sidMap)
        {
            var addresses = new Dictionary<IPAddress, string>();
            foreach (var (keyNode, value) in sidMap.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "";
                var path = $"parameters.sids.{name}";
                if (!Identifier().IsMatch(name))
                {
                    w.Error(keyNode, path, "SID names must be letters, digits, '_' or '-' (e.g. end_psp)");
                    continue;
                }
                var sid = ReadSid(value, path, name, locator, caps);
                if (sid is null) continue;
                if (!addresses.TryAdd(sid.Address, name))
                    w.Error(value, $"{path}.address", $"address {sid.Address} is already used by SID '{addresses[sid.Address]}'");
                sids[name] = sid;
            }
        }
        else if (sidsSection is not null)
        {
            w.Error(sidsSection, "parameters.sids", $"expected a mapping of SID names to SID definitions; got {YamlWalker.Describe(sidsSection)}");
        }

        var named = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        if (s.Get("addresses") is { } addrNode)
        {
            if (addrNode is YamlMappingNode addrMap)
            {
                foreach (var (keyNode, value) in addrMap.Children)
                {
                    var name = (keyNode as YamlScalarNode)?.Value ?? "";
                    var path = $"parameters.addresses.{name}";
                    if (!Identifier().IsMatch(name)) { w.Error(keyNode, path, "address names must be letters, digits, '_' or '-'"); continue; }
                    var text = w.String(value, path, "an IPv6 or IPv4 address");
                    if (text is null) continue;
                    if (YamlWalker.TryParseStrictAddress(text, out var a)) named[name] = a;
                    else w.Error(value, path, $"'{text}' is not a valid IP address");
                }
            }
            else
            {
                w.Error(addrNode, "parameters.addresses", $"expected a mapping of names to addresses (e.g. A: 2001:db8:0:1::2); got {YamlWalker.Describe(addrNode)}");
            }
        }

        OFlagParameters? oflag = null;
        if (s.Mapping("o_flag", false, ProfileKeys.OFlag) is { } o)
        {
            var collector = o.String("collector_port", false, "the name of the tester port that collects O-flag copies (e.g. t3)");
            if (collector is not null && testbed is not null && testbed.TesterPorts.All(p => p.Name != collector))
                w.Error(o.Get("collector_port")!, o.P("collector_port"),
                    $"no tester port named '{collector}' (defined: {string.Join(", ", testbed.TesterPorts.Select(p => p.Name))})");
            var rate = (int?)o.Integer("rate_per_second", false, 1, 1_000_000, " per second");
            var rates = ReadPuntRates(o);
            oflag = new OFlagParameters
            {
                RatePerSecond = rate ?? (rates.Count > 0 ? rates[0] : 10),
                RatesPerSecond = rates.Count > 0 ? rates : [rate ?? 10],
                Burst = (int)(o.Integer("burst", false, 1, 1_000_000) ?? 10),
                CollectorPort = collector,
            };
        }

        var timeouts = new TimeoutParameters();
        if (s.Mapping("timeouts", false, ProfileKeys.Timeouts) is { } t)
        {
            timeouts = new TimeoutParameters
            {
                Capture = t.Integer("capture_ms", false, 1, 600_000, " ms") is { } c ? TimeSpan.FromMilliseconds(c) : timeouts.Capture,
                SshCommand = t.Integer("ssh_command_ms", false, 1, 3_600_000, " ms") is { } m ? TimeSpan.FromMilliseconds(m) : timeouts.SshCommand,
            };
        }

        var traffic = Tester.TrafficLimits.ProfileDefault;
        if (s.Mapping("traffic", false, ProfileKeys.Traffic) is { } tr)
        {
            const string note = "a safety bound of the harness";
            traffic = new Tester.TrafficLimits(
                MaxPackets: tr.Integer("max_packets_per_case", false, 1, Tester.TrafficLimits.MaxPacketsPerCaseLimit, " packets", note) ?? traffic.MaxPackets,
                MaxRatePps: tr.Integer("max_rate_pps", false, 1, Tester.TrafficLimits.MaxRatePpsLimit, " packets/s", note) ?? traffic.MaxRatePps,
                MaxDuration: tr.Integer("max_duration_s", false, 1, Tester.TrafficLimits.MaxDurationSecondsLimit, " s", note) is { } d
                    ? TimeSpan.FromSeconds(d) : traffic.MaxDuration);
        }

        var hmacKeys = ReadHmacKeys(s, caps);
        var insideSources = new List<IPNetwork>();
        if (s.Sequence("inside_sources", false, "IPv6 prefixes") is { } srcItems)
        {
            foreach (var (node, path) in srcItems)
                if (w.Prefix(node, path, V6) is { } n) insideSources.Add(n);
        }

        var selector = ReadSelector(s, caps);
        var policies = ReadHeadendPolicies(s, caps);

        if (block is null || locator is null) return null;
        return new Parameters
        {
            SidBlock = block.Value, Locator = locator.Value, Sids = sids, Addresses = named, OFlag = oflag,
            Timeouts = timeouts, Traffic = traffic, HmacKeys = hmacKeys, InsideSources = insideSources, PolicySelector = selector, HeadendPolicies = policies,
            SidsLocation = sidsSection is null ? null : w.Location(sidsSection),
            AddressesLocation = s.Get("addresses") is { } an ? w.Location(an) : null,
        };
    }

    /// <summary>At most this many punt rates in parameters.o_flag.rates_per_second (each one is a bounded load run).</summary>
    public const int MaxPuntRates = 8;

    /// <summary>parameters.o_flag.rates_per_second: a non-empty list of distinct whole numbers 1..1,000,000 (empty when absent or wrong).</summary>
    private List<int> ReadPuntRates(Section o)
    {
        var rates = new List<int>();
        if (o.Sequence("rates_per_second", false, "punt rates per second (e.g. [10, 100, 1000])") is not { } items) return rates;
        if (items.Count == 0)
        {
            w.Error(o.Get("rates_per_second") ?? o.Node, o.P("rates_per_second"), "is empty; list at least one punt rate per second (e.g. [10, 100, 1000]) or leave the key out");
            return rates;
        }
        if (items.Count > MaxPuntRates)
        {
            w.Error(items[MaxPuntRates].Node, o.P("rates_per_second"), $"lists {items.Count} rates; at most {MaxPuntRates} (each is a load run of the rate-limit case)");
            return rates;
        }
        foreach (var (node, path) in items)
        {
            if (w.Integer(node, path, 1, 1_000_000, " per second") is not { } r) continue;
            if (rates.Contains((int)r)) { w.Error(node, path, $"{r} is listed twice; each rate once"); continue; }
            rates.Add((int)r);
        }
        return rates;
    }

    private static string? LiteralHmacSecret(string key) => key.ToLowerInvariant() switch
    {
        "secret" or "key" or "password" or "value" =>
            "a literal HMAC secret must not be written in a profile; put it in an environment variable and write " +
            "'secret_env: VARIABLE_NAME' instead",
        _ => null,
    };

    /// <summary>parameters.headend_policies: { name, behavior (a claimed headend), steer (IPv6 or IPv4 prefix), segments (IPv6 SIDs) }.</summary>
    private List<HeadendPolicy> ReadHeadendPolicies(Section s, Capabilities? caps)
    {
        var list = new List<HeadendPolicy>();
        if (s.Sequence("headend_policies", false, "headend SR policies") is not { } items) return list;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path) in items)
        {
            var m = w.Mapping(node, path, ProfileKeys.HeadendPolicy);
            if (m is null) continue;
            var name = m.String("name", true, "the policy's name, e.g. vpn6");
            if (name is not null && !Identifier().IsMatch(name)) { w.Error(m.Get("name")!, m.P("name"), "policy names must be letters, digits, '_' or '-'"); name = null; }
            if (name is not null && !names.Add(name)) { w.Error(m.Get("name")!, m.P("name"), $"policy '{name}' is listed twice"); name = null; }
            HeadendBehavior? behavior = m.Require("behavior", $"a headend behavior ({string.Join(", ", SrVocabulary.HeadendNames)})") is { } bn
                ? ParseName<HeadendBehavior>(bn, m.P("behavior"), "headend behavior", SrVocabulary.HeadendNames, SrVocabulary.TryParseHeadend) : null;
            if (behavior is { } b && caps is not null && !caps.SupportsHeadend(b))
                w.Error(m.Get("behavior")!, m.P("behavior"), $"{b.Name()} is not claimed in capabilities.headends; add it there or remove this policy");
            IPNetwork? steer = null;
            if (m.Require("steer", "the steered destination prefix (IPv6 or IPv4)") is { } sn)
            {
                var text = (sn as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value ?? "";
                steer = w.Prefix(sn, m.P("steer"), text.Contains(':') ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork);
            }
            var segments = new List<IPAddress>();
            if (m.Sequence("segments", true, "IPv6 SIDs, first to visit first") is { } segs)
            {
                if (segs.Count == 0) w.Error(m.Get("segments") ?? m.Node, m.P("segments"), "a headend policy needs a segment list");
                foreach (var (gn, gp) in segs)
                    if (w.Address(gn, gp, System.Net.Sockets.AddressFamily.InterNetworkV6) is { } a) segments.Add(a);
            }
            if (name is not null && behavior is not null && steer is not null && segments.Count > 0)
                list.Add(new HeadendPolicy(name, behavior.Value, steer.Value, segments));
        }
        return list;
    }

    private List<HmacKey> ReadHmacKeys(Section s, Capabilities? caps)
    {
        var keys = new List<HmacKey>();
        if (s.Sequence("hmac_keys", false, "HMAC keys") is not { } items) return keys;
        var ids = new Dictionary<long, int>();
        foreach (var (node, path) in items)
        {
            var k = w.Mapping(node, path, ProfileKeys.HmacKey, LiteralHmacSecret);
            if (k is null) continue;
            var id = k.Integer("key_id", true, 1, uint.MaxValue, "", "RFC 8754 §2.1.2: a 32-bit key id; 0 is not a key");
            if (id is { } i && !ids.TryAdd(i, (int)node.Start.Line))
                w.Error(k.Get("key_id")!, k.P("key_id"), $"duplicate HMAC key id {i} (first used on line {ids[i]})");
            HmacAlgorithm? alg = null;
            if (k.String("algorithm", true, $"an HMAC algorithm ({string.Join(", ", SrVocabulary.HmacAlgorithmNames)})") is { } an)
            {
                if (SrVocabulary.TryParseHmacAlgorithm(an, out var a)) alg = a;
                else w.Error(k.Get("algorithm")!, k.P("algorithm"), $"unknown HMAC algorithm '{an}' (known: {string.Join(", ", SrVocabulary.HmacAlgorithmNames)})");
                if (alg is { } a2 && caps is not null && !(caps.Hmac.Supported && caps.Hmac.Algorithms.Contains(a2)))
                    w.Error(k.Get("algorithm")!, k.P("algorithm"), $"capabilities.hmac does not claim {an}; claim it or remove the key");
            }
            if (!k.Contains("secret_env"))
                w.Error(k.Node, k.Path, "secret_env is required: the NAME of the environment variable holding the key's secret");
            var env = EnvName(k, "secret_env");
            if (id is not null && alg is not null && env is not null)
                keys.Add(new HmacKey { KeyId = (uint)id, Algorithm = alg.Value, SecretEnv = env, Location = w.Location(node) });
        }
        return keys;
    }

    private SidDefinition? ReadSid(YamlNode node, string path, string name, IPNetwork? locator, Capabilities? caps)
    {
        var s = w.Mapping(node, path, ProfileKeys.Sid);
        if (s is null) return null;

        SrBehavior? behavior = s.Require("behavior", $"a behavior name ({string.Join(", ", SrVocabulary.BehaviorNames)})") is { } bn
            ? ParseName<SrBehavior>(bn, s.P("behavior"), "behavior", SrVocabulary.BehaviorNames, SrVocabulary.TryParseBehavior)
            : null;
        if (behavior is { } claimed && caps is not null && !caps.Supports(claimed))
            w.Error(s.Get("behavior")!, s.P("behavior"), $"{claimed.Name()} is not claimed in capabilities.behaviors; add it there or remove this SID");

        IReadOnlySet<SrFlavor> flavors = Names<SrFlavor>(s, "flavors", "flavor", SrVocabulary.FlavorNames, SrVocabulary.TryParseFlavor, required: false) ?? [];
        foreach (var f in flavors)
        {
            if (caps is not null && !caps.SupportsFlavor(f))
                w.Error(s.Get("flavors")!, s.P("flavors"), $"flavor {f.Name()} is not claimed in capabilities.flavors");
            if (behavior is { } b && !SrVocabulary.FlavorAppliesTo(f, b))
                w.Error(s.Get("flavors")!, s.P("flavors"), $"flavor {f.Name()} is defined only for End, End.X and End.T (RFC 8986 §4.16), not {b.Name()}");
        }

        var address = s.Address("address", true, V6);
        var csid = ReadCsid(s, behavior, caps);
        if (csid is not null)
        {
            // A C-SID SID is block + C-SID (+ Argument): the node's locator is its block and node C-SID (RFC 9800 §4.1
            // Figure 1), not parameters.locator; its address is written with Argument 0.
            var f = csid.Flavor == Packets.CsidFlavor.NextCsid ? SrFlavor.NextCSid : SrFlavor.ReplaceCSid;
            var other = f == SrFlavor.NextCSid ? SrFlavor.ReplaceCSid : SrFlavor.NextCSid;
            if (flavors.Contains(other))
                w.Error(s.Get("flavors")!, s.P("flavors"), $"flavor {other.Name()} contradicts csid.flavor ({f.Name()}); a SID has one compression flavor");
            flavors = new HashSet<SrFlavor>(flavors) { f };
            if (address is not null && Packets.CsidBits.Field(Packets.CsidBits.ToUInt128(address), csid.BlockBits + csid.CsidBits, csid.ArgumentBits) != 0)
                w.Error(s.Get("address")!, s.P("address"),
                    $"SID {address} has Argument bits set: with csid {csid.BlockBits}/{csid.CsidBits} write the SID with Argument 0 (the first {csid.BlockBits + csid.CsidBits} bits)");
        }
        else if (address is not null && locator is { } loc && !loc.Contains(address))
            w.Error(s.Get("address")!, s.P("address"), $"SID {address} is not inside the locator {loc}");

        IPAddress? nextHop = null;
        if (s.Get("next_hop") is { } nh)
        {
            var family = behavior == SrBehavior.EndDX4 ? V4 : V6;
            nextHop = w.Address(nh, s.P("next_hop"), family);
        }
        var iface = s.String("interface", false, "a DUT interface name");
        var table = s.String("table", false, "a routing table / VRF name or id");

        var segments = new List<IPAddress>();
        if (s.Sequence("segments", false, "IPv6 SIDs") is { } segs)
        {
            foreach (var (sn, sp) in segs)
                if (w.Address(sn, sp, V6) is { } a) segments.Add(a);
        }

        switch (behavior)
        {
            case SrBehavior.EndX or SrBehavior.EndDX6 or SrBehavior.EndDX4 when !s.Contains("next_hop"):
                s.Require("next_hop", behavior == SrBehavior.EndDX4 ? "the IPv4 next hop of the cross-connect" : "the IPv6 next hop (adjacency)");
                break;
            case SrBehavior.EndDX2 when iface is null:
                s.Require("interface", "the outgoing L2 interface of End.DX2");
                break;
            case SrBehavior.EndT when table is null:
                s.Require("table", "the lookup table of End.T");
                break;
            case SrBehavior.EndB6Encaps or SrBehavior.EndB6EncapsRed when segments.Count == 0 && !s.Contains("segments"):
                s.Require("segments", "the segment list of the bound SR policy");
                break;
        }

        if (behavior is null || address is null) return null;
        return new SidDefinition
        {
            Name = name, Behavior = behavior.Value, Flavors = flavors, Address = address,
            NextHop = nextHop, Interface = iface, Table = table, Segments = segments, Csid = csid,
        };
    }

    /// <summary>
    /// <c>csid: { flavor: next|replace, block_bits: B, csid_bits: C }</c>: the SID's C-SID structure, validated as RFC 9800
    /// §6.1 (LBL and LNFL not 0), §4.1/§4.2 (B + C ≤ 128; REPLACE-CSID: C = 16 or 32, B ≤ 128-C-ceiling(log_2(128/C))),
    /// the flavor claimed in capabilities.flavors and defined for the behavior (§4).
    /// </summary>
    private Packets.CsidStructure? ReadCsid(Section sid, SrBehavior? behavior, Capabilities? caps)
    {
        var c = sid.Mapping("csid", false, ProfileKeys.Csid);
        if (c is null) return null;
        Packets.CsidFlavor? flavor = null;
        if (c.String("flavor", true, "next or replace (RFC 9800 NEXT-CSID or REPLACE-CSID)") is { } fn)
        {
            flavor = fn.ToLowerInvariant() switch
            {
                "next" => Packets.CsidFlavor.NextCsid,
                "replace" => Packets.CsidFlavor.ReplaceCsid,
                _ => null,
            };
            if (flavor is null)
                w.Error(c.Get("flavor")!, c.P("flavor"), $"unknown C-SID flavor '{fn}'; expected next (NEXT-C-SID, RFC 9800 §4.1) or replace (REPLACE-C-SID, §4.2)");
        }
        var b = c.Integer("block_bits", true, 1, 127, " bits", "the Locator-Block leaves room for a C-SID") is { } bv ? (int)bv : (int?)null;
        var n = c.Integer("csid_bits", true, 1, 64, " bits", "a C-SID of at most 64 bits") is { } nv ? (int)nv : (int?)null;
        if (flavor is not { } fl) return null;
        var claimed = fl == Packets.CsidFlavor.NextCsid ? SrFlavor.NextCSid : SrFlavor.ReplaceCSid;
        bool ok = true;
        if (caps is not null && !caps.SupportsFlavor(claimed))
        {
            w.Error(c.Get("flavor")!, c.P("flavor"), $"flavor {claimed.Name()} is not claimed in capabilities.flavors");
            ok = false;
        }
        if (behavior is { } bh && !CsidFlavorAppliesTo(fl, bh))
        {
            w.Error(c.Get("flavor")!, c.P("flavor"), fl == Packets.CsidFlavor.NextCsid
                ? $"NEXT-C-SID is defined for End, End.X, End.T, End.B6.Encaps, End.B6.Encaps.Red and End.BM (RFC 9800 §4), not {bh.Name()}"
                : $"REPLACE-C-SID is not defined for {bh.Name()} (RFC 9800 §4)");
            ok = false;
        }
        if (b is not { } bb || n is not { } nn) return null;
        if (bb + nn > 128)
        {
            w.Error(c.Node, c.Path, $"block_bits {bb} + csid_bits {nn} = {bb + nn} exceeds the 128 bits of a SID");
            return null;
        }
        try
        {
            var structure = new Packets.CsidStructure(fl, bb, nn);
            return ok ? structure : null;
        }
        catch (ArgumentException e)
        {
            w.Error(c.Node, c.Path, e.Message.Split(" (Parameter", 2)[0]);
            return null;
        }
    }

    /// <summary>RFC 9800 §4: NEXT-CSID for End, End.X, End.T, End.B6.Encaps, End.B6.Encaps.Red, End.BM; REPLACE-CSID for those and End.DX*/End.DT*.</summary>
    private static bool CsidFlavorAppliesTo(Packets.CsidFlavor flavor, SrBehavior behavior) =>
        behavior is SrBehavior.End or SrBehavior.EndX or SrBehavior.EndT or SrBehavior.EndB6Encaps or SrBehavior.EndB6EncapsRed or SrBehavior.EndBM
        || (flavor == Packets.CsidFlavor.ReplaceCsid && behavior is SrBehavior.EndDX6 or SrBehavior.EndDX4 or SrBehavior.EndDT6
            or SrBehavior.EndDT4 or SrBehavior.EndDT46 or SrBehavior.EndDX2);

    // ---------------- known deviations ----------------

    private List<KnownDeviation> ReadDeviations(Section top)
    {
        var result = new List<KnownDeviation>();
        var items = top.Sequence("known_deviations", false, "known deviations");
        if (items is null) return result;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (node, path) in items)
        {
            var s = w.Mapping(node, path, ProfileKeys.Deviation);
            if (s is null) continue;
            var id = s.String("id", true, "a short identifier such as DEV-001");
            if (id is not null && !ids.TryAdd(id, (int)node.Start.Line))
                w.Error(s.Get("id")!, s.P("id"), $"duplicate known deviation id '{id}' (first used on line {ids[id]})");

            var purposes = new List<string>();
            var tpItems = s.Sequence("test_purposes", true, "test purpose ids");
            if (tpItems is not null)
            {
                if (tpItems.Count == 0)
                    w.Error(s.Get("test_purposes") ?? s.Node, s.P("test_purposes"),
                        "a known deviation must reference at least one test purpose id; it otherwise applies to nothing");
                foreach (var (tn, tp) in tpItems)
                {
                    if (w.String(tn, tp, "a test purpose id") is not { } tpId) continue;
                    if (options.KnownTestPurposes is { } known && !known.Contains(tpId))
                    {
                        var suggestion = YamlWalker.Suggest(tpId, known);
                        w.Error(tn, tp, $"references test purpose '{tpId}', which does not exist in the test suite" +
                            (suggestion is null ? "" : $"; did you mean '{suggestion}'?"));
                        continue;
                    }
                    purposes.Add(tpId);
                }
            }
            // Optional since the requirement catalogue: the purpose's own catalogue entries give the RFC, section and text.
            var rfc = s.String("rfc", false, "the RFC and section, e.g. \"RFC 8754 §4.3.1.1\"");
            var requirement = s.String("requirement", false, "the requirement sentence quoted from the RFC");
            var observed = s.String("observed", true, "what the DUT does instead");
            var reason = s.String("reason", true, "why the deviation is accepted");
            if (id is null || observed is null || reason is null) continue;
            result.Add(new KnownDeviation
            {
                Id = id, TestPurposes = purposes, Rfc = rfc, Requirement = requirement, Observed = observed, Reason = reason,
            });
        }
        return result;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]*$")]
    private static partial Regex PlatformId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvVarName();

    [GeneratedRegex("^[A-Za-z0-9+/]{43}$")]
    private static partial Regex Base64Chars();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacAddress();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex Hostname();
}
