using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Topology;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Interop;

/// <summary>
/// Interoperability between two DUTs (issue #17): RFC 9259's Figure 1 with two routers under test, each bound to its own
/// profile (testbed.topology.dut_nodes, e.g. profiles/reference-figure1-n2linux-n4node.yaml: the Linux kernel as N2, the
/// reference node as N4, and reference-figure1-n2node-n4linux.yaml the other way round). The lab routers fill the other nodes
/// and the tester plays N100, CE1 and CE2. Every purpose names the role of every DUT (<see cref="TestPurposeAttribute.Roles"/>);
/// each hop is observed on link taps at the lab routers and judged with the Figure 1 rule: per probe the first wrong hop
/// decides, a wrong hop a DUT sent is blamed on that DUT (the verdict names it), one upstream of both DUTs or after their
/// correct hops is the testbed's (inconclusive).
/// </summary>
[TestFixture, Category("Interop")]
public sealed class InteropCases : TopologyCase
{
    private const int Probes = 10;
    protected override bool NeedsSeveralDuts => true;

    /// <summary>
    /// Checks that every DUT named by the purpose's roles is a DUT of the testbed and claims its role's capability in its own
    /// profile (not applicable otherwise), and records the role table (node, DUT, role) as evidence.
    /// </summary>
    private static void AssignRoles()
    {
        var rows = new List<string> { "node  DUT (platform, host, profile)  capability  role" };
        foreach (var (node, capability, role) in Purpose.DutRoles)
        {
            if (!Lab.IsDut(node))
                Assert.Ignore($"N/A: the purpose needs a DUT at {node} ({role}); the DUT nodes of {Profile.Name} are {string.Join(", ", DutNodes)}.");
            var dut = Testbed.DutAt(node);
            if (!dut.Profile.Claims(capability))
                Assert.Ignore($"N/A: the DUT at {node} ({dut.Label}) does not claim {capability}, which its role needs ({role}).");
            rows.Add($"{node}  {dut.Label}  {capability}  {role}");
            Evidence.Parameter($"role {node}", $"{role} — {dut.Profile.Testbed.Platform} ({dut.Identity.Hostname})", excluded: true);
        }
        Evidence.AttachText("Roles (one row per DUT)", string.Join('\n', rows));
    }

    /// <summary>The End.X SID of a DUT towards its neighbour over <paramref name="link"/>: the figure's plan, which the DUT's profile must define.</summary>
    private static IPAddress DutEndX(string node, string link)
    {
        var plan = Figure.EndXSid(node, link);
        var p = Testbed.DutAt(node).Profile;
        if (!p.Parameters.Sids.Values.Any(s => s.Address.Equals(plan)))
            throw new TestbedException($"{p.SourcePath}: the purpose needs {node}'s End.X SID over {link} at {Rfc5952.Format(plan)} (the figure's plan), which the profile does not define.");
        return plan;
    }

    /// <summary>An OAM payload whose first octets tie each reception to its probe: "S6LP", the probe number, the run's nonce.</summary>
    private static byte[] OamPayload(int i) =>
        [(byte)'S', (byte)'6', (byte)'L', (byte)'P', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. System.Text.Encoding.ASCII.GetBytes($" loopback probe {i:D4} {Purpose.Id}")];

    [Test]
    [NegativeControl("Figure1N2EndXWrongLink@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: End.X C31 sends the echo requests over link4 instead of link3; the purpose fails, blamed on N2")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: End.X C52 sends the echo requests over link9 instead of link10; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-01", Feature = "Interop: ping via a segment list across two DUTs",
        Title = "Ping via a segment list through two DUTs: End.X at the first DUT (N2), End.X at the second (N4), the echo reply comes back (Figure 2)",
        Requirements = new[] { "RFC8986-4.2-END-X-S15", "RFC9259-A.1.1-PING-AT-N2", "RFC9259-A.1.1-TRANSIT-NODES-NO-CHANGE" },
        Roles = new[] { "N2|End.X|first segment endpoint: End.X C31 towards N3 over link3", "N4|End.X|second (penultimate) segment endpoint: End.X C52 towards N5 over link10" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:A:5::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) ICMPv6 echo request into n100a (Appendix A.1.1's ping to N5's loopback via <C31, C52>, the RFC's <X31, X52>, sent by N100)",
        Expected = "each request on every link of the path: link3 (N2→N3, DA C52, SL=1, processed by the first DUT), link5 (N3→N4), link10 (N4→N5, DA 2001:db8:A:5::, SL=0, processed by the second DUT); each echo reply IP-routed back to N100 (n100b), its hop limit and flow label not compared; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it; loss and round trip reported")]
    public async Task PingViaASegmentListAcrossTwoDuts()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), target = Figure.Loopback("N5"), c31 = DutEndX("N2", "link3"), c52 = DutEndX("N4", "link10");
        IReadOnlyList<IPAddress> srh = [target, c52, c31];
        var request = Figure.Walk("n100a", [c31, c52, target]);
        var reply = Figure.WalkFrom(request[^1].To, n100);
        Evidence.AttachText("Path computed from Figure 1", "request:\n" + Describe(request)
            + "\nreply:\n" + string.Join('\n', reply.Select(h => $"{h.Link}: {h.From} → {h.To}")));
        var data = Enumerable.Range(0, Probes).Select(ProbeData).ToList();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, c31, 64).Srh(srh, 2).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            request.Select(h => (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build(), (IReadOnlyList<string>)[]))
            .Concat(reply.Select(h => (h, Frame(h).Ipv6(target, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields)))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });
        PathVerdict(j, o, "The echo request was not forwarded through both DUTs' End.X SIDs as any data packet with an SRH, or no echo reply came back.");
    }

    [Test]
    [NegativeControl("Figure1N2EndXWrongLink@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: End.X C31 sends the loopback probes over link4 instead of link3; the purpose fails, blamed on N2")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: End.X C52 sends the loopback probes over link9 instead of link10; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-02", Feature = "Interop: loopback probe across two DUTs",
        Title = "A controller's loopback probe through two DUTs' End.X SIDs comes back to the controller, rewritten at each DUT as the RFC lists",
        Requirements = new[] { "RFC8986-4.2-END-X-S15", "RFC9259-A.4-LOOPBACK-PROBE-AT-N2", "RFC9259-A.4-LOOPBACK-PROBE-AT-N4" },
        Roles = new[] { "N2|End.X|first segment endpoint: End.X C31 towards N3 over link3", "N4|End.X|penultimate segment endpoint: End.X C52 towards N5 over link10" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:B:100:1::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) UDP OAM payload (probe number), hop limit 64, into n100a (N100 → N1)",
        Expected = "each probe once on every link of the path with the rewrite the RFC lists: link3 (N2→N3, the first DUT) DA C52 SL=1; link5 (N3→N4) unchanged; link10 (N4→N5, the second DUT) DA 2001:db8:B:100:1:: SL=0; link11 (N5→N7); back at N100 on n100b with hop limit 58, payload intact; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it; loss and round-trip delay reported")]
    public async Task LoopbackProbeAcrossTwoDuts()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), back = Figure.EndSid("N100"), c31 = DutEndX("N2", "link3"), c52 = DutEndX("N4", "link10");
        IReadOnlyList<IPAddress> srh = [back, c52, c31];
        var hops = Figure.Walk("n100a", [c31, c52, back]);
        Evidence.AttachText("Path computed from Figure 1", Describe(hops));
        const ushort Port = 50000;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, c31, 64).Srh(srh, 2).Udp((ushort)(Port + i), Port, OamPayload(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)hops.Select(h =>
            (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).Udp((ushort)(Port + i), Port, OamPayload(i)).Build(),
             (IReadOnlyList<string>)[])).ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => true);
        PathVerdict(j, o, "The loopback probe was not processed by both DUTs as RFC 9259 Appendix A.4 lists (End.X: DA ← next segment, SL − 1, out of its link), or did not come back.");
    }
}
