using System.Net;

namespace Conformance.Harness.Topology;

/// <summary>A node of a reference topology: a router (N1…N7) or an attachment the tester plays (CE1, CE2, N100).</summary>
/// <remarks><see cref="Label"/> is how the addressing plan writes the node in an address group (N100: "100", CE1: "ce1").</remarks>
public sealed record TopologyNode(string Name, string Label, bool SrCapable, bool IsTester);

/// <summary>
/// A link between two nodes. <see cref="Index"/> is the n-th link between the same pair (link5 is the 1st
/// link between N3 and N4, link6 the 2nd); <see cref="Metric"/> is the IGP metric the lab's routing uses.
/// The interface carries the link's name on both ends.
/// </summary>
public sealed record TopologyLink(string Name, string A, string B, int Index, int Metric)
{
    public string Other(string node) => node == A ? B : node == B ? A
        : throw new ArgumentException($"{node} is not an end of {Name} ({A}–{B})");
    public bool Touches(string node) => A == node || B == node;
}

/// <summary>A route a node installs: prefix via the neighbour's address on a link.</summary>
public sealed record TopologyRoute(string Prefix, string Via, string Interface);

/// <summary>A SID a node instantiates: End, End.X (towards a neighbour over one link), End.DX4 (towards an IPv4 next hop on a link).</summary>
public sealed record TopologySid(string Name, string Behavior, IPAddress Address, string? Link = null, IPAddress? NextHop = null);

/// <summary>
/// RFC 9259 Figure 1 (the seed draft-ietf-6man-spring-srv6-oam §1.3) as data, with its addressing plan:
/// <list type="bullet">
/// <item>node k has the loopback 2001:db8:A:k::/128; SRv6-capable nodes N1, N2, N4, N7; classic IPv6 nodes N3, N5, N6;</item>
/// <item>a SID at node k with function F is 2001:db8:B:k:F:: (End: 2001:db8:B:k::); End.X at node k towards
/// neighbour i over the j-th link between them: 2001:db8:B:k:Cij::;</item>
/// <item>the address of the n-th link between nodes i &lt; j at node k's side: 2001:db8:i:j:kn:: (link6 at N3:
/// 2001:db8:3:4:32::). The figure does not name the N5–N7 link: here it is link11;</item>
/// <item>IGP metric 10 everywhere except both links between N2 and N3 (100), as the OAM draft-10 §3.1.1 assumes (RFC 9259 Appendix A.1.1);</item>
/// <item>the controller N100 (loopback 2001:db8:A:100::, End SID 2001:db8:B:100:1::) attaches to N1 and to N7;
/// CE1 to N1 and CE2 to N7. These attachments are the tester ports.</item>
/// </list>
/// Routing is static and computed here (shortest path, ties broken by the lower link number): what an
/// IGP would install, with no routing daemon in the lab.
/// </summary>
public sealed class Figure1Topology
{
    public const string Name = "rfc9259-figure1";

    public static Figure1Topology Instance { get; } = new();

    public IReadOnlyList<TopologyNode> Nodes { get; } =
    [
        new("N1", "1", true, false), new("N2", "2", true, false), new("N3", "3", false, false), new("N4", "4", true, false),
        new("N5", "5", false, false), new("N6", "6", false, false), new("N7", "7", true, false),
        new("N100", "100", false, true), new("CE1", "ce1", false, true), new("CE2", "ce2", false, true),
    ];

    /// <summary>Router-to-router links (link1…link11) and the tester attachments (n100a, n100b, ce1, ce2).</summary>
    public IReadOnlyList<TopologyLink> Links { get; } =
    [
        new("link1", "N1", "N2", 1, 10), new("link2", "N1", "N2", 2, 10),
        new("link3", "N2", "N3", 1, 100), new("link4", "N2", "N3", 2, 100),
        new("link5", "N3", "N4", 1, 10), new("link6", "N3", "N4", 2, 10),
        new("link7", "N2", "N6", 1, 10), new("link8", "N6", "N4", 1, 10),
        new("link9", "N4", "N5", 1, 10), new("link10", "N4", "N5", 2, 10),
        new("link11", "N5", "N7", 1, 10),
        new("n100a", "N1", "N100", 1, 10), new("n100b", "N7", "N100", 1, 10),
        new("ce1", "N1", "CE1", 1, 10), new("ce2", "N7", "CE2", 1, 10),
    ];

    /// <summary>
    /// The routers that process the O-flag in §3.3 ("N1, N4, and N7 are capable of processing O-flag but N2 is not"):
    /// the lab emulates the O-flag processing of those that are not the DUT, exporting copies to N100.
    /// </summary>
    public IReadOnlySet<string> OFlagCapable { get; } = new HashSet<string> { "N1", "N4", "N7" };

    /// <summary>
    /// §3.3's VPN SID at N7 for VPN 999. The seed writes it 2001:db8:B:7:DT999::, which is not an IPv6 address
    /// ("T" is no hex digit); here it is 2001:db8:b:7:d999::, and an End.DX4 towards CE2 (this kernel has no VRF
    /// device for End.DT4).
    /// </summary>
    public IPAddress VpnSid => IPAddress.Parse("2001:db8:b:7:d999::");

    /// <summary>The IPv4 address of a node on a CE attachment (192.0.2.0/24 at CE1, 198.51.100.0/24 at CE2: router .1, CE .2), or null.</summary>
    public IPAddress? LinkAddress4(string node, string link) => (link, Node(node).IsTester) switch
    {
        ("ce1", false) => IPAddress.Parse("192.0.2.1"),
        ("ce1", true) => IPAddress.Parse("192.0.2.2"),
        ("ce2", false) => IPAddress.Parse("198.51.100.1"),
        ("ce2", true) => IPAddress.Parse("198.51.100.2"),
        _ => null,
    };

    /// <summary>The routers (the nodes a DUT can replace).</summary>
    public IEnumerable<TopologyNode> Routers => Nodes.Where(n => !n.IsTester);

    /// <summary>The tester attachments: link name = tester port name.</summary>
    public IEnumerable<TopologyLink> Attachments => Links.Where(l => Node(l.B).IsTester);

    public TopologyNode Node(string name) => Nodes.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Figure 1 has no node '{name}' (nodes: {string.Join(", ", Nodes.Select(n => n.Name))})");

    public TopologyLink Link(string name) => Links.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"Figure 1 has no link '{name}'");

    public IEnumerable<TopologyLink> LinksOf(string node) => Links.Where(l => l.Touches(node));

    private string L(string node) => Node(node).Label;

    /// <summary>The pair's groups "i:j" with the lower node first (routers before attachments).</summary>
    private string Pair(TopologyLink l)
    {
        var (a, b) = (Node(l.A), Node(l.B));
        bool aFirst = a.IsTester == b.IsTester ? string.CompareOrdinal(a.Name, b.Name) < 0 : !a.IsTester;
        return aFirst ? $"{a.Label}:{b.Label}" : $"{b.Label}:{a.Label}";
    }

    /// <summary>Node k's loopback 2001:db8:A:k::.</summary>
    public IPAddress Loopback(string node) => IPAddress.Parse($"2001:db8:a:{L(node)}::");

    /// <summary>Node k's locator 2001:db8:B:k::/64.</summary>
    public string Locator(string node) => $"2001:db8:b:{L(node)}::/64";

    /// <summary>The End SID 2001:db8:B:k:: (N100: 2001:db8:B:100:1::, the seed's §3.4).</summary>
    public IPAddress EndSid(string node) => node == "N100" ? IPAddress.Parse("2001:db8:b:100:1::") : IPAddress.Parse($"2001:db8:b:{L(node)}::");

    /// <summary>End.X at <paramref name="node"/> over <paramref name="link"/>: 2001:db8:B:k:Cij:: (i = neighbour, j = the link's index).</summary>
    public IPAddress EndXSid(string node, string link)
    {
        var l = Link(link);
        return IPAddress.Parse($"2001:db8:b:{L(node)}:c{L(l.Other(node))}{l.Index}::");
    }

    /// <summary>The /64 a link's addresses come from: 2001:db8:i:j::/64 with i &lt; j (attachments: 2001:db8:k:100:: and 2001:db8:k:ceN::).</summary>
    public string LinkPrefix(string link)
    {
        return $"2001:db8:{Pair(Link(link))}::/64";
    }

    /// <summary>The address of <paramref name="node"/> on <paramref name="link"/>: 2001:db8:i:j:kn::.</summary>
    public IPAddress LinkAddress(string node, string link)
    {
        var l = Link(link);
        if (!l.Touches(node)) throw new ArgumentException($"{node} is not an end of {link}");
        var k = Node(node);
        // The plan's "kn": node label then the link's index (N100 on its 1st link: 1001); a CE is ::2.
        return IPAddress.Parse(k.Name.StartsWith("CE", StringComparison.Ordinal) ? $"2001:db8:{Pair(l)}::2" : $"2001:db8:{Pair(l)}:{k.Label}{l.Index}::");
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
        if (n.Name == "N100") return [new("end", "End", EndSid(node))];
        if (!n.SrCapable || n.IsTester) return [];
        var sids = new List<TopologySid> { new("end", "End", EndSid(node)) };
        foreach (var l in LinksOf(node).Where(l => !Node(l.Other(node)).IsTester))
            sids.Add(new($"end_x_{l.Name}", "End.X", EndXSid(node, l.Name), l.Name, LinkAddress(l.Other(node), l.Name)));
        if (node == "N7") sids.Add(new("vpn_999", "End.DX4", VpnSid, "ce2", LinkAddress4("CE2", "ce2")));
        return sids;
    }

    /// <summary>
    /// The prefixes a node originates (what the IGP would advertise for it): its loopback, its locator
    /// (SRv6 nodes and N100), and the /64 of each of its links and attachments (a link's prefix has two owners).
    /// </summary>
    public IReadOnlyList<string> PrefixesOf(string node)
    {
        var n = Node(node);
        if (n.IsTester && n.Name != "N100") return [];
        var list = new List<string> { $"{Loopback(node)}/128" };
        if (n.SrCapable || n.Name == "N100") list.Add(Locator(node));
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
    /// Walks a packet through the figure as RFC 8754/8986 say each router handles it: at an End or End.X SID
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
            var sid = SidsOf(node).FirstOrDefault(s => s.Address.Equals(da));
            if (sid is not null && sl > 0)
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
