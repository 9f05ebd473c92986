using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Drafts;

/// <summary>
/// The SRv6 policy selector of draft-yang-srv6ops-policy-selector-01, an individual Internet-Draft (not an RFC; its
/// catalogue entries are the draft's own words, unverified against a vendored copy). The DUT is configured with the
/// profile's parameters.policy_selector (a parent policy steering a prefix, its constituents and classes); UDP flows
/// into t1 are judged from the SRH segment list each leaves with (SelectorJudge): which constituent carried the flow.
/// The expected constituent of a flow is computed from the profile alone: its class (the first whose rules all hold,
/// else unclassified), the class's priorities (else the constituents'), the lowest number wins. No impairment here:
/// every constituent qualifies. Switch-over, wait-to-restore and the measurement: PolicySelectorSwitchCases.
/// The same cases run with the DUT as the headend N1 of RFC 9259 Figure 1 (profiles/reference-figure1-n1-selector.yaml,
/// category AlsoInTopology): the traffic enters from CE1 and is judged on link taps at N2 (SelectorCase).
/// </summary>
[TestFixture, Category("PolicySelector"), Category("AlsoInTopology")]
public sealed class PolicySelectorCases : SelectorCase
{
    private const int Seed = 20261203;
    private const int BaseSourcePort = 30000;

    /// <summary>Fields of a flow that no class of the profile matches (DSCP 0, port 9, flow label 0, source A).</summary>
    internal static (IPAddress Source, int Dscp, int Port, uint Label) Unclassified()
    {
        var u = (Address("A"), 0, 9, 0u);
        if (Selector.Classes.Any(c => c.Match.Matches(u.Item2, u.Item1, u.Item3, u.Item4)))
            throw new TestbedException($"{Profile.SourcePath}: a class of parameters.policy_selector matches DSCP 0, destination port 9, flow label 0 from A; the cases need unclassified traffic.");
        return u;
    }

    /// <summary>The class of a flow (first match) and the constituents of best priority for it: the expectation, from the profile only.</summary>
    public static (string Class, IReadOnlySet<string> Best, IReadOnlyList<(string Name, int Priority)> Candidates) Expect(PolicySelectorParameters s, IPAddress src, int dscp, int port, uint label)
    {
        var cls = s.Classes.FirstOrDefault(c => c.Match.Matches(dscp, src, port, label));
        var candidates = cls is null ? s.Constituents.Select(c => (c.Name, c.Priority)).ToList() : cls.Priorities.Select(p => (p.Key, p.Value)).ToList();
        var best = candidates.Min(c => c.Item2);
        return (cls?.Name ?? "unclassified", candidates.Where(c => c.Item2 == best).Select(c => c.Item1).ToHashSet(), candidates);
    }

    internal static IReadOnlyList<IPAddress> Destinations() => Harness.Tester.PrefixProbes.Across(Selector.Steer, Seed, 1).Where(p => p.Inside).Select(p => p.Address).ToList();

    /// <summary>A flow to <paramref name="dst"/> with the fields given, its expectation from the profile.</summary>
    private static SelectorFlow Flow(int id, IPAddress src, IPAddress dst, int dscp, int port, uint label, int packets, string what, bool steered = true)
    {
        var (cls, best, _) = Expect(Selector, src, dscp, port, label);
        return new SelectorFlow(BaseSourcePort + id, src, dst, dscp, port, label, packets, steered ? best : new HashSet<string>(),
            $"{what}: {src} → {dst} DSCP {dscp} dport {port} flow label 0x{label:x5}, class {(steered ? cls : "none (not steered)")}");
    }

    /// <summary>Flows of a class built from its rules (each value given), to the steered prefix's first, last, a random address and ::1 in turn.</summary>
    internal static IEnumerable<(IPAddress Src, int Dscp, int Port, uint Label)> ClassFields(SelectorClass c)
    {
        var (src, dscp, port, label) = Unclassified();
        var sources = c.Match.SourcePrefix is { } sp ? PrefixProbes.Across(sp, Seed, 1).Where(p => p.Inside).Select(p => p.Address).ToList() : [src];
        foreach (var s in sources)
            yield return (s, c.Match.Dscp.Count > 0 ? c.Match.Dscp[0] : dscp, c.Match.DestinationPorts.Count > 0 ? c.Match.DestinationPorts[0] : port, c.Match.FlowLabels.Count > 0 ? c.Match.FlowLabels[0] : label);
    }

    private static byte[] Data(int id, int i) => System.Text.Encoding.ASCII.GetBytes($"psel {id:D5} {i:D2} {Purpose.Id}".PadRight(40, '.'));

    /// <summary>Sends every packet of the flows into the entry port (packet i of every flow, then i+1…), observes the constituents (tester captures or link taps) and judges.</summary>
    private static async Task<(SelectorJudgement Judgement, IReadOnlyList<SelectorObservation> Seen)> Exchange(IReadOnlyList<SelectorFlow> flows)
    {
        var entry = EntryPort;
        var stimuli = new List<byte[]>();
        for (var i = 0; i < flows.Max(f => f.Packets); i++)
            foreach (var f in flows.Where(f => i < f.Packets))
                stimuli.Add(Into(entry).Ipv6(f.Source, f.Destination, 64, (byte)(f.Dscp << 2), f.FlowLabel).Udp((ushort)f.Id, (ushort)f.DestinationPort, Data(f.Id, i)).Build());
        var expected = flows.Sum(f => f.Allowed.Count == 0 ? 0 : f.Packets);
        IReadOnlyList<Frame> received, all;
        using (Evidence.Step($"Inject {stimuli.Count} packet(s) of {flows.Count} flow(s) on {entry}, observe the constituents on {SelectorObserver.Points}"))
        {
            using var observer = await SelectorObserver.StartAsync();
            observer.Session.Send(entry, stimuli);
            (received, all, var tester) = await observer.FinishAsync(got => got.Count(g => g.Port != entry) >= expected, Profile.Parameters.Timeouts.Capture,
                TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1000));
            Evidence.AttachText("Capture reconciliation", OnTopology
                ? $"{received.Count} frame(s) on the link taps, {expected} encapsulated packet(s) expected\n\ntester ports:\n{tester.Reconciliation(0)}"
                : tester.Reconciliation(expected));
        }
        AttachSelectorPcap(all);
        var seen = SelectorJudge.Observe(received.Select(f => (f.Port, f.Data)), Selector.Constituents);
        var j = SelectorJudge.Judge(flows, seen);
        Evidence.AttachText("Flows: expected constituents → seen (from the SRH segment lists)", string.Join('\n', flows.Select(f =>
            $"{f.Id} {f.Description}: expected {(f.Allowed.Count == 0 ? "not steered" : string.Join(" or ", f.Allowed.Order(StringComparer.Ordinal)))} → seen {(j.CarriedBy[f.Id].Count == 0 ? "-" : string.Join(",", j.CarriedBy[f.Id].Distinct()))} ({j.CarriedBy[f.Id].Count} packet(s))")));
        return (j, seen);
    }

    private static void Verdict(SelectorJudgement j, string what)
    {
        if (!j.Pass) Fail($"{what}\n{string.Join('\n', j.Problems.Take(12))}{(j.Problems.Count > 12 ? $"\n… {j.Problems.Count - 12} more" : "")}");
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SelectorConformingReceptionTests.AConformingSelectorPassesAndAWrongOneFails")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-node.yaml", Why = "the crm class configured with destination port 8444 and the branch class with a /66 source prefix: crm flows and the upper part of the branch prefix fall to the unclassified constituent")]
    [NegativeControl("NodeSelectorPriorityIgnored", Profile = "reference-node.yaml", Why = "defect selector-priority-ignored: flows of the crm, branch and labelled classes also land on their lower-priority constituents")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-figure1-n1-selector.yaml", Why = "the headend N1 of Figure 1 with the crm class on destination port 8444 and the branch class on a /66: crm flows and the upper part of the branch prefix leave N2 on the backup constituent (seen on the taps at N2)")]
    [NegativeControl("NodeSelectorPriorityIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-priority-ignored at N1: flows of the crm, branch and labelled classes also leave N2 on their lower-priority constituents")]
    [TestPurpose(Id = "TP-PSEL-BV-01", Requires = new[] { "policy_selector" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): the headend classifies each flow and carries it on its class's constituent (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.2-CLASSIFICATION", "DRAFT-YANG-PSEL-01-5.5-FORWARDED-ON-SELECTED-PATH" },
        Stimulus = "UDP flows (2 packets each, unique source port) into t1 to the parent policy's steered prefix (its first, last, a seeded random address (seed 20261203) and ::1 in turn): per class of parameters.policy_selector flows built from its match rules (a source-prefix class from the prefix's first, last and a random source), flows from just below and just above that source prefix, unclassified flows (DSCP 0, port 9, flow label 0), and flows to just below and just above the steered prefix",
        Expected = "each flow leaves encapsulated, both packets with the SRH segment list of one constituent of best priority for its class (the first class whose rules all hold; else the constituents' own priorities), seen on the tester captures; the source-prefix probes just outside take the unclassified constituent; the flows outside the steered prefix are not carried by any constituent")]
    public async Task EachClassIsCarriedByItsConstituent()
    {
        Require("policy_selector");
        var dsts = Destinations();
        var (usrc, udscp, uport, ulabel) = Unclassified();
        var flows = new List<SelectorFlow>();
        int id = 0;
        foreach (var c in Selector.Classes)
            foreach (var (src, dscp, port, label) in ClassFields(c))
                for (var k = 0; k < 2; k++, id++)
                    flows.Add(Flow(id, src, dsts[id % dsts.Count], dscp, port, label, 2, $"class {c.Name}"));
        foreach (var c in Selector.Classes.Where(c => c.Match.SourcePrefix is not null))
            foreach (var p in PrefixProbes.Across(c.Match.SourcePrefix!.Value, Seed, 0).Where(p => !p.Inside))
                flows.Add(Flow(id++, p.Address, dsts[id % dsts.Count], udscp, uport, ulabel, 2, $"source {p} of class {c.Name}'s prefix"));
        for (var k = 0; k < 4; k++, id++) flows.Add(Flow(id, usrc, dsts[id % dsts.Count], udscp, uport, ulabel, 2, "unclassified"));
        foreach (var p in PrefixProbes.Across(Selector.Steer, Seed, 0).Where(p => !p.Inside))
            flows.Add(Flow(id++, usrc, p.Address, udscp, uport, ulabel, 2, $"destination {p} of the steered prefix", steered: false));
        var (j, _) = await Exchange(flows);
        Verdict(j, "The headend did not carry every flow on a constituent of its class (draft-yang-srv6ops-policy-selector-01 §5.2, §5.5).");
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SelectorConformingReceptionTests.AConformingSelectorPassesAndAWrongOneFails")]
    [NegativeControl("NodeSelectorPriorityIgnored", Profile = "reference-node.yaml", Why = "defect selector-priority-ignored: every qualifying constituent of a class shares the load by weight, lower priorities included")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-node.yaml", Why = "the crm class configured with destination port 8444: its flows are unclassified and leave on the backup constituent, not on path2")]
    [NegativeControl("NodeSelectorPriorityIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-priority-ignored at N1: every qualifying constituent of a class shares the load by weight, lower priorities included (seen on N2's links)")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-figure1-n1-selector.yaml", Why = "N1 with the crm class on destination port 8444: its flows leave N2 on the backup constituent, not on path2")]
    [TestPurpose(Id = "TP-PSEL-BV-02", Requires = new[] { "policy_selector" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): when every constituent qualifies, the one with the lowest priority number carries the class (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.3-HIGHEST-PRIORITY-SELECTED", "DRAFT-YANG-PSEL-01-5.1-PRIORITY" },
        Stimulus = "for each class of parameters.policy_selector (and for unclassified traffic) whose best priority has one constituent and which has more than one candidate: 16 UDP flows of 2 packets into t1 to the steered prefix (first, last, random, ::1 in turn); no impairment, so every constituent qualifies",
        Expected = "every flow of such a class leaves with the segment list of its best-priority constituent only (the lowest priority number among the class's constituents), none on a lower-priority one")]
    public async Task TheHighestPriorityConstituentCarriesTheTraffic()
    {
        Require("policy_selector");
        var dsts = Destinations();
        var groups = Selector.Classes.SelectMany(c => ClassFields(c).Take(1)).Append(Unclassified())
            .Select(f => (f, e: Expect(Selector, f.Item1, f.Item2, f.Item3, f.Item4))).Where(x => x.e.Best.Count == 1 && x.e.Candidates.Count > 1)
            .GroupBy(x => x.e.Class).Select(g => g.First()).ToList();
        if (groups.Count == 0)
            throw new TestbedException($"{Profile.SourcePath}: no class of parameters.policy_selector has a single best-priority constituent among several; the purpose cannot be judged.");
        var flows = new List<SelectorFlow>();
        int id = 0;
        foreach (var ((src, dscp, port, label), e) in groups)
            for (var k = 0; k < 16; k++, id++)
                flows.Add(Flow(id, src, dsts[id % dsts.Count], dscp, port, label, 2, $"class {e.Class} (candidates {string.Join(", ", e.Candidates.Select(c => $"{c.Name} {c.Priority}"))})"));
        var (j, _) = await Exchange(flows);
        Verdict(j, "A flow was carried by a constituent other than the highest-priority one (draft-yang-srv6ops-policy-selector-01 §5.3).");
    }

    private const int SplitFlows = 200;

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SelectorConformingReceptionTests.TheWeightedSplitIsJudgedAgainstTheWeights")]
    [NegativeControl("NodeSelectorWeightsIgnored", Profile = "reference-node.yaml", Why = "defect selector-weights-ignored: equal priorities share the load equally (1:1 instead of 3:1)")]
    [NegativeControl("NodeSelectorWeightsIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-weights-ignored at N1: path1 (link3) and path1b (link7) share the conference flows 1:1 instead of 3:1")]
    [TestPurpose(Id = "TP-PSEL-BV-03", Requires = new[] { "policy_selector.weights" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): constituents of equal priority share the flows according to their weights (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.5-WEIGHTED-SHARING" },
        Stimulus = "200 UDP flows × 2 packets (source ports 30000..30199) of the first class (or unclassified traffic) whose best priority has several constituents, into t1 to the steered prefix (first, last, random, ::1 in turn)",
        Expected = "every flow on one of those constituents (both packets on the same one); each constituent's share of the 200 flows within 3 binomial standard deviations of weight/sum of weights (3:1 → 75 % ± 9.2 points; a conforming per-flow hash stays inside with ≥ 99.7 % per constituent; 1:1 sharing, 50 %, is 8 standard deviations away)")]
    public async Task EqualPrioritiesShareTheFlowsByWeight()
    {
        Require("policy_selector.weights");
        var dsts = Destinations();
        var pick = Selector.Classes.SelectMany(c => ClassFields(c).Take(1)).Append(Unclassified())
            .Select(f => (f, e: Expect(Selector, f.Item1, f.Item2, f.Item3, f.Item4))).FirstOrDefault(x => x.e.Best.Count > 1);
        if (pick.e.Best is null)
            throw new TestbedException($"{Profile.SourcePath}: no class of parameters.policy_selector has two constituents of the same best priority; the weighted split cannot be measured.");
        var ((src, dscp, port, label), e) = pick;
        var flows = Enumerable.Range(0, SplitFlows).Select(i => Flow(i, src, dsts[i % dsts.Count], dscp, port, label, 2, $"class {e.Class}")).ToList();
        var (j, _) = await Exchange(flows);
        var weights = e.Best.ToDictionary(n => n, n => Selector.Constituent(n).Weight, StringComparer.Ordinal);
        var split = SelectorJudge.Split(weights, j.CarriedBy);
        Evidence.AttachText("Weighted split: measured vs configured", $"{SplitFlows} flows of class {e.Class}; acceptance: 3 binomial standard deviations\n" + string.Join('\n', split));
        TestContext.Out.WriteLine($"TP-PSEL-BV-03 split: {string.Join("; ", split)}");
        Verdict(j, "The flows of equal-priority constituents were not carried as the draft asks (§5.5).");
        var outside = split.Where(s => !s.Within).ToList();
        if (outside.Count > 0) Fail("The load is not shared according to the weights (draft-yang-srv6ops-policy-selector-01 §5.5):\n" + string.Join('\n', split));
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SelectorConformingReceptionTests.TheReadBackIsComparedWithTheProfile")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-node.yaml", Why = "constituent path1b configured with priority 3 and the crm class with destination port 8444: the read-back differs from the profile")]
    [NegativeControl("NodeSelectorMisconfigured", Profile = "reference-figure1-n1-selector.yaml", Why = "N1 with path1b at priority 3: the read-back differs from the profile")]
    [TestPurpose(Id = "TP-PSEL-BV-04", Requires = new[] { "policy_selector", "dut.policy_selector_state" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): the DUT shows the parent policy's constituents and classes as configured (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.3-HIGHEST-PRIORITY-SELECTED", "DRAFT-YANG-PSEL-01-6-CONFIGURATION" },
        Stimulus = "the platform verb dut.policy_selector_state (the reference node: show srv6 policy-selector), read with the pack's pattern (one match per constituent) and class regexes",
        Expected = "every constituent of parameters.policy_selector once, with its priority, weight and segment list as configured; every class with its priorities per constituent as configured; nothing else")]
    public async Task TheSelectorReadsBackAsConfigured()
    {
        Require("policy_selector");
        var verb = Testbed.Pack.Verb(DutVerbs.PolicySelectorState);
        var command = PackVerbRunner.Render(Testbed.Pack, DutVerbs.PolicySelectorState, new Dictionary<string, string>());
        var output = await Evidence.StepAsync($"Read the selector's state: {command}", () => Testbed.RunVerbCommandAsync(command));
        Evidence.AttachText("Policy selector state (DUT output)", output);
        var problems = ReadBack(Selector, output, verb.Patterns["pattern"], verb.Patterns.GetValueOrDefault("class"));
        if (problems.Count > 0) Fail("The DUT's policy selector does not read back as configured:\n" + string.Join('\n', problems));
    }

    /// <summary>Compares a selector's read-back with the profile; the problems found (empty: as configured).</summary>
    public static IReadOnlyList<string> ReadBack(PolicySelectorParameters s, string output, Regex constituentLine, Regex? classLine)
    {
        var problems = new List<string>();
        var got = constituentLine.Matches(output).Select(m => (Name: m.Groups["name"].Value, Priority: m.Groups["priority"].Value, Weight: m.Groups["weight"].Value,
            Segments: m.Groups["segments"].Value.Split(',', ' ').Where(x => x.Length > 0).Select(x => IPAddress.TryParse(x, out var a) ? a.ToString() : x).ToList())).ToList();
        foreach (var c in s.Constituents)
        {
            var g = got.Where(x => x.Name == c.Name).ToList();
            if (g.Count != 1) { problems.Add($"constituent {c.Name}: shown {g.Count} time(s)"); continue; }
            if (g[0].Priority != c.Priority.ToString(CultureInfo.InvariantCulture)) problems.Add($"constituent {c.Name}: priority {g[0].Priority}, configured {c.Priority}");
            if (g[0].Weight != c.Weight.ToString(CultureInfo.InvariantCulture)) problems.Add($"constituent {c.Name}: weight {g[0].Weight}, configured {c.Weight}");
            if (!g[0].Segments.SequenceEqual(c.Segments.Select(a => a.ToString()))) problems.Add($"constituent {c.Name}: segments {string.Join(",", g[0].Segments)}, configured {string.Join(",", c.Segments)}");
        }
        foreach (var extra in got.Where(x => s.Constituents.All(c => c.Name != x.Name))) problems.Add($"constituent {extra.Name} is shown but not configured");
        if (classLine is not null)
        {
            var classes = classLine.Matches(output).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["priorities"].Value, StringComparer.Ordinal);
            foreach (var c in s.Classes)
            {
                if (!classes.TryGetValue(c.Name, out var pr)) { problems.Add($"class {c.Name} is not shown"); continue; }
                var shown = pr.Split(',').Select(x => x.Trim().Split(' ')).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1], StringComparer.Ordinal);
                var want = c.Priorities.ToDictionary(x => x.Key, x => x.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
                if (shown.Count != want.Count || want.Any(w => !shown.TryGetValue(w.Key, out var v) || v != w.Value))
                    problems.Add($"class {c.Name}: priorities {pr.Trim()}, configured {string.Join(", ", want.Select(w => $"{w.Key} {w.Value}"))}");
            }
        }
        return problems;
    }
}
