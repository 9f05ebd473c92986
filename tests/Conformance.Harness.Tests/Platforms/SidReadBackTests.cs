using System.Net;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.ReferenceNode.Management;
using NUnit.Framework;
using NodeCli = Conformance.ReferenceNode.Cli.CliSession;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>
/// TP-CSID-BV-20 offline (issue #16): the configuration read-back of the flavored SIDs through state.sid_table, in both
/// output formats the shipped packs read (Linux: the seg6local routes of ip -6 route show; the reference node: show srv6
/// sid | json), and the judgement: a SID whose flavor was accepted and silently dropped fails, a conforming read-back passes.
/// </summary>
public class SidReadBackTests
{
    private static PlatformPack LinuxPack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "linux"));
    private static PlatformPack NodePack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));

    private static Profile Load(string file) => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, file));

    /// <summary>
    /// What Linux 6.12.118 (the opt-in DUT VM, iproute2 6.1.0, 2026-12-04) printed for the reference lab's SIDs, with four
    /// transient SIDs added by hand: End.T and End.DT6 with `flavors next-csid lblen 32 nflen 16`, End.T and End.DT6 with
    /// `flavors psp` — each accepted (exit 0) and installed without its flavor.
    /// </summary>
    internal const string LinuxOutput = """
        2001:db8:b:1:e::  encap seg6local action End dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:71::  encap seg6local action End.T table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:b6::  encap seg6local action End.B6.Encaps segs 1 [ 2001:db8:b:2:e:: ] dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:c2::  encap seg6local action End.X nh6 2001:db8:0:2::2 dev veth-t2 metric 1024 pref medium
        2001:db8:b:1:d2::  encap seg6local action End.DX2 oif veth-t2 dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:d6::  encap seg6local action End.DT6 table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:e1::  encap seg6local action End flavors psp dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:d44::  encap seg6local action End.DX4 nh4 198.51.100.2 dev veth-t2 metric 1024 pref medium
        2001:db8:b:1:d66::  encap seg6local action End.DX6 nh6 2001:db8:0:2::2 dev veth-t2 metric 1024 pref medium
        2001:db8:b:c8::/64  encap seg6local action End flavors next-csid lblen 48 nflen 16 dev veth-t1 metric 1024 pref medium
        2001:db8:c1::/48  encap seg6local action End flavors next-csid lblen 32 nflen 16 dev veth-t1 metric 1024 pref medium
        2001:db8:c3::/48  encap seg6local action End.X nh6 2001:db8:0:2::2 flavors next-csid lblen 32 nflen 16 dev veth-t2 metric 1024 pref medium
        2001:db8:c5::/48  encap seg6local action End flavors psp,next-csid lblen 32 nflen 16 dev veth-t1 metric 1024 pref medium
        2001:db8:c7:1::/64  encap seg6local action End flavors next-csid lblen 32 nflen 32 dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:7e::  encap seg6local action End.T table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:b:1:d7::  encap seg6local action End.DT6 table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:c9::/48  encap seg6local action End.T table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:ca9::/48  encap seg6local action End.DT6 table 100 dev veth-t1 metric 1024 pref medium
        2001:db8:d::/64 via 2001:db8:0:2::2 dev veth-t2 metric 1024 pref medium
        local 2001:db8:0:1::1 dev veth-t1 table local proto kernel metric 0 pref medium
        """;

    [Test]
    public void TheLinuxReaderReadsActionFlavorsAndLengths_AndThePrefixLengthIs128WhenNotPrinted()
    {
        Assert.That(LinuxPack.State!.SidTable, Is.Not.Null);
        Assert.That(LinuxPack.State.SidTable!.Format, Is.EqualTo("linux-seg6local"));
        var r = SidReadBack.Read(LinuxPack.State.SidTable, LinuxOutput);
        Assert.That((r.ShowsBehavior, r.ShowsFlavors, r.ShowsCsidLengths, r.ShowsPrefixLength), Is.EqualTo((true, true, true, true)));
        Assert.That(r.Rows, Has.Count.EqualTo(18), "the seg6local routes only");
        var psp = r.Rows.Single(x => x.Sid.Equals(IPAddress.Parse("2001:db8:b:1:e1::")));
        Assert.That((psp.PrefixLength, psp.Behavior, psp.Flavors, psp.BlockBits), Is.EqualTo((128, "End", new[] { "psp" }, (int?)null)));
        var both = r.Rows.Single(x => x.Sid.Equals(IPAddress.Parse("2001:db8:c5::")));
        Assert.That((both.PrefixLength, both.Flavors, both.BlockBits, both.CsidBits), Is.EqualTo((48, new[] { "psp", "next-csid" }, 32, 16)));
        var endX = r.Rows.Single(x => x.Sid.Equals(IPAddress.Parse("2001:db8:c3::")));
        Assert.That((endX.Behavior, endX.Flavors), Is.EqualTo(("End.X", new[] { "next-csid" })));
        var endT = r.Rows.Single(x => x.Sid.Equals(IPAddress.Parse("2001:db8:c9::")));
        Assert.That((endT.Behavior, endT.Flavors.Count, endT.BlockBits), Is.EqualTo(("End.T", 0, (int?)null)));
    }

    [Test]
    public void TheReferenceLabsFlavoredSidsReadBackAsConfiguredOnLinux()
    {
        var configured = SidReadBack.Flavored(IntentBuilder.Build(Load("reference-lab.yaml")).Sids);
        Assert.That(configured.Select(s => s.Name), Is.EqualTo(new[] { "end_csid", "end_csid_f3232", "end_csid_f4816", "end_csid_psp", "end_psp", "end_x_csid" }));
        var problems = SidReadBack.Judge(configured, SidReadBack.Read(LinuxPack.State!.SidTable!, LinuxOutput), LinuxPack.Templates.Flavors);
        Assert.That(problems, Is.Empty);
    }

    /// <summary>The case: End.T and End.DT6 configured with NEXT-C-SID (and PSP), accepted, installed without it.</summary>
    [Test]
    public void AFlavorTheDutAcceptedAndDroppedFails()
    {
        var csid = Conformance.Harness.Packets.CsidStructure.Next(32, 16);
        IntentSid[] configured =
        [
            new("end_t_csid", SrBehavior.EndT, IPAddress.Parse("2001:db8:c9::")) { PrefixLength = 48, Table = "100", Csid = csid, Flavors = new HashSet<SrFlavor> { SrFlavor.NextCSid } },
            new("end_dt6_csid", SrBehavior.EndDT6, IPAddress.Parse("2001:db8:ca9::")) { PrefixLength = 48, Table = "100", Csid = csid, Flavors = new HashSet<SrFlavor> { SrFlavor.NextCSid } },
            new("end_t_psp", SrBehavior.EndT, IPAddress.Parse("2001:db8:b:1:7e::")) { Table = "100", Flavors = new HashSet<SrFlavor> { SrFlavor.Psp } },
        ];
        var problems = SidReadBack.Judge(configured, SidReadBack.Read(LinuxPack.State!.SidTable!, LinuxOutput), LinuxPack.Templates.Flavors);
        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.StartWith("SID end_t_csid (2001:db8:c9::/48, End.T NEXT-C-SID, Locator-Block 32 bits, C-SID 16 bits): flavor NEXT-C-SID configured but not in the SID table (dropped)")
            .And.Contain("no C-SID structure shown").And.Contain("action End.T table 100 dev veth-t1"));
        Assert.That(problems[2], Does.Contain("flavor PSP configured but not in the SID table"));
    }

    [Test]
    public void AMissingSidAnotherPrefixAnAddedFlavorAndOtherLengthsFail()
    {
        var t = LinuxPack.State!.SidTable!;
        var configured = SidReadBack.Flavored(IntentBuilder.Build(Load("reference-lab.yaml")).Sids);
        var output = LinuxOutput
            .Replace("2001:db8:b:1:e1::  encap seg6local action End flavors psp dev", "2001:db8:b:1:e1::/127  encap seg6local action End flavors psp dev", StringComparison.Ordinal)
            .Replace("action End flavors next-csid lblen 32 nflen 16 dev veth-t1", "action End flavors psp,next-csid lblen 32 nflen 16 dev veth-t1", StringComparison.Ordinal)
            .Replace("lblen 32 nflen 32", "lblen 32 nflen 16", StringComparison.Ordinal)
            .Replace("2001:db8:c3::/48  encap seg6local action End.X", "2001:db8:c3::/48  encap seg6local action End", StringComparison.Ordinal);
        var noF4816 = string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("2001:db8:b:c8::", StringComparison.Ordinal)));
        var problems = SidReadBack.Judge(configured, SidReadBack.Read(t, noF4816), LinuxPack.Templates.Flavors);
        Assert.That(problems, Has.Some.StartsWith("SID end_psp ").And.Some.Contains("in the SID table only as /127"));
        Assert.That(problems, Has.Some.StartsWith("SID end_csid (").And.Some.Contains("flavor PSP shown but not configured"));
        Assert.That(problems, Has.Some.StartsWith("SID end_csid_f3232 ").And.Some.Contains("C-SID structure Locator-Block 32 bits, C-SID 16 bits, configured 32 and 32 bits"));
        Assert.That(problems, Has.Some.StartsWith("SID end_csid_f4816 ").And.Some.EndsWith("not in the DUT's SID table"));
        Assert.That(problems, Has.Some.StartsWith("SID end_x_csid ").And.Some.Contains("behaviour End, configured End.X"));
        Assert.That(problems, Has.Count.EqualTo(5));
    }

    /// <summary>The node's form (show srv6 sid | json) through the refnode pack's fields: the flavors list and the C-SID structure.</summary>
    [Test]
    public void TheNodesJsonIsReadThroughThePacksFields()
    {
        const string json = """
            {"sids": [
              {"sid": "2001:db8:c5::", "prefix-length": 48, "behavior": "End", "flavors": ["psp", "next-csid"], "csid": {"flavor": "next-csid", "block-bits": 32, "csid-bits": 16}, "name": "end_csid_psp"},
              {"sid": "2001:db8:b:1:e::", "prefix-length": 128, "behavior": "End", "flavors": [], "csid": null, "name": "end"}
            ]}
            """;
        var r = SidReadBack.Read(NodePack.State!.SidTable!, json);
        Assert.That((r.ShowsBehavior, r.ShowsFlavors, r.ShowsCsidLengths, r.ShowsPrefixLength), Is.EqualTo((true, true, true, true)));
        Assert.That(r.Rows.Select(x => (x.Name, x.PrefixLength, x.Flavors!.Count, x.BlockBits, x.CsidBits)),
            Is.EqualTo(new[] { ("end_csid_psp", (int?)48, 2, (int?)32, (int?)16), ("end", 128, 0, null, null) }));
        Assert.That(r.Rows[0].Flavors, Is.EqualTo(new[] { "psp", "next-csid" }));
    }

    /// <summary>A table that does not declare flavors cannot judge them: the case is then inconclusive, never a pass.</summary>
    [Test]
    public void ATableWithoutFlavorFieldsSaysItCannotShowThem()
    {
        var t = new PackCounters("show sids | json", "json", null) { Rows = "sids", Fields = new Dictionary<string, string> { ["sid"] = "sid", ["name"] = "name" } };
        var r = SidReadBack.Read(t, """{"sids": [{"sid": "2001:db8:c5::", "name": "x"}]}""");
        Assert.That((r.ShowsBehavior, r.ShowsFlavors, r.ShowsCsidLengths), Is.EqualTo((false, false, false)));
        Assert.That(r.Rows.Single().Flavors, Is.Null);
    }

    private static Srv6Intent NodeIntent(params string[] debugFaults)
    {
        var i = IntentBuilder.Build(Load("reference-node.yaml"));
        return i with { NodeDebugFaults = debugFaults };
    }

    /// <summary>The reference node configured through its pack with the node profile's intent, and its SID table read back.</summary>
    private static (IReadOnlyList<IntentSid> Configured, SidTableReadBack ReadBack) NodeReadBack(params string[] debugFaults)
    {
        var pack = NodePack;
        var intent = NodeIntent(debugFaults);
        var (node, _, _) = TestNode.Start(RefnodePackTests.Startup);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var line in PackRenderer.Render(pack, intent, k => $"secret-{k.KeyId}").Lines) Assert.That(cli.Execute(line), Is.Empty, line);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
        cli.Execute("end");
        var table = pack.State!.SidTable!;
        return (SidReadBack.Flavored(IntentBuilder.Build(Load("reference-node.yaml")).Sids), SidReadBack.Read(table, cli.Execute(table.Command)));
    }

    [Test]
    public void TheReferenceNodeReadsBackEveryFlavoredSidAsConfigured()
    {
        var (configured, readBack) = NodeReadBack();
        Assert.That(configured.Select(s => s.Name), Does.Contain("end_t_rcsid").And.Contain("end_usd").And.Contain("end_rcsid_psp"));
        Assert.That(SidReadBack.Judge(configured, readBack, NodePack.Templates.Flavors), Is.Empty);
    }

    /// <summary>The negative control's defect, offline: the node accepts End.T's REPLACE-C-SID and installs it without.</summary>
    [Test]
    public void TheNodeDefectDroppingFlavorsFailsTheReadBack()
    {
        var (configured, readBack) = NodeReadBack("flavors-dropped-except-end-and-end-x");
        var problems = SidReadBack.Judge(configured, readBack, NodePack.Templates.Flavors);
        // Every flavored SID of a behaviour other than End and End.X in reference-node.yaml, one problem each.
        Assert.That(problems.Select(p => p.Split(' ')[1]), Is.EquivalentTo(new[] { "end_b6_csid", "end_dt6_rcsid", "end_dx6_rcsid", "end_t_csid", "end_t_rcsid" }));
        Assert.That(problems.Single(p => p.StartsWith("SID end_t_rcsid ", StringComparison.Ordinal)), Does.StartWith("SID end_t_rcsid (2001:db8:ca:14::/64, End.T REPLACE-C-SID, Locator-Block 32 bits, C-SID 32 bits): flavor REPLACE-C-SID configured but not in the SID table (dropped); no C-SID structure shown"));
    }
}
