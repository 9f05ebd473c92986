using System.Net;
using Conformance.Cli.Commands;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>Rendering the typed intent with a pack's templates (no device), and `srv6conf dry-run`.</summary>
public class PackRendererTests
{
    private static string DutConfigs => Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs");

    private static Srv6Intent Intent(params IntentSid[] sids) => new()
    {
        Platform = "test",
        Interfaces = [new IntentInterface("ge-0/0/1.0", PortRole.External), new IntentInterface("ge-0/0/2.0", PortRole.Internal)],
        Knobs = new IntentKnobs(),
        SidBlock = IPNetwork.Parse("2001:db8:b::/48"),
        Locator = IPNetwork.Parse("2001:db8:b:1::/64"),
        Sids = sids,
    };

    [Test]
    public void VrpRendersTheFunctionAsAnOpcodeAndTheFlavorCombinationAsOneWord()
    {
        var vrp = PlatformPackLoader.Load(Path.Combine(DutConfigs, "vrp"));
        var r = PackRenderer.Render(vrp, Intent(
            new IntentSid("end", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e")),
            new IntentSid("end_psp", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e1")) { Flavors = new HashSet<SrFlavor> { SrFlavor.Psp } },
            new IntentSid("end_usp", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e2")) { Flavors = new HashSet<SrFlavor> { SrFlavor.Usp } }));
        Assert.That(r.Lines, Does.Contain("  opcode ::e end no-flavor").And.Contain("  opcode ::e1 end psp"));
        Assert.That(r.Lines, Does.Contain(" locator srv6conf ipv6-prefix 2001:db8:b:1:: 64 static 64"), "the function field reaches the SIDs' last non-zero bit");
        Assert.That(r.NotRenderable, Has.One.Contains("end_usp").And.Contains("flavor_sets.USP"), "VRP has no word for USP alone: not claimable");
    }

    [Test]
    public void JunosRepeatsTheFlavorLinePerFlavor_AndSplitsTheLogicalInterface()
    {
        var junos = PlatformPackLoader.Load(Path.Combine(DutConfigs, "junos"));
        var i = Intent(
            new IntentSid("end", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e")),
            new IntentSid("end_psp_usd", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e1")) { Flavors = new HashSet<SrFlavor> { SrFlavor.Psp, SrFlavor.Usd } },
            new IntentSid("end_x", SrBehavior.EndX, IPAddress.Parse("2001:db8:b:1::c2")) { NextHop = IPAddress.Parse("2001:db8:0:2::2"), Interface = "ge-0/0/2.0" })
            with { EdgeFilter = new IntentEdgeFilter([new EdgeRule(EdgeRuleKind.SidBlock, "ge-0/0/1.0", IPNetwork.Parse("2001:db8:b::/48"))], []) };
        var r = PackRenderer.Render(junos, i);
        var e1 = r.Lines.Where(l => l.Contains("end-sid 2001:db8:b:1::e1", StringComparison.Ordinal)).ToList();
        Assert.That(e1, Has.Count.EqualTo(3).And.Some.EndWith("flavor psp").And.Some.EndWith("flavor usd"));
        Assert.That(r.Lines.Where(l => l.Contains("end-sid 2001:db8:b:1::e ", StringComparison.Ordinal) || l.EndsWith("end-sid 2001:db8:b:1::e", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "no flavor: the flavor line is left out");
        Assert.That(r.Lines, Does.Contain("set interfaces ge-0/0/1 unit 0 family inet6 filter input SRV6CONF-EDGE"));
        Assert.That(r.NotRenderable, Has.One.StartsWith("SID end_x (End.X): no templates.sid.End.X"));
    }

    [Test]
    public void ANewPlatformIsAFolderOfDataOnly()
    {
        // A throwaway pack: no C# anywhere, rendered by the same renderer.
        using var throwaway = new ThrowawayPack("acme", """
            format_version: 1
            platform: acme
            vendor: ACME
            os: AcmeOS
            verification: documentation
            session: { driver: cli, prompts: { exec: '^acme>$', config: '^acme#$' }, enter_config: conf, leave_config: end, commit: commit, abort: abort, error_patterns: ['^ERR'] }
            templates:
              locator: templates/locator.cfg
              sid: { End: templates/end.cfg }
              flavors: { PSP: psp }
              headend: { H.Encaps: templates/encaps.cfg }
            """);
        throwaway.Write("templates/locator.cfg", "srv6 locator {{locator_name}} prefix {{locator}}\n");
        throwaway.Write("templates/end.cfg", "# src: none\nsrv6 sid {{sid}} end {{flavors}}\n");
        throwaway.Write("templates/encaps.cfg", "policy {{name}} endpoint {{endpoint}}\npolicy {{name}} index {{segment_index}} sid {{segment}}\n");
        var pack = PlatformPackLoader.Load(throwaway.Dir);
        var i = Intent(new IntentSid("end", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e")) { Flavors = new HashSet<SrFlavor> { SrFlavor.Psp } })
            with { Headends = [new IntentHeadend("p1", HeadendBehavior.HEncaps, IPNetwork.Parse("2001:db8:e:1::/64"), [IPAddress.Parse("2001:db8:b:2::e"), IPAddress.Parse("2001:db8:b:3::e")], "ge-0/0/2.0")] };
        var r = PackRenderer.Render(pack, i);
        Assert.That(r.NotRenderable, Is.Empty);
        Assert.That(r.Lines, Is.EqualTo(new[]
        {
            "srv6 locator srv6conf prefix 2001:db8:b:1::/64",
            "srv6 sid 2001:db8:b:1::e end psp",
            "policy p1 endpoint 2001:db8:b:3::e",
            "policy p1 index 1 sid 2001:db8:b:2::e",
            "policy p1 index 2 sid 2001:db8:b:3::e",
        }));
        // a typo in a template names its file and line
        throwaway.Write("templates/end.cfg", "# src: none\nsrv6 sid {{sidd}} end\n");
        var e = Assert.Throws<Conformance.Harness.Templates.TemplateException>(() => PackRenderer.Render(pack, i));
        Assert.That(e!.Message, Does.Contain("end.cfg:2").And.Contain("{{sidd}}"));
    }

    [TestCase("iosxr")]
    [TestCase("junos")]
    [TestCase("sros")]
    [TestCase("eos")]
    [TestCase("vrp")]
    public void DryRunOfEachVendorExamplePrintsTheConfigurationAndTheRollbackWithoutConnecting(string vendor)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = DryRunCommand.Run(Path.Combine(ProfileTestSupport.ProfilesDir, "examples", vendor + ".yaml"), o, e);
        var pack = PlatformPackLoader.Load(Path.Combine(DutConfigs, vendor));
        Assert.That(code, Is.EqualTo(0).Or.EqualTo(3), e.ToString() + o);
        Assert.That(o.ToString(), Does.Contain("nothing is connected").And.Contain(pack.Session.EnterConfig!).And.Contain("## rollback").And.Contain(pack.Session.Abort!));
        Assert.That(o.ToString(), Does.Contain("# locator"), "every vendor pack renders the locator");
        if (code == 3) Assert.That(o.ToString(), Does.Contain("## cannot be configured with this pack"));
    }

    [Test]
    public void DryRunOfTheReferenceLabIsWhatARunAppliesAndNeverPrintsASecret()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        var envs = profile.Parameters.HmacKeys.Select(k => k.SecretEnv).Distinct().ToList();
        var saved = envs.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var v in envs) Environment.SetEnvironmentVariable(v, "0123456789abcdef-do-not-print");
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.That(DryRunCommand.Run(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"), o, e), Is.EqualTo(0), e.ToString());
            var text = o.ToString();
            Assert.That(text, Does.Not.Contain("do-not-print"));
            var applied = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile).ToLines()
                .Select(l => l.Replace("0123456789abcdef-do-not-print", "", StringComparison.Ordinal)).ToList();
            var printed = text.Split('\n').SkipWhile(l => !l.StartsWith("## configuration", StringComparison.Ordinal)).Skip(1)
                .TakeWhile(l => !l.StartsWith("## rollback", StringComparison.Ordinal)).ToList();
            Assert.That(printed, Has.Count.EqualTo(applied.Count));
            Assert.That(text, Does.Contain("ip -6 route del 2001:db8:b:1:e::/128").And.Contain("nft delete table ip6 srv6conf_edge"));
        }
        finally { foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v); }
    }
}
