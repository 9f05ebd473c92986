using System.Net;
using System.Net.Sockets;

namespace Conformance.ReferenceNode.Config;

// The policy selector's statements (draft-yang-srv6ops-policy-selector-01; README "Configuration language"):
//   segment-routing srv6 / policy-selector NAME / steer PREFIX
//                                               / constituent NAME / segment-list S1,S2 | priority N | weight N
//                                                                  | threshold loss-percent N | threshold delay-ms N
//                                                                  | threshold remaining-bandwidth-mbps N | wait-to-restore S
//                                               / class NAME / match dscp N | match source-prefix P | match destination-port N
//                                                            | match flow-label N | priority CONSTITUENT N
public sealed partial class ConfigEditor
{
    private sealed class Selector(string name)
    {
        public string Name = name;
        public IPNetwork? Steer;
        public List<ConstituentConfig> Constituents = [];
        public List<SelectorClassConfig> Classes = [];
        public SelectorMeasurementConfig? Measurement;

        public static Selector From(PolicySelectorConfig p) => new(p.Name) { Steer = p.Steer, Constituents = [.. p.Constituents], Classes = [.. p.Classes], Measurement = p.Measurement };
    }

    private readonly List<Selector> _selectors = [];

    private Selector SelectorOf(string name)
    {
        var s = _selectors.FirstOrDefault(x => x.Name == name);
        if (s is null) { s = new Selector(name); _selectors.Add(s); }
        return s;
    }

    private void EditConstituent(ConfigContext c, Func<ConstituentConfig, ConstituentConfig> change)
    {
        var s = SelectorOf(c.Parent!.Name!);
        var i = s.Constituents.FindIndex(x => x.Name == c.Name);
        if (i < 0) { s.Constituents.Add(new ConstituentConfig(c.Name!)); i = s.Constituents.Count - 1; }
        s.Constituents[i] = change(s.Constituents[i]);
    }

    private void EditClass(ConfigContext c, Func<SelectorClassConfig, SelectorClassConfig> change)
    {
        var s = SelectorOf(c.Parent!.Name!);
        var i = s.Classes.FindIndex(x => x.Name == c.Name);
        if (i < 0) { s.Classes.Add(new SelectorClassConfig(c.Name!)); i = s.Classes.Count - 1; }
        s.Classes[i] = change(s.Classes[i]);
    }

    private static uint FlowLabel(Args a)
    {
        var t = a.Next("flow label");
        var ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(t[2..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var v)
            : uint.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out v);
        if (!ok || v > 0xFFFFF) throw new ConfigException("flow label: a 20-bit number (0..1048575, or 0x0..0xfffff)", t);
        return v;
    }

    private bool DoSelector(ConfigContext c, string keyword, Args a, out ConfigContext? next)
    {
        next = null;
        switch (c.Mode, keyword)
        {
            case (ConfigMode.Srv6, "policy-selector"):
            {
                var n = a.Name("parent SRv6 policy name");
                a.End();
                SelectorOf(n);
                next = new ConfigContext(ConfigMode.PolicySelector, n, Srv6Context);
                return true;
            }
            case (ConfigMode.PolicySelector, "steer"):
            {
                var p = a.Prefix("destination prefix steered into the parent policy", AddressFamily.InterNetworkV6);
                a.End();
                SelectorOf(c.Name!).Steer = p;
                return true;
            }
            case (ConfigMode.PolicySelector, "measurement"):
            {
                a.OneOf("measurement method", "loopback");
                var sid = a.Address("return SID (an End SID of this node: RFC 9259 Appendix A.4's loopback probe comes back to it)", AddressFamily.InterNetworkV6);
                var m = new SelectorMeasurementConfig(sid);
                while (a.More)
                {
                    var k = a.OneOf("measurement option", "interval-ms", "window");
                    m = k == "interval-ms" ? m with { IntervalMs = a.Int("probe interval in ms", 50, 60_000) } : m with { Window = a.Int("probes per measurement window", 1, 1000) };
                }
                SelectorOf(c.Name!).Measurement = m;
                return true;
            }
            case (ConfigMode.PolicySelector, "constituent"):
            {
                var n = a.Name("constituent SRv6 policy name");
                a.End();
                var s = SelectorOf(c.Name!);
                if (!s.Constituents.Any(x => x.Name == n)) s.Constituents.Add(new ConstituentConfig(n));
                next = new ConfigContext(ConfigMode.SelectorConstituent, n, c);
                return true;
            }
            case (ConfigMode.PolicySelector, "class"):
            {
                var n = a.Name("class name");
                a.End();
                var s = SelectorOf(c.Name!);
                if (!s.Classes.Any(x => x.Name == n)) s.Classes.Add(new SelectorClassConfig(n));
                next = new ConfigContext(ConfigMode.SelectorClass, n, c);
                return true;
            }
            case (ConfigMode.SelectorConstituent, "segment-list"):
            {
                var l = a.Segments("segment list");
                EditConstituent(c, x => x with { Segments = l });
                return true;
            }
            case (ConfigMode.SelectorConstituent, "priority"):
            {
                var v = a.Int("priority (lower wins)", 0, 65535);
                a.End();
                EditConstituent(c, x => x with { Priority = v });
                return true;
            }
            case (ConfigMode.SelectorConstituent, "weight"):
            {
                var v = a.Int("weight", 1, 1000);
                a.End();
                EditConstituent(c, x => x with { Weight = v });
                return true;
            }
            case (ConfigMode.SelectorConstituent, "threshold"):
            {
                var m = a.OneOf("quality metric", "loss-percent", "delay-ms", "remaining-bandwidth-mbps");
                var v = m switch { "loss-percent" => a.Int("loss in percent", 0, 100), "delay-ms" => a.Int("delay in ms", 0, 600_000), _ => a.Int("remaining bandwidth in Mbit/s", 0, 10_000_000) };
                a.End();
                EditConstituent(c, x => m switch { "loss-percent" => x with { LossPercent = v }, "delay-ms" => x with { DelayMs = v }, _ => x with { RemainingBandwidthMbps = v } });
                return true;
            }
            case (ConfigMode.SelectorConstituent, "wait-to-restore"):
            {
                var v = a.Int("wait-to-restore in seconds", 0, 3600);
                a.End();
                EditConstituent(c, x => x with { WaitToRestoreSeconds = v });
                return true;
            }
            case (ConfigMode.SelectorClass, "match"):
            {
                var f = a.OneOf("match field", "dscp", "source-prefix", "destination-port", "flow-label");
                switch (f)
                {
                    case "dscp": { var v = a.Int("DSCP", 0, 63); a.End(); EditClass(c, x => x with { Dscp = x.Dscp.Contains(v) ? x.Dscp : [.. x.Dscp, v] }); break; }
                    case "destination-port": { var v = a.Int("destination port", 0, 65535); a.End(); EditClass(c, x => x with { DestinationPorts = x.DestinationPorts.Contains(v) ? x.DestinationPorts : [.. x.DestinationPorts, v] }); break; }
                    case "flow-label": { var v = FlowLabel(a); a.End(); EditClass(c, x => x with { FlowLabels = x.FlowLabels.Contains(v) ? x.FlowLabels : [.. x.FlowLabels, v] }); break; }
                    default: { var p = a.Prefix("source prefix", AddressFamily.InterNetworkV6); a.End(); EditClass(c, x => x with { SourcePrefix = p }); break; }
                }
                return true;
            }
            case (ConfigMode.SelectorClass, "priority"):
            {
                var n = a.Name("constituent name");
                var v = a.Int("priority (lower wins)", 0, 65535);
                a.End();
                EditClass(c, x => x with { Priorities = [.. x.Priorities.Where(p => p.Constituent != n), (n, v)] });
                return true;
            }
        }
        return false;
    }

    private bool NoSelector(ConfigContext c, string keyword, Args a)
    {
        switch (c.Mode, keyword)
        {
            case (ConfigMode.Srv6, "policy-selector"): { var n = a.Name("parent SRv6 policy name"); a.End(); Remove(_selectors.RemoveAll(s => s.Name == n), n); return true; }
            case (ConfigMode.PolicySelector, "steer"): SelectorOf(c.Name!).Steer = null; return true;
            case (ConfigMode.PolicySelector, "measurement"): SelectorOf(c.Name!).Measurement = null; return true;
            case (ConfigMode.PolicySelector, "constituent"): { var n = a.Name("constituent name"); a.End(); Remove(SelectorOf(c.Name!).Constituents.RemoveAll(x => x.Name == n), n); return true; }
            case (ConfigMode.PolicySelector, "class"): { var n = a.Name("class name"); a.End(); Remove(SelectorOf(c.Name!).Classes.RemoveAll(x => x.Name == n), n); return true; }
            case (ConfigMode.SelectorConstituent, "segment-list"): EditConstituent(c, x => x with { Segments = [] }); return true;
            case (ConfigMode.SelectorConstituent, "priority"): EditConstituent(c, x => x with { Priority = null }); return true;
            case (ConfigMode.SelectorConstituent, "weight"): EditConstituent(c, x => x with { Weight = 1 }); return true;
            case (ConfigMode.SelectorConstituent, "wait-to-restore"): EditConstituent(c, x => x with { WaitToRestoreSeconds = 0 }); return true;
            case (ConfigMode.SelectorConstituent, "threshold"):
            {
                var m = a.OneOf("quality metric", "loss-percent", "delay-ms", "remaining-bandwidth-mbps");
                EditConstituent(c, x => m switch { "loss-percent" => x with { LossPercent = null }, "delay-ms" => x with { DelayMs = null }, _ => x with { RemainingBandwidthMbps = null } });
                return true;
            }
            case (ConfigMode.SelectorClass, "match"):
            {
                var f = a.OneOf("match field", "dscp", "source-prefix", "destination-port", "flow-label");
                EditClass(c, x => f switch { "dscp" => x with { Dscp = [] }, "destination-port" => x with { DestinationPorts = [] }, "flow-label" => x with { FlowLabels = [] }, _ => x with { SourcePrefix = null } });
                return true;
            }
            case (ConfigMode.SelectorClass, "priority"):
            {
                var n = a.Name("constituent name");
                EditClass(c, x => x with { Priorities = [.. x.Priorities.Where(p => p.Constituent != n)] });
                return true;
            }
        }
        return false;
    }

    /// <summary>The selectors as configuration; with <paramref name="problems"/> also what a commit cannot take.</summary>
    private List<PolicySelectorConfig> BuildSelectors(List<string>? problems, Func<string, string> at)
    {
        var list = new List<PolicySelectorConfig>();
        foreach (var s in _selectors)
        {
            var where = $"policy-selector {s.Name}{at(s.Name)}";
            if (problems is not null)
            {
                if (s.Steer is null) problems.Add($"{where} has no steer prefix");
                if (s.Constituents.Count == 0) problems.Add($"{where} has no constituent");
                foreach (var k in s.Constituents)
                {
                    if (k.Segments.Count == 0) problems.Add($"{where}: constituent {k.Name} has no segment-list");
                    if (k.Priority is null) problems.Add($"{where}: constituent {k.Name} has no priority");
                }
                foreach (var k in s.Classes)
                {
                    if (k.Dscp.Count == 0 && k.SourcePrefix is null && k.DestinationPorts.Count == 0 && k.FlowLabels.Count == 0)
                        problems.Add($"{where}: class {k.Name} has no match rule");
                    if (k.Priorities.Count == 0) problems.Add($"{where}: class {k.Name} names no constituent (priority CONSTITUENT N)");
                    foreach (var (n, _) in k.Priorities.Where(p => s.Constituents.All(x => x.Name != p.Constituent)))
                        problems.Add($"{where}: class {k.Name} names {n}, which is not a constituent");
                }
            }
            list.Add(new PolicySelectorConfig(s.Name) { Steer = s.Steer, Constituents = [.. s.Constituents], Classes = [.. s.Classes], Measurement = s.Measurement });
        }
        return list;
    }
}
