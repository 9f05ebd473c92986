using System.Text.RegularExpressions;
using Conformance.Harness.Dut;

namespace Conformance.Harness.Lab;

/// <summary>
/// A deliberate misconfiguration of the reference DUT (negative control): a named transformation of the
/// rendered <see cref="DutConfig"/>. To add one, declare another static instance and list it in <see cref="All"/>.
/// </summary>
public sealed partial class LabFaultMode
{
    /// <summary>nftables table used by fault modes (deleted on rollback like any suite table).</summary>
    public const string FaultTable = "srv6conf_fault";

    private readonly Func<DutConfig, DutConfig> _transform;

    private LabFaultMode(string name, string description, Func<DutConfig, DutConfig> transform, string profile = "reference-lab.yaml")
    {
        Name = name;
        Description = description;
        _transform = transform;
        Profile = profile;
    }

    public string Name { get; }
    /// <summary>The profile (in profiles/) whose configuration the mode transforms: it names that profile's SIDs and interfaces.</summary>
    public string Profile { get; }
    public string Description { get; }

    public DutConfig Apply(DutConfig config) => _transform(config);

    public override string ToString() => Name;

    [GeneratedRegex(@"\s+flavors\s+\S+")]
    private static partial Regex FlavorsRegex();

    [GeneratedRegex(@"\bnh6\s+(\S+)")]
    private static partial Regex Nh6Regex();

    public static LabFaultMode None { get; } = new("None", "Correct configuration.", c => c);

    public static LabFaultMode EndWithoutPsp { get; } = new(
        "EndWithoutPsp", "The PSP SID is programmed as plain End (no psp flavor).",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.EndPsp, r => FlavorsRegex().Replace(r, "")));

    public static LabFaultMode SidMissing { get; } = new(
        "SidMissing", "The End SID is not programmed (packets to it are forwarded or dropped as plain IPv6).",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.End, _ => null));

    public static LabFaultMode EndAsEndX { get; } = new(
        "EndAsEndX", "The End SID is programmed as End.X towards the End.X next hop (forwards without a FIB lookup).",
        c =>
        {
            var nh = Nh6Regex().Match(c.RouteCommandFor(LinuxConfigTemplates.Roles.EndX)).Groups[1].Value;
            return c.WithRouteFor(LinuxConfigTemplates.Roles.End, r => r.Replace(" action End ", $" action End.X nh6 {nh} ", StringComparison.Ordinal));
        });

    public static LabFaultMode NoIcmpErrors { get; } = new(
        "NoIcmpErrors", "An nftables rule drops every ICMPv6 error the DUT sends.",
        c => c.WithExtraCommands(
            $"nft add table ip6 {FaultTable}",
            $"nft add chain ip6 {FaultTable} out '{{ type filter hook output priority 0; policy accept; }}'",
            $"nft add rule ip6 {FaultTable} out icmpv6 type '{{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }}' drop"));

    public static LabFaultMode Seg6Disabled { get; } = new(
        "Seg6Disabled", "seg6_enabled=0 everywhere: SRH packets are dropped on ingress.",
        c => c.WithSysctls(k => k.EndsWith(".seg6_enabled", StringComparison.Ordinal), "0"));

    public static LabFaultMode ForwardingDisabled { get; } = new(
        "ForwardingDisabled", "IPv6 forwarding off: the DUT acts as a host.",
        c => c.WithSysctls(k => k == "net.ipv6.conf.all.forwarding", "0"));

    public static LabFaultMode HmacRequired { get; } = new(
        "HmacRequired", "seg6_require_hmac=1 on every tester-facing interface: SRH packets without a valid HMAC TLV are dropped.",
        c => c.Sysctls.Where(s => s.Key.EndsWith(".seg6_enabled", StringComparison.Ordinal) && !s.Key.Contains(".all.", StringComparison.Ordinal))
            .Aggregate(c, (acc, s) => acc.WithSysctl(s.Key.Replace(".seg6_enabled", ".seg6_require_hmac", StringComparison.Ordinal), "1")));

    public static LabFaultMode EndWithPsp { get; } = new(
        "EndWithPsp", "The plain End SID is programmed with the psp flavor: it pops the SRH where it must not.",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.End, r => r.Replace(" action End ", " action End flavors psp ", StringComparison.Ordinal)));

    /// <summary>
    /// Not a fault but a variant: the End SID is a local address of the DUT (with seg6_enabled=1), so the
    /// kernel's IPv6 input path (the RFC 8754 segment endpoint) processes the SRH instead of seg6local.
    /// That path answers SL=0 packets locally and sends Parameter Problem for SL &gt; LE+1, where the
    /// seg6local End action drops silently: the variant shows those cases can pass on a conforming DUT.
    /// </summary>
    public static LabFaultMode EndAsLocalAddress { get; } = new(
        "EndAsLocalAddress", "Variant: the End SID is a local address (kernel SRH processing, seg6_enabled=1) instead of a seg6local route.",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.End, r => $"ip -6 addr add {r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4].Split('/')[0]}/128 dev lo"));

    public static LabFaultMode PspSidMissing { get; } = new(
        "PspSidMissing", "The End SID with the PSP flavor is not programmed.",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.EndPsp, _ => null));


    [GeneratedRegex(@"\baction End\.X nh6 \S+")]
    private static partial Regex EndXActionRegex();

    [GeneratedRegex(@"\btable \S+")]
    private static partial Regex TableRegex();

    [GeneratedRegex(@"^ip -4 route add 203\.0\.113\.128/25 via (\S+) dev (\S+)$")]
    private static partial Regex T3Ipv4RouteRegex();

    public static LabFaultMode EndXAsEnd { get; } = new(
        "EndXAsEnd", "The End.X SID is programmed as plain End: the next segment goes where the FIB says (t3), not to the adjacency (t2).",
        c => c.WithRouteFor("end_x", r => EndXActionRegex().Replace(r, "action End")));

    public static LabFaultMode EndTMainTable { get; } = new(
        "EndTMainTable", "The End.T SID looks up the main table (254) instead of the profile's table.",
        c => c.WithRouteFor("end_t", r => TableRegex().Replace(r, "table 254")));

    public static LabFaultMode EndDt6MainTable { get; } = new(
        "EndDt6MainTable", "The End.DT6 SID looks the inner packet up in the main table (254) instead of the profile's table.",
        c => c.WithRouteFor("end_dt6", r => TableRegex().Replace(r, "table 254")));

    public static LabFaultMode EndDx6AsDt6 { get; } = new(
        "EndDx6AsDt6", "The End.DX6 SID is programmed as End.DT6 on the main table: the inner packet is looked up (t3) instead of cross-connected (t2).",
        c => c.WithRouteFor("end_dx6", r => Regex.Replace(r, @"\baction End\.DX6 nh6 \S+", "action End.DT6 table 254")));

    public static LabFaultMode EndDx4WrongAdjacency { get; } = new(
        "EndDx4WrongAdjacency", "The End.DX4 SID cross-connects to the IPv4 next hop behind t3 instead of the profile's next hop.",
        c =>
        {
            var m = c.Commands.Select(x => T3Ipv4RouteRegex().Match(x)).FirstOrDefault(x => x.Success)
                ?? throw new InvalidOperationException("EndDx4WrongAdjacency needs the lab route for 203.0.113.128/25 (lab-routes.conf).");
            return c.WithRouteFor("end_dx4", r => Regex.Replace(Regex.Replace(r, @"\bnh4 \S+", "nh4 " + m.Groups[1].Value), @"\bdev \S+$", "dev " + m.Groups[2].Value));
        });

    public static LabFaultMode EndB6AsEnd { get; } = new(
        "EndB6AsEnd", "The End.B6.Encaps SID is programmed as plain End: no encapsulation in the bound policy.",
        c => c.WithRouteFor("end_b6_encaps", r => Regex.Replace(r, @"\baction End\.B6\.Encaps srh segs \S+", "action End")));

    public static LabFaultMode HeadendsMissing { get; } = new(
        "HeadendsMissing", "No headend SR policy is programmed (the steered prefixes have no route).",
        c => c with { Commands = c.Commands.Where(x => !x.Contains(" encap seg6 mode ", StringComparison.Ordinal)).ToList() });

    public static LabFaultMode HeadendsNotReduced { get; } = new(
        "HeadendsNotReduced", "The reduced headend policies (encap.red, l2encap.red) are programmed without the reduction (encap, l2encap).",
        c => c with { Commands = c.Commands.Select(x => x.Replace(" mode encap.red ", " mode encap ", StringComparison.Ordinal).Replace(" mode l2encap.red ", " mode l2encap ", StringComparison.Ordinal)).ToList() });

    public static LabFaultMode FlowLabelZero { get; } = new(
        "FlowLabelZero", "net.ipv6.seg6_flowlabel=0: encapsulating headends set the outer flow label to 0 for every flow.",
        c => c.WithSysctl("net.ipv6.seg6_flowlabel", "0"));

    // Transformations of the reference lab's O-flag emulation (dut-configs/linux/oam-oflag.conf, nftables
    // table srv6conf_oam): each breaks one sentence of RFC 9259 §2.1.1.

    private const string OamTable = "srv6conf_oam";
    private const string OFlagMatch = "ip6 nexthdr 43 @nh,336,8 4 @nh,360,8 '&' 0x20 == 0x20 ";

    [GeneratedRegex(@"limit rate \d+/second burst \d+ packets ")]
    private static partial Regex LimitRegex();

    private static DutConfig WithOamRule(DutConfig c, Func<string, IEnumerable<string>> change)
    {
        var i = c.Commands.ToList().FindIndex(x => x.StartsWith($"nft add rule ip6 {OamTable} ", StringComparison.Ordinal));
        if (i < 0) throw new InvalidOperationException("the configuration has no O-flag emulation rule (does the profile claim oam.o_flag_processing?).");
        var commands = c.Commands.ToList();
        var replacement = change(commands[i]).ToList();
        commands.RemoveAt(i);
        commands.InsertRange(i, replacement);
        return c with { Commands = commands };
    }

    public static LabFaultMode OFlagNotProcessed { get; } = new(
        "OFlagNotProcessed", "The O-flag emulation is absent (the DUT claims O-flag processing but ignores the flag): no copy is exported.",
        c => c with { Commands = c.Commands.Where(x => !x.Contains($" ip6 {OamTable}", StringComparison.Ordinal)).ToList() });

    public static LabFaultMode OFlagNoRateLimit { get; } = new(
        "OFlagNoRateLimit", "The O-flag emulation copies every O-flag packet: no punt rate limit.",
        c => WithOamRule(c, r => [LimitRegex().Replace(r, "")]));

    public static LabFaultMode OFlagCopiesAll { get; } = new(
        "OFlagCopiesAll", "The O-flag emulation copies every packet to a local SID, O-flag or not, SRH or not.",
        c => WithOamRule(c, r => [r.Replace(OFlagMatch, "", StringComparison.Ordinal)]));

    public static LabFaultMode OFlagCleared { get; } = new(
        "OFlagCleared", "After the O-flag copy, an nftables rule clears the SRH Flags of every packet: the forwarded data packet is changed.",
        c => c.WithExtraCommands(
            $"nft add table ip6 {FaultTable}",
            $"nft add chain ip6 {FaultTable} pre '{{ type filter hook prerouting priority -250; policy accept; }}'",
            $"nft add rule ip6 {FaultTable} pre ip6 nexthdr 43 @nh,336,8 4 @nh,360,8 set 0"));

    /// <summary>
    /// On top of the variant <see cref="EndAsLocalAddress"/> (so the End SID answers an echo at SL=0), the
    /// O-flag copy is also handed back to the DUT's own IPv6 stack through lo, which evaluates it again.
    /// </summary>
    public static LabFaultMode OFlagCopyAnswered { get; } = new(
        "OFlagCopyAnswered", "Variant EndAsLocalAddress plus a fault: the O-flag copy is also handed to the DUT's own IPv6 stack (via lo), which answers it (seg6_enabled on lo): an echo request is answered twice.",
        c => WithOamRule(EndAsLocalAddress.Apply(c).WithSysctl("net.ipv6.conf.lo.seg6_enabled", "1"), r =>
        {
            var own = r.Replace(" ip6 daddr ", " iifname != \"lo\" ip6 daddr ", StringComparison.Ordinal);
            var loop = Regex.Replace(own, @"dup to \S+ device \S+ comment .*$", "dup to ::1 device lo");
            return [own, loop];
        }));


    /// <summary>
    /// The End SID's /64 (the reference lab's locator) is made a local prefix in the main table: every address of
    /// the locator without a SID of its own (the /128 SID routes stay more specific) is answered like a local address.
    /// </summary>
    public static LabFaultMode LocatorLocal { get; } = new(
        "LocatorLocal", "The locator (/64 of the End SID) is a local prefix: addresses without a SID are answered instead of discarded.",
        c =>
        {
            var b = System.Net.IPAddress.Parse(c.Sid(LinuxConfigTemplates.Roles.End)).GetAddressBytes();
            Array.Clear(b, 8, 8);
            return c.WithExtraCommands($"ip -6 route add local {new System.Net.IPAddress(b)}/64 dev lo table main");
        });

    [GeneratedRegex(@"^ip -6 route add 2001:db8:b:2::/64 via \S+ dev \S+$")]
    private static partial Regex DownstreamMainRouteRegex();

    [GeneratedRegex(@"^ip -6 route add 2001:db8:b:3::/64 via (\S+) dev (\S+)$")]
    private static partial Regex T3DownstreamRouteRegex();

    /// <summary>The main-table route to the downstream node's locator (N2, lab-routes.conf) points at t3's neighbour instead of t2's.</summary>
    public static LabFaultMode DownstreamViaT3 { get; } = new(
        "DownstreamViaT3", "The DUT's main-table route to the downstream SRv6 node (2001:db8:b:2::/64, N2) goes out of t3 instead of t2.",
        c =>
        {
            var t3 = c.Commands.Select(x => T3DownstreamRouteRegex().Match(x)).FirstOrDefault(x => x.Success)
                ?? throw new InvalidOperationException("DownstreamViaT3 needs the lab route for 2001:db8:b:3::/64 (lab-routes.conf).");
            if (!c.Commands.Any(x => DownstreamMainRouteRegex().IsMatch(x))) throw new InvalidOperationException("DownstreamViaT3 needs the lab route for 2001:db8:b:2::/64 (lab-routes.conf).");
            return c with { Commands = c.Commands.Select(x => DownstreamMainRouteRegex().IsMatch(x)
                ? $"ip -6 route add 2001:db8:b:2::/64 via {t3.Groups[1].Value} dev {t3.Groups[2].Value}" : x).ToList() };
        });


    /// <summary>
    /// The DUT's input filter drops the ICMPv6 errors its own probes provoke (Time Exceeded, Destination Unreachable): the
    /// probes still leave as they should, but the DUT's traceroute never hears from a hop (negative control for reading
    /// the DUT's traceroute output, TP-TRACE-BV-03).
    /// </summary>
    public static LabFaultMode IcmpErrorsToDutDropped { get; } = new(
        "IcmpErrorsToDutDropped", "An nftables input rule drops every ICMPv6 Time Exceeded and Destination Unreachable addressed to the DUT: its own traceroute hears from no hop.",
        c => c.WithExtraCommands(
            $"nft add table ip6 {FaultTable}",
            $"nft add chain ip6 {FaultTable} in '{{ type filter hook input priority 0; policy accept; }}'",
            $"nft add rule ip6 {FaultTable} in icmpv6 type '{{ time-exceeded, destination-unreachable }}' drop"));


    private static DutConfig WithoutCommands(DutConfig c, string marker) =>
        c with { Commands = c.Commands.Where(l => !l.Contains(marker, StringComparison.Ordinal)).ToList() };

    public static LabFaultMode EdgeFilterWithoutSidBlockRule { get; } = new(
        "EdgeFilterWithoutSidBlockRule", "The edge filter lacks the rule dropping packets to the SID block from external interfaces (RFC 8754 §5.1 #1).",
        c => WithoutCommands(c, "\"edge-sid-block\""));

    public static LabFaultMode EdgeFilterWithoutRfc9602Rule { get; } = new(
        "EdgeFilterWithoutRfc9602Rule", "The edge filter lacks the rule dropping packets to 5f00::/16 from external interfaces (the filtering RFC 9602 §5 mentions as a use of the SID prefix).",
        c => WithoutCommands(c, "\"edge-rfc9602\""));

    /// <summary>The rule's destination prefix with a new length (its base address kept, masked to the new length).</summary>
    private static DutConfig WithPrefixLength(DutConfig c, string marker, Func<int, int> length) =>
        c with
        {
            Commands = c.Commands.Select(l => !l.Contains(marker, StringComparison.Ordinal) ? l : DaddrPrefixRegex().Replace(l, m =>
            {
                var net = System.Net.IPNetwork.Parse(m.Groups[1].Value);
                var len = length(net.PrefixLength);
                var bytes = net.BaseAddress.GetAddressBytes();
                for (int bit = len; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
                return $"ip6 daddr {new System.Net.IPAddress(bytes)}/{len}";
            })).ToList(),
        };

    [GeneratedRegex(@"ip6 daddr ([0-9a-fA-F:]+/\d+)")]
    private static partial Regex DaddrPrefixRegex();

    public static LabFaultMode EdgeFilterSidBlockNarrowed { get; } = new(
        "EdgeFilterSidBlockNarrowed", "The edge rule for the SID block is one bit too long: it covers the block's first half only (the End SID stays filtered, the last address does not).",
        c => WithPrefixLength(c, "\"edge-sid-block\"", l => l + 1));

    public static LabFaultMode EdgeFilterSidBlockTooBroad { get; } = new(
        "EdgeFilterSidBlockTooBroad", "The edge rule for the SID block is one bit too short: it also drops the addresses just below or above the block.",
        c => WithPrefixLength(c, "\"edge-sid-block\"", l => l - 1));

    public static LabFaultMode EdgeFilter5f00Narrowed { get; } = new(
        "EdgeFilter5f00Narrowed", "The edge rule meant for 5f00::/16 covers 5f00::/32 only: 5f00:0:1:e:: is filtered, the rest of the /16 is not.",
        c => WithPrefixLength(c, "\"edge-rfc9602\"", _ => 32));

    public static LabFaultMode EdgeFilterSourceCheckNarrowed { get; } = new(
        "EdgeFilterSourceCheckNarrowed", "The per-node source check's inside prefixes are one bit too long: sources in the upper half of each inside prefix are dropped as if outside.",
        c => c with
        {
            Commands = c.Commands.Select(l => !l.Contains("\"node-source-check\"", StringComparison.Ordinal) ? l : SaddrSetRegex().Replace(l, m =>
                "ip6 saddr != '{ " + string.Join(", ", m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => System.Net.IPNetwork.Parse(p)).Select(n => $"{n.BaseAddress}/{n.PrefixLength + 1}")) + " }'")).ToList(),
        });

    [GeneratedRegex(@"ip6 saddr != '\{\s*([^}]*)\}'")]
    private static partial Regex SaddrSetRegex();

    public static LabFaultMode EdgeFilterWithoutSrhToLocalRule { get; } = new(
        "EdgeFilterWithoutSrhToLocalRule", "The edge filter lacks the rule dropping SRH packets from outside addressed to the node's own addresses.",
        c => WithoutCommands(c, "\"edge-srh-to-local\""));

    public static LabFaultMode EdgeFilterWithoutSourceCheck { get; } = new(
        "EdgeFilterWithoutSourceCheck", "The per-node rule dropping packets to local SIDs from sources outside the SR domain is missing (RFC 8754 §5.1 #2).",
        c => WithoutCommands(c, "\"node-source-check\""));

    [GeneratedRegex(@"\biifname\s+(\S+)")]
    private static partial Regex IifnameRegex();

    /// <summary>The edge rules are (wrongly) applied to every tester-facing interface, the internal ones included.</summary>
    public static LabFaultMode EdgeFilterOnInternalPorts { get; } = new(
        "EdgeFilterOnInternalPorts", "The SID-block edge rule is also applied on the internal interfaces: SRv6 traffic from inside is dropped.",
        c =>
        {
            var interfaces = c.Sysctls.Select(s => s.Key.Split('.')).Where(k => k.Length == 5 && k[0] == "net" && k[1] == "ipv6" && k[4] == "seg6_enabled" && k[3] != "all")
                .Select(k => k[3]).Distinct().ToList();
            var commands = new List<string>();
            foreach (var l in c.Commands)
            {
                commands.Add(l);
                if (!l.Contains("\"edge-sid-block\"", StringComparison.Ordinal)) continue;
                var own = IifnameRegex().Match(l).Groups[1].Value;
                commands.AddRange(interfaces.Where(i => i != own).Select(i => IifnameRegex().Replace(l, $"iifname {i}")));
            }
            return c with { Commands = commands };
        });

    public static LabFaultMode HmacKeyMissing { get; } = new(
        "HmacKeyMissing", "The DUT has none of the profile's HMAC keys: every HMAC TLV fails verification.",
        c => WithoutCommands(c, "ip sr hmac set"));


    public static LabFaultMode EndWithoutCounters { get; } = new(
        "EndWithoutCounters", "The End SID is programmed without per-SID counters (seg6local without `count`): it forwards but counts nothing.",
        c => c.WithRouteFor(LinuxConfigTemplates.Roles.End, r => r.Replace(" count ", " ", StringComparison.Ordinal)));

    [GeneratedRegex(@"\bdev\s+(\S+)")]
    private static partial Regex DevRegex();

    public static LabFaultMode EndSidRoutedOnwards { get; } = new(
        "EndSidRoutedOnwards", "The End SID is not instantiated: its address is a plain route to the End.X next hop, so the DUT forwards such packets as a transit node without looking at the SRH.",
        c =>
        {
            var endX = c.RouteCommandFor(LinuxConfigTemplates.Roles.EndX);
            var nh = Nh6Regex().Match(endX).Groups[1].Value;
            var dev = DevRegex().Match(endX).Groups[1].Value;
            return c.WithRouteFor(LinuxConfigTemplates.Roles.End, r => $"ip -6 route add {r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]} via {nh} dev {dev}");
        });


    public static LabFaultMode Figure1EndXWrongLink { get; } = new(
        "Figure1EndXWrongLink", "Figure 1, DUT N4: End.X C52 (towards N5 over link10) is programmed towards N5 over link9.",
        c => c.WithRouteFor("end_x_c52", r => r.Replace("nh6 2001:db8:4:5:52::", "nh6 2001:db8:4:5:51::", StringComparison.Ordinal)
            .Replace(" dev link10", " dev link9", StringComparison.Ordinal)), "reference-figure1.yaml");

    public static LabFaultMode Figure1Link10Broken { get; } = new(
        "Figure1Link10Broken", "Figure 1, DUT N4: link10 is broken: nftables drops everything the DUT forwards out of it.",
        c => c.WithExtraCommands(
            $"nft add table ip6 {FaultTable}",
            $"nft add chain ip6 {FaultTable} brokenlink '{{ type filter hook forward priority 0; policy accept; }}'",
            $"nft add rule ip6 {FaultTable} brokenlink oifname link10 drop"), "reference-figure1.yaml");

    public static LabFaultMode Figure1OFlagNotExported { get; } = new(
        "Figure1OFlagNotExported", "Figure 1, DUT N4: the DUT claims O-flag processing but its (emulated) OAM process exports nothing to N100.",
        c => c.Commands.Any(x => x.Contains("srv6conf_oam", StringComparison.Ordinal))
            ? c with { Commands = c.Commands.Where(x => !x.Contains("srv6conf_oam", StringComparison.Ordinal) && !x.Contains("encap seg6 mode encap segs 2001:db8:b:100:1::", StringComparison.Ordinal)).ToList() }
            : throw new InvalidOperationException("Figure1OFlagNotExported needs the O-flag export (does the profile claim oam.o_flag_processing?)."),
        "reference-figure1.yaml");
    // (USP/USD, End.DT4/End.DT46 and End.B6.Encaps.Red are not claimed by the reference profile; their cases are
    // proven offline in BehaviorConformingReceptionTests, so they have no fault mode.)

    [GeneratedRegex(@"\boif (\S+)")]
    private static partial Regex OifRegex();

    /// <summary>
    /// The End.DX2 SID cross-connects to another tester-facing interface than the profile's: the first port
    /// interface (from the port sysctls) that is neither the SID's OIF nor the ingress t1 side.
    /// </summary>
    public static LabFaultMode EndDx2WrongInterface { get; } = new(
        "EndDx2WrongInterface", "The End.DX2 SID sends the decapsulated Ethernet frame out of another tester-facing interface than the profile's OIF.",
        c =>
        {
            var route = c.RouteCommandFor("end_dx2");
            var oif = OifRegex().Match(route).Groups[1].Value;
            var ingress = DevRegex().Match(route).Groups[1].Value;
            var other = c.Sysctls.Select(s => s.Key.Split('.')).Where(k => k.Length == 5 && k[0] == "net" && k[1] == "ipv6" && k[4] == "seg6_enabled")
                .Select(k => k[3]).Where(i => i is not "all" and not "default" and not "lo" && i != oif && i != ingress).Distinct().Order(StringComparer.Ordinal).FirstOrDefault()
                ?? throw new InvalidOperationException("EndDx2WrongInterface needs a third tester-facing interface besides the End.DX2 OIF and the SID device.");
            return c.WithRouteFor("end_dx2", r => OifRegex().Replace(r, "oif " + other));
        });

    /// <summary>The H.Insert policy (seg6 mode inline) is programmed as H.Encaps (seg6 mode encap): a new outer header instead of an inserted SRH.</summary>
    public static LabFaultMode HInsertAsEncap { get; } = new(
        "HInsertAsEncap", "The H.Insert policy (seg6 mode inline) is programmed as H.Encaps (mode encap): the packet is encapsulated instead of getting an SRH inserted.",
        c => c.Commands.Any(x => x.Contains(" encap seg6 mode inline ", StringComparison.Ordinal))
            ? c with { Commands = c.Commands.Select(x => x.Replace(" encap seg6 mode inline ", " encap seg6 mode encap ", StringComparison.Ordinal)).ToList() }
            : throw new InvalidOperationException("HInsertAsEncap needs the H.Insert policy (headend-insert.conf; does the profile claim H.Insert?)."));

    public static IReadOnlyList<LabFaultMode> All { get; } =
        [None, EndWithoutPsp, SidMissing, EndAsEndX, NoIcmpErrors, Seg6Disabled, ForwardingDisabled, HmacRequired, EndWithPsp, EndAsLocalAddress, PspSidMissing,
         EndXAsEnd, EndTMainTable, EndDt6MainTable, EndDx6AsDt6, EndDx4WrongAdjacency, EndB6AsEnd, HeadendsMissing, HeadendsNotReduced, FlowLabelZero,
        OFlagNotProcessed, OFlagNoRateLimit, OFlagCopiesAll, OFlagCleared, OFlagCopyAnswered,
         EdgeFilterWithoutSidBlockRule, EdgeFilterSidBlockNarrowed, EdgeFilterSidBlockTooBroad, EdgeFilter5f00Narrowed, EdgeFilterSourceCheckNarrowed, EdgeFilterWithoutRfc9602Rule, EdgeFilterWithoutSrhToLocalRule, EdgeFilterWithoutSourceCheck, EdgeFilterOnInternalPorts, HmacKeyMissing,
            EndWithoutCounters, EndSidRoutedOnwards,
         LocatorLocal, DownstreamViaT3,
         Figure1EndXWrongLink, Figure1Link10Broken, Figure1OFlagNotExported,
         EndDx2WrongInterface, HInsertAsEncap,
         IcmpErrorsToDutDropped];

    /// <summary>Prefix of a fault mode built at run time from a configuration mutation: <c>Mutation:&lt;id&gt;</c>.</summary>
    public const string MutationPrefix = "Mutation:";

    /// <summary><see cref="Profile"/> of a mode that applies to any profile's configuration (a mutation).</summary>
    public const string AnyProfile = "*";

    /// <summary>
    /// The fault mode <c>Mutation:&lt;id&gt;</c>: the one mutation with that id (<see cref="Mutations.ConfigMutator"/>) of
    /// whatever configuration the mode is applied to. The id is looked up when the mode is applied, so an id the
    /// configuration does not have fails the bring-up (naming the id), not the parse.
    /// </summary>
    public static LabFaultMode Mutation(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException($"'{MutationPrefix}' needs a mutation id (srv6conf mutate --list shows them).", nameof(id));
        return new(MutationPrefix + id, $"Mutation {id} of the rendered DUT configuration (srv6conf mutate).",
            c => Mutations.ConfigMutator.Apply(c, id), AnyProfile);
    }

    /// <summary>Case-insensitive lookup by name; <c>Mutation:&lt;id&gt;</c> (prefix case-insensitive, id exact) builds a mutation mode.</summary>
    public static LabFaultMode Parse(string name) =>
        name.StartsWith(MutationPrefix, StringComparison.OrdinalIgnoreCase) ? Mutation(name[MutationPrefix.Length..])
        : All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown lab fault mode '{name}' (known: {string.Join(", ", All.Select(f => f.Name))}, or {MutationPrefix}<id>).", nameof(name));
}
