using System.Diagnostics;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Tests.Lab;
using Conformance.Harness.Tests.Platforms;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Dut;

[TestFixture, Category("Lab"), NonParallelizable]
public class SshDutSessionTests
{
    private ReferenceLab _lab = null!;

    [OneTimeSetUp]
    public async Task StartLab()
    {
        LabTestSupport.RequireLinuxLab();
        _lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault());
    }

    [OneTimeTearDown]
    public async Task StopLab()
    {
        if (_lab is not null)
        {
            var id = _lab.RunId;
            await _lab.DisposeAsync();
            LabTestSupport.AssertNothingLeft(id);
        }
    }

    /// <summary>
    /// The generic router-CLI driver over a real SSH shell channel (SSH.NET, pinned host key, a pty): the "router" is
    /// the lab DUT's interactive shell, described by a throwaway pack whose prompts are shell prompts, configuration
    /// mode a different prompt, and whose error line is the shell's "command not found".
    /// </summary>
    [Test]
    public async Task TheCliDriverDrivesAnInteractiveShellOverSsh()
    {
        using var throwaway = new ThrowawayPack("shellcli", """
            format_version: 1
            platform: shellcli
            vendor: test
            os: an interactive shell posing as a router CLI
            verification: reference-lab
            session:
              driver: cli
              prompts: { exec: '^(?!srv6conf-cfg)[^\n]*[#$] $', config: '^srv6conf-cfg# $' }
              disable_paging: ["PS1='srv6conf-exec$ '"]
              enter_config: PS1='srv6conf-cfg# '
              leave_config: PS1='srv6conf-exec$ '
              commit: 'true'
              abort: echo discarded
              error_patterns: ['command not found']
              timeouts: { command_s: 10, commit_s: 10, connect_s: 10 }
            identity: { command: uname -n, patterns: ['^(?<hostname>\S+)$'] }
            state: { snapshot: 'cat /tmp/srv6conf-cli-state 2>/dev/null; true' }
            """);
        var pack = Conformance.Harness.Platforms.PlatformPackLoader.Load(throwaway.Dir);
        await using var ssh = await SshDutSession.ConnectAsync(_lab.CreateSshOptions());
        using var cli = new CliSession(new ShellStreamTransport(ssh.OpenShell()), pack.Session, ssh.Transcript);
        await cli.StartAsync();
        Assert.That(cli.Mode, Is.EqualTo("exec"));
        var platform = new Conformance.Harness.Platforms.PackCliPlatform(pack, cli);
        Assert.That((await platform.ReadIdentityAsync()).Hostname, Is.EqualTo("dut"));
        await cli.ApplyAsync([("echo line-1 >> /tmp/srv6conf-cli-state", "t.cfg:1"), ("echo line-2 >> /tmp/srv6conf-cli-state", "t.cfg:2")]);
        Assert.That(cli.Mode, Is.EqualTo("exec"));
        var snap = await platform.SnapshotAsync();
        Assert.That(snap.Section(Conformance.Harness.Platforms.PackCliPlatform.ConfigSection), Is.EqualTo(new[] { "line-1", "line-2" }));
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.ApplyAsync([("echo line-3 >> /tmp/srv6conf-cli-state", "t.cfg:3"), ("srv6conf-no-such-command", "t.cfg:4")]));
        Assert.That(e!.Message, Does.Contain("t.cfg:4").And.Contain("command not found").And.Contain("discarded"));
        Assert.That(cli.Mode, Is.EqualTo("exec"), "after the discard the session is back in exec mode");
        Assert.That(ssh.Transcript.ToText(), Does.Contain("srv6conf-no-such-command"));
        await cli.ExecAsync("rm -f /tmp/srv6conf-cli-state");
    }

    [Test]
    public void HostKeyFingerprint_MatchesSshKeygen()
    {
        var (exit, stdout, _) = LabTestSupport.Run("ssh-keygen", "-lf", _lab.HostKeyPath + ".pub");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(stdout.Split(' ')[1], Is.EqualTo(_lab.HostKeySha256));
        Assert.That(_lab.HostKeySha256, Does.StartWith("SHA256:").And.Not.EndsWith("="));
    }

    [Test]
    public async Task WrongHostKey_IsRefused_NamingBothFingerprints()
    {
        const string wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var ex = Assert.ThrowsAsync<DutConnectionException>(() =>
            SshDutSession.ConnectAsync(_lab.CreateSshOptions() with { HostKeySha256 = wrong }));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.HostKeyMismatch));
        Assert.That(ex.Message, Does.Contain(wrong).And.Contain(_lab.HostKeySha256).And.Contain(_lab.ManagementAddress.ToString())
            .And.Contain("host_key_sha256"));
        Assert.That(ex, Is.InstanceOf<TestbedException>());

        // The right fingerprint (with or without the prefix) connects.
        await using var ok = await SshDutSession.ConnectAsync(_lab.CreateSshOptions() with { HostKeySha256 = _lab.HostKeySha256["SHA256:".Length..] });
        var r = await ok.RunAsync("echo hello");
        Assert.That(r.Stdout.Trim(), Is.EqualTo("hello"));
        Assert.That(r.ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void WrongPassword_GivesAClearAuthError_WithoutLeakingIt()
    {
        const string secret = "not-the-password-42";
        var transcript = new Transcript();
        Environment.SetEnvironmentVariable("SRV6CONF_TEST_DUT_PASSWORD", secret);
        SshDutOptions opts;
        try { opts = _lab.CreateSshOptions().WithPasswordFromEnvironment("SRV6CONF_TEST_DUT_PASSWORD"); }
        finally { Environment.SetEnvironmentVariable("SRV6CONF_TEST_DUT_PASSWORD", null); }
        Assert.That(opts.ToString(), Does.Not.Contain(secret));
        var ex = Assert.ThrowsAsync<DutConnectionException>(() => SshDutSession.ConnectAsync(opts, transcript));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.Authentication));
        Assert.That(ex.Message, Does.Contain("'root'").And.Contain("password").And.Contain(opts.HostPort).And.Contain("Hint"));
        Assert.That(ex.Message + transcript.ToText(), Does.Not.Contain(secret));
    }

    [Test]
    public void MissingPasswordVariable_IsAClearError() =>
        Assert.That(() => _lab.CreateSshOptions().WithPasswordFromEnvironment("SRV6CONF_TEST_UNSET_VARIABLE"),
            Throws.InstanceOf<TestbedException>().With.Message.Contains("SRV6CONF_TEST_UNSET_VARIABLE"));

    [Test]
    public void WrongKey_GivesAClearAuthError()
    {
        var dir = Directory.CreateTempSubdirectory("srv6conf-test-");
        try
        {
            var key = Path.Combine(dir.FullName, "other");
            Assert.That(LabTestSupport.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).ExitCode, Is.EqualTo(0));
            var ex = Assert.ThrowsAsync<DutConnectionException>(() =>
                SshDutSession.ConnectAsync(_lab.CreateSshOptions() with { PrivateKeyPath = key }));
            Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.Authentication));
            Assert.That(ex.Message, Does.Contain("'root'").And.Contain("publickey").And.Contain("authorized_keys"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Test]
    public void ClosedPort_GivesAClearUnreachableError()
    {
        var opts = _lab.CreateSshOptions() with { Port = 2222, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var sw = Stopwatch.StartNew();
        var ex = Assert.ThrowsAsync<DutConnectionException>(() => SshDutSession.ConnectAsync(opts));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.Unreachable));
        Assert.That(ex.Message, Does.Contain($"[{_lab.ManagementAddress}]:2222"));
    }

    [Test]
    public void SilentHost_TimesOutWithinTheConnectTimeout()
    {
        // An unused address in the lab's own management /64: neighbour discovery gets no answer.
        var silent = _lab.ManagementAddress.ToString().Replace("::2", "::99", StringComparison.Ordinal);
        var opts = _lab.CreateSshOptions() with { Host = silent, ConnectTimeout = TimeSpan.FromSeconds(1) };
        var sw = Stopwatch.StartNew();
        var ex = Assert.ThrowsAsync<DutConnectionException>(() => SshDutSession.ConnectAsync(opts));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3.5)));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.Unreachable));
        Assert.That(ex.Message, Does.Contain($"[{silent}]:22"));
    }

    [Test]
    public async Task Commands_AreRecordedInTheTranscript_WithExitCodes()
    {
        var transcript = new Transcript();
        await using var s = await SshDutSession.ConnectAsync(_lab.CreateSshOptions(), transcript);
        var r = await s.RunAsync("echo out; echo err >&2; exit 3");
        Assert.That((r.ExitCode, r.Stdout.Trim(), r.Stderr.Trim()), Is.EqualTo((3, "out", "err")));
        var text = transcript.ToText();
        Assert.That(text, Does.Contain("$ echo out; echo err >&2; exit 3").And.Contain("exit=3").And.Contain("| err"));
        Assert.That(text, Does.Match(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \$"));
        var key = File.ReadAllText(_lab.PrivateKeyPath).Split('\n')[1];
        Assert.That(transcript.Redact("x" + key + "y"), Is.EqualTo("x***y"), "private key material is registered as a secret");
    }

    [Test]
    public async Task CommandTimeout_IsATestbedError()
    {
        await using var s = await SshDutSession.ConnectAsync(_lab.CreateSshOptions());
        var ex = Assert.ThrowsAsync<DutConnectionException>(() => s.RunAsync("sleep 5", TimeSpan.FromMilliseconds(300)));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.CommandTimeout));
    }
}

[TestFixture, Category("Lab"), NonParallelizable]
public class SshDutSessionConnectionLossTests
{
    [Test]
    public async Task KilledSshd_NextRunThrowsTestbedException_AfterOneReconnect()
    {
        LabTestSupport.RequireLinuxLab();
        await using var lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault());
        await using var s = await SshDutSession.ConnectAsync(lab.CreateSshOptions() with { ConnectTimeout = TimeSpan.FromSeconds(2) });
        Assert.That((await s.RunAsync("true")).ExitCode, Is.EqualTo(0));
        lab.KillSshd();
        var sw = Stopwatch.StartNew();
        var ex = Assert.ThrowsAsync<DutConnectionException>(() => s.RunAsync("ip -6 route"));
        Assert.That(ex!.Failure, Is.EqualTo(DutConnectionFailure.ConnectionLost));
        Assert.That(ex, Is.InstanceOf<TestbedException>());
        Assert.That(s.ReconnectAttempts, Is.EqualTo(1));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(s.Transcript.ToText(), Does.Contain("reconnecting once"));
    }
}
