using System.Net;
using System.Net.NetworkInformation;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Profiles;

/// <summary>Where a value came from in the profile file (1-based line/column).</summary>
public sealed record SourceLocation(string File, int Line, int Column);

/// <summary>An interface address with its prefix length, e.g. <c>2001:db8:0:1::2/64</c>.</summary>
public sealed record InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public IPNetwork Network => new(Mask(Address, PrefixLength), PrefixLength);

    public override string ToString() => $"{Address}/{PrefixLength}";

    internal static IPAddress Mask(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsInByte = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsInByte));
        }
        return new IPAddress(bytes);
    }
}

/// <summary>
/// A loaded and validated testbed profile: binding (<see cref="Testbed"/>), PICS (<see cref="Capabilities"/>),
/// PIXIT (<see cref="Parameters"/>) and the DUT's <see cref="KnownDeviations"/>.
/// </summary>
public sealed record Profile
{
    public const int CurrentFormatVersion = 1;

    public required string Name { get; init; }
    public string? Description { get; init; }
    public required int FormatVersion { get; init; }
    public required Testbed Testbed { get; init; }
    public required Capabilities Capabilities { get; init; }
    public required Parameters Parameters { get; init; }
    public required IReadOnlyList<KnownDeviation> KnownDeviations { get; init; }

    /// <summary>The path the profile was loaded from (or the source name given to <see cref="ProfileLoader.Parse"/>).</summary>
    public required string SourcePath { get; init; }

    /// <summary>Lower-case hex SHA-256 of the profile file's bytes, for reports.</summary>
    public required string Sha256 { get; init; }

    /// <summary>
    /// <see cref="Capabilities.Claims(string)"/>, and a behaviour with a compression flavor, "End.T+NEXT-C-SID": RFC 9800
    /// defines each flavor per behaviour (§4.1.1–§4.1.6, §4.2.1–§4.2.7) and an implementation may offer it on some of them
    /// only (Linux seg6local: NEXT-C-SID on End and End.X), so the combination is claimed where the behaviour and the flavor
    /// are claimed and the PIXIT instantiates it: a <c>parameters.sids</c> entry of that behaviour with <c>csid: { flavor: … }</c>.
    /// </summary>
    public bool Claims(string capability)
    {
        if (capability.Split('+') is [var b, var f] && SrVocabulary.TryParseBehavior(b, out var behavior) && SrVocabulary.TryParseFlavor(f, out var flavor)
            && flavor is SrFlavor.NextCSid or SrFlavor.ReplaceCSid)
        {
            var csid = flavor == SrFlavor.NextCSid ? Conformance.Harness.Packets.CsidFlavor.NextCsid : Conformance.Harness.Packets.CsidFlavor.ReplaceCsid;
            return Capabilities.Supports(behavior) && Capabilities.SupportsFlavor(flavor)
                && Parameters.Sids.Values.Any(s => s.Behavior == behavior && s.Csid is { } c && c.Flavor == csid);
        }
        return Capabilities.Claims(capability);
    }

    /// <summary>The SID named <paramref name="name"/> under <c>parameters.sids</c>.</summary>
    /// <exception cref="ProfileException">The profile does not define it; the message names <c>parameters.sids.&lt;name&gt;</c>.</exception>
    public SidDefinition GetSid(string name)
    {
        if (Parameters.Sids.TryGetValue(name, out var sid)) return sid;
        var at = Parameters.SidsLocation;
        var defined = Parameters.Sids.Count == 0 ? "none" : string.Join(", ", Parameters.Sids.Keys);
        throw new ProfileException(new ProfileError(
            at?.File ?? SourcePath, at?.Line ?? 0, at?.Column ?? 0, $"parameters.sids.{name}",
            $"this test case needs a SID named '{name}' but the profile does not define it; add " +
            $"'parameters.sids.{name}' with its behavior, flavors and address (defined SIDs: {defined})"));
    }

    public bool TryGetSid(string name, out SidDefinition sid)
    {
        if (Parameters.Sids.TryGetValue(name, out var found)) { sid = found; return true; }
        sid = null!;
        return false;
    }

    /// <summary>The symbolic address <paramref name="name"/> from <c>parameters.addresses</c>.</summary>
    public IPAddress GetAddress(string name)
    {
        if (Parameters.Addresses.TryGetValue(name, out var a)) return a;
        var at = Parameters.AddressesLocation;
        throw new ProfileException(new ProfileError(
            at?.File ?? SourcePath, at?.Line ?? 0, at?.Column ?? 0, $"parameters.addresses.{name}",
            $"this test case needs the address '{name}' but the profile does not define it " +
            $"(defined: {(Parameters.Addresses.Count == 0 ? "none" : string.Join(", ", Parameters.Addresses.Keys))})"));
    }

    /// <summary>The tester port called <paramref name="name"/> (t1, t2, …).</summary>
    public PortBinding GetTesterPort(string name) =>
        Testbed.TesterPorts.FirstOrDefault(p => p.Name == name)
        ?? throw new ProfileException(new ProfileError(SourcePath, 0, 0, "testbed.tester_ports",
            $"this test case needs tester port '{name}' but the profile defines only: " +
            $"{(Testbed.TesterPorts.Count == 0 ? "none" : string.Join(", ", Testbed.TesterPorts.Select(p => p.Name)))}"));

    /// <summary>
    /// The known deviations a run of this profile can observe: its own, and on a multi-DUT testbed each DUT node's profile's
    /// (a failure blamed on a DUT is excused only by that DUT's own list), each id once.
    /// </summary>
    public IReadOnlyList<KnownDeviation> RunDeviations =>
        [.. KnownDeviations.Concat(Testbed.Topology is { IsMultiDut: true } t ? t.DutNodes.SelectMany(d => d.Profile.KnownDeviations) : []).DistinctBy(d => d.Id)];

    /// <summary>Known deviations that cover the given test purpose id.</summary>
    public IReadOnlyList<KnownDeviation> DeviationsFor(string testPurposeId) =>
        KnownDeviations.Where(d => d.TestPurposes.Contains(testPurposeId, StringComparer.Ordinal)).ToArray();

    /// <summary>
    /// The secret values that can currently be resolved from the environment (SSH password, key passphrase, HMAC keys),
    /// so reporters can redact them. Never contains empty strings.
    /// </summary>
    public IReadOnlyList<string> SecretValues()
    {
        var list = new List<string>();
        foreach (var k in Parameters.HmacKeys)
            if (k.TryResolveSecret() is { } hs) list.Add(hs);
        var auth = Testbed.Ssh?.Auth;
        if (auth is null) return list;
        foreach (var name in new[] { auth.PasswordEnv, auth.KeyPassphraseEnv })
        {
            if (name is null) continue;
            var v = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(v)) list.Add(v);
        }
        return list;
    }
}

/// <summary>The binding of the abstract test suite to a concrete DUT.</summary>
public sealed record Testbed
{
    public required TestbedKind Kind { get; init; }
    /// <summary>Free-form platform id: linux, frr, iosxr, junos, …</summary>
    public required string Platform { get; init; }
    public required ExpectedIdentity Identity { get; init; }
    /// <summary>SSH access; null for a reference lab that does not override anything.</summary>
    public SshSettings? Ssh { get; init; }
    public required IReadOnlyList<PortBinding> TesterPorts { get; init; }
    /// <summary>A reference topology the DUT is one node of (null: the DUT alone between tester ports).</summary>
    public TopologyBinding? Topology { get; init; }
}

/// <summary>
/// The DUT as one node of a reference topology (<c>testbed.topology</c>): the topology's name
/// (<c>rfc9259-figure1</c>) and which router the DUT is. The tester ports are the topology's attachments.
/// A multi-DUT testbed (<c>testbed.topology.dut_nodes</c>) names several routers, each bound to its own DUT profile
/// (<see cref="DutNodes"/>); <see cref="DutNode"/> is then their names joined with '+' (no router's name).
/// </summary>
public sealed record TopologyBinding(string Name, string DutNode)
{
    /// <summary>The DUT nodes of a multi-DUT testbed, in the profile's order (empty for the single <c>dut_node</c> form).</summary>
    public IReadOnlyList<DutNodeBinding> DutNodes { get; init; } = [];
    /// <summary>True when the topology holds several DUTs (<c>dut_nodes</c>).</summary>
    public bool IsMultiDut => DutNodes.Count > 0;
    /// <summary>Every DUT node: the one of <c>dut_node</c>, or those of <c>dut_nodes</c>.</summary>
    public IReadOnlyList<string> AllDutNodes => IsMultiDut ? [.. DutNodes.Select(d => d.Node)] : [DutNode];
    /// <summary>
    /// A real router as the DUT node (kind ssh, <c>testbed.topology.links</c>): link name → the host NIC cabled to the router's
    /// port on that link, for every router link of the node (empty for a reference-lab DUT, whose links the lab makes).
    /// </summary>
    public IReadOnlyDictionary<string, string> Nics { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// The DUT node's links that face outside the SR domain (<c>testbed.topology.external_links</c>): its edge filter's
    /// external interfaces (RFC 8754 §5.1); empty when the node is not at the domain's edge.
    /// </summary>
    public IReadOnlyList<string> ExternalLinks { get; init; } = [];

    /// <summary>Equal when the topology, the DUT node(s), the DUT bindings and the NICs are (the lists by their items).</summary>
    public bool Equals(TopologyBinding? other) =>
        other is not null && Name == other.Name && DutNode == other.DutNode && DutNodes.SequenceEqual(other.DutNodes) && ExternalLinks.SequenceEqual(other.ExternalLinks)
        && Nics.OrderBy(x => x.Key, StringComparer.Ordinal).SequenceEqual(other.Nics.OrderBy(x => x.Key, StringComparer.Ordinal));

    public override int GetHashCode() => HashCode.Combine(Name, DutNode, DutNodes.Count);
}

/// <summary>
/// One DUT of a multi-DUT testbed: the topology's router it is and its own profile (platform pack, identity, SSH,
/// capabilities, SIDs), a single-DUT profile of the same topology whose <c>dut_node</c> is this router.
/// </summary>
public sealed record DutNodeBinding(string Node, Profile Profile);

/// <summary>What the driver expects to find on the DUT before it configures anything.</summary>
public sealed record ExpectedIdentity
{
    public required string Hostname { get; init; }
    public string? Serial { get; init; }
    public string? PlatformVersionPattern { get; init; }

    /// <summary>Compiled <see cref="PlatformVersionPattern"/> (1 s match timeout), or null.</summary>
    public Regex? PlatformVersionRegex => PlatformVersionPattern is null
        ? null
        : new Regex(PlatformVersionPattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

public sealed record SshSettings
{
    public const int DefaultPort = 22;

    /// <summary>IP address or DNS name; null for the reference lab (generated).</summary>
    public string? Host { get; init; }
    public int Port { get; init; } = DefaultPort;
    public string? User { get; init; }
    /// <summary>Null for the reference lab (generated).</summary>
    public SshAuth? Auth { get; init; }
    /// <summary>Pinned host key fingerprint, OpenSSH form <c>SHA256:</c> + 43 base64 characters; null for the reference lab.</summary>
    public string? HostKeySha256 { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The 32 bytes of the pinned host key hash, or null.</summary>
    public byte[]? HostKeySha256Bytes => HostKeySha256 is null ? null : Convert.FromBase64String(HostKeySha256["SHA256:".Length..] + "=");
}

/// <summary>SSH authentication. Holds only the NAMES of environment variables, never a secret.</summary>
public sealed record SshAuth
{
    /// <summary>Key file as written in the profile.</summary>
    public string? KeyFile { get; init; }
    /// <summary><see cref="KeyFile"/> resolved against the profile's directory.</summary>
    public string? KeyFilePath { get; init; }
    /// <summary>Name of the environment variable that holds the password.</summary>
    public string? PasswordEnv { get; init; }
    /// <summary>Name of the environment variable that holds the key passphrase.</summary>
    public string? KeyPassphraseEnv { get; init; }
    public SourceLocation? PasswordEnvLocation { get; init; }
    public SourceLocation? KeyPassphraseEnvLocation { get; init; }

    /// <summary>Reads the password from the environment variable named by <see cref="PasswordEnv"/>.</summary>
    /// <exception cref="InvalidOperationException">The profile uses key authentication.</exception>
    /// <exception cref="ProfileException">The variable is not set or empty; the message names it.</exception>
    public string ResolvePassword() => Resolve(PasswordEnv, PasswordEnvLocation, "testbed.ssh.auth.password_env", "password");

    /// <summary>The key passphrase, or null when <see cref="KeyPassphraseEnv"/> is not used.</summary>
    public string? ResolveKeyPassphrase() => KeyPassphraseEnv is null
        ? null
        : Resolve(KeyPassphraseEnv, KeyPassphraseEnvLocation, "testbed.ssh.auth.key_passphrase_env", "key passphrase");

    private static string Resolve(string? variable, SourceLocation? at, string field, string what)
    {
        if (variable is null)
            throw new InvalidOperationException($"the profile does not use a {what} ({field} is not set)");
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value)) return value;
        throw new ProfileException(new ProfileError(at?.File ?? "profile", at?.Line ?? 0, at?.Column ?? 0, field,
            $"environment variable '{variable}' is not set (or empty); it must hold the SSH {what}, " +
            $"e.g. `read -rs {variable} && export {variable}` before running"));
    }
}

/// <summary>One tester NIC and the DUT interface facing it.</summary>
public sealed record PortBinding
{
    public required string Name { get; init; }
    /// <summary>Tester NIC name; null for the reference lab (generated).</summary>
    public string? Interface { get; init; }
    public required string DutInterface { get; init; }
    public required PortRole Role { get; init; }
    public required InterfaceAddress TesterIpv6 { get; init; }
    public required IPAddress DutIpv6 { get; init; }
    public InterfaceAddress? TesterIpv4 { get; init; }
    public IPAddress? DutIpv4 { get; init; }
    public PhysicalAddress? TesterMac { get; init; }
    /// <summary>True when the NIC is used for nothing but testing.</summary>
    public required bool Dedicated { get; init; }
}

/// <summary>The PICS: what the DUT claims to implement.</summary>
public sealed record Capabilities
{
    public required IReadOnlySet<SrBehavior> Behaviors { get; init; }
    public required IReadOnlySet<SrFlavor> Flavors { get; init; }
    public required IReadOnlySet<HeadendBehavior> Headends { get; init; }
    public OamCapabilities Oam { get; init; } = new();
    public IcmpErrorCapabilities IcmpErrors { get; init; } = new();
    public HmacCapabilities Hmac { get; init; } = new();
    public bool SrDomainFiltering { get; init; }
    public bool PerSidCounters { get; init; }
    /// <summary>The SRv6 policy selector (draft-yang-srv6ops-policy-selector-01); not claimed unless <c>supported: true</c>.</summary>
    public PolicySelectorCapabilities PolicySelector { get; init; } = new();

    public bool Supports(SrBehavior behavior) => Behaviors.Contains(behavior);
    /// <summary>By RFC name, e.g. "End.X". Unknown names throw (a typo in a test case must not become a silent skip).</summary>
    public bool Supports(string behaviorName) => Supports(SrVocabulary.ParseBehavior(behaviorName));
    public bool SupportsFlavor(SrFlavor flavor) => Flavors.Contains(flavor);
    public bool SupportsFlavor(string flavorName) => SupportsFlavor(SrVocabulary.ParseFlavor(flavorName));
    public bool SupportsHeadend(HeadendBehavior headend) => Headends.Contains(headend);
    public bool SupportsHeadend(string headendName) => SupportsHeadend(SrVocabulary.ParseHeadend(headendName));

    /// <summary>
    /// Generic claim lookup used by test cases to decide whether to skip. Accepts a behavior, flavor or headend
    /// name ("End.X", "PSP", "H.Encaps"), an HMAC algorithm as "hmac.sha256", or a boolean field path
    /// relative to <c>capabilities</c> ("oam.ping_to_sid", "icmp_errors.parameter_problem", "hmac",
    /// "hmac.supported", "sr_domain_filtering", "per_sid_counters").
    /// </summary>
    /// <exception cref="ArgumentException">Unknown capability name.</exception>
    public bool Claims(string capability)
    {
        if (SrVocabulary.TryParseBehavior(capability, out var b)) return Supports(b);
        if (SrVocabulary.TryParseFlavor(capability, out var f)) return SupportsFlavor(f);
        if (SrVocabulary.TryParseHeadend(capability, out var h)) return SupportsHeadend(h);
        if (capability.StartsWith("hmac.", StringComparison.Ordinal)
            && SrVocabulary.TryParseHmacAlgorithm(capability["hmac.".Length..], out var alg))
            return Hmac.Supported && Hmac.Algorithms.Contains(alg);
        return capability switch
        {
            "hmac" or "hmac.supported" => Hmac.Supported,
            "oam.o_flag_processing" => Oam.OFlagProcessing,
            "oam.o_flag_rate_limit" => Oam.OFlagRateLimit,
            "oam.ping_to_sid" => Oam.PingToSid,
            "oam.traceroute_to_sid" => Oam.TracerouteToSid,
            "icmp_errors.parameter_problem" => IcmpErrors.ParameterProblem,
            "icmp_errors.time_exceeded" => IcmpErrors.TimeExceeded,
            "icmp_errors.packet_too_big" => IcmpErrors.PacketTooBig,
            "sr_domain_filtering" => SrDomainFiltering,
            "per_sid_counters" => PerSidCounters,
            "policy_selector" => PolicySelector.Supported,
            "policy_selector.weights" => PolicySelector.Supported && PolicySelector.Weights,
            "policy_selector.wait_to_restore" => PolicySelector.Supported && PolicySelector.WaitToRestore,
            "policy_selector.loss" => PolicySelector.Supported && PolicySelector.QualityMetrics.Contains(SelectorMetric.Loss),
            "policy_selector.delay" => PolicySelector.Supported && PolicySelector.QualityMetrics.Contains(SelectorMetric.Delay),
            "policy_selector.remaining_bandwidth" => PolicySelector.Supported && PolicySelector.QualityMetrics.Contains(SelectorMetric.RemainingBandwidth),
            _ => throw new ArgumentException(
                $"unknown capability '{capability}'; use a behavior ({string.Join(", ", SrVocabulary.BehaviorNames)}), " +
                $"a flavor ({string.Join(", ", SrVocabulary.FlavorNames)}), a headend ({string.Join(", ", SrVocabulary.HeadendNames)}) " +
                "or a field such as oam.ping_to_sid, icmp_errors.time_exceeded, hmac.sha256, sr_domain_filtering, per_sid_counters, policy_selector, policy_selector.weights, policy_selector.loss",
                nameof(capability)),
        };
    }
}

public sealed record OamCapabilities
{
    public bool OFlagProcessing { get; init; }
    public bool OFlagRateLimit { get; init; }
    public bool PingToSid { get; init; }
    public bool TracerouteToSid { get; init; }
}

public sealed record IcmpErrorCapabilities
{
    public bool ParameterProblem { get; init; }
    public bool TimeExceeded { get; init; }
    public bool PacketTooBig { get; init; }
}

public sealed record HmacCapabilities
{
    public bool Supported { get; init; }
    public IReadOnlySet<HmacAlgorithm> Algorithms { get; init; } = new HashSet<HmacAlgorithm>();
}

/// <summary>The PIXIT: values the test cases need to run against this DUT.</summary>
public sealed record Parameters
{
    public required IPNetwork SidBlock { get; init; }
    public required IPNetwork Locator { get; init; }
    public required IReadOnlyDictionary<string, SidDefinition> Sids { get; init; }
    public required IReadOnlyDictionary<string, IPAddress> Addresses { get; init; }
    public OFlagParameters? OFlag { get; init; }
    public TimeoutParameters Timeouts { get; init; } = new();
    /// <summary>Upper bounds on what a single case may send (<c>parameters.traffic</c>); the tester ports enforce them.</summary>
    public Tester.TrafficLimits Traffic { get; init; } = Tester.TrafficLimits.ProfileDefault;
    /// <summary>HMAC keys (RFC 8754 §2.1.2) the DUT is configured with; the secrets stay in environment variables.</summary>
    public IReadOnlyList<HmacKey> HmacKeys { get; init; } = [];
    /// <summary>
    /// Source prefixes inside the SR domain (RFC 8754 §5.1: only these may send to the domain's SIDs).
    /// Empty when the profile does not declare a source-address policy.
    /// </summary>
    public IReadOnlyList<IPNetwork> InsideSources { get; init; } = [];
    /// <summary>The parent SRv6 policy of the policy selector (draft-yang-srv6ops-policy-selector-01), null when the profile has none.</summary>
    public PolicySelectorParameters? PolicySelector { get; init; }
    /// <summary>
    /// Headend SR policies the DUT is configured with (<c>parameters.headend_policies</c>, RFC 8986 §5): traffic to a steered
    /// prefix (IPv6 or IPv4) encapsulated with a segment list. A topology DUT's services (e.g. TP-IOP-BV-06); empty when none.
    /// </summary>
    public IReadOnlyList<HeadendPolicy> HeadendPolicies { get; init; } = [];
    public SourceLocation? SidsLocation { get; init; }
    public SourceLocation? AddressesLocation { get; init; }
}

/// <summary>
/// An HMAC key of the DUT (RFC 8754 §2.1.2): key id, algorithm, and the NAME of the environment variable
/// holding the secret — never the secret itself.
/// </summary>
public sealed record HmacKey
{
    public required uint KeyId { get; init; }
    public required HmacAlgorithm Algorithm { get; init; }
    public required string SecretEnv { get; init; }
    public SourceLocation? Location { get; init; }

    /// <summary>The secret, or null when the variable is unset or empty.</summary>
    public string? TryResolveSecret() => Environment.GetEnvironmentVariable(SecretEnv) is { Length: > 0 } v ? v : null;

    /// <summary>The secret from <see cref="SecretEnv"/>; an unset variable is a profile error naming it.</summary>
    public string ResolveSecret() => TryResolveSecret() ?? throw new ProfileException(new ProfileError(
        Location?.File ?? "profile", Location?.Line ?? 0, Location?.Column ?? 0, "parameters.hmac_keys[].secret_env",
        $"environment variable '{SecretEnv}' is not set (or empty); it must hold the secret of HMAC key {KeyId}, " +
        $"e.g. `read -rs {SecretEnv} && export {SecretEnv}` before running"));
}

/// <summary>A headend SR policy of the DUT (RFC 8986 §5): <see cref="Steer"/> (IPv6 or IPv4) into <see cref="Segments"/> (first to visit first).</summary>
public sealed record HeadendPolicy(string Name, HeadendBehavior Behavior, IPNetwork Steer, IReadOnlyList<IPAddress> Segments);

/// <summary>One SID instantiated on the DUT.</summary>
public sealed record SidDefinition
{
    public required string Name { get; init; }
    public required SrBehavior Behavior { get; init; }
    public required IReadOnlySet<SrFlavor> Flavors { get; init; }
    public required IPAddress Address { get; init; }
    /// <summary>Adjacency / cross-connect next hop (End.X, End.DX4, End.DX6).</summary>
    public IPAddress? NextHop { get; init; }
    /// <summary>Outgoing interface on the DUT (End.X, End.DX2).</summary>
    public string? Interface { get; init; }
    /// <summary>Lookup table / VRF (End.T, End.DT*).</summary>
    public string? Table { get; init; }
    /// <summary>Segment list of the bound policy (End.B6.Encaps, End.B6.Encaps.Red).</summary>
    public IReadOnlyList<IPAddress> Segments { get; init; } = [];
    /// <summary>
    /// The SID's C-SID structure (profile <c>csid: { flavor, block_bits, csid_bits }</c>, RFC 9800 §4.1/§4.2): its
    /// flavor, Locator-Block length (LBL) and C-SID length (LNFL); null for a SID without compression. <see cref="Address"/>
    /// is then the SID with Argument 0, and the SID covers <see cref="PrefixLength"/> bits (any Argument).
    /// </summary>
    public Conformance.Harness.Packets.CsidStructure? Csid { get; init; }
    /// <summary>The SID's prefix: LBL + LNFL bits for a C-SID SID (it accepts any Argument, RFC 9800 §4.1), else 128.</summary>
    public int PrefixLength => Csid is { } c ? c.BlockBits + c.CsidBits : 128;

    public bool Has(SrFlavor flavor) => Flavors.Contains(flavor);

    /// <summary>
    /// Set when the device allocated this SID itself (its pack's <c>templates.dynamic_sids</c>) and the suite learned
    /// <see cref="Address"/> from the device after the commit; null for a SID configured at the profile's address.
    /// </summary>
    public LearnedSid? Learned { get; init; }
}

/// <summary>How a SID's address was learned: the profile's address it replaced, the command and the pack descriptor that said how.</summary>
public sealed record LearnedSid(IPAddress ProfileAddress, string Command, string Pack)
{
    public override string ToString() => $"learned from `{Command}` ({Pack}; the profile gives {ProfileAddress})";
}

public sealed record OFlagParameters
{
    /// <summary>The punt rate the DUT is configured with for the run (rate_per_second; default: the first of rates_per_second, else 10).</summary>
    public int RatePerSecond { get; init; }
    /// <summary>
    /// The punt rates the rate-limit case measures, one parameterisation each (rates_per_second; default: just
    /// <see cref="RatePerSecond"/>). A rate other than the configured one needs the DUT reconfigured for it.
    /// </summary>
    public IReadOnlyList<int> RatesPerSecond { get; init; } = [];
    public int Burst { get; init; }
    /// <summary>Name of the tester port on which O-flag copies / telemetry are collected.</summary>
    public string? CollectorPort { get; init; }
}

public sealed record TimeoutParameters
{
    public TimeSpan Capture { get; init; } = TimeSpan.FromMilliseconds(2000);
    public TimeSpan SshCommand { get; init; } = TimeSpan.FromMilliseconds(30000);
}

/// <summary>A documented, accepted divergence of the DUT from an RFC requirement.</summary>
public sealed record KnownDeviation
{
    public required string Id { get; init; }
    public required IReadOnlyList<string> TestPurposes { get; init; }
    /// <summary>Optional and redundant: the cited requirement is the test purpose's catalogue entry (kept for profiles written before the catalogue).</summary>
    public string? Rfc { get; init; }
    /// <summary>Optional and redundant, as <see cref="Rfc"/>.</summary>
    public string? Requirement { get; init; }
    public required string Observed { get; init; }
    public required string Reason { get; init; }
}
