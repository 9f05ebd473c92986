using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Drafts;

/// <summary>
/// The policy selector's quality-driven behaviour (draft-yang-srv6ops-policy-selector-01, an individual draft): switch-over
/// when the active constituent's loss exceeds its threshold, wait-to-restore, no flapping, and the measurement the DUT
/// reports. The DUT's measurement (parameters.policy_selector.measurement: RFC 9259 Appendix A.4 loopback probes) is
/// switched on for the case only (platform verb dut.policy_selector_measurement) and off again after it. The tester
/// emulates the constituents' downstream nodes: every probe that reaches a tester port with the return SID as its last
/// segment is sent back to the DUT with Segments Left 0 (the End behaviour of every remaining segment at once). Loss is
/// injected with nftables (numgen random) on the egress of the DUT interface the active constituent leaves by, in the
/// lab's namespace, only on packets whose SRH carries that constituent's last segment: loss on that constituent's path
/// alone. No delay impairment: the host has no netem; delay thresholds are judged only from the delay the DUT reports.
/// Timings come from the tester's capture timestamps and the host clock around each nft command (same clock).
/// With the DUT as the headend N1 of RFC 9259 Figure 1 (profiles/reference-figure1-n1-selector.yaml, category
/// AlsoInTopology) the probes come back through the figure (no reflector), the loss goes on the egress of a lab router
/// on the constituent's path (N6's link8), and the constituents are seen on link taps at N2 (SelectorCase).
/// </summary>
[TestFixture, Category("PolicySelector"), Category("AlsoInTopology")]
public sealed class PolicySelectorSwitchCases : SelectorCase
{
    private const int LossPercent = 80;
    private const double Pps = 200;
    private const int Flows = 4;
    private const int BaseSourcePort = 31000;

    private static SelectorProbing Probing => Selector.Measurement
        ?? throw new TestbedException($"{Profile.SourcePath}: parameters.policy_selector.measurement is not set: the DUT is not told to measure its constituents, so a switch-over cannot be provoked.");

    /// <summary>Detection bound: a full window of probes, the loss timeout (max(3 intervals, 300 ms)) and 1 s of slack.</summary>
    private static TimeSpan DetectBound => TimeSpan.FromMilliseconds(Probing.Window * Probing.IntervalMs + Math.Max(3 * Probing.IntervalMs, 300) + 1000);

    /// <summary>The class to impair: the first (or unclassified traffic) whose best candidate is one constituent with a loss threshold and whose second best is one constituent too.</summary>
    private static (string Class, (IPAddress Src, int Dscp, int Port, uint Label) Fields, SelectorConstituent Active, SelectorConstituent Backup) Pick()
    {
        foreach (var f in Selector.Classes.SelectMany(c => PolicySelectorCases.ClassFields(c).Take(1)).Append(PolicySelectorCases.Unclassified()))
        {
            var (cls, _, cands) = PolicySelectorCases.Expect(Selector, f.Item1, f.Item2, f.Item3, f.Item4);
            var byPrio = cands.GroupBy(c => c.Priority).OrderBy(g => g.Key).ToList();
            if (byPrio.Count < 2 || byPrio[0].Count() != 1 || byPrio[1].Count() != 1) continue;
            var a = Selector.Constituent(byPrio[0].Single().Name);
            if (a.Thresholds.LossPercent is not { } l || l >= LossPercent / 2) continue;
            return (cls, f, a, Selector.Constituent(byPrio[1].Single().Name));
        }
        throw new TestbedException($"{Profile.SourcePath}: no class of parameters.policy_selector has one best constituent with a loss threshold below {LossPercent / 2} % and one second-best constituent; a switch-over cannot be provoked.");
    }

    /// <summary>What one scenario saw.</summary>
    private sealed record Run(IReadOnlyList<TimedCarry> Packets, DateTime Start, DateTime End, IReadOnlyList<ImpairmentSpan> Impairments, int Sent, long Dropped);

    /// <summary>
    /// The tester as the constituents' far ends: a frame with an SRH whose Segment List[0] is <paramref name="ret"/> and
    /// Segments Left &gt; 0 goes back to its sender with destination <paramref name="ret"/> and Segments Left 0 (the hop limit
    /// less one per segment passed); the UDP checksum stays valid (RFC 8200 §8.1: it is computed with the final destination).
    /// </summary>
    public static Func<byte[], byte[]?> Reflector(System.Net.NetworkInformation.PhysicalAddress mac, IPAddress ret)
    {
        var r = ret.GetAddressBytes();
        return frame =>
        {
            if (frame.Length < 14 + 40 + 8 + 32 || frame[12] != 0x86 || frame[13] != 0xdd || frame[14 + 6] != 43 || frame[14 + 40 + 2] != 4) return null;
            int sl = frame[14 + 40 + 3];
            if (sl == 0 || !frame.AsSpan(14 + 40 + 8, 16).SequenceEqual(r)) return null;
            var back = (byte[])frame.Clone();
            frame.AsSpan(6, 6).CopyTo(back.AsSpan(0, 6));
            mac.GetAddressBytes().CopyTo(back, 6);
            r.CopyTo(back, 14 + 24);
            back[14 + 7] = (byte)Math.Max(1, back[14 + 7] - sl);
            back[14 + 40 + 3] = 0;
            return back;
        };
    }

    /// <summary>The DUT's measurement on or off (platform verb dut.policy_selector_measurement).</summary>
    private static Task MeasurementAsync(bool on)
    {
        if (!Testbed.Pack.Offers(DutVerbs.PolicySelectorMeasurement))
            throw new TestbedException($"platform {Profile.Testbed.Platform} offers no {DutVerbs.PolicySelectorMeasurement}: the suite cannot switch the selector's measurement on.");
        var item = PackRenderer.SelectorMeasurementItem(Testbed.Pack, Selector.Parent, Probing, on);
        return Evidence.StepAsync($"Switch the DUT's selector measurement {(on ? "on" : "off")}", async () =>
        {
            Evidence.AttachText($"Measurement {(on ? "on" : "off")} (configuration)", string.Join('\n', item.Lines));
            await Testbed.Platform.ApplyAsync(DutConfig.FromLines(item.Lines));
        });
    }

    /// <summary>
    /// Runs one scenario: measurement on, the reflector on every port, the class's flows at 200 pps into t1 for the
    /// scenario's length, the loss script (offset from the start of the traffic → loss percent) on the active constituent's
    /// link; then everything off again (measurement, reflector, the nft table).
    /// </summary>
    private static async Task<(Run Run, string Class, SelectorConstituent Active, SelectorConstituent Backup)> ScenarioAsync(
        double seconds, IReadOnlyList<(double At, int Percent)> script, IReadOnlyList<(double At, Func<Task> Action)>? reads = null)
    {
        Require("policy_selector");
        var (cls, f, active, backup) = Pick();
        var dsts = PolicySelectorCases.Destinations();
        var entry = EntryPort;
        var count = (long)(seconds * Pps);
        Evidence.Parameter("class", cls);
        TestContext.Out.WriteLine($"{Purpose.Id}: class {cls}, active {active.Name} (loss threshold {active.Thresholds.LossPercent} %, wait-to-restore {active.WaitToRestoreSeconds} s), backup {backup.Name}");
        // The active constituent's link: the DUT interface of the tester port its packets leave by (one probe flow); in a
        // topology the link of a lab router on its path (SelectorCase.LossPoint).
        var port = OnTopology ? null : await LinkOfAsync(active, f, dsts[0]);
        var responders = Testbed.Ports.Values.ToDictionary(p => p, p => p.Responder);
        var measuring = true;
        LinkLoss? loss = null;
        try
        {
            // The far ends answer before the first probe leaves (in a topology the figure's routers bring the probes back).
            if (!OnTopology)
                foreach (var p in Testbed.Ports.Values) p.Responder = Reflector(p.Mac, Probing.ReturnSid);
            await MeasurementAsync(true);
            // Let the measurement fill its first window before the traffic starts.
            await Task.Delay(TimeSpan.FromMilliseconds(Probing.Window * Probing.IntervalMs + Math.Max(3 * Probing.IntervalMs, 300) + 200));
            (loss, var where) = CreateLoss(active, port!);
            Evidence.Parameter("impaired link", where, excluded: true);
            byte[] Make(long i)
            {
                var fl = (int)(i % Flows);
                return Into(entry).Ipv6(f.Src, dsts[fl % dsts.Count], 64, (byte)(f.Dscp << 2), f.Label)
                    .Udp((ushort)(BaseSourcePort + fl), (ushort)f.Port, System.Text.Encoding.ASCII.GetBytes($"psel-sw {i:D6} {Purpose.Id}".PadRight(40, '.'))).Build();
            }
            using var observer = await SelectorObserver.StartAsync();
            var session = observer.Session;
            var start = DateTime.UtcNow;
            var sender = Task.Run(() => session.SendPaced(entry, Make, count, Pps));
            var spans = new List<ImpairmentSpan>();
            (DateTime At, int Percent)? on = null;
            var steps = script.Select(x => (x.At, Pct: (int?)x.Percent, Action: (Func<Task>?)null))
                .Concat((reads ?? []).Select(r => (r.At, Pct: (int?)null, Action: (Func<Task>?)r.Action))).OrderBy(x => x.At).ToList();
            foreach (var (at, pct, action) in steps)
            {
                var wait = start + TimeSpan.FromSeconds(at) - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    // A Ctrl-C ends the script within the abort grace (the case then has no verdict: not run).
                    try { await Task.Delay(wait, Conformance.Harness.Testbeds.RunInterruption.CaseAbort); } catch (OperationCanceledException) { }
                    Conformance.Harness.Testbeds.RunInterruption.ThrowIfCaseAborted();
                }
                if (action is not null) { await action(); continue; }
                var (before, _) = loss.Set(pct!.Value);
                if (on is { } o) spans.Add(new ImpairmentSpan(o.At, before, o.Percent));
                on = pct > 0 ? (before, pct.Value) : null;
            }
            var sent = (int)await sender;
            var end = DateTime.UtcNow;
            if (on is { } still) { loss.Set(0); spans.Add(new ImpairmentSpan(still.At, DateTime.UtcNow, still.Percent)); }
            var dropped = loss.Dropped();
            // The probes stop with the measurement: the captures can drain.
            measuring = false;
            await MeasurementAsync(false);
            var (received, all, _) = await observer.FinishAsync(_ => false, TimeSpan.FromMilliseconds(300), TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
            Evidence.AttachText("Loss injection (nftables in the lab namespace)", string.Join('\n', loss.Log));
            var packets = new List<TimedCarry>();
            foreach (var fr in received)
                foreach (var o in SelectorJudge.Observe([(fr.Port, fr.Data)], Selector.Constituents))
                    if (o.FlowId >= BaseSourcePort && o.FlowId < BaseSourcePort + Flows) packets.Add(new TimedCarry(fr.TimestampUtc, o.Constituent));
            AttachSelectorPcap(all);
            return (new Run(packets, start, end, spans, sent, dropped), cls, active, backup);
        }
        finally
        {
            loss?.Dispose();
            foreach (var (p, r) in responders) p.Responder = r;
            if (measuring) await MeasurementAsync(false);
        }
    }

    /// <summary>The tester port the active constituent's packets leave by: one packet of the class, its capture.</summary>
    private static async Task<string> LinkOfAsync(SelectorConstituent active, (IPAddress Src, int Dscp, int Port, uint Label) f, IPAddress dst)
    {
        using var session = new TrafficSession(Testbed.Ports.Values);
        session.Send("t1", [Into("t1").Ipv6(f.Src, dst, 64, (byte)(f.Dscp << 2), f.Label).Udp(BaseSourcePort + 100, (ushort)f.Port, ProbeData(0)).Build()], "link finder");
        var r = await session.CompleteAsync(got => got.Any(g => g.Port != "t1" && SelectorJudge.Observe([(g.Port, g.Data)], Selector.Constituents).Any(o => o.FlowId == BaseSourcePort + 100)),
            Profile.Parameters.Timeouts.Capture, TimeSpan.Zero);
        var hit = r.Received.Where(g => g.Port != "t1").Select(g => (g.Port, o: SelectorJudge.Observe([(g.Port, g.Data)], Selector.Constituents).FirstOrDefault(o => o.FlowId == BaseSourcePort + 100))).FirstOrDefault(x => x.o is not null);
        if (hit.o is null) throw new TestbedException($"no packet of the class left the DUT encapsulated: the link of constituent {active.Name} cannot be found.");
        if (hit.o.Constituent != active.Name) Fail($"Before any impairment the class left on {hit.o.Constituent ?? "an unknown segment list"}, not on its best constituent {active.Name} (draft §5.3; TP-PSEL-BV-02).");
        return hit.Port;
    }

    private static string S(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    /// <summary>Attaches the timeline chart (SVG) and returns its one-line summary.</summary>
    private static void Chart(Run run, string title, IReadOnlyList<(DateTime At, string Label)> markers)
    {
        var names = Selector.Constituents.Select(c => c.Name).Where(n => run.Packets.Any(p => p.Constituent == n)).ToList();
        var svg = SwitchTimeline.Svg(title, run.Packets, run.Start, run.End.AddMilliseconds(300), run.Impairments, markers, names);
        Evidence.Attach($"{Purpose.Id} timeline.svg", System.Text.Encoding.UTF8.GetBytes(svg), "image/svg+xml");
    }

    private static string Describe(Run run, IReadOnlyList<CarrySwitch> sw) =>
        $"{run.Sent} packets sent, {run.Packets.Count} seen encapsulated on the taps, {run.Dropped} packets (data and probes) taken off the link by the injected loss; " +
        $"impairments (from traffic start): {string.Join(", ", run.Impairments.Select(i => $"{S(i.On - run.Start)}–{S(i.Off - run.Start)} at {i.Percent} %"))}; " +
        $"switches: {(sw.Count == 0 ? "none" : string.Join(", ", sw.Select(x => $"{x.From}→{x.To} at {S(x.At - run.Start)}")))}";

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SwitchTimelineTests.SwitchesAreReadFromTheCarryingConstituent")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-node.yaml", Why = "defect selector-threshold-ignored: the node measures 80 % loss on the active constituent but keeps it qualified, so the class never leaves it")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-threshold-ignored at N1: it measures the loss on N6's link8 but keeps path1b qualified, so the branch class never leaves link7")]
    [TestPurpose(Id = "TP-PSEL-BV-05", Requires = new[] { "policy_selector", "policy_selector.loss" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): when the active constituent's packet loss exceeds its threshold, the headend moves the class to the next constituent (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.1-SWITCH-ON-DEGRADATION", "DRAFT-YANG-PSEL-01-5.3-HIGHEST-PRIORITY-SELECTED" },
        Stimulus = "the DUT's loopback measurement switched on (parameters.policy_selector.measurement); the tester returns the probes; 4 UDP flows of the first class whose best constituent has a loss threshold, 200 pps in all into t1 for 4 s; from 1 s to 3.5 s, 80 % random loss (nftables numgen in the lab namespace, egress of the DUT interface the class leaves by) on the packets that carry the best constituent's last segment",
        Expected = "before the loss every packet of the class leaves with the best constituent's segment list; after it starts the class moves to the second-best constituent within one measurement window + the loss timeout + 1 s (100 ms × 10 + 300 ms + 1 s = 2.3 s for the reference node), and stays there while the loss lasts; the measured switch time is reported")]
    public async Task TheClassLeavesAConstituentWhoseLossExceedsItsThreshold()
    {
        var (run, cls, active, backup) = await ScenarioAsync(4.0, [(1.0, LossPercent), (3.5, 0)]);
        var sw = SwitchTimeline.Switches(run.Packets);
        var on = run.Impairments[0].On;
        var away = sw.FirstOrDefault(x => x.At >= on && x.From == active.Name);
        var markers = new List<(DateTime, string)>();
        if (away is not null) markers.Add((away.At, $"switch to {away.To}: {S(away.At - on)} after loss on"));
        Chart(run, $"{Purpose.Id}: class {cls}, {LossPercent} % loss on {active.Name}", markers);
        var summary = Describe(run, sw);
        Evidence.AttachText("Switch-over: measured", summary);
        TestContext.Out.WriteLine($"{Purpose.Id}: {summary}");
        var early = run.Packets.Where(p => p.At < on && p.Constituent != active.Name).ToList();
        if (early.Count > 0) Fail($"Before the loss, {early.Count} packet(s) of class {cls} left on {string.Join(", ", early.Select(e => e.Constituent ?? "?").Distinct())}, not on {active.Name}. {summary}");
        if (away is null) Fail($"The class stayed on {active.Name} although its loss ({LossPercent} % injected) exceeded its threshold of {active.Thresholds.LossPercent} % (draft §5.1). {summary}");
        if (away!.To != backup.Name) Fail($"The class moved to {away.To}, not to the next constituent by priority, {backup.Name} (draft §5.3). {summary}");
        if (away.At - on > DetectBound) Fail($"The switch took {S(away.At - on)}, more than the bound {S(DetectBound)}. {summary}");
        var off = run.Impairments[0].Off;
        var back = run.Packets.Where(p => p.At > away.At && p.At < off && p.Constituent != backup.Name).ToList();
        if (back.Count > 0) Fail($"While the loss lasted, {back.Count} packet(s) went back to {string.Join(", ", back.Select(b => b.Constituent ?? "?").Distinct())}. {summary}");
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SwitchTimelineTests.SwitchesAreReadFromTheCarryingConstituent")]
    [NegativeControl("NodeSelectorNoWaitToRestore", Profile = "reference-node.yaml", Why = "defect selector-no-wait-to-restore: the class returns as soon as the measurement window is clean, about 1 s after the loss ends, before the 3 s wait-to-restore")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-node.yaml", Why = "defect selector-threshold-ignored: the class never leaves the impaired constituent, so there is nothing to restore")]
    [NegativeControl("NodeSelectorNoWaitToRestore", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-no-wait-to-restore at N1: the branch class returns to path1b about 1 s after the loss on link8 ends, before the 3 s wait-to-restore")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-threshold-ignored at N1: the class never leaves path1b, so there is nothing to restore")]
    [TestPurpose(Id = "TP-PSEL-BV-06", Requires = new[] { "policy_selector", "policy_selector.loss", "policy_selector.wait_to_restore" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): after the loss ends the class returns to the higher-priority constituent only after its wait-to-restore time, and within a bound after it (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.1-WAIT-TO-RESTORE", "DRAFT-YANG-PSEL-01-5.3-WAIT-TO-RESTORE-TIMER" },
        Stimulus = "as TP-PSEL-BV-05: measurement on, 4 flows at 200 pps into t1 for 9 s; 80 % loss on the best constituent's packets from 1 s to 2.5 s, then none",
        Expected = "the class leaves the best constituent during the loss; after the loss ends it returns no earlier than the constituent's wait_to_restore_s (3 s for the reference node) and no later than wait-to-restore + one measurement window + the loss timeout + 1 s (5.3 s); after its return it stays")]
    public async Task TheClassReturnsOnlyAfterTheWaitToRestoreTime()
    {
        var (run, cls, active, backup) = await ScenarioAsync(9.0, [(1.0, LossPercent), (2.5, 0)]);
        var wtr = TimeSpan.FromSeconds(active.WaitToRestoreSeconds);
        var bound = wtr + DetectBound;
        var sw = SwitchTimeline.Switches(run.Packets);
        var (on, off) = (run.Impairments[0].On, run.Impairments[0].Off);
        var away = sw.FirstOrDefault(x => x.At >= on && x.From == active.Name);
        var back = away is null ? null : sw.FirstOrDefault(x => x.At > away.At && x.To == active.Name);
        var markers = new List<(DateTime, string)>();
        if (away is not null) markers.Add((away.At, $"away: {S(away.At - on)} after loss on"));
        markers.Add((off + wtr, $"loss off + wait-to-restore {active.WaitToRestoreSeconds} s"));
        if (back is not null) markers.Add((back.At, $"back: {S(back.At - off)} after loss off"));
        Chart(run, $"{Purpose.Id}: class {cls}, wait-to-restore {active.WaitToRestoreSeconds} s on {active.Name}", markers);
        var summary = Describe(run, sw) + $"; wait-to-restore {active.WaitToRestoreSeconds} s, accepted return {S(wtr)}..{S(bound)} after the loss ends";
        Evidence.AttachText("Wait-to-restore: measured", summary);
        TestContext.Out.WriteLine($"{Purpose.Id}: {summary}{(back is null ? "" : $"; returned {S(back.At - off)} after the loss ended")}");
        if (away is null) Fail($"The class never left {active.Name} during {LossPercent} % loss (threshold {active.Thresholds.LossPercent} %): there is no restoration to judge (draft §5.1). {summary}");
        if (back is null) Fail($"The class did not return to {active.Name} within the run ({S(run.End - off)} after the loss ended; bound {S(bound)}). {summary}");
        if (back!.At - off < wtr) Fail($"The class returned to {active.Name} {S(back.At - off)} after the loss ended, before the wait-to-restore time of {active.WaitToRestoreSeconds} s (draft §5.1). {summary}");
        if (back.At - off > bound) Fail($"The class returned {S(back.At - off)} after the loss ended, later than the bound {S(bound)}. {summary}");
        var after = run.Packets.Where(p => p.At > back.At && p.Constituent != active.Name).ToList();
        if (after.Count > 0) Fail($"After its return, {after.Count} packet(s) left on {string.Join(", ", after.Select(a => a.Constituent ?? "?").Distinct())}. {summary}");
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SwitchTimelineTests.SwitchesAreReadFromTheCarryingConstituent")]
    [NegativeControl("NodeSelectorNoWaitToRestore", Profile = "reference-node.yaml", Why = "defect selector-no-wait-to-restore: in each 2 s pause of the loss the class goes back and leaves again: 6 switches instead of 2")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-node.yaml", Why = "defect selector-threshold-ignored: the class never leaves the impaired constituent")]
    [NegativeControl("NodeSelectorNoWaitToRestore", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-no-wait-to-restore at N1: in each 2 s pause of the loss on link8 the class goes back and leaves again")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-threshold-ignored at N1: the class never leaves path1b")]
    [TestPurpose(Id = "TP-PSEL-BV-07", Requires = new[] { "policy_selector", "policy_selector.loss", "policy_selector.wait_to_restore" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): a loss that comes and goes faster than the wait-to-restore time does not make the class flap (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.3-WAIT-TO-RESTORE-TIMER", "DRAFT-YANG-PSEL-01-5.1-WAIT-TO-RESTORE" },
        Stimulus = "as TP-PSEL-BV-05: measurement on, 4 flows at 200 pps into t1 for 13.5 s; 80 % loss on the best constituent's packets toggled 3 times: on 0.6 s, off 2 s (shorter than the wait-to-restore time of 3 s), from 1 s on; then none",
        Expected = "exactly two switches: away from the best constituent at the first loss, back to it no earlier than the wait-to-restore time after the last loss ended (and within wait-to-restore + 2.3 s)")]
    public async Task AnImpairmentFasterThanTheTimerDoesNotMakeTheClassFlap()
    {
        var script = new List<(double, int)>();
        for (var k = 0; k < 3; k++) { script.Add((1.0 + 2.6 * k, LossPercent)); script.Add((1.6 + 2.6 * k, 0)); }
        var (run, cls, active, _) = await ScenarioAsync(13.5, script);
        var wtr = TimeSpan.FromSeconds(active.WaitToRestoreSeconds);
        if (wtr <= TimeSpan.FromSeconds(2))
            throw new TestbedException($"{Profile.SourcePath}: constituent {active.Name}'s wait_to_restore_s ({active.WaitToRestoreSeconds}) is not longer than the 2 s pauses of the toggled loss; the purpose needs a longer wait-to-restore.");
        var sw = SwitchTimeline.Switches(run.Packets);
        var lastOff = run.Impairments[^1].Off;
        var markers = sw.Select(x => (x.At, $"{x.From}→{x.To}")).ToList();
        markers.Add((lastOff + wtr, $"last loss off + wait-to-restore {active.WaitToRestoreSeconds} s"));
        Chart(run, $"{Purpose.Id}: class {cls}, loss toggled 0.6 s on / 2 s off on {active.Name}", markers);
        var summary = Describe(run, sw);
        Evidence.AttachText("Flapping: measured", summary);
        TestContext.Out.WriteLine($"{Purpose.Id}: {summary}");
        if (sw.Count == 0) Fail($"The class never left {active.Name} during {LossPercent} % loss (threshold {active.Thresholds.LossPercent} %) (draft §5.1). {summary}");
        if (sw.Count > 2) Fail($"The class switched {sw.Count} times under a loss toggled faster than the wait-to-restore time of {active.WaitToRestoreSeconds} s: it flaps (draft §5.3: \"To avoid frequent path switching when the network quality is unstable, a wait-to-restore timer is required.\"). {summary}");
        if (sw.Count < 2) Fail($"The class did not return to {active.Name} within {S(run.End - lastOff)} after the last loss. {summary}");
        if (sw[1].At - lastOff < wtr) Fail($"The class returned {S(sw[1].At - lastOff)} after the last loss ended, before the wait-to-restore time. {summary}");
        if (sw[1].At - lastOff > wtr + DetectBound) Fail($"The class returned {S(sw[1].At - lastOff)} after the last loss ended, later than {S(wtr + DetectBound)}. {summary}");
    }

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SwitchTimelineTests.TheReportedMeasurementIsReadWithThePacksPatterns")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-node.yaml", Why = "defect selector-threshold-ignored: under 80 % loss the node reports the loss but shows the constituent still qualified")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-threshold-ignored at N1: under loss on link8 it reports the loss but shows path1b still qualified")]
    [TestPurpose(Id = "TP-PSEL-BV-08", Requires = new[] { "policy_selector", "policy_selector.loss", "dut.policy_selector_state" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): the DUT reports its measurement method and per constituent the loss and delay it measured, and qualifies each against its thresholds (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-5.4-MEASUREMENT", "DRAFT-YANG-PSEL-01-5.1-SWITCH-ON-DEGRADATION" },
        Stimulus = "measurement on; dut.policy_selector_state read with the pack's measurement and measured patterns without impairment (after one window), and again after 2.2 s of 80 % loss on the best constituent's packets (as TP-PSEL-BV-05, traffic 3.5 s)",
        Expected = "the method reported is the one configured (loopback) at the configured interval; every constituent has a measured loss and delay; without impairment each reports loss within its threshold and is qualified exactly when its reported loss and delay are within its thresholds; under the loss the best constituent reports loss above its threshold and is not qualified. The delay is the DUT's own report (a loop delay; no delay can be injected here: no netem)")]
    public async Task TheDutReportsWhatItMeasured()
    {
        Require("policy_selector");
        var verb = Testbed.Pack.Verb(DutVerbs.PolicySelectorState);
        if (!verb.Patterns.TryGetValue("measurement", out var mrx) || !verb.Patterns.TryGetValue("measured", out var crx))
            throw new TestbedException($"{Testbed.Pack.DescriptorPath}: dut.policy_selector_state has no 'measurement' and 'measured' patterns; the reported measurement cannot be read.");
        var command = PackVerbRunner.Render(Testbed.Pack, DutVerbs.PolicySelectorState, new Dictionary<string, string>());
        var problems = new List<string>();
        string? clean = null, impaired = null;
        var (run, cls, active, _) = await ScenarioAsync(3.5, [(0.5, LossPercent), (3.0, 0)],
            [(0.2, async () => clean = await Testbed.RunVerbCommandAsync(command)), (2.7, async () => impaired = await Testbed.RunVerbCommandAsync(command))]);
        if (clean is null || impaired is null) throw new TestbedException("the DUT's state could not be read during the scenario.");
        Evidence.AttachText("Selector state without impairment (DUT output)", clean);
        Evidence.AttachText("Selector state under loss (DUT output)", impaired);
        problems.AddRange(Check(clean, mrx, crx, null, "without impairment"));
        problems.AddRange(Check(impaired, mrx, crx, active, $"under {LossPercent} % loss on {active.Name}"));
        TestContext.Out.WriteLine($"{Purpose.Id}: {Describe(run, SwitchTimeline.Switches(run.Packets))}");
        if (problems.Count > 0) Fail("The DUT's reported measurement does not match its thresholds:\n" + string.Join('\n', problems));
    }

    /// <summary>The class whose best candidate is one constituent with a remaining-bandwidth threshold, and its one second-best constituent.</summary>
    private static (string Class, (IPAddress Src, int Dscp, int Port, uint Label) Fields, SelectorConstituent Primary, SelectorConstituent Next) PickBandwidth()
    {
        foreach (var f in Selector.Classes.SelectMany(c => PolicySelectorCases.ClassFields(c).Take(1)).Append(PolicySelectorCases.Unclassified()))
        {
            var (cls, _, cands) = PolicySelectorCases.Expect(Selector, f.Item1, f.Item2, f.Item3, f.Item4);
            var byPrio = cands.GroupBy(c => c.Priority).OrderBy(g => g.Key).ToList();
            if (byPrio.Count < 2 || byPrio[0].Count() != 1 || byPrio[1].Count() != 1) continue;
            var a = Selector.Constituent(byPrio[0].Single().Name);
            var b = Selector.Constituent(byPrio[1].Single().Name);
            if (a.Thresholds.RemainingBandwidthMbps is not { } mbps || mbps is < 1 or > 2 || b.Thresholds.RemainingBandwidthMbps is not null) continue;
            return (cls, f, a, b);
        }
        throw new TestbedException($"{Profile.SourcePath}: no class of parameters.policy_selector has one best constituent with a remaining-bandwidth threshold of 1 or 2 Mbit/s (what the tester can exceed with a bounded burst) and one second-best constituent without one; the overflow cannot be provoked.");
    }

    /// <summary>Inner IPv6 packet length of the overflow case's packets (the bytes the node accounts).</summary>
    private const int OverflowPacketBytes = 1000;
    private const int OverflowBaseSourcePort = 33000;

    [Test]
    [NotClaimedByTheReferenceLab("policy_selector", "SelectorConformingReceptionTests.TrafficAboveTheGuaranteedBandwidthOverflows")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-node.yaml", Why = "defect selector-threshold-ignored: the node ignores the remaining-bandwidth threshold too, so the whole burst at twice the threshold stays on path2 and nothing overflows")]
    [NegativeControl("NodeSelectorThresholdIgnored", Profile = "reference-figure1-n1-selector.yaml", Why = "defect selector-threshold-ignored at N1: the burst at twice path2's threshold stays on link4, nothing overflows to path1")]
    [TestPurpose(Id = "TP-PSEL-BV-09", Requires = new[] { "policy_selector", "policy_selector.remaining_bandwidth" }, Feature = "SRv6 policy selector (draft)",
        Title = "Policy selector (individual draft, not an RFC): traffic of a class above its constituent's bandwidth threshold overflows to the next constituent; below it everything stays (draft-yang-srv6ops-policy-selector-01)",
        Requirements = new[] { "DRAFT-YANG-PSEL-01-6-BANDWIDTH-OVERFLOW", "DRAFT-YANG-PSEL-01-5.3-HIGHEST-PRIORITY-SELECTED" },
        Stimulus = "the class whose best constituent has a remaining-bandwidth threshold T (crm on path2, T = 1 Mbit/s for the reference node): 4 flows of 1000-byte IPv6 packets into t1, first at T/2 for 1 s, then at 2T for 1.5 s (a bounded burst); no measurement, no impairment",
        Expected = "at T/2 every packet leaves on the best constituent; at 2T the share of packets on the next constituent by priority is (R - T)/R less the 200 ms of T a full bucket lets through, 43.3 % for the reference node, within ±12 points; no packet leaves on any other constituent. The draft does not say how the remaining bandwidth is obtained: the profile's threshold is read as the bandwidth the constituent guarantees")]
    public async Task TrafficAboveTheBandwidthThresholdOverflows()
    {
        Require("policy_selector");
        var (cls, f, primary, next) = PickBandwidth();
        var mbps = primary.Thresholds.RemainingBandwidthMbps!.Value;
        var bytesPerS = mbps * 1_000_000.0 / 8;
        var ppsT = bytesPerS / OverflowPacketBytes;
        var (lowPps, lowS, highPps, highS) = (ppsT / 2, 1.0, ppsT * 2, 1.5);
        var dsts = PolicySelectorCases.Destinations();
        var entry = EntryPort;
        Evidence.Parameter("class", cls);
        Evidence.Parameter("threshold", $"{primary.Name} remaining_bandwidth_mbps {mbps}");
        byte[] Make(int basePort, long i)
        {
            var fl = (int)(i % Flows);
            var payload = System.Text.Encoding.ASCII.GetBytes($"psel-bw {basePort + fl} {i:D6} {Purpose.Id}".PadRight(OverflowPacketBytes - 48, '.'));
            return Into(entry).Ipv6(f.Src, dsts[fl % dsts.Count], 64, (byte)(f.Dscp << 2), f.Label).Udp((ushort)(basePort + fl), (ushort)f.Port, payload).Build();
        }
        var lowCount = (long)Math.Round(lowPps * lowS);
        var highCount = (long)Math.Round(highPps * highS);
        IReadOnlyList<Frame> received, all;
        using (var observer = await SelectorObserver.StartAsync())
        {
            var session = observer.Session;
            await Task.Run(() => session.SendPaced(entry, i => Make(OverflowBaseSourcePort, i), lowCount, lowPps));
            await Task.Run(() => session.SendPaced(entry, i => Make(OverflowBaseSourcePort + 100, i), highCount, highPps));
            (received, all, _) = await observer.FinishAsync(got => got.Count(g => g.Port != entry) >= lowCount + highCount, Profile.Parameters.Timeouts.Capture,
                TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500));
        }
        AttachSelectorPcap(all);
        if (Testbed.Pack.Offers(DutVerbs.PolicySelectorState))
            Evidence.AttachText("Selector state after the burst (DUT output, rates per constituent)",
                await Testbed.RunVerbCommandAsync(PackVerbRunner.Render(Testbed.Pack, DutVerbs.PolicySelectorState, new Dictionary<string, string>())));
        var seen = SelectorJudge.Observe(received.Select(r => (r.Port, r.Data)), Selector.Constituents).ToList();
        var low = seen.Where(o => o.FlowId >= OverflowBaseSourcePort && o.FlowId < OverflowBaseSourcePort + Flows).ToList();
        var high = seen.Where(o => o.FlowId >= OverflowBaseSourcePort + 100 && o.FlowId < OverflowBaseSourcePort + 100 + Flows).ToList();
        string Count(IEnumerable<SelectorObservation> os) => string.Join(", ", os.GroupBy(o => o.Constituent ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        var overflow = high.Count == 0 ? 0 : high.Count(o => o.Constituent == next.Name) / (double)high.Count;
        var expected = 1 - 1 / 2.0 - ForwardingBucketMs / 1000.0 / (2 * highS);
        const double tolerance = 0.12;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"class {cls}, {primary.Name} threshold {mbps} Mbit/s ({ppsT:0.#} pps of {OverflowPacketBytes}-byte packets); below: {lowCount} sent at {lowPps:0.#} pps, {low.Count} seen ({Count(low)}); " +
            $"above: {highCount} sent at {highPps:0.#} pps, {high.Count} seen ({Count(high)}); overflow to {next.Name} {overflow * 100:0.0} % (expected {expected * 100:0.0} % ± {tolerance * 100:0} points)");
        Evidence.AttachText("Bandwidth overflow: measured", summary);
        TestContext.Out.WriteLine($"{Purpose.Id}: {summary}");
        if (low.Count < lowCount * 0.9 || high.Count < highCount * 0.9)
            throw new TestbedException($"fewer than 90 % of the packets were seen encapsulated on the taps: the split cannot be judged. {summary}");
        var problems = new List<string>();
        if (low.Any(o => o.Constituent != primary.Name)) problems.Add($"below the threshold (at half of it) {low.Count(o => o.Constituent != primary.Name)} packet(s) left elsewhere than on {primary.Name}");
        var other = high.Where(o => o.Constituent != primary.Name && o.Constituent != next.Name).ToList();
        if (other.Count > 0) problems.Add($"above the threshold {other.Count} packet(s) left on {string.Join(", ", other.Select(o => o.Constituent ?? "?").Distinct())}, neither {primary.Name} nor the next constituent {next.Name}");
        if (Math.Abs(overflow - expected) > tolerance)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"at twice the threshold {overflow * 100:0.0} % of the packets overflowed to {next.Name}, expected {expected * 100:0.0} % ± {tolerance * 100:0} points (draft §6: \"the CRM traffic exceeding the bandwidth will be directed to Path1\")"));
        if (problems.Count > 0) Fail(string.Join("\n", problems) + $"\n{summary}");
    }

    /// <summary>The token bucket depth the expectation allows for (200 ms of the threshold rate, as the reference node's; a DUT with a smaller bucket overflows a little more, within the tolerance).</summary>
    private const int ForwardingBucketMs = 200;

    private static IEnumerable<string> Check(string output, Regex mrx, Regex crx, SelectorConstituent? impaired, string when)
    {
        var m = mrx.Match(output);
        if (!m.Success) { yield return $"{when}: no measurement method shown"; yield break; }
        if (m.Groups["method"].Value != "loopback") yield return $"{when}: method {m.Groups["method"].Value}, configured loopback";
        if (m.Groups["interval"].Value != Probing.IntervalMs.ToString(CultureInfo.InvariantCulture)) yield return $"{when}: interval {m.Groups["interval"].Value} ms, configured {Probing.IntervalMs}";
        var rows = crx.Matches(output).ToDictionary(x => x.Groups["name"].Value, x => x, StringComparer.Ordinal);
        foreach (var c in Selector.Constituents)
        {
            if (!rows.TryGetValue(c.Name, out var r)) { yield return $"{when}: constituent {c.Name} has no measured loss and delay"; continue; }
            var lossPct = double.Parse(r.Groups["loss"].Value, CultureInfo.InvariantCulture);
            double? delay = r.Groups["delay"].Value == "-" ? null : double.Parse(r.Groups["delay"].Value, CultureInfo.InvariantCulture);
            var q = r.Groups["qualified"].Value == "yes";
            var within = !(c.Thresholds.LossPercent is { } l && lossPct > l) && !(c.Thresholds.DelayMs is { } d && delay is { } dl && dl > d);
            if (q != within) yield return $"{when}: constituent {c.Name} reports loss {lossPct} % delay {(delay is null ? "-" : $"{delay} ms")} against thresholds loss {c.Thresholds.LossPercent?.ToString(CultureInfo.InvariantCulture) ?? "-"} % delay {c.Thresholds.DelayMs?.ToString(CultureInfo.InvariantCulture) ?? "-"} ms, and shows qualified {(q ? "yes" : "no")}";
            if (impaired is null && c.Thresholds.LossPercent is { } lt && lossPct > lt) yield return $"{when}: constituent {c.Name} reports loss {lossPct} % with no impairment";
            if (impaired?.Name == c.Name && (c.Thresholds.LossPercent is not { } li || lossPct <= li)) yield return $"{when}: constituent {c.Name} reports loss {lossPct} %, not above its threshold";
        }
    }
}
