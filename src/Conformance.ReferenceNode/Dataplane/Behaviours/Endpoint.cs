using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// RFC 8986 §4: a packet whose destination matches a local SID. RFC 8754 §4.3.1 ("process the next header chain of the
// IPv6 header as defined in Section 4 of [RFC8200]"), then one method per behaviour, written next to the RFC's
// pseudocode: End (§4.1), End.X (§4.2), End.T (§4.3), End.B6.Encaps (§4.13), End.B6.Encaps.Red (§4.14), with the
// flavors PSP (§4.16.1), USP (§4.16.2) and USD (§4.16.3). The decapsulating behaviours are in Decapsulation.cs.
public sealed partial class ForwardingEngine
{
    // SRH field offsets from the start of the SRH (RFC 8754 §2).
    private const int SrhNextHeader = 0, SrhHdrExtLen = 1, SrhRoutingType = 2, SrhSegmentsLeft = 3, SrhLastEntry = 4, SrhFlags = 5, SrhSegmentList = 8;

    private static UInt128 Segment(byte[] p, int srh, int i) => Wire.A6(p, srh + SrhSegmentList + 16 * i);

    private void ProcessSid(EngineState st, Ctx ctx, byte[] p, Sid sid)
    {
        PuntEverything(st, ctx); // only under the debug fault OFlagCopiesEverything
        if (st.Fault(DebugFault.SidCounterCountsArrivals)) CountSid(sid, ctx.Received.Length); // debug fault: RFC 8986 §6 counts processed packets only
        if (!Walk(p, 40, p[6], 6, out var c, out var bad)) { ChainError(st, ctx, p, bad); return; }
        // Debug fault NextCsidSkippedBehindExtensionHeaders: N01-N09 not run when a Hop-by-Hop or Destination Options header
        // comes first (RFC 9800 §4.1.1 runs them "before processing the first header [...] that is not an SRH, a Hop-by-Hop
        // header, or a Destination Options header").
        bool csid = !(st.Fault(DebugFault.NextCsidSkippedBehindExtensionHeaders) && (c.RoutingOffset >= 0 ? c.RoutingOffset : c.UpperOffset) > 40);
        if (c.RoutingOffset >= 0)
        {
            int r = c.RoutingOffset;
            if (p[r + SrhRoutingType] != 4)
            {
                // RFC 8200 §4.4: an unrecognized Routing Type with Segments Left non-zero.
                if (p[r + SrhSegmentsLeft] != 0) { IcmpError6(st, ctx, p, 4, 0, (uint)(r + 2)); Drop("routing-type"); return; }
            }
            else
            {
                // Like Linux seg6_enabled: an interface that does not accept SRv6 drops SRH packets to a local SID.
                if (ctx.In is { } i && !i.Config.Srv6Enabled) { Drop("srv6-disabled"); return; }
                // RFC 9259 §2.1.1: S01.1 is inserted between S01 and S02 of RFC 8754 §4.3.1.1.
                OFlag(st, ctx, p, r);
                // Debug fault OFlagCopyAnswered: the punted copy of an O-flag packet at its last segment goes through the
                // node's own processing too (RFC 9259 §2.1.1 wants it sent to the OAM process only): answered twice.
                if (st.Fault(DebugFault.OFlagCopyAnswered) && (p[r + SrhFlags] & 0x20) != 0 && p[r + SrhSegmentsLeft] == 0)
                {
                    var again = (byte[])ctx.Received.Clone();
                    NextHeaderAfterSrh(st, new Ctx { Sink = ctx.Sink, In = ctx.In, Received = (byte[])again.Clone(), NoErrors = true, Depth = ctx.Depth }, again, sid, r);
                }
                if (!VerifyHmac(st, ctx, p, r)) return;
                // RFC 9800 §4.1.1: N01-N09 between S01 and S02.
                if (csid && NextCsid(st, ctx, p, sid)) return;
                SrhProcessing(st, ctx, p, sid, r, c.RoutingPrevNh);
                return;
            }
        }
        if (c.Fragment) { Drop("fragment"); return; }
        // RFC 9800 §4.1.1: "executed before processing the first header ... that is not an SRH, a Hop-by-Hop header, or a
        // Destination Options header" — also without an SRH.
        if (csid && NextCsid(st, ctx, p, sid)) return;
        UpperLayer(st, ctx, p, sid, c.UpperOffset, c.UpperNh, c.UpperPrevNh);
    }

    /// <summary>S01 "When an SRH is processed": the behaviour's SRH part.</summary>
    private void SrhProcessing(EngineState st, Ctx ctx, byte[] p, Sid sid, int r, int prevNh)
    {
        switch (sid.Config.Behavior)
        {
            case Behavior.End: End(st, ctx, p, sid, r, prevNh); break;
            case Behavior.EndX: EndX(st, ctx, p, sid, r, prevNh); break;
            case Behavior.EndT: EndT(st, ctx, p, sid, r, prevNh); break;
            case Behavior.EndB6Encaps: EndB6Encaps(st, ctx, p, sid, r, prevNh, reduced: false); break;
            case Behavior.EndB6EncapsRed: EndB6Encaps(st, ctx, p, sid, r, prevNh, reduced: true); break;
            default: DecapsulationSrh(st, ctx, p, sid, r); break;
        }
    }

    /// <summary>The Upper-Layer header part of the SID's behaviour.</summary>
    private void UpperLayer(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        switch (sid.Config.Behavior)
        {
            case Behavior.End or Behavior.EndX or Behavior.EndT when sid.Usd && !st.Fault(DebugFault.UsdIgnored):
                UltimateSegmentDecapsulation(st, ctx, p, sid, off, nh, prevNh);
                break;
            case Behavior.End or Behavior.EndX or Behavior.EndT or Behavior.EndB6Encaps or Behavior.EndB6EncapsRed:
                UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
                break;
            case Behavior.EndDX6: EndDX6Upper(st, ctx, p, sid, off, nh, prevNh); break;
            case Behavior.EndDX4: EndDX4Upper(st, ctx, p, sid, off, nh, prevNh); break;
            case Behavior.EndDT6: EndDT6Upper(st, ctx, p, sid, off, nh, prevNh); break;
            case Behavior.EndDT4: EndDT4Upper(st, ctx, p, sid, off, nh, prevNh); break;
            case Behavior.EndDT46: EndDT46Upper(st, ctx, p, sid, off, nh, prevNh); break;
            case Behavior.EndDX2: EndDX2Upper(st, ctx, p, sid, off, nh, prevNh); break;
        }
    }

    /// <summary>
    /// RFC 8986 §4.1.1, Upper-Layer header of End, End.X, End.T (and the fallback of every other behaviour):
    /// S01 "If (Upper-Layer header type is allowed by local configuration)": this node allows ICMPv6 (58, ping to a SID,
    /// RFC 9259 §3.1) and UDP (17: answered with Port Unreachable, so a traceroute ends at the SID, RFC 9259 §3.2) — none
    /// of them forwards the packet, as the RECOMMENDED note asks.
    /// </summary>
    private void UpperLayerHeader(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        if (nh is Wire.NhIcmpv6 or Wire.NhUdp)
        {
            // S02. Proceed to process the Upper-Layer header
            UpperLayerLocal(st, ctx, p, off, nh, prevNh, sid);
            return;
        }
        // S04. Send an ICMP Parameter Problem to the Source Address with Code 4 (SR Upper-layer Header Error) and Pointer
        //      set to the offset of the Upper-Layer header, interrupt packet processing, and discard the packet.
        if (!st.Fault(DebugFault.UpperLayerErrorNotSent)) IcmpError6(st, ctx, p, 4, 4, (uint)off, fromDestination: true);
        Drop("sr-upper-layer");
    }

    /// <summary>The continuation after the SRH when Segments Left is 0 (S03 "proceed to process the next header").</summary>
    private void NextHeaderAfterSrh(EngineState st, Ctx ctx, byte[] p, Sid sid, int r)
    {
        int after = r + (p[r + SrhHdrExtLen] + 1) * 8;
        if (!Walk(p, after, p[r + SrhNextHeader], r, out var c, out var bad)) { ChainError(st, ctx, p, bad); return; }
        if (c.Fragment) { Drop("fragment"); return; }
        UpperLayer(st, ctx, p, sid, c.UpperOffset, c.UpperNh, c.UpperPrevNh);
    }

    /// <summary>Removes the header at <paramref name="off"/> (PSP S14.2-S14.4, USP S03.1-S03.3).</summary>
    private static byte[] RemoveSrh(byte[] p, int off, int prevNh)
    {
        int len = (p[off + SrhHdrExtLen] + 1) * 8;
        var q = new byte[p.Length - len];
        p.AsSpan(0, off).CopyTo(q);
        p.AsSpan(off + len).CopyTo(q.AsSpan(off));
        // "Update the Next Header field in the preceding header to the Next Header value of the SRH"
        q[prevNh] = p[off + SrhNextHeader];
        // "Decrease the IPv6 header Payload Length by 8*(Hdr Ext Len+1)"
        Wire.U16(q, 4, (ushort)(Wire.U16(p, 4) - len));
        return q;
    }

    private enum Step { Continue, Done }

    /// <summary>
    /// RFC 8986 §4.1 End, S02-S14, shared by End, End.X, End.T and End.B6.Encaps* (their S15 differs), with the USP
    /// substitution of S02-S04 (§4.16.2) and the PSP lines S14.1-S14.5 (§4.16.1.2) when the SID has those flavors.
    /// </summary>
    private Step EndSteps(EngineState st, Ctx ctx, ref byte[] p, Sid sid, int r, int prevNh, bool forceUltimate = false)
    {
        if (!forceUltimate && IsCsid(sid, CsidFlavorKind.Replace)) return ReplaceCsidSteps(st, ctx, ref p, sid, r, prevNh);
        bool usp = sid.Usp && !st.Fault(DebugFault.UspIgnored);
        bool psp = sid.Psp && !st.Fault(DebugFault.PspIgnored);
        // S02. If (Segments Left == 0) {
        if (p[r + SrhSegmentsLeft] == 0 || forceUltimate)
        {
            if (usp)
            {
                // S03.1. Update the Next Header field in the preceding header to the Next Header value of the SRH
                // S03.2. Decrease the IPv6 header Payload Length by 8*(Hdr Ext Len+1)
                // S03.3. Remove the SRH from the IPv6 extension header chain
                var q = RemoveSrh(p, r, prevNh);
                // S03.4. Proceed to process the next header in the packet
                // The upper layer gets the popped packet: its errors quote the packet as it got it (the suite's
                // TP-USP-BV-01 reading: "it quotes the packet as UDP saw it, i.e. without the SRH").
                var popped = new Ctx { Sink = ctx.Sink, In = ctx.In, Received = (byte[])q.Clone(), NoErrors = ctx.NoErrors, Depth = ctx.Depth };
                if (!Walk(q, r, q[prevNh], prevNh, out var c, out var bad)) { ChainError(st, popped, q, bad); return Step.Done; }
                UpperLayer(st, popped, q, sid, c.UpperOffset, c.UpperNh, c.UpperPrevNh);
                return Step.Done;
            }
            // S03. Stop processing the SRH, and proceed to process the next header in the packet, whose type is
            //      identified by the Next Header field in the routing header.
            NextHeaderAfterSrh(st, ctx, p, sid, r);
            return Step.Done;
        } // S04. }
        // Debug fault TimeExceededAfterSrhUpdate: S05-S06 moved after S14 (below), so the error quotes the rewritten packet.
        bool lateHopLimit = st.Fault(DebugFault.TimeExceededAfterSrhUpdate), expired = p[7] <= 1;
        // S05. If (IPv6 Hop Limit <= 1) {
        if (p[7] <= 1 && !lateHopLimit)
        {
            // S06. Send an ICMP Time Exceeded message to the Source Address with Code 0 (Hop limit exceeded in transit),
            //      interrupt packet processing, and discard the packet.
            IcmpError6(st, ctx, p, 3, 0, 0);
            Drop("hop-limit");
            return Step.Done;
        } // S07. }
        int hdrExtLen = p[r + SrhHdrExtLen];
        int lastEntry = p[r + SrhLastEntry];
        int segmentsLeft = p[r + SrhSegmentsLeft];
        // S08. max_LE = (Hdr Ext Len / 2) - 1
        int maxLe = hdrExtLen / 2 - 1;
        // S09. If ((Last Entry > max_LE) or (Segments Left > Last Entry+1)) {
        if (!st.Fault(DebugFault.SegmentsLeftNotChecked) && (lastEntry > maxLe || segmentsLeft > lastEntry + 1))
        {
            // S10. Send an ICMP Parameter Problem to the Source Address with Code 0 (Erroneous header field encountered)
            //      and Pointer set to the Segments Left field, interrupt packet processing, and discard the packet.
            IcmpError6(st, ctx, p, 4, 0, (uint)(r + SrhSegmentsLeft));
            Drop("segments-left");
            return Step.Done;
        } // S11. }
        if (r + SrhSegmentList + 16 * segmentsLeft > p.Length) { Drop("malformed-srh"); return Step.Done; } // only reachable with the fault above
        // S12. Decrement IPv6 Hop Limit by 1
        if (!st.Fault(DebugFault.HopLimitNotDecremented)) p[7]--;
        // S13. Decrement Segments Left by 1
        p[r + SrhSegmentsLeft] = (byte)--segmentsLeft;
        // S14. Update IPv6 DA with Segment List[Segments Left]
        Wire.A6(p, 24, Segment(p, r, segmentsLeft));
        if (lateHopLimit && expired) { IcmpError6(st, ctx, p, 3, 0, 0, quoteCurrent: true); Drop("hop-limit"); return Step.Done; } // debug fault: S05-S06 here
        // S14.1. If (Segments Left == 0) {
        if (psp && segmentsLeft == 0)
        {
            // S14.2. Update the Next Header field in the preceding header to the Next Header value from the SRH
            // S14.3. Decrease the IPv6 header Payload Length by 8*(Hdr Ext Len+1)
            // S14.4. Remove the SRH from the IPv6 extension header chain
            p = RemoveSrh(p, r, prevNh);
        } // S14.5. }
        return Step.Continue;
    }

    /// <summary>RFC 8986 §4.1 End: Endpoint.</summary>
    private void End(EngineState st, Ctx ctx, byte[] p, Sid sid, int r, int prevNh)
    {
        // S01. When an SRH is processed {   (S02-S14: EndSteps)
        if (EndSteps(st, ctx, ref p, sid, r, prevNh) == Step.Done) return;
        // S15. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
        //      (Note: "the FIB lookup on line S15 is done in the same FIB table as the ingress interface": main)
        if (Output6(st, ctx, p, MainTable)) CountSid(sid, ctx.Received.Length);
    } // S16. }

    /// <summary>RFC 8986 §4.2 End.X: L3 Cross-Connect (S15 replaced).</summary>
    private void EndX(EngineState st, Ctx ctx, byte[] p, Sid sid, int r, int prevNh)
    {
        if (EndSteps(st, ctx, ref p, sid, r, prevNh) == Step.Done) return;
        // S15. Submit the packet to the IPv6 module for transmission to the new destination via a member of J
        if (sid.Interface is null) { Drop("adjacency-down"); return; }
        if (Output6(st, ctx, p, MainTable, sid.Interface, sid.NextHop6 ?? Wire.A6(p, 24))) CountSid(sid, ctx.Received.Length);
    }

    /// <summary>RFC 8986 §4.3 End.T: Specific IPv6 Table Lookup (S15 replaced).</summary>
    private void EndT(EngineState st, Ctx ctx, byte[] p, Sid sid, int r, int prevNh)
    {
        if (EndSteps(st, ctx, ref p, sid, r, prevNh) == Step.Done) return;
        // S15.1. Set the packet's associated FIB table to T
        var table = sid.Table;
        // S15.2. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
        if (Output6(st, ctx, p, table)) CountSid(sid, ctx.Received.Length);
    }

    /// <summary>
    /// RFC 8986 §4.16.3 USD: the Upper-Layer header processing of End, End.X and End.T (one method, the three variants
    /// differ only in where the exposed packet goes: S03/S06 of End, S03-S04/S07-S08 of End.T, S03 of End.X).
    /// </summary>
    private void UltimateSegmentDecapsulation(EngineState st, Ctx ctx, byte[] p, Sid sid, int off, byte nh, int prevNh)
    {
        // End S01 / End.T S01 / End.X S01. If (Upper-Layer header type == 41(IPv6) ) {  (End.X: || == 4(IPv4))
        // End S04 / End.T S05. } Else if (Upper-Layer header type == 4(IPv4) ) {
        if (nh is not (Wire.NhIpv6 or Wire.NhIpv4))
        {
            // S08 (End) / S10 (End.T) / S05 (End.X). Process as per Section 4.1.1
            UpperLayerHeader(st, ctx, p, sid, off, nh, prevNh);
            return;
        }
        // S02/S05 (End, End.T S02/S06, End.X S02). Remove the outer IPv6 header with all its extension headers
        var inner = p.AsSpan(off).ToArray();
        bool ok = sid.Config.Behavior switch
        {
            // End.X S03. Forward the exposed IP packet to the L3 adjacency J
            Behavior.EndX => ForwardInner(st, ctx, inner, nh, MainTable, sid.Interface, sid),
            // End.T S03/S07. Set the packet's associated FIB table to T; S04/S08. Submit ... egress IPv6/IPv4 FIB lookup
            Behavior.EndT => ForwardInner(st, ctx, inner, nh, sid.Table, null, null),
            // End S03/S06. Submit the packet to the egress IPv6/IPv4 FIB lookup for transmission to the new destination
            _ => ForwardInner(st, ctx, inner, nh, MainTable, null, null),
        };
        if (ok) CountSid(sid, ctx.Received.Length);
    }

    /// <summary>
    /// RFC 8986 §4.13 End.B6.Encaps (and §4.14 End.B6.Encaps.Red: "reduces the size of the SRH by one SID by excluding
    /// the first SID in the SRH of the new IPv6 header").
    /// </summary>
    private void EndB6Encaps(EngineState st, Ctx ctx, byte[] p, Sid sid, int r, int prevNh, bool reduced)
    {
        // S01-S14: as End (no flavors are defined for this behaviour).
        if (EndSteps(st, ctx, ref p, sid, r, prevNh) == Step.Done) return;
        if (sid.Segments.Length == 0) { Drop("b6-empty-policy"); return; }
        // S15. Push a new IPv6 header with its own SRH containing B
        // S16. Set the outer IPv6 SA to A
        // S17. Set the outer IPv6 DA to the first SID of B
        // S18. Set the outer Payload Length, Traffic Class, Flow Label, Hop Limit, and Next Header fields
        var outer = Encapsulate(st, sid.Segments, reduced, p, Wire.NhIpv6, Wire.TrafficClass6(p));
        // S19. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
        if (Output6(st, ctx, outer, MainTable)) CountSid(sid, ctx.Received.Length);
    }
}
