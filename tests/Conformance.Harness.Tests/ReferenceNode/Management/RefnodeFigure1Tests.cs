using System.Net;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Topology;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using NodeCli = Conformance.ReferenceNode.Cli.CliSession;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>
/// profiles/reference-figure1-node.yaml offline: the reference node as N4 of RFC 9259 Figure 1. Its start-up configuration
/// (the figure's plan for N4, rendered from the pack's lab/ templates) and its SRv6 configuration (the intent through the
/// pack, the O-flag export to the controller included) are statements the node's own parser takes.
/// </summary>
public class RefnodeFigure1Tests
{
    private static Profile Figure1Node => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-figure1-node.yaml"));
    private static PlatformPack Pack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));
    private static ReferenceTopology F => Topologies.Find("rfc9259-figure1");

    [Test]
    public void TheLabStartsTheNodeAsN4_WithTheFiguresPlanAsItsStartupConfiguration()
    {
        var spec = ProfileDutConfig.LabSpec(Figure1Node);
        Assert.That(spec.Node, Is.Not.Null, "the node is the DUT");
        Assert.That(spec.Ports.Select(p => p.DutInterface), Is.EquivalentTo(F.LinksOf("N4").Select(l => l.Name)));
        Assert.That(spec.ExtraNamespaceSuffixes, Is.EquivalentTo(new[] { "n1", "n2", "n3", "n5", "n6", "n7" }));
        // The namespace's kernel stays off the node's links.
        foreach (var l in F.LinksOf("N4"))
            Assert.That(spec.Config.Sysctls.Select(s => (s.Key, s.Value)), Does.Contain(($"net.ipv6.conf.{l.Name}.disable_ipv6", "1")));

        var (node, _, _) = TestNode.Start(spec.Node!.StartupConfig);
        var c = node.Running;
        Assert.That(c.Hostname, Is.EqualTo("n4"));
        Assert.That(c.LoopbackAddresses, Is.EqualTo(new[] { IPNetwork.Parse("2001:db8:a:4::/128") }));
        Assert.That(c.Srv6.SourceAddress, Is.EqualTo(F.Loopback("N4")));
        foreach (var l in F.LinksOf("N4"))
        {
            var i = c.Interfaces.Single(x => x.Name == l.Name);
            Assert.That(i.Ipv6Addresses.Select(a => a.BaseAddress).Concat(i.Ipv6HostAddresses.Select(a => a.Address)), Does.Contain(F.LinkAddress("N4", l.Name)), l.Name);
            Assert.That(c.Routes, Has.Some.Matches<RouteConfig>(r => r.Prefix == new IPNetwork(F.LinkAddress(l.Other("N4"), l.Name), 128) && r.Interface == l.Name),
                $"{l.Name}: the on-link route to the neighbour");
        }
        // Every route of the figure's IGP for N4, e.g. N100's locator (where the O-flag exports go) via link9.
        foreach (var r in F.RoutesOf("N4"))
            Assert.That(c.Routes, Has.Some.Matches<RouteConfig>(x => x.Prefix.ToString() == IPNetwork.Parse(r.Prefix).ToString()
                && Equals(x.NextHop, IPAddress.Parse(r.Via)) && x.Interface == r.Interface), r.ToString());
    }

    [Test]
    public void TheIntentRendersThroughThePack_TheOFlagExportAsAnHEncapsPolicyTowardsN100()
    {
        var profile = Figure1Node;
        var intent = IntentBuilder.Build(profile);
        var r = PackRenderer.Render(Pack, intent);
        Assert.That(r.NotRenderable, Is.Empty);

        var (node, engine, _) = TestNode.Start(ProfileDutConfig.LabSpec(profile).Node!.StartupConfig);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var (line, source) in r.LinesWithSources)
            Assert.That(cli.Execute(line), Is.Empty, $"{source}: {line}");
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit 2 applied"));
        var c = engine.Last!;
        Assert.That(c.Srv6.Sids.Select(s => s.Sid), Is.EquivalentTo(F.SidsOf("N4").Where(s => s.Csid is null).Select(s => s.Address).Append(IPAddress.Parse("2001:db8:b:4:d6::"))),
            "the profile's SIDs: the plan's classic ones (its C-SIDs: reference-figure1-node-csid.yaml) and the End.DT6 of TP-IOP-BV-09");
        Assert.That(c.Srv6.Oam.OFlagEnabled, Is.True);
        Assert.That(c.Srv6.Oam.Collector, Is.EqualTo(TopologyLab.ExportKey));
        var export = c.Srv6.Policies.Single(p => p.Name == PackRenderer.OFlagExportPolicy);
        Assert.That(export.Mode, Is.EqualTo(HeadendMode.Encaps));
        Assert.That(export.Segments, Is.EqualTo(new[] { F.EndSid("N100") }));
        Assert.That(export.Match, Is.EqualTo(new IPNetwork(TopologyLab.ExportKey, 128)));
    }

    [Test]
    public void WithoutAnHEncapsTemplate_ThePackCannotClaimTheTopologysOFlagExport()
    {
        var pack = Pack;
        var crippled = pack with { Templates = pack.Templates with { Headend = pack.Templates.Headend.Where(h => h.Key != "H.Encaps").ToDictionary() } };
        var r = PackRenderer.Render(crippled, IntentBuilder.Build(Figure1Node));
        Assert.That(r.NotRenderable, Has.Some.Contains("O-flag export to the topology's controller").And.Contains("templates.headend.H.Encaps"));
    }

    /// <summary>
    /// The other routers of the figure as reference nodes (TopologyLab on a host whose kernel lacks SRv6): each one's
    /// start-up configuration is the figure's plan for it plus what the Linux lab router has (topology/*.conf): its SIDs
    /// (End, End.X per router link, N7's End.DX4 to CE2), O-flag processing without punt limit exported towards N100's End
    /// SID at the O-flag-capable N1 and N7, IPv4 on the CE attachments, no ICMP error rate limit; classic routers no SID
    /// and no locator. All of it statements the node's own parser takes.
    /// </summary>
    [TestCase("N1"), TestCase("N2"), TestCase("N3"), TestCase("N5"), TestCase("N6"), TestCase("N7")]
    public void ALabRouterAsAReferenceNode_StartsWithItsPlaceInTheFigure(string router)
    {
        var (node, _, _) = TestNode.Start(TopologyLab.NodeStartupConfig(F, router, Pack));
        var c = node.Running;
        Assert.That(c.Hostname, Is.EqualTo(router.ToLowerInvariant()));
        Assert.That(c.LoopbackAddresses, Is.EqualTo(new[] { new IPNetwork(F.Loopback(router), 128) }));
        Assert.That(c.Srv6.Sids.Select(s => s.Sid), Is.EquivalentTo(F.SidsOf(router).Select(s => s.Address)));
        foreach (var s in F.SidsOf(router).Where(s => s.NextHop is not null))
            Assert.That(c.Srv6.Sids.Single(x => x.Sid.Equals(s.Address)).Behavior.ToString(), Does.Contain(s.Behavior.Replace(".", "")).IgnoreCase, s.Name);
        Assert.That(c.Srv6.Locators, F.SidsOf(router).Count == 0 ? Is.Empty : Is.Not.Empty, "a classic router has no locator");
        bool oflag = router is "N1" or "N7";
        Assert.That(c.Srv6.Oam.OFlagEnabled, Is.EqualTo(oflag));
        if (oflag)
        {
            Assert.That(c.Srv6.Oam.Collector, Is.EqualTo(TopologyLab.ExportKey));
            Assert.That(c.Srv6.Oam.PuntRatePerSecond, Is.Null, "the Linux lab router's emulation has no punt limit either");
            Assert.That(c.Srv6.Policies.Single(p => p.Name == PackRenderer.OFlagExportPolicy).Segments, Is.EqualTo(new[] { F.EndSid("N100") }));
        }
        foreach (var l in F.LinksOf(router).Where(l => F.LinkAddress4(router, l.Name) is not null))
            Assert.That(c.Interfaces.Single(x => x.Name == l.Name).Ipv4Addresses.Select(a => a.Address), Does.Contain(F.LinkAddress4(router, l.Name)), l.Name);
        foreach (var r in F.RoutesOf(router))
            Assert.That(c.Routes, Has.Some.Matches<RouteConfig>(x => x.Prefix.ToString() == IPNetwork.Parse(r.Prefix).ToString()
                && Equals(x.NextHop, IPAddress.Parse(r.Via)) && x.Interface == r.Interface), r.ToString());
    }
}
