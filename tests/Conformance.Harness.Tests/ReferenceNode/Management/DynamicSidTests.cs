using System.Net;
using System.Text.Json;
using Conformance.Harness.Dut;
using Conformance.Harness.Platforms;
using Conformance.Harness.Tests.Cases;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;
using NodeCli = Conformance.ReferenceNode.Cli.CliSession;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>
/// A copy of the refnode pack in which the node allocates the End.DT6 SID itself (<c>sid dynamic</c>): the pack lists
/// End.DT6 in <c>templates.dynamic_sids</c> and the suite learns the SID from <c>state.sid_table</c> after the commit.
/// Data only, no C#: what a vendor pack for a router that allocates its service SIDs does.
/// </summary>
internal sealed class DynamicRefnodePack : IDisposable
{
    public const string Template = """
        # Reference node: an End.DT6 SID the node allocates itself (`sid dynamic`: the next free function of the locator's
        # dynamic range); the suite learns its address from state.sid_table (templates.dynamic_sids).
        # src: refnode "Configuration language", segment-routing srv6 / local-sid / sid dynamic
        segment-routing srv6
         local-sid {{name}}
          sid dynamic
          behavior End.DT6
        # one line per flavor (left out when the SID has none)
          flavor {{flavor}}
          lookup-table {{vrf}}
          in-locator {{locator_name}}
        """;

    /// <summary>A checkout-like folder: dut-configs copied (with refnode changed), everything else linked to the repository.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"srv6conf-dynpack-{Guid.NewGuid():N}");
    public string DutConfigs => Path.Combine(Root, "dut-configs");
    public string PackDir => Path.Combine(DutConfigs, "refnode");

    public DynamicRefnodePack()
    {
        var repo = ProfileTestSupport.RepoRoot;
        Directory.CreateDirectory(Root);
        foreach (var entry in Directory.EnumerateFileSystemEntries(repo).Where(e => Path.GetFileName(e) is not ("dut-configs" or ".git")))
            File.CreateSymbolicLink(Path.Combine(Root, Path.GetFileName(entry)), entry);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(repo, "dut-configs"), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(DutConfigs, Path.GetRelativePath(Path.Combine(repo, "dut-configs"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        File.WriteAllText(Path.Combine(PackDir, "templates", "sid-end-dt6.cfg"), Template + "\n");
        var descriptor = File.ReadAllText(Path.Combine(PackDir, "platform.yaml"));
        const string anchor = "  debug_fault: templates/debug-fault.cfg\n";
        Assert.That(descriptor, Does.Contain(anchor));
        File.WriteAllText(Path.Combine(PackDir, "platform.yaml"), descriptor.Replace(anchor, anchor + "  dynamic_sids: [End.DT6]\n", StringComparison.Ordinal));
    }

    public PlatformPack Load() => PlatformPackLoader.Load(PackDir);

    public void Dispose() => Directory.Delete(Root, true);
}

public class DynamicSidTests
{
    private const string Locator = """
        configure
        segment-routing srv6
         locator lab
          prefix 2001:db8:b:1::/64
        """;

    private static string Run(NodeCli cli, string text) => string.Concat(text.Split('\n').Select(l => cli.Execute(l)));

    [Test]
    public void TheNodeAllocatesTheNextFreeFunctionOfItsDynamicRange_AndListsItInShowSrv6Sid()
    {
        var (node, engine, _) = TestNode.Start();
        var cli = new NodeCli(node);
        Assert.That(Run(cli, Locator + """

             local-sid taken
              sid 2001:db8:b:1:e000::
              behavior End
             local-sid vpn
              sid dynamic
              behavior End.DT6
              lookup-table 100
              in-locator lab
             local-sid vpn2
              sid dynamic
              behavior End.DT4
              lookup-table 100
              in-locator lab
            """), Is.Empty);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit 2 applied"));
        cli.Execute("end");
        var sids = engine.Last!.Srv6.Sids.ToDictionary(s => s.Name);
        Assert.That((sids["vpn"].Sid.ToString(), sids["vpn"].Dynamic), Is.EqualTo(("2001:db8:b:1:e001::", true)), "e000 is taken by an explicit SID");
        Assert.That(sids["vpn2"].Sid.ToString(), Is.EqualTo("2001:db8:b:1:e002::"));
        Assert.That(cli.Execute("show running-config"), Does.Contain("  local-sid vpn\n   sid dynamic\n").Or.Contain(" local-sid vpn\n  sid dynamic\n"));
        Assert.That(cli.Execute("show srv6 sid"), Does.Contain("2001:db8:b:1:e001::/128"));
        using var json = JsonDocument.Parse(cli.Execute("show srv6 sid | json"));
        var vpn = json.RootElement.GetProperty("sids").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "vpn");
        Assert.That((vpn.GetProperty("sid").GetString(), vpn.GetProperty("allocation").GetString(), vpn.GetProperty("behavior").GetString()),
            Is.EqualTo(("2001:db8:b:1:e001::", "dynamic", "End.DT6")));
        Assert.That(json.RootElement.GetProperty("sids").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "taken").GetProperty("allocation").GetString(), Is.EqualTo("explicit"));

        // The same configuration allocates the same SIDs again (a new commit, a rollback).
        Assert.That(Run(cli, "configure\nsegment-routing srv6\n local-sid another\n  sid 2001:db8:b:1:ee::\n  behavior End"), Is.Empty);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit 3 applied"));
        Assert.That(engine.Last!.Srv6.Sids.Single(s => s.Name == "vpn").Sid.ToString(), Is.EqualTo("2001:db8:b:1:e001::"));
        Assert.That(cli.Execute("show srv6 sid | xml"), Does.StartWith("% Invalid input at 'xml'"));
        Assert.That(cli.Execute("show counters | json"), Does.StartWith("% Invalid input at 'json'"));
    }

    [Test]
    public void ADynamicSidNeedsALocator()
    {
        var (node, _, _) = TestNode.Start();
        var cli = new NodeCli(node);
        Assert.That(Run(cli, Locator + "\n local-sid vpn\n  sid dynamic\n  behavior End.DT6"), Is.Empty);
        Assert.That(cli.Execute("commit"), Does.Contain("`sid dynamic` needs an in-locator").And.Contain("Nothing was committed"));
    }

    private const string Startup = RefnodePackTests.Startup;

    [Test]
    public async Task TheHarnessLearnsTheAllocatedSidThroughThePack_AndAMissingOneIsAnErrorNamingThePackAndBehaviour()
    {
        using var dyn = new DynamicRefnodePack();
        var pack = dyn.Load();
        Assert.That(pack.Templates.DynamicSids, Is.EquivalentTo(new[] { "End.DT6" }));
        var (node, engine, _) = TestNode.Start(Startup);
        using var cli = new CliSession(new InProcessNodeTransport(new NodeCli(node)), pack.Session, new Transcript());
        await cli.StartAsync();
        var platform = new PackCliPlatform(pack, cli);
        var intent = RefnodePackTests.ReferenceLabIntent();
        var rendering = PackRenderer.Render(pack, intent, k => $"lab-secret-{k.KeyId}");
        Assert.That(rendering.NotRenderable, Is.Empty);
        Assert.That(rendering.Lines, Does.Contain("  sid dynamic"));
        var dry = new StringWriter();
        Assert.That(Conformance.Cli.Commands.DryRunCommand.Cli(pack, intent, dry), Is.EqualTo(0));
        Assert.That(dry.ToString(), Does.Contain("learned after the commit from `show srv6 sid | json`").And.Contain("# end_dt6 (End.DT6): the profile gives 2001:db8:b:1:d6::"));
        platform.RememberSources(rendering);
        await platform.ApplyAsync(DutConfig.FromLines(rendering.Lines));

        var learned = await platform.LearnSidsAsync([("end_dt6", "End.DT6")]);
        Assert.That(learned["end_dt6"], Is.EqualTo(IPAddress.Parse("2001:db8:b:1:e000::")), "the first function of the node's dynamic range in the lab's locator");
        Assert.That(learned["end_dt6"], Is.Not.EqualTo(intent.Sids.Single(s => s.Name == "end_dt6").Address), "not the profile's address");
        Assert.That(engine.Last!.Srv6.Sids.Single(s => s.Name == "end_dt6").Sid, Is.EqualTo(learned["end_dt6"]));

        var e = Assert.ThrowsAsync<TestbedException>(() => platform.LearnSidsAsync([("end_dt6", "End.DT6"), ("no_such_sid", "End.DT6")]))!;
        Assert.That(e.Message, Does.Contain(Path.Combine("refnode", "platform.yaml")).And.Contain("templates.dynamic_sids")
            .And.Contain("End.DT6 SID 'no_such_sid': no row named 'no_such_sid'").And.Contain("show srv6 sid | json"));
    }

    /// <summary>
    /// Live: TP-DT6-BV-01 on the reference node whose End.DT6 SID the node allocates (the dynamic pack, via
    /// SRV6CONF_DUT_CONFIGS): it passes on the plain node with the learned SID, the run's statement environment records
    /// the learned SID, and it fails on the faulted node (NodeSidsMisprogrammed: End.DT6 looks up the main table).
    /// </summary>
    [Test, Category("Lab"), NonParallelizable]
    public async Task APurposePassesWithALearnedSid_AndFailsOnAFaultedNode()
    {
        using var dyn = new DynamicRefnodePack();
        var env = new Dictionary<string, string>
        {
            ["SRV6CONF_PROFILE"] = Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"),
            ["SRV6CONF_DUT_CONFIGS"] = dyn.DutConfigs,
        };
        const string purpose = "TP-DT6-BV-01";
        var (right, dir) = await CaseRunner.RunWithEnvironmentAsync("None", [purpose], env);
        Assert.That(right, Does.ContainKey(purpose), dir);
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), right[purpose].Message);
        var statement = Conformance.Harness.Reporting.ConformanceStatement.Write(dir);
        Assert.That(statement.Environment.GetValueOrDefault("dut.learned_sids"), Does.StartWith("end_dt6=2001:db8:b:1:e000:: (learned from `show srv6 sid | json` (dut-configs/refnode/platform.yaml; the profile gives 2001:db8:b:1:d6::)"),
            string.Join('\n', statement.Environment));
        var (wrong, dir2) = await CaseRunner.RunWithEnvironmentAsync("NodeSidsMisprogrammed", [purpose], env);
        Assert.That(wrong, Does.ContainKey(purpose), dir2);
        Assert.That((wrong[purpose].Status, wrong[purpose].Known), Is.EqualTo(("failed", false)), wrong[purpose].Message);
    }
}
