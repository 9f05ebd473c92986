using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Dut;

/// <summary>
/// A Linux DUT driven over the shell: iproute2, sysctl, nft. Snapshots cover IPv4/IPv6 routes of all tables
/// (seg6local included), addresses, rules, links (vrfs included), the nftables ruleset and the sysctls the
/// suite touches; rollback removes what was added and restores what changed.
/// </summary>
public sealed partial class LinuxPlatform : IDutPlatform
{
    /// <summary>Sysctls always part of a snapshot (paths under /proc/sys, globs expanded by the DUT's shell).</summary>
    public static readonly IReadOnlyList<string> TrackedSysctlPaths =
    [
        "net/ipv6/conf/*/forwarding", "net/ipv6/conf/*/seg6_enabled", "net/ipv6/conf/*/seg6_require_hmac",
        "net/ipv6/conf/*/accept_dad", "net/ipv6/conf/*/disable_ipv6", "net/ipv4/conf/*/rp_filter", "net/ipv4/conf/*/forwarding",
        "net/ipv6/icmp/ratelimit", "net/ipv4/ip_forward", "net/ipv4/icmp_ratelimit", "net/ipv6/seg6_flowlabel",
    ];

    public const string RoutesV6 = "routes6", RoutesV4 = "routes4", AddrV6 = "addr6", AddrV4 = "addr4",
        RulesV6 = "rules6", RulesV4 = "rules4", Links = "links", Vrfs = "vrfs", Nft = "nft", Sysctls = "sysctls";

    /// <summary>Snapshot section of the SRv6 HMAC key ids and algorithms ("hmac 1 algo sha256") — never the secrets,
    /// which <c>ip sr hmac show</c> prints and which therefore are cut off on the DUT before the output is read.</summary>
    public const string HmacKeys = "hmackeys";

    private static readonly string[] RouteTypes = ["unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw", "nat"];

    private readonly SshDutSession _session;
    private readonly HashSet<string> _extraSysctls = new(StringComparer.Ordinal);

    public LinuxPlatform(SshDutSession session, IEnumerable<string>? extraSysctlKeys = null)
    {
        _session = session;
        if (extraSysctlKeys is not null) _extraSysctls.UnionWith(extraSysctlKeys);
    }

    public Transcript Transcript => _session.Transcript;

    /// <summary>A shell command on an exec channel: its standard output and error.</summary>
    public async Task<string> ExecVerbAsync(string command, CancellationToken cancellationToken = default)
    {
        var r = await _session.RunAsync(command, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.Stdout + r.Stderr;
    }

    /// <summary>Sysctls first (one command each), then the commands in order; the first failure throws <see cref="TestbedException"/>.</summary>
    public async Task ApplyAsync(DutConfig config, CancellationToken cancellationToken = default)
    {
        foreach (var s in config.Sysctls)
        {
            _extraSysctls.Add(s.Key);
            await _session.RunCheckedAsync($"sysctl -w {s.Key}={s.Value}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        foreach (var c in config.Commands)
            await _session.RunCheckedAsync(c, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<DutSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var extra = _extraSysctls.Count == 0 ? "" : " " + string.Join(' ', _extraSysctls.Order(StringComparer.Ordinal));
        var script = string.Join("; ",
            $"echo '### {RoutesV6}'", "ip -6 route show table all",
            $"echo '### {RoutesV4}'", "ip -4 route show table all",
            $"echo '### {AddrV6}'", "ip -6 -o addr show",
            $"echo '### {AddrV4}'", "ip -4 -o addr show",
            $"echo '### {RulesV6}'", "ip -6 rule show",
            $"echo '### {RulesV4}'", "ip -4 rule show",
            $"echo '### {Links}'", "ip -o link show",
            $"echo '### {Vrfs}'", "ip -o -d link show type vrf 2>/dev/null",
            $"echo '### {Nft}'", "nft list ruleset 2>/dev/null",
            $"echo '### {HmacKeys}'", "(ip sr hmac show 2>/dev/null | awk '$1 == \"hmac\" {print $1, $2, $3, $4}')",
            $"echo '### {Sysctls}'", $"(cd /proc/sys && grep -H . {string.Join(' ', TrackedSysctlPaths)} 2>/dev/null)",
            extra.Length > 0 ? $"sysctl -e{extra} 2>/dev/null" : "true",
            "true");
        var r = await _session.RunAsync(script, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0) throw new TestbedException($"Snapshot of the DUT failed (exit {r.ExitCode}): {r.Stderr.Trim()}");
        return ParseSnapshot(r.Stdout, DateTimeOffset.UtcNow);
    }

    internal static DutSnapshot ParseSnapshot(string text, DateTimeOffset taken)
    {
        var raw = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                current = raw[line[4..].Trim()] = [];
                continue;
            }
            if (current is not null && line.Trim().Length > 0) current.Add(line);
        }
        List<string> Get(string n) => raw.TryGetValue(n, out var l) ? l : [];
        var sections = new Dictionary<string, IReadOnlyList<string>>
        {
            [RoutesV6] = Get(RoutesV6).Select(NormalizeRoute).Distinct().ToList(),
            [RoutesV4] = Get(RoutesV4).Select(NormalizeRoute).Distinct().ToList(),
            [AddrV6] = Get(AddrV6).Select(NormalizeAddress).Distinct().ToList(),
            [AddrV4] = Get(AddrV4).Select(NormalizeAddress).Distinct().ToList(),
            [RulesV6] = Get(RulesV6).Select(Collapse).Distinct().ToList(),
            [RulesV4] = Get(RulesV4).Select(Collapse).Distinct().ToList(),
            [Links] = Get(Links).Select(NormalizeLink).Distinct().ToList(),
            [Vrfs] = Get(Vrfs).Select(NormalizeLink).Distinct().ToList(),
            [Nft] = NormalizeNft(Get(Nft)),
            [HmacKeys] = Get(HmacKeys).Select(Collapse).Where(l => l.StartsWith("hmac ", StringComparison.Ordinal))
                .Select(l => string.Join(' ', l.Split(' ').Take(4))).Distinct().Order(StringComparer.Ordinal).ToList(),
            [Sysctls] = Get(Sysctls).Select(NormalizeSysctl).Where(l => l.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList(),
        };
        return new DutSnapshot(taken, sections);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blanks();

    [GeneratedRegex(@"\s+expires\s+\S+")]
    private static partial Regex Expires();

    [GeneratedRegex(@"\s+packets\s+\d+\s+bytes\s+\d+\s+errors\s+\d+")]
    private static partial Regex CounterFields();

    private static string Collapse(string line) => Blanks().Replace(line.Trim(), " ");

    internal static string NormalizeRoute(string line) => Collapse(CounterFields().Replace(Expires().Replace(line, ""), ""));

    /// <summary>"3: eth1    inet6 2001:db8::1/64 scope global \    valid_lft ..." → "eth1 inet6 2001:db8::1/64 scope global".</summary>
    internal static string NormalizeAddress(string line)
    {
        var l = line;
        var bs = l.IndexOf('\\');
        if (bs >= 0) l = l[..bs];
        var colon = l.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0 && int.TryParse(l[..colon], out _)) l = l[(colon + 2)..];
        return Collapse(l);
    }

    /// <summary>"5: eth1@if4: &lt;BROADCAST,UP,LOWER_UP&gt; mtu 1500 ..." → "eth1 up mtu 1500 type ether".</summary>
    internal static string NormalizeLink(string line)
    {
        var parts = line.Split(": ", 3);
        if (parts.Length < 3) return Collapse(line);
        var name = parts[1].Split('@')[0];
        var rest = parts[2];
        var flagsEnd = rest.IndexOf('>');
        var flags = flagsEnd > 0 ? rest[1..flagsEnd].Split(',') : [];
        var mtu = Regex.Match(rest, @"\bmtu (\d+)").Groups[1].Value;
        var kind = Regex.Match(rest, @"link/(\S+)").Groups[1].Value;
        var vrf = Regex.Match(rest, @"\bvrf table (\d+)").Groups[1].Value;
        return $"{name} {(flags.Contains("UP") ? "up" : "down")} mtu {mtu} type {kind}{(vrf.Length > 0 ? " vrf-table " + vrf : "")}";
    }

    /// <summary>Each ruleset line prefixed by its table ("table ip6 x: ...") so that set-based diffs stay meaningful.</summary>
    internal static List<string> NormalizeNft(List<string> lines)
    {
        var result = new List<string>();
        var table = "";
        foreach (var raw in lines)
        {
            var l = Collapse(raw);
            if (l.StartsWith("table ", StringComparison.Ordinal))
            {
                table = l.TrimEnd('{').Trim();
                result.Add(table);
                continue;
            }
            if (l == "}" || l.Length == 0) continue;
            result.Add($"{table}: {l}");
        }
        return result.Distinct().ToList();
    }

    private static string NormalizeSysctl(string line)
    {
        // "net/ipv6/conf/eth1/seg6_enabled:1" (grep -H under /proc/sys) or "net.ipv6.conf.eth1.seg6_enabled = 1" (sysctl)
        if (line.StartsWith("net/", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
            return $"{line[..colon].Replace('/', '.')}={Collapse(line[(colon + 1)..])}";
        var eq = line.IndexOf('=');
        return eq < 0 ? "" : $"{line[..eq].Trim()}={Collapse(line[(eq + 1)..])}";
    }

    public async Task RollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default)
    {
        var now = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var commands = PlanRollback(before, now);
        _session.Transcript.Note($"rollback: {commands.Count} command(s)");
        foreach (var c in commands)
        {
            var r = await _session.RunAsync(c, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (r.ExitCode != 0) _session.Transcript.Note($"rollback command failed (exit {r.ExitCode}), continuing: {c}");
        }
    }

    /// <summary>The commands that bring <paramref name="now"/> back to <paramref name="before"/>.</summary>
    internal static IReadOnlyList<string> PlanRollback(DutSnapshot before, DutSnapshot now)
    {
        var cmds = new List<string>();
        IEnumerable<string> Added(string s) => now.Section(s).Except(before.Section(s));
        IEnumerable<string> Removed(string s) => before.Section(s).Except(now.Section(s));

        foreach (var (section, fam) in new[] { (RulesV6, "-6"), (RulesV4, "-4") })
        {
            foreach (var rule in Added(section)) if (RuleSpec(rule) is { } spec) cmds.Add($"ip {fam} rule del {spec}");
        }
        foreach (var (section, fam) in new[] { (RoutesV6, "-6"), (RoutesV4, "-4") })
        {
            foreach (var route in Added(section).Where(r => !r.Contains(" proto kernel", StringComparison.Ordinal)))
                cmds.Add($"ip {fam} route del {RouteKey(route)}");
        }
        foreach (var (section, fam) in new[] { (AddrV6, "-6"), (AddrV4, "-4") })
        {
            foreach (var a in Added(section))
            {
                var t = a.Split(' ');
                if (t.Length >= 3 && !t[2].StartsWith("fe80:", StringComparison.Ordinal)) cmds.Add($"ip {fam} addr del {t[2]} dev {t[0]}");
            }
        }
        var tablesBefore = before.Section(Nft).Where(l => l.StartsWith("table ", StringComparison.Ordinal) && !l.Contains(':')).ToHashSet();
        foreach (var t in now.Section(Nft).Where(l => l.StartsWith("table ", StringComparison.Ordinal) && !l.Contains(':')))
        {
            if (!tablesBefore.Contains(t)) cmds.Add($"nft delete {t}");
        }
        // HMAC keys the run added: a blank secret deletes the key id (iproute2 "blank to delete").
        foreach (var k in Added(HmacKeys))
        {
            var t = k.Split(' ');
            if (t.Length >= 4) cmds.Add($"printf '\\n' | ip sr hmac set {t[1]} {t[3]}");
        }
        var linksBefore = before.Section(Links).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        foreach (var l in now.Section(Links).Select(l => l.Split(' ')))
        {
            if (!linksBefore.TryGetValue(l[0], out var state)) cmds.Add($"ip link del {l[0]}");
            else if (state != l[1]) cmds.Add($"ip link set {l[0]} {state}");
        }
        var sysNow = now.Section(Sysctls).Select(SplitSysctl).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in before.Section(Sysctls).Select(SplitSysctl))
        {
            if (sysNow.TryGetValue(key, out var cur) && cur != value) cmds.Add($"sysctl -w {key}={value}");
        }
        foreach (var (section, fam) in new[] { (AddrV6, "-6"), (AddrV4, "-4") })
        {
            foreach (var a in Removed(section))
            {
                var t = a.Split(' ');
                if (t.Length >= 3 && !t[2].StartsWith("fe80:", StringComparison.Ordinal))
                    cmds.Add($"ip {fam} addr add {t[2]} dev {t[0]}{(a.Contains(" nodad", StringComparison.Ordinal) ? " nodad" : "")}");
            }
        }
        foreach (var (section, fam) in new[] { (RoutesV6, "-6"), (RoutesV4, "-4") })
        {
            foreach (var route in Removed(section).Where(r => !r.Contains(" proto kernel", StringComparison.Ordinal)))
                cmds.Add($"ip {fam} route add {route}");
        }
        foreach (var (section, fam) in new[] { (RulesV6, "-6"), (RulesV4, "-4") })
        {
            foreach (var rule in Removed(section)) if (RuleSpec(rule) is { } spec) cmds.Add($"ip {fam} rule add {spec}");
        }
        return cmds;
    }

    private static (string Key, string Value) SplitSysctl(string l)
    {
        var eq = l.IndexOf('=');
        return (l[..eq], l[(eq + 1)..]);
    }

    /// <summary>"32765: from all lookup 100" → "pref 32765 from all lookup 100".</summary>
    private static string? RuleSpec(string rule)
    {
        var colon = rule.IndexOf(':');
        if (colon <= 0 || !int.TryParse(rule[..colon], out var pref)) return null;
        return $"pref {pref} {rule[(colon + 1)..].Trim()}";
    }

    /// <summary>The identifying part of a route line, for <c>ip route del</c>: [type] dst table T [dev D] [metric M].</summary>
    internal static string RouteKey(string route)
    {
        var t = route.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var i = 0;
        var sb = new StringBuilder();
        if (RouteTypes.Contains(t[0])) { sb.Append(t[0]).Append(' '); i = 1; }
        sb.Append(t[i]);
        // An encap's own attributes (e.g. "action End.T table 100") come before the route's "dev":
        // the route's table and metric are looked for after it.
        var encap = Array.IndexOf(t, "encap", i + 1);
        var devAt = encap > 0 ? Array.IndexOf(t, "dev", encap) : -1;
        string? Value(string key)
        {
            var k = Array.IndexOf(t, key, key != "dev" && devAt > 0 ? devAt : i + 1);
            return k > 0 && k + 1 < t.Length ? t[k + 1] : null;
        }
        sb.Append(" table ").Append(Value("table") ?? "main");
        if (Value("dev") is { } dev) sb.Append(" dev ").Append(dev);
        if (Value("metric") is { } metric) sb.Append(" metric ").Append(metric);
        return sb.ToString();
    }

    /// <summary>Diff between <paramref name="before"/> and a fresh snapshot, without any alarm (e.g. to see what a config changed).</summary>
    public async Task<IReadOnlyList<string>> DiffAsync(DutSnapshot before, CancellationToken cancellationToken = default)
    {
        var now = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return before.DiffTo(now);
    }

    public async Task<IReadOnlyList<string>> VerifyRollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default)
    {
        var diff = await DiffAsync(before, cancellationToken).ConfigureAwait(false);
        if (diff.Count > 0)
        {
            _session.Transcript.Note("ROLLBACK INCOMPLETE: the DUT differs from its state before the test:\n" + string.Join("\n", diff));
            Console.Error.WriteLine($"srv6conf: ROLLBACK INCOMPLETE on {_session.Options.HostPort}: {diff.Count} difference(s):\n  " + string.Join("\n  ", diff));
        }
        return diff;
    }

    /// <summary>Like <see cref="VerifyRollbackAsync"/> but throws <see cref="TestbedException"/> listing the diff.</summary>
    public async Task EnsureRolledBackAsync(DutSnapshot before, CancellationToken cancellationToken = default)
    {
        var diff = await VerifyRollbackAsync(before, cancellationToken).ConfigureAwait(false);
        if (diff.Count > 0)
            throw new TestbedException($"Rollback of {_session.Options.HostPort} incomplete ({diff.Count} difference(s)):\n  " + string.Join("\n  ", diff));
    }

    public async Task<IReadOnlyDictionary<string, SidCounters>> ReadCountersAsync(CancellationToken cancellationToken = default)
    {
        var r = await _session.RunCheckedAsync("ip -s -6 route show table all", cancellationToken: cancellationToken).ConfigureAwait(false);
        return ParseCounters(r.Stdout);
    }

    [GeneratedRegex(@"\bpackets\s+(\d+)\s+bytes\s+(\d+)\s+errors\s+(\d+)")]
    private static partial Regex CounterRegex();

    /// <summary>Parses <c>ip -s -6 route show</c>: seg6local routes with counters → SID (normalised address) → counters.</summary>
    public static IReadOnlyDictionary<string, SidCounters> ParseCounters(string text)
    {
        var result = new Dictionary<string, SidCounters>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.Contains("encap seg6local", StringComparison.Ordinal)) continue;
            var m = CounterRegex().Match(line);
            if (!m.Success) continue;
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var dst = RouteTypes.Contains(tokens[0]) ? tokens[1] : tokens[0];
            var sid = DutConfig.Normalize(dst.Split('/')[0]);
            result[sid] = new SidCounters(
                long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        }
        return result;
    }

    /// <summary>
    /// The Linux DUT's serial for <c>testbed.identity.serial</c>: the DMI product serial when the machine exposes
    /// a real one (hardware routers, most servers; readable by root only), else /etc/machine-id (systemd's
    /// per-installation id — the reference lab's DUT shares the host's, so its profile names no serial).
    /// </summary>
    public const string SerialCommand =
        "(s=$(cat /sys/class/dmi/id/product_serial 2>/dev/null | tr -d '[:space:]'); " +
        "case \"$s\" in ''|0|None|'Not Specified'|'To be filled by O.E.M.'|'Default string') cat /etc/machine-id 2>/dev/null || echo ;; *) echo \"$s\" ;; esac)";

    public async Task<DutIdentity> ReadIdentityAsync(CancellationToken cancellationToken = default)
    {
        var r = await _session.RunCheckedAsync(
            "hostname; uname -r; (. /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\") || echo unknown; uname -sm; " + SerialCommand,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var l = r.Stdout.Split('\n').Select(x => x.Trim()).ToList();
        string At(int i) => i < l.Count ? l[i] : "";
        return new DutIdentity(At(0), At(1), At(2), At(3), At(4) is { Length: > 0 } serial ? serial : null);
    }
}
