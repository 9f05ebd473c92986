using System.Net;
using System.Security.Cryptography;
using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

[TestFixture]
public class ProfileApiTests
{
    /// <summary>
    /// Issue #14: the profile format once had two TrafficLimits (with different defaults), two TesterPort and two
    /// DutIdentity types; there is one of each across the suite's assemblies now.
    /// </summary>
    [Test]
    public void ThereIsOneTrafficLimitsTesterPortAndDutIdentityType()
    {
        var assemblies = new[] { typeof(Profile).Assembly, typeof(Conformance.Cases.CaseRun).Assembly, typeof(Conformance.Cli.Commands.DryRunCommand).Assembly, typeof(Conformance.ReferenceNode.Cli.CliSession).Assembly };
        foreach (var name in new[] { "TrafficLimits", "TesterPort", "DutIdentity" })
        {
            var types = assemblies.SelectMany(a => a.GetTypes()).Where(t => t.Name == name).Select(t => t.FullName).ToList();
            Assert.That(types, Has.Count.EqualTo(1), $"{name}: {string.Join(", ", types)}");
        }
    }

    /// <summary>Issue #14: an unknown test-purpose id in known_deviations is rejected by `srv6conf profile check` (the run's loader is GeneratedDocsTests').</summary>
    [Test]
    public void ProfileCheckRejectsAnUnknownTestPurposeInKnownDeviations()
    {
        var text = File.ReadAllText(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml")).Replace("[TP-END-BV-02]", "[TP-END-BV-2]", StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), $"typo-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, text);
        var err = new StringWriter();
        var previous = Console.Error;
        try
        {
            Console.SetError(err);
            var rc = Conformance.Cli.Commands.ProfileCommands.Create().Subcommands.Single(c => c.Name == "check").Parse([file]).Invoke();
            Assert.That(rc, Is.EqualTo(1), err.ToString());
        }
        finally { Console.SetError(previous); File.Delete(file); }
        Assert.That(err.ToString(), Does.Contain("references test purpose 'TP-END-BV-2', which does not exist in the test suite"));
    }

    private static Profile WithPasswordEnv(string variable) =>
        ProfileLoader.Parse(Mutate(ValidSsh, "password_env: DUT_PW", $"password_env: {variable}"), Source);

    [Test]
    public void GetSid_ReturnsTypedSid()
    {
        var sid = ProfileLoader.Parse(ValidSsh, Source).GetSid("end_psp");
        Assert.That(sid.Behavior, Is.EqualTo(SrBehavior.End));
        Assert.That(sid.Has(SrFlavor.Psp), Is.True);
        Assert.That(sid.Address, Is.EqualTo(IPAddress.Parse("2001:db8:b:1:e1::")));
    }

    [Test]
    public void GetSid_Missing_NamesTheField()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        var e = Assert.Throws<ProfileException>(() => p.GetSid("end_x"))!;
        Assert.That(e.Errors[0].FieldPath, Is.EqualTo("parameters.sids.end_x"));
        Assert.That(e.Message, Does.Contain("parameters.sids.end_x").And.Contain("end, end_psp").And.Contain($"{Source}:{LineOf(ValidSsh, "    end:")}:"));
    }

    [Test]
    public void Claims_And_Supports()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.Multiple(() =>
        {
            Assert.That(p.Capabilities.Supports("End.X"), Is.True);
            Assert.That(p.Capabilities.Supports(SrBehavior.EndT), Is.False);
            Assert.That(p.Capabilities.SupportsFlavor("PSP"), Is.True);
            Assert.That(p.Capabilities.SupportsFlavor(SrFlavor.Usd), Is.False);
            Assert.That(p.Capabilities.SupportsHeadend("H.Encaps"), Is.True);
            Assert.That(p.Claims("End"), Is.True);
            Assert.That(p.Claims("oam.ping_to_sid"), Is.False);
            Assert.That(p.Claims("hmac.sha256"), Is.False);
            Assert.Throws<ArgumentException>(() => p.Claims("End.Y"));
            Assert.Throws<ArgumentException>(() => p.Capabilities.Supports("end.x"));
        });
    }

    [Test]
    public void ResolvePassword_UnsetVariable_NamesIt()
    {
        var variable = "PROFILE_TEST_PW_" + Guid.NewGuid().ToString("N");
        var auth = WithPasswordEnv(variable).Testbed.Ssh!.Auth!;
        Assert.That(auth.PasswordEnv, Is.EqualTo(variable));
        var e = Assert.Throws<ProfileException>(() => auth.ResolvePassword())!;
        Assert.That(e.Message, Does.Contain(variable).And.Contain("testbed.ssh.auth.password_env").And.Contain($"{Source}:{LineOf(ValidSsh, "password_env")}:"));
    }

    [Test]
    public void ResolvePassword_And_SecretValues_ReadTheEnvironment()
    {
        var variable = "PROFILE_TEST_PW_" + Guid.NewGuid().ToString("N");
        var p = WithPasswordEnv(variable);
        Assert.That(p.SecretValues(), Is.Empty);
        Environment.SetEnvironmentVariable(variable, "s3cret-value");
        try
        {
            Assert.That(p.Testbed.Ssh!.Auth!.ResolvePassword(), Is.EqualTo("s3cret-value"));
            Assert.That(p.SecretValues(), Is.EqualTo(new[] { "s3cret-value" }));
            Assert.That(p.ToString(), Does.Not.Contain("s3cret-value"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Test]
    public void KeyFile_IsResolvedAgainstTheProfileDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "profile-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "r.yaml");
            File.WriteAllText(path, Mutate(ValidSsh, "      password_env: DUT_PW", "      key_file: keys/id_ed25519\n      key_passphrase_env: KEY_PP"));
            var p = ProfileLoader.Load(path);
            var auth = p.Testbed.Ssh!.Auth!;
            Assert.That(auth.KeyFile, Is.EqualTo("keys/id_ed25519"));
            Assert.That(auth.KeyFilePath, Is.EqualTo(Path.Combine(dir, "keys", "id_ed25519")));
            Assert.That(auth.PasswordEnv, Is.Null);
            Assert.That(auth.KeyPassphraseEnv, Is.EqualTo("KEY_PP"));
            Assert.That(p.SourcePath, Is.EqualTo(path));
            Assert.That(p.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Defaults_AreApplied()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.Multiple(() =>
        {
            Assert.That(p.Testbed.Ssh!.Port, Is.EqualTo(22));
            Assert.That(p.Testbed.Ssh.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(p.Parameters.Traffic.MaxPackets, Is.EqualTo(100));
            Assert.That(p.Parameters.Traffic.MaxDuration, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(p.Capabilities.Oam.OFlagProcessing, Is.False);
            Assert.That(p.Testbed.Ssh.HostKeySha256Bytes, Has.Length.EqualTo(32));
        });
    }

    [Test]
    public void DeviationsFor_FindsEntriesByTestPurpose()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.That(p.DeviationsFor("TP/A/1").Select(d => d.Id), Is.EqualTo(new[] { "DEV-1" }));
        Assert.That(p.DeviationsFor("TP/A/2"), Is.Empty);
    }


    private static OFlagParameters OFlag(string lines) =>
        ProfileLoader.Parse(ProfileTestSupport.Mutate(ValidSsh, "  traffic:", "  o_flag:\n" + lines + "  traffic:"), Source).Parameters.OFlag!;

    [Test]
    public void OFlagRates_DefaultToTheConfiguredRate()
    {
        var o = OFlag("    rate_per_second: 25\n    burst: 5\n");
        Assert.That(o.RatePerSecond, Is.EqualTo(25));
        Assert.That(o.RatesPerSecond, Is.EqualTo(new[] { 25 }), "without rates_per_second the case measures rate_per_second alone");
        var none = OFlag("    collector_port: t2\n");
        Assert.That(none.RatePerSecond, Is.EqualTo(10));
        Assert.That(none.RatesPerSecond, Is.EqualTo(new[] { 10 }));
    }

    [Test]
    public void OFlagRates_ListIsKeptInOrder_AndTheConfiguredRateDefaultsToItsFirst()
    {
        var o = OFlag("    rates_per_second: [10, 100, 1_000]\n");
        Assert.That(o.RatesPerSecond, Is.EqualTo(new[] { 10, 100, 1000 }));
        Assert.That(o.RatePerSecond, Is.EqualTo(10), "the rate configured at set-up defaults to the first listed");
        var both = OFlag("    rate_per_second: 100\n    rates_per_second: [1000, 10]\n");
        Assert.That(both.RatePerSecond, Is.EqualTo(100), "an explicit rate_per_second is kept (compatible with older profiles)");
        Assert.That(both.RatesPerSecond, Is.EqualTo(new[] { 1000, 10 }));
    }

    [Test]
    public void ReferenceLab_MeasuresThreeRates()
    {
        var p = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        Assert.That(p.Parameters.OFlag!.RatesPerSecond, Is.EqualTo(new[] { 10, 100, 1000 }));
        Assert.That(p.Parameters.OFlag.RatePerSecond, Is.EqualTo(10));
        // The case offers 10 × the rate for 5 s: the profile's own safety bounds must allow the largest.
        Assert.That(p.Parameters.Traffic.MaxRatePps, Is.GreaterThanOrEqualTo(10 * 1000));
        Assert.That(p.Parameters.Traffic.MaxPackets, Is.GreaterThanOrEqualTo(5 * 10 * 1000));
    }
}
