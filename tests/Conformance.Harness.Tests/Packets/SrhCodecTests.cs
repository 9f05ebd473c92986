using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
public class SrhCodecTests
{
    internal static IPAddress Seg(int i) => IPAddress.Parse($"fc00:0:{i:x}::{i + 1:x}");

    public sealed record SrhCase(string Name, Func<SegmentRoutingHeader> Make)
    {
        public override string ToString() => Name;
    }

    private static SegmentRoutingHeader Srh(int n, byte sl, byte flags = 0, ushort tag = 0, params SrhTlv[] tlvs)
    {
        var s = new SegmentRoutingHeader
        {
            NextHeader = 58,
            SegmentsLeft = sl,
            Flags = flags,
            Tag = tag,
            Segments = [.. Enumerable.Range(0, n).Select(Seg)],
            Tlvs = [.. tlvs],
        };
        return s;
    }

    public static IEnumerable<SrhCase> Cases()
    {
        foreach (int n in new[] { 1, 2, 3, 8, 16 })
        {
            yield return new($"{n} segments, SL=n-1", () => Srh(n, (byte)(n - 1)));
            yield return new($"{n} segments, SL=0, tag 0xbeef", () => Srh(n, 0, tag: 0xBEEF));
        }
        yield return new("O-flag", () => Srh(2, 1, flags: 0x20));
        yield return new("O-flag plus unknown flag bits", () => Srh(2, 1, flags: 0xFF));
        yield return new("unknown flag bits only", () => Srh(2, 1, flags: 0x81));
        yield return new("tag 0xffff", () => Srh(3, 2, tag: 0xFFFF));
        yield return new("Pad1 x8", () => Srh(1, 0, 0, 0, Enumerable.Repeat<SrhTlv>(new Pad1Tlv(), 8).ToArray()));
        yield return new("PadN 6 (len 4)", () => Srh(1, 0, 0, 0, new PadNTlv(4), new Pad1Tlv(), new Pad1Tlv()));
        yield return new("PadN with non-zero bytes kept", () => Srh(1, 0, 0, 0, new PadNTlv([1, 2, 3, 4, 5, 6])));
        yield return new("HMAC 32 D=1", () => Srh(2, 1, 0, 0, HmacTlv.Create(true, 0x01020304, Enumerable.Range(1, 32).Select(i => (byte)i).ToArray())).AddPadding());
        yield return new("HMAC 8 D=0 reserved bits", () => Srh(2, 1, 0, 0, new HmacTlv(0x7ABC, 7, new byte[8])).AddPadding());
        yield return new("unknown TLV type 130", () => Srh(3, 1, 0, 0, new RawTlv(130, [9, 8, 7, 6, 5, 4])));
        yield return new("mixed TLVs", () => Srh(3, 1, 0x20, 42, new RawTlv(7, [1]), HmacTlv.Create(false, 99, new byte[16]), new Pad1Tlv()).AddPadding());
        yield return new("bad HMAC length kept raw", () => Srh(1, 0, 0, 0, new RawTlv(5, [1, 2, 3, 4]), new Pad1Tlv(), new Pad1Tlv()));
        yield return new("explicit LE beyond the list kept", () => { var s = Srh(3, 1); s.LastEntry = 3; return s; });
        yield return new("SL > LE+1 kept", () => Srh(2, 9));
        yield return new("routing type 3 kept", () => { var s = Srh(2, 1); s.RoutingType = 3; return s; });
        yield return new("0 segments (hdr ext len 0, LE wraps to 255)", () => Srh(0, 0));
    }

    private static void AssertFieldsEqual(SegmentRoutingHeader expected, SegmentRoutingHeader actual)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.NextHeader, Is.EqualTo(expected.NextHeader), "next header");
            Assert.That(actual.EffectiveHdrExtLen, Is.EqualTo(expected.EffectiveHdrExtLen), "hdr ext len");
            Assert.That(actual.RoutingType, Is.EqualTo(expected.RoutingType), "routing type");
            Assert.That(actual.SegmentsLeft, Is.EqualTo(expected.SegmentsLeft), "SL");
            Assert.That(actual.EffectiveLastEntry, Is.EqualTo(expected.EffectiveLastEntry), "LE");
            Assert.That(actual.Flags, Is.EqualTo(expected.Flags), "flags");
            Assert.That(actual.OFlag, Is.EqualTo(expected.OFlag), "O-flag");
            Assert.That(actual.Tag, Is.EqualTo(expected.Tag), "tag");
            Assert.That(actual.Segments, Is.EqualTo(expected.Segments), "segments");
            Assert.That(actual.Tlvs, Is.EqualTo(expected.Tlvs), "tlvs");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void RoundTripIsByteExact(SrhCase c)
    {
        var srh = c.Make();
        byte[] bytes = srh.Encode();
        Assert.That(bytes.Length % 8, Is.Zero, "SRH must be a multiple of 8 octets");
        Assert.That(bytes.Length, Is.EqualTo(8 * (bytes[1] + 1)));

        var m = new List<Malformation>();
        var decoded = SegmentRoutingHeader.Decode(bytes, 100, m, out int consumed);
        Assert.That(decoded, Is.Not.Null);
        Assert.That(consumed, Is.EqualTo(bytes.Length));
        AssertFieldsEqual(srh, decoded!);
        Assert.That(decoded!.Encode(), Is.EqualTo(bytes));
        Assert.That(m.All(x => x.Offset >= 100 && x.Offset < 100 + bytes.Length), Is.True);
    }

    [Test]
    public void WellFormedHeadersReportNothing()
    {
        foreach (var c in Cases().Take(15))
        {
            var m = new List<Malformation>();
            SegmentRoutingHeader.Decode(c.Make().Encode(), 0, m, out _);
            Assert.That(m.Where(x => !x.IsNote), Is.Empty, c.Name);
        }
    }

    [Test]
    public void ZeroSegmentsUsesLastEntryWrapAndIsReported()
    {
        var srh = Srh(0, 0);
        byte[] bytes = srh.Encode();
        Assert.That(bytes, Has.Length.EqualTo(8));
        Assert.That(bytes[1], Is.Zero, "hdr ext len");
        Assert.That(bytes[4], Is.EqualTo(255), "LE wraps to 255 for an empty list");
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(bytes, 0, m, out int consumed);
        Assert.That(consumed, Is.EqualTo(8));
        Assert.That(d!.Segments, Is.Empty);
        Assert.That(d.Encode(), Is.EqualTo(bytes));
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "hdr_ext_len" && x.Offset == 1));
    }

    [Test]
    public void OFlagIsBit0x20AndKeepsOtherBits()
    {
        var s = new SegmentRoutingHeader { Flags = 0x81 };
        Assert.That(s.OFlag, Is.False);
        s.OFlag = true;
        Assert.That(s.Flags, Is.EqualTo(0xA1));
        s.OFlag = false;
        Assert.That(s.Flags, Is.EqualTo(0x81));
    }

    [TestCase(24, 0)]
    [TestCase(25, 7)]
    [TestCase(31, 1)]
    [TestCase(30, 2)]
    [TestCase(29, 3)]
    public void PaddingBringsLengthToMultipleOf8(int current, int expectedPad)
    {
        var pad = SegmentRoutingHeader.PaddingFor(current);
        Assert.That(pad.Sum(t => t.EncodedLength), Is.EqualTo(expectedPad));
        if (expectedPad == 1) Assert.That(pad.Single(), Is.TypeOf<Pad1Tlv>());
        if (expectedPad >= 2) Assert.That(pad.Single(), Is.TypeOf<PadNTlv>());
    }

    [Test]
    public void UnpaddedHeaderWithoutExplicitLengthRefusesToEncode()
    {
        var s = Srh(1, 0, 0, 0, new RawTlv(9, [1]));
        Assert.That(() => s.Encode(), Throws.InvalidOperationException.With.Message.Contains("multiple of 8"));
        s.HdrExtLen = 2; // deliberately wrong, written verbatim
        Assert.That(s.Encode()[1], Is.EqualTo(2));
    }

    [Test]
    public void TruncatedFixedHeaderReturnsNull()
    {
        var m = new List<Malformation>();
        Assert.That(SegmentRoutingHeader.Decode(new byte[5], 40, m, out int consumed), Is.Null);
        Assert.That(consumed, Is.EqualTo(5));
        Assert.That(m.Single().Field, Is.EqualTo("header"));
        Assert.That(m.Single().Offset, Is.EqualTo(40));
    }

    [Test]
    public void HdrExtLenBeyondPacketKeepsPresentBytes()
    {
        byte[] full = Srh(3, 2).Encode();
        byte[] cut = full[..40];
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(cut, 0, m, out int consumed);
        Assert.That(consumed, Is.EqualTo(40));
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "hdr_ext_len"));
        Assert.That(d!.Segments, Has.Count.EqualTo(2));
        Assert.That(d.Encode(), Is.EqualTo(cut), "present bytes survive a round trip");
    }

    [Test]
    public void LastEntryBeyondSpaceIsReported()
    {
        var s = Srh(2, 1);
        s.LastEntry = 5;
        byte[] b = s.Encode();
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(b, 0, m, out _);
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "last_entry" && x.Offset == 4));
        Assert.That(d!.Encode(), Is.EqualTo(b));
    }

    [Test]
    public void SegmentsLeftAboveLastEntryPlusOneIsReported()
    {
        var m = new List<Malformation>();
        SegmentRoutingHeader.Decode(Srh(2, 3).Encode(), 0, m, out _);
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "segments_left" && x.Offset == 3));
        m.Clear();
        SegmentRoutingHeader.Decode(Srh(2, 2).Encode(), 0, m, out _);
        Assert.That(m, Is.Empty, "SL = LE+1 is not malformed in itself");
    }

    [Test]
    public void TlvOverrunKeepsRawBytes()
    {
        var s = Srh(1, 0, 0, 0, new RawTlv(7, [1, 2, 3, 4, 5, 6]));
        byte[] b = s.Encode();
        b[25] = 40; // length of the TLV now runs past the header
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(b, 0, m, out _);
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "tlvs[0]" && x.Problem.Contains("overrun")));
        Assert.That(d!.TrailingBytes, Has.Length.EqualTo(8));
        Assert.That(d.Encode(), Is.EqualTo(b));
    }

    [TestCase(4)]
    [TestCase(10)]
    [TestCase(46)]
    public void HmacWithBadLengthIsReported(int len)
    {
        var s = Srh(1, 0, 0, 0, new RawTlv(5, new byte[len]));
        s.AddPadding();
        byte[] b = s.Encode();
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(b, 0, m, out _);
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "tlvs[0]" && x.Problem.Contains("HMAC")));
        Assert.That(d!.Encode(), Is.EqualTo(b));
    }

    [Test]
    public void HmacTlvFieldsDecode()
    {
        var s = Srh(1, 0, 0, 0, new HmacTlv(0x8001, 0xA0B0C0D0, new byte[16])).AddPadding();
        var d = SegmentRoutingHeader.Decode(s.Encode(), 0, [], out _)!;
        var h = (HmacTlv)d.Tlvs[0];
        Assert.That(h.DFlag, Is.True);
        Assert.That(h.Reserved, Is.EqualTo(1));
        Assert.That(h.KeyId, Is.EqualTo(0xA0B0C0D0));
        Assert.That(h.Length, Is.EqualTo(22));
    }

    [Test]
    public void SegmentListNotFittingHdrExtLenIsReported()
    {
        var s = Srh(2, 1);
        s.HdrExtLen = 3; // room for 1.5 segments
        byte[] b = s.Encode()[..32];
        var m = new List<Malformation>();
        var d = SegmentRoutingHeader.Decode(b, 0, m, out _);
        Assert.That(m, Has.Some.Matches<Malformation>(x => x.Field == "last_entry"));
        Assert.That(d!.Encode(), Is.EqualTo(b));
    }

    [Test]
    public void RoutingTypeOtherThan4IsANote()
    {
        var s = Srh(1, 0);
        s.RoutingType = 2;
        var m = new List<Malformation>();
        SegmentRoutingHeader.Decode(s.Encode(), 0, m, out _);
        Assert.That(m.Single().IsNote, Is.True);
        Assert.That(m.Single().Field, Is.EqualTo("routing_type"));
    }
}
