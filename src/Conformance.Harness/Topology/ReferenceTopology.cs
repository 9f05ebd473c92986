using System.Net;

namespace Conformance.Harness.Topology;

/// <summary>A node of a reference topology: a router (N1…N7) or an attachment the tester plays (CE1, CE2, N100).</summary>
/// <remarks><see cref="Label"/> is how the addressing plan writes the node in an address group (N100: "100", CE1: "ce1").</remarks>
public sealed record TopologyNode(string Name, string Label, bool SrCapable, bool IsTester)
{
    /// <summary>A tester node that originates its loopback and locator (Figure 1: the controller N100).</summary>
    public bool Advertises { get; init; }
    /// <summary>The node's End SID when the plan's pattern does not give it (Figure 1: N100's 2001:db8:B:100:1::).</summary>
    public string? EndSidOverride { get; init; }
    /// <summary>The node's link-address pattern when the plan's does not apply (Figure 1: the CEs, ::2).</summary>
    public string? LinkAddressOverride { get; init; }
}

/// <summary>The addressing plan as patterns: {k} node label, {i} neighbour label, {n} link index, {pair} the link's "lo:hi" labels.</summary>
public sealed record TopologyPlan(string Loopback, string Locator, string EndSid, string EndXSid, string LinkPrefix, string LinkAddress)
{
    /// <summary>The SRv6 routers' NEXT-C-SID SIDs (RFC 9800), or null (the plan has classic SIDs only).</summary>
    public TopologyCsidPlan? Csid { get; init; }
}

/// <summary>
/// NEXT-C-SID SIDs in the plan (RFC 9800 §4.1): the Locator-Block with its C-SID length (e.g. F3216, 2001:db8::/32,16), the
/// prefix each SRv6 router originates for its C-SIDs, and the End and End.X SID patterns (block + one C-SID, argument 0).
/// </summary>
public sealed record TopologyCsidPlan(Conformance.Harness.Packets.CsidBlock Block, string Locator, string EndSid, string EndXSid);

/// <summary>A SID beyond End and End.X at a node (Figure 1: the VPN SID at N7), optionally towards a next hop's IPv4 address on a link.</summary>
public sealed record TopologyExtraSid(string Node, string Name, string Behavior, IPAddress Address, string? Link, string? NextHop);

/// <summary>
/// A link between two nodes. <see cref="Index"/> is the n-th link between the same pair (link5 is the 1st
/// link between N3 and N4, link6 the 2nd); <see cref="Metric"/> is the IGP metric the lab's routing uses.
/// The interface carries the link's name on both ends.
/// </summary>
public sealed record TopologyLink(string Name, string A, string B, int Index, int Metric)
{
    /// <summary>IPv4 addresses of the two ends (Figure 1: the CE attachments), or null.</summary>
    public IPAddress? Ipv4A { get; init; }
    public IPAddress? Ipv4B { get; init; }

    public string Other(string node) => node == A ? B : node == B ? A
        : throw new ArgumentException($"{node} is not an end of {Name} ({A}–{B})");
    public bool Touches(string node) => A == node || B == node;
}

/// <summary>A static IPv4 route of the topology (ipv4_routes): <see cref="Node"/> routes <see cref="Prefix"/> over <see cref="Link"/> via the neighbour's IPv4 address.</summary>
public sealed record TopologyIpv4Route(string Node, IPNetwork Prefix, string Link);

/// <summary>A route a node installs: prefix via the neighbour's address on a link.</summary>
public sealed record TopologyRoute(string Prefix, string Via, string Interface);

/// <summary>A SID a node instantiates: End, End.X (towards a neighbour over one link), End.DX4 (towards an IPv4 next hop on a link).</summary>
public sealed record TopologySid(string Name, string Behavior, IPAddress Address, string? Link = null, IPAddress? NextHop = null)
{
    /// <summary>The SID's NEXT-C-SID structure (RFC 9800), or null for a classic SID: it then matches block + C-SID, any argument.</summary>
    public Conformance.Harness.Packets.CsidStructure? Csid { get; init; }

    /// <summary>Does a destination address hit this SID (classic: equal; C-SID: the block and C-SID, any argument)?</summary>
    public bool Matches(IPAddress destination) => Csid is { } c
        ? Conformance.Harness.Packets.CsidBits.Field(Conformance.Harness.Packets.CsidBits.ToUInt128(destination), 0, c.BlockBits + c.CsidBits)
          == Conformance.Harness.Packets.CsidBits.Field(Conformance.Harness.Packets.CsidBits.ToUInt128(Address), 0, c.BlockBits + c.CsidBits)
        : Address.Equals(destination);
}

/// <summary>
/// A reference topology read from a data file (topologies/NAME.yaml, see <see cref="TopologyFile"/>): nodes, links
/// (index and IGP metric), the addressing plan as patterns, the O-flag-capable routers, the controller and extra SIDs.
/// RFC 9259 Figure 1 is one instance (topologies/rfc9259-figure1.yaml); a new topology is a new file.
/// Routing is static and computed here (shortest path, ties broken by the lower link number): what an
/// IGP would install, with no routing daemon in the lab.
/// </summary>
public sealed class ReferenceTopology
{
    internal ReferenceTopology(string name, string source, string file, IReadOnlyList<TopologyNode> nodes, IReadOnlyList<TopologyLink> links,
        IReadOnlySet<string> oFlagCapable, string? controller, TopologyPlan plan, IReadOnlyList<TopologyExtraSid> extraSids)
    {
        (Name, Source, File, Nodes, Links, OFlagCapable, ControllerName, Plan, ExtraSids) =
            (name, source, file, nodes, links, oFlagCapable, controller, plan, extraSids);
    }

    /// <summary>The topology's name (what a profile's testbed.topology.name says), e.g. rfc9259-figure1.</summary>
    public string Name { get; }

    /// <summary>What the topology transcribes (the RFC or draft and its figure).</summary>
    public string Source { get; }

    /// <summary>The data file it was read from.</summary>
    public string File { get; }

    public IReadOnlyList<TopologyNode> Nodes { get; }

    /// <summary>Router-to-router links and the tester attachments.</summary>
    public IReadOnlyList<TopologyLink> Links { get; }

    /// <summary>The routers that process the O-flag: the lab emulates the O-flag processing of those that are not the DUT, exporting copies to the controller.</summary>
    public IReadOnlySet<string> OFlagCapable { get; }

    private string? ControllerName { get; }

    /// <summary>The tester node O-flag copies are exported to (Figure 1: N100).</summary>
    public string Controller => ControllerName ?? throw new InvalidOperationException($"{File}: topology {Name} names no controller");

    internal TopologyPlan Plan { get; }

    internal IReadOnlyList<TopologyExtraSid> ExtraSids { get; }

    /// <summary>The topology's static IPv4 routes (its IGP is IPv6 only).</summary>
    public IReadOnlyList<TopologyIpv4Route> Ipv4Routes { get; init; } = [];

    /// <summary>The static IPv4 routes a router installs (prefix via the neighbour's IPv4 address on the link).</summary>
    public IReadOnlyList<TopologyRoute> Ipv4RoutesOf(string node) => Ipv4Routes.Where(r => r.Node == Node(node).Name)
        .Select(r => new TopologyRoute(r.Prefix.ToString(), LinkAddress4(Link(r.Link).Other(r.Node), r.Link)!.ToString(), r.Link)).ToList();

    /// <summary>An extra SID of the topology by name (Figure 1: vpn_999 at N7).</summary>
    public TopologySid SidNamed(string name) => Nodes.SelectMany(n => SidsOf(n.Name)).FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"{Name} has no SID '{name}'");

    /// <summary>The IPv4 address of a node on a link that has IPv4 (Figure 1: the CE attachments), or null.</summary>
    public IPAddress? LinkAddress4(string node, string link)
    {
        var l = Links.FirstOrDefault(x => x.Name == link);
        if (l?.Ipv4A is null || l.Ipv4B is null) return null;
        var n = Node(node).Name;
        return n == l.A ? l.Ipv4A : n == l.B ? l.Ipv4B : null;
    }

    /// <summary>The routers (the nodes a DUT can replace).</summary>
    public IEnumerable<TopologyNode> Routers => Nodes.Where(n => !n.IsTester);

    /// <summary>The tester attachments: link name = tester port name.</summary>
    public IEnumerable<TopologyLink> Attachments => Links.Where(l => Node(l.B).IsTester);

    public TopologyNode Node(string name) => Nodes.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"{Name} has no node '{name}' (nodes: {string.Join(", ", Nodes.Select(n => n.Name))})");

    public TopologyLink Link(string name) => Links.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"{Name} has no link '{name}'");

    public IEnumerable<TopologyLink> LinksOf(string node) => Links.Where(l => l.Touches(node));

    private string L(string node) => Node(node).Label;

    /// <summary>The pair's groups "i:j" with the lower node first (routers before attachments).</summary>
    private string Pair(TopologyLink l)
    {
        var (a, b) = (Node(l.A), Node(l.B));
        bool aFirst = a.IsTester == b.IsTester ? string.CompareOrdinal(a.Name, b.Name) < 0 : !a.IsTester;
        return aFirst ? $"{a.Label}:{b.Label}" : $"{b.Label}:{a.Label}";
    }

    private static string Fill(string pattern, string k = "", string i = "", string n = "", string pair = "") =>
        pattern.Replace("{k}", k).Replace("{i}", i).Replace("{n}", n).Replace("{pair}", pair);

    /// <summary>Node k's loopback (Figure 1: 2001:db8:A:k::).</summary>
    public IPAddress Loopback(string node) => IPAddress.Parse(Fill(Plan.Loopback, k: L(node)));

    /// <summary>Node k's locator (Figure 1: 2001:db8:B:k::/64).</summary>
    public string Locator(string node) => Fill(Plan.Locator, k: L(node));

    /// <summary>The End SID (Figure 1: 2001:db8:B:k::; N100: 2001:db8:B:100:1::, the seed's §3.4).</summary>
    public IPAddress EndSid(string node) => IPAddress.Parse(Node(node).EndSidOverride is { } o ? Fill(o, k: L(node)) : Fill(Plan.EndSid, k: L(node)));

    /// <summary>End.X at <paramref name="node"/> over <paramref name="link"/> (Figure 1: 2001:db8:B:k:Cij::, i = neighbour, j = the link's index).</summary>
    public IPAddress EndXSid(string node, string link)
    {
        var l = Link(link);
        return IPAddress.Parse(Fill(Plan.EndXSid, k: L(node), i: L(l.Other(node)), n: l.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The NEXT-C-SID End SID of an SRv6 router (the plan's csid_end_sid, block + the node's C-SID), or null without a C-SID plan.</summary>
    public IPAddress? CsidEndSid(string node) => Plan.Csid is { } c ? IPAddress.Parse(Fill(c.EndSid, k: L(node))) : null;

    /// <summary>The NEXT-C-SID End.X SID of an SRv6 router over a link (the plan's csid_end_x_sid), or null without a C-SID plan.</summary>
    public IPAddress? CsidEndXSid(string node, string link)
    {
        if (Plan.Csid is not { } c) return null;
        var l = Link(link);
        return IPAddress.Parse(Fill(c.EndXSid, k: L(node), i: L(l.Other(node)), n: l.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// One NEXT-C-SID container (RFC 9800 §4.1) holding the C-SIDs of <paramref name="sids"/> (each a C-SID SID of the plan's
    /// block, argument 0) in processing order, or null without a C-SID plan.
    /// </summary>
    public IPAddress? CsidContainer(IReadOnlyList<IPAddress> sids)
    {
        if (Plan.Csid is not { } c) return null;
        var s = c.Block.Structure;
        var csids = sids.Select(a =>
        {
            if (!c.Block.Contains(a)) throw new ArgumentException($"{a} is not in the C-SID block {c.Block.Prefix}/{s.BlockBits}");
            return (ulong)Conformance.Harness.Packets.CsidBits.Field(Conformance.Harness.Packets.CsidBits.ToUInt128(a), s.BlockBits, s.CsidBits);
        }).ToList();
        return Conformance.Harness.Packets.CsidCodec.EncodeNext(c.Block, csids);
    }

    /// <summary>The C-SID block of the plan (e.g. F3216: 2001:db8::/32 with 16-bit C-SIDs), or null.</summary>
    public Conformance.Harness.Packets.CsidBlock? CsidBlock => Plan.Csid?.Block;

    /// <summary>The prefix a link's addresses come from (Figure 1: 2001:db8:i:j::/64 with i &lt; j).</summary>
    public string LinkPrefix(string link) => Fill(Plan.LinkPrefix, pair: Pair(Link(link)));

    /// <summary>The address of <paramref name="node"/> on <paramref name="link"/> (Figure 1: 2001:db8:i:j:kn::; a CE is ::2).</summary>
    public IPAddress LinkAddress(string node, string link)
    {
        var l = Link(link);
        if (!l.Touches(node)) throw new ArgumentException($"{node} is not an end of {link}");
        var k = Node(node);
        return IPAddress.Parse(Fill(k.LinkAddressOverride ?? Plan.LinkAddress, k: k.Label, n: l.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), pair: Pair(l)));
    }

    /// <summary>Every address of a node (loopback, link addresses, SIDs): to tell which node answered.</summary>
    public IReadOnlyList<IPAddress> AddressesOf(string node) =>
        [Loopback(node), .. LinksOf(node).Select(l => LinkAddress(node, l.Name)), .. SidsOf(node).Select(s => s.Address)];

    /// <summary>Which node owns an address (loopback, link address or SID), or null.</summary>
    public string? OwnerOf(IPAddress address) => Nodes.FirstOrDefault(n => AddressesOf(n.Name).Contains(address))?.Name;

    /// <summary>The SIDs an SRv6-capable router instantiates: End, and End.X over each of its router links.</summary>
    public IReadOnlyList<TopologySid> SidsOf(string node)
    {
        var n = Node(node);
        if (n.IsTester) return n.EndSidOverride is not null ? [new("end", "End", EndSid(node))] : [];
        if (!n.SrCapable) return [];
        var sids = new List<TopologySid> { new("end", "End", EndSid(node)) };
        foreach (var l in LinksOf(node).Where(l => !Node(l.Other(node)).IsTester))
            sids.Add(new($"end_x_{l.Name}", "End.X", EndXSid(node, l.Name), l.Name, LinkAddress(l.Other(node), l.Name)));
        if (Plan.Csid is { } c)
        {
            sids.Add(new("end_csid", "End", CsidEndSid(node)!) { Csid = c.Block.Structure });
            foreach (var l in LinksOf(node).Where(l => !Node(l.Other(node)).IsTester))
                sids.Add(new($"end_x_csid_{l.Name}", "End.X", CsidEndXSid(node, l.Name)!, l.Name, LinkAddress(l.Other(node), l.Name)) { Csid = c.Block.Structure });
        }
        foreach (var x in ExtraSids.Where(x => x.Node == n.Name))
            sids.Add(new(x.Name, x.Behavior, x.Address, x.Link, x.NextHop is { } h && x.Link is { } xl ? LinkAddress4(h, xl) : null));
        return sids;
    }

    /// <summary>
    /// The prefixes a node originates (what the IGP would advertise for it): its loopback, its locator
    /// (SRv6 nodes and N100), and the /64 of each of its links and attachments (a link's prefix has two owners).
    /// </summary>
    public IReadOnlyList<string> PrefixesOf(string node)
    {
        var n = Node(node);
        if (n.IsTester && !n.Advertises) return [];
        var list = new List<string> { $"{Loopback(node)}/128" };
        if (n.SrCapable || n.Advertises) list.Add(Locator(node));
        if (n.SrCapable && !n.IsTester && Plan.Csid is { } c) list.Add(Fill(c.Locator, k: L(node)));
        if (!n.IsTester) list.AddRange(LinksOf(node).Select(l => LinkPrefix(l.Name)).Distinct());
        return list;
    }

    /// <summary>
    /// Shortest paths from <paramref name="from"/> to every other node: the first link and the distance.
    /// Tester nodes are stubs (never transit). Ties: lower total metric, then the lower link number.
    /// </summary>
    public IReadOnlyDictionary<string, (TopologyLink First, int Distance)> FirstHops(string from)
    {
        var order = Links.Select((l, i) => (l.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var best = new Dictionary<string, (int Dist, int Tie, TopologyLink? First)> { [from] = (0, -1, null) };
        var done = new HashSet<string>();
        while (true)
        {
            var open = best.Where(kv => !done.Contains(kv.Key)).OrderBy(kv => kv.Value.Dist).ThenBy(kv => kv.Value.Tie).FirstOrDefault();
            if (open.Key is null) break;
            var u = open.Key;
            done.Add(u);
            if (u != from && Node(u).IsTester) continue; // stubs do not carry transit traffic
            foreach (var l in LinksOf(u))
            {
                var v = l.Other(u);
                var first = open.Value.First ?? l;
                var cand = (Dist: open.Value.Dist + l.Metric, Tie: order[first.Name], First: (TopologyLink?)first);
                if (!best.TryGetValue(v, out var cur) || cand.Dist < cur.Dist || (cand.Dist == cur.Dist && cand.Tie < cur.Tie))
                    best[v] = cand;
            }
        }
        return best.Where(kv => kv.Key != from && kv.Value.First is not null).ToDictionary(kv => kv.Key, kv => (kv.Value.First!, kv.Value.Dist));
    }

    /// <summary>
    /// The static routes a router installs: every prefix it does not have itself, via the first hop
    /// towards its nearest owner (ties: the lower link number).
    /// </summary>
    public IReadOnlyList<TopologyRoute> RoutesOf(string node)
    {
        var hops = FirstHops(node);
        var own = PrefixesOf(node).ToHashSet(StringComparer.Ordinal);
        var order = Links.Select((l, i) => (l.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var routes = new List<TopologyRoute>();
        var prefixes = Nodes.SelectMany(n => PrefixesOf(n.Name).Select(p => (Prefix: p, Owner: n.Name)))
            .Where(x => !own.Contains(x.Prefix) && hops.ContainsKey(x.Owner))
            .GroupBy(x => x.Prefix, StringComparer.Ordinal);
        foreach (var g in prefixes)
        {
            var (link, _) = g.Select(x => hops[x.Owner]).OrderBy(h => h.Distance).ThenBy(h => order[h.First.Name]).First();
            routes.Add(new TopologyRoute(g.Key, LinkAddress(link.Other(node), link.Name).ToString(), link.Name));
        }
        return routes;
    }

    /// <summary>The link a router sends a packet for <paramref name="destination"/> out of: the longest matching prefix among its routes and attachments.</summary>
    public TopologyLink? Egress(string node, IPAddress destination)
    {
        var candidates = RoutesOf(node).Select(r => (Prefix: IPNetwork.Parse(r.Prefix), Link: Link(r.Interface)))
            .Concat(LinksOf(node).Where(l => Node(l.Other(node)).IsTester).Select(l => (Prefix: IPNetwork.Parse(LinkPrefix(l.Name)), Link: l)))
            .Where(c => c.Prefix.Contains(destination))
            .OrderByDescending(c => c.Prefix.PrefixLength)
            .ToList();
        return candidates.Count == 0 ? null : candidates[0].Link;
    }

    /// <summary>
    /// Walks a packet through the topology as RFC 8754/8986 say each router handles it: at an End or End.X SID
    /// of the router, Segments Left is decremented and the DA becomes the next segment (End.X: out of its
    /// link, End: looked up); otherwise the router forwards on the DA. Every router decrements the hop
    /// limit. Stops when the packet reaches a tester attachment (or after 32 hops, or where no route exists).
    /// </summary>
    /// <param name="entry">The attachment the packet enters by (e.g. n100a).</param>
    /// <param name="visitOrder">The segment list in visit order, the last segment being the final destination.</param>
    public IReadOnlyList<PathHop> Walk(string entry, IReadOnlyList<IPAddress> visitOrder, byte hopLimit = 64)
    {
        var link = Link(entry);
        var first = new PathHop(link.Name, link.B, link.A, visitOrder[0], visitOrder.Count - 1, hopLimit); // attachments are (router, tester)
        return Continue([first], link.A, visitOrder, visitOrder.Count - 1, visitOrder[0], hopLimit, decrement: true);
    }

    /// <summary>A packet a router originates (plain IPv6, e.g. an echo reply): its hops to wherever the routes take it.</summary>
    public IReadOnlyList<PathHop> WalkFrom(string origin, IPAddress destination, byte hopLimit = 64) =>
        Continue([], origin, [destination], 0, destination, hopLimit, decrement: false);

    /// <summary>
    /// A packet a router encapsulates (a headend, RFC 8986 §5.1: outer DA the first segment, SL = n − 1): its hops from
    /// <paramref name="origin"/> through the segments to where the last one leaves it (a decapsulating SID ends the walk).
    /// </summary>
    public IReadOnlyList<PathHop> WalkEncapsulated(string origin, IReadOnlyList<IPAddress> visitOrder, byte hopLimit = 64) =>
        Continue([], origin, visitOrder, visitOrder.Count - 1, visitOrder[0], hopLimit, decrement: false);

    private static UInt128 NextCsidArgument(IPAddress da, Conformance.Harness.Packets.CsidStructure s)
    {
        int used = s.BlockBits + s.CsidBits;
        return Conformance.Harness.Packets.CsidBits.Field(Conformance.Harness.Packets.CsidBits.ToUInt128(da), used, 128 - used);
    }

    /// <summary>RFC 9800 §4.1.1 S14–S17 on the DA: the block kept, the bits after the C-SID moved up by one C-SID, zeros shifted in.</summary>
    private static IPAddress ShiftNextCsid(IPAddress da, Conformance.Harness.Packets.CsidStructure s)
    {
        var v = Conformance.Harness.Packets.CsidBits.ToUInt128(da);
        int b = s.BlockBits;
        var rest = Conformance.Harness.Packets.CsidBits.Field(v, b + s.CsidBits, 128 - b - s.CsidBits);
        var shifted = Conformance.Harness.Packets.CsidBits.With(v, b, 128 - b, rest << s.CsidBits);
        return Conformance.Harness.Packets.CsidBits.ToAddress(shifted);
    }

    private List<PathHop> Continue(List<PathHop> hops, string node, IReadOnlyList<IPAddress> visitOrder, int sl, IPAddress da, int hl, bool decrement)
    {
        for (int guard = 0; guard < 32 && !Node(node).IsTester; guard++)
        {
            if (decrement)
            {
                if (hl <= 1) break;
                hl--;
            }
            decrement = true;
            TopologyLink? egress;
            var sid = SidsOf(node).FirstOrDefault(s => s.Matches(da));
            if (sid?.Csid is { } cs && NextCsidArgument(da, cs) != 0)
            {
                // RFC 9800 §4.1.1: the argument is not zero, so the node shifts the next C-SID into place (Segments Left and the SRH untouched).
                da = ShiftNextCsid(da, cs);
                egress = sid.Link is { } l ? Link(l) : Egress(node, da);
            }
            else if (sid is not null && sl > 0)
            {
                sl--;
                da = visitOrder[visitOrder.Count - 1 - sl];
                egress = sid.Link is { } l ? Link(l) : Egress(node, da);
            }
            else egress = Egress(node, da);
            if (egress is null) break;
            var next = egress.Other(node);
            hops.Add(new PathHop(egress.Name, node, next, da, sl, hl));
            node = next;
        }
        return hops;
    }
}

/// <summary>One link a packet crosses: from → to, with its destination address, Segments Left and hop limit on that link.</summary>
public sealed record PathHop(string Link, string From, string To, IPAddress Destination, int SegmentsLeft, int HopLimit);
