using System.Net;

namespace Conformance.ReferenceNode.Config;

// The node's configuration model: what a committed configuration means, independent of its CLI syntax.
// The CLI (Cli/) parses and prints it; the data plane (Dataplane/) is built from it. Records are immutable:
// a commit builds a new NodeConfig and swaps the data plane to it atomically.

/// <summary>The whole configuration of the reference node.</summary>
public sealed record NodeConfig
{
    public string Hostname { get; init; } = "srv6-ref";
    /// <summary>Data interfaces by name (the AF_PACKET interfaces the node owns). The order is the configuration's.</summary>
    public IReadOnlyList<InterfaceConfig> Interfaces { get; init; } = [];
    /// <summary>Addresses of the node itself that are not on an interface (loopback), with their prefix length.</summary>
    public IReadOnlyList<IPNetwork> LoopbackAddresses { get; init; } = [];
    /// <summary>Static routes, per table. Table "main" is the default; any other name is a separate FIB (a VRF without a kernel).</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];
    public Srv6Config Srv6 { get; init; } = new();
    /// <summary>ICMPv6 / ICMP error generation (RFC 4443 §2.4 (f) rate limiting).</summary>
    public IcmpConfig Icmp { get; init; } = new();
    /// <summary>Implementation defects switched on on purpose, for the suite's negative controls. Never in a profile.</summary>
    public IReadOnlySet<DebugFault> DebugFaults { get; init; } = new HashSet<DebugFault>();
}

/// <summary>A data interface: its addresses, whether it accepts SRH packets, its SR-domain role and HMAC policy.</summary>
public sealed record InterfaceConfig(string Name)
{
    public IReadOnlyList<IPNetwork> Ipv6Addresses { get; init; } = [];
    /// <summary>IPv4 addresses with prefix length (address/len kept: IPNetwork would drop the host part).</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Ipv4Addresses { get; init; } = [];
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Ipv6HostAddresses { get; init; } = [];
    public bool Shutdown { get; init; }
    /// <summary>SRH processing on packets received here (like Linux seg6_enabled); off: SRH packets to a local SID are dropped.</summary>
    public bool Srv6Enabled { get; init; } = true;
    /// <summary>Outside the SR domain (RFC 8754 §5.1): the edge rules of <see cref="Srv6Config.Domain"/> apply to packets received here.</summary>
    public bool External { get; init; }
    public HmacPolicyMode Hmac { get; init; } = HmacPolicyMode.Ignore;
}

public sealed record RouteConfig(string Table, IPNetwork Prefix, IPAddress? NextHop, string? Interface)
{
    /// <summary>A discard route (null0 / blackhole).</summary>
    public bool Discard { get; init; }
}

public sealed record Srv6Config
{
    /// <summary>Source address of encapsulated packets (H.Encaps*, End.B6.Encaps*) and of the node's ICMPv6 when none fits better.</summary>
    public IPAddress? SourceAddress { get; init; }
    public IReadOnlyList<LocatorConfig> Locators { get; init; } = [];
    public IReadOnlyList<LocalSidConfig> Sids { get; init; } = [];
    public IReadOnlyList<HeadendPolicyConfig> Policies { get; init; } = [];
    public DomainConfig Domain { get; init; } = new();
    public IReadOnlyList<HmacKeyConfig> HmacKeys { get; init; } = [];
    public OamConfig Oam { get; init; } = new();
    /// <summary>Outer flow label of encapsulations from a hash of the inner packet (RFC 6437) instead of 0.</summary>
    public bool FlowLabelFromInner { get; init; } = true;
    /// <summary>Parent SRv6 policies with a policy selector (draft-yang-srv6ops-policy-selector-01).</summary>
    public IReadOnlyList<PolicySelectorConfig> Selectors { get; init; } = [];
}

/// <summary>
/// A parent SRv6 policy with its selector (draft-yang-srv6ops-policy-selector-01 §5.1): traffic to <see cref="Steer"/> is
/// classified (first matching class, else unclassified), and carried H.Encaps by the highest-priority qualifying
/// constituent of its class, shared by weight among equal priorities (per flow).
/// </summary>
public sealed record PolicySelectorConfig(string Name)
{
    public IPNetwork? Steer { get; init; }
    public IReadOnlyList<ConstituentConfig> Constituents { get; init; } = [];
    public IReadOnlyList<SelectorClassConfig> Classes { get; init; } = [];
    /// <summary>How the headend measures its constituents (draft §5.4); null: no measurement, every constituent counts as qualified.</summary>
    public SelectorMeasurementConfig? Measurement { get; init; }
}

/// <summary>
/// Loopback probes per constituent (RFC 9259 Appendix A.4): every <see cref="IntervalMs"/> the headend sends a UDP probe
/// whose segment list is the constituent's followed by <see cref="ReturnSid"/> (an End SID of this node), so the probe
/// comes back to it; loss and loop delay are taken over the last <see cref="Window"/> probes.
/// </summary>
public sealed record SelectorMeasurementConfig(IPAddress ReturnSid)
{
    public int IntervalMs { get; init; } = 100;
    public int Window { get; init; } = 10;
}

/// <summary>A constituent SRv6 policy: segment list, priority (lower wins), weight, quality thresholds, wait-to-restore.</summary>
public sealed record ConstituentConfig(string Name)
{
    public IReadOnlyList<IPAddress> Segments { get; init; } = [];
    public int? Priority { get; init; }
    public int Weight { get; init; } = 1;
    public int? LossPercent { get; init; }
    public int? DelayMs { get; init; }
    public int? RemainingBandwidthMbps { get; init; }
    public int WaitToRestoreSeconds { get; init; }
}

/// <summary>A traffic class: match rules (all given must hold) and a priority per constituent that serves it.</summary>
public sealed record SelectorClassConfig(string Name)
{
    public IReadOnlyList<int> Dscp { get; init; } = [];
    public IPNetwork? SourcePrefix { get; init; }
    public IReadOnlyList<int> DestinationPorts { get; init; } = [];
    public IReadOnlyList<uint> FlowLabels { get; init; } = [];
    public IReadOnlyList<(string Constituent, int Priority)> Priorities { get; init; } = [];
}

public sealed record LocatorConfig(string Name, IPNetwork Prefix)
{
    /// <summary>RFC 9800 C-SID structure of this locator's SIDs, when they are compressed SIDs.</summary>
    public CsidStructure? Csid { get; init; }
}

/// <summary>RFC 9800: locator-block and C-SID lengths in bits (e.g. F3216: 32 and 16).</summary>
public sealed record CsidStructure(CsidFlavorKind Kind, int BlockBits, int CsidBits);

public enum CsidFlavorKind { Next, Replace }

public enum Behavior { End, EndX, EndT, EndDX2, EndDX4, EndDX6, EndDT4, EndDT6, EndDT46, EndB6Encaps, EndB6EncapsRed }

[Flags]
public enum Flavors { None = 0, Psp = 1, Usp = 2, Usd = 4, NextCsid = 8, ReplaceCsid = 16 }

/// <summary>What the node installs of a configured SID: its flavors and C-SID structure, less what a debug fault drops.</summary>
public static class InstalledSid
{
    /// <summary>Debug fault <see cref="DebugFault.FlavorsDroppedExceptEndAndEndX"/>: the SID's flavors and C-SID structure are not installed.</summary>
    public static bool FlavorsDropped(NodeConfig config, LocalSidConfig sid) =>
        config.DebugFaults.Contains(DebugFault.FlavorsDroppedExceptEndAndEndX) && sid.Behavior is not (Behavior.End or Behavior.EndX);

    /// <summary>The flavors installed for <paramref name="sid"/>.</summary>
    public static Flavors InstalledFlavors(NodeConfig config, LocalSidConfig sid) => FlavorsDropped(config, sid) ? Flavors.None : sid.Flavors;

    /// <summary>The C-SID structure installed for <paramref name="sid"/> (its locator's), null when it has none or it is dropped.</summary>
    public static CsidStructure? InstalledCsid(NodeConfig config, LocalSidConfig sid) =>
        FlavorsDropped(config, sid) || sid.Locator is null ? null : config.Srv6.Locators.FirstOrDefault(l => l.Name == sid.Locator)?.Csid;
}

/// <summary>One local SID (RFC 8986 §4): an entry of "My Local SID Table" (RFC 8754 §4.3).</summary>
public sealed record LocalSidConfig(string Name, IPAddress Sid, Behavior Behavior)
{
    /// <summary>Prefix length the SID matches with (128, or shorter when the low-order bits carry an argument).</summary>
    public int PrefixLength { get; init; } = 128;
    public Flavors Flavors { get; init; }
    /// <summary>Adjacency (End.X) or cross-connect (End.DX4/DX6) next hop.</summary>
    public IPAddress? NextHop { get; init; }
    /// <summary>Outgoing interface (End.X, End.DX*; End.DX2's OIF).</summary>
    public string? Interface { get; init; }
    /// <summary>Lookup table (End.T, End.DT*); null = main.</summary>
    public string? Table { get; init; }
    /// <summary>Bound policy segment list, first segment first (End.B6.Encaps*).</summary>
    public IReadOnlyList<IPAddress> Segments { get; init; } = [];
    /// <summary>The locator the SID belongs to (for its C-SID structure); null when it is a plain SID.</summary>
    public string? Locator { get; init; }
    /// <summary>Configured as <c>sid dynamic</c>: <see cref="Sid"/> was allocated by the node from <see cref="Locator"/> at commit.</summary>
    public bool Dynamic { get; init; }
}

public enum HeadendMode { Encaps, EncapsRed, EncapsL2, EncapsL2Red, Insert }

/// <summary>A headend SR policy (RFC 8986 §5): traffic matching <see cref="Match"/> (or arriving on <see cref="L2Interface"/>) gets the segment list.</summary>
public sealed record HeadendPolicyConfig(string Name, HeadendMode Mode, IReadOnlyList<IPAddress> Segments)
{
    /// <summary>Destination prefix steered into the policy (IPv6 or IPv4), null for an L2 policy.</summary>
    public IPNetwork? Match { get; init; }
    /// <summary>H.Encaps.L2*: every frame received on this interface is encapsulated.</summary>
    public string? L2Interface { get; init; }
    /// <summary>Routing table the match is installed in (null = main).</summary>
    public string? Table { get; init; }
}

/// <summary>SR-domain filtering (RFC 8754 §5.1, RFC 9602 §5) on the interfaces marked <see cref="InterfaceConfig.External"/>.</summary>
public sealed record DomainConfig
{
    /// <summary>Drop packets received on an external interface whose destination is in one of these (the SID block, 5f00::/16).</summary>
    public IReadOnlyList<IPNetwork> ProtectedPrefixes { get; init; } = [];
    /// <summary>Drop SRH packets received on an external interface addressed to one of the node's own addresses.</summary>
    public bool DropSrhToLocalFromExternal { get; init; }
    /// <summary>Per-interface source check (RFC 8754 §5.1, second rule): to <c>Locator</c> only from <c>InsideSources</c>.</summary>
    public IReadOnlyList<SourceCheckConfig> SourceChecks { get; init; } = [];
}

public sealed record SourceCheckConfig(string Interface, IPNetwork Locator, IReadOnlyList<IPNetwork> InsideSources);

public enum HmacPolicyMode { Ignore, VerifyIfPresent, Require }

public enum HmacAlgorithmId { Sha1, Sha256 }

/// <summary>An HMAC key (RFC 8754 §2.1.2). The secret never appears in <c>show</c> output or a transcript.</summary>
public sealed record HmacKeyConfig(uint KeyId, HmacAlgorithmId Algorithm, byte[] Secret);

/// <summary>RFC 9259 §2.1.1 O-flag processing.</summary>
public sealed record OamConfig
{
    public bool OFlagEnabled { get; init; }
    /// <summary>Where the timestamped copy is sent (an address reachable through the FIB), or null: counted only.</summary>
    public IPAddress? Collector { get; init; }
    /// <summary>Punt rate limit in packets per second (RFC 9259 §2.1.1 "rate limit"), null = none; burst in packets.</summary>
    public int? PuntRatePerSecond { get; init; }
    public int PuntBurst { get; init; } = 1;
}

public sealed record IcmpConfig
{
    /// <summary>Minimum interval between ICMPv6 / ICMP errors (token bucket, 1 token per interval), 0 = unlimited.</summary>
    public int ErrorIntervalMs { get; init; }
    public int ErrorBurst { get; init; } = 10;
}

/// <summary>
/// Defects the node can be told to have (hidden "debug" configuration, not in the profile vocabulary) so that
/// every test purpose has a negative control on this implementation as well.
/// </summary>
public enum DebugFault
{
    HopLimitNotDecremented,
    IcmpQuotesRewrittenPacket,
    PspIgnored,
    UspIgnored,
    UsdIgnored,
    OFlagRateLimitIgnored,
    HmacNotChecked,
    SegmentsLeftNotChecked,
    OFlagIgnored,
    EdgeFilterIgnored,
    /// <summary>RFC 8986 §4.1 S05-S06 (RFC 9800 N02-N03) done after S14 (N06), as Linux does: the Time Exceeded quotes the rewritten packet.</summary>
    TimeExceededAfterSrhUpdate,
    /// <summary>RFC 8986 §4.1.1 S04: a disallowed Upper-Layer header is discarded without the Parameter Problem (code 4).</summary>
    UpperLayerErrorNotSent,
    /// <summary>RFC 4443 §3.2 / RFC 8200 §5: a packet too big for the link is discarded without the Packet Too Big.</summary>
    PacketTooBigNotSent,
    /// <summary>RFC 8754 §4.2: a transit node discards packets with an SRH instead of forwarding them as plain IPv6.</summary>
    TransitSrhDropped,
    /// <summary>RFC 9259 §2.1.1 S01.1 "IF the O-flag is set": every packet to a local SID is punted, O-flag or not, SRH or not.</summary>
    OFlagCopiesEverything,
    /// <summary>RFC 9259 §2.1.1: the punted copy of an O-flag packet at its last segment is also processed by the node (answered twice).</summary>
    OFlagCopyAnswered,
    /// <summary>RFC 9259 §2.1.1 ("the packet itself continues unchanged"): the O-flag is cleared in the packet that continues.</summary>
    OFlagClearedOnForward,
    /// <summary>RFC 8754 §4.3.2: an SRH with Segments Left > 0 to a local address that is no SID is processed as End (as Linux with seg6_enabled=1) instead of refused.</summary>
    SrhToLocalAddressProcessedAsEnd,
    /// <summary>RFC 8754 §4.3.2: a packet with an SRH to a local address that is no SID is discarded, even with Segments Left 0.</summary>
    SrhToLocalAddressDropped,
    /// <summary>RFC 8986 §6: a SID's counter also counts every packet arriving for it (discarded ones included), not only those processed.</summary>
    SidCounterCountsArrivals,
    /// <summary>draft-yang-srv6ops-policy-selector-01 §5.3: the priorities are ignored; every qualifying constituent of the class shares the load by weight.</summary>
    SelectorPriorityIgnored,
    /// <summary>draft-yang-srv6ops-policy-selector-01 §5.5: the weights are ignored; constituents of equal priority share the load equally.</summary>
    SelectorWeightsIgnored,
    /// <summary>RFC 9800 §4.1.1: NEXT-CSID's N01-N09 skipped when a Hop-by-Hop or Destination Options header precedes the SRH
    /// (or the upper-layer header): the packet is processed as by a SID without the flavor.</summary>
    NextCsidSkippedBehindExtensionHeaders,
    /// <summary>RFC 8986 §5.1 S01: the headend's SRH carries one Segment List entry more than the policy has (its first segment again, above Last Entry's due place): a wrong entry (container) count, 16 bytes more encapsulation.</summary>
    HeadendExtraSegment,
    /// <summary>draft-yang-srv6ops-policy-selector-01 §5.1/§5.3: the wait-to-restore time is ignored; traffic is switched back as soon as the measured quality meets the threshold again.</summary>
    SelectorNoWaitToRestore,
    /// <summary>draft-yang-srv6ops-policy-selector-01 §5.1/§5.3: the thresholds are ignored; a constituent whose measured loss or delay exceeds its threshold still counts as qualified, and traffic above a remaining-bandwidth threshold (the guaranteed bandwidth) does not overflow (§6).</summary>
    SelectorThresholdIgnored,
    /// <summary>RFC 8986 §4.16 / RFC 9800 §4: a SID of a behaviour other than End and End.X is installed without the flavors
    /// (PSP, USP, USD, NEXT-C-SID, REPLACE-C-SID) and without its locator's C-SID structure that the configuration accepted, as
    /// Linux seg6local installs `action End.T … flavors next-csid` as a plain End.T: the SID works and reads back unflavored.</summary>
    FlavorsDroppedExceptEndAndEndX,
    /// <summary>RFC 9800 §4.1.4: End.B6.Encaps with NEXT-CSID encapsulates the inner packet with its Destination Address as
    /// received (N05-N06 skipped; N07 and N08.1-N08.5 done), so the endpoint of policy B exposes the container, not the next SID.</summary>
    B6NextCsidInnerNotShifted,
}
