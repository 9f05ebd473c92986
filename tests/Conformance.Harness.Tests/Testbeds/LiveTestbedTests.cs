using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Testbeds;

[TestFixture, Category("Lab"), NonParallelizable]
public class LiveTestbedTests
{
    private static Profile ReferenceProfile() => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));

    [Test]
    public async Task ReferenceProfileComesUpConfiguredAndRollsBackLeavingNothing()
    {
        Lab.LabTestSupport.RequireLinuxLab();
        var profile = ReferenceProfile();
        string ns, runId;
        await using (var tb = await LiveTestbed.StartAsync(profile))
        {
            ns = tb.Lab!.Namespace; runId = tb.Lab.RunId;
            Assert.That(tb.Identity.Hostname, Is.EqualTo("dut"), "the lab DUT has its own host name");
            var routes = (await tb.Session.RunCheckedAsync("ip -6 route show")).Stdout;
            foreach (var sid in profile.Parameters.Sids.Values)
                Assert.That(routes, Does.Contain(sid.Address.ToString()), $"SID {sid.Name} programmed over SSH");
            Assert.That(tb.Ports.Keys, Is.EquivalentTo(new[] { "t1", "t2", "t3" }));
            var fwd = (await tb.Session.RunCheckedAsync("sysctl -n net.ipv6.conf.all.forwarding")).Stdout.Trim();
            Assert.That(fwd, Is.EqualTo("1"));
            await tb.DisposeAsync();
            Assert.That(tb.RollbackDiff, Is.Empty, "rollback restored the DUT exactly");
        }
        Assert.That(Support.Sh.Run("ip", "netns", "list"), Does.Not.Contain(ns));
        Assert.That(Support.Sh.Run("ip", "-o", "link", "show"), Does.Not.Contain($"s6c{runId}"));
    }

    /// <summary>
    /// Two tear-downs at once, as a signal handler and the process-exit hook (or System.CommandLine's exit after Ctrl-C) make
    /// them: the second must not return before the first is done, or the process exits half-way and leaves the namespace
    /// (seen: Ctrl-C during the opt-in VM's bring-up left s6c-…-dut behind).
    /// </summary>
    [Test]
    public async Task ASecondTeardownWaitsForTheOneUnderWay()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"));
        var tb = await LiveTestbed.StartAsync(profile);
        var lab = tb.Lab!;
        var ns = lab.Namespace;
        try
        {
            var first = Task.Run(lab.Dispose);
            while (!lab.IsDisposed) await Task.Delay(1);
            lab.Dispose();   // returns when the first caller's tear-down is done
            var leftAfterSecond = Support.Sh.Run("ip", "netns", "list").Contains(ns, StringComparison.Ordinal);
            await first;
            Assert.That(leftAfterSecond, Is.False, "the second Dispose returned while the namespace was still there");
        }
        finally
        {
            try { await tb.DisposeAsync(); } catch (Exception e) { TestContext.Out.WriteLine($"testbed dispose after the lab's: {e.Message}"); }
        }
        Assert.That(Support.Sh.Run("ip", "netns", "list"), Does.Not.Contain(ns));
    }

    [Test]
    public async Task ANodeWhoseCliGoesAwayIsDescribedFromTheLabSide_DaemonShellsAndLogTails()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"));
        string ns;
        await using (var tb = await LiveTestbed.StartAsync(profile))
        {
            ns = tb.Lab!.Namespace;
            var running = tb.Lab.DescribeNode()!;
            Assert.That(running, Does.Match(@"^the daemon \(pid \d+\) runs; 1 login shell\(s\) and [1-9]\d* sshd process\(es\) in "), running);
            Assert.That(running, Does.Contain("node log ends: ").And.Contain("sshd log ends: ").And.Contain("Starting session"), running);
            var pid = int.Parse(System.Text.RegularExpressions.Regex.Match(running, @"pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Support.Sh.Run("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // The login shell ends with the daemon's socket, sshd closes the channel: the error says what the lab saw.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.CatchAsync(async () => await tb.Platform.ReadIdentityAsync())!;
            TestContext.Out.WriteLine($"after {clock.Elapsed.TotalSeconds:0.0} s: {e.GetType().Name}: {e.Message}");
            Assert.That(e.Message, Does.Contain($"The DUT side: the daemon (pid {pid}) exited with code 137"), e.Message);
            // Noticed as a closed shell, not waited out as silence (SSH.NET's ShellStream.CanRead stays true after the
            // channel closes; its Closed event tells): well before the pack's 30 s command timeout.
            Assert.That(e, Is.InstanceOf<Conformance.Harness.Dut.CliSessionDroppedException>(), e.Message);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        }
        Assert.That(Support.Sh.Run("ip", "netns", "list"), Does.Not.Contain(ns));
    }

    [Test]
    public void IdentityMismatchStopsBeforeConfiguring()
    {
        Lab.LabTestSupport.RequireLinuxLab();
        var profile = ReferenceProfile();
        // The lab names its DUT after the profile, so point the profile at a different platform instead.
        var wrong = profile with { Testbed = profile.Testbed with { Identity = profile.Testbed.Identity with { PlatformVersionPattern = "^JUNOS " } } };
        var e = Assert.ThrowsAsync<TestbedException>(async () => await LiveTestbed.StartAsync(wrong));
        Assert.That(e!.Message, Does.Contain("^JUNOS").And.Contain("Linux").And.Contain("nothing was configured"));
        // and the hostname check itself
        var id = new Conformance.Harness.Dut.DutIdentity("pe1.example", "6.1", "Debian", "Linux x86_64");
        var h = Assert.Throws<TestbedException>(() => LiveTestbed.CheckIdentity(profile, id, "[fd00::2]:22"));
        Assert.That(h!.Message, Does.Contain("'pe1.example'").And.Contain("'dut'").And.Contain("testbed.identity.hostname"));
        Assert.That(ReferenceLab.ListLabs().Where(l => l.OwnerPid == Environment.ProcessId && l.NamespaceExists), Is.Empty, "the lab was torn down");
    }

    [Test]
    public void FaultModeChangesOnlyWhatItNames()
    {
        var cfg = ProfileDutConfig.Srv6(ReferenceProfile());
        var faulty = ProfileDutConfig.Srv6(ReferenceProfile(), LabFaultMode.EndWithoutPsp);
        Assert.That(cfg.RouteCommandFor("end_psp"), Does.Contain("flavors psp"));
        Assert.That(faulty.RouteCommandFor("end_psp"), Does.Not.Contain("flavors"));
        Assert.That(faulty.Commands.Except(cfg.Commands).Count(), Is.EqualTo(1));
    }


    [Test]
    public void LocatorLocalAddsOneLocalMainTableRouteForTheEndSidsSlash64()
    {
        var cfg = ProfileDutConfig.Srv6(ReferenceProfile());
        var faulty = ProfileDutConfig.Srv6(ReferenceProfile(), LabFaultMode.LocatorLocal);
        Assert.That(faulty.Commands.Except(cfg.Commands), Is.EqualTo(new[] { "ip -6 route add local 2001:db8:b:1::/64 dev lo table main" }));
        Assert.That(cfg.Commands.Except(faulty.Commands), Is.Empty);
    }

    [Test]
    public void DownstreamViaT3RepointsOnlyTheMainTableRouteToN2()
    {
        var cfg = ProfileDutConfig.Srv6(ReferenceProfile());
        var faulty = ProfileDutConfig.Srv6(ReferenceProfile(), LabFaultMode.DownstreamViaT3);
        Assert.That(cfg.Commands.Except(faulty.Commands), Is.EqualTo(new[] { "ip -6 route add 2001:db8:b:2::/64 via 2001:db8:0:2::2 dev veth-t2" }));
        Assert.That(faulty.Commands.Except(cfg.Commands), Is.EqualTo(new[] { "ip -6 route add 2001:db8:b:2::/64 via 2001:db8:0:3::2 dev veth-t3" }));
        Assert.That(faulty.Commands, Does.Contain("ip -6 route add 2001:db8:b:2::/64 via 2001:db8:0:2::2 dev veth-t2 table 100"));
    }


    [Test]
    public void IcmpErrorsToDutDroppedOnlyAddsTheFaultTablesInputDrop()
    {
        var cfg = ProfileDutConfig.Srv6(ReferenceProfile());
        var faulty = ProfileDutConfig.Srv6(ReferenceProfile(), LabFaultMode.IcmpErrorsToDutDropped);
        Assert.That(cfg.Commands.Except(faulty.Commands), Is.Empty);
        Assert.That(faulty.Commands.Except(cfg.Commands), Is.EqualTo(new[]
        {
            $"nft add table ip6 {LabFaultMode.FaultTable}",
            $"nft add chain ip6 {LabFaultMode.FaultTable} in '{{ type filter hook input priority 0; policy accept; }}'",
            $"nft add rule ip6 {LabFaultMode.FaultTable} in icmpv6 type '{{ time-exceeded, destination-unreachable }}' drop",
        }));
    }
}
