using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>Where the engine sends frames: one data interface by name. Implemented by the AF_PACKET runtime and by tests.</summary>
public interface IFrameSink
{
    /// <summary>Sends one Ethernet frame (with its header) out of <paramref name="interfaceName"/>.</summary>
    void Send(string interfaceName, ReadOnlySpan<byte> frame);
}

/// <summary>A data interface as the operating system has it (the engine owns everything above Ethernet).</summary>
public sealed record InterfaceInfo(string Name, byte[] Mac, int Mtu);

/// <summary>Per-SID counters (RFC 8986 §6: packets and bytes processed by the SID).</summary>
public sealed record SidCounters(string Name, long Packets, long Bytes);

/// <summary>Node-wide counters for <c>show</c>: drops by reason, ICMP errors sent and suppressed, O-flag exports.</summary>
public sealed record EngineCounters(IReadOnlyDictionary<string, long> Values);

/// <summary>
/// The forwarding engine: pure packet processing, no sockets. The runtime feeds it every frame received on a data
/// interface and gives it a sink to send on; the CLI swaps its configuration on commit and reads its state.
/// Thread model: <see cref="Receive"/> is called from one thread; <see cref="Apply"/> and the readers may be
/// called from others and must be safe against it.
/// </summary>
public interface IForwardingEngine : IControlPlane
{
    /// <summary>Replaces the configuration atomically (a commit). Counters of SIDs that keep their name survive.</summary>
    void Apply(NodeConfig config, IReadOnlyList<InterfaceInfo> interfaces);

    /// <summary>Processes one received frame; any frames it causes (forwarded packet, ICMP error, ND, O-flag copy) go to <paramref name="sink"/>.</summary>
    void Receive(string interfaceName, ReadOnlySpan<byte> frame, IFrameSink sink);

    /// <summary>Timers: ND retransmission, pending queues, rate-limit buckets. Called at least every 100 ms.</summary>
    void Tick(IFrameSink sink);

    IReadOnlyList<SidCounters> SidCounters();
    EngineCounters Counters();
    /// <summary>FIB entries of every table, one line each, for <c>show route</c>.</summary>
    IReadOnlyList<string> DescribeFib();
    /// <summary>Neighbour cache entries (IPv6 and IPv4), for <c>show neighbors</c>.</summary>
    IReadOnlyList<string> DescribeNeighbours();
    void ClearCounters();
    /// <summary>The policy selector's measured constituents (loopback probes), for <c>show srv6 policy-selector</c>.</summary>
    IReadOnlyList<ConstituentMeasurement> SelectorMeasurements() => [];
    /// <summary>The policy selector's accounted rate per constituent (bandwidth overflow), for <c>show srv6 policy-selector</c>.</summary>
    IReadOnlyList<ConstituentRate> SelectorRates() => [];
}

/// <summary>
/// The node's own control plane (its CLI's ping and traceroute): packets it originates, and the packets addressed to
/// it that the data plane does not consume itself (echo replies, ICMPv6/ICMP errors quoting what it sent).
/// </summary>
public interface IControlPlane
{
    /// <summary>Sends an IPv6 or IPv4 packet (no Ethernet header) the node originates: looked up in <paramref name="table"/> (null = main), steered into a headend policy when one matches, resolved with ND/ARP.</summary>
    void Originate(ReadOnlySpan<byte> ipPacket, IFrameSink sink, string? table = null);

    /// <summary>Raised (on the receive thread) with every IP packet delivered to the node that the data plane did not answer itself: ICMPv6/ICMP echo replies and errors, UDP to a local address.</summary>
    event Action<ReadOnlyMemory<byte>>? Delivered;
}
