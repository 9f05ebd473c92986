using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Conformance.ReferenceNode.Config;

/// <summary>A statement the language does not accept: names the bad token and, when parsing a file, the line.</summary>
public sealed class ConfigException(string message, string token, int? line = null) : Exception(message)
{
    public string Token { get; } = token;
    public int? Line { get; } = line;

    /// <summary>The node's error line, as the CLI prints it: <c>% Invalid input at 'xyz' (line 3): …</c>.</summary>
    public string ErrorLine => $"% Invalid input at '{Token}'{(Line is { } l ? $" (line {l})" : "")}: {Message}";
}

/// <summary>A configuration whose statements all parse but which cannot be committed as a whole (a SID without an address…).</summary>
public sealed class ConfigValidationException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>The configuration sub-modes (the block a statement belongs to).</summary>
public enum ConfigMode { Top, Interface, Loopback, Srv6, Locator, LocalSid, Policy, Domain, Oam, PolicySelector, SelectorConstituent, SelectorClass }

/// <summary>Where statements go: a mode, the item it edits (interface, locator, SID, policy name) and the enclosing context.</summary>
public sealed record ConfigContext(ConfigMode Mode, string? Name, ConfigContext? Parent)
{
    public static readonly ConfigContext Top = new(ConfigMode.Top, null, null);

    /// <summary>The prompt's mode word: <c>config</c>, <c>config-if</c>, <c>config-srv6-sid</c>…</summary>
    public string PromptWord => Mode switch
    {
        ConfigMode.Top => "config",
        ConfigMode.Interface => "config-if",
        ConfigMode.Loopback => "config-lo",
        ConfigMode.Srv6 => "config-srv6",
        ConfigMode.Locator => "config-srv6-locator",
        ConfigMode.LocalSid => "config-srv6-sid",
        ConfigMode.Policy => "config-srv6-policy",
        ConfigMode.Domain => "config-srv6-domain",
        ConfigMode.PolicySelector => "config-srv6-selector",
        ConfigMode.SelectorConstituent => "config-srv6-selector-constituent",
        ConfigMode.SelectorClass => "config-srv6-selector-class",
        _ => "config-srv6-oam",
    };
}

/// <summary>
/// The configuration language (README.md, "Configuration language"): statements applied one at a time to a mutable
/// copy of a <see cref="NodeConfig"/>, in a context (a block). The file parser and the CLI's configuration mode are
/// the same machine: a statement a block does not know is tried in the enclosing blocks, as routers do, so
/// indentation is cosmetic. Each statement is checked completely before anything changes: a rejected statement
/// leaves the configuration as it was. <see cref="Build"/> checks the whole (what a commit needs).
/// </summary>
public sealed partial class ConfigEditor
{
    private static readonly IReadOnlyDictionary<ConfigMode, string[]> Keywords = new Dictionary<ConfigMode, string[]>
    {
        [ConfigMode.Top] = ["hostname", "interface", "loopback", "route", "segment-routing", "icmp", "debug"],
        [ConfigMode.Interface] = ["ipv6", "ipv4", "srv6", "sr-domain", "hmac", "shutdown"],
        [ConfigMode.Loopback] = ["ipv6", "ipv4"],
        [ConfigMode.Srv6] = ["source-address", "flow-label", "locator", "local-sid", "policy", "domain", "hmac-key", "oam", "policy-selector"],
        [ConfigMode.Locator] = ["prefix", "compression"],
        [ConfigMode.LocalSid] = ["sid", "behavior", "flavors", "flavor", "next-hop", "out-interface", "lookup-table", "segment-list", "in-locator"],
        [ConfigMode.Policy] = ["mode", "segment-list", "steer", "install-table", "l2-source"],
        [ConfigMode.Domain] = ["protect", "drop-srh-to-local", "source-check"],
        [ConfigMode.Oam] = ["o-flag", "collector", "punt-rate"],
        [ConfigMode.PolicySelector] = ["steer", "measurement", "constituent", "class"],
        [ConfigMode.SelectorConstituent] = ["segment-list", "priority", "weight", "threshold", "wait-to-restore"],
        [ConfigMode.SelectorClass] = ["match", "priority"],
    };

    /// <summary>The statements a block accepts (for help and error messages).</summary>
    public static IReadOnlyList<string> KeywordsOf(ConfigMode mode) => Keywords[mode];

    private sealed class Sid(string name)
    {
        public string Name = name;
        public IPAddress? Address;
        public int PrefixLength = 128;
        /// <summary><c>sid dynamic</c>: the node allocates the address from the SID's locator at commit.</summary>
        public bool Dynamic;
        public Behavior? Behavior;
        public Flavors Flavors;
        public IPAddress? NextHop;
        public string? Interface, Table, Locator;
        public List<IPAddress> Segments = [];
    }

    private sealed class Policy(string name)
    {
        public string Name = name;
        public HeadendMode? Mode;
        public List<IPAddress> Segments = [];
        public IPNetwork? Match;
        public string? L2Interface, Table;
    }

    private sealed class Locator(string name)
    {
        public string Name = name;
        public IPNetwork? Prefix;
        public CsidStructure? Csid;
    }

    private readonly SecretBox _secrets;
    private string _hostname;
    private readonly List<InterfaceConfig> _interfaces;
    private readonly List<IPNetwork> _loopback;
    private readonly List<RouteConfig> _routes;
    private IPAddress? _source;
    private bool _flowLabelFromInner;
    private readonly List<Locator> _locators;
    private readonly List<Sid> _sids;
    private readonly List<Policy> _policies;
    private DomainConfig _domain;
    private readonly List<HmacKeyConfig> _keys;
    private OamConfig _oam;
    private IcmpConfig _icmp;
    private readonly HashSet<DebugFault> _faults;
    private readonly Dictionary<string, int> _definedAt = new(StringComparer.Ordinal);

    public ConfigEditor(NodeConfig config, SecretBox secrets)
    {
        _secrets = secrets;
        _hostname = config.Hostname;
        _interfaces = [.. config.Interfaces];
        _loopback = [.. config.LoopbackAddresses];
        _routes = [.. config.Routes];
        _source = config.Srv6.SourceAddress;
        _flowLabelFromInner = config.Srv6.FlowLabelFromInner;
        _locators = [.. config.Srv6.Locators.Select(l => new Locator(l.Name) { Prefix = l.Prefix, Csid = l.Csid })];
        _sids = [.. config.Srv6.Sids.Select(s => new Sid(s.Name)
        {
            Address = s.Dynamic ? null : s.Sid, Dynamic = s.Dynamic, PrefixLength = s.PrefixLength, Behavior = s.Behavior, Flavors = s.Flavors, NextHop = s.NextHop,
            Interface = s.Interface, Table = s.Table, Locator = s.Locator, Segments = [.. s.Segments],
        })];
        _policies = [.. config.Srv6.Policies.Select(p => new Policy(p.Name)
        {
            Mode = p.Mode, Segments = [.. p.Segments], Match = p.Match, L2Interface = p.L2Interface, Table = p.Table,
        })];
        _domain = config.Srv6.Domain;
        _keys = [.. config.Srv6.HmacKeys];
        _oam = config.Srv6.Oam;
        _icmp = config.Icmp;
        _faults = [.. config.DebugFaults];
        _selectors = [.. config.Srv6.Selectors.Select(Selector.From)];
    }

    // ------------------------------------------------------------------ files

    /// <summary>Parses a whole configuration text; the first bad statement throws a <see cref="ConfigException"/> with its line.</summary>
    public static NodeConfig Parse(string text, SecretBox secrets)
    {
        var editor = new ConfigEditor(new NodeConfig(), secrets);
        var ctx = ConfigContext.Top;
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('!')) { ctx = ConfigContext.Top; continue; }
            if (line == "end") break;
            if (line == "exit") { ctx = ctx.Parent ?? ConfigContext.Top; continue; }
            try { ctx = editor.Apply(ctx, line); }
            catch (ConfigException e) { throw new ConfigException(e.Message, e.Token, i + 1); }
            editor.NoteLine(ctx, i + 1);
        }
        try { return editor.Build(); }
        catch (ConfigValidationException e)
        {
            // Named by the item that is incomplete: its name and the line that opened it.
            var m = System.Text.RegularExpressions.Regex.Match(e.Problems[0], @"^\S+ (?<name>\S+) \(line (?<line>\d+)\)");
            throw m.Success
                ? new ConfigException(e.Message, m.Groups["name"].Value, int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture))
                : new ConfigException(e.Message, "end", lines.Length);
        }
    }

    private void NoteLine(ConfigContext ctx, int line)
    {
        if (ctx.Name is { } n) _definedAt.TryAdd($"{ctx.Mode}:{n}", line);
    }

    // ------------------------------------------------------------------ statements

    /// <summary>Applies one statement in <paramref name="ctx"/> and returns the context that follows (a block it opens, or the block that took it).</summary>
    public ConfigContext Apply(ConfigContext ctx, string line)
    {
        var tokens = Tokenize(line);
        if (tokens.Count == 0) return ctx;
        var negate = tokens[0] == "no";
        if (negate && tokens.Count == 1) throw new ConfigException("incomplete command: `no` what?", "no");
        var keyword = negate ? tokens[1] : tokens[0];
        for (var c = ctx; c is not null; c = c.Parent)
        {
            if (!Keywords[c.Mode].Contains(keyword)) continue;
            var args = new Args(tokens, negate ? 2 : 1, line);
            var next = negate ? No(c, keyword, args) : Do(c, keyword, args);
            return next ?? c;
        }
        var known = string.Join(", ", Keywords[ctx.Mode]);
        throw new ConfigException(ctx.Mode == ConfigMode.Top
            ? $"unknown command (configuration statements: {known})"
            : $"unknown command here (in this block: {known}; or a statement of an enclosing block)", keyword);
    }

    private static List<string> Tokenize(string line) => [.. line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The words after a statement's keyword, read left to right; reading past the end is an "incomplete command".</summary>
    private sealed class Args(List<string> tokens, int start, string line)
    {
        private int _i = start;
        public string Line { get; } = line;
        public bool More => _i < tokens.Count;
        public string Last => tokens[Math.Min(_i, tokens.Count) - 1];
        public string Peek() => More ? tokens[_i] : "";

        public string Next(string what)
        {
            if (!More) throw new ConfigException($"incomplete command: {what} expected", Last);
            return tokens[_i++];
        }

        public string Rest(string what)
        {
            if (!More) throw new ConfigException($"incomplete command: {what} expected", Last);
            var all = string.Join(' ', tokens.Skip(_i));
            _i = tokens.Count;
            return all;
        }

        public void End()
        {
            if (More) throw new ConfigException("unexpected word at the end of the statement", tokens[_i]);
        }

        public void Expect(string word)
        {
            var t = Next($"`{word}`");
            if (t != word) throw new ConfigException($"`{word}` expected", t);
        }

        public string OneOf(string what, params string[] words)
        {
            var t = Next(what);
            return words.FirstOrDefault(w => string.Equals(w, t, StringComparison.OrdinalIgnoreCase))
                ?? throw new ConfigException($"{what}: one of {string.Join(", ", words)}", t);
        }

        public int Int(string what, int min, int max)
        {
            var t = Next(what);
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
                throw new ConfigException($"{what}: a number from {min} to {max}", t);
            return v;
        }

        public IPAddress Address(string what, AddressFamily? family = null)
        {
            var t = Next(what);
            if (!IPAddress.TryParse(t, out var a) || t.Contains('%') || (family is { } f && a.AddressFamily != f) || (a.AddressFamily == AddressFamily.InterNetwork && t.Count(c => c == '.') != 3))
                throw new ConfigException($"{what}: {(family == AddressFamily.InterNetwork ? "an IPv4 address" : family == AddressFamily.InterNetworkV6 ? "an IPv6 address" : "an IP address")}", t);
            return a;
        }

        public (IPAddress Address, int Length) AddressWithLength(string what, AddressFamily family)
        {
            var t = Next(what);
            var slash = t.IndexOf('/');
            var max = family == AddressFamily.InterNetwork ? 32 : 128;
            if (slash < 0 || !IPAddress.TryParse(t[..slash], out var a) || a.AddressFamily != family
                || !int.TryParse(t[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var len) || len > max)
                throw new ConfigException($"{what}: address/length ({(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")})", t);
            return (a, len);
        }

        public IPNetwork Prefix(string what, AddressFamily? family = null)
        {
            var t = Next(what);
            if (!IPNetwork.TryParse(t, out var p) || !t.Contains('/') || (family is { } f && p.BaseAddress.AddressFamily != f)
                || !IPAddress.TryParse(t[..t.IndexOf('/')], out var written) || !written.Equals(p.BaseAddress))
            {
                var hostBits = t.Contains('/') && IPAddress.TryParse(t[..t.IndexOf('/')], out _) ? " with no bits set after the length" : "";
                throw new ConfigException($"{what}: a prefix (address/length){hostBits}", t);
            }
            return p;
        }

        /// <summary>A segment list: comma-separated and/or space-separated IPv6 addresses, first segment first.</summary>
        public List<IPAddress> Segments(string what)
        {
            var words = Rest(what).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
            var list = new List<IPAddress>();
            foreach (var w in words)
            {
                if (!IPAddress.TryParse(w, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6)
                    throw new ConfigException($"{what}: IPv6 addresses separated by commas", w);
                list.Add(a);
            }
            return list;
        }

        public string Name(string what)
        {
            var t = Next(what);
            if (t.Length > 64 || t.Any(c => char.IsControl(c) || c is '"' or '\'' or ',' or '!' or '#'))
                throw new ConfigException($"{what}: a name of letters, digits and - _ . : /", t);
            return t;
        }
    }

    private ConfigContext? Do(ConfigContext c, string keyword, Args a)
    {
        if (DoSelector(c, keyword, a, out var selectorNext)) return selectorNext;
        switch (c.Mode, keyword)
        {
            case (ConfigMode.Top, "hostname"):
            {
                var h = a.Name("host name");
                if (!h.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
                    throw new ConfigException("host name: letters, digits, - _ .", h);
                a.End();
                _hostname = h;
                return null;
            }
            case (ConfigMode.Top, "interface"):
            {
                var n = a.Name("interface name");
                a.End();
                if (n == "loopback") throw new ConfigException("the loopback is configured with `loopback`", n);
                if (!_interfaces.Any(i => i.Name == n)) _interfaces.Add(new InterfaceConfig(n));
                return new ConfigContext(ConfigMode.Interface, n, ConfigContext.Top);
            }
            case (ConfigMode.Top, "loopback"):
                a.End();
                return new ConfigContext(ConfigMode.Loopback, null, ConfigContext.Top);
            case (ConfigMode.Top, "route"):
            {
                var r = ReadRoute(a, negate: false)!;
                if (_routes.Contains(r)) return null;
                _routes.Add(r);
                return null;
            }
            case (ConfigMode.Top, "segment-routing"):
                a.Expect("srv6");
                a.End();
                return new ConfigContext(ConfigMode.Srv6, null, ConfigContext.Top);
            case (ConfigMode.Top, "icmp"):
            {
                a.Expect("error-interval");
                var ms = a.Int("interval in milliseconds (0 = no limit)", 0, 60000);
                var burst = _icmp.ErrorBurst;
                if (a.More) { a.Expect("burst"); burst = a.Int("burst", 1, 100000); }
                a.End();
                _icmp = _icmp with { ErrorIntervalMs = ms, ErrorBurst = burst };
                return null;
            }
            case (ConfigMode.Top, "debug"):
            {
                var f = ReadFault(a);
                _faults.Add(f);
                return null;
            }

            case (ConfigMode.Interface, "ipv6"):
            {
                a.Expect("address");
                var (addr, len) = a.AddressWithLength("IPv6 address", AddressFamily.InterNetworkV6);
                a.End();
                EditInterface(c.Name!, i => IsAligned(addr, len)
                    ? i.Ipv6Addresses.Contains(new IPNetwork(addr, len)) ? i : i with { Ipv6Addresses = [.. i.Ipv6Addresses, new IPNetwork(addr, len)] }
                    : i.Ipv6HostAddresses.Contains((addr, len)) ? i : i with { Ipv6HostAddresses = [.. i.Ipv6HostAddresses, (addr, len)] });
                return null;
            }
            case (ConfigMode.Interface, "ipv4"):
            {
                a.Expect("address");
                var v = a.AddressWithLength("IPv4 address", AddressFamily.InterNetwork);
                a.End();
                EditInterface(c.Name!, i => i.Ipv4Addresses.Contains(v) ? i : i with { Ipv4Addresses = [.. i.Ipv4Addresses, v] });
                return null;
            }
            case (ConfigMode.Interface, "srv6"):
            {
                var w = a.OneOf("SRH processing", "enable", "disable");
                a.End();
                EditInterface(c.Name!, i => i with { Srv6Enabled = w == "enable" });
                return null;
            }
            case (ConfigMode.Interface, "sr-domain"):
            {
                var w = a.OneOf("SR-domain role", "internal", "external");
                a.End();
                EditInterface(c.Name!, i => i with { External = w == "external" });
                return null;
            }
            case (ConfigMode.Interface, "hmac"):
            {
                var w = a.OneOf("HMAC policy", "ignore", "verify-if-present", "require");
                a.End();
                EditInterface(c.Name!, i => i with { Hmac = w switch { "require" => HmacPolicyMode.Require, "verify-if-present" => HmacPolicyMode.VerifyIfPresent, _ => HmacPolicyMode.Ignore } });
                return null;
            }
            case (ConfigMode.Interface, "shutdown"):
                a.End();
                EditInterface(c.Name!, i => i with { Shutdown = true });
                return null;

            case (ConfigMode.Loopback, "ipv6" or "ipv4"):
            {
                a.Expect("address");
                var p = a.Prefix("loopback address/length", keyword == "ipv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
                a.End();
                if (!_loopback.Contains(p)) _loopback.Add(p);
                return null;
            }

            case (ConfigMode.Srv6, "source-address"):
            {
                var s = a.Address("encapsulation source address", AddressFamily.InterNetworkV6);
                a.End();
                _source = s;
                return null;
            }
            case (ConfigMode.Srv6, "flow-label"):
            {
                var w = a.OneOf("outer flow label", "from-inner", "zero");
                a.End();
                _flowLabelFromInner = w == "from-inner";
                return null;
            }
            case (ConfigMode.Srv6, "locator"):
            {
                var n = a.Name("locator name");
                a.End();
                if (!_locators.Any(l => l.Name == n)) _locators.Add(new Locator(n));
                return new ConfigContext(ConfigMode.Locator, n, Srv6Context);
            }
            case (ConfigMode.Srv6, "local-sid"):
            {
                var n = a.Name("SID name");
                a.End();
                if (!_sids.Any(s => s.Name == n)) _sids.Add(new Sid(n));
                return new ConfigContext(ConfigMode.LocalSid, n, Srv6Context);
            }
            case (ConfigMode.Srv6, "policy"):
            {
                var n = a.Name("policy name");
                a.End();
                if (!_policies.Any(p => p.Name == n)) _policies.Add(new Policy(n));
                return new ConfigContext(ConfigMode.Policy, n, Srv6Context);
            }
            case (ConfigMode.Srv6, "domain"):
                a.End();
                return new ConfigContext(ConfigMode.Domain, null, Srv6Context);
            case (ConfigMode.Srv6, "oam"):
                a.End();
                return new ConfigContext(ConfigMode.Oam, null, Srv6Context);
            case (ConfigMode.Srv6, "hmac-key"):
            {
                var idText = a.Next("key id");
                if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
                    throw new ConfigException("key id: a number from 1 to 4294967295", idText);
                a.Expect("algorithm");
                var alg = a.OneOf("HMAC algorithm", "sha1", "sha256") == "sha1" ? HmacAlgorithmId.Sha1 : HmacAlgorithmId.Sha256;
                a.Expect("secret");
                byte[] secret;
                if (a.Peek() == "encrypted")
                {
                    a.Next("encrypted");
                    var blob = a.Next("the encrypted secret");
                    a.End();
                    secret = _secrets.Unprotect(id, blob)
                        ?? throw new ConfigException("this encrypted secret was not printed by this node (type the secret in clear: `secret <text>`)", blob);
                }
                else
                {
                    var text = a.Rest("the secret");
                    secret = System.Text.Encoding.UTF8.GetBytes(text);
                }
                if (secret.Length == 0) throw new ConfigException("the secret is empty", "secret");
                _keys.RemoveAll(k => k.KeyId == id);
                _keys.Add(new HmacKeyConfig(id, alg, secret));
                _keys.Sort((x, y) => x.KeyId.CompareTo(y.KeyId));
                return null;
            }

            case (ConfigMode.Locator, "prefix"):
            {
                var p = a.Prefix("locator prefix", AddressFamily.InterNetworkV6);
                a.End();
                LocatorOf(c).Prefix = p;
                return null;
            }
            case (ConfigMode.Locator, "compression"):
            {
                var kind = a.OneOf("C-SID flavor", "next-csid", "replace-csid") == "next-csid" ? CsidFlavorKind.Next : CsidFlavorKind.Replace;
                a.Expect("block-bits");
                var block = a.Int("locator-block length in bits", 8, 120);
                a.Expect("csid-bits");
                var csid = a.Int("C-SID length in bits", 8, 64);
                a.End();
                LocatorOf(c).Csid = new CsidStructure(kind, block, csid);
                return null;
            }

            case (ConfigMode.LocalSid, "sid") when a.Peek() == "dynamic":
            {
                a.Next("dynamic");
                a.End();
                var s = SidOf(c);
                s.Address = null;
                s.PrefixLength = 128;
                s.Dynamic = true;
                return null;
            }
            case (ConfigMode.LocalSid, "sid"):
            {
                var t = a.Peek();
                IPAddress addr;
                var len = 128;
                if (t.Contains('/')) (addr, len) = a.AddressWithLength("SID address/length", AddressFamily.InterNetworkV6);
                else addr = a.Address("SID address", AddressFamily.InterNetworkV6);
                a.End();
                var s = SidOf(c);
                s.Address = addr;
                s.PrefixLength = len;
                s.Dynamic = false;
                return null;
            }
            case (ConfigMode.LocalSid, "behavior"):
            {
                var t = a.Next("behavior");
                var b = ParseBehavior(t) ?? throw new ConfigException($"behavior: one of {string.Join(", ", Enum.GetValues<Behavior>().Select(BehaviorName))}", t);
                a.End();
                SidOf(c).Behavior = b;
                return null;
            }
            case (ConfigMode.LocalSid, "flavors"):
            {
                var f = Flavors.None;
                do
                {
                    var t = a.Next("flavor");
                    f |= ParseFlavor(t) ?? throw new ConfigException("flavor: psp, usp, usd, next-csid or replace-csid", t);
                } while (a.More);
                SidOf(c).Flavors = f;
                return null;
            }
            case (ConfigMode.LocalSid, "flavor"):
            {
                var t = a.Next("flavor");
                var f = ParseFlavor(t) ?? throw new ConfigException("flavor: psp, usp, usd, next-csid or replace-csid", t);
                a.End();
                SidOf(c).Flavors |= f;
                return null;
            }
            case (ConfigMode.LocalSid, "next-hop"):
            {
                var nh = a.Address("next hop");
                a.End();
                SidOf(c).NextHop = nh;
                return null;
            }
            case (ConfigMode.LocalSid, "out-interface"):
            {
                var n = a.Name("interface name");
                a.End();
                SidOf(c).Interface = n;
                return null;
            }
            case (ConfigMode.LocalSid, "lookup-table"):
            {
                var n = a.Name("table name");
                a.End();
                SidOf(c).Table = n is "main" or "default" ? null : n;
                return null;
            }
            case (ConfigMode.LocalSid, "segment-list"):
            {
                var l = a.Segments("segment list");
                SidOf(c).Segments = l;
                return null;
            }
            case (ConfigMode.LocalSid, "in-locator"):
            {
                var n = a.Name("locator name");
                a.End();
                SidOf(c).Locator = n;
                return null;
            }

            case (ConfigMode.Policy, "mode"):
            {
                var t = a.Next("headend behaviour");
                var m = ParseHeadend(t) ?? throw new ConfigException("headend behaviour: H.Encaps, H.Encaps.Red, H.Encaps.L2, H.Encaps.L2.Red or H.Insert", t);
                a.End();
                PolicyOf(c).Mode = m;
                return null;
            }
            case (ConfigMode.Policy, "segment-list"):
            {
                var l = a.Segments("segment list");
                PolicyOf(c).Segments = l;
                return null;
            }
            case (ConfigMode.Policy, "steer"):
            {
                var p = a.Prefix("destination prefix steered into the policy");
                a.End();
                PolicyOf(c).Match = p;
                return null;
            }
            case (ConfigMode.Policy, "install-table"):
            {
                var n = a.Name("table name");
                a.End();
                PolicyOf(c).Table = n is "main" or "default" ? null : n;
                return null;
            }
            case (ConfigMode.Policy, "l2-source"):
            {
                var n = a.Name("interface name");
                a.End();
                PolicyOf(c).L2Interface = n;
                return null;
            }

            case (ConfigMode.Domain, "protect"):
            {
                var p = a.Prefix("protected prefix", AddressFamily.InterNetworkV6);
                a.End();
                if (!_domain.ProtectedPrefixes.Contains(p)) _domain = _domain with { ProtectedPrefixes = [.. _domain.ProtectedPrefixes, p] };
                return null;
            }
            case (ConfigMode.Domain, "drop-srh-to-local"):
                a.End();
                _domain = _domain with { DropSrhToLocalFromExternal = true };
                return null;
            case (ConfigMode.Domain, "source-check"):
            {
                var iface = a.Name("interface name");
                a.Expect("locator");
                var loc = a.Prefix("locator prefix", AddressFamily.InterNetworkV6);
                a.Expect("inside");
                var words = a.Rest("inside source prefixes").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
                var inside = new List<IPNetwork>();
                foreach (var w in words)
                    inside.Add(IPNetwork.TryParse(w, out var p) && w.Contains('/') && IPAddress.Parse(w[..w.IndexOf('/')]).Equals(p.BaseAddress) ? p : throw new ConfigException("inside sources: prefixes separated by commas", w));
                _domain = _domain with { SourceChecks = [.. _domain.SourceChecks.Where(s => s.Interface != iface), new SourceCheckConfig(iface, loc, inside)] };
                return null;
            }

            case (ConfigMode.Oam, "o-flag"):
            {
                var w = a.OneOf("O-flag processing", "enable", "disable");
                a.End();
                _oam = _oam with { OFlagEnabled = w == "enable" };
                return null;
            }
            case (ConfigMode.Oam, "collector"):
            {
                var addr = a.Address("collector address");
                a.End();
                _oam = _oam with { Collector = addr };
                return null;
            }
            case (ConfigMode.Oam, "punt-rate"):
            {
                var rate = a.Int("punts per second", 1, 10_000_000);
                var burst = _oam.PuntBurst;
                if (a.More) { a.Expect("burst"); burst = a.Int("burst", 1, 10_000_000); }
                a.End();
                _oam = _oam with { PuntRatePerSecond = rate, PuntBurst = burst };
                return null;
            }
        }
        throw new ConfigException("unknown command", keyword);
    }

    private ConfigContext? No(ConfigContext c, string keyword, Args a)
    {
        if (NoSelector(c, keyword, a)) return null;
        switch (c.Mode, keyword)
        {
            case (ConfigMode.Top, "hostname"): _hostname = new NodeConfig().Hostname; return null;
            case (ConfigMode.Top, "interface"):
            {
                var n = a.Name("interface name");
                a.End();
                if (_interfaces.RemoveAll(i => i.Name == n) == 0) throw new ConfigException("no such interface in the configuration", n);
                return null;
            }
            case (ConfigMode.Top, "loopback"): a.End(); _loopback.Clear(); return null;
            case (ConfigMode.Top, "route"):
            {
                var (table, prefix, nh) = ReadRouteKey(a);
                if (_routes.RemoveAll(r => r.Table == table && r.Prefix == prefix && (nh is null || Equals(r.NextHop, nh))) == 0)
                    throw new ConfigException("no such route in the configuration", prefix.ToString());
                return null;
            }
            case (ConfigMode.Top, "segment-routing"):
                a.Expect("srv6");
                a.End();
                _source = null; _flowLabelFromInner = true; _locators.Clear(); _sids.Clear(); _policies.Clear();
                _domain = new DomainConfig(); _keys.Clear(); _oam = new OamConfig();
                return null;
            case (ConfigMode.Top, "icmp"): _icmp = new IcmpConfig(); return null;
            case (ConfigMode.Top, "debug"): { var f = ReadFault(a); _faults.Remove(f); return null; }

            case (ConfigMode.Interface, "ipv6"):
            {
                a.Expect("address");
                var (addr, len) = a.AddressWithLength("IPv6 address", AddressFamily.InterNetworkV6);
                a.End();
                EditInterface(c.Name!, i => i with
                {
                    Ipv6Addresses = [.. i.Ipv6Addresses.Where(n => !(n.BaseAddress.Equals(addr) && n.PrefixLength == len))],
                    Ipv6HostAddresses = [.. i.Ipv6HostAddresses.Where(h => !(h.Address.Equals(addr) && h.PrefixLength == len))],
                });
                return null;
            }
            case (ConfigMode.Interface, "ipv4"):
            {
                a.Expect("address");
                var v = a.AddressWithLength("IPv4 address", AddressFamily.InterNetwork);
                a.End();
                EditInterface(c.Name!, i => i with { Ipv4Addresses = [.. i.Ipv4Addresses.Where(x => x != v)] });
                return null;
            }
            case (ConfigMode.Interface, "srv6"): EditInterface(c.Name!, i => i with { Srv6Enabled = true }); return null;
            case (ConfigMode.Interface, "sr-domain"): EditInterface(c.Name!, i => i with { External = false }); return null;
            case (ConfigMode.Interface, "hmac"): EditInterface(c.Name!, i => i with { Hmac = HmacPolicyMode.Ignore }); return null;
            case (ConfigMode.Interface, "shutdown"): a.End(); EditInterface(c.Name!, i => i with { Shutdown = false }); return null;

            case (ConfigMode.Loopback, "ipv6" or "ipv4"):
            {
                a.Expect("address");
                var p = a.Prefix("loopback address/length");
                a.End();
                _loopback.Remove(p);
                return null;
            }

            case (ConfigMode.Srv6, "source-address"): _source = null; return null;
            case (ConfigMode.Srv6, "flow-label"): _flowLabelFromInner = true; return null;
            case (ConfigMode.Srv6, "locator"): { var n = a.Name("locator name"); a.End(); Remove(_locators.RemoveAll(l => l.Name == n), n); return null; }
            case (ConfigMode.Srv6, "local-sid"): { var n = a.Name("SID name"); a.End(); Remove(_sids.RemoveAll(s => s.Name == n), n); return null; }
            case (ConfigMode.Srv6, "policy"): { var n = a.Name("policy name"); a.End(); Remove(_policies.RemoveAll(p => p.Name == n), n); return null; }
            case (ConfigMode.Srv6, "domain"): a.End(); _domain = new DomainConfig(); return null;
            case (ConfigMode.Srv6, "oam"): a.End(); _oam = new OamConfig(); return null;
            case (ConfigMode.Srv6, "hmac-key"):
            {
                var idText = a.Next("key id");
                if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) throw new ConfigException("key id: a number", idText);
                Remove(_keys.RemoveAll(k => k.KeyId == id), idText);
                return null;
            }

            case (ConfigMode.Locator, "prefix"): LocatorOf(c).Prefix = null; return null;
            case (ConfigMode.Locator, "compression"): LocatorOf(c).Csid = null; return null;

            case (ConfigMode.LocalSid, "sid"): SidOf(c).Address = null; SidOf(c).Dynamic = false; SidOf(c).PrefixLength = 128; return null;
            case (ConfigMode.LocalSid, "behavior"): SidOf(c).Behavior = null; return null;
            case (ConfigMode.LocalSid, "flavors"): SidOf(c).Flavors = Flavors.None; return null;
            case (ConfigMode.LocalSid, "flavor"):
            {
                var t = a.Next("flavor");
                var f = ParseFlavor(t) ?? throw new ConfigException("flavor: psp, usp, usd, next-csid or replace-csid", t);
                SidOf(c).Flavors &= ~f;
                return null;
            }
            case (ConfigMode.LocalSid, "next-hop"): SidOf(c).NextHop = null; return null;
            case (ConfigMode.LocalSid, "out-interface"): SidOf(c).Interface = null; return null;
            case (ConfigMode.LocalSid, "lookup-table"): SidOf(c).Table = null; return null;
            case (ConfigMode.LocalSid, "segment-list"): SidOf(c).Segments = []; return null;
            case (ConfigMode.LocalSid, "in-locator"): SidOf(c).Locator = null; return null;

            case (ConfigMode.Policy, "mode"): PolicyOf(c).Mode = null; return null;
            case (ConfigMode.Policy, "segment-list"): PolicyOf(c).Segments = []; return null;
            case (ConfigMode.Policy, "steer"): PolicyOf(c).Match = null; return null;
            case (ConfigMode.Policy, "install-table"): PolicyOf(c).Table = null; return null;
            case (ConfigMode.Policy, "l2-source"): PolicyOf(c).L2Interface = null; return null;

            case (ConfigMode.Domain, "protect"):
            {
                var p = a.Prefix("protected prefix");
                a.End();
                _domain = _domain with { ProtectedPrefixes = [.. _domain.ProtectedPrefixes.Where(x => x != p)] };
                return null;
            }
            case (ConfigMode.Domain, "drop-srh-to-local"): _domain = _domain with { DropSrhToLocalFromExternal = false }; return null;
            case (ConfigMode.Domain, "source-check"):
            {
                var iface = a.Name("interface name");
                _domain = _domain with { SourceChecks = [.. _domain.SourceChecks.Where(s => s.Interface != iface)] };
                return null;
            }

            case (ConfigMode.Oam, "o-flag"): _oam = _oam with { OFlagEnabled = false }; return null;
            case (ConfigMode.Oam, "collector"): _oam = _oam with { Collector = null }; return null;
            case (ConfigMode.Oam, "punt-rate"): _oam = _oam with { PuntRatePerSecond = null, PuntBurst = new OamConfig().PuntBurst }; return null;
        }
        throw new ConfigException("this statement has no `no` form", keyword);
    }

    private static readonly ConfigContext Srv6Context = new(ConfigMode.Srv6, null, ConfigContext.Top);

    private static void Remove(int removed, string name)
    {
        if (removed == 0) throw new ConfigException("not in the configuration", name);
    }

    private void EditInterface(string name, Func<InterfaceConfig, InterfaceConfig> change)
    {
        var i = _interfaces.FindIndex(x => x.Name == name);
        if (i < 0) { _interfaces.Add(change(new InterfaceConfig(name))); return; }
        _interfaces[i] = change(_interfaces[i]);
    }

    private Locator LocatorOf(ConfigContext c)
    {
        var l = _locators.FirstOrDefault(x => x.Name == c.Name);
        if (l is null) { l = new Locator(c.Name!); _locators.Add(l); }
        return l;
    }

    private Sid SidOf(ConfigContext c)
    {
        var s = _sids.FirstOrDefault(x => x.Name == c.Name);
        if (s is null) { s = new Sid(c.Name!); _sids.Add(s); }
        return s;
    }

    private Policy PolicyOf(ConfigContext c)
    {
        var p = _policies.FirstOrDefault(x => x.Name == c.Name);
        if (p is null) { p = new Policy(c.Name!); _policies.Add(p); }
        return p;
    }

    private static bool IsAligned(IPAddress a, int len)
    {
        var b = a.GetAddressBytes();
        for (var bit = len; bit < b.Length * 8; bit++) if ((b[bit / 8] & (0x80 >> (bit % 8))) != 0) return false;
        return true;
    }

    private static RouteConfig? ReadRoute(Args a, bool negate)
    {
        var (table, prefix, _) = ReadRouteKey(a, nextHopToo: false);
        var w = a.OneOf("route target", "via", "interface", "discard");
        if (w == "discard") { a.End(); return new RouteConfig(table, prefix, null, null) { Discard = true }; }
        IPAddress? nh = null;
        string? iface = null;
        if (w == "via")
        {
            nh = a.Address("next hop");
            if (nh.AddressFamily != prefix.BaseAddress.AddressFamily) throw new ConfigException("the next hop's family differs from the prefix's", nh.ToString());
            if (a.More) { a.Expect("interface"); iface = a.Name("interface name"); }
        }
        else iface = a.Name("interface name");
        a.End();
        _ = negate;
        return new RouteConfig(table, prefix, nh, iface);
    }

    private static (string Table, IPNetwork Prefix, IPAddress? NextHop) ReadRouteKey(Args a, bool nextHopToo = true)
    {
        var table = "main";
        if (a.Peek() == "table") { a.Next("table"); table = a.Name("table name"); }
        var prefix = a.Prefix("destination prefix");
        IPAddress? nh = null;
        if (nextHopToo && a.More)
        {
            var w = a.OneOf("route target", "via", "interface", "discard");
            if (w == "via") nh = a.Address("next hop");
            else if (w == "interface") a.Name("interface name");
            if (a.More) { a.Expect("interface"); a.Name("interface name"); }
            a.End();
        }
        return (table, prefix, nh);
    }

    private static DebugFault ReadFault(Args a)
    {
        a.Expect("fault");
        var t = a.Next("fault name");
        a.End();
        return Enum.GetValues<DebugFault>().Cast<DebugFault?>().FirstOrDefault(f => FaultName(f!.Value) == t)
            ?? throw new ConfigException("no such fault", t);
    }

    // ------------------------------------------------------------------ words

    public static string FaultName(DebugFault f) => Kebab(f.ToString());

    private static string Kebab(string pascal) =>
        string.Concat(pascal.Select((ch, i) => char.IsUpper(ch) && i > 0 ? "-" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));

    public static string BehaviorName(Behavior b) => b switch
    {
        Behavior.End => "End",
        Behavior.EndX => "End.X",
        Behavior.EndT => "End.T",
        Behavior.EndDX2 => "End.DX2",
        Behavior.EndDX4 => "End.DX4",
        Behavior.EndDX6 => "End.DX6",
        Behavior.EndDT4 => "End.DT4",
        Behavior.EndDT6 => "End.DT6",
        Behavior.EndDT46 => "End.DT46",
        Behavior.EndB6Encaps => "End.B6.Encaps",
        _ => "End.B6.Encaps.Red",
    };

    public static Behavior? ParseBehavior(string t) =>
        Enum.GetValues<Behavior>().Cast<Behavior?>().FirstOrDefault(b => string.Equals(BehaviorName(b!.Value), t, StringComparison.OrdinalIgnoreCase));

    public static string HeadendName(HeadendMode m) => m switch
    {
        HeadendMode.Encaps => "H.Encaps",
        HeadendMode.EncapsRed => "H.Encaps.Red",
        HeadendMode.EncapsL2 => "H.Encaps.L2",
        HeadendMode.EncapsL2Red => "H.Encaps.L2.Red",
        _ => "H.Insert",
    };

    public static HeadendMode? ParseHeadend(string t) =>
        Enum.GetValues<HeadendMode>().Cast<HeadendMode?>().FirstOrDefault(m => string.Equals(HeadendName(m!.Value), t, StringComparison.OrdinalIgnoreCase));

    private static readonly (Flavors Flavor, string Word)[] FlavorWords =
        [(Flavors.Psp, "psp"), (Flavors.Usp, "usp"), (Flavors.Usd, "usd"), (Flavors.NextCsid, "next-csid"), (Flavors.ReplaceCsid, "replace-csid")];

    public static Flavors? ParseFlavor(string t) =>
        FlavorWords.Where(f => string.Equals(f.Word, t, StringComparison.OrdinalIgnoreCase)).Select(f => (Flavors?)f.Flavor).FirstOrDefault();

    public static string FlavorNames(Flavors f) => string.Join(' ', FlavorWords.Where(x => f.HasFlag(x.Flavor)).Select(x => x.Word));

    // ------------------------------------------------------------------ the whole

    /// <summary>The configuration as a <see cref="NodeConfig"/>, or every reason it cannot be committed.</summary>
    public NodeConfig Build()
    {
        var problems = new List<string>();
        string At(ConfigMode m, string n) => _definedAt.TryGetValue($"{m}:{n}", out var l) ? $" (line {l})" : "";
        foreach (var l in _locators.Where(l => l.Prefix is null)) problems.Add($"locator {l.Name}{At(ConfigMode.Locator, l.Name)} has no prefix");
        var sids = new List<LocalSidConfig>();
        var allocated = AllocateDynamicSids(problems, At);
        foreach (var s in _sids)
        {
            var where = $"local-sid {s.Name}{At(ConfigMode.LocalSid, s.Name)}";
            if (s.Dynamic && !allocated.ContainsKey(s.Name)) continue; // the reason is in problems already
            var address = s.Dynamic ? allocated[s.Name] : s.Address;
            if (address is null) { problems.Add($"{where} has no `sid` address"); continue; }
            if (s.Behavior is not { } b) { problems.Add($"{where} has no behavior"); continue; }
            if (b is Behavior.EndX or Behavior.EndDX4 or Behavior.EndDX6 && s.NextHop is null) problems.Add($"{where}: {BehaviorName(b)} needs a next-hop");
            if (b == Behavior.EndDX4 && s.NextHop is { AddressFamily: not AddressFamily.InterNetwork }) problems.Add($"{where}: End.DX4 needs an IPv4 next-hop");
            if (b == Behavior.EndDX6 && s.NextHop is { AddressFamily: not AddressFamily.InterNetworkV6 }) problems.Add($"{where}: End.DX6 needs an IPv6 next-hop");
            if (b == Behavior.EndDX2 && s.Interface is null) problems.Add($"{where}: End.DX2 needs an out-interface");
            if (b is Behavior.EndB6Encaps or Behavior.EndB6EncapsRed && s.Segments.Count == 0) problems.Add($"{where}: {BehaviorName(b)} needs a segment-list");
            if (s.Locator is { } ln && !_locators.Any(l => l.Name == ln)) problems.Add($"{where}: in-locator {ln} is not a configured locator");
            if (sids.Any(x => x.Sid.Equals(address) && x.PrefixLength == s.PrefixLength)) problems.Add($"{where}: SID {address}/{s.PrefixLength} is already another local-sid's");
            sids.Add(new LocalSidConfig(s.Name, address, b)
            {
                Dynamic = s.Dynamic, PrefixLength = s.PrefixLength, Flavors = s.Flavors, NextHop = s.NextHop, Interface = s.Interface, Table = s.Table,
                Segments = [.. s.Segments], Locator = s.Locator,
            });
        }
        var policies = new List<HeadendPolicyConfig>();
        foreach (var p in _policies)
        {
            var where = $"policy {p.Name}{At(ConfigMode.Policy, p.Name)}";
            if (p.Mode is not { } m) { problems.Add($"{where} has no mode"); continue; }
            if (p.Segments.Count == 0) problems.Add($"{where} has no segment-list");
            var l2 = m is HeadendMode.EncapsL2 or HeadendMode.EncapsL2Red;
            if (l2 && p.L2Interface is null && p.Match is null) problems.Add($"{where}: {HeadendName(m)} needs an l2-source interface or a steer prefix");
            if (!l2 && p.Match is null) problems.Add($"{where}: {HeadendName(m)} needs a steer prefix");
            policies.Add(new HeadendPolicyConfig(p.Name, m, [.. p.Segments]) { Match = p.Match, L2Interface = p.L2Interface, Table = p.Table });
        }
        var selectors = BuildSelectors(problems, n => At(ConfigMode.PolicySelector, n));
        if (problems.Count > 0) throw new ConfigValidationException(problems);
        return new NodeConfig
        {
            Hostname = _hostname,
            Interfaces = [.. _interfaces],
            LoopbackAddresses = [.. _loopback],
            Routes = [.. _routes],
            Srv6 = new Srv6Config
            {
                SourceAddress = _source,
                FlowLabelFromInner = _flowLabelFromInner,
                Locators = [.. _locators.Select(l => new LocatorConfig(l.Name, l.Prefix!.Value) { Csid = l.Csid })],
                Sids = sids,
                Policies = policies,
                Domain = _domain,
                HmacKeys = [.. _keys],
                Oam = _oam,
                Selectors = selectors,
            },
            Icmp = _icmp,
            DebugFaults = new HashSet<DebugFault>(_faults),
        };
    }

    /// <summary>First function of the node's dynamic range: the 16 bits right after the locator, 0xe000–0xfeff (explicit SIDs use the rest).</summary>
    public const int DynamicFunctionFirst = 0xe000, DynamicFunctionLast = 0xfeff;

    /// <summary>
    /// The addresses of the <c>sid dynamic</c> SIDs, in configuration order: each the lowest free function of the node's
    /// dynamic range (<see cref="DynamicFunctionFirst"/>…) in the 16 bits after its locator, free meaning no other SID
    /// (explicit or allocated before it) has that address. The same configuration always allocates the same SIDs.
    /// </summary>
    private Dictionary<string, IPAddress> AllocateDynamicSids(List<string> problems, Func<ConfigMode, string, string> at)
    {
        var result = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        var taken = new HashSet<IPAddress>(_sids.Where(s => !s.Dynamic && s.Address is not null).Select(s => s.Address!));
        foreach (var s in _sids.Where(s => s.Dynamic))
        {
            var where = $"local-sid {s.Name}{at(ConfigMode.LocalSid, s.Name)}";
            var locator = s.Locator is { } ln ? _locators.FirstOrDefault(l => l.Name == ln) : null;
            if (locator?.Prefix is not { } prefix) { problems.Add($"{where}: `sid dynamic` needs an in-locator with a prefix to allocate from"); continue; }
            if (prefix.PrefixLength > 112) { problems.Add($"{where}: locator {locator.Name} ({prefix}) leaves fewer than 16 function bits to allocate from"); continue; }
            var bytes = prefix.BaseAddress.GetAddressBytes();
            var baseValue = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            IPAddress? found = null;
            for (var f = DynamicFunctionFirst; f <= DynamicFunctionLast && found is null; f++)
            {
                var v = baseValue | (new System.Numerics.BigInteger(f) << (128 - prefix.PrefixLength - 16));
                var raw = v.ToByteArray(isUnsigned: true, isBigEndian: true);
                var full = new byte[16];
                raw.CopyTo(full, 16 - raw.Length);
                var candidate = new IPAddress(full);
                if (taken.Add(candidate)) found = candidate;
            }
            if (found is null) { problems.Add($"{where}: the dynamic range of locator {locator.Name} is full"); continue; }
            result[s.Name] = found;
        }
        return result;
    }

    /// <summary>The configuration as text, including items not complete yet (a candidate being edited).</summary>
    public string Print()
    {
        try { return ConfigPrinter.Print(Build(), _secrets); }
        catch (ConfigValidationException)
        {
            // Incomplete items are printed as far as they go, so `show configuration` shows what was typed.
            return ConfigPrinter.Print(BuildLenient(), _secrets, new HashSet<string>(_sids.Where(s => s.Behavior is null).Select(s => s.Name)
                .Concat(_policies.Where(p => p.Mode is null).Select(p => p.Name)), StringComparer.Ordinal));
        }
    }

    private NodeConfig BuildLenient()
    {
        var sids = _sids.Select(s => new LocalSidConfig(s.Name, s.Address ?? IPAddress.IPv6None, s.Behavior ?? Behavior.End)
        {
            Dynamic = s.Dynamic, PrefixLength = s.PrefixLength, Flavors = s.Flavors, NextHop = s.NextHop, Interface = s.Interface, Table = s.Table,
            Segments = [.. s.Segments], Locator = s.Locator,
        }).ToList();
        var policies = _policies.Select(p => new HeadendPolicyConfig(p.Name, p.Mode ?? HeadendMode.Encaps, [.. p.Segments])
        { Match = p.Match, L2Interface = p.L2Interface, Table = p.Table }).ToList();
        return new NodeConfig
        {
            Hostname = _hostname, Interfaces = [.. _interfaces], LoopbackAddresses = [.. _loopback], Routes = [.. _routes],
            Srv6 = new Srv6Config
            {
                SourceAddress = _source, FlowLabelFromInner = _flowLabelFromInner,
                Locators = [.. _locators.Select(l => new LocatorConfig(l.Name, l.Prefix ?? new IPNetwork(IPAddress.IPv6None, 128)) { Csid = l.Csid })],
                Sids = sids, Policies = policies, Domain = _domain, HmacKeys = [.. _keys], Oam = _oam,
                Selectors = BuildSelectors(null, _ => ""),
            },
            Icmp = _icmp, DebugFaults = new HashSet<DebugFault>(_faults),
        };
    }
}
