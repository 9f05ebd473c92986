using System.Buffers.Binary;
using System.Net;
using Conformance.ReferenceNode.Cli;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>
/// A stand-in for the forwarding engine (the real one is written in parallel against IForwardingEngine): records
/// what the CLI applies, counts per SID, and answers the CLI's probes as a network would — an echo request gets its
/// echo reply from the final destination; a UDP probe with hop limit 1 gets Time Exceeded from <see cref="FirstHop"/>,
/// a later one Port Unreachable from the destination. <see cref="Silent"/> destinations never answer.
/// </summary>
internal sealed class FakeEngine : IForwardingEngine
{
    public static readonly IPAddress FirstHop = IPAddress.Parse("2001:db8:0:2::2");
    public List<NodeConfig> Applied { get; } = [];
    public List<byte[]> Originated { get; } = [];
    public HashSet<IPAddress> Silent { get; } = [];
    public bool Cleared { get; private set; }

    public event Action<ReadOnlyMemory<byte>>? Delivered;

    public void Apply(NodeConfig config, IReadOnlyList<InterfaceInfo> interfaces) { lock (Applied) Applied.Add(config); }
    public void Receive(string interfaceName, ReadOnlySpan<byte> frame, IFrameSink sink) { }
    public void Tick(IFrameSink sink) { }
    public NodeConfig? Last { get { lock (Applied) return Applied.Count == 0 ? null : Applied[^1]; } }
    public IReadOnlyList<SidCounters> SidCounters() => [.. (Last?.Srv6.Sids ?? []).Select((s, i) => new SidCounters(s.Name, Cleared ? 0 : 10 + i, Cleared ? 0 : 1000 + i))];
    public EngineCounters Counters() => new(new Dictionary<string, long> { ["drop.edge-filter"] = Cleared ? 0 : 3 });
    public IReadOnlyList<string> DescribeFib() => ["main 2001:db8:d::/48 via 2001:db8:0:2::2 dev eth2", "100 2001:db8:d:3::/64 via 2001:db8:0:2::2 dev eth2"];
    public IReadOnlyList<string> DescribeNeighbours() => ["2001:db8:0:2::2 dev eth2 lladdr 02:00:00:00:00:02 REACHABLE"];
    public void ClearCounters() => Cleared = true;

    public void Originate(ReadOnlySpan<byte> ipPacket, IFrameSink sink, string? table = null)
    {
        var p = ipPacket.ToArray();
        Originated.Add(p);
        if (p[0] >> 4 != 6) { AnswerV4(p); return; }
        var src = new IPAddress(p.AsSpan(8, 16));
        var dst = new IPAddress(p.AsSpan(24, 16));
        var next = p[6];
        var off = 40;
        if (next == 43)
        {
            dst = new IPAddress(p.AsSpan(48, 16)); // Segment List[0]: the final destination
            next = p[40];
            off += (p[41] + 1) * 8;
        }
        if (Silent.Contains(dst)) return;
        if (next == 58 && p[off] == 128)
        {
            var icmp = p[off..].ToArray();
            icmp[0] = 129;
            Delivered?.Invoke(V6(dst, src, icmp));
        }
        else if (next == 17)
        {
            var hop = p[7];
            var from = hop <= 1 ? FirstHop : dst;
            var icmp = new byte[8 + p.Length];
            icmp[0] = hop <= 1 ? (byte)3 : (byte)1;
            icmp[1] = hop <= 1 ? (byte)0 : (byte)4;
            p.CopyTo(icmp, 8);
            Delivered?.Invoke(V6(from, src, icmp));
        }
    }

    private void AnswerV4(byte[] p)
    {
        var src = new IPAddress(p.AsSpan(12, 4));
        var dst = new IPAddress(p.AsSpan(16, 4));
        if (Silent.Contains(dst) || p[9] != 1) return;
        var r = p.ToArray();
        p.AsSpan(16, 4).CopyTo(r.AsSpan(12));
        p.AsSpan(12, 4).CopyTo(r.AsSpan(16));
        r[20] = 0;
        Delivered?.Invoke(r);
    }

    private static byte[] V6(IPAddress src, IPAddress dst, byte[] icmp)
    {
        var r = new byte[40 + icmp.Length];
        r[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(4), (ushort)icmp.Length);
        r[6] = 58;
        r[7] = 64;
        src.GetAddressBytes().CopyTo(r, 8);
        dst.GetAddressBytes().CopyTo(r, 24);
        icmp.CopyTo(r, 40);
        return r;
    }
}

/// <summary>Sends nowhere (the fake engine answers probes itself).</summary>
internal sealed class NullSink : IFrameSink
{
    public void Send(string interfaceName, ReadOnlySpan<byte> frame) { }
}

/// <summary>A node with the fake engine and three data interfaces, its startup configuration committed.</summary>
internal static class TestNode
{
    public static readonly IReadOnlyList<InterfaceInfo> Ports =
    [
        new("eth1", [2, 0, 0, 0, 0, 1], 1500), new("eth2", [2, 0, 0, 0, 0, 2], 1500), new("eth3", [2, 0, 0, 0, 0, 3], 1500),
    ];

    public const string Startup = """
        hostname r1
        interface eth1
         ipv6 address 2001:db8:0:1::1/64
         ipv4 address 192.0.2.1/24
        interface eth2
         ipv6 address 2001:db8:0:2::1/64
        interface eth3
         ipv6 address 2001:db8:0:3::1/64
         sr-domain external
        segment-routing srv6
         source-address 2001:db8:b:1::1
        """;

    public static (NodeState Node, FakeEngine Engine, List<string> Log) Start(string? startup = Startup)
    {
        var engine = new FakeEngine();
        var log = new List<string>();
        var node = new NodeState(engine, new NullSink(), () => Ports, new NodeIdentity("0.1.0", "RNTEST00001"), log: l => { lock (log) log.Add(l); });
        if (startup is not null) node.Commit(ConfigEditor.Parse(startup, node.Secrets), "startup", "startup configuration");
        return (node, engine, log);
    }
}
