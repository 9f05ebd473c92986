using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Topology;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>
/// RFC 9259 on its own reference topology (Figure 1, profiles/reference-figure1.yaml): the seed's
/// examples packet by packet, with the DUT as one router of the path (N4 in the reference profile)
/// and the tester as the controller N100 (attached to N1 and N7). Every hop is observed (link taps at
/// the lab routers around the DUT); only the DUT's hops decide pass or fail.
/// </summary>
[TestFixture, Category("Figure1")]
public sealed class Figure1Cases : TopologyCase
{
    private const int Probes = 10;

    /// <summary>The seed's segment list &lt;2001:db8:B:2:C31::, 2001:db8:B:4:C52::&gt; (End.X at N2 over link3, End.X at N4 over link10).</summary>
    private static IPAddress C31 => Figure.EndXSid("N2", "link3");
    private static IPAddress C52 => Figure.EndXSid("N4", "link10");

    /// <summary>An OAM payload whose first octets tie each reception to its probe: "S6LP", the probe number, the run's nonce.</summary>
    private static byte[] OamPayload(int i) =>
        [(byte)'S', (byte)'6', (byte)'L', (byte)'P', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. System.Text.Encoding.ASCII.GetBytes($" loopback probe {i:D4} {Purpose.Id}")];

    [Test]
    [TestPurpose(Id = "TP-LOOP-BV-01", Rfc = "RFC 9259", Section = "3.4", Level = RequirementLevel.Must, Feature = "Loopback path probe",
        Title = "A controller's loopback probe through the DUT's End.X SID comes back to the controller, rewritten at every SID as the RFC lists",
        Requirement = "Node N4 executes the END.X behavior (2001:db8:B:4:C52::) and forwards the packet (2001:db8:A:100::, 2001:db8:B:100:1::)(2001:db8:B:100:1::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::, SL=0)(OAM Payload) on link10 to N5.",
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:B:100:1::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) UDP OAM payload (probe number), hop limit 64, into n100a (N100 → N1)",
        Expected = "each probe once on every link of the path with the rewrite the RFC lists: link3 (N2→N3) DA C52 SL=1; link5 (N3→N4) unchanged; link10 (N4→N5) DA 2001:db8:B:100:1:: SL=0; link11 (N5→N7); back at N100 on n100b with hop limit 58, payload intact; nothing out of the DUT's other links; loss and round-trip delay reported")]
    public async Task LoopbackProbeThroughTheDut()
    {
        Require("End.X");
        IPAddress n100 = Figure.Loopback("N100"), back = Figure.EndSid("N100");
        IReadOnlyList<IPAddress> visit = [C31, C52, back];
        IReadOnlyList<IPAddress> srh = [back, C52, C31];
        var hops = Figure.Walk("n100a", visit);
        RequireDutOnPath(hops);
        Evidence.AttachText("Path computed from Figure 1", string.Join('\n', hops.Select(h => $"{h.Link}: {h.From} → {h.To}  DA {Rfc5952.Format(h.Destination)} SL={h.SegmentsLeft} HL={h.HopLimit}")));
        const ushort Port = 50000;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, C31, 64).Srh(srh, 2).Udp((ushort)(Port + i), Port, OamPayload(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)hops.Select(h =>
            (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).Udp((ushort)(Port + i), Port, OamPayload(i)).Build(),
             (IReadOnlyList<string>)[])).ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => true);
        PathVerdict(j, o, "The loopback probe was not processed by the DUT as RFC 9259 §3.4 lists (End.X: DA ← next segment, SL − 1, out of its link), or did not come back.");
    }

    [Test]
    [TestPurpose(Id = "TP-PING-BV-04", Rfc = "RFC 9259", Section = "3.1.1", Level = RequirementLevel.Must, Feature = "Ping via a segment list",
        Title = "Classic ping via a segment list through the DUT: the echo request reaches the target and the reply comes back (Figure 2)",
        Requirement = "All transit nodes process the echo request message like any other data packet carrying SR header and hence do not require any change.",
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:A:5::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) ICMPv6 echo request into n100a (the seed's ping from N1 to N5's loopback via <C31, C52>, sent by N100)",
        Expected = "each request on every link of the path with the SRH processed at N2 and at the DUT (link10: DA 2001:db8:A:5::, SL=0); each echo reply (2001:db8:A:5::, 2001:db8:A:100::) IP-routed back to N100 (n100b), its hop limit and flow label not compared (N5's choice); nothing out of the DUT's other links; loss and round trip reported")]
    public async Task PingViaASegmentListThroughTheDut()
    {
        Require("End.X");
        IPAddress n100 = Figure.Loopback("N100"), target = Figure.Loopback("N5");
        IReadOnlyList<IPAddress> srh = [target, C52, C31];
        var request = Figure.Walk("n100a", [C31, C52, target]);
        var reply = Figure.WalkFrom(request[^1].To, n100);
        RequireDutOnPath(request);
        Evidence.AttachText("Path computed from Figure 1", "request:\n" + string.Join('\n', request.Select(h => $"{h.Link}: {h.From} → {h.To}  DA {Rfc5952.Format(h.Destination)} SL={h.SegmentsLeft} HL={h.HopLimit}"))
            + "\nreply:\n" + string.Join('\n', reply.Select(h => $"{h.Link}: {h.From} → {h.To}")));
        var data = Enumerable.Range(0, Probes).Select(ProbeData).ToList();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, C31, 64).Srh(srh, 2).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            request.Select(h => (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build(), (IReadOnlyList<string>)[]))
            .Concat(reply.Select((h, k) => (h, Frame(h).Ipv6(target, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields)))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });
        PathVerdict(j, o, "The echo request was not forwarded through the DUT's End.X SID as any data packet with an SRH, or no echo reply came back.");
    }

    /// <summary>The frame of a hop: a tester port's Ethernet addresses when the hop reaches the tester, zero (not compared) on lab links.</summary>
    private static PacketBuilder Frame(PathHop h) =>
        Figure.Node(h.To).IsTester ? OutOf(h.Link) : Figure.Node(h.From).IsTester ? Into(h.Link) : OnLink();
}
