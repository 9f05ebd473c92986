using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Topology;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>
/// RFC 9259 on its own reference topology (Figure 1, profiles/reference-figure1.yaml): the examples of
/// Appendix A.1.1 (ping via a segment list), A.3 (hybrid OAM) and A.4 (loopback probe) packet by packet,
/// in the addressing of the draft the lab was built from (2001:db8:A:j:: loopbacks, 2001:db8:B:j:Cin:: End.X
/// SIDs for the RFC's 2001:db8:L:j:: and 2001:db8:K:j:Xin::), with the DUT as one router of the path (N4 in the reference profile)
/// and the tester as the controller N100 (attached to N1 and N7). Every hop is observed (link taps at
/// the lab routers around the DUT); only the DUT's hops decide pass or fail.
/// </summary>
[TestFixture, Category("Figure1")]
public sealed class Figure1Cases : TopologyCase
{
    private const int Probes = 10;

    /// <summary>The segment list of Appendix A.1.1, A.3 and A.4, &lt;2001:db8:B:2:C31::, 2001:db8:B:4:C52::&gt; (the RFC's &lt;2001:db8:K:2:X31::, 2001:db8:K:4:X52::&gt;: End.X at N2 over link3, End.X at N4 over link10).</summary>
    private static IPAddress C31 => Figure.EndXSid("N2", "link3");
    private static IPAddress C52 => Figure.EndXSid("N4", "link10");

    /// <summary>
    /// The segment list of the cases ending in <paramref name="last"/>: classic &lt;C31, C52, last&gt; (SL=2), or, where the
    /// profile declares the DUT's NEXT-C-SID End.X C52 of the figure's C-SID plan (profiles/reference-figure1-node-csid.yaml),
    /// compressed (RFC 9800 §4.1): one container with N2's C-SID C31 and N4's C-SID C52 (F3216: 2001:db8:c231:c452::),
    /// then the classic last segment (SL=1). Returns the visit order, the SRH list (last segment first) and Segments Left.
    /// </summary>
    private (IReadOnlyList<IPAddress> Visit, IReadOnlyList<IPAddress> Srh, byte Sl) SegmentList(IPAddress last)
    {
        var x31 = Figure.CsidEndXSid("N2", "link3");
        var x52 = Figure.CsidEndXSid("N4", "link10");
        if (x31 is not null && x52 is not null && Profile.Parameters.Sids.Values.Any(s => s.Csid is not null && s.Address.Equals(x52)))
        {
            var container = Figure.CsidContainer([x31, x52])!;
            Evidence.AttachText("Compressed segment list (NEXT-C-SID, RFC 9800 §4.1)",
                $"<{Rfc5952.Format(x31)}, {Rfc5952.Format(x52)}> in one container {Rfc5952.Format(container)} (block {Rfc5952.Format(Figure.CsidBlock!.Prefix)}/{Figure.CsidBlock.Structure.BlockBits}, {Figure.CsidBlock.Structure.CsidBits}-bit C-SIDs), then {Rfc5952.Format(last)}; SL=1");
            return ([container, last], [last, container], 1);
        }
        return ([C31, C52, last], [last, C52, C31], 2);
    }

    /// <summary>An OAM payload whose first octets tie each reception to its probe: "S6LP", the probe number, the run's nonce.</summary>
    private static byte[] OamPayload(int i) =>
        [(byte)'S', (byte)'6', (byte)'L', (byte)'P', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. System.Text.Encoding.ASCII.GetBytes($" loopback probe {i:D4} {Purpose.Id}")];

    [Test]
    [NegativeControl("Figure1Link10Broken", Profile = "reference-figure1.yaml", Why = "link10 of the monitored path drops everything: the loopback probes are lost (loss 10/10), a fail, not a harness error")]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node.yaml", Why = "the reference node as N4: End.X C52 sends the loopback probes over link9 instead of link10")]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node-csid.yaml", Why = "the compressed list: N4's NEXT-C-SID End.X c452 sends the loopback probes over link9 instead of link10")]
    [TestPurpose(Id = "TP-LOOP-BV-01", Requires = new[] { "End.X" }, Feature = "Loopback path probe",
        Title = "A controller's loopback probe through the DUT's End.X SID comes back to the controller, rewritten at every SID as the RFC lists",
        Requirements = new[] { "RFC8986-4.2-END-X-S15", "RFC9259-A.4-LOOPBACK-PROBE-AT-N4" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:B:100:1::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) UDP OAM payload (probe number), hop limit 64, into n100a (N100 → N1); where the profile declares N4's NEXT-C-SID End.X C52 (reference-figure1-node-csid.yaml) the list is compressed: (2001:db8:A:100::, 2001:db8:c231:c452::)(2001:db8:B:100:1::, 2001:db8:c231:c452::; SL=1)",
        Expected = "each probe once on every link of the path with the rewrite the RFC lists: link3 (N2→N3) DA C52 SL=1; link5 (N3→N4) unchanged; link10 (N4→N5) DA 2001:db8:B:100:1:: SL=0; link11 (N5→N7); back at N100 on n100b with hop limit 58, payload intact; nothing out of the DUT's other links; loss and round-trip delay reported")]
    public async Task LoopbackProbeThroughTheDut()
    {
        IPAddress n100 = Figure.Loopback("N100"), back = Figure.EndSid("N100");
        var (visit, srh, sl) = SegmentList(back);
        var hops = Figure.Walk("n100a", visit);
        RequireDutOnPath(hops);
        Evidence.AttachText("Path computed from Figure 1", Describe(hops));
        const ushort Port = 50000;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, visit[0], 64).Srh(srh, sl).Udp((ushort)(Port + i), Port, OamPayload(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)hops.Select(h =>
            (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).Udp((ushort)(Port + i), Port, OamPayload(i)).Build(),
             (IReadOnlyList<string>)[])).ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => true);
        PathVerdict(j, o, "The loopback probe was not processed by the DUT as RFC 9259 Appendix A.4 lists (End.X: DA ← next segment, SL − 1, out of its link), or did not come back.");
    }

    [Test]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1.yaml", Why = "End.X C52 sends the echo requests over link9 instead of link10")]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node.yaml", Why = "the reference node as N4: End.X C52 sends the echo requests over link9 instead of link10")]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node-csid.yaml", Why = "the compressed list: N4's NEXT-C-SID End.X c452 sends the echo requests over link9 instead of link10")]
    [TestPurpose(Id = "TP-PING-BV-04", Requires = new[] { "End.X" }, Feature = "Ping via a segment list",
        Title = "Classic ping via a segment list through the DUT: the echo request reaches the target and the reply comes back (Figure 2)",
        Requirements = new[] { "RFC8986-4.2-END-X-S15", "RFC9259-A.1.1-TRANSIT-NODES-NO-CHANGE" },
        Stimulus = "10 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:A:5::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) ICMPv6 echo request into n100a (Appendix A.1.1's ping from N1 to N5's loopback via <C31, C52>, the RFC's <X31, X52>, sent by N100); where the profile declares N4's NEXT-C-SID End.X C52 (reference-figure1-node-csid.yaml) the list is compressed: (2001:db8:A:100::, 2001:db8:c231:c452::)(2001:db8:A:5::, 2001:db8:c231:c452::; SL=1)",
        Expected = "each request on every link of the path with the SRH processed at N2 and at the DUT (link10: DA 2001:db8:A:5::, SL=0); each echo reply (2001:db8:A:5::, 2001:db8:A:100::) IP-routed back to N100 (n100b), its hop limit and flow label not compared (N5's choice); nothing out of the DUT's other links; loss and round trip reported")]
    public async Task PingViaASegmentListThroughTheDut()
    {
        IPAddress n100 = Figure.Loopback("N100"), target = Figure.Loopback("N5");
        var (visit, srh, sl) = SegmentList(target);
        var request = Figure.Walk("n100a", visit);
        var reply = Figure.WalkFrom(request[^1].To, n100);
        RequireDutOnPath(request);
        Evidence.AttachText("Path computed from Figure 1", "request:\n" + Describe(request)
            + "\nreply:\n" + string.Join('\n', reply.Select(h => $"{h.Link}: {h.From} → {h.To}")));
        var data = Enumerable.Range(0, Probes).Select(ProbeData).ToList();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("n100a").Ipv6(n100, visit[0], 64).Srh(srh, sl).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        IReadOnlyList<string> replyFields = ["ipv6.hop_limit", "ipv6.flow_label"];
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)
            request.Select(h => (h, Frame(h).Ipv6(n100, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build(), (IReadOnlyList<string>)[]))
            .Concat(reply.Select((h, k) => (h, Frame(h).Ipv6(target, n100, 64).IcmpEchoReply(EchoId, (ushort)i, data[i]).Build(), replyFields)))
            .ToList()).ToList();
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { IsEcho: true, Type: 129 });
        PathVerdict(j, o, "The echo request was not forwarded through the DUT's End.X SID as any data packet with an SRH, or no echo reply came back.");
    }

    [Test]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node.yaml", Why = "the reference node as N4: End.X C52 sends the probe that outlives it over link9 instead of link10")]
    [NegativeControl("Figure1EndXWrongLink", Profile = "reference-figure1-node-csid.yaml", Why = "the compressed list: N4's NEXT-C-SID End.X c452 sends the probe that outlives it over link9 instead of link10")]
    [TestPurpose(Id = "TP-TRACE-BV-04", Requires = new[] { "End.X" }, Feature = "Traceroute via a segment list",
        Title = "Traceroute via a segment list through the DUT: every hop, the DUT's End.X included, answers the probe whose hop limit expires there with Time Exceeded quoting it, SRH included; the probe that outlives the DUT reaches the target (Appendix A.2.1)",
        Requirements = new[] { "RFC9259-A.2.1-TRACE-VIA-SEGMENT-LIST", "RFC9259-A.2.1-SRH-IN-TIME-EXCEEDED", "RFC8986-4.2-END-X-S15", "RFC4443-3.3-TIME-EXCEEDED", "RFC4443-2.4-ERROR-INCLUDES-INVOKING-PACKET" },
        Stimulus = "5 × (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:A:5::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::; SL=2) UDP 49152+h → 33434+h with hop limit h = 1…5 into n100a (N100, the OAM originator, traces to N5's loopback via <C31, C52>, the RFC's <X31, X52>); where the profile declares N4's NEXT-C-SID End.X C52 (reference-figure1-node-csid.yaml) the list is compressed: (2001:db8:A:100::, 2001:db8:c231:c452::)(2001:db8:A:5::, 2001:db8:c231:c452::; SL=1)",
        Expected = "the probe with hop limit h on every link up to the node where it expires (N1, N2, N3, N4 for h = 1…4): from there one ICMPv6 Time Exceeded code 0 to N100, IP-routed back hop by hop, from an address of that node, quoting the probe as that node received it (hop limit 1, SRH included); the probe with h = 5 reaches N5 (SL=0) and is answered with Destination Unreachable code 4 (Port Unreachable); the DUT's hops (link10: DA N5, SL=0; its Time Exceeded for h = 4) exact")]
    public async Task TracerouteViaASegmentListThroughTheDut()
    {
        var (visit, srh, _) = SegmentList(Figure.Loopback("N5"));
        await TracerouteViaASegmentListAsync(visit, srh, visit.Count == 2 ? "the compressed <C31, C52>" : "<C31, C52>");
    }

    [Test]
    [NegativeControl("Figure1OFlagNotExported", Profile = "reference-figure1.yaml", Why = "the DUT's OAM process exports no copy of the sampled packets to N100")]
    [NegativeControl("Figure1OFlagNotExported", Profile = "reference-figure1-node.yaml", Why = "the reference node as N4 is configured without O-flag processing: no copy of the sampled packets reaches N100")]
    [TestPurpose(Id = "TP-HYBRID-BV-01", Requires = new[] { "oam.o_flag_processing" }, Feature = "Hybrid OAM (O-flag)",
        Title = "Hybrid OAM: at its SID the DUT exports a copy of each O-flag packet of a sampled VPN flow to the controller and forwards the packet unchanged; unsampled packets are not exported",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED", "RFC8986-4.2-END-X-S15", "RFC9259-A.3-HYBRID-OAM-AT-N4" },
        Stimulus = "10 × P1 as N1 sends it after steering CE1's IPv4 packet into policy P = <C31, C52, VPN SID>: (2001:db8:A:1::, C31)(VPN, C52, C31; SL=2)(IPv4 192.0.2.2 → 198.51.100.2 UDP), the O-flag set on the sampled half (even-numbered packets), into N1 from CE1's port (Linux cannot set the O-flag while encapsulating, so the tester does N1's marking; VPN SID 2001:db8:b:7:d999::, an End.DX4 at N7 towards CE2, for the RFC's 2001:db8:K:7:DT999::)",
        Expected = "every packet hop by hop as Appendix A.3 lists (link10: DA = VPN SID, SL=0, O-flag as sent, nothing added), the IPv4 packet out to CE2 (TTL 63); at the controller N100 exactly one export from the DUT (outer source a DUT address) per sampled packet, carrying a full copy of P1 as the DUT received it (hop limit not compared), none for unsampled packets; the exports of N4 and N7 correlated per packet")]
    public async Task HybridOamExportsFromTheDut()
    {
        IPAddress n1 = Figure.Loopback("N1"), vpn = Figure.SidNamed("vpn_999").Address, collector = Figure.EndSid("N100");
        IPAddress ce1 = Figure.LinkAddress4("CE1", "ce1")!, ce2 = Figure.LinkAddress4("CE2", "ce2")!;
        IReadOnlyList<IPAddress> srh = [vpn, C52, C31];
        var hops = Figure.Walk("ce1", [C31, C52, vpn]);
        RequireDutOnPath(hops);
        if (hops[^1].To != "N7" || !hops.Any(h => h.To == DutNode && Figure.SidsOf(DutNode).Any(x => x.Address.Equals(h.Destination))))
            Assert.Ignore($"N/A: Appendix A.3's path does not reach N7 through one of the DUT's SIDs here ({string.Join(" → ", hops.Select(h => h.To))}).");
        Evidence.AttachText("Path computed from Figure 1", Describe(hops));
        const ushort Port = 9999;
        bool Sampled(int i) => i % 2 == 0;
        byte[] Payload(int i) => [(byte)'V', (byte)'9', (byte)'9', (byte)'9', (byte)(i >> 8), (byte)i, (byte)(EchoId >> 8), (byte)EchoId, .. ProbeData(i)];
        PacketBuilder Inner(int i, byte ttl) => new PacketBuilder().RawIp().Ipv4(ce1, ce2, ttl, 0, (ushort)(0x3300 + i)).Udp((ushort)(Port + i), Port, Payload(i));
        PacketBuilder P1(PacketBuilder b, PathHop h, int i) => b.Ipv6(n1, h.Destination, (byte)h.HopLimit).Srh(srh, (byte)h.SegmentsLeft, x => x.OFlag = Sampled(i)).Encapsulate(Inner(i, 64));
        var stimuli = Enumerable.Range(0, Probes).Select(i => P1(Into("ce1"), hops[0], i).Build()).ToList();
        // The IPv4 packet N7 decapsulates goes out to CE2, forwarded once.
        var toCe2 = new PathHop("ce2", "N7", "CE2", ce2, 0, 0);
        var expected = Enumerable.Range(0, Probes).Select(i => (IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>)hops
            .Select(h => (h, P1(Frame(h), h, i).Build(), (IReadOnlyList<string>)[]))
            .Append((toCe2, OutOf("ce2").Ipv4(ce1, ce2, 63, 0, (ushort)(0x3300 + i)).Udp((ushort)(Port + i), Port, Payload(i)).Build(), (IReadOnlyList<string>)[]))
            .ToList()).ToList();
        // Exports (anything addressed to the controller's End SID) are judged below, not as hops of P1.
        bool IsExport(DecodedPacket d) => d.Ipv6 is { } ip && ip.Dst.Equals(collector);
        var (j, o) = await ExchangeOnPathAsync("ce1", stimuli, expected, d => d.Inner is Ipv4Layer, IsExport);

        // If the path went wrong outside the DUT (e.g. a lab router upstream lost the packets), the exports cannot be judged either.
        if (!j.Pass && o.DutProblems.Count == 0) PathVerdict(j, o, "P1 did not travel the path as Appendix A.3 lists.");
        // What the DUT received (the hop into the DUT), per packet: the copy its export must carry.
        var intoDut = hops.First(h => h.To == DutNode);
        var received = Enumerable.Range(0, Probes).Select(i => P1(OnLink(), intoDut, i).Build().AsSpan(14).ToArray()).ToList();
        var atCollector = o.SetAside.Where(f => !f.Port.Contains(':')).ToList();
        var dutAddresses = Figure.AddressesOf(DutNode).ToHashSet();
        var problems = new List<string>();
        var table = new List<string> { "packet  sampled  exports at N100 (exporter @ arrival time)" };
        for (int i = 0; i < Probes; i++)
        {
            var exports = atCollector.Select(f => (Frame: f, D: PacketDecoder.Decode(f.Data))).Where(x => CarriesCopy(x.D, stimuli[i], i)).ToList();
            var byDut = exports.Where(x => dutAddresses.Contains(x.D.Ipv6!.Src)).ToList();
            table.Add($"{i,6}  {(Sampled(i) ? "yes" : "no "),7}  " + (exports.Count == 0 ? "-" : string.Join(", ", exports.Select(x =>
                $"{Figure.OwnerOf(x.D.Ipv6!.Src) ?? Rfc5952.Format(x.D.Ipv6!.Src)} @ {x.Frame.TimestampUtc:HH:mm:ss.ffffff}"))));
            if (Sampled(i) && byDut.Count != 1) problems.Add($"packet {i} (O-flag set): {byDut.Count} export(s) from the DUT, expected exactly 1");
            if (!Sampled(i) && byDut.Count != 0) problems.Add($"packet {i} (no O-flag): {byDut.Count} export(s) from the DUT, expected none");
            foreach (var x in byDut.Where(x => !IsFullCopy(x.D, received[i])))
                problems.Add($"packet {i}: the DUT's export does not carry a full copy of P1 as the DUT received it: {x.D.Notation}");
        }
        var strays = atCollector.Where(f => !Enumerable.Range(0, Probes).Any(i => CarriesCopy(PacketDecoder.Decode(f.Data), stimuli[i], i))).ToList();
        foreach (var f in strays) problems.Add($"a packet to the controller that copies none of the packets: {PacketDecoder.Decode(f.Data).Notation}");
        var fromLab = atCollector.Select(f => Figure.OwnerOf(PacketDecoder.Decode(f.Data).Ipv6!.Src) ?? "?").Where(n => n != DutNode)
            .GroupBy(n => n).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        Evidence.AttachText("Exports correlated at the controller N100", string.Join('\n', table) +
            $"\n\nexports from the lab's O-flag routers (not judged): {string.Join(", ", fromLab)} (each sampled packet: {Enumerable.Range(0, Probes).Count(Sampled)})");
        if (problems.Count > 0)
        {
            Evidence.AttachText("Export problems", string.Join('\n', problems));
            Fail("The DUT's O-flag processing did not export exactly one full copy of each sampled packet to the controller (or exported unsampled ones):\n" + string.Join('\n', problems.Take(8)));
        }
        PathVerdict(j, o, "The DUT did not forward P1 unchanged but for the End.X processing (no metadata added, O-flag kept), or P1 did not reach CE2.");
    }

    /// <summary>Does an export carry (somewhere inside) the IPv4 payload of packet <paramref name="i"/>?</summary>
    private static bool CarriesCopy(DecodedPacket export, byte[] stimulus, int i) =>
        ProbeKey.Of(export) is { } k && k == ProbeKey.Of(PacketDecoder.Decode(stimulus));

    /// <summary>The export's encapsulated packet is the packet as received, all but its hop limit (octet 7).</summary>
    private static bool IsFullCopy(DecodedPacket export, byte[] receivedIp)
    {
        if (export.Inner is not Ipv6Layer inner) return false;
        var copy = inner.Bytes;
        return copy.Length == receivedIp.Length && copy.AsSpan(0, 7).SequenceEqual(receivedIp.AsSpan(0, 7)) && copy.AsSpan(8).SequenceEqual(receivedIp.AsSpan(8));
    }
}
