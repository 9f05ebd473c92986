using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

[TestFixture]
public class ProfileErrorTests
{
    [Test]
    public void BaseProfileIsValid()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.That(p.Testbed.TesterPorts, Has.Count.EqualTo(2));
    }

    [Test]
    public void UnknownKey_SuggestsClosestName()
    {
        var yaml = Mutate(ValidSsh, "    hostname: r1", "    hostnme: r1");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "hostnme"), "testbed.identity.hostnme", "did you mean 'hostname'?");
        Assert.That(e.Errors, Has.Count.EqualTo(1), "no second 'hostname is missing' error for the misspelled key");
    }

    [Test]
    public void UnknownKey_WithoutCloseMatch_ListsAllowedKeys()
    {
        var yaml = Mutate(ValidSsh, "  flavors: [PSP]", "  flavors: [PSP]\n  colour: blue");
        var err = AssertError(ParseFails(yaml), LineOf(yaml, "colour"), "capabilities.colour", "allowed here:");
        Assert.That(err.Message, Does.Not.Contain("did you mean"));
    }

    [Test]
    public void MissingRequiredField()
    {
        var yaml = Mutate(ValidSsh, "    user: u\n", "");
        var err = AssertError(ParseFails(yaml), LineOf(yaml, "    host: 192"), "testbed.ssh.user", "required field 'user' is missing");
        Assert.That(err.Column, Is.EqualTo(5));
    }

    [Test]
    public void WrongTypes_AreAllReported()
    {
        var yaml = Mutate(ValidSsh, "    user: u\n", "    user: u\n    port: \"22\"\n");
        yaml = Mutate(yaml, "      dedicated: true\n    - name: t2", "      dedicated: yes\n    - name: t2");
        yaml = Mutate(yaml, "  headends: [H.Encaps]", "  headends: H.Encaps");
        yaml = Mutate(yaml, "    max_packets_per_case: 100", "    max_packets_per_case: lots");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "port: \"22\""), "testbed.ssh.port", "remove the quotes");
        AssertError(e, LineOf(yaml, "dedicated: yes"), "testbed.tester_ports[0].dedicated", "expected true or false");
        AssertError(e, LineOf(yaml, "headends: H.Encaps"), "capabilities.headends", "expected a list");
        AssertError(e, LineOf(yaml, "max_packets_per_case: lots"), "parameters.traffic.max_packets_per_case", "whole number");
        Assert.That(e.Errors, Has.Count.EqualTo(4));
        Assert.That(e.Errors.Select(x => x.Line), Is.Ordered, "errors are sorted by position");
    }

    [Test]
    public void BadAddress()
    {
        var yaml = Mutate(ValidSsh, "      dut_ipv6: 2001:db8:0:2::1", "      dut_ipv6: 2001:db8:0:2::zz");
        AssertError(ParseFails(yaml), LineOf(yaml, "::zz"), "testbed.tester_ports[1].dut_ipv6", "not a valid IP address");
    }

    [Test]
    public void AddressOfWrongFamily_AndNotOnTheLink()
    {
        var yaml = Mutate(ValidSsh, "      dut_ipv6: 2001:db8:0:1::1", "      dut_ipv6: 192.0.2.1");
        yaml = Mutate(yaml, "      dut_ipv6: 2001:db8:0:2::1", "      dut_ipv6: 2001:db8:0:9::1");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "dut_ipv6: 192.0.2.1"), "testbed.tester_ports[0].dut_ipv6", "expected an IPv6 address");
        AssertError(e, LineOf(yaml, "0:9::1"), "testbed.tester_ports[1].dut_ipv6", "is not on the link 2001:db8:0:2::/64");
    }

    [Test]
    public void BadPrefix_HostBitsSet_SuggestsNetwork()
    {
        var yaml = Mutate(ValidSsh, "  locator: 2001:db8:b:1::/64", "  locator: 2001:db8:b:1::5/64");
        AssertError(ParseFails(yaml), LineOf(yaml, "  locator:"), "parameters.locator", "did you mean '2001:db8:b:1::/64'?");
    }

    [Test]
    public void SidOutsideLocator_AndLocatorOutsideBlock()
    {
        var yaml = Mutate(ValidSsh, "address: '2001:db8:b:1:e::'", "address: '2001:db8:b:2:e::'");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "2001:db8:b:2:e::"), "parameters.sids.end.address", "not inside the locator");

        yaml = Mutate(ValidSsh, "  locator: 2001:db8:b:1::/64", "  locator: 2001:db8:c:1::/64");
        AssertError(ParseFails(yaml), LineOf(yaml, "  locator:"), "parameters.locator", "not inside sid_block");
    }

    [TestCase("SHA256:abc")]
    [TestCase("MD5:aa:bb:cc")]
    [TestCase("SHA256:REPLACEwithTheRoutersOwnHostKeyFingerprint1")] // non-canonical last character
    [TestCase("SHA256:REPLACEwithTheRoutersOwnHostKeyFingerprint0=")]
    public void BadHostKeyFingerprint(string value)
    {
        var yaml = Mutate(ValidSsh, "SHA256:REPLACEwithTheRoutersOwnHostKeyFingerprint0", value);
        AssertError(ParseFails(yaml), LineOf(yaml, "host_key_sha256"), "testbed.ssh.host_key_sha256", "43 base64 characters");
    }

    [Test]
    public void LiteralPassword_IsRejected_AndNotEchoed()
    {
        var yaml = Mutate(ValidSsh, "      password_env: DUT_PW", "      password: hunter2");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "password: hunter2"), "testbed.ssh.auth.password", "password_env");
        Assert.That(e.Errors, Has.Count.EqualTo(1));
        Assert.That(e.Message, Does.Not.Contain("hunter2"));
    }

    [Test]
    public void PasswordEnvHoldingASecret_IsRejected_AndNotEchoed()
    {
        var yaml = Mutate(ValidSsh, "      password_env: DUT_PW", "      password_env: 'p@ss word!'");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "password_env"), "testbed.ssh.auth.password_env", "NAME of an environment variable");
        Assert.That(e.Message, Does.Not.Contain("p@ss"));
    }

    [Test]
    public void KeyFileAndPasswordEnvTogether_IsRejected()
    {
        var yaml = Mutate(ValidSsh, "      password_env: DUT_PW", "      password_env: DUT_PW\n      key_file: id_ed25519");
        AssertError(ParseFails(yaml), LineOf(yaml, "password_env"), "testbed.ssh.auth", "not both");
    }

    [Test]
    public void UnknownBehaviorAndFlavor_ListAllowedNames()
    {
        var yaml = Mutate(ValidSsh, "  behaviors: [End, End.X]", "  behaviors: [End, End.Y]");
        yaml = Mutate(yaml, "  flavors: [PSP]", "  flavors: [PSP, psp2]");
        var e = ParseFails(yaml);
        var b = AssertError(e, LineOf(yaml, "End.Y"), "capabilities.behaviors[1]", "unknown behavior 'End.Y'");
        Assert.That(b.Message, Does.Contain("End.DT46").And.Contain("End.B6.Encaps.Red"));
        AssertError(e, LineOf(yaml, "psp2"), "capabilities.flavors[1]", "NEXT-C-SID");
    }

    [Test]
    public void SidUsingUnclaimedBehavior_IsRejected()
    {
        var yaml = Mutate(ValidSsh, "  behaviors: [End, End.X]", "  behaviors: [End.X]");
        AssertError(ParseFails(yaml), LineOf(yaml, "    end: "), "parameters.sids.end.behavior", "not claimed");
    }

    [Test]
    public void PspOnADecapsulationBehavior_IsRejected()
    {
        var yaml = Mutate(ValidSsh, "  behaviors: [End, End.X]", "  behaviors: [End, End.X, End.DT6]");
        yaml = Mutate(yaml, "{ behavior: End, flavors: [PSP],", "{ behavior: End.DT6, flavors: [PSP],");
        AssertError(ParseFails(yaml), LineOf(yaml, "end_psp"), "parameters.sids.end_psp.flavors", "RFC 8986 §4.16");
    }

    [Test]
    public void EndXWithoutNextHop_IsRejected()
    {
        var yaml = Mutate(ValidSsh, "    end: { behavior: End,", "    end_x: { behavior: End.X, address: '2001:db8:b:1:c2::' }\n    end: { behavior: End,");
        AssertError(ParseFails(yaml), LineOf(yaml, "end_x"), "parameters.sids.end_x.next_hop", "required field 'next_hop' is missing");
    }

    [Test]
    public void OFlagCollectorPort_MustNameATesterPort()
    {
        var yaml = Mutate(ValidSsh, "  traffic:", "  o_flag:\n    collector_port: t9\n  traffic:");
        AssertError(ParseFails(yaml), LineOf(yaml, "t9"), "parameters.o_flag.collector_port", "no tester port named 't9'");
    }

    [TestCase("host: 300.1.1.1")]
    [TestCase("host: bad_host!")]
    public void BadSshHost(string line)
    {
        var yaml = Mutate(ValidSsh, "host: 192.0.2.10", line);
        AssertError(ParseFails(yaml), LineOf(yaml, line), "testbed.ssh.host", "neither an IP address nor a valid DNS name");
    }

    [TestCase("max_packets_per_case: 1000001", "parameters.traffic.max_packets_per_case", "1000000")]
    [TestCase("max_rate_pps: 2000000", "parameters.traffic.max_rate_pps", "1000000")]
    [TestCase("max_duration_s: 601", "parameters.traffic.max_duration_s", "600")]
    public void TrafficBoundsExceeded(string line, string path, string max)
    {
        var yaml = Mutate(ValidSsh, "    max_packets_per_case: 100", "    " + line);
        AssertError(ParseFails(yaml), LineOf(yaml, line), path, $"exceeds the maximum of {max}");
    }

    [Test]
    public void YamlSyntaxError_HasLineAndColumn()
    {
        var yaml = Mutate(ValidSsh, "  behaviors: [End, End.X]", "  behaviors: [End, End.X");
        var e = ParseFails(yaml);
        Assert.That(e.Errors, Has.Count.EqualTo(1));
        Assert.That(e.Errors[0].Line, Is.GreaterThanOrEqualTo(LineOf(yaml, "behaviors:")));
        Assert.That(e.Message, Does.Contain($"{Source}:{e.Errors[0].Line}:{e.Errors[0].Column}: YAML syntax error"));
        Assert.That(e.Message, Does.Not.Contain("Idx:"));
    }

    [Test]
    public void YamlSyntaxError_BadIndentation()
    {
        var yaml = Mutate(ValidSsh, "  platform: iosxr", "   platform: iosxr");
        var e = ParseFails(yaml);
        Assert.That(e.Errors, Has.Count.EqualTo(1));
        Assert.That(e.Message, Does.Contain($"{Source}:{LineOf(yaml, "platform")}:").And.Contain("YAML syntax error"));
    }

    [Test]
    public void DuplicateKey_IsASyntaxError()
    {
        var yaml = Mutate(ValidSsh, "    user: u\n", "    user: u\n    user: v\n");
        var e = ParseFails(yaml);
        Assert.That(e.Message, Does.Contain($"{Source}:{LineOf(yaml, "user: v")}:"));
    }

    [Test]
    public void FileNotFound_NamesThePathAndSuggestsProfilesDirectory()
    {
        var path = Path.Combine("no-such-dir", "my-router.yaml");
        var e = Assert.Throws<ProfileException>(() => ProfileLoader.Load(path))!;
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(e.Message, Does.Contain("profiles"));
        Assert.That(e.Errors[0].Line, Is.Zero);
    }

    [Test]
    public void DuplicateTesterPortNames()
    {
        var yaml = Mutate(ValidSsh, "    - name: t2", "    - name: t1");
        var lines = yaml.Split('\n');
        var second = Array.FindLastIndex(lines, l => l.Contains("- name: t1", StringComparison.Ordinal)) + 1;
        AssertError(ParseFails(yaml), second, "testbed.tester_ports[1].name", "duplicate tester port name 't1'");
    }

    [Test]
    public void KnownDeviationReferencingNothing()
    {
        var yaml = Mutate(ValidSsh, "    test_purposes: [TP/A/1]", "    test_purposes: []");
        AssertError(ParseFails(yaml), LineOf(yaml, "test_purposes"), "known_deviations[0].test_purposes", "at least one test purpose");
    }

    [Test]
    public void KnownDeviationReferencingUnknownTestPurpose_WhenCatalogGiven()
    {
        var options = new ProfileLoadOptions { KnownTestPurposes = new HashSet<string> { "TP/A/2", "TP/B/1" } };
        var e = ParseFails(ValidSsh, options);
        AssertError(e, LineOf(ValidSsh, "test_purposes"), "known_deviations[0].test_purposes[0]", "did you mean 'TP/A/2'?");
        Assert.That(ProfileLoader.Parse(ValidSsh, Source, new ProfileLoadOptions { KnownTestPurposes = new HashSet<string> { "TP/A/1" } }).KnownDeviations, Has.Count.EqualTo(1));
    }

    [Test]
    public void ReferenceLabWithGeneratedValues_IsRejected()
    {
        var yaml = Mutate(ValidSsh, "  kind: ssh", "  kind: reference-lab");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "host: 192"), "testbed.ssh.host", "generates");
        AssertError(e, LineOf(yaml, "password_env"), "testbed.ssh.auth", "generates");
        AssertError(e, LineOf(yaml, "host_key_sha256"), "testbed.ssh.host_key_sha256", "generates");
    }

    [Test]
    public void UnsupportedFormatVersion()
    {
        var yaml = Mutate(ValidSsh, "format_version: 1", "format_version: 2");
        AssertError(ParseFails(yaml), 2, "format_version", "not supported");
    }

    [Test]
    public void Message_HasOneLinePerErrorAndAHint()
    {
        var yaml = Mutate(ValidSsh, "    hostname: r1", "    hostnme: r1");
        yaml = Mutate(yaml, "  flavors: [PSP]", "  flavors: [PSP, XYZ]");
        var lines = ParseFails(yaml).Message.Split('\n');
        Assert.That(lines[0], Does.Match(@"^\d+ profile errors:$"));
        Assert.That(lines[1..^1], Has.All.Match(@"^test\.yaml:\d+:\d+: [a-z_.\[\]0-9]+: .+"));
        Assert.That(lines[^1], Does.StartWith("hint: "));
    }

    [Test]
    public void EmptyAndMultiDocumentFiles()
    {
        Assert.That(ParseFails("# nothing\n").Message, Does.Contain("empty"));
        Assert.That(ParseFails(ValidSsh + "\n---\nprofile: x\n").Message, Does.Contain("exactly one YAML document"));
    }


    private static string WithOFlag(string lines) => Mutate(ValidSsh, "  traffic:", "  o_flag:\n" + lines + "  traffic:");

    [TestCase("    rates_per_second: []\n", "rates_per_second: []", "parameters.o_flag.rates_per_second", "is empty; list at least one punt rate")]
    [TestCase("    rates_per_second: 100\n", "rates_per_second: 100", "parameters.o_flag.rates_per_second", "expected a list of punt rates per second")]
    [TestCase("    rates_per_second: [10, fast]\n", "rates_per_second: [10, fast]", "parameters.o_flag.rates_per_second[1]", "expected a whole number per second; got 'fast'")]
    [TestCase("    rates_per_second: [10, 0]\n", "rates_per_second: [10, 0]", "parameters.o_flag.rates_per_second[1]", "0 is below the minimum of 1 per second")]
    [TestCase("    rates_per_second: [10, 2000000]\n", "rates_per_second: [10, 2000000]", "parameters.o_flag.rates_per_second[1]", "exceeds the maximum of 1000000 per second")]
    [TestCase("    rates_per_second: [10, 100, 10]\n", "rates_per_second: [10, 100, 10]", "parameters.o_flag.rates_per_second[2]", "10 is listed twice")]
    [TestCase("    rates_per_second: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "rates_per_second: [1, 2", "parameters.o_flag.rates_per_second", "lists 9 rates; at most 8")]
    [TestCase("    rates_per_second: ['10']\n", "rates_per_second: ['10']", "parameters.o_flag.rates_per_second[0]", "remove the quotes")]
    [TestCase("    rate_per_seconds: [10]\n", "rate_per_seconds", "parameters.o_flag.rate_per_seconds", "did you mean")]
    public void OFlagRates_BadValues(string lines, string at, string path, string message)
    {
        var yaml = WithOFlag(lines);
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, at), path, message);
        Assert.That(e.Errors, Has.Count.EqualTo(1), string.Join('\n', e.Errors));
    }
}
