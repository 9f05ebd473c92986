using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Tests.Lab;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Dut;

[TestFixture, Category("Lab"), NonParallelizable]
public class LinuxPlatformTests
{
    private ReferenceLab _lab = null!;
    private SshDutSession _ssh = null!;

    private static readonly DutConfig TestConfig = DutConfig.FromLines(
    [
        "sysctl -w net.ipv6.conf.eth3.seg6_enabled=0",
        "ip -6 route add 2001:db8:100::99/128 encap seg6local action End flavors psp count dev eth1",
        "ip -6 addr add 2001:db8:0:3::77/64 dev eth3 nodad",
        "nft add table ip6 srv6conf_test",
        "nft add chain ip6 srv6conf_test out '{ type filter hook output priority 0; policy accept; }'",
        "ip -6 rule add pref 1000 to 2001:db8:d::/64 lookup 100",
    ]);

    [OneTimeSetUp]
    public async Task StartLab()
    {
        LabTestSupport.RequireLinuxLab();
        _lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault());
        _ssh = await SshDutSession.ConnectAsync(_lab.CreateSshOptions());
    }

    [OneTimeTearDown]
    public async Task StopLab()
    {
        if (_ssh is not null) await _ssh.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
    }

    [Test]
    public async Task ApplyThenRollback_LeavesNoDiff()
    {
        var platform = new LinuxPlatform(_ssh);
        var before = await platform.SnapshotAsync();
        Assert.That(before.Section(LinuxPlatform.RoutesV6), Has.Some.Contains("seg6local"));
        Assert.That(before.Section(LinuxPlatform.Sysctls), Does.Contain("net.ipv6.conf.eth3.seg6_enabled = 1".Replace(" = ", "=")));

        await platform.ApplyAsync(TestConfig);
        var applied = await platform.DiffAsync(before);
        Assert.That(applied, Has.Some.Contains("2001:db8:100::99"));
        Assert.That(applied, Has.Some.Contains("srv6conf_test"));
        Assert.That(applied, Has.Some.Contains("net.ipv6.conf.eth3.seg6_enabled=0"));
        Assert.That(applied, Has.Some.Contains("2001:db8:d::/64 lookup 100"));

        await platform.RollbackAsync(before);
        var diff = await platform.VerifyRollbackAsync(before);
        Assert.That(diff, Is.Empty, string.Join("\n", diff) + "\n" + _ssh.Transcript.ToText());
    }

    [Test]
    public async Task IncompleteRollback_ProducesANonEmptyDiff()
    {
        var platform = new LinuxPlatform(_ssh);
        var before = await platform.SnapshotAsync();
        await platform.ApplyAsync(TestConfig);
        // A deliberately incomplete rollback: only the route goes.
        await _ssh.RunCheckedAsync("ip -6 route del 2001:db8:100::99/128 dev eth1");
        var diff = await platform.VerifyRollbackAsync(before);
        Assert.That(diff, Has.Some.Contains("srv6conf_test"));
        Assert.That(diff, Has.Some.Contains("seg6_enabled"));
        Assert.That(diff, Has.None.Contains("2001:db8:100::99"));
        Assert.That(_ssh.Transcript.ToText(), Does.Contain("ROLLBACK INCOMPLETE"));
        Assert.ThrowsAsync<TestbedException>(() => platform.EnsureRolledBackAsync(before));

        await platform.RollbackAsync(before);
        Assert.That(await platform.VerifyRollbackAsync(before), Is.Empty);
    }

    [Test]
    public async Task ReadCounters_ReturnsEverySid()
    {
        var counters = await new LinuxPlatform(_ssh).ReadCountersAsync();
        foreach (var sid in _lab.AppliedConfig.Sids.Values)
            Assert.That(counters, Contains.Key(sid));
        Assert.That(counters[_lab.AppliedConfig.Sid("end")], Is.EqualTo(new SidCounters(0, 0, 0)));
    }

    [Test]
    public async Task ReadIdentity_MatchesTheHost()
    {
        var id = await new LinuxPlatform(_ssh).ReadIdentityAsync();
        Assert.That(id.KernelRelease, Is.EqualTo(LabTestSupport.Run("uname", "-r").Stdout.Trim()));
        Assert.That(id.Platform, Does.StartWith("Linux"));
        Assert.That(id.OperatingSystem, Is.Not.Empty);
    }
}

public class LinuxPlatformParsingTests
{
    [Test]
    public void ParseCounters_ReadsPacketsBytesErrors()
    {
        const string text =
            "2001:db8:100::1  encap seg6local action End packets 12 bytes 1440 errors 1 dev eth1 metric 1024 pref medium\n" +
            "2001:db8:100::2  encap seg6local action End packets 0 bytes 0 errors 0 flavors psp dev eth1 metric 1024 pref medium\n" +
            "2001:db8:d::/64 via 2001:db8:0:2::2 dev eth2 metric 1024 pref medium\n";
        var c = LinuxPlatform.ParseCounters(text);
        Assert.That(c, Has.Count.EqualTo(2));
        Assert.That(c["2001:db8:100::1"], Is.EqualTo(new SidCounters(12, 1440, 1)));
        Assert.That(c["2001:db8:100::2"], Is.EqualTo(new SidCounters(0, 0, 0)));
    }

    [Test]
    public void RouteKey_IdentifiesRoutesForDeletion()
    {
        Assert.That(LinuxPlatform.RouteKey("2001:db8:100::99 encap seg6local action End dev eth1 metric 1024 pref medium"),
            Is.EqualTo("2001:db8:100::99 table main dev eth1 metric 1024"));
        Assert.That(LinuxPlatform.RouteKey("unreachable 2001:db8:e::/64 dev lo table 100 metric 1024 pref medium"),
            Is.EqualTo("unreachable 2001:db8:e::/64 table 100 dev lo metric 1024"));
        // The encap's own "table" (End.T's lookup table) is not the route's table.
        Assert.That(LinuxPlatform.RouteKey("2001:db8:b:1:71:: encap seg6local action End.T table 100 dev veth-t1 metric 1024 pref medium"),
            Is.EqualTo("2001:db8:b:1:71:: table main dev veth-t1 metric 1024"));
    }

    [Test]
    public void Snapshot_DiffShowsAddedAndRemovedLines()
    {
        var a = LinuxPlatform.ParseSnapshot("### routes6\n2001:db8::/64 dev eth1 metric 1024\n### sysctls\nnet.ipv4.ip_forward = 1\n", DateTimeOffset.UtcNow);
        var b = LinuxPlatform.ParseSnapshot("### routes6\n2001:db8:1::/64 dev eth1 metric 1024\n### sysctls\nnet.ipv4.ip_forward = 0\n", DateTimeOffset.UtcNow);
        Assert.That(a.DiffTo(b), Is.EquivalentTo(new[]
        {
            "- [routes6] 2001:db8::/64 dev eth1 metric 1024",
            "+ [routes6] 2001:db8:1::/64 dev eth1 metric 1024",
            "- [sysctls] net.ipv4.ip_forward=1",
            "+ [sysctls] net.ipv4.ip_forward=0",
        }));
        Assert.That(LinuxPlatform.PlanRollback(a, b), Is.EqualTo(new[]
        {
            "ip -6 route del 2001:db8:1::/64 table main dev eth1 metric 1024",
            "sysctl -w net.ipv4.ip_forward=1",
            "ip -6 route add 2001:db8::/64 dev eth1 metric 1024",
        }));
    }
}
