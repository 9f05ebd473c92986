using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Conformance.Harness.Intent;
using Conformance.Harness.Profiles;
using Conformance.Harness.Templates;

namespace Conformance.Harness.Dut;

/// <summary>
/// Lab-level options of the reference lab's nftables O-flag emulation, for the negative controls that break
/// the emulation itself rather than the SRv6 configuration (see <see cref="Lab.LabFaultMode"/>).
/// </summary>
public sealed record LinuxLabEmulation
{
    /// <summary>The O-flag rule copies every packet to a listed SID, O-flag or not, SRH or not.</summary>
    public bool OFlagMatchesEverything { get; init; }
    /// <summary>The O-flag copy is also handed to the DUT's own IPv6 stack through lo (which then evaluates it again).</summary>
    public bool OFlagCopyToOwnStack { get; init; }

    public static LinuxLabEmulation Faithful { get; } = new();
}

/// <summary>
/// The Linux pack: renders a <see cref="Srv6Intent"/> with the templates of <c>dut-configs/linux/</c> into the
/// shell commands the reference DUT (iproute2, sysctl, nft) runs. Every value comes from the intent; the
/// templates hold the syntax.
/// </summary>
public static class LinuxIntentRenderer
{
    /// <summary>nftables table of the SR-domain edge filter (RFC 8754 §5.1, RFC 9602); rolled back like any new table.</summary>
    public const string EdgeTable = "srv6conf_edge";

    /// <summary>nftables table of the reference lab's O-flag emulation (RFC 9259 §2.1.1); deleted on rollback.</summary>
    public const string OamTable = "srv6conf_oam";

    /// <summary>The nftables test of the O-flag: an SRH (next header 43, routing type 4) whose Flags octet has the O-bit (0x20) set.</summary>
    public const string OFlagMatch = "ip6 nexthdr 43 @nh,336,8 4 @nh,360,8 '&' 0x20 == 0x20 ";

    /// <summary>Linux's main routing table, used where the intent names none.</summary>
    public const string MainTable = "254";

    public static DutConfig Render(Srv6Intent intent, string directory, LinuxLabEmulation? emulation = null)
    {
        emulation ??= LinuxLabEmulation.Faithful;
        var lines = new List<string>();
        lines.AddRange(KnobLines(intent.Knobs, directory));
        foreach (var i in intent.Interfaces)
        {
            lines.AddRange(Lines(directory, "port-sysctls.conf", new() { ["dut_if"] = i.Name, ["seg6_enabled"] = Bit(i.Srv6Enabled) }));
            if (i.Hmac != HmacPolicy.Default)
                lines.AddRange(Lines(directory, "hmac-policy.conf", new() { ["dut_if"] = i.Name, ["mode"] = HmacMode(i.Hmac) }));
        }
        var first = intent.Interfaces[0].Name;
        var sids = new Dictionary<string, string>();
        foreach (var sid in intent.Sids)
        {
            var behavior = sid.Behavior.Name();
            var file = Path.Combine(directory, "sid", behavior + ".conf");
            if (!File.Exists(file))
                throw new TestbedException($"parameters.sids.{sid.Name}: no template for behaviour {behavior} on platform {intent.Platform} ({file}).");
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(file, SidValues(sid, first))));
            sids[sid.Name] = sid.Address.ToString();
        }
        if (intent.EdgeFilter is { } edge) lines.AddRange(EdgeFilter(edge, directory));
        foreach (var key in intent.HmacKeys)
            lines.AddRange(Lines(directory, "hmac-key.conf", new()
            {
                ["key_id"] = key.KeyId.ToString(CultureInfo.InvariantCulture),
                ["algorithm"] = key.Algorithm.Name(),
                ["secret_quoted"] = "'" + Secret(key).Replace("'", "'\\''", StringComparison.Ordinal) + "'",
            }));
        foreach (var r in intent.Routes)
            lines.AddRange(Lines(directory, "lab-route.conf", new()
            {
                ["family"] = r.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4",
                ["prefix"] = r.Prefix.ToString(),
                ["next_hop"] = r.NextHop.ToString(),
                ["interface"] = r.Interface,
                ["table"] = r.Table is null ? "" : " table " + r.Table,
            }));
        foreach (var h in intent.Headends) lines.AddRange(HeadendLines(h, intent.Platform, directory));
        if (intent.OFlag is { } oflag) lines.AddRange(OFlag(intent, oflag, directory, emulation));
        return DutConfig.FromLines(lines, sids);
    }

    /// <summary>The placeholders of a <c>sid/&lt;behaviour&gt;.conf</c> template for one SID (<paramref name="firstInterface"/>: the route's device where the behaviour has no egress).</summary>
    public static Dictionary<string, string> SidValues(IntentSid sid, string firstInterface) => new()
    {
        ["name"] = sid.Name,
        ["sid"] = sid.Address.ToString(),
        ["sid_prefix_length"] = sid.PrefixLength.ToString(CultureInfo.InvariantCulture),
        ["flavors"] = sid.Flavors.Count == 0 ? "" : " flavors " + string.Join(',', sid.Flavors.OrderBy(f => f).Select(KernelFlavor)),
        ["csid_lengths"] = CsidLengths(sid),
        ["next_hop"] = sid.NextHop?.ToString() ?? "",
        ["interface"] = sid.Interface ?? firstInterface,
        ["dev"] = firstInterface,
        ["table"] = sid.Table ?? MainTable,
        ["segments"] = string.Join(',', sid.Segments),
        ["count"] = sid.Counters ? " count" : "",
    };

    /// <summary>The kernel's spelling of a seg6local flavor (ip-route(8): FLAVOR := { psp | usp | usd | next-csid }).</summary>
    private static string KernelFlavor(SrFlavor f) => f == SrFlavor.NextCSid ? "next-csid" : f.Name().ToLowerInvariant();

    /// <summary>
    /// " lblen B nflen C" for a NEXT-C-SID SID (the kernel's Locator-Block and Node-Function lengths, which must be
    /// multiples of 8: "Invalid Locator Block/Node Function lengths" otherwise), "" without a C-SID structure.
    /// REPLACE-C-SID has no seg6local flavor.
    /// </summary>
    public static string CsidLengths(IntentSid sid)
    {
        if (sid.Csid is not { } c) return "";
        if (c.Flavor != Packets.CsidFlavor.NextCsid)
            throw new TestbedException($"parameters.sids.{sid.Name}: Linux seg6local has no REPLACE-C-SID flavor (only next-csid).");
        if (c.BlockBits % 8 != 0 || c.CsidBits % 8 != 0)
            throw new TestbedException($"parameters.sids.{sid.Name}: Linux seg6local takes NEXT-C-SID lengths in multiples of 8 bits only (lblen {c.BlockBits}, nflen {c.CsidBits}).");
        return FormattableString.Invariant($" lblen {c.BlockBits} nflen {c.CsidBits}");
    }

    private static IEnumerable<string> EdgeFilter(IntentEdgeFilter edge, string directory)
    {
        var lines = new List<string>();
        lines.AddRange(Lines(directory, "edge-filter.conf", new()));
        foreach (var r in edge.Rules)
            lines.AddRange(Lines(directory, Path.Combine("edge-filter", r.Kind switch
            {
                EdgeRuleKind.SidBlock => "sid-block.conf",
                EdgeRuleKind.SidPrefix => "sid-prefix.conf",
                _ => "srh-to-local.conf",
            }), new() { ["dut_if"] = r.Interface, ["prefix"] = r.Prefix?.ToString() ?? "" }));
        foreach (var c in edge.SourceChecks)
            lines.AddRange(Lines(directory, "edge-filter-source.conf", new()
            {
                ["dut_if"] = c.Interface,
                ["locator"] = c.Locator.ToString(),
                ["inside_sources"] = string.Join(", ", c.InsideSources),
            }));
        return lines;
    }

    private static IEnumerable<string> OFlag(Srv6Intent intent, IntentOFlag o, string directory, LinuxLabEmulation emulation)
    {
        var limit = o.RatePerSecond is { } rate ? $"limit rate {rate}/second burst {Math.Max(o.Burst, 1)} packets " : "";
        if (o.Export == OFlagExport.ToTopologyController)
        {
            return Topology.TopologyLab.OFlagExport(o.ResolveTopology(), o.TopologyNode
                ?? throw new TestbedException("the O-flag export to the topology's controller needs the DUT's node."), o.Sids, limit, directory);
        }
        var values = new Dictionary<string, string>
        {
            ["sids"] = string.Join(", ", o.Sids.Select(s => s.ToString()).Distinct().Order(StringComparer.Ordinal)),
            ["limit"] = limit,
            ["collector"] = o.Collector?.ToString() ?? throw new TestbedException("O-flag export to a collector port needs the collector's address."),
            ["collector_if"] = o.CollectorInterface ?? throw new TestbedException("O-flag export to a collector port needs the DUT interface towards it."),
            ["iif_match"] = emulation.OFlagCopyToOwnStack ? "iifname != \"lo\" " : "",
            ["oflag_match"] = emulation.OFlagMatchesEverything ? "" : OFlagMatch,
        };
        var lines = Lines(directory, "oam-oflag.conf", values).ToList();
        // The copy handed back to the DUT's own stack: the same rule, duplicating to ::1 through lo.
        if (emulation.OFlagCopyToOwnStack)
            lines.AddRange(Lines(directory, "oam-oflag.conf", new(values) { ["collector"] = "::1", ["collector_if"] = "lo" })
                .Where(l => l.StartsWith($"nft add rule ip6 {OamTable} ", StringComparison.Ordinal)));
        return lines;
    }

    private static string Secret(IntentHmacKey key) =>
        Environment.GetEnvironmentVariable(key.SecretEnv) is { Length: > 0 } v ? v
        : throw new TestbedException($"HMAC key {key.KeyId}: the environment variable {key.SecretEnv} (parameters.hmac_keys[].secret_env) is not set. Export the key's secret in it before the run.");

    private static string HmacMode(HmacPolicy p) => p switch
    {
        HmacPolicy.Ignore => "-1",
        HmacPolicy.VerifyIfPresent => "0",
        HmacPolicy.Require => "1",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    private static string Bit(bool b) => b ? "1" : "0";

    /// <summary>One headend policy (headend/&lt;behaviour&gt;.conf).</summary>
    public static IReadOnlyList<string> HeadendLines(IntentHeadend h, string platform, string directory)
    {
        var file = Path.Combine(directory, "headend", h.Behavior.Name() + ".conf");
        if (!File.Exists(file))
            throw new TestbedException($"headend policy {h.Name}: no template for {h.Behavior.Name()} on platform {platform} ({file}).");
        return TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(file, new Dictionary<string, string>
        {
            ["name"] = h.Name,
            ["prefix"] = h.Prefix.ToString(),
            // An IPv4 prefix steered into an SRv6 policy is an IPv4 route with the seg6 encapsulation (RFC 8986 §5.1: the
            // packet is IPv4, the outer header IPv6).
            ["family"] = h.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4",
            ["segments"] = string.Join(',', h.Segments),
            ["interface"] = h.Interface,
        }));
    }

    /// <summary>One interface's HMAC policy (hmac-policy.conf).</summary>
    public static IReadOnlyList<string> HmacPolicyLines(string interfaceName, HmacPolicy policy, string directory) =>
        Lines(directory, "hmac-policy.conf", new() { ["dut_if"] = interfaceName, ["mode"] = HmacMode(policy) }).ToList();

    /// <summary>The node-wide knobs (sysctls.conf).</summary>
    public static IEnumerable<string> KnobLines(IntentKnobs k, string directory) => Lines(directory, "sysctls.conf", new()
    {
        ["ipv6_forwarding"] = Bit(k.Ipv6Forwarding),
        ["ipv4_forwarding"] = Bit(k.Ipv4Forwarding),
        ["icmpv6_ratelimit_ms"] = k.Icmpv6RateLimitMs.ToString(CultureInfo.InvariantCulture),
        ["icmpv4_ratelimit_ms"] = k.Icmpv4RateLimitMs.ToString(CultureInfo.InvariantCulture),
        ["seg6_enabled_all"] = Bit(k.Srv6Enabled),
        ["seg6_flowlabel"] = Bit(k.EncapsFlowLabelFromInner),
    });

    private static IEnumerable<string> Lines(string directory, string file, Dictionary<string, string> values) =>
        TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(directory, file), values));
}
