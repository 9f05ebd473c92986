using System.Net;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Intent;

/// <summary>
/// What the suite asks the DUT to be configured with, in SRv6 terms and nothing else: no platform syntax,
/// no rendered text. Built from a profile by <see cref="IntentBuilder.Build"/> (a pure function); a platform
/// pack renders it (<c>dut-configs/&lt;platform&gt;/</c>); lab fault modes are transforms of it.
/// </summary>
public sealed record Srv6Intent
{
    /// <summary>The platform pack that renders this intent (<c>testbed.platform</c>).</summary>
    public required string Platform { get; init; }
    /// <summary>The DUT interfaces the suite configures, in the profile's order (tester-facing ports, or a topology node's links).</summary>
    public required IReadOnlyList<IntentInterface> Interfaces { get; init; }
    public required IntentKnobs Knobs { get; init; }
    public required IPNetwork SidBlock { get; init; }
    public required IPNetwork Locator { get; init; }
    /// <summary>The SIDs to instantiate, ordered by name.</summary>
    public required IReadOnlyList<IntentSid> Sids { get; init; }
    /// <summary>Headend SR policies (RFC 8986 §5): a prefix steered into a segment list.</summary>
    public IReadOnlyList<IntentHeadend> Headends { get; init; } = [];
    /// <summary>SR-domain filtering (RFC 8754 §5.1, RFC 9602); null when the profile does not claim it.</summary>
    public IntentEdgeFilter? EdgeFilter { get; init; }
    /// <summary>HMAC keys (RFC 8754 §2.1.2); secrets stay in environment variables until rendered.</summary>
    public IReadOnlyList<IntentHmacKey> HmacKeys { get; init; } = [];
    /// <summary>O-flag processing (RFC 9259 §2.1.1) the suite configures; null when not claimed or not configurable by the suite.</summary>
    public IntentOFlag? OFlag { get; init; }
    /// <summary>
    /// The parent SRv6 policy of the policy selector (draft-yang-srv6ops-policy-selector-01): null unless the profile claims
    /// <c>policy_selector</c>. The profile's records are platform-neutral and used as they are.
    /// </summary>
    public IntentPolicySelector? PolicySelector { get; init; }
    /// <summary>Static routes towards the DUT's surroundings (the neighbours the tester emulates), in order.</summary>
    public IReadOnlyList<IntentRoute> Routes { get; init; } = [];
    /// <summary>
    /// Hidden implementation defects to switch on in the suite's reference node (its <c>debug fault</c> statement, in the
    /// node's kebab-case names): set only by a negative-control fault mode (<c>LabFaultMode</c>), never from a profile.
    /// </summary>
    public IReadOnlyList<string> NodeDebugFaults { get; init; } = [];

    /// <summary>The SID called <paramref name="name"/> in the profile, or an error naming the SIDs the intent has.</summary>
    public IntentSid Sid(string name) => Sids.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"the intent has no SID '{name}' (have {string.Join(", ", Sids.Select(s => s.Name))}).");

    /// <summary>A copy with SID <paramref name="name"/> changed (null removes it); an unknown name is an error.</summary>
    public Srv6Intent WithSid(string name, Func<IntentSid, IntentSid?> change)
    {
        var sid = Sid(name);
        var replacement = change(sid);
        return this with { Sids = Sids.SelectMany(s => s.Name != name ? [s] : replacement is null ? [] : new[] { replacement }).ToList() };
    }

    /// <summary>A copy with every headend policy changed (null removes it).</summary>
    public Srv6Intent WithHeadends(Func<IntentHeadend, IntentHeadend?> change) =>
        this with { Headends = Headends.Select(change).OfType<IntentHeadend>().ToList() };

    /// <summary>A copy with every interface changed.</summary>
    public Srv6Intent WithInterfaces(Func<IntentInterface, IntentInterface> change) =>
        this with { Interfaces = Interfaces.Select(change).ToList() };

    /// <summary>The route to exactly <paramref name="prefix"/> in <paramref name="table"/> (null = the main table), or an error.</summary>
    public IntentRoute Route(string prefix, string? table = null) =>
        Routes.FirstOrDefault(r => r.Prefix.ToString() == prefix && r.Table == table)
        ?? throw new KeyNotFoundException($"the intent has no route to {prefix}{(table is null ? "" : " in table " + table)} (have {string.Join(", ", Routes)}).");

    /// <summary>A copy with the route to <paramref name="prefix"/> in <paramref name="table"/> changed.</summary>
    public Srv6Intent WithRoute(string prefix, string? table, Func<IntentRoute, IntentRoute> change)
    {
        var route = Route(prefix, table);
        return this with { Routes = Routes.Select(r => ReferenceEquals(r, route) ? change(r) : r).ToList() };
    }
}

/// <summary>How the DUT treats SRH packets with an HMAC TLV on an interface (RFC 8754 §2.1.2.1).</summary>
public enum HmacPolicy { Default, Ignore, VerifyIfPresent, Require }

/// <summary>A DUT interface the suite configures: whether it accepts SRH packets, and its HMAC policy.</summary>
public sealed record IntentInterface(string Name, PortRole Role)
{
    /// <summary>SRH processing enabled on the interface (Linux: seg6_enabled).</summary>
    public bool Srv6Enabled { get; init; } = true;
    public HmacPolicy Hmac { get; init; } = HmacPolicy.Default;
}

/// <summary>Node-wide settings the cases rely on.</summary>
public sealed record IntentKnobs
{
    public bool Ipv6Forwarding { get; init; } = true;
    public bool Ipv4Forwarding { get; init; } = true;
    /// <summary>Minimum interval between ICMPv6 errors in milliseconds (0: no rate limit, so that every probe gets its answer).</summary>
    public int Icmpv6RateLimitMs { get; init; }
    public int Icmpv4RateLimitMs { get; init; }
    /// <summary>SRH processing enabled node-wide (Linux: net.ipv6.conf.all.seg6_enabled).</summary>
    public bool Srv6Enabled { get; init; } = true;
    /// <summary>An encapsulating headend derives the outer flow label from the inner packet (RFC 6437, RFC 8986 §5.1) instead of leaving it 0.</summary>
    public bool EncapsFlowLabelFromInner { get; init; } = true;
}

/// <summary>One SID to instantiate (RFC 8986 §4).</summary>
public sealed record IntentSid(string Name, SrBehavior Behavior, IPAddress Address)
{
    /// <summary>The length of the SID's prefix in the FIB (128 unless a SID is meant to cover an argument).</summary>
    public int PrefixLength { get; init; } = 128;
    public IReadOnlySet<SrFlavor> Flavors { get; init; } = new HashSet<SrFlavor>();
    /// <summary>Adjacency / cross-connect next hop (End.X, End.DX4, End.DX6).</summary>
    public IPAddress? NextHop { get; init; }
    /// <summary>Outgoing interface (End.X, End.DX*, End.DX2's OIF): the profile's, else the interface whose subnet holds <see cref="NextHop"/>; null when the behaviour has none.</summary>
    public string? Interface { get; init; }
    /// <summary>Lookup table or VRF (End.T, End.DT*); null = the default (main) table.</summary>
    public string? Table { get; init; }
    /// <summary>The bound policy's segment list (End.B6.Encaps*).</summary>
    public IReadOnlyList<IPAddress> Segments { get; init; } = [];
    /// <summary>Per-SID packet counters requested.</summary>
    public bool Counters { get; init; } = true;
    /// <summary>
    /// The SID's C-SID structure (RFC 9800: flavor, Locator-Block length LBL, C-SID length LNFL) the DUT is configured
    /// with; null for a SID without compression. <see cref="PrefixLength"/> is then LBL + LNFL (any Argument accepted).
    /// </summary>
    public Conformance.Harness.Packets.CsidStructure? Csid { get; init; }

    public bool Has(SrFlavor flavor) => Flavors.Contains(flavor);
}

/// <summary>A headend SR policy: traffic to <see cref="Prefix"/> gets <see cref="Behavior"/> with <see cref="Segments"/>, out of <see cref="Interface"/>.</summary>
public sealed record IntentHeadend(string Name, HeadendBehavior Behavior, IPNetwork Prefix, IReadOnlyList<IPAddress> Segments, string Interface);

/// <summary>The kinds of SR-domain edge rule (RFC 8754 §5.1, RFC 9602 §5).</summary>
public enum EdgeRuleKind
{
    /// <summary>Drop packets from outside addressed into the SID block (RFC 8754 §5.1, first rule).</summary>
    SidBlock,
    /// <summary>Drop packets from outside addressed into the SRv6 SID prefix 5f00::/16 (RFC 9602 §5).</summary>
    SidPrefix,
    /// <summary>Drop SRH packets from outside addressed to the node's own addresses (RFC 8754 §5.1).</summary>
    SrhToLocal,
}

/// <summary>One edge rule on an external interface; <see cref="Prefix"/> is null for <see cref="EdgeRuleKind.SrhToLocal"/>.</summary>
public sealed record EdgeRule(EdgeRuleKind Kind, string Interface, IPNetwork? Prefix);

/// <summary>The per-node source check on an internal interface (RFC 8754 §5.1, second rule): traffic to <see cref="Locator"/> only from <see cref="InsideSources"/>.</summary>
public sealed record SourceCheck(string Interface, IPNetwork Locator, IReadOnlyList<IPNetwork> InsideSources);

public sealed record IntentEdgeFilter(IReadOnlyList<EdgeRule> Rules, IReadOnlyList<SourceCheck> SourceChecks);

public sealed record IntentHmacKey(uint KeyId, HmacAlgorithm Algorithm, string SecretEnv);

/// <summary>Where O-flag copies go: out of a tester port to the collector, or over SRv6 to a controller (RFC 9259 Appendix A.3).</summary>
public enum OFlagExport { ToCollectorPort, ToTopologyController }

/// <summary>
/// O-flag processing (RFC 9259 §2.1.1) for the SIDs listed: a timestamped copy to the collector, the packet
/// forwarded unchanged. <see cref="RatePerSecond"/> null: no punt rate limit.
/// </summary>
public sealed record IntentOFlag(IReadOnlyList<IPAddress> Sids, OFlagExport Export, IPAddress? Collector, string? CollectorInterface)
{
    public int? RatePerSecond { get; init; }
    public int Burst { get; init; } = 1;
    /// <summary>The DUT's node in the reference topology (export <see cref="OFlagExport.ToTopologyController"/>).</summary>
    public string? TopologyNode { get; init; }
    /// <summary>The reference topology's name (topologies/NAME.yaml) the DUT's node belongs to.</summary>
    public string? TopologyName { get; init; }

    /// <summary>The reference topology <see cref="TopologyName"/> names.</summary>
    public Conformance.Harness.Topology.ReferenceTopology ResolveTopology() => Conformance.Harness.Topology.Topologies.Find(
        TopologyName ?? throw new Templates.TemplateException("the O-flag export to the topology's controller needs the topology's name."));
}

/// <summary>A static route towards the DUT's surroundings; <see cref="Table"/> null = main.</summary>
public sealed record IntentRoute(IPNetwork Prefix, IPAddress NextHop, string Interface, string? Table = null)
{
    public override string ToString() => $"{Prefix} via {NextHop} dev {Interface}{(Table is null ? "" : " table " + Table)}";
}

/// <summary>
/// A parent SRv6 policy with its constituents and classes (draft-yang-srv6ops-policy-selector-01 §5.1, §6): traffic to
/// <see cref="Steer"/> is classified and carried by the selected constituent's segment list (H.Encaps).
/// </summary>
public sealed record IntentPolicySelector(string Parent, IPNetwork Steer, IReadOnlyList<SelectorConstituent> Constituents, IReadOnlyList<SelectorClass> Classes)
{
    /// <summary>The loopback measurement the headend is told to run (null: none).</summary>
    public SelectorProbing? Measurement { get; init; }

    /// <summary>A copy with constituent <paramref name="name"/> changed.</summary>
    public IntentPolicySelector WithConstituent(string name, Func<SelectorConstituent, SelectorConstituent> change) =>
        this with { Constituents = Constituents.Select(c => c.Name == name ? change(c) : c).ToList() };

    /// <summary>A copy with class <paramref name="name"/> changed.</summary>
    public IntentPolicySelector WithClass(string name, Func<SelectorClass, SelectorClass> change) =>
        this with { Classes = Classes.Select(c => c.Name == name ? change(c) : c).ToList() };
}
