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

    /// <summary>A two-DUT testbed: N2 the lab-built reference node, N4 <paramref name="n4"/> (absolute paths: the text is parsed as test.yaml).</summary>
    private static string TwoDuts(string n4) => File.ReadAllText(Path.Combine(ProfilesDir, "reference-figure1-n2node-n4node.yaml"))
        .Replace("profile: reference-figure1-n2-node.yaml", $"profile: {Path.Combine(ProfilesDir, "reference-figure1-n2-node.yaml")}")
        .Replace("profile: reference-figure1-node.yaml", $"profile: {n4}");

    [Test]
    public void ARealRouterIsOneDutOfATwoDutTestbed()
    {
        var p = ProfileLoader.Parse(TwoDuts(Path.Combine(ProfilesDir, "example-figure1-router.yaml")), Source);
        Assert.That(p.Testbed.Kind, Is.EqualTo(TestbedKind.ReferenceLab), "the lab builds the routers around the DUTs");
        var t = p.Testbed.Topology!;
        Assert.That(t.DutNodes.Select(d => (d.Node, d.Profile.Testbed.Kind)), Is.EqualTo(new[] { ("N2", TestbedKind.ReferenceLab), ("N4", TestbedKind.Ssh) }));
        Assert.That(t.DutNodes[1].Profile.Testbed.Topology!.Nics, Has.Count.EqualTo(5));
        Assert.That(p.Testbed.Platform, Is.EqualTo("refnode+refnode"));
    }

    [Test]
    public void AMultiDutTestbedOfKindSshIsRefusedNamingTheWay()
    {
        var y = Mutate(TwoDuts(Path.Combine(ProfilesDir, "example-figure1-router.yaml")), "  kind: reference-lab\n", "  kind: ssh\n");
        AssertError(ParseFails(y), LineOf(y, "- { node: N2"), "testbed.topology.dut_nodes", "a real router is one of its DUTs through its own profile");
    }

    [Test]
    public void TwoRealRoutersOnOneNicAreRefused()
    {
        // N2 a real router too, cabled through ens1f0, which N4's profile binds to link5.
        var dir = Directory.CreateTempSubdirectory("srv6conf-profile-").FullName;
        try
        {
            var n2 = Path.Combine(dir, "n2-router.yaml");
            File.WriteAllText(n2, Base.Replace("dut_node: N4", "dut_node: N2").Replace("hostname: n4", "hostname: n2")
                .Replace("    links:\n      link5:  { nic: ens1f0 }              # CHANGE: the NICs as `ip link` names them on this host\n      link6:  { nic: ens1f1 }\n      link8:  { nic: ens1f2 }\n      link9:  { nic: ens1f3 }\n      link10: { nic: ens2f0 }\n",
                    "    links: { link1: { nic: ens9f0 }, link2: { nic: ens9f1 }, link3: { nic: ens1f0 }, link4: { nic: ens9f2 }, link7: { nic: ens9f3 } }\n"));
            var y = TwoDuts(Path.Combine(ProfilesDir, "example-figure1-router.yaml")).Replace("profile: " + Path.Combine(ProfilesDir, "reference-figure1-n2-node.yaml"), "profile: " + n2);
            var e = ParseFails(y);
            Assert.That(e.Errors.Any(x => x.Message.Contains("NIC ens1f0 (link5) is already cabled to N2's link3", StringComparison.Ordinal)), Is.True, e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void ARealRouterWithTesterAttachmentsInATwoDutTestbedIsRefusedWithItsOwnLine()
    {
        var dir = Directory.CreateTempSubdirectory("srv6conf-profile-").FullName;
        try
        {
            var n1 = Path.Combine(dir, "n1-router.yaml");
            File.WriteAllText(n1, Base.Replace("dut_node: N4", "dut_node: N1"));
            var y = TwoDuts(Path.Combine(ProfilesDir, "example-figure1-router.yaml"))
                .Replace("- { node: N2, profile: " + Path.Combine(ProfilesDir, "reference-figure1-n2-node.yaml"), "- { node: N1, profile: " + n1);
            var e = ParseFails(y);
            Assert.That(e.Message, Does.Match(@"n1-router\.yaml:\d+:\d+: testbed\.topology\.links: N1 has tester attachments \(n100a, ce1\): a real router's tester attachments are not supported yet"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
