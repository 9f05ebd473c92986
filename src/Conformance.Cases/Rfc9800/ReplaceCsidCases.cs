using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9800;

/// <summary>
/// RFC 9800 §4.2 REPLACE-C-SID at the DUT's End SID with a REPLACE-CSID structure (profile
/// <c>parameters.sids.*.csid: { flavor: replace, … }</c>; the reference node's end_rcsid: Locator-Block 2001:db8::/32,
/// 32-bit C-SIDs, so K = 4 positions per packed container and a 2-bit index at the end of the 64-bit Argument). The
/// expected destinations are computed by the codec's <see cref="CsidEndpoint.Replace"/> (S02, R01–R21), the packed
/// containers built by <see cref="CsidCodec.EncodePacked"/>.
/// </summary>
/// <remarks>
/// The C-SIDs of the packed containers are the first 64 bits after the block of destinations the lab routes (N3 and D3
/// via t3, D and N2 via t2), so the port a replaced destination leaves by tells which position was read. The index
/// runs over its whole range (0 … K-1); the Argument bits above the index are zero (the first address of each index),
/// all ones (index K-1 with them: the last address of the SID's prefix) and seeded random (seed 20261203), which R20
/// leaves as they are; the two addresses just outside the SID's prefix must not be processed as the SID.
/// </remarks>
[TestFixture, Category("C-SID")]
public sealed class ReplaceCsidCases : ConformanceCase
{
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;
    /// <summary>The Segments Left field: 40 octets of IPv6 header, then Next Header, Hdr Ext Len, Routing Type.</summary>
    public const uint PointerToSegmentsLeft = 40 + 3;

    /// <summary>Bit fields of a 128-bit address, numbered from the most significant bit as RFC 9800 does.</summary>
    private static class Bits
    {
        public static UInt128 ToUInt128(IPAddress a) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(a.GetAddressBytes());
        public static IPAddress ToAddress(UInt128 v)
        {
            var b = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, v);
            return new IPAddress(b);
        }
        private static UInt128 Ones(int n) => n == 0 ? UInt128.Zero : n == 128 ? UInt128.MaxValue : (UInt128.One << n) - 1;
        /// <summary>Bits [from..from+count-1].</summary>
        public static UInt128 Field(UInt128 v, int from, int count) => count == 0 ? UInt128.Zero : (v >> (128 - from - count)) & Ones(count);
        public static UInt128 With(UInt128 v, int from, int count, UInt128 value)
        {
            if (count == 0) return v;
            var mask = Ones(count) << (128 - from - count);
            return (v & ~mask) | ((value << (128 - from - count)) & mask);
        }
    }

    /// <summary>The profile's first (by name) End SID with a REPLACE-CSID structure.</summary>
    private static SidDefinition ReplaceSid() =>
        Profile.Parameters.Sids.Values.Where(s => s.Behavior == SrBehavior.End && s.Csid is { Flavor: CsidFlavor.ReplaceCsid })
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault()
        ?? throw new TestbedException($"{Profile.SourcePath}: the profile claims End and REPLACE-C-SID but no parameters.sids entry of behavior End has csid: {{ flavor: replace, … }}.");

    /// <summary>A next hop of the packed containers: a routed destination and the tester port its route leaves by.</summary>
    public sealed record Hop(string Name, IPAddress Address, string Port);

    /// <summary>One stimulus and what must come of it (Port null: nothing but a tolerated Destination Unreachable).</summary>
    public sealed record Step(string What, IPAddress Destination, IReadOnlyList<IPAddress> Segments, int SegmentsLeft,
        IPAddress? NewDestination, int NewSegmentsLeft, string? Port, bool ParameterProblem = false, bool PopSrh = false);

    /// <summary>The C-SID of <paramref name="address"/> under <paramref name="c"/>: its bits [LBL..LBL+LNFL-1].</summary>
    internal static ulong CsidOf(IPAddress address, IPAddress sid, CsidStructure c)
    {
        var v = Bits.ToUInt128(address);
        if (Bits.Field(v, 0, c.BlockBits) != Bits.Field(Bits.ToUInt128(sid), 0, c.BlockBits))
            throw new TestbedException($"the case needs {address} inside the Locator-Block of {sid}/{c.BlockBits}, so that its C-SID can stand in a packed container.");
        return (ulong)Bits.Field(v, c.BlockBits, c.CsidBits);
    }

    /// <summary>The SID with index <paramref name="index"/> and the Argument bits above it set to <paramref name="high"/>.</summary>
    internal static IPAddress WithArgument(IPAddress sid, CsidStructure c, UInt128 high, int index)
    {
        var v = Bits.ToUInt128(sid);
        int above = c.ArgumentBits - c.IndexBits;
        v = Bits.With(v, c.BlockBits + c.CsidBits, above, high);
        v = Bits.With(v, 128 - c.IndexBits, c.IndexBits, (UInt128)index);
        return Bits.ToAddress(v);
    }

    /// <summary>The codec's answer for one stimulus (R01–R21, S02), as a <see cref="Step"/> with the port of the next hop.</summary>
    private static Step Expect(string what, IPAddress da, IReadOnlyList<IPAddress> segments, int sl, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress sid)
    {
        var hop = CsidEndpoint.Replace(da, c, segments, sl);
        if (hop.Step == CsidStep.ParameterProblem) return new(what, da, segments, sl, null, sl, "t1", ParameterProblem: true);
        if (hop.Step == CsidStep.Ultimate) return new(what, da, segments, sl, da, sl, "t1");
        var target = hops.FirstOrDefault(h => CsidOf(h.Address, sid, c) == CsidOf(hop.Destination, sid, c) || h.Address.Equals(hop.Destination))
            ?? throw new TestbedException($"the replaced destination {hop.Destination} is none of the lab's routed hops.");
        return new(what, da, segments, sl, hop.Destination, hop.SegmentsLeft, target.Port);
    }

    /// <summary>
    /// TP-CSID-BV-07's steps: SRH (P, S0) with P = the packed container [hops[0] … hops[K-1]] in processing order (the
    /// first at position K-1) and S0 = the SID with Argument 0 (the fully formed first container, non-reduced SRH): the
    /// SID with index 0 at SL=1 (R12–R17: the next container, index K-1), then index K-1 … 1 at SL=0 (R01, R05: the same
    /// container, one position up), each with the Argument bits above the index zero and seeded random, index K-1 also
    /// with them all ones; and the two addresses just outside the SID's prefix.
    /// </summary>
    public static IReadOnlyList<Step> IndexSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, int seed)
    {
        if (hops.Count != c.K) throw new TestbedException($"the case needs {c.K} routed hops, one per position of a packed container.");
        var packed = CsidCodec.EncodePacked(c, [.. hops.Select(h => CsidOf(h.Address, sid, c))]);
        IReadOnlyList<IPAddress> list = [packed, sid];
        var rng = new Random(seed);
        int above = c.ArgumentBits - c.IndexBits;
        UInt128 Random() => new UInt128((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) & ((UInt128.One << above) - 1);
        var steps = new List<Step>();
        for (int index = 0; index < c.K; index++)
        {
            int sl = index == 0 ? 1 : 0;
            var highs = new List<(string Name, UInt128 High)> { ("Argument above the index 0", UInt128.Zero), ("Argument above the index random", Random()) };
            if (index == c.K - 1) highs.Add(("Argument above the index all ones (last address of the prefix)", (UInt128.One << above) - 1));
            foreach (var (name, high) in highs)
            {
                var da = WithArgument(sid, c, high, index);
                steps.Add(Expect($"index {index}, SL={sl}, {name}: {da}", da, list, sl, c, hops, sid));
            }
        }
        var prefix = Bits.ToUInt128(WithArgument(sid, c, 0, 0));
        var step = UInt128.One << c.ArgumentBits;
        foreach (var (name, v) in new[] { ("just below the SID's prefix", prefix - 1), ("just above the SID's prefix", prefix + step) })
        {
            var da = Bits.ToAddress(v);
            steps.Add(new($"{name}: {da}", da, list, 0, null, 0, null));
        }
        return steps;
    }

    /// <summary>
    /// TP-CSID-BV-08's steps: the end of a packed container whose next position holds the C-SID value 0 (R06–R10: the
    /// next Segment List entry, a full SID, becomes the DA), from index K-1 (one C-SID in the container) and from index 1
    /// (the container full but for position 0); and the end of the C-SID sequence at SL=0 (S02: index 0, and a non-zero
    /// index whose next position is 0), where the SID is the final segment and answers the echo request (RFC 8986 S03).
    /// </summary>
    public static IReadOnlyList<Step> EndSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress final)
    {
        ulong C(int i) => CsidOf(hops[i].Address, sid, c);
        var one = CsidCodec.EncodePacked(c, [C(0)]);                                   // position K-1 only
        var allButLast = CsidCodec.EncodePacked(c, [.. Enumerable.Range(0, c.K - 1).Select(C)]); // position 0 empty
        var steps = new List<Step>
        {
            Expect($"index {c.K - 1}, SL=1, next position 0 (one C-SID in the container)", WithArgument(sid, c, 0, c.K - 1), [final, one, sid], 1, c, hops, sid),
            Expect("index 1, SL=1, position 0 empty (the container full but for it)", WithArgument(sid, c, 0, 1), [final, allButLast, sid], 1, c, hops, sid),
            Expect("index 0, SL=0: end of the segment list", WithArgument(sid, c, 0, 0), [sid], 0, c, hops, sid),
            Expect("index 1, SL=0, position 0 empty: end of the segment list", WithArgument(sid, c, 0, 1), [allButLast, sid], 0, c, hops, sid),
        };
        foreach (var s in steps.Take(2))
            if (s.NewDestination is null || !s.NewDestination.Equals(final)) throw new InvalidOperationException($"{s.What}: the codec did not take the next entry ({s.NewDestination}).");
        return steps;
    }

    /// <summary>
    /// TP-CSID-BI-02's steps, on a reduced SRH (D, P) (Last Entry 1, the first container only in the DA): index 0 with
    /// SL = Last Entry + 1 (the last value R13 accepts: processed) and Last Entry + 2 and 255 (R13–R14: Parameter
    /// Problem); index 1 and K-1 with SL = Last Entry (the last value R02 accepts: processed) and Last Entry + 1 and 255
    /// (R02–R03: Parameter Problem).
    /// </summary>
    public static IReadOnlyList<Step> ErrorSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress final)
    {
        var packed = CsidCodec.EncodePacked(c, [.. hops.Select(h => CsidOf(h.Address, sid, c))]);
        IReadOnlyList<IPAddress> list = [final, packed];
        int le = list.Count - 1;
        var steps = new List<Step>();
        foreach (var (index, sls) in new[] { (0, new[] { le + 1, le + 2, 255 }), (1, new[] { le, le + 1, 255 }), (c.K - 1, new[] { le, le + 1, 255 }) })
            foreach (var sl in sls)
                steps.Add(Expect($"index {index}, SL={sl} (Last Entry {le})", WithArgument(sid, c, 0, index), list, sl, c, hops, sid));
        if (steps.Count(s => s.ParameterProblem) != 6) throw new InvalidOperationException("the codec's R02/R13 checks disagree with the case's plan.");
        return steps;
    }

    /// <summary>
    /// TP-CSID-BV-09's steps for a REPLACE-C-SID End SID with PSP (§4.2.8: RFC 8986's S14.1–S14.5 after R09 and after R20,
    /// the latter's first line R20.1): R09 reaching SL=0 (index K-1 at SL=1, the next position 0: Segment List[0] whole)
    /// and R20 reaching SL=0 at the end of the sequence (index 0 at SL=1 into a container with one C-SID; index 2 at SL=0
    /// into a container whose position 0 is empty) remove the SRH; R20 at SL=0 with a C-SID still to come (a full
    /// container) and R20 at SL=1 keep it. The codec gives DA and SL; the SRH's removal is R20.1's test (or S14.1's).
    /// </summary>
    public static IReadOnlyList<Step> PspSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress final)
    {
        ulong C(int i) => CsidOf(hops[i].Address, sid, c);
        var one = CsidCodec.EncodePacked(c, [C(0)]);
        var full = CsidCodec.EncodePacked(c, [.. Enumerable.Range(0, c.K).Select(C)]);
        var allButLast = CsidCodec.EncodePacked(c, [.. Enumerable.Range(0, c.K - 1).Select(C)]);
        var plan = new (string What, IPAddress Da, IReadOnlyList<IPAddress> List, int Sl)[]
        {
            ($"index {c.K - 1}, SL=1, next position 0: R09 to Segment List[0] at SL 0", WithArgument(sid, c, 0, c.K - 1), [final, one, sid], 1),
            ("index 0, SL=1 into a container of one C-SID: R20 at SL 0, the next position 0", WithArgument(sid, c, 0, 0), [one, sid], 1),
            ("index 2, SL=0, position 0 empty: R20 at SL 0, the next position 0", WithArgument(sid, c, 0, 2), [allButLast, sid], 0),
            ("index 0, SL=1 into a full container: R20 at SL 0 with C-SIDs to come", WithArgument(sid, c, 0, 0), [full, sid], 1),
            ($"index {c.K - 1}, SL=1 in a full container: R20 at SL 1", WithArgument(sid, c, 0, c.K - 1), [final, full, sid], 1),
        };
        var steps = new List<Step>();
        foreach (var p in plan)
        {
            var s = Expect(p.What, p.Da, p.List, p.Sl, c, hops, sid);
            bool pop;
            if (s.NewDestination is null || s.Port == "t1") throw new InvalidOperationException($"{p.What}: the codec did not forward ({s.NewDestination}).");
            if (CsidOf(s.NewDestination, sid, c) == CsidOf(final, sid, c) && s.NewDestination.Equals(final)) pop = s.NewSegmentsLeft == 0;  // S14.1 after R09
            else
            {
                int index = (int)Bits.Field(Bits.ToUInt128(s.NewDestination), 128 - c.IndexBits, c.IndexBits);                   // R20.1
                pop = s.NewSegmentsLeft == 0 && (index == 0 || Bits.Field(Bits.ToUInt128(p.List[0]), (index - 1) * c.CsidBits, c.CsidBits) == 0);
            }
            steps.Add(s with { PopSrh = pop });
        }
        if (steps.Select(s => s.PopSrh).SequenceEqual([true, true, true, false, false]) is false)
            throw new InvalidOperationException("the case's plan and R20.1 disagree.");
        return steps;
    }

    /// <summary>Stimuli and expected packets of <paramref name="steps"/>, two probes each (listing in the evidence).</summary>
    /// <remarks>With <paramref name="hopLimit"/> 1 a step that forwards is answered with Time Exceeded code 0 quoting the
    /// packet as received (RFC 8986 §4.1 S05-S06, which RFC 9800 §4.2.1 leaves in place before R01); the others forward with
    /// <paramref name="hopLimit"/> − 1.</remarks>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected, List<string> Listing) Exchange(IReadOnlyList<Step> steps,
        Func<string, PacketBuilder> into, Func<string, PacketBuilder> outOf, IPAddress a, IPAddress dutT1, ushort echoId, Func<int, byte[]> data, byte hopLimit = 64)
    {
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var s in steps)
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                // The checksum is the one the final segment checks where the SID is it (S02); forwarded probes keep it as sent.
                var stimulus = into("t1").Ipv6(a, s.Destination, hopLimit, TrafficClass, FlowLabel).Srh(s.Segments, (byte)s.SegmentsLeft)
                    .WithPseudoHeaderDestination(s.Destination).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build();
                stimuli.Add(stimulus);
                if (s.ParameterProblem)
                {
                    listing.Add($"{i,2} {s.What} → Parameter Problem code 0, pointer {PointerToSegmentsLeft} (Segments Left)");
                    expected.Add(Icmp.Error(outOf("t1"), "t1", stimulus, dutT1, 4, 0, PointerToSegmentsLeft, $"probe {i}: {s.What}: Parameter Problem"));
                }
                else if (s.Port == "t1")
                {
                    listing.Add($"{i,2} {s.What} → echo reply from {s.Destination}");
                    expected.Add(new ExpectedPacket("t1", outOf("t1").Ipv6(s.Destination, a).IcmpEchoReply(echoId, (ushort)i, data(i)).Build(),
                        $"probe {i}: {s.What}: echo reply", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"]));
                }
                else if (s.Port is not null && hopLimit <= 1)
                {
                    listing.Add($"{i,2} {s.What}, hop limit {hopLimit} → Time Exceeded code 0 quoting the packet as received");
                    expected.Add(Icmp.Error(outOf("t1"), "t1", stimulus, dutT1, 3, 0, 0, $"probe {i}: {s.What}: Time Exceeded"));
                }
                else if (s.Port is { } popPort && s.PopSrh)
                {
                    listing.Add($"{i,2} {s.What} → {s.NewDestination} without SRH out of {popPort}");
                    expected.Add(new ExpectedPacket(popPort, outOf(popPort).Ipv6(a, s.NewDestination!, (byte)(hopLimit - 1), TrafficClass, FlowLabel)
                        .WithPseudoHeaderDestination(s.Destination).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: {s.What}: SRH removed", []));
                }
                else if (s.Port is { } port)
                {
                    listing.Add($"{i,2} {s.What} → {s.NewDestination}, SL={s.NewSegmentsLeft} out of {port}");
                    expected.Add(new ExpectedPacket(port, outOf(port).Ipv6(a, s.NewDestination!, (byte)(hopLimit - 1), TrafficClass, FlowLabel).Srh(s.Segments, (byte)s.NewSegmentsLeft)
                        .WithPseudoHeaderDestination(s.Destination).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: {s.What}", []));
                }
                else listing.Add($"{i,2} {s.What} → not processed as the SID");
            }
        return (stimuli, expected, listing);
    }

    /// <summary>The lab's routed hops, in the order the packed containers carry them: N3 (t3), D (t2), D3 (t3), N2 (t2).</summary>
    private static IReadOnlyList<Hop> Hops(CsidStructure c) =>
        new[] { new Hop("N3", Address("N3"), "t3"), new Hop("D", Address("D"), "t2"), new Hop("D3", Address("D3"), "t3"), new Hop("N2", Address("N2"), "t2") }.Take(c.K).ToList();

    private async Task RunAsync(IReadOnlyList<Step> steps, string why, byte hopLimit = 64)
    {
        var (stimuli, expected, listing) = Exchange(steps, Into, OutOf, Address("A"), PortSpec("t1").DutIpv6, EchoId, ProbeData, hopLimit);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        // Addresses outside the SID's prefix are no SID and have no route: a Destination Unreachable back on t1 is fine.
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        // The DUT may choose which of its addresses sources a Parameter Problem or Time Exceeded, but it must be one of its own.
        var foreign = j.Matched.Where(m => m.ReceivedDecoded.Inner is Icmpv6Layer { Type: 3 or 4 } && !DutAddresses.Contains(m.ReceivedDecoded.Ipv6!.Src))
            .Select(m => m.ReceivedDecoded.Ipv6!.Src).Distinct().ToList();
        if (foreign.Count > 0) Fail($"ICMPv6 errors came from {string.Join(", ", foreign)}, which is not an address of the DUT.");
        Verdict(j, why);
    }

    [Test]
    [NegativeControl("CsidReplaceAsNext", Profile = "reference-node.yaml", Why = "end_rcsid programmed with the NEXT-C-SID flavor: the DA's Argument is shifted instead of the index stepping through the packed container")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceIndexStepsAreTheRfcsAndANextShiftFails")]
    [TestPurpose(Id = "TP-CSID-BV-07", Requires = new[] { "End", "REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End writes the C-SID at the index's position of the packed container after the Locator-Block: index 0 moves to the next container (SL decremented, index K-1), a non-zero index moves one position up, for every index",
        Requirements = new[] { "RFC9800-4.2.1-END-R01-R21", "RFC9800-4.2.1-END-INDEX-NOTES", "RFC9800-4.2-REPLACE-CSID-NEXT-SID", "RFC9800-4.2-REPLACE-CSID-INDEX", "RFC9800-4.2-REPLACE-CSID-32" },
        Stimulus = "into t1, 2 × per destination: (A,S')(P,S;SL) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345; S = the REPLACE-C-SID End SID (reference node: 2001:db8:ca:1::, block 2001:db8::/32, 32-bit C-SIDs, K = 4), P = the packed container of the C-SIDs of N3, D, D3, N2 (positions 3, 2, 1, 0); S' = S with index 0 at SL=1, then index 3, 2, 1 at SL=0, each with the Argument bits above the index zero and seeded random (seed 20261203), index 3 also all ones; and the last address before S's /64 and the first after it",
        Expected = "per destination: (A,S'')(P,S;SL') out of the port of the written C-SID's route (t2 for D and N2, t3 for N3 and D3) with hop limit 63, S'' and SL' computed by the codec: index 0 → SL 0, index 3, C-SID of position 3 (R12–R17, R19–R21); index i > 0 → index i-1, C-SID of position i-1 (R01, R05, R19–R21), the other Argument bits kept; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndStepsThroughThePackedContainer()
    {
        var sid = ReplaceSid();
        await RunAsync(IndexSteps(sid.Address, sid.Csid!, Hops(sid.Csid!), HeadendCases.Seed),
            "REPLACE-C-SID End did not write the packed container's C-SID at the (decremented or reset) index into the DA with SL and the hop limit as R01–R21 say, or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("CsidReplaceAsNext", Profile = "reference-node.yaml", Why = "end_rcsid programmed with the NEXT-C-SID flavor: a non-zero index is shifted as an Argument instead of ending the container")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceContainerAndListEndsAreTheRfcsAndANextShiftFails")]
    [TestPurpose(Id = "TP-CSID-BV-08", Requires = new[] { "End", "REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End at the C-SID value 0 takes the next Segment List entry whole, and at the end of the segment list is the final segment",
        Requirements = new[] { "RFC9800-4.2.1-END-R01-R21", "RFC9800-4.2.1-END-S02", "RFC9800-4.2-REPLACE-CSID-SEQUENCE-END", "RFC8986-4.1.1-ULH-S01-S02-ALLOWED" },
        Stimulus = "into t1, 2 × each: (A,S|3)(D,P1,S;SL=1) with P1 holding one C-SID (position 3; position 2 is 0); (A,S|1)(D,P3,S;SL=1) with P3 holding three (position 0 is 0); (A,S)(S;SL=0); (A,S|1)(P3,S;SL=0) — ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345 (S = the REPLACE-C-SID End SID, S|i = S with index i)",
        Expected = "the first two: (A,D)(…;SL=0) out of t2 with hop limit 63 and the SRH otherwise unchanged (R05–R10: the next position is 0, so Segment List[0] becomes the DA); the last two: an echo reply from the destination as sent to A out of t1 (S02: Segments Left 0 and index 0 or the next position 0, so the SID is the final segment); nothing else")]
    public async Task EndAtTheEndOfAContainerOrTheList()
    {
        var sid = ReplaceSid();
        await RunAsync(EndSteps(sid.Address, sid.Csid!, Hops(sid.Csid!), Address("D")),
            "REPLACE-C-SID End did not take the next Segment List entry at the C-SID value 0 (R06–R10), or did not process the packet as the final segment at the end of the list (S02).");
    }

    [Test]
    [NegativeControl("CsidReplaceAsNext", Profile = "reference-node.yaml", Why = "end_rcsid_psp programmed with the NEXT-C-SID flavor: a non-zero index is shifted as an Argument, the SRH kept")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplacePspRemovesTheSrhWhereR20_1SaysAndAKeptSrhFails")]
    [TestPurpose(Id = "TP-CSID-BV-09", Requires = new[] { "End", "PSP", "REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End with PSP removes the SRH when R09 or R20 leaves Segments Left 0 at the end of the C-SID sequence, and keeps it otherwise",
        Requirements = new[] { "RFC9800-4.2.8-REPLACE-CSID-PSP", "RFC8986-4.16.1.2-PSP-S14.1-S14.5", "RFC9800-4.2.1-END-R01-R21" },
        Stimulus = "into t1, 2 × each, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345, S = the REPLACE-C-SID End SID with PSP (reference node: 2001:db8:ca:9::), S|i = S with index i: (A,S|3)(D,P1,S;SL=1), (A,S)(P1,S;SL=1), (A,S|2)(P3,S;SL=0), (A,S)(P4,S;SL=1), (A,S|3)(D,P4,S;SL=1), with P1 the packed container of N3's C-SID alone, P3 of N3, D, D3 (position 0 empty), P4 of N3, D, D3, N2",
        Expected = "(A,D), (A,N3's C-SID|3) and (A,D3's C-SID|1) without SRH out of t2, t3 and t3 (S14.1–S14.4 after R09; after R20 with R20.1 true), payload length less the SRH; (A,N3's C-SID|3)(P4,S;SL=0) out of t3 and (A,D's C-SID|2)(D,P4,S;SL=1) out of t2 with the SRH (R20.1 false); all with hop limit 63, DA and SL as the codec computes; nothing else")]
    public async Task EndWithPspRemovesTheSrhAtTheEndOfTheSequence()
    {
        var sid = Profile.Parameters.Sids.Values.Where(s => s.Behavior == SrBehavior.End && s.Csid is { Flavor: CsidFlavor.ReplaceCsid } && s.Flavors.Contains(SrFlavor.Psp))
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault()
            ?? throw new TestbedException($"{Profile.SourcePath}: the profile claims End, PSP and REPLACE-C-SID but no parameters.sids entry of behavior End has flavors: [PSP] and csid: {{ flavor: replace, … }}.");
        await RunAsync(PspSteps(sid.Address, sid.Csid!, Hops(sid.Csid!), Address("D")),
            "REPLACE-C-SID End with PSP did not remove the SRH exactly where S14.1 (after R09) or R20.1 (after R20) says, or did not write DA and SL as R01–R21 say.");
    }

    [Test]
    [NegativeControl("CsidReplaceAsNext", Profile = "reference-node.yaml", Why = "end_rcsid programmed with the NEXT-C-SID flavor: a non-zero index is shifted and forwarded, no Parameter Problem")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceSegmentsLeftErrorsAreTheRfcsAndForwardingFails")]
    [TestPurpose(Id = "TP-CSID-BI-02", Requires = new[] { "End", "REPLACE-C-SID", "icmp_errors.parameter_problem" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End sends Parameter Problem for Segments Left beyond the list: above Last Entry with a non-zero index, above Last Entry + 1 with index 0",
        Requirements = new[] { "RFC9800-4.2.1-END-R02-R04", "RFC9800-4.2.1-END-R13-R15", "RFC9800-4.2.1-END-R01-R21" },
        Stimulus = "into t1, 2 × each: (A,S|i)(D,P;SL) ICMPv6 echo request on a reduced SRH (Last Entry 1), P the packed container of N3, D, D3, N2: index 0 with SL = 2 (Last Entry + 1), 3, 255; index 1 and index 3 with SL = 1 (Last Entry), 2, 255",
        Expected = "index 0 with SL 3 or 255 and index 1 or 3 with SL 2 or 255: ICMPv6 Parameter Problem code 0, pointer 43 (the Segments Left field) to A out of t1 from a DUT address, quoting the packet; index 0 with SL 2 and index 1 or 3 with SL 1 (the last accepted values): forwarded as the codec computes (R16–R21, R05–R21) out of the written C-SID's port with hop limit 63; nothing else")]
    public async Task EndRejectsSegmentsLeftBeyondTheList()
    {
        var sid = ReplaceSid();
        await RunAsync(ErrorSteps(sid.Address, sid.Csid!, Hops(sid.Csid!), Address("D")),
            "REPLACE-C-SID End did not send Parameter Problem (code 0, pointer to Segments Left) for Segments Left beyond R02's or R13's bound, or did not process the last accepted values.");
    }

    /// <summary>
    /// The lab's routed hops as <see cref="Hops"/>, each with the tester port a SID of <paramref name="behavior"/> sends it
    /// out of: End.X via its adjacency (the port facing the SID's interface, RFC 9800 §4.2.2 R10/R21 "via a member of J"),
    /// End.T by the route of the hop in the SID's table (the profile's reference lab routes, §4.2.3 R10.1/R21.1).
    /// </summary>
    private static IReadOnlyList<Hop> HopsVia(SidDefinition sid)
    {
        var intent = Conformance.Harness.Intent.IntentBuilder.Build(Profile);
        string PortOfInterface(string? dutInterface) =>
            Profile.Testbed.TesterPorts.FirstOrDefault(p => p.DutInterface == dutInterface)?.Name
            ?? throw new TestbedException($"{Profile.SourcePath}: no tester port faces the DUT interface '{dutInterface}' of SID {sid.Name}.");
        string PortOf(IPAddress hop)
        {
            if (sid.Behavior == SrBehavior.EndX) return PortOfInterface(sid.Interface ?? intent.Sid(sid.Name).Interface);
            var route = intent.Routes.Where(r => r.Table == intent.Sid(sid.Name).Table && r.Prefix.Contains(hop)).MaxBy(r => r.Prefix.PrefixLength)
                ?? throw new TestbedException($"{Profile.SourcePath}: the reference lab has no route to {hop} in table {intent.Sid(sid.Name).Table ?? "main"} of SID {sid.Name}.");
            return PortOfInterface(route.Interface);
        }
        return [.. Hops(sid.Csid!).Select(h => h with { Port = PortOf(h.Address) })];
    }

    /// <summary>The profile's first (by name) SID of <paramref name="behavior"/> with a REPLACE-CSID structure.</summary>
    private static SidDefinition ReplaceSid(SrBehavior behavior) =>
        Profile.Parameters.Sids.Values.Where(s => s.Behavior == behavior && s.Csid is { Flavor: CsidFlavor.ReplaceCsid })
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault()
        ?? throw new TestbedException($"{Profile.SourcePath}: the profile claims {behavior.Name()} and REPLACE-C-SID but no parameters.sids entry of behavior {behavior.Name()} has csid: {{ flavor: replace, … }}.");

    /// <summary>TP-CSID-BV-10/11's steps: <see cref="IndexSteps"/> (R16–R21 and R05–R21), then <see cref="EndSteps"/> with N3 as the whole last entry (R06–R10) and the end of the list (S02).</summary>
    public static IReadOnlyList<Step> VariantSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress lastEntry, int seed) =>
        [.. IndexSteps(sid, c, hops, seed), .. EndSteps(sid, c, hops, lastEntry)];

    [Test]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "end_x_rcsid programmed as a REPLACE-C-SID End: the new destination follows the FIB (N3 and D3 via t3), not the adjacency (t2)")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceEndXAndEndTSendWhereR10AndR21SayAndTheFibFails")]
    [TestPurpose(Id = "TP-CSID-BV-10", Requires = new[] { "End.X", "REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End.X steps through the packed container as End does and sends every new destination via its adjacency (R10, R21), not by the destination's route",
        Requirements = new[] { "RFC9800-4.2.2-ENDX-R10-R21", "RFC9800-4.2.1-END-R01-R21", "RFC9800-4.2.1-END-S02", "RFC9800-4.2-REPLACE-CSID-NEXT-SID", "RFC9800-4.2-REPLACE-CSID-INDEX" },
        Stimulus = "into t1, 2 × each, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345, X = the REPLACE-C-SID End.X SID (reference node: end_x_rcsid 2001:db8:ca:12::, 32/32, K = 4, adjacency t2): TP-CSID-BV-07's destinations on X (index 0 at SL=1, index 3, 2, 1 at SL=0; the Argument above the index zero, seeded random, all ones; the last address before X's /64 and the first after it) with P = the packed container of N3, D, D3, N2; then TP-CSID-BV-08's four on X with N3 as the whole last entry: (A,X|3)(N3,P1,X;SL=1), (A,X|1)(N3,P3,X;SL=1), (A,X)(X;SL=0), (A,X|1)(P3,X;SL=0)",
        Expected = "every forwarded packet out of the adjacency's port t2 (N3's and D3's /64s are routed via t3 in the main table) with DA and SL as the codec computes (R01–R21; R09: N3 whole), hop limit 63, all else unchanged; an echo reply from X for the last two (S02); the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndXSendsViaItsAdjacency()
    {
        var sid = ReplaceSid(SrBehavior.EndX);
        var hops = HopsVia(sid);
        Evidence.Parameter("ports", string.Join(", ", hops.Select(h => $"{h.Name} → {h.Port}")));
        await RunAsync(VariantSteps(sid.Address, sid.Csid!, hops, Address("N3"), HeadendCases.Seed),
            "REPLACE-C-SID End.X did not write DA and SL as R01–R21 say, or did not send the packet via a member of J (R10, R21), or did not answer at the end of the list, or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "end_t_rcsid programmed on the main table: N3 and D3 leave by t3 instead of table 100's t2")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceEndXAndEndTSendWhereR10AndR21SayAndTheFibFails")]
    [TestPurpose(Id = "TP-CSID-BV-11", Requires = new[] { "End.T", "REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End.T steps through the packed container as End does and looks every new destination up in its table T (R10.1–R10.2, R21.1–R21.2)",
        Requirements = new[] { "RFC9800-4.2.3-ENDT-R10-R21", "RFC9800-4.2.1-END-R01-R21", "RFC9800-4.2.1-END-S02", "RFC9800-4.2-REPLACE-CSID-NEXT-SID", "RFC9800-4.2-REPLACE-CSID-INDEX", "RFC8986-4.3-END-T-S15.1-S15.2" },
        Stimulus = "as TP-CSID-BV-10 with T = the REPLACE-C-SID End.T SID (reference node: end_t_rcsid 2001:db8:ca:14::, 32/32, table 100, which routes N3's and D3's /64s via t2 where the main table has t3)",
        Expected = "every forwarded packet out of the port of its new destination's route in table 100 (t2 for N3, D, D3 and N2), DA and SL as the codec computes, hop limit 63, all else unchanged; an echo reply from T for the last two (S02); the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndTLooksUpItsTable()
    {
        var sid = ReplaceSid(SrBehavior.EndT);
        var hops = HopsVia(sid);
        Evidence.Parameter("ports", string.Join(", ", hops.Select(h => $"{h.Name} → {h.Port}")));
        await RunAsync(VariantSteps(sid.Address, sid.Csid!, hops, Address("N3"), HeadendCases.Seed),
            "REPLACE-C-SID End.T did not write DA and SL as R01–R21 say, or did not look the new destination up in its table T (R10.1–R10.2, R21.1–R21.2), or processed an address outside its prefix.");
    }

    /// <summary>
    /// TP-CSID-BV-19's and TP-CSID-BV-21's exchange on the REPLACE-C-SID End.DT6 or End.DX6 SID <paramref name="sid"/>, 2 probes each, carrying (A, D3)
    /// ICMPv6 echo requests: the SID with its Argument (the bits after LBL+LNFL) all zeros (the first address of its prefix),
    /// index 1 … K-1 alone, all ones (the last) and two seeded random values, each with an SRH (S|arg; SL=0) and without SRH:
    /// the inner packet out of <paramref name="portInT"/> (End.DT6: its route in table T; End.DX6: the adjacency) with hop
    /// limit 63, every other field as sent (RFC 8986 §4.6, §4.4; RFC 9800 §4.2.7: "The Argument value is ignored"); and the two addresses just outside the SID's prefix (no
    /// expected packet: not processed as the SID).
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected, List<string> Listing) DecapsulationExchange(Func<string, PacketBuilder> into, Func<string, PacketBuilder> outOf,
        IPAddress a, IPAddress d3, IPAddress sid, CsidStructure c, string portInT, int seed, ushort echoId, Func<int, byte[]> data)
    {
        int al = c.ArgumentBits;
        var prefix = Bits.ToUInt128(sid) & ~((UInt128.One << al) - 1);
        var ones = (UInt128.One << al) - 1;
        var rng = new Random(seed);
        UInt128 Random() => new UInt128((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) & ones;
        var arguments = new List<(string What, UInt128 Argument)> { ("Argument 0 (first address of the prefix)", UInt128.Zero) };
        for (int index = 1; index < c.K; index++) arguments.Add(($"index {index}, the rest of the Argument 0", (UInt128)index));
        arguments.Add(("Argument all ones (last address of the prefix)", ones));
        arguments.Add(("Argument random", Random()));
        arguments.Add(("Argument random", Random()));
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        PacketBuilder Inner(int i) => new PacketBuilder().RawIp().Ipv6(a, d3, 64, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i));
        void Add(string what, IPAddress da, bool withSrh, bool processed)
        {
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                var b = into("t1").Ipv6(a, da);
                if (withSrh) b = b.Srh([da], 0);
                stimuli.Add(b.Encapsulate(Inner(i)).Build());
                listing.Add($"{i,2} {(withSrh ? "SRH SL=0" : "no SRH")}: {what}: {da}{(processed ? $" → (A,D3) out of {portInT} (table T)" : " → not processed as the SID")}");
                if (processed)
                    expected.Add(new ExpectedPacket(portInT, outOf(portInT).Ipv6(a, d3, 63, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(),
                        $"probe {i}: {what}", []));
            }
        }
        foreach (var withSrh in new[] { true, false })
        {
            foreach (var (what, arg) in arguments) Add(what, Bits.ToAddress(prefix | arg), withSrh, true);
            Add("just below the SID's prefix", Bits.ToAddress(prefix - 1), withSrh, false);
            Add("just above the SID's prefix", Bits.ToAddress(prefix + (UInt128.One << al)), withSrh, false);
        }
        return (stimuli, expected, listing);
    }

    [Test]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "end_dt6_rcsid programmed with a 64-bit Locator-Block (REPLACE-C-SID 64/32, a /96): the upper 32 bits of its Argument are taken for the SID, so the all-ones and random Arguments are not processed")]
    [NotClaimedByTheReferenceLab("End.DT6+REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceDt6IgnoresTheArgumentAndA128BitSidFails")]
    [TestPurpose(Id = "TP-CSID-BV-19", Requires = new[] { "End.DT6+REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End.DT6 ignores the Argument: for any Argument value it decapsulates and looks the inner packet up in its table as RFC 8986 §4.6 says, with and without SRH",
        Requirements = new[] { "RFC9800-4.2.7-DX-DT-ARGUMENT-IGNORED", "RFC8986-4.6-END-DT6-ULH-S01-S04" },
        Stimulus = "into t1, 2 × each, carrying (A,D3) ICMPv6 echo requests (inner hop limit 64, traffic class 0x2e, flow label 0x12345): (A,S|arg)(S|arg;SL=0) and (A,S|arg) without SRH, S = the REPLACE-C-SID End.DT6 SID (reference node: end_dt6_rcsid 2001:db8:ca:16::, 32/32, a 64-bit Argument, table 100, which routes D3's /64 via t2 where the main table has t3), arg = 0 (the first address of its prefix), index 1, 2, 3 alone, all ones (the last address) and two seeded random values (seed 20261203); and the last address before S's /64 and the first after it",
        Expected = "for each address in S's prefix: the inner packet (A,D3) alone out of t2 with hop limit 63 and every other field as sent; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else (nothing out of t3)")]
    public async Task EndDt6IgnoresTheArgument()
    {
        var sid = ReplaceSid(SrBehavior.EndDT6);
        var intent = Conformance.Harness.Intent.IntentBuilder.Build(Profile);
        var table = intent.Sid(sid.Name).Table;
        var d3 = Address("D3");
        var route = intent.Routes.Where(r => r.Table == table && r.Prefix.Contains(d3)).MaxBy(r => r.Prefix.PrefixLength)
            ?? throw new TestbedException($"{Profile.SourcePath}: the reference lab has no route to {d3} in table {table ?? "main"} of SID {sid.Name}.");
        var port = Profile.Testbed.TesterPorts.FirstOrDefault(p => p.DutInterface == route.Interface)?.Name
            ?? throw new TestbedException($"{Profile.SourcePath}: no tester port faces the DUT interface '{route.Interface}' of D3's route in table {table}.");
        Evidence.Parameter("D3's route", $"table {table ?? "main"}: out of {port}");
        var (stimuli, expected, listing) = DecapsulationExchange(Into, OutOf, Address("A"), d3, sid.Address, sid.Csid!, port, HeadendCases.Seed, EchoId, ProbeData);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "REPLACE-C-SID End.DT6 did not ignore the Argument (RFC 9800 §4.2.7): an address of its prefix was not decapsulated and looked up in table T as RFC 8986 §4.6 says, or an address outside its prefix was processed.");
    }

    [Test]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "end_dx6_rcsid programmed with a 64-bit Locator-Block (REPLACE-C-SID 64/32, a /96): the upper 32 bits of its Argument are taken for the SID, so the all-ones and random Arguments are not processed")]
    [NotClaimedByTheReferenceLab("End.DX6+REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceDx6IgnoresTheArgumentAndA96BitSidFails")]
    [TestPurpose(Id = "TP-CSID-BV-21", Requires = new[] { "End.DX6+REPLACE-C-SID" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End.DX6 ignores the Argument: for any Argument value it decapsulates and sends the inner packet to its adjacency as RFC 8986 §4.4 says, with and without SRH",
        Requirements = new[] { "RFC9800-4.2.7-DX-DT-ARGUMENT-IGNORED", "RFC8986-4.4-END-DX6-ULH-S01-S03" },
        Stimulus = "as TP-CSID-BV-19 with S = the REPLACE-C-SID End.DX6 SID (reference node: end_dx6_rcsid 2001:db8:ca:18::, 32/32, a 64-bit Argument, next hop 2001:db8:0:2::2 behind t2, where the main table routes D3's /64 via t3)",
        Expected = "for each address in S's prefix: the inner packet (A,D3) alone out of the adjacency's port (t2) with hop limit 63 and every other field as sent; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else (nothing out of t3)")]
    public async Task EndDx6IgnoresTheArgument()
    {
        var sid = ReplaceSid(SrBehavior.EndDX6);
        var port = Profile.Testbed.TesterPorts.FirstOrDefault(p => sid.NextHop is { } nh && p.TesterIpv6.Address.Equals(nh))?.Name
            ?? throw new TestbedException($"{Profile.SourcePath}: the next hop {sid.NextHop} of SID {sid.Name} is no tester port's address.");
        Evidence.Parameter("adjacency", $"{sid.NextHop} out of {port}");
        var (stimuli, expected, listing) = DecapsulationExchange(Into, OutOf, Address("A"), Address("D3"), sid.Address, sid.Csid!, port, HeadendCases.Seed, EchoId, ProbeData);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "REPLACE-C-SID End.DX6 did not ignore the Argument (RFC 9800 §4.2.7): an address of its prefix was not decapsulated and sent to its adjacency as RFC 8986 §4.4 says, or an address outside its prefix was processed.");
    }

    /// <summary>
    /// TP-CSID-BI-03's steps, each forwarding at hop limit 64 (sent with hop limit 1 and 2 by the case): index 0 at SL=1
    /// (R16–R21), index 2 at SL=0 (R05, R19–R21), index 3 at SL=1 with the next position 0 (R06–R10); and index 0 at SL=0,
    /// the end of the list (S02 before S05: answered, whatever the hop limit).
    /// </summary>
    public static IReadOnlyList<Step> HopLimitSteps(IPAddress sid, CsidStructure c, IReadOnlyList<Hop> hops, IPAddress final)
    {
        ulong C(int i) => CsidOf(hops[i].Address, sid, c);
        var full = CsidCodec.EncodePacked(c, [.. Enumerable.Range(0, c.K).Select(C)]);
        var one = CsidCodec.EncodePacked(c, [C(0)]);
        return
        [
            Expect("index 0, SL=1 (R16-R21)", WithArgument(sid, c, 0, 0), [full, sid], 1, c, hops, sid),
            Expect("index 2, SL=0 (R05, R19-R21)", WithArgument(sid, c, 0, 2), [full, sid], 0, c, hops, sid),
            Expect($"index {c.K - 1}, SL=1, next position 0 (R06-R10)", WithArgument(sid, c, 0, c.K - 1), [final, one, sid], 1, c, hops, sid),
            Expect("index 0, SL=0: end of the segment list (S02)", WithArgument(sid, c, 0, 0), [sid], 0, c, hops, sid),
        ];
    }

    [Test]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defects time-exceeded-after-srh-update and hop-limit-not-decremented: the Time Exceeded quotes the rewritten packet, hop limit 2 leaves with 2")]
    [NotClaimedByTheReferenceLab("REPLACE-C-SID", "CsidFlavorConformingReceptionTests.ReplaceHopLimitIsDecrementedAndTimeExceededQuotesThePacketAsReceived")]
    [TestPurpose(Id = "TP-CSID-BI-03", Requires = new[] { "End", "REPLACE-C-SID", "icmp_errors.time_exceeded" }, Feature = "C-SID",
        Title = "REPLACE-C-SID End decrements the hop limit by one and, at hop limit 1, sends Time Exceeded quoting the packet as received instead of forwarding; at the end of the list it answers whatever the hop limit",
        Requirements = new[] { "RFC9800-4.2.1-END-MODIFICATIONS", "RFC8986-4.1-END-S05-S07-TIME-EXCEEDED", "RFC9800-4.2.1-END-R01-R21", "RFC9800-4.2.1-END-S02" },
        Stimulus = "into t1, 2 × each, with hop limit 2 and again with hop limit 1, ICMPv6 echo requests, traffic class 0x2e, flow label 0x12345, S = the REPLACE-C-SID End SID (reference node: end_rcsid), P = the packed container of N3, D, D3, N2, P1 = N3's C-SID alone: (A,S)(P,S;SL=1), (A,S|2)(P,S;SL=0), (A,S|3)(D,P1,S;SL=1), (A,S)(S;SL=0)",
        Expected = "hop limit 2: the first three out of the port of their new destination (t3, t3, t2) with hop limit 1, DA and SL as the codec computes (R08/R19 decrement by one); hop limit 1: ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address for each of the first three, quoting the packet as received (DA with its index, SL as sent: S05–S06 come before R01), nothing forwarded; both: an echo reply from S for (A,S)(S;SL=0) (S02 before S05); nothing else")]
    public async Task EndDecrementsTheHopLimitAndSendsTimeExceededAtOne()
    {
        var sid = ReplaceSid();
        var steps = HopLimitSteps(sid.Address, sid.Csid!, Hops(sid.Csid!), Address("D"));
        var (s2, e2, l2) = Exchange(steps, Into, OutOf, Address("A"), PortSpec("t1").DutIpv6, EchoId, ProbeData, hopLimit: 2);
        var (s1, e1, l1) = Exchange(steps, Into, OutOf, Address("A"), PortSpec("t1").DutIpv6, EchoId, i => ProbeData(i + 100), hopLimit: 1);
        Evidence.AttachText("Probe destinations", "hop limit 2:\n" + string.Join('\n', l2) + "\nhop limit 1 (data of probe i+100):\n" + string.Join('\n', l1));
        var j = await ExchangeAsync("t1", [.. s2, .. s1], [.. e2, .. e1], TimeSpan.FromSeconds(1));
        var foreign = j.Matched.Where(m => m.ReceivedDecoded.Inner is Icmpv6Layer { Type: 3 } && !DutAddresses.Contains(m.ReceivedDecoded.Ipv6!.Src))
            .Select(m => m.ReceivedDecoded.Ipv6!.Src).Distinct().ToList();
        if (foreign.Count > 0) Fail($"ICMPv6 errors came from {string.Join(", ", foreign)}, which is not an address of the DUT.");
        Verdict(j, "REPLACE-C-SID End did not decrement the hop limit by one (R08, R19), or at hop limit 1 did not send Time Exceeded quoting the packet as received before any change (S05–S06), or did not answer at the end of the list (S02).");
    }
}
