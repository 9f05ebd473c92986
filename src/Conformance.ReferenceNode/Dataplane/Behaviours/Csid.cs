using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// RFC 9800 compressed SIDs, for End, End.X and End.T SIDs (NEXT-CSID also End.B6.Encaps and End.B6.Encaps.Red) whose
// locator has a C-SID structure (LBL = BlockBits, LNFL = CsidBits): the NEXT-CSID flavor (§4.1.1-§4.1.5: N01-N09) and the REPLACE-CSID flavor (§4.2.1, §4.2.2:
// S02 and R01-R21). Bits are numbered from the most significant, as in the RFC ("bits [LBL..(LBL+AL-1)]").
public sealed partial class ForwardingEngine
{
    /// <summary>The value of bits [from..from+count-1] of a 128-bit word.</summary>
    private static UInt128 Bits(UInt128 v, int from, int count) => count == 0 ? UInt128.Zero : (v >> (128 - from - count)) & ((UInt128.One << count) - 1);

    /// <summary>Writes bits [from..from+count-1].</summary>
    private static UInt128 WithBits(UInt128 v, int from, int count, UInt128 value)
    {
        var mask = ((UInt128.One << count) - 1) << (128 - from - count);
        return (v & ~mask) | ((value << (128 - from - count)) & mask);
    }

    /// <summary>
    /// The SID has the C-SID flavor <paramref name="kind"/> on a behaviour the node implements it for: NEXT-CSID on End,
    /// End.X, End.T (§4.1.1-§4.1.3), End.B6.Encaps and End.B6.Encaps.Red (§4.1.4, §4.1.5); REPLACE-CSID on End, End.X, End.T
    /// (§4.2.1-§4.2.3).
    /// </summary>
    private static bool IsCsid(Sid sid, CsidFlavorKind kind) =>
        sid.Csid is { } c && c.Kind == kind && (sid.Config.Behavior is Behavior.End or Behavior.EndX or Behavior.EndT
            || (kind == CsidFlavorKind.Next && sid.Config.Behavior is Behavior.EndB6Encaps or Behavior.EndB6EncapsRed));

    /// <summary>
    /// RFC 9800 §4.1.1 End with NEXT-CSID (and §4.1.2 End.X: N08 replaced), "inserted between lines S01 and S02 of the
    /// SRH processing" and "executed before processing the first header in the IPv6 extension header chain that is not
    /// an SRH, a Hop-by-Hop header, or a Destination Options header". Returns true when it consumed the packet.
    /// </summary>
    private bool NextCsid(EngineState st, Ctx ctx, byte[] p, Sid sid)
    {
        if (!IsCsid(sid, CsidFlavorKind.Next)) return false;
        int lbl = sid.Csid!.BlockBits, lnfl = sid.Csid.CsidBits, al = 128 - lbl - lnfl;
        var da = Wire.A6(p, 24);
        // "DA.Argument identifies the value contained in the bits [(LBL+LNFL)..127] in the Destination Address"
        var argument = Bits(da, lbl + lnfl, al);
        // N01. If (DA.Argument != 0) {
        if (argument == UInt128.Zero) return false;
        // Debug fault TimeExceededAfterSrhUpdate: N02-N03 moved after N06 (below), so the error quotes the rewritten packet.
        bool lateHopLimit = st.Fault(DebugFault.TimeExceededAfterSrhUpdate), expired = p[7] <= 1;
        // N02. If (IPv6 Hop Limit <= 1) {
        if (p[7] <= 1 && !lateHopLimit)
        {
            // N03. Send an ICMP Time Exceeded message to the Source Address, Code 0 (Hop limit exceeded in transit),
            //      interrupt packet processing and discard the packet.
            IcmpError6(st, ctx, p, 3, 0, 0);
            Drop("hop-limit");
            return true;
        } // N04. }
        // Debug fault B6NextCsidInnerNotShifted: End.B6.Encaps skips N05-N06 (the inner DA is encapsulated as received).
        bool b6 = sid.Config.Behavior is Behavior.EndB6Encaps or Behavior.EndB6EncapsRed;
        if (!(b6 && st.Fault(DebugFault.B6NextCsidInnerNotShifted)))
        {
            // N05. Copy DA.Argument into the bits [LBL..(LBL+AL-1)] of the Destination Address.
            da = WithBits(da, lbl, al, argument);
            // N06. Set the bits [(LBL+AL)..127] of the Destination Address to zero.
            da = WithBits(da, lbl + al, lnfl, UInt128.Zero);
            Wire.A6(p, 24, da);
        }
        if (lateHopLimit && expired) { IcmpError6(st, ctx, p, 3, 0, 0, quoteCurrent: true); Drop("hop-limit"); return true; } // debug fault: N02-N03 here
        // N07. Decrement IPv6 Hop Limit by 1.
        if (!st.Fault(DebugFault.HopLimitNotDecremented)) p[7]--;
        // N08. Submit the packet to the egress IPv6 FIB lookup for transmission to the next destination.
        //      (End.X, §4.1.2: "Submit the packet to the IPv6 module for transmission to the new destination via a member of J.")
        //      (End.T, §4.1.3: "N08.1. Set the packet's associated FIB table to T." "N08.2. Submit the packet to the egress
        //      IPv6 FIB lookup for transmission to the new destination.")
        //      (End.B6.Encaps, §4.1.4: "N08.1. Push a new IPv6 header with its own SRH containing B." "N08.2. Set the outer
        //      IPv6 SA to A." "N08.3. Set the outer IPv6 DA to the first SID of B." "N08.4. Set the outer Payload Length,
        //      Traffic Class, Flow Label, Hop Limit, and Next Header fields." "N08.5. Submit the packet to the egress IPv6
        //      FIB lookup for transmission to the next destination." End.B6.Encaps.Red, §4.1.5: with RFC 8986 §4.14's SRH.)
        if (b6 && sid.Segments.Length == 0) { Drop("b6-empty-policy"); return true; }
        bool ok = sid.Config.Behavior switch
        {
            Behavior.EndX => sid.Interface is not null && Output6(st, ctx, p, MainTable, sid.Interface, sid.NextHop6 ?? da),
            Behavior.EndT => Output6(st, ctx, p, sid.Table),
            Behavior.EndB6Encaps or Behavior.EndB6EncapsRed => Output6(st, ctx,
                Encapsulate(st, sid.Segments, sid.Config.Behavior == Behavior.EndB6EncapsRed, p, Wire.NhIpv6, Wire.TrafficClass6(p)), MainTable),
            _ => Output6(st, ctx, p, MainTable),
        };
        if (ok) CountSid(sid, ctx.Received.Length);
        return true;
    } // N09. }

    /// <summary>
    /// RFC 9800 §4.2.1 End with REPLACE-CSID (S02 replaced, S09-S15 replaced by R01-R21; §4.2.2 End.X: R10 and R21 via
    /// J, §4.2.3 End.T: R10.1-R10.2 and R21.1-R21.2 in table T, both done by the caller's S15), with PSP after R09 and R20 (§4.2.8, R20.1 modified) and USP at S03 (§4.2.8).
    /// Returns Continue when the packet is ready for the caller's S15 / R10 / R21.
    /// </summary>
    private Step ReplaceCsidSteps(EngineState st, Ctx ctx, ref byte[] p, Sid sid, int r, int prevNh)
    {
        int lbl = sid.Csid!.BlockBits, lnfl = sid.Csid.CsidBits;
        int k = 128 / lnfl;
        int x = (int)Math.Ceiling(Math.Log2(128.0 / lnfl));
        bool psp = sid.Psp && !st.Fault(DebugFault.PspIgnored);
        var da = Wire.A6(p, 24);
        // "DA.Arg.Index identifies the value contained in the bits [(128-ceiling(log_2(128/LNFL)))..127]"
        int index = (int)Bits(da, 128 - x, x);
        // "Segment List[Segments Left][DA.Arg.Index] identifies the value contained in the bits
        //  [DA.Arg.Index*LNFL..(DA.Arg.Index+1)*LNFL-1] in the SRH Segment List entry at index Segments Left."
        var srhBytes = p; // the SRH's Segment List is not changed by this procedure (only Segments Left)
        UInt128 Csid(int entry, int position) => Bits(Segment(srhBytes, r, entry), position * lnfl, lnfl);
        int segmentsLeft = p[r + SrhSegmentsLeft];
        bool EndOfSequence() => segmentsLeft == 0 && (index == 0 || Csid(0, index - 1) == UInt128.Zero);

        // S02. If (Segments Left == 0 and (DA.Arg.Index == 0 or Segment List[0][DA.Arg.Index-1] == 0)) {
        if (EndOfSequence())
        {
            // S03 (or USP's S03.1-S03.4): as RFC 8986 §4.1.
            return EndSteps(st, ctx, ref p, sid, r, prevNh, forceUltimate: true);
        } // S04. }
        // Debug fault TimeExceededAfterSrhUpdate: S05-S06 moved after R20 (below), so the error quotes the rewritten packet.
        bool lateHopLimit = st.Fault(DebugFault.TimeExceededAfterSrhUpdate), expired = p[7] <= 1;
        // S05. If (IPv6 Hop Limit <= 1) { S06. Time Exceeded ... } S07.
        if (p[7] <= 1 && !lateHopLimit) { IcmpError6(st, ctx, p, 3, 0, 0); Drop("hop-limit"); return Step.Done; }
        // S08. max_LE = (Hdr Ext Len / 2) - 1
        int maxLe = p[r + SrhHdrExtLen] / 2 - 1;
        int lastEntry = p[r + SrhLastEntry];
        bool check = !st.Fault(DebugFault.SegmentsLeftNotChecked);
        // R01. If (DA.Arg.Index != 0) {
        if (index != 0)
        {
            // R02. If ((Last Entry > max_LE) or (Segments Left > Last Entry)) {
            if (check && (lastEntry > maxLe || segmentsLeft > lastEntry))
            {
                // R03. Send an ICMP Parameter Problem ... Pointer set to the Segments Left field ... discard the packet.
                IcmpError6(st, ctx, p, 4, 0, (uint)(r + SrhSegmentsLeft));
                Drop("segments-left");
                return Step.Done;
            } // R04. }
            // R05. Decrement DA.Arg.Index by 1.
            index--;
            // R06. If (Segment List[Segments Left][DA.Arg.Index] == 0) {
            if (Csid(segmentsLeft, index) == UInt128.Zero)
            {
                if (segmentsLeft == 0) { Drop("csid-end"); return Step.Done; } // unreachable: S02 took it
                // R07. Decrement Segments Left by 1.
                p[r + SrhSegmentsLeft] = (byte)--segmentsLeft;
                // R08. Decrement IPv6 Hop Limit by 1.
                if (!st.Fault(DebugFault.HopLimitNotDecremented)) p[7]--;
                // R09. Update IPv6 DA with Segment List[Segments Left]
                Wire.A6(p, 24, Segment(p, r, segmentsLeft));
                if (lateHopLimit && expired) { IcmpError6(st, ctx, p, 3, 0, 0, quoteCurrent: true); Drop("hop-limit"); return Step.Done; } // debug fault: S05-S06 here
                // PSP (§4.2.8: inserted after R09) S14.1-S14.5
                if (psp && segmentsLeft == 0) p = RemoveSrh(p, r, prevNh);
                // R10. Submit the packet ...  (the caller's S15)
                return Step.Continue;
            } // R11. }
        }
        else // R12. } Else {
        {
            // R13. If((Last Entry > max_LE) or (Segments Left > Last Entry+1)){
            if (check && (lastEntry > maxLe || segmentsLeft > lastEntry + 1))
            {
                // R14. Send an ICMP Parameter Problem ... Pointer set to the Segments Left field ... discard the packet.
                IcmpError6(st, ctx, p, 4, 0, (uint)(r + SrhSegmentsLeft));
                Drop("segments-left");
                return Step.Done;
            } // R15. }
            // R16. Decrement Segments Left by 1.
            p[r + SrhSegmentsLeft] = (byte)--segmentsLeft;
            // R17. Set DA.Arg.Index to (floor(128/LNFL) - 1).
            index = k - 1;
        } // R18. }
        // R19. Decrement IPv6 Hop Limit by 1.
        if (!st.Fault(DebugFault.HopLimitNotDecremented)) p[7]--;
        // R20. Write Segment List[Segments Left][DA.Arg.Index] into the bits [LBL..LBL+LNFL-1] of the Destination Address
        da = WithBits(da, lbl, lnfl, Csid(segmentsLeft, index));
        da = WithBits(da, 128 - x, x, (UInt128)index);
        Wire.A6(p, 24, da);
        if (lateHopLimit && expired) { IcmpError6(st, ctx, p, 3, 0, 0, quoteCurrent: true); Drop("hop-limit"); return Step.Done; } // debug fault: S05-S06 here
        // PSP after R20, R20.1. If (Segments Left == 0 and (DA.Arg.Index == 0 or Segment List[0][DA.Arg.Index-1] == 0)) {
        if (psp && EndOfSequence()) p = RemoveSrh(p, r, prevNh);
        // R21. Submit the packet ...  (the caller's S15)
        return Step.Continue;
    }
}
