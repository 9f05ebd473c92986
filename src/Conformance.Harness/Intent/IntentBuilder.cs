using System.Net;
using System.Net.Sockets;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Intent;

/// <summary>
/// Builds the <see cref="Srv6Intent"/> of a profile: one pure function (no I/O, no templates, no environment),
/// so the same profile always gives the same intent, and a dry run shows exactly what a live run applies.
/// </summary>
public static class IntentBuilder
{
    /// <summary>The SR-domain SID prefix RFC 9602 reserves (§5 mentions filtering it at the domain edge).</summary>
    public static readonly IPNetwork Rfc9602SidPrefix = IPNetwork.Parse("5f00::/16");

    public static Srv6Intent Build(Profile profile)
    {
        var p = profile.Parameters;
        var interfaces = Interfaces(profile);
        var first = interfaces.Count > 0 ? interfaces[0].Name
            : throw new TestbedException($"{profile.SourcePath}: the testbed has no DUT interface (testbed.tester_ports is empty).");
        var labSurroundings = profile.Testbed.Kind == TestbedKind.ReferenceLab && profile.Testbed.Topology is null;
        return new Srv6Intent
        {
            Platform = profile.Testbed.Platform,
            Interfaces = interfaces,
            Knobs = new IntentKnobs(),
            SidBlock = p.SidBlock,
            Locator = p.Locator,
            Sids = p.Sids.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => new IntentSid(s.Name, s.Behavior, s.Address)
            {
                PrefixLength = s.PrefixLength,
                Csid = s.Csid,
                Flavors = s.Flavors,
                NextHop = s.NextHop,
                Interface = s.Interface ?? (s.NextHop is { } nh ? EgressFor(profile, nh) : null),
                Table = s.Table,
                Segments = s.Segments,
            }).ToList(),
            Headends = [.. labSurroundings ? ReferenceLabHeadends(profile) : [], .. ProfileHeadends(profile)],
            EdgeFilter = EdgeFilter(profile),
            HmacKeys = profile.Claims("hmac") ? p.HmacKeys.Select(k => new IntentHmacKey(k.KeyId, k.Algorithm, k.SecretEnv)).ToList() : [],
            OFlag = OFlag(profile),
            Routes = labSurroundings ? ReferenceLabRoutes(profile) : [],
            PolicySelector = profile.Claims("policy_selector") && p.PolicySelector is { } ps
                ? new IntentPolicySelector(ps.Parent, ps.Steer, ps.Constituents, ps.Classes) { Measurement = ps.Measurement } : null,
        };
    }

    /// <summary>The DUT's interfaces the suite configures: its tester-facing ports, or in a topology the DUT node's links (internal).</summary>
    public static IReadOnlyList<IntentInterface> Interfaces(Profile profile) => profile.Testbed.Topology is { } t
        ? Topology.Topologies.Find(t.Name).LinksOf(t.DutNode).Select(l => new IntentInterface(l.Name, t.ExternalLinks.Contains(l.Name) ? PortRole.External : PortRole.Internal)).ToList()
        : profile.Testbed.TesterPorts.Select(p => new IntentInterface(p.DutInterface, p.Role)).ToList();

    private static IntentEdgeFilter? EdgeFilter(Profile profile)
    {
        if (!profile.Claims("sr_domain_filtering")) return null;
        // The DUT's interfaces and their roles: its tester ports, or in a topology its links (external_links the external ones).
        var interfaces = profile.Testbed.Topology is not null
            ? Interfaces(profile).Select(i => (i.Name, i.Role)).ToList()
            : profile.Testbed.TesterPorts.Select(p => (Name: p.DutInterface, p.Role)).ToList();
        var external = interfaces.Where(p => p.Role == PortRole.External).ToList();
        var inside = profile.Parameters.InsideSources;
        if (external.Count == 0 && inside.Count == 0) return null;
        var rules = external.SelectMany(p => new[]
        {
            new EdgeRule(EdgeRuleKind.SidBlock, p.Name, profile.Parameters.SidBlock),
            new EdgeRule(EdgeRuleKind.SidPrefix, p.Name, Rfc9602SidPrefix),
            new EdgeRule(EdgeRuleKind.SrhToLocal, p.Name, null),
        }).ToList();
        var checks = inside.Count == 0 ? [] : interfaces.Where(p => p.Role != PortRole.External)
            .Select(p => new SourceCheck(p.Name, profile.Parameters.Locator, inside)).ToList();
        return new IntentEdgeFilter(rules, checks);
    }

    /// <summary>
    /// The reference lab's emulated O-flag processing: only for a reference lab whose profile claims
    /// oam.o_flag_processing (a real DUT's O-flag processing is its own, never emulated by the suite). The rate
    /// limit only when the profile also claims oam.o_flag_rate_limit.
    /// </summary>
    private static IntentOFlag? OFlag(Profile profile)
    {
        if (profile.Testbed.Kind != TestbedKind.ReferenceLab || !profile.Claims("oam.o_flag_processing")) return null;
        var o = profile.Parameters.OFlag
            ?? throw new TestbedException($"{profile.SourcePath}: capabilities.oam.o_flag_processing is claimed but parameters.o_flag (collector_port, rate_per_second, burst) is missing.");
        var collector = o.CollectorPort is { } cp ? profile.GetTesterPort(cp)
            : throw new TestbedException($"{profile.SourcePath}: parameters.o_flag.collector_port is required for O-flag processing.");
        if (profile.Parameters.Sids.Count == 0) return null;
        int? rate = null;
        if (profile.Claims("oam.o_flag_rate_limit"))
            rate = o.RatePerSecond > 0 ? o.RatePerSecond
                : throw new TestbedException($"{profile.SourcePath}: oam.o_flag_rate_limit is claimed but parameters.o_flag.rate_per_second is not positive.");
        var sids = profile.Parameters.Sids.Values.Select(s => s.Address).ToList();
        return profile.Testbed.Topology is { } topology
            ? new IntentOFlag(sids, OFlagExport.ToTopologyController, null, null) { RatePerSecond = rate, Burst = Math.Max(o.Burst, 1), TopologyNode = topology.DutNode, TopologyName = topology.Name }
            : new IntentOFlag(sids, OFlagExport.ToCollectorPort, collector.TesterIpv6.Address, collector.DutInterface) { RatePerSecond = rate, Burst = Math.Max(o.Burst, 1) };
    }

    /// <summary>
    /// The reference lab's headend SR policies (RFC 8986 §5) for its documentation prefixes 2001:db8:e:N::/64,
    /// all out of t2 towards the emulated downstream nodes N2 and N3. H.Insert only where the profile claims it.
    /// </summary>
    private static IReadOnlyList<IntentHeadend> ReferenceLabHeadends(Profile profile)
    {
        var t2 = LabPort(profile, "t2").DutInterface;
        var n2 = profile.GetAddress("N2");
        var n3 = profile.GetAddress("N3");
        var policies = new List<IntentHeadend>
        {
            new("steer-e1", HeadendBehavior.HEncaps, IPNetwork.Parse("2001:db8:e:1::/64"), [n2, n3], t2),
            new("steer-e2", HeadendBehavior.HEncapsRed, IPNetwork.Parse("2001:db8:e:2::/64"), [n2], t2),
            new("steer-e3", HeadendBehavior.HEncapsRed, IPNetwork.Parse("2001:db8:e:3::/64"), [n2, n3], t2),
            new("steer-e4", HeadendBehavior.HEncapsL2, IPNetwork.Parse("2001:db8:e:4::/64"), [n2, n3], t2),
            new("steer-e5", HeadendBehavior.HEncapsL2Red, IPNetwork.Parse("2001:db8:e:5::/64"), [n2], t2),
        };
        if (profile.Claims("H.Insert"))
            policies.Add(new("steer-e6", HeadendBehavior.HInsert, IPNetwork.Parse("2001:db8:e:6::/64"), [n2, n3], t2));
        return policies;
    }

    /// <summary>
    /// The profile's own headend policies (parameters.headend_policies), each out of the interface towards its first segment:
    /// in a topology the DUT node's link the figure routes it over, else the tester port whose prefix holds it (empty if none).
    /// </summary>
    private static IReadOnlyList<IntentHeadend> ProfileHeadends(Profile profile) => profile.Parameters.HeadendPolicies.Select(h =>
        new IntentHeadend(h.Name, h.Behavior, h.Steer, h.Segments,
            (profile.Testbed.Topology is { } t ? Topology.Topologies.Find(t.Name).Egress(t.DutNode, h.Segments[0])?.Name : EgressFor(profile, h.Segments[0])) ?? "")).ToList();

    /// <summary>
    /// The routes of the reference lab's surroundings, which the tester emulates: the source side behind t1, the
    /// final destination D and the downstream node N2 behind t2, the third node N3/D3 behind t3 in the main table
    /// and behind t2 in table 100 (so a lookup in the wrong table leaves by the wrong port), the IPv4 prefix
    /// 203.0.113.128/25 the same way.
    /// </summary>
    private static IReadOnlyList<IntentRoute> ReferenceLabRoutes(Profile profile)
    {
        var t1 = LabPort(profile, "t1");
        var t2 = LabPort(profile, "t2");
        var t3 = LabPort(profile, "t3");
        IntentRoute V6(string prefix, PortBinding via, string? table = null) => new(IPNetwork.Parse(prefix), via.TesterIpv6.Address, via.DutInterface, table);
        IntentRoute V4(string prefix, PortBinding via, string? table = null) => new(IPNetwork.Parse(prefix),
            via.TesterIpv4?.Address ?? throw new TestbedException($"{profile.SourcePath}: tester port {via.Name} needs tester_ipv4 for the reference lab's IPv4 routes."),
            via.DutInterface, table);
        return
        [
            V6("2001:db8:a::/64", t1),
            V6("2001:db8:d::/64", t2),
            V6("2001:db8:b:2::/64", t2),
            V6("2001:db8:d::/64", t2, "100"),
            V6("2001:db8:b:2::/64", t2, "100"),
            V6("2001:db8:b:3::/64", t3),
            V6("2001:db8:d:3::/64", t3),
            V6("2001:db8:b:3::/64", t2, "100"),
            V6("2001:db8:d:3::/64", t2, "100"),
            V4("203.0.113.128/25", t3),
            V4("203.0.113.128/25", t2, "100"),
        ];
    }

    private static PortBinding LabPort(Profile profile, string name) =>
        profile.Testbed.TesterPorts.FirstOrDefault(p => p.Name == name)
        ?? throw new TestbedException($"{profile.SourcePath}: the reference lab's surroundings need tester port '{name}' (t1, t2 and t3).");

    private static string? EgressFor(Profile profile, IPAddress nextHop) =>
        profile.Testbed.TesterPorts.FirstOrDefault(p =>
            nextHop.AddressFamily == AddressFamily.InterNetworkV6 ? p.TesterIpv6.Network.Contains(nextHop)
            : p.TesterIpv4 is { } v4 && v4.Network.Contains(nextHop))?.DutInterface;
}
