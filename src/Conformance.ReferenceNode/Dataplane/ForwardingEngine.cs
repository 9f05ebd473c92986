using System.Diagnostics;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>
/// The reference node's data plane: an executable reading of RFC 8200, RFC 4443, RFC 4861 (the parts a router needs),
/// RFC 8754, RFC 8986 and RFC 9259, written to be read next to the RFCs' pseudocode. Pure packet processing: frames
/// in through <see cref="Receive"/>, frames out through an <see cref="IFrameSink"/>.
/// <para>Files: this one (Ethernet, IPv6/IPv4 input and output, local delivery), <c>Neighbours.cs</c> (ND, ARP),
/// <c>Icmp.cs</c> (errors, echo, rate limit), <c>Security.cs</c> (HMAC, SR-domain filtering, O-flag),
/// <c>Behaviours/*.cs</c> (one method per RFC 8986 behaviour and headend).</para>
/// Thread model: one lock around everything; <see cref="Receive"/> is called from one thread, the others may race it.
/// </summary>
public sealed partial class ForwardingEngine : IForwardingEngine
{
    public const string MainTable = "main";
    /// <summary>Resubmissions to the IPv6 module per received packet (a SID whose next segment is local, decapsulation).</summary>
    private const int MaxDepth = 16;

    private readonly object _gate = new();
    private readonly Func<long> _clockMs;
    private EngineState _state = EngineState.Compile(new NodeConfig(), [], []);
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);

    /// <summary>Raised (on the receive thread) for every O-flag copy: the timestamp (RFC 9259 S01.1 b, "along with a
    /// timestamp") and the packet as received. The wire export carries the packet only (see <c>Security.cs</c>).</summary>
    public event Action<DateTimeOffset, ReadOnlyMemory<byte>>? OamRecord;

    public event Action<ReadOnlyMemory<byte>>? Delivered;

    /// <param name="clockMs">Monotonic milliseconds (tests drive it); default: <see cref="Stopwatch"/>.</param>
    public ForwardingEngine(Func<long>? clockMs = null)
    {
        _clockMs = clockMs ?? (() => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency);
    }

    private long Now => _clockMs();

    public void Apply(NodeConfig config, IReadOnlyList<InterfaceInfo> interfaces)
    {
        var old = _state.SidList.ToDictionary(s => s.Config.Name, s => s.Counter);
        var next = EngineState.Compile(config, interfaces, old);
        lock (_gate)
        {
            _state = next;
            ResetBuckets();
            _probes.Clear();
            _probeIds.Clear();
        }
    }

    private void Count(string what, long n = 1)
    {
        _counters.TryGetValue(what, out var v);
        _counters[what] = v + n;
    }

    private void Drop(string reason, long n = 1) => Count("drop." + reason, n);

    public IReadOnlyList<SidCounters> SidCounters()
    {
        lock (_gate) return _state.SidList.Select(s => new SidCounters(s.Config.Name, s.Counter.Packets, s.Counter.Bytes)).ToList();
    }

    public EngineCounters Counters()
    {
        lock (_gate) return new EngineCounters(new Dictionary<string, long>(_counters));
    }

    public void ClearCounters()
    {
        lock (_gate)
        {
            _counters.Clear();
            foreach (var s in _state.SidList) { s.Counter.Packets = 0; s.Counter.Bytes = 0; }
        }
    }

    public IReadOnlyList<string> DescribeFib()
    {
        lock (_gate)
        {
            var lines = new List<string>();
            foreach (var t in _state.Fib6.OrderBy(k => k.Key, StringComparer.Ordinal)) lines.AddRange(t.Value.All().Select(r => r.Value.ToString()));
            foreach (var t in _state.Fib4.OrderBy(k => k.Key, StringComparer.Ordinal)) lines.AddRange(t.Value.All().Select(r => r.Value.ToString()));
            foreach (var s in _state.SidList) lines.Add($"sid {Wire.Ip6(s.Prefix)}/{s.Config.PrefixLength} {s.Config.Behavior} {s.Config.Name}");
            return lines;
        }
    }

    /// <summary>What a packet carries through the node besides its bytes.</summary>
    private sealed class Ctx
    {
        public required IFrameSink Sink { get; init; }
        /// <summary>The interface it came in on (null: originated by the node).</summary>
        public Iface? In { get; init; }
        /// <summary>The IP packet as received: what an ICMP error quotes (RFC 4443 §2.4 (c)).</summary>
        public required byte[] Received { get; init; }
        /// <summary>An ICMP error or other packet of the node's own: never answered with an error.</summary>
        public bool NoErrors { get; init; }
        public int Depth { get; set; }
        /// <summary>The Ethernet frame the packet arrived in (no preamble, no FCS), for an H.Encaps.L2 policy steered by
        /// the packet's destination; null for packets the node originates or exposes itself.</summary>
        public byte[]? Frame { get; init; }
    }

    // ------------------------------------------------------------------ Ethernet

    public void Receive(string interfaceName, ReadOnlySpan<byte> frame, IFrameSink sink)
    {
        lock (_gate)
        {
            var st = _state;
            if (!st.Interfaces.TryGetValue(interfaceName, out var ifc) || ifc.Config.Shutdown) { Drop("unknown-interface"); return; }
            Count("rx.frames");
            if (st.L2Policies.TryGetValue(interfaceName, out var l2))
            {
                // RFC 8986 §5.3/§5.4: every frame received on the attachment circuit is encapsulated (the runtime hands
                // frames over without preamble and FCS).
                HeadendL2(st, new Ctx { Sink = sink, In = ifc, Received = frame.ToArray() }, l2, frame.ToArray());
                return;
            }
            if (frame.Length < Wire.EthernetHeader) { Drop("runt"); return; }
            var dst = frame[..6];
            bool forUs = dst.SequenceEqual(ifc.Mac) || (dst[0] & 1) == 1; // unicast to us, broadcast, multicast
            if (!forUs) { Drop("not-our-mac"); return; }
            ushort et = Wire.U16(frame, 12);
            var payload = frame[Wire.EthernetHeader..];
            switch (et)
            {
                case Wire.EtherTypeIpv6:
                    {
                        if (payload.Length < 40 || payload[0] >> 4 != 6) { Drop("malformed-ipv6"); return; }
                        int len = 40 + Wire.U16(payload, 4);
                        if (len > payload.Length) { Drop("truncated-ipv6"); return; }
                        var received = payload[..len].ToArray();
                        var ctx = new Ctx { Sink = sink, In = ifc, Received = received, Frame = frame.ToArray() };
                        Input6(st, ctx, (byte[])received.Clone(), frame[6..12]);
                        return;
                    }
                case Wire.EtherTypeIpv4:
                    {
                        if (payload.Length < 20 || payload[0] >> 4 != 4) { Drop("malformed-ipv4"); return; }
                        int ihl = (payload[0] & 0xF) * 4;
                        int len = Wire.U16(payload, 2);
                        if (ihl < 20 || len < ihl || len > payload.Length || Wire.Checksum(payload[..ihl]) != 0) { Drop("malformed-ipv4"); return; }
                        var received = payload[..len].ToArray();
                        Input4(st, new Ctx { Sink = sink, In = ifc, Received = received, Frame = frame.ToArray() }, (byte[])received.Clone());
                        return;
                    }
                case Wire.EtherTypeArp:
                    ReceiveArp(st, ifc, payload, sink);
                    return;
                default:
                    Drop("ethertype");
                    return;
            }
        }
    }

    private void SendFrame(IFrameSink sink, Iface ifc, ReadOnlySpan<byte> dstMac, ushort etherType, ReadOnlySpan<byte> payload)
    {
        var f = new byte[Wire.EthernetHeader + payload.Length];
        dstMac[..6].CopyTo(f);
        ifc.Mac.CopyTo(f, 6);
        Wire.U16(f, 12, etherType);
        payload.CopyTo(f.AsSpan(Wire.EthernetHeader));
        Count("tx.frames");
        sink.Send(ifc.Name, f);
    }

    // ------------------------------------------------------------------ IPv6 input

    /// <summary>The next-header chain of an IPv6 packet up to its upper layer (RFC 8200 §4).</summary>
    private struct Chain
    {
        /// <summary>Offset of the first Routing header, its type and the Next Header field that points at it; -1 when none.</summary>
        public int RoutingOffset, RoutingPrevNh;
        public int UpperOffset, UpperPrevNh;
        public byte UpperNh;
        public bool Fragment;
    }

    /// <summary>Walks hop-by-hop, destination options, routing and fragment headers from <paramref name="start"/>.</summary>
    private static bool Walk(byte[] p, int start, byte nh, int prevNh, out Chain c, out int badPointer)
    {
        c = new Chain { RoutingOffset = -1, RoutingPrevNh = -1 };
        badPointer = -1;
        int off = start;
        while (true)
        {
            if (nh is Wire.NhHopByHop or Wire.NhDestOpts or Wire.NhRouting)
            {
                if (nh == Wire.NhHopByHop && off != 40) { badPointer = prevNh | UnrecognizedNextHeader; return false; } // RFC 8200 §4.1: only right after the IPv6 header
                if (off + 8 > p.Length) { badPointer = 4; return false; }
                int len = (p[off + 1] + 1) * 8;
                if (off + len > p.Length) { badPointer = 4; return false; }
                if (nh == Wire.NhRouting && c.RoutingOffset < 0) { c.RoutingOffset = off; c.RoutingPrevNh = prevNh; }
                prevNh = off;
                nh = p[off];
                off += len;
                continue;
            }
            if (nh == Wire.NhFragment) c.Fragment = true;
            c.UpperNh = nh;
            c.UpperOffset = off;
            c.UpperPrevNh = prevNh;
            return true;
        }
    }

    /// <summary>Marks a <see cref="Walk"/> failure as Parameter Problem code 1 (a Hop-by-Hop header anywhere but first is
    /// "unrecognized Next Header type encountered", RFC 8200 §4.1/§4); otherwise code 0 (a length that overruns the packet).</summary>
    private const int UnrecognizedNextHeader = 0x10000;

    private void ChainError(EngineState st, Ctx ctx, byte[] p, int bad)
    {
        IcmpError6(st, ctx, p, 4, (byte)((bad & UnrecognizedNextHeader) != 0 ? 1 : 0), (uint)(bad & 0xFFFF));
        Drop("malformed-chain");
    }

    private void Input6(EngineState st, Ctx ctx, byte[] p, ReadOnlySpan<byte> srcMac)
    {
        Count("rx.ipv6");
        var src = Wire.A6(p, 8);
        var dst = Wire.A6(p, 24);
        var inIf = ctx.In!;

        if (Wire.IsMulticast6(dst))
        {
            // Link-scope multicast the node listens to: all-nodes and its solicited-node groups (RFC 4861 §7.2.1).
            if (dst == AllNodes || IsOurSolicitedNode(inIf, dst)) DeliverLocal6(st, ctx, p, fromSid: null);
            else Drop("multicast");
            return;
        }

        // SR-domain edge (RFC 8754 §5.1, RFC 9602 §5), before anything else looks at the packet.
        if (!FilterInbound6(st, ctx, p, src, dst)) return;

        var sid = st.Sids.Lookup(dst);
        if (sid is not null) { ProcessSid(st, ctx, p, sid); return; }
        if (st.IsOwn6(dst)) { DeliverLocal6(st, ctx, p, fromSid: null); return; }
        if (SteeredL2(st, ctx, dst)) return;

        // Debug fault TransitSrhDropped: RFC 8754 §4.2 broken, a transit packet with an SRH is discarded.
        if (st.Fault(DebugFault.TransitSrhDropped) && p.Length > 42 && p[6] == Wire.NhRouting && p[42] == 4) { Drop("transit-srh"); return; }
        // A packet the node cannot forward (no route; an address of its locator that is no SID; a discard route) is undeliverable, whatever its
        // hop limit: RFC 8200 §3, the Hop Limit is "Decremented by 1 by each node that forwards the packet. When forwarding,
        // the packet is discarded if Hop Limit was zero when received or is decremented to zero." Output6 answers it
        // (Destination Unreachable, code 0 or 3, or a silent discard) quoting the packet as received. Linux answers the same (its forwarding path
        // looks the route up before the hop limit); the differential's C-SID rows "outside the prefix" with hop limit 1 found it.
        if (!st.Fib6.TryGetValue(MainTable, out var fib) || fib.Lookup(dst) is not { } transitRoute || transitRoute.Locator is not null || transitRoute.Discard)
        {
            Output6(st, ctx, p, MainTable);
            return;
        }
        // RFC 8754 §4.2 / §4.3.3: a transit packet, processing not changed; RFC 8200 §3 Hop Limit.
        if (!st.Fault(DebugFault.HopLimitNotDecremented))
        {
            if (p[7] <= 1) { IcmpError6(st, ctx, p, 3, 0, 0); Drop("hop-limit"); return; }
            p[7]--;
        }
        Output6(st, ctx, p, MainTable);
    }

    private static readonly UInt128 AllNodes = ((UInt128)0xFF02 << 112) | 1;

    private static bool IsOurSolicitedNode(Iface ifc, UInt128 dst)
    {
        if (dst == Wire.SolicitedNode(ifc.LinkLocal)) return true;
        foreach (var (a, _) in ifc.V6) if (dst == Wire.SolicitedNode(a)) return true;
        return false;
    }

    /// <summary>
    /// A packet to one of the node's own addresses that is not a SID: RFC 8200 §4 header chain, RFC 8754 §4.3.2 for an
    /// SRH, then the upper layer. <paramref name="fromSid"/> is set when a SID hands over its upper layer (§4.1.1).
    /// </summary>
    private void DeliverLocal6(EngineState st, Ctx ctx, byte[] p, Sid? fromSid)
    {
        if (!Walk(p, 40, p[6], 6, out var c, out var bad)) { ChainError(st, ctx, p, bad); return; }
        if (fromSid is null && c.RoutingOffset >= 0)
        {
            int r = c.RoutingOffset;
            // Debug faults breaking RFC 8754 §4.3.2 for an SRH: discarded whatever Segments Left, or processed as End.
            if (p[r + 2] == 4 && st.Fault(DebugFault.SrhToLocalAddressDropped)) { Drop("srh-to-local"); return; }
            if (p[r + 2] == 4 && p[r + 3] != 0 && st.Fault(DebugFault.SrhToLocalAddressProcessedAsEnd) && p[7] > 1 && r + 8 + 16 * p[r + 3] <= p.Length)
            {
                int left = --p[r + 3];
                p[7]--;
                Wire.A6(p, 24, Segment(p, r, left));
                Output6(st, ctx, p, MainTable);
                return;
            }
            // RFC 8754 §4.3.2 (and RFC 8200 §4.4 for any routing type this node is not a segment endpoint for):
            // "If Segments Left is zero, the node must ignore the routing header ..." / "If Segments Left is non-zero,
            // the node must discard the packet and send an ICMP Parameter Problem, Code 0, message to the packet's
            // Source Address, pointing to the unrecognized Routing Type."
            if (p[r + 3] != 0) { IcmpError6(st, ctx, p, 4, 0, (uint)(r + 2)); Drop("routing-header-to-interface"); return; }
        }
        if (c.Fragment) { Drop("fragment"); return; }
        UpperLayerLocal(st, ctx, p, c.UpperOffset, c.UpperNh, c.UpperPrevNh, fromSid);
    }

    /// <summary>The upper layer of a packet the node consumes: ICMPv6 (ND, echo), UDP (port unreachable), the rest.</summary>
    private void UpperLayerLocal(EngineState st, Ctx ctx, byte[] p, int off, byte nh, int prevNh, Sid? fromSid)
    {
        var dst = Wire.A6(p, 24);
        switch (nh)
        {
            case Wire.NhIcmpv6:
                if (off + 4 > p.Length) { Drop("malformed-icmpv6"); return; }
                if (Wire.Checksum6(Wire.A6(p, 8), dst, Wire.NhIcmpv6, p.AsSpan(off)) != 0) { Drop("icmpv6-checksum"); return; }
                byte type = p[off];
                if (type == 135 || type == 136) { if (ctx.In is not null) ReceiveNd(st, ctx, p, off); return; }
                if (type == 128)
                {
                    EchoReply6(st, ctx, p, off);
                    if (fromSid is not null) CountSid(fromSid, ctx.Received.Length);
                    return;
                }
                if (type is 133 or 134 or 137) { Count("rx.nd-ignored"); return; }
                Delivered?.Invoke(p);
                if (fromSid is not null) CountSid(fromSid, ctx.Received.Length);
                return;
            case Wire.NhUdp:
                if (ProbeReturned(p, off))
                {
                    if (fromSid is not null) CountSid(fromSid, ctx.Received.Length);
                    return;
                }
                // No UDP service in the data plane: Destination Unreachable, Port Unreachable (RFC 4443 §3.1, code 4),
                // which is what ends a traceroute at this node or SID (RFC 9259 §3.2).
                Delivered?.Invoke(p);
                IcmpError6(st, ctx, p, 1, 4, 0, fromDestination: true);
                Drop("udp-port-unreachable");
                return;
            case Wire.NhTcp:
                IcmpError6(st, ctx, p, 1, 4, 0, fromDestination: true);
                Drop("tcp-port-unreachable");
                return;
            default:
                if (fromSid is not null)
                {
                    // RFC 8986 §4.1.1 S04: "Send an ICMP Parameter Problem to the Source Address with Code 4 (SR Upper-layer
                    // Header Error) and Pointer set to the offset of the Upper-Layer header".
                    IcmpError6(st, ctx, p, 4, 4, (uint)off, fromDestination: true);
                    Drop("sr-upper-layer");
                }
                else if (nh == Wire.NhNone) Drop("no-next-header");
                else
                {
                    // RFC 8200 §4: unrecognized Next Header: Parameter Problem code 1, pointer to the Next Header field.
                    IcmpError6(st, ctx, p, 4, 1, (uint)prevNh, fromDestination: true);
                    Drop("unrecognized-next-header");
                }
                return;
        }
    }

    private static void CountSid(Sid sid, int bytes)
    {
        Interlocked.Increment(ref sid.Counter.Packets);
        Interlocked.Add(ref sid.Counter.Bytes, bytes);
    }

    // ------------------------------------------------------------------ IPv6 output

    /// <summary>
    /// RFC 8986 "Submit the packet to the egress IPv6 FIB lookup": a local destination is resubmitted to the IPv6 module,
    /// a policy route steers into a headend, an interface route resolves the next hop. Returns false when the packet was
    /// dropped (no route, too big, discard).
    /// The lookup is in <paramref name="table"/> only. The node's local SIDs and own addresses are FIB entries of the main
    /// table, where they are instantiated (RFC 8754 §4.3, quoted in RFC 8986 §3: "the SR segment endpoint node creates
    /// Forwarding Information Base (FIB) entries for its local SIDs"); End.T and the End.DT* behaviours set "the packet's
    /// associated FIB table to T" and look up there (RFC 8986 §4.3 S15.1-S15.2), so a next segment that table T does not
    /// route is "No Match" even when it is a local SID (Destination Unreachable, RFC 4443 §3.1 code 0).
    /// </summary>
    private bool Output6(EngineState st, Ctx ctx, byte[] p, string table, Iface? viaInterface = null, UInt128? viaNextHop = null)
    {
        var dst = Wire.A6(p, 24);
        if (viaInterface is null)
        {
            if (table == MainTable && (st.Sids.Lookup(dst) is not null || st.IsOwn6(dst)))
            {
                if (++ctx.Depth > MaxDepth) { Drop("loop"); return false; }
                if (ctx.In is null && st.Sids.Lookup(dst) is null) { DeliverLocal6(st, ctx, p, null); return true; }
                var again = new Ctx { Sink = ctx.Sink, In = ctx.In, Received = ctx.Received, NoErrors = ctx.NoErrors, Depth = ctx.Depth };
                if (st.Sids.Lookup(dst) is { } sid) ProcessSid(st, again, p, sid); else DeliverLocal6(st, again, p, null);
                return true;
            }
            if (!st.Fib6.TryGetValue(table, out var fib) || fib.Lookup(dst) is not { } route)
            {
                // RFC 4443 §3.1 code 0: no route to destination.
                IcmpError6(st, ctx, p, 1, 0, 0);
                Drop("no-route");
                return false;
            }
            if (route.Policy is { } pol)
            {
                if (++ctx.Depth > MaxDepth) { Drop("loop"); return false; }
                return Headend6(st, ctx, pol, p);
            }
            if (route.Selector is { } sel)
            {
                if (++ctx.Depth > MaxDepth) { Drop("loop"); return false; }
                return Selector6(st, ctx, sel, p);
            }
            if (route.Locator is not null)
            {
                // RFC 4443 §3.1 code 3, address unreachable: an address of the node's locator with no SID.
                IcmpError6(st, ctx, p, 1, 3, 0);
                Drop("locator-unprogrammed");
                return false;
            }
            if (route.Discard || route.Interface is null) { Drop("discard-route"); return false; }
            viaInterface = route.Interface;
            viaNextHop = route.Via6 ?? dst;
        }
        if (p.Length > viaInterface.Mtu)
        {
            TooBig(st, ctx, p, viaInterface.Mtu);
            return false;
        }
        Transmit6(st, ctx, viaInterface, viaNextHop ?? dst, p);
        return true;
    }

    /// <summary>Packet Too Big (RFC 4443 §3.2) to the source of the packet as received; MTU reduced by what the node added.</summary>
    private void TooBig(EngineState st, Ctx ctx, byte[] p, int linkMtu)
    {
        int added = Math.Max(0, p.Length - ctx.Received.Length);
        int mtu = linkMtu - added;
        if (st.Fault(DebugFault.PacketTooBigNotSent)) { Drop("too-big"); return; } // debug fault: RFC 4443 §3.2 not followed
        if (ctx.Received[0] >> 4 == 6) IcmpError6(st, ctx, p, 2, 0, (uint)Math.Max(mtu, 1280));
        else if ((Wire.U16(ctx.Received, 6) & 0x4000) != 0) IcmpError4(st, ctx, p, 3, 4, (uint)mtu);
        Drop("too-big");
    }

    // ------------------------------------------------------------------ IPv4

    private void Input4(EngineState st, Ctx ctx, byte[] p)
    {
        Count("rx.ipv4");
        uint dst = Wire.U32(p, 16);
        if (st.Local4.Contains(dst) || dst == 0xFFFFFFFF) { DeliverLocal4(st, ctx, p); return; }
        if ((dst >> 28) == 0xE) { Drop("multicast"); return; }
        if (SteeredL2(st, ctx, (UInt128)dst << 96, v4: true)) return;
        if (!st.Fault(DebugFault.HopLimitNotDecremented))
        {
            if (p[8] <= 1) { IcmpError4(st, ctx, p, 11, 0, 0); Drop("ttl"); return; }
            p[8]--;
            Wire.FixIpv4Checksum(p);
        }
        Output4(st, ctx, p, MainTable);
    }

    private void DeliverLocal4(EngineState st, Ctx ctx, byte[] p)
    {
        int ihl = (p[0] & 0xF) * 4;
        byte proto = p[9];
        if (proto == Wire.ProtoIcmp && p.Length >= ihl + 8)
        {
            if (p[ihl] == 8) { EchoReply4(st, ctx, p); return; }
            Delivered?.Invoke(p);
            return;
        }
        if (proto == Wire.NhUdp)
        {
            Delivered?.Invoke(p);
            IcmpError4(st, ctx, p, 3, 3, 0);
            Drop("udp-port-unreachable");
            return;
        }
        Drop("ipv4-local-protocol");
    }

    private bool Output4(EngineState st, Ctx ctx, byte[] p, string table, Iface? viaInterface = null, uint? viaNextHop = null, UInt128? viaNextHop6 = null)
    {
        uint dst = Wire.U32(p, 16);
        if (viaInterface is null)
        {
            // As Output6: the node's own addresses are entries of the main table; table T is looked up alone.
            if (table == MainTable && st.Local4.Contains(dst)) { DeliverLocal4(st, ctx, p); return true; }
            if (!st.Fib4.TryGetValue(table, out var fib) || fib.Lookup((UInt128)dst << 96) is not { } route)
            {
                IcmpError4(st, ctx, p, 3, 0, 0);
                Drop("no-route");
                return false;
            }
            if (route.Policy is { } pol)
            {
                if (++ctx.Depth > MaxDepth) { Drop("loop"); return false; }
                return Headend4(st, ctx, pol, p);
            }
            if (route.Discard || route.Interface is null) { Drop("discard-route"); return false; }
            viaInterface = route.Interface;
            viaNextHop = route.Via4 ?? dst;
        }
        if (p.Length > viaInterface.Mtu)
        {
            if ((Wire.U16(p, 6) & 0x4000) != 0) IcmpError4(st, ctx, p, 3, 4, (uint)viaInterface.Mtu);
            Drop("too-big");
            return false;
        }
        if (viaNextHop6 is { } nh6) Transmit4Via6(st, ctx, viaInterface, nh6, p);
        else Transmit4(st, ctx, viaInterface, viaNextHop ?? dst, p);
        return true;
    }

    // ------------------------------------------------------------------ control plane

    public void Originate(ReadOnlySpan<byte> ipPacket, IFrameSink sink, string? table = null)
    {
        lock (_gate)
        {
            var st = _state;
            var p = ipPacket.ToArray();
            var ctx = new Ctx { Sink = sink, In = null, Received = ipPacket.ToArray() };
            Count("tx.originated");
            if (p.Length >= 40 && p[0] >> 4 == 6) Output6(st, ctx, p, table ?? MainTable);
            else if (p.Length >= 20 && p[0] >> 4 == 4) Output4(st, ctx, p, table ?? MainTable);
            else Drop("originate-malformed");
        }
    }
}
