using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

/// <summary>
/// A real router as a node of a reference topology (kind ssh with testbed.topology.links, issue #17): the shipped example
/// binds every link of N4 to a host NIC; a wrong binding names this file's line and the field.
/// </summary>
[TestFixture]
public class RealRouterTopologyProfileTests
{
    private static string Base => File.ReadAllText(Path.Combine(ProfilesDir, "example-figure1-router.yaml"));

    [Test]
    public void TheExampleBindsEveryLinkOfN4ToAHostNic()
    {
        var p = ProfileLoader.Parse(Base, Source);
        Assert.That(p.Testbed.Kind, Is.EqualTo(TestbedKind.Ssh));
        var t = p.Testbed.Topology!;
        Assert.That(t.DutNode, Is.EqualTo("N4"));
        Assert.That(t.Nics, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["link5"] = "ens1f0", ["link6"] = "ens1f1", ["link8"] = "ens1f2", ["link9"] = "ens1f3", ["link10"] = "ens2f0",
        }));
        Assert.That(p.Testbed.TesterPorts.Select(x => x.Interface), Is.All.Null, "the lab makes the attachments: no tester NIC is named");
    }

    [Test]
    public void WithoutLinksARealRouterIsRefused()
    {
        var y = Mutate(Base, "    links:\n      link5:  { nic: ens1f0 }              # CHANGE: the NICs as `ip link` names them on this host\n      link6:  { nic: ens1f1 }\n      link8:  { nic: ens1f2 }\n      link9:  { nic: ens1f3 }\n      link10: { nic: ens2f0 }\n", "");
        AssertError(ParseFails(y), LineOf(y, "name: rfc9259-figure1"), "testbed.topology.links", "needs testbed.topology.links");
    }

    [Test]
    public void AMissingLinkIsNamed()
    {
        var y = Mutate(Base, "      link10: { nic: ens2f0 }\n", "");
        AssertError(ParseFails(y), LineOf(y, "link5:  { nic"), "testbed.topology.links", "names no NIC for link10 of N4");
    }

    [Test]
    public void ALinkOfAnotherNodeIsNamedWithItsLine()
    {
        var y = Mutate(Base, "link10: { nic: ens2f0 }", "link11: { nic: ens2f0 }");
        AssertError(ParseFails(y), LineOf(y, "link11:"), "testbed.topology.links.link11", "'link11' is not a link of N4");
    }

    [Test]
    public void OneNicForTwoLinksIsRefused()
    {
        var y = Mutate(Base, "link6:  { nic: ens1f1 }", "link6:  { nic: ens1f0 }");
        AssertError(ParseFails(y), LineOf(y, "link6:  { nic: ens1f0 }"), "testbed.topology.links.link6.nic", "NIC ens1f0 is already bound to link5");
    }

    [Test]
    public void ABadNicNameIsRefused()
    {
        var y = Mutate(Base, "nic: ens1f1", "nic: ens1f1/bad");
        AssertError(ParseFails(y), LineOf(y, "ens1f1/bad"), "testbed.topology.links.link6.nic", "not a usable Linux interface name");
    }

    [Test]
    public void ANodeWithTesterAttachmentsIsRefusedForNow()
    {
        // N1 has n100a and ce1: a real router's tester attachments are not supported yet.
        var y = Mutate(Base, "dut_node: N4", "dut_node: N1");
        var e = ParseFails(y);
        Assert.That(e.Errors.Any(x => x.Message.Contains("tester attachments are not supported yet", StringComparison.Ordinal)), Is.True, e.Message);
    }

    [Test]
    public void LinksOnAReferenceLabDutAreRefused()
    {
        // The reference lab makes its DUT's links itself.
        var node = File.ReadAllText(Path.Combine(ProfilesDir, "reference-figure1-node.yaml"));
        var y = Mutate(node, "    dut_node: N4\n", "    dut_node: N4\n    links: { link5: { nic: ens1f0 } }\n");
        AssertError(ParseFails(y), LineOf(y, "links: { link5"), "testbed.topology.links", "only for a real router (kind ssh)");
    }
}
