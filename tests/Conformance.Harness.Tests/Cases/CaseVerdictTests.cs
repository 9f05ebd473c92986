using System.Reflection;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Every test purpose must be able to fail and to pass: each row names a lab mode in which the
/// reference DUT behaves as the RFC asks (the case must pass) and a fault mode in which it does not
/// (the case must fail, as a DUT failure — not broken, not skipped). Known deviations of the Linux
/// DUT fail on the plain lab and are marked known there.
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class CaseVerdictTests
{
    /// <summary>
    /// The negative-control table, read from the cases: every <c>[NegativeControl]</c> on a case of the single-DUT
    /// reference lab gives a purpose, a lab mode where it must pass, a fault mode where it must fail, and why. Every
    /// test purpose of src/Conformance.Cases needs one (a test checks that).
    /// </summary>
    public static (string Purpose, string PassMode, string FailMode, string Why)[] Table { get; } =
        [.. ControlsOn("reference-lab.yaml").Select(c => (c.Purpose, c.Control.PassIn, c.Control.FailIn, c.Control.Why))];

    private static IEnumerable<(string Purpose, NegativeControlAttribute Control)> ControlsOn(string? profile) =>
        CaseRunner.Purposes.OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => p.Value.GetCustomAttributes<NegativeControlAttribute>(false).Select(c => (p.Key, c)))
            .Where(x => profile is null ? x.c.Profile is not ("reference-lab.yaml" or NodeProfile) : x.c.Profile == profile);

    /// <summary>The reference node's profile: the second implementation every purpose is run on (see the node rows below).</summary>
    public const string NodeProfile = "reference-node.yaml";

    /// <summary>
    /// The negative controls of the purposes on a reference topology (profile testbed.topology): the
    /// profile they run with, a mode where the case must pass and a fault mode where it must fail.
    /// </summary>
    public static (string Purpose, string Profile, string PassMode, string FailMode, string Why)[] TopologyTable { get; } =
        [.. ControlsOn(null).Select(c => (c.Purpose, c.Control.Profile, c.Control.PassIn, c.Control.FailIn, c.Control.Why))];

    /// <summary>
    /// The purposes that run on a reference topology only (Figure 1's OAM purposes, the interoperability purposes): those of
    /// <see cref="TopologyTable"/> without a single-DUT row. A single-DUT purpose that also runs in a topology (fixture
    /// category AlsoInTopology: the policy selector's, with the node as Figure 1's headend N1) has rows in both tables and
    /// stays a single-DUT purpose everywhere else (the node rows, the dead-sshd run).
    /// </summary>
    public static IReadOnlySet<string> TopologyOnly => TopologyTable.Select(r => r.Purpose)
        .Except(Table.Select(r => r.Purpose)).Except(NodeTable.Select(r => r.Purpose)).Except(NotClaimedByTheReferenceProfile.Select(r => r.Purpose)).ToHashSet();

    /// <summary>The purposes of AlsoInTopology fixtures (single-DUT purposes that also run in a topology).</summary>
    public static IReadOnlyList<string> AlsoInTopologyPurposes => [.. CaseRunner.Purposes
        .Where(p => p.Value.DeclaringType!.GetCustomAttributes<CategoryAttribute>(true).Any(c => c.Name == "AlsoInTopology")).Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every purpose that also runs in a topology has a node row (pass on the plain node, fail on a faulted one) and a
    /// topology row on a one-DUT topology profile whose fault modes apply to that profile; no topology-only purpose is
    /// marked AlsoInTopology.
    /// </summary>
    [Test]
    public void PurposesAlsoInATopologyHaveRowsOnBothShapes()
    {
        var also = AlsoInTopologyPurposes;
        Assert.That(also, Is.Not.Empty, "the policy selector's purposes run on Figure 1 too (issue #18)");
        Assert.Multiple(() =>
        {
            foreach (var p in also)
            {
                Assert.That(NodeTable.Select(r => r.Purpose), Does.Contain(p), $"{p}: no node row");
                var rows = TopologyTable.Where(r => r.Purpose == p).ToList();
                Assert.That(rows, Is.Not.Empty, $"{p}: no topology row");
                Assert.That(TopologyOnly, Does.Not.Contain(p));
                foreach (var r in rows)
                {
                    var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, r.Profile));
                    Assert.That(profile.Testbed.Topology, Is.Not.Null, $"{p}: {r.Profile} has no topology");
                    Assert.That(profile.Testbed.Topology?.IsMultiDut, Is.False, $"{p}: {r.Profile} has several DUTs");
                    Assert.That(LabFaultMode.Parse(r.FailMode).AppliesTo(r.Profile), Is.True, $"{p}: {r.FailMode} does not apply to {r.Profile}");
                }
            }
        });
    }

    public static IEnumerable<TestCaseData> TopologyControls() => TopologyTable
        .Select(r => new TestCaseData(r.Purpose, r.Profile, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.Profile, r.PassMode, r.FailMode).SetDescription(r.Why));

    [TestCaseSource(nameof(TopologyControls))]
    public async Task PassesOnTheRightTopologyAndFailsOnTheWrongOne(string purpose, string profile, string passMode, string failMode)
    {
        var inProfile = TopologyTable.Where(r => r.Profile == profile).ToList();
        var right = await CaseRunner.RunAsync(passMode, purposes: inProfile.Where(r => r.PassMode == passMode || r.FailMode == passMode).Select(r => r.Purpose), profile: profile);
        var wrong = await CaseRunner.RunAsync(failMode, purposes: inProfile.Where(r => r.PassMode == failMode || r.FailMode == failMode).Select(r => r.Purpose), profile: profile);
        Assert.That(right, Does.ContainKey(purpose), $"{purpose} did not run in mode {passMode}");
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} in mode {passMode}: {right[purpose].Message}");
        Assert.That(wrong, Does.ContainKey(purpose), $"{purpose} did not run in mode {failMode}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in mode {failMode}: {wrong[purpose].Message}");
        Assert.That(wrong[purpose].Known, Is.False, "a fault-mode failure is a real failure, not a known deviation");
    }

    /// <summary>Purposes for which no lab mode passes: they are judged on the plain lab as known deviations.</summary>
    private static readonly HashSet<string> NeverPassOnLinux =
        [.. ControlsOn("reference-lab.yaml").Where(c => c.Control.NoLinuxModePasses).Select(c => c.Purpose)];

    /// <summary>
    /// Purposes the reference profile does not claim because the reference kernel cannot do them: their cases are
    /// skipped as not applicable in EVERY lab mode, so no row of <see cref="Table"/> can show them pass or fail (a skip
    /// is never a pass). Instead each names the capability it requires (the reference profile must not claim it) and
    /// the offline test that shows its expectation accepts an RFC-conforming reception and rejects a wrong one.
    /// </summary>
    public static (string Purpose, string Capability, string OfflineProof)[] NotClaimedByTheReferenceProfile { get; } =
        [.. CaseRunner.Purposes.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key, n: p.Value.GetCustomAttribute<NotClaimedByTheReferenceLabAttribute>(false)))
            .Where(x => x.n is not null).Select(x => (x.Key, x.n!.Capability, x.n.OfflineProof))];

    /// <summary>Where no Linux mode passes, the control names the offline test that judges a conforming reception: it must exist.</summary>
    [Test]
    public void OfflineProofsOfPurposesNoLinuxModePassesExist()
    {
        var types = typeof(CaseVerdictTests).Assembly.GetTypes().Select(t => t.Name).ToHashSet();
        var noProof = ControlsOn("reference-lab.yaml").Where(c => c.Control.NoLinuxModePasses && c.Control.OfflineProof is not { } p || (c.Control.OfflineProof is { } q && !types.Contains(q.Split('.')[0])))
            .Select(c => $"{c.Purpose}: offline proof '{c.Control.OfflineProof}'").ToList();
        // TP-DX4-BV-01 has no offline proof yet: its failure on the plain lab is DEV-LINUX-016 (the kernel resolves the
        // inner destination instead of the adjacency), and no hand-made conforming reception is judged for it.
        // TP-CSID-BV-15 and TP-CSID-BV-16 (DEV-LINUX-062, found in the opt-in DUT VM) have none yet either: their conforming
        // reception is the reference node's, judged live in its rows (EveryTestPurposeHasANodeRow).
        Assert.That(noProof, Is.EqualTo(new[] { "TP-CSID-BV-15: offline proof ''", "TP-CSID-BV-16: offline proof ''", "TP-DX4-BV-01: offline proof ''" }), "a purpose no Linux mode passes needs an existing offline proof");
    }

    [Test]
    public void NotClaimedPurposesAreUnclaimedAndProvenOffline()
    {
        var reference = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        Assert.Multiple(() =>
        {
            foreach (var (purpose, capability, proof) in NotClaimedByTheReferenceProfile)
            {
                Assert.That(CaseRunner.Purposes, Does.ContainKey(purpose), $"{purpose}: no case implements it");
                Assert.That(Table.Select(r => r.Purpose), Does.Not.Contain(purpose), $"{purpose} is in both lists");
                Assert.That(reference.Claims(capability), Is.False, $"{purpose}: the reference profile claims {capability}, so it needs a pass/fail row in Table");
                var (type, method) = (proof.Split('.')[0], proof.Split('.')[1]);
                var m = typeof(CaseVerdictTests).Assembly.GetTypes().FirstOrDefault(t => t.Name == type)?.GetMethod(method);
                Assert.That(m?.GetCustomAttributes(typeof(TestAttribute), false), Is.Not.Null.And.Not.Empty, $"{purpose}: the offline proof {proof} is not a test");
            }
        });
    }

    /// <summary>On the reference lab they are not applicable: skipped with the reason, never passed.</summary>
    [Test]
    public async Task NotClaimedPurposesAreSkippedOnThePlainLab()
    {
        var plain = await CaseRunner.RunAsync("None");
        Assert.Multiple(() =>
        {
            foreach (var (purpose, capability, _) in NotClaimedByTheReferenceProfile)
            {
                Assert.That(plain, Does.ContainKey(purpose), $"{purpose} did not run");
                if (!plain.TryGetValue(purpose, out var o)) continue;
                Assert.That(o.Status, Is.EqualTo("skipped"), $"{purpose}: {o.Message}");
                Assert.That(o.Message, Does.Contain("N/A").And.Contain(capability), purpose);
            }
        });
    }

    public static IEnumerable<TestCaseData> Controls() => Table
        .Select(r => new TestCaseData(r.Purpose, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.PassMode, r.FailMode).SetDescription(r.Why));

    private static IEnumerable<string> PurposesFor(string mode) =>
        Table.Where(r => r.PassMode == mode || r.FailMode == mode).Select(r => r.Purpose);

    [Test]
    public void EveryTestPurposeHasANegativeControl()
    {
        var missing = CaseRunner.Purposes.Keys.Except(Table.Select(r => r.Purpose)).Except(TopologyTable.Select(r => r.Purpose))
            .Except(NotClaimedByTheReferenceProfile.Select(r => r.Purpose)).Order().ToList();
        Assert.That(missing, Is.Empty, "test purposes without a row in CaseVerdictTests.Table, TopologyTable (cases on a reference topology) or, when the reference profile cannot claim them, NotClaimedByTheReferenceProfile");
    }

    [TestCaseSource(nameof(Controls))]
    public async Task PassesOnTheRightLabAndFailsOnTheWrongOne(string purpose, string passMode, string failMode)
    {
        var right = passMode == "None" ? await CaseRunner.RunAsync("None") : await CaseRunner.RunAsync(passMode, purposes: PurposesFor(passMode));
        var wrong = await CaseRunner.RunAsync(failMode, purposes: PurposesFor(failMode));
        Assert.That(wrong, Does.ContainKey(purpose), $"{purpose} did not run in mode {failMode}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in mode {failMode}: {wrong[purpose].Message}");
        if (NeverPassOnLinux.Contains(purpose))
        {
            Assert.That(right[purpose].Status, Is.EqualTo("failed"));
            Assert.That(right[purpose].Known, Is.True, "a purpose no Linux mode passes must be a listed known deviation");
            return;
        }
        Assert.That(right, Does.ContainKey(purpose), $"{purpose} did not run in mode {passMode}");
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} in mode {passMode}: {right[purpose].Message}");
        if (!KnownDeviationPurposes.Contains(purpose))
            Assert.That(wrong[purpose].Known, Is.False, "a fault-mode failure is a real failure, not a known deviation");
    }

    private static readonly HashSet<string> KnownDeviationPurposes =
        ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml")).KnownDeviations.SelectMany(d => d.TestPurposes).ToHashSet();

    public static IEnumerable<string> KnownDeviationCases() => KnownDeviationPurposes.Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(KnownDeviationCases))]
    public async Task KnownDeviationsFailOnThePlainLabAndAreMarkedKnown(string purpose)
    {
        var plain = await CaseRunner.RunAsync("None");
        Assert.That(plain[purpose].Status, Is.EqualTo("failed"), plain[purpose].Message);
        Assert.That(plain[purpose].Known, Is.True, "listed in profiles/reference-lab.yaml known_deviations");
    }

    // ------------------------------------------------------------------ the reference node (issue #15)

    /// <summary>
    /// The second implementation: on profiles/reference-node.yaml (the RFC-exact reference node, no known deviation)
    /// every purpose of the single-DUT lab passes live — the Linux reference's known deviations and not-applicable
    /// purposes included. Not applicable there: only what the node profile does not claim (named in the message).
    /// </summary>
    [Test]
    public async Task EveryPurposePassesLiveOnTheReferenceNode()
    {
        var node = await StartNodeRuns();
        var single = CaseRunner.Purposes.Keys.Except(TopologyOnly).Order(StringComparer.Ordinal).ToList();
        var notPassed = single.Where(p => !node.TryGetValue(p, out var o) || o.Status != "passed")
            .Select(p => node.TryGetValue(p, out var o) ? $"{p}: {o.Status} {o.Message.Split('\n')[0]}" : $"{p}: did not run").ToList();
        var skipped = notPassed.Where(x => x.Contains(": skipped N/A", StringComparison.Ordinal)).ToList();
        TestContext.Out.WriteLine($"reference node: {single.Count - notPassed.Count} of {single.Count} single-DUT purposes passed live; not applicable: {skipped.Count}\n" + string.Join('\n', skipped));
        Assert.That(notPassed.Except(skipped), Is.Empty, "purposes that do not pass on the reference node (a node bug or a Linux-shaped case)");
        Assert.That(single.Where(p => NeverPassOnLinux.Contains(p) || NotClaimedByTheReferenceProfile.Any(n => n.Purpose == p))
            .Where(p => node.TryGetValue(p, out var o) && o.Status == "skipped"), Is.Empty,
            "every known-deviation or not-applicable purpose of the Linux profile has a live pass on the node");
    }

    /// <summary>
    /// The node's own negative controls, one for every single-DUT purpose: each passes on the plain node (the one run of
    /// <see cref="EveryPurposePassesLiveOnTheReferenceNode"/>) and fails on a faulted node. The faulted nodes are few
    /// (LabFaultMode's Node* modes): each is a set of misconfigurations through the pack (different SIDs, policies, routes)
    /// or of the node's hidden implementation defects (debug faults), and serves every purpose of its group in one run.
    /// </summary>
    public static (string Purpose, string FailMode, string Why)[] NodeTable { get; } =
        [.. ControlsOn(NodeProfile).Select(c => (c.Purpose, c.Control.FailIn, c.Control.Why))];

    public static IEnumerable<TestCaseData> NodeControls() => NodeTable
        .Select(r => new TestCaseData(r.Purpose, r.FailMode).SetArgDisplayNames(r.Purpose, r.FailMode).SetDescription(r.Why));

    /// <summary>The one run of the faulted node <paramref name="mode"/> for every purpose of its group (cached by CaseRunner).</summary>
    private static Task<IReadOnlyDictionary<string, CaseOutcome>> FaultedNodeRun(string mode) =>
        CaseRunner.RunAsync(mode, purposes: NodeTable.Where(r => r.FailMode == mode).Select(r => r.Purpose), profile: NodeProfile);

    /// <summary>
    /// Starts the plain node's run, then every faulted node's (CaseRunner runs two at a time, in this order: the largest
    /// groups first), so that the node section costs about half its sequential time; returns the plain node's run. Each
    /// faulted run's outcome is awaited by its rows.
    /// </summary>
    private static Task<IReadOnlyDictionary<string, CaseOutcome>> StartNodeRuns()
    {
        var plain = CaseRunner.RunAsync("None", profile: NodeProfile);
        foreach (var mode in NodeTable.GroupBy(r => r.FailMode).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key))
            _ = FaultedNodeRun(mode);
        return plain;
    }

    [TestCaseSource(nameof(NodeControls))]
    public async Task PassesOnTheReferenceNodeAndFailsOnAFaultedOne(string purpose, string failMode)
    {
        var right = await StartNodeRuns();
        var wrong = await FaultedNodeRun(failMode);
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} on the reference node: {right[purpose].Message}");
        Assert.That(wrong, Does.ContainKey(purpose), $"{purpose} did not run in mode {failMode}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} on the reference node in mode {failMode}: {wrong[purpose].Message}");
        Assert.That(wrong[purpose].Known, Is.False, "the node has no known deviation");
    }

    /// <summary>Every purpose the Linux profile cannot claim has a live pass and a live fail on the node.</summary>
    [Test]
    public void EveryPurposeNotApplicableOnLinuxHasANodeControl() =>
        Assert.That(NotClaimedByTheReferenceProfile.Select(r => r.Purpose).Except(NodeTable.Select(r => r.Purpose)), Is.Empty);

    /// <summary>Every single-DUT purpose has a row on the second implementation too (issue #15): a pass on the plain node, a fail on a faulted one.</summary>
    [Test]
    public void EveryTestPurposeHasANodeRow()
    {
        var missing = CaseRunner.Purposes.Keys.Except(TopologyOnly).Except(NodeTable.Select(r => r.Purpose)).Order(StringComparer.Ordinal).ToList();
        Assert.That(missing, Is.Empty, "single-DUT test purposes without [NegativeControl(..., Profile = \"reference-node.yaml\")]");
    }

    /// <summary>
    /// The node rows run in a few faulted nodes (one lab run per mode, the CI budget): each mode applies to the node, and
    /// names only debug faults the node has.
    /// </summary>
    [Test]
    public void TheNodeRowsUseFewFaultModesTheNodeCanTake()
    {
        var modes = NodeTable.Select(r => r.FailMode).Distinct().Select(LabFaultMode.Parse).ToList();
        var faults = Enum.GetValues<Conformance.ReferenceNode.Config.DebugFault>().Select(Conformance.ReferenceNode.Config.ConfigEditor.FaultName).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(modes, Has.Count.LessThanOrEqualTo(15), "each node fault mode is one more lab run in CI (15: the five policy-selector modes; the two switch-over modes run 2–4 purposes of 7–20 s each)");
            foreach (var m in modes)
            {
                Assert.That(m.AppliesTo(NodeProfile), Is.True, $"{m.Name} cannot be applied to the reference node");
                Assert.That(m.NodeDebugFaults.Where(f => !faults.Contains(f)), Is.Empty, $"{m.Name} names debug faults the node does not have");
            }
        });
    }

    [Test]
    public async Task EveryCaseIsBrokenNotFailedWhenTheDutsSshDies()
    {
        // The harness's business, whatever the DUT: the Linux reference lab where the host builds it, else the node.
        var linux = Support.TestbedHost.SingleDutProfile == "reference-lab.yaml";
        var dead = await CaseRunner.RunAsync("None", "kill-sshd-after-setup", profile: linux ? null : NodeProfile);
        Assert.That(dead.Values.Where(o => o.Status == "broken"), Is.Not.Empty);
        var notApplicable = (linux ? NotClaimedByTheReferenceProfile.Select(r => r.Purpose) : []).Concat(TopologyOnly).ToHashSet();
        foreach (var o in dead.Values)
        {
            Assert.That(o.Status, Is.EqualTo(notApplicable.Contains(o.PurposeId) ? "skipped" : "broken"), $"{o.PurposeId}: {o.Message}");
            if (o.Status == "skipped") Assert.That(o.Message, Does.StartWith("N/A:"), o.PurposeId);
        }
    }
}
