using System.Net;
using System.Text.Json.Nodes;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;
using static Conformance.Harness.Tests.Oracles.OracleSupport;

namespace Conformance.Harness.Tests.Oracles;

/// <summary>
/// scapy as a second, independent packet oracle: Oracles/scapy_packets.py (run ONCE with Debian's /usr/bin/python3)
/// builds SRv6 packets, writes them with wrpcap and writes a JSON sidecar of the intended field values. The harness
/// reads the pcap with <see cref="PcapFile"/>, decodes it with <see cref="PacketDecoder"/> and must find exactly those
/// values, accept the checksums scapy computed, and re-encode every SRH byte-exact.
/// </summary>
[TestFixture, Category("Oracle")]
public class ScapyOracleTests
{
    private const string Python = "/usr/bin/python3";

    private string _dir = "";
    private IReadOnlyList<Frame> _frames = [];
    private JsonArray _intended = [];
    private List<DecodedPacket> _decoded = [];

    [OneTimeSetUp]
    public void GenerateOnce()
    {
        RequireTool(Python, "python3 (Debian's, with python3-scapy)");
        _dir = NewWorkDir("scapy");
        var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Oracles", "scapy_packets.py");
        Assert.That(script, Does.Exist, "scapy_packets.py must be copied to the test output");
        var pcap = Path.Combine(_dir, "scapy.pcap");
        var json = Path.Combine(_dir, "scapy.json");
        var (code, _, err) = Sh.Try(Python, script, pcap, json);
        if (code != 0 && err.Contains("No module named 'scapy'", StringComparison.Ordinal))
            Assert.Fail("scapy is missing: install Debian package python3-scapy (scripts/setup.sh does).");
        Assert.That(code, Is.Zero, $"scapy_packets.py failed: {err}");
        _frames = PcapFile.Read(pcap);
        _intended = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        _decoded = [.. _frames.Select(f => PacketDecoder.Decode(f.Data))];
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Test]
    public void ScapyTableIsLargeAndVaried()
    {
        Assert.That(_frames, Has.Count.EqualTo(_intended.Count), "one sidecar entry per pcap frame");
        Assert.That(_frames, Has.Count.GreaterThanOrEqualTo(20));
        var kinds = _intended.Select(p => (string)p!["inner"]!["kind"]!).ToHashSet();
        Assert.That(kinds, Is.SupersetOf(new[] { "udp", "icmpv6", "tcp", "ipv6", "ipv4", "none" }));
        var tlvTypes = _intended.SelectMany(p => p!["srh"]!["tlvs"]!.AsArray()).Select(t => (int)t!["type"]!).ToHashSet();
        Assert.That(tlvTypes, Is.SupersetOf(new[] { 0, 4 }), "Pad1 and PadN");
        Assert.That(_intended.Any(p => (bool)p!["srh"]!["o_flag"]!), "an O-flag packet");
    }

    [Test]
    public void HarnessDecodesEveryScapyPacketAsIntended()
    {
        var chk = new FieldChecker();
        for (int i = 0; i < _frames.Count; i++)
        {
            var want = _intended[i]!;
            var d = _decoded[i];
            string where = $"#{i} {want["name"]}";
            if (d.Malformations.Count > 0)
                chk.Fail(where, "malformations: " + string.Join("; ", d.Malformations.Select(m => $"{m.Layer}.{m.Field}: {m.Problem}")));
            chk.Want(where, "eth.src", "02000000AA01", d.Ethernet?.Source.ToString());
            chk.Want(where, "eth.dst", "02000000BB02", d.Ethernet?.Destination.ToString());
            var ip = d.Ipv6;
            if (ip is null) { chk.Fail(where, "no IPv6 header decoded"); continue; }
            chk.Want(where, "ipv6.src", IPAddress.Parse((string)want["src"]!), ip.Src);
            chk.Want(where, "ipv6.dst", IPAddress.Parse((string)want["dst"]!), ip.Dst);
            chk.Want(where, "ipv6.hop_limit", L(want["hlim"]), ip.HopLimit);
            chk.Want(where, "ipv6.traffic_class", L(want["tc"]), ip.TrafficClass);
            chk.Want(where, "ipv6.flow_label", L(want["fl"]), ip.FlowLabel);
            chk.Want(where, "ipv6.payload_length", L(want["plen"]), ip.PayloadLength);
            chk.Want(where, "ipv6.next_header", 43, ip.NextHeader);
            chk.Want(where, "srh offset", L(want["srh_offset"]), d.SrhOffset);
            CompareSrh(chk, where, want["srh"]!, d.Srh);
            CompareInner(chk, where, want["inner"]!, d.Inner);
        }
        TestContext.Out.WriteLine($"scapy oracle: {chk.Count} fields cross-checked over {_frames.Count} packets");
        chk.AssertNoFailures("scapy's intended values");
        Assert.That(chk.Count, Is.GreaterThan(400));
    }

    [Test]
    public void ChecksumsScapyComputedAreValidInTheHarness()
    {
        int n = 0;
        for (int i = 0; i < _decoded.Count; i++)
            foreach (var (what, valid) in Checksums(_decoded[i].Inner))
            {
                n++;
                Assert.That(valid, Is.True, $"#{i} {_intended[i]!["name"]}: {what} checksum");
            }
        TestContext.Out.WriteLine($"{n} scapy checksums validated by the harness");
        Assert.That(n, Is.GreaterThanOrEqualTo(20));
    }

    [Test]
    public void SrhReEncodesByteExactToScapyBytes()
    {
        for (int i = 0; i < _decoded.Count; i++)
        {
            var d = _decoded[i];
            Assert.That(d.Srh, Is.Not.Null, $"#{i} has an SRH");
            int off = d.SrhOffset!.Value;
            var encoded = d.Srh!.Encode();
            var scapyBytes = _frames[i].Data.AsSpan(off, encoded.Length).ToArray();
            Assert.That(Convert.ToHexStringLower(encoded), Is.EqualTo(Convert.ToHexStringLower(scapyBytes)),
                $"#{i} {_intended[i]!["name"]}: SRH re-encoded at offset {off}");
            Assert.That(encoded, Has.Length.EqualTo(8 * (L(_intended[i]!["srh"]!["hdr_ext_len"]) + 1)));
        }
    }

    // ---------------------------------------------------------------- comparison

    private static long L(JsonNode? n) => n!.GetValue<long>();

    private static void CompareSrh(FieldChecker chk, string where, JsonNode want, SegmentRoutingHeader? s)
    {
        if (s is null) { chk.Fail(where, "no SRH decoded"); return; }
        chk.Want(where, "srh.next_header", L(want["nh"]), s.NextHeader);
        chk.Want(where, "srh.hdr_ext_len", L(want["hdr_ext_len"]), s.EffectiveHdrExtLen);
        chk.Want(where, "srh.routing_type", 4, s.RoutingType);
        chk.Want(where, "srh.segments_left", L(want["sl"]), s.SegmentsLeft);
        chk.Want(where, "srh.last_entry", L(want["le"]), s.EffectiveLastEntry);
        chk.Want(where, "srh.flags", L(want["flags"]), s.Flags);
        chk.Want(where, "srh.o_flag", (bool)want["o_flag"]!, s.OFlag);
        chk.Want(where, "srh.tag", L(want["tag"]), s.Tag);
        var segs = want["segments"]!.AsArray();
        chk.Want(where, "srh.segments count", segs.Count, s.Segments.Count);
        for (int k = 0; k < Math.Min(segs.Count, s.Segments.Count); k++)
            chk.Want(where, $"srh.segments[{k}]", IPAddress.Parse((string)segs[k]!), s.Segments[k]);
        var tlvs = want["tlvs"]!.AsArray();
        chk.Want(where, "srh.tlvs count", tlvs.Count, s.Tlvs.Count);
        for (int k = 0; k < Math.Min(tlvs.Count, s.Tlvs.Count); k++)
        {
            var t = tlvs[k]!;
            chk.Want(where, $"srh.tlvs[{k}].type", L(t["type"]), s.Tlvs[k].Type);
            chk.Want(where, $"srh.tlvs[{k}].length", t["length"] is null ? null : L(t["length"]), s.Tlvs[k].Length);
            chk.Want(where, $"srh.tlvs[{k}].value", (string)t["value_hex"]!, Convert.ToHexStringLower(s.Tlvs[k].Value));
        }
        chk.Want(where, "srh.trailing bytes", 0, s.TrailingBytes.Length);
    }

    private static void CompareInner(FieldChecker chk, string where, JsonNode want, InnerLayer inner)
    {
        string kind = (string)want["kind"]!;
        chk.Want(where, "inner.kind", kind, inner.Kind);
        switch (inner)
        {
            case UdpLayer u:
                chk.Want(where, "udp.src_port", L(want["sport"]), u.SrcPort);
                chk.Want(where, "udp.dst_port", L(want["dport"]), u.DstPort);
                chk.Want(where, "udp.data", (string)want["data_hex"]!, Convert.ToHexStringLower(u.Data));
                chk.Want(where, "udp.length", 8 + ((string)want["data_hex"]!).Length / 2, u.Length);
                chk.Want(where, "udp.checksum_valid", true, u.ChecksumValid);
                break;
            case TcpLayer t:
                chk.Want(where, "tcp.src_port", L(want["sport"]), t.SrcPort);
                chk.Want(where, "tcp.dst_port", L(want["dport"]), t.DstPort);
                chk.Want(where, "tcp.seq", L(want["seq"]), t.Seq);
                chk.Want(where, "tcp.checksum_valid", true, t.ChecksumValid);
                break;
            case Icmpv6Layer m:
                chk.Want(where, "icmpv6.type", L(want["type"]), m.Type);
                chk.Want(where, "icmpv6.code", 0, m.Code);
                chk.Want(where, "icmpv6.id", L(want["id"]), m.EchoId);
                chk.Want(where, "icmpv6.seq", L(want["seq"]), m.EchoSeq);
                chk.Want(where, "icmpv6.data", (string)want["data_hex"]!, Convert.ToHexStringLower(m.Data));
                chk.Want(where, "icmpv6.checksum_valid", true, m.ChecksumValid);
                break;
            case Ipv6Layer v6:
            {
                var ip = v6.Packet.Ipv6!;
                chk.Want(where, "inner ipv6.src", IPAddress.Parse((string)want["src"]!), ip.Src);
                chk.Want(where, "inner ipv6.dst", IPAddress.Parse((string)want["dst"]!), ip.Dst);
                chk.Want(where, "inner ipv6.hop_limit", L(want["hlim"]), ip.HopLimit);
                chk.Want(where, "inner srh", null, v6.Packet.Srh);
                CompareInner(chk, where + " inner", want["upper"]!, v6.Packet.Inner);
                break;
            }
            case Ipv4Layer v4:
                chk.Want(where, "inner ipv4.src", IPAddress.Parse((string)want["src"]!), v4.Src);
                chk.Want(where, "inner ipv4.dst", IPAddress.Parse((string)want["dst"]!), v4.Dst);
                chk.Want(where, "inner ipv4.ttl", L(want["ttl"]), v4.Ttl);
                chk.Want(where, "inner ipv4.protocol", 17, v4.Protocol);
                chk.Want(where, "inner ipv4.checksum_valid", true, v4.ChecksumValid);
                break;
            case NoNextHeaderLayer n:
                chk.Want(where, "no next header bytes", 0, n.Bytes.Length);
                break;
        }
    }

    private static IEnumerable<(string, bool)> Checksums(InnerLayer inner) => inner switch
    {
        UdpLayer u => [("udp", u.ChecksumValid)],
        TcpLayer t => [("tcp", t.ChecksumValid)],
        Icmpv6Layer m => [("icmpv6", m.ChecksumValid)],
        Ipv4Layer v4 => [("ipv4 header", v4.ChecksumValid)],
        Ipv6Layer v6 => Checksums(v6.Packet.Inner),
        _ => [],
    };
}
