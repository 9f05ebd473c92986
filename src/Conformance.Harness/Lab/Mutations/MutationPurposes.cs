using System.Net;
using System.Text.RegularExpressions;
using Conformance.Harness.Dut;
using Conformance.Harness.Testbeds;

namespace Conformance.Harness.Lab.Mutations;

/// <summary>The test purposes a mutation is run against: a list, or null for every purpose of the single-DUT lab.</summary>
/// <param name="Purposes">Purpose ids, ordered; null = all (the line's concern is unknown).</param>
/// <param name="Reason">Why these purposes (which rule of <see cref="MutationPurposes"/> applied).</param>
public sealed record MutationTarget(IReadOnlyList<string>? Purposes, string Reason)
{
    public bool All => Purposes is null;
}

/// <summary>
/// Which test purposes of the single-DUT reference lab (profiles/reference-lab.yaml) a configuration line concerns, so
/// that a mutation of the line runs those and no others. The rules, by the line's subject (<see cref="ConfigMutation.Subject"/>):
/// <list type="bullet">
/// <item><c>sid:NAME</c> (a seg6local SID route): the purposes whose cases send to that SID (<see cref="BySid"/>); a prefix
/// change of the route adds the purposes of every named address the changed prefix covers, TP-PING-BI-01 (an
/// uninstantiated address of the locator) and TP-SIDMATCH-BI-01 (the SID's neighbour and a free address of the locator); the other SIDs' /128 routes stay more specific, so their purposes are not added;</item>
/// <item><c>route:PREFIX</c> (main table): the purposes whose cases use a profile address (parameters.addresses) or SID that
/// the original or the mutated prefix covers (<see cref="ByAddress"/>, <see cref="BySid"/>);</item>
/// <item><c>route-tN:PREFIX</c> (another table): the purposes of the SIDs that look up table N (End.T, End.DT6 …);</item>
/// <item><c>headend:PREFIX</c>: the purposes sending into that policy's prefix (<see cref="ByHeadend"/>), all headend purposes
/// for another prefix;</item>
/// <item><c>nft:srv6conf_edge/…</c> (edge filter, by rule comment): the SR-domain edge purposes; <c>nft:srv6conf_oam/…</c>
/// (O-flag emulation): the O-flag purposes; <c>hmac:N</c>: the HMAC purposes;</item>
/// <item><c>sysctl:KEY</c>: seg6_enabled → the purposes of SRH processing at local addresses; seg6_require_hmac → HMAC;
/// seg6_flowlabel → encapsulating headends and End.B6.Encaps; net.ipv6.icmp.ratelimit → the purposes expecting ICMPv6
/// errors or replies; net.ipv4.* → the IPv4 purposes;</item>
/// <item>anything else (e.g. net.ipv6.conf.all.forwarding, a route covering no named address): every purpose.</item>
/// </list>
/// The tables were read from the cases (src/Conformance.Cases: the SIDs, addresses and prefixes each case uses); a harness
/// test checks that every id names a single-DUT purpose and that every such purpose is reachable from some rule.
/// </summary>
public static class MutationPurposes
{
    private static string[] Ids(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => "TP-" + x).ToArray();

    /// <summary>Profile SID name → the purposes whose cases send packets to that SID.</summary>
    public static IReadOnlyDictionary<string, string[]> BySid { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["end"] = Ids("CSID-BV-14 COUNTERS-BV-03 OFLAG-BV-07 COUNTERS-BV-01 COUNTERS-BV-02 SRH-BV-02 SRH-BV-03 FLAGS-BV-01 FLAGS-BV-02 SRH-BI-01 SRH-BI-02 SRH-BI-03 SRH-BI-04 SRH-BI-05 " +
            "TLV-BV-01 TLV-BV-02 TLV-BV-03 ULH-BI-01 END-BV-01 END-BV-02 END-BI-01 PSP-BI-01 OFLAG-BV-01 OFLAG-BI-01 OFLAG-BV-03 OFLAG-BV-04 " +
            "PING-BV-01 PING-BV-02 TRACE-BV-02 EDGE-BI-01 EDGE-BI-02 EDGE-BV-01 SRCADDR-BI-01 " +
            "HMAC-BV-01 HMAC-BV-02 HMAC-BV-03 HMAC-BI-01 HMAC-BI-02 HMAC-BI-03 HMAC-BI-04 HMAC-BI-05 HMAC-BI-06"),
        ["end_psp"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 PSP-BV-01 PSP-BV-02 OFLAG-BV-05 CSID-BV-20"),
        ["end_x"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 ENDX-BV-01 ENDX-BI-01 OFLAG-BV-02"),
        ["end_t"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 ENDT-BV-01"),
        ["end_dt6"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DT6-BV-01 OFLAG-BV-06 OFLAG-BI-02"),
        ["end_dx6"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DX6-BV-01 DECAP-BI-01"),
        ["end_dx4"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DX4-BV-01"),
        ["end_b6_encaps"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 B6-BV-01 B6-BV-02"),
        ["end_dx2"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DX2-BV-01"),
        // NEXT-C-SID SIDs (RFC 9800): their cases also send to the addresses just outside their /48.
        ["end_csid"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 SIDMATCH-BI-01 CSID-BV-01 CSID-BV-02 CSID-BV-03 CSID-BI-01 CSID-BV-13 CSID-BV-14 CSID-BV-15 CSID-BV-16 CSID-BV-20"),
        ["end_x_csid"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 SIDMATCH-BI-01 CSID-BV-04 CSID-BV-15 CSID-BV-20"),
        ["end_csid_psp"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 SIDMATCH-BI-01 CSID-BV-05 CSID-BV-15 CSID-BV-20"),
        ["end_csid_f3232"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 SIDMATCH-BI-01 CSID-BV-06 CSID-BV-15 CSID-BV-20"),
        ["end_csid_f4816"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 SIDMATCH-BI-01 CSID-BV-12 CSID-BV-15 CSID-BV-20"),
        // SIDs of behaviours the reference profile does not claim (their cases are not applicable on it).
        ["end_usp"] = Ids("USP-BV-01"),
        ["end_usd"] = Ids("USD-BV-01"),
        ["end_dt4"] = Ids("DT4-BV-01"),
        ["end_dt46"] = Ids("DT46-BV-01 DT46-BV-02"),
        ["end_b6_encaps_red"] = Ids("B6RED-BV-01"),
    };

    /// <summary>Profile address name (parameters.addresses) → the purposes whose cases use it (source, destination or segment).</summary>
    public static IReadOnlyDictionary<string, string[]> ByAddress { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["A"] = Ids("CSID-BV-10 CSID-BV-11 CSID-BV-17 CSID-BV-18 CSID-BV-19 CSID-BV-21 CSID-BV-12 CSID-BV-13 CSID-BV-14 CSID-BV-15 CSID-BV-16 CSID-BI-03 CSID-BV-01 CSID-BV-02 CSID-BV-03 CSID-BV-04 CSID-BV-05 CSID-BV-06 CSID-BV-07 CSID-BV-08 CSID-BV-09 CSID-BI-02 SRCADDR-BI-01 COUNTERS-BV-03 OFLAG-BV-07 COUNTERS-BV-01 COUNTERS-BV-02 SRH-BV-02 SRH-BV-03 TRANSIT-BV-03 LOCAL-BV-01 LOCAL-BI-01 SRH-BI-01 SRH-BI-02 SRH-BI-03 SRH-BI-04 " +
            "SRH-BI-05 TRANSIT-BV-01 TRANSIT-BV-02 DX6-BV-01 DX4-BV-01 DECAP-BI-01 ULH-BI-01 END-BV-01 END-BV-02 END-BI-01 ENDX-BV-01 ENDX-BI-01 " +
            "HENCAPS-BV-03 HENCAPS-BV-05 HINSERT-BV-01 DX2-BV-01 ENDT-BV-01 DT6-BV-01 MTU-BI-01 PSP-BV-01 PSP-BV-02 PSP-BI-01 OFLAG-BV-01 " +
            "OFLAG-BV-02 OFLAG-BI-01 OFLAG-BV-03 OFLAG-BV-04 OFLAG-BV-05 OFLAG-BV-06 OFLAG-BI-02 PING-BV-01 PING-BV-02 PING-BI-01 TRACE-BV-01 " +
            "TRACE-BV-02 EDGE-BV-01 SEG6EN-BV-01 FLAGS-BV-01 FLAGS-BV-02 TLV-BV-01 TLV-BV-02 TLV-BV-03 B6-BV-01 B6-BV-02 " +
            "HMAC-BV-01 HMAC-BV-02 HMAC-BV-03 HMAC-BI-01 HMAC-BI-02 HMAC-BI-03 HMAC-BI-04 HMAC-BI-05 HMAC-BI-06"),
        ["D"] = Ids("CSID-BV-10 CSID-BV-11 CSID-BV-13 CSID-BV-14 CSID-BV-15 CSID-BI-03 CSID-BV-01 CSID-BV-02 CSID-BV-03 CSID-BV-05 CSID-BV-06 CSID-BV-07 CSID-BV-08 CSID-BV-09 CSID-BI-02 COUNTERS-BV-03 OFLAG-BV-07 COUNTERS-BV-01 COUNTERS-BV-02 SRH-BV-02 SRH-BV-03 TRANSIT-BV-03 LOCAL-BI-01 SRH-BI-01 SRH-BI-02 SRH-BI-03 SRH-BI-04 SRH-BI-05 " +
            "TRANSIT-BV-01 TRANSIT-BV-02 END-BV-01 END-BI-01 ENDX-BV-01 ENDX-BI-01 DX2-BV-01 ENDT-BV-01 PSP-BV-01 PSP-BV-02 PSP-BI-01 " +
            "OFLAG-BV-01 OFLAG-BV-02 OFLAG-BI-01 OFLAG-BV-04 OFLAG-BV-05 OFLAG-BV-06 OFLAG-BI-02 TRACE-BV-01 EDGE-BI-03 EDGE-BV-01 SRCADDR-BI-01 " +
            "SEG6EN-BV-01 FLAGS-BV-01 FLAGS-BV-02 TLV-BV-01 TLV-BV-02 TLV-BV-03 B6-BV-01 B6-BV-02 " +
            "HMAC-BV-01 HMAC-BV-02 HMAC-BV-03 HMAC-BI-01 HMAC-BI-02 HMAC-BI-03 HMAC-BI-04 HMAC-BI-05 HMAC-BI-06"),
        ["N2"] = Ids("CSID-BV-10 CSID-BV-11 CSID-BV-12 CSID-BV-13 CSID-BV-14 CSID-BV-15 CSID-BI-03 CSID-BV-02 CSID-BV-05 CSID-BV-07 CSID-BI-02 COUNTERS-BV-03 OFLAG-BV-07 COUNTERS-BV-01 COUNTERS-BV-02 SRH-BV-02 SRH-BV-03 TRANSIT-BV-03 LOCAL-BV-01 LOCAL-BI-01 SRH-BI-01 SRH-BI-02 SRH-BI-03 SRH-BI-04 " +
            "SRH-BI-05 TRANSIT-BV-01 TRANSIT-BV-02 DECAP-BI-01 ULH-BI-01 END-BV-01 END-BV-02 END-BI-01 HENCAPS-BV-01 HENCAPS-BV-02 HENCAPS-BV-03 " +
            "HENCAPS-BV-04 HENCAPS-BV-05 HENCAPS-BV-06 HENCAPS-BV-07 HINSERT-BV-01 MTU-BI-01 PSP-BV-02 OFLAG-BV-02 OFLAG-BV-03 OFLAG-BV-06 " +
            "PING-BV-02 PING-BI-01 PING-BV-03 TRACE-BV-01 TRACE-BV-02 TRACE-BV-03 EDGE-BV-01 SRCADDR-BI-01 FLAGS-BV-01 FLAGS-BV-02 " +
            "TLV-BV-01 TLV-BV-02 TLV-BV-03 B6-BV-01 B6-BV-02 " +
            "HMAC-BV-01 HMAC-BV-02 HMAC-BV-03 HMAC-BI-01 HMAC-BI-02 HMAC-BI-03 HMAC-BI-04 HMAC-BI-05 HMAC-BI-06"),
        ["N3"] = Ids("CSID-BV-10 CSID-BV-11 CSID-BI-03 CSID-BV-07 CSID-BV-09 CSID-BI-02 ENDX-BV-01 ENDX-BI-01 HENCAPS-BV-01 HENCAPS-BV-02 HENCAPS-BV-03 HENCAPS-BV-05 HENCAPS-BV-06 HINSERT-BV-01 ENDT-BV-01"),
        ["D3"] = Ids("CSID-BV-10 CSID-BV-11 CSID-BI-03 CSID-BV-04 CSID-BV-07 CSID-BV-09 CSID-BI-02 COUNTERS-BV-03 OFLAG-BV-07 DX6-BV-01 DECAP-BI-01 DT6-BV-01"),
        ["A4"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DX4-BV-01"),
        ["D4X"] = Ids("COUNTERS-BV-03 OFLAG-BV-07 DX4-BV-01"),
    };

    /// <summary>Headend policy prefix (dut-configs/linux/headend/*.conf) → the purposes sending into it.</summary>
    public static IReadOnlyDictionary<string, string[]> ByHeadend { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["2001:db8:e:1::/64"] = Ids("HENCAPS-BV-01 HENCAPS-BV-02 HENCAPS-BV-03 MTU-BI-01"),
        ["2001:db8:e:2::/64"] = Ids("HENCAPS-BV-04"),
        ["2001:db8:e:3::/64"] = Ids("HENCAPS-BV-05"),
        ["2001:db8:e:4::/64"] = Ids("HENCAPS-BV-06"),
        ["2001:db8:e:5::/64"] = Ids("HENCAPS-BV-07"),
        ["2001:db8:e:6::/64"] = Ids("HINSERT-BV-01"),
    };

    /// <summary>Named groups of purposes used by the rules.</summary>
    public static IReadOnlyDictionary<string, string[]> Groups { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["edge"] = Ids("EDGE-BI-01 EDGE-BI-02 EDGE-BI-03 EDGE-BV-01 SRCADDR-BI-01"),
        ["oflag"] = Ids("OFLAG-BV-01 OFLAG-BV-02 OFLAG-BV-03 OFLAG-BV-04 OFLAG-BV-05 OFLAG-BV-06 OFLAG-BV-07 OFLAG-BI-01 OFLAG-BI-02 FLAGS-BV-02"),
        ["hmac"] = Ids("HMAC-BV-01 HMAC-BV-02 HMAC-BV-03 HMAC-BI-01 HMAC-BI-02 HMAC-BI-03 HMAC-BI-04 HMAC-BI-05 HMAC-BI-06"),
        ["seg6_enabled"] = Ids("SEG6EN-BV-01 LOCAL-BV-01 LOCAL-BI-01"),
        ["headends"] = Ids("HENCAPS-BV-01 HENCAPS-BV-02 HENCAPS-BV-03 HENCAPS-BV-04 HENCAPS-BV-05 HENCAPS-BV-06 HENCAPS-BV-07 HINSERT-BV-01 MTU-BI-01 CMET-BV-01"),
        ["flowlabel"] = Ids("HENCAPS-BV-01 HENCAPS-BV-02 HENCAPS-BV-03 HENCAPS-BV-04 HENCAPS-BV-05 HENCAPS-BV-06 HENCAPS-BV-07 HINSERT-BV-01 MTU-BI-01 " +
            "B6-BV-01 B6-BV-02 PING-BV-03 TRACE-BV-03"),
        ["icmp"] = Ids("END-BI-01 ENDX-BI-01 SRH-BI-01 SRH-BI-02 SRH-BI-03 SRH-BI-04 LOCAL-BI-01 DECAP-BI-01 ULH-BI-01 MTU-BI-01 " +
            "TRACE-BV-01 TRACE-BV-02 TRACE-BV-03 PING-BV-01 PING-BV-02 PING-BV-03 PING-BI-01 LOCAL-BV-01"),
        ["ipv4"] = Ids("DX4-BV-01 DT4-BV-01 DT46-BV-01"),
        ["locator"] = Ids("PING-BI-01 SIDMATCH-BI-01"),
        // Transit (no SID of the DUT on the path): forwarding of SRH packets addressed elsewhere.
        ["transit"] = Ids("TRANSIT-BV-01 TRANSIT-BV-02 TRANSIT-BV-03"),
        // The policy selector (draft-yang-srv6ops-policy-selector-01): the reference lab does not claim it, so no line of its
        // configuration concerns these purposes (they are not applicable there); listed so that the mapping names them.
        ["policy_selector"] = Ids("PSEL-BV-01 PSEL-BV-02 PSEL-BV-03 PSEL-BV-04 PSEL-BV-05 PSEL-BV-06 PSEL-BV-07 PSEL-BV-08 PSEL-BV-09"),
    };

    /// <summary>For the profile's named addresses (parameters.addresses).</summary>
    public static MutationTarget For(ConfigMutation mutation, DutConfig config, Profiles.Profile profile) =>
        For(mutation, config, profile.Parameters.Addresses);

    public static MutationTarget For(ConfigMutation mutation, DutConfig config, IReadOnlyDictionary<string, IPAddress> addresses)
    {
        var subject = mutation.Subject.Split('#')[0];
        var colon = subject.IndexOf(':', StringComparison.Ordinal);
        var kind = subject[..colon];
        var rest = subject[(colon + 1)..];
        switch (kind)
        {
            case "sysctl":
                return Sysctl(rest);
            case "sid":
            {
                if (!BySid.TryGetValue(rest, out var own)) return new(null, $"SID {rest} has no mapping: every purpose");
                var purposes = own.ToList();
                var reason = $"SID {rest}";
                if (mutation.Kind is MutationKinds.PrefixLength or MutationKinds.SidLength)
                {
                    // The other SIDs' /128 routes stay more specific than a widened SID route: only named addresses count.
                    var (covered, names) = Covered(mutation, config, addresses, sids: false);
                    purposes.AddRange(covered);
                    purposes.AddRange(Groups["locator"]);
                    reason += $", the locator{(names.Count > 0 ? ", " + string.Join(", ", names) : "")} (prefix changed)";
                }
                return Target(purposes, reason);
            }
            case "route":
            {
                var (covered, names) = Covered(mutation, config, addresses);
                if (covered.Count == 0) return new(null, $"route {rest} covers no address or SID the profile names: every purpose");
                // A main-table route also carries transit traffic to the named addresses it covers.
                if (names.Any(n => n is "addr:N2" or "addr:D")) covered.AddRange(Groups["transit"]);
                return Target(covered, $"main-table route covering {string.Join(", ", names)}");
            }
            case var _ when kind.StartsWith("route-t", StringComparison.Ordinal):
            {
                var table = kind["route-t".Length..];
                var sids = config.Commands.Where(c => c.Contains(" encap seg6local ", StringComparison.Ordinal) && Regex.IsMatch(c, $@"\b(?:table|vrftable) {Regex.Escape(table)}\b"))
                    .Select(c => ConfigMutator.Subject(c, config, -1)).Where(s => s.StartsWith("sid:", StringComparison.Ordinal)).Select(s => s[4..]).Distinct().Order(StringComparer.Ordinal).ToList();
                var purposes = sids.SelectMany(s => BySid.GetValueOrDefault(s) ?? []).ToList();
                return purposes.Count == 0 ? new(null, $"no SID looks up table {table}: every purpose")
                    : Target(purposes, $"table {table}, looked up by {string.Join(", ", sids)}");
            }
            case "headend":
            {
                var prefixes = Prefixes(mutation);
                var hit = ByHeadend.Where(h => prefixes.Any(p => Overlaps(p, IPNetwork.Parse(h.Key)))).ToList();
                return hit.Count == 0 ? Target(Groups["headends"], $"headend {rest} (not a known policy prefix): every headend purpose")
                    : Target(hit.SelectMany(h => h.Value), $"headend policy {string.Join(", ", hit.Select(h => h.Key))}");
            }
            case "nft" when rest.StartsWith(ProfileDutConfig.EdgeTable, StringComparison.Ordinal):
                return Target(Groups["edge"], "SR-domain edge filter");
            case "nft" when rest.StartsWith(ProfileDutConfig.OamTable, StringComparison.Ordinal):
                return Target(Groups["oflag"], "O-flag emulation");
            case "hmac":
                return Target(Groups["hmac"], "HMAC key");
            default:
                return new(null, $"{kind} {rest} has no mapping: every purpose");
        }
    }

    private static MutationTarget Sysctl(string key)
    {
        if (key.EndsWith(".seg6_enabled", StringComparison.Ordinal)) return Target(Groups["seg6_enabled"], "seg6_enabled (SRH processing at local addresses)");
        if (key.EndsWith(".seg6_require_hmac", StringComparison.Ordinal)) return Target(Groups["hmac"], "HMAC policy");
        if (key == "net.ipv6.seg6_flowlabel") return Target(Groups["flowlabel"], "flow label of encapsulating behaviours");
        if (key == "net.ipv6.icmp.ratelimit") return Target(Groups["icmp"], "ICMPv6 rate limit");
        if (key.StartsWith("net.ipv4.", StringComparison.Ordinal)) return Target(Groups["ipv4"], "IPv4 setting");
        return new(null, $"sysctl {key} has no narrower mapping: every purpose");
    }

    private static MutationTarget Target(IEnumerable<string> purposes, string reason) =>
        new(purposes.Distinct().Order(StringComparer.Ordinal).ToList(), reason);

    /// <summary>The prefixes of the original and the mutated line.</summary>
    private static List<IPNetwork> Prefixes(ConfigMutation m)
    {
        var list = new List<IPNetwork>();
        foreach (var line in new[] { m.Original, m.Replacement })
        {
            if (line is null) continue;
            foreach (var t in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (t.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(t.TrimEnd(','), out var n)) list.Add(n);
        }
        return list;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    /// <summary>Purposes of the named addresses and SIDs that a prefix of the original or mutated line covers.</summary>
    private static (List<string> Purposes, List<string> Names) Covered(ConfigMutation m, DutConfig config, IReadOnlyDictionary<string, IPAddress> addresses, bool sids = true)
    {
        var prefixes = Prefixes(m);
        var purposes = new List<string>();
        var names = new List<string>();
        foreach (var (name, a) in addresses.OrderBy(x => x.Key, StringComparer.Ordinal))
            if (prefixes.Any(p => p.BaseAddress.AddressFamily == a.AddressFamily && p.Contains(a)) && ByAddress.TryGetValue(name, out var ps))
            { purposes.AddRange(ps); names.Add("addr:" + name); }
        foreach (var (name, s) in sids ? config.Sids.OrderBy(x => x.Key, StringComparer.Ordinal) : Enumerable.Empty<KeyValuePair<string, string>>())
            if (IPAddress.TryParse(s, out var a) && prefixes.Any(p => p.BaseAddress.AddressFamily == a.AddressFamily && p.Contains(a)) && BySid.TryGetValue(name, out var ps))
            { purposes.AddRange(ps); names.Add("sid:" + name); }
        return (purposes, names);
    }
}
