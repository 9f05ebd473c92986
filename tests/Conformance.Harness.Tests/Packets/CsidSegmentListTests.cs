using System.Net;
using Conformance.Harness.Packets;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;
using static Conformance.Harness.Tests.Oracles.OracleSupport;

namespace Conformance.Harness.Tests.Packets;

/// <summary>
/// The endpoint operations (RFC 9800 §4.1.1 N01–N09, §4.2.1 R01–R21), the source node's compression (§6.2) and the
/// headend builder. Expected destinations are derived by hand from the RFC's examples: §5.3 (2001:db8:b1:10:f123::),
/// Figure 2 (eight NEXT-CSID SIDs, 48/16) and Figure 5 (seven REPLACE-CSID SIDs, 48/32).
/// </summary>
[TestFixture]
public class CsidSegmentListTests
{
    private static IPAddress A(string s) => IPAddress.Parse(s);

    // RFC 9800 §5.3: "LBL = 48 (Locator-Block value 0x20010db800b1)"; Figure 2's structure (48-bit block, 16-bit C-SIDs).
    private static readonly CsidBlock B1 = new(A("2001:db8:b1::"), CsidStructure.F4816);
    // §5.3's REPLACE-CSID block (2001:db8:b2::/48) with Figure 5's structure (32-bit C-SIDs).
    private static readonly CsidBlock B2 = new(A("2001:db8:b2::"), CsidStructure.Replace(48, 32));
    // F3216 in the RFC 9602 SRv6 SID block.
    private static readonly CsidBlock F = new(A("5f00:1::"), CsidStructure.F3216);

    private static (CsidStep, string, int)[] Steps(IEnumerable<CsidHop> hops) =>
        [.. hops.Select(h => (h.Step, Rfc5952.Format(h.Destination), h.SegmentsLeft))];

    // ---- the "next C-SID" operation ----

    [Test]
    public void NextCsidShiftOfTheSection53Example()
    {
        // §5.3: node 10 has End 2001:db8:b1:10:: and End.X 2001:db8:b1:f123:: and "may also install the combined FIB entry
        // 2001:db8:b1:10:f123::/80": a packet for it leaves with the End.X SID as destination.
        var shifted = CsidEndpoint.NextCsid(A("2001:db8:b1:10:f123::"), CsidStructure.F4816);
        Assert.That(shifted, Is.EqualTo(A("2001:db8:b1:f123::")));
        Assert.That(CsidEndpoint.HasArgument(A("2001:db8:b1:10:f123::"), CsidStructure.F4816), Is.True, "N01 holds");
        Assert.That(CsidEndpoint.HasArgument(shifted, CsidStructure.F4816), Is.False, "N01 fails: the next SID comes from the SRH");
    }

    [TestCase("2001:db8:100:200:300:400:500:600", 32, 16, "2001:db8:200:300:400:500:600:0")]
    [TestCase("2001:db8:b1:1:2:3:4:5", 48, 16, "2001:db8:b1:2:3:4:5:0")]
    [TestCase("5f00:1:2:3:4:5:6:7", 16, 16, "5f00:2:3:4:5:6:7:0")]
    [TestCase("2001:db8:1:1:2:2:3:3", 32, 32, "2001:db8:2:2:3:3:0:0")]
    [TestCase("2001:db8:b1:1:10:2:20:abcd", 48, 32, "2001:db8:b1:2:20:abcd:0:0")] // N05 copies the whole Argument, left-over bits too
    public void NextCsidShiftsTheArgumentLeftByC(string da, int b, int c, string expected)
    {
        // N05 "Copy DA.Argument into the bits [LBL..(LBL+AL-1)]", N06 "Set the bits [(LBL+AL)..127] [...] to zero."
        Assert.That(CsidEndpoint.NextCsid(A(da), CsidStructure.Next(b, c)), Is.EqualTo(A(expected)));
    }

    // ---- Figure 2: compression and the walk ----

    [Test]
    public void Figure2EightNextCsidSids()
    {
        var list = CompressedSegmentList.Compress(Enumerable.Range(1, 8).Select(i => B1.Sid((ulong)i)));
        // "The first CSID container carries a Locator-Block and the first five CSIDs. The second CSID container carries a
        // Locator-Block and the sixth, seventh, and eighth CSIDs. [...] it sets the 32 least significant bits to zero."
        Assert.That(list.Entries, Is.EqualTo(new[] { A("2001:db8:b1:1:2:3:4:5"), A("2001:db8:b1:6:7:8::") }));
        // "sets the IPv6 Destination Address (DA) with the value of the first CSID container and the first element of the
        // SRH Segment List with the value of the second CSID container. [...] also writes the first CSID container as the
        // second element"
        Assert.That(list.Destination, Is.EqualTo(A("2001:db8:b1:1:2:3:4:5")));
        Assert.That(list.SegmentList(), Is.EqualTo(new[] { A("2001:db8:b1:6:7:8::"), A("2001:db8:b1:1:2:3:4:5") }));
        Assert.That(list.SegmentList(reduced: true), Is.EqualTo(new[] { A("2001:db8:b1:6:7:8::") }));
        Assert.That(list.SegmentsLeft, Is.EqualTo(1));
        Assert.That(list.ToString(), Is.EqualTo("2001:db8:b1:[0001,0002,0003,0004,0005], 2001:db8:b1:[0006,0007,0008]"));

        var expected = new[]
        {
            (CsidStep.Shift, "2001:db8:b1:2:3:4:5:0", 1),
            (CsidStep.Shift, "2001:db8:b1:3:4:5::", 1),
            (CsidStep.Shift, "2001:db8:b1:4:5::", 1),
            (CsidStep.Shift, "2001:db8:b1:5::", 1),
            (CsidStep.NextSegment, "2001:db8:b1:6:7:8::", 0),
            (CsidStep.Shift, "2001:db8:b1:7:8::", 0),
            (CsidStep.Shift, "2001:db8:b1:8::", 0),
            (CsidStep.Ultimate, "2001:db8:b1:8::", 0),
        };
        Assert.That(Steps(list.Hops()), Is.EqualTo(expected.Select(e => (e.Item1, Rfc5952.Format(A(e.Item2)), e.Item3))));
        Assert.That(Steps(list.Hops(reduced: true)), Is.EqualTo(Steps(list.Hops())), "a reduced SRH walks the same way");
        Assert.That(list.FinalDestination, Is.EqualTo(A("2001:db8:b1:8::")), "the eighth SID with Argument 0");
    }

    [Test]
    public void Section53PairCompressesToTheCombinedEntry()
    {
        var list = CompressedSegmentList.Compress(B1.Sid(0x10), B1.Sid(0xf123));
        Assert.That(list.Entries, Is.EqualTo(new[] { A("2001:db8:b1:10:f123::") }));
        Assert.That(list.SegmentsLeft, Is.Zero);
        Assert.That(Steps(list.Hops()), Is.EqualTo(new[]
        {
            (CsidStep.Shift, "2001:db8:b1:f123::", 0),
            (CsidStep.Ultimate, "2001:db8:b1:f123::", 0),
        }));
    }

    [TestCase(32, 16, 6)]
    [TestCase(48, 16, 5)]
    [TestCase(16, 16, 7)]
    [TestCase(32, 32, 3)]
    public void EveryStructureFillsKCsidsPerContainerAndWalksBack(int b, int c, int k)
    {
        var block = new CsidBlock(b == 16 ? A("5f00::") : b == 32 ? A("2001:db8::") : A("2001:db8:b1::"), CsidStructure.Next(b, c));
        var csids = Enumerable.Range(1, 2 * k + 1).Select(i => (ulong)(i * 0x11)).ToList();
        var list = CompressedSegmentList.Compress(csids.Select(block.Sid));
        Assert.That(list.Entries, Has.Count.EqualTo(3), $"{2 * k + 1} C-SIDs in containers of {k}");
        var decoded = list.Entries.Select(e => CsidCodec.Decode(e, block)).ToList();
        Assert.That(decoded.SelectMany(d => d.CarriedCsids), Is.EqualTo(csids), "round trip through the codec");
        Assert.That(decoded.SelectMany(d => d.Malformations), Is.Empty);
        // Each endpoint is one hop: the i-th destination is the i-th C-SID followed by the rest of its container.
        var hops = list.Hops();
        Assert.That(hops, Has.Count.EqualTo(csids.Count));
        var visited = new[] { list.Destination }.Concat(hops.Take(hops.Count - 1).Select(h => h.Destination));
        var expected = csids.Select((_, i) => CsidCodec.EncodeNext(block, csids.Skip(i).Take(k - i % k).ToList()));
        Assert.That(visited, Is.EqualTo(expected));
        Assert.That(list.FinalDestination, Is.EqualTo(block.Address(csids[^1])));
    }

    [Test]
    public void AFollowingSidWithoutTheFlavorIsCopiedIntoTheContainer()
    {
        // §6.2 S10–S13 (e.g. an End.DT6 SID of the same block as last C-SID, §4.1 "the last CSID in the sequence is not
        // required to have the NEXT-CSID flavor").
        var list = CompressedSegmentList.Compress(F.Sid(0x100), F.Sid(0x200), F.LastSid(0xd06));
        Assert.That(list.Entries, Is.EqualTo(new[] { A("5f00:1:100:200:d06::") }));
        Assert.That(list.FinalDestination, Is.EqualTo(A("5f00:1:d06::")));
        var full = CompressedSegmentList.Compress(Enumerable.Range(1, 6).Select(i => F.Sid((ulong)i)).Append(F.LastSid(0xd06)));
        Assert.That(full.Entries, Is.EqualTo(new[] { A("5f00:1:1:2:3:4:5:6"), A("5f00:1:d06::") }), "no room left: pushed as is");
    }

    [Test]
    public void SidsWithAnArgumentOrNoKnownStructureAreNotCompressed()
    {
        // §6.2: "A SID with the NEXT-CSID flavor is compressible if its structure is known to the SR source node and its
        // Argument value is 0."
        var withArg = new CsidSid(A("5f00:1:300:0:0:0:0:1"), F);
        var list = CompressedSegmentList.Compress(F.Sid(0x100), withArg, CsidSid.Classic("5f00:1:200::"));
        Assert.That(list.Entries, Is.EqualTo(new[] { A("5f00:1:100::"), A("5f00:1:300::1"), A("5f00:1:200::") }));
    }

    // ---- Figure 5: REPLACE-CSID ----

    private static CsidSid[] Figure5Sids() => [.. Enumerable.Range(1, 7).Select(i => B2.Sid(0x00200000UL + (ulong)i))];

    [Test]
    public void Figure5SevenReplaceCsidSids()
    {
        var list = CompressedSegmentList.Compress(Figure5Sids());
        // "The first CSID container is in fully formed 128-bit SID format. [...] The second CSID container carries the
        // second, third, fourth, and fifth CSIDs. The third CSID container carries the sixth and seventh CSIDs."
        // The prose goes on "it sets the 64 least significant bits to zero", but Figure 5 draws the third container with
        // its 64 most significant bits zero and the sixth and seventh C-SIDs in the low 64 bits, as §4.2's positions
        // require ("The second CSID [...] position K-1, the third CSID is encoded in position K-2"): Figure 5 is followed.
        Assert.That(list.Entries, Is.EqualTo(new[]
        {
            A("2001:db8:b2:20:1::"),
            A("20:5:20:4:20:3:20:2"),
            A("::20:7:20:6"),
        }));
        Assert.That(list.SegmentList(), Is.EqualTo(new[] { A("::20:7:20:6"), A("20:5:20:4:20:3:20:2"), A("2001:db8:b2:20:1::") }));
        Assert.That(list.SegmentsLeft, Is.EqualTo(2));
        var expected = new[]
        {
            (CsidStep.ReplaceNextContainer, "2001:db8:b2:20:2::3", 1), // R16–R17: SL 1, index K-1 = 3
            (CsidStep.ReplaceIndex, "2001:db8:b2:20:3::2", 1),         // R05, R20
            (CsidStep.ReplaceIndex, "2001:db8:b2:20:4::1", 1),
            (CsidStep.ReplaceIndex, "2001:db8:b2:20:5::", 1),          // index 0
            (CsidStep.ReplaceNextContainer, "2001:db8:b2:20:6::3", 0),
            (CsidStep.ReplaceIndex, "2001:db8:b2:20:7::2", 0),
            (CsidStep.Ultimate, "2001:db8:b2:20:7::2", 0),             // S02: Segment List[0][1] == 0
        };
        Assert.That(Steps(list.Hops()), Is.EqualTo(expected.Select(e => (e.Item1, Rfc5952.Format(A(e.Item2)), e.Item3))));
        Assert.That(Steps(list.Hops(reduced: true)), Is.EqualTo(Steps(list.Hops())), "reduced SRH: R13 allows SL = Last Entry + 1");
        Assert.That(list.ToString(), Is.EqualTo("2001:db8:b2:[00200001@0], <00200002,00200003,00200004,00200005>, <00200006,00200007>"));
    }

    [Test]
    public void ReplaceZeroPositionMovesToTheNextSegment()
    {
        // R06–R09: the last C-SID (without the flavor) at position 2, position 1 zero: the next entry is a full SID.
        var list = CompressedSegmentList.Compress(B2.Sid(0x00200001), B2.Sid(0x00200002), B2.LastSid(0x00200003),
            CsidSid.Classic("2001:db8:c::d6"));
        Assert.That(list.Entries, Is.EqualTo(new[] { A("2001:db8:b2:20:1::"), A("::20:3:20:2"), A("2001:db8:c::d6") }));
        Assert.That(Steps(list.Hops()), Is.EqualTo(new[]
        {
            (CsidStep.ReplaceNextContainer, "2001:db8:b2:20:2::3", 1),
            (CsidStep.ReplaceIndex, "2001:db8:b2:20:3::2", 1),
            (CsidStep.ReplaceNextSegment, "2001:db8:c::d6", 0),
            (CsidStep.Ultimate, "2001:db8:c::d6", 0),
        }));
    }

    [Test]
    public void ReplaceFlavorSidEndingAtIndexZeroBeforeAnotherSegmentIsRefused()
    {
        // §6.4 rule 3: "the next element in the SID list MUST be a REPLACE-CSID container in packed format carrying at
        // least one CSID"; rule 2: a full last container's last SID "MUST NOT have the REPLACE-CSID flavor".
        var e = Assert.Throws<ArgumentException>(() => CompressedSegmentList.Compress(B2.Sid(1), CsidSid.Classic("2001:db8:c::d6")));
        Assert.That(e!.Message, Does.Contain("§6.4 rules 2 and 3"));
        var fourInAContainer = Enumerable.Range(1, 5).Select(i => B2.Sid((ulong)i)).Append(CsidSid.Classic("2001:db8:c::d6"));
        Assert.Throws<ArgumentException>(() => CompressedSegmentList.Compress(fourInAContainer), "the fifth at position 0");
        var endsWithoutFlavor = Enumerable.Range(1, 4).Select(i => B2.Sid((ulong)i)).Append(B2.LastSid(5)).Append(CsidSid.Classic("2001:db8:c::d6"));
        Assert.That(CompressedSegmentList.Compress(endsWithoutFlavor).Entries, Has.Count.EqualTo(3));
        Assert.That(CompressedSegmentList.Compress(B2.Sid(1)).Entries, Is.EqualTo(new[] { A("2001:db8:b2:0:1::") }), "alone and last: fine");
    }

    // ---- mixed lists and the headend builder ----

    private static CompressedSegmentList Mixed() => CompressedSegmentList.Compress(
        CsidSid.Classic("2001:db8:a::1"),
        F.Sid(0x100), F.Sid(0x200), F.Sid(0x300),
        B1.Sid(0x10), B1.Sid(0xf123),
        B2.Sid(0x00200001), B2.LastSid(0x00200002),
        CsidSid.Classic("2001:db8:c::d6"));

    [Test]
    public void MixedListOfClassicNextAndReplaceSids()
    {
        var list = Mixed();
        Assert.That(list.Entries, Is.EqualTo(new[]
        {
            A("2001:db8:a::1"), A("5f00:1:100:200:300::"), A("2001:db8:b1:10:f123::"), A("2001:db8:b2:20:1::"), A("::20:2"),
            A("2001:db8:c::d6"),
        }));
        Assert.That(Steps(list.Hops()), Is.EqualTo(new[]
        {
            (CsidStep.NextSegment, "5f00:1:100:200:300::", 4),
            (CsidStep.Shift, "5f00:1:200:300::", 4),
            (CsidStep.Shift, "5f00:1:300::", 4),
            (CsidStep.NextSegment, "2001:db8:b1:10:f123::", 3),
            (CsidStep.Shift, "2001:db8:b1:f123::", 3),
            (CsidStep.NextSegment, "2001:db8:b2:20:1::", 2),
            (CsidStep.ReplaceNextContainer, "2001:db8:b2:20:2::3", 1),
            (CsidStep.ReplaceNextSegment, "2001:db8:c::d6", 0),
            (CsidStep.Ultimate, "2001:db8:c::d6", 0),
        }));
        Assert.That(list.ToString(), Is.EqualTo(
            "2001:db8:a::1, 5f00:1:[0100,0200,0300], 2001:db8:b1:[0010,f123], 2001:db8:b2:[00200001@0], <00200002>, 2001:db8:c::d6"));
    }

    [Test]
    public void NotationWithAndWithoutStructures()
    {
        var list = Mixed();
        var frame = new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(list).Udp(1, 2).Build();
        var notation = NotationPacket.FromDecoded(PacketDecoder.Decode(frame));
        Assert.That(SrNotation.Format(notation, null, null), Is.EqualTo(notation.ToString()), "no structures: nothing changes");
        Assert.That(SrNotation.Format(notation, null, new CsidTable([])), Is.EqualTo(notation.ToString()));
        Assert.That(SrNotation.Format(notation, null, list.Table), Is.EqualTo(
            "(2001:db8:a::100,2001:db8:a::1)(2001:db8:c::d6,<00200002>,2001:db8:b2:[00200001@0],2001:db8:b1:[0010,f123]," +
            "5f00:1:[0100,0200,0300],2001:db8:a::1;SL=5)"));
        var names = new Dictionary<IPAddress, string> { [A("2001:db8:c::d6")] = "D" };
        Assert.That(SrNotation.Format(notation, names, list.Table), Does.StartWith("(2001:db8:a::100,2001:db8:a::1)(D,<00200002>"));
    }

    [Test]
    public void HeadendStimulusAndExpectationsInOneCall()
    {
        var list = CompressedSegmentList.Compress(Enumerable.Range(1, 8).Select(i => B1.Sid((ulong)i)));
        var frame = new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1"), hopLimit: 64)
            .CompressedSegments(list).Udp(4000, 5000, [1, 2, 3]).Build();
        var d = PacketDecoder.Decode(frame);
        Assert.That(d.Ipv6!.Dst, Is.EqualTo(list.Destination));
        Assert.That(d.Srh!.Segments, Is.EqualTo(list.SegmentList()));
        Assert.That(d.Srh.SegmentsLeft, Is.EqualTo(1));
        // §6.5: the checksum is computed with the ultimate destination 2001:db8:b1:8::, not SRH segment [0]
        // (2001:db8:b1:6:7:8::). At the ultimate destination the decoder (pseudo-header = DA at SL 0) finds it right.
        var last = AtHop(frame, list.Hops()[^1]);
        Assert.That(PacketDecoder.Decode(last).Malformations, Is.Empty);
        var reduced = new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(list, reduced: true).Udp(4000, 5000).Build();
        var r = PacketDecoder.Decode(reduced);
        Assert.That((r.Srh!.Segments.Count, r.Srh.SegmentsLeft, r.Srh.EffectiveLastEntry), Is.EqualTo((1, (byte)1, (byte)0)), "RFC 8754 §4.1.1");
    }

    /// <summary>The frame as an endpoint forwards it after <paramref name="hop"/>: only the DA, Segments Left and Hop Limit
    /// change (upper-layer bytes, checksum included, are untouched).</summary>
    private static byte[] AtHop(byte[] frame, CsidHop hop)
    {
        var d = PacketDecoder.Decode(frame);
        var f = (byte[])frame.Clone();
        hop.Destination.TryWriteBytes(f.AsSpan(d.Ipv6!.Offset + 24, 16), out _);
        f[d.SrhOffset!.Value + 3] = (byte)hop.SegmentsLeft;
        f[d.Ipv6.Offset + 7]--;
        return f;
    }

    [Test, Category("Oracle")]
    public void TsharkSeesTheContainersAndAcceptsTheChecksumAtEveryHop()
    {
        RequireTool("/usr/bin/tshark", "tshark");
        var lists = new[]
        {
            CompressedSegmentList.Compress(Enumerable.Range(1, 8).Select(i => B1.Sid((ulong)i))),
            CompressedSegmentList.Compress(Figure5Sids()),
            Mixed(),
        };
        var frames = new List<byte[]>();
        var expected = new List<(string Dst, string Srh, int Sl, bool Final)>();
        foreach (var list in lists)
        {
            var frame = new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(list)
                .IcmpEchoRequest(7, 1, [9, 8, 7]).Build();
            string srh = string.Join(",", list.SegmentList().Select(Rfc5952.Format));
            frames.Add(frame);
            expected.Add((Rfc5952.Format(list.Destination), srh, list.SegmentsLeft, false));
            foreach (var hop in list.Hops().Where(h => h.Step != CsidStep.Ultimate))
            {
                frames.Add(AtHop(frame, hop));
                expected.Add((Rfc5952.Format(hop.Destination), srh, hop.SegmentsLeft, hop.SegmentsLeft == 0 && list.Hops()[^1].Destination.Equals(hop.Destination)));
            }
        }
        var dir = NewWorkDir("csid-tshark");
        try
        {
            var pcap = Path.Combine(dir, "csid.pcap");
            WritePcap(pcap, frames);
            var lines = Sh.Run("/usr/bin/tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "aggregator=,",
                "-e", "ipv6.dst", "-e", "ipv6.routing.srh.addr", "-e", "ipv6.routing.segleft", "-e", "icmpv6.checksum.status")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(frames.Count));
            int finals = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                var f = lines[i].Split('\t');
                Assert.That(IPAddress.Parse(f[0]), Is.EqualTo(IPAddress.Parse(expected[i].Dst)), $"frame {i} ipv6.dst");
                // tshark prints ::20:2 as ::0.32.0.2: compare the addresses, not the text
                Assert.That(f[1].Split(',').Select(IPAddress.Parse), Is.EqualTo(expected[i].Srh.Split(',').Select(IPAddress.Parse)),
                    $"frame {i} srh addresses");
                Assert.That(int.Parse(f[2]), Is.EqualTo(expected[i].Sl), $"frame {i} segments left");
                if (expected[i].Final)
                {
                    // At the ultimate destination tshark's pseudo-header destination is the DA: the §6.5 checksum is right.
                    Assert.That(f[3], Is.EqualTo("1"), $"frame {i}: tshark validates the checksum at the ultimate destination");
                    finals++;
                }
            }
            Assert.That(finals, Is.EqualTo(lists.Length));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
