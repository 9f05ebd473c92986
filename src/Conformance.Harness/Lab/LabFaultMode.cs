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

    private LabFaultMode(string name, string description, Func<DutConfig, DutConfig> transform)
    {
        Name = name;
        Description = description;
        _transform = transform;
    }

    public string Name { get; }
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

    // --- SRH processing (wip/srh) ---
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

    public static IReadOnlyList<LabFaultMode> All { get; } =
        [None, EndWithoutPsp, SidMissing, EndAsEndX, NoIcmpErrors, Seg6Disabled, ForwardingDisabled, HmacRequired, EndWithPsp, EndAsLocalAddress, PspSidMissing,
            // --- SRH processing (wip/srh) ---
            EndWithoutCounters, EndSidRoutedOnwards];

    /// <summary>Case-insensitive lookup by name.</summary>
    public static LabFaultMode Parse(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown lab fault mode '{name}' (known: {string.Join(", ", All.Select(f => f.Name))}).", nameof(name));
}
