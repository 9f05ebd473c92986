using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
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

    /// <summary>A DUT's End SID at the figure's plan address, which the DUT's profile must define.</summary>
    private static IPAddress DutEndSid(string node)
    {
        var plan = Figure.EndSid(node);
        var p = Testbed.DutAt(node).Profile;
        if (!p.Parameters.Sids.Values.Any(x => x.Address.Equals(plan) && x.Behavior == SrBehavior.End && x.Csid is null))
            throw new TestbedException($"{p.SourcePath}: the purpose needs {node}'s End SID at {Rfc5952.Format(plan)} (the figure's plan), which the profile does not define.");
        return plan;
    }

    /// <summary>
    /// A DUT's decapsulating SID of <paramref name="behavior"/> on the main table (where the figure's routes are), inside the
    /// node's locator so that the figure routes it there; the DUT's profile must define one (<paramref name="example"/>).
    /// </summary>
    private static IPAddress DutMainTableSid(string node, SrBehavior behavior, string example)
    {
        var p = Testbed.DutAt(node).Profile;
        var locator = IPNetwork.Parse(Figure.Locator(node));
        return p.Parameters.Sids.Values.FirstOrDefault(x => x.Behavior == behavior && x.Csid is null && x.Table is null or "main" or "254" && locator.Contains(x.Address))?.Address
            ?? throw new TestbedException($"{p.SourcePath}: the purpose needs {node}'s {behavior.Name()} SID on the main table inside its locator {locator} (parameters.sids, e.g. {example}), which the profile does not define.");
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

    [Test]
    [NegativeControl("Figure1OFlagNotExported@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2 is configured without O-flag processing: no copy of the sampled packets reaches the collector from N2; the purpose fails, blamed on N2")]
    [NegativeControl("Figure1OFlagNotExported@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4 is configured without O-flag processing: no copy of the sampled packets reaches the collector from N4; the purpose fails, blamed on N4")]
    [NegativeControl("Figure1N2EndXWrongLink@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: End.X C31 sends P1 over link4 instead of link3; the purpose fails, blamed on N2 (N4's exports are not judged: the packets reached it off the path)")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: End.X C52 sends P1 over link9 instead of link10; the purpose fails, blamed on N4 (its exports are right)")]
    [TestPurpose(Id = "TP-IOP-BV-03", Feature = "Interop: O-flag exports from two DUTs correlated per packet",
        Title = "Hybrid OAM across two DUTs: both DUTs export a copy of each sampled O-flag packet to the collector N100, which correlates the two copies per packet; the packet itself is forwarded unchanged but for End.X (Appendix A.3 with N2 processing the O-flag too)",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-A.3-CONTROLLER-CORRELATES", "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED", "RFC9259-A.3-HYBRID-OAM-AT-N4" },
        Roles = new[] { "N2|oam.o_flag_processing|transit endpoint (End.X C31 towards N3 over link3) and OAM exporter: copies each O-flag packet to the collector N100",
                        "N4|oam.o_flag_processing|transit endpoint (End.X C52 towards N5 over link10) and OAM exporter: copies each O-flag packet to the collector N100" },
        Stimulus = "10 × P1 as N1 (the headend, a lab router) sends it after steering CE1's IPv4 packet into policy P = <C31, C52, VPN SID>: (2001:db8:A:1::, C31)(VPN, C52, C31; SL=2)(IPv4 192.0.2.2 → 198.51.100.2 UDP), the O-flag set on the even-numbered packets (sampled), into N1 from CE1's port; the tester plays the collector N100 (n100b) and CE2",
        Expected = "every packet hop by hop as Appendix A.3 lists (link3 after N2: DA C52, SL=1; link10 after N4: DA = VPN SID, SL=0; O-flag as sent, nothing added), the IPv4 packet out to CE2 (TTL 63), egress End.DX4 at N7; at the collector exactly one export from each DUT per sampled packet, each a full copy of P1 as that DUT received it (N2: DA C31 SL=2, N4: DA C52 SL=1; hop limit not compared), none for unsampled packets; a problem blamed on the DUT that made it; a DUT downstream of a DUT that misrouted the packet is not judged")]
    public async Task OFlagExportsFromBothDutsCorrelatedPerPacket()
    {
        AssignRoles();
        IPAddress n1 = Figure.Loopback("N1"), vpn = Figure.SidNamed("vpn_999").Address, collector = Figure.EndSid("N100");
        IPAddress ce1 = Figure.LinkAddress4("CE1", "ce1")!, ce2 = Figure.LinkAddress4("CE2", "ce2")!;
        IPAddress c31 = DutEndX("N2", "link3"), c52 = DutEndX("N4", "link10");
        IReadOnlyList<IPAddress> srh = [vpn, c52, c31];
        var hops = Figure.Walk("ce1", [c31, c52, vpn]);
        Evidence.AttachText("Path computed from Figure 1", Describe(hops));
        const ushort Port = 9999;
        bool Sampled(int i) => i % 2 == 0;
        byte[] Payload(int i) => [(byte)'V', (byte)'9', (byte)'9', (byte)'9', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. ProbeData(i)];
        PacketBuilder Inner(int i, byte ttl) => new PacketBuilder().RawIp().Ipv4(ce1, ce2, ttl, 0, (ushort)(0x3300 + i)).Udp((ushort)(Port + i), Port, Payload(i));
        PacketBuilder P1(PacketBuilder b, PathHop h, int i) => b.Ipv6(n1, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft, x => x.OFlag = Sampled(i)).Encapsulate(Inner(i, 64));
        var stimuli = Enumerable.Range(0, Probes).Select(i => P1(Into("ce1"), hops[0], i).Build()).ToList();
        var toCe2 = new PathHop("ce2", "N7", "CE2", ce2, 0, 0);
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)hops
            .Select(h => (h, P1(Frame(h), h, i).Build(), (IReadOnlyList<string>)[]))
            .Append((toCe2, OutOf("ce2").Ipv4(ce1, ce2, 63, 0, (ushort)(0x3300 + i)).Udp((ushort)(Port + i), Port, Payload(i)).Build(), (IReadOnlyList<string>)[]))
            .ToList()).ToList();
        bool IsExport(DecodedPacket d) => d.Ipv6 is { } ip && ip.Dst.Equals(collector);
        var (j, o) = await ExchangeOnPathAsync("ce1", stimuli, expected, d => d.Inner is Ipv4Layer, IsExport);
        if (!j.Pass && o.DutProblems.Count == 0) PathVerdict(j, o, "P1 did not travel the path as Appendix A.3 lists.");

        // The collector's correlation: per packet, the export of each DUT, matched to the packet by its payload and checked
        // against the packet as that DUT received it. A DUT downstream of a DUT blamed for the path is not judged (its
        // input was wrong); one upstream of every blamed DUT is.
        var atCollector = o.SetAside.Where(f => !f.Port.Contains(':')).Select(f => (Frame: f, D: PacketDecoder.Decode(f.Data))).ToList();
        var order = DutNodes.OrderBy(n => hops.Select((h, k) => (h, k)).First(x => x.h.To == n).k).ToList();
        var problems = new Dictionary<string, List<string>>();
        var table = new List<string> { "packet  sampled  " + string.Join("  ", order.Select(n => $"export from {n} (DA SL @ arrival)")) };
        var perPacket = new string[Probes];
        for (int i = 0; i < Probes; i++)
        {
            var exports = atCollector.Where(x => CarriesCopy(x.D, stimuli[i])).ToList();
            var cells = new List<string>();
            foreach (var node in order)
            {
                var into = hops.First(h => h.To == node);
                var received = P1(OnLink(), into, i).Build().AsSpan(14).ToArray();
                var addresses = Figure.AddressesOf(node).ToHashSet();
                var mine = exports.Where(x => addresses.Contains(x.D.Ipv6!.Src)).ToList();
                cells.Add(mine.Count == 0 ? "-" : string.Join(", ", mine.Select(x => (x.D.Inner is Ipv6Layer c ? $"{Rfc5952.Format(c.Packet.Ipv6!.Dst)} SL={c.Packet.Srh?.SegmentsLeft}" : "?") + $" @ {x.Frame.TimestampUtc:HH:mm:ss.ffffff}")));
                var p = new List<string>();
                if (Sampled(i) && mine.Count != 1) p.Add($"packet {i} (O-flag set): {mine.Count} export(s) from {node}, expected exactly 1");
                if (!Sampled(i) && mine.Count != 0) p.Add($"packet {i} (no O-flag): {mine.Count} export(s) from {node}, expected none");
                foreach (var x in mine.Where(x => !IsFullCopy(x.D, received)))
                    p.Add($"packet {i}: {node}'s export does not carry a full copy of P1 as {node} received it: {x.D.Notation}");
                if (p.Count > 0) (problems.TryGetValue(node, out var l) ? l : problems[node] = []).AddRange(p);
            }
            table.Add($"{i,6}  {(Sampled(i) ? "yes" : "no "),7}  " + string.Join("  ", cells));
        }
        var strays = atCollector.Where(x => !Enumerable.Range(0, Probes).Any(i => CarriesCopy(x.D, stimuli[i]))).ToList();
        var fromLab = atCollector.Select(x => Figure.OwnerOf(x.D.Ipv6!.Src) ?? "?").Where(n => !Lab.IsDut(n))
            .GroupBy(n => n).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        Evidence.AttachText("Exports correlated per packet at the collector N100", string.Join('\n', table)
            + $"\n\nexports from the lab's O-flag routers (not judged): {string.Join(", ", fromLab)}; strays: {strays.Count}");
        foreach (var x in strays)
            if (Figure.OwnerOf(x.D.Ipv6!.Src) is { } n && Lab.IsDut(n))
                (problems.TryGetValue(n, out var l) ? l : problems[n] = []).Add($"{n} sent the collector a packet that copies none of the probes: {x.D.Notation}");

        // Blame: the path's first wrong hop (ExchangeOnPathAsync) and each DUT's exports, except a DUT downstream of one blamed for the path.
        var firstPathBlame = order.FirstOrDefault(n => o.Blamed.Contains(n));
        var judged = firstPathBlame is null ? order : order.Take(order.IndexOf(firstPathBlame) + 1).ToList();
        var blamed = order.Where(n => o.Blamed.Contains(n) || (judged.Contains(n) && problems.ContainsKey(n))).ToList();
        foreach (var n in order.Except(judged).Where(problems.ContainsKey))
            Evidence.AttachText($"Not judged: {n}'s exports", $"{n} is downstream of {firstPathBlame}, which sent P1 off the path:\n" + string.Join('\n', problems[n]));
        if (blamed.Count > 0)
            Fail($"blamed on {string.Join(" and ", blamed.Select(DutLabel))}: the DUTs' O-flag processing did not export exactly one full copy of each sampled packet to the collector each, "
                + $"or a DUT did not forward P1 as Appendix A.3 lists ({o.Figures})\n"
                + string.Join('\n', blamed.SelectMany(n => (judged.Contains(n) && problems.TryGetValue(n, out var l) ? l.Select(x => $"[{n}] {x}") : []).Concat(o.DutProblems.Where(x => x.StartsWith($"[{n}]")))).Take(8)), BlamedProfiles(blamed));
        PathVerdict(j, o, "P1 did not reach CE2 as Appendix A.3 lists.");
    }

    [Test]
    [NegativeControl("Figure1N2EndXWrongLink@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: End.X C31 sends the probes that outlive it over link4 instead of link3; the traceroute fails from hop 3 on, blamed on N2")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: End.X C52 sends the probe that outlives it over link9 instead of link10; the traceroute fails at the target hop, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-04", Feature = "Interop: traceroute via a segment list across two DUTs",
        Title = "Traceroute via a segment list through two DUTs: each hop (lab routers and both DUTs' End.X) answers the probe whose hop limit expires there with Time Exceeded quoting it, SRH included; the probe that outlives both DUTs reaches the target (Appendix A.2.1)",
        Requirements = new[] { "RFC9259-A.2.1-TRACE-VIA-SEGMENT-LIST", "RFC9259-A.2.1-SRH-IN-TIME-EXCEEDED", "RFC8986-4.2-END-X-S15", "RFC4443-3.3-TIME-EXCEEDED", "RFC4443-2.4-ERROR-INCLUDES-INVOKING-PACKET" },
        Roles = new[] { "N2|End.X|first segment endpoint (End.X C31 towards N3 over link3) and traceroute hop 2: Time Exceeded for the probe that expires there",
                        "N4|End.X|second segment endpoint (End.X C52 towards N5 over link10) and traceroute hop 4: Time Exceeded for the probe that expires there" },
        Stimulus = "5 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:A:5::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) UDP 49152+h → 33434+h with hop limit h = 1…5 into n100a (N100, the OAM originator, traces to N5's loopback via <C31, C52>, the RFC's <X31, X52>)",
        Expected = "the probe with hop limit h on every link up to the node where it expires (N1, N2, N3, N4 for h = 1…4): from there one ICMPv6 Time Exceeded code 0 to N100, IP-routed back hop by hop, from an address of that node, quoting the probe as that node received it (hop limit 1, SRH included); the probe with h = 5 reaches N5 (SL=0) and is answered with Destination Unreachable code 4 (Port Unreachable); the DUTs' hops (link3 after N2: DA C52 SL=1; link10 after N4: DA N5 SL=0) exact; a wrong hop or a wrong error source blamed on the DUT that sent it")]
    public async Task TracerouteViaASegmentListAcrossTwoDuts()
    {
        AssignRoles();
        IPAddress target = Figure.Loopback("N5"), c31 = DutEndX("N2", "link3"), c52 = DutEndX("N4", "link10");
        await TracerouteViaASegmentListAsync([c31, c52, target], [target, c52, c31], "<C31, C52>");
    }

    [Test]
    [NegativeControl("EndWithoutPsp@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: its PSP SID is a plain End, the SRH is kept on the way to N4; the purpose fails, blamed on N2")]
    [NegativeControl("SidMissing@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: its End SID is not programmed, the ultimate segment does not answer; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-05", Feature = "Interop: PSP at one DUT, the ultimate segment at the other",
        Title = "PSP across two DUTs: the first DUT (N2) is the penultimate segment and pops the SRH (PSP), the second (N4) is the ultimate segment and answers the echo request to its End SID without an SRH",
        Requirements = new[] { "RFC8986-4.16.1.2-PSP-S14.1-S14.5", "RFC8986-4.1.1-ULH-S01-S02-ALLOWED" },
        Roles = new[] { "N2|PSP|penultimate segment endpoint: End SID 2001:db8:b:2:e1:: with PSP, pops the SRH", "N4|End|ultimate segment endpoint: End SID 2001:db8:b:4::, receives the packet without an SRH and answers it" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:E1::)(2001:db8:B:4::, 2001:db8:B:2:E1::; SL=1) ICMPv6 echo request into n100a (N100 pings N4's End SID via N2's PSP SID)",
        Expected = "each request into N2 with its SRH (SL=1); from N2 on (the first DUT's hop) the IPv6 header alone, DA 2001:db8:B:4::, no SRH (PSP), on every link to N4 as the figure routes it; one echo reply per request from N4's End SID IP-routed back to N100 (hop limit and flow label not compared); nothing else; a wrong hop blamed on the DUT that sent it")]
    public async Task PspAtOneDutUltimateSegmentAtTheOther()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), n2End = Figure.EndSid("N2"), n4End = DutEndSid("N4");
        var psp = Testbed.DutAt("N2").Profile.Parameters.Sids.TryGetValue("end_psp", out var s) && s.Behavior == SrBehavior.End && s.Flavors.Contains(SrFlavor.Psp) ? s.Address
            : throw new TestbedException($"{Testbed.DutAt("N2").Profile.SourcePath}: the purpose needs N2's End SID with the PSP flavor (parameters.sids.end_psp), which the profile does not define.");
        IReadOnlyList<IPAddress> srh = [n4End, psp];
        // The PSP SID is N2's End beside the plan's End SID: the walk of the plan's End SID is its path (End: a lookup of the next segment).
        var request = Figure.Walk("n100a", [n2End, n4End]).Select(h => h.Destination.Equals(n2End) ? h with { Destination = psp } : h).ToList();
        var reply = Figure.WalkFrom(request[^1].To, n100);
        if (request[^1].To != "N4") throw new TestbedException($"INCONC: the figure does not route N4's End SID to N4 ({Describe(request)}).");
        Evidence.AttachText("Path computed from Figure 1", "request:\n" + Describe(request) + "\nreply:\n" + string.Join('\n', reply.Select(h => $"{h.Link}: {h.From} → {h.To}")));
        var data = Enumerable.Range(0, Probes).Select(ProbeData).ToList();
        byte[] Request(PacketBuilder b, PathHop h, int i) => h.SegmentsLeft > 0
            ? b.Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()
            : b.Ipv6(n100, h.Destination, (byte)h.HopLimit).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build();
        var stimuli = Enumerable.Range(0, Probes).Select(i => Request(Into("n100a"), request[0], i)).ToList();
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            request.Select(h => (h, Request(Frame(h), h, i), (IReadOnlyList<string>)[]))
            .Concat(reply.Select(h => (h, Frame(h).Ipv6(n4End, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields)))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });
        PathVerdict(j, o, "N2 did not pop the SRH at the penultimate segment (PSP), or N4 did not answer the echo request to its End SID arriving without an SRH.");
    }

    [Test]
    [NegativeControl("HeadendsMissing@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2 has no headend policy: CE1's IPv6 packets leave N2 unencapsulated on the IGP's path and its IPv4 packets have no route; the purpose fails, blamed on N2")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: End.X C52 sends the encapsulated packets over link9 instead of link10; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-06", Feature = "Interop: services end to end across two DUTs",
        Title = "Services end to end across two DUTs: H.Encaps at the first DUT (N2) steers CE1's IPv6 and IPv4 traffic to CE2 into <End.X C52 at the second DUT (N4), a decapsulating VPN SID at N7> (End.DT6, End.DX4); each packet comes out to CE2 as it was sent but for its hop limit / TTL",
        Requirements = new[] { "RFC8986-5.1-H-ENCAPS-S01-S06", "RFC8986-5.1-H-ENCAPS-INNER-UNMODIFIED", "RFC8986-4.2-END-X-S15", "RFC8986-4.6-END-DT6-ULH-S01-S04", "RFC8986-4.5-END-DX4-ULH-S01-S03" },
        Roles = new[] { "N2|H.Encaps|headend (provider edge): steers CE2's IPv6 prefix into <C52, End.DT6 at N7> and its IPv4 prefix into <C52, End.DX4 at N7> (parameters.headend_policies)",
                        "N4|End.X|transit endpoint: End.X C52 towards N5 over link10" },
        Stimulus = "5 × IPv6 UDP (2001:db8:1:ce1::2 → 2001:db8:7:ce2::2, hop limit 64) and 5 × IPv4 UDP (192.0.2.2 → 198.51.100.2, TTL 64) from CE1 into N1 (ce1), interleaved; N1 routes both to N2 over link1 (IPv6: the IGP; IPv4: the topology's static route)",
        Expected = "each packet on link1 (N1→N2) as sent, hop limit / TTL 63; from N2 on encapsulated (the first DUT's hop, H.Encaps): (T, C52)(VPN SID, C52; SL=1)(inner packet, hop limit / TTL 62), T an address of N2, outer hop limit, traffic class and flow label the headend's; on link7 and link8 to N4; out of N4 on link10 (the second DUT's hop, End.X) DA = VPN SID, SL=0; on link11 to N7; out to CE2 decapsulated (End.DT6: IPv6 lookup; End.DX4: to CE2), hop limit / TTL 61, nothing else changed; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it, one after both DUTs' correct hops is the testbed's")]
    public async Task ServicesEndToEndAcrossTwoDuts()
    {
        AssignRoles();
        IPAddress c52 = DutEndX("N4", "link10"), dt6 = Figure.SidNamed("vpn6_999").Address, dx4 = Figure.SidNamed("vpn_999").Address;
        IPAddress ce1 = Figure.LinkAddress("CE1", "ce1"), ce2 = Figure.LinkAddress("CE2", "ce2");
        IPAddress ce1v4 = Figure.LinkAddress4("CE1", "ce1")!, ce2v4 = Figure.LinkAddress4("CE2", "ce2")!;
        var n2 = Testbed.DutAt("N2").Profile;
        // N2's policies must be the ones the purpose judges: its profile steers CE2's prefixes into <C52, VPN SID>.
        foreach (var (dst, egress) in new[] { (ce2, dt6), (ce2v4, dx4) })
            if (!n2.Parameters.HeadendPolicies.Any(h => h.Behavior == HeadendBehavior.HEncaps && h.Steer.Contains(dst) && h.Segments.SequenceEqual([c52, egress])))
                throw new TestbedException($"{n2.SourcePath}: the purpose needs N2 to steer {Rfc5952.Format(dst)} into an H.Encaps policy <{Rfc5952.Format(c52)}, {Rfc5952.Format(egress)}> (parameters.headend_policies), which the profile does not define.");
        // Into N2 as the IGP (IPv6) and the static IPv4 route take CE1's packets; from N2 encapsulated towards C52; out of N7 to CE2.
        var ingress = Figure.Walk("ce1", [ce2]).Take(2).ToList();
        if (ingress is not [{ Link: "ce1" }, { Link: "link1", To: "N2" }])
            throw new TestbedException($"INCONC: the figure does not route CE1's traffic to N2 over link1 ({Describe(ingress)}).");
        var outer6 = Figure.WalkEncapsulated("N2", [c52, dt6]);
        var outer4 = Figure.WalkEncapsulated("N2", [c52, dx4]);
        if (outer6.Count == 0 || outer6[^1].To != "N7" || outer4.Count == 0 || outer4[^1].To != "N7")
            throw new TestbedException($"INCONC: the figure does not take the encapsulated packets from N2 through C52 to N7 ({Describe(outer6)}).");
        var toCe2 = new PathHop("ce2", "N7", "CE2", ce2, 0, 61);
        Evidence.AttachText("Path computed from Figure 1", "into the headend:\n" + Describe(ingress) + "\nencapsulated (IPv6 service):\n" + Describe(outer6)
            + "\nencapsulated (IPv4 service):\n" + Describe(outer4) + "\nout to CE2: ce2: N7 → CE2");
        const ushort Port = 6000;
        bool V4(int i) => i % 2 == 1;
        byte[] Payload(int i) => [(byte)'S', (byte)'V', (byte)'C', (byte)(V4(i) ? '4' : '6'), (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. ProbeData(i)];
        PacketBuilder Inner(PacketBuilder b, int i, int hopLimit) => V4(i)
            ? b.Ipv4(ce1v4, ce2v4, (byte)hopLimit, 0, (ushort)(0x5600 + i)).Udp((ushort)(Port + i), Port, Payload(i))
            : b.Ipv6(ce1, ce2, (byte)hopLimit).Udp((ushort)(Port + i), Port, Payload(i));
        IReadOnlyList<string> headendFields = ["ipv6.src", "ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"];
        var stimuli = Enumerable.Range(0, Probes).Select(i => Inner(Into("ce1"), i, 64).Build()).ToList();
        var expected = Enumerable.Range(0, stimuli.Count).Select(i =>
        {
            var (outer, egress) = V4(i) ? (outer4, dx4) : (outer6, dt6);
            IReadOnlyList<IPAddress> srh = [egress, c52];
            return (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
                ingress.Select(h => (h, Inner(Frame(h), i, h.HopLimit).Build(), (IReadOnlyList<string>)[]))
                .Concat(outer.Select(h => (h, Frame(h).Ipv6(Figure.Loopback("N2"), h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft)
                    .Encapsulate(Inner(new PacketBuilder().RawIp(), i, 62)).Build(), headendFields)))
                .Append((toCe2, Inner(OutOf("ce2"), i, 61).Build(), (IReadOnlyList<string>)[]))
                .ToList();
        }).ToList();
        var (j, o) = await ExchangeOnPathAsync("ce1", stimuli, expected, d => d.Inner is UdpLayer || d.Ipv6 is null);

        // T (RFC 8986 §5.1 S02: "Set outer IPv6 SA = T"): an address of the headend N2, whichever it chose.
        var foreign = j.Matched.Where(m => m.ReceivedDecoded.Ipv6 is { } ip && m.ReceivedDecoded.Inner is Ipv6Layer or Ipv4Layer && Figure.OwnerOf(ip.Src) != "N2")
            .Select(m => Rfc5952.Format(m.ReceivedDecoded.Ipv6!.Src)).Distinct().ToList();
        var blamed = DutNodes.Where(n => o.Blamed.Contains(n) || (n == "N2" && foreign.Count > 0)).ToList();
        if (blamed.Count > 0)
            Fail($"blamed on {string.Join(" and ", blamed.Select(DutLabel))}: CE1's IPv6 and IPv4 traffic was not encapsulated at N2 (H.Encaps) and carried through N4's End.X C52 to the VPN SIDs at N7 as RFC 8986 §5.1 and §4.2 say ({o.Figures})\n"
                + string.Join('\n', o.DutProblems.Take(8).Concat(foreign.Count > 0 ? [$"[N2] the outer source {string.Join(", ", foreign)} is not an address of N2 (T, RFC 8986 §5.1)"] : [])), BlamedProfiles(blamed));
        PathVerdict(j, o, "The services were not carried end to end through both DUTs.");
    }

    /// <summary>The NEXT-C-SID End.X C-SID of a DUT over <paramref name="link"/> (the figure's C-SID plan), which the DUT's profile must declare as a C-SID SID.</summary>
    private static IPAddress DutCsidEndX(string node, string link)
    {
        var plan = Figure.CsidEndXSid(node, link) ?? throw new TestbedException($"{Figure.File}: the topology has no C-SID plan (addressing.csid_*).");
        var p = Testbed.DutAt(node).Profile;
        if (!p.Parameters.Sids.Values.Any(s => s.Csid is not null && s.Address.Equals(plan)))
            Assert.Ignore($"N/A: the purpose needs {node}'s NEXT-C-SID End.X C-SID over {link} at {Rfc5952.Format(plan)} (the figure's C-SID plan), which {p.SourcePath} does not declare (e.g. reference-figure1-n2node-n4node-csid.yaml).");
        return plan;
    }

    [Test]
    [NegativeControl("Figure1N2CsidEndXAsEnd@N2", Profile = "reference-figure1-n2node-n4node-csid.yaml", Why = "the reference node as N2: its C-SID End.X c231 is a NEXT-C-SID End, the shifted or next destination follows N2's FIB (link7) instead of link3; the purpose fails, blamed on N2")]
    [NegativeControl("Figure1EndXWrongLink@N4", Profile = "reference-figure1-n2node-n4node-csid.yaml", Why = "the reference node as N4: End.X C52 and its C-SID End.X c452 send the echo requests over link9 instead of link10; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-07", Feature = "Interop: NEXT-C-SID across two DUTs",
        Title = "NEXT-C-SID across two DUTs: a C-SID container <c231 at N2, c452 at N4> shifted at the first DUT and ended at the second, and mixed C-SID / classic segment lists across both (C-SID at N2 then classic at N4, classic at N2 then C-SID at N4), each echo request reaching N5 and answered",
        Requirements = new[] { "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC9800-4.1.1-END-SL-UNCHANGED", "RFC9800-4.1.2-ENDX-N08", "RFC9800-4.1-NEXT-CSID-LAST-ANY-BEHAVIOR", "RFC8986-4.2-END-X-S15" },
        Roles = new[] { "N2|NEXT-C-SID|first segment endpoint: NEXT-C-SID End.X C-SID c231 towards N3 over link3 (shifts the container, or ends it), classic End.X C31",
                        "N4|NEXT-C-SID|second segment endpoint: NEXT-C-SID End.X C-SID c452 towards N5 over link10 (ends the container), classic End.X C52" },
        Stimulus = "12 × ICMPv6 echo request (2001:db8:A:100:: → N5's loopback 2001:db8:A:5::) into n100a, three segment lists in turn: (a) (2001:db8:c231:c452::)(N5, 2001:db8:c231:c452::; SL=1); (b) (2001:db8:c231::)(N5, 2001:db8:B:4:C52::, 2001:db8:c231::; SL=2); (c) (2001:db8:B:2:C31::)(N5, 2001:db8:c452::, 2001:db8:B:2:C31::; SL=2)",
        Expected = "on link3 (after N2, the first DUT): (a) DA 2001:db8:c452:: SL=1 (the next C-SID shifted in, Segments Left unchanged); (b) DA C52 SL=1 (the container's Argument 0: the next entry); (c) DA 2001:db8:c452:: SL=1; on link10 (after N4, the second DUT) DA N5 SL=0; every other hop as the figure routes it; one echo reply per request from N5 back to N100; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it")]
    public async Task NextCsidAcrossTwoDuts()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), target = Figure.Loopback("N5");
        IPAddress c31 = DutEndX("N2", "link3"), c52 = DutEndX("N4", "link10"), x31 = DutCsidEndX("N2", "link3"), x52 = DutCsidEndX("N4", "link10");
        var both = Figure.CsidContainer([x31, x52])!;
        // Visit order (first to last) of each kind; the SRH lists them the other way round.
        IReadOnlyList<IPAddress>[] kinds = [[both, target], [x31, c52, target], [c31, x52, target]];
        string[] names = ["(a) one container across both DUTs", "(b) C-SID at N2, classic at N4", "(c) classic at N2, C-SID at N4"];
        var walks = kinds.Select(k => Figure.Walk("n100a", k)).ToList();
        for (int k = 0; k < kinds.Length; k++)
            if (walks[k][^1].To != "N5" || !walks[k].Any(h => h.Link == "link3") || !walks[k].Any(h => h.Link == "link10"))
                throw new TestbedException($"INCONC: the figure does not take {names[k]} through link3 and link10 to N5 ({Describe(walks[k])}).");
        var replies = walks.Select(w => Figure.WalkFrom(w[^1].To, n100)).ToList();
        Evidence.AttachText("Paths computed from Figure 1", string.Join("\n\n", Enumerable.Range(0, kinds.Length).Select(k =>
            $"{names[k]}: SRH ({string.Join(", ", kinds[k].Reverse().Select(Rfc5952.Format))}; SL={kinds[k].Count - 1})\nrequest:\n{Describe(walks[k])}\nreply:\n"
            + string.Join('\n', replies[k].Select(h => $"{h.Link}: {h.From} → {h.To}")))));
        const int Count = 12;
        var data = Enumerable.Range(0, Count).Select(ProbeData).ToList();
        IReadOnlyList<IPAddress> Srh(int i) => [.. kinds[i % 3].Reverse()];
        var stimuli = Enumerable.Range(0, Count).Select(i =>
            Into("n100a").Ipv6(n100, kinds[i % 3][0], 64).Srh(Srh(i), (byte)(kinds[i % 3].Count - 1)).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var expected = Enumerable.Range(0, Count).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            walks[i % 3].Select(h => (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(Srh(i), (byte)h.SegmentsLeft).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build(), (IReadOnlyList<string>)[]))
            .Concat(replies[i % 3].Select(h => (h, Frame(h).Ipv6(target, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields)))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });
        PathVerdict(j, o, "The C-SID containers and classic SIDs were not processed across both DUTs as RFC 9800 §4.1 says (a non-zero Argument shifted in, Segments Left kept; Argument 0: the next Segment List entry), or no echo reply came back.");
    }

    [Test]
    [NegativeControl("Figure1N2EdgeFilterIgnored@N2", Profile = "reference-figure1-n2node-n4node-edge.yaml", Why = "the reference node as N2 with its defect edge-filter-ignored (the edge rules configured, not applied): CE1's packets to N4's SIDs go on into the domain; the purpose fails, blamed on N2")]
    [NegativeControl("SidMissing@N4", Profile = "reference-figure1-n2node-n4node-edge.yaml", Why = "the reference node as N4: its End SID is not programmed, the inside source gets no answer; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-08", Feature = "Interop: SR-domain filtering at one DUT protecting the other",
        Title = "SR-domain filtering across two DUTs: the first DUT (N2, at the domain's edge towards N1) drops packets from outside to the SIDs of the second (N4), with and without an SRH, while N4's End SID answers a source inside the domain",
        Requirements = new[] { "RFC8754-5.1-EDGE-IACL", "RFC8754-7-SR-DOMAIN-FILTERING", "RFC4443-3.1-DEST-UNREACHABLE" },
        Roles = new[] { "N2|sr_domain_filtering|edge node: link1 is external (testbed.topology.external_links); drops packets arriving there to the SID block 2001:db8:b::/48 (RFC 8754 §5.1)",
                        "N4|End|protected node inside the domain: its End SID 2001:db8:b:4:: and End.X C52 unreachable from outside, its End SID answering an inside source" },
        Stimulus = "from outside: 3 × ICMPv6 echo request (2001:db8:1:ce1::2 → N4's End SID 2001:db8:B:4::) and 3 × (2001:db8:1:ce1::2, 2001:db8:B:4:C52::)(2001:db8:A:5::, 2001:db8:B:4:C52::; SL=1) echo request into N1 from CE1 (ce1), which N1 forwards to N2 over link1; then from inside: 3 × echo request (2001:db8:A:100:: → 2001:db8:B:4::) into N7 from N100 (n100b), not through N2",
        Expected = "the outside packets on link1 (N1→N2) and nowhere after: nothing out of any of N2's other links, nothing to CE1 but optionally an ICMPv6 Destination Unreachable code 1, 5 or 6 from N2 (RFC 4443 §3.1, a filter's notice); each inside request to N4 over link11 and link9 and one echo reply from N4's End SID back to N100; a wrong hop blamed on the DUT that sent it")]
    public async Task SrDomainFilteringAtOneDutProtectsTheOther()
    {
        AssignRoles();
        var edge = Testbed.DutAt("N2").Profile;
        if (edge.Testbed.Topology is not { } t || !t.ExternalLinks.Contains("link1"))
            Assert.Ignore($"N/A: the purpose needs N2 at the SR domain's edge towards N1 (testbed.topology.external_links: [link1] in {edge.SourcePath}; e.g. reference-figure1-n2node-n4node-edge.yaml).");
        IPAddress n100 = Figure.Loopback("N100"), n5 = Figure.Loopback("N5"), n4End = DutEndSid("N4"), c52 = DutEndX("N4", "link10");
        IPAddress ce1 = Figure.LinkAddress("CE1", "ce1");
        const int Each = 3;
        var data = Enumerable.Range(0, 3 * Each).Select(ProbeData).ToList();

        // From outside: into N1 from CE1; N1 is no filter (outside the domain's edge), N2 must drop them on link1.
        var plain = Figure.Walk("ce1", [n4End]).Take(2).ToList();
        var withSrh = Figure.Walk("ce1", [c52, n5]).Take(2).ToList();
        if (plain is not [_, { Link: "link1", To: "N2" }] || withSrh is not [_, { Link: "link1", To: "N2" }])
            throw new TestbedException($"INCONC: the figure does not take CE1's packets to N4's SIDs into N2 over link1 ({Describe(plain)}).");
        IReadOnlyList<IPAddress> srh = [n5, c52];
        byte[] Outside(PacketBuilder b, int i, PathHop h) => i < Each
            ? b.Ipv6(ce1, n4End, (byte)h.HopLimit).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()
            : b.Ipv6(ce1, c52, (byte)h.HopLimit).Srh(srh, 1).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build();
        var outStimuli = Enumerable.Range(0, 2 * Each).Select(i => Outside(Into("ce1"), i, (i < Each ? plain : withSrh)[0])).ToList();
        var outExpected = Enumerable.Range(0, 2 * Each).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            (i < Each ? plain : withSrh).Select(h => (h, Outside(Frame(h), i, h), (IReadOnlyList<string>)[])).ToList()).ToList();
        bool IsNotice(DecodedPacket d) => d.Ipv6 is { } ip && Figure.OwnerOf(ip.Src) == "N2" && d.Inner is Icmpv6Layer { Type: 1 };
        var (jo, oo) = await ExchangeOnPathAsync("ce1", outStimuli, outExpected, _ => false, IsNotice, fromOutside: true);
        var notices = oo.SetAside.Select(f => PacketDecoder.Decode(f.Data)).ToList();
        var badNotices = notices.Where(d => d.Inner is Icmpv6Layer { Code: not (1 or 5 or 6) }).Select(d => $"[N2] a notice with Destination Unreachable code {((Icmpv6Layer)d.Inner!).Code}, not 1, 5 or 6: {d.Notation}").ToList();
        Evidence.AttachText("Filter notices from N2 (ICMPv6 Destination Unreachable, optional)", notices.Count == 0 ? "none" : string.Join('\n', notices.Select(d => d.Notation)));

        // From inside: N100 on n100b pings N4's End SID (not through N2).
        var inside = Figure.Walk("n100b", [n4End]);
        var reply = Figure.WalkFrom(inside[^1].To, n100);
        if (inside[^1].To != "N4" || inside.Any(h => h.From == "N2" || h.To == "N2"))
            throw new TestbedException($"INCONC: the figure does not take N100's request from n100b to N4 without N2 ({Describe(inside)}).");
        Evidence.AttachText("Paths computed from Figure 1", "outside, to N4's End SID:\n" + Describe(plain) + "\noutside, to C52 with an SRH:\n" + Describe(withSrh)
            + "\ninside request:\n" + Describe(inside) + "\ninside reply:\n" + string.Join('\n', reply.Select(h => $"{h.Link}: {h.From} → {h.To}")));
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var inStimuli = Enumerable.Range(2 * Each, Each).Select(i => Into("n100b").Ipv6(n100, n4End, 64).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        var inExpected = Enumerable.Range(2 * Each, Each).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            inside.Select(h => (h, Frame(h).Ipv6(n100, n4End, (byte)h.HopLimit).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build(), (IReadOnlyList<string>)[]))
            .Concat(reply.Select(h => (h, Frame(h).Ipv6(n4End, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields))).ToList()).ToList();
        var (ji, oi) = await ExchangeOnPathAsync("n100b", inStimuli, inExpected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });

        var blamed = DutNodes.Where(n => oo.Blamed.Contains(n) || oi.Blamed.Contains(n) || (n == "N2" && badNotices.Count > 0)).ToList();
        if (blamed.Count > 0)
            Fail($"blamed on {string.Join(" and ", blamed.Select(DutLabel))}: packets from outside the SR domain to N4's SIDs were not dropped at the edge N2 (RFC 8754 §5.1), or N4's End SID did not answer a source inside the domain (outside: {oo.Figures}; inside: {oi.Figures})\n"
                + string.Join('\n', oo.DutProblems.Concat(badNotices).Concat(oi.DutProblems).Take(8)), BlamedProfiles(blamed));
        PathVerdict(jo, oo, "The packets from outside were not dropped at the edge N2.");
        PathVerdict(ji, oi, "N4's End SID did not answer a source inside the domain.");
    }

    [Test]
    [NegativeControl("Figure1EgressDecapAsEnd@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4: its End.DT6 SID is a plain End, the packet at Segments Left 0 is not decapsulated and nothing goes on to CE2; the purpose fails, blamed on N4")]
    [NegativeControl("Figure1N2EndXWrongLink@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: End.X C31 sends the encapsulated packets over link4 instead of link3; the purpose fails, blamed on N2")]
    [TestPurpose(Id = "TP-IOP-BV-09", Feature = "Interop: a DUT as the decapsulating egress",
        Title = "A DUT as the decapsulating egress across two DUTs: N100's encapsulated customer traffic to CE2 goes through End.X C31 at the first DUT (N2) to the End.DT6 SID of the second (N4), which decapsulates it and forwards the inner packet on its IPv6 route to CE2",
        Requirements = new[] { "RFC8986-4.2-END-X-S15", "RFC8986-4.6-END-DT6-ULH-S01-S04", "RFC8200-3-HOP-LIMIT-DECREMENT" },
        Roles = new[] { "N2|End.X|transit endpoint: End.X C31 towards N3 over link3",
                        "N4|End.DT6|egress endpoint (provider edge): End.DT6 SID 2001:db8:b:4:d6:: (main table) decapsulates and looks the inner packet up" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:B:4:D6::, 2001:db8:B:2:C31::; SL=1)(2001:db8:1:ce1::2 → 2001:db8:7:ce2::2, hop limit 64, UDP) into n100a (N100 as the headend of a customer packet from CE1's address to CE2)",
        Expected = "each packet on every link of the path with its SRH: link3 (N2→N3, DA End.DT6 at N4, SL=0, the first DUT's hop), to N4; from N4 on (the second DUT's hop, End.DT6) the inner packet alone, hop limit 63, on N4's route to CE2 (link9 or link10, link11), out to CE2 with hop limit 61, nothing else changed; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it")]
    public async Task ADutAsTheDecapsulatingEgress()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), c31 = DutEndX("N2", "link3");
        IPAddress ce1 = Figure.LinkAddress("CE1", "ce1"), ce2 = Figure.LinkAddress("CE2", "ce2");
        // N4's End.DT6 on the main table (where the figure's routes to CE2 are).
        var dt6 = DutMainTableSid("N4", SrBehavior.EndDT6, "end_dt6: { behavior: End.DT6, address: '2001:db8:b:4:d6::' }");
        IReadOnlyList<IPAddress> srh = [dt6, c31];
        var encapsulated = Figure.Walk("n100a", [c31, dt6]);
        if (encapsulated.Count == 0 || encapsulated[^1].To != "N4" || encapsulated[^1].SegmentsLeft != 0)
            throw new TestbedException($"INCONC: the figure does not take the encapsulated packets through C31 to N4 ({Describe(encapsulated)}).");
        var inner = Figure.WalkFrom("N4", ce2, (byte)(64 - 1));
        if (inner.Count == 0 || inner[^1] is not { Link: "ce2", To: "CE2" })
            throw new TestbedException($"INCONC: the figure does not route CE2's prefix from N4 to CE2 ({Describe(inner)}).");
        Evidence.AttachText("Path computed from Figure 1", "encapsulated (N100 the headend):\n" + Describe(encapsulated) + "\ndecapsulated at N4 (End.DT6):\n" + Describe(inner));
        const ushort Port = 6100;
        byte[] Payload(int i) => [(byte)'E', (byte)'G', (byte)'R', (byte)'6', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. ProbeData(i)];
        PacketBuilder Customer(PacketBuilder b, int i, int hopLimit) => b.Ipv6(ce1, ce2, (byte)hopLimit).Udp((ushort)(Port + i), Port, Payload(i));
        byte[] Outer(PacketBuilder b, PathHop h, int i) =>
            b.Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).Encapsulate(Customer(new PacketBuilder().RawIp(), i, 64)).Build();
        var stimuli = Enumerable.Range(0, Probes).Select(i => Outer(Into("n100a"), encapsulated[0], i)).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            encapsulated.Select(h => (h, Outer(Frame(h), h, i), (IReadOnlyList<string>)[]))
            .Concat(inner.Select(h => (h, Customer(Frame(h), i, h.HopLimit).Build(), (IReadOnlyList<string>)[])))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is UdpLayer && d.Srh is null && d.Ipv6 is { } ip && ip.Dst.Equals(ce2));
        PathVerdict(j, o, "The encapsulated packets were not carried through N2's End.X C31 to N4's End.DT6 SID, or N4 did not decapsulate them and forward the inner packet on its route to CE2.");
    }

    [Test]
    [NegativeControl("Figure1EgressDecapAsEnd@N2", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N2: its End.DT4 SID is a plain End, the packet at Segments Left 0 is not decapsulated and nothing goes on to CE1; the purpose fails, blamed on N2")]
    [NegativeControl("SidMissing@N4", Profile = "reference-figure1-n2node-n4node.yaml", Why = "the reference node as N4 without its End SID: the encapsulated packets are not sent on towards N2; the purpose fails, blamed on N4")]
    [TestPurpose(Id = "TP-IOP-BV-10", Feature = "Interop: a DUT as the decapsulating egress of an IPv4 service",
        Title = "A DUT as the decapsulating egress of an IPv4 service across two DUTs: N100's encapsulated IPv4 customer traffic to CE1 goes through the End SID of the second DUT (N4) to the End.DT4 SID of the first (N2), which decapsulates it and forwards the inner IPv4 packet on its IPv4 route to CE1",
        Requirements = new[] { "RFC8986-4.1-END-S12-S15", "RFC8986-4.7-END-DT4-ULH-S01-S04" },
        Roles = new[] { "N4|End|transit endpoint: End SID 2001:db8:b:4:: looks the next segment up (towards N2 over link8, N6, link7)",
                        "N2|End.DT4|egress endpoint (provider edge): End.DT4 SID 2001:db8:b:2:d4:: (main table) decapsulates and looks the inner IPv4 packet up (CE1's prefix over link1)" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:4::)(2001:db8:B:2:D4::, 2001:db8:B:4::; SL=1)(IPv4 198.51.100.2 → 192.0.2.2, TTL 64, UDP) into n100b (N100 as the headend of a customer packet from CE2's address to CE1)",
        Expected = "each packet on every link of the path with its SRH: to N4 (DA its End SID, SL=1); from N4 on (the second DUT's hop, End) DA End.DT4 at N2, SL=0, as the figure routes it; from N2 on (the first DUT's hop, End.DT4) the inner IPv4 packet alone, TTL 63 on link1 (to N1), out to CE1 with TTL 62, nothing else changed; nothing out of either DUT's other links; a wrong hop blamed on the DUT that sent it")]
    public async Task ADutAsTheDecapsulatingEgressOfAnIpv4Service()
    {
        AssignRoles();
        IPAddress n100 = Figure.Loopback("N100"), n4End = DutEndSid("N4");
        IPAddress ce1 = Figure.LinkAddress("CE1", "ce1");
        IPAddress ce1v4 = Figure.LinkAddress4("CE1", "ce1")!, ce2v4 = Figure.LinkAddress4("CE2", "ce2")!;
        var dt4 = DutMainTableSid("N2", SrBehavior.EndDT4, "end_dt4: { behavior: End.DT4, address: '2001:db8:b:2:d4::' }");
        IReadOnlyList<IPAddress> srh = [dt4, n4End];
        var encapsulated = Figure.Walk("n100b", [n4End, dt4]);
        if (encapsulated.Count == 0 || encapsulated[^1].To != "N2" || encapsulated[^1].SegmentsLeft != 0 || !encapsulated.Any(h => h.To == "N4"))
            throw new TestbedException($"INCONC: the figure does not take the encapsulated packets through N4 to N2 ({Describe(encapsulated)}).");
        // The inner IPv4 packet: N2's IPv4 route to CE1's prefix (the topology's ipv4_routes) over link1 to N1, then to CE1.
        if (Figure.Ipv4RoutesOf("N2").FirstOrDefault(r => IPNetwork.Parse(r.Prefix).Contains(ce1v4)) is not { Interface: "link1" })
            throw new TestbedException($"INCONC: {Figure.File} does not route CE1's IPv4 prefix from N2 over link1 (ipv4_routes).");
        IReadOnlyList<PathHop> inner = [new PathHop("link1", "N2", "N1", ce1, 0, 63), new PathHop("ce1", "N1", "CE1", ce1, 0, 62)];
        Evidence.AttachText("Path computed from Figure 1", "encapsulated (N100 the headend):\n" + Describe(encapsulated) + "\ndecapsulated at N2 (End.DT4), IPv4:\n" + Describe(inner));
        const ushort Port = 6200;
        byte[] Payload(int i) => [(byte)'E', (byte)'G', (byte)'R', (byte)'4', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. ProbeData(i)];
        PacketBuilder Customer(PacketBuilder b, int i, int ttl) => b.Ipv4(ce2v4, ce1v4, (byte)ttl, 0, (ushort)(0x5700 + i)).Udp((ushort)(Port + i), Port, Payload(i));
        byte[] Outer(PacketBuilder b, PathHop h, int i) =>
            b.Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).Encapsulate(Customer(new PacketBuilder().RawIp(), i, 64)).Build();
        var stimuli = Enumerable.Range(0, Probes).Select(i => Outer(Into("n100b"), encapsulated[0], i)).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            encapsulated.Select(h => (h, Outer(Frame(h), h, i), (IReadOnlyList<string>)[]))
            .Concat(inner.Select(h => (h, Customer(Frame(h), i, h.HopLimit).Build(), (IReadOnlyList<string>)[])))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100b", stimuli, expected, d => d.Ipv6 is null && d.Inner is Ipv4Layer);
        PathVerdict(j, o, "The encapsulated packets were not carried through N4's End SID to N2's End.DT4 SID, or N2 did not decapsulate them and forward the inner IPv4 packet on its route to CE1.");
    }

    /// <summary>Does an export carry (somewhere inside) the payload of the stimulus?</summary>
    private static bool CarriesCopy(DecodedPacket export, byte[] stimulus) =>
        ProbeKey.Of(export) is { } k && k == ProbeKey.Of(PacketDecoder.Decode(stimulus));

    /// <summary>The export's encapsulated packet is the packet as received, all but its hop limit (octet 7).</summary>
    private static bool IsFullCopy(DecodedPacket export, byte[] receivedIp)
    {
        if (export.Inner is not Ipv6Layer inner) return false;
        var copy = inner.Bytes;
        return copy.Length == receivedIp.Length && copy.AsSpan(0, 7).SequenceEqual(receivedIp.AsSpan(0, 7)) && copy.AsSpan(8).SequenceEqual(receivedIp.AsSpan(8));
    }
}
