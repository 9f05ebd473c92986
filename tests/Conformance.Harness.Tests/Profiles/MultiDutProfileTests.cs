using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

/// <summary>
/// Multi-DUT testbeds (testbed.topology.dut_nodes, issue #17): the shipped two-DUT profiles bind each node to its own DUT
/// profile; a broken one names this file's line and field (and a broken DUT profile keeps its own file:line:column).
/// </summary>
[TestFixture]
public class MultiDutProfileTests
{
    private static string Shipped(string name) => Path.Combine(ProfilesDir, name);

    /// <summary>The shipped Linux-as-N2 + node-as-N4 testbed, with the DUT profiles as absolute paths (the text is parsed as test.yaml).</summary>
    private static string Base => File.ReadAllText(Shipped("reference-figure1-n2linux-n4node.yaml"))
        .Replace("profile: reference-figure1-n2.yaml", $"profile: {Shipped("reference-figure1-n2.yaml")}")
        .Replace("profile: reference-figure1-node.yaml", $"profile: {Shipped("reference-figure1-node.yaml")}");

    [TestCase("reference-figure1-n2linux-n4node.yaml", "linux", "refnode")]
    [TestCase("reference-figure1-n2node-n4linux.yaml", "refnode", "linux")]
    [TestCase("reference-figure1-n2node-n4node.yaml", "refnode", "refnode")]
    public void ShippedTwoDutProfilesBindEachNodeToItsOwnDutProfile(string file, string n2Platform, string n4Platform)
    {
        var p = ProfileLoader.Load(Shipped(file));
        var t = p.Testbed.Topology!;
        Assert.That(t.IsMultiDut, Is.True);
        Assert.That(t.AllDutNodes, Is.EqualTo(new[] { "N2", "N4" }));
        Assert.That(t.DutNode, Is.EqualTo("N2+N4"), "no router's name: single-DUT code cannot mistake it for one node");
        Assert.That(t.DutNodes.Select(d => d.Profile.Testbed.Platform), Is.EqualTo(new[] { n2Platform, n4Platform }));
        Assert.That(t.DutNodes.Select(d => d.Profile.Testbed.Topology!.DutNode), Is.EqualTo(new[] { "N2", "N4" }));
        Assert.That(p.Testbed.Platform, Is.EqualTo($"{n2Platform}+{n4Platform}"));
        Assert.That(p.Testbed.Identity.Hostname, Is.EqualTo("n2+n4"));
    }

    [Test]
    public void TheBaseParses() => Assert.That(ProfileLoader.Parse(Base, Source).Testbed.Topology!.DutNodes, Has.Count.EqualTo(2));

    [Test]
    public void DutNodeAndDutNodesTogetherAreRefused()
    {
        var y = Mutate(Base, "    dut_nodes:\n", "    dut_node: N4\n    dut_nodes:\n");
        AssertError(ParseFails(y), LineOf(y, "dut_node: N4"), "testbed.topology.dut_node", "either dut_node");
    }

    [Test]
    public void AnUnknownNodeIsNamedWithItsLine()
    {
        var y = Mutate(Base, "{ node: N4,", "{ node: N9,");
        AssertError(ParseFails(y), LineOf(y, "node: N9"), "testbed.topology.dut_nodes[1].node", "'N9' is not a router of rfc9259-figure1");
    }

    [Test]
    public void NeighbouringDutNodesAreRefused()
    {
        var y = Mutate(Base, "{ node: N4,", "{ node: N3,");
        AssertError(ParseFails(y), LineOf(y, "node: N3"), "testbed.topology.dut_nodes[1].node", "neighbour of the DUT node N2");
    }

    [Test]
    public void ADutProfileOfAnotherNodeIsRefused()
    {
        // reference-figure1-node.yaml places its DUT at N4: it cannot be N2.
        var y = Mutate(Mutate(Base, $"profile: {Shipped("reference-figure1-n2.yaml")}", $"profile: {Shipped("reference-figure1-node.yaml")}"),
            $"{{ node: N4, profile: {Shipped("reference-figure1-node.yaml")} }}", $"{{ node: N4, profile: {Shipped("reference-figure1.yaml")} }}");
        AssertError(ParseFails(y), LineOf(y, "node: N2"), "testbed.topology.dut_nodes[0].profile", "its testbed.topology.dut_node is N4, not N2");
    }

    [Test]
    public void ABrokenDutProfileKeepsItsOwnFileLineAndColumn()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-multidut-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var broken = Path.Combine(dir, "n4-broken.yaml");
            var text = File.ReadAllText(Shipped("reference-figure1-node.yaml")).Replace("dut_node: N4", "dut_node: N44");
            File.WriteAllText(broken, text);
            var y = Mutate(Base, $"profile: {Shipped("reference-figure1-node.yaml")}", $"profile: {broken}");
            var e = ParseFails(y);
            AssertError(e, LineOf(y, "n4-broken.yaml"), "testbed.topology.dut_nodes[1].profile", "is not valid");
            var inner = e.Errors.FirstOrDefault(x => x.File == broken);
            Assert.That(inner, Is.Not.Null, e.Message);
            Assert.That(inner!.Line, Is.EqualTo(LineOf(text, "dut_node: N44")));
            Assert.That(inner.FieldPath, Is.EqualTo("testbed.topology.dut_node"));
            Assert.That(e.Message, Does.Contain($"{broken}:{inner.Line}:{inner.Column}"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void PlatformIdentityAndSshComeFromTheDutProfiles()
    {
        var y = Mutate(Base, "  kind: reference-lab\n", "  kind: reference-lab\n  platform: linux\n");
        AssertError(ParseFails(y), LineOf(y, "platform: linux"), "testbed.platform", "from the DUT's own profile");
    }

    [Test]
    public void OneDutNodeIsNotAMultiDutTestbed()
    {
        var y = Mutate(Base, $"      - {{ node: N4, profile: {Shipped("reference-figure1-node.yaml")} }}\n", "");
        AssertError(ParseFails(y), LineOf(y, "      - { node: N2"), "testbed.topology.dut_nodes", "at least two");
    }
}
