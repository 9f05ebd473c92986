using Conformance.Harness.Dut;
using DutIdentity = Conformance.Harness.Dut.DutIdentity;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

/// <summary>
/// The security additions to the profile format: parameters.hmac_keys (secrets only by environment variable name),
/// parameters.inside_sources, traffic bounds that are rejected rather than obeyed, and the serial in the identity check.
/// </summary>
public class SecurityProfileTests
{
    private const string Hmac = """
        capabilities:
          behaviors: [End, End.X]
          flavors: [PSP]
          headends: [H.Encaps]
          hmac: { supported: true, algorithms: [sha256] }
        """;

    private static string WithHmac(string keys) =>
        Mutate(Mutate(ValidSsh, """
        capabilities:
          behaviors: [End, End.X]
          flavors: [PSP]
          headends: [H.Encaps]
        """, Hmac), "  traffic:\n    max_packets_per_case: 100", "  traffic:\n    max_packets_per_case: 100\n" + keys);

    [Test]
    public void HmacKeysAreReadWithTheSecretsVariableNameOnly()
    {
        var p = ProfileLoader.Parse(WithHmac("  hmac_keys:\n    - { key_id: 7, algorithm: sha256, secret_env: SRV6CONF_TEST_HMAC_7 }"), Source);
        var k = p.Parameters.HmacKeys.Single();
        Assert.That((k.KeyId, k.Algorithm, k.SecretEnv), Is.EqualTo((7u, HmacAlgorithm.Sha256, "SRV6CONF_TEST_HMAC_7")));
        Environment.SetEnvironmentVariable("SRV6CONF_TEST_HMAC_7", null);
        var e = Assert.Throws<ProfileException>(() => k.ResolveSecret());
        Assert.That(e!.Message, Does.Contain("SRV6CONF_TEST_HMAC_7"));
        Environment.SetEnvironmentVariable("SRV6CONF_TEST_HMAC_7", "canary-hmac-7f3e");
        try { Assert.That(p.SecretValues(), Does.Contain("canary-hmac-7f3e")); }
        finally { Environment.SetEnvironmentVariable("SRV6CONF_TEST_HMAC_7", null); }
    }

    [Test]
    public void ALiteralHmacSecretIsRejectedAndNotEchoed()
    {
        var yaml = WithHmac("  hmac_keys:\n    - { key_id: 7, algorithm: sha256, secret: hunter2hmac }");
        var e = ParseFails(yaml);
        Assert.That(e.Message, Does.Contain("secret_env").And.Not.Contain("hunter2hmac"));
        var e2 = ParseFails(WithHmac("  hmac_keys:\n    - { key_id: 7, algorithm: sha256, secret_env: 'hunter2 hmac' }"));
        Assert.That(e2.Message, Does.Contain("NAME of an environment variable").And.Not.Contain("hunter2 hmac"));
    }

    [TestCase("key_id: 0, algorithm: sha256, secret_env: K", "parameters.hmac_keys[0].key_id")]
    [TestCase("key_id: 1, algorithm: md5, secret_env: K", "parameters.hmac_keys[0].algorithm")]
    [TestCase("key_id: 1, algorithm: sha1, secret_env: K", "parameters.hmac_keys[0].algorithm")]
    public void BadHmacKeysAreRejected(string key, string path)
    {
        var e = ParseFails(WithHmac($"  hmac_keys:\n    - {{ {key} }}"));
        Assert.That(e.Errors.Select(x => x.FieldPath), Does.Contain(path), e.Message);
    }

    [Test]
    public void DuplicateKeyIdsAreRejected()
    {
        var e = ParseFails(WithHmac("  hmac_keys:\n    - { key_id: 1, algorithm: sha256, secret_env: A }\n    - { key_id: 1, algorithm: sha256, secret_env: B }"));
        Assert.That(e.Message, Does.Contain("duplicate HMAC key id 1"));
    }

    [Test]
    public void InsideSourcesAreIpv6Prefixes()
    {
        var p = ProfileLoader.Parse(WithHmac("  inside_sources: ['2001:db8::/33']"), Source);
        Assert.That(p.Parameters.InsideSources.Single().ToString(), Is.EqualTo("2001:db8::/33"));
        ParseFails(WithHmac("  inside_sources: ['192.0.2.0/24']"));
    }

    [Test]
    public void ProfilesWithoutTheNewKeysStayValid()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.That(p.Parameters.HmacKeys, Is.Empty);
        Assert.That(p.Parameters.InsideSources, Is.Empty);
    }

    // ---------------- traffic bounds: rejected, not obeyed ----------------

    [TestCase("max_rate_pps: 0")]
    [TestCase("max_rate_pps: 2000000")]
    [TestCase("max_packets_per_case: -5")]
    [TestCase("max_packets_per_case: 1000001")]
    [TestCase("max_duration_s: 0")]
    [TestCase("max_duration_s: 86400")]
    [TestCase("max_rate_pps: fast")]
    public void AMisconfiguredTrafficBoundIsRejectedByTheLoader(string line)
    {
        var e = ParseFails(Mutate(ValidSsh, "max_packets_per_case: 100", line));
        Assert.That(e.Errors.Select(x => x.FieldPath), Has.Some.StartsWith("parameters.traffic."), e.Message);
    }

    [Test]
    public void APortRefusesARateOrCountBeyondItsLimitsBeforeSendingAnything()
    {
        using var veth = new Support.VethPair();
        var limits = new Conformance.Harness.Tester.TrafficLimits(MaxPackets: 5, MaxRatePps: 100, MaxDuration: TimeSpan.FromSeconds(2));
        using var port = Conformance.Harness.Tester.TesterPort.Open(new Conformance.Harness.Tester.TesterPortBinding("t1", veth.TesterIf, [], Dedicated: true), limits);
        long Tx() => long.Parse(File.ReadAllText($"/sys/class/net/{veth.TesterIf}/statistics/tx_packets").Trim());
        var before = Tx();
        var frame = new Conformance.Harness.Packets.PacketBuilder().Ethernet("02-00-00-00-00-01", veth.FarMac.Replace(':', '-'))
            .Ipv6("2001:db8:0:9::2", Support.VethPair.FarAddress).IcmpEchoRequest(1, 1, [1]).Build();
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendBurst(Enumerable.Repeat(frame, 6).ToList()));
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendPaced(_ => frame, 5, 1_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendPaced(_ => frame, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendPaced(_ => frame, 6, 50));
        Assert.That(Tx() - before, Is.Zero, "a rejected request sends nothing");
        Assert.That(port.Sent, Is.Empty);
    }


    // ---------------- identity: serial ----------------

    private static Profile WithSerial(string? serial)
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        return p with { Testbed = p.Testbed with { Identity = p.Testbed.Identity with { Serial = serial } } };
    }

    [Test]
    public void ASerialMismatchStopsBeforeConfiguringAndNamesBothSerials()
    {
        var e = Assert.Throws<TestbedException>(() =>
            LiveTestbed.CheckIdentity(WithSerial("FOC1234X0AB"), new DutIdentity("r1", "6.1", "Debian", "Linux x86_64", "FOC9999Z9ZZ"), "[2001:db8::1]:22"));
        Assert.That(e!.Message, Does.Contain("'FOC9999Z9ZZ'").And.Contain("'FOC1234X0AB'").And.Contain("testbed.identity.serial").And.Contain("nothing was configured"));
    }

    [Test]
    public void ASerialTheDeviceDoesNotReportStopsToo()
    {
        var e = Assert.Throws<TestbedException>(() =>
            LiveTestbed.CheckIdentity(WithSerial("FOC1234X0AB"), new DutIdentity("r1", "6.1", "Debian", "Linux x86_64"), "[2001:db8::1]:22"));
        Assert.That(e!.Message, Does.Contain("reports none"));
    }

    [Test]
    public void AMatchingSerialOrNoSerialInTheProfilePasses()
    {
        Assert.DoesNotThrow(() => LiveTestbed.CheckIdentity(WithSerial("foc1234x0ab"), new DutIdentity("r1", "6.1", "Debian", "Linux x86_64", "FOC1234X0AB "), "x"));
        Assert.DoesNotThrow(() => LiveTestbed.CheckIdentity(WithSerial(null), new DutIdentity("r1", "6.1", "Debian", "Linux x86_64", "whatever"), "x"));
    }

    [Test]
    public void TheLinuxSerialIsTheDmiSerialElseTheMachineId()
    {
        // Run the driver's own command on this host: it must print the DMI serial or /etc/machine-id, one line.
        var outp = Support.Sh.Run("sh", "-c", LinuxPlatform.SerialCommand).Trim();
        var dmi = File.Exists("/sys/class/dmi/id/product_serial") ? File.ReadAllText("/sys/class/dmi/id/product_serial").Trim() : "";
        var machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        Assert.That(outp, Is.Not.Empty.And.Not.Contains("\n"));
        Assert.That(outp, Is.EqualTo(dmi is "" or "0" or "None" or "Not Specified" or "To be filled by O.E.M." or "Default string" ? machineId : dmi.Replace(" ", "")));
    }
}
