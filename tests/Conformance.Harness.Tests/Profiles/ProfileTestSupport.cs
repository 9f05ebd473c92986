using Conformance.Harness.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Profiles;

internal static class ProfileTestSupport
{
    public const string Source = "test.yaml";

    /// <summary>A small, valid ssh profile that the error tests mutate.</summary>
    public const string ValidSsh = """
        profile: test
        format_version: 1
        testbed:
          kind: ssh
          platform: iosxr
          identity:
            hostname: r1
          ssh:
            host: 192.0.2.10
            user: u
            auth:
              password_env: DUT_PW
            host_key_sha256: SHA256:REPLACEwithTheRoutersOwnHostKeyFingerprint0
          tester_ports:
            - name: t1
              interface: eth1
              dut_interface: Gi0/0/0/0
              role: internal
              tester_ipv6: 2001:db8:0:1::2/64
              dut_ipv6: 2001:db8:0:1::1
              dedicated: true
            - name: t2
              interface: eth2
              dut_interface: Gi0/0/0/1
              role: external
              tester_ipv6: 2001:db8:0:2::2/64
              dut_ipv6: 2001:db8:0:2::1
              dedicated: true
        capabilities:
          behaviors: [End, End.X]
          flavors: [PSP]
          headends: [H.Encaps]
        parameters:
          sid_block: 2001:db8:b::/48
          locator: 2001:db8:b:1::/64
          sids:
            end: { behavior: End, address: '2001:db8:b:1:e::' }
            end_psp: { behavior: End, flavors: [PSP], address: '2001:db8:b:1:e1::' }
          traffic:
            max_packets_per_case: 100
        known_deviations:
          - id: DEV-1
            test_purposes: [TP/A/1]
            rfc: RFC 8754 §4.3.1.1
            requirement: req
            observed: obs
            reason: why
        """;

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ProfilesDir => Path.Combine(RepoRoot, "profiles");

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "profiles", "profile.schema.json"))) return d.FullName;
        }
        throw new InvalidOperationException("repository root (with profiles/profile.schema.json) not found");
    }

    /// <summary>Replaces exactly one occurrence of <paramref name="from"/>.</summary>
    public static string Mutate(string yaml, string from, string to)
    {
        var i = yaml.IndexOf(from, StringComparison.Ordinal);
        Assert.That(i, Is.GreaterThanOrEqualTo(0), $"test setup: '{from}' not in the base profile");
        Assert.That(yaml.IndexOf(from, i + 1, StringComparison.Ordinal), Is.EqualTo(-1), $"test setup: '{from}' is ambiguous");
        return yaml[..i] + to + yaml[(i + from.Length)..];
    }

    /// <summary>1-based line of the first occurrence of <paramref name="needle"/>.</summary>
    public static int LineOf(string yaml, string needle)
    {
        var i = yaml.IndexOf(needle, StringComparison.Ordinal);
        Assert.That(i, Is.GreaterThanOrEqualTo(0), $"test setup: '{needle}' not found");
        return yaml[..i].Count(c => c == '\n') + 1;
    }

    public static ProfileException ParseFails(string yaml, ProfileLoadOptions? options = null) =>
        Assert.Throws<ProfileException>(() => ProfileLoader.Parse(yaml, Source, options))!;

    /// <summary>Asserts an error at <c>test.yaml:line:</c> with that field path, and that the message shows it.</summary>
    public static ProfileError AssertError(ProfileException e, int line, string fieldPath, string? messageContains = null)
    {
        var match = e.Errors.FirstOrDefault(x => x.Line == line && x.FieldPath == fieldPath);
        Assert.That(match, Is.Not.Null, $"no error at line {line} for '{fieldPath}'. Got:\n{e.Message}");
        Assert.That(e.Message, Does.Contain($"{Source}:{line}:"));
        Assert.That(e.Message, Does.Contain($"{fieldPath}: "));
        if (messageContains is not null) Assert.That(match!.Message, Does.Contain(messageContains));
        return match!;
    }
}
