using System.Reflection;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;
using TP = global::Conformance.Harness.Reporting.TestPurposeAttribute;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// The Linux reference DUT in RFC 9259 Figure 1 (issue #17): alone as N4 (<c>reference-figure1.yaml</c>) or N2
/// (<c>reference-figure1-n2.yaml</c>), and with the reference node in the two-DUT testbeds, Linux at N2 and the node at N4
/// (<c>reference-figure1-n2linux-n4node.yaml</c>), the same swapped (<c>reference-figure1-n2node-n4linux.yaml</c>), and both
/// with the figure's NEXT-C-SID SIDs (<c>reference-figure1-n2linux-n4node-csid.yaml</c>), and with the Linux N2 at the SR
/// domain's edge (<c>reference-figure1-n2linux-n4node-edge.yaml</c>). Every
/// purpose of the testbed either passes, is not applicable (a role needs a capability the DUT's profile does not claim), or
/// fails as a deviation the Linux DUT's own profile lists (on two DUTs: blamed on the Linux DUT alone); and with the Linux
/// DUT faulted the two-DUT purposes that use its End.X fail, blamed on it and not on the node. Where the host kernel lacks
/// SRv6 the Linux DUT runs in the opt-in VM (SRV6CONF_LINUX_DUT_VM=1); without it these rows are skipped with the reason
/// (CI). The node's rows are <see cref="CaseVerdictTests"/>' and <see cref="InteropVerdictTests"/>'.
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class LinuxFigure1Tests
{
    /// <summary>The purposes of the fixtures in <paramref name="category"/> (Figure1: one DUT in the figure; Interop: two).</summary>
    private static IReadOnlyList<string> PurposesOf(string category) => [.. CaseRunner.Purposes
        .Where(p => p.Value.DeclaringType!.GetCustomAttributes<CategoryAttribute>(true).Any(c => c.Name == category)).Select(p => p.Key).Order(StringComparer.Ordinal)];

    [TestCase("reference-figure1.yaml", "N4")]
    [TestCase("reference-figure1-n2.yaml", "N2")]
    [TestCase("reference-figure1-n2linux-n4node.yaml", "N2")]
    [TestCase("reference-figure1-n2node-n4linux.yaml", "N4")]
    [TestCase("reference-figure1-n2linux-n4node-csid.yaml", "N2")]
    [TestCase("reference-figure1-n2linux-n4node-edge.yaml", "N2")]
    public async Task EveryPurposePassesOrFailsOnlyAsTheLinuxDutsListedDeviation(string profile, string linuxNode)
    {
        var testbed = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, profile));
        bool twoDuts = testbed.Testbed.Topology!.IsMultiDut;
        var linux = twoDuts ? testbed.Testbed.Topology.DutNodes.Single(d => d.Node == linuxNode).Profile : testbed;
        Assert.That(linux.Testbed.Platform, Is.EqualTo("linux"));
        var purposes = PurposesOf(twoDuts ? "Interop" : "Figure1");
        Assert.That(purposes, Is.Not.Empty);
        var edgeLinks = (twoDuts ? testbed.Testbed.Topology.DutNodes.SelectMany(d => d.Profile.Testbed.Topology!.ExternalLinks) : testbed.Testbed.Topology.ExternalLinks).ToList();
        var outcomes = await CaseRunner.RunAsync("None", purposes: purposes, profile: profile);
        var problems = new List<string>();
        foreach (var id in purposes)
        {
            var o = outcomes[id];
            TestContext.Out.WriteLine($"{id}: {o.Status}{(o.Known ? " (known)" : "")} {o.Message.Split('\n')[0]}");
            bool blamedOnLinuxAlone = !twoDuts || (o.Message.Contains($"blamed on {linuxNode} (linux", StringComparison.Ordinal) && !o.Message.Contains(" and N", StringComparison.Ordinal));
            bool ok = o.Status switch
            {
                "passed" => true,
                "skipped" => o.Message.StartsWith("N/A:", StringComparison.Ordinal),
                // On an edge variant (a DUT's testbed.topology.external_links) the purposes whose probes enter that DUT over
                // its external link cannot be judged there (its edge filter is right to drop them): inconclusive, named so.
                "broken" => edgeLinks.Count > 0 && o.Message.Contains("is outside the SR domain (testbed.topology.external_links", StringComparison.Ordinal),
                "failed" => o.Known && blamedOnLinuxAlone && linux.DeviationsFor(id).Count > 0,
                _ => false,
            };
            if (!ok) problems.Add($"{id}: {o.Status}{(o.Known ? " (known)" : "")}: {o.Message}");
        }
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
        Assert.That(purposes.Count(p => outcomes[p].Status == "passed"), Is.GreaterThanOrEqualTo(edgeLinks.Count > 0 ? 1 : 3), "the purposes the Linux DUT conforms to pass (on an edge variant: the edge's)");
    }

    // Ping (TP-IOP-BV-01) and the loopback probe (TP-IOP-BV-02) go through both DUTs' End.X SIDs: the fault sends the
    // Linux DUT's End.X over the wrong link. The NEXT-C-SID exchange (TP-IOP-BV-07) goes through the Linux N2's End.X C-SID
    // c231: the fault programs it as a NEXT-C-SID End, so the shifted destination follows N2's FIB instead of link3. The Linux
    // N4 as the decapsulating egress (TP-IOP-BV-09): its End.DT6 programmed as plain End decapsulates nothing; as the transit
    // End of the IPv4 service to the node N2's End.DT4 (TP-IOP-BV-10): without its End SID it sends nothing on. The Linux N2
    // at the SR domain's edge (TP-IOP-BV-08): its nftables edge filter without the SID block rule lets the packets from
    // outside on to N4's SIDs.
    [TestCase("reference-figure1-n2linux-n4node.yaml", "N2", "Figure1N2EndXWrongLink@N2", "TP-IOP-BV-01,TP-IOP-BV-02")]
    [TestCase("reference-figure1-n2node-n4linux.yaml", "N4", "Figure1EndXWrongLink@N4", "TP-IOP-BV-01,TP-IOP-BV-02")]
    [TestCase("reference-figure1-n2linux-n4node-csid.yaml", "N2", "Figure1N2CsidEndXAsEnd@N2", "TP-IOP-BV-07")]
    [TestCase("reference-figure1-n2node-n4linux.yaml", "N4", "Figure1EgressDecapAsEnd@N4", "TP-IOP-BV-09")]
    [TestCase("reference-figure1-n2node-n4linux.yaml", "N4", "SidMissing@N4", "TP-IOP-BV-10")]
    [TestCase("reference-figure1-n2linux-n4node-edge.yaml", "N2", "EdgeFilterWithoutSidBlockRule@N2", "TP-IOP-BV-08")]
    public async Task AFaultedLinuxDutFailsThePurposesBlamedOnIt(string profile, string linuxNode, string fault, string purposeList)
    {
        string[] purposes = purposeList.Split(',');
        var wrong = await CaseRunner.RunAsync(fault, purposes: purposes, profile: profile);
        foreach (var id in purposes)
        {
            var o = wrong[id];
            Assert.That(o.Status, Is.EqualTo("failed"), $"{id} in {fault}: {o.Message}");
            Assert.That(o.Known, Is.False, $"{id} in {fault}: the fault is no listed deviation: {o.Message}");
            Assert.That(o.Message, Does.StartWith($"FAIL: blamed on {linuxNode} (linux"), $"{id} in {fault}: the verdict must blame the Linux DUT");
            Assert.That(o.Message, Does.Not.Contain(" and N"), $"{id} in {fault}: only the faulted DUT is blamed");
        }
    }
}
