using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Cli;

/// <summary>
/// One CLI session of the node (README.md, "CLI reference"): exec mode and configuration mode with a private
/// candidate configuration, committed into the shared <see cref="NodeState"/>. Line in, text out: the caller (the
/// daemon's session host, or a test) prints <see cref="Prompt"/> after each output. A rejected line prints one error
/// line starting with <c>%</c> and changes nothing.
/// </summary>
public sealed class CliSession
{
    private readonly NodeState _node;
    private ConfigEditor? _candidate;
    private ConfigContext _context = ConfigContext.Top;
    private readonly ushort _probeId;

    public CliSession(NodeState node, string? user = null)
    {
        _node = node;
        var n = node.NewSessionNumber();
        User = user ?? $"cli-{n}";
        _probeId = (ushort)(0x5200 + n % 0x100);
    }

    public string User { get; }
    public bool InConfiguration => _candidate is not null;
    /// <summary>True after <c>exit</c>/<c>quit</c> in exec mode: the host closes the connection.</summary>
    public bool Closed { get; private set; }

    public string Prompt => InConfiguration ? $"{_node.Running.Hostname}({_context.PromptWord})#" : $"{_node.Running.Hostname}#";

    /// <summary>The first thing a session prints (before the first prompt).</summary>
    public string Banner => $"{NodeIdentity.Product} {_node.Identity.Version} ({_node.Running.Hostname})\n";

    private static string Error(string token, string message) => $"% Invalid input at '{token}': {message}\n";

    /// <summary>Runs one line; returns what it prints (each line ending with a newline, possibly empty).</summary>
    public string Execute(string line)
    {
        line = line.TrimEnd('\r', '\n');
        var trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('!')) return "";
        _node.Log($"{User}{(InConfiguration ? " (config)" : "")}: {ConfigPrinter.Redact(trimmed)}");
        try { return InConfiguration ? Configuration(trimmed) : Exec(trimmed); }
        catch (ConfigException e) { return Error(e.Token, e.Message); }
    }

    /// <summary>Logs a command that failed inside the node (not a rejected line): its text, redacted, and the exception with its stack.</summary>
    public void LogInternalError(string line, Exception e) =>
        _node.Log($"{User}: INTERNAL ERROR on '{ConfigPrinter.Redact(line.Trim())}': {e}");

    // ------------------------------------------------------------------ exec mode

    private static readonly string[] ExecCommands = ["configure", "show", "ping", "traceroute", "clear", "terminal", "exit", "quit"];

    private string Exec(string line)
    {
        var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (t[0])
        {
            case "configure":
                if (t.Length > 1 && t[1] != "terminal") return Error(t[1], "`configure` or `configure terminal`");
                _candidate = new ConfigEditor(_node.Running, _node.Secrets);
                _context = ConfigContext.Top;
                return "";
            case "show": return Show(t);
            case "ping": return Ping(t);
            case "traceroute": return Traceroute(t);
            case "clear":
                if (t.Length != 2 || t[1] != "counters") return Error(t.Length > 1 ? t[1] : "clear", "`clear counters`");
                _node.Engine.ClearCounters();
                return "Counters cleared.\n";
            case "terminal":
                if (t.Length == 3 && t[1] is "length" or "width" && int.TryParse(t[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)) return "";
                if (t.Length == 2 && t[1] == "monitor") return "";
                return Error(t.Length > 1 ? t[^1] : "terminal", "`terminal length <n>` or `terminal width <n>` (output is never paged)");
            case "exit" or "quit" or "logout":
                Closed = true;
                return "";
            case "?" or "help":
                return "Exec commands:\n" + string.Concat(ExecHelp.Select(h => $"  {h}\n"));
            case "rollback" or "commit" or "abort":
                return Error(t[0], "a configuration-mode command (enter `configure` first)");
        }
        return Error(t[0], $"unknown command (exec commands: {string.Join(", ", ExecCommands)})");
    }

    private static readonly string[] ExecHelp =
    [
        "configure                        enter configuration mode (a candidate copy of the running configuration)",
        "show version                     product, version, host name, serial",
        "show running-config              the committed configuration",
        "show configuration [diff|commits] candidate (in config mode), its differences, the commit history",
        "show srv6 sid [| json]           local SIDs with packet and byte counters (| json: structured)",
        "show srv6 policy-selector        parent SRv6 policies: constituents, classes, active constituents, measurement",
        "show interfaces                  data interfaces: state, MAC, MTU, addresses",
        "show route [table]               FIB entries (all tables, or one)",
        "show neighbors                   neighbour cache",
        "show counters                    node-wide counters (drops by reason, ICMP errors, O-flag exports)",
        "clear counters                   zero SID and node counters",
        "ping <addr> [source a] [count n] [size n] [timeout s] [table t] [segments a,b,...]",
        "traceroute <addr> [source a] [max-hops n] [queries n] [timeout s] [segments a,b,...]",
        "terminal length 0                accepted (output is never paged)",
        "exit                             close the session",
    ];

    private string Show(string[] t)
    {
        // `| json`: the structured form, as routers print it (for the show commands that have one).
        if (t.Length >= 2 && t[^2] == "|")
        {
            if (t[^1] != "json") return Error(t[^1], "output modifier: `| json`");
            var inner = t[..^2];
            if (inner is [_, "srv6", "sid"]) return SidsJson();
            return Error("json", "`| json` is offered for `show srv6 sid`");
        }
        if (t.Length < 2) return Error("show", "incomplete command: what to show? (version, running-config, configuration, srv6 sid, interfaces, route, neighbors, counters)");
        var what = t[1];
        switch (what)
        {
            case "version":
                if (t.Length > 2) return Error(t[2], "unexpected word");
                var up = DateTimeOffset.UtcNow - _node.Started;
                return $"{NodeIdentity.Product}, version {_node.Identity.Version}\n" +
                       $"Hostname: {_node.Running.Hostname}\n" +
                       $"Serial: {_node.Identity.Serial}\n" +
                       $"Uptime: {(int)up.TotalDays} days, {up:hh\\:mm\\:ss}\n" +
                       $"Data interfaces: {string.Join(", ", _node.Interfaces.Select(i => i.Name))}\n";
            case "running-config":
                if (t.Length > 2) return Error(t[2], "unexpected word");
                return ConfigPrinter.Print(_node.Running, _node.Secrets);
            case "configuration":
                if (t.Length == 2) return _candidate?.Print() ?? ConfigPrinter.Print(_node.Running, _node.Secrets);
                if (t.Length == 3 && t[2] == "diff")
                {
                    var diff = ConfigDiff.Diff(ConfigPrinter.Print(_node.Running, _node.Secrets), _candidate?.Print() ?? ConfigPrinter.Print(_node.Running, _node.Secrets));
                    return diff.Count == 0 ? "No changes.\n" : string.Concat(diff.Select(l => l + "\n"));
                }
                if (t.Length == 3 && t[2] == "commits") return Commits();
                return Error(t[2], "`show configuration`, `show configuration diff` or `show configuration commits`");
            case "srv6":
                if (t.Length == 3 && t[2] == "policy-selector") return Selectors();
                if (t.Length != 3 || t[2] != "sid") return Error(t.Length > 2 ? t[2] : "srv6", "`show srv6 sid` or `show srv6 policy-selector`");
                return Sids();
            case "interfaces": return Interfaces();
            case "route":
            {
                var lines = _node.Engine.DescribeFib();
                if (t.Length == 3) lines = [.. lines.Where(l => l.Split([' ', '\t', ',', ':', '='], StringSplitOptions.RemoveEmptyEntries).Contains(t[2]) || l.StartsWith(t[2] + " ", StringComparison.Ordinal))];
                if (t.Length > 3) return Error(t[3], "unexpected word");
                return lines.Count == 0 ? "No routes.\n" : string.Concat(lines.Select(l => l + "\n"));
            }
            case "neighbors" or "neighbours":
            {
                var lines = _node.Engine.DescribeNeighbours();
                return lines.Count == 0 ? "No neighbours.\n" : string.Concat(lines.Select(l => l + "\n"));
            }
            case "counters":
            {
                var c = _node.Engine.Counters().Values;
                return c.Count == 0 ? "No counters.\n" : string.Concat(c.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key,-40} {kv.Value,14}\n"));
            }
        }
        return Error(what, "unknown show command (version, running-config, configuration, srv6 sid, interfaces, route, neighbors, counters)");
    }

    private string Commits()
    {
        var o = new StringBuilder("  Commit  Time (UTC)           By          Comment\n");
        var running = _node.RunningId;
        foreach (var r in _node.History.Reverse())
            o.Append(CultureInfo.InvariantCulture, $"{(r.Id == running ? '*' : ' ')} {r.Id,6}  {r.Time:yyyy-MM-dd HH:mm:ss}  {r.By,-10}  {r.Comment}\n");
        if (_node.ConfirmDeadline is { } d) o.Append(CultureInfo.InvariantCulture, $"Commit {running} is rolled back at {d:HH:mm:ss} UTC unless confirmed (`commit`).\n");
        return o.ToString();
    }

    /// <summary>
    /// <c>show srv6 policy-selector</c>: per parent policy its steer prefix and measurement method, one line per constituent
    /// (priority, weight, segment list, thresholds, wait-to-restore, qualified, packets carried) and per class (its priorities,
    /// match rules and the active constituents with the weights they share the load by), then the unclassified traffic's.
    /// </summary>
    private string Selectors()
    {
        var config = _node.Running;
        if (config.Srv6.Selectors.Count == 0) return "No policy selector.\n";
        var counters = _node.Engine.Counters().Values;
        var o = new StringBuilder();
        static string Active(IReadOnlyList<(ConstituentConfig Constituent, int Weight)> a) =>
            a.Count == 0 ? "none (no qualifying constituent)" : string.Join(", ", a.Select(x => $"{x.Constituent.Name} (weight {x.Weight})"));
        var measured = _node.Engine.SelectorMeasurements().ToDictionary(m => (m.Selector, m.Constituent));
        var rates = _node.Engine.SelectorRates().ToDictionary(r => (r.Selector, r.Constituent));
        foreach (var ps in config.Srv6.Selectors)
        {
            bool Eligible(ConstituentConfig c) => !measured.TryGetValue((ps.Name, c.Name), out var m) || m.Eligible;
            o.Append(CultureInfo.InvariantCulture, $"Policy selector {ps.Name}, steer {ps.Steer?.ToString() ?? "-"}, ");
            o.Append(ps.Measurement is { } me
                ? string.Create(CultureInfo.InvariantCulture, $"measurement loopback (RFC 9259 Appendix A.4: segment list + return SID {me.ReturnSid}, UDP port {Dataplane.ForwardingEngine.ProbePort}) interval {me.IntervalMs} ms window {me.Window} probes; loss and loop delay (round trip, own clock) per constituent; remaining bandwidth: the guaranteed bandwidth (threshold) less the rate the node sends (token bucket)\n")
                : "measurement none (no quality measurement configured: every constituent counts as qualified)\n");
            foreach (var c in ps.Constituents)
            {
                var th = new List<string>();
                if (c.LossPercent is { } l) th.Add($"loss-percent {l}");
                if (c.DelayMs is { } d) th.Add($"delay-ms {d}");
                if (c.RemainingBandwidthMbps is { } b) th.Add($"remaining-bandwidth-mbps {b}");
                var q = measured.TryGetValue((ps.Name, c.Name), out var m)
                    ? string.Create(CultureInfo.InvariantCulture, $"measured loss {m.LossPercent:0.#}% ({m.Lost}/{m.Samples}) delay {(m.DelayMs is { } dl ? $"{dl:0.###}ms" : "-")} probes {m.ProbesSent}/{m.ProbesReturned} " +
                        $"qualified {(m.Qualified ? "yes" : "no")} eligible {(m.Eligible ? "yes" : "no")} wait-to-restore-remaining {m.WaitToRestoreRemainingMs}ms transitions {m.Transitions}")
                    : "measured - qualified yes eligible yes";
                var rate = rates.TryGetValue((ps.Name, c.Name), out var rt)
                    ? string.Create(CultureInfo.InvariantCulture, $"rate {rt.RateKbps:0.#}kbps (last 1 s) bytes {rt.Bytes} overflowed {rt.Overflowed}")
                    : "rate 0kbps (last 1 s) bytes 0 overflowed 0";
                o.Append(CultureInfo.InvariantCulture, $"  constituent {c.Name} priority {c.Priority} weight {c.Weight} segments {string.Join(',', c.Segments)} " +
                    $"thresholds {(th.Count == 0 ? "none" : string.Join(" ", th))} wait-to-restore {c.WaitToRestoreSeconds}s " +
                    $"{q} packets {counters.GetValueOrDefault($"headend.{ps.Name}/{c.Name}")} {rate}\n");
            }
            foreach (var k in ps.Classes)
            {
                var mm = new List<string>();
                mm.AddRange(k.Dscp.Select(x => $"dscp {x}"));
                if (k.SourcePrefix is { } sp) mm.Add($"source-prefix {sp}");
                mm.AddRange(k.DestinationPorts.Select(x => $"destination-port {x}"));
                mm.AddRange(k.FlowLabels.Select(x => $"flow-label {x}"));
                o.Append(CultureInfo.InvariantCulture, $"  class {k.Name} priorities {string.Join(", ", k.Priorities.Select(p => $"{p.Constituent} {p.Priority}"))}; " +
                    $"match {string.Join(", ", mm)}; active {Active(Dataplane.SelectorLogic.Active(ps, k, config.DebugFaults, Eligible))}; packets {counters.GetValueOrDefault($"selector.{ps.Name}.{k.Name}")}\n");
            }
            o.Append(CultureInfo.InvariantCulture, $"  unclassified priorities {string.Join(", ", ps.Constituents.Select(c => $"{c.Name} {c.Priority}"))}; " +
                $"active {Active(Dataplane.SelectorLogic.Active(ps, null, config.DebugFaults, Eligible))}; packets {counters.GetValueOrDefault($"selector.{ps.Name}.unclassified")}\n");
        }
        return o.ToString();
    }

    private string Sids()
    {
        var counters = _node.Engine.SidCounters().ToDictionary(c => c.Name, StringComparer.Ordinal);
        var o = new StringBuilder($"{"SID",-40} {"Behavior",-18} {"Flavors",-16} {"Name",-16} {"Packets",14} {"Bytes",16}\n");
        foreach (var s in _node.Running.Srv6.Sids)
        {
            var c = counters.GetValueOrDefault(s.Name);
            var installed = InstalledSid.InstalledFlavors(_node.Running, s);
            var flavors = installed == Flavors.None ? "-" : ConfigEditor.FlavorNames(installed).Replace(' ', ',');
            o.Append(CultureInfo.InvariantCulture, $"{s.Sid + "/" + s.PrefixLength,-40} {ConfigEditor.BehaviorName(s.Behavior),-18} {flavors,-16} {s.Name,-16} {c?.Packets ?? 0,14} {c?.Bytes ?? 0,16}\n");
        }
        return o.ToString();
    }

    /// <summary>
    /// <c>show srv6 sid | json</c>: <c>{"sids": [{"sid", "prefix-length", "behavior", "flavors": [...], "csid": {"flavor",
    /// "block-bits", "csid-bits"} | null, "name", "locator", "allocation": "explicit"|"dynamic", "counters": {"packets", "bytes"}}]}</c>
    /// (README.md, "CLI reference"): the SIDs as installed (flavors and C-SID structure, the locator's).
    /// </summary>
    private string SidsJson()
    {
        var counters = _node.Engine.SidCounters().ToDictionary(c => c.Name, StringComparer.Ordinal);
        var rows = _node.Running.Srv6.Sids.Select(s =>
        {
            var c = counters.GetValueOrDefault(s.Name);
            return new System.Text.Json.Nodes.JsonObject
            {
                ["sid"] = s.Sid.ToString(),
                ["prefix-length"] = s.PrefixLength,
                ["behavior"] = ConfigEditor.BehaviorName(s.Behavior),
                ["flavors"] = new System.Text.Json.Nodes.JsonArray([.. ConfigEditor.FlavorNames(InstalledSid.InstalledFlavors(_node.Running, s)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => (System.Text.Json.Nodes.JsonNode?)f)]),
                ["csid"] = InstalledSid.InstalledCsid(_node.Running, s) is { } cs
                    ? new System.Text.Json.Nodes.JsonObject { ["flavor"] = cs.Kind == CsidFlavorKind.Next ? "next-csid" : "replace-csid", ["block-bits"] = cs.BlockBits, ["csid-bits"] = cs.CsidBits }
                    : null,
                ["name"] = s.Name,
                ["locator"] = s.Locator,
                ["allocation"] = s.Dynamic ? "dynamic" : "explicit",
                ["counters"] = new System.Text.Json.Nodes.JsonObject { ["packets"] = c?.Packets ?? 0, ["bytes"] = c?.Bytes ?? 0 },
            };
        });
        var doc = new System.Text.Json.Nodes.JsonObject { ["sids"] = new System.Text.Json.Nodes.JsonArray([.. rows]) };
        return doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private string Interfaces()
    {
        var o = new StringBuilder();
        var config = _node.Running;
        foreach (var i in _node.Interfaces)
        {
            var c = config.Interfaces.FirstOrDefault(x => x.Name == i.Name);
            var state = c is null ? "not configured" : c.Shutdown ? "administratively down" : "up";
            o.Append(CultureInfo.InvariantCulture, $"{i.Name} is {state}, MAC {string.Join(':', i.Mac.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))}, MTU {i.Mtu}\n");
            if (c is null) continue;
            foreach (var a in c.Ipv6Addresses) o.Append(CultureInfo.InvariantCulture, $"  IPv6 {a}\n");
            foreach (var (a, l) in c.Ipv6HostAddresses) o.Append(CultureInfo.InvariantCulture, $"  IPv6 {a}/{l}\n");
            foreach (var (a, l) in c.Ipv4Addresses) o.Append(CultureInfo.InvariantCulture, $"  IPv4 {a}/{l}\n");
            o.Append(CultureInfo.InvariantCulture, $"  SRv6 {(c.Srv6Enabled ? "enabled" : "disabled")}, SR domain {(c.External ? "external" : "internal")}, HMAC {c.Hmac switch { HmacPolicyMode.Require => "require", HmacPolicyMode.VerifyIfPresent => "verify-if-present", _ => "ignore" }}\n");
        }
        foreach (var c in config.Interfaces.Where(c => _node.Interfaces.All(i => i.Name != c.Name)))
            o.Append(CultureInfo.InvariantCulture, $"{c.Name} is configured but not a data interface of this node\n");
        return o.Length == 0 ? "No data interfaces.\n" : o.ToString();
    }

    // ------------------------------------------------------------------ configuration mode

    private string Configuration(string line)
    {
        var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (t[0])
        {
            case "end":
            {
                if (t.Length > 1) return Error(t[1], "unexpected word");
                var pending = ConfigDiff.Diff(ConfigPrinter.Print(_node.Running, _node.Secrets), _candidate!.Print()).Count > 0;
                _candidate = null;
                return pending ? "Uncommitted changes were discarded (type `commit` before `end` to keep them).\n" : "";
            }
            case "exit":
                if (_context.Parent is { } parent) { _context = parent; return ""; }
                return Configuration("end");
            case "abort":
                if (t.Length > 1) return Error(t[1], "unexpected word");
                _candidate = null;
                return "Candidate configuration discarded.\n";
            case "commit": return Commit(t);
            case "rollback": return Rollback(t);
            case "show": return Show(t);
            case "do": return t.Length < 2 ? Error("do", "incomplete command: an exec command expected") : Exec(string.Join(' ', t[1..]));
            case "?" or "help":
                return "Configuration statements here: " + string.Join(", ", ConfigEditor.KeywordsOf(_context.Mode)) +
                       "\nCommands: commit, commit confirmed <seconds>, abort, rollback [to <commit>], show configuration [diff|commits], exit, end, do <exec command>\n";
        }
        // The candidate changes only when the statement is accepted whole (ConfigEditor checks before it changes).
        _context = _candidate!.Apply(_context, line);
        return "";
    }

    private string Commit(string[] t)
    {
        int? confirm = null;
        var comment = "";
        var i = 1;
        if (t.Length > 1 && t[1] == "confirmed")
        {
            if (t.Length < 3) return Error("confirmed", "incomplete command: seconds expected");
            if (!int.TryParse(t[2], NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s < 1 || s > 86400) return Error(t[2], "seconds: a number from 1 to 86400");
            confirm = s;
            i = 3;
        }
        if (t.Length > i)
        {
            if (t[i] != "comment" || t.Length == i + 1) return Error(t[i], "`commit [confirmed <seconds>] [comment <text>]`");
            comment = string.Join(' ', t[(i + 1)..]);
        }
        NodeConfig config;
        try { config = _candidate!.Build(); }
        catch (ConfigValidationException e) { return $"% Commit failed: {e.Message}. Nothing was committed.\n"; }
        var unchanged = ConfigPrinter.Print(config, _node.Secrets) == ConfigPrinter.Print(_node.Running, _node.Secrets);
        if (unchanged && confirm is null)
        {
            if (_node.Confirm(User)) return $"Commit {_node.RunningId} confirmed.\n";
            return "No changes to commit.\n";
        }
        CommitRecord r;
        try { r = _node.Commit(config, User, comment, confirm); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return $"% Commit failed: the data plane refused the configuration: {e.Message}. Nothing was committed.\n";
        }
        _candidate = new ConfigEditor(config, _node.Secrets);
        return confirm is { } sec
            ? $"Commit {r.Id} applied; it is rolled back in {sec} s unless confirmed with `commit`.\n"
            : $"Commit {r.Id} applied.\n";
    }

    private string Rollback(string[] t)
    {
        CommitRecord? target;
        if (t.Length == 1) target = _node.Previous ?? null;
        else if (t.Length == 3 && t[1] == "to")
        {
            if (!int.TryParse(t[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return Error(t[2], "a commit number (`show configuration commits`)");
            target = _node.Find(id);
            if (target is null) return Error(t[2], $"no such commit in the history (the last {NodeState.HistoryLength} are kept: `show configuration commits`)");
        }
        else return Error(t.Length > 1 ? t[1] : "rollback", "`rollback` (to the previous commit) or `rollback to <commit>`");
        if (target is null) return Error("rollback", "there is no previous commit");
        _candidate = new ConfigEditor(target.Config, _node.Secrets);
        _context = ConfigContext.Top;
        return $"Commit {target.Id} loaded into the candidate configuration; `commit` applies it.\n";
    }

    // ------------------------------------------------------------------ ping and traceroute

    private sealed class ProbeOptions
    {
        public IPAddress Target = IPAddress.None;
        public IPAddress? Source;
        public int Count = 5, Size = 56, MaxHops = 30, Queries = 3;
        public double Timeout = 2;
        public string? Table;
        public List<IPAddress> Segments = [];
    }

    private string? ReadProbe(string[] t, bool trace, out ProbeOptions o)
    {
        o = new ProbeOptions();
        if (t.Length < 2) return Error(t[0], "incomplete command: a destination address expected");
        if (!IPAddress.TryParse(t[1], out var target) || t[1].Contains('%')) return Error(t[1], "an IPv6 or IPv4 address");
        o.Target = target;
        for (var i = 2; i < t.Length; i++)
        {
            var key = t[i];
            if (i + 1 >= t.Length) return Error(key, "incomplete command: a value expected");
            var v = t[++i];
            int N(int min, int max) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
                : throw new ConfigException($"{key}: a number from {min} to {max}", v);
            switch (key)
            {
                case "source":
                    if (!IPAddress.TryParse(v, out var s) || s.AddressFamily != target.AddressFamily) return Error(v, "a source address of the destination's family");
                    o.Source = s;
                    break;
                case "count" when !trace: o.Count = N(1, 100000); break;
                case "size" when !trace: o.Size = N(0, 9000); break;
                case "timeout": o.Timeout = N(1, 60); break;
                case "table": o.Table = v; break;
                case "max-hops" when trace: o.MaxHops = N(1, 255); break;
                case "queries" when trace: o.Queries = N(1, 10); break;
                case "segments":
                    foreach (var w in v.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!IPAddress.TryParse(w, out var seg) || seg.AddressFamily != AddressFamily.InterNetworkV6) return Error(w, "segments: IPv6 addresses separated by commas");
                        o.Segments.Add(seg);
                    }
                    if (target.AddressFamily != AddressFamily.InterNetworkV6) return Error(v, "segments need an IPv6 destination");
                    break;
                default:
                    return Error(key, trace ? "traceroute options: source, max-hops, queries, timeout, table, segments" : "ping options: source, count, size, timeout, table, segments");
            }
        }
        o.Source ??= SourceFor(target);
        if (o.Source is null) return Error(t[1], "no address of the node to send from (configure an interface address, or give `source`)");
        return null;
    }

    private IPAddress? SourceFor(IPAddress target)
    {
        var c = _node.Running;
        var v6 = target.AddressFamily == AddressFamily.InterNetworkV6;
        foreach (var i in c.Interfaces.Where(i => !i.Shutdown))
        {
            if (v6)
            {
                foreach (var (a, l) in i.Ipv6HostAddresses) if (new IPNetwork(Mask(a, l), l).Contains(target)) return a;
                foreach (var n in i.Ipv6Addresses) if (n.Contains(target)) return n.BaseAddress;
            }
            else foreach (var (a, l) in i.Ipv4Addresses) if (new IPNetwork(Mask(a, l), l).Contains(target)) return a;
        }
        if (v6 && c.Srv6.SourceAddress is { } s) return s;
        var lo = c.LoopbackAddresses.FirstOrDefault(n => n.BaseAddress.AddressFamily == target.AddressFamily);
        if (lo.BaseAddress is not null) return lo.BaseAddress;
        foreach (var i in c.Interfaces.Where(i => !i.Shutdown))
        {
            if (v6 && i.Ipv6HostAddresses.Count > 0) return i.Ipv6HostAddresses[0].Address;
            if (v6 && i.Ipv6Addresses.Count > 0) return i.Ipv6Addresses[0].BaseAddress;
            if (!v6 && i.Ipv4Addresses.Count > 0) return i.Ipv4Addresses[0].Address;
        }
        return null;
    }

    private static IPAddress Mask(IPAddress a, int len)
    {
        var b = a.GetAddressBytes();
        for (var bit = len; bit < b.Length * 8; bit++) b[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(b);
    }

    /// <summary>Sends one probe and waits for the packet that answers it.</summary>
    private ProbeReply? Probe(byte[] packet, string? table, ushort id, ushort seq, double timeoutSeconds, out double ms)
    {
        using var replies = new BlockingCollection<byte[]>();
        void OnDelivered(ReadOnlyMemory<byte> p) => replies.Add(p.ToArray());
        _node.Engine.Delivered += OnDelivered;
        var sw = Stopwatch.StartNew();
        try
        {
            _node.Engine.Originate(packet, _node.Sink, table);
            var deadline = TimeSpan.FromSeconds(timeoutSeconds);
            while (sw.Elapsed < deadline)
            {
                if (!replies.TryTake(out var p, deadline - sw.Elapsed)) break;
                if (Probes.Match(p, id, seq) is { } r) { ms = sw.Elapsed.TotalMilliseconds; return r; }
            }
        }
        finally { _node.Engine.Delivered -= OnDelivered; }
        ms = sw.Elapsed.TotalMilliseconds;
        return null;
    }

    private ushort _seq;

    private string Ping(string[] t)
    {
        string? err;
        ProbeOptions o;
        try { err = ReadProbe(t, false, out o); }
        catch (ConfigException e) { return Error(e.Token, e.Message); }
        if (err is not null) return err;
        var via = o.Segments.Count == 0 ? "" : $" via segments {string.Join(',', o.Segments)}";
        var sb = new StringBuilder($"Sending {o.Count}, {o.Size}-byte ICMP echo requests to {o.Target}{via} from {o.Source}, timeout is {o.Timeout} seconds:\n");
        var received = 0;
        var times = new List<double>();
        var marks = new StringBuilder();
        for (var i = 0; i < o.Count; i++)
        {
            var seq = ++_seq;
            var packet = Probes.Echo(o.Source!, o.Target, _probeId, seq, o.Size, o.Segments);
            var r = Probe(packet, o.Table, _probeId, seq, o.Timeout, out var ms);
            switch (r?.Kind)
            {
                case ProbeReplyKind.EchoReply: received++; times.Add(ms); marks.Append('!'); break;
                case ProbeReplyKind.TimeExceeded: marks.Append('&'); break;
                case ProbeReplyKind.Unreachable or ProbeReplyKind.PortUnreachable: marks.Append('U'); break;
                default: marks.Append('.'); break;
            }
        }
        sb.Append(marks).Append('\n');
        var percent = received * 100 / o.Count;
        sb.Append(CultureInfo.InvariantCulture, $"Success rate is {percent} percent ({received}/{o.Count})");
        if (times.Count > 0) sb.Append(CultureInfo.InvariantCulture, $", round-trip min/avg/max = {times.Min():0.###}/{times.Average():0.###}/{times.Max():0.###} ms");
        return sb.Append('\n').ToString();
    }

    private string Traceroute(string[] t)
    {
        string? err;
        ProbeOptions o;
        try { err = ReadProbe(t, true, out o); }
        catch (ConfigException e) { return Error(e.Token, e.Message); }
        if (err is not null) return err;
        var sb = new StringBuilder($"Tracing the route to {o.Target} from {o.Source}, {o.MaxHops} hops max, {o.Queries} probes per hop\n");
        var port = (ushort)Probes.TraceroutePort;
        var srcPort = (ushort)(40000 + _probeId % 20000);
        for (var hop = 1; hop <= o.MaxHops; hop++)
        {
            IPAddress? from = null;
            var cells = new List<string>();
            var reached = false;
            for (var q = 0; q < o.Queries; q++)
            {
                var dst = port++;
                var packet = Probes.Udp(o.Source!, o.Target, srcPort, dst, hop, o.Segments);
                var r = Probe(packet, o.Table, srcPort, dst, o.Timeout, out var ms);
                if (r is null) { cells.Add("*"); continue; }
                from ??= r.From;
                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{ms:0.###} ms{(r.Kind == ProbeReplyKind.Unreachable ? " !U" : "")}"));
                if (r.Kind is ProbeReplyKind.PortUnreachable or ProbeReplyKind.Unreachable || r.Kind == ProbeReplyKind.EchoReply) reached = true;
            }
            sb.Append(CultureInfo.InvariantCulture, $"{hop,3}  {(from is null ? "" : from + "  ")}{string.Join("  ", cells)}\n");
            if (reached) break;
        }
        return sb.ToString();
    }
}
