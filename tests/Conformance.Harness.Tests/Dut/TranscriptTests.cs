using Conformance.Harness.Dut;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Dut;

public class TranscriptTests
{
    [Test]
    public void RegisteredSecrets_NeverAppearInToText()
    {
        var t = new Transcript();
        const string password = "s3cr3t-P@ss";
        const string passphrase = "correct horse battery";
        t.AddSecret(password);
        t.AddSecret(passphrase);
        t.Record(new TranscriptEntry(DateTimeOffset.UtcNow, $"echo {password} | sudo -S true", 0, $"got {password}\n", $"pass {passphrase}", TimeSpan.FromMilliseconds(12)));
        t.Note($"login with {password}");
        var text = t.ToText();
        Assert.That(text, Does.Not.Contain(password).And.Not.Contain(passphrase));
        Assert.That(text, Does.Contain("echo *** | sudo -S true").And.Contain("pass ***").And.Contain("login with ***"));
        Assert.That(t.Entries.Select(e => e.Command + e.Stdout + e.Stderr + e.Note), Has.None.Contain(password));
    }

    [Test]
    public void SecretRegisteredLater_IsStillRedacted()
    {
        var t = new Transcript();
        t.Record(new TranscriptEntry(DateTimeOffset.UtcNow, "cat token", 0, "tok-123456", "", TimeSpan.Zero));
        t.AddSecret("tok-123456");
        Assert.That(t.ToText(), Does.Not.Contain("tok-123456"));
    }

    [Test]
    public void PrivateKeyMaterial_IsRedacted()
    {
        var t = new Transcript();
        const string key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAC3NzaC1lZDI1NTE5AAAAIJ1u2TBf5mVZ\n-----END OPENSSH PRIVATE KEY-----\n";
        t.AddSecretFileContent(key);
        t.Record(new TranscriptEntry(DateTimeOffset.UtcNow, "cat id", 0, key, "", TimeSpan.Zero));
        Assert.That(t.ToText(), Does.Not.Contain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ").And.Not.Contain("AAAAC3NzaC1lZDI1NTE5AAAAIJ1u2TBf5mVZ"));
    }

    [Test]
    public void ToText_HasIsoTimestampsDurationAndExitCode()
    {
        var t = new Transcript();
        t.Record(new TranscriptEntry(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), "ip -6 route", 2, "", "oops", TimeSpan.FromMilliseconds(1.5)));
        Assert.That(t.ToText(), Does.Contain("2026-01-02T03:04:05.678Z $ ip -6 route").And.Contain("exit=2 duration=1.5ms").And.Contain("| oops"));
    }
}
