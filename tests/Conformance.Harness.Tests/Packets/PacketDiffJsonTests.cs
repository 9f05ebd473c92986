using System.Net;
using System.Text.Json.Nodes;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
public class PacketDiffJsonTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:a::1");
    private static readonly IPAddress S1 = IPAddress.Parse("fc00:1::1");
    private static readonly IPAddress S2 = IPAddress.Parse("fc00:2::1");

    private static PacketBuilder Stimulus() => new PacketBuilder().Ipv6(A, S2).Srh([S1, S2], 1, s => s.Tlvs.AddRange([new RawTlv(9, [1, 2, 3, 4]), new PadNTlv(0)])).IcmpEchoRequest(3, 4, [5, 6]);

    [Test]
    public void IdenticalPacketsHaveNoDifference()
    {
        var a = PacketDecoder.Decode(Stimulus().Build());
        var b = PacketDecoder.Decode(Stimulus().Build());
        Assert.That(PacketDiff.Compare(a, b), Is.Empty);
    }

    [Test]
    public void DetectsChangedFieldsAndReportsPaths()
    {
        var expected = PacketDecoder.Decode(Stimulus().Build());
        byte[] f = Stimulus().Build();
        f[14 + 7] = 63; // hop limit
        var received = PacketDecoder.Decode(f);
        var diffs = PacketDiff.Compare(expected, received);
        Assert.That(diffs.Select(d => d.Path), Is.EqualTo(new[] { "ipv6.hop_limit" }));
        Assert.That(diffs[0].Expected, Is.EqualTo("64"));
        Assert.That(diffs[0].Received, Is.EqualTo("63"));
    }

    [Test]
    public void DetectsSegmentTlvAndChecksumChanges()
    {
        var expected = PacketDecoder.Decode(Stimulus().Build());
        var srh = new SegmentRoutingHeader { Segments = [S1, A], SegmentsLeft = 0 };
        srh.Tlvs.AddRange([new RawTlv(9, [1, 2, 3, 5]), new PadNTlv(0)]);
        var received = PacketDecoder.Decode(new PacketBuilder().Ipv6(A, S2).Srh(srh).IcmpEchoRequest(3, 4, [5, 7]).Build());
        var paths = PacketDiff.Compare(expected, received).Select(d => d.Path).ToList();
        Assert.That(paths, Does.Contain("srh.segments[1]"));
        Assert.That(paths, Does.Contain("srh.segments_left"));
        Assert.That(paths, Does.Contain("srh.tlvs[0].value_hex"));
        Assert.That(paths, Does.Contain("inner.icmpv6.checksum"));
        Assert.That(paths, Does.Contain("inner.icmpv6.data_hex"));
        Assert.That(paths, Does.Not.Contain("ipv6.src"));
    }

    [Test]
    public void IgnoredFieldsAreSkipped()
    {
        var expected = PacketDecoder.Decode(Stimulus().Build());
        byte[] f = Stimulus().Build();
        f[14 + 7] = 1;      // hop limit
        f[14 + 40 + 7] = 9; // SRH tag
        var received = PacketDecoder.Decode(f);
        Assert.That(PacketDiff.Compare(expected, received).Select(d => d.Path), Is.EqualTo(new[] { "ipv6.hop_limit", "srh.tag" }));
        Assert.That(PacketDiff.Compare(expected, received, "ipv6.hop_limit", "srh.tag"), Is.Empty);
        Assert.That(PacketDiff.Compare(expected, received, "ipv6", "srh"), Is.Empty);
        Assert.That(PacketDiff.Compare(expected, received, "*.hop_limit").Single().Path, Is.EqualTo("srh.tag"));
    }

    [Test]
    public void DiffWalksIntoEncapsulatedPackets()
    {
        PacketBuilder Outer(byte innerHop) => new PacketBuilder().Ipv6(A, S1).Srh([S1], 0)
            .Encapsulate(new PacketBuilder().Ipv6(S2, A, innerHop).Udp(1, 2, [9]));
        var diffs = PacketDiff.Compare(PacketDecoder.Decode(Outer(64).Build()), PacketDecoder.Decode(Outer(9).Build()));
        Assert.That(diffs.Select(d => d.Path), Is.EqualTo(new[] { "inner.ipv6.hop_limit" }));
    }

    [Test]
    public void JsonHasTheContractShape()
    {
        var d = PacketDecoder.Decode(new PacketBuilder().Ipv6(A, S2, 64, 0x10, 0x12345)
            .Srh([S1, S2], 1, s => { s.OFlag = true; s.Tag = 5; s.Tlvs.AddRange([new RawTlv(9, [0xAB, 0xCD, 1, 2]), new PadNTlv(0)]); })
            .IcmpEchoRequest(3, 4).Build());
        JsonObject o = PacketJson.ToJsonObject(d, 7);
        Assert.That(o.Select(kv => kv.Key), Is.EqualTo(new[] { "index", "ipv6", "srh", "inner", "notation", "malformations" }));
        Assert.That(o["index"]!.GetValue<int>(), Is.EqualTo(7));
        var ip = o["ipv6"]!.AsObject();
        Assert.That(ip.Select(kv => kv.Key), Is.EqualTo(new[] { "src", "dst", "hop_limit", "next_header", "traffic_class", "flow_label", "payload_length" }));
        Assert.That(ip["src"]!.GetValue<string>(), Is.EqualTo("2001:db8:a::1"));
        Assert.That(ip["flow_label"]!.GetValue<int>(), Is.EqualTo(0x12345));
        Assert.That(ip["hop_limit"]!.GetValue<int>(), Is.EqualTo(64));
        var srh = o["srh"]!.AsObject();
        Assert.That(srh.Select(kv => kv.Key), Is.EqualTo(new[] { "next_header", "hdr_ext_len", "routing_type", "segments_left", "last_entry", "flags", "o_flag", "tag", "segments", "tlvs" }));
        Assert.That(srh["segments"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "fc00:1::1", "fc00:2::1" }));
        Assert.That(srh["o_flag"]!.GetValue<bool>(), Is.True);
        Assert.That(srh["tag"]!.GetValue<int>(), Is.EqualTo(5));
        Assert.That(srh["hdr_ext_len"]!.GetValue<int>(), Is.EqualTo(5));
        var tlv = srh["tlvs"]![0]!.AsObject();
        Assert.That(tlv.Select(kv => kv.Key), Is.EqualTo(new[] { "type", "length", "value_hex" }));
        Assert.That(tlv["value_hex"]!.GetValue<string>(), Is.EqualTo("abcd0102"));
        Assert.That(o["inner"]!["kind"]!.GetValue<string>(), Is.EqualTo("icmpv6"));
        Assert.That(o["inner"]!["checksum_valid"]!.GetValue<bool>(), Is.True);
        Assert.That(o["notation"]!.GetValue<string>(), Is.EqualTo("(2001:db8:a::1,fc00:2::1)(fc00:1::1,fc00:2::1;SL=1)"));
        Assert.That(o["malformations"]!.AsArray(), Is.Empty);
    }

    [Test]
    public void GlobIgnoresEverySegment()
    {
        var expected = PacketDecoder.Decode(Stimulus().Build());
        var srh = new SegmentRoutingHeader { Segments = [A, A], SegmentsLeft = 1 };
        srh.Tlvs.AddRange([new RawTlv(9, [1, 2, 3, 4]), new PadNTlv(0)]);
        byte[] f = new PacketBuilder().Ipv6(A, S2).Srh(srh).IcmpEchoRequest(3, 4, [5, 6]).WithChecksum(((Icmpv6Layer)expected.Inner).Checksum).Build();
        var received = PacketDecoder.Decode(f);
        var paths = PacketDiff.Compare(expected, received, "srh.segments[*]", "malformations", "*.checksum_valid").Select(d => d.Path);
        Assert.That(paths, Is.Empty);
    }

    [Test]
    public void JsonOfEncapsulatedPacket()
    {
        var inner = new PacketBuilder().Ipv6(S2, A, 17).Srh([A], 0).Udp(7, 8, [1]);
        var d = PacketDecoder.Decode(new PacketBuilder().Ipv6(A, S1).Srh([S1], 0).Encapsulate(inner).Build());
        var o = PacketJson.ToJsonObject(d, 1);
        var i = o["inner"]!.AsObject();
        Assert.That(i["kind"]!.GetValue<string>(), Is.EqualTo("ipv6"));
        Assert.That(i["src"]!.GetValue<string>(), Is.EqualTo("fc00:2::1"));
        Assert.That(i["hop_limit"]!.GetValue<int>(), Is.EqualTo(17));
        Assert.That(i["srh"]!["segments"]![0]!.GetValue<string>(), Is.EqualTo("2001:db8:a::1"));
        Assert.That(i["inner"]!["kind"]!.GetValue<string>(), Is.EqualTo("udp"));
        Assert.That(i["inner"]!["checksum_valid"]!.GetValue<bool>(), Is.True);
        Assert.That(o["notation"]!.GetValue<string>(), Is.EqualTo("(2001:db8:a::1,fc00:1::1)(fc00:1::1;SL=0)(fc00:2::1,2001:db8:a::1)(2001:db8:a::1;SL=0)"));
    }

    [Test]
    public void VlanTaggedFrameDecodes()
    {
        byte[] f = new PacketBuilder().Ipv6(A, S1).Udp(1, 2, [3]).Build();
        byte[] tagged = [.. f[..12], 0x81, 0x00, 0x00, 0x64, .. f[12..]];
        var d = PacketDecoder.Decode(tagged);
        Assert.That(d.Ethernet!.VlanTags, Is.EqualTo(new ushort[] { 100 }));
        Assert.That(d.Ipv6!.Offset, Is.EqualTo(18));
        Assert.That(d.Malformations, Is.Empty);
        Assert.That(PacketDiff.Flatten(d).Select(x => x.Path), Does.Contain("ethernet.vlan[0]"));
    }

    [Test]
    public void JsonNullsAndMalformations()
    {
        var d = PacketDecoder.Decode(new byte[] { 0x45, 0, 0 }, LinkKind.RawIp);
        var o = PacketJson.ToJsonObject(d, 0);
        Assert.That(o["ipv6"], Is.Null);
        Assert.That(o["srh"], Is.Null);
        var m = o["malformations"]![0]!.AsObject();
        Assert.That(m.Select(kv => kv.Key), Is.EqualTo(new[] { "layer", "field", "offset", "problem" }));
    }

    [TestCase("::", "::")]
    [TestCase("::1", "::1")]
    [TestCase("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]
    [TestCase("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [TestCase("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [TestCase("2001:DB8::AB", "2001:db8::ab")]
    [TestCase("::ffff:0:0", "::ffff:0.0.0.0")]
    [TestCase("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [TestCase("::ffff:0:c000:201", "::ffff:0:192.0.2.1")]
    [TestCase("::1:ffff:0:c000:201", "::1:ffff:0:c000:201")]
    [TestCase("64:ff9b::c000:201", "64:ff9b::c000:201")]
    [TestCase("2001:db8:0:0:0:0:2:1", "2001:db8::2:1")]
    [TestCase("2001:db8::1%3", "2001:db8::1%3")]
    [TestCase("::c000:201", "::c000:201")]
    [TestCase("1:0:0:0:0:0:0:0", "1::")]
    [TestCase("fe80::1:0:0:0", "fe80::1:0:0:0")]
    public void Rfc5952Canonical(string input, string expected) =>
        Assert.That(Rfc5952.Format(IPAddress.Parse(input)), Is.EqualTo(expected));
}
