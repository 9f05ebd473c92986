using NUnit.Framework;
using TP = global::Conformance.Harness.Reporting.TestPurposeAttribute;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// The negative controls of the interoperability purposes (TP-IOP-*, multi-DUT testbeds): with both DUTs right the purpose
/// passes; with one DUT faulted (<c>&lt;mode&gt;@&lt;node&gt;</c>) it fails, and the verdict blames that DUT and not the other. The
/// runs are <see cref="CaseVerdictTests.PassesOnTheRightTopologyAndFailsOnTheWrongOne"/>'s (cached by profile, mode and purposes).
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class InteropVerdictTests
{
    private static IEnumerable<(string Purpose, string Profile, string PassMode, string FailMode, string Why)> Rows =>
        CaseVerdictTests.TopologyTable.Where(r => r.FailMode.Contains('@'));

    public static IEnumerable<TestCaseData> Controls() => Rows
        .Select(r => new TestCaseData(r.Purpose, r.Profile, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.Profile, r.FailMode).SetDescription(r.Why));

    [Test]
    public void EveryInteropPurposeHasAControlPerDutNode()
    {
        var purposes = CaseRunner.Purposes.Where(p => p.Value.GetCustomAttributes(typeof(TP), false)
            .Cast<TP>().Any(t => t.Roles.Length > 0)).Select(p => p.Key).ToList();
        Assert.That(purposes, Is.Not.Empty);
        foreach (var id in purposes)
        {
            var tp = (TP)CaseRunner.Purposes[id].GetCustomAttributes(typeof(TP), false)[0];
            var faulted = Rows.Where(r => r.Purpose == id).Select(r => r.FailMode.Split('@')[1]).ToHashSet();
            foreach (var (node, _, role) in tp.DutRoles)
                Assert.That(faulted, Does.Contain(node), $"{id}: no negative control faults the DUT at {node} ({role})");
        }
    }

    /// <summary>
    /// The edge variant (N2's link1 outside the SR domain): the purposes whose probes to the SID block enter N2 over link1 cannot
    /// be judged there (N2's edge filter is right to drop them) and are inconclusive, named so, never failed and blamed on N2;
    /// the services (TP-IOP-BV-06: customer traffic, not to the SID block) and the filtering purpose itself (TP-IOP-BV-08) pass.
    /// </summary>
    [Test]
    public async Task OnTheEdgeTestbedThePurposesThatEnterOverTheEdgeAreInconclusive()
    {
        const string Edge = "reference-figure1-n2node-n4node-edge.yaml";
        var purposes = CaseRunner.Purposes.Keys.Where(k => k.StartsWith("TP-IOP-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var o = await CaseRunner.RunAsync("None", purposes: purposes, profile: Edge);
        var problems = new List<string>();
        foreach (var id in purposes)
        {
            TestContext.Out.WriteLine($"{id}: {o[id].Status} {o[id].Message.Split('\n')[0]}");
            bool ok = id is "TP-IOP-BV-06" or "TP-IOP-BV-08" ? o[id].Status == "passed"
                : o[id].Status == "skipped" ? o[id].Message.StartsWith("N/A:", StringComparison.Ordinal)
                : o[id].Status == "broken" && o[id].Message.Contains("link1 is outside the SR domain (testbed.topology.external_links of the DUT at N2)", StringComparison.Ordinal);
            if (!ok) problems.Add($"{id}: {o[id].Status}: {o[id].Message}");
        }
        Assert.That(problems, Is.Empty, string.Join('\n', problems));
        Assert.That(purposes.Count(p => o[p].Status == "broken"), Is.GreaterThanOrEqualTo(5), "the purposes with N100's probes via link1 are inconclusive");
    }

    [TestCaseSource(nameof(Controls))]
    public async Task OneFaultedDutFailsThePurposeBlamedOnThatDut(string purpose, string profile, string passMode, string failMode)
    {
        var table = CaseVerdictTests.TopologyTable.Where(r => r.Profile == profile).ToList();
        var right = await CaseRunner.RunAsync(passMode, purposes: table.Where(r => r.PassMode == passMode || r.FailMode == passMode).Select(r => r.Purpose), profile: profile);
        var wrong = await CaseRunner.RunAsync(failMode, purposes: table.Where(r => r.PassMode == failMode || r.FailMode == failMode).Select(r => r.Purpose), profile: profile);
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} with both DUTs right ({passMode}): {right[purpose].Message}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in {failMode}: {wrong[purpose].Message}");
        var node = failMode.Split('@')[1];
        Assert.That(wrong[purpose].Message, Does.StartWith($"FAIL: blamed on {node} ("), $"{purpose} in {failMode}: the verdict must blame the faulted DUT {node}");
        Assert.That(wrong[purpose].Message, Does.Not.Contain(" and "  + (node == "N2" ? "N4" : "N2") + " ("), $"{purpose} in {failMode}: only the faulted DUT is blamed");
    }
}
