using System.Diagnostics;
using System.Text;
using Conformance.Harness.Dut;
using Conformance.Harness.Platforms;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>The login shell as a child process (`srv6-refnode cli` in the namespace): what SSH would run, without the pty.</summary>
internal sealed class ProcessCliTransport : ICliTransport
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly Task _reader;

    public ProcessCliTransport(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        _p = Process.Start(psi)!;
        _reader = Task.Run(async () =>
        {
            var buf = new char[4096];
            int n;
            while ((n = await _p.StandardOutput.ReadAsync(buf)) > 0) lock (_out) _out.Append(buf, 0, n);
        });
    }

    public void Write(string text)
    {
        if (_p.HasExited) throw new CliSessionDroppedException("the login shell exited");
        _p.StandardInput.Write(text);
        _p.StandardInput.Flush();
    }

    public async Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < wait)
        {
            lock (_out)
                if (_out.Length > 0) { var s = _out.ToString(); _out.Clear(); return s; }
            if (_reader.IsCompleted) throw new CliSessionDroppedException("the login shell closed its output");
            await Task.Delay(10, cancellationToken);
        }
        return "";
    }

    public void Dispose()
    {
        try { _p.StandardInput.Close(); } catch (IOException) { }
        if (!_p.WaitForExit(2000)) _p.Kill(true);
        _p.Dispose();
    }
}

/// <summary>
/// The daemon live in a network namespace of its own with a veth pair: started with a startup configuration within
/// 3 s, configured through `srv6-refnode cli` by the harness's generic driver and the refnode pack, its AF_PACKET
/// port receiving (an ND answer once the forwarding engine is in the build), and a clean exit on SIGTERM.
/// Everything created is deleted in finally.
/// </summary>
[Category("Lab"), NonParallelizable]
public class LiveDaemonTests
{
    [Test]
    public async Task TheDaemonStartsIsConfiguredThroughItsLoginShellAndStopsCleanly()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Assert.Ignore("needs root (network namespaces, AF_PACKET)");
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
        var ns = $"s6c-{id}-rn";
        var control = Path.Combine(Path.GetTempPath(), $"s6c-{id}.sock");
        var startup = Path.Combine(Path.GetTempPath(), $"s6c-{id}.cfg");
        var log = Path.Combine(Path.GetTempPath(), $"s6c-{id}.log");
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "srv6-refnode.dll");
        Process? daemon = null;
        try
        {
            Sh.Run("ip", "netns", "add", ns);
            void Ns(params string[] a) => Sh.Run("ip", ["netns", "exec", ns, .. a]);
            Ns("ip", "link", "add", "n1", "type", "veth", "peer", "name", "t1");
            Ns("sysctl", "-qw", "net.ipv6.conf.n1.disable_ipv6=1"); // the node's port: the kernel's IPv6 stays off
            Ns("ip", "link", "set", "lo", "up");
            Ns("ip", "link", "set", "n1", "up");
            Ns("ip", "addr", "add", "2001:db8:0:1::2/64", "dev", "t1", "nodad");
            Ns("ip", "link", "set", "t1", "up");
            File.WriteAllText(startup, "hostname rn\ninterface n1\n ipv6 address 2001:db8:0:1::1/64\n");

            var sw = Stopwatch.StartNew();
            var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "netns", "exec", ns, "dotnet", dll, "daemon", "--control", control, "--interfaces", "n1", "--config", startup, "--log", log }) psi.ArgumentList.Add(a);
            daemon = Process.Start(psi)!;
            while (!File.Exists(control) && sw.Elapsed < TimeSpan.FromSeconds(10) && !daemon.HasExited) await Task.Delay(20);
            Assert.That(File.Exists(control), Is.True, daemon.HasExited ? daemon.StandardError.ReadToEnd() : "no control socket");
            Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "daemon start plus startup configuration within 3 s");

            var pack = PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));
            var transcript = new Transcript();
            using (var cli = new CliSession(new ProcessCliTransport("ip", "netns", "exec", ns, "dotnet", dll, "cli", "--control", control), pack.Session, transcript) { ConfirmSeconds = 30 })
            {
                await cli.StartAsync();
                var platform = new PackCliPlatform(pack, cli);
                var identity = await platform.ReadIdentityAsync();
                Assert.That(identity.Hostname, Is.EqualTo("rn"));
                var before = await platform.SnapshotAsync();
                await platform.ApplyAsync(DutConfig.FromLines(["segment-routing srv6", " local-sid end", "  sid 2001:db8:b:1:e::", "  behavior End", "interface n1", " sr-domain external"]));
                Assert.That(string.Join('\n', (await platform.SnapshotAsync()).Section(PackCliPlatform.ConfigSection)), Does.Contain(" local-sid end"));
                var e = Assert.ThrowsAsync<TestbedException>(() => platform.ApplyAsync(DutConfig.FromLines(["interface n1", " shutdown now"])))!;
                Assert.That(e.Message, Does.Contain("% Invalid input at 'now'"));

                // The port receives: the peer's neighbour solicitation reaches the node (and is answered once the engine is in).
                Sh.Try("ip", "netns", "exec", ns, "ping", "-6", "-c", "2", "-i", "0.3", "-W", "1", "2001:db8:0:1::1");
                var counters = await cli.ExecAsync("show counters");
                var route = await cli.ExecAsync("show route");
                if (route.Contains("no forwarding engine", StringComparison.Ordinal))
                {
                    Assert.That(counters, Does.Match(@"rx\.frames\.n1\s+[1-9]"), "frames from the peer reached the node's AF_PACKET port");
                    TestContext.Out.WriteLine("no forwarding engine in this build: the ND answer is not checked");
                }
                else
                {
                    var neigh = Sh.Run("ip", "netns", "exec", ns, "ip", "-6", "neigh", "show", "2001:db8:0:1::1", "dev", "t1");
                    Assert.That(neigh, Does.Contain("lladdr"), "the node answered the neighbour solicitation");
                }

                await platform.RollbackAsync(before);
                Assert.That(await platform.VerifyRollbackAsync(before), Is.Empty);
            }

            Sh.Run("kill", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(daemon.WaitForExit(5000), Is.True, "stops on SIGTERM");
            Assert.That(daemon.ExitCode, Is.EqualTo(0));
            Assert.That(File.Exists(control), Is.False, "the control socket is removed");
        }
        finally
        {
            if (daemon is { HasExited: false }) daemon.Kill(true);
            daemon?.Dispose();
            Sh.Try("ip", "netns", "del", ns);
            foreach (var f in new[] { control, startup, log }) if (File.Exists(f)) File.Delete(f);
        }
    }
}
