using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Conformance.Harness.Packets;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;
using static Conformance.Harness.Tests.Oracles.OracleSupport;

namespace Conformance.Harness.Tests.Oracles;

/// <summary>
/// Wireshark's dissectors as an independent oracle: a table of packets built by <see cref="PacketBuilder"/> is written
/// to one pcap, dissected by ONE tshark run, and every field tshark exposes is compared with
/// <see cref="PacketDecoder"/>'s view of the same bytes. tshark also validates the upper-layer checksums, including the
/// RFC 8200 §8.1 pseudo-header with the final destination (SRH segment [0]) for packets still in transit.
/// tshark 4.0 does not dissect SRH TLVs; they are covered through Hdr Ext Len (ipv6.routing.len) only.
/// </summary>
[TestFixture, Category("Oracle")]
public class TsharkOracleTests
{
    private const string Tshark = "/usr/bin/tshark";

    public sealed record OracleCase(string Name, PacketBuilder Builder, bool ExpectBadChecksum = false, bool ExpectMalformed = false)
    {
        public override string ToString() => Name;
    }

    private static IPAddress A(string s) => IPAddress.Parse(s);
    private static IPAddress[] Segs(int n, string prefix = "fc00:0:") =>
        [.. Enumerable.Range(1, n).Select(i => A($"{prefix}{i:x}::"))];
    private static byte[] Bytes(int n, int seed) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed))];

    private static PacketBuilder V6(string src = "2001:db8::1", string dst = "fc00:0:1::", byte hlim = 64, byte tc = 0, uint flow = 0) =>
        new PacketBuilder().Ipv6(src, dst, hlim, tc, flow);

    /// <summary>Well-formed packets: tshark must agree on every field and call every checksum good.</summary>
    public static IEnumerable<OracleCase> GoodCases()
    {
        yield return new("plain icmpv6 echo", V6(dst: "2001:db8::2").IcmpEchoRequest(1, 1, Bytes(16, 1)));
        yield return new("plain udp tc/flow max", V6(dst: "2001:db8::2", tc: 0xff, flow: 0xFFFFF).Udp(5000, 53, Bytes(11, 2)));
        yield return new("plain tcp syn", V6(dst: "2001:db8::2", hlim: 1).Tcp(40000, 179, TcpFlags.Syn, 0xDEADBEEF));
        yield return new("srh 1 seg SL=1 icmp (pseudo-header = seg[0])",
            V6(dst: "fc00:0:a::").Srh([A("fc00:0:1::")], 1).IcmpEchoRequest(0x1234, 7, Bytes(20, 3)));
        yield return new("srh 1 seg SL=0 at final udp",
            V6(dst: "fc00:0:1::").Srh([A("fc00:0:1::")], 0).Udp(1, 2, Bytes(3, 4)));
        yield return new("srh 2 seg SL=1 udp", V6(dst: "fc00:0:2::", tc: 0x2e, flow: 0x12345)
            .Srh(Segs(2), 1).Udp(49152, 33333, Bytes(40, 5)));
        yield return new("srh 2 seg SL=2 tcp syn-ack data", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 2).Tcp(179, 40000, TcpFlags.Syn | TcpFlags.Ack, 1, 0xDEADBEEF, Bytes(9, 6)));
        yield return new("srh 3 seg SL=2 echo reply O-flag", V6(dst: "fc00:0:2::", hlim: 255)
            .Srh(Segs(3), 2, s => s.OFlag = true).IcmpEchoReply(9, 65535));
        yield return new("srh 3 seg SL=0 all flags tag ffff", V6(dst: "fc00:0:1::")
            .Srh(Segs(3), 0, s => { s.Flags = 0xFF; s.Tag = 0xFFFF; }).IcmpEchoRequest(2, 3));
        yield return new("srh 8 seg SL=5 udp tag", V6(src: "2001:db8:0:0:1:0:0:1", dst: "fc00:0:5::", flow: 1)
            .Srh(Segs(8), 5, s => s.Tag = 0x0102).Udp(7, 7, Bytes(1, 7)));
        yield return new("srh 16 seg SL=16 icmp", V6(dst: "fc00:0:10::")
            .Srh(Segs(16), 16).IcmpEchoRequest(16, 16, Bytes(56, 8)));
        // An SRH cannot describe an empty segment list (Last Entry wraps to 255, Hdr Ext Len 0): both sides must see the same bytes.
        yield return new("srh 0 segments no next header", V6(dst: "fc00:0:1::").Srh([], 0).NoNextHeader(), ExpectMalformed: true);
        yield return new("srh Pad1 + unknown TLV", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1, s => s.Tlvs.AddRange([new Pad1Tlv(), new RawTlv(0x7e, Bytes(5, 9))])).Udp(10, 20, Bytes(4, 9)));
        yield return new("srh PadN", V6(dst: "fc00:0:1::")
            .Srh(Segs(1), 1, s => { s.Tlvs.Add(new RawTlv(0x81, Bytes(1, 10))); s.AddPadding(); }).IcmpEchoRequest(3, 4));
        yield return new("srh HMAC sha-256", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1, s => s.Tlvs.Add(HmacTlv.Create(true, 0xA1B2C3D4, Bytes(32, 11)))).Udp(443, 443, Bytes(12, 11)));
        yield return new("srh unknown TLV len 6", V6(dst: "fc00:0:3::")
            .Srh(Segs(3), 2, s => s.Tlvs.Add(new RawTlv(0xc8, Bytes(6, 12)))).IcmpEchoRequest(5, 5));
        yield return new("srh HMAC + unknown + PadN tcp", V6(dst: "fc00:0:1::")
            .Srh(Segs(1), 1, s =>
            {
                s.Tlvs.Add(HmacTlv.Create(false, 1, Bytes(32, 13)));
                s.Tlvs.Add(new RawTlv(0x10, Bytes(3, 13)));
                s.AddPadding();
            }).Tcp(1024, 80, TcpFlags.Psh | TcpFlags.Ack, 100, 200, Bytes(30, 13)));
        yield return new("H.Encaps inner ipv6 icmp", V6(src: "2001:db8:1::1", dst: "fc00:0:2::")
            .Srh(Segs(2), 1).Encapsulate(V6(src: "2001:db8:a::1", dst: "2001:db8:b::2", hlim: 3).IcmpEchoRequest(77, 88, Bytes(8, 14))));
        yield return new("H.Encaps inner ipv6 udp tc/flow", V6(dst: "fc00:0:3::")
            .Srh(Segs(3), 2, s => s.Tag = 42).Encapsulate(V6(src: "2001:db8:a::1", dst: "2001:db8:b::2", hlim: 17, tc: 0x80, flow: 0xABCDE).Udp(1000, 2000, Bytes(7, 15))));
        yield return new("H.Encaps.Red inner ipv6 tcp", V6(dst: "fc00:0:9::")
            .Encapsulate(V6(src: "2001:db8:a::1", dst: "2001:db8:b::2").Tcp(5, 6, TcpFlags.Rst, 0)));
        yield return new("H.Encaps inner ipv4 udp", V6(dst: "fc00:0:1::")
            .Srh(Segs(1), 1).Encapsulate(new PacketBuilder().Ipv4("192.0.2.1", "198.51.100.7", 33).Udp(68, 67, Bytes(10, 16))));
        yield return new("inner ipv4 icmp echo, no srh", V6(dst: "fc00:0:4::")
            .Encapsulate(new PacketBuilder().Ipv4(A("10.0.0.1"), A("10.0.0.2"), 9, 0x10, 4321, dontFragment: true).IcmpEchoRequest(1, 2, Bytes(6, 17))));
        yield return new("H.Encaps.L2 ethernet/ipv6 icmp", V6(dst: "fc00:0:1::")
            .Srh(Segs(1), 1).EncapsulateEthernet(new PacketBuilder().Ethernet("02:aa:00:00:00:01", "02:bb:00:00:00:02")
                .Ipv6("2001:db8:c::1", "2001:db8:c::2").IcmpEchoRequest(4, 4)));
        yield return new("H.Encaps.L2 ethernet/ipv4 udp O-flag", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1, s => s.OFlag = true).EncapsulateEthernet(new PacketBuilder().Ethernet("02:aa:00:00:00:03", "02:bb:00:00:00:04")
                .Ipv4("192.0.2.9", "192.0.2.10").Udp(9, 9)));
        yield return new("srh no next header with trailing bytes", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1).NoNextHeader(Bytes(5, 18)));
        yield return new("no srh no next header hlim 0", V6(dst: "2001:db8::2", hlim: 0).NoNextHeader());
        yield return new("nested srh in srh udp", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1).Encapsulate(V6(src: "2001:db8:d::1", dst: "fc00:1:2::")
                .Srh(Segs(2, "fc00:1:"), 1, s => s.Tag = 7).Udp(111, 222, Bytes(5, 19))));
        yield return new("unknown flag bits 0x80|0x01 + tag", V6(dst: "fc00:0:2::")
            .Srh(Segs(2), 1, s => { s.Flags = 0x81; s.Tag = 0x8000; }).IcmpEchoRequest(6, 6));
        yield return new("hlim 1 tc ff flow 1 udp srh SL=3 of 3", V6(dst: "fc00:0:3::", hlim: 1, tc: 0xff, flow: 1)
            .Srh(Segs(3), 3).Udp(65535, 1, Bytes(2, 20)));
        yield return new("rfc5952 addresses long echo", V6(src: "2001:0:0:1::1", dst: "2001:db8:0:1:1:1:1:1")
            .Srh([A("2001:db8::1:0:0:1"), A("fe80::1"), A("2001:db8:0:1:1:1:1:1")], 2).IcmpEchoRequest(0xffff, 0, Bytes(100, 21)));
        yield return new("srh 8 seg SL=1 tcp data", V6(dst: "fc00:0:2::", tc: 0x04, flow: 0x80000)
            .Srh(Segs(8), 1, s => s.Tag = 0xbeef).Tcp(22, 50000, TcpFlags.Ack | TcpFlags.Fin, 5, 6, Bytes(64, 22)));
        yield return new("odd length udp over srh", V6(dst: "fc00:0:1::").Srh(Segs(1), 1).Udp(3, 4, Bytes(1, 23)));
    }

    /// <summary>Packets whose checksum is deliberately wrong: tshark (and the harness) must call it bad.</summary>
    public static IEnumerable<OracleCase> BadChecksumCases()
    {
        yield return new("bad icmpv6 checksum", V6(dst: "fc00:0:1::").Srh(Segs(1), 1).IcmpEchoRequest(1, 1).WithChecksum(0x1234), true);
        yield return new("bad udp checksum", V6(dst: "fc00:0:2::").Srh(Segs(2), 1).Udp(1, 2, Bytes(4, 1)).WithChecksum(0x0001), true);
        yield return new("bad tcp checksum", V6(dst: "2001:db8::2").Tcp(1, 2, TcpFlags.Syn, 0).WithChecksum(0xFFFF), true);
        // Correct sum, wrong pseudo-header: the IPv6 destination instead of the final segment.
        yield return new("udp summed over the IPv6 DA, not segment [0]", WrongPseudoHeader(
            V6(dst: "fc00:0:2::").Srh(Segs(2), 1).Udp(1000, 2000, Bytes(6, 2)), 17), true);
        yield return new("icmpv6 summed over the IPv6 DA, not segment [0]", WrongPseudoHeader(
            V6(dst: "fc00:0:3::").Srh(Segs(3), 2).IcmpEchoRequest(8, 9, Bytes(4, 3)), 58), true);
    }

    /// <summary>Re-sums the upper layer with the IPv6 destination in the pseudo-header (the RFC 8200 §8.1 mistake).</summary>
    private static PacketBuilder WrongPseudoHeader(PacketBuilder b, byte proto)
    {
        var d = PacketDecoder.Decode(b.WithChecksum(0).Build());
        var upper = (byte[])d.Inner.Bytes.Clone();
        return b.WithChecksum(InternetChecksum.Compute(d.Ipv6!.Src, d.Ipv6.Dst, proto, upper));
    }

    private static List<OracleCase> AllCases() => [.. GoodCases(), .. BadChecksumCases()];

    private List<OracleCase> _cases = [];
    private List<byte[]> _frames = [];
    private JsonArray _tshark = [];
    private string _dir = "";

    [OneTimeSetUp]
    public void DissectOnce()
    {
        RequireTool(Tshark, "tshark");
        _dir = NewWorkDir("tshark");
        _cases = AllCases();
        _frames = [.. _cases.Select(c => c.Builder.Build())];
        var pcap = Path.Combine(_dir, "table.pcap");
        WritePcap(pcap, _frames);
        var json = Sh.Run(Tshark, "-n", "-r", pcap, "-T", "json", "--no-duplicate-keys",
            "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE");
        _tshark = JsonNode.Parse(json)!.AsArray();
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Test]
    public void TableIsLargeAndVaried()
    {
        Assert.That(GoodCases().Count(), Is.GreaterThanOrEqualTo(30));
        Assert.That(_tshark, Has.Count.EqualTo(_cases.Count), "one tshark packet per frame");
        var segCounts = GoodCases().Select(c => c.Builder.SrhHeader?.Segments.Count ?? -1).ToHashSet();
        Assert.That(segCounts, Is.SupersetOf(new[] { 0, 1, 2, 3, 8, 16 }));
    }

    [TestCaseSource(nameof(GoodCases))]
    public void TsharkAgreesFieldByField(OracleCase c)
    {
        var chk = Compare(_cases.FindIndex(x => x.Name == c.Name));
        chk.AssertNoFailures("tshark");
        Assert.That(chk.Count, Is.GreaterThan(10));
    }

    [TestCaseSource(nameof(BadChecksumCases))]
    public void TsharkReportsDeliberatelyWrongChecksumsBad(OracleCase c)
    {
        int i = _cases.FindIndex(x => x.Name == c.Name);
        var chk = Compare(i);
        chk.AssertNoFailures("tshark");
        var statuses = ChecksumStatuses(Layers(i));
        Assert.That(statuses, Has.Count.EqualTo(1));
        Assert.That(statuses[0].Status, Is.EqualTo("0"), $"{statuses[0].Field} must be Bad (0)");
    }

    [Test]
    public void AllChecksumsOfWellFormedPacketsAreGoodInTshark()
    {
        int n = 0;
        foreach (var (c, i) in _cases.Select((c, i) => (c, i)).Where(x => !x.c.ExpectBadChecksum))
            foreach (var (field, status) in ChecksumStatuses(Layers(i)))
            {
                n++;
                Assert.That(status, Is.EqualTo("1"), $"{c.Name}: {field} (1 = Good)");
            }
        TestContext.Out.WriteLine($"tshark validated {n} checksums as good");
        Assert.That(n, Is.GreaterThanOrEqualTo(25));
    }

    [Test]
    public void TotalFieldsCrossChecked()
    {
        int total = 0;
        var failures = new List<string>();
        for (int i = 0; i < _cases.Count; i++)
        {
            var chk = Compare(i);
            total += chk.Count;
            failures.AddRange(chk.Failures);
        }
        TestContext.Out.WriteLine($"tshark oracle: {total} fields cross-checked over {_cases.Count} packets");
        Assert.That(failures, Is.Empty);
        Assert.That(total, Is.GreaterThan(500));
    }

    // ---------------------------------------------------------------- comparison

    private JsonObject Layers(int i) => _tshark[i]!["_source"]!["layers"]!.AsObject();

    private static List<(string Field, string Status)> ChecksumStatuses(JsonNode node)
    {
        var found = new List<(string, string)>();
        void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (k, v) in o)
                    {
                        if (k.EndsWith(".checksum.status", StringComparison.Ordinal) && k != "ip.checksum.status")
                            found.AddRange(Strings(o, k).Select(s => (k, s)));
                        else Walk(v);
                    }
                    break;
                case JsonArray a:
                    foreach (var x in a) Walk(x);
                    break;
            }
        }
        Walk(node);
        return found;
    }

    /// <summary>Consumes tshark's protocol layers in order: repeated protocols are arrays (--no-duplicate-keys).</summary>
    private sealed class LayerCursor(JsonObject layers)
    {
        private readonly Dictionary<string, int> _next = [];

        public JsonObject? Take(string proto)
        {
            var v = layers[proto];
            int k = _next.GetValueOrDefault(proto);
            _next[proto] = k + 1;
            return v switch
            {
                JsonArray a => k < a.Count ? a[k]?.AsObject() : null,
                JsonObject o => k == 0 ? o : null,
                _ => null,
            };
        }
    }

    private FieldChecker Compare(int i)
    {
        var chk = new FieldChecker();
        var c = _cases[i];
        var d = PacketDecoder.Decode(_frames[i]);
        string where = $"#{i} {c.Name}";
        var errors = d.Malformations.Where(m => !m.IsNote).ToList();
        if (c.ExpectBadChecksum)
            chk.Eq(where, "harness malformations", "checksum", string.Join(",", errors.Select(m => m.Field)));
        else if (c.ExpectMalformed != errors.Count > 0)
            chk.Fail(where, $"harness malformations [{string.Join("; ", errors.Select(m => m.Problem))}], expected {(c.ExpectMalformed ? "some" : "none")}");
        var layers = Layers(i);
        chk.Eq(where, "frame.len", _frames[i].Length, N(layers["frame"], "frame.len"));
        ComparePacket(chk, where, d, new LayerCursor(layers));
        return chk;
    }

    private static void ComparePacket(FieldChecker chk, string where, DecodedPacket d, LayerCursor cur)
    {
        if (d.Ethernet is { } e)
        {
            var eth = cur.Take("eth");
            if (eth is null) { chk.Fail(where, "tshark has no eth layer"); return; }
            chk.Eq(where, "eth.src", Mac(e.Source), Str(eth, "eth.src"));
            chk.Eq(where, "eth.dst", Mac(e.Destination), Str(eth, "eth.dst"));
            chk.Eq(where, "eth.type", e.EtherType, N(eth, "eth.type"));
        }
        if (d.Ipv6 is { } ip)
        {
            var v6 = cur.Take("ipv6");
            if (v6 is null) { chk.Fail(where, "tshark has no ipv6 layer"); return; }
            chk.Eq(where, "ipv6.version", ip.Version, N(v6, "ipv6.version"));
            chk.Eq(where, "ipv6.src", Rfc5952.Format(ip.Src), Str(v6, "ipv6.src"));
            chk.Eq(where, "ipv6.dst", Rfc5952.Format(ip.Dst), Str(v6, "ipv6.dst"));
            chk.Eq(where, "ipv6.hlim", ip.HopLimit, N(v6, "ipv6.hlim"));
            chk.Eq(where, "ipv6.plen", ip.PayloadLength, N(v6, "ipv6.plen"));
            chk.Eq(where, "ipv6.nxt", ip.NextHeader, N(v6, "ipv6.nxt"));
            chk.Eq(where, "ipv6.tclass", ip.TrafficClass, N(v6, "ipv6.tclass"));
            chk.Eq(where, "ipv6.flow", ip.FlowLabel, N(v6, "ipv6.flow"));
            var rt = v6["ipv6.routing"];
            if (d.Srh is { } s)
            {
                if (rt is null) { chk.Fail(where, "tshark has no routing header"); return; }
                chk.Eq(where, "ipv6.routing.nxt", s.NextHeader, N(rt, "ipv6.routing.nxt"));
                chk.Eq(where, "ipv6.routing.len", s.EffectiveHdrExtLen, N(rt, "ipv6.routing.len"));
                chk.Eq(where, "ipv6.routing.len_oct", s.EncodedLength, N(rt, "ipv6.routing.len_oct"));
                chk.Eq(where, "ipv6.routing.type", s.RoutingType, N(rt, "ipv6.routing.type"));
                chk.Eq(where, "ipv6.routing.segleft", s.SegmentsLeft, N(rt, "ipv6.routing.segleft"));
                chk.Eq(where, "ipv6.routing.srh.last_entry", s.EffectiveLastEntry, N(rt, "ipv6.routing.srh.last_entry"));
                chk.Eq(where, "ipv6.routing.srh.flags", s.Flags, N(rt, "ipv6.routing.srh.flags"));
                chk.Eq(where, "ipv6.routing.srh.tag", s.Tag, N(rt, "ipv6.routing.srh.tag"));
                var addrs = Strings(rt, "ipv6.routing.srh.addr");
                chk.Eq(where, "ipv6.routing.srh.addr count", s.Segments.Count, addrs.Count);
                for (int k = 0; k < Math.Min(addrs.Count, s.Segments.Count); k++)
                    chk.Eq(where, $"ipv6.routing.srh.addr[{k}]", Rfc5952.Format(s.Segments[k]), addrs[k]);
            }
            else if (rt is not null)
                chk.Fail(where, "tshark sees a routing header the harness does not");
        }
        CompareInner(chk, where, d.Inner, cur);
    }

    private static void CompareInner(FieldChecker chk, string where, InnerLayer inner, LayerCursor cur)
    {
        switch (inner)
        {
            case Icmpv6Layer m:
            {
                var t = cur.Take("icmpv6");
                if (t is null) { chk.Fail(where, "tshark has no icmpv6 layer"); return; }
                chk.Eq(where, "icmpv6.type", m.Type, N(t, "icmpv6.type"));
                chk.Eq(where, "icmpv6.code", m.Code, N(t, "icmpv6.code"));
                chk.Eq(where, "icmpv6.checksum", m.Checksum, N(t, "icmpv6.checksum"));
                chk.Eq(where, "icmpv6.checksum.status", m.ChecksumValid ? "1" : "0", Str(t, "icmpv6.checksum.status"));
                chk.Eq(where, "icmpv6.echo.identifier", m.EchoId, N(t, "icmpv6.echo.identifier"));
                chk.Eq(where, "icmpv6.echo.sequence_number", m.EchoSeq, N(t, "icmpv6.echo.sequence_number"));
                if (m.Data.Length > 0)
                {
                    chk.Eq(where, "icmpv6 data.len", m.Data.Length, N(t["data"], "data.len"));
                    chk.Eq(where, "icmpv6 data.data", Colon(m.Data), Str(t["data"], "data.data"));
                }
                break;
            }
            case UdpLayer u:
            {
                var t = cur.Take("udp");
                if (t is null) { chk.Fail(where, "tshark has no udp layer"); return; }
                chk.Eq(where, "udp.srcport", u.SrcPort, N(t, "udp.srcport"));
                chk.Eq(where, "udp.dstport", u.DstPort, N(t, "udp.dstport"));
                chk.Eq(where, "udp.length", u.Length, N(t, "udp.length"));
                chk.Eq(where, "udp.checksum", u.Checksum, N(t, "udp.checksum"));
                chk.Eq(where, "udp.checksum.status", u.ChecksumValid ? "1" : "0", Str(t, "udp.checksum.status"));
                if (u.Data.Length > 0)
                    chk.Eq(where, "udp.payload", Colon(u.Data), Str(t, "udp.payload"));
                break;
            }
            case TcpLayer p:
            {
                var t = cur.Take("tcp");
                if (t is null) { chk.Fail(where, "tshark has no tcp layer"); return; }
                chk.Eq(where, "tcp.srcport", p.SrcPort, N(t, "tcp.srcport"));
                chk.Eq(where, "tcp.dstport", p.DstPort, N(t, "tcp.dstport"));
                chk.Eq(where, "tcp.seq_raw", p.Seq, N(t, "tcp.seq_raw"));
                chk.Eq(where, "tcp.ack_raw", p.Ack, N(t, "tcp.ack_raw"));
                chk.Eq(where, "tcp.hdr_len", p.DataOffset * 4, N(t, "tcp.hdr_len"));
                chk.Eq(where, "tcp.flags", (ushort)p.Flags, N(t, "tcp.flags"));
                chk.Eq(where, "tcp.window_size_value", p.Window, N(t, "tcp.window_size_value"));
                chk.Eq(where, "tcp.len", p.Data.Length, N(t, "tcp.len"));
                chk.Eq(where, "tcp.checksum", p.Checksum, N(t, "tcp.checksum"));
                chk.Eq(where, "tcp.checksum.status", p.ChecksumValid ? "1" : "0", Str(t, "tcp.checksum.status"));
                break;
            }
            case Ipv6Layer v6:
                ComparePacket(chk, where + " inner", v6.Packet, cur);
                break;
            case EthernetLayer el:
                ComparePacket(chk, where + " inner", el.Packet, cur);
                break;
            case Ipv4Layer v4:
            {
                var t = cur.Take("ip");
                if (t is null) { chk.Fail(where, "tshark has no ip layer"); return; }
                chk.Eq(where, "ip.version", v4.Version, N(t, "ip.version"));
                chk.Eq(where, "ip.hdr_len", v4.HeaderLength, N(t, "ip.hdr_len"));
                chk.Eq(where, "ip.src", v4.Src.ToString(), Str(t, "ip.src"));
                chk.Eq(where, "ip.dst", v4.Dst.ToString(), Str(t, "ip.dst"));
                chk.Eq(where, "ip.ttl", v4.Ttl, N(t, "ip.ttl"));
                chk.Eq(where, "ip.proto", v4.Protocol, N(t, "ip.proto"));
                chk.Eq(where, "ip.dsfield", v4.Tos, N(t, "ip.dsfield"));
                chk.Eq(where, "ip.len", v4.TotalLength, N(t, "ip.len"));
                chk.Eq(where, "ip.id", v4.Identification, N(t, "ip.id"));
                chk.Eq(where, "ip.flags", v4.FlagBits, N(t, "ip.flags"));
                chk.Eq(where, "ip.frag_offset", v4.FragmentOffset, N(t, "ip.frag_offset"));
                chk.Eq(where, "ip.checksum", v4.HeaderChecksum, N(t, "ip.checksum"));
                chk.Eq(where, "ip.checksum.status", v4.ChecksumValid ? "1" : "0", Str(t, "ip.checksum.status"));
                break;
            }
            case NoNextHeaderLayer:
                break;
            default:
                chk.Fail(where, $"harness decoded an unexpected layer '{inner.Kind}'");
                break;
        }
    }

    private static string Mac(System.Net.NetworkInformation.PhysicalAddress a) =>
        string.Join(":", a.GetAddressBytes().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));

    private static string Colon(byte[] b) => string.Join(":", b.Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
}
