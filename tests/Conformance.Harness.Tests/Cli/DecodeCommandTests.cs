using System.Net;
using System.Text.Json.Nodes;
using Conformance.Cli.Commands;
using Conformance.Harness.Packets;
using Conformance.Harness.Tests.Oracles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cli;

/// <summary>`srv6conf decode FILE [--format text|json]`: the JSON shape is a public contract.</summary>
public class DecodeCommandTests
{
    private string _dir = "";
    private string _pcap = "";
    private List<byte[]> _frames = [];

    private static readonly string[] TopKeys = ["index", "ipv6", "srh", "inner", "notation", "malformations"];
    private static readonly string[] Ipv6Keys = ["src", "dst", "hop_limit", "next_header", "traffic_class", "flow_label", "payload_length"];
    private static readonly string[] SrhKeys =
        ["next_header", "hdr_ext_len", "routing_type", "segments_left", "last_entry", "flags", "o_flag", "tag", "segments", "tlvs"];
    private static readonly string[] TlvKeys = ["type", "length", "value_hex"];

    private static IPAddress A(string s) => IPAddress.Parse(s);

    [OneTimeSetUp]
    public void WriteCapture()
    {
        _dir = OracleSupport.NewWorkDir("decode-cli");
        _pcap = Path.Combine(_dir, "four.pcap");
        _frames =
        [
            // Non-canonical spellings on purpose: the output must be RFC 5952.
            new PacketBuilder().Ipv6("2001:DB8:0:0:1:0:0:1", "FC00:0:0:0:0:0:0:2", 9, 0x2e, 0x12345)
                .Srh([A("fc00::9"), A("FC00:0000::3"), A("fc00::2")], 1, s =>
                {
                    s.Tag = 0x0102;
                    s.OFlag = true;
                    s.Tlvs.Add(HmacTlv.Create(true, 7, new byte[32]));
                    s.Tlvs.Add(new PadNTlv(4));
                    s.Tlvs.Add(new Pad1Tlv());
                    s.Tlvs.Add(new Pad1Tlv());
                })
                .Udp(1234, 5678, [1, 2, 3]).Build(),
            new PacketBuilder().Ipv6("2001:db8::1", "2001:db8::2").IcmpEchoRequest(1, 2).Build(),
            new PacketBuilder().Ipv6("2001:db8::a", "fc00:0:1::").Srh([A("fc00:0:1::")], 1)
                .Encapsulate(new PacketBuilder().Ipv6("2001:db8:0:0:0:0:2:1", "2001:db8:1::1").IcmpEchoReply(3, 4)).Build(),
            new PacketBuilder().Ipv6("2001:db8::a", "fc00:0:2::").Srh([A("fc00:0:2::"), A("fc00:0:1::")], 2)
                .Encapsulate(new PacketBuilder().Ipv4("192.0.2.1", "192.0.2.2").Udp(1, 2)).Build(),
        ];
        OracleSupport.WritePcap(_pcap, _frames);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static (int Code, string Out, string Err) Run(string path, string format)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = DecodeCommand.Run(path, format, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static void AssertKeys(JsonNode? node, string[] keys, string what)
    {
        Assert.That(node, Is.InstanceOf<JsonObject>(), what);
        Assert.That(node!.AsObject().Select(kv => kv.Key), Is.EquivalentTo(keys), $"{what}: keys");
    }

    [Test]
    public void JsonIsOneObjectPerPacketInFileOrderWithTheDocumentedKeys()
    {
        var (code, stdout, stderr) = Run(_pcap, "json");
        Assert.That(code, Is.Zero, stderr);
        var arr = JsonNode.Parse(stdout);
        Assert.That(arr, Is.InstanceOf<JsonArray>());
        Assert.That(arr!.AsArray(), Has.Count.EqualTo(_frames.Count));
        for (int i = 0; i < _frames.Count; i++)
        {
            var p = arr[i]!;
            AssertKeys(p, TopKeys, $"packet {i}");
            Assert.That((int)p["index"]!, Is.EqualTo(i));
            AssertKeys(p["ipv6"], Ipv6Keys, $"packet {i} ipv6");
            Assert.That(p["malformations"], Is.InstanceOf<JsonArray>());
            Assert.That(p["malformations"]!.AsArray(), Is.Empty, $"packet {i} is well-formed");
            Assert.That((string)p["notation"]!, Is.EqualTo(PacketDecoder.Decode(_frames[i]).Notation));
            if (p["srh"] is { } srh)
            {
                AssertKeys(srh, SrhKeys, $"packet {i} srh");
                foreach (var t in srh["tlvs"]!.AsArray())
                    AssertKeys(t, TlvKeys, $"packet {i} tlv");
            }
        }
        Assert.That(arr[1]!["srh"], Is.Null, "no SRH is null, not absent");
    }

    [Test]
    public void JsonValuesOfTheSrhPacket()
    {
        var p = JsonNode.Parse(Run(_pcap, "json").Out)![0]!;
        var ip = p["ipv6"]!;
        Assert.Multiple(() =>
        {
            Assert.That((string)ip["src"]!, Is.EqualTo("2001:db8::1:0:0:1"), "RFC 5952: lower case, longest zero run");
            Assert.That((string)ip["dst"]!, Is.EqualTo("fc00::2"));
            Assert.That((int)ip["hop_limit"]!, Is.EqualTo(9));
            Assert.That((int)ip["next_header"]!, Is.EqualTo(43));
            Assert.That((int)ip["traffic_class"]!, Is.EqualTo(0x2e));
            Assert.That((int)ip["flow_label"]!, Is.EqualTo(0x12345));
            Assert.That((int)ip["payload_length"]!, Is.EqualTo(_frames[0].Length - 54));
            var s = p["srh"]!;
            Assert.That((int)s["next_header"]!, Is.EqualTo(17));
            Assert.That((int)s["hdr_ext_len"]!, Is.EqualTo((8 + 48 + 40 + 6 + 2) / 8 - 1));
            Assert.That((int)s["routing_type"]!, Is.EqualTo(4));
            Assert.That((int)s["segments_left"]!, Is.EqualTo(1));
            Assert.That((int)s["last_entry"]!, Is.EqualTo(2));
            Assert.That((int)s["flags"]!, Is.EqualTo(0x20));
            Assert.That((bool)s["o_flag"]!, Is.True);
            Assert.That((int)s["tag"]!, Is.EqualTo(0x0102));
            Assert.That(s["segments"]!.AsArray().Select(x => (string)x!), Is.EqualTo(new[] { "fc00::9", "fc00::3", "fc00::2" }));
            var tlvs = s["tlvs"]!.AsArray();
            Assert.That(tlvs.Select(t => (int)t!["type"]!), Is.EqualTo(new[] { 5, 4, 0, 0 }));
            Assert.That(tlvs.Select(t => (int?)t!["length"]), Is.EqualTo(new int?[] { 38, 4, null, null }));
            Assert.That((string)tlvs[0]!["value_hex"]!, Does.StartWith("800000000007").IgnoreCase);
            Assert.That((string)p["inner"]!["kind"]!, Is.EqualTo("udp"));
        });
    }

    [Test]
    public void JsonInnerIpLayersCarryKindAndAddresses()
    {
        var arr = JsonNode.Parse(Run(_pcap, "json").Out)!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That((string)arr[1]!["inner"]!["kind"]!, Is.EqualTo("icmpv6"));
            var v6 = arr[2]!["inner"]!;
            Assert.That((string)v6["kind"]!, Is.EqualTo("ipv6"));
            Assert.That((string)v6["src"]!, Is.EqualTo("2001:db8::2:1"));
            Assert.That((string)v6["dst"]!, Is.EqualTo("2001:db8:1::1"));
            var v4 = arr[3]!["inner"]!;
            Assert.That((string)v4["kind"]!, Is.EqualTo("ipv4"));
            Assert.That((string)v4["src"]!, Is.EqualTo("192.0.2.1"));
            Assert.That((string)v4["dst"]!, Is.EqualTo("192.0.2.2"));
        });
    }

    [Test]
    public void TextHasTheNotationOfEveryPacketInOrder()
    {
        var (code, stdout, stderr) = Run(_pcap, "text");
        Assert.That(code, Is.Zero, stderr);
        int at = 0;
        for (int i = 0; i < _frames.Count; i++)
        {
            string notation = PacketDecoder.Decode(_frames[i]).Notation;
            int found = stdout.IndexOf(notation, at, StringComparison.Ordinal);
            Assert.That(found, Is.GreaterThanOrEqualTo(0), $"packet {i} notation {notation} after offset {at} in:\n{stdout}");
            at = found + notation.Length;
        }
        // Independent of the decoder: the literal RFC 5952 notation of packet 0, on the line numbered 0.
        Assert.That(stdout, Does.Contain("    0  (2001:db8::1:0:0:1,fc00::2)(fc00::9,fc00::3,fc00::2;SL=1)"));
        Assert.That(stdout, Does.Contain("    3  "));
        Assert.That(stderr, Is.Empty);
    }

    [TestCase("json")]
    [TestCase("text")]
    public void MissingFileIsAnErrorNamingTheFile(string format)
    {
        var missing = Path.Combine(_dir, "does-not-exist.pcap");
        var (code, stdout, stderr) = Run(missing, format);
        Assert.That(code, Is.Not.Zero);
        Assert.That(stderr, Does.Contain(missing));
        Assert.That(stdout, Is.Empty);
    }

    [TestCase("json")]
    [TestCase("text")]
    public void NonPcapFileIsAnErrorNamingTheFile(string format)
    {
        var notPcap = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notPcap, "this is not a capture file\n");
        var (code, stdout, stderr) = Run(notPcap, format);
        Assert.That(code, Is.Not.Zero);
        Assert.That(stderr, Does.Contain(notPcap));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public void TheBuiltCliRunsTheDecodeVerb()
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "srv6conf.dll");
        Assert.That(dll, Does.Exist, "the test project references the CLI, so srv6conf.dll is next to the tests");
        var (code, stdout, stderr) = Sh.Try("dotnet", dll, "decode", _pcap, "--format", "json");
        Assert.That(code, Is.Zero, stderr);
        var arr = JsonNode.Parse(stdout)!.AsArray();
        Assert.That(arr, Has.Count.EqualTo(_frames.Count));
        Assert.That(arr.Select(p => (string)p!["notation"]!), Is.EqualTo(_frames.Select(f => PacketDecoder.Decode(f).Notation)));

        var bad = Sh.Try("dotnet", dll, "decode", Path.Combine(_dir, "nope.pcap"));
        Assert.That(bad.Code, Is.Not.Zero);
        Assert.That(bad.Err, Does.Contain("nope.pcap"));
    }
}
