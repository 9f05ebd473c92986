using System.Net;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Dut;

/// <summary>A kernel parameter the suite sets (<c>sysctl -w Key=Value</c>).</summary>
public sealed record SysctlSetting(string Key, string Value)
{
    public override string ToString() => $"{Key}={Value}";
}

/// <summary>
/// A rendered DUT configuration: sysctls (applied first), then shell commands in order, plus the
/// named SIDs it programs (role → SID address, e.g. <c>end-psp</c> → <c>2001:db8:100::2</c>) so that
/// fault modes, tests and counters can find "the PSP SID" without parsing prose.
/// </summary>
public sealed partial record DutConfig(
    IReadOnlyList<SysctlSetting> Sysctls,
    IReadOnlyList<string> Commands,
    IReadOnlyDictionary<string, string> Sids)
{
    public static DutConfig Empty { get; } = new([], [], new Dictionary<string, string>());

    [GeneratedRegex(@"^sysctl\s+(?:-q\s+)?-w\s+([A-Za-z0-9_.\-/]+)=(\S*)$")]
    private static partial Regex SysctlLineRegex();

    /// <summary>
    /// Builds a config from rendered command lines: <c>sysctl -w k=v</c> lines become <see cref="Sysctls"/>,
    /// every other line stays a command.
    /// </summary>
    public static DutConfig FromLines(IEnumerable<string> lines, IReadOnlyDictionary<string, string>? sids = null)
    {
        var sysctls = new List<SysctlSetting>();
        var commands = new List<string>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var m = SysctlLineRegex().Match(line);
            if (m.Success) sysctls.Add(new SysctlSetting(m.Groups[1].Value, m.Groups[2].Value));
            else commands.Add(line);
        }
        return new DutConfig(sysctls, commands, sids ?? new Dictionary<string, string>());
    }

    /// <summary>The SID for a role, or an error naming the known roles.</summary>
    public string Sid(string role) =>
        Sids.TryGetValue(role, out var sid)
            ? sid
            : throw new KeyNotFoundException($"DUT config has no SID with role '{role}' (known: {string.Join(", ", Sids.Keys)}).");

    /// <summary>Index of the <c>ip -6 route add SID/128 ...</c> command for a SID, or -1.</summary>
    public int IndexOfRouteFor(string sid)
    {
        var target = Normalize(sid);
        for (var i = 0; i < Commands.Count; i++)
        {
            var tokens = Commands[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length > 4 && tokens[0] == "ip" && tokens[1] == "-6" && tokens[2] == "route" && tokens[3] is "add" or "replace"
                && Normalize(tokens[4].Split('/')[0]) == target)
                return i;
        }
        return -1;
    }

    /// <summary>The route command for a SID role (throws if the config does not program it).</summary>
    public string RouteCommandFor(string role)
    {
        var i = IndexOfRouteFor(Sid(role));
        return i >= 0 ? Commands[i] : throw new InvalidOperationException($"DUT config does not program a route for SID role '{role}'.");
    }

    /// <summary>Returns a copy with the route command of <paramref name="role"/> replaced (null = removed).</summary>
    public DutConfig WithRouteFor(string role, Func<string, string?> change)
    {
        var i = IndexOfRouteFor(Sid(role));
        if (i < 0) throw new InvalidOperationException($"DUT config does not program a route for SID role '{role}'.");
        var commands = Commands.ToList();
        var replacement = change(commands[i]);
        if (replacement is null) commands.RemoveAt(i);
        else commands[i] = replacement;
        return this with { Commands = commands };
    }

    /// <summary>Returns a copy with every sysctl whose key matches <paramref name="predicate"/> set to <paramref name="value"/>.</summary>
    public DutConfig WithSysctls(Func<string, bool> predicate, string value) =>
        this with { Sysctls = Sysctls.Select(s => predicate(s.Key) ? s with { Value = value } : s).ToList() };

    /// <summary>Returns a copy with the sysctl <paramref name="key"/> set to <paramref name="value"/> (replacing an existing value for the key, else appended).</summary>
    public DutConfig WithSysctl(string key, string value) =>
        Sysctls.Any(s => s.Key == key)
            ? WithSysctls(k => k == key, value)
            : this with { Sysctls = [.. Sysctls, new SysctlSetting(key, value)] };

    /// <summary>Returns a copy with <paramref name="extra"/> commands appended.</summary>
    public DutConfig WithExtraCommands(params string[] extra) => this with { Commands = [.. Commands, .. extra] };

    /// <summary>Merges configs in order (later SID roles override earlier ones).</summary>
    public static DutConfig Concat(params DutConfig[] parts)
    {
        var sids = new Dictionary<string, string>();
        foreach (var p in parts) foreach (var kv in p.Sids) sids[kv.Key] = kv.Value;
        return new DutConfig(parts.SelectMany(p => p.Sysctls).ToList(), parts.SelectMany(p => p.Commands).ToList(), sids);
    }

    /// <summary>All lines as they would be typed: sysctls first, then commands.</summary>
    public IEnumerable<string> ToLines() => Sysctls.Select(s => $"sysctl -w {s.Key}={s.Value}").Concat(Commands);

    internal static string Normalize(string address) =>
        IPAddress.TryParse(address, out var ip) ? ip.ToString() : address;
}
