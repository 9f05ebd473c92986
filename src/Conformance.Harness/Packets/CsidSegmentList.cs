using System.Net;

namespace Conformance.Harness.Packets;

/// <summary>What an SR segment endpoint did to a packet (<see cref="CsidEndpoint"/>).</summary>
public enum CsidStep
{
    /// <summary>NEXT-CSID N01–N08 (RFC 9800 §4.1.1): the Argument moved up by one C-SID; Segments Left unchanged.</summary>
    Shift,
    /// <summary>RFC 8986 §4.1 S13–S14 (also after a NEXT-CSID Argument of 0): Segments Left decremented, DA = Segment List[Segments Left].</summary>
    NextSegment,
    /// <summary>REPLACE-CSID R05 then R19–R20 (RFC 9800 §4.2.1): the next C-SID of the same packed container.</summary>
    ReplaceIndex,
    /// <summary>REPLACE-CSID R16–R20: Segments Left decremented, position K-1 of the next packed container.</summary>
    ReplaceNextContainer,
    /// <summary>REPLACE-CSID R06–R10: the next position is 0, so Segments Left decremented and DA = Segment List[Segments Left].</summary>
    ReplaceNextSegment,
    /// <summary>The packet is at its ultimate segment (RFC 8986 S02–S03; RFC 9800 §4.2.1 S02): nothing changes.</summary>
    Ultimate,
    /// <summary>The endpoint would send a Parameter Problem (RFC 8986 S09–S10; RFC 9800 R02–R03, R13–R14).</summary>
    ParameterProblem,
}

/// <summary>The destination and Segments Left after one endpoint (a forwarding step also decrements the Hop Limit by 1).</summary>
public sealed record CsidHop(IPAddress Destination, int SegmentsLeft, CsidStep Step)
{
    public override string ToString() => $"{Step}: DA {Rfc5952.Format(Destination)} SL={SegmentsLeft}";
}

/// <summary>
/// The SRH processing of RFC 9800 endpoints, to compute expectations offline. Segment lists are in header order
/// ([0] = last segment); Last Entry is taken as the list's count - 1 (Hdr Ext Len consistent with it).
/// </summary>
public static class CsidEndpoint
{
    /// <summary>
    /// The "next C-SID" operation of a NEXT-CSID endpoint, RFC 9800 §4.1.1:
    /// "N05.   Copy DA.Argument into the bits [LBL..(LBL+AL-1)] of the Destination Address." and
    /// "N06.   Set the bits [(LBL+AL)..127] of the Destination Address to zero.", i.e. the Argument shifted left by C bits.
    /// It applies when N01 holds ("N01. If (DA.Argument != 0) {"); with an Argument of 0 the result equals the block alone.
    /// </summary>
    public static IPAddress NextCsid(IPAddress destination, CsidStructure structure)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(structure);
        if (structure.Flavor != CsidFlavor.NextCsid) throw new ArgumentException($"{structure} is not a NEXT-CSID structure");
        int b = structure.BlockBits, al = structure.ArgumentBits;
        var v = CsidBits.ToUInt128(destination);
        var arg = CsidBits.Field(v, b + structure.CsidBits, al);      // DA.Argument: bits [(LBL+LNFL)..127]
        v = CsidBits.With(v, b, al, arg);                              // N05
        v = CsidBits.With(v, b + al, 128 - b - al, 0);                 // N06
        return CsidBits.ToAddress(v);
    }

    /// <summary>N01's test: DA.Argument, the bits [(LBL+LNFL)..127] (RFC 9800 §4.1.1 notes), is not zero.</summary>
    public static bool HasArgument(IPAddress destination, CsidStructure structure) =>
        CsidBits.Field(CsidBits.ToUInt128(destination), structure.BlockBits + structure.CsidBits, structure.ArgumentBits) != 0;

    /// <summary>An End SID with the NEXT-CSID flavor (RFC 9800 §4.1.1: N01–N09 inserted before S02 of RFC 8986 §4.1).</summary>
    public static CsidHop Next(IPAddress destination, CsidStructure structure, IReadOnlyList<IPAddress> segments, int segmentsLeft)
    {
        if (HasArgument(destination, structure))
            return new(NextCsid(destination, structure), segmentsLeft, CsidStep.Shift);
        return Classic(destination, segments, segmentsLeft);
    }

    /// <summary>An End SID without compression (RFC 8986 §4.1 S02–S15, the Hop Limit left aside).</summary>
    public static CsidHop Classic(IPAddress destination, IReadOnlyList<IPAddress> segments, int segmentsLeft)
    {
        if (segmentsLeft == 0) return new(destination, 0, CsidStep.Ultimate);                    // S02–S03
        if (segmentsLeft > segments.Count) return new(destination, segmentsLeft, CsidStep.ParameterProblem); // S09–S10
        int sl = segmentsLeft - 1;                                                                // S13
        return new(segments[sl], sl, CsidStep.NextSegment);                                       // S14
    }

    /// <summary>An End SID with the REPLACE-CSID flavor (RFC 9800 §4.2.1; the complete rendering is Appendix A.6).</summary>
    public static CsidHop Replace(IPAddress destination, CsidStructure structure, IReadOnlyList<IPAddress> segments, int segmentsLeft)
    {
        ArgumentNullException.ThrowIfNull(structure);
        if (structure.Flavor != CsidFlavor.ReplaceCsid) throw new ArgumentException($"{structure} is not a REPLACE-CSID structure");
        int b = structure.BlockBits, c = structure.CsidBits, x = structure.IndexBits;
        var da = CsidBits.ToUInt128(destination);
        int index = (int)CsidBits.Field(da, 128 - x, x);
        int lastEntry = segments.Count - 1;
        ulong At(int sl, int position) => (ulong)CsidBits.Field(CsidBits.ToUInt128(segments[sl]), position * c, c);

        // S02. If (Segments Left == 0 and (DA.Arg.Index == 0 or Segment List[0][DA.Arg.Index-1] == 0))
        if (segmentsLeft == 0 && (index == 0 || segments.Count == 0 || At(0, index - 1) == 0))
            return new(destination, 0, CsidStep.Ultimate);
        CsidStep step;
        if (index != 0)
        {
            if (lastEntry < 0 || segmentsLeft > lastEntry)                                        // R02–R03
                return new(destination, segmentsLeft, CsidStep.ParameterProblem);
            index--;                                                                              // R05
            if (At(segmentsLeft, index) == 0)                                                     // R06
            {
                segmentsLeft--;                                                                   // R07
                return new(segments[segmentsLeft], segmentsLeft, CsidStep.ReplaceNextSegment);    // R09
            }
            step = CsidStep.ReplaceIndex;
        }
        else
        {
            if (segmentsLeft > lastEntry + 1)                                                     // R13–R14
                return new(destination, segmentsLeft, CsidStep.ParameterProblem);
            segmentsLeft--;                                                                       // R16
            index = structure.K - 1;                                                              // R17
            step = CsidStep.ReplaceNextContainer;
        }
        da = CsidBits.With(da, 128 - x, x, (UInt128)index);
        da = CsidBits.With(da, b, c, At(segmentsLeft, index));                                    // R20
        return new(CsidBits.ToAddress(da), segmentsLeft, step);
    }

    /// <summary>One endpoint: the behavior of the block that contains the destination (none: an RFC 8986 End).</summary>
    public static CsidHop Step(IPAddress destination, IReadOnlyList<IPAddress> segments, int segmentsLeft, CsidTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Find(destination) is not { } block ? Classic(destination, segments, segmentsLeft)
            : block.Structure.Flavor == CsidFlavor.NextCsid ? Next(destination, block.Structure, segments, segmentsLeft)
            : segments.Count == 0 ? new(destination, segmentsLeft, CsidStep.Ultimate)  // §4.2: no SRH, the index is ignored
            : Replace(destination, block.Structure, segments, segmentsLeft);
    }

    /// <summary>
    /// Every endpoint along the path, as RFC 9800 §9.4 describes for finding the ultimate destination ("Repeat until the
    /// application of the SRv6 endpoint behavior would result in the processing of the upper-layer header."); the last hop
    /// is <see cref="CsidStep.Ultimate"/> (or <see cref="CsidStep.ParameterProblem"/>), its destination the ultimate one.
    /// </summary>
    public static IReadOnlyList<CsidHop> Walk(IPAddress destination, IReadOnlyList<IPAddress> segments, int segmentsLeft, CsidTable table,
        int maxHops = 4096)
    {
        var hops = new List<CsidHop>();
        var cur = new CsidHop(destination, segmentsLeft, CsidStep.Shift);
        for (int n = 0; n < maxHops; n++)
        {
            cur = Step(cur.Destination, segments, cur.SegmentsLeft, table);
            hops.Add(cur);
            if (cur.Step is CsidStep.Ultimate or CsidStep.ParameterProblem) return hops;
        }
        throw new InvalidOperationException($"no ultimate segment after {maxHops} endpoints");
    }
}

/// <summary>
/// A compressed SID list as an SR source node pushes it (RFC 9800 §6.2): <see cref="Entries"/> in processing order, the
/// first being the packet's first destination; the SRH segment list in header order is <see cref="SegmentList"/>.
/// </summary>
public sealed class CompressedSegmentList
{
    internal CompressedSegmentList(IReadOnlyList<CsidSid> uncompressed, IReadOnlyList<IPAddress> entries)
    {
        Uncompressed = uncompressed;
        Entries = entries;
        Table = new CsidTable(uncompressed.Where(s => s.Block is not null).Select(s => s.Block!).Distinct());
    }

    public IReadOnlyList<CsidSid> Uncompressed { get; }
    /// <summary>Containers and uncompressed SIDs in processing order.</summary>
    public IReadOnlyList<IPAddress> Entries { get; }
    /// <summary>The blocks of the SIDs (to read, walk or print the list).</summary>
    public CsidTable Table { get; }

    /// <summary>"The DA of the packet is set with the value of the first segment." (RFC 8754 §4.1, quoted in RFC 9800 §6.2).</summary>
    public IPAddress Destination => Entries[0];

    /// <summary>"The Segments Left field is set to n-1" (with or without a reduced SRH).</summary>
    public byte SegmentsLeft => checked((byte)(Entries.Count - 1));

    /// <summary>The SRH Segment List in header order ([0] = the ultimate entry). A reduced SRH leaves out the first entry
    /// ("A reduced SRH does not contain the first segment of the related SR Policy", RFC 8754 §4.1.1).</summary>
    public IReadOnlyList<IPAddress> SegmentList(bool reduced = false) =>
        [.. Entries.Skip(reduced ? 1 : 0).Reverse()];

    public SegmentRoutingHeader Srh(bool reduced = false) =>
        new() { Segments = [.. SegmentList(reduced)], SegmentsLeft = SegmentsLeft };

    /// <summary>What each endpoint makes of the packet (<see cref="CsidEndpoint.Walk"/>).</summary>
    public IReadOnlyList<CsidHop> Hops(bool reduced = false) => CsidEndpoint.Walk(Destination, SegmentList(reduced), SegmentsLeft, Table);

    /// <summary>The ultimate destination, the pseudo-header destination of upper-layer checksums (RFC 9800 §6.5: "that address
    /// will be the Destination Address as it is expected to be received by the ultimate destination").</summary>
    public IPAddress FinalDestination => Hops()[^1].Destination;

    /// <summary>The entries in processing order in C-SID notation ("2001:db8:b1:[0001,0002], &lt;00200002&gt;, 2001:db8:c::d6").</summary>
    public override string ToString()
    {
        var view = Table.Read(null, SegmentList());
        return string.Join(", ", Entries.Select((e, i) => view.Segments[Entries.Count - 1 - i]?.Notation ?? Rfc5952.Format(e)));
    }

    /// <summary>
    /// Compresses a segment list (processing order) with the method RFC 9800 §6.2 gives "for illustrative purposes": every
    /// series of compressible NEXT-CSID flavor SIDs with S01–S16 (including S10–S13: a following SID of the same block
    /// without the flavor whose Locator-Node, Function and Argument fit is copied into the container), every series of
    /// REPLACE-CSID flavor SIDs with S01–S19 (ComCheck: same structure and block, Argument 0); anything else as is.
    /// A SID is compressible when "its structure is known to the SR source node and its Argument value is 0".
    /// Throws when the list breaks §6.4 rule 2 or 3 (a REPLACE-CSID flavor SID that leaves DA.Arg.Index at 0, i.e. alone in
    /// its full container or at position 0, followed by a SID that cannot continue its sequence).
    /// </summary>
    public static CompressedSegmentList Compress(IEnumerable<CsidSid> sids)
    {
        ArgumentNullException.ThrowIfNull(sids);
        var input = sids.ToList();
        if (input.Count == 0) throw new ArgumentException("empty segment list");
        foreach (var s in input)
            if (s.Block is { } b && !b.Contains(s.Address))
                throw new ArgumentException($"SID {Rfc5952.Format(s.Address)} is not in its block {b}");
        var output = new List<IPAddress>();
        int i = 0;
        while (i < input.Count)
        {
            if (Compressible(input[i], CsidFlavor.NextCsid)) i = CompressNext(input, i, output);
            else if (Compressible(input[i], CsidFlavor.ReplaceCsid)) i = CompressReplace(input, i, output);
            else output.Add(input[i++].Address);
        }
        return new CompressedSegmentList(input, output);
    }

    public static CompressedSegmentList Compress(params CsidSid[] sids) => Compress((IEnumerable<CsidSid>)sids);

    private static UInt128 V(CsidSid s) => CsidBits.ToUInt128(s.Address);

    private static bool Compressible(CsidSid s, CsidFlavor flavor) =>
        s is { Block: { } b, HasFlavor: true } && b.Structure.Flavor == flavor &&
        CsidBits.Field(V(s), b.Structure.BlockBits + b.Structure.CsidBits, b.Structure.ArgumentBits) == 0;

    private static bool SameBlock(CsidBlock a, CsidBlock b) =>
        a.Structure.BlockBits == b.Structure.BlockBits && a.Value == b.Value;

    private static int CompressNext(List<CsidSid> input, int i, List<IPAddress> output)
    {
        var block = input[i].Block!;
        var container = V(input[i]);                                           // S01
        int pos = block.Structure.BlockBits + block.Structure.CsidBits;
        int remaining = block.Structure.ArgumentBits;
        for (i++; i < input.Count && Compressible(input[i], CsidFlavor.NextCsid); i++)   // S02
        {
            var s = input[i].Block!.Structure;
            if (SameBlock(input[i].Block!, block) && s.CsidBits <= remaining)              // S03
            {
                container = CsidBits.With(container, pos, s.CsidBits, CsidBits.Field(V(input[i]), s.BlockBits, s.CsidBits)); // S04
                pos += s.CsidBits;
                remaining -= s.CsidBits;
            }
            else
            {
                output.Add(CsidBits.ToAddress(container));                                 // S06
                block = input[i].Block!;                                                   // S07
                container = V(input[i]);
                pos = s.BlockBits + s.CsidBits;
                remaining = s.ArgumentBits;
            }
        }
        if (i < input.Count && input[i] is { Block: { } lb, HasFlavor: false } last && SameBlock(lb, block))  // S10–S12
        {
            int lnfa = lb.Structure.CsidBits + last.ArgumentBits;
            bool fits = lnfa <= remaining && CsidBits.Field(V(last), lb.Structure.BlockBits + lnfa, 128 - lb.Structure.BlockBits - lnfa) == 0;
            if (fits)
            {
                container = CsidBits.With(container, pos, lnfa, CsidBits.Field(V(last), lb.Structure.BlockBits, lnfa));  // S13
                i++;
            }
        }
        output.Add(CsidBits.ToAddress(container));                                         // S16
        return i;
    }

    private static int CompressReplace(List<CsidSid> input, int i, List<IPAddress> output)
    {
        var first = input[i];
        var s = first.Block!.Structure;
        output.Add(first.Address);                                                         // S01–S02
        var packed = new List<ulong>();                                                    // S03
        var lastInSequence = first;
        bool lastLeavesIndexZero = true;
        for (i++; i < input.Count; i++)                                                    // S04–S05
        {
            var cur = input[i];
            bool comCheck = cur.Block is { } cb && cb.Structure == s && SameBlock(cb, first.Block!) &&
                            CsidBits.Field(V(cur), s.BlockBits + s.CsidBits, s.ArgumentBits) == 0;
            if (!comCheck) break;                                                          // S06, S15–S16
            if (packed.Count == s.K)                                                       // S07, S09
            {
                output.Add(CsidCodec.EncodePacked(s, packed));                             // S10
                packed = [];                                                               // S11
            }
            packed.Add((ulong)CsidBits.Field(V(cur), s.BlockBits, s.CsidBits));            // S08, S12
            lastInSequence = cur;
            lastLeavesIndexZero = packed.Count == s.K;
            if (!cur.HasFlavor) { i++; break; }                                            // S14
        }
        if (packed.Count > 0) output.Add(CsidCodec.EncodePacked(s, packed));               // S19
        if (i < input.Count && lastInSequence.HasFlavor && lastLeavesIndexZero)
            throw new ArgumentException(
                $"REPLACE-CSID flavor SID {Rfc5952.Format(lastInSequence.Address)} ends its C-SID sequence at DA.Arg.Index 0 but is not the last segment: " +
                $"the next segment {Rfc5952.Format(input[i].Address)} cannot continue the sequence (RFC 9800 §6.4 rules 2 and 3); end the sequence with a SID without the flavor");
        return i;
    }
}
