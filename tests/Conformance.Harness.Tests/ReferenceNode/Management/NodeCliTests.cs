using System.Net;
using Conformance.ReferenceNode.Cli;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>The reference node's CLI driven in-process: modes, candidate, commit (confirmed), rollback, abort, errors, secrets, probes.</summary>
public class NodeCliTests
{
    private static string Run(CliSession s, params string[] lines) => string.Concat(lines.Select(s.Execute));

    [Test]
    public void PromptsFollowTheModeAndTheCommittedHostname()
    {
        var (node, _, _) = TestNode.Start();
        var s = new CliSession(node);
        Assert.That(s.Prompt, Is.EqualTo("r1#"));
        s.Execute("configure");
        Assert.That(s.Prompt, Is.EqualTo("r1(config)#"));
        s.Execute("interface eth1");
        Assert.That(s.Prompt, Is.EqualTo("r1(config-if)#"));
        s.Execute("segment-routing srv6");
        Assert.That(s.Prompt, Is.EqualTo("r1(config-srv6)#"));
        s.Execute("local-sid end");
        Assert.That(s.Prompt, Is.EqualTo("r1(config-srv6-sid)#"));
        s.Execute("exit");
        Assert.That(s.Prompt, Is.EqualTo("r1(config-srv6)#"));
        s.Execute("hostname r2"); // a top-level statement typed in a block
        Assert.That(s.Prompt, Is.EqualTo("r1(config)#"), "the prompt shows the running host name until the commit");
        Assert.That(s.Execute("commit"), Does.StartWith("% Commit failed").And.Contain("local-sid end"), "an incomplete SID is not committed");
        Assert.That(node.Running.Hostname, Is.EqualTo("r1"));
        s.Execute("segment-routing srv6");
        s.Execute("no local-sid end");
        Assert.That(s.Execute("commit"), Does.StartWith("Commit 2 applied"));
        Assert.That(s.Prompt, Is.EqualTo("r2(config-srv6)#"), "a commit keeps the block");
        s.Execute("end");
        Assert.That(s.Prompt, Is.EqualTo("r2#"));
        Assert.That(s.Execute("terminal length 0"), Is.Empty);
        s.Execute("exit");
        Assert.That(s.Closed, Is.True);
    }

    [Test]
    public void AWrongCommandPrintsTheErrorLineAndChangesNothing()
    {
        var (node, engine, _) = TestNode.Start();
        var s = new CliSession(node);
        Assert.That(s.Execute("shwo version"), Does.StartWith("% Invalid input at 'shwo': unknown command"));
        s.Execute("configure");
        s.Execute("interface eth1");
        var before = s.Execute("show configuration");
        Assert.That(s.Execute("ipv6 adress 2001:db8::1/64"), Is.EqualTo("% Invalid input at 'adress': `address` expected\n"));
        Assert.That(s.Execute("ipv6 address 2001:db8::zz/64"), Does.StartWith("% Invalid input at '2001:db8::zz/64'"));
        Assert.That(s.Execute("shutdown please"), Does.StartWith("% Invalid input at 'please'"));
        Assert.That(s.Execute("show configuration"), Is.EqualTo(before));
        Assert.That(s.Execute("show configuration diff"), Is.EqualTo("No changes.\n"));
        Assert.That(s.Prompt, Is.EqualTo("r1(config-if)#"), "a rejected line does not change the mode either");
        Assert.That(s.Execute("commit"), Is.EqualTo("No changes to commit.\n"));
        Assert.That(engine.Applied, Has.Count.EqualTo(1));
    }

    [Test]
    public void CommitAppliesTheCandidate_DiffShowsIt_AndAbortDiscards()
    {
        var (node, engine, _) = TestNode.Start();
        var s = new CliSession(node);
        Run(s, "configure", "segment-routing srv6", "local-sid end", "sid 2001:db8:b:1:e::", "behavior End", "flavors psp");
        var diff = s.Execute("show configuration diff");
        Assert.That(diff, Is.EqualTo("  segment-routing srv6\n+  local-sid end\n+   sid 2001:db8:b:1:e::\n+   behavior End\n+   flavors psp\n"));
        Assert.That(node.Running.Srv6.Sids, Is.Empty, "nothing runs before the commit");
        Assert.That(s.Execute("commit"), Is.EqualTo("Commit 2 applied.\n"));
        Assert.That(engine.Last!.Srv6.Sids.Single().Flavors, Is.EqualTo(Flavors.Psp));
        Run(s, "interface eth1", "shutdown");
        Assert.That(s.Execute("abort"), Is.EqualTo("Candidate configuration discarded.\n"));
        Assert.That(s.InConfiguration, Is.False);
        Assert.That(node.Running.Interfaces[0].Shutdown, Is.False);
        Assert.That(engine.Applied, Has.Count.EqualTo(2));
        Assert.That(s.Execute("show running-config"), Does.Contain(" local-sid end\n  sid 2001:db8:b:1:e::\n  behavior End\n  flavors psp\n"));
    }

    [Test]
    public void ACommitConfirmedThatIsNotConfirmedRollsBackByItself()
    {
        var (node, engine, _) = TestNode.Start();
        var s = new CliSession(node);
        Run(s, "configure", "hostname r9");
        Assert.That(s.Execute("commit confirmed 1"), Does.Contain("rolled back in 1 s unless confirmed"));
        Assert.That(node.Running.Hostname, Is.EqualTo("r9"));
        Assert.That(s.Execute("show configuration commits"), Does.Contain("unless confirmed"));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (node.Running.Hostname != "r1" && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.That(node.Running.Hostname, Is.EqualTo("r1"), "rolled back");
        Assert.That(engine.Last!.Hostname, Is.EqualTo("r1"), "the engine runs the rolled-back configuration");
        Assert.That(node.History[^1].Comment, Does.Contain("automatic rollback: commit 2 was not confirmed"));
        Assert.That(node.ConfirmDeadline, Is.Null);
    }

    [Test]
    public void ACommitConfirmedThatIsConfirmedStays()
    {
        var (node, _, _) = TestNode.Start();
        var s = new CliSession(node);
        Run(s, "configure", "hostname r9");
        s.Execute("commit confirmed 1");
        Assert.That(s.Execute("commit"), Is.EqualTo("Commit 2 confirmed.\n"));
        Thread.Sleep(1500);
        Assert.That(node.Running.Hostname, Is.EqualTo("r9"));
        Assert.That(node.History, Has.Count.EqualTo(2));
    }

    [Test]
    public void RollbackLoadsThePreviousCommitOrANamedOne()
    {
        var (node, _, _) = TestNode.Start();
        var s = new CliSession(node);
        Run(s, "configure", "hostname a", "commit", "hostname b", "commit");
        Assert.That(node.Running.Hostname, Is.EqualTo("b"));
        Assert.That(s.Execute("rollback"), Is.EqualTo("Commit 2 loaded into the candidate configuration; `commit` applies it.\n"));
        Assert.That(s.Execute("show configuration diff"), Is.EqualTo("- hostname b\n+ hostname a\n"));
        s.Execute("commit");
        Assert.That(node.Running.Hostname, Is.EqualTo("a"));
        Run(s, "rollback to 1", "commit");
        Assert.That(node.Running.Hostname, Is.EqualTo("r1"));
        Assert.That(s.Execute("rollback to 99"), Does.StartWith("% Invalid input at '99'"));
        var commits = s.Execute("show configuration commits");
        Assert.That(commits, Does.Match(@"(?m)^\*\s+5\s"));
        Assert.That(s.Execute("do show version"), Does.Contain("Hostname: r1"));
    }

    [Test]
    public void TheSecretIsNeverPrintedNorLogged()
    {
        const string secret = "Very-Secret-Key-42";
        var (node, engine, log) = TestNode.Start();
        var s = new CliSession(node);
        var outputs = Run(s, "configure", "segment-routing srv6", $"hmac-key 7 algorithm sha256 secret {secret}",
            "show configuration", "show configuration diff", "commit", "show running-config", "show configuration commits", "end", "show running-config");
        Assert.That(engine.Last!.Srv6.HmacKeys.Single().Secret, Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(secret)));
        Assert.That(outputs, Does.Contain("hmac-key 7 algorithm sha256 secret encrypted "));
        Assert.That(outputs, Does.Not.Contain(secret));
        Assert.That(string.Join('\n', log), Does.Not.Contain(secret).And.Contain("secret <secret hidden>"));
        // The encrypted form pastes back on this node (rollback and restore keep the key).
        var running = s.Execute("show running-config");
        Assert.That(ConfigEditor.Parse(running, node.Secrets).Srv6.HmacKeys.Single().Secret, Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(secret)));
    }

    [Test]
    public void ShowCommandsGiveIdentitySidsWithCountersAndTables()
    {
        var (node, engine, _) = TestNode.Start(TestNode.Startup + "\n local-sid end\n  sid 2001:db8:b:1:e::\n  behavior End\n  flavors psp usd\n");
        var s = new CliSession(node);
        var version = s.Execute("show version");
        Assert.That(version, Does.StartWith("SRv6 reference node, version 0.1.0\nHostname: r1\nSerial: RNTEST00001\n"));
        var sids = s.Execute("show srv6 sid");
        Assert.That(sids, Does.Match(@"(?m)^2001:db8:b:1:e::/128\s+End\s+psp,usd\s+end\s+10\s+1000\s*$"));
        Assert.That(s.Execute("show interfaces"), Does.Contain("eth3 is up, MAC 02:00:00:00:00:03, MTU 1500\n  IPv6 2001:db8:0:3::1/64\n  SRv6 enabled, SR domain external"));
        Assert.That(s.Execute("show route 100"), Is.EqualTo("100 2001:db8:d:3::/64 via 2001:db8:0:2::2 dev eth2\n"));
        Assert.That(s.Execute("show neighbors"), Does.Contain("REACHABLE"));
        Assert.That(s.Execute("show counters"), Does.Contain("drop.edge-filter"));
        Assert.That(s.Execute("clear counters"), Is.EqualTo("Counters cleared.\n"));
        Assert.That(engine.Cleared, Is.True);
        Assert.That(s.Execute("show srv6 sid"), Does.Match(@"(?m)^2001:db8:b:1:e::/128\s+End\s+psp,usd\s+end\s+0\s+0\s*$"));
    }

    [Test]
    public void PingAndTracerouteGoThroughTheControlPlane()
    {
        var (node, engine, _) = TestNode.Start();
        var s = new CliSession(node);
        var ping = s.Execute("ping 2001:db8:0:2::2 count 3");
        Assert.That(ping, Does.Contain("from 2001:db8:0:2::1").And.Contain("!!!\nSuccess rate is 100 percent (3/3), round-trip min/avg/max = "));
        var viaSegments = s.Execute("ping 2001:db8:d::1 source 2001:db8:b:1::1 count 1 segments 2001:db8:b:2:e::,2001:db8:b:3:e::");
        Assert.That(viaSegments, Does.Contain("Success rate is 100 percent (1/1)"));
        var p = engine.Originated[^1];
        Assert.That((p[6], p[40 + 2], p[40 + 3]), Is.EqualTo(((byte)43, (byte)4, (byte)2)), "an SRH, routing type 4, Segments Left 2");
        Assert.That(new IPAddress(p.AsSpan(24, 16)), Is.EqualTo(IPAddress.Parse("2001:db8:b:2:e::")), "sent to the first segment");
        Assert.That(s.Execute("ping 192.0.2.2 count 2"), Does.Contain("Success rate is 100 percent (2/2)"));
        engine.Silent.Add(IPAddress.Parse("2001:db8:0:2::9"));
        Assert.That(s.Execute("ping 2001:db8:0:2::9 count 2 timeout 1"), Does.Contain("..\nSuccess rate is 0 percent (0/2)"));
        var trace = s.Execute("traceroute 2001:db8:d::1 queries 1");
        Assert.That(trace, Does.Match(@"(?m)^\s+1  2001:db8:0:2::2  [\d.]+ ms\n\s+2  2001:db8:d::1  [\d.]+ ms\n$"));
        Assert.That(s.Execute("ping 2001:db8::1 count x"), Does.StartWith("% Invalid input at 'x'"));
    }
}
