using System.Diagnostics;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;

[TestFixture, Category("Lab"), NonParallelizable]
public class ReferenceLabTests
{
    [SetUp]
    public void Require() => LabTestSupport.RequireLab();

    [Test]
    public async Task LabUp_SshWithKey_SeesSids_TeardownLeavesNothing()
    {
        LabTestSupport.RequireLinuxLab();
        var spec = ReferenceLabSpec.CreateDefault();
        var sw = Stopwatch.StartNew();
        var lab = await ReferenceLab.StartAsync(spec);
        var up = sw.Elapsed;
        string runId = lab.RunId;
        try
        {
            Assert.That(lab.Namespace, Is.EqualTo($"s6c-{runId}-dut"));
            Assert.That(lab.Ports.Select(p => p.TesterInterface), Is.EqualTo(new[] { $"s6c{runId}t1", $"s6c{runId}t2", $"s6c{runId}t3" }));
            Assert.That(lab.Ports.All(p => p.TesterInterface.Length <= 15));
            // Tester ends: IPv6 disabled, no addresses at all.
            foreach (var p in lab.Ports)
            {
                Assert.That(File.ReadAllText($"/proc/sys/net/ipv6/conf/{p.TesterInterface}/disable_ipv6").Trim(), Is.EqualTo("1"));
                var addrs = LabTestSupport.Run("ip", "-o", "addr", "show", "dev", p.TesterInterface).Stdout;
                Assert.That(addrs.Trim(), Is.Empty, $"{p.TesterInterface} must have no address");
            }
            Assert.That(lab.ManagementAddress.ToString(), Does.StartWith("fd00:5e6c:0:"));
            Assert.That(lab.Sysctls.Select(s => s.ToString()), Does.Contain("[dut] net.ipv6.conf.all.forwarding=1"));
            Assert.That(lab.Sysctls.Select(s => s.ToString()), Does.Contain("[dut] net.ipv6.conf.eth1.seg6_enabled=1"));
            Assert.That(lab.Sysctls.Select(s => s.ToString()), Does.Contain("[dut] net.ipv6.conf.eth2.accept_dad=0"));
            Assert.That(lab.Ports.Select(p => p.DutMac), Has.All.Match("^[0-9a-f:]{17}$"));
            Assert.That(LabTestSupport.Run("stat", "-c", "%a", lab.RunDirectory).Stdout.Trim(), Is.EqualTo("700"));
            Assert.That(ReferenceLab.ListLabs().Any(l => l.RunId == runId && l.OwnerAlive && l.NamespaceExists));
            // The management link never forwards test traffic.
            var (_, ruleset, _) = lab.Exec("nft", "list", "table", "inet", "s6c_mgmt");
            Assert.That(ruleset, Does.Contain("iifname \"mgmt0\" drop").And.Contain("oifname \"mgmt0\" drop"));

            await using var ssh = await SshDutSession.ConnectAsync(lab.CreateSshOptions());
            var routes = await ssh.RunAsync("ip -6 route show");
            Assert.That(routes.ExitCode, Is.EqualTo(0), routes.Stderr);
            foreach (var role in new[] { "end", "end_psp", "end_x", "end_t", "end_dt6", "end_dx6" })
                Assert.That(routes.Stdout, Does.Contain(lab.AppliedConfig.Sid(role) + " ").And.Contain("encap seg6local"), role);
            Assert.That(routes.Stdout, Does.Contain("2001:db8:d::/64 via 2001:db8:0:2::2 dev eth2"));
            // The commands really run inside the DUT namespace.
            var links = await ssh.RunAsync("ip -o link show");
            Assert.That(links.Stdout, Does.Contain("eth1").And.Contain("eth3").And.Contain("mgmt0").And.Not.Contain("eth0:"));
            var identity = await new LinuxPlatform(ssh).ReadIdentityAsync();
            Assert.That(identity.KernelRelease, Is.Not.Empty);
        }
        finally
        {
            sw.Restart();
            await lab.DisposeAsync();
            TestContext.Out.WriteLine($"lab up {up.TotalMilliseconds:0} ms (internal {lab.StartupDuration.TotalMilliseconds:0} ms), down {sw.Elapsed.TotalMilliseconds:0} ms");
        }
        LabTestSupport.AssertNothingLeft(runId);
        Assert.DoesNotThrow(lab.Dispose, "teardown is idempotent");
    }

    [Test]
    public async Task CleanupLeftovers_RemovesDeadRuns_AndLeavesLookAlikesAlone()
    {
        LabTestSupport.RequireLinuxLab();
        LabTestSupport.Run("ip", "link", "del", "zz-other");
        Assert.That(LabTestSupport.Run("ip", "link", "add", "zz-other", "type", "veth", "peer", "name", "zz-other-p").ExitCode, Is.EqualTo(0));
        try
        {
            var lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault());
            var runId = lab.RunId;
            var sshdPid = lab.SshdPid;
            Assert.That(sshdPid, Is.Not.Null);
            try
            {
                // Simulate a killed run: the state file now names a dead owner (a `sleep` we start and kill).
                using var sleeper = Process.Start("sleep", "60");
                var deadPid = sleeper.Id;
                sleeper.Kill();
                sleeper.WaitForExit();
                var json = File.ReadAllText(lab.StateFile);
                var state = LabState.FromJson(json)!;
                File.WriteAllText(lab.StateFile, (state with { OwnerPid = deadPid, OwnerStartTime = 1 }).ToJson());

                // CleanupLeftovers never touches labs live in this process; make this one look like another process's.
                ReferenceLab.ForgetLive(lab);
                var removed = ReferenceLab.CleanupLeftovers();
                Assert.That(removed, Does.Contain(runId));
                LabTestSupport.AssertNothingLeft(runId);
                Assert.That(Directory.Exists("/sys/class/net/zz-other"), Is.True, "look-alike interface must survive");
                Assert.That(Directory.Exists("/sys/class/net/zz-other-p"), Is.True, "look-alike interface must survive");
            }
            finally
            {
                lab.Dispose();
            }
        }
        finally
        {
            LabTestSupport.Run("ip", "link", "del", "zz-other");
        }
    }

    /// <summary>The reference profile's lab with the suite's SRv6 configuration under <paramref name="mode"/> (what a run applies over SSH).</summary>
    private static ReferenceLabSpec FaultedSpec(LabFaultMode mode)
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        var spec = ProfileDutConfig.LabSpec(profile);
        return spec with { Config = DutConfig.Concat(spec.Config, ProfileDutConfig.Srv6(profile, mode)) };
    }

    [Test]
    public async Task FaultMode_EndWithoutPsp_ProgramsThePspSidWithoutFlavor()
    {
        LabTestSupport.RequireLinuxLab();
        await using var lab = await ReferenceLab.StartAsync(FaultedSpec(LabFaultMode.EndWithoutPsp));
        var psp = lab.AppliedConfig.Sid("end_psp");
        var (exit, stdout, _) = lab.Exec("ip", "-6", "route", "show", psp);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("encap seg6local action End "));
        Assert.That(stdout, Does.Not.Contain("psp"));
        // The correct lab does have it.
        Assert.That(FaultedSpec(LabFaultMode.None).Config.RouteCommandFor("end_psp"), Does.Contain("flavors psp"));
    }

    [Test]
    public async Task FaultModes_NoIcmpErrors_And_Seg6Disabled_AreApplied()
    {
        LabTestSupport.RequireLinuxLab();
        await using (var lab = await ReferenceLab.StartAsync(FaultedSpec(LabFaultMode.NoIcmpErrors)))
        {
            var (_, nft, _) = lab.Exec("nft", "list", "ruleset");
            Assert.That(nft, Does.Contain(LabFaultMode.FaultTable).And.Contain("drop"));
        }
        await using (var lab = await ReferenceLab.StartAsync(FaultedSpec(LabFaultMode.Seg6Disabled)))
        {
            var (_, v, _) = lab.Exec("sysctl", "-n", "net.ipv6.conf.veth-t1.seg6_enabled");
            Assert.That(v.Trim(), Is.EqualTo("0"));
        }
    }

    [Test]
    public async Task StaticNeighbours_PointAtTheTesterMacs()
    {
        LabTestSupport.RequireLinuxLab();
        await using var lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault(staticNeighbours: true));
        var (_, neigh, _) = lab.Exec("ip", "-6", "neigh", "show", "dev", "eth2");
        Assert.That(neigh, Does.Contain($"2001:db8:0:2::2 lladdr {lab.Ports[1].TesterMac} PERMANENT"));
    }
}

[TestFixture]
public class LabFaultModeTests
{
    private static readonly Profile Reference = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
    private static readonly DutConfig Config = ProfileDutConfig.Srv6(Reference);
    private static DutConfig With(LabFaultMode mode) => ProfileDutConfig.Srv6(Reference, mode);

    [Test]
    public void None_IsIdentity()
    {
        var intent = Conformance.Harness.Intent.IntentBuilder.Build(Reference);
        Assert.That(LabFaultMode.None.Transform(intent), Is.SameAs(intent));
        Assert.That(With(LabFaultMode.None).ToLines(), Is.EqualTo(Config.ToLines()));
    }

    [Test]
    public void SidMissing_RemovesOnlyTheEndRoute()
    {
        var c = With(LabFaultMode.SidMissing);
        Assert.That(c.IndexOfRouteFor(Config.Sid("end")), Is.EqualTo(-1));
        Assert.That(c.Commands, Has.Count.EqualTo(Config.Commands.Count - 1));
    }

    [Test]
    public void EndAsEndX_UsesTheEndXNextHop() =>
        Assert.That(With(LabFaultMode.EndAsEndX).RouteCommandFor("end"), Does.Contain("action End.X nh6 2001:db8:0:2::2 count"));

    [Test]
    public void Seg6Disabled_ZeroesEverySeg6Sysctl()
    {
        var c = With(LabFaultMode.Seg6Disabled);
        var values = c.Sysctls.Where(s => s.Key.EndsWith(".seg6_enabled", StringComparison.Ordinal)).Select(s => s.Value).ToList();
        Assert.That(values, Has.Count.EqualTo(4));
        Assert.That(values, Has.All.EqualTo("0"));
    }

    [Test]
    public void HmacRequired_AddsRequireHmacPerTesterInterface()
    {
        var c = With(LabFaultMode.HmacRequired);
        Assert.That(c.Sysctls.Where(s => s.Key.EndsWith(".seg6_require_hmac", StringComparison.Ordinal)).Select(s => s.ToString()),
            Is.EquivalentTo(new[] { "net.ipv6.conf.veth-t1.seg6_require_hmac=1", "net.ipv6.conf.veth-t2.seg6_require_hmac=1", "net.ipv6.conf.veth-t3.seg6_require_hmac=1" }));
    }

    [Test]
    public void EveryFaultMode_ChangesTheConfig()
    {
        // Against the configuration a run really applies: the one rendered from the mode's profile.
        foreach (var mode in LabFaultMode.All.Where(m => m != LabFaultMode.None))
        {
            var profile = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, mode.Profile));
            if (Conformance.Harness.Platforms.PlatformPacks.Find(profile.Testbed.Platform) is { Session.Driver: Conformance.Harness.Platforms.SessionDriver.Cli } pack)
            {
                // The reference node's modes: rendered by its pack, as LiveTestbed does.
                var intent = Conformance.Harness.Intent.IntentBuilder.Build(profile);
                Assert.That(mode.IsIntentOnly, Is.True, $"{mode.Name}: a router pack can render only a transform of the intent");
                Assert.That(Conformance.Harness.Platforms.PackRenderer.Render(pack, mode.Transform(intent)).Lines,
                    Is.Not.EqualTo(Conformance.Harness.Platforms.PackRenderer.Render(pack, intent).Lines), mode.Name);
                continue;
            }
            Assert.That(ProfileDutConfig.Srv6(profile, mode).ToLines(), Is.Not.EqualTo(ProfileDutConfig.Srv6(profile).ToLines()), mode.Name);
        }
    }

    [Test]
    public void Parse_IsCaseInsensitive_AndNamesKnownModes()
    {
        Assert.That(LabFaultMode.Parse("endwithoutpsp"), Is.SameAs(LabFaultMode.EndWithoutPsp));
        Assert.That(() => LabFaultMode.Parse("Nope"), Throws.ArgumentException.With.Message.Contains("EndWithoutPsp"));
    }
}
