using System.Buffers.Binary;
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
/// RFC 9800 §4.1 NEXT-C-SID at the DUT's End, End.X, End.T and End.B6.Encaps SIDs with a C-SID structure (profile
/// <c>parameters.sids.*.csid</c>; the reference lab's are F3216: Locator-Block 2001:db8::/32, 16-bit C-SIDs). The
/// containers are built with the slice-1 codec and the expected destinations computed by <see cref="CsidEndpoint"/>
/// (N05–N06), never taken from a capture of the tester's own sending side.
/// </summary>
/// <remarks>
/// A container S:[c, next C-SIDs…] sent to a C-SID SID S carries, after S's C-SID, the first 64 bits of a routed
/// destination (D, or D3 for End.X and End.T) minus the block, then a tail: the shifted destination lands in that /64 (the lab's
/// routes are /64s). The tail runs over the Argument's range: all zeros (the first such address of S's prefix), all
/// ones (the last), and seeded random values (seed 20261203); the two addresses just outside S's prefix (the last of
/// the C-SID before, the first of the C-SID after) must not be processed as S.
/// </remarks>
[TestFixture, Category("C-SID")]
public sealed class NextCsidCases : ConformanceCase
{
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>The profile's first (by name) SID of <paramref name="behavior"/> with a NEXT-C-SID structure.</summary>
    private static SidDefinition CsidSid(SrBehavior behavior) =>
        Profile.Parameters.Sids.Values.Where(s => s.Behavior == behavior && s.Csid is { Flavor: CsidFlavor.NextCsid })
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault()
        ?? throw new TestbedException($"{Profile.SourcePath}: the profile claims {behavior.Name()} and NEXT-C-SID but no parameters.sids entry of behavior {behavior.Name()} has csid: {{ flavor: next, … }}.");

    private static UInt128 U(IPAddress a) => BinaryPrimitives.ReadUInt128BigEndian(a.GetAddressBytes());

    private static IPAddress A(UInt128 v)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, v);
        return new IPAddress(b);
    }

    /// <summary>Bits [from, from+length) of a 128-bit value set, the others 0.</summary>
    private static UInt128 Mask(int from, int length) => length <= 0 ? UInt128.Zero : (UInt128.MaxValue >> (128 - length)) << (128 - from - length);

    /// <summary>One probe destination and what the DUT must make of it (null: not S's, must not be processed as S).</summary>
    internal sealed record Probe(string What, IPAddress Destination, IPAddress? Shifted);

    /// <summary>
    /// The probe destinations of a C-SID SID S towards <paramref name="target"/>: containers
    /// S | target[LBL..64) | tail for the tails 0, all ones and two seeded random ones, and the two addresses just outside
    /// S's prefix. The target's first LBL bits must be S's block, and S's prefix must leave room for target[LBL..64).
    /// </summary>
    internal static IReadOnlyList<Probe> Probes(SidDefinition sid, IPAddress target)
    {
        var c = sid.Csid!;
        int b = c.BlockBits, p = c.BlockBits + c.CsidBits;
        var s = U(sid.Address);
        if ((U(target) & Mask(0, b)) != (s & Mask(0, b)))
            throw new TestbedException($"the case needs {target} inside the Locator-Block {A(s & Mask(0, b))}/{b} of SID {sid.Name}, so that its C-SIDs can follow {sid.Name}'s in a container.");
        int carried = 64 - b;                 // target bits [LBL..64) follow S's C-SID
        int tailBits = 128 - p - carried;
        if (carried < 0 || tailBits < 0)
            throw new TestbedException($"SID {sid.Name} ({c}) leaves no room in a container for the first 64 bits of {target}.");
        // target bits [LBL, 64) moved to [p, p+carried): shifted left by LBL, then right by p.
        var head = (s & Mask(0, p)) | ((U(target) & Mask(b, carried)) << b >> p);
        var rng = new Random(Rfc8986.HeadendCases.Seed);
        UInt128 Random() => new UInt128((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) & Mask(128 - tailBits, tailBits);
        var tails = new (string What, UInt128 Tail)[]
        {
            ("Argument tail all zeros (first)", UInt128.Zero),
            ("Argument tail all ones (last)", Mask(128 - tailBits, tailBits)),
            ("Argument tail random", Random()),
            ("Argument tail random", Random()),
        };
        var list = tails.Select(t =>
        {
            var da = A(head | t.Tail);
            return new Probe($"{t.What}: {da}", da, CsidEndpoint.NextCsid(da, c));
        }).ToList();
        var prefix = s & Mask(0, p);
        var step = UInt128.One << (128 - p);
        list.Add(new Probe($"just below {sid.Name}'s prefix: {A(prefix - 1)}", A(prefix - 1), null));
        list.Add(new Probe($"just above {sid.Name}'s prefix: {A(prefix + step | (head & ~Mask(0, p)))}", A(prefix + step | (head & ~Mask(0, p))), null));
        return list;
    }

    /// <summary>The tester port facing the DUT interface <paramref name="dutInterface"/>.</summary>
    private static string PortOf(string? dutInterface) =>
        Profile.Testbed.TesterPorts.FirstOrDefault(p => p.DutInterface == dutInterface)?.Name
        ?? throw new TestbedException($"{Profile.SourcePath}: no tester port faces the DUT interface '{dutInterface}' of the End.X SID.");

    /// <summary>
    /// Sends two packets per probe destination (<paramref name="build"/> makes the stimulus, <paramref name="expect"/> the
    /// packet out of <paramref name="port"/>); destinations just outside the prefix must not leave anywhere (an ICMPv6
    /// Destination Unreachable back to A on t1 is tolerated).
    /// </summary>
    private static async Task ShiftExchangeAsync(IReadOnlyList<Probe> probes, string port, Func<Probe, int, byte[]> build, Func<Probe, int, byte[]> expect, string why)
    {
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var probe in probes)
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                stimuli.Add(build(probe, i));
                listing.Add($"{i,2} {probe.What}{(probe.Shifted is { } sh ? $" → {sh} out of {port}" : " → not processed as the SID")}");
                if (probe.Shifted is not null)
                    expected.Add(new ExpectedPacket(port, expect(probe, i), $"probe {i}: {probe.What}", []));
            }
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        // The addresses just outside the prefix are no SID and have no route: a Destination Unreachable back on t1 is fine.
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, why);
    }

    [Test]
    [NegativeControl("CsidEndWithoutFlavor", Why = "the C-SID End SID is programmed as a plain End on its /48: with SL=1 it copies Segment List[0] (D) instead of shifting the Argument")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID SIDs have a 16-bit block: the SID's own C-SID is taken for the Argument, the wrong C-SID is shifted in")]
    [TestPurpose(Id = "TP-CSID-BV-01", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End with a non-zero Argument moves the next C-SID into place after the Locator-Block, leaves Segments Left and the SRH untouched and decrements the hop limit, for any Argument",
        Requirements = new[] { "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1.1-END-SL-UNCHANGED", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT", "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC9800-4.1-NEXT-CSID-F3216" },
        Stimulus = "into t1, 2 × per destination C: (A,C)(D,C;SL=1) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, checksum for the ultimate destination D; C = S:[s, the C-SIDs of D's /64, tail] for the End C-SID SID S (reference lab F3216: 2001:db8:c1:d:0:tail) with the tail all zeros, all ones and two seeded random values (seed 20261203); and C = the last address before S's prefix and the first after it (listed in the evidence)",
        Expected = "for each container: (A,C')(D,C;SL=1) out of t2 with hop limit 63, C' = C with the Argument copied to the bits after the Locator-Block and the last C-SID bits zero (RFC 9800 N05–N06, computed by the codec), the SRH (Segments Left, Segment List with C) and every other field unchanged; the two outside addresses not forwarded out of any port (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndShiftsTheArgument()
    {
        IPAddress a = Address("A"), d = Address("D");
        var sid = CsidSid(SrBehavior.End);
        await ShiftExchangeAsync(Probes(sid, d), "t2",
            (p, i) => Into("t1").Ipv6(a, p.Destination, 64, TrafficClass, FlowLabel).Srh([d, p.Destination], 1).WithPseudoHeaderDestination(d)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            (p, i) => OutOf("t2").Ipv6(a, p.Shifted!, 63, TrafficClass, FlowLabel).Srh([d, p.Destination], 1).WithPseudoHeaderDestination(d)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            "NEXT-C-SID End did not shift the Argument (N05–N06) with Segments Left, the SRH and all else intact and the hop limit decremented (N07), or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("CsidBlockLengthWrong", Why = "the C-SID SIDs are programmed with a 16-bit Locator-Block (lblen 16): the DUT sees the SID's own C-SID as a non-zero Argument and shifts it instead of taking the next segment from the SRH")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID SIDs have a 16-bit block: the SID's own C-SID is taken for an Argument and shifted")]
    [TestPurpose(Id = "TP-CSID-BV-02", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End at the end of its container (Argument 0) takes the next SID from the SRH: Segments Left decremented",
        Requirements = new[] { "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC9800-4.1.1-END-N01-N09", "RFC8986-4.1-END-S12-S15" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, into t1 (S = the End C-SID SID with Argument 0: the last C-SID of its container; reference lab 2001:db8:c1::)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) out of t2 with hop limit 63; every other field unchanged; nothing else on any port")]
    public async Task EndAtTheEndOfItsContainerTakesTheNextSegment()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = CsidSid(SrBehavior.End).Address;
        const int probes = 10;
        var stimuli = Enumerable.Range(0, probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the next segment", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "NEXT-C-SID End with Argument 0 did not copy Segment List[SL-1] into the DA with SL and hop limit decremented and all else intact.");
    }

    [Test]
    [NegativeControl("CsidEndWithoutFlavor", Why = "the C-SID End SID is programmed as a plain End: without an SRH it drops the packet")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID SIDs have a 16-bit block: the wrong C-SID is shifted in")]
    [TestPurpose(Id = "TP-CSID-BV-03", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End shifts a single container carried without SRH",
        Requirements = new[] { "RFC9800-4.1.1-END-WITHOUT-SRH", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT" },
        Stimulus = "into t1, 2 × per destination C: (A,C) ICMPv6 echo request without SRH, hop limit 64, traffic class 0x2e, flow label 0x12345, checksum for the ultimate destination C' (RFC 9800 §6.5); C as in TP-CSID-BV-01 (tails all zeros, all ones, two seeded random; the last address before S's prefix and the first after it)",
        Expected = "for each container: (A,C') without SRH out of t2 with hop limit 63 and every other field unchanged (C' computed by the codec, N05–N06); the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndShiftsAContainerWithoutSrh()
    {
        IPAddress a = Address("A"), d = Address("D");
        var sid = CsidSid(SrBehavior.End);
        await ShiftExchangeAsync(Probes(sid, d), "t2",
            (p, i) => Into("t1").Ipv6(a, p.Destination, 64, TrafficClass, FlowLabel).WithPseudoHeaderDestination(p.Shifted ?? p.Destination)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            (p, i) => OutOf("t2").Ipv6(a, p.Shifted!, 63, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            "NEXT-C-SID End did not shift a container carried without SRH (RFC 9800 §4.1.1: the pseudocode runs before the upper-layer header), or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("CsidEndXAsEnd", Why = "the C-SID End.X SID is programmed as End: the shifted destination follows its own route (D3: out of t3) instead of the adjacency")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID End.X is programmed as End: the shifted destination follows the FIB, not the adjacency")]
    [TestPurpose(Id = "TP-CSID-BV-04", Requires = new[] { "End.X", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End.X forwards the shifted packet via its adjacency, not by the route of the new destination",
        Requirements = new[] { "RFC9800-4.1.2-ENDX-N08", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT" },
        Stimulus = "into t1, 2 × per destination C: (A,C)(D3,C;SL=1) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345; C = X:[x, the C-SIDs of D3's /64, tail] for the End.X C-SID SID X (reference lab F3216: 2001:db8:c3:d:3:tail; D3's /64 is routed via t3 in the main table, the adjacency is t2) with the tails of TP-CSID-BV-01, and the last address before X's prefix and the first after it",
        Expected = "for each container: (A,C')(D3,C;SL=1) out of the adjacency's port (reference lab: t2) with hop limit 63, C' computed by the codec (N05–N06), all else unchanged; nothing out of t3; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated)")]
    public async Task EndXForwardsViaItsAdjacency()
    {
        IPAddress a = Address("A"), d3 = Address("D3");
        var sid = CsidSid(SrBehavior.EndX);
        var port = PortOf(sid.Interface ?? Conformance.Harness.Intent.IntentBuilder.Build(Profile).Sid(sid.Name).Interface);
        Evidence.Parameter("adjacency port", port);
        await ShiftExchangeAsync(Probes(sid, d3), port,
            (p, i) => Into("t1").Ipv6(a, p.Destination, 64, TrafficClass, FlowLabel).Srh([d3, p.Destination], 1).WithPseudoHeaderDestination(d3)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            (p, i) => OutOf(port).Ipv6(a, p.Shifted!, 63, TrafficClass, FlowLabel).Srh([d3, p.Destination], 1).WithPseudoHeaderDestination(d3)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            "NEXT-C-SID End.X did not send the shifted packet via a member of J (its adjacency), or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "CsidConformingReplyTests",
        Why = "no known Linux mode passes (DEV-LINUX-060: the kernel quotes the packet after the shift); the judgement of a conforming reply is shown offline in CsidConformingReplyTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect time-exceeded-after-srh-update: the Time Exceeded quotes the shifted packet")]
    [TestPurpose(Id = "TP-CSID-BI-01", Requires = new[] { "End", "NEXT-C-SID", "icmp_errors.time_exceeded" }, Feature = "C-SID",
        Title = "NEXT-C-SID End with a non-zero Argument and hop limit 1 sends Time Exceeded quoting the packet as received, and does not forward",
        Requirements = new[] { "RFC9800-4.1.1-END-N01-N09" },
        Stimulus = "10 × (A,C)(D,C;SL=1) ICMPv6 echo request with hop limit 1 into t1, C = the End C-SID SID's container of TP-CSID-BV-01 with a seeded random Argument tail (reference lab 2001:db8:c1:d:0:…)",
        Expected = "10 × ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address, quoting the packet as received (hop limit 1, DA = C with its Argument, SL=1: N02–N03 come before N05–N07); nothing out of t2 or t3")]
    public async Task EndWithHopLimitOneSendsTimeExceeded()
    {
        IPAddress a = Address("A"), d = Address("D");
        var probe = Probes(CsidSid(SrBehavior.End), d)[2];
        Evidence.Parameter("container", probe.Destination.ToString());
        const int probes = 10;
        var stimuli = Enumerable.Range(0, probes).Select(i =>
            Into("t1").Ipv6(a, probe.Destination, 1).Srh([d, probe.Destination], 1).WithPseudoHeaderDestination(d)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 3, 0, 0, $"Time Exceeded for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "NEXT-C-SID End with hop limit 1 did not answer Time Exceeded (code 0) quoting the packet as received (N02–N03 before the shift), or forwarded it.");
    }

    /// <summary>The profile's first (by name) NEXT-C-SID End SID that also has the PSP flavor.</summary>
    private static SidDefinition CsidPspSid() =>
        Profile.Parameters.Sids.Values.Where(s => s.Behavior == SrBehavior.End && s.Csid is { Flavor: CsidFlavor.NextCsid } && s.Flavors.Contains(SrFlavor.Psp))
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault()
        ?? throw new TestbedException($"{Profile.SourcePath}: the profile claims End, PSP and NEXT-C-SID but no parameters.sids entry of behavior End has flavors: [PSP] and csid: {{ flavor: next, … }}.");

    [Test]
    [NegativeControl("CsidNextVariantsWrong", NoLinuxModePasses = true, OfflineProof = "CsidFlavorConformingReceptionTests.PspWithNextCsidPopsOnlyAtTheLastSegment",
        Why = "no known Linux mode passes (DEV-LINUX-061: seg6local keeps the SRH when a next-csid SID with psp takes the last segment); the judgement of a conforming reception is shown offline")]
    [NegativeControl("CsidNextVariantsWrong", Profile = "reference-node.yaml", Why = "end_csid_psp programmed without PSP: Argument 0 at the last segment keeps the SRH")]
    [TestPurpose(Id = "TP-CSID-BV-05", Requires = new[] { "End", "PSP", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End with PSP removes the SRH when Argument 0 takes the last segment, and keeps it while shifting a non-zero Argument or taking an earlier segment",
        Requirements = new[] { "RFC9800-4.1.7-NEXT-CSID-PSP", "RFC8986-4.16.1.2-PSP-S14.1-S14.5", "RFC8986-4.16.1.2-PSP-PENULTIMATE-ONLY", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-NEXT-SID" },
        Stimulus = "into t1, 2 × each, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345, S = the NEXT-C-SID End SID with PSP (reference lab F3216: 2001:db8:c5::): (A,S)(D,S;SL=1) and (A,S)(D,N2,S;SL=2) (Argument 0); (A,C)(D,C;SL=1) for the containers C of TP-CSID-BV-01 built on S (tails all zeros, all ones, two seeded random), and C = the last address before S's prefix and the first after it",
        Expected = "(A,D) without SRH out of t2 (S14.1–S14.4: next header 58, payload length less the SRH); (A,N2)(D,N2,S;SL=1) with the SRH kept; for each container (A,C')(D,C;SL=1) with the SRH kept (N01–N09 forward before S14); all with hop limit 63 and every other field unchanged; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndWithPspPopsOnlyAtTheLastSegment()
    {
        var (stimuli, expected, listing) = PspExchange(Into, OutOf, Address("A"), Address("D"), Address("N2"), CsidPspSid(), EchoId, ProbeData);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "NEXT-C-SID End with PSP did not remove the SRH exactly when Argument 0 took the last segment (S14.1–S14.4), or removed it while shifting the Argument (N01–N09) or at SL=2, or processed an address outside its prefix.");
    }

    /// <summary>
    /// TP-CSID-BV-05's exchange, 2 probes each: Argument 0 at SL=1 (SRH popped) and SL=2 (SRH kept), then the containers
    /// of <see cref="Probes"/> on <paramref name="sid"/> at SL=1 (shifted, SRH kept) and the two addresses just outside its prefix.
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected, List<string> Listing) PspExchange(Func<string, PacketBuilder> into, Func<string, PacketBuilder> outOf,
        IPAddress a, IPAddress d, IPAddress n2, SidDefinition sid, ushort echoId, Func<int, byte[]> data)
    {
        var s = sid.Address;
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        for (int k = 0; k < 2; k++)
        {
            int i = stimuli.Count;
            stimuli.Add(into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build());
            expected.Add(new ExpectedPacket("t2", outOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: SRH popped", []));
            listing.Add($"{i,2} Argument 0, SL=1: {s} → {d} without SRH out of t2");
            i = stimuli.Count;
            stimuli.Add(into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build());
            expected.Add(new ExpectedPacket("t2", outOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1).IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: SRH kept at SL=1", []));
            listing.Add($"{i,2} Argument 0, SL=2: {s} → {n2}, SL=1 out of t2");
        }
        foreach (var probe in Probes(sid, d))
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                stimuli.Add(into("t1").Ipv6(a, probe.Destination, 64, TrafficClass, FlowLabel).Srh([d, probe.Destination], 1).WithPseudoHeaderDestination(d)
                    .IcmpEchoRequest(echoId, (ushort)i, data(i)).Build());
                listing.Add($"{i,2} {probe.What}{(probe.Shifted is { } sh ? $" → {sh}, SL=1, SRH kept out of t2" : " → not processed as the SID")}");
                if (probe.Shifted is not null)
                    expected.Add(new ExpectedPacket("t2", outOf("t2").Ipv6(a, probe.Shifted, 63, TrafficClass, FlowLabel).Srh([d, probe.Destination], 1).WithPseudoHeaderDestination(d)
                        .IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: {probe.What}", []));
            }
        return (stimuli, expected, listing);
    }

    [Test]
    [NegativeControl("CsidNextVariantsWrong", Why = "end_csid_f3232 programmed F3216 (nflen 16): the container is shifted by 16 bits instead of 32, to an unrouted destination")]
    [NegativeControl("CsidNextVariantsWrong", Profile = "reference-node.yaml", Why = "end_csid_f3232 programmed F3216: the container is shifted by 16 bits instead of 32, to an unrouted destination")]
    [TestPurpose(Id = "TP-CSID-BV-06", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End with another Locator-Block/C-SID length pair than F3216 (reference lab: 32-bit C-SIDs) shifts the Argument by exactly its C-SID length, for any Argument",
        Requirements = new[] { "RFC9800-4.1-NEXT-CSID-OTHER-LENGTHS", "RFC9800-4.1-NEXT-CSID-AL", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT" },
        Stimulus = "into t1, 2 × per destination C: (A,C)(D,C;SL=1) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345; C = S:[s, the C-SIDs of D's /64, tail] for the first NEXT-C-SID End SID S whose lengths are not 32/16 (reference lab end_csid_f3232, F3232: 2001:db8:c7:1:d:0:tail, a 32-bit tail), tails all zeros, all ones and two seeded random (seed 20261203); and the last address before S's prefix and the first after it",
        Expected = "for each container: (A,C')(D,C;SL=1) out of t2 with hop limit 63, C' = C with the Argument (AL = 128-LBL-LNFL = 64 bits) copied to the bits after the Locator-Block and the last LNFL bits zero (computed by the codec), the SRH and every other field unchanged; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndShiftsByItsOwnCsidLength()
    {
        IPAddress a = Address("A"), d = Address("D");
        var sid = Profile.Parameters.Sids.Values.Where(s => s.Behavior == SrBehavior.End && s.Csid is { Flavor: CsidFlavor.NextCsid } c && (c.BlockBits, c.CsidBits) != (32, 16))
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
        if (sid is null)
            Assert.Ignore($"N/A: the profile {Profile.Name} has no NEXT-C-SID End SID with other lengths than F3216 (parameters.sids.*.csid); RFC 9800 §4.1 makes them optional (MAY).");
        Evidence.Parameter("C-SID SID", $"{sid.Name} {sid.Address} ({sid.Csid})");
        await ShiftExchangeAsync(Probes(sid, d), "t2",
            (p, i) => Into("t1").Ipv6(a, p.Destination, 64, TrafficClass, FlowLabel).Srh([d, p.Destination], 1).WithPseudoHeaderDestination(d)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            (p, i) => OutOf("t2").Ipv6(a, p.Shifted!, 63, TrafficClass, FlowLabel).Srh([d, p.Destination], 1).WithPseudoHeaderDestination(d)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            "NEXT-C-SID End did not shift the Argument by its own C-SID length (N05–N06 with its LBL and LNFL), or processed an address outside its prefix.");
    }

    /// <summary>
    /// A downstream address of the lab's plan inside the Locator-Block of <paramref name="sid"/> (so that its C-SIDs can follow
    /// the SID's in a container) and the tester port its /64 leaves by in the main table: N2 and D via t2, N3 and D3 via t3.
    /// </summary>
    private static (string Name, IPAddress Address, string Port) TargetInBlock(SidDefinition sid)
    {
        var c = sid.Csid!;
        foreach (var (name, port) in new[] { ("D", "t2"), ("N2", "t2"), ("N3", "t3"), ("D3", "t3") })
            if (Profile.Parameters.Addresses.TryGetValue(name, out var t) && (U(t) & Mask(0, c.BlockBits)) == (U(sid.Address) & Mask(0, c.BlockBits)))
                return (name, t, port);
        throw new TestbedException($"{Profile.SourcePath}: none of the addresses D, N2, N3, D3 is inside the Locator-Block {A(U(sid.Address) & Mask(0, c.BlockBits))}/{c.BlockBits} of SID {sid.Name}: the case needs one to follow it in a container.");
    }

    [Test]
    [NegativeControl("CsidNextVariantsWrong", Why = "end_csid_f4816 programmed F3232 (lblen 32 nflen 32, the same /64): the Argument is copied after bit 32 instead of bit 48, to an unrouted destination")]
    [NegativeControl("CsidNextVariantsWrong", Profile = "reference-node.yaml", Why = "end_csid_f4816 programmed F3232 (the same /64): the Argument is copied after bit 32 instead of bit 48, to an unrouted destination")]
    [TestPurpose(Id = "TP-CSID-BV-12", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End with a 48-bit Locator-Block (F4816) shifts the Argument to the bits right after the block, by exactly its C-SID length, for any Argument",
        Requirements = new[] { "RFC9800-4.1-NEXT-CSID-OTHER-LENGTHS", "RFC9800-4.1-NEXT-CSID-AL", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT", "RFC9800-4.1-NEXT-CSID-NEXT-SID" },
        Stimulus = "into t1, 2 × per destination C: (A,C)(T,C;SL=1) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345, checksum for T; S = the first NEXT-C-SID End SID with a 48-bit Locator-Block (reference profiles: end_csid_f4816, 2001:db8:b:c8::, block 2001:db8:b::/48, 16-bit C-SIDs), T = the first of D, N2, N3, D3 in S's block (N2, 2001:db8:b:2:e::, via t2); C = S:[00c8, T's C-SID 0002, tail] with the 48-bit tail all zeros, all ones and two seeded random values (seed 20261203); and the last address before S's /64 and the first after it",
        Expected = "for each container: (A,C')(T,C;SL=1) out of T's port (t2) with hop limit 63, C' = C with the 64-bit Argument (AL = 128-48-16) copied to bits [48..111] and bits [112..127] zero (computed by the codec), the SRH and every other field unchanged; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndWithA48BitBlockShiftsExactly()
    {
        IPAddress a = Address("A");
        var sid = Profile.Parameters.Sids.Values.Where(s => s.Behavior == SrBehavior.End && s.Csid is { Flavor: CsidFlavor.NextCsid, BlockBits: 48 })
            .OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
        if (sid is null)
            Assert.Ignore($"N/A: the profile {Profile.Name} has no NEXT-C-SID End SID with a 48-bit Locator-Block (parameters.sids.*.csid); RFC 9800 §4.1 makes lengths other than F3216 optional (MAY).");
        var (name, t, port) = TargetInBlock(sid);
        Evidence.Parameter("C-SID SID", $"{sid.Name} {sid.Address} ({sid.Csid})");
        Evidence.Parameter("next C-SID", $"{name} {t} out of {port}");
        await ShiftExchangeAsync(Probes(sid, t), port,
            (p, i) => Into("t1").Ipv6(a, p.Destination, 64, TrafficClass, FlowLabel).Srh([t, p.Destination], 1).WithPseudoHeaderDestination(t)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            (p, i) => OutOf(port).Ipv6(a, p.Shifted!, 63, TrafficClass, FlowLabel).Srh([t, p.Destination], 1).WithPseudoHeaderDestination(t)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            "NEXT-C-SID End with a 48-bit Locator-Block did not copy the Argument to the bits right after the block with the last LNFL bits zero (N05–N06), or processed an address outside its prefix.");
    }

    /// <summary>A Hop-by-Hop Options header (type 0) or a Destination Options header (type 60) of 8 octets: one PadN option of 4 octets.</summary>
    private static byte[] PadNOptions() => [0, 0, 1, 4, 0, 0, 0, 0];

    [Test]
    [NegativeControl("CsidEndWithoutFlavor", Why = "the C-SID End SID is programmed as a plain End: with SL=1 it copies Segment List[0] instead of shifting, without SRH it drops the packet")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect next-csid-skipped-behind-extension-headers: behind a Hop-by-Hop or Destination Options header the packet is processed as by a SID without the flavor")]
    [TestPurpose(Id = "TP-CSID-BV-13", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End processes a container behind a Hop-by-Hop and a Destination Options header as without them, with and without SRH",
        Requirements = new[] { "RFC9800-4.1.1-END-WITHOUT-SRH", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT" },
        Stimulus = "into t1, 2 × per destination C, each with a Hop-by-Hop Options header and a Destination Options header (one PadN option each) before the rest, hop limit 64, traffic class 0x2e, flow label 0x12345: (A,C)(HBH)(DOH)(D,C;SL=1) ICMPv6 echo request and (A,C)(HBH)(DOH) ICMPv6 echo request without SRH, C as in TP-CSID-BV-01 (the End C-SID SID's containers towards D: tails all zeros, all ones, two seeded random; and the last address before S's prefix and the first after it); and 2 × (A,S)(HBH)(DOH)(D,N2,S;SL=2) with S the SID itself (Argument 0)",
        Expected = "for each container: the same packet out of t2 with DA C' (computed by the codec, N05–N06), hop limit 63, the Hop-by-Hop and Destination Options headers, the SRH (if any: Segments Left unchanged) and every other field unchanged; for Argument 0: (A,N2)(HBH)(DOH)(D,N2,S;SL=1) out of t2 with hop limit 63; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndShiftsBehindHopByHopAndDestinationOptions()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var sid = CsidSid(SrBehavior.End);
        PacketBuilder Ext(PacketBuilder b) => b.WithExtensionHeader(0, PadNOptions()).WithExtensionHeader(60, PadNOptions());
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var withSrh in new[] { true, false })
            foreach (var probe in Probes(sid, d))
                for (int k = 0; k < 2; k++)
                {
                    int i = stimuli.Count;
                    PacketBuilder Make(PacketBuilder b, IPAddress da, byte hl)
                    {
                        b = Ext(b.Ipv6(a, da, hl, TrafficClass, FlowLabel));
                        if (withSrh) b = b.Srh([d, probe.Destination], 1).WithPseudoHeaderDestination(d);
                        else b = b.WithPseudoHeaderDestination(probe.Shifted ?? probe.Destination);
                        return b.IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i));
                    }
                    stimuli.Add(Make(Into("t1"), probe.Destination, 64).Build());
                    listing.Add($"{i,2} HBH, DOH{(withSrh ? ", SRH SL=1" : ", no SRH")}: {probe.What}{(probe.Shifted is { } sh ? $" → {sh} out of t2" : " → not processed as the SID")}");
                    if (probe.Shifted is not null)
                        expected.Add(new ExpectedPacket("t2", Make(OutOf("t2"), probe.Shifted, 63).Build(), $"probe {i}: {probe.What}", []));
                }
        for (int k = 0; k < 2; k++)
        {
            int i = stimuli.Count;
            stimuli.Add(Ext(Into("t1").Ipv6(a, sid.Address, 64, TrafficClass, FlowLabel)).Srh([d, n2, sid.Address], 2).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build());
            expected.Add(new ExpectedPacket("t2", Ext(OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel)).Srh([d, n2, sid.Address], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"probe {i}: Argument 0 behind HBH and DOH → N2", []));
            listing.Add($"{i,2} HBH, DOH, SRH SL=2: Argument 0 ({sid.Address}) → {n2}, SL=1 out of t2");
        }
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "NEXT-C-SID End did not process a container behind a Hop-by-Hop and a Destination Options header as RFC 9800 §4.1.1 says (N01–N09 before the first header that is not an SRH, HBH or DOH), or changed those headers, or processed an address outside its prefix.");
    }

    [Test]
    [NegativeControl("CsidBlockLengthWrong", Why = "the C-SID SIDs are programmed with a 16-bit Locator-Block: the SID's own C-SID is taken for a non-zero Argument and shifted instead of taking the next Segment List entry")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID SIDs have a 16-bit block: the SID's own C-SID is taken for an Argument and shifted, the next Segment List entry is not taken")]
    [TestPurpose(Id = "TP-CSID-BV-14", Requires = new[] { "End", "NEXT-C-SID" }, Feature = "C-SID",
        Title = "Mixed segment lists: a NEXT-C-SID container followed by a classic SID or by another container, and a classic SID followed by a container, each take the next Segment List entry as it is",
        Requirements = new[] { "RFC9800-4.1-NEXT-CSID-CONTAINERS-INDEPENDENT", "RFC9800-4.1-NEXT-CSID-LAST-ANY-BEHAVIOR", "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC9800-4.1.1-END-N01-N09", "RFC8986-4.1-END-S12-S15" },
        Stimulus = "into t1, 2 × each, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345, S = the End C-SID SID (reference profiles 2001:db8:c1::, F3216), E = the classic End SID (2001:db8:b:1:e::), X = a downstream NEXT-C-SID container in N2's /64 (2001:db8:b:2:... with a non-zero Argument): (A,S)(D,X,S;SL=2) (container, then container), (A,S)(D,N2,X,S;SL=3) (container, then classic), (A,E)(D,X,E;SL=2) (classic, then container), (A,S:[00c1,000b,0002])(D,N2,S:[…];SL=2) (a container still shifting with classic SIDs after it)",
        Expected = "(A,X)(…;SL=1), (A,N2)(…;SL=2), (A,X)(…;SL=1) and (A,2001:db8:b:2::)(…;SL=2) out of t2 (RFC 8986 S13–S14 for Argument 0 and the classic SID; N05–N06 with Segments Left unchanged for the non-zero Argument), hop limit 63, the SRH otherwise unchanged; nothing else")]
    public async Task MixedListsTakeTheNextEntryAsItIs()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), e = Sid("end");
        var sid = CsidSid(SrBehavior.End);
        var s = sid.Address;
        // X: N2's /64 followed by C-SIDs 0dd0 and 0001 (a container a downstream F3216 node would shift), routed via t2.
        var x = A((U(n2) & Mask(0, 64)) | ((UInt128)0x0dd0_0001 << 32));
        // S:[00c1, 000b, 0002]: S's C-SID followed by N2's two C-SIDs (bits 32..63 of N2), shifted to N2's /64.
        var c = sid.Csid!;
        var shifting = A((U(s) & Mask(0, c.BlockBits + c.CsidBits)) | ((U(n2) & Mask(c.BlockBits, 64 - c.BlockBits)) >> c.CsidBits));
        var shifted = CsidEndpoint.NextCsid(shifting, c);
        var plan = new (string What, IPAddress Da, IPAddress[] Segments, byte Sl, IPAddress NewDa, byte NewSl)[]
        {
            ("container S (Argument 0), then container X", s, [d, x, s], 2, x, 1),
            ("container S (Argument 0), then classic N2", s, [d, x, n2, s], 3, n2, 2),
            ("classic End E, then container X", e, [d, x, e], 2, x, 1),
            ("container S:[s,000b,0002] (Argument non-zero) with classic N2 after it", shifting, [d, n2, shifting], 2, shifted, 2),
        };
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var p in plan)
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                stimuli.Add(Into("t1").Ipv6(a, p.Da, 64, TrafficClass, FlowLabel).Srh(p.Segments, p.Sl).WithPseudoHeaderDestination(d).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build());
                expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(a, p.NewDa, 63, TrafficClass, FlowLabel).Srh(p.Segments, p.NewSl).WithPseudoHeaderDestination(d)
                    .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"probe {i}: {p.What}", []));
                listing.Add($"{i,2} {p.What}: {p.Da} SL={p.Sl} → {p.NewDa} SL={p.NewSl} out of t2");
            }
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A mixed list of NEXT-C-SID containers and classic SIDs was not processed entry by entry: Argument 0 or a classic SID did not take the next Segment List entry as it is, or a non-zero Argument was not shifted with Segments Left unchanged.");
    }

    /// <summary>
    /// The tester port by which <paramref name="destination"/> leaves the DUT after a lookup in table <paramref name="table"/>
    /// (null: main) of the reference lab's routes (<see cref="Conformance.Harness.Intent.IntentBuilder"/>).
    /// </summary>
    private static string PortOfRoute(string? table, IPAddress destination)
    {
        var intent = Conformance.Harness.Intent.IntentBuilder.Build(Profile);
        var route = intent.Routes.Where(r => r.Table == table && r.Prefix.Contains(destination)).MaxBy(r => r.Prefix.PrefixLength)
            ?? throw new TestbedException($"{Profile.SourcePath}: the reference lab has no route to {destination} in table {table ?? "main"}.");
        return PortOf(route.Interface);
    }

    /// <summary>
    /// The container probes of <see cref="Probes"/> towards <paramref name="target"/>, 2 × each, first with an SRH
    /// (target, C; SL=1), then without: each with its index (the stimulus's, from 0) and how to build its echo request with a
    /// given destination and hop limit on a builder (the stimulus: C and 64; the expected packet: C' and 63).
    /// </summary>
    private static IEnumerable<(int Index, bool WithSrh, Probe Probe, Func<PacketBuilder, IPAddress, byte, PacketBuilder> Make)> ContainerProbes(
        IPAddress a, IPAddress target, SidDefinition sid, ushort echoId, Func<int, byte[]> data)
    {
        int i = 0;
        foreach (var withSrh in new[] { true, false })
            foreach (var probe in Probes(sid, target))
                for (int k = 0; k < 2; k++, i++)
                {
                    int index = i;
                    PacketBuilder Make(PacketBuilder b, IPAddress da, byte hl)
                    {
                        b = b.Ipv6(a, da, hl, TrafficClass, FlowLabel);
                        b = withSrh ? b.Srh([target, probe.Destination], 1).WithPseudoHeaderDestination(target) : b.WithPseudoHeaderDestination(probe.Shifted ?? probe.Destination);
                        return b.IcmpEchoRequest(echoId, (ushort)index, data(index));
                    }
                    yield return (index, withSrh, probe, Make);
                }
    }

    /// <summary>
    /// TP-CSID-BV-17's exchange on the NEXT-C-SID End.T SID <paramref name="sid"/>, 2 probes each: the containers of
    /// <see cref="Probes"/> towards <paramref name="target"/> with an SRH (target, C; SL=1) and without SRH (shifted, N01–N09,
    /// then N08.1–N08.2: out of <paramref name="portInT"/>, the port of the target's route in T), Argument 0 at SL=2 with
    /// <paramref name="next"/> as the next segment (RFC 8986 §4.3 S15.1–S15.2: out of <paramref name="nextPortInT"/>), and
    /// the two addresses just outside the SID's prefix (not processed: no expected packet).
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected, List<string> Listing) EndTExchange(Func<string, PacketBuilder> into, Func<string, PacketBuilder> outOf,
        IPAddress a, IPAddress target, IPAddress next, SidDefinition sid, string portInT, string nextPortInT, ushort echoId, Func<int, byte[]> data)
    {
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var (i, withSrh, probe, make) in ContainerProbes(a, target, sid, echoId, data))
        {
            stimuli.Add(make(into("t1"), probe.Destination, 64).Build());
            listing.Add($"{i,2} {(withSrh ? "SRH SL=1" : "no SRH")}: {probe.What}{(probe.Shifted is { } sh ? $" → {sh} out of {portInT} (table T)" : " → not processed as the SID")}");
            if (probe.Shifted is not null)
                expected.Add(new ExpectedPacket(portInT, make(outOf(portInT), probe.Shifted, 63).Build(), $"probe {i}: {probe.What}", []));
        }
        for (int k = 0; k < 2; k++)
        {
            int i = stimuli.Count;
            stimuli.Add(into("t1").Ipv6(a, sid.Address, 64, TrafficClass, FlowLabel).Srh([target, next, sid.Address], 2).WithPseudoHeaderDestination(target)
                .IcmpEchoRequest(echoId, (ushort)i, data(i)).Build());
            expected.Add(new ExpectedPacket(nextPortInT, outOf(nextPortInT).Ipv6(a, next, 63, TrafficClass, FlowLabel).Srh([target, next, sid.Address], 1).WithPseudoHeaderDestination(target)
                .IcmpEchoRequest(echoId, (ushort)i, data(i)).Build(), $"probe {i}: Argument 0, SL=2 → {next}", []));
            listing.Add($"{i,2} SRH SL=2: Argument 0 ({sid.Address}) → {next}, SL=1 out of {nextPortInT} (table T)");
        }
        return (stimuli, expected, listing);
    }

    [Test]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "end_t_csid programmed on the main table: the shifted destination (D3's /64) and N3 leave by t3 instead of table 100's t2")]
    [NotClaimedByTheReferenceLab("End.T+NEXT-C-SID", "CsidFlavorConformingReceptionTests.NextEndTLooksUpTableTAndTheMainTableFails")]
    [TestPurpose(Id = "TP-CSID-BV-17", Requires = new[] { "End.T+NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End.T shifts the Argument as End does and looks the new destination up in its table T (N08.1–N08.2), with and without SRH, for any Argument",
        Requirements = new[] { "RFC9800-4.1.3-ENDT-N08", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1.1-END-SL-UNCHANGED", "RFC9800-4.1.1-END-WITHOUT-SRH", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT", "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC8986-4.3-END-T-S15.1-S15.2" },
        Stimulus = "into t1, 2 × per destination C, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345: (A,C)(D3,C;SL=1) and (A,C) without SRH, C = T:[t, the C-SIDs of D3's /64, tail] for the NEXT-C-SID End.T SID T (reference node: end_t_csid 2001:db8:ce::, F3216, table 100, which routes D3's /64 via t2 where the main table has t3) with the tail all zeros, all ones and two seeded random values (seed 20261203), and C = the last address before T's prefix and the first after it; and 2 × (A,T)(D3,N3,T;SL=2) (Argument 0)",
        Expected = "for each container: the same packet with DA C' (computed by the codec, N05–N06), hop limit 63, the SRH (Segments Left 1) and every other field unchanged, out of the port of C''s route in table T (t2); for Argument 0: (A,N3)(D3,N3,T;SL=1) out of the port of N3's route in table T (t2) with hop limit 63; the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else (nothing out of t3)")]
    public async Task EndTShiftsAndLooksUpItsTable()
    {
        IPAddress a = Address("A"), d3 = Address("D3"), n3 = Address("N3");
        var sid = CsidSid(SrBehavior.EndT);
        var table = Conformance.Harness.Intent.IntentBuilder.Build(Profile).Sid(sid.Name).Table;
        var shifted = Probes(sid, d3)[0].Shifted!;
        string inT = PortOfRoute(table, shifted), nextInT = PortOfRoute(table, n3);
        string inMain = PortOfRoute(null, shifted), nextInMain = PortOfRoute(null, n3);
        if (inT == inMain || nextInT == nextInMain)
            throw new TestbedException($"{Profile.SourcePath}: the case needs D3's and N3's routes in table {table ?? "main"} of {sid.Name} to leave by another port than in the main table (they leave by {inT} and {nextInT} in T, {inMain} and {nextInMain} in main), so that the lookup table shows.");
        Evidence.Parameter("ports", $"D3's /64: {inT} in table {table}, {inMain} in main; N3: {nextInT} in table {table}, {nextInMain} in main");
        var (stimuli, expected, listing) = EndTExchange(Into, OutOf, a, d3, n3, sid, inT, nextInT, EchoId, ProbeData);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "NEXT-C-SID End.T did not shift the Argument (N05–N06) with Segments Left unchanged and the hop limit decremented (N07), or did not look the new destination up in its table T (N08.1–N08.2, S15.1–S15.2), or processed an address outside its prefix.");
    }

    /// <summary>
    /// TP-CSID-BV-18's exchange on the NEXT-C-SID End.B6.Encaps SID <paramref name="sid"/> (policy B =
    /// <see cref="SidDefinition.Segments"/>), 2 probes each: the containers of <see cref="Probes"/> towards
    /// <paramref name="target"/> with an SRH (target, C; SL=1) and without SRH: the inner packet with DA C' (N05–N06) and hop
    /// limit 63 (N07), in a new outer header to B's first SID with an SRH carrying B (N08.1–N08.5, RFC 8986 §4.13 S15–S18)
    /// out of <paramref name="policyPort"/>; Argument 0 at SL=2 with <paramref name="next"/> next (RFC 8986 §4.13 S12–S19);
    /// the two addresses just outside the SID's prefix (no expected packet). The outer source, hop limit, traffic class
    /// and flow label are the DUT's (S18) and not compared (<paramref name="outerSource"/> stands in the expected packet).
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected, List<string> Listing) B6Exchange(Func<string, PacketBuilder> into, Func<string, PacketBuilder> outOf,
        IPAddress a, IPAddress target, IPAddress next, SidDefinition sid, string policyPort, IPAddress outerSource, ushort echoId, Func<int, byte[]> data)
    {
        var policy = sid.Segments;
        if (policy.Count == 0) throw new TestbedException($"parameters.sids.{sid.Name}.segments is empty: End.B6.Encaps needs its policy B.");
        var outerSrh = policy.Reverse().ToList();
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        ExpectedPacket Encapsulated(PacketBuilder inner, string what) => new(policyPort,
            outOf(policyPort).Ipv6(outerSource, policy[0]).Srh(outerSrh, (byte)(policy.Count - 1)).Encapsulate(inner).Build(), what, OuterFieldsLeftToTheDut);
        foreach (var (i, withSrh, probe, make) in ContainerProbes(a, target, sid, echoId, data))
        {
            stimuli.Add(make(into("t1"), probe.Destination, 64).Build());
            listing.Add($"{i,2} {(withSrh ? "SRH SL=1" : "no SRH")}: {probe.What}{(probe.Shifted is { } sh ? $" → inner DA {sh}, encapsulated to {policy[0]} out of {policyPort}" : " → not processed as the SID")}");
            if (probe.Shifted is not null)
                expected.Add(Encapsulated(make(new PacketBuilder(), probe.Shifted, 63), $"probe {i}: {probe.What}"));
        }
        for (int k = 0; k < 2; k++)
        {
            int i = stimuli.Count;
            stimuli.Add(into("t1").Ipv6(a, sid.Address, 64, TrafficClass, FlowLabel).Srh([target, next, sid.Address], 2).WithPseudoHeaderDestination(target)
                .IcmpEchoRequest(echoId, (ushort)i, data(i)).Build());
            expected.Add(Encapsulated(new PacketBuilder().Ipv6(a, next, 63, TrafficClass, FlowLabel).Srh([target, next, sid.Address], 1).WithPseudoHeaderDestination(target)
                .IcmpEchoRequest(echoId, (ushort)i, data(i)), $"probe {i}: Argument 0, SL=2 → inner DA {next}"));
            listing.Add($"{i,2} SRH SL=2: Argument 0 ({sid.Address}) → inner DA {next}, SL=1, encapsulated to {policy[0]} out of {policyPort}");
        }
        return (stimuli, expected, listing);
    }

    /// <summary>The outer header's fields RFC 8986 §4.13 S18 leaves to the DUT (the source: one of its addresses, checked apart).</summary>
    private static readonly string[] OuterFieldsLeftToTheDut = ["ipv6.src", "ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"];

    [Test]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defects b6-next-csid-inner-not-shifted (End.B6.Encaps with NEXT-C-SID encapsulates the inner packet with its destination as received, N05–N06 skipped) and flavors-dropped-except-end-and-end-x (the SID installed without its NEXT-C-SID flavor, so a container is processed as by a plain End.B6.Encaps): either makes the inner destination wrong; the first alone is shown by the node's DebugFaultTests")]
    [NotClaimedByTheReferenceLab("End.B6.Encaps+NEXT-C-SID", "CsidFlavorConformingReceptionTests.NextB6ShiftsTheInnerDestinationBeforeEncapsulatingAndAnUnshiftedOneFails")]
    [TestPurpose(Id = "TP-CSID-BV-18", Requires = new[] { "End.B6.Encaps+NEXT-C-SID" }, Feature = "C-SID",
        Title = "NEXT-C-SID End.B6.Encaps shifts the inner destination and decrements the hop limit before it encapsulates the packet in policy B's outer header, with and without SRH, for any Argument",
        Requirements = new[] { "RFC9800-4.1.4-END-B6-ENCAPS-N08", "RFC9800-4.1.4-END-B6-ENCAPS-INNER-DA", "RFC9800-4.1.1-END-N01-N09", "RFC9800-4.1.1-END-SL-UNCHANGED", "RFC9800-4.1.1-END-WITHOUT-SRH", "RFC9800-4.1-NEXT-CSID-ANY-ARGUMENT", "RFC8986-4.13-END-B6-ENCAPS-S15-S19", "RFC8986-4.13-END-B6-ENCAPS-S12-S14" },
        Stimulus = "into t1, 2 × per destination C, ICMPv6 echo requests, hop limit 64, traffic class 0x2e, flow label 0x12345: (A,C)(D,C;SL=1) and (A,C) without SRH, C = S:[s, the C-SIDs of D's /64, tail] for the NEXT-C-SID End.B6.Encaps SID S (reference node: end_b6_csid 2001:db8:b6::, F3216, policy B = (N3), routed via t3; D's /64 via t2) with the tail all zeros, all ones and two seeded random values (seed 20261203), and C = the last address before S's prefix and the first after it; and 2 × (A,S)(D,N2,S;SL=2) (Argument 0)",
        Expected = "for each container: (DUT,B1)(B reversed;SL=|B|-1) next header 41 out of B1's port (t3), carrying the packet as sent with DA C' (computed by the codec, N05–N06), hop limit 63 (N07) and the SRH (Segments Left 1) unchanged; for Argument 0 the same outer header carrying (A,N2)(D,N2,S;SL=1) with hop limit 63 (RFC 8986 §4.13 S12–S18); outer source one of the DUT's addresses, outer hop limit, traffic class and flow label not compared (S18: the DUT's); the two outside addresses not forwarded (a Destination Unreachable to A on t1 tolerated); nothing else")]
    public async Task EndB6EncapsShiftsTheInnerDestinationBeforeEncapsulating()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var sid = CsidSid(SrBehavior.EndB6Encaps);
        if (sid.Segments.Count == 0) throw new TestbedException($"{Profile.SourcePath}: parameters.sids.{sid.Name}.segments is empty.");
        string policyPort = PortOfRoute(null, sid.Segments[0]);
        Evidence.Parameter("policy B", $"{string.Join(", ", sid.Segments)} (out of {policyPort})");
        var (stimuli, expected, listing) = B6Exchange(Into, OutOf, a, d, n2, sid, policyPort, PortSpec(policyPort).DutIpv6, EchoId, ProbeData);
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        var foreign = j.Matched.Select(m => m.ReceivedDecoded.Ipv6!.Src).Where(s => !DutAddresses.Contains(s)).Distinct().ToList();
        if (foreign.Count > 0) Fail($"the outer source {string.Join(", ", foreign)} is not an address of the DUT.");
        Verdict(j, "NEXT-C-SID End.B6.Encaps did not shift the inner destination (N05–N06) and decrement its hop limit (N07) with Segments Left unchanged before pushing policy B's outer header (N08.1–N08.5), or processed an address outside its prefix.");
    }

    /// <summary>The profile's C-SID SIDs (NEXT or REPLACE) of End, End.X and End.T, by name.</summary>
    private static IReadOnlyList<SidDefinition> CsidSids() =>
        [.. Profile.Parameters.Sids.Values.Where(s => s.Csid is not null && (s.Behavior == SrBehavior.End || s.Behavior == SrBehavior.EndX || s.Behavior == SrBehavior.EndT))
            .OrderBy(s => s.Name, StringComparer.Ordinal)];

    [Test]
    [NegativeControl("CsidBlockLengthWrong", NoLinuxModePasses = true,
        Why = "no known Linux mode passes (DEV-LINUX-062: seg6local drops a packet to a next-csid SID with Argument 0 without SRH or at Segments Left 0; seen in the opt-in DUT VM); a conforming reception passes live on the reference node's row; with a 16-bit Locator-Block the SID with Argument 0 is seen with a non-zero Argument (its own C-SID) and shifted, not answered")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the NEXT-C-SID SIDs have a 16-bit block: the echo request to the SID is shifted as if it had an Argument, not answered")]
    [TestPurpose(Id = "TP-CSID-BV-15", Requires = new[] { "End", "NEXT-C-SID", "oam.ping_to_sid" }, Feature = "C-SID",
        Title = "Ping to a C-SID SID with Argument 0 (no SRH, or the SID as the last segment) is answered by the SID; a non-zero Argument is processed as a container, not answered",
        Requirements = new[] { "RFC9800-9.3-PING-ARGUMENT-0", "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC9259-2.2-PING-SID-LOCALLY-PROGRAMMED", "RFC4443-4.2-ECHO-REPLY" },
        Stimulus = "into t1, for each C-SID SID S of End, End.X, End.T in the profile (NEXT and REPLACE; reference node: end_csid, end_csid_f3232, end_csid_f4816, end_csid_psp, end_rcsid, end_rcsid_psp, end_t_csid, end_t_rcsid, end_x_csid, end_x_rcsid; Linux lab: the NEXT ones), 2 × (A,S) ICMPv6 echo request without SRH and 2 × (A,S)(S,N2;SL=0), checksums for S (RFC 9800 §9.3); for the End C-SID SID also 2 × (A,C) with C its container towards D with the Argument tail all zeros (TP-CSID-BV-03's first destination) and 2 × (A,B) with B the last address before its prefix",
        Expected = "an ICMPv6 echo reply (S,A) with the same identifier, sequence and data out of t1 for each echo request to S (hop limit, flow label, traffic class DUT-chosen); (A,C') without SRH out of t2 with hop limit 63 for C; nothing for B but a tolerated Destination Unreachable; nothing else")]
    public async Task PingToACsidSidWithArgumentZeroIsAnswered()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var sids = CsidSids();
        if (sids.Count == 0) throw new TestbedException($"{Profile.SourcePath}: the profile claims NEXT-C-SID but defines no C-SID SID (parameters.sids.*.csid).");
        Evidence.Parameter("C-SID SIDs", string.Join(", ", sids.Select(x => $"{x.Name} {x.Address}")));
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        var listing = new List<string>();
        foreach (var sid in sids)
            foreach (var withSrh in new[] { false, true })
                for (int k = 0; k < 2; k++)
                {
                    int i = stimuli.Count;
                    var b = Into("t1").Ipv6(a, sid.Address);
                    if (withSrh) b = b.Srh([sid.Address, n2], 0);
                    stimuli.Add(b.IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build());
                    expected.Add(new ExpectedPacket("t1", OutOf("t1").Ipv6(sid.Address, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
                        $"probe {i}: echo reply from {sid.Name}", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"]));
                    listing.Add($"{i,2} {sid.Name} {sid.Address} (Argument 0){(withSrh ? ", SRH SL=0" : ", no SRH")} → echo reply from it");
                }
        var end = CsidSid(SrBehavior.End);
        var probes = Probes(end, d);
        foreach (var probe in new[] { probes[0], probes[^2] })
            for (int k = 0; k < 2; k++)
            {
                int i = stimuli.Count;
                stimuli.Add(Into("t1").Ipv6(a, probe.Destination, 64, TrafficClass, FlowLabel).WithPseudoHeaderDestination(probe.Shifted ?? probe.Destination)
                    .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build());
                if (probe.Shifted is { } sh)
                    expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(a, sh, 63, TrafficClass, FlowLabel).WithPseudoHeaderDestination(sh)
                        .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"probe {i}: {probe.What}", []));
                listing.Add($"{i,2} {probe.What}{(probe.Shifted is { } s2 ? $" → {s2} out of t2 (a container, not the SID)" : " → not answered as the SID")}");
            }
        Evidence.AttachText("Probe destinations", string.Join('\n', listing));
        var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
        j = j with { Unexpected = [.. j.Unexpected.Where(u => !(u.Frame.Port == "t1" && u.Decoded.Inner is Icmpv6Layer { Type: 1 }))] };
        Verdict(j, "A ping to a C-SID SID with Argument 0 was not answered by the SID (RFC 9800 §9.3: Argument 0 makes it the ultimate destination), or a container with a non-zero Argument was answered instead of processed.");
    }

    [Test]
    [NegativeControl("CsidBlockLengthWrong", NoLinuxModePasses = true,
        Why = "no known Linux mode passes (DEV-LINUX-062: seg6local drops a packet to a next-csid SID with Argument 0 without SRH; seen in the opt-in DUT VM); a conforming reception passes live on the reference node's row; with a 16-bit Locator-Block the last C-SID (Argument 0) is seen with a non-zero Argument and shifted, so the upper layer is never processed")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect upper-layer-error-not-sent: TCP at the last C-SID without SRH is discarded without the Parameter Problem")]
    [TestPurpose(Id = "TP-CSID-BV-16", Requires = new[] { "End", "NEXT-C-SID", "icmp_errors.parameter_problem" }, Feature = "C-SID",
        Title = "NEXT-C-SID End at the end of its container without SRH processes an allowed upper layer (ICMPv6, UDP) and answers a disallowed one (TCP) with Parameter Problem code 4",
        Requirements = new[] { "RFC9800-4.1.1-END-WITHOUT-SRH", "RFC9800-4.1.1-END-N01-N09", "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC8986-4.1.1-ULH-S03-S05-PARAM-PROBLEM" },
        Stimulus = "into t1, 2 × each, without SRH, S = the End C-SID SID with Argument 0 (the last C-SID of its container; reference profiles 2001:db8:c1::): (A,S) ICMPv6 echo request; (A,S) UDP to port 33434+i; (A,S) TCP SYN to port 9. TCP, because a SID is expected to allow ICMPv6 and UDP for OAM (RFC 9259 ping and traceroute to a SID), not TCP",
        Expected = "an echo reply (S,A) out of t1 for each echo request; ICMPv6 Destination Unreachable code 4 (Port Unreachable) for each UDP probe and ICMPv6 Parameter Problem code 4, pointer 40 (the TCP header right after the IPv6 header), for each TCP probe, to A out of t1 from a DUT address, quoting the probe as received; nothing out of t2 or t3")]
    public async Task EndAtTheEndOfItsContainerWithoutSrhProcessesTheUpperLayer()
    {
        IPAddress a = Address("A");
        var s = CsidSid(SrBehavior.End).Address;
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        for (int k = 0; k < 2; k++)
        {
            int i = stimuli.Count;
            stimuli.Add(Into("t1").Ipv6(a, s).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build());
            expected.Add(new ExpectedPacket("t1", OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"probe {i}: echo reply", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"]));
            i = stimuli.Count;
            var udp = Into("t1").Ipv6(a, s).Udp((ushort)(40000 + i), (ushort)(33434 + i), ProbeData(i)).Build();
            stimuli.Add(udp);
            expected.Add(Icmp.Error(OutOf("t1"), "t1", udp, s, 1, 4, 0, $"probe {i}: Port Unreachable"));
            i = stimuli.Count;
            var tcp = Into("t1").Ipv6(a, s).Tcp((ushort)(40000 + i), 9, TcpFlags.Syn, (uint)(1000 + i)).Build();
            stimuli.Add(tcp);
            expected.Add(Icmp.Error(OutOf("t1"), "t1", tcp, s, 4, 4, 40, $"probe {i}: Parameter Problem code 4, pointer 40"));
        }
        var j = await ExchangeAsync("t1", stimuli, expected);
        var foreign = j.Matched.Where(m => m.ReceivedDecoded.Inner is Icmpv6Layer { Type: 1 or 4 } && !DutAddresses.Contains(m.ReceivedDecoded.Ipv6!.Src))
            .Select(m => m.ReceivedDecoded.Ipv6!.Src).Distinct().ToList();
        if (foreign.Count > 0) Fail($"ICMPv6 errors came from {string.Join(", ", foreign)}, which is not an address of the DUT.");
        Verdict(j, "NEXT-C-SID End with Argument 0 and no SRH did not process the upper layer as RFC 8986 §4.1.1 says (an allowed ICMPv6 or UDP answered, TCP answered with Parameter Problem code 4 pointing at it).");
    }
}
