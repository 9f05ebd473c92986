using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

/// <summary>
/// RFC 9800 C-SID structures and containers. Expected addresses are written out by hand from the RFC's figures and
/// examples (Figure 2, Figure 4, Figure 5, §5.3), never computed with the code under test.
/// </summary>
[TestFixture]
public class CsidCodecTests
{
    private static IPAddress A(string s) => IPAddress.Parse(s);
    private static CsidBlock Block(string prefix, CsidStructure s) => new(A(prefix), s);

    // ---- structures ----

    [TestCase(32, 16, 6, 0, 80)]   // F3216: "a 32-bit LBL and a 16-bit CSID length" (§4.1)
    [TestCase(48, 16, 5, 0, 64)]   // Figure 2: five C-SIDs in the first container, AL 64
    [TestCase(16, 16, 7, 0, 96)]
    [TestCase(32, 32, 3, 0, 64)]
    [TestCase(48, 32, 2, 16, 48)]  // K = floor(80/32) = 2: 16 bits left over
    public void NextCsidStructure(int b, int c, int k, int remainder, int al)
    {
        var s = CsidStructure.Next(b, c);
        Assert.Multiple(() =>
        {
            Assert.That(s.K, Is.EqualTo(k), "K = floor((128-LBL)/LNFL)");
            Assert.That(s.RemainderBits, Is.EqualTo(remainder));
            Assert.That(s.ArgumentBits, Is.EqualTo(al), "AL = 128-LBL-LNFL");
            Assert.That(s.IndexBits, Is.Zero);
        });
    }

    [TestCase(48, 32, 4, 2, 48)]   // Figure 3 / Figure 4: K = 4, X = ceiling(log_2(4)) = 2
    [TestCase(48, 16, 8, 3, 64)]   // K = 8, X = 3
    [TestCase(64, 16, 8, 3, 48)]
    [TestCase(32, 32, 4, 2, 64)]
    public void ReplaceCsidStructure(int b, int c, int k, int x, int al)
    {
        var s = CsidStructure.Replace(b, c);
        Assert.Multiple(() =>
        {
            Assert.That(s.K, Is.EqualTo(k), "K = floor(128/LNFL)");
            Assert.That(s.IndexBits, Is.EqualTo(x), "X = ceiling(log_2(128/LNFL))");
            Assert.That(s.ArgumentBits, Is.EqualTo(al));
        });
    }

    [Test]
    public void InvalidStructuresAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CsidStructure.Next(0, 16), "LBL is not 0 (§6.1)");
        Assert.Throws<ArgumentOutOfRangeException>(() => CsidStructure.Next(32, 0), "LNFL is not 0 (§6.1)");
        Assert.Throws<ArgumentException>(() => CsidStructure.Replace(48, 24), "REPLACE-CSID: 16 or 32 only (§4.2)");
        // 128-LNFL-ceiling(log_2(128/LNFL)) = 128-32-2 = 94 for 32-bit C-SIDs
        Assert.DoesNotThrow(() => CsidStructure.Replace(94, 32));
        Assert.Throws<ArgumentException>(() => CsidStructure.Replace(95, 32));
        Assert.Throws<ArgumentException>(() => new CsidBlock(A("2001:db8:100::"), CsidStructure.F3216), "bits set after a /32");
    }

    // ---- round trips, one per structure, against hand-written containers ----

    public static IEnumerable<TestCaseData> NextContainers()
    {
        yield return new TestCaseData("2001:db8::", CsidStructure.F3216, new ulong[] { 0x100, 0x200, 0x300, 0x400, 0x500, 0x600 },
            "2001:db8:100:200:300:400:500:600", "2001:db8:[0100,0200,0300,0400,0500,0600]").SetName("F3216 full");
        yield return new TestCaseData("2001:db8::", CsidStructure.F3216, new ulong[] { 0x100, 0x200 },
            "2001:db8:100:200::", "2001:db8:[0100,0200]").SetName("F3216 two");
        yield return new TestCaseData("2001:db8:b1::", CsidStructure.F4816, new ulong[] { 1, 2, 3, 4, 5 },
            "2001:db8:b1:1:2:3:4:5", "2001:db8:b1:[0001,0002,0003,0004,0005]").SetName("F4816 Figure 2 first");
        yield return new TestCaseData("2001:db8:b1::", CsidStructure.F4816, new ulong[] { 6, 7, 8 },
            "2001:db8:b1:6:7:8::", "2001:db8:b1:[0006,0007,0008]").SetName("F4816 Figure 2 second");
        yield return new TestCaseData("5f00::", CsidStructure.Next(16, 16), new ulong[] { 1, 2, 3, 4, 5, 6, 7 },
            "5f00:1:2:3:4:5:6:7", "5f00:[0001,0002,0003,0004,0005,0006,0007]").SetName("16/16 full");
        yield return new TestCaseData("2001:db8::", CsidStructure.Next(32, 32), new ulong[] { 0x10001, 0x20002, 0x30003 },
            "2001:db8:1:1:2:2:3:3", "2001:db8:[00010001,00020002,00030003]").SetName("32/32 full");
        yield return new TestCaseData("2001:db8::", CsidStructure.Next(32, 32), new ulong[] { 0xa },
            "2001:db8:0:a::", "2001:db8:[0000000a]").SetName("32/32 one");
        yield return new TestCaseData("2001:db8:b1::", CsidStructure.Next(48, 32), new ulong[] { 0x10010, 0x20020 },
            "2001:db8:b1:1:10:2:20:0", "2001:db8:b1:[00010010,00020020]").SetName("48/32 remainder zero");
        yield return new TestCaseData("2001:db8:1000::", CsidStructure.Next(40, 16), new ulong[] { 0xabcd, 0x1234 },
            "2001:db8:10ab:cd12:3400::", "2001:db8:1000::/40:[abcd,1234]").SetName("40/16 block not on a group");
    }

    [TestCaseSource(nameof(NextContainers))]
    public void NextCsidRoundTrip(string prefix, CsidStructure s, ulong[] csids, string address, string notation)
    {
        var block = Block(prefix, s);
        var encoded = CsidCodec.EncodeNext(block, csids);
        Assert.That(encoded, Is.EqualTo(A(address)), Rfc5952.Format(encoded));
        var c = CsidCodec.Decode(A(address), block);
        Assert.Multiple(() =>
        {
            Assert.That(c.Form, Is.EqualTo(CsidContainerForm.Next));
            Assert.That(c.Csids, Has.Count.EqualTo(s.K));
            Assert.That(c.Csids.Take(csids.Length), Is.EqualTo(csids));
            Assert.That(c.Csids.Skip(csids.Length), Is.All.Zero, "unused C-SIDs are zero");
            Assert.That(c.Active, Is.EqualTo(csids[0]));
            Assert.That(c.CarriedCsids, Is.EqualTo(csids));
            Assert.That(c.Malformations, Is.Empty);
            Assert.That(c.Notation, Is.EqualTo(notation));
        });
    }

    [Test]
    public void ReplaceFullFormRoundTrip()
    {
        // §5.3: "2001:db8:b2:20:1:: from a GIB with LBL = 48, LNL = 16, FL = 16, AL = 48"
        var block = Block("2001:db8:b2::", CsidStructure.Replace(48, 32));
        Assert.That(CsidCodec.EncodeReplaceFull(block, 0x00200001), Is.EqualTo(A("2001:db8:b2:20:1::")));
        Assert.That(CsidCodec.EncodeReplaceFull(block, 0x00200001, index: 3), Is.EqualTo(A("2001:db8:b2:20:1::3")), "index in the X = 2 least significant bits");
        var c = CsidCodec.Decode(A("2001:db8:b2:20:1::2"), block);
        Assert.Multiple(() =>
        {
            Assert.That(c.Form, Is.EqualTo(CsidContainerForm.ReplaceFull));
            Assert.That(c.Active, Is.EqualTo(0x00200001UL));
            Assert.That(c.Index, Is.EqualTo(2));
            Assert.That(c.Malformations, Is.Empty);
            Assert.That(c.Notation, Is.EqualTo("2001:db8:b2:[00200001@2]"));
        });
        var c16 = CsidCodec.Decode(A("2001:db8:b2:7::7"), Block("2001:db8:b2::", CsidStructure.Replace(48, 16)));
        Assert.That((c16.Active, c16.Index, c16.Notation), Is.EqualTo((7UL, (int?)7, "2001:db8:b2:[0007@7]")), "16-bit: X = 3 bits");
    }

    [Test]
    public void PackedFormFollowsFigure4()
    {
        // Figure 4: "Fourth CSID (position 0) | Third CSID (position 1) | Second CSID (position 2) | First CSID (position 3)"
        var s = CsidStructure.Replace(48, 32);
        var packed = CsidCodec.EncodePacked(s, [0x11111111, 0x22222222, 0x33333333, 0x44444444]);
        Assert.That(packed, Is.EqualTo(A("4444:4444:3333:3333:2222:2222:1111:1111")));
        var c = CsidCodec.DecodePacked(packed, s);
        Assert.That(c.Csids, Is.EqualTo(new ulong[] { 0x11111111, 0x22222222, 0x33333333, 0x44444444 }), "processing order");
        Assert.That(c.Notation, Is.EqualTo("<11111111,22222222,33333333,44444444>"));
        // Figure 5's third container: the sixth and seventh C-SIDs in positions 3 and 2, 64 zero bits in front
        var third = CsidCodec.EncodePacked(s, [0x6, 0x7]);
        Assert.That(third, Is.EqualTo(A("::7:0:6")));
        Assert.That(CsidCodec.DecodePacked(third, s).Notation, Is.EqualTo("<00000006,00000007>"));
        Assert.That(CsidCodec.DecodePacked(third, s).Malformations, Is.Empty);
        var p16 = CsidCodec.EncodePacked(CsidStructure.Replace(48, 16), [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.That(p16, Is.EqualTo(A("8:7:6:5:4:3:2:1")), "16-bit: K = 8 positions");
    }

    // ---- malformations ----

    [Test]
    public void NonZeroCsidAfterAZeroOneIsAnError()
    {
        var block = Block("2001:db8::", CsidStructure.F3216);
        var c = CsidCodec.Decode(A("2001:db8:100:0:300::"), block, baseOffset: 38, fieldPrefix: "dst.");
        Assert.That(c.Malformations, Has.Count.EqualTo(1));
        var m = c.Malformations[0];
        Assert.Multiple(() =>
        {
            Assert.That(m.IsNote, Is.False);
            Assert.That(m.Layer, Is.EqualTo("csid"));
            Assert.That(m.Field, Is.EqualTo("dst.csids[2]"));
            Assert.That(m.Offset, Is.EqualTo(38 + 8), "bits 64..79 are bytes 8..9 of the container");
            Assert.That(m.Problem, Does.Contain("non-zero C-SID 0300 after the zero C-SID at position 1").And.Contain("§6.3 rule 4"));
            Assert.That(c.Notation, Is.EqualTo("2001:db8:[0100,0000,0300]"), "the zero is kept before a non-zero C-SID");
        });
    }

    [Test]
    public void BitsLeftOverAfterTheLastWholeCsidAreAnError()
    {
        var block = Block("2001:db8:b1::", CsidStructure.Next(48, 32));
        var c = CsidCodec.Decode(A("2001:db8:b1:1:10:2:20:abcd"), block);
        Assert.That(c.Malformations, Has.Count.EqualTo(1));
        var m = c.Malformations[0];
        Assert.Multiple(() =>
        {
            Assert.That(m.IsNote, Is.False);
            Assert.That(m.Field, Is.EqualTo("remainder"));
            Assert.That(m.Offset, Is.EqualTo(14));
            Assert.That(m.Problem, Does.Contain("not a whole number of 32-bit C-SIDs").And.Contain("abcd"));
            Assert.That(c.Remainder, Is.EqualTo(0xabcdUL));
            Assert.That(c.Notation, Is.EqualTo("2001:db8:b1:[00010010,00020020|abcd]"));
        });
        Assert.That(CsidCodec.EncodeNext(block, [0x10010, 0x20020], remainder: 0xabcd), Is.EqualTo(c.Address), "malformed stimuli can be built");
    }

    [Test]
    public void BothFlagsTogether()
    {
        var block = Block("2001:db8:b1::", CsidStructure.Next(48, 32));
        var c = CsidCodec.Decode(A("2001:db8:b1:1:10:0:0:1"), block);
        Assert.That(c.Malformations.Select(m => m.Field), Is.EquivalentTo(new[] { "remainder" }),
            "48/32: one argument C-SID (zero) then 16 bits left over");
        var f3216 = CsidCodec.Decode(A("2001:db8:100::200:0:300"), Block("2001:db8::", CsidStructure.F3216));
        Assert.That(f3216.Malformations.Select(m => m.Field), Is.EqualTo(new[] { "csids[3]", "csids[5]" }));
        var both = CsidCodec.Decode(A("2001:db8:b1:1::1:0:1"), Block("2001:db8:b1::", CsidStructure.Next(48, 16)));
        Assert.That(both.Malformations.Select(m => m.Field), Is.EqualTo(new[] { "csids[2]", "csids[4]" }));
        var rem = CsidCodec.Decode(A("5f00:1:0:0:0:0:0:0"), Block("5f00::", CsidStructure.Next(16, 32)));
        Assert.That(rem.Malformations, Is.Empty, "16/32: 112 bits = 3 C-SIDs + 16 zero bits");
        var rem2 = CsidCodec.Decode(A("5f00::1"), Block("5f00::", CsidStructure.Next(16, 32)));
        Assert.That(rem2.Malformations.Select(m => (m.Field, m.IsNote)),
            Is.EquivalentTo(new[] { ("csids[0]", true), ("remainder", false) }), "active C-SID 0 is only a note (reserved value, §5)");
    }

    [Test]
    public void PackedContainerFindings()
    {
        var s = CsidStructure.Replace(48, 32);
        // position 3 = 6, position 2 = 0, position 1 = 7: the 7 is never read
        var c = CsidCodec.DecodePacked(A("0:0:0:7:0:0:0:6"), s, baseOffset: 100);
        Assert.That(c.Malformations, Has.Count.EqualTo(1));
        Assert.That(c.Malformations[0].Field, Is.EqualTo("csids[2]"));
        Assert.That(c.Malformations[0].Offset, Is.EqualTo(104), "position 1 is bytes 4..7");
        Assert.That(c.Notation, Is.EqualTo("<00000006,00000000,00000007>"));
        var empty = CsidCodec.DecodePacked(IPAddress.IPv6Any, s);
        Assert.That(empty.Malformations.Select(m => m.Field), Is.EqualTo(new[] { "csids" }));
        Assert.That(empty.Notation, Is.EqualTo("<>"));
    }

    [Test]
    public void ReplaceArgumentBitsAboveTheIndexAreANote()
    {
        var block = Block("2001:db8:b2::", CsidStructure.Replace(48, 32));
        var c = CsidCodec.Decode(A("2001:db8:b2:20:1:8000::1"), block);
        Assert.That(c.Malformations.Select(m => (m.Field, m.IsNote)), Is.EqualTo(new[] { ("argument", true) }));
        Assert.That(c.Notation, Is.EqualTo("2001:db8:b2:[00200001|200000000000@1]"));
    }

    // ---- block parsing (decode --csid) ----

    [TestCase("2001:db8:100::/48,16", CsidFlavor.NextCsid, 48, 16)]
    [TestCase("2001:db8::/32,16,next", CsidFlavor.NextCsid, 32, 16)]
    [TestCase(" 2001:db8:b2::/48 , 32 , REPLACE ", CsidFlavor.ReplaceCsid, 48, 32)]
    [TestCase("5f00::/16,16", CsidFlavor.NextCsid, 16, 16)]
    public void BlockSpecsParse(string spec, CsidFlavor flavor, int b, int c)
    {
        var block = CsidBlock.Parse(spec);
        Assert.That((block.Structure.Flavor, block.Structure.BlockBits, block.Structure.CsidBits), Is.EqualTo((flavor, b, c)));
        Assert.That(CsidBlock.Parse(block.ToString()), Is.EqualTo(block), "ToString is the spec form");
    }

    [TestCase("2001:db8:100::,16", "no /B length")]
    [TestCase("2001:db8:100::/48", "needs a prefix")]
    [TestCase("2001:db8:100::/x,16", "not a block length")]
    [TestCase("2001:db8:100::/32,16", "bits set after its length")]
    [TestCase("2001:db8:100::/48,16,sideways", "unknown flavor")]
    [TestCase("2001:db8:b2::/48,24,replace", "16- and 32-bit")]
    [TestCase("192.0.2.0/24,16", "not an IPv6 address")]
    public void BadBlockSpecsSayWhy(string spec, string why)
    {
        var e = Assert.Throws<FormatException>(() => CsidBlock.Parse(spec));
        Assert.That(e!.Message, Does.Contain(why).And.Contain(spec));
    }
}
