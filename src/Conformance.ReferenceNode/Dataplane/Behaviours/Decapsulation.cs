using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// RFC 8986 §4.4-§4.9: End.DX6, End.DX4, End.DT6, End.DT4, End.DT46, End.DX2. Their SRH part is one and the same
// (S01-S06 below); their Upper-Layer parts are one method each.
public sealed partial class ForwardingEngine
{
    /// <summary>The SRH part of End.DX6 (§4.4), End.DX4 (§4.5), End.DT6 (§4.6), End.DT4 (§4.7), End.DT46 (§4.8), End.DX2 (§4.9).</summary>
    private void DecapsulationSrh(EngineState st, Ctx ctx, byte[] p, Sid sid, int r)
    {
        // S01. When an SRH is processed {
        // S02.   If (Segments Left != 0) {
        if (p[r + SrhSegmentsLeft] != 0 && !st.Fault(DebugFault.SegmentsLeftNotChecked))
        {
            // S03. Send an ICMP Parameter Problem to the Source Address with Code 0 (Erroneous header field
            //      encountered) and Pointer set to the Segments Left field, interrupt packet processing, and discard the packet.
            IcmpError6(st, ctx, p, 4, 0, (uint)(r + SrhSegmentsLeft));
            Drop("segments-left-not-zero");
            return;
        } // S04. }
        // S05. Proceed to process the next header in the packet
        NextHeaderAfterSrh(st, ctx, p, sid, r);
    } // S06. }

    /// <summary>§4.4 End.DX6, Upper-Layer header.</summary>
    private void EndDX6Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 41(IPv6) ) {
        if (nh == Wire.NhIpv6)
        {
            // S02. Remove the outer IPv6 header with all its extension headers
            var inner = p.AsSpan(off).ToArray();
            // S03. Forward the exposed IPv6 packet to the L3 adjacency J
            if (ForwardInner(st, ctx, inner, nh, MainTable, sid.Interface, sid)) CountSid(sid, ctx.Received.Length);
            return;
        }
        // S04. } Else {  S05. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S06. }

    /// <summary>§4.5 End.DX4, Upper-Layer header.</summary>
    private void EndDX4Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 4(IPv4) ) {
        if (nh == Wire.NhIpv4)
        {
            // S02. Remove the outer IPv6 header with all its extension headers
            var inner = p.AsSpan(off).ToArray();
            // S03. Forward the exposed IPv4 packet to the L3 adjacency J
            if (ForwardInner(st, ctx, inner, nh, MainTable, sid.Interface, sid)) CountSid(sid, ctx.Received.Length);
            return;
        }
        // S04. } Else {  S05. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S06. }

    /// <summary>§4.6 End.DT6, Upper-Layer header.</summary>
    private void EndDT6Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 41(IPv6) ) {
        if (nh == Wire.NhIpv6)
        {
            // S02. Remove the outer IPv6 header with all its extension headers
            var inner = p.AsSpan(off).ToArray();
            // S03. Set the packet's associated FIB table to T
            // S04. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
            if (ForwardInner(st, ctx, inner, nh, sid.Table, null, null)) CountSid(sid, ctx.Received.Length);
            return;
        }
        // S05. } Else {  S06. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S07. }

    /// <summary>§4.7 End.DT4, Upper-Layer header.</summary>
    private void EndDT4Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 4(IPv4) ) {
        if (nh == Wire.NhIpv4)
        {
            // S02. Remove the outer IPv6 header with all its extension headers
            var inner = p.AsSpan(off).ToArray();
            // S03. Set the packet's associated FIB table to T
            // S04. Submit the packet to the egress IPv4 FIB lookup for transmission to the new destination
            if (ForwardInner(st, ctx, inner, nh, sid.Table, null, null)) CountSid(sid, ctx.Received.Length);
            return;
        }
        // S05. } Else {  S06. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S07. }

    /// <summary>§4.8 End.DT46, Upper-Layer header (one table name serves as T4 and T6).</summary>
    private void EndDT46Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 4(IPv4) ) {
        // S05. } Else if (Upper-Layer header type == 41(IPv6) ) {
        if (nh is Wire.NhIpv4 or Wire.NhIpv6)
        {
            // S02/S06. Remove the outer IPv6 header with all its extension headers
            var inner = p.AsSpan(off).ToArray();
            // S03/S07. Set the packet's associated FIB table to T4 / T6
            // S04/S08. Submit the packet to the egress IPv4 / IPv6 FIB lookup for transmission to the new destination
            if (ForwardInner(st, ctx, inner, nh, sid.Table, null, null)) CountSid(sid, ctx.Received.Length);
            return;
        }
        // S09. } Else {  S10. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S11. }

    /// <summary>§4.9 End.DX2, Upper-Layer header.</summary>
    private void EndDX2Upper(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // S01. If (Upper-Layer header type == 143(Ethernet) ) {
        if (nh == Wire.NhEthernet)
        {
            // S02. Remove the outer IPv6 header with all its extension headers
            var frame = p.AsSpan(off);
            if (frame.Length < Wire.EthernetHeader) { Drop("dx2-runt"); return; }
            // S03. Forward the Ethernet frame to the OIF I
            if (sid.Interface is null || sid.Interface.Config.Shutdown) { Drop("dx2-oif-down"); return; }
            Count("tx.frames");
            ctx.Sink.Send(sid.Interface.Name, frame);
            CountSid(sid, ctx.Received.Length);
            return;
        }
        // S04. } Else {  S05. Process as per Section 4.1.1
        UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
    } // S06. }

    /// <summary>
    /// The exposed inner packet, resubmitted to the IPv4 or IPv6 module: it is forwarded once (hop limit / TTL
    /// decremented, RFC 8200 §3, RFC 791), errors about it go to its own source and quote it as exposed.
    /// With <paramref name="adjacency"/> it goes to that L3 adjacency (End.X / End.DX*), else to a lookup in <paramref name="table"/>.
    /// </summary>
    private bool ForwardInner(EngineState st, Ctx outer, byte[] inner, byte nh, string table, Iface? adjacency, Sid? adjacencySid)
    {
        var ctx = new Ctx { Sink = outer.Sink, In = outer.In, Received = (byte[])inner.Clone(), Depth = outer.Depth + 1 };
        if (ctx.Depth > MaxDepth) { Drop("loop"); return false; }
        if (nh == Wire.NhIpv6)
        {
            if (inner.Length < 40 || inner[0] >> 4 != 6 || 40 + Wire.U16(inner, 4) > inner.Length) { Drop("inner-malformed"); return false; }
            if (inner.Length > 40 + Wire.U16(inner, 4)) { inner = inner[..(40 + Wire.U16(inner, 4))]; }
            if (!st.Fault(DebugFault.HopLimitNotDecremented))
            {
                if (inner[7] <= 1) { IcmpError6(st, ctx, inner, 3, 0, 0); Drop("hop-limit"); return false; }
                inner[7]--;
            }
            if (adjacency is not null) return Output6(st, ctx, inner, table, adjacency, adjacencySid?.NextHop6 ?? Wire.A6(inner, 24));
            if (adjacencySid is not null) { Drop("adjacency-down"); return false; }
            return Output6(st, ctx, inner, table);
        }
        if (inner.Length < 20 || inner[0] >> 4 != 4 || Wire.Checksum(inner.AsSpan(0, (inner[0] & 0xF) * 4)) != 0) { Drop("inner-malformed"); return false; }
        int total = Wire.U16(inner, 2);
        if (total > inner.Length || total < 20) { Drop("inner-malformed"); return false; }
        if (total < inner.Length) inner = inner[..total];
        if (!st.Fault(DebugFault.HopLimitNotDecremented))
        {
            if (inner[8] <= 1) { IcmpError4(st, ctx, inner, 11, 0, 0); Drop("ttl"); return false; }
            inner[8]--;
            Wire.FixIpv4Checksum(inner);
        }
        if (adjacency is not null)
            return adjacencySid is { NextHop4: null, NextHop6: { } nh6 }
                ? Output4(st, ctx, inner, table, adjacency, null, nh6) // an IPv6 adjacency (End.X with USD): the neighbour's MAC
                : Output4(st, ctx, inner, table, adjacency, adjacencySid?.NextHop4 ?? Wire.U32(inner, 16));
        if (adjacencySid is not null) { Drop("adjacency-down"); return false; }
        return Output4(st, ctx, inner, table);
    }
}
