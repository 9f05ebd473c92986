using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
public class SrNotationTests
{
    private static readonly Dictionary<string, IPAddress> Symbols = new()
    {
        ["A"] = IPAddress.Parse("2001:db8:a::1"),
        ["C"] = IPAddress.Parse("2001:db8:c::1"),
        ["D"] = IPAddress.Parse("2001:db8:d::1"),
        ["S1"] = IPAddress.Parse("fc00:1::1"),
        ["S2"] = IPAddress.Parse("fc00:2::1"),
        ["S3"] = IPAddress.Parse("fc00:3::1"),
    };

    [TestCase("(A,S1)(S3,S2,S1;SL=2)")]
    [TestCase("(A,S1)(S3,S2,S1;SL=2)(C,D)")]
    [TestCase("(A,S3)(S3,S2,S1;SL=0)")]
    [TestCase("(A,S1)(S1;SL=0)[L2](C,D)")]
    [TestCase("(A,S1)(S2,S1;SL=1)(192.0.2.1,198.51.100.1)")]
    [TestCase("(2001:db8::1,fc00::2)(fc00::3,fc00::2;SL=1)")]
    public void ParsePrintRoundTrip(string text)
    {
        var p = SrNotation.Parse(text, Symbols);
        Assert.That(SrNotation.Format(p, SrNotation.Invert(Symbols)), Is.EqualTo(text));
    }

    [Test]
    public void WhitespaceIsTolerated()
    {
        var p = SrNotation.Parse("  ( A , S1 ) ( S3, S2 ,S1 ; SL = 2 )\t( C,D ) ", Symbols);
        Assert.That(p.ToString(SrNotation.Invert(Symbols)), Is.EqualTo("(A,S1)(S3,S2,S1;SL=2)(C,D)"));
        var srh = (NotationSrh)p.Headers[1];
        Assert.That(srh.Segments[0], Is.EqualTo(Symbols["S3"]), "header order: [0] is written first");
        Assert.That(srh.SegmentsLeft, Is.EqualTo(2));
    }

    [Test]
    public void PrintsLiteralAddressesCanonically()
    {
        var p = SrNotation.Parse("(2001:DB8:0:0:1:0:0:1,FC00::0:2)(FC00:0::2;SL=0)");
        Assert.That(p.ToString(), Is.EqualTo("(2001:db8::1:0:0:1,fc00::2)(fc00::2;SL=0)"));
    }

    [TestCase("(A,S1(S2;SL=0)", 6, "unbalanced parentheses")]
    [TestCase("(A,S1)(S2;SL=0", 7, "unbalanced parentheses")]
    [TestCase("(A,S1))", 7, "unbalanced parentheses")]
    [TestCase("(A,X9)", 4, "unknown symbol 'X9'")]
    [TestCase("(A,S1)(S2,S1;SL=2)", 14, "SL out of range")]
    [TestCase("(A,S1)(S2,S1;SL=9)", 14, "SL out of range")]
    [TestCase("(A,S1)(;SL=0)", 7, "empty segment list")]
    [TestCase("(A,2001:db8::zz)", 4, "bad address")]
    [TestCase("(A)", 1, "exactly two addresses")]
    [TestCase("(A,S1)(S2;XL=0)", 11, "expected 'SL=<n>'")]
    public void ErrorsCarryColumnAndReason(string text, int column, string reason)
    {
        var ex = Assert.Throws<NotationException>(() => SrNotation.Parse(text, Symbols));
        Assert.That(ex!.Column, Is.EqualTo(column));
        Assert.That(ex.Message, Does.Contain(reason));
        Assert.That(ex.Message, Does.Contain($"column {column}"));
    }

    [Test]
    public void SlOutOfRangeAllowedWhenMalformedRequested()
    {
        var p = SrNotation.Parse("(A,S1)(S2,S1;SL=5)", Symbols, allowMalformed: true);
        Assert.That(((NotationSrh)p.Headers[1]).SegmentsLeft, Is.EqualTo(5));
    }

    [Test]
    public void BuilderFromNotationMatchesDecodedPacket()
    {
        var expected = SrNotation.Parse("(A,S1)(S3,S2,S1;SL=2)(C,D)", Symbols);
        byte[] frame = PacketBuilder.FromNotation(expected, new PacketPayload.IcmpEcho(false, 1, 2, [7])).Build();
        var decoded = PacketDecoder.Decode(frame);
        Assert.That(decoded.Malformations, Is.Empty);
        Assert.That(expected.Matches(decoded), Is.True);
        Assert.That(NotationPacket.FromDecoded(decoded).ToString(SrNotation.Invert(Symbols)), Is.EqualTo("(A,S1)(S3,S2,S1;SL=2)(C,D)"));
        Assert.That(decoded.Notation, Is.EqualTo(expected.ToString()));

        var other = SrNotation.Parse("(A,S2)(S3,S2,S1;SL=1)(C,D)", Symbols);
        var diffs = other.Compare(decoded);
        Assert.That(diffs.Select(d => d.Path), Is.EquivalentTo(new[] { "headers[0].dst", "headers[1].segments_left" }));
    }
}
