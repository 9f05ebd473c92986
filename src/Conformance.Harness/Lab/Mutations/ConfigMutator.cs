using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conformance.Harness.Dut;

namespace Conformance.Harness.Lab.Mutations;

/// <summary>
/// Generates the mutations of a rendered DUT configuration (<c>srv6conf mutate</c>): a pure function of the
/// <see cref="DutConfig"/>, so the same profile always gives the same list, in the same order, with the same ids.
/// Each mutation changes one line: the line dropped, or one token of it changed.
/// <list type="bullet">
/// <item>every sysctl: dropped (the kernel's default stays); one set to 0: set to 1;</item>
/// <item>every command: dropped;</item>
/// <item>every prefix of a command (routes, nftables addresses and sets): one bit longer and one bit shorter
/// (base address masked to the new length); a /128 seg6local SID route also widened to a /64;</item>
/// <item>segment lists (<c>segs a,b,c</c>): each pair of adjacent segments swapped;</item>
/// <item>seg6local SIDs: flavors removed, psp added to a plain End, End.X/End.T/End.B6.Encaps programmed as End,
/// End.DX6 as End.DT6 on the main table, a lookup table set to the main table and to the next table id, a next hop
/// one address further, the End.DX2 OIF moved to the next tester-facing interface, <c>count</c> dropped;</item>
/// <item>headends: encap ↔ encap.red, l2encap ↔ l2encap.red, inline → encap;</item>
/// <item>nftables: a punt rate or burst doubled, the rate limit dropped, each address of an address set dropped;</item>
/// <item>HMAC keys: the key id one higher, the other algorithm (sha1 ↔ sha256).</item>
/// </list>
/// Not generated: next hops and devices of plain routes, interface names of nftables rules, chain priorities.
/// </summary>
public static partial class ConfigMutator
{
    /// <summary>All mutations of <paramref name="config"/>, sysctls first, then the commands in order.</summary>
    public static IReadOnlyList<ConfigMutation> Generate(DutConfig config)
    {
        var list = new List<ConfigMutation>();
        var subjects = new Dictionary<string, int>(StringComparer.Ordinal);
        string Unique(string subject)
        {
            var n = subjects[subject] = subjects.GetValueOrDefault(subject) + 1;
            return n == 1 ? subject : $"{subject}#{n}";
        }

        for (int i = 0; i < config.Sysctls.Count; i++)
        {
            var s = config.Sysctls[i];
            var subject = Unique("sysctl:" + s.Key);
            list.Add(new($"drop@{subject}", MutationKinds.DropSysctl, subject, $"{s.Key} is not set (the kernel's default instead of {s.Value})",
                true, i, s.ToString(), null));
            if (s.Value == "0")
                list.Add(new($"set=1@{subject}", MutationKinds.SysctlValue, subject, $"{s.Key}=1 instead of 0", true, i, s.ToString(), $"{s.Key}=1"));
        }

        var interfaces = Interfaces(config);
        for (int i = 0; i < config.Commands.Count; i++)
        {
            var line = config.Commands[i];
            var subject = Unique(Subject(line, config, i));
            void Add(string op, string kind, string description, string? replacement)
            {
                if (replacement == line) return;
                list.Add(new($"{op}@{subject}", kind, subject, description, false, i, line, replacement));
            }

            Add("drop", MutationKinds.DropCommand, $"{Describe(subject)} is not configured", null);
            if (HmacRegex().Match(line) is { Success: true } hmac)
            {
                var id = int.Parse(hmac.Groups[1].Value, CultureInfo.InvariantCulture);
                var alg = hmac.Groups[2].Value;
                Add("keyid+1", MutationKinds.Numeric, $"HMAC key {id} is configured as key {id + 1}",
                    HmacRegex().Replace(line, $"ip sr hmac set {id + 1} {alg}"));
                var other = alg == "sha256" ? "sha1" : alg == "sha1" ? "sha256" : null;
                if (other is not null)
                    Add($"algo={other}", MutationKinds.Other, $"HMAC key {id} uses {other} instead of {alg}", HmacRegex().Replace(line, $"ip sr hmac set {id} {other}"));
                continue; // the rest of the line is the secret: no prefixes, no numbers to mutate
            }

            var prefixes = PrefixRegex().Matches(line).Where(m => ParsePrefix(m.Value) is not null).ToList();
            for (int k = 0; k < prefixes.Count; k++)
            {
                var m = prefixes[k];
                var (addr, len) = ParsePrefix(m.Value)!.Value;
                var max = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
                var suffix = prefixes.Count > 1 ? $".{k + 1}" : "";
                string With(int newLen) => line[..m.Index] + $"{Mask(addr, newLen)}/{newLen}" + line[(m.Index + m.Length)..];
                if (len < max)
                    Add($"prefix+1{suffix}", MutationKinds.PrefixLength, $"{Describe(subject)}: {m.Value} one bit longer ({Mask(addr, len + 1)}/{len + 1})", With(len + 1));
                if (len > 1)
                    Add($"prefix-1{suffix}", MutationKinds.PrefixLength, $"{Describe(subject)}: {m.Value} one bit shorter ({Mask(addr, len - 1)}/{len - 1})", With(len - 1));
                if (len == 128 && k == 0 && line.Contains(" encap seg6local ", StringComparison.Ordinal))
                    Add("len=64", MutationKinds.SidLength, $"{Describe(subject)}: the SID route covers the whole /64 ({Mask(addr, 64)}/64) instead of the SID alone", With(64));
            }

            if (SegsRegex().Match(line) is { Success: true } segs)
            {
                var list2 = segs.Groups[1].Value.Split(',');
                for (int k = 0; k + 1 < list2.Length; k++)
                {
                    var swapped = list2.ToArray();
                    (swapped[k], swapped[k + 1]) = (swapped[k + 1], swapped[k]);
                    var op = list2.Length == 2 ? "swap-segs" : $"swap-segs.{k}";
                    Add(op, MutationKinds.SwapSegments, $"{Describe(subject)}: segments {k} and {k + 1} of the list swapped ({string.Join(',', swapped)})",
                        line[..segs.Groups[1].Index] + string.Join(',', swapped) + line[(segs.Groups[1].Index + segs.Groups[1].Length)..]);
                }
            }

            if (line.Contains(" encap seg6local ", StringComparison.Ordinal))
                Seg6Local(line, subject, interfaces, Add);
            if (ModeRegex().Match(line) is { Success: true } mode && line.Contains(" encap seg6 ", StringComparison.Ordinal))
            {
                var to = mode.Groups[1].Value switch
                {
                    "encap" => "encap.red", "encap.red" => "encap", "l2encap" => "l2encap.red", "l2encap.red" => "l2encap", "inline" => "encap", _ => null,
                };
                if (to is not null)
                    Add($"mode={to}", MutationKinds.Behaviour, $"{Describe(subject)}: seg6 mode {to} instead of {mode.Groups[1].Value}",
                        line[..mode.Groups[1].Index] + to + line[(mode.Groups[1].Index + mode.Groups[1].Length)..]);
            }

            if (LimitRegex().Match(line) is { Success: true } limit)
            {
                var rate = long.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture);
                var burst = long.Parse(limit.Groups[2].Value, CultureInfo.InvariantCulture);
                Add("rate*2", MutationKinds.Numeric, $"{Describe(subject)}: rate limit {rate * 2}/second instead of {rate}",
                    LimitRegex().Replace(line, $"limit rate {rate * 2}/second burst {burst} packets "));
                Add("burst*2", MutationKinds.Numeric, $"{Describe(subject)}: burst {burst * 2} packets instead of {burst}",
                    LimitRegex().Replace(line, $"limit rate {rate}/second burst {burst * 2} packets "));
                Add("no-limit", MutationKinds.DropToken, $"{Describe(subject)}: no rate limit", LimitRegex().Replace(line, ""));
            }

            if (DaddrSetRegex().Match(line) is { Success: true } set)
            {
                var elements = set.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (elements.Length > 1)
                    foreach (var e in elements)
                        Add($"no-daddr={e}", MutationKinds.DropToken, $"{Describe(subject)}: {e} left out of the destination set",
                            line[..set.Groups[1].Index] + " " + string.Join(", ", elements.Where(x => x != e)) + " " + line[(set.Groups[1].Index + set.Groups[1].Length)..]);
            }
        }
        return list;
    }

    /// <summary>The mutation of <paramref name="config"/> with id <paramref name="id"/> applied (the fault mode <c>Mutation:&lt;id&gt;</c>).</summary>
    public static DutConfig Apply(DutConfig config, string id) =>
        (Generate(config).FirstOrDefault(m => m.Id == id)
            ?? throw new InvalidOperationException($"this configuration has no mutation '{id}' (srv6conf mutate --list shows the ids of a profile)."))
        .Apply(config);

    private static void Seg6Local(string line, string subject, IReadOnlyList<string> interfaces, Action<string, string, string, string?> add)
    {
        var what = Describe(subject);
        var action = ActionRegex().Match(line) is { Success: true } a ? a.Groups[1].Value : "";
        if (FlavorsRegex().Match(line) is { Success: true } fl)
            add("no-flavors", MutationKinds.Flavor, $"{what}: programmed without `flavors {fl.Groups[1].Value}`", line.Remove(fl.Index, fl.Length));
        else if (action == "End")
            add("add-flavor-psp", MutationKinds.Flavor, $"{what}: programmed with `flavors psp`", line.Replace(" action End ", " action End flavors psp ", StringComparison.Ordinal));

        var asEnd = action switch
        {
            "End.X" => EndXArgsRegex(),
            "End.T" => EndTArgsRegex(),
            "End.B6.Encaps" => EndB6ArgsRegex(),
            _ => null,
        };
        if (asEnd is not null)
            add("action=End", MutationKinds.Behaviour, $"{what}: programmed as plain End instead of {action}", asEnd.Replace(line, "action End", 1));
        if (action == "End.DX6")
            add("action=End.DT6", MutationKinds.Behaviour, $"{what}: programmed as End.DT6 on the main table instead of End.DX6 (lookup instead of cross-connect)",
                Dx6ArgsRegex().Replace(line, "action End.DT6 table 254", 1));

        if (TableRegex().Match(line) is { Success: true } t && int.TryParse(t.Groups[1].Value, CultureInfo.InvariantCulture, out var table))
        {
            string WithTable(string v) => line[..t.Groups[1].Index] + v + line[(t.Groups[1].Index + t.Groups[1].Length)..];
            if (table != 254)
                add("table=254", MutationKinds.Behaviour, $"{what}: looks up the main table (254) instead of table {table}", WithTable("254"));
            add("table+1", MutationKinds.Numeric, $"{what}: looks up table {table + 1} instead of {table}", WithTable((table + 1).ToString(CultureInfo.InvariantCulture)));
        }

        if (NextHopRegex().Match(line) is { Success: true } nh && IPAddress.TryParse(nh.Groups[2].Value, out var hop))
        {
            var next = NextAddress(hop);
            add("nh+1", MutationKinds.Numeric, $"{what}: next hop {next} instead of {hop}",
                line[..nh.Groups[2].Index] + next + line[(nh.Groups[2].Index + nh.Groups[2].Length)..]);
        }

        if (OifRegex().Match(line) is { Success: true } oif)
        {
            var current = oif.Groups[1].Value;
            var others = interfaces.Where(x => x != current).ToList();
            if (others.Count > 0)
            {
                var pos = interfaces.ToList().IndexOf(current);
                var to = pos < 0 ? others[0] : interfaces[(pos + 1) % interfaces.Count];
                add($"oif={to}", MutationKinds.Other, $"{what}: cross-connects to {to} instead of {current}",
                    line[..oif.Groups[1].Index] + to + line[(oif.Groups[1].Index + oif.Groups[1].Length)..]);
            }
        }

        if (CountRegex().IsMatch(line))
            add("no-count", MutationKinds.DropToken, $"{what}: programmed without per-SID counters (`count`)", CountRegex().Replace(line, " ", 1));
    }

    /// <summary>The tester-facing interfaces, from the per-interface seg6_enabled sysctls, in order.</summary>
    public static IReadOnlyList<string> Interfaces(DutConfig config) =>
        config.Sysctls.Select(s => s.Key.Split('.')).Where(k => k.Length == 5 && k[0] == "net" && k[1] == "ipv6" && k[2] == "conf" && k[4] == "seg6_enabled")
            .Select(k => k[3]).Where(i => i is not "all" and not "default" and not "lo").Distinct().ToList();

    /// <summary>What a command line programs, as the subject of its mutations' ids.</summary>
    public static string Subject(string line, DutConfig config, int index)
    {
        var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length > 4 && tokens[0] == "ip" && tokens[1] is "-6" or "-4" && tokens[2] == "route" && tokens[3] is "add" or "replace")
        {
            var prefix = tokens[4];
            if (line.Contains(" encap seg6local ", StringComparison.Ordinal))
            {
                var address = prefix.Split('/')[0];
                var role = config.Sids.Where(kv => DutConfig.Normalize(kv.Value) == DutConfig.Normalize(address)).Select(kv => kv.Key).Order(StringComparer.Ordinal).FirstOrDefault();
                return role is not null ? $"sid:{role}" : $"seg6local:{prefix}";
            }
            if (line.Contains(" encap seg6 ", StringComparison.Ordinal)) return $"headend:{prefix}";
            var table = TableRegex().Match(line) is { Success: true } t ? t.Groups[1].Value : null;
            return table is null or "main" or "254" ? $"route:{prefix}" : $"route-t{table}:{prefix}";
        }
        if (tokens.Length >= 5 && tokens[0] == "nft" && tokens[1] == "add")
        {
            switch (tokens[2])
            {
                case "table": return $"nft:{tokens[4]}";
                case "chain" when tokens.Length > 5: return $"nft:{tokens[4]}/{tokens[5]}";
                case "rule" when tokens.Length > 5:
                    var comment = CommentRegex().Match(line) is { Success: true } c ? Slug(c.Groups[1].Value) : "rule";
                    var iif = IifRegex().Match(line) is { Success: true } i ? "/" + i.Groups[1].Value : "";
                    return $"nft:{tokens[4]}/{tokens[5]}/{comment}{iif}";
            }
        }
        if (HmacRegex().Match(line) is { Success: true } h) return $"hmac:{h.Groups[1].Value}";
        return $"command:{index}";
    }

    private static string Describe(string subject)
    {
        var colon = subject.IndexOf(':', StringComparison.Ordinal);
        var kind = subject[..colon];
        var rest = subject[(colon + 1)..];
        return kind switch
        {
            "sid" => $"SID {rest}",
            "seg6local" => $"seg6local route {rest}",
            "headend" => $"headend policy {rest}",
            "route" => $"route {rest}",
            "nft" => $"nftables {rest}",
            "hmac" => $"HMAC key {rest}",
            _ when kind.StartsWith("route-t", StringComparison.Ordinal) => $"route {rest} in table {kind["route-t".Length..]}",
            _ => $"command {rest}",
        };
    }

    private static string Slug(string s) => SlugRegex().Replace(s.ToLowerInvariant(), "-").Trim('-');

    /// <summary>The line with the secret of an HMAC key command (<c>printf '%s\n' 'SECRET' | ip sr hmac set …</c>) replaced by ***.</summary>
    public static string Redact(string line) => HmacSecretRegex().Replace(line, "printf '%s\\n' '***' |");

    private static (IPAddress Address, int Length)? ParsePrefix(string s)
    {
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(s[..slash], out var a) || !int.TryParse(s[(slash + 1)..], CultureInfo.InvariantCulture, out var len)) return null;
        var max = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        return len < 0 || len > max ? null : (a, len);
    }

    /// <summary><paramref name="address"/> with every bit from <paramref name="length"/> on cleared.</summary>
    public static IPAddress Mask(IPAddress address, int length)
    {
        var b = address.GetAddressBytes();
        for (int bit = length; bit < b.Length * 8; bit++) b[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(b);
    }

    private static IPAddress NextAddress(IPAddress a)
    {
        var b = a.GetAddressBytes();
        for (int i = b.Length - 1; i >= 0; i--) if (++b[i] != 0) break;
        return new IPAddress(b);
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}|\d{1,3}(?:\.\d{1,3}){3})/\d{1,3}(?![0-9])")]
    private static partial Regex PrefixRegex();
    [GeneratedRegex(@"\bsegs (\S+)")]
    private static partial Regex SegsRegex();
    [GeneratedRegex(@"\baction (\S+)")]
    private static partial Regex ActionRegex();
    [GeneratedRegex(@"\s+flavors\s+(\S+)")]
    private static partial Regex FlavorsRegex();
    [GeneratedRegex(@"\baction End\.X nh6 \S+")]
    private static partial Regex EndXArgsRegex();
    [GeneratedRegex(@"\baction End\.T table \S+")]
    private static partial Regex EndTArgsRegex();
    [GeneratedRegex(@"\baction End\.B6\.Encaps srh segs \S+")]
    private static partial Regex EndB6ArgsRegex();
    [GeneratedRegex(@"\baction End\.DX6 nh6 \S+")]
    private static partial Regex Dx6ArgsRegex();
    [GeneratedRegex(@"\b(?:table|vrftable) (\S+)")]
    private static partial Regex TableRegex();
    [GeneratedRegex(@"\b(nh6|nh4) (\S+)")]
    private static partial Regex NextHopRegex();
    [GeneratedRegex(@"\boif (\S+)")]
    private static partial Regex OifRegex();
    [GeneratedRegex(@" count ")]
    private static partial Regex CountRegex();
    [GeneratedRegex(@"\bmode (\S+)")]
    private static partial Regex ModeRegex();
    [GeneratedRegex(@"limit rate (\d+)/second burst (\d+) packets ")]
    private static partial Regex LimitRegex();
    [GeneratedRegex(@"\bip6 daddr '\{([^}]*)\}'")]
    private static partial Regex DaddrSetRegex();
    [GeneratedRegex(@"\bip sr hmac set (\d+) (\S+)")]
    private static partial Regex HmacRegex();
    [GeneratedRegex(@"^printf '%s\\n' '(?:[^']*'\\'')*[^']*' \|")]
    private static partial Regex HmacSecretRegex();
    [GeneratedRegex(@"comment '""([^""]*)""'")]
    private static partial Regex CommentRegex();
    [GeneratedRegex(@"\biifname (\S+)")]
    private static partial Regex IifRegex();
    [GeneratedRegex(@"[^a-z0-9]+")]
    private static partial Regex SlugRegex();
}
