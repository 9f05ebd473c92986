using System.Net;
using System.Text.Json.Nodes;
using Conformance.Cli.Commands;
using Conformance.Harness.Packets;
using Conformance.Harness.Tests.Oracles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

/// <summary>`srv6conf decode --csid PREFIX/B,C[,next|replace]`: containers as block + C-SIDs; the JSON only gains fields.</summary>
[TestFixture]
public class CsidDecodeTests
{
    private static IPAddress A(string s) => IPAddress.Parse(s);

    private static readonly string[] Blocks = ["2001:db8:b1::/48,16", "2001:db8:b2::/48,32,replace", "5f00:1::/32,16", "2001:db8:b3::/48,32"];
    private static readonly string[] CsidKeys =
        ["flavor", "form", "block", "block_bits", "csid_bits", "csids", "index", "remainder_hex", "notation", "malformations"];

    private string _dir = "";
    private string _pcap = "";

    [OneTimeSetUp]
    public void WriteCapture()
    {
        var b1 = new CsidBlock(A("2001:db8:b1::"), CsidStructure.F4816);
        var b2 = new CsidBlock(A("2001:db8:b2::"), CsidStructure.Replace(48, 32));
        var figure2 = CompressedSegmentList.Compress(Enumerable.Range(1, 8).Select(i => b1.Sid((ulong)i)));
        var figure5 = CompressedSegmentList.Compress(Enumerable.Range(1, 7).Select(i => b2.Sid(0x00200000UL + (ulong)i)));
        _dir = OracleSupport.NewWorkDir("csid-decode");
        _pcap = Path.Combine(_dir, "csid.pcap");
        OracleSupport.WritePcap(_pcap,
        [
            new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(figure2).NoNextHeader().Build(),
            new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(figure5).NoNextHeader().Build(),
            // both malformations: a C-SID after a zero one in the DA (F3216), bits left over in segment [0] (48/32)
            new PacketBuilder().Ipv6("2001:db8:a::100", "5f00:1:100:0:300::")
                .Srh([A("2001:db8:b3:1:10:2:20:abcd"), A("5f00:1:100:0:300::")], 1).NoNextHeader().Build(),
            new PacketBuilder().Ipv6("2001:db8::1", "2001:db8::2").NoNextHeader().Build(),
        ]);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static (int Code, string Out, string Err) Run(string path, string format, params string[] csid)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = DecodeCommand.Run(path, format, o, e, csid);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void TextShowsContainersAsBlockAndCsids()
    {
        var (code, stdout, stderr) = Run(_pcap, "text", Blocks);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain(
            "    0  (2001:db8:a::100,2001:db8:b1:[0001,0002,0003,0004,0005])(2001:db8:b1:[0006,0007,0008],2001:db8:b1:[0001,0002,0003,0004,0005];SL=1)"));
        Assert.That(stdout, Does.Contain(
            "    1  (2001:db8:a::100,2001:db8:b2:[00200001@0])(<00200006,00200007>,<00200002,00200003,00200004,00200005>,2001:db8:b2:[00200001@0];SL=2)"));
        Assert.That(stdout, Does.Contain(
            "    2  (2001:db8:a::100,5f00:1:[0100,0000,0300])(2001:db8:b3:[00010010,00020020|abcd],5f00:1:[0100,0000,0300];SL=1)"));
        // DA at byte 38 (14 + 24), csids[2] at bit 64 of it; segment [0] at byte 62 (14 + 40 + 8), remainder at bit 112.
        Assert.That(stdout, Does.Contain("       ! csid.dst.csids[2] at byte 46: non-zero C-SID 0300 after the zero C-SID at position 1"));
        Assert.That(stdout, Does.Contain("       ! csid.segments[0].remainder at byte 76: the Argument is not a whole number of 32-bit C-SIDs"));
        Assert.That(stdout, Does.Contain("       ! csid.segments[1].csids[2] at byte 86:"), "segment [1] at byte 78");
        Assert.That(stdout, Does.Contain("    3  (2001:db8::1,2001:db8::2)"));
        var plain = Run(_pcap, "text").Out;
        Assert.That(plain, Does.Not.Contain("[0001").And.Not.Contain("! csid"), "without --csid nothing changes");
    }

    [Test]
    public void JsonGainsFieldsOnly()
    {
        var (code, stdout, stderr) = Run(_pcap, "json", Blocks);
        Assert.That(code, Is.Zero, stderr);
        var arr = JsonNode.Parse(stdout)!.AsArray();
        var plain = JsonNode.Parse(Run(_pcap, "json").Out)!.AsArray();
        for (int i = 0; i < arr.Count; i++)
        {
            // Every field of the plain output is there with the same value; only csid fields are new.
            var stripped = arr[i]!.DeepClone().AsObject();
            stripped.Remove("csid_notation");
            (stripped["ipv6"] as JsonObject)?.Remove("dst_csid");
            (stripped["srh"] as JsonObject)?.Remove("segments_csid");
            Assert.That(JsonNode.DeepEquals(stripped, plain[i]), Is.True, $"packet {i}: only csid fields added\n{arr[i]}");
            Assert.That(plain[i]!.AsObject().ContainsKey("csid_notation"), Is.False);
        }

        var p0 = arr[0]!;
        Assert.That((string)p0["csid_notation"]!, Does.StartWith("(2001:db8:a::100,2001:db8:b1:[0001,0002,0003,0004,0005])"));
        var dst = p0["ipv6"]!["dst_csid"]!;
        Assert.That(dst.AsObject().Select(kv => kv.Key), Is.EquivalentTo(CsidKeys));
        Assert.Multiple(() =>
        {
            Assert.That((string)dst["flavor"]!, Is.EqualTo("NEXT-CSID"));
            Assert.That((string)dst["form"]!, Is.EqualTo("next"));
            Assert.That((string)dst["block"]!, Is.EqualTo("2001:db8:b1::/48"));
            Assert.That((int)dst["block_bits"]!, Is.EqualTo(48));
            Assert.That((int)dst["csid_bits"]!, Is.EqualTo(16));
            Assert.That(dst["csids"]!.AsArray().Select(x => (string)x!), Is.EqualTo(new[] { "0001", "0002", "0003", "0004", "0005" }));
            Assert.That(dst["index"], Is.Null);
            Assert.That(dst["remainder_hex"], Is.Null, "48/16 leaves no bits over");
            Assert.That((string)dst["notation"]!, Is.EqualTo("2001:db8:b1:[0001,0002,0003,0004,0005]"));
            Assert.That(dst["malformations"]!.AsArray(), Is.Empty);
            var segs = p0["srh"]!["segments_csid"]!.AsArray();
            Assert.That(segs, Has.Count.EqualTo(2));
            Assert.That(segs[0]!["csids"]!.AsArray().Select(x => (string)x!), Is.EqualTo(new[] { "0006", "0007", "0008", "0000", "0000" }));
        });

        var p1 = arr[1]!;
        var segs1 = p1["srh"]!["segments_csid"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That((string)p1["ipv6"]!["dst_csid"]!["form"]!, Is.EqualTo("full"));
            Assert.That((int)p1["ipv6"]!["dst_csid"]!["index"]!, Is.Zero);
            Assert.That(segs1.Select(s => (string)s!["form"]!), Is.EqualTo(new[] { "packed", "packed", "full" }));
            Assert.That(segs1[0]!["block"], Is.Null);
            Assert.That(segs1[0]!["csids"]!.AsArray().Select(x => (string)x!), Is.EqualTo(new[] { "00200006", "00200007", "00000000", "00000000" }));
            Assert.That((string)segs1[0]!["flavor"]!, Is.EqualTo("REPLACE-CSID"));
        });

        var p2 = arr[2]!;
        var dm = p2["ipv6"]!["dst_csid"]!["malformations"]!.AsArray();
        Assert.That(dm.Select(m => (string)m!["field"]!), Is.EqualTo(new[] { "dst.csids[2]" }));
        Assert.That((int)dm[0]!["offset"]!, Is.EqualTo(46));
        Assert.That(dm[0]!.AsObject().Select(kv => kv.Key), Is.EquivalentTo(new[] { "layer", "field", "offset", "problem" }), "the packet malformations' shape");
        var s0 = p2["srh"]!["segments_csid"]![0]!;
        Assert.That((string)s0["remainder_hex"]!, Is.EqualTo("abcd"));
        Assert.That(s0["malformations"]!.AsArray().Select(m => (string)m!["field"]!), Is.EqualTo(new[] { "segments[0].remainder" }));
        Assert.That(p2["malformations"]!.AsArray(), Is.Empty, "C-SID findings stay with their container");

        var p3 = arr[3]!;
        Assert.That(p3["ipv6"]!.AsObject().ContainsKey("dst_csid"), Is.True);
        Assert.That(p3["ipv6"]!["dst_csid"], Is.Null, "an address outside every block: null");
        Assert.That(p3["srh"], Is.Null);
    }

    [Test]
    public void BadCsidSpecIsUsageErrorNamingIt()
    {
        var (code, stdout, stderr) = Run(_pcap, "json", "2001:db8:b1::/48");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain("--csid").And.Contain("2001:db8:b1::/48"));
    }

    [Test]
    public void TheBuiltCliTakesRepeatedCsidOptions()
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "srv6conf.dll");
        var (code, stdout, stderr) = Sh.Try("dotnet", dll, "decode", _pcap, "--csid", Blocks[0], "--csid", Blocks[1]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("2001:db8:b1:[0006,0007,0008]").And.Contain("<00200006,00200007>"));
        Assert.That(stdout, Does.Contain("(2001:db8:a::100,5f00:1:100:0:300::)"), "5f00:1::/32 not given: plain");
    }
    /// <summary>
    /// RFC 9800 §6.5: "The Destination Address used in the IPv6 pseudo-header (Section 8.1 of [RFC8200]) is that of the
    /// ultimate destination." With --csid the decoder walks the compressed list to it: a headend packet of a compressed
    /// list (with an SRH, and SRH-less with one container) has no checksum error; a really wrong checksum still has one.
    /// </summary>
    [Test]
    public void ChecksumIsCheckedAgainstTheUltimateDestinationOfACompressedList()
    {
        var b1 = new CsidBlock(A("2001:db8:b1::"), CsidStructure.F4816);
        var figure2 = CompressedSegmentList.Compress(Enumerable.Range(1, 8).Select(i => b1.Sid((ulong)i)));
        var single = CompressedSegmentList.Compress(Enumerable.Range(1, 3).Select(i => b1.Sid((ulong)i)));
        var withSrh = new PacketBuilder().Ipv6(A("2001:db8:a::100"), A("::1")).CompressedSegments(figure2).Udp(4000, 5000, [1, 2, 3]).Build();
        var srhLess = new PacketBuilder().Ipv6(A("2001:db8:a::100"), single.Destination)
            .WithPseudoHeaderDestination(single.FinalDestination).IcmpEchoRequest(7, 1).Build();
        var wrong = (byte[])withSrh.Clone();
        wrong[^4] ^= 0x5a;  // a UDP payload octet: the checksum no longer matches
        Assert.That(single.Entries, Has.Count.EqualTo(1), "one container: no SRH needed");
        Assert.That(PacketDecoder.Decode(srhLess).Srh, Is.Null);
        string pcap = Path.Combine(_dir, "checksum.pcap");
        OracleSupport.WritePcap(pcap, [withSrh, srhLess, wrong]);

        var plain = Run(pcap, "text").Out;
        Assert.That(plain, Does.Contain("checksum"), "without --csid the RFC 8200 rule (segment [0], or the DA without SRH) misses");
        var (code, stdout, stderr) = Run(pcap, "text", "2001:db8:b1::/48,16");
        Assert.That(code, Is.Zero, stderr);
        var json = JsonNode.Parse(Run(pcap, "json", "2001:db8:b1::/48,16").Out)!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(json[0]!["malformations"]!.AsArray(), Is.Empty, $"headend packet with SRH, ultimate destination {figure2.FinalDestination}\n{stdout}");
            Assert.That(json[1]!["malformations"]!.AsArray(), Is.Empty, $"SRH-less single container, ultimate destination {single.FinalDestination}\n{stdout}");
            var m = json[2]!["malformations"]!.AsArray();
            Assert.That(m.Select(x => (string)x!["field"]!), Is.EqualTo(new[] { "checksum" }), "a really wrong checksum is still found");
            Assert.That((string)m[0]!["problem"]!, Does.Contain("pseudo-header destination 2001:db8:b1:8::"));
            Assert.That(stdout, Does.Contain("pseudo-header destination 2001:db8:b1:8::"));
        });
    }
}
