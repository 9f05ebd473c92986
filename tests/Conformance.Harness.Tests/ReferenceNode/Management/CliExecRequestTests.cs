using System.Net.Sockets;
using Conformance.ReferenceNode.Cli;
using Conformance.ReferenceNode.Runtime;
using NUnit.Framework;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>
/// `srv6-refnode cli` as the login shell of an SSH exec request (`ssh router show version`): sshd puts the command in
/// SSH_ORIGINAL_COMMAND; the shell runs that one line against the daemon's session protocol and exits with its output
/// alone (no banner, no prompt), 1 when the node rejected the line.
/// </summary>
public class CliExecRequestTests
{
    private static async Task<(int Rc, string Out, string Err)> ExecAsync(string command)
    {
        var (node, _, _) = TestNode.Start();
        var path = Path.Combine(Path.GetTempPath(), $"s6c-exec-{Guid.NewGuid():N}.sock"[..40]);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            var server = Task.Run(() =>
            {
                using var client = listener.Accept();
                using var stream = new NetworkStream(client, ownsSocket: false);
                Daemon.ServeSession(stream, new CliSession(node));
            });
            var o = new StringWriter();
            var e = new StringWriter();
            var rc = await Task.Run(() => CliRelay.RunCommand(path, command, o, e)).WaitAsync(TimeSpan.FromSeconds(10));
            await server.WaitAsync(TimeSpan.FromSeconds(10));
            return (rc, o.ToString(), e.ToString());
        }
        finally { File.Delete(path); }
    }

    [Test]
    public async Task ShowVersionPrintsItsOutputAloneAndExits()
    {
        var (rc, output, _) = await ExecAsync("show version");
        var (node, _, _) = TestNode.Start();
        Assert.That(rc, Is.Zero);
        Assert.That(output, Is.EqualTo(new CliSession(node).Execute("show version")), "the command's output, no banner, no prompt");
        Assert.That(output, Does.StartWith("SRv6 reference node, version "));
        Assert.That(output, Does.Not.Contain("r1#"));
    }

    [Test]
    public async Task ARejectedLineExitsWithOne()
    {
        var (rc, output, _) = await ExecAsync("show nonsense");
        Assert.That(rc, Is.EqualTo(1));
        Assert.That(output, Does.StartWith("% "));
    }

    [Test]
    public void TheTranscriptLosesBannerAndPrompts()
    {
        Assert.That(CliRelay.CommandOutput("SRv6 reference node 1.0 (r1)\nr1#a\nb\nr1(config)#"), Is.EqualTo("a\nb\n"));
        Assert.That(CliRelay.CommandOutput("SRv6 reference node 1.0 (r1)\nr1#r1#"), Is.EqualTo(""));
        Assert.That(CliRelay.CommandOutput(""), Is.EqualTo(""));
    }

    /// <summary>The login shell as sshd starts it for `ssh router show version`: the process, SSH_ORIGINAL_COMMAND set,
    /// stdin left open (it must not wait on it).</summary>
    [Test]
    public async Task TheLoginShellRunsSshOriginalCommandAndExitsWithoutReadingStdin()
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "srv6-refnode.dll");
        if (!File.Exists(dll)) Assert.Ignore("srv6-refnode.dll is not next to the tests");
        var (node, _, _) = TestNode.Start();
        var path = Path.Combine(Path.GetTempPath(), $"s6c-exec-{Guid.NewGuid():N}.sock"[..40]);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            var server = Task.Run(() =>
            {
                using var client = listener.Accept();
                using var stream = new NetworkStream(client, ownsSocket: false);
                Daemon.ServeSession(stream, new CliSession(node));
            });
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { dll, "cli", "--control", path }) psi.ArgumentList.Add(a);
            psi.Environment[CliRelay.OriginalCommandVariable] = "show version";
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(true); Assert.Fail("the login shell did not exit (waiting on stdin?)"); }
            await server.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.That(p.ExitCode, Is.Zero);
            Assert.That(await stdout, Does.StartWith("SRv6 reference node, version ").And.Not.Contain("r1#"));
        }
        finally { File.Delete(path); }
    }
}
