using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.RegularExpressions;
using Conformance.Harness.Intent;
using Conformance.Harness.Profiles;
using Conformance.Harness.Templates;

namespace Conformance.Harness.Platforms;

/// <summary>One intent item rendered with a pack template: what it is, the template, the configuration lines and, per line, its template file:line.</summary>
public sealed record RenderedItem(string Item, string Template, IReadOnlyList<string> Lines)
{
    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>
/// A pack's rendering of an intent: the configuration lines per item, and the items the pack cannot render (no
/// template, a flavor without the platform's word, a SID outside the locator) — each one a capability the pack cannot
/// claim, named with the descriptor key that is missing.
/// </summary>
public sealed record PackRendering(IReadOnlyList<RenderedItem> Items, IReadOnlyList<string> NotRenderable)
{
    public IReadOnlyList<string> Lines => [.. Items.SelectMany(i => i.Lines)];

    /// <summary>Every line with the template file:line it came from (for the session driver's errors).</summary>
    public IReadOnlyList<(string Line, string? Source)> LinesWithSources =>
        [.. Items.SelectMany(i => i.Lines.Select((l, k) => (l, k < i.Sources.Count ? i.Sources[k] : (string?)null)))];
}

/// <summary>
/// Renders a <see cref="Srv6Intent"/> with a platform pack's templates (docs/platform-packs.md, "Placeholders per
/// intent item" and the additions requested by the vendor packs). Pure: no device, no session. Template comments
/// (<c>#</c>) are dropped; a line using a list placeholder (<c>segment</c>, <c>segment_index</c>, <c>flavor</c>,
/// <c>inside_source</c>) is rendered once per element and left out for an empty list; an unknown placeholder is an
/// error naming the template's file and line. Secrets are rendered as <see cref="RedactedSecret"/> unless
/// <paramref name="secrets"/> resolves them (the dry run never does).
/// </summary>
public static partial class PackRenderer
{
    public const string LocatorName = "srv6conf";
    public const string BlockName = "srv6conf";
    public const string RedactedSecret = "<secret from the environment>";
    public static readonly IPNetwork SidPrefix = IPNetwork.Parse("5f00::/16");

    private static readonly string[] ListPlaceholders = ["segment", "segment_index", "flavor", "inside_source", "srh_to_local", "source_check_interface", "hmac_policy", "punt_rate", "no_punt_rate",
        "loss_threshold", "delay_threshold", "bandwidth_threshold", "wait_to_restore", "match_dscp", "match_source_prefix", "match_destination_port", "match_flow_label", "class_priority", "measurement_on", "measurement_off"];
    private static readonly SrFlavor[] FlavorOrder = [SrFlavor.Psp, SrFlavor.Usp, SrFlavor.Usd, SrFlavor.NextCSid, SrFlavor.ReplaceCSid];

    public static PackRendering Render(PlatformPack pack, Srv6Intent intent, Func<IntentHmacKey, string?>? secrets = null)
    {
        var items = new List<RenderedItem>();
        var missing = new List<string>();
        var t = pack.Templates;
        var functionBits = FunctionBits(intent);
        // Node-wide knobs and per-interface settings (templates.knobs.node / knobs.interface), for router packs: the
        // Linux reference renders its knobs as sysctls in LinuxIntentRenderer.
        if (pack.Session.Driver == SessionDriver.Cli && t.Knobs.TryGetValue("node", out var nodeKnobs))
            items.Add(Item(pack, "node knobs", nodeKnobs, KnobValues(intent.Knobs), []));
        if (pack.Session.Driver == SessionDriver.Cli && t.Knobs.TryGetValue("interface", out var ifKnobs))
            foreach (var i in intent.Interfaces)
                items.Add(Item(pack, $"interface {i.Name}", ifKnobs, new()
                {
                    ["interface"] = i.Name, ["dut_if"] = i.Name, ["role"] = i.Role == PortRole.External ? "external" : "internal",
                    ["seg6_enabled"] = i.Srv6Enabled ? "1" : "0", ["srv6"] = i.Srv6Enabled ? "enable" : "disable",
                }, new() { ["hmac_policy"] = i.Hmac == HmacPolicy.Default ? [] : [HmacPolicyWord(i.Hmac)] }));
        if (t.Locator is { } loc)
            items.Add(Item(pack, "locator", loc, LocatorValues(intent, functionBits), []));
        else if (intent.Sids.Count > 0)
            missing.Add("locator: no templates.locator (the SIDs' locator cannot be configured)");

        foreach (var sid in intent.Sids)
        {
            var behavior = sid.Behavior.Name();
            if (!t.Sid.TryGetValue(behavior, out var file)) { missing.Add($"SID {sid.Name} ({behavior}): no templates.sid.{behavior}"); continue; }
            var (sidLocator, sidLocatorName) = (intent.Locator, LocatorName);
            if (sid.Csid is { } csid && !intent.Locator.Contains(sid.Address))
            {
                // A compressed SID in a block of its own (RFC 9800): its locator is the block + node C-SID prefix, with the structure.
                if (t.CsidLocator is not { } cl) { missing.Add($"SID {sid.Name} ({sid.Address}, C-SID) is outside the locator {intent.Locator}: no templates.csid_locator for its own"); continue; }
                var flavor = csid.Flavor == Packets.CsidFlavor.NextCsid ? SrFlavor.NextCSid : SrFlavor.ReplaceCSid;
                if (!t.Flavors.TryGetValue(flavor.Name(), out var word)) { missing.Add($"SID {sid.Name}: flavor {flavor.Name()} has no word in templates.flavors"); continue; }
                (sidLocator, sidLocatorName) = (Masked(sid.Address, sid.PrefixLength), $"{LocatorName}-{sid.Name}");
                items.Add(Item(pack, $"C-SID locator of {sid.Name}", cl, new()
                {
                    ["locator_name"] = sidLocatorName, ["locator"] = sidLocator.ToString(), ["csid_flavor"] = word,
                    ["block_bits"] = csid.BlockBits.ToString(CultureInfo.InvariantCulture), ["csid_bits"] = csid.CsidBits.ToString(CultureInfo.InvariantCulture),
                }, []));
            }
            else if (!intent.Locator.Contains(sid.Address)) { missing.Add($"SID {sid.Name} ({sid.Address}) is outside the locator {intent.Locator}: no function to configure"); continue; }
            var flavors = FlavorOrder.Where(sid.Has).ToList();
            var words = new List<string>();
            var unnamed = flavors.Where(f => !t.Flavors.ContainsKey(f.Name())).ToList();
            var setKey = flavors.Count == 0 ? "none" : string.Join('+', flavors.Select(f => f.Name()));
            var usesSet = TemplateUses(pack, file, "flavor_set");
            if (usesSet && !t.FlavorSets.ContainsKey(setKey)) { missing.Add($"SID {sid.Name}: flavors {setKey} have no templates.flavor_sets.{setKey}"); continue; }
            if (!usesSet && unnamed.Count > 0) { missing.Add($"SID {sid.Name}: flavor {string.Join(", ", unnamed.Select(f => f.Name()))} has no word in templates.flavors"); continue; }
            words.AddRange(flavors.Where(f => t.Flavors.ContainsKey(f.Name())).Select(f => t.Flavors[f.Name()]));
            var function = Function(sidLocator, sid.Address, Math.Min(functionBits, 128 - sidLocator.PrefixLength));
            var (ifName, ifUnit) = SplitInterface(sid.Interface ?? "");
            var values = new Dictionary<string, string>
            {
                ["name"] = sid.Name, ["sid"] = sid.Address.ToString(), ["sid_prefix_length"] = sid.PrefixLength.ToString(CultureInfo.InvariantCulture),
                ["locator_name"] = sidLocatorName, ["function"] = function.ToString("x", CultureInfo.InvariantCulture),
                ["function_dec"] = function.ToString(CultureInfo.InvariantCulture), ["function_opcode"] = Opcode(sidLocator, sid.Address).ToString(),
                ["flavors"] = string.Join(' ', words), ["flavor_set"] = t.FlavorSets.GetValueOrDefault(setKey, ""),
                ["next_hop"] = sid.NextHop?.ToString() ?? "", ["interface"] = sid.Interface ?? "", ["interface_name"] = ifName, ["interface_unit"] = ifUnit,
                ["table"] = sid.Table ?? "", ["vrf"] = sid.Table ?? "default",
                ["segments"] = string.Join(',', sid.Segments), ["segments_space"] = string.Join(' ', sid.Segments),
                ["counters"] = sid.Counters ? "true" : "false",
            };
            items.Add(Item(pack, $"sid {sid.Name} ({behavior})", file, values, new() { ["flavor"] = words, ["segment"] = [.. sid.Segments.Select(s => s.ToString())] }));
        }

        foreach (var h in intent.Headends)
        {
            var behavior = h.Behavior.Name();
            if (!t.Headend.TryGetValue(behavior, out var file)) { missing.Add($"headend {h.Name} ({behavior}): no templates.headend.{behavior}"); continue; }
            items.Add(HeadendItem(pack, h));
        }

        if (intent.EdgeFilter is { } ef)
        {
            if (t.EdgeFilter is not { } file) missing.Add("edge filter: no templates.edge_filter");
            else
            {
                var inside = ef.SourceChecks.SelectMany(s => s.InsideSources).Select(p => p.ToString()).Distinct().ToList();
                var checkedInterfaces = ef.SourceChecks.Select(s => s.Interface).Distinct().ToList();
                var srhRule = TemplateUses(pack, file, "srh_to_local");
                foreach (var iface in ef.Rules.Select(r => r.Interface).Distinct())
                {
                    var (n, u) = SplitInterface(iface);
                    var values = new Dictionary<string, string>
                    {
                        ["interface"] = iface, ["interface_name"] = n, ["interface_unit"] = u, ["sid_block"] = intent.SidBlock.ToString(),
                        ["sid_prefix"] = SidPrefix.ToString(), ["locator"] = intent.Locator.ToString(), ["inside_sources"] = string.Join(',', inside),
                    };
                    items.Add(Item(pack, $"edge filter on {iface}", file, values, new()
                    {
                        ["inside_source"] = inside, ["source_check_interface"] = checkedInterfaces,
                        // A list of one empty value when this interface has the SRH-to-local rule: a line using it is rendered once, else left out.
                        ["srh_to_local"] = ef.Rules.Any(r => r.Interface == iface && r.Kind == EdgeRuleKind.SrhToLocal) ? [""] : [],
                    }));
                }
                if (!srhRule && ef.Rules.Any(r => r.Kind == EdgeRuleKind.SrhToLocal))
                    missing.Add("edge filter: the SRH-to-local rule (RFC 8754 §5.1): the pack's edge_filter template has no line using {{srh_to_local}}");
            }
        }

        foreach (var k in intent.HmacKeys)
        {
            if (t.HmacKey is not { } file) { missing.Add($"HMAC key {k.KeyId}: no templates.hmac_key"); continue; }
            items.Add(Item(pack, $"HMAC key {k.KeyId}", file, new()
            {
                ["key_id"] = k.KeyId.ToString(CultureInfo.InvariantCulture), ["algorithm"] = k.Algorithm.Name(),
                ["secret"] = secrets?.Invoke(k) ?? RedactedSecret,
            }, []));
        }

        if (t.Route is { } routeFile)
            foreach (var r in intent.Routes)
                items.Add(Item(pack, $"route {r}", routeFile, new()
                {
                    ["prefix"] = r.Prefix.ToString(), ["next_hop"] = r.NextHop.ToString(), ["interface"] = r.Interface,
                    ["route_table"] = r.Table ?? "main", ["family"] = r.Prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "ipv4" : "ipv6",
                }, []));

        if (intent.OFlag is { } o)
        {
            var (collector, collectorInterface) = (o.Collector, o.CollectorInterface);
            if (o.Export == OFlagExport.ToTopologyController && TopologyExport(pack, o, missing) is { } export)
            {
                items.Add(export);
                (collector, collectorInterface) = (Topology.TopologyLab.ExportKey, "");
            }
            if (t.OFlag is not { } file) missing.Add("O-flag: no templates.oflag");
            else items.Add(Item(pack, "O-flag", file, new()
            {
                ["sids"] = string.Join(',', o.Sids), ["rate_per_second"] = o.RatePerSecond?.ToString(CultureInfo.InvariantCulture) ?? "",
                ["burst"] = o.Burst.ToString(CultureInfo.InvariantCulture), ["collector"] = collector?.ToString() ?? "",
                ["collector_interface"] = collectorInterface ?? "",
            }, new()
            {
                // A line with {{punt_rate}} is rendered once with the rate when the profile claims one and left out otherwise;
                // a line with {{no_punt_rate}} exactly when it claims none (e.g. the node's `no punt-rate`).
                ["punt_rate"] = o.RatePerSecond is { } rate ? [rate.ToString(CultureInfo.InvariantCulture)] : [],
                ["no_punt_rate"] = o.RatePerSecond is null ? [""] : [],
            }));
        }
        if (intent.PolicySelector is { } ps) items.AddRange(PolicySelectorItems(pack, ps, missing));
        // A negative control's implementation defects (reference node only; never from a profile).
        foreach (var f in intent.NodeDebugFaults)
        {
            if (t.DebugFault is not { } file) { missing.Add($"debug fault {f}: no templates.debug_fault (only the reference node has debug faults)"); continue; }
            items.Add(Item(pack, $"debug fault {f}", file, new() { ["fault"] = f }, []));
        }
        return new PackRendering(items, missing);
    }

    /// <summary>
    /// The policy selector (templates.policy_selector.constituent per constituent, .class per class). Placeholders: parent,
    /// steer, name; constituent: segments, segments_space, priority, weight and the lists (0 or 1 element) loss_threshold,
    /// delay_threshold, bandwidth_threshold, wait_to_restore; class: the lists match_dscp, match_source_prefix,
    /// match_destination_port, match_flow_label (one element per value) and class_priority ("constituent priority" per entry).
    /// </summary>
    private static IEnumerable<RenderedItem> PolicySelectorItems(PlatformPack pack, IntentPolicySelector ps, List<string> missing)
    {
        var t = pack.Templates.PolicySelector;
        if (!t.TryGetValue("constituent", out var cf))
        {
            missing.Add($"policy selector {ps.Parent}: no templates.policy_selector.constituent");
            yield break;
        }
        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        static List<string> Opt(long? v) => v is { } x ? [N(x)] : [];
        foreach (var c in ps.Constituents)
            yield return Item(pack, $"policy selector {ps.Parent} constituent {c.Name}", cf, new()
            {
                ["parent"] = ps.Parent, ["steer"] = ps.Steer.ToString(), ["name"] = c.Name, ["segments"] = string.Join(',', c.Segments),
                ["segments_space"] = string.Join(' ', c.Segments), ["priority"] = N(c.Priority), ["weight"] = N(c.Weight),
            }, new()
            {
                ["segment"] = [.. c.Segments.Select(x => x.ToString())], ["loss_threshold"] = Opt(c.Thresholds.LossPercent),
                ["delay_threshold"] = Opt(c.Thresholds.DelayMs), ["bandwidth_threshold"] = Opt(c.Thresholds.RemainingBandwidthMbps),
                ["wait_to_restore"] = c.WaitToRestoreSeconds > 0 ? [N(c.WaitToRestoreSeconds)] : [],
            });
        if (ps.Classes.Count == 0) yield break;
        if (!t.TryGetValue("class", out var kf))
        {
            missing.Add($"policy selector {ps.Parent}: no templates.policy_selector.class (its {ps.Classes.Count} classes cannot be configured)");
            yield break;
        }
        foreach (var k in ps.Classes)
            yield return Item(pack, $"policy selector {ps.Parent} class {k.Name}", kf, new()
            {
                ["parent"] = ps.Parent, ["steer"] = ps.Steer.ToString(), ["name"] = k.Name,
            }, new()
            {
                ["match_dscp"] = [.. k.Match.Dscp.Select(x => N(x))], ["match_source_prefix"] = k.Match.SourcePrefix is { } sp ? [sp.ToString()] : [],
                ["match_destination_port"] = [.. k.Match.DestinationPorts.Select(x => N(x))], ["match_flow_label"] = [.. k.Match.FlowLabels.Select(x => N(x))],
                ["class_priority"] = [.. k.Priorities.Select(kv => $"{kv.Key} {N(kv.Value)}")],
            });
    }

    /// <summary>
    /// The selector's quality measurement switched on or off by a case (templates.policy_selector.measurement; platform
    /// verb dut.policy_selector_measurement): not in the start-up configuration, since the probes would be frames on the
    /// tester ports of every other case. Placeholders: parent, return_sid, interval_ms, window; the list measurement_on
    /// (one element when switching on) and measurement_off (one empty element when switching off).
    /// </summary>
    public static RenderedItem SelectorMeasurementItem(PlatformPack pack, string parent, SelectorProbing m, bool on)
    {
        if (!pack.Templates.PolicySelector.TryGetValue("measurement", out var file))
            throw new InvalidOperationException($"{pack.DescriptorPath}: platform {pack.Platform} has no templates.policy_selector.measurement");
        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        return Item(pack, $"policy selector {parent} measurement {(on ? "on" : "off")}", file, new()
        {
            ["parent"] = parent, ["return_sid"] = m.ReturnSid.ToString(), ["interval_ms"] = N(m.IntervalMs), ["window"] = N(m.Window),
        }, new() { ["measurement_on"] = on ? [""] : [], ["measurement_off"] = on ? [] : [""] });
    }

    /// <summary>Name of the headend policy that carries a topology DUT's O-flag exports to the controller.</summary>
    public const string OFlagExportPolicy = "oam-export";

    /// <summary>
    /// The O-flag export of a DUT in a reference topology (RFC 9259 §3.3: "The local OAM process sends a full or partial copy
    /// of the packet P1 to the controller N100"), as the Linux reference's topology/oam-oflag-export.conf does it: the
    /// collector is <see cref="Topology.TopologyLab.ExportKey"/>, an address whose route is an H.Encaps policy (the pack's
    /// <c>templates.headend.H.Encaps</c>) towards the controller's End SID, so each copy travels (DUT, N100's End SID)(copy).
    /// Null (and the reason in <paramref name="missing"/>) when the pack has no H.Encaps template.
    /// </summary>
    private static RenderedItem? TopologyExport(PlatformPack pack, IntentOFlag o, List<string> missing)
    {
        if (!pack.Templates.Headend.ContainsKey(HeadendBehavior.HEncaps.Name()))
        {
            missing.Add("O-flag export to the topology's controller: no templates.headend.H.Encaps (the copies travel encapsulated towards the controller's End SID)");
            return null;
        }
        var f = o.ResolveTopology();
        var node = o.TopologyNode ?? throw new TemplateException("the O-flag export to the topology's controller needs the DUT's node.");
        var controller = f.EndSid(f.Controller);
        var dev = f.Egress(node, controller) ?? throw new TemplateException($"{node} has no route to the controller's End SID {controller}.");
        var policy = new IntentHeadend(OFlagExportPolicy, HeadendBehavior.HEncaps, new IPNetwork(Topology.TopologyLab.ExportKey, 128), [controller], dev.Name);
        return HeadendItem(pack, policy) with { Item = $"O-flag export to the controller {controller} ({policy.Behavior.Name()})" };
    }

    /// <summary>One headend policy with the pack's <c>templates.headend.&lt;behaviour&gt;</c> (also platform verb dut.sr_policy).</summary>
    public static RenderedItem HeadendItem(PlatformPack pack, IntentHeadend h)
    {
        var behavior = h.Behavior.Name();
        if (!pack.Templates.Headend.TryGetValue(behavior, out var file)) throw new TemplateException($"{pack.DescriptorPath}: no templates.headend.{behavior}.");
        var values = new Dictionary<string, string>
        {
            ["name"] = h.Name, ["prefix"] = h.Prefix.ToString(), ["segments"] = string.Join(',', h.Segments),
            ["segments_space"] = string.Join(' ', h.Segments), ["interface"] = h.Interface, ["color"] = "1", ["source"] = "",
            ["endpoint"] = h.Segments.Count == 0 ? "" : h.Segments[^1].ToString(),
        };
        return Item(pack, $"headend {h.Name} ({behavior})", file, values, new() { ["segment"] = [.. h.Segments.Select(s => s.ToString())] });
    }

    /// <summary>The node-wide knobs as placeholders (<c>templates.knobs.node</c>): Linux-style numbers and router words.</summary>
    private static Dictionary<string, string> KnobValues(IntentKnobs k) => new()
    {
        ["ipv6_forwarding"] = k.Ipv6Forwarding ? "1" : "0", ["ipv4_forwarding"] = k.Ipv4Forwarding ? "1" : "0",
        ["icmpv6_ratelimit_ms"] = k.Icmpv6RateLimitMs.ToString(CultureInfo.InvariantCulture), ["icmpv4_ratelimit_ms"] = k.Icmpv4RateLimitMs.ToString(CultureInfo.InvariantCulture),
        ["icmp_ratelimit_ms"] = Math.Max(k.Icmpv6RateLimitMs, k.Icmpv4RateLimitMs).ToString(CultureInfo.InvariantCulture),
        ["seg6_enabled_all"] = k.Srv6Enabled ? "1" : "0", ["seg6_flowlabel"] = k.EncapsFlowLabelFromInner ? "1" : "0",
        ["flow_label"] = k.EncapsFlowLabelFromInner ? "from-inner" : "zero",
    };

    /// <summary>An interface HMAC policy as one word (RFC 8754 §2.1.2.1): ignore, verify-if-present, require.</summary>
    public static string HmacPolicyWord(HmacPolicy p) => p switch
    {
        HmacPolicy.Require => "require",
        HmacPolicy.VerifyIfPresent => "verify-if-present",
        _ => "ignore",
    };

    /// <summary>
    /// One interface's HMAC policy with the pack's <c>templates.hmac_policy</c> (platform verb dut.hmac_policy):
    /// placeholders <c>interface</c>/<c>dut_if</c>, <c>policy</c> (ignore, verify-if-present, require) and <c>mode</c>
    /// (Linux's -1, 0, 1).
    /// </summary>
    public static RenderedItem HmacPolicyItem(PlatformPack pack, string interfaceName, HmacPolicy policy)
    {
        var file = pack.Templates.HmacPolicy ?? throw new TemplateException($"{pack.DescriptorPath}: no templates.hmac_policy.");
        return Item(pack, $"HMAC policy on {interfaceName}", file, new()
        {
            ["interface"] = interfaceName, ["dut_if"] = interfaceName, ["policy"] = HmacPolicyWord(policy),
            ["mode"] = policy switch { HmacPolicy.Ignore => "-1", HmacPolicy.Require => "1", _ => "0" },
        }, new() { ["hmac_policy"] = [HmacPolicyWord(policy)] });
    }

    private static Dictionary<string, string> LocatorValues(Srv6Intent intent, int functionBits)
    {
        var loc = intent.Locator;
        var nodeBits = loc.PrefixLength - intent.SidBlock.PrefixLength;
        var node = nodeBits <= 0 ? BigInteger.Zero : (ToBig(loc.BaseAddress) >> (128 - loc.PrefixLength)) & ((BigInteger.One << nodeBits) - 1);
        return new()
        {
            ["locator_name"] = LocatorName, ["locator"] = loc.ToString(), ["locator_address"] = loc.BaseAddress.ToString(),
            ["locator_length"] = loc.PrefixLength.ToString(CultureInfo.InvariantCulture), ["block"] = intent.SidBlock.ToString(),
            ["block_name"] = BlockName, ["block_bits"] = intent.SidBlock.PrefixLength.ToString(CultureInfo.InvariantCulture),
            ["node_bits"] = Math.Max(0, nodeBits).ToString(CultureInfo.InvariantCulture), ["node_id"] = "0x" + node.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0'),
            ["function_bits"] = functionBits.ToString(CultureInfo.InvariantCulture), ["csid_bits"] = "",
        };
    }

    /// <summary>
    /// The function field's length for a statically configured locator: the bits the largest function of the intent's
    /// SIDs needs (its bits after the locator, ignoring trailing zero bits), rounded up to a multiple of 4, at least 8.
    /// </summary>
    public static int FunctionBits(Srv6Intent intent)
    {
        var loc = intent.Locator;
        var free = 128 - loc.PrefixLength;
        var needed = 8;
        foreach (var s in intent.Sids.Where(s => loc.Contains(s.Address)))
        {
            var rest = ToBig(s.Address) & ((BigInteger.One << free) - 1);
            if (rest.IsZero) continue;
            var trailing = 0;
            while (((rest >> trailing) & 1).IsZero) trailing++;
            needed = Math.Max(needed, free - trailing);
        }
        return Math.Min(free, (needed + 3) / 4 * 4);
    }

    /// <summary>The function value: the <paramref name="functionBits"/> bits of the SID right after the locator.</summary>
    /// <summary>The prefix of <paramref name="length"/> bits that holds <paramref name="address"/>.</summary>
    private static IPNetwork Masked(IPAddress address, int length)
    {
        var b = address.GetAddressBytes();
        for (var bit = length; bit < 128; bit++) b[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(b), length);
    }

    private static BigInteger Function(IPNetwork locator, IPAddress sid, int functionBits)
    {
        var free = 128 - locator.PrefixLength;
        return (ToBig(sid) & ((BigInteger.One << free) - 1)) >> (free - functionBits);
    }

    /// <summary>The SID with the locator bits zeroed, written as an IPv6 address (VRP's opcode form: 2001:db8:b:1::e in 2001:db8:b:1::/64 is ::e).</summary>
    private static IPAddress Opcode(IPNetwork locator, IPAddress sid)
    {
        var v = ToBig(sid) & ((BigInteger.One << (128 - locator.PrefixLength)) - 1);
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[16];
        bytes.CopyTo(full, 16 - bytes.Length);
        return new IPAddress(full);
    }

    private static BigInteger ToBig(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    /// <summary>A Junos-style logical interface split at its last dot (<c>ge-0/0/3.0</c> → <c>ge-0/0/3</c>, <c>0</c>; no dot: unit 0).</summary>
    public static (string Name, string Unit) SplitInterface(string iface)
    {
        var dot = iface.LastIndexOf('.');
        return dot <= 0 ? (iface, "0") : (iface[..dot], iface[(dot + 1)..]);
    }

    private static bool TemplateUses(PlatformPack pack, string file, string placeholder) =>
        File.ReadAllText(pack.TemplatePath(file)).Contains("{{" + placeholder + "}}", StringComparison.Ordinal);

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();

    private static RenderedItem Item(PlatformPack pack, string item, string file, Dictionary<string, string> values, Dictionary<string, List<string>> lists)
    {
        var path = pack.TemplatePath(file);
        var text = File.ReadAllText(path).Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var lines = new List<string>();
        var sources = new List<string>();
        for (var i = 0; i < text.Length; i++)
        {
            var line = text[i];
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0) continue;
            var name = $"{Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}:{i + 1}";
            var used = Placeholder().Matches(line).Select(m => m.Groups[1].Value).Where(ListPlaceholders.Contains).Distinct().ToList();
            if (used.Count == 0) { lines.Add(TemplateRenderer.Render(line, name, values).TrimEnd()); sources.Add(name); continue; }
            var list = used.Contains("segment_index") || used.Contains("segment") ? "segment" : used[0];
            if (used.Any(u => u != list && !(list == "segment" && u == "segment_index")))
                throw new TemplateException($"Template '{name}' repeats over more than one list ({string.Join(", ", used)}); a line may repeat over one list only.");
            var elements = lists.GetValueOrDefault(list) ?? [];
            for (var k = 0; k < elements.Count; k++)
            {
                var v = new Dictionary<string, string>(values) { [list] = elements[k] };
                if (list == "segment") v["segment_index"] = (k + 1).ToString(CultureInfo.InvariantCulture);
                lines.Add(TemplateRenderer.Render(line, name, v).TrimEnd());
                sources.Add(name);
            }
        }
        return new RenderedItem(item, file, lines) { Sources = sources };
    }
}
