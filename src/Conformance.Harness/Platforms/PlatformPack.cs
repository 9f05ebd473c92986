using System.Text.RegularExpressions;

namespace Conformance.Harness.Platforms;

/// <summary>How trustworthy a pack is: read from documentation only, run on the reference lab, or run on hardware.</summary>
public enum PackVerification { Documentation, ReferenceLab, Hardware }

/// <summary>The kind of session a pack drives: a router CLI (modes, candidate configuration, commit) or a POSIX shell.</summary>
public enum SessionDriver { Cli, Shell }

/// <summary>A source a pack's templates cite by id (<c># src: &lt;id&gt; …</c>).</summary>
public sealed record PackSource(string Id, string Title, string Url);

/// <summary>An interactive question the router may ask and the answer the driver types.</summary>
public sealed record PackQuestion(Regex Pattern, string Answer);

/// <summary>The session section of <c>platform.yaml</c>: how to talk to the DUT (docs/platform-packs.md).</summary>
public sealed record PackSession
{
    public required SessionDriver Driver { get; init; }
    /// <summary>Prompt regexes per mode (exec, config); empty for the shell driver.</summary>
    public IReadOnlyDictionary<string, Regex> Prompts { get; init; } = new Dictionary<string, Regex>();
    public IReadOnlyList<string> DisablePaging { get; init; } = [];
    public string? EnterConfig { get; init; }
    public string? LeaveConfig { get; init; }
    public string? Commit { get; init; }
    public string? CommitConfirmed { get; init; }
    public string? Confirm { get; init; }
    public string? Abort { get; init; }
    public string? Rollback { get; init; }
    /// <summary>How to read the configuration checkpoint <see cref="Rollback"/> returns to (<c>{{checkpoint}}</c>); group <c>id</c>.</summary>
    public PackProbe? Checkpoint { get; init; }
    public IReadOnlyList<PackQuestion> Questions { get; init; } = [];
    /// <summary>A line matching one of these means the DUT rejected the command.</summary>
    public IReadOnlyList<Regex> ErrorPatterns { get; init; } = [];
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>A command and the regex with named groups that reads a value from its output.</summary>
public sealed record PackProbe(string Command, Regex Pattern);

/// <summary>The identity section: how the suite asks the DUT who it is.</summary>
public sealed record PackIdentity(string Command, IReadOnlyList<Regex> Patterns, PackProbe? Hostname, PackProbe? Serial);

/// <summary>
/// The state section: snapshot and diff commands, the per-SID counters (when the platform has them) and the SID table
/// (<see cref="SidTable"/>: where the suite learns the SIDs the device allocates itself, <c>templates.dynamic_sids</c>).
/// </summary>
public sealed record PackState(string Snapshot, string? Diff, PackCounters? Counters)
{
    public PackCounters? SidTable { get; init; }
}

/// <summary>
/// A show command and how to read its output into rows of named fields: per-SID counters (<c>state.counters</c>: fields
/// <c>sid</c>, <c>packets</c>, optional <c>bytes</c>, <c>errors</c>) or the SID table (<c>state.sid_table</c>: <c>sid</c>,
/// <c>name</c>, optional <c>behavior</c>). <see cref="Format"/> <c>regex</c>: <see cref="Pattern"/> with named groups, one
/// match per row. <c>json</c> / <c>xml</c> (structured output, e.g. <c>| json</c>, <c>| display json</c>, <c>| display xml</c>):
/// <see cref="Rows"/> is the path to the rows and <see cref="Fields"/> the path of each field inside a row (see
/// <see cref="PackTableReader"/>).
/// </summary>
public sealed record PackCounters(string Command, string Format, Regex? Pattern)
{
    /// <summary>Path (names joined by '.') from the document's root to the rows (json, xml); empty: the root is the row list.</summary>
    public string Rows { get; init; } = "";
    /// <summary>Field → path inside one row (names joined by '.'; in xml <c>@name</c> is an attribute).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    /// <summary>Where the descriptor declares this (file:line:column), for errors about what the device printed.</summary>
    public string? DeclaredAt { get; init; }
}

/// <summary>
/// The templates section: which intent items the pack can render (a missing entry is not claimable on the platform),
/// the platform's word per flavor and per exact flavor combination.
/// </summary>
public sealed record PackTemplates
{
    public string? Locator { get; init; }
    /// <summary>
    /// The locator of one compressed SID (RFC 9800) outside the profile's locator: its block + node C-SID prefix and its
    /// C-SID structure (placeholders <c>locator_name</c>, <c>locator</c>, <c>csid_flavor</c>, <c>block_bits</c>, <c>csid_bits</c>).
    /// </summary>
    public string? CsidLocator { get; init; }
    public IReadOnlyDictionary<string, string> Sid { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Flavors { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> FlavorSets { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Headend { get; init; } = new Dictionary<string, string>();
    public string? EdgeFilter { get; init; }
    public string? HmacKey { get; init; }
    public string? HmacPolicy { get; init; }
    public string? OFlag { get; init; }
    /// <summary>One static route of the DUT's surroundings (intent routes), for router packs.</summary>
    public string? Route { get; init; }
    /// <summary>
    /// One hidden implementation defect of the DUT switched on (placeholder <c>fault</c>): only the suite's own reference node
    /// has such switches, and only a negative-control fault mode sets them (<see cref="Intent.Srv6Intent.NodeDebugFaults"/>).
    /// </summary>
    public string? DebugFault { get; init; }
    /// <summary>
    /// The policy selector (draft-yang-srv6ops-policy-selector-01): <c>constituent</c> rendered per constituent SRv6 policy,
    /// <c>class</c> per traffic class (placeholders in docs/platform-packs.md).
    /// </summary>
    public IReadOnlyDictionary<string, string> PolicySelector { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Knobs { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// Behaviours whose SID the device allocates itself (the template does not pin the profile's address): after the
    /// commit the suite learns each such SID from <c>state.sid_table</c> by its name, and the cases use the learned address.
    /// </summary>
    public IReadOnlySet<string> DynamicSids { get; init; } = new HashSet<string>();
}

/// <summary>
/// One platform verb: what a case asks the DUT to do itself (ping, traceroute, read its filter counters…).
/// <see cref="Command"/> is rendered with the verb's placeholders; <see cref="Use"/> delegates to another section
/// (e.g. <c>state.counters</c>, <c>templates.headend</c>); <see cref="Output"/> names a built-in reader of the
/// output (e.g. <c>linux-traceroute</c>) where regexes are not enough.
/// </summary>
public sealed record PackVerb(string Name, string? Command, string? Use, string? Output, IReadOnlyDictionary<string, Regex> Patterns);

/// <summary>
/// A platform pack: <c>dut-configs/&lt;platform&gt;/platform.yaml</c> and its templates, loaded by
/// <see cref="PlatformPackLoader"/>. Data only: adding a platform needs no C# (docs/platform-packs.md).
/// </summary>
public sealed record PlatformPack
{
    public required string Platform { get; init; }
    public required string Directory { get; init; }
    public required string DescriptorPath { get; init; }
    public required string Vendor { get; init; }
    public required string Os { get; init; }
    public required PackVerification Verification { get; init; }
    public string? VerificationNote { get; init; }
    public IReadOnlyList<PackSource> Sources { get; init; } = [];
    public required PackSession Session { get; init; }
    public PackIdentity? Identity { get; init; }
    public PackState? State { get; init; }
    public PackTemplates Templates { get; init; } = new();
    public IReadOnlyDictionary<string, PackVerb> Verbs { get; init; } = new Dictionary<string, PackVerb>();

    /// <summary>The verification as platform.yaml writes it (documentation, reference-lab, hardware).</summary>
    public string VerificationName => Verification switch
    {
        PackVerification.Documentation => "documentation",
        PackVerification.ReferenceLab => "reference-lab",
        _ => "hardware",
    };

    /// <summary>True when the pack offers the platform verb <paramref name="verb"/> (e.g. <c>dut.ping</c>).</summary>
    public bool Offers(string verb) => Verbs.ContainsKey(verb);

    /// <summary>The verb, or an explanation naming the descriptor.</summary>
    public PackVerb Verb(string verb) => Verbs.TryGetValue(verb, out var v) ? v
        : throw new InvalidOperationException($"{DescriptorPath}: platform {Platform} offers no verb {verb} (verbs: {(Verbs.Count == 0 ? "none" : string.Join(", ", Verbs.Keys))}).");

    /// <summary>Template file of an item, resolved under the pack's folder.</summary>
    public string TemplatePath(string relative) => Path.Combine(Directory, relative);
}
