using System.Net;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>
/// The SRv6 policy selector of draft-yang-srv6ops-policy-selector-01, as pure functions the data plane and <c>show srv6
/// policy-selector</c> share: classification (§5.2: the first class whose rules all hold, else unclassified), the
/// candidates and their priorities (the class's own, else the constituents'), the active set (§5.3: "The constituent
/// SRv6 Policy with the highest priority and qualified threshold will be selected to carry the traffic"; lower number
/// wins) and the per-flow pick by weight among equal priorities (§5.5), a deterministic hash of the flow.
/// Quality (§5.4) comes from the loopback probes of <c>SelectorMeasurement.cs</c>: the data plane passes whether each
/// constituent is eligible now (qualified and past its wait-to-restore); without measurement every constituent is.
/// </summary>
public static class SelectorLogic
{
    /// <summary>What the headend knows about a packet for classification and the flow hash.</summary>
    public readonly record struct FlowKey(UInt128 Source, UInt128 Destination, byte NextHeader, int? SourcePort, int? DestinationPort, int Dscp, uint FlowLabel);

    /// <summary>The flow key of an IPv6 packet (ports only for UDP/TCP directly after the IPv6 header).</summary>
    public static FlowKey KeyOf(ReadOnlySpan<byte> ip)
    {
        byte nh = ip[6];
        int? sp = null, dp = null;
        if (nh is 6 or 17 && ip.Length >= 44) { sp = Wire.U16(ip, 40); dp = Wire.U16(ip, 42); }
        return new FlowKey(Wire.A6(ip, 8), Wire.A6(ip, 24), nh, sp, dp, Wire.TrafficClass6(ip) >> 2, Wire.FlowLabel6(ip));
    }

    public static bool Matches(SelectorClassConfig c, FlowKey k)
    {
        if (c.Dscp.Count == 0 && c.SourcePrefix is null && c.DestinationPorts.Count == 0 && c.FlowLabels.Count == 0) return false;
        if (c.Dscp.Count > 0 && !c.Dscp.Contains(k.Dscp)) return false;
        if (c.SourcePrefix is { } p && !Wire.In6(k.Source, Wire.ToU128(p.BaseAddress), p.PrefixLength)) return false;
        if (c.DestinationPorts.Count > 0 && !(k.DestinationPort is { } d && c.DestinationPorts.Contains(d))) return false;
        if (c.FlowLabels.Count > 0 && !c.FlowLabels.Contains(k.FlowLabel)) return false;
        return true;
    }

    /// <summary>The first matching class, or null (unclassified).</summary>
    public static SelectorClassConfig? Classify(PolicySelectorConfig s, FlowKey k) => s.Classes.FirstOrDefault(c => Matches(c, k));

    /// <summary>The constituents that may carry the class, with the priority they have for it.</summary>
    public static IReadOnlyList<(ConstituentConfig Constituent, int Priority)> Candidates(PolicySelectorConfig s, SelectorClassConfig? c) =>
        c is null
            ? [.. s.Constituents.Select(x => (x, x.Priority ?? int.MaxValue))]
            : [.. c.Priorities.Select(p => (s.Constituents.FirstOrDefault(x => x.Name == p.Constituent), p.Priority)).Where(x => x.Item1 is not null).Select(x => (x.Item1!, x.Priority))];

    /// <summary>The active constituents of a class and the weight each shares the load with; <paramref name="eligible"/>
    /// says whether a constituent may carry traffic now (measured quality within its threshold, wait-to-restore over; null: every one).</summary>
    public static IReadOnlyList<(ConstituentConfig Constituent, int Weight)> Active(PolicySelectorConfig s, SelectorClassConfig? c, IReadOnlySet<DebugFault> faults,
        Func<ConstituentConfig, bool>? eligible = null)
    {
        var qualifying = Candidates(s, c).Where(x => eligible?.Invoke(x.Constituent) ?? true).ToList();
        if (qualifying.Count == 0) return [];
        var best = qualifying.Min(x => x.Priority);
        var active = faults.Contains(DebugFault.SelectorPriorityIgnored) ? qualifying : qualifying.Where(x => x.Priority == best).ToList();
        return [.. active.Select(x => (x.Constituent, faults.Contains(DebugFault.SelectorWeightsIgnored) ? 1 : x.Constituent.Weight))];
    }

    /// <summary>The constituent of one flow: a deterministic hash of the flow spread over the active set by weight.</summary>
    public static ConstituentConfig? Pick(IReadOnlyList<(ConstituentConfig Constituent, int Weight)> active, FlowKey k)
    {
        if (active.Count == 0) return null;
        if (active.Count == 1) return active[0].Constituent;
        var total = active.Sum(a => (long)a.Weight);
        var slot = (long)(FlowHash(k) % (ulong)total);
        foreach (var (c, w) in active)
        {
            if (slot < w) return c;
            slot -= w;
        }
        return active[^1].Constituent;
    }

    /// <summary>
    /// The flow's fields folded one by one through the splitmix64 finaliser (h = mix(h ^ field)): neighbouring source ports
    /// spread like independent draws (measured over 300 windows of 200 consecutive ports at weights 3:1: standard deviation
    /// of the share 2.75 points, binomial 3.06).
    /// </summary>
    public static ulong FlowHash(FlowKey k)
    {
        ulong h = 0;
        foreach (var v in new[] { (ulong)(k.Source >> 64), (ulong)k.Source, (ulong)(k.Destination >> 64), (ulong)k.Destination, k.NextHeader,
                     (ulong)(k.SourcePort ?? 0), (ulong)(k.DestinationPort ?? 0), k.FlowLabel })
            h = Mix(h ^ v);
        return h;
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9e3779b97f4a7c15UL;
        x ^= x >> 30; x *= 0xbf58476d1ce4e5b9UL; x ^= x >> 27; x *= 0x94d049bb133111ebUL; x ^= x >> 31;
        return x;
    }
}

/// <summary>A parent policy compiled: its config and one H.Encaps policy per constituent.</summary>
internal sealed class CompiledSelector
{
    public required PolicySelectorConfig Config { get; init; }
    public required Dictionary<string, HeadendPolicy> Policies { get; init; }
}

public sealed partial class ForwardingEngine
{
    /// <summary>The selector's route matched an IPv6 packet: classify, select, encapsulate (H.Encaps, RFC 8986 §5.1) in the constituent's segment list.</summary>
    private bool Selector6(EngineState st, Ctx ctx, CompiledSelector sel, byte[] p)
    {
        var key = SelectorLogic.KeyOf(p);
        var cls = SelectorLogic.Classify(sel.Config, key);
        // §6: traffic exceeding a constituent's guaranteed bandwidth goes to the next eligible constituent (SelectorBandwidth.cs).
        var full = new HashSet<string>(StringComparer.Ordinal);
        ConstituentConfig? pick;
        while (true)
        {
            pick = SelectorLogic.Pick(SelectorLogic.Active(sel.Config, cls, st.Config.DebugFaults, c => !full.Contains(c.Name) && Eligible(sel.Config.Name, c.Name)), key);
            if (pick is null || BandwidthAllows(st, sel.Config.Name, pick, p.Length)) break;
            full.Add(pick.Name);
        }
        if (pick is null || !sel.Policies.TryGetValue(pick.Name, out var pol)) return DropFalse("selector-no-qualifying-constituent");
        AccountSent(sel.Config.Name, pick.Name, p.Length);
        Count($"selector.{sel.Config.Name}.{cls?.Name ?? "unclassified"}");
        return HEncaps(st, ctx, pol, p, Wire.NhIpv6, reduced: false);
    }
}
