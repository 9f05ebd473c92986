using System.Net.Sockets;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>A data interface as the engine uses it: configuration, MAC, MTU and addresses in wire form.</summary>
internal sealed class Iface
{
    public required string Name { get; init; }
    public required byte[] Mac { get; init; }
    public required int Mtu { get; init; }
    public required InterfaceConfig Config { get; init; }
    public UInt128 LinkLocal { get; init; }
    public List<(UInt128 Address, int Length)> V6 { get; } = [];
    public List<(uint Address, int Length)> V4 { get; } = [];

    /// <summary>The address the node uses as source on this interface: its first global IPv6 address, else its link-local one.</summary>
    public UInt128 Source6 => V6.Count > 0 ? V6[0].Address : LinkLocal;
}

/// <summary>A route of one table: connected (no next hop), via a next hop, a discard route, or a headend policy.</summary>
internal sealed class Route
{
    public required string Table { get; init; }
    public required UInt128 Prefix { get; init; }
    public required int Length { get; init; }
    public bool V4 { get; init; }
    public Iface? Interface { get; set; }
    public UInt128? Via6 { get; init; }
    public uint? Via4 { get; init; }
    public bool Discard { get; init; }
    public HeadendPolicy? Policy { get; init; }
    /// <summary>A parent SRv6 policy with a policy selector (draft-yang-srv6ops-policy-selector-01).</summary>
    public CompiledSelector? Selector { get; init; }
    public bool Connected { get; init; }
    /// <summary>The locator this route stands for (its unprogrammed addresses are unreachable).</summary>
    public string? Locator { get; init; }

    public override string ToString()
    {
        string p = V4 ? $"{Wire.Ip4((uint)(Prefix >> 96))}/{Length}" : $"{Wire.Ip6(Prefix)}/{Length}";
        string what = Locator is not null ? $"locator {Locator} (unreachable but for its SIDs)"
            : Policy is not null ? $"srv6 policy {Policy.Config.Name} ({Policy.Config.Mode})"
            : Selector is not null ? $"srv6 policy-selector {Selector.Config.Name} ({Selector.Config.Constituents.Count} constituents)"
            : Discard ? "discard"
            : Connected ? $"connected {Interface?.Name}"
            : $"via {(Via6 is { } v6 ? Wire.Ip6(v6).ToString() : Via4 is { } v4 ? Wire.Ip4(v4).ToString() : "-")} {Interface?.Name}";
        return $"{Table} {p} {what}";
    }
}

internal sealed class HeadendPolicy
{
    public required HeadendPolicyConfig Config { get; init; }
    /// <summary>The segment list in policy order: S1 (first to visit) first.</summary>
    public required UInt128[] Segments { get; init; }
}

/// <summary>Per-SID packet and byte counters (RFC 8986 §6); kept across commits for a SID that keeps its name.</summary>
internal sealed class SidCounter
{
    public long Packets;
    public long Bytes;
}

/// <summary>A local SID in wire form (an entry of "My Local SID Table").</summary>
internal sealed class Sid
{
    public required LocalSidConfig Config { get; init; }
    public required SidCounter Counter { get; init; }
    public required UInt128 Prefix { get; init; }
    public Iface? Interface { get; init; }
    public UInt128? NextHop6 { get; init; }
    public uint? NextHop4 { get; init; }
    public string Table => Config.Table ?? ForwardingEngine.MainTable;
    public UInt128[] Segments { get; init; } = [];
    public CsidStructure? Csid { get; init; }
    public bool Psp => (Config.Flavors & Flavors.Psp) != 0;
    public bool Usp => (Config.Flavors & Flavors.Usp) != 0;
    public bool Usd => (Config.Flavors & Flavors.Usd) != 0;
}

/// <summary>The compiled configuration: swapped as a whole on <see cref="ForwardingEngine.Apply"/>.</summary>
internal sealed class EngineState
{
    public required NodeConfig Config { get; init; }
    public Dictionary<string, Iface> Interfaces { get; } = new(StringComparer.Ordinal);
    public HashSet<UInt128> Local6 { get; } = [];
    public HashSet<uint> Local4 { get; } = [];
    public Lpm<Sid> Sids { get; } = new();
    public List<Sid> SidList { get; } = [];
    public Dictionary<string, Lpm<Route>> Fib6 { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Lpm<Route>> Fib4 { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HeadendPolicy> L2Policies { get; } = new(StringComparer.Ordinal);
    public Dictionary<uint, HmacKeyConfig> HmacKeys { get; } = [];
    public List<(UInt128 Prefix, int Length)> Protected { get; } = [];
    public List<(string Interface, UInt128 Locator, int LocatorLength, List<(UInt128, int)> Inside)> SourceChecks { get; } = [];
    public UInt128? SourceAddress { get; init; }
    public bool Fault(DebugFault f) => Config.DebugFaults.Contains(f);

    public Lpm<Route> Table6(string name) { if (!Fib6.TryGetValue(name, out var t)) Fib6[name] = t = new(); return t; }
    public Lpm<Route> Table4(string name) { if (!Fib4.TryGetValue(name, out var t)) Fib4[name] = t = new(); return t; }

    public static EngineState Compile(NodeConfig config, IReadOnlyList<InterfaceInfo> infos, Dictionary<string, SidCounter> oldCounters)
    {
        var s = new EngineState
        {
            Config = config,
            SourceAddress = config.Srv6.SourceAddress is { AddressFamily: AddressFamily.InterNetworkV6 } sa ? Wire.ToU128(sa) : null,
        };
        foreach (var ic in config.Interfaces)
        {
            var info = infos.FirstOrDefault(i => i.Name == ic.Name);
            if (info is null) continue; // configured but not present on the system: nothing to send or receive on
            var ifc = new Iface { Name = ic.Name, Mac = info.Mac, Mtu = info.Mtu, Config = ic, LinkLocal = Wire.LinkLocalFromMac(info.Mac) };
            s.Interfaces[ic.Name] = ifc;
            s.Local6.Add(ifc.LinkLocal);
            // Host addresses first: the first one is the interface's source address (ICMPv6 errors, NS, encapsulation).
            foreach (var (a, l) in ic.Ipv6HostAddresses) ifc.V6.Add((Wire.ToU128(a), l));
            foreach (var n in ic.Ipv6Addresses) ifc.V6.Add((Wire.ToU128(n.BaseAddress), n.PrefixLength));
            foreach (var (a, l) in ic.Ipv4Addresses) ifc.V4.Add((Wire.ToU32(a), l));
            if (ic.Shutdown) continue;
            var main6 = s.Table6(ForwardingEngine.MainTable);
            var main4 = s.Table4(ForwardingEngine.MainTable);
            foreach (var (a, l) in ifc.V6)
            {
                s.Local6.Add(a);
                main6.Add(a, l, new Route { Table = ForwardingEngine.MainTable, Prefix = a & Wire.Mask6(l), Length = l, Interface = ifc, Connected = true });
            }
            foreach (var (a, l) in ifc.V4)
            {
                s.Local4.Add(a);
                main4.Add((UInt128)a << 96, l, new Route { Table = ForwardingEngine.MainTable, Prefix = (UInt128)(a & Wire.Mask4(l)) << 96, Length = l, V4 = true, Interface = ifc, Connected = true });
            }
        }
        foreach (var lo in config.LoopbackAddresses)
        {
            if (lo.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6) s.Local6.Add(Wire.ToU128(lo.BaseAddress));
            else s.Local4.Add(Wire.ToU32(lo.BaseAddress));
        }
        // A locator is the node's own: an address in it that is no instantiated SID is unreachable, not forwarded along
        // a covering route (RFC 8986 §3.3: the locator is routed to the node). Static routes may still override it.
        foreach (var loc in config.Srv6.Locators)
            if (loc.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)
                s.Table6(ForwardingEngine.MainTable).Add(Wire.ToU128(loc.Prefix.BaseAddress), loc.Prefix.PrefixLength, new Route
                { Table = ForwardingEngine.MainTable, Prefix = Wire.ToU128(loc.Prefix.BaseAddress), Length = loc.Prefix.PrefixLength, Discard = true, Locator = loc.Name });
        foreach (var r in config.Routes)
        {
            s.Interfaces.TryGetValue(r.Interface ?? "", out var ifc);
            if (r.Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)
            {
                UInt128? via = r.NextHop is null ? null : Wire.ToU128(r.NextHop);
                ifc ??= via is { } v ? s.ConnectedInterface6(v) : null;
                s.Table6(r.Table).Add(Wire.ToU128(r.Prefix.BaseAddress), r.Prefix.PrefixLength, new Route
                { Table = r.Table, Prefix = Wire.ToU128(r.Prefix.BaseAddress), Length = r.Prefix.PrefixLength, Interface = ifc, Via6 = via, Discard = r.Discard });
            }
            else
            {
                uint? via = r.NextHop is null ? null : Wire.ToU32(r.NextHop);
                ifc ??= via is { } v ? s.ConnectedInterface4(v) : null;
                var p = (UInt128)Wire.ToU32(r.Prefix.BaseAddress) << 96;
                s.Table4(r.Table).Add(p, r.Prefix.PrefixLength, new Route
                { Table = r.Table, Prefix = p, Length = r.Prefix.PrefixLength, V4 = true, Interface = ifc, Via4 = via, Discard = r.Discard });
            }
        }
        foreach (var pc in config.Srv6.Policies)
        {
            var pol = new HeadendPolicy { Config = pc, Segments = pc.Segments.Select(Wire.ToU128).ToArray() };
            if (pc.L2Interface is not null) { s.L2Policies[pc.L2Interface] = pol; continue; }
            if (pc.Match is not { } m) continue;
            var table = pc.Table ?? ForwardingEngine.MainTable;
            if (m.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)
                s.Table6(table).Add(Wire.ToU128(m.BaseAddress), m.PrefixLength, new Route { Table = table, Prefix = Wire.ToU128(m.BaseAddress), Length = m.PrefixLength, Policy = pol });
            else
            {
                var p = (UInt128)Wire.ToU32(m.BaseAddress) << 96;
                s.Table4(table).Add(p, m.PrefixLength, new Route { Table = table, Prefix = p, Length = m.PrefixLength, V4 = true, Policy = pol });
            }
        }
        foreach (var ps in config.Srv6.Selectors)
        {
            if (ps.Steer is not { } steer) continue;
            var compiled = new CompiledSelector
            {
                Config = ps,
                Policies = ps.Constituents.ToDictionary(c => c.Name, c => new HeadendPolicy
                {
                    Config = new HeadendPolicyConfig($"{ps.Name}/{c.Name}", HeadendMode.Encaps, c.Segments), Segments = c.Segments.Select(Wire.ToU128).ToArray(),
                }, StringComparer.Ordinal),
            };
            s.Table6(ForwardingEngine.MainTable).Add(Wire.ToU128(steer.BaseAddress), steer.PrefixLength, new Route
            { Table = ForwardingEngine.MainTable, Prefix = Wire.ToU128(steer.BaseAddress), Length = steer.PrefixLength, Selector = compiled });
        }
        foreach (var sc in config.Srv6.Sids)
        {
            var loc = sc.Locator is null ? null : config.Srv6.Locators.FirstOrDefault(l => l.Name == sc.Locator);
            s.Interfaces.TryGetValue(sc.Interface ?? "", out var ifc);
            UInt128? nh6 = sc.NextHop is { AddressFamily: AddressFamily.InterNetworkV6 } n6 ? Wire.ToU128(n6) : null;
            uint? nh4 = sc.NextHop is { AddressFamily: AddressFamily.InterNetwork } n4 ? Wire.ToU32(n4) : null;
            if (ifc is null && nh6 is { } v6) ifc = s.ConnectedInterface6(v6);
            if (ifc is null && nh4 is { } v4) ifc = s.ConnectedInterface4(v4);
            var counter = oldCounters.TryGetValue(sc.Name, out var c) ? c : new SidCounter();
            var sid = new Sid
            {
                // Debug fault FlavorsDroppedExceptEndAndEndX: the flavors and the C-SID structure are accepted but not installed.
                Config = InstalledSid.FlavorsDropped(config, sc) ? sc with { Flavors = Flavors.None } : sc, Counter = counter,
                Prefix = Wire.ToU128(sc.Sid) & Wire.Mask6(sc.PrefixLength), Interface = ifc, NextHop6 = nh6, NextHop4 = nh4,
                Segments = sc.Segments.Select(Wire.ToU128).ToArray(), Csid = InstalledSid.FlavorsDropped(config, sc) ? null : loc?.Csid,
            };
            s.Sids.Add(sid.Prefix, sc.PrefixLength, sid);
            s.SidList.Add(sid);
        }
        foreach (var k in config.Srv6.HmacKeys) s.HmacKeys[k.KeyId] = k;
        foreach (var p in config.Srv6.Domain.ProtectedPrefixes)
            if (p.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6) s.Protected.Add((Wire.ToU128(p.BaseAddress), p.PrefixLength));
        foreach (var sc in config.Srv6.Domain.SourceChecks)
            s.SourceChecks.Add((sc.Interface, Wire.ToU128(sc.Locator.BaseAddress), sc.Locator.PrefixLength,
                sc.InsideSources.Select(n => (Wire.ToU128(n.BaseAddress), n.PrefixLength)).ToList()));
        return s;
    }

    public Iface? ConnectedInterface6(UInt128 a)
    {
        foreach (var i in Interfaces.Values)
        {
            if (i.Config.Shutdown) continue;
            foreach (var (p, l) in i.V6) if (Wire.In6(a, p, l)) return i;
        }
        return null;
    }

    public Iface? ConnectedInterface4(uint a)
    {
        foreach (var i in Interfaces.Values)
        {
            if (i.Config.Shutdown) continue;
            foreach (var (p, l) in i.V4) if (Wire.In4(a, p, l)) return i;
        }
        return null;
    }

    /// <summary>Is <paramref name="a"/> one of the node's own IPv6 addresses (interfaces, link-locals, loopbacks) — not a SID.</summary>
    public bool IsOwn6(UInt128 a) => Local6.Contains(a);
}
