using System.Net;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Lab;

/// <summary>
/// A deliberate misconfiguration of the reference DUT (negative control). A mode is a transform of the
/// <see cref="Srv6Intent"/> (the DUT is configured to do something else than the profile asks), plus, for the few
/// faults that are not configuration, a lab-level injection: extra Linux commands (e.g. an nftables rule that drops
/// ICMPv6 errors) or an option of the lab's O-flag emulation. No mode edits rendered text; only a mutation
/// (<c>Mutation:&lt;id&gt;</c>, <c>srv6conf mutate</c>) changes one rendered line, which is what mutation testing is.
/// To add a mode, declare another static instance and list it in <see cref="All"/>.
/// </summary>
public sealed partial class LabFaultMode
{
    /// <summary>nftables table used by fault modes (deleted on rollback like any suite table).</summary>
    public const string FaultTable = "srv6conf_fault";

    private readonly Func<Srv6Intent, Srv6Intent> _intent;
    private readonly Func<Srv6Intent, IEnumerable<string>>? _inject;
    private readonly Func<DutConfig, DutConfig>? _rendered;

    private LabFaultMode(string name, string description, Func<Srv6Intent, Srv6Intent>? intent = null,
        Func<Srv6Intent, IEnumerable<string>>? inject = null, LinuxLabEmulation? emulation = null,
        Func<DutConfig, DutConfig>? rendered = null, string profile = "reference-lab.yaml", IReadOnlyList<string>? nodeDebugFaults = null,
        IReadOnlyList<string>? alsoProfiles = null)
    {
        AlsoProfiles = alsoProfiles ?? [];
        NodeDebugFaults = nodeDebugFaults ?? [];
        Name = name;
        Description = description;
        _intent = intent ?? (i => i);
        _inject = inject;
        _rendered = rendered;
        Emulation = emulation ?? LinuxLabEmulation.Faithful;
        Profile = profile;
    }

    public string Name { get; }
    /// <summary>The profile (in profiles/) whose configuration the mode transforms: it names that profile's SIDs and interfaces.</summary>
    public string Profile { get; }
    /// <summary>
    /// Further profiles (in profiles/) whose DUT the mode applies to as well: the same node with the same named
    /// configuration in another place (the policy selector's modes: reference-node.yaml's selector as N1 of Figure 1).
    /// </summary>
    public IReadOnlyList<string> AlsoProfiles { get; }
    public string Description { get; }
    /// <summary>The option of the reference lab's O-flag emulation the mode breaks (faithful for every other mode).</summary>
    public LinuxLabEmulation Emulation { get; }
    /// <summary>True when the mode injects Linux commands that are not configuration of the intent (a lab-level fault).</summary>
    public bool InjectsLabCommands => _inject is not null;
    /// <summary>
    /// True when the mode is a transform of the intent and nothing else, so that any platform pack can render it (the
    /// reference node's); false for the Linux lab's own faults (injected commands, edited rendering, O-flag emulation).
    /// </summary>
    public bool IsIntentOnly => _inject is null && _rendered is null && Emulation == LinuxLabEmulation.Faithful;
    /// <summary>
    /// The reference node's hidden implementation defects the mode switches on (its <c>debug fault</c> names, rendered
    /// through the refnode pack's templates.debug_fault): such a mode applies to its own profile only.
    /// </summary>
    public IReadOnlyList<string> NodeDebugFaults { get; }

    /// <summary>
    /// Whether the mode can be applied to the DUT of <paramref name="profileFile"/> (a file name in profiles/): its own
    /// profile's, or — for a transform of the intent and nothing else — any profile that has the SIDs and interfaces it
    /// names (reference-node.yaml shares reference-lab.yaml's plan; the transform names what a profile lacks).
    /// </summary>
    public bool AppliesTo(string profileFile) => Profile == AnyProfile || Profile == profileFile || AlsoProfiles.Contains(profileFile) || (IsIntentOnly && NodeDebugFaults.Count == 0);

    /// <summary>The intent the faulted DUT is configured with.</summary>
    public Srv6Intent Transform(Srv6Intent intent) =>
        NodeDebugFaults.Count == 0 ? _intent(intent) : _intent(intent) with { NodeDebugFaults = [.. intent.NodeDebugFaults, .. NodeDebugFaults] };

    /// <summary>
    /// The reference DUT's configuration under this mode: the transformed intent rendered by the Linux pack
    /// (<paramref name="linuxDirectory"/>: dut-configs/linux), then the mode's lab-level injection.
    /// </summary>
    public DutConfig Render(Srv6Intent intent, string linuxDirectory)
    {
        if (NodeDebugFaults.Count > 0)
            throw new InvalidOperationException($"fault mode {Name} switches on defects of the reference node ({string.Join(", ", NodeDebugFaults)}); the Linux lab has no such switch.");
        // The SIDs the profile names keep their addresses under every mode (a case looks "the End SID" up even where the
        // faulted DUT does not instantiate it).
        var config = LinuxIntentRenderer.Render(Transform(intent), linuxDirectory, Emulation) with
        {
            Sids = intent.Sids.ToDictionary(s => s.Name, s => s.Address.ToString()),
        };
        if (_inject is not null) config = DutConfig.Concat(config, DutConfig.FromLines(_inject(intent)));
        return _rendered is null ? config : _rendered(config);
    }

    public override string ToString() => Name;

    private static IEnumerable<string> FaultChain(string chain, string hook, int priority, string rule) =>
    [
        $"nft add table ip6 {FaultTable}",
        $"nft add chain ip6 {FaultTable} {chain} '{{ type filter hook {hook} priority {priority}; policy accept; }}'",
        $"nft add rule ip6 {FaultTable} {chain} {rule}",
    ];

    private static IPNetwork WithLength(IPNetwork net, int length)
    {
        var bytes = net.BaseAddress.GetAddressBytes();
        for (int bit = length; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), length);
    }

    /// <summary>The DUT interface of the <paramref name="index"/>-th internal tester port (0: t1's, 1: t2's in the reference lab).</summary>
    private static string InternalInterface(Srv6Intent i, int index) =>
        i.Interfaces.Where(x => x.Role == PortRole.Internal).Select(x => x.Name).ElementAtOrDefault(index)
        ?? throw new InvalidOperationException($"the mode needs at least {index + 1} internal interfaces (have {string.Join(", ", i.Interfaces.Select(x => $"{x.Name} ({x.Role})"))}).");

    private static Srv6Intent WithEdge(Srv6Intent i, Func<IntentEdgeFilter, IntentEdgeFilter> change) =>
        i.EdgeFilter is { } e ? i with { EdgeFilter = change(e) }
        : throw new InvalidOperationException("the mode needs the SR-domain edge filter (does the profile claim sr_domain_filtering with an external port?).");

    private static Srv6Intent WithEdgeRules(Srv6Intent i, EdgeRuleKind kind, Func<EdgeRule, EdgeRule?> change) =>
        WithEdge(i, e => e with { Rules = e.Rules.Select(r => r.Kind == kind ? change(r) : r).OfType<EdgeRule>().ToList() });

    private static Srv6Intent WithOFlag(Srv6Intent i, Func<IntentOFlag, IntentOFlag?> change) =>
        i.OFlag is { } o ? i with { OFlag = change(o) }
        : throw new InvalidOperationException("the mode needs the O-flag emulation (does the profile claim oam.o_flag_processing?).");

    private static Srv6Intent RequireOFlag(Srv6Intent i) => WithOFlag(i, o => o);

    private const string End = "end", EndPsp = "end_psp", EndX = "end_x";

    public static LabFaultMode None { get; } = new("None", "Correct configuration.");

    public static LabFaultMode EndWithoutPsp { get; } = new(
        "EndWithoutPsp", "The PSP SID is programmed as plain End (no psp flavor).",
        i => i.WithSid(EndPsp, s => s with { Flavors = new HashSet<SrFlavor>() }));

    public static LabFaultMode SidMissing { get; } = new(
        "SidMissing", "The End SID is not programmed (packets to it are forwarded or dropped as plain IPv6).",
        i => i.WithSid(End, _ => null));

    public static LabFaultMode EndAsEndX { get; } = new(
        "EndAsEndX", "The End SID is programmed as End.X towards the End.X next hop (forwards without a FIB lookup).",
        i => i.WithSid(End, s => s with { Behavior = SrBehavior.EndX, NextHop = i.Sid(EndX).NextHop, Interface = i.Sid(EndX).Interface }));

    public static LabFaultMode NoIcmpErrors { get; } = new(
        "NoIcmpErrors", "An nftables rule drops every ICMPv6 error the DUT sends.",
        inject: _ => FaultChain("out", "output", 0, "icmpv6 type '{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }' drop"));

    public static LabFaultMode Seg6Disabled { get; } = new(
        "Seg6Disabled", "seg6_enabled=0 everywhere: SRH packets are dropped on ingress.",
        i => i.WithInterfaces(x => x with { Srv6Enabled = false }) with { Knobs = i.Knobs with { Srv6Enabled = false } });

    public static LabFaultMode Seg6DisabledOnT2 { get; } = new(
        "Seg6DisabledOnT2", "seg6_enabled=0 on t2's interface only (the second internal interface): SRH packets to the node's own addresses are dropped there, processed on t1.",
        i => { var t2 = InternalInterface(i, 1); return i.WithInterfaces(x => x.Name == t2 ? x with { Srv6Enabled = false } : x); });

    /// <summary>SRH packets arriving on t2's interface (the second internal one) are dropped before any processing (nftables).</summary>
    public static LabFaultMode SrhDroppedOnT2 { get; } = new(
        "SrhDroppedOnT2", "An nftables prerouting rule drops every packet whose first extension header is a routing header arriving on t2's interface: SRv6 is not received there, on t1 it is.",
        inject: i => FaultChain("pre", "prerouting", -300, $"iifname \"{InternalInterface(i, 1)}\" ip6 nexthdr 43 drop"));

    public static LabFaultMode ForwardingDisabled { get; } = new(
        "ForwardingDisabled", "IPv6 forwarding off: the DUT acts as a host.",
        i => i with { Knobs = i.Knobs with { Ipv6Forwarding = false } });

    public static LabFaultMode HmacRequired { get; } = new(
        "HmacRequired", "seg6_require_hmac=1 on every tester-facing interface: SRH packets without a valid HMAC TLV are dropped.",
        i => i.WithInterfaces(x => x with { Hmac = HmacPolicy.Require }));

    public static LabFaultMode EndWithPsp { get; } = new(
        "EndWithPsp", "The plain End SID is programmed with the psp flavor: it pops the SRH where it must not.",
        i => i.WithSid(End, s => s with { Flavors = new HashSet<SrFlavor>(s.Flavors) { SrFlavor.Psp } }));

    /// <summary>
    /// Not a fault but a variant: the End SID is a local address of the DUT (with seg6_enabled=1), so the
    /// kernel's IPv6 input path (the RFC 8754 segment endpoint) processes the SRH instead of seg6local.
    /// That path answers SL=0 packets locally and sends Parameter Problem for SL &gt; LE+1, where the
    /// seg6local End action drops silently: the variant shows those cases can pass on a conforming DUT.
    /// A lab-level injection: the address on lo is how the Linux kernel's own SRH processing is reached.
    /// </summary>
    public static LabFaultMode EndAsLocalAddress { get; } = new(
        "EndAsLocalAddress", "Variant: the End SID is a local address (kernel SRH processing, seg6_enabled=1) instead of a seg6local route.",
        i => i.WithSid(End, _ => null),
        inject: i => [$"ip -6 addr add {i.Sid(End).Address}/128 dev lo"]);

    public static LabFaultMode PspSidMissing { get; } = new(
        "PspSidMissing", "The End SID with the PSP flavor is not programmed.",
        i => i.WithSid(EndPsp, _ => null));

    public static LabFaultMode EndXAsEnd { get; } = new(
        "EndXAsEnd", "The End.X SID is programmed as plain End: the next segment goes where the FIB says (t3), not to the adjacency (t2).",
        i => i.WithSid(EndX, s => s with { Behavior = SrBehavior.End, NextHop = null }));

    public static LabFaultMode EndTMainTable { get; } = new(
        "EndTMainTable", "The End.T SID looks up the main table (254) instead of the profile's table.",
        i => i.WithSid("end_t", s => s with { Table = null }));

    public static LabFaultMode EndDt6MainTable { get; } = new(
        "EndDt6MainTable", "The End.DT6 SID looks the inner packet up in the main table (254) instead of the profile's table.",
        i => i.WithSid("end_dt6", s => s with { Table = null }));

    public static LabFaultMode EndDx6AsDt6 { get; } = new(
        "EndDx6AsDt6", "The End.DX6 SID is programmed as End.DT6 on the main table: the inner packet is looked up (t3) instead of cross-connected (t2).",
        i => i.WithSid("end_dx6", s => s with { Behavior = SrBehavior.EndDT6, NextHop = null, Table = null }));

    public static LabFaultMode EndDx4WrongAdjacency { get; } = new(
        "EndDx4WrongAdjacency", "The End.DX4 SID cross-connects to the IPv4 next hop behind t3 instead of the profile's next hop.",
        i =>
        {
            var t3 = i.Route("203.0.113.128/25");
            return i.WithSid("end_dx4", s => s with { NextHop = t3.NextHop, Interface = t3.Interface });
        });

    public static LabFaultMode EndB6AsEnd { get; } = new(
        "EndB6AsEnd", "The End.B6.Encaps SID is programmed as plain End: no encapsulation in the bound policy.",
        i => i.WithSid("end_b6_encaps", s => s with { Behavior = SrBehavior.End, Segments = [] }));

    // The reference node's own negative controls for the purposes the Linux reference cannot claim (USP, USD, End.DT4,
    // End.DT46, End.B6.Encaps.Red): misconfigurations of profiles/reference-node.yaml's SIDs, rendered by its pack.
    private const string NodeProfile = "reference-node.yaml";

    public static LabFaultMode UspFlavorDropped { get; } = new(
        "UspFlavorDropped", "The USP SID (end_usp) is programmed as plain End: the SRH is not popped at Segments Left 0.",
        i => i.WithSid("end_usp", s => s with { Flavors = new HashSet<SrFlavor>() }), profile: NodeProfile);

    public static LabFaultMode UsdFlavorDropped { get; } = new(
        "UsdFlavorDropped", "The USD SID (end_usd) is programmed as plain End: the outer header is not decapsulated at Segments Left 0.",
        i => i.WithSid("end_usd", s => s with { Flavors = new HashSet<SrFlavor>() }), profile: NodeProfile);

    public static LabFaultMode EndDt4MainTable { get; } = new(
        "EndDt4MainTable", "The End.DT4 SID (end_dt4) looks up the main table instead of the profile's table.",
        i => i.WithSid("end_dt4", s => s with { Table = null }), profile: NodeProfile);

    public static LabFaultMode EndDt46MainTable { get; } = new(
        "EndDt46MainTable", "The End.DT46 SID (end_dt46) looks up the main table instead of the profile's table.",
        i => i.WithSid("end_dt46", s => s with { Table = null }), profile: NodeProfile);

    public static LabFaultMode EndB6RedAsEncaps { get; } = new(
        "EndB6RedAsEncaps", "The End.B6.Encaps.Red SID (end_b6_encaps_red) is programmed as End.B6.Encaps: the pushed SRH keeps the first SID.",
        i => i.WithSid("end_b6_encaps_red", s => s with { Behavior = SrBehavior.EndB6Encaps }), profile: NodeProfile);

    public static LabFaultMode HeadendsMissing { get; } = new(
        "HeadendsMissing", "No headend SR policy is programmed (the steered prefixes have no route).",
        i => i with { Headends = [] });

    public static LabFaultMode HeadendsNotReduced { get; } = new(
        "HeadendsNotReduced", "The reduced headend policies (encap.red, l2encap.red) are programmed without the reduction (encap, l2encap).",
        i => i.WithHeadends(h => h.Behavior switch
        {
            HeadendBehavior.HEncapsRed => h with { Behavior = HeadendBehavior.HEncaps },
            HeadendBehavior.HEncapsL2Red => h with { Behavior = HeadendBehavior.HEncapsL2 },
            _ => h,
        }));

    public static LabFaultMode HeadendPrefixNarrowed { get; } = new(
        "HeadendPrefixNarrowed", "The first headend policy (steer-e1, H.Encaps) steers its prefix one bit longer (2001:db8:e:1::/65): the upper half of the /64 is not steered.",
        i => i.Headends.Count > 0
            ? i.WithHeadends(h => ReferenceEquals(h, i.Headends[0]) ? h with { Prefix = WithLength(h.Prefix, h.Prefix.PrefixLength + 1) } : h)
            : throw new InvalidOperationException("HeadendPrefixNarrowed needs a headend policy (does the profile claim a headend behaviour?)."));

    public static LabFaultMode FlowLabelZero { get; } = new(
        "FlowLabelZero", "net.ipv6.seg6_flowlabel=0: encapsulating headends set the outer flow label to 0 for every flow.",
        i => i with { Knobs = i.Knobs with { EncapsFlowLabelFromInner = false } });

    // The reference lab's O-flag emulation (dut-configs/linux/oam-oflag.conf, nftables table srv6conf_oam): each
    // mode breaks one sentence of RFC 9259 §2.1.1.

    public static LabFaultMode OFlagNotProcessed { get; } = new(
        "OFlagNotProcessed", "The O-flag emulation is absent (the DUT claims O-flag processing but ignores the flag): no copy is exported.",
        i => WithOFlag(i, _ => null));

    public static LabFaultMode OFlagOnlyForEnd { get; } = new(
        "OFlagOnlyForEnd", "The O-flag emulation lists the End SID only: O-flag packets to every other local SID are processed without a copy to the OAM process.",
        i => WithOFlag(i, o => o with { Sids = [i.Sid(End).Address] }));

    public static LabFaultMode OFlagNoRateLimit { get; } = new(
        "OFlagNoRateLimit", "The O-flag emulation copies every O-flag packet: no punt rate limit.",
        i => WithOFlag(i, o => o with { RatePerSecond = null }));

    public static LabFaultMode OFlagCopiesAll { get; } = new(
        "OFlagCopiesAll", "The O-flag emulation copies every packet to a local SID, O-flag or not, SRH or not.",
        RequireOFlag, emulation: new LinuxLabEmulation { OFlagMatchesEverything = true });

    public static LabFaultMode OFlagCleared { get; } = new(
        "OFlagCleared", "After the O-flag copy, an nftables rule clears the SRH Flags of every packet: the forwarded data packet is changed.",
        inject: _ => FaultChain("pre", "prerouting", -250, "ip6 nexthdr 43 @nh,336,8 4 @nh,360,8 set 0"));

    /// <summary>
    /// On top of the variant <see cref="EndAsLocalAddress"/> (so the End SID answers an echo at SL=0), the
    /// O-flag copy is also handed back to the DUT's own IPv6 stack through lo, which evaluates it again.
    /// </summary>
    public static LabFaultMode OFlagCopyAnswered { get; } = new(
        "OFlagCopyAnswered", "Variant EndAsLocalAddress plus a fault: the O-flag copy is also handed to the DUT's own IPv6 stack (via lo), which answers it (seg6_enabled on lo): an echo request is answered twice.",
        i => RequireOFlag(i).WithSid(End, _ => null),
        inject: i => [$"ip -6 addr add {i.Sid(End).Address}/128 dev lo", "sysctl -w net.ipv6.conf.lo.seg6_enabled=1"],
        emulation: new LinuxLabEmulation { OFlagCopyToOwnStack = true });

    /// <summary>
    /// The End SID's /64 (the reference lab's locator) is made a local prefix in the main table: every address of
    /// the locator without a SID of its own (the /128 SID routes stay more specific) is answered like a local address.
    /// A lab-level injection (a local route is not SRv6 configuration).
    /// </summary>
    public static LabFaultMode LocatorLocal { get; } = new(
        "LocatorLocal", "The locator (/64 of the End SID) is a local prefix: addresses without a SID are answered instead of discarded.",
        inject: i => [$"ip -6 route add local {WithLength(new IPNetwork(i.Sid(End).Address, 128), 64)} dev lo table main"]);

    /// <summary>The main-table route to the downstream node's locator (N2) points at t3's neighbour instead of t2's.</summary>
    public static LabFaultMode DownstreamViaT3 { get; } = new(
        "DownstreamViaT3", "The DUT's main-table route to the downstream SRv6 node (2001:db8:b:2::/64, N2) goes out of t3 instead of t2.",
        i =>
        {
            var t3 = i.Route("2001:db8:b:3::/64");
            return i.WithRoute("2001:db8:b:2::/64", null, r => r with { NextHop = t3.NextHop, Interface = t3.Interface });
        });

    /// <summary>
    /// The DUT's input filter drops the ICMPv6 errors its own probes provoke (Time Exceeded, Destination Unreachable): the
    /// probes still leave as they should, but the DUT's traceroute never hears from a hop (negative control for reading
    /// the DUT's traceroute output, TP-TRACE-BV-03).
    /// </summary>
    public static LabFaultMode IcmpErrorsToDutDropped { get; } = new(
        "IcmpErrorsToDutDropped", "An nftables input rule drops every ICMPv6 Time Exceeded and Destination Unreachable addressed to the DUT: its own traceroute hears from no hop.",
        inject: _ => FaultChain("in", "input", 0, "icmpv6 type '{ time-exceeded, destination-unreachable }' drop"));

    public static LabFaultMode EdgeFilterWithoutSidBlockRule { get; } = new(
        "EdgeFilterWithoutSidBlockRule", "The edge filter lacks the rule dropping packets to the SID block from external interfaces (RFC 8754 §5.1 #1).",
        i => WithEdgeRules(i, EdgeRuleKind.SidBlock, _ => null));

    public static LabFaultMode EdgeFilterWithoutRfc9602Rule { get; } = new(
        "EdgeFilterWithoutRfc9602Rule", "The edge filter lacks the rule dropping packets to 5f00::/16 from external interfaces (the filtering RFC 9602 §5 mentions as a use of the SID prefix).",
        i => WithEdgeRules(i, EdgeRuleKind.SidPrefix, _ => null));

    public static LabFaultMode EdgeFilterSidBlockNarrowed { get; } = new(
        "EdgeFilterSidBlockNarrowed", "The edge rule for the SID block is one bit too long: it covers the block's first half only (the End SID stays filtered, the last address does not).",
        i => WithEdgeRules(i, EdgeRuleKind.SidBlock, r => r with { Prefix = WithLength(r.Prefix!.Value, r.Prefix.Value.PrefixLength + 1) }));

    public static LabFaultMode EdgeFilterSidBlockTooBroad { get; } = new(
        "EdgeFilterSidBlockTooBroad", "The edge rule for the SID block is one bit too short: it also drops the addresses just below or above the block.",
        i => WithEdgeRules(i, EdgeRuleKind.SidBlock, r => r with { Prefix = WithLength(r.Prefix!.Value, r.Prefix.Value.PrefixLength - 1) }));

    public static LabFaultMode EdgeFilter5f00Narrowed { get; } = new(
        "EdgeFilter5f00Narrowed", "The edge rule meant for 5f00::/16 covers 5f00::/32 only: 5f00:0:1:e:: is filtered, the rest of the /16 is not.",
        i => WithEdgeRules(i, EdgeRuleKind.SidPrefix, r => r with { Prefix = WithLength(r.Prefix!.Value, 32) }));

    public static LabFaultMode EdgeFilterSourceCheckNarrowed { get; } = new(
        "EdgeFilterSourceCheckNarrowed", "The per-node source check's inside prefixes are one bit too long: sources in the upper half of each inside prefix are dropped as if outside.",
        i => WithEdge(i, e => e with
        {
            SourceChecks = e.SourceChecks.Select(c => c with { InsideSources = c.InsideSources.Select(n => WithLength(n, n.PrefixLength + 1)).ToList() }).ToList(),
        }));

    public static LabFaultMode EdgeFilterWithoutSrhToLocalRule { get; } = new(
        "EdgeFilterWithoutSrhToLocalRule", "The edge filter lacks the rule dropping SRH packets from outside addressed to the node's own addresses.",
        i => WithEdgeRules(i, EdgeRuleKind.SrhToLocal, _ => null));

    public static LabFaultMode EdgeFilterWithoutSourceCheck { get; } = new(
        "EdgeFilterWithoutSourceCheck", "The per-node rule dropping packets to local SIDs from sources outside the SR domain is missing (RFC 8754 §5.1 #2).",
        i => WithEdge(i, e => e with { SourceChecks = [] }));

    public static LabFaultMode EdgeFilterWithoutSourceCheckOnT2 { get; } = new(
        "EdgeFilterWithoutSourceCheckOnT2", "The per-node source check (RFC 8754 §5.1 #2) is missing on t2's interface (the second internal interface) only; t1's stays.",
        i =>
        {
            var t2 = InternalInterface(i, 1);
            return WithEdge(i, e => e.SourceChecks.Any(c => c.Interface == t2) ? e with { SourceChecks = e.SourceChecks.Where(c => c.Interface != t2).ToList() }
                : throw new InvalidOperationException($"EdgeFilterWithoutSourceCheckOnT2 needs a source check on {t2} (does the profile declare parameters.inside_sources?)."));
        });

    /// <summary>The edge rules are (wrongly) applied to every tester-facing interface, the internal ones included.</summary>
    public static LabFaultMode EdgeFilterOnInternalPorts { get; } = new(
        "EdgeFilterOnInternalPorts", "The SID-block edge rule is also applied on the internal interfaces: SRv6 traffic from inside is dropped.",
        i => WithEdge(i, e => e with
        {
            Rules = e.Rules.SelectMany(r => r.Kind != EdgeRuleKind.SidBlock ? [r]
                : i.Interfaces.Select(x => x.Name == r.Interface ? r : r with { Interface = x.Name })).ToList(),
        }));

    public static LabFaultMode HmacKeyMissing { get; } = new(
        "HmacKeyMissing", "The DUT has none of the profile's HMAC keys: every HMAC TLV fails verification.",
        i => i with { HmacKeys = [] });

    public static LabFaultMode EndWithoutCounters { get; } = new(
        "EndWithoutCounters", "The End SID is programmed without per-SID counters (seg6local without `count`): it forwards but counts nothing.",
        i => i.WithSid(End, s => s with { Counters = false }));

    public static LabFaultMode EndXWithoutCounters { get; } = new(
        "EndXWithoutCounters", "The End.X SID is programmed without per-SID counters (seg6local without `count`): it forwards to its adjacency but counts nothing; every other SID counts.",
        i => i.WithSid(EndX, s => s with { Counters = false }));

    /// <summary>A SID route one bit shorter than the SID: the address next to the End SID (SID xor 1) is processed as End too.</summary>
    public static LabFaultMode SidPrefixTooShort { get; } = new(
        "SidPrefixTooShort", "The End SID is instantiated with a /127 instead of a /128: its neighbour address (the SID xor 1) is processed as End.",
        i => i.WithSid(End, s => s with { PrefixLength = 127 }));

    public static LabFaultMode EndSidRoutedOnwards { get; } = new(
        "EndSidRoutedOnwards", "The End SID is not instantiated: its address is a plain route to the End.X next hop, so the DUT forwards such packets as a transit node without looking at the SRH.",
        i =>
        {
            var end = i.Sid(End);
            var endX = i.Sid(EndX);
            return i.WithSid(End, _ => null) with
            {
                Routes = [.. i.Routes, new IntentRoute(new IPNetwork(end.Address, end.PrefixLength), endX.NextHop!, endX.Interface!)],
            };
        });

    public static LabFaultMode Figure1EndXWrongLink { get; } = new(
        "Figure1EndXWrongLink", "Figure 1, DUT N4: End.X C52 (towards N5 over link10) is programmed towards N5 over link9 (and so is its NEXT-C-SID End.X C-SID c452 where the profile declares it).",
        i =>
        {
            var wrong = i.WithSid("end_x_c52", s => s with { NextHop = i.Sid("end_x_c51").NextHop, Interface = i.Sid("end_x_c51").Interface });
            return i.Sids.Any(s => s.Name == "end_x_csid_c52") && i.Sids.Any(s => s.Name == "end_x_csid_c51")
                ? wrong.WithSid("end_x_csid_c52", s => s with { NextHop = i.Sid("end_x_csid_c51").NextHop, Interface = i.Sid("end_x_csid_c51").Interface })
                : wrong;
        },
        profile: "reference-figure1.yaml");

    public static LabFaultMode Figure1N2EndXWrongLink { get; } = new(
        "Figure1N2EndXWrongLink", "Figure 1, DUT N2: End.X C31 (towards N3 over link3) is programmed towards N3 over link4.",
        i => i.WithSid("end_x_c31", s => s with { NextHop = i.Sid("end_x_c32").NextHop, Interface = i.Sid("end_x_c32").Interface }),
        profile: "reference-figure1-n2.yaml");

    public static LabFaultMode Figure1N2CsidEndXAsEnd { get; } = new(
        "Figure1N2CsidEndXAsEnd", "Figure 1, DUT N2: the NEXT-C-SID End.X C-SID c231 (towards N3 over link3) is programmed as a NEXT-C-SID End: the shifted (or next) destination follows N2's FIB (link7 towards N6) instead of the adjacency over link3.",
        i => i.WithSid("end_x_csid_c31", s => s with { Behavior = SrBehavior.End, NextHop = null, Interface = null }),
        profile: "reference-figure1-n2-node-csid.yaml");

    public static LabFaultMode Figure1EgressDecapAsEnd { get; } = new(
        "Figure1EgressDecapAsEnd", "Figure 1, a DUT as the decapsulating egress (TP-IOP-BV-09 at N4, TP-IOP-BV-10 at N2): its End.DT6 (end_dt6) and End.DT4 (end_dt4) SIDs, where it has them, are programmed as plain End: at Segments Left 0 the packet is not decapsulated (an IPv6 or IPv4 payload is no upper layer End processes), so nothing goes on towards the CE.",
        i => i.Sids.Where(s => s.Name is "end_dt6" or "end_dt4").Select(s => s.Name).ToList() is { Count: > 0 } names
            ? names.Aggregate(i, (x, n) => x.WithSid(n, s => s with { Behavior = SrBehavior.End, Table = null }))
            : throw new InvalidOperationException("Figure1EgressDecapAsEnd needs the DUT's End.DT6 (end_dt6) or End.DT4 (end_dt4) SID."),
        profile: "reference-figure1.yaml");

    public static LabFaultMode Figure1N2EdgeFilterIgnored { get; } = new(
        "Figure1N2EdgeFilterIgnored", "Figure 1, DUT N2 at the SR domain's edge (reference-figure1-n2-node-edge.yaml): the reference node's defect edge-filter-ignored, its edge rules on link1 configured but not applied (packets from outside to the SID block go on into the domain).",
        i => i, profile: "reference-figure1-n2-node-edge.yaml", nodeDebugFaults: ["edge-filter-ignored"]);

    public static LabFaultMode Figure1Link10Broken { get; } = new(
        "Figure1Link10Broken", "Figure 1, DUT N4: link10 is broken: nftables drops everything the DUT forwards out of it.",
        inject: _ => FaultChain("brokenlink", "forward", 0, "oifname link10 drop"),
        profile: "reference-figure1.yaml");

    public static LabFaultMode Figure1OFlagNotExported { get; } = new(
        "Figure1OFlagNotExported", "Figure 1, DUT N4: the DUT claims O-flag processing but its (emulated) OAM process exports nothing to N100.",
        i => WithOFlag(i, _ => null),
        profile: "reference-figure1.yaml");
    // (USP/USD, End.DT4/End.DT46 and End.B6.Encaps.Red are not claimed by the reference profile; their cases are
    // proven offline in BehaviorConformingReceptionTests, so they have no fault mode.)

    /// <summary>
    /// The End.DX2 SID cross-connects to another tester-facing interface than the profile's: the first DUT
    /// interface (by name) that is neither the SID's OIF nor the route's device (the first interface).
    /// </summary>
    public static LabFaultMode EndDx2WrongInterface { get; } = new(
        "EndDx2WrongInterface", "The End.DX2 SID sends the decapsulated Ethernet frame out of another tester-facing interface than the profile's OIF.",
        i =>
        {
            var sid = i.Sid("end_dx2");
            var other = i.Interfaces.Select(x => x.Name).Where(n => n != sid.Interface && n != i.Interfaces[0].Name).Order(StringComparer.Ordinal).FirstOrDefault()
                ?? throw new InvalidOperationException("EndDx2WrongInterface needs a third tester-facing interface besides the End.DX2 OIF and the SID device.");
            return i.WithSid("end_dx2", s => s with { Interface = other });
        });

    /// <summary>The H.Insert policy is programmed as H.Encaps: a new outer header instead of an inserted SRH.</summary>
    public static LabFaultMode HInsertAsEncap { get; } = new(
        "HInsertAsEncap", "The H.Insert policy (seg6 mode inline) is programmed as H.Encaps (mode encap): the packet is encapsulated instead of getting an SRH inserted.",
        i => i.Headends.Any(h => h.Behavior == HeadendBehavior.HInsert)
            ? i.WithHeadends(h => h.Behavior == HeadendBehavior.HInsert ? h with { Behavior = HeadendBehavior.HEncaps } : h)
            : throw new InvalidOperationException("HInsertAsEncap needs the H.Insert policy (does the profile claim H.Insert?)."));

    private const string EndCsid = "end_csid", EndXCsid = "end_x_csid";

    public static LabFaultMode CsidEndWithoutFlavor { get; } = new(
        "CsidEndWithoutFlavor", "The NEXT-C-SID End SID (end_csid) is programmed as a plain End on its prefix: no next-csid flavor, no C-SID lengths.",
        i => i.WithSid(EndCsid, s => s with { Csid = null, Flavors = new HashSet<SrFlavor>(s.Flavors.Where(f => f != SrFlavor.NextCSid)) }));

    public static LabFaultMode CsidBlockLengthWrong { get; } = new(
        "CsidBlockLengthWrong", "The NEXT-C-SID SIDs (end_csid, end_x_csid) are programmed with a 16-bit Locator-Block and 16-bit C-SIDs (lblen 16 nflen 16) instead of their F3216 structure.",
        i => i.WithSid(EndCsid, s => s with { Csid = Packets.CsidStructure.Next(16, 16) })
              .WithSid(EndXCsid, s => s with { Csid = Packets.CsidStructure.Next(16, 16) }));

    public static LabFaultMode CsidEndXAsEnd { get; } = new(
        "CsidEndXAsEnd", "The NEXT-C-SID End.X SID (end_x_csid) is programmed as a NEXT-C-SID End: the shifted packet follows the FIB instead of the adjacency.",
        i => i.WithSid(EndXCsid, s => s with { Behavior = SrBehavior.End, NextHop = null, Interface = null }));

    // ------------------------------------------------------------------ the reference node's negative controls (#15)
    // A few faulted nodes serve every single-DUT purpose (CaseVerdictTests' node rows): each mode is a set of
    // misconfigurations of different SIDs, policies or routes (intent transforms, rendered by the refnode pack), or a set
    // of the node's hidden implementation defects (debug faults, templates.debug_fault); each purpose of a mode's group
    // fails on the one of them it tests (the [NegativeControl(..., Profile = "reference-node.yaml")] Why says which).

    /// <summary>Several intent-only modes applied one after the other (they must touch different parts of the intent).</summary>
    private static Func<Srv6Intent, Srv6Intent> All_(params LabFaultMode[] modes) => i => modes.Aggregate(i, (x, m) => m.Transform(x));

    /// <summary>The L2 headend without reduction (H.Encaps.L2) is not programmed.</summary>
    private static Srv6Intent WithoutL2Encaps(Srv6Intent i) => i.Headends.Any(h => h.Behavior == HeadendBehavior.HEncapsL2)
        ? i.WithHeadends(h => h.Behavior == HeadendBehavior.HEncapsL2 ? null : h)
        : throw new InvalidOperationException("the mode needs the H.Encaps.L2 policy (does the profile claim H.Encaps.L2?).");

    public static LabFaultMode NodeSidsMisprogrammed { get; } = new(
        "NodeSidsMisprogrammed", "Reference node: every SID behaviour misprogrammed at once, each SID its own way: End not instantiated (its address routed on to the End.X next hop), " +
        "End.X as End, End.T / End.DT4 / End.DT6 / End.DT46 on the main table, End.DX6 as End.DT6, End.DX4 to t3's next hop, End.DX2 out of another port, End.B6.Encaps as End, " +
        "End.B6.Encaps.Red as End.B6.Encaps, the PSP / USP / USD SIDs without their flavor, the NEXT-C-SID End.X as a NEXT-C-SID End, the REPLACE-C-SID End.X " +
        "as a REPLACE-C-SID End, the REPLACE-C-SID and the NEXT-C-SID End.T on the main table, the REPLACE-C-SID End.DT6 and End.DX6 with a 64-bit Locator-Block (a /96: the upper half of its Argument taken for the SID).",
        All_(EndSidRoutedOnwards, EndXAsEnd, EndTMainTable, EndDt6MainTable, EndDx6AsDt6, EndDx4WrongAdjacency, EndDx2WrongInterface, EndB6AsEnd,
            EndB6RedAsEncaps, EndDt4MainTable, EndDt46MainTable, EndWithoutPsp, UspFlavorDropped, UsdFlavorDropped, CsidEndXAsEnd,
            new("-", "-", i => i.WithSid("end_x_rcsid", s => s with { Behavior = SrBehavior.End, NextHop = null, Interface = null })
                                .WithSid("end_t_rcsid", s => s with { Table = null })
                                .WithSid("end_t_csid", s => s with { Table = null })
                                .WithSid("end_dt6_rcsid", s => s with { Csid = Packets.CsidStructure.Replace(64, 32), PrefixLength = 96 })
                                .WithSid("end_dx6_rcsid", s => s with { Csid = Packets.CsidStructure.Replace(64, 32), PrefixLength = 96 }))),
        profile: NodeProfile);

    public static LabFaultMode NodeHeadendsMisprogrammed { get; } = new(
        "NodeHeadendsMisprogrammed", "Reference node: the headend policies misprogrammed, each its own way (H.Encaps steering a /65, the reduced ones without reduction, H.Insert as H.Encaps, " +
        "no H.Encaps.L2 policy, outer flow label 0), the SID-block edge rule also on the internal interfaces, and the route to N2 out of t3; and the defect of a " +
        "headend that pushes one Segment List entry more than its policy has (a wrong entry or C-SID container count).",
        All_(HeadendsNotReduced, HInsertAsEncap, FlowLabelZero, HeadendPrefixNarrowed, new("-", "-", WithoutL2Encaps), EdgeFilterOnInternalPorts, DownstreamViaT3),
        profile: NodeProfile, nodeDebugFaults: ["headend-extra-segment"]);

    public static LabFaultMode NodeEndMisprogrammed { get; } = new(
        "NodeEndMisprogrammed", "Reference node: the End SID programmed over the whole locator (/64), no HMAC key, the NEXT-C-SID SIDs with a 16-bit block, " +
        "SRv6 disabled on t2's interface; and the defect of SID counters that count every arriving packet besides the processed ones.",
        All_(new("-", "-", i => i.WithSid(End, s => s with { PrefixLength = i.Locator.PrefixLength })), HmacKeyMissing, CsidBlockLengthWrong, Seg6DisabledOnT2),
        profile: NodeProfile, nodeDebugFaults: ["sid-counter-counts-arrivals"]);

    /// <summary>The policy selector of the intent, or an error (the mode needs a profile that claims policy_selector).</summary>
    private static IntentPolicySelector SelectorOf(Srv6Intent i) => i.PolicySelector
        ?? throw new InvalidOperationException("the mode needs the policy selector (does the profile claim policy_selector?).");

    /// <summary>The profiles besides reference-node.yaml whose node runs the policy selector: the headend N1 of Figure 1 (issue #18).</summary>
    private static readonly IReadOnlyList<string> SelectorProfiles = ["reference-figure1-n1-selector.yaml"];

    public static LabFaultMode NodeSelectorPriorityIgnored { get; } = new(
        "NodeSelectorPriorityIgnored", "Reference node defect: the policy selector ignores the priorities (every qualifying constituent of a class shares the load by weight).",
        i => i with { PolicySelector = SelectorOf(i) }, profile: NodeProfile, nodeDebugFaults: ["selector-priority-ignored"], alsoProfiles: SelectorProfiles);

    public static LabFaultMode NodeSelectorWeightsIgnored { get; } = new(
        "NodeSelectorWeightsIgnored", "Reference node defect: the policy selector ignores the weights (constituents of equal priority share the load equally).",
        i => i with { PolicySelector = SelectorOf(i) }, profile: NodeProfile, nodeDebugFaults: ["selector-weights-ignored"], alsoProfiles: SelectorProfiles);

    public static LabFaultMode NodeSelectorNoWaitToRestore { get; } = new(
        "NodeSelectorNoWaitToRestore", "Reference node defect: the policy selector ignores the wait-to-restore time (traffic switches back as soon as the measured quality meets the threshold again).",
        i => i with { PolicySelector = SelectorOf(i) }, profile: NodeProfile, nodeDebugFaults: ["selector-no-wait-to-restore"], alsoProfiles: SelectorProfiles);

    public static LabFaultMode NodeSelectorThresholdIgnored { get; } = new(
        "NodeSelectorThresholdIgnored", "Reference node defect: the policy selector measures but ignores the quality thresholds (a constituent whose loss or delay exceeds its threshold stays qualified, and traffic above a remaining-bandwidth threshold does not overflow).",
        i => i with { PolicySelector = SelectorOf(i) }, profile: NodeProfile, nodeDebugFaults: ["selector-threshold-ignored"], alsoProfiles: SelectorProfiles);

    /// <summary>
    /// The selector misconfigured through the pack: the crm class with its destination port one higher (8444), the
    /// source-prefix class two bits longer, constituent path1b with priority 3 (the reference-node profile's names).
    /// </summary>
    public static LabFaultMode NodeSelectorMisconfigured { get; } = new(
        "NodeSelectorMisconfigured", "Reference node: the policy selector misconfigured: the crm class's destination port one higher, the branch class's source prefix two bits longer, constituent path1b with priority 3.",
        i => i with
        {
            PolicySelector = SelectorOf(i)
                .WithClass("crm", c => c with { Match = c.Match with { DestinationPorts = [.. c.Match.DestinationPorts.Select(p => p + 1)] } })
                .WithClass("branch", c => c with { Match = c.Match with { SourcePrefix = c.Match.SourcePrefix is { } sp ? new System.Net.IPNetwork(sp.BaseAddress, sp.PrefixLength + 2) : null } })
                .WithConstituent("path1b", c => c with { Priority = 3 }),
        }, profile: NodeProfile, alsoProfiles: SelectorProfiles);

    public static LabFaultMode NodeSecurityChecksSkipped { get; } = new(
        "NodeSecurityChecksSkipped", "Reference node defects: HMAC TLVs are not verified, the SR-domain edge rules are not applied, an SRH with Segments Left > 0 to a local address " +
        "is processed as End; and the plain End SID programmed with PSP, the PSP SID not programmed.",
        All_(EndWithPsp, PspSidMissing), profile: NodeProfile, nodeDebugFaults: ["hmac-not-checked", "edge-filter-ignored", "srh-to-local-address-processed-as-end"]);

    public static LabFaultMode NodeErrorHandlingBroken { get; } = new(
        "NodeErrorHandlingBroken", "Reference node defects: Segments Left and Last Entry not checked, the hop limit neither decremented nor checked in transit, the End hop-limit check " +
        "after the SRH update (Time Exceeded quoting the rewritten packet), no Parameter Problem for a disallowed upper layer, no Packet Too Big.",
        profile: NodeProfile, nodeDebugFaults: ["segments-left-not-checked", "hop-limit-not-decremented", "time-exceeded-after-srh-update", "upper-layer-error-not-sent", "packet-too-big-not-sent"]);

    public static LabFaultMode NodeSrhMishandled { get; } = new(
        "NodeSrhMishandled", "Reference node defects: SRH packets in transit are dropped, SRH packets to a local address (no SID) are dropped, the O-flag is cleared in the packet that continues, " +
        "NEXT-C-SID not applied behind a Hop-by-Hop or Destination Options header, the flavors and C-SID structure of a SID other than End and End.X accepted but not installed (as Linux seg6local does), the NEXT-C-SID End.B6.Encaps encapsulating the inner packet with its destination not shifted.",
        profile: NodeProfile, nodeDebugFaults: ["transit-srh-dropped", "srh-to-local-address-dropped", "o-flag-cleared-on-forward", "next-csid-skipped-behind-extension-headers",
            "flavors-dropped-except-end-and-end-x", "b6-next-csid-inner-not-shifted"]);

    public static LabFaultMode NodeOFlagIgnored { get; } = new(
        "NodeOFlagIgnored", "Reference node defect: O-flag processing configured but the O-flag ignored (nothing punted).",
        profile: NodeProfile, nodeDebugFaults: ["o-flag-ignored"]);

    public static LabFaultMode NodeOFlagMisprocessed { get; } = new(
        "NodeOFlagMisprocessed", "Reference node defects: punts not rate-limited, every packet to a local SID punted (O-flag or not), the punted copy of a last-segment O-flag packet answered too.",
        profile: NodeProfile, nodeDebugFaults: ["o-flag-rate-limit-ignored", "o-flag-copies-everything", "o-flag-copy-answered"]);

    /// <summary>
    /// The NEXT-C-SID SIDs of TP-CSID-BV-05, TP-CSID-BV-06 and TP-CSID-BV-12 keep their compression but lose what the
    /// purposes check: end_csid_psp its PSP flavor, end_csid_f3232 its 32-bit C-SIDs (programmed F3216, so it shifts by 16
    /// bits), end_csid_f4816 its 48-bit Locator-Block (programmed F3232: the same /64, but the Argument lands after bit 32).
    /// Both packs render it (a C-SID SID keeps its own locator; a plain SID outside the profile's locator has none on the node).
    /// </summary>
    public static LabFaultMode CsidNextVariantsWrong { get; } = new(
        "CsidNextVariantsWrong", "The NEXT-C-SID SID end_csid_psp is programmed without PSP, end_csid_f3232 with 16-bit C-SIDs (F3216) instead of 32-bit ones, " +
        "end_csid_f4816 with a 32-bit Locator-Block and 32-bit C-SIDs (F3232, the same prefix) instead of F4816.",
        i => i.WithSid("end_csid_psp", s => s with { Flavors = new HashSet<SrFlavor>(s.Flavors.Where(f => f != SrFlavor.Psp)) })
              .WithSid("end_csid_f3232", s => s with { Csid = Packets.CsidStructure.Next(s.Csid!.BlockBits, 16) })
              .WithSid("end_csid_f4816", s => s with { Csid = Packets.CsidStructure.Next(32, 32) }));

    /// <summary>The REPLACE-C-SID SIDs of TP-CSID-BV-07, TP-CSID-BV-08, TP-CSID-BV-09 and TP-CSID-BI-02 get the other compression flavor.</summary>
    public static LabFaultMode CsidReplaceAsNext { get; } = new(
        "CsidReplaceAsNext", "The REPLACE-C-SID End SIDs (end_rcsid, end_rcsid_psp) are programmed with the NEXT-C-SID flavor and the same lengths: the Argument is shifted instead of indexing the packed container.",
        i => i.WithSid("end_rcsid", AsNext).WithSid("end_rcsid_psp", AsNext), profile: NodeProfile);

    private static IntentSid AsNext(IntentSid s) => s with
    {
        Csid = Packets.CsidStructure.Next(s.Csid!.BlockBits, s.Csid.CsidBits),
        Flavors = new HashSet<SrFlavor>(s.Flavors.Where(f => f != SrFlavor.ReplaceCSid)) { SrFlavor.NextCSid },
    };

    public static IReadOnlyList<LabFaultMode> All { get; } =
        [None, EndWithoutPsp, SidMissing, EndAsEndX, NoIcmpErrors, Seg6Disabled, Seg6DisabledOnT2, SrhDroppedOnT2, ForwardingDisabled, HmacRequired, EndWithPsp, EndAsLocalAddress, PspSidMissing,
         EndXAsEnd, EndTMainTable, EndDt6MainTable, EndDx6AsDt6, EndDx4WrongAdjacency, EndB6AsEnd, HeadendsMissing, HeadendsNotReduced, HeadendPrefixNarrowed, FlowLabelZero,
        OFlagNotProcessed, OFlagOnlyForEnd, OFlagNoRateLimit, OFlagCopiesAll, OFlagCleared, OFlagCopyAnswered,
         EdgeFilterWithoutSidBlockRule, EdgeFilterSidBlockNarrowed, EdgeFilterSidBlockTooBroad, EdgeFilter5f00Narrowed, EdgeFilterSourceCheckNarrowed, EdgeFilterWithoutRfc9602Rule, EdgeFilterWithoutSrhToLocalRule, EdgeFilterWithoutSourceCheck, EdgeFilterWithoutSourceCheckOnT2, EdgeFilterOnInternalPorts, HmacKeyMissing,
            EndWithoutCounters, EndXWithoutCounters, EndSidRoutedOnwards, SidPrefixTooShort,
         LocatorLocal, DownstreamViaT3,
         Figure1EndXWrongLink, Figure1N2EndXWrongLink, Figure1N2CsidEndXAsEnd, Figure1EgressDecapAsEnd, Figure1N2EdgeFilterIgnored, Figure1Link10Broken, Figure1OFlagNotExported,
         EndDx2WrongInterface, HInsertAsEncap,
         UspFlavorDropped, UsdFlavorDropped, EndDt4MainTable, EndDt46MainTable, EndB6RedAsEncaps,
         IcmpErrorsToDutDropped,
         CsidEndWithoutFlavor, CsidBlockLengthWrong, CsidEndXAsEnd, CsidNextVariantsWrong, CsidReplaceAsNext,
         NodeSidsMisprogrammed, NodeHeadendsMisprogrammed, NodeEndMisprogrammed, NodeSecurityChecksSkipped, NodeErrorHandlingBroken, NodeSrhMishandled, NodeOFlagIgnored, NodeOFlagMisprocessed,
         NodeSelectorPriorityIgnored, NodeSelectorWeightsIgnored, NodeSelectorMisconfigured, NodeSelectorNoWaitToRestore, NodeSelectorThresholdIgnored];

    /// <summary>Prefix of a fault mode built at run time from a configuration mutation: <c>Mutation:&lt;id&gt;</c>.</summary>
    public const string MutationPrefix = "Mutation:";

    /// <summary><see cref="Profile"/> of a mode that applies to any profile's configuration (a mutation).</summary>
    public const string AnyProfile = "*";

    /// <summary>
    /// The fault mode <c>Mutation:&lt;id&gt;</c>: the one mutation with that id (<see cref="Mutations.ConfigMutator"/>) of
    /// whatever configuration the mode is applied to. The id is looked up when the mode is applied, so an id the
    /// configuration does not have fails the bring-up (naming the id), not the parse.
    /// </summary>
    public static LabFaultMode Mutation(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException($"'{MutationPrefix}' needs a mutation id (srv6conf mutate --list shows them).", nameof(id));
        return new(MutationPrefix + id, $"Mutation {id} of the rendered DUT configuration (srv6conf mutate).",
            rendered: c => Mutations.ConfigMutator.Apply(c, id), profile: AnyProfile);
    }

    /// <summary>Case-insensitive lookup by name; <c>Mutation:&lt;id&gt;</c> (prefix case-insensitive, id exact) builds a mutation mode.</summary>
    public static LabFaultMode Parse(string name) =>
        name.StartsWith(MutationPrefix, StringComparison.OrdinalIgnoreCase) ? Mutation(name[MutationPrefix.Length..])
        : All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown lab fault mode '{name}' (known: {string.Join(", ", All.Select(f => f.Name))}, or {MutationPrefix}<id>).", nameof(name));
}
