using Conformance.Harness.Dut;
using Conformance.Harness.Platforms;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>
/// A CLI session that goes quiet: the driver must not report silence when the answer arrived while its own process was
/// not scheduled (a read that comes back late and empty), and when the peer really is silent or drops, the error
/// carries what the testbed can tell about the peer (for a lab's reference node: daemon, login shells, log tails).
/// </summary>
public class CliSessionSilenceTests
{
    /// <summary>A scripted router whose next read, once armed, comes back only after <see cref="Stall"/> and empty, as a
    /// continuation resumed late by a starved process sees it; the output is still there for the following read.</summary>
    private sealed class LateReader(ScriptedRouter inner) : ICliTransport
    {
        public bool Armed { get; set; }
        public TimeSpan Stall { get; init; } = TimeSpan.FromMilliseconds(400);
        public bool Silent { get; set; }
        public int Reads { get; private set; }
        public void Write(string text) { if (!Silent) inner.Write(text); }
        public async Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            Reads++;
            if (Armed) { Armed = false; await Task.Delay(Stall, cancellationToken); return ""; }
            return await inner.ReadAsync(wait, cancellationToken);
        }
        public void Dispose() => inner.Dispose();
    }

    private static (LateReader Peer, ScriptedRouter Router, CliSession Cli) Open(Func<string?>? describe = null)
    {
        var pack = PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "iosxr"));
        var router = new ScriptedRouter(pack.Session, "RP/0/RP0/CPU0:r1#", "RP/0/RP0/CPU0:r1(config)#", "% Invalid input detected at '^' marker.");
        var peer = new LateReader(router);
        return (peer, router, new CliSession(peer, pack.Session, new Transcript()) { DescribePeer = describe });
    }

    [Test]
    public async Task AnAnswerThatArrivedWhileTheReadCameBackLateIsTakenNotReportedAsSilence()
    {
        var (peer, _, cli) = Open();
        await cli.StartAsync();
        peer.Armed = true;
        // The only read inside the 200 ms comes back after 400 ms, empty; the prompt is there for one more look.
        var output = await cli.ExecAsync("show version", TimeSpan.FromMilliseconds(200));
        Assert.That(output, Is.Empty);
        Assert.That(cli.Mode, Is.EqualTo("exec"));
    }

    [Test]
    public async Task ASilentPeerIsReportedWithWhatTheTestbedKnowsOfIt_AfterOneLastLook()
    {
        var (peer, _, cli) = Open(() => "the daemon (pid 4242) runs; 1 login shell(s) and 2 sshd process(es); node log ends: x");
        await cli.StartAsync();
        peer.Silent = true;
        var before = peer.Reads;
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.ExecAsync("show version", TimeSpan.FromMilliseconds(150)))!;
        Assert.That(e.Message, Does.StartWith("no prompt within 0.1 s after `show version`").Or.StartWith("no prompt within 0.2 s after `show version`"));
        Assert.That(e.Message, Does.EndWith("The DUT side: the daemon (pid 4242) runs; 1 login shell(s) and 2 sshd process(es); node log ends: x"));
        Assert.That(peer.Reads - before, Is.GreaterThanOrEqualTo(2), "reads within the time, then one without waiting");
    }

    [Test]
    public async Task ADroppedSessionSaysWhatTheTestbedKnowsOfThePeer_AndADescriptionThatFailsIsNamed()
    {
        var (_, router, cli) = Open(() => "the daemon (pid 4242) exited with code 137");
        await cli.StartAsync();
        router.DropAtCommit = true;
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.ApplyAsync([("hostname r1", null)]))!;
        Assert.That(e.Message, Does.Contain("The DUT side: the daemon (pid 4242) exited with code 137"));

        var (_, router2, cli2) = Open(() => throw new IOException("no such run directory"));
        await cli2.StartAsync();
        router2.DropAtCommit = true;
        e = Assert.ThrowsAsync<TestbedException>(() => cli2.ApplyAsync([("hostname r1", null)]))!;
        Assert.That(e.Message, Does.Contain("(describing the DUT failed: no such run directory)"));
    }
}
