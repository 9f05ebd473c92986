using System.Net;
using System.Net.Sockets;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Profiles;

// capabilities.policy_selector and parameters.policy_selector (draft-yang-srv6ops-policy-selector-01); the field ↔ draft
// sentence map is docs/policy-selector.md and the schema's descriptions.
internal sealed partial class ProfileReader
{
    private const int MaxConstituents = 16, MaxClasses = 32;

    private PolicySelectorCapabilities ReadSelectorCapabilities(Section caps)
    {
        if (caps.Mapping("policy_selector", false, ProfileKeys.SelectorCaps) is not { } s) return new();
        var supported = s.Boolean("supported", true) ?? false;
        var classifiers = Words(s, "classifiers", "classifier", PolicySelectorCapabilities.ClassifierNames);
        var metrics = Words(s, "quality_metrics", "quality metric", PolicySelectorCapabilities.MetricNames);
        var measurement = Words(s, "measurement", "measurement method", PolicySelectorCapabilities.MeasurementNames);
        var weights = s.Boolean("weights", false) ?? false;
        var wtr = s.Boolean("wait_to_restore", false) ?? false;
        if (!supported && (classifiers.Count > 0 || metrics.Count > 0 || weights || wtr || measurement.Count > 0))
            w.Error(s.Get("supported")!, s.P("supported"), "policy_selector options are listed but supported is false");
        return new PolicySelectorCapabilities
        {
            Supported = supported, Classifiers = classifiers, QualityMetrics = metrics, Weights = weights, WaitToRestore = wtr, Measurement = measurement,
        };
    }

    private HashSet<T> Words<T>(Section s, string key, string what, (T Value, string Name)[] table) where T : struct
    {
        var set = new HashSet<T>();
        if (s.Sequence(key, false, $"{what} names") is not { } items) return set;
        var names = table.Select(t => t.Name).ToList();
        foreach (var (node, path) in items)
        {
            if (w.String(node, path, $"a {what} ({string.Join(", ", names)})") is not { } text) continue;
            var hit = table.Where(t => t.Name == text).Select(t => (T?)t.Value).FirstOrDefault();
            if (hit is null)
            {
                var hint = YamlWalker.Suggest(text, names);
                w.Error(node, path, $"unknown {what} '{text}'{(hint is null ? "" : $"; did you mean '{hint}'?")} (allowed: {string.Join(", ", names)})");
            }
            else if (!set.Add(hit.Value)) w.Error(node, path, $"{what} '{text}' is listed twice");
        }
        return set;
    }

    private PolicySelectorParameters? ReadSelector(Section parameters, Capabilities? caps)
    {
        var s = parameters.Mapping("policy_selector", false, ProfileKeys.Selector);
        if (s is null)
        {
            if (caps?.PolicySelector.Supported == true)
                w.Error(parameters.Node, parameters.P("policy_selector"),
                    "capabilities.policy_selector.supported is true: parameters.policy_selector must describe the parent SRv6 policy (parent, steer, constituents, classes)");
            return null;
        }
        if (caps is not null && !caps.PolicySelector.Supported)
            w.Error(s.Node, s.Path, "parameters.policy_selector is set but capabilities.policy_selector.supported is not true; claim it or remove the parameters");
        var claimed = caps?.PolicySelector ?? new PolicySelectorCapabilities();

        var parent = s.String("parent", true, "the parent SRv6 policy's name, e.g. sr-policy-1");
        if (parent is not null && !System.Text.RegularExpressions.Regex.IsMatch(parent, "^[A-Za-z0-9][A-Za-z0-9_-]*$"))
        { w.Error(s.Get("parent")!, s.P("parent"), "expected a name of letters, digits, '_' or '-'"); parent = null; }
        var steer = s.Prefix("steer", true, AddressFamily.InterNetworkV6);

        var constituents = new List<SelectorConstituent>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        if (s.Sequence("constituents", true, "constituent SRv6 policies") is { } items)
        {
            if (items.Count == 0) w.Error(s.Get("constituents") ?? s.Node, s.P("constituents"), "a parent SRv6 policy needs at least one constituent");
            if (items.Count > MaxConstituents) w.Error(items[MaxConstituents].Node, s.P("constituents"), $"{items.Count} constituents; at most {MaxConstituents}");
            foreach (var (node, path) in items)
                if (ReadConstituent(node, path, claimed, names) is { } c) constituents.Add(c);
            var lists = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var c in constituents)
            {
                var key = string.Join(",", c.Segments);
                if (!lists.TryAdd(key, c.Name))
                    w.Error(s.Get("constituents")!, s.P("constituents"), $"constituents '{lists[key]}' and '{c.Name}' have the same segment list <{key}>; the tester tells constituents apart by their segment lists");
            }
        }

        var classes = new List<SelectorClass>();
        if (s.Sequence("classes", false, "traffic classes") is { } cls)
        {
            if (cls.Count > MaxClasses) w.Error(cls[MaxClasses].Node, s.P("classes"), $"{cls.Count} classes; at most {MaxClasses}");
            var classNames = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (node, path) in cls)
                if (ReadClass(node, path, claimed, names.Keys.ToList(), classNames) is { } c) classes.Add(c);
        }

        SelectorProbing? probing = null;
        if (s.Mapping("measurement", false, ProfileKeys.SelectorMeasurementKeys) is { } m)
        {
            var method = m.String("method", true, "loopback");
            if (method is not null && method != "loopback") { w.Error(m.Get("method")!, m.P("method"), $"unknown measurement method '{method}' (allowed: loopback)"); method = null; }
            if (method is not null && !claimed.Measurement.Contains(SelectorMeasurement.Loopback))
            { w.Error(m.Get("method")!, m.P("method"), "capabilities.policy_selector.measurement does not list loopback; claim it or leave measurement out"); method = null; }
            var ret = m.Get("return_sid") is { } rn ? w.Address(rn, m.P("return_sid"), AddressFamily.InterNetworkV6) : null;
            if (m.Get("return_sid") is null) w.Error(m.Node, m.Path, "measurement needs return_sid (an End SID of the headend)");
            var interval = m.Integer("interval_ms", false, 50, 60_000, " ms");
            var window = m.Integer("window", false, 1, 1000, "");
            if (method is not null && ret is not null)
                probing = new SelectorProbing(SelectorMeasurement.Loopback, ret) { IntervalMs = (int)(interval ?? 100), Window = (int)(window ?? 10) };
        }

        if (parent is null || steer is null || constituents.Count == 0) return null;
        return new PolicySelectorParameters { Parent = parent, Steer = steer.Value, Constituents = constituents, Classes = classes, Measurement = probing, Location = w.Location(s.Node) };
    }

    private SelectorConstituent? ReadConstituent(YamlNode node, string path, PolicySelectorCapabilities claimed, Dictionary<string, int> names)
    {
        var c = w.Mapping(node, path, ProfileKeys.Constituent);
        if (c is null) return null;
        var name = c.String("name", true, "the constituent SRv6 policy's name, e.g. path1");
        if (name is not null && !System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9][A-Za-z0-9_-]*$"))
        { w.Error(c.Get("name")!, c.P("name"), "expected a name of letters, digits, '_' or '-'"); name = null; }
        if (name is not null && !names.TryAdd(name, (int)node.Start.Line))
        { w.Error(c.Get("name")!, c.P("name"), $"duplicate constituent name '{name}' (first used on line {names[name]})"); name = null; }
        var segments = new List<IPAddress>();
        if (c.Sequence("segments", true, "IPv6 SIDs, first to visit first") is { } segs)
        {
            if (segs.Count == 0) w.Error(c.Get("segments") ?? c.Node, c.P("segments"), "a constituent SRv6 policy needs a segment list");
            foreach (var (sn, sp) in segs)
                if (w.Address(sn, sp, AddressFamily.InterNetworkV6) is { } a) segments.Add(a);
        }
        var priority = c.Integer("priority", true, 0, 65535, "", "the lower the number, the higher the priority (draft §5.1)");
        var weight = c.Integer("weight", false, 1, 1000, "", "a share among constituents of the same priority");
        if (c.Contains("weight") && !claimed.Weights)
            w.Error(c.Get("weight")!, c.P("weight"), "capabilities.policy_selector.weights is not claimed; claim it or leave the weight out (default 1)");
        var wtr = c.Integer("wait_to_restore_s", false, 0, 3600, " s");
        if (c.Contains("wait_to_restore_s") && !claimed.WaitToRestore)
            w.Error(c.Get("wait_to_restore_s")!, c.P("wait_to_restore_s"), "capabilities.policy_selector.wait_to_restore is not claimed; claim it or leave wait_to_restore_s out");
        var thresholds = new SelectorThresholds();
        if (c.Mapping("thresholds", false, ProfileKeys.Thresholds) is { } t)
        {
            int? Metric(string key, SelectorMetric metric, long max, string unit)
            {
                var v = t.Integer(key, false, 0, max, unit);
                if (v is not null && !claimed.QualityMetrics.Contains(metric))
                    w.Error(t.Get(key)!, t.P(key), $"quality metric {PolicySelectorCapabilities.MetricNames.First(m => m.Value == metric).Name} is not claimed in capabilities.policy_selector.quality_metrics");
                return (int?)v;
            }
            thresholds = new SelectorThresholds
            {
                LossPercent = Metric("loss_percent", SelectorMetric.Loss, 100, " %"),
                DelayMs = Metric("delay_ms", SelectorMetric.Delay, 600_000, " ms"),
                RemainingBandwidthMbps = Metric("remaining_bandwidth_mbps", SelectorMetric.RemainingBandwidth, 10_000_000, " Mbit/s"),
            };
        }
        if (name is null || priority is null || segments.Count == 0) return null;
        return new SelectorConstituent(name, segments, (int)priority, (int)(weight ?? 1)) { Thresholds = thresholds, WaitToRestoreSeconds = (int)(wtr ?? 0) };
    }

    private SelectorClass? ReadClass(YamlNode node, string path, PolicySelectorCapabilities claimed, IReadOnlyList<string> constituents, Dictionary<string, int> classNames)
    {
        var c = w.Mapping(node, path, ProfileKeys.SelectorClass);
        if (c is null) return null;
        var name = c.String("name", true, "the class's name (its application type), e.g. conference");
        if (name is not null && !classNames.TryAdd(name, (int)node.Start.Line))
        { w.Error(c.Get("name")!, c.P("name"), $"duplicate class name '{name}' (first used on line {classNames[name]})"); name = null; }

        SelectorMatch? match = null;
        if (c.Mapping("match", true, ProfileKeys.SelectorMatch) is { } m)
        {
            void Claimed(string key, SelectorClassifier k)
            {
                if (m.Contains(key) && !claimed.Classifiers.Contains(k))
                    w.Error(m.Get(key) ?? m.Node, m.P(key), $"classifier {key} is not claimed in capabilities.policy_selector.classifiers");
            }
            foreach (var (k, n) in PolicySelectorCapabilities.ClassifierNames) Claimed(n, k);
            List<long> Numbers(string key, long max, string what)
            {
                var list = new List<long>();
                if (m.Get(key) is not { } v) return list;
                var nodes = v is YamlSequenceNode seq ? seq.Children.Select((x, i) => (x, $"{m.P(key)}[{i}]")).ToList() : [(v, m.P(key))];
                if (nodes.Count == 0) w.Error(v, m.P(key), $"is empty; list at least one {what} or leave the key out");
                foreach (var (x, p) in nodes)
                    if (w.Integer(x, p, 0, max, "", what) is { } n)
                    {
                        if (list.Contains(n)) w.Error(x, p, $"{n} is listed twice");
                        else list.Add(n);
                    }
                return list;
            }
            var dscp = Numbers("dscp", 63, "a DSCP value (0..63)");
            var ports = Numbers("destination_port", 65535, "a destination port (0..65535)");
            var labels = Numbers("flow_label", 0xFFFFF, "a 20-bit flow label (0..1048575)");
            var source = m.Prefix("source_prefix", false, AddressFamily.InterNetworkV6);
            match = new SelectorMatch
            {
                Dscp = [.. dscp.Select(x => (int)x)], DestinationPorts = [.. ports.Select(x => (int)x)], FlowLabels = [.. labels.Select(x => (uint)x)], SourcePrefix = source,
            };
            if (match.IsEmpty && !ProfileKeys.SelectorMatch.Any(m.Contains))
                w.Error(m.Node, m.Path, "a class needs at least one match rule (dscp, source_prefix, destination_port, flow_label)");
        }

        var priorities = new Dictionary<string, int>(StringComparer.Ordinal);
        var pn = c.Require("priorities", "a mapping constituent name → priority for this class (lower wins)");
        if (pn is YamlMappingNode pm)
        {
            if (pm.Children.Count == 0) w.Error(pm, c.P("priorities"), "is empty; name at least one constituent that serves this class");
            foreach (var (k, v) in pm.Children)
            {
                var cn = (k as YamlScalarNode)?.Value ?? "";
                var p = $"{c.P("priorities")}.{cn}";
                if (!constituents.Contains(cn))
                {
                    var hint = YamlWalker.Suggest(cn, constituents);
                    w.Error(k, p, $"'{cn}' is not a constituent of the parent policy{(hint is null ? "" : $"; did you mean '{hint}'?")} (constituents: {string.Join(", ", constituents)})");
                    continue;
                }
                if (w.Integer(v, p, 0, 65535, "", "the lower the number, the higher the priority") is { } prio) priorities[cn] = (int)prio;
            }
        }
        else if (pn is not null) w.Error(pn, c.P("priorities"), $"expected a mapping constituent name → priority; got {YamlWalker.Describe(pn)}");

        if (name is null || match is null || match.IsEmpty || priorities.Count == 0) return null;
        return new SelectorClass(name, match, priorities);
    }
}
