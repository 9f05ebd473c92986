using System.Net;
using Conformance.Cli.Commands;
using Conformance.Harness;
using Conformance.Harness.Catalogue;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>The platform packs (docs/platform-packs.md): descriptors, their errors, verbs as capabilities, the grammar check.</summary>
public class PlatformPackTests
{
    private static string DutConfigs => Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs");

    [Test]
    public void EveryPackOfTheCheckoutLoads_AndTheLinuxReferenceOffersTheVerbsItsCasesUse()
    {
        var packs = PlatformPackLoader.LoadAll(DutConfigs);
        Assert.That(packs.Select(p => p.Platform), Is.SupersetOf(new[] { "linux", "iosxr", "junos", "sros", "eos", "vrp" }));
        var linux = packs.Single(p => p.Platform == "linux");
        Assert.That(linux.Session.Driver, Is.EqualTo(SessionDriver.Shell));
        Assert.That(linux.Verification, Is.EqualTo(PackVerification.ReferenceLab));
        Assert.That(linux.Verbs.Keys, Is.SupersetOf(new[] { DutVerbs.Ping, DutVerbs.Traceroute, DutVerbs.SrPolicy, DutVerbs.HmacPolicy, DutVerbs.FilterCounters }));
        // The reference node's pack is driven live by the suite (the second implementation), so it is not documentation-only.
        var refnode = packs.Single(p => p.Platform == "refnode");
        Assert.That((refnode.Session.Driver, refnode.Verification), Is.EqualTo((SessionDriver.Cli, PackVerification.ReferenceLab)));
        foreach (var vendor in packs.Where(p => p.Platform is not "linux" and not "refnode"))
        {
            Assert.That(vendor.Session.Driver, Is.EqualTo(SessionDriver.Cli), vendor.Platform);
            Assert.That(vendor.Verification, Is.EqualTo(PackVerification.Documentation), $"{vendor.Platform}: no vendor pack has been run on a router here");
            Assert.That(vendor.Session.Prompts.Keys, Is.EquivalentTo(new[] { "exec", "config" }), vendor.Platform);
        }
    }

    private static PlatformPackException Broken(string yaml, string platform = "acme")
    {
        using var pack = new ThrowawayPack(platform, yaml, ("templates/sid-end.cfg", "# src: doc 1\nsegment-routing srv6 sid {{sid}} end\n"));
        return Assert.Throws<PlatformPackException>(() => PlatformPackLoader.Load(pack.Dir))!;
    }

    private const string Valid = ThrowawayPack.AcmeHead + """
        templates:
          sid:
            End: templates/sid-end.cfg
        verbs:
          dut.ping: { command: 'ping {{target}} count {{count}}', success: '(?<sent>\d+) sent, (?<received>\d+) received' }
        """;

    [Test]
    public void AValidDescriptorLoads()
    {
        using var pack = new ThrowawayPack("acme", Valid, ("templates/sid-end.cfg", "x\n"));
        var p = PlatformPackLoader.Load(pack.Dir);
        Assert.That(p.Templates.Sid.Keys, Is.EquivalentTo(new[] { "End" }));
        Assert.That(p.Offers(DutVerbs.Ping) && !p.Offers(DutVerbs.SrPolicy));
    }

    [TestCase("  commmit: commit", "session.commmit", "did you mean 'commit'?", 13)]
    [TestCase("  dut.pign: { command: 'ping {{target}}' }", "verbs.dut.pign", "did you mean 'dut.ping'?", 18)]
    [TestCase("    End.Y: templates/sid-end.cfg", "templates.sid.End.Y", "unknown behaviour 'End.Y'", 17)]
    [TestCase("    End.X: templates/sid-end-x.cfg", "templates.sid.End.X", "does not exist", 17)]
    [TestCase("  dut.traceroute: { command: 'traceroute {{target}}', hop: '(?<hop>\\d+' }", "verbs.dut.traceroute.hop", "not a valid regex", 18)]
    public void AnErrorNamesFileLineColumnAndField(string line, string field, string message, int lineNo)
    {
        // the extra line goes right after the section it belongs to
        var anchor = field.StartsWith("session", StringComparison.Ordinal) ? "  abort: abort\n"
            : field.StartsWith("verbs", StringComparison.Ordinal) ? "verbs:\n" : "    End: templates/sid-end.cfg\n";
        var yaml = Valid.Replace(anchor, anchor + line + "\n", StringComparison.Ordinal);
        var e = Broken(yaml);
        var err = e.Errors.Single(x => x.FieldPath == field);
        Assert.That(err.Message, Does.Contain(message));
        Assert.That(err.File, Does.EndWith(Path.Combine("acme", "platform.yaml")));
        Assert.That(err.Line, Is.EqualTo(lineNo), e.Message);
        Assert.That(err.Column, Is.GreaterThan(0));
        Assert.That(e.Message, Does.Contain("docs/platform-packs.md"));
    }

    [Test]
    public void ThePlatformMustBeTheFolderName_AndAPingVerbNeedsItsSuccessPattern()
    {
        var e = Broken(Valid.Replace("platform: acme", "platform: acme2", StringComparison.Ordinal)
            .Replace(", success: '(?<sent>\\d+) sent, (?<received>\\d+) received'", "", StringComparison.Ordinal));
        Assert.That(e.Errors.Select(x => x.FieldPath), Is.SupersetOf(new[] { "platform", "verbs.dut.ping" }), e.Message);
    }

    [Test]
    public void SrvConfPlatformsListsAndChecksEveryPack()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.That(PlatformsCommand.Run(DutConfigs, o, e), Is.EqualTo(0), e.ToString());
        Assert.That(o.ToString(), Does.Contain("linux").And.Contain("verified: on the reference lab").And.Contain("junos").And.Contain("every pack is valid"));
    }

    [Test]
    public void TheGrammarCheckPassesOnEveryVendorPackAndFailsOnSeededTypos()
    {
        // scripts/test-pack-grammar.sh: the check on the packs, then its self-test (typos seeded in a copy must fail with file:line).
        var (code, stdout, stderr) = Sh.Try("bash", Path.Combine(ProfileTestSupport.RepoRoot, "scripts", "test-pack-grammar.sh"));
        Assert.That(code, Is.EqualTo(0), stdout + stderr);
    }

    [Test]
    public void AVerbIsACapability_APlatformWithoutItMakesThePurposeNotApplicable()
    {
        var purposes = PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly);
        var ping = purposes.Single(p => p.Id == "TP-PING-BV-03");
        Assert.That(ping.Purpose.Requires, Does.Contain(DutVerbs.Ping).And.Contain(DutVerbs.SrPolicy));
        var linux = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        Assert.That(ping.NotApplicableBecause(linux), Is.Null);
        // the same profile on a platform whose pack has dut.ping but no dut.sr_policy
        var junos = linux with { Testbed = linux.Testbed with { Platform = "junos" } };
        Assert.That(ping.NotApplicableBecause(junos), Does.Contain("platform junos offers no dut.sr_policy"));
        var none = linux with { Testbed = linux.Testbed with { Platform = "nosuch" } };
        Assert.That(ping.NotApplicableBecause(none), Does.Contain("dut.sr_policy").And.Contain("dut.ping"));
        // no case branches on a platform name any more
        var cases = Path.Combine(ProfileTestSupport.RepoRoot, "src", "Conformance.Cases");
        var branching = Directory.GetFiles(cases, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("Platform == \"", StringComparison.Ordinal) || File.ReadAllText(f).Contains("Platform != \"", StringComparison.Ordinal))
            .ToList();
        Assert.That(branching, Is.Empty);
    }

    [Test]
    public async Task APingVerbReadsTheCountsWithThePacksPattern_AndAnUnreadableOutputIsInconclusive()
    {
        var linux = PlatformPackLoader.Load(Path.Combine(DutConfigs, "linux"));
        string? ran = null;
        var ok = await PackVerbRunner.PingAsync(linux, c => { ran = c; return Task.FromResult("3 packets transmitted, 0 received, 100% packet loss, time 1003ms\n"); },
            IPAddress.Parse("2001:db8:d:9::1"), IPAddress.Parse("2001:db8:ff::1"), 3);
        Assert.That(ran, Is.EqualTo("ping -6 -c 3 -i 0.5 -W 1 2001:db8:d:9::1"));
        Assert.That((ok.Sent, ok.Received), Is.EqualTo((3, 0)));
        var e = Assert.ThrowsAsync<TestbedException>(() => PackVerbRunner.PingAsync(linux, _ => Task.FromResult("ping: command not found\n"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8:ff::1"), 3));
        Assert.That(e!.Message, Does.Contain("verbs.dut.ping.success").And.Contain("command not found"));
    }

    [Test]
    public async Task ATracerouteVerbWithAHopPatternReadsOneAddressPerHop()
    {
        var junos = PlatformPackLoader.Load(Path.Combine(DutConfigs, "junos"));
        var t = await PackVerbRunner.TracerouteAsync(junos, _ => Task.FromResult(
            "traceroute6 to 2001:db8:d:a::1\n 1  2001:db8:0:2::2  1.1 ms\n 2  2001:db8:d:a1::1  2.0 ms\n 3  2001:db8:d:a::1  3.0 ms\n"),
            IPAddress.Parse("2001:db8:d:a::1"), IPAddress.Parse("2001:db8:ff::1"), 6, 2);
        Assert.That(t.Parsed.Hops.Select(h => h.From.Single().ToString()), Is.EqualTo(new[] { "2001:db8:0:2::2", "2001:db8:d:a1::1", "2001:db8:d:a::1" }));
    }

    [Test]
    public void AProfileAskingMoreThanItsPackCanConfigureFailsBeforeAnythingIsConnected()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "examples", "junos.yaml"));
        var e = Assert.ThrowsAsync<TestbedException>(() => LiveTestbed.StartAsync(profile));
        Assert.That(e!.Message, Does.Contain("dut-configs/junos/platform.yaml").And.Contain("cannot configure what the profile asks").And.Contain("nothing was connected")
            .And.Contain("SRH-to-local"), "the example Junos profile claims SR-domain filtering, whose SRH-to-local rule the pack's filter lacks");
    }
}

/// <summary>`srv6conf profile check` rejects a known deviation naming a test purpose the suite does not have.</summary>
public class ProfileCheckKnownDeviationTests
{
    [Test]
    public void ATypoInAKnownDeviationsTestPurposeIsAnErrorWithItsPosition()
    {
        var text = File.ReadAllText(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        var at = text.IndexOf("TP-", text.IndexOf("test_purposes: [", StringComparison.Ordinal), StringComparison.Ordinal);
        var bad = Path.Combine(ProfileTestSupport.ProfilesDir, $"_typo-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(bad, text[..at] + "TP-NOSUCH-BVX-01, " + text[at..]);
        try
        {
            var cli = Path.Combine(ProfileTestSupport.RepoRoot, "src", "Conformance.Cli", "bin", "Release", "net10.0", "srv6conf.dll");
            var (code, stdout, stderr) = Sh.Try("dotnet", cli, "profile", "check", bad);
            Assert.That(code, Is.EqualTo(1), stdout + stderr);
            Assert.That(stderr, Does.Match(@":\d+:\d+: known_deviations\[0\]\.test_purposes\[0\]: references test purpose 'TP-NOSUCH-BVX-01', which does not exist"));
        }
        finally { File.Delete(bad); }
    }
}

/// <summary>`srv6conf profile check` says what the profile's platform pack cannot configure.</summary>
public class ProfileCheckPackTests
{
    [Test]
    public void AClaimThePackCannotConfigureIsAWarningNamingIt()
    {
        var cli = Path.Combine(ProfileTestSupport.RepoRoot, "src", "Conformance.Cli", "bin", "Release", "net10.0", "srv6conf.dll");
        var (code, stdout, stderr) = Sh.Try("dotnet", cli, "profile", "check", Path.Combine(ProfileTestSupport.ProfilesDir, "example-ssh-router.yaml"));
        Assert.That(code, Is.EqualTo(0), "the profile itself is valid");
        Assert.That(stderr, Does.Contain("warning: the pack").And.Contain("iosxr").And.Contain("SID end (End): no templates.sid.End"), stdout + stderr);
        (code, stdout, stderr) = Sh.Try("dotnet", cli, "profile", "check", Path.Combine(ProfileTestSupport.ProfilesDir, "examples", "vrp.yaml"));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("pack vrp: renders all of it"));
        Assert.That(stderr, Does.Not.Contain("warning"));
    }
}
