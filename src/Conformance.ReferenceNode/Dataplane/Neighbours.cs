namespace Conformance.ReferenceNode.Dataplane;

// Neighbour resolution: IPv6 Neighbor Discovery (RFC 4861 §7, the router's part: answer solicitations for the node's
// addresses, solicit next hops, queue packets while resolving) and ARP (RFC 826) for IPv4.
public sealed partial class ForwardingEngine
{
    /// <summary>Packets queued per unresolved neighbour (RFC 4861 §7.2.2: "at least one packet"; the oldest is dropped beyond).</summary>
    public const int PendingQueueLimit = 16;
    /// <summary>RFC 4861 §10 MAX_MULTICAST_SOLICIT and RETRANS_TIMER.</summary>
    private const int MaxSolicit = 3;
    private const int RetransMs = 1000;

    private readonly record struct NeighbourKey(string Interface, UInt128 Address, bool V4);

    private sealed class Neighbour
    {
        public byte[]? Mac;
        public readonly Queue<(byte[] Packet, ushort EtherType, Ctx Ctx)> Pending = new();
        public int Solicits;
        public long LastSolicitMs;
    }

    private readonly Dictionary<NeighbourKey, Neighbour> _neighbours = [];

    public IReadOnlyList<string> DescribeNeighbours()
    {
        lock (_gate)
            return _neighbours.Select(kv => $"{kv.Key.Interface} {(kv.Key.V4 ? Wire.Ip4((uint)kv.Key.Address).ToString() : Wire.Ip6(kv.Key.Address).ToString())} " +
                (kv.Value.Mac is { } m ? Wire.Mac(m) + " reachable" : $"incomplete ({kv.Value.Pending.Count} queued)")).ToList();
    }

    public void Tick(IFrameSink sink)
    {
        lock (_gate)
        {
            var st = _state;
            long now = Now;
            foreach (var (key, n) in _neighbours.ToList())
            {
                if (n.Mac is not null || now - n.LastSolicitMs < RetransMs) continue;
                if (n.Solicits >= MaxSolicit || !st.Interfaces.TryGetValue(key.Interface, out var ifc))
                {
                    _neighbours.Remove(key);
                    // RFC 4861 §7.2.2: "The sender MUST return ICMP destination unreachable indications with code 3
                    // (Address Unreachable) for each packet queued awaiting address resolution." (IPv4: host unreachable.)
                    foreach (var (q, _, c) in n.Pending)
                    {
                        Drop("neighbour-unresolved");
                        var errCtx = new Ctx { Sink = sink, In = c.In, Received = c.Received, NoErrors = c.NoErrors };
                        if (q[0] >> 4 == 6) IcmpError6(st, errCtx, q, 1, 3, 0); else IcmpError4(st, errCtx, q, 3, 1, 0);
                    }
                    continue;
                }
                Solicit(st, sink, ifc, key, n);
            }
            SelectorProbeTick(st, sink, now);
        }
    }

    private void Solicit(EngineState st, IFrameSink sink, Iface ifc, NeighbourKey key, Neighbour n)
    {
        n.Solicits++;
        n.LastSolicitMs = Now;
        if (key.V4) SendArpRequest(sink, ifc, (uint)key.Address);
        else SendNs(sink, ifc, key.Address);
    }

    private void Transmit6(EngineState st, Ctx ctx, Iface ifc, UInt128 nextHop, byte[] p) => Resolve(st, ctx, ifc, new NeighbourKey(ifc.Name, nextHop, false), p, Wire.EtherTypeIpv6);

    private void Transmit4(EngineState st, Ctx ctx, Iface ifc, uint nextHop, byte[] p) => Resolve(st, ctx, ifc, new NeighbourKey(ifc.Name, nextHop, true), p, Wire.EtherTypeIpv4);

    /// <summary>An IPv4 packet to an IPv6 neighbour (End.X / End.DX4 adjacency given by its IPv6 address): its MAC via ND.</summary>
    private void Transmit4Via6(EngineState st, Ctx ctx, Iface ifc, UInt128 nextHop, byte[] p) => Resolve(st, ctx, ifc, new NeighbourKey(ifc.Name, nextHop, false), p, Wire.EtherTypeIpv4);

    private void Resolve(EngineState st, Ctx ctx, Iface ifc, NeighbourKey key, byte[] p, ushort et)
    {
        var sink = ctx.Sink;
        if (!key.V4 && Wire.IsMulticast6(key.Address))
        {
            Span<byte> mac = [0x33, 0x33, (byte)(key.Address >> 24), (byte)(key.Address >> 16), (byte)(key.Address >> 8), (byte)key.Address];
            SendFrame(sink, ifc, mac, et, p);
            return;
        }
        if (_neighbours.TryGetValue(key, out var n) && n.Mac is { } known) { SendFrame(sink, ifc, known, et, p); return; }
        if (n is null)
        {
            n = new Neighbour();
            _neighbours[key] = n;
            n.Pending.Enqueue((p, et, ctx));
            Solicit(st, sink, ifc, key, n);
            return;
        }
        if (n.Pending.Count >= PendingQueueLimit) { n.Pending.Dequeue(); Drop("neighbour-queue-full"); }
        n.Pending.Enqueue((p, et, ctx));
    }

    private void Learn(EngineState st, IFrameSink sink, Iface ifc, NeighbourKey key, byte[] mac, bool create)
    {
        if (!_neighbours.TryGetValue(key, out var n))
        {
            if (!create) return;
            _neighbours[key] = n = new Neighbour();
        }
        n.Mac = mac;
        while (n.Pending.Count > 0) { var (q, et, _) = n.Pending.Dequeue(); SendFrame(sink, ifc, mac, et, q); }
    }

    // ---------------------------------------------------------------- ND

    /// <summary>A Neighbor Solicitation or Advertisement addressed to the node (hop limit 255 checked, RFC 4861 §7.1).</summary>
    private void ReceiveNd(EngineState st, Ctx ctx, byte[] p, int off)
    {
        var ifc = ctx.In!;
        if (p[7] != 255 || off + 24 > p.Length) { Drop("nd-invalid"); return; }
        var src = Wire.A6(p, 8);
        var target = Wire.A6(p, off + 8);
        byte[]? lla = null;
        for (int o = off + 24; o + 8 <= p.Length;)
        {
            int olen = p[o + 1] * 8;
            if (olen == 0 || o + olen > p.Length) { Drop("nd-invalid"); return; }
            if ((p[o] == 1 && p[off] == 135) || (p[o] == 2 && p[off] == 136)) lla = p.AsSpan(o + 2, 6).ToArray();
            o += olen;
        }
        if (p[off] == 135)
        {
            bool ours = target == ifc.LinkLocal || ifc.V6.Exists(a => a.Address == target);
            if (!ours) { Count("rx.ns-not-ours"); return; }
            if (src != UInt128.Zero && lla is not null) Learn(st, ctx.Sink, ifc, new NeighbourKey(ifc.Name, src, false), lla, create: true);
            SendNa(ctx.Sink, ifc, target, src == UInt128.Zero ? AllNodes : src, solicited: src != UInt128.Zero, lla);
            Count("tx.na");
        }
        else
        {
            if (lla is not null) Learn(st, ctx.Sink, ifc, new NeighbourKey(ifc.Name, target, false), lla, create: false);
            Count("rx.na");
        }
    }

    private void SendNa(IFrameSink sink, Iface ifc, UInt128 target, UInt128 dst, bool solicited, byte[]? dstMac)
    {
        var p = new byte[40 + 32];
        Wire.WriteIpv6Header(p, 0, 0, 32, Wire.NhIcmpv6, 255, target, dst);
        p[40] = 136;
        p[44] = (byte)(0x80 | (solicited ? 0x40 : 0) | 0x20); // RFC 4861 §4.4: R (a router), S (solicited), O (override)
        Wire.A6(p, 48, target);
        p[64] = 2; p[65] = 1; ifc.Mac.CopyTo(p, 66);
        Wire.U16(p, 42, Wire.Checksum6(target, dst, Wire.NhIcmpv6, p.AsSpan(40)));
        if (Wire.IsMulticast6(dst) || dstMac is null)
        {
            Span<byte> mac = [0x33, 0x33, (byte)(dst >> 24), (byte)(dst >> 16), (byte)(dst >> 8), (byte)dst];
            if (!Wire.IsMulticast6(dst) && _neighbours.TryGetValue(new NeighbourKey(ifc.Name, dst, false), out var n) && n.Mac is { } m) { SendFrame(sink, ifc, m, Wire.EtherTypeIpv6, p); return; }
            SendFrame(sink, ifc, mac, Wire.EtherTypeIpv6, p);
            return;
        }
        SendFrame(sink, ifc, dstMac, Wire.EtherTypeIpv6, p);
    }

    private void SendNs(IFrameSink sink, Iface ifc, UInt128 target)
    {
        // RFC 4861 §7.2.2: the source is an address of the outgoing interface; one on the target's prefix if there is one.
        UInt128 src = ifc.LinkLocal;
        if (!Wire.IsLinkLocal6(target))
            foreach (var (a, l) in ifc.V6) if (Wire.In6(target, a, l)) { src = a; break; }
        var dst = Wire.SolicitedNode(target);
        var p = new byte[40 + 32];
        Wire.WriteIpv6Header(p, 0, 0, 32, Wire.NhIcmpv6, 255, src, dst);
        p[40] = 135;
        Wire.A6(p, 48, target);
        p[64] = 1; p[65] = 1; ifc.Mac.CopyTo(p, 66);
        Wire.U16(p, 42, Wire.Checksum6(src, dst, Wire.NhIcmpv6, p.AsSpan(40)));
        Span<byte> mac = [0x33, 0x33, 0xFF, (byte)(target >> 16), (byte)(target >> 8), (byte)target];
        Count("tx.ns");
        SendFrame(sink, ifc, mac, Wire.EtherTypeIpv6, p);
    }

    // ---------------------------------------------------------------- ARP

    private void ReceiveArp(EngineState st, Iface ifc, ReadOnlySpan<byte> a, IFrameSink sink)
    {
        // Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4.
        if (a.Length < 28 || Wire.U16(a, 0) != 1 || Wire.U16(a, 2) != 0x0800 || a[4] != 6 || a[5] != 4) { Drop("arp-invalid"); return; }
        ushort op = Wire.U16(a, 6);
        var sha = a.Slice(8, 6).ToArray();
        uint spa = Wire.U32(a, 14);
        uint tpa = Wire.U32(a, 24);
        bool ours = ifc.V4.Exists(x => x.Address == tpa);
        if (spa != 0) Learn(st, sink, ifc, new NeighbourKey(ifc.Name, spa, true), sha, create: ours);
        if (op == 1 && ours)
        {
            var r = new byte[28];
            Wire.U16(r, 0, 1); Wire.U16(r, 2, 0x0800); r[4] = 6; r[5] = 4; Wire.U16(r, 6, 2);
            ifc.Mac.CopyTo(r, 8); Wire.U32(r, 14, tpa);
            sha.CopyTo(r, 18); Wire.U32(r, 24, spa);
            Count("tx.arp-reply");
            SendFrame(sink, ifc, sha, Wire.EtherTypeArp, r);
        }
    }

    private void SendArpRequest(IFrameSink sink, Iface ifc, uint target)
    {
        uint src = ifc.V4.Count > 0 ? ifc.V4[0].Address : 0;
        foreach (var (a, l) in ifc.V4) if (Wire.In4(target, a, l)) { src = a; break; }
        var r = new byte[28];
        Wire.U16(r, 0, 1); Wire.U16(r, 2, 0x0800); r[4] = 6; r[5] = 4; Wire.U16(r, 6, 1);
        ifc.Mac.CopyTo(r, 8); Wire.U32(r, 14, src);
        Wire.U32(r, 24, target);
        Count("tx.arp-request");
        SendFrame(sink, ifc, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Wire.EtherTypeArp, r);
    }
}
