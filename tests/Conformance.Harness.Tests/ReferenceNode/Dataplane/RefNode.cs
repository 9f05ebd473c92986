using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;
using NUnit.Framework;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>Records what the engine sends.</summary>
public sealed class RecordingSink : IFrameSink
{
    public List<(string Interface, byte[] Frame)> Frames { get; } = [];
    public void Send(string interfaceName, ReadOnlySpan<byte> frame) => Frames.Add((interfaceName, frame.ToArray()));
    public List<(string Interface, byte[] Frame)> On(string name) => Frames.Where(f => f.Interface == name).ToList();
    public void Clear() => Frames.Clear();
}

/// <summary>
/// The offline lab for the reference node's engine. The packets are built and decoded with the harness's
/// PacketBuilder/PacketDecoder (an independent oracle: the node shares no code with the harness).
/// <code>
///            t1 2001:db8:1::1/64 10.0.1.1/24   — tester A 2001:db8:1::a, 10.0.1.10
///   node     t2 2001:db8:2::1/64 10.0.2.1/24   — N2 2001:db8:2::2, 10.0.2.2   (routes: fc00:2::/32, 2001:db8:d::/48, 10.9.0.0/16)
///            t3 2001:db8:3::1/64 10.0.3.1/24   — N3 2001:db8:3::3, 10.0.3.3   (table vrf1: 2001:db8:d::/48, 10.9.0.0/16)
///            t4 (L2 attachment, H.Encaps.L2), t5 (H.Encaps.L2.Red)
///   SIDs fc00:1::/48; loopback / SRv6 source 2001:db8:ffff::1
/// </code>
/// </summary>
public sealed class RefNode
{
    public static readonly IPAddress A = IPAddress.Parse("2001:db8:1::a");
    public static readonly IPAddress T1 = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress T2 = IPAddress.Parse("2001:db8:2::1");
    public static readonly IPAddress T3 = IPAddress.Parse("2001:db8:3::1");
    public static readonly IPAddress N2 = IPAddress.Parse("2001:db8:2::2");
    public static readonly IPAddress N3 = IPAddress.Parse("2001:db8:3::3");
    public static readonly IPAddress D = IPAddress.Parse("2001:db8:d::1");
    public static readonly IPAddress Src = IPAddress.Parse("2001:db8:ffff::1");
    public static readonly IPAddress A4 = IPAddress.Parse("10.0.1.10");
    public static readonly IPAddress T14 = IPAddress.Parse("10.0.1.1");
    public static readonly IPAddress N24 = IPAddress.Parse("10.0.2.2");
    public static readonly IPAddress N34 = IPAddress.Parse("10.0.3.3");
    public static readonly IPAddress D4 = IPAddress.Parse("10.9.0.1");
    public static readonly IPAddress S2a = IPAddress.Parse("fc00:2::a");
    public static readonly IPAddress S2b = IPAddress.Parse("fc00:2::b");
    public static readonly IPAddress S2c = IPAddress.Parse("fc00:2::c");

    public static IPAddress Sid(string low) => IPAddress.Parse("fc00:1::" + low);

    public static readonly byte[] MacT1 = [0x02, 0xaa, 0, 0, 0, 1], MacT2 = [0x02, 0xaa, 0, 0, 0, 2], MacT3 = [0x02, 0xaa, 0, 0, 0, 3],
        MacT4 = [0x02, 0xaa, 0, 0, 0, 4], MacT5 = [0x02, 0xaa, 0, 0, 0, 5];
    public static readonly byte[] MacA = [0x02, 0xbb, 0, 0, 0, 1], MacN2 = [0x02, 0xbb, 0, 0, 0, 2], MacN3 = [0x02, 0xbb, 0, 0, 0, 3];

    public long NowMs;
    public ForwardingEngine Engine { get; }
    public RecordingSink Sink { get; } = new();
    public NodeConfig Config { get; private set; }
    public List<byte[]> Delivered { get; } = [];

    public static readonly HmacKeyConfig Key256 = new(7, HmacAlgorithmId.Sha256, "s3cret-256"u8.ToArray());
    public static readonly HmacKeyConfig Key1 = new(9, HmacAlgorithmId.Sha1, "s3cret-1"u8.ToArray());

    public static NodeConfig BaseConfig(IEnumerable<LocalSidConfig>? extraSids = null) => new()
    {
        Interfaces =
        [
            new InterfaceConfig("t1") { Ipv6HostAddresses = [(T1, 64)], Ipv4Addresses = [(T14, 24)] },
            new InterfaceConfig("t2") { Ipv6HostAddresses = [(T2, 64)], Ipv4Addresses = [(IPAddress.Parse("10.0.2.1"), 24)] },
            new InterfaceConfig("t3") { Ipv6HostAddresses = [(T3, 64)], Ipv4Addresses = [(IPAddress.Parse("10.0.3.1"), 24)] },
            new InterfaceConfig("t4"),
            new InterfaceConfig("t5"),
        ],
        LoopbackAddresses = [IPNetwork.Parse("2001:db8:ffff::1/128")],
        Routes =
        [
            new RouteConfig("main", IPNetwork.Parse("fc00:2::/32"), N2, null),
            new RouteConfig("main", IPNetwork.Parse("2001:db8:d::/48"), N2, "t2"),
            new RouteConfig("main", IPNetwork.Parse("2001:db8:d:1::/64"), N3, "t3"),
            new RouteConfig("main", IPNetwork.Parse("2001:db8:dead::/48"), null, null) { Discard = true },
            new RouteConfig("main", IPNetwork.Parse("10.9.0.0/16"), N24, null),
            new RouteConfig("vrf1", IPNetwork.Parse("2001:db8:d::/48"), N3, "t3"),
            new RouteConfig("vrf1", IPNetwork.Parse("10.9.0.0/16"), N34, "t3"),
        ],
        Srv6 = new Srv6Config
        {
            SourceAddress = Src,
            Sids =
            [
                new LocalSidConfig("end", Sid("1"), Behavior.End),
                new LocalSidConfig("endx", Sid("2"), Behavior.EndX) { NextHop = N3, Interface = "t3" },
                new LocalSidConfig("endt", Sid("3"), Behavior.EndT) { Table = "vrf1" },
                new LocalSidConfig("dx6", Sid("6"), Behavior.EndDX6) { NextHop = N3, Interface = "t3" },
                new LocalSidConfig("dx4", Sid("4"), Behavior.EndDX4) { NextHop = N34, Interface = "t3" },
                new LocalSidConfig("dt6", Sid("d6"), Behavior.EndDT6) { Table = "vrf1" },
                new LocalSidConfig("dt4", Sid("d4"), Behavior.EndDT4) { Table = "vrf1" },
                new LocalSidConfig("dt46", Sid("d46"), Behavior.EndDT46) { Table = "vrf1" },
                new LocalSidConfig("dx2", Sid("2:2"), Behavior.EndDX2) { Interface = "t3" },
                new LocalSidConfig("b6", Sid("b6"), Behavior.EndB6Encaps) { Segments = [S2a, S2b, S2c] },
                new LocalSidConfig("b6red", Sid("b7"), Behavior.EndB6EncapsRed) { Segments = [S2a, S2b, S2c] },
                .. extraSids ?? [],
            ],
            Policies =
            [
                new HeadendPolicyConfig("encap", HeadendMode.Encaps, [S2a, S2b]) { Match = IPNetwork.Parse("2001:db8:e1::/48") },
                new HeadendPolicyConfig("red1", HeadendMode.EncapsRed, [S2a]) { Match = IPNetwork.Parse("2001:db8:e2::/48") },
                new HeadendPolicyConfig("red2", HeadendMode.EncapsRed, [S2a, S2b]) { Match = IPNetwork.Parse("2001:db8:e3::/48") },
                new HeadendPolicyConfig("insert", HeadendMode.Insert, [S2a, S2b]) { Match = IPNetwork.Parse("2001:db8:e6::/48") },
                new HeadendPolicyConfig("encap4", HeadendMode.Encaps, [S2a, S2b]) { Match = IPNetwork.Parse("10.8.0.0/16") },
                new HeadendPolicyConfig("l2", HeadendMode.EncapsL2, [S2a, S2b]) { L2Interface = "t4" },
                new HeadendPolicyConfig("l2red", HeadendMode.EncapsL2Red, [S2a]) { L2Interface = "t5" },
            ],
            HmacKeys = [Key256, Key1],
        },
    };

    public static IReadOnlyList<InterfaceInfo> Infos(int mtu = 1500) =>
    [
        new("t1", MacT1, mtu), new("t2", MacT2, mtu), new("t3", MacT3, mtu), new("t4", MacT4, mtu), new("t5", MacT5, mtu),
    ];

    public RefNode(NodeConfig? config = null, int mtu = 1500, bool resolve = true)
    {
        Engine = new ForwardingEngine(() => NowMs);
        Config = config ?? BaseConfig();
        Engine.Apply(Config, Infos(mtu));
        Engine.Delivered += m => Delivered.Add(m.ToArray());
        if (resolve)
        {
            LearnNeighbour("t1", A, MacA, T1);
            LearnNeighbour("t2", N2, MacN2, T2);
            LearnNeighbour("t3", N3, MacN3, T3);
            LearnArp("t1", A4, MacA, T14);
            LearnArp("t2", N24, MacN2, IPAddress.Parse("10.0.2.1"));
            LearnArp("t3", N34, MacN3, IPAddress.Parse("10.0.3.1"));
            Sink.Clear();
        }
    }

    public void Apply(NodeConfig config) { Config = config; Engine.Apply(config, Infos()); }

    public static byte[] MacOf(string ifc) => ifc switch { "t1" => MacT1, "t2" => MacT2, "t3" => MacT3, "t4" => MacT4, _ => MacT5 };
    public static byte[] TesterMac(string ifc) => ifc switch { "t1" => MacA, "t2" => MacN2, _ => MacN3 };

    /// <summary>A frame from the tester on <paramref name="ifc"/> to the node.</summary>
    public static PacketBuilder Into(string ifc) =>
        new PacketBuilder().Ethernet(new PhysicalAddress(TesterMac(ifc)), new PhysicalAddress(MacOf(ifc)));

    public void Send(string ifc, byte[] frame) => Engine.Receive(ifc, frame, Sink);

    /// <summary>Sends and returns everything that came out.</summary>
    public List<(string Interface, byte[] Frame)> Exchange(string ifc, byte[] frame)
    {
        Sink.Clear();
        Send(ifc, frame);
        return [.. Sink.Frames];
    }

    public void LearnNeighbour(string ifc, IPAddress neighbour, byte[] mac, IPAddress ours)
    {
        var body = new byte[4 + 16 + 8];
        ours.GetAddressBytes().CopyTo(body, 4);
        body[20] = 1; body[21] = 1; mac.CopyTo(body, 22);
        var sol = SolicitedNode(ours);
        var f = new PacketBuilder().Ethernet(new PhysicalAddress(mac), new PhysicalAddress([0x33, 0x33, 0xff, .. ours.GetAddressBytes()[13..]]))
            .Ipv6(neighbour, sol, 255).Payload(new PacketPayload.Icmpv6(135, 0, body)).Build();
        Send(ifc, f);
    }

    public void LearnArp(string ifc, IPAddress neighbour, byte[] mac, IPAddress ours) => Send(ifc, Arp(1, mac, neighbour, new byte[6], ours, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));

    public static byte[] Arp(ushort op, byte[] sha, IPAddress spa, byte[] tha, IPAddress tpa, byte[] dstMac)
    {
        var f = new byte[42];
        dstMac.CopyTo(f, 0); sha.CopyTo(f, 6); f[12] = 0x08; f[13] = 0x06;
        f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4; f[20] = 0; f[21] = (byte)op;
        sha.CopyTo(f, 22); spa.GetAddressBytes().CopyTo(f, 28); tha.CopyTo(f, 32); tpa.GetAddressBytes().CopyTo(f, 38);
        return f;
    }

    public static IPAddress SolicitedNode(IPAddress a)
    {
        var b = IPAddress.Parse("ff02::1:ff00:0").GetAddressBytes();
        var x = a.GetAddressBytes();
        b[13] = x[13]; b[14] = x[14]; b[15] = x[15];
        return new IPAddress(b);
    }

    public static DecodedPacket Decode(byte[] frame) => PacketDecoder.Decode(frame);

    /// <summary>The IP packet of a frame (what an ICMP error quotes).</summary>
    public static byte[] Ip(byte[] frame) => frame[14..];

    public long Counter(string name) => Engine.Counters().Values.TryGetValue(name, out var v) ? v : 0;

    public SidCounters SidCounter(string name) => Engine.SidCounters().Single(s => s.Name == name);

    /// <summary>Asserts one ICMPv6 error out of t1 to A quoting <paramref name="stimulus"/> as received.</summary>
    public static Icmpv6Layer AssertIcmp6Error(List<(string Interface, byte[] Frame)> output, byte type, byte code, uint? pointer, byte[] stimulus)
    {
        Assert.That(output, Has.Count.EqualTo(1), "exactly one frame out");
        Assert.That(output[0].Interface, Is.EqualTo("t1"));
        var d = Decode(output[0].Frame);
        Assert.That(d.Ipv6!.Dst, Is.EqualTo(A));
        Assert.That(d.Ethernet!.Destination.GetAddressBytes(), Is.EqualTo(MacA));
        var icmp = d.Inner as Icmpv6Layer;
        Assert.That(icmp, Is.Not.Null, "an ICMPv6 message");
        Assert.Multiple(() =>
        {
            Assert.That(icmp!.Type, Is.EqualTo(type), "type");
            Assert.That(icmp.Code, Is.EqualTo(code), "code");
            Assert.That(icmp.ChecksumValid, Is.True, "checksum");
            if (pointer is { } p) Assert.That(icmp.Pointer, Is.EqualTo(p), "pointer");
            var ip = Ip(stimulus);
            Assert.That(icmp.Data, Is.EqualTo(ip.Take(Math.Min(ip.Length, 1232)).ToArray()), "the packet as received is quoted");
        });
        return icmp!;
    }
}
