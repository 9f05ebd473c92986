using System.Net;
using Conformance.Harness.Profiles;
using Conformance.Harness.Topology;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Topology;

/// <summary>
/// The Figure 1 model against the seed's own text (draft-ietf-6man-spring-srv6-oam §1.3, §3.1–§3.4): its
/// addressing plan, the shortest paths under its metrics, and the hop-by-hop rewrites it lists.
/// </summary>
[TestFixture]
public class Figure1TopologyTests
{
    private static readonly ReferenceTopology F = Topologies.Find("rfc9259-figure1");
    private static IPAddress A(string s) => IPAddress.Parse(s);

    [Test]
    public void AddressingPlan_IsTheSeeds()
    {
        Assert.Multiple(() =>
        {
            // §1.3: "the IPv6 address of link6 (the 2nd link) between N3 and N4 at N3 ... is 2001:db8:3:4:32::", link5 at N3 "2001:db8:3:4:31::".
            Assert.That(F.LinkAddress("N3", "link6"), Is.EqualTo(A("2001:db8:3:4:32::")));
            Assert.That(F.LinkAddress("N3", "link5"), Is.EqualTo(A("2001:db8:3:4:31::")));
            // §1.3: "2001:db8:B:2:C31:: represents END.X at N2 towards N3 via link3", "2001:db8:B:4:C52:: represents the END.X at N4 towards N5 via link10".
            Assert.That(F.EndXSid("N2", "link3"), Is.EqualTo(A("2001:db8:b:2:c31::")));
            Assert.That(F.EndXSid("N4", "link10"), Is.EqualTo(A("2001:db8:b:4:c52::")));
            Assert.That(F.Loopback("N5"), Is.EqualTo(A("2001:db8:a:5::")));
            Assert.That(F.Loopback("N100"), Is.EqualTo(A("2001:db8:a:100::")));
            Assert.That(F.EndSid("N100"), Is.EqualTo(A("2001:db8:b:100:1::")));
            Assert.That(F.EndSid("N4"), Is.EqualTo(A("2001:db8:b:4::")), "the draft's §3.1.2 (RFC 9259 Appendix A.1.2) pings the SID 2001:db8:B:4::");
            // Figure 3's hop addresses: N2 on link1, N3 on link3, N4 on link5, N5 on link10.
            Assert.That(F.LinkAddress("N2", "link1"), Is.EqualTo(A("2001:db8:1:2:21::")));
            Assert.That(F.LinkAddress("N3", "link3"), Is.EqualTo(A("2001:db8:2:3:31::")));
            Assert.That(F.LinkAddress("N4", "link5"), Is.EqualTo(A("2001:db8:3:4:41::")));
            Assert.That(F.LinkAddress("N5", "link10"), Is.EqualTo(A("2001:db8:4:5:52::")));
        });
    }

    [Test]
    public void Nodes_AreTheSeeds()
    {
        Assert.That(F.Routers.Where(n => n.SrCapable).Select(n => n.Name), Is.EqualTo(new[] { "N1", "N2", "N4", "N7" }));
        Assert.That(F.Routers.Where(n => !n.SrCapable).Select(n => n.Name), Is.EqualTo(new[] { "N3", "N5", "N6" }));
        Assert.That(F.SidsOf("N3").Concat(F.SidsOf("N5")).Concat(F.SidsOf("N6")), Is.Empty, "classic IPv6 nodes instantiate no SID");
        Assert.That(F.SidsOf("N4").Select(s => s.Address), Does.Contain(A("2001:db8:b:4:c52::")).And.Contain(A("2001:db8:b:4::")));
    }

    [Test]
    public void Routing_AvoidsTheMetric100LinksAsSection311Assumes()
    {
        // "Assume all the links have IGP metric 10 except both links between N2 and N3, which have IGP metric set to 100."
        var hopsFromN1 = F.FirstHops("N1");
        Assert.That(hopsFromN1["N3"].Distance, Is.EqualTo(40), "N1–N2–N6–N4–N3 (40), not N1–N2–N3 (110)");
        Assert.That(F.Walk("n100a", [F.Loopback("N5")]).Select(h => h.Link), Is.EqualTo(new[] { "n100a", "link1", "link7", "link8", "link9" }));
        foreach (var r in F.Routers)
            foreach (var other in F.Routers.Where(o => o != r))
                Assert.That(F.Egress(r.Name, F.Loopback(other.Name)), Is.Not.Null, $"{r.Name} has no route to {other.Name}'s loopback");
    }

    [Test]
    public void CompressedLoopbackProbe_ShiftsAtN2_AndTakesTheNextSegmentAtN4()
    {
        // The figure's NEXT-C-SID plan (F3216): <C31 at N2, C52 at N4> is one container, then N100's End SID (SL=1).
        Assert.That(F.CsidEndXSid("N2", "link3"), Is.EqualTo(A("2001:db8:c231::")));
        Assert.That(F.CsidEndXSid("N4", "link10"), Is.EqualTo(A("2001:db8:c452::")));
        var container = F.CsidContainer([F.CsidEndXSid("N2", "link3")!, F.CsidEndXSid("N4", "link10")!])!;
        Assert.That(container, Is.EqualTo(A("2001:db8:c231:c452::")));
        var hops = F.Walk("n100a", [container, A("2001:db8:b:100:1::")]);
        var seen = hops.Select(h => (h.Link, h.Destination.ToString(), h.SegmentsLeft)).ToList();
        Assert.That(seen, Is.EqualTo(new[]
        {
            ("n100a", "2001:db8:c231:c452::", 1),
            ("link1", "2001:db8:c231:c452::", 1),
            // N2's End.X C-SID c231 with a non-zero argument: the next C-SID shifted in, SL untouched (RFC 9800 §4.1.1), out of link3.
            ("link3", "2001:db8:c452::", 1),
            ("link5", "2001:db8:c452::", 1),
            // N4's End.X C-SID c452, argument 0: the next segment from the SRH (SL 1 → 0), out of link10.
            ("link10", "2001:db8:b:100:1::", 0),
            ("link11", "2001:db8:b:100:1::", 0),
            ("n100b", "2001:db8:b:100:1::", 0),
        }));
        Assert.That(hops.Select(h => h.HopLimit), Is.EqualTo(new[] { 64, 63, 62, 61, 60, 59, 58 }));
        // Each SRv6 router originates its C-SID locator; a classic router none.
        Assert.That(F.PrefixesOf("N4"), Does.Contain("2001:db8:c400::/40"));
        Assert.That(F.PrefixesOf("N3").Any(p => p.StartsWith("2001:db8:c", StringComparison.Ordinal)), Is.False);
        Assert.That(F.SidsOf("N3"), Is.Empty);
    }

    [Test]
    public void LoopbackProbe_IsRewrittenAsSection34Lists()
    {
        // §3.4: N100 sends (2001:db8:A:100::, 2001:db8:B:2:C31::)(2001:db8:B:100:1::, 2001:db8:B:4:C52::, 2001:db8:B:2:C31::, SL=2).
        var hops = F.Walk("n100a", [A("2001:db8:b:2:c31::"), A("2001:db8:b:4:c52::"), A("2001:db8:b:100:1::")]);
        var seen = hops.Select(h => (h.Link, h.From, h.To, h.Destination.ToString(), h.SegmentsLeft)).ToList();
        Assert.That(seen, Is.EqualTo(new[]
        {
            ("n100a", "N100", "N1", "2001:db8:b:2:c31::", 2),
            ("link1", "N1", "N2", "2001:db8:b:2:c31::", 2),
            // "Node N2 executes the END.X behavior (2001:db8:B:2:C31::) and forwards the packet (..., 2001:db8:B:4:C52::)(...SL=1) on link3 to N3."
            ("link3", "N2", "N3", "2001:db8:b:4:c52::", 1),
            // "Node N3 ... forwards the packet based on the DA 2001:db8:B:4:C52::"
            ("link5", "N3", "N4", "2001:db8:b:4:c52::", 1),
            // "Node N4 executes the END.X behavior (2001:db8:B:4:C52::) and forwards the packet (..., 2001:db8:B:100:1::)(...SL=0) on link10 to N5."
            ("link10", "N4", "N5", "2001:db8:b:100:1::", 0),
            // "Node N5 ... forwards the packet based on the DA 2001:db8:B:100:1::" (N5–N7–N100 is the shortest way back)
            ("link11", "N5", "N7", "2001:db8:b:100:1::", 0),
            ("n100b", "N7", "N100", "2001:db8:b:100:1::", 0),
        }));
        Assert.That(hops.Select(h => h.HopLimit), Is.EqualTo(new[] { 64, 63, 62, 61, 60, 59, 58 }));
    }

    [Test]
    public void EchoReply_IsIpRoutedBack()
    {
        var back = F.WalkFrom("N5", F.Loopback("N100"));
        Assert.That(back.Select(h => (h.Link, h.HopLimit)), Is.EqualTo(new[] { ("link11", 64), ("n100b", 63) }));
    }

    [Test]
    public void EveryInterfaceName_FitsLinux()
    {
        Assert.That(F.Links.Select(l => l.Name).Where(n => n.Length > 15), Is.Empty);
        Assert.That(F.Routers.Select(r => TopologyLab.NamespaceSuffix(r.Name)), Is.All.Matches<string>(s => s.Length <= 8));
    }

    // ------------------------------------------------ profile errors

    private static string Figure1Yaml => File.ReadAllText(Path.Combine(ProfilesDir, "reference-figure1.yaml"));

    [Test]
    public void Profile_UnknownTopology_IsNamed()
    {
        var yaml = Mutate(Figure1Yaml, "    name: rfc9259-figure1", "    name: figure-9");
        AssertError(ParseFails(yaml), LineOf(yaml, "name: figure-9"), "testbed.topology.name", "rfc9259-figure1");
    }

    [Test]
    public void Profile_DutNodeMustBeARouter()
    {
        var yaml = Mutate(Figure1Yaml, "    dut_node: N4", "    dut_node: N100");
        AssertError(ParseFails(yaml), LineOf(yaml, "dut_node: N100"), "testbed.topology.dut_node", "N1, N2, N3, N4, N5, N6, N7");
    }

    [Test]
    public void Profile_TesterPortsFollowThePlan()
    {
        var yaml = Mutate(Figure1Yaml, "tester_ipv6: '2001:db8:7:ce2::2/64'", "tester_ipv6: '2001:db8:7:ce2::9/64'");
        var e = ParseFails(yaml);
        Assert.That(e.Errors.Select(x => x.Message), Has.Some.Contains("'ce2' must follow rfc9259-figure1's plan"));
    }
}
