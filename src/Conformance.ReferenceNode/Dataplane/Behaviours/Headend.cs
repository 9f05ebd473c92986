using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// RFC 8986 §5 SR Policy headend behaviours: H.Encaps (§5.1), H.Encaps.Red (§5.2), H.Encaps.L2 (§5.3),
// H.Encaps.L2.Red (§5.4), and H.Insert (T.Insert of draft-filsfils-spring-srv6-network-programming-06 §5.2: not in
// RFC 8986). A packet reaches a headend through a policy route of the FIB (its destination matched the policy's
// prefix) after the transit hop-limit decrement (H.Encaps S05 "Decrement inner IPv6 Hop Limit or IPv4 TTL"), or, for
// the L2 variants, by arriving on the policy's attachment interface.
public sealed partial class ForwardingEngine
{
    /// <summary>Outer hop limit of the encapsulations (RFC 2473 §6.3: the tunnel entry point's default).</summary>
    public const byte EncapsHopLimit = 64;

    /// <summary>A policy route matched an IPv6 packet.</summary>
    private bool Headend6(EngineState st, Ctx ctx, HeadendPolicy pol, byte[] p) => pol.Config.Mode switch
    {
        HeadendMode.Encaps => HEncaps(st, ctx, pol, p, Wire.NhIpv6, reduced: false),
        HeadendMode.EncapsRed => HEncaps(st, ctx, pol, p, Wire.NhIpv6, reduced: true),
        HeadendMode.Insert => HInsert(st, ctx, pol, p),
        _ => DropFalse("l2-policy-on-l3-route"),
    };

    /// <summary>A policy route matched an IPv4 packet (H.Insert is IPv6 only).</summary>
    private bool Headend4(EngineState st, Ctx ctx, HeadendPolicy pol, byte[] p) => pol.Config.Mode switch
    {
        HeadendMode.Encaps => HEncaps(st, ctx, pol, p, Wire.NhIpv4, reduced: false),
        HeadendMode.EncapsRed => HEncaps(st, ctx, pol, p, Wire.NhIpv4, reduced: true),
        _ => DropFalse("policy-mode-not-for-ipv4"),
    };

    private bool DropFalse(string reason) { Drop(reason); return false; }

    /// <summary>RFC 8986 §5.1 H.Encaps and §5.2 H.Encaps.Red.</summary>
    private bool HEncaps(EngineState st, Ctx ctx, HeadendPolicy pol, byte[] p, byte innerNh, bool reduced)
    {
        if (pol.Segments.Length == 0) return DropFalse("empty-policy");
        byte tc = innerNh == Wire.NhIpv6 ? Wire.TrafficClass6(p) : p[1];
        // S01. Push an IPv6 header with its own SRH
        // S02. Set outer IPv6 SA = T and outer IPv6 DA to the first SID in the segment list
        // S03. Set outer Payload Length, Traffic Class, Hop Limit, and Flow Label fields
        // S04. Set the outer Next Header value
        // S05. Decrement inner IPv6 Hop Limit or IPv4 TTL  (done by the forwarding step that led here)
        var outer = Encapsulate(st, pol.Segments, reduced, p, innerNh, tc);
        Count("headend." + pol.Config.Name);
        // S06. Submit the packet to the IPv6 module for transmission to S1
        return Output6(st, ctx, outer, MainTable);
    }

    /// <summary>
    /// RFC 8986 §5.3 H.Encaps.L2 / §5.4 H.Encaps.L2.Red steered by destination (the policy's <c>steer</c> prefix, as
    /// Linux's <c>encap seg6 mode l2encap</c> route): a received packet whose main-table route is an L2 policy has the
    /// Ethernet frame it arrived in encapsulated, byte for byte ("the received Ethernet frame ... is encapsulated",
    /// nothing decremented: the frame is the payload, not a forwarded packet). Checked before the transit hop-limit
    /// step. Returns true when the packet was taken by an L2 policy.
    /// </summary>
    private bool SteeredL2(EngineState st, Ctx ctx, UInt128 dst, bool v4 = false)
    {
        if (ctx.Frame is not { } frame) return false;
        var fibs = v4 ? st.Fib4 : st.Fib6;
        if (!fibs.TryGetValue(MainTable, out var fib) || fib.Lookup(dst) is not { Policy: { } pol }) return false;
        if (pol.Config.Mode is not (HeadendMode.EncapsL2 or HeadendMode.EncapsL2Red)) return false;
        HeadendL2(st, ctx, pol, frame);
        return true;
    }

    /// <summary>RFC 8986 §5.3 H.Encaps.L2 and §5.4 H.Encaps.L2.Red: the received frame (no preamble, no FCS) becomes the payload.</summary>
    private void HeadendL2(EngineState st, Ctx ctx, HeadendPolicy pol, byte[] frame)
    {
        if (pol.Segments.Length == 0) { Drop("empty-policy"); return; }
        bool reduced = pol.Config.Mode == HeadendMode.EncapsL2Red;
        if (pol.Config.Mode is not (HeadendMode.EncapsL2 or HeadendMode.EncapsL2Red)) { Drop("l3-policy-on-l2-interface"); return; }
        // "The Next Header field of the SRH MUST be set to 143."
        var outer = Encapsulate(st, pol.Segments, reduced, frame, Wire.NhEthernet, 0);
        Count("headend." + pol.Config.Name);
        // The frame is the "packet as received" of this context; nothing quotes it (an ICMPv6 error needs an IP packet).
        Output6(st, new Ctx { Sink = ctx.Sink, In = ctx.In, Received = outer, NoErrors = true }, outer, MainTable);
    }

    /// <summary>
    /// Builds outer IPv6 header + SRH + payload. Segment list in policy order (S1 first); the SRH lists it in reverse
    /// (Segment List[0] = the last segment). Reduced: S1 is left out of the SRH (RFC 8754 §4.1.1), and the SRH is
    /// omitted when it would be empty ("The push of the SRH MAY be omitted when the SRv6 Policy only contains one
    /// segment": this node omits it in the reduced variants only, where nothing would be left in it).
    /// </summary>
    private byte[] Encapsulate(EngineState st, UInt128[] segments, bool reduced, ReadOnlySpan<byte> payload, byte nh, byte trafficClass)
    {
        int n = segments.Length;
        // Debug fault HeadendExtraSegment: the policy's first segment listed once more, on top of the list.
        bool extra = st.Fault(DebugFault.HeadendExtraSegment);
        int listed = (reduced ? n - 1 : n) + (extra ? 1 : 0);
        int srhLen = listed == 0 ? 0 : 8 + 16 * listed;
        var outer = new byte[40 + srhLen + payload.Length];
        var s1 = segments[0];
        uint flow = st.Config.Srv6.FlowLabelFromInner ? FlowHash(payload, nh) : 0;
        Wire.WriteIpv6Header(outer, trafficClass, flow, srhLen + payload.Length, srhLen == 0 ? nh : Wire.NhRouting, EncapsHopLimit, SourceFor(st, s1), s1);
        if (srhLen > 0)
        {
            int r = 40;
            outer[r + SrhNextHeader] = nh;
            outer[r + SrhHdrExtLen] = (byte)(2 * listed);
            outer[r + SrhRoutingType] = 4;
            outer[r + SrhSegmentsLeft] = (byte)(n - 1);
            outer[r + SrhLastEntry] = (byte)(listed - 1);
            // Segment List[i] = segments[n-1-i]; the reduced SRH stops before S1 (Segment List[n-1]).
            for (int i = 0; i < listed; i++) Wire.A6(outer, r + SrhSegmentList + 16 * i, segments[Math.Max(0, n - 1 - i)]);
        }
        payload.CopyTo(outer.AsSpan(40 + srhLen));
        return outer;
    }

    /// <summary>The encapsulation source T/A: the configured SRv6 source, else the address of the interface towards S1.</summary>
    private static UInt128 SourceFor(EngineState st, UInt128 firstSegment)
    {
        if (st.SourceAddress is { } sa) return sa;
        if (st.Fib6.TryGetValue(MainTable, out var fib) && fib.Lookup(firstSegment)?.Interface is { } i) return i.Source6;
        foreach (var a in st.Local6) if (!Wire.IsLinkLocal6(a)) return a;
        return UInt128.Zero;
    }

    /// <summary>
    /// RFC 6437 §3: a flow label from a hash of the inner flow (addresses, protocol, ports; the inner label for IPv6),
    /// stable per flow, never 0 (RFC 6437 §2: 0 means "no label").
    /// </summary>
    private static uint FlowHash(ReadOnlySpan<byte> inner, byte nh)
    {
        uint h = 2166136261;
        void Mix(ReadOnlySpan<byte> b) { foreach (var x in b) { h ^= x; h *= 16777619; } }
        if (nh == Wire.NhIpv6 && inner.Length >= 40)
        {
            Mix(inner.Slice(8, 32));
            Mix(inner.Slice(1, 3)); // flow label (and 4 bits of traffic class: constant per flow)
            Mix(inner.Slice(6, 1));
            if (inner[6] is Wire.NhUdp or Wire.NhTcp && inner.Length >= 44) Mix(inner.Slice(40, 4));
        }
        else if (nh == Wire.NhIpv4 && inner.Length >= 20)
        {
            int ihl = (inner[0] & 0xF) * 4;
            Mix(inner.Slice(12, 8));
            Mix(inner.Slice(9, 1));
            if (inner[9] is Wire.NhUdp or Wire.NhTcp && (Wire.U16(inner, 6) & 0x1FFF) == 0 && inner.Length >= ihl + 4) Mix(inner.Slice(ihl, 4));
        }
        else Mix(inner[..Math.Min(inner.Length, 14)]);
        uint label = (h ^ (h >> 20)) & 0xFFFFF;
        return label == 0 ? 1 : label;
    }

    /// <summary>
    /// H.Insert (T.Insert, draft-filsfils-spring-srv6-network-programming-06 §5.2): an SRH is inserted into the packet
    /// itself, right after the IPv6 header (after a Hop-by-Hop header if there is one, RFC 8200 §4.1): the original
    /// destination becomes Segment List[0], the policy's segments follow in reverse, Segments Left = n, DA = S1,
    /// Payload Length grows by the SRH. Nothing else changes (the upper-layer checksum stays valid: its pseudo-header
    /// uses the final destination, which is the original DA).
    /// </summary>
    private bool HInsert(EngineState st, Ctx ctx, HeadendPolicy pol, byte[] p)
    {
        int n = pol.Segments.Length;
        if (n == 0) return DropFalse("empty-policy");
        int at = 40, prevNh = 6;
        if (p[6] == Wire.NhHopByHop) { prevNh = 40; at = 40 + (p[41] + 1) * 8; }
        int srhLen = 8 + 16 * (n + 1);
        var q = new byte[p.Length + srhLen];
        p.AsSpan(0, at).CopyTo(q);
        p.AsSpan(at).CopyTo(q.AsSpan(at + srhLen));
        int r = at;
        q[r + SrhNextHeader] = p[prevNh];
        q[r + SrhHdrExtLen] = (byte)(2 * (n + 1));
        q[r + SrhRoutingType] = 4;
        q[r + SrhSegmentsLeft] = (byte)n;
        q[r + SrhLastEntry] = (byte)n;
        Wire.A6(q, r + SrhSegmentList, Wire.A6(p, 24));
        for (int i = 1; i <= n; i++) Wire.A6(q, r + SrhSegmentList + 16 * i, pol.Segments[n - i]);
        q[prevNh] = Wire.NhRouting;
        Wire.U16(q, 4, (ushort)(Wire.U16(p, 4) + srhLen));
        Wire.A6(q, 24, pol.Segments[0]);
        Count("headend." + pol.Config.Name);
        return Output6(st, ctx, q, MainTable);
    }
}
