using System.Diagnostics;
using Conformance.Harness.Tests.Cases;
using Conformance.Harness.Tests.Lab;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Topology;

/// <summary>
/// Issue #16: RFC 9259 Figure 1 with the figure's NEXT-C-SID (F3216) SIDs on its SRv6 nodes
/// (profiles/reference-figure1-node-csid.yaml, the reference node as N4, the lab routers reference nodes). The ping via a
/// segment list, the loopback probe and the traceroute via a segment list send the compressed list (one container 2001:db8:c231:c452:: for &lt;C31 at N2, C52 at
/// N4&gt;) and are judged hop by hop on the link taps: they pass on the right node and fail, blamed on N4, when its
/// NEXT-C-SID End.X c452 goes out of link9 (Figure1EndXWrongLink).
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class Figure1CsidLabTests
{
    private static readonly string[] Purposes = ["TP-PING-BV-04", "TP-LOOP-BV-01", "TP-TRACE-BV-04"];
    private const string Profile = "reference-figure1-node-csid.yaml";

    [Test]
    public async Task CompressedList_PassesOnTheRightNode_FailsWithTheCsidEndXOnTheWrongLink()
    {
        LabTestSupport.RequireLab();
        var sw = Stopwatch.StartNew();
        var ok = await CaseRunner.RunAsync("None", purposes: Purposes, profile: Profile);
        TestContext.Out.WriteLine($"right node: {string.Join(", ", ok.Values.Select(o => $"{o.PurposeId}={o.Status}"))} in {sw.Elapsed.TotalSeconds:0.0} s");
        foreach (var id in Purposes) Assert.That(ok[id].Status, Is.EqualTo("passed"), $"{id}: {ok[id].Message}");
        sw.Restart();
        var bad = await CaseRunner.RunAsync("Figure1EndXWrongLink", purposes: Purposes, profile: Profile);
        TestContext.Out.WriteLine($"faulted node: {string.Join(", ", bad.Values.Select(o => $"{o.PurposeId}={o.Status}"))} in {sw.Elapsed.TotalSeconds:0.0} s");
        foreach (var id in Purposes)
        {
            Assert.That(bad[id].Status, Is.EqualTo("failed"), $"{id}: {bad[id].Message}");
            Assert.That(bad[id].Message, Does.Contain("N4"), $"{id}: blamed on the DUT's hop");
        }
    }
}
