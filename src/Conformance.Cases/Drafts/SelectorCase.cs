using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Topology;

namespace Conformance.Cases.Drafts;

/// <summary>
/// What the policy-selector cases (draft-yang-srv6ops-policy-selector-01) share on both testbeds they run on, so that
/// one judging code serves both:
/// <list type="bullet">
/// <item>the single-DUT testbed (profiles/reference-node.yaml): traffic into t1, the constituents observed on the tester
/// ports the DUT sends them to (t2, where the tester emulates N2 and the constituents' far ends);</item>
/// <item>a reference topology (profiles/reference-figure1-n1-selector.yaml, fixture category <c>AlsoInTopology</c>): the
/// DUT is the selector's headend (N1 of RFC 9259 Figure 1), traffic enters from its external tester attachment (CE1), and
/// the constituents are observed on link taps at the outgoing ends of every link of the routers their first segments
/// belong to (N2: link3, link4, link7), except the links back to the DUT. The loss of the switch-over cases goes on the
/// egress of the first lab router after those on the impaired constituent's path (N6's link8), in that router's
/// namespace; the loopback probes come back through the figure, no reflector.</item>
/// </list>
/// </summary>
public abstract class SelectorCase : ConformanceCase
{
    protected override bool AlsoInTopology => true;

    /// <summary>True when the DUT is a node of a reference topology (the Figure 1 variant).</summary>
    protected static bool OnTopology => Testbed.Topology is not null;

    private static TopologyLab Lab => Testbed.Topology ?? throw new InvalidOperationException("not a topology testbed");

    protected static PolicySelectorParameters Selector => Profile.Parameters.PolicySelector
        ?? throw new TestbedException($"{Profile.SourcePath}: capabilities.policy_selector is claimed but parameters.policy_selector is missing.");

    /// <summary>
    /// The tester port the selector's traffic enters the DUT by: t1 on the single-DUT testbed; in a topology the DUT's
    /// tester attachment with role external (CE1 at N1), else its first one.
    /// </summary>
    protected static string EntryPort
    {
        get
        {
            if (!OnTopology) return "t1";
            var dut = Lab.DutNode;
            var attachments = Lab.Figure.LinksOf(dut).Where(l => Lab.Figure.Node(l.Other(dut)).IsTester).Select(l => l.Name).ToList();
            var ports = Profile.Testbed.TesterPorts.Where(p => attachments.Contains(p.Name)).ToList();
            return (ports.FirstOrDefault(p => p.Role == PortRole.External) ?? ports.FirstOrDefault())?.Name
                ?? throw new TestbedException($"{Profile.SourcePath}: the DUT node {dut} has no tester attachment in {Lab.Figure.Name}; the selector's traffic cannot enter it.");
        }
    }

    /// <summary>The routers the constituents' first segments belong to (N2 on Figure 1): their outgoing links are tapped.</summary>
    private static IReadOnlyList<string> TappedNodes()
    {
        var nodes = Selector.Constituents.Select(c => Lab.Figure.OwnerOf(c.Segments[0])).Distinct().ToList();
        if (nodes.Any(n => n is null))
            throw new TestbedException($"{Profile.SourcePath}: a constituent's first segment belongs to no node of {Lab.Figure.Name}; the constituents cannot be observed on link taps.");
        var dut = nodes.Where(n => Lab.IsDut(n!)).ToList();
        if (dut.Count > 0) throw new TestbedException($"{Profile.SourcePath}: a constituent's first segment is a SID of the DUT ({dut[0]}); link taps never run on a DUT.");
        return nodes.Select(n => n!).ToList();
    }

    /// <summary>The taps (node, link): every router link of the tapped nodes that does not lead back to the DUT, outgoing end.</summary>
    protected static IReadOnlyList<(string Node, string Link)> TapPoints() =>
        [.. TappedNodes().SelectMany(n => Lab.Figure.LinksOf(n).Where(l => !Lab.IsDut(l.Other(n)) && !Lab.Figure.Node(l.Other(n)).IsTester).Select(l => (n, l.Name)))
            .OrderBy(x => x.Item2, StringComparer.Ordinal)];

    /// <summary>
    /// Where loss on <paramref name="c"/>'s path alone goes in a topology: the first hop of its path (walked from the
    /// entry port through its segment list) sent by a lab router that is neither the DUT nor a tapped node, so the taps
    /// still see what the headend sent. Returns the router, its namespace and the link (its interface).
    /// </summary>
    protected static (string Node, string Namespace, string Link) LossPoint(SelectorConstituent c)
    {
        var tapped = TappedNodes().ToHashSet();
        var hops = Lab.Figure.Walk(EntryPort, c.Segments);
        var hop = hops.FirstOrDefault(h => !Lab.IsDut(h.From) && !tapped.Contains(h.From) && !Lab.Figure.Node(h.From).IsTester && !Lab.Figure.Node(h.To).IsTester)
            ?? throw new TestbedException($"constituent {c.Name}'s path ({string.Join(" → ", hops.Select(h => $"{h.From} {h.Link}"))}) has no link beyond {string.Join(", ", tapped)} to impair.");
        return (hop.From, Lab.NamespaceOf(hop.From), hop.Link);
    }

    /// <summary>Loss on <paramref name="c"/>'s packets: on the DUT's egress towards the tester (single DUT), or on its path's <see cref="LossPoint"/>.</summary>
    protected static (LinkLoss Loss, string Where) CreateLoss(SelectorConstituent c, string testerPort)
    {
        var last = c.Segments[^1];
        if (OnTopology)
        {
            var (node, ns, link) = LossPoint(c);
            return (LinkLoss.Create(ns, link, last), $"{node}'s {link} (egress, namespace {ns}), packets carrying {last}");
        }
        var lab = Testbed.Lab ?? throw new TestbedException("loss injection needs a lab the suite made (nftables in its namespace); this testbed has none.");
        var dutIf = Profile.Testbed.TesterPorts.First(p => p.Name == testerPort).DutInterface;
        return (LinkLoss.Create(lab, dutIf, last), $"{dutIf} (DUT side of tester port {testerPort}), packets carrying {last}");
    }

    /// <summary>
    /// The observation of one exchange: a traffic session on every tester port and, in a topology, the link taps (started
    /// and warmed up before the first packet).
    /// </summary>
    protected sealed class SelectorObserver : IDisposable
    {
        private readonly List<LinkTap> _taps;
        public TrafficSession Session { get; }

        private SelectorObserver(List<LinkTap> taps) { _taps = taps; Session = new TrafficSession(Testbed.Ports.Values); }

        /// <summary>Where the constituents are seen: the tester ports other than the entry, or the taps.</summary>
        public static string Points => OnTopology ? string.Join(", ", TapPoints().Select(t => LinkTap.NameOf(t.Node, t.Link, inbound: false)))
            : string.Join(", ", Testbed.Ports.Keys.Where(p => p != EntryPort));

        public static async Task<SelectorObserver> StartAsync()
        {
            var taps = new List<LinkTap>();
            if (OnTopology)
            {
                await PrimeAsync();
                var dir = Path.Combine(Lab.Dut.RunDirectory, "taps");
                Directory.CreateDirectory(dir);
                try
                {
                    foreach (var (node, link) in TapPoints()) taps.Add(await LinkTap.StartAsync(Lab, node, link, inbound: false, dir));
                }
                catch { foreach (var t in taps) t.Dispose(); throw; }
                // Warm-up: tcpdump says it listens before its ring is fully set up.
                await Task.Delay(300);
            }
            return new SelectorObserver(taps);
        }

        /// <summary>
        /// Ends the exchange: on the single-DUT testbed the tester's capture ends as <paramref name="done"/>,
        /// <paramref name="deadline"/> and <paramref name="quiet"/> say; in a topology the capture runs
        /// <paramref name="settle"/> more, then the taps stop. Returns the frames the constituents are judged from (tester
        /// ports other than the entry, or the taps) and everything, for the pcap.
        /// </summary>
        public async Task<(IReadOnlyList<Frame> Seen, IReadOnlyList<Frame> All, TrafficResult Tester)> FinishAsync(
            Func<IReadOnlyList<Frame>, bool> done, TimeSpan deadline, TimeSpan quiet, TimeSpan settle)
        {
            var entry = EntryPort;
            if (!OnTopology)
            {
                var r = await Session.CompleteAsync(done, deadline, quiet);
                return (r.Received.Where(f => f.Port != entry).ToList(), r.All, r);
            }
            var result = await Session.CompleteAsync(_ => false, settle, TimeSpan.Zero);
            var tapped = new List<Frame>();
            foreach (var t in _taps) tapped.AddRange(await t.StopAsync());
            tapped.Sort((a, b) => a.TimestampUtc.CompareTo(b.TimestampUtc));
            return (tapped, result.All.Concat(tapped).OrderBy(f => f.TimestampUtc).ToList(), result);
        }

        public void Dispose()
        {
            Session.Dispose();
            foreach (var t in _taps) t.Dispose();
        }
    }

    /// <summary>Source ports of the priming packets (no case's flows use them).</summary>
    private const int PrimingBasePort = 39000;

    /// <summary>
    /// In a topology, before the taps start: one packet of every class (and one unclassified) to the steered prefix, so
    /// that every router on every constituent's path has resolved its next hop (neighbour discovery) before the measured
    /// traffic; without it the first packets of a fresh lab's first case were lost on the way (measured: BV-01 saw 1 of 2
    /// packets of most flows). Not judged: the taps are not running yet.
    /// </summary>
    private static async Task PrimeAsync()
    {
        var entry = EntryPort;
        var dst = PolicySelectorCases.Destinations()[0];
        var fields = Selector.Classes.SelectMany(c => PolicySelectorCases.ClassFields(c).Take(1)).Append(PolicySelectorCases.Unclassified()).ToList();
        var frames = new List<byte[]>();
        for (var k = 0; k < 2; k++)
            for (var i = 0; i < fields.Count; i++)
            {
                var (src, dscp, port, label) = fields[i];
                frames.Add(Into(entry).Ipv6(src, dst, 64, (byte)(dscp << 2), label)
                    .Udp((ushort)(PrimingBasePort + 10 * k + i), (ushort)port, System.Text.Encoding.ASCII.GetBytes("psel priming".PadRight(40, '.'))).Build());
            }
        using var session = new TrafficSession(Testbed.Ports.Values);
        session.Send(entry, frames, "priming (neighbour discovery on the constituents' paths)");
        await session.CompleteAsync(_ => false, TimeSpan.FromMilliseconds(500), TimeSpan.Zero);
    }

    /// <summary>Attaches <paramref name="frames"/> as the case's pcap (named for the taps in a topology).</summary>
    protected static void AttachSelectorPcap(IEnumerable<Frame> frames, string what = "exchange") =>
        AttachPcap(frames, $"{Purpose.Id} {what}{(OnTopology ? " and link taps" : "")}.pcapng");
}
