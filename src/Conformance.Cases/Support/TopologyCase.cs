using System.Net;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Topology;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Support;

/// <summary>What a path exchange measured: probes sent and returned, round-trip times, and where on the path it went wrong.</summary>
public sealed record PathOutcome(int Sent, int Returned, IReadOnlyList<TimeSpan> RoundTrips, IReadOnlyList<string> DutProblems, IReadOnlyList<string> TestbedProblems)
{
    /// <summary>Receptions set aside for the case to judge itself (e.g. O-flag exports to the controller), tester ports and taps.</summary>
    public IReadOnlyList<Frame> SetAside { get; init; } = [];
    /// <summary>The DUT nodes a problem was blamed on (the sender of a probe's first wrong hop, the source of an unexpected frame).</summary>
    public IReadOnlyList<string> Blamed { get; init; } = [];
    public int Lost => Sent - Returned;
    /// <summary>Loss, and the delay from sending each probe to its return (a loopback probe, an echo reply) or its arrival at the far tester port.</summary>
    public string Figures => RoundTrips.Count == 0 ? $"loss {Lost}/{Sent}, nothing came back"
        : $"loss {Lost}/{Sent}, delay sent → back at the tester min/avg/max = {RoundTrips.Min().TotalMilliseconds:F3}/{RoundTrips.Average(t => t.TotalMilliseconds):F3}/{RoundTrips.Max().TotalMilliseconds:F3} ms";
}

/// <summary>
/// A case on a reference topology (profile testbed.topology): the DUT is one router of RFC 9259 Figure 1,
/// the tester plays N100, CE1 and CE2. Expected packets are computed hop by hop from the figure
/// (<see cref="ReferenceTopology.Walk"/>) and observed on the tester ports and on link taps at the lab
/// routers around the DUT. Only the DUT's own hops decide pass or fail: a wrong or missing packet
/// upstream of the DUT, or downstream of a correct DUT hop, is the testbed's problem (inconclusive).
/// </summary>
public abstract class TopologyCase : ConformanceCase
{
    protected override bool NeedsTopology => true;

    /// <summary>True for an interoperability case: it needs a multi-DUT testbed (testbed.topology.dut_nodes); false for a case about one DUT.</summary>
    protected virtual bool NeedsSeveralDuts => false;

    [SetUp]
    public void CheckDutCount()
    {
        if (Profile.Testbed.Topology is not { } t) return; // ConformanceCase's set-up has said N/A already
        if (NeedsSeveralDuts && !t.IsMultiDut)
            Assert.Ignore($"N/A: an interoperability case needs several DUTs (testbed.topology.dut_nodes); {Profile.Name} has one, {t.DutNode}. Run it with profiles/reference-figure1-n2linux-n4node.yaml.");
        if (!NeedsSeveralDuts && t.IsMultiDut)
            Assert.Ignore($"N/A: the case judges one DUT node; {Profile.Name} has {t.DutNodes.Count} ({string.Join(", ", t.AllDutNodes)}): its interoperability cases (TP-IOP-*) judge them together.");
    }

    protected static TopologyLab Lab => Testbed.Topology
        ?? throw new TestbedException($"{Profile.SourcePath}: the case needs testbed.topology (one of topologies/*.yaml, e.g. rfc9259-figure1); the testbed has none.");
    protected static ReferenceTopology Figure => Lab.Figure;
    protected static string DutNode => Lab.DutNode;
    /// <summary>Every DUT node of the testbed (one for a single-DUT profile).</summary>
    protected static IReadOnlyList<string> DutNodes => Lab.DutNodes;
    /// <summary>The external links (outside the SR domain) of the DUT at <paramref name="node"/>: its profile's testbed.topology.external_links.</summary>
    private static IReadOnlyCollection<string> ExternalLinksOf(string node) => DutProfileAt(node).Testbed.Topology?.ExternalLinks ?? [];
    /// <summary>The SID block of the DUT at <paramref name="node"/> (what its edge filter protects).</summary>
    private static IPNetwork SidBlockOf(string node) => DutProfileAt(node).Parameters.SidBlock;
    private static Profile DutProfileAt(string node) => Testbed.Duts.FirstOrDefault(d => d.Node == node)?.Profile ?? Profile;
    private static bool SeveralDuts => Lab.DutNodes.Count > 1;
    /// <summary>
    /// The profiles whose known deviations may excuse a failure blamed on <paramref name="nodes"/>: each blamed DUT node's own
    /// profile on a multi-DUT testbed (testbed.topology.dut_nodes), the run's profile otherwise.
    /// </summary>
    protected static IReadOnlyCollection<Profile> BlamedProfiles(IEnumerable<string> nodes) =>
        SeveralDuts ? [.. nodes.Distinct().Select(n => Testbed.DutAt(n).Profile)] : [Profile];

    /// <summary>How a verdict names the DUT at <paramref name="node"/>: its node, platform, host and profile.</summary>
    protected static string DutLabel(string node) => SeveralDuts ? Testbed.DutAt(node).Label : node;

    private static readonly string[] LinkFields = ["ethernet.src", "ethernet.dst"];

    /// <summary>Ethernet addresses on lab links are the lab's: a frame for a tap carries zero MACs, not compared.</summary>
    protected static PacketBuilder OnLink() => new PacketBuilder().Ethernet("00:00:00:00:00:00", "00:00:00:00:00:00");

    /// <summary>Where a hop is observed: the receiving router's end (not the DUT), else the sender's; a tester attachment is a tester port.</summary>
    protected static string ObservationPoint(PathHop hop)
    {
        if (Figure.Node(hop.To).IsTester) return hop.Link;
        if (Figure.Node(hop.From).IsTester) return hop.Link; // the stimulus itself, on the tester port
        return !Lab.IsDut(hop.To) ? LinkTap.NameOf(hop.To, hop.Link, inbound: true) : LinkTap.NameOf(hop.From, hop.Link, inbound: false);
    }

    /// <summary>
    /// Sends <paramref name="stimuli"/> on <paramref name="entryPort"/> while capturing on every tester port
    /// and tapping every observation point of <paramref name="expectedHops"/> plus the neighbours' ends of every
    /// DUT link (to see a packet the DUT sends out of the wrong link). Judges every hop field by field and
    /// returns the judgement with where it went wrong (the DUT's hops, or the testbed's).
    /// </summary>
    /// <param name="expectedHops">Per probe: the hops it must take and the frame expected on each (the first, the stimulus, is not judged).</param>
    /// <param name="returned">Which tester-port reception counts as the probe's return (for loss and round trip).</param>
    /// <param name="setAside">Receptions (on tester ports or taps) the case judges itself, left out of the hop-by-hop judgement.</param>
    /// <param name="errorsReturn">An ICMPv6 error quoting the probe counts as its return (a traceroute: the answer of the hop where it expired).</param>
    /// <param name="fromOutside">
    /// The probes come from outside the SR domain on purpose (SR-domain filtering): they may enter a DUT over one of its
    /// external links (testbed.topology.external_links). Otherwise a path that does is the testbed's problem (inconclusive): the
    /// DUT's edge filter rightly drops what the purpose expects it to forward (e.g. the edge variants' N100 traffic via link1).
    /// </param>
    protected static async Task<(Judgement Judgement, PathOutcome Outcome)> ExchangeOnPathAsync(string entryPort, IReadOnlyList<byte[]> stimuli,
        IReadOnlyList<IReadOnlyList<(PathHop Hop, byte[] Frame, IReadOnlyList<string> Ignored)>> expectedHops, Func<DecodedPacket, bool> returned,
        Func<DecodedPacket, bool>? setAside = null, bool errorsReturn = false, bool fromOutside = false)
    {
        if (!fromOutside && expectedHops.SelectMany(h => h).Select(x => x.Hop).FirstOrDefault(h => Lab.IsDut(h.To) && ExternalLinksOf(h.To).Contains(h.Link) && SidBlockOf(h.To).Contains(h.Destination)) is { } edge)
            throw new TestbedException($"INCONC: on {Profile.Name} {edge.Link} is outside the SR domain (testbed.topology.external_links of the DUT at {edge.To}), and the purpose's probes to the SID block "
                + $"({Rfc5952.Format(edge.Destination)}) enter {edge.To} over it ({edge.From} → {edge.To}): the DUT's edge filter is right to drop them (RFC 8754 §5.1), so the purpose cannot be judged on this testbed. "
                + "Run it on the testbed without the edge (e.g. reference-figure1-n2node-n4node.yaml for reference-figure1-n2node-n4node-edge.yaml).");
        var tapPoints = expectedHops.SelectMany(h => h.Skip(1)).Select(x => ObservationPoint(x.Hop)).Where(p => p.Contains(':'))
            .Concat(DutNodes.SelectMany(n => Figure.LinksOf(n).Where(l => !Figure.Node(l.Other(n)).IsTester).Select(l => LinkTap.NameOf(l.Other(n), l.Name, inbound: true))))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var dir = Path.Combine(Lab.Dut.RunDirectory, "taps");
        Directory.CreateDirectory(dir);
        var taps = new List<LinkTap>();
        TrafficResult result;
        var tapped = new List<Frame>();
        var sentAt = new Dictionary<int, DateTime>();
        try
        {
            using (Evidence.Step($"Start link taps at {string.Join(", ", tapPoints)}"))
            {
                foreach (var t in tapPoints)
                {
                    var parts = t.Split(':');
                    taps.Add(await LinkTap.StartAsync(Lab, parts[0], parts[1], parts[2] == "in", dir));
                }
            }
            int expectedOnTesters = expectedHops.Sum(h => h.Skip(1).Count(x => !ObservationPoint(x.Hop).Contains(':')));
            using (Evidence.Step($"Inject {stimuli.Count} packet(s) on {entryPort}, capture on {string.Join(", ", Testbed.Ports.Keys)}"))
            {
                using var session = new TrafficSession(Testbed.Ports.Values);
                // A probe stream: one probe every 20 ms, each timed by the clock read just before it is sent
                // (on a veth its return can be captured before the send call returns).
                for (int i = 0; i < stimuli.Count; i++)
                {
                    sentAt[i] = DateTime.UtcNow;
                    session.Send(entryPort, [stimuli[i]]);
                    if (i + 1 < stimuli.Count) await Task.Delay(20);
                }
                result = await session.CompleteAsync(got => got.Count >= expectedOnTesters, Profile.Parameters.Timeouts.Capture, TimeSpan.FromMilliseconds(300));
                Evidence.AttachText("Capture reconciliation", result.Reconciliation(expectedOnTesters));
            }
            using (Evidence.Step("Stop the link taps"))
                foreach (var t in taps) tapped.AddRange(await t.StopAsync());
        }
        finally
        {
            foreach (var t in taps) t.Dispose();
        }

        // Taps see the lab's own chatter (ND, MLD): only frames tied to a probe are judged.
        var stimulusKeys = stimuli.Select(s => ProbeKey.Of(PacketDecoder.Decode(s))).ToHashSet();
        var relevant = tapped.Where(f => ProbeKey.Of(PacketDecoder.Decode(f.Data)) is { } k && (stimulusKeys.Contains(k) || k.Contains('<'))).ToList();
        // Which probe and hop each expectation stands for (by reference: two expectations may look alike).
        var origin = new Dictionary<ExpectedPacket, (int Probe, PathHop Hop, int Position)>(ReferenceEqualityComparer.Instance);
        var expected = expectedHops.SelectMany((hops, i) => hops.Skip(1).Select((x, k) =>
        {
            var e = new ExpectedPacket(ObservationPoint(x.Hop), x.Frame, $"probe {i} on {x.Hop.Link} ({x.Hop.From}→{x.Hop.To})",
                x.Hop.Link == ObservationPoint(x.Hop) ? x.Ignored : [.. x.Ignored, .. LinkFields]);
            origin[e] = (i, x.Hop, k);
            return e;
        })).ToList();
        var asideFrames = setAside is null ? [] : result.Received.Concat(relevant).Where(f => setAside(PacketDecoder.Decode(f.Data))).ToList();
        var all = result with { Received = [.. result.Received.Concat(relevant).Except(asideFrames)] };
        AttachPcap(all.All.Concat(asideFrames).Concat(tapped.Except(relevant)).OrderBy(f => f.TimestampUtc), $"{Purpose.Id} exchange and link taps.pcapng");
        Evidence.AttachText("Expected hop by hop (notation)", string.Join('\n', expected.Select(e => $"{e.Port}: {e.Decoded.Notation}  ({e.Description})")));
        Evidence.AttachText("Received on tester ports and link taps (notation)", all.Received.Count == 0 ? "nothing"
            : string.Join('\n', all.Received.OrderBy(f => f.TimestampUtc).Select(f => $"{f.TimestampUtc:HH:mm:ss.ffffff} {f.Port}: {PacketDecoder.Decode(f.Data).Notation}")));
        var judgement = Judge.Exchange(all, expected, FromAnotherCase);

        // Where did it go wrong? A hop is a DUT's when that DUT sent it.
        var dutProblems = new List<string>();
        var testbedProblems = new List<string>();
        var blamed = new List<string>();
        void Blame(string node, IEnumerable<string> what)
        {
            if (!blamed.Contains(node)) blamed.Add(node);
            dutProblems.AddRange(SeveralDuts ? what.Select(x => $"[{node}] {x}") : what);
        }
        var problemHops = judgement.Matched.Where(m => !m.Exact).Select(m => (m.Expected, What: "differs: " + string.Join("; ", m.Differences.Take(4))))
            .Concat(judgement.Missing.Select(e => (Expected: e, What: "missing")));
        // Per probe, the first hop that went wrong decides: a hop the DUT sent is the DUT's problem (what follows
        // is its consequence); one before it (upstream) or after a correct DUT hop is the testbed's.
        var decider = new Dictionary<int, string>();
        foreach (var probe in problemHops.GroupBy(p => origin[p.Expected].Probe))
        {
            var ordered = probe.OrderBy(p => origin[p.Expected].Position).ToList();
            var sender = origin[ordered[0].Expected].Hop.From;
            decider[probe.Key] = sender;
            var lines = ordered.Select(p => $"{p.Expected.Description}: {p.What}");
            if (Lab.IsDut(sender)) Blame(sender, lines);
            else testbedProblems.AddRange(lines);
        }
        var probeOf = new Dictionary<string, int>();
        for (int i = 0; i < stimuli.Count; i++)
            if (ProbeKey.Of(PacketDecoder.Decode(stimuli[i])) is { } sk) probeOf.TryAdd(sk, i);
        // In time order: the first unexpected frame of a probe that no wrong expected hop has decided decides it (the
        // first wrong hop); a later one at another DUT is its consequence.
        foreach (var u in judgement.Unexpected.OrderBy(x => x.Frame.TimestampUtc))
        {
            // Who sent an unexpected frame: the router whose address is its source (an ICMP error it originated),
            // else the DUT if it came in on a neighbour's end of a DUT link (every DUT link is tapped there, so a
            // packet the DUT misroutes shows up first at such a tap); anything else is the testbed's.
            var originator = u.Decoded.Ipv6 is { } ip ? Figure.OwnerOf(ip.Src) : null;
            string? dut = originator is not null && !Figure.Node(originator).IsTester ? (Lab.IsDut(originator) ? originator : null)
                : u.Frame.Port.Split(':') is [var node, var link, "in"] && Lab.IsDut(Figure.Link(link).Other(node)) ? Figure.Link(link).Other(node) : null;
            var line = $"unexpected on {u.Frame.Port}: {u.Decoded.Notation} ({u.Why})";
            // A probe a DUT already sent wrong earlier on its path: what another DUT then does with it is a consequence
            // (e.g. an unencapsulated packet the next DUT forwards on its IGP route), the first wrong hop's DUT's.
            if (dut is not null && ProbeKey.Of(u.Decoded) is { } uk && probeOf.TryGetValue(uk, out var up))
            {
                if (!decider.TryGetValue(up, out var first)) decider[up] = dut;
                else if (Lab.IsDut(first) && first != dut) dut = first;
            }
            if (dut is not null) Blame(dut, [line]);
            else testbedProblems.Add(line);
        }

        var rtts = new List<TimeSpan>();
        int returnedCount = 0;
        for (int i = 0; i < stimuli.Count; i++)
        {
            var key = ProbeKey.Of(PacketDecoder.Decode(stimuli[i]));
            var back = result.Received.FirstOrDefault(f =>
            {
                var d = PacketDecoder.Decode(f.Data);
                return (ProbeKey.Of(d) == key || (errorsReturn && d.Inner is Icmpv6Layer { Invoking: { } inv } && ProbeKey.Of(inv) == key)) && returned(d);
            });
            if (back is null) continue;
            returnedCount++;
            if (sentAt.TryGetValue(i, out var t0)) rtts.Add(back.TimestampUtc - t0);
        }
        var outcome = new PathOutcome(stimuli.Count, returnedCount, rtts, dutProblems, testbedProblems) { SetAside = asideFrames, Blamed = blamed };
        Evidence.Parameter("loss", $"{outcome.Lost}/{outcome.Sent}");
        if (SeveralDuts) Evidence.Parameter("blamed DUT", blamed.Count == 0 ? "none" : string.Join(", ", blamed), excluded: true);
        Evidence.AttachText("Path measurement", outcome.Figures + (SeveralDuts ? "\n\nDUTs: " + string.Join("; ", DutNodes.Select(DutLabel)) + "\nblamed: " + (blamed.Count == 0 ? "none" : string.Join(", ", blamed)) : "")
            + "\n\nproblems at the DUT's hops:\n" + (dutProblems.Count == 0 ? "none" : string.Join('\n', dutProblems))
            + "\n\nproblems elsewhere (testbed):\n" + (testbedProblems.Count == 0 ? "none" : string.Join('\n', testbedProblems)));
        using (var step = Evidence.Step("Compare hop by hop"))
        {
            if (!judgement.Pass)
            {
                Evidence.AttachText("Expected vs received (field differences)", judgement.Explain(400));
                step.Fail(judgement.Explain(3));
            }
        }
        return (judgement, outcome);
    }

    /// <summary>Fails on the DUT's hops; a path that failed only elsewhere is inconclusive (the testbed could not decide).</summary>
    protected static void PathVerdict(Judgement j, PathOutcome o, string requirementShort)
    {
        if (j.Pass) return;
        if (o.DutProblems.Count > 0)
            Fail((SeveralDuts ? $"blamed on {string.Join(" and ", o.Blamed.Select(DutLabel))}: " : "")
                + $"{requirementShort} ({o.Figures})\n" + string.Join('\n', o.DutProblems.Take(8)), BlamedProfiles(o.Blamed));
        throw new TestbedException($"INCONC: the path went wrong outside the DUT, so the DUT's behaviour could not be judged ({o.Figures}):\n"
            + string.Join('\n', o.TestbedProblems.Take(8)));
    }

    /// <summary>Skips unless the DUT is on the path (a case about the DUT's hop has nothing to judge otherwise).</summary>
    protected static void RequireDutOnPath(IReadOnlyList<PathHop> hops)
    {
        if (!hops.Any(h => Lab.IsDut(h.From)))
            Assert.Ignore($"N/A: the DUT ({DutNode}) is not on this path ({string.Join(" → ", hops.Select(h => h.To))}).");
    }

    /// <summary>The hops a walk of the figure predicts, one line each (evidence).</summary>
    protected static string Describe(IEnumerable<PathHop> hops) =>
        string.Join('\n', hops.Select(h => $"{h.Link}: {h.From} → {h.To}  DA {Rfc5952.Format(h.Destination)} SL={h.SegmentsLeft} HL={h.HopLimit}"));

    /// <summary>The frame of a hop: a tester port's Ethernet addresses when the hop reaches the tester, zero (not compared) on lab links.</summary>
    protected static PacketBuilder Frame(PathHop h) =>
        Figure.Node(h.To).IsTester ? OutOf(h.Link) : Figure.Node(h.From).IsTester ? Into(h.Link) : OnLink();

    /// <summary>
    /// Traceroute via a segment list (RFC 9259 Appendix A.2.1) from N100 (the OAM originator, n100a) to the last address of
    /// <paramref name="visit"/>: UDP probes with hop limit 1…(path length), each expected on every link up to the node where
    /// it expires, from there one ICMPv6 Time Exceeded (Port Unreachable at the target) from an address of that node, quoting
    /// the probe as that node received it (SRH included), IP-routed back to N100. A wrong hop or a wrong error source at a DUT
    /// fails, blamed on that DUT; one at a lab router is the testbed's (inconclusive). <paramref name="srh"/> is the Segment
    /// List (last segment first); a NEXT-C-SID container in it is walked as the figure's C-SID plan says.
    /// </summary>
    protected async Task TracerouteViaASegmentListAsync(IReadOnlyList<IPAddress> visit, IReadOnlyList<IPAddress> srh, string listName)
    {
        IPAddress n100 = Figure.Loopback("N100"), target = visit[^1];
        var path = Figure.Walk("n100a", visit);
        if (!NeedsSeveralDuts) RequireDutOnPath(path);
        const ushort SourcePort = 49152, TracerouteBase = 33434;
        int maxHops = path.Count;
        byte[] Probe(PacketBuilder b, PathHop h, int hopLimit, int i) =>
            b.Ipv6(n100, h.Destination, (byte)hopLimit).Srh(srh, (byte)h.SegmentsLeft).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build();
        var stimuli = new List<byte[]>();
        var expected = new List<IReadOnlyList<(PathHop, byte[], IReadOnlyList<string>)>>();
        var answerer = new List<string>();
        var text = new List<string>();
        IReadOnlyList<string> errorFields = ["ipv6.src", "ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class", "inner.icmpv6.checksum"];
        for (int i = 0; i < maxHops; i++)
        {
            int h = i + 1;
            int Hl(PathHop x) => h - (64 - x.HopLimit);
            var onPath = path.TakeWhile(x => Hl(x) >= 1).ToList();
            var hops = onPath.Select(x => (x, Probe(Frame(x), x, Hl(x), i), (IReadOnlyList<string>)[])).ToList();
            stimuli.Add(hops[0].Item2);
            var last = onPath[^1];
            bool atTarget = onPath.Count == path.Count;
            var node = last.To;
            answerer.Add(node);
            var quoted = Probe(OnLink(), last, Hl(last), i).AsSpan(14).ToArray();
            var body = new byte[4 + Math.Min(quoted.Length, Icmp.MaxQuoted)];
            quoted.AsSpan(0, body.Length - 4).CopyTo(body.AsSpan(4));
            var back = Figure.WalkFrom(node, n100);
            foreach (var x in back)
                hops.Add((x, Frame(x).Ipv6(atTarget ? target : Figure.Loopback(node), n100, 64).Payload(new PacketPayload.Icmpv6(atTarget ? (byte)1 : (byte)3, atTarget ? (byte)4 : (byte)0, body)).Build(), errorFields));
            expected.Add(hops);
            text.Add($"hop limit {h}: expires at {node} ({(atTarget ? "the target: Port Unreachable" : "Time Exceeded")}); probe {string.Join(" → ", onPath.Select(x => x.Link))}; error back {string.Join(" → ", back.Select(x => x.Link))}");
        }
        Evidence.AttachText("Traceroute computed from Figure 1", Describe(path) + "\n\n" + string.Join('\n', text));
        var (j, o) = await ExchangeOnPathAsync("n100a", stimuli, expected, d => d.Inner is Icmpv6Layer { Type: 1 or 3 }, errorsReturn: true);

        // Who answered each hop: the error's source must be an address of the node where the probe expired (the RFC lets it
        // choose which: "may use the address of the interface on which probe was received"). A wrong source at a DUT's hop is that DUT's.
        var rows = new List<string> { "hop  expected at  answered by (source)" };
        var wrongSource = new Dictionary<string, List<string>>();
        var testbed = new List<string>();
        for (int i = 0; i < stimuli.Count; i++)
        {
            var key = ProbeKey.Of(PacketDecoder.Decode(stimuli[i]));
            var got = j.Matched.Where(m => !m.Expected.Port.Contains(':') && m.ReceivedDecoded.Inner is Icmpv6Layer { Invoking: { } inv } && ProbeKey.Of(inv) == key).ToList();
            var sources = got.Select(m => m.ReceivedDecoded.Ipv6!.Src).Distinct().ToList();
            rows.Add($"{i + 1,3}  {answerer[i],-11}  " + (sources.Count == 0 ? "no answer" : string.Join(", ", sources.Select(a => $"{Figure.OwnerOf(a) ?? "?"} ({Rfc5952.Format(a)})"))));
            foreach (var a in sources.Where(a => Figure.OwnerOf(a) != answerer[i]))
            {
                var line = $"hop {i + 1}: the error came from {Rfc5952.Format(a)} ({Figure.OwnerOf(a) ?? "no node of the figure"}), not from an address of {answerer[i]}";
                if (Lab.IsDut(answerer[i])) (wrongSource.TryGetValue(answerer[i], out var l) ? l : wrongSource[answerer[i]] = []).Add(line);
                else testbed.Add(line);
            }
        }
        Evidence.AttachText("Traceroute output (per hop)", string.Join('\n', rows));
        var blamed = DutNodes.Where(n => o.Blamed.Contains(n) || wrongSource.ContainsKey(n)).ToList();
        if (blamed.Count > 0)
            Fail((SeveralDuts ? $"blamed on {string.Join(" and ", blamed.Select(DutLabel))}: " : "") + $"the traceroute via {listName} did not go through the DUTs' SIDs hop by hop, "
                + $"or a DUT did not answer the probe that expired there with Time Exceeded quoting it from one of its addresses ({o.Figures})\n"
                + string.Join('\n', blamed.SelectMany(n => o.DutProblems.Where(x => !SeveralDuts || x.StartsWith($"[{n}]")).Concat(wrongSource.TryGetValue(n, out var l) ? l.Select(x => $"[{n}] {x}") : [])).Take(8)),
                BlamedProfiles(blamed));
        if (testbed.Count > 0 && j.Pass)
            throw new TestbedException("INCONC: a lab router answered from an address not its own:\n" + string.Join('\n', testbed));
        PathVerdict(j, o, "The traceroute was not answered hop by hop as Appendix A.2.1 lists.");
    }
}
