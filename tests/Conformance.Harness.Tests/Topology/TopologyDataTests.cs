using System.Net;
using Conformance.Harness.Topology;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Topology;

/// <summary>
/// Topologies are data (topologies/*.yaml): a new one is a file, not a code change; a broken one is reported
/// as file:line:col with the field.
/// </summary>
[TestFixture]
public class TopologyDataTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("s6c-topo-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static IPAddress A(string s) => IPAddress.Parse(s);

    /// <summary>Three routers in a line, R2 not SRv6-capable, a tester at each end.</summary>
    private const string Line =
        """
        name: three-in-a-line
        source: a test's own topology
        controller: T1
        nodes:
          - { name: R1, label: "1", role: router, sr_capable: true, o_flag_capable: true }
          - { name: R2, label: "2", role: router, sr_capable: false }
          - { name: R3, label: "3", role: router, sr_capable: true }
          - { name: T1, label: "10", role: tester, advertises: true, end_sid: "2001:db8:f:10:1::" }
          - { name: T3, label: "30", role: tester, link_address: "2001:db8:e:{pair}::2" }
        links:
          - { name: l12, a: R1, b: R2, index: 1, metric: 10 }
          - { name: l23, a: R2, b: R3, index: 1, metric: 10 }
          - { name: t1, a: R1, b: T1, index: 1, metric: 10 }
          - { name: t3, a: R3, b: T3, index: 1, metric: 10, ipv4: { a: 192.0.2.1, b: 192.0.2.2 } }
        addressing:
          loopback: "2001:db8:d:{k}::"
          locator: "2001:db8:f:{k}::/64"
          end_sid: "2001:db8:f:{k}::"
          end_x_sid: "2001:db8:f:{k}:c{i}{n}::"
          link_prefix: "2001:db8:e:{pair}::/64"
          link_address: "2001:db8:e:{pair}:{k}{n}::"
        sids:
          - { node: R3, name: dx4, behavior: End.DX4, address: "2001:db8:f:3:d4::", link: t3, next_hop: T3 }
        """;

    [Test]
    public void NewTopology_IsAFile_AndGivesPlanRoutesAndWalks()
    {
        File.WriteAllText(Path.Combine(_dir, "line.yaml"), Line);
        var all = Topologies.LoadDirectory(_dir);
        Assert.That(all.Select(t => t.Name), Is.EqualTo(new[] { "three-in-a-line" }));
        var t = all[0];
        Assert.Multiple(() =>
        {
            Assert.That(t.Routers.Select(r => r.Name), Is.EqualTo(new[] { "R1", "R2", "R3" }));
            Assert.That(t.Attachments.Select(l => l.Name), Is.EqualTo(new[] { "t1", "t3" }));
            Assert.That(t.Controller, Is.EqualTo("T1"));
            Assert.That(t.OFlagCapable, Is.EquivalentTo(new[] { "R1" }));
            Assert.That(t.Loopback("R2"), Is.EqualTo(A("2001:db8:d:2::")));
            Assert.That(t.LinkAddress("R2", "l23"), Is.EqualTo(A("2001:db8:e:2:3:21::")));
            Assert.That(t.LinkAddress("T3", "t3"), Is.EqualTo(A("2001:db8:e:3:30::2")));
            Assert.That(t.LinkAddress4("R3", "t3"), Is.EqualTo(A("192.0.2.1")));
            Assert.That(t.EndSid("T1"), Is.EqualTo(A("2001:db8:f:10:1::")));
            Assert.That(t.SidsOf("R2"), Is.Empty, "R2 is not SRv6-capable");
            Assert.That(t.SidsOf("R3").Select(s => (s.Name, s.Behavior, s.Address.ToString(), s.NextHop?.ToString())), Is.EqualTo(new[]
            {
                ("end", "End", "2001:db8:f:3::", (string?)null),
                ("end_x_l23", "End.X", "2001:db8:f:3:c21::", "2001:db8:e:2:3:21::"),
                ("dx4", "End.DX4", "2001:db8:f:3:d4::", "192.0.2.2"),
            }));
            Assert.That(t.OwnerOf(A("2001:db8:f:3:d4::")), Is.EqualTo("R3"));
            // R1 reaches R3's prefixes and the controller's locator through R2; R3 reaches T1 back through R2.
            var r1 = t.RoutesOf("R1").ToDictionary(r => r.Prefix);
            Assert.That(r1["2001:db8:d:3::/128"], Is.EqualTo(new TopologyRoute("2001:db8:d:3::/128", "2001:db8:e:1:2:21::", "l12")));
            Assert.That(r1["2001:db8:f:3::/64"].Interface, Is.EqualTo("l12"));
            Assert.That(r1["2001:db8:f:10::/64"], Is.EqualTo(new TopologyRoute("2001:db8:f:10::/64", "2001:db8:e:1:10:101::", "t1")), "the controller advertises its locator");
            Assert.That(t.RoutesOf("R3").Single(r => r.Prefix == "2001:db8:f:10::/64"),
                Is.EqualTo(new TopologyRoute("2001:db8:f:10::/64", "2001:db8:e:2:3:21::", "l23")));
            Assert.That(t.FirstHops("R1")["R3"], Is.EqualTo((t.Link("l12"), 20)));
        });

        // T1 → R3's End SID → T3: R2 (not SRv6-capable) only forwards; R3 processes its End and sends the packet on to T3.
        var walk = t.Walk("t1", [A("2001:db8:f:3::"), A("2001:db8:e:3:30::2")]);
        Assert.That(walk.Select(h => (h.Link, h.From, h.To, h.Destination.ToString(), h.SegmentsLeft, h.HopLimit)), Is.EqualTo(new[]
        {
            ("t1", "T1", "R1", "2001:db8:f:3::", 1, 64),
            ("l12", "R1", "R2", "2001:db8:f:3::", 1, 63),
            ("l23", "R2", "R3", "2001:db8:f:3::", 1, 62),
            ("t3", "R3", "T3", "2001:db8:e:3:30::2", 0, 61),
        }));
        var back = t.WalkFrom("R3", t.Loopback("T1"));
        Assert.That(back.Select(h => h.Link), Is.EqualTo(new[] { "l23", "l12", "t1" }));
    }

    [Test]
    public void BrokenTopologyFile_IsReportedAtFileLineAndField()
    {
        var text = Line
            .Replace("role: router, sr_capable: false", "role: router, sr_capable: maybe")
            .Replace("{ name: l23, a: R2, b: R3,", "{ name: l23, a: R2, b: R9,")
            .Replace("{ name: l12, a: R1, b: R2, index: 1,", "{ name: l12, a: R1, b: R2, index: 0,")
            .Replace("address: \"2001:db8:f:3:d4::\"", "address: \"2001:db8:f:3:dt4::\"")
            .Replace("sids:", "colour: blue\nsids:");
        var path = Path.Combine(_dir, "broken.yaml");
        File.WriteAllText(path, text);
        var lines = text.Split('\n');
        int LineOf(string s) => Array.FindIndex(lines, l => l.Contains(s, StringComparison.Ordinal)) + 1;

        var e = Assert.Throws<TopologyException>(() => Topologies.LoadDirectory(_dir))!;
        var found = e.Errors.Select(x => (x.File, x.Line, x.FieldPath)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(found, Does.Contain((path, LineOf("sr_capable: maybe"), "nodes[1].sr_capable")));
            Assert.That(found, Does.Contain((path, LineOf("b: R9"), "links[1].b")));
            Assert.That(found, Does.Contain((path, LineOf("index: 0"), "links[0].index")));
            Assert.That(found, Does.Contain((path, LineOf("dt4"), "sids[0].address")));
            Assert.That(found, Does.Contain((path, LineOf("colour"), "colour")));
            Assert.That(e.Errors, Has.Count.EqualTo(5), string.Join("\n", e.Errors));
            Assert.That(e.Message, Does.Contain($"{path}:{LineOf("b: R9")}:").And.Contains("links[1].b: 'R9' is not a node of this topology; expected one of R1, R2, R3, T1, T3"));
        });
    }

    [Test]
    public void IncompleteCsidPlan_IsReportedAtTheAddressingSection()
    {
        var text = Line.Replace("addressing:\n", "addressing:\n  csid_block: \"2001:db8::/32,16\"\n");
        Assert.That(text, Does.Contain("csid_block"), "the fixture has an addressing section");
        var path = Path.Combine(_dir, "csid.yaml");
        File.WriteAllText(path, text);
        var e = Assert.Throws<TopologyException>(() => Topologies.LoadDirectory(_dir))!;
        Assert.That(e.Message, Does.Contain("the C-SID plan needs all of csid_block, csid_locator, csid_end_sid, csid_end_x_sid (missing: csid_locator, csid_end_sid, csid_end_x_sid)"));
        Assert.That(e.Errors.Single().File, Is.EqualTo(path));
    }

    [Test]
    public void UnparsableYaml_IsReportedAtItsLine()
    {
        var path = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(path, "name: x\nnodes: [ { name: R1\n");
        var e = Assert.Throws<TopologyException>(() => TopologyFile.Load(path))!;
        Assert.That(e.Errors.Single().File, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Line, Is.GreaterThan(0));
    }

    [Test]
    public void ShippedTopologies_AreFigure1()
    {
        Assert.That(Topologies.All.Select(t => t.Name), Does.Contain("rfc9259-figure1"));
        Assert.That(Topologies.Find("rfc9259-figure1").SidNamed("vpn_999").Address, Is.EqualTo(A("2001:db8:b:7:d999::")));
        Assert.That(() => Topologies.Find("figure-9"), Throws.ArgumentException.With.Message.Contains("rfc9259-figure1"));
    }
}
