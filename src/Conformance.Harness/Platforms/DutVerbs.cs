namespace Conformance.Harness.Platforms;

/// <summary>
/// The platform verbs: what a case asks the DUT itself to do. A pack offers a verb by listing it under
/// <c>verbs</c> in its platform.yaml; a case requires it like a capability (<c>Requires = ["dut.ping"]</c>), and
/// a profile whose platform does not offer it gets "not applicable", never a platform-name branch in a case.
/// </summary>
public static class DutVerbs
{
    /// <summary>The DUT pings a target (placeholders target, source, count); pattern <c>success</c> with groups sent, received.</summary>
    public const string Ping = "dut.ping";
    /// <summary>The DUT traceroutes a target (placeholders target, max_hops, queries); output <c>linux-traceroute</c> or pattern <c>hop</c>.</summary>
    public const string Traceroute = "dut.traceroute";
    /// <summary>Per-SID counters (<c>use: state.counters</c>).</summary>
    public const string Counters = "dut.counters";
    /// <summary>A case installs a transient SR policy on the DUT and removes it (<c>use: templates.headend</c>).</summary>
    public const string SrPolicy = "dut.sr_policy";
    /// <summary>A case sets one interface's HMAC policy and puts it back (<c>use: templates.hmac_policy</c>).</summary>
    public const string HmacPolicy = "dut.hmac_policy";
    /// <summary>A case reconfigures the O-flag punt rate (<c>use: templates.oflag</c>).</summary>
    public const string SetOFlagRate = "dut.set_oflag_rate";
    /// <summary>The DUT's own drop counters of the suite's filters, attached as evidence (a command).</summary>
    public const string FilterCounters = "dut.filter_counters";

    /// <summary>
    /// The policy selector's state as the DUT shows it (draft-yang-srv6ops-policy-selector-01): a command whose output the
    /// <c>pattern</c> regex reads once per constituent (groups name, priority, weight, segments) and the <c>class</c> regex
    /// once per class (groups name, priorities as "constituent priority" pairs separated by commas).
    /// </summary>
    public const string PolicySelectorState = "dut.policy_selector_state";
    public const string PolicySelectorMeasurement = "dut.policy_selector_measurement";

    /// <summary>Every verb a pack may list, with its meaning (for errors and <c>srv6conf platforms</c>).</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Ping] = "the DUT pings an address (its own echo requests)",
        [Traceroute] = "the DUT traceroutes an address",
        [Counters] = "per-SID packet counters",
        [SrPolicy] = "a case installs and removes a transient SR policy",
        [HmacPolicy] = "a case sets an interface's HMAC policy",
        [SetOFlagRate] = "a case changes the O-flag punt rate",
        [FilterCounters] = "the DUT's filter drop counters (evidence)",
        [PolicySelectorState] = "the policy selector's configuration and state (read-back)",
        [PolicySelectorMeasurement] = "the policy selector's quality measurement switched on and off by a case",
    };

    /// <summary>True for a capability name that is a platform verb (<c>dut.*</c>).</summary>
    public static bool IsVerb(string capability) => capability.StartsWith("dut.", StringComparison.Ordinal);
}
