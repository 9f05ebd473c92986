using System.Net;
using Conformance.Cases.Rfc9800;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Offline proofs of the C-SID purposes no Linux mode passes: TP-CSID-BV-05 (PSP with NEXT-C-SID, DEV-LINUX-061) and the
/// REPLACE-C-SID purposes TP-CSID-BV-07, TP-CSID-BV-08 and TP-CSID-BI-02 (seg6local has no REPLACE-C-SID flavor). With the
/// exchanges the cases build and the same <see cref="Judge"/>: a reception derived here from the stimulus bytes by the
/// RFC's steps (byte arithmetic on the frame, not the codec the cases use) passes, and a wrong one fails.
/// </summary>
public class CsidFlavorConformingReceptionTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut1 = IPAddress.Parse("2001:db8:0:1::1"),
        D = IPAddress.Parse("2001:db8:d::1"), D3 = IPAddress.Parse("2001:db8:d:3::1"),
        N2 = IPAddress.Parse("2001:db8:b:2:e::"), N3 = IPAddress.Parse("2001:db8:b:3:e::"),
        PspSid = IPAddress.Parse("2001:db8:c5::"), ReplaceSid = IPAddress.Parse("2001:db8:ca:1::"), ReplacePspSid = IPAddress.Parse("2001:db8:ca:9::");
    private static readonly CsidStructure F3232Replace = CsidStructure.Replace(32, 32);
    private static readonly ReplaceCsidCases.Hop[] Hops =
        [new("N3", N3, "t3"), new("D", D, "t2"), new("D3", D3, "t3"), new("N2", N2, "t2")];
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";
    private const int Ethernet = 14, Ip = Ethernet, Srh = Ethernet + 40;

    private static PacketBuilder Into(string port) => new PacketBuilder().Ethernet(TesterMac, DutMac);
    private static PacketBuilder OutOf(string port) => new PacketBuilder().Ethernet(DutMac, TesterMac);
    private static byte[] Data(int i) => System.Text.Encoding.ASCII.GetBytes($"srv6conf probe {i:D4} offline".PadRight(40, '.'));

    private static Judgement JudgeReceived(IReadOnlyList<ExpectedPacket> expected, IEnumerable<(string Port, byte[] Frame)> received) =>
        Judge.Exchange(new TrafficResult([], received.Select(r => new Frame(DateTime.UtcNow, r.Frame, r.Port, FrameDirection.Received)).ToList(), [], [], true, TimeSpan.Zero), expected);

    /// <summary>The stimulus as the DUT forwards it: MACs swapped, hop limit less one, then <paramref name="edit"/> on the bytes.</summary>
    private static byte[] Forwarded(byte[] stimulus, Action<byte[]>? edit = null)
    {
        var f = (byte[])stimulus.Clone();
        var dst = stimulus.AsSpan(0, 6).ToArray();
        var src = stimulus.AsSpan(6, 6).ToArray();
        src.CopyTo(f, 0);
        dst.CopyTo(f, 6);
        f[Ip + 7]--;
        edit?.Invoke(f);
        return f;
    }

    private static byte[] Da(byte[] f) => f.AsSpan(Ip + 24, 16).ToArray();
    private static void SetDa(byte[] f, byte[] da) => da.CopyTo(f, Ip + 24);
    private static byte[] Segment(byte[] f, int i) => f.AsSpan(Srh + 8 + 16 * i, 16).ToArray();

    /// <summary>RFC 8986 S14.1–S14.4 on the bytes: the SRH's Next Header into the IPv6 header, Payload Length less the SRH, the SRH removed.</summary>
    private static byte[] PopSrh(byte[] f)
    {
        int len = 8 * (f[Srh + 1] + 1);
        var g = new byte[f.Length - len];
        f.AsSpan(0, Srh).CopyTo(g);
        f.AsSpan(Srh + len).CopyTo(g.AsSpan(Srh));
        g[Ip + 6] = f[Srh];
        int pl = (f[Ip + 4] << 8 | f[Ip + 5]) - len;
        g[Ip + 4] = (byte)(pl >> 8);
        g[Ip + 5] = (byte)pl;
        return g;
    }

    // ------------------------------------------------------------------ TP-CSID-BV-05

    [Test]
    public void PspWithNextCsidPopsOnlyAtTheLastSegment()
    {
        var sid = new SidDefinition { Name = "end_csid_psp", Behavior = SrBehavior.End, Flavors = new HashSet<SrFlavor> { SrFlavor.Psp, SrFlavor.NextCSid }, Address = PspSid, Csid = CsidStructure.F3216 };
        var (stimuli, expected, _) = NextCsidCases.PspExchange(Into, OutOf, A, D, N2, sid, 0x5eed, Data);
        Assert.That(stimuli, Has.Count.EqualTo(16));
        // F3216 on 2001:db8:c5::/48: DA bytes 0-3 the block, 4-5 the C-SID, 6-15 the Argument.
        bool Mine(byte[] s) => Da(s).AsSpan(0, 6).SequenceEqual(PspSid.GetAddressBytes().AsSpan(0, 6));
        bool ArgumentZero(byte[] s) => Da(s).AsSpan(6).IndexOfAnyExcept((byte)0) < 0;
        IEnumerable<(string, byte[])> Receptions(bool popAtTheLastSegment) => stimuli.Where(Mine).Select(s => ("t2", ArgumentZero(s)
            ? Forwarded(s, f =>
            {
                int sl = --f[Srh + 3];                                  // S13-S14: Segments Left - 1, DA = Segment List[SL]
                SetDa(f, Segment(f, sl));
            }) is var g && g[Srh + 3] == 0 && popAtTheLastSegment ? PopSrh(g) : g
            : Forwarded(s, f =>
            {
                var da = Da(f);                                          // N05-N06: the Argument up 16 bits, the last 16 zero
                Array.Copy(da, 6, da, 4, 10);
                da[14] = da[15] = 0;
                SetDa(f, da);
            }))).ToList();
        var conforming = JudgeReceived(expected, Receptions(true));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        Assert.That(JudgeReceived(expected, Receptions(false)).Pass, Is.False, "DEV-LINUX-061: the SRH kept at the last segment");
        Assert.That(JudgeReceived(expected, stimuli.Where(Mine).Select(s => ("t2", PopSrh(Forwarded(s, f => { f[Srh + 3] = 0; SetDa(f, Segment(f, 0)); }))))).Pass, Is.False,
            "no NEXT-C-SID: every packet to Segment List[0] without SRH");
    }

    // ------------------------------------------------------------------ TP-CSID-BV-17, TP-CSID-BV-18 (not claimed by the Linux lab)

    /// <summary>N05–N06 on the bytes for F3216: the Argument (DA bytes 6-15) up 16 bits, the last 16 zero.</summary>
    private static void ShiftF3216(byte[] f)
    {
        var da = Da(f);
        Array.Copy(da, 6, da, 4, 10);
        da[14] = da[15] = 0;
        SetDa(f, da);
    }

    /// <summary>RFC 9800 §4.1.1 on the bytes of a stimulus to a F3216 NEXT-C-SID SID: a non-zero Argument shifted (N05–N07), Argument 0 the next segment (S12–S14).</summary>
    private static byte[] NextCsidForward(byte[] s) => Da(s).AsSpan(6).IndexOfAnyExcept((byte)0) >= 0
        ? Forwarded(s, ShiftF3216)
        : Forwarded(s, f => { int sl = --f[Srh + 3]; SetDa(f, Segment(f, sl)); });

    private static bool InPrefix48(byte[] s, IPAddress sid) => Da(s).AsSpan(0, 6).SequenceEqual(sid.GetAddressBytes().AsSpan(0, 6));

    /// <summary>
    /// TP-CSID-BV-17: the containers (with and without SRH) shifted on the bytes and Argument 0's next segment, all out of t2
    /// (table 100's routes of D3 and N3), pass; the same packets out of t3 (the main table: fault NodeSidsMisprogrammed's
    /// end_t_csid on the main table) fail, and so do the containers not shifted (the flavor dropped) and silence.
    /// </summary>
    [Test]
    public void NextEndTLooksUpTableTAndTheMainTableFails()
    {
        var address = IPAddress.Parse("2001:db8:ce::");
        var sid = new SidDefinition { Name = "end_t_csid", Behavior = SrBehavior.EndT, Flavors = new HashSet<SrFlavor> { SrFlavor.NextCSid }, Address = address, Table = "100", Csid = CsidStructure.F3216 };
        var (stimuli, expected, listing) = NextCsidCases.EndTExchange(Into, OutOf, A, D3, N3, sid, "t2", "t2", 0x5eed, Data);
        Assert.That((stimuli.Count, expected.Count, listing.Count), Is.EqualTo((26, 18, 26)), "6 destinations × with/without SRH × 2, 4 of them in the prefix; Argument 0 × 2");
        var mine = stimuli.Where(s => InPrefix48(s, address)).ToList();
        Assert.That(mine, Has.Count.EqualTo(18));
        var conforming = JudgeReceived(expected, mine.Select(s => ("t2", NextCsidForward(s))));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        Assert.That(JudgeReceived(expected, mine.Select(s => ("t3", NextCsidForward(s)))).Pass, Is.False, "looked up in the main table: out of t3");
        Assert.That(JudgeReceived(expected, mine.Where(s => Da(s).AsSpan(6).IndexOfAnyExcept((byte)0) >= 0).Select(s => ("t2", Forwarded(s)))).Pass, Is.False, "not shifted");
        Assert.That(JudgeReceived(expected, []).Pass, Is.False, "silence");
    }

    /// <summary>
    /// RFC 8986 §4.13 S15–S18 on the bytes: a new IPv6 header (source <paramref name="source"/>, DA = B's only SID
    /// <paramref name="b1"/>, hop limit 64) with an SRH (B1; SL=0, next header 41) in front of the forwarded inner packet.
    /// </summary>
    private static byte[] EncapsulateIn(byte[] forwarded, IPAddress source, IPAddress b1)
    {
        var inner = forwarded.AsSpan(Ethernet).ToArray();
        var f = new byte[Ethernet + 40 + 24 + inner.Length];
        forwarded.AsSpan(0, Ethernet).CopyTo(f);
        f[Ip] = 0x60;
        int pl = 24 + inner.Length;
        f[Ip + 4] = (byte)(pl >> 8);
        f[Ip + 5] = (byte)pl;
        f[Ip + 6] = 43;                 // Routing header
        f[Ip + 7] = 64;
        source.GetAddressBytes().CopyTo(f, Ip + 8);
        b1.GetAddressBytes().CopyTo(f, Ip + 24);
        int r = Ip + 40;
        f[r] = 41;                      // IPv6 inside
        f[r + 1] = 2;                   // Hdr Ext Len: one Segment List entry
        f[r + 2] = 4;                   // Routing Type: SRH
        f[r + 3] = 0;                   // Segments Left
        f[r + 4] = 0;                   // Last Entry
        b1.GetAddressBytes().CopyTo(f, r + 8);
        inner.CopyTo(f, r + 24);
        return f;
    }

    /// <summary>
    /// TP-CSID-BV-18: the inner packet shifted (N05–N06) with hop limit 63 (N07), or advanced to its next segment for
    /// Argument 0, inside a new outer header to B's SID N3 with an SRH (N08.1–N08.5) out of t3, passes; the inner destination
    /// as received (the node's defect b6-next-csid-inner-not-shifted) fails, the inner hop limit kept fails, and the
    /// shifted packet forwarded without encapsulation fails.
    /// </summary>
    [Test]
    public void NextB6ShiftsTheInnerDestinationBeforeEncapsulatingAndAnUnshiftedOneFails()
    {
        var address = IPAddress.Parse("2001:db8:b6::");
        IPAddress dut3 = IPAddress.Parse("2001:db8:0:3::1");
        var sid = new SidDefinition { Name = "end_b6_csid", Behavior = SrBehavior.EndB6Encaps, Flavors = new HashSet<SrFlavor> { SrFlavor.NextCSid }, Address = address, Segments = [N3], Csid = CsidStructure.F3216 };
        var (stimuli, expected, _) = NextCsidCases.B6Exchange(Into, OutOf, A, D, N2, sid, "t3", dut3, 0x5eed, Data);
        Assert.That((stimuli.Count, expected.Count), Is.EqualTo((26, 18)));
        var mine = stimuli.Where(s => InPrefix48(s, address)).ToList();
        var conforming = JudgeReceived(expected, mine.Select(s => ("t3", EncapsulateIn(NextCsidForward(s), dut3, N3))));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        var containers = mine.Where(s => Da(s).AsSpan(6).IndexOfAnyExcept((byte)0) >= 0).ToList();
        Assert.That(containers, Has.Count.EqualTo(16));
        Assert.That(JudgeReceived(expected, containers.Select(s => ("t3", EncapsulateIn(Forwarded(s), dut3, N3)))).Pass, Is.False, "inner destination not shifted");
        Assert.That(JudgeReceived(expected, containers.Select(s => ("t3", EncapsulateIn(Forwarded(s, f => { ShiftF3216(f); f[Ip + 7]++; }), dut3, N3)))).Pass, Is.False, "inner hop limit not decremented");
        Assert.That(JudgeReceived(expected, containers.Select(s => ("t2", NextCsidForward(s)))).Pass, Is.False, "shifted but not encapsulated");
    }

    // ------------------------------------------------------------------ REPLACE-C-SID

    /// <summary>
    /// RFC 9800 §4.2.1 on the bytes, LNFL 32 (K = 4, a 2-bit index in the last octet): the conforming reception of a
    /// stimulus whose DA is in end_rcsid's /64, or null when the step is an error or the end of the list (replies are
    /// taken from the expectation, whose content the other tests of <see cref="Icmp"/> prove).
    /// </summary>
    private static byte[]? ReplaceForward(byte[] s)
    {
        int index = Da(s)[15] & 3, sl = s[Srh + 3], lastEntry = s[Srh + 4];
        byte[] Position(byte[] entry, int p) => entry.AsSpan(4 * p, 4).ToArray();  // bits [p*32..p*32+31]
        if (sl == 0 && (index == 0 || Position(Segment(s, 0), index - 1).All(b => b == 0))) return null; // S02
        if (index != 0)
        {
            if (sl > lastEntry) return null;                                            // R02-R03
            index--;                                                                    // R05
            if (Position(Segment(s, sl), index).All(b => b == 0))                       // R06
                return Forwarded(s, f => { f[Srh + 3]--; SetDa(f, Segment(f, f[Srh + 3])); }); // R07-R09
        }
        else
        {
            if (sl > lastEntry + 1) return null;                                        // R13-R14
            sl--;                                                                       // R16
            index = 3;                                                                  // R17
        }
        return Forwarded(s, f =>
        {
            f[Srh + 3] = (byte)sl;
            var da = Da(f);
            Position(Segment(f, sl), index).CopyTo(da, 4);                              // R20
            da[15] = (byte)(da[15] & ~3 | index);
            SetDa(f, da);
        });
    }

    /// <summary>§4.2.8 on the bytes of a forwarded frame: at SL 0 after R09 (DA = Segment List[0]) or after R20 with R20.1 true, S14.2–S14.4.</summary>
    private static byte[] PspAfterReplace(byte[] f)
    {
        if (f[Srh + 3] != 0) return f;
        if (Da(f).SequenceEqual(Segment(f, 0))) return PopSrh(f);                                         // S14.1 after R09
        int index = Da(f)[15] & 3;                                                                       // R20.1
        return index == 0 || Segment(f, 0).AsSpan(4 * (index - 1), 4).IndexOfAnyExcept((byte)0) < 0 ? PopSrh(f) : f;
    }

    private static void ProveReplace(IReadOnlyList<ReplaceCsidCases.Step> steps, IPAddress? sid = null, bool psp = false, IReadOnlyList<ReplaceCsidCases.Hop>? hops = null)
    {
        sid ??= ReplaceSid;
        hops ??= Hops;
        var (stimuli, expected, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data);
        bool Mine(byte[] s) => Da(s).AsSpan(0, 8).SequenceEqual(sid.GetAddressBytes().AsSpan(0, 8));
        // Which port: the route of the written C-SID (the first 64 bits of the new DA).
        string PortOf(byte[] f) => hops.First(h => h.Address.GetAddressBytes().AsSpan(0, 8).SequenceEqual(Da(f).AsSpan(0, 8))).Port;
        var forwarded = stimuli.Where(Mine).Select(ReplaceForward).Where(f => f is not null).Select(f => (PortOf(f!), psp ? PspAfterReplace(f!) : f!)).ToList();
        var answers = expected.Where(e => e.Port == "t1").Select(e => ("t1", e.Frame)).ToList(); // echo replies and Parameter Problems
        var conforming = JudgeReceived(expected, forwarded.Concat(answers));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        // NEXT-C-SID instead (fault mode CsidReplaceAsNext): the Argument shifted up by 32 bits.
        var next = stimuli.Where(Mine).Where(s => Da(s).AsSpan(8).IndexOfAnyExcept((byte)0) >= 0).Select(s => Forwarded(s, f =>
        {
            var da = Da(f);
            Array.Copy(da, 8, da, 4, 8);
            Array.Clear(da, 12, 4);
            SetDa(f, da);
        })).Select(f => ("t2", f));
        Assert.That(JudgeReceived(expected, next).Pass, Is.False, "NEXT-C-SID shift instead of REPLACE-C-SID");
        Assert.That(JudgeReceived(expected, []).Pass, Is.False, "silence");
    }

    [Test]
    public void ReplaceIndexStepsAreTheRfcsAndANextShiftFails()
    {
        var steps = ReplaceCsidCases.IndexSteps(ReplaceSid, F3232Replace, Hops, 20261203);
        // Read from RFC 9800 §4.2.1 by hand: index 0 at SL=1 writes position 3 of P (the first C-SID, N3's 000b:0003) with index 3.
        Assert.That(steps[0].NewDestination, Is.EqualTo(IPAddress.Parse("2001:db8:b:3::3")));
        Assert.That(steps[0].NewSegmentsLeft, Is.EqualTo(0));
        Assert.That(steps.Where(s => s.What.StartsWith("index 1, SL=0, Argument above the index 0", StringComparison.Ordinal)).Single().NewDestination,
            Is.EqualTo(IPAddress.Parse("2001:db8:b:2::")), "index 1 → position 0 (N2's 000b:0002), index 0");
        ProveReplace(steps);
    }

    [Test]
    public void ReplaceContainerAndListEndsAreTheRfcsAndANextShiftFails()
    {
        var steps = ReplaceCsidCases.EndSteps(ReplaceSid, F3232Replace, Hops, D);
        Assert.That(steps.Select(s => s.Port), Is.EqualTo(new[] { "t2", "t2", "t1", "t1" }));
        ProveReplace(steps);
    }

    [Test]
    public void ReplacePspRemovesTheSrhWhereR20_1SaysAndAKeptSrhFails()
    {
        var steps = ReplaceCsidCases.PspSteps(ReplacePspSid, F3232Replace, Hops, D);
        Assert.That(steps.Select(s => (s.NewDestination, s.Port)), Is.EqualTo(new (IPAddress?, string?)[]
        {
            (D, "t2"), (IPAddress.Parse("2001:db8:b:3::3"), "t3"), (IPAddress.Parse("2001:db8:d:3::1"), "t3"),
            (IPAddress.Parse("2001:db8:b:3::3"), "t3"), (IPAddress.Parse("2001:db8:d::2"), "t2"),
        }), "read from §4.2.1 by hand");
        ProveReplace(steps, ReplacePspSid, psp: true);
        var (stimuli, expected, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data);
        string PortOf(byte[] f) => Hops.First(h => h.Address.GetAddressBytes().AsSpan(0, 8).SequenceEqual(Da(f).AsSpan(0, 8))).Port;
        var kept = stimuli.Select(ReplaceForward).Select(f => (PortOf(f!), f!));
        Assert.That(JudgeReceived(expected, kept).Pass, Is.False, "no PSP: the SRH kept at the end of the sequence");
    }

    [Test]
    public void ReplaceSegmentsLeftErrorsAreTheRfcsAndForwardingFails()
    {
        var steps = ReplaceCsidCases.ErrorSteps(ReplaceSid, F3232Replace, Hops, D);
        Assert.That(steps.Select(s => s.ParameterProblem), Is.EqualTo(new[] { false, true, true, false, true, true, false, true, true }));
        ProveReplace(steps);
        // RFC 8986's S09 alone (no R02): index 1 with SL = Last Entry + 1 would be forwarded, not answered.
        var (stimuli, expected, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data);
        var forwardedOnly = stimuli.Select(ReplaceForward).Where(f => f is not null).Select(f => ("t2", f!));
        Assert.That(JudgeReceived(expected, forwardedOnly).Pass, Is.False, "no Parameter Problem");
    }

    /// <summary>
    /// TP-CSID-BV-10 (End.X, adjacency t2) and TP-CSID-BV-11 (End.T, table 100: every hop via t2): R01–R21 on the bytes with
    /// each new destination out of t2 pass; the same packets where the main FIB sends them (N3 and D3 out of t3) fail.
    /// </summary>
    [Test]
    public void ReplaceEndXAndEndTSendWhereR10AndR21SayAndTheFibFails()
    {
        foreach (var sid in new[] { IPAddress.Parse("2001:db8:ca:12::"), IPAddress.Parse("2001:db8:ca:14::") })
        {
            var viaT2 = Hops.Select(h => h with { Port = "t2" }).ToList();
            var steps = ReplaceCsidCases.VariantSteps(sid, F3232Replace, viaT2, N3, 20261203);
            Assert.That(steps.Where(s => s.Port is not null and not "t1").Select(s => s.Port).Distinct(), Is.EqualTo(new[] { "t2" }), "every forwarded step via t2");
            Assert.That(steps.Count(s => s.NewDestination is { } n && n.Equals(N3)), Is.EqualTo(2), "R09: N3 whole, twice (one C-SID in the container; position 0 empty)");
            ProveReplace(steps, sid, hops: viaT2);
            // The main FIB's choice (End behaviour, or End.T on the main table): N3 and D3 out of t3.
            var (stimuli, expected, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data);
            string FibPort(byte[] f) => Hops.First(h => h.Address.GetAddressBytes().AsSpan(0, 8).SequenceEqual(Da(f).AsSpan(0, 8))).Port;
            bool Mine(byte[] s) => Da(s).AsSpan(0, 8).SequenceEqual(sid.GetAddressBytes().AsSpan(0, 8));
            var byFib = stimuli.Where(Mine).Select(ReplaceForward).Where(f => f is not null).Select(f => (FibPort(f!), f!))
                .Concat(expected.Where(e => e.Port == "t1").Select(e => ("t1", e.Frame)));
            Assert.That(JudgeReceived(expected, byFib).Pass, Is.False, $"{sid}: forwarded by the main FIB instead of via J / table T");
        }
    }

    /// <summary>RFC 8986 §4.6 S01–S04 on the bytes: the outer header (and its SRH) removed, the inner packet forwarded (hop limit less one).</summary>
    private static byte[] Decapsulated(byte[] s)
    {
        int inner = Ip + 40 + (s[Ip + 6] == 43 ? 8 * (s[Srh + 1] + 1) : 0);
        var f = new byte[Ethernet + s.Length - inner];
        s.AsSpan(6, 6).CopyTo(f);                  // the DUT's MAC as the source, the tester's as the destination
        s.AsSpan(0, 6).CopyTo(f.AsSpan(6));
        s.AsSpan(12, 2).CopyTo(f.AsSpan(12));
        s.AsSpan(inner).CopyTo(f.AsSpan(Ethernet));
        f[Ip + 7]--;
        return f;
    }

    /// <summary>
    /// TP-CSID-BV-19: every stimulus to an address of end_dt6_rcsid's /64 (any Argument, with and without SRH) decapsulated
    /// and out of t2 (table 100's route of D3) passes; only the SID's own address (Argument 0) decapsulated (a plain /128
    /// End.DT6) or only the Arguments whose upper 32 bits are zero (a /96: fault NodeSidsMisprogrammed) fails, and so does
    /// the inner packet out of t3 (the main table).
    /// </summary>
    [Test]
    public void ReplaceDt6IgnoresTheArgumentAndA128BitSidFails()
    {
        var sid = IPAddress.Parse("2001:db8:ca:16::");
        var (stimuli, expected, listing) = ReplaceCsidCases.DecapsulationExchange(Into, OutOf, A, D3, sid, F3232Replace, "t2", 20261203, 0x5eed, Data);
        Assert.That((stimuli.Count, expected.Count), Is.EqualTo((2 * 2 * (1 + 3 + 1 + 2 + 2), 2 * 2 * (1 + 3 + 1 + 2))), "with and without SRH, 2 each: Argument 0, index 1-3, all ones, 2 random; 2 outside");
        bool Mine(byte[] s) => Da(s).AsSpan(0, 8).SequenceEqual(sid.GetAddressBytes().AsSpan(0, 8));
        var mine = stimuli.Where(Mine).ToList();
        Assert.That(mine, Has.Count.EqualTo(expected.Count));
        var conforming = JudgeReceived(expected, mine.Select(s => ("t2", Decapsulated(s))));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        Assert.That(JudgeReceived(expected, mine.Where(s => Da(s).SequenceEqual(sid.GetAddressBytes())).Select(s => ("t2", Decapsulated(s)))).Pass, Is.False, "the Argument not ignored: a /128 SID");
        Assert.That(JudgeReceived(expected, mine.Where(s => Da(s).AsSpan(8, 4).IndexOfAnyExcept((byte)0) < 0).Select(s => ("t2", Decapsulated(s)))).Pass, Is.False,
            "the upper half of the Argument not ignored: a /96 SID (fault NodeSidsMisprogrammed)");
        Assert.That(JudgeReceived(expected, mine.Select(s => ("t3", Decapsulated(s)))).Pass, Is.False, "the main table");
    }

    /// <summary>
    /// TP-CSID-BV-21: as TP-CSID-BV-19 for end_dx6_rcsid, the adjacency behind t2: every address of its /64 decapsulated
    /// out of t2 passes; only the Arguments whose upper 32 bits are zero (a /96: fault NodeSidsMisprogrammed) fail, and so
    /// does the inner packet out of t3 (the main table's route of D3, not the adjacency).
    /// </summary>
    [Test]
    public void ReplaceDx6IgnoresTheArgumentAndA96BitSidFails()
    {
        var sid = IPAddress.Parse("2001:db8:ca:18::");
        var (stimuli, expected, _) = ReplaceCsidCases.DecapsulationExchange(Into, OutOf, A, D3, sid, F3232Replace, "t2", 20261203, 0x5eed, Data);
        bool Mine(byte[] s) => Da(s).AsSpan(0, 8).SequenceEqual(sid.GetAddressBytes().AsSpan(0, 8));
        var mine = stimuli.Where(Mine).ToList();
        Assert.That(mine, Has.Count.EqualTo(expected.Count));
        var conforming = JudgeReceived(expected, mine.Select(s => ("t2", Decapsulated(s))));
        Assert.That(conforming.Pass, Is.True, conforming.Explain());
        Assert.That(JudgeReceived(expected, mine.Where(s => Da(s).AsSpan(8, 4).IndexOfAnyExcept((byte)0) < 0).Select(s => ("t2", Decapsulated(s)))).Pass, Is.False, "a /96 SID");
        Assert.That(JudgeReceived(expected, mine.Select(s => ("t3", Decapsulated(s)))).Pass, Is.False, "the main table's route instead of the adjacency");
    }

    /// <summary>
    /// TP-CSID-BI-03: at hop limit 2 the forwarded packets leave with 1 (R08, R19) and pass; left at 2 they fail. At hop limit 1
    /// the Time Exceeded quoting the packet as received passes; one quoting the packet after R20 (as the node's defect
    /// time-exceeded-after-srh-update does) fails, and forwarding it fails.
    /// </summary>
    [Test]
    public void ReplaceHopLimitIsDecrementedAndTimeExceededQuotesThePacketAsReceived()
    {
        var steps = ReplaceCsidCases.HopLimitSteps(ReplaceSid, F3232Replace, Hops, D);
        Assert.That(steps.Select(s => s.Port), Is.EqualTo(new[] { "t3", "t3", "t2", "t1" }), "read from §4.2.1 by hand: N3, D3 (position 1), D whole; the end of the list answered");
        string PortOf(byte[] f) => Hops.First(h => h.Address.GetAddressBytes().AsSpan(0, 8).SequenceEqual(Da(f).AsSpan(0, 8))).Port;
        bool Forwards(byte[] s) => ReplaceForward(s) is not null;

        var (s2, e2, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data, hopLimit: 2);
        Assert.That(e2.Where(e => e.Port != "t1").Select(e => e.Frame[Ip + 7]).Distinct(), Is.EqualTo(new byte[] { 1 }));
        var decremented = s2.Where(Forwards).Select(s => (PortOf(ReplaceForward(s)!), ReplaceForward(s)!)).Concat(e2.Where(e => e.Port == "t1").Select(e => ("t1", e.Frame)));
        Assert.That(JudgeReceived(e2, decremented).Pass, Is.True, JudgeReceived(e2, decremented).Explain());
        var kept = s2.Where(Forwards).Select(s => { var f = ReplaceForward(s)!; f[Ip + 7]++; return (PortOf(f), f); }).Concat(e2.Where(e => e.Port == "t1").Select(e => ("t1", e.Frame)));
        Assert.That(JudgeReceived(e2, kept).Pass, Is.False, "hop limit not decremented");

        var (s1, e1, _) = ReplaceCsidCases.Exchange(steps, Into, OutOf, A, Dut1, 0x5eed, Data, hopLimit: 1);
        Assert.That(e1.Count(e => e.Description.EndsWith("Time Exceeded", StringComparison.Ordinal)), Is.EqualTo(6));
        Assert.That(JudgeReceived(e1, e1.Select(e => (e.Port, e.Frame))).Pass, Is.True, "the expectation itself (content proven by the Icmp tests)");
        var rewritten = s1.Where(Forwards).Select(s => ("t1", Icmp.Error(OutOf("t1"), "t1", ReplaceForward(s)!, Dut1, 3, 0, 0, "").Frame))
            .Concat(e1.Where(e => !e.Description.EndsWith("Time Exceeded", StringComparison.Ordinal)).Select(e => (e.Port, e.Frame)));
        Assert.That(JudgeReceived(e1, rewritten).Pass, Is.False, "Time Exceeded quoting the rewritten packet");
        var forwarded = s1.Where(Forwards).Select(s => (PortOf(ReplaceForward(s)!), ReplaceForward(s)!)).Concat(e1.Where(e => !e.Description.EndsWith("Time Exceeded", StringComparison.Ordinal)).Select(e => (e.Port, e.Frame)));
        Assert.That(JudgeReceived(e1, forwarded).Pass, Is.False, "forwarded at hop limit 1");
    }
}
