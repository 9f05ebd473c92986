using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conformance.ReferenceNode.Config;

/// <summary>
/// The canonical text of a configuration (<c>show running-config</c>): one statement per line, blocks indented one
/// space per level, <c>!</c> between top-level blocks, defaults left out, HMAC secrets encrypted (never in clear).
/// <see cref="ConfigEditor.Parse"/> of the text gives the configuration back (the round trip the tests check).
/// </summary>
public static class ConfigPrinter
{
    public const string Header = "! SRv6 reference node configuration";

    public static string Print(NodeConfig c, SecretBox secrets, IReadOnlySet<string>? incomplete = null)
    {
        var o = new StringBuilder();
        void L(int depth, string text) => o.Append(' ', depth).Append(text).Append('\n');
        L(0, Header);
        L(0, $"hostname {c.Hostname}");
        L(0, "!");
        foreach (var i in c.Interfaces)
        {
            L(0, $"interface {i.Name}");
            foreach (var n in i.Ipv6Addresses) L(1, $"ipv6 address {n.BaseAddress}/{n.PrefixLength}");
            foreach (var (a, len) in i.Ipv6HostAddresses) L(1, $"ipv6 address {a}/{len}");
            foreach (var (a, len) in i.Ipv4Addresses) L(1, $"ipv4 address {a}/{len}");
            if (!i.Srv6Enabled) L(1, "srv6 disable");
            if (i.External) L(1, "sr-domain external");
            if (i.Hmac != HmacPolicyMode.Ignore) L(1, $"hmac {(i.Hmac == HmacPolicyMode.Require ? "require" : "verify-if-present")}");
            if (i.Shutdown) L(1, "shutdown");
            L(0, "!");
        }
        if (c.LoopbackAddresses.Count > 0)
        {
            L(0, "loopback");
            foreach (var n in c.LoopbackAddresses) L(1, $"{(n.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "ipv4" : "ipv6")} address {n}");
            L(0, "!");
        }
        foreach (var r in c.Routes) L(0, Route(r));
        if (c.Routes.Count > 0) L(0, "!");
        var defaultsIcmp = new IcmpConfig();
        if (c.Icmp != defaultsIcmp)
        {
            L(0, $"icmp error-interval {c.Icmp.ErrorIntervalMs} burst {c.Icmp.ErrorBurst}");
            L(0, "!");
        }
        var s = c.Srv6;
        var empty = new Srv6Config();
        if (s.SourceAddress is not null || s.FlowLabelFromInner != empty.FlowLabelFromInner || s.Locators.Count + s.Sids.Count + s.Policies.Count + s.HmacKeys.Count + s.Selectors.Count > 0
            || !IsDefault(s.Domain) || s.Oam != empty.Oam)
        {
            L(0, "segment-routing srv6");
            if (s.SourceAddress is { } src) L(1, $"source-address {src}");
            if (!s.FlowLabelFromInner) L(1, "flow-label zero");
            foreach (var l in s.Locators)
            {
                L(1, $"locator {l.Name}");
                if (!l.Prefix.BaseAddress.Equals(IPAddress.IPv6None) || l.Prefix.PrefixLength != 128) L(2, $"prefix {l.Prefix}");
                if (l.Csid is { } cs) L(2, $"compression {(cs.Kind == CsidFlavorKind.Next ? "next-csid" : "replace-csid")} block-bits {cs.BlockBits} csid-bits {cs.CsidBits}");
            }
            foreach (var sid in s.Sids)
            {
                L(1, $"local-sid {sid.Name}");
                if (sid.Dynamic) L(2, "sid dynamic");
                else if (!sid.Sid.Equals(IPAddress.IPv6None)) L(2, sid.PrefixLength == 128 ? $"sid {sid.Sid}" : $"sid {sid.Sid}/{sid.PrefixLength}");
                if (incomplete?.Contains(sid.Name) != true) L(2, $"behavior {ConfigEditor.BehaviorName(sid.Behavior)}");
                if (sid.Flavors != Flavors.None) L(2, $"flavors {ConfigEditor.FlavorNames(sid.Flavors)}");
                if (sid.NextHop is { } nh) L(2, $"next-hop {nh}");
                if (sid.Interface is { } oif) L(2, $"out-interface {oif}");
                if (sid.Table is { } t) L(2, $"lookup-table {t}");
                if (sid.Segments.Count > 0) L(2, $"segment-list {string.Join(',', sid.Segments)}");
                if (sid.Locator is { } ln) L(2, $"in-locator {ln}");
            }
            foreach (var p in s.Policies)
            {
                L(1, $"policy {p.Name}");
                if (incomplete?.Contains(p.Name) != true) L(2, $"mode {ConfigEditor.HeadendName(p.Mode)}");
                if (p.Segments.Count > 0) L(2, $"segment-list {string.Join(',', p.Segments)}");
                if (p.Match is { } m) L(2, $"steer {m}");
                if (p.Table is { } t) L(2, $"install-table {t}");
                if (p.L2Interface is { } l2) L(2, $"l2-source {l2}");
            }
            foreach (var ps in s.Selectors)
            {
                L(1, $"policy-selector {ps.Name}");
                if (ps.Steer is { } st) L(2, $"steer {st}");
                if (ps.Measurement is { } me) L(2, $"measurement loopback {me.ReturnSid} interval-ms {me.IntervalMs} window {me.Window}");
                foreach (var k in ps.Constituents)
                {
                    L(2, $"constituent {k.Name}");
                    if (k.Segments.Count > 0) L(3, $"segment-list {string.Join(',', k.Segments)}");
                    if (k.Priority is { } pr) L(3, $"priority {pr}");
                    if (k.Weight != 1) L(3, $"weight {k.Weight}");
                    if (k.LossPercent is { } lp) L(3, $"threshold loss-percent {lp}");
                    if (k.DelayMs is { } dm) L(3, $"threshold delay-ms {dm}");
                    if (k.RemainingBandwidthMbps is { } bw) L(3, $"threshold remaining-bandwidth-mbps {bw}");
                    if (k.WaitToRestoreSeconds > 0) L(3, $"wait-to-restore {k.WaitToRestoreSeconds}");
                }
                foreach (var k in ps.Classes)
                {
                    L(2, $"class {k.Name}");
                    foreach (var d in k.Dscp) L(3, $"match dscp {d}");
                    if (k.SourcePrefix is { } sp) L(3, $"match source-prefix {sp}");
                    foreach (var d in k.DestinationPorts) L(3, $"match destination-port {d}");
                    foreach (var f in k.FlowLabels) L(3, $"match flow-label {f}");
                    foreach (var (n, pr) in k.Priorities) L(3, $"priority {n} {pr}");
                }
            }
            if (!IsDefault(s.Domain))
            {
                L(1, "domain");
                foreach (var p in s.Domain.ProtectedPrefixes) L(2, $"protect {p}");
                if (s.Domain.DropSrhToLocalFromExternal) L(2, "drop-srh-to-local");
                foreach (var sc in s.Domain.SourceChecks)
                    L(2, $"source-check {sc.Interface} locator {sc.Locator} inside {string.Join(',', sc.InsideSources)}");
            }
            foreach (var k in s.HmacKeys)
                L(1, $"hmac-key {k.KeyId.ToString(CultureInfo.InvariantCulture)} algorithm {(k.Algorithm == HmacAlgorithmId.Sha1 ? "sha1" : "sha256")} secret encrypted {secrets.Protect(k.KeyId, k.Secret)}");
            if (s.Oam != empty.Oam)
            {
                L(1, "oam");
                if (s.Oam.OFlagEnabled) L(2, "o-flag enable");
                if (s.Oam.Collector is { } col) L(2, $"collector {col}");
                if (s.Oam.PuntRatePerSecond is { } rate) L(2, $"punt-rate {rate} burst {s.Oam.PuntBurst}");
            }
            L(0, "!");
        }
        foreach (var f in c.DebugFaults.OrderBy(f => f)) L(0, $"debug fault {ConfigEditor.FaultName(f)}");
        if (c.DebugFaults.Count > 0) L(0, "!");
        L(0, "end");
        return o.ToString();
    }

    private static bool IsDefault(DomainConfig d) => d.ProtectedPrefixes.Count == 0 && !d.DropSrhToLocalFromExternal && d.SourceChecks.Count == 0;

    public static string Route(RouteConfig r)
    {
        var t = r.Table == "main" ? "" : $"table {r.Table} ";
        if (r.Discard) return $"route {t}{r.Prefix} discard";
        if (r.NextHop is { } nh) return $"route {t}{r.Prefix} via {nh}{(r.Interface is { } i ? " interface " + i : "")}";
        return $"route {t}{r.Prefix} interface {r.Interface}";
    }

    /// <summary>A line of configuration text safe for a log: an HMAC secret typed in clear is replaced by <c>&lt;secret hidden&gt;</c>.</summary>
    public static string Redact(string line)
    {
        var i = line.IndexOf(" secret ", StringComparison.Ordinal);
        if (i < 0 || !line.TrimStart().StartsWith("hmac-key", StringComparison.Ordinal) && !line.TrimStart().StartsWith("no hmac-key", StringComparison.Ordinal)) return line;
        var rest = line[(i + 8)..];
        return rest.StartsWith("encrypted ", StringComparison.Ordinal) ? line : line[..(i + 8)] + "<secret hidden>";
    }
}

/// <summary>The difference between two configuration texts, block-aware: changed statements with their enclosing block lines.</summary>
public static class ConfigDiff
{
    /// <summary>
    /// Lines only in <paramref name="from"/> are marked <c>-</c>, lines only in <paramref name="to"/> <c>+</c>; the block
    /// lines around a change are printed unmarked so each change reads in place. Empty when the two are the same.
    /// </summary>
    public static IReadOnlyList<string> Diff(string from, string to)
    {
        var a = Paths(from);
        var b = Paths(to);
        var removed = a.Where(p => !b.Contains(p.Path)).Select(p => p.Path).ToHashSet();
        var added = b.Where(p => !a.Contains(p.Path)).Select(p => p.Path).ToHashSet();
        var o = new List<string>();
        void Emit(List<(string Path, string[] Chain)> list, HashSet<string> changed, char mark, HashSet<string> printedHeads)
        {
            foreach (var (path, chain) in list)
            {
                if (!changed.Contains(path)) continue;
                for (var d = 0; d < chain.Length - 1; d++)
                {
                    var head = string.Join('\u0001', chain[..(d + 1)]);
                    if (changed.Contains(head) || !printedHeads.Add(head + mark)) continue;
                    o.Add($"  {new string(' ', d)}{chain[d]}");
                }
                o.Add($"{mark} {new string(' ', chain.Length - 1)}{chain[^1]}");
            }
        }
        Emit(a, removed, '-', []);
        Emit(b, added, '+', []);
        return o;
    }

    private static List<(string Path, string[] Chain)> Paths(string text)
    {
        var result = new List<(string, string[])>();
        var stack = new List<(int Depth, string Line)>();
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Trim().Length == 0 || raw.TrimStart().StartsWith('!') || raw.Trim() == "end") continue;
            var depth = raw.Length - raw.TrimStart().Length;
            while (stack.Count > 0 && stack[^1].Depth >= depth) stack.RemoveAt(stack.Count - 1);
            stack.Add((depth, raw.Trim()));
            var chain = stack.Select(s => s.Line).ToArray();
            result.Add((string.Join('\u0001', chain), chain));
        }
        return result;
    }

    private static bool Contains(this List<(string Path, string[] Chain)> list, string path) => list.Any(p => p.Path == path);
}
