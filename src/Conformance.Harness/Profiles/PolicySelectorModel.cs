using System.Net;

namespace Conformance.Harness.Profiles;

// The SRv6 policy selector of draft-yang-srv6ops-policy-selector-01 (an individual Internet-Draft, no YANG): a parent
// SRv6 policy whose constituent policies each carry a priority and a quality threshold; the headend classifies traffic,
// keeps each class on the highest-priority constituent that meets its threshold, shares load by weight among equal
// priorities and switches back only after a wait-to-restore time. Profile vocabulary: capabilities.policy_selector
// (PICS) and parameters.policy_selector (PIXIT). Each field names the draft sentence it stands for (docs/policy-selector.md).

/// <summary>The selector's classifiers (draft §5.2 "classification configuration"; the draft leaves the rules open).</summary>
public enum SelectorClassifier { Dscp, SourcePrefix, DestinationPort, FlowLabel }

/// <summary>Quality metrics a threshold may use (draft §5.4's list: latency, packet loss, available bandwidth).</summary>
public enum SelectorMetric { Loss, Delay, RemainingBandwidth }

/// <summary>How the headend measures its constituents (draft §5.4 leaves it open: "active or passive performance measurement").</summary>
public enum SelectorMeasurement { Loopback, Stamp, Controller }

/// <summary>capabilities.policy_selector: what the DUT claims of the selector.</summary>
public sealed record PolicySelectorCapabilities
{
    public bool Supported { get; init; }
    public IReadOnlySet<SelectorClassifier> Classifiers { get; init; } = new HashSet<SelectorClassifier>();
    public IReadOnlySet<SelectorMetric> QualityMetrics { get; init; } = new HashSet<SelectorMetric>();
    /// <summary>Load sharing by weight among constituents of equal priority (draft §5.5).</summary>
    public bool Weights { get; init; }
    /// <summary>Switch back only after a wait-to-restore time (draft §5.3).</summary>
    public bool WaitToRestore { get; init; }
    public IReadOnlySet<SelectorMeasurement> Measurement { get; init; } = new HashSet<SelectorMeasurement>();

    public static readonly (SelectorClassifier Value, string Name)[] ClassifierNames =
        [(SelectorClassifier.Dscp, "dscp"), (SelectorClassifier.SourcePrefix, "source_prefix"), (SelectorClassifier.DestinationPort, "destination_port"), (SelectorClassifier.FlowLabel, "flow_label")];
    public static readonly (SelectorMetric Value, string Name)[] MetricNames =
        [(SelectorMetric.Loss, "loss"), (SelectorMetric.Delay, "delay"), (SelectorMetric.RemainingBandwidth, "remaining_bandwidth")];
    public static readonly (SelectorMeasurement Value, string Name)[] MeasurementNames =
        [(SelectorMeasurement.Loopback, "loopback"), (SelectorMeasurement.Stamp, "stamp"), (SelectorMeasurement.Controller, "controller")];
}

/// <summary>
/// parameters.policy_selector: the parent SRv6 policy the headend is configured with (draft §6 "Configure the parent SRv6
/// Policy"), the destination prefix steered into it, its constituents and the classes of traffic.
/// </summary>
public sealed record PolicySelectorParameters
{
    public required string Parent { get; init; }
    public required IPNetwork Steer { get; init; }
    public required IReadOnlyList<SelectorConstituent> Constituents { get; init; }
    public required IReadOnlyList<SelectorClass> Classes { get; init; }
    /// <summary>How the headend is told to measure its constituents (draft §5.4); null: not configured.</summary>
    public SelectorProbing? Measurement { get; init; }
    public SourceLocation? Location { get; init; }

    public SelectorConstituent Constituent(string name) => Constituents.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"no constituent '{name}' (have {string.Join(", ", Constituents.Select(c => c.Name))})");
}

/// <summary>A constituent SRv6 policy: its segment list, "priority" (lower number wins), weight, "threshold" and wait-to-restore (draft §5.3).</summary>
public sealed record SelectorConstituent(string Name, IReadOnlyList<IPAddress> Segments, int Priority, int Weight)
{
    public SelectorThresholds Thresholds { get; init; } = new();
    public int WaitToRestoreSeconds { get; init; }
}

/// <summary>The quality threshold of a constituent (draft §5.3 "threshold"); null: that metric is not checked.</summary>
public sealed record SelectorThresholds
{
    public int? LossPercent { get; init; }
    public int? DelayMs { get; init; }
    public int? RemainingBandwidthMbps { get; init; }
}

/// <summary>
/// A class of traffic (draft §5.2 "label the traffic with application type according to classification configuration")
/// and its own priority per constituent (draft §6 "routing-policy-selector … priority 1 mapping-to color 100"): only the
/// constituents listed serve the class. Traffic of no class uses the constituents' own priorities.
/// </summary>
public sealed record SelectorClass(string Name, SelectorMatch Match, IReadOnlyDictionary<string, int> Priorities);

/// <summary>A class's match rules; every rule given must match (an empty list: that field is not matched).</summary>
public sealed record SelectorMatch
{
    public IReadOnlyList<int> Dscp { get; init; } = [];
    public IPNetwork? SourcePrefix { get; init; }
    public IReadOnlyList<int> DestinationPorts { get; init; } = [];
    public IReadOnlyList<uint> FlowLabels { get; init; } = [];

    public bool IsEmpty => Dscp.Count == 0 && SourcePrefix is null && DestinationPorts.Count == 0 && FlowLabels.Count == 0;

    /// <summary>Does a packet with these fields match (the rules given all hold)?</summary>
    public bool Matches(int dscp, IPAddress source, int? destinationPort, uint flowLabel) =>
        !IsEmpty
        && (Dscp.Count == 0 || Dscp.Contains(dscp))
        && (SourcePrefix is not { } p || p.Contains(source))
        && (DestinationPorts.Count == 0 || destinationPort is { } d && DestinationPorts.Contains(d))
        && (FlowLabels.Count == 0 || FlowLabels.Contains(flowLabel));
}

/// <summary>
/// parameters.policy_selector.measurement: loopback probes (RFC 9259 Appendix A.4) per constituent every
/// <see cref="IntervalMs"/>, segment list = the constituent's followed by <see cref="ReturnSid"/> (an End SID of the headend);
/// loss and delay over the last <see cref="Window"/> probes.
/// </summary>
public sealed record SelectorProbing(SelectorMeasurement Method, IPAddress ReturnSid)
{
    public int IntervalMs { get; init; } = 100;
    public int Window { get; init; } = 10;
}
