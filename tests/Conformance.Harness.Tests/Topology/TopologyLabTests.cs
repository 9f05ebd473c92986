using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Lab;
using Conformance.Harness.Topology;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Topology;

/// <summary>The Figure 1 reference network as built: routed end to end through the DUT, link taps, and nothing left behind.</summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class TopologyLabTests
{
    private static Profile Figure1 => ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-figure1.yaml"));

    [Test]
    public async Task Figure1_RoutesThroughTheDut_TapsSeeIt_AndIsRemovedWhole()
    {
        LabTestSupport.RequireLinuxLab();
        string runId;
        await using (var tb = await LiveTestbed.StartAsync(Figure1))
        {
            var topo = tb.Topology!;
            runId = topo.Dut.RunId;
            Assert.That(LabTestSupport.Namespaces().Count(n => n.StartsWith($"s6c-{runId}-", StringComparison.Ordinal)), Is.EqualTo(7), "the DUT and six lab routers");
            Assert.That(topo.TesterInterfaces.Keys, Is.EquivalentTo(new[] { "n100a", "n100b", "ce1", "ce2" }));
            // N1 → N7's loopback: N1–N2–N6–N4–N5–N7, through the DUT (N4); a tap at N5's end of link9 sees it.
            var tap = await LinkTap.StartAsync(topo, "N5", "link9", inbound: true, tb.Lab!.RunDirectory);
            var ping = topo.Exec("N1", "ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", topo.Figure.Loopback("N7").ToString());
            var seen = await tap.StopAsync();
            tap.Dispose();
            Assert.That(ping.ExitCode, Is.EqualTo(0), ping.Stdout + ping.Stderr);
            Assert.That(seen.Count(f => Conformance.Harness.Packets.PacketDecoder.Decode(f.Data).Inner is Conformance.Harness.Packets.Icmpv6Layer { Type: 128 }), Is.EqualTo(3), "echo requests crossing link9 into N5");
            Assert.That(() => LinkTap.StartAsync(topo, "N4", "link9", inbound: true, tb.Lab!.RunDirectory), Throws.ArgumentException, "never a tap on the DUT");
        }
        LabTestSupport.AssertNothingLeft(runId);
    }

    /// <summary>
    /// profiles/reference-figure1-node.yaml: the reference node runs as N4 in the DUT's namespace on N4's links with the
    /// figure's plan as its start-up configuration, so traffic between the lab routers crosses it; a run killed with the
    /// lab up (its state file naming a dead owner) is removed whole by the next run's cleanup: the node daemon, sshd and
    /// all seven namespaces. Where the kernel lacks SRv6 the six other routers are reference nodes too
    /// (TopologyLab.RoutersRunAsReferenceNodes): the probe is then N1's node's own ping, and their daemons go with the rest.
    /// </summary>
    [Test]
    public async Task Figure1WithTheReferenceNodeAsN4_RoutesThroughTheNode_AndAKilledRunIsRemovedWhole()
    {
        LabTestSupport.RequireLab();
        var profile = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-figure1-node.yaml"));
        var spec = ProfileDutConfig.LabSpec(profile) with { Hostname = profile.Testbed.Identity.Hostname };
        var lab = await ReferenceLab.StartAsync(spec);
        var runId = lab.RunId;
        try
        {
            var built = System.Diagnostics.Stopwatch.StartNew();
            var topo = TopologyLab.Build(lab, Topologies.Find("rfc9259-figure1"), "N4", ProfileDutConfig.TemplateDirectory("linux"));
            TestContext.Out.WriteLine($"N4's lab up in {lab.StartupDuration.TotalSeconds:0.0} s; the six other routers ({(topo.RoutersAreReferenceNodes ? "reference nodes" : "Linux")}) in {built.Elapsed.TotalSeconds:0.0} s");
            var nodePid = lab.NodePid;
            Assert.That(nodePid, Is.Not.Null, "the node daemon runs");
            Assert.That(LabTestSupport.Run("ip", "netns", "identify", nodePid!.Value.ToString()).Stdout.Trim(), Is.EqualTo(lab.Namespace), "in N4's namespace");
            Assert.That(LabTestSupport.Namespaces().Count(n => n.StartsWith($"s6c-{runId}-", StringComparison.Ordinal)), Is.EqualTo(7), "the node's and six lab routers'");
            // N1 → N7's loopback: N1–N2–N6–N4–N5–N7, forwarded by the node on its start-up routes (no SID needed).
            var tap = await LinkTap.StartAsync(topo, "N5", "link9", inbound: true, lab.RunDirectory);
            var routerPids = lab.LabRouterNodePids;
            Assert.That(routerPids, Has.Count.EqualTo(topo.RoutersAreReferenceNodes ? 6 : 0), "a reference node per lab router where the kernel lacks SRv6");
            foreach (var pid in routerPids)
                Assert.That(lab.ExtraNamespaces, Does.Contain(LabTestSupport.Run("ip", "netns", "identify", pid.ToString()).Stdout.Trim()), "each in a lab router's namespace");
            var ping = topo.RoutersAreReferenceNodes
                ? topo.NodeCommand("N1", $"ping {topo.Figure.Loopback("N7")} source {topo.Figure.Loopback("N1")} count 3 timeout 2")
                : topo.Exec("N1", "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", topo.Figure.Loopback("N7").ToString());
            var seen = await tap.StopAsync();
            tap.Dispose();
            Assert.That(ping.ExitCode, Is.EqualTo(0), ping.Stdout + ping.Stderr);
            if (topo.RoutersAreReferenceNodes) Assert.That(ping.Stdout, Does.Contain("Success rate is 100 percent (3/3)"), ping.Stdout);
            Assert.That(seen.Count(f => Conformance.Harness.Packets.PacketDecoder.Decode(f.Data).Inner is Conformance.Harness.Packets.Icmpv6Layer { Type: 128 }), Is.EqualTo(3),
                "echo requests the node forwarded over link9 into N5");

            // A killed run: the state file names a dead owner (a `sleep` started and killed), and the lab is not this process's.
            using var sleeper = System.Diagnostics.Process.Start("sleep", "60");
            var deadPid = sleeper.Id;
            sleeper.Kill();
            sleeper.WaitForExit();
            var state = LabState.FromJson(File.ReadAllText(lab.StateFile))!;
            Assert.That(state.ExtraNamespaces, Has.Count.EqualTo(6), "the lab routers' namespaces are in the state file");
            File.WriteAllText(lab.StateFile, (state with { OwnerPid = deadPid, OwnerStartTime = 1 }).ToJson());
            ReferenceLab.ForgetLive(lab);
            Assert.That(ReferenceLab.CleanupLeftovers(), Does.Contain(runId));
            LabTestSupport.AssertNothingLeft(runId);
            Assert.That(Directory.Exists($"/proc/{nodePid}"), Is.False, "the node daemon is gone");
            Assert.That(routerPids.Where(p => Directory.Exists($"/proc/{p}")), Is.Empty, "the lab routers' node daemons are gone");
        }
        finally { lab.Dispose(); }
        LabTestSupport.AssertNothingLeft(runId);
    }

    /// <summary>
    /// A two-DUT testbed (profiles/reference-figure1-n2node-n4node.yaml: the reference node as N2 and as N4, one lab per DUT,
    /// the first one's state file owning the five lab routers' namespaces) brought up by <c>srv6conf lab up</c> and killed with
    /// kill -9: everything it made stays (no teardown ran), and <c>srv6conf lab cleanup</c> removes all of it, both DUT labs'
    /// namespaces, links, run directories, state files and every process that ran in them (the DUTs' node daemons and sshd, the
    /// lab routers' nodes where the kernel lacks SRv6).
    /// </summary>
    [Test]
    public async Task ATwoDutTestbedKilledWithKill9_IsRemovedWholeByLabCleanup()
    {
        LabTestSupport.RequireLab();
        var profile = Path.Combine(ProfilesDir, "reference-figure1-n2node-n4node.yaml");
        Support.TestbedHost.RequireProfile(profile);
        var before = LabTestSupport.Namespaces().ToHashSet();
        var cli = Path.Combine(AppContext.BaseDirectory, "srv6conf.dll");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "lab", "up", "--profile", profile }) psi.ArgumentList.Add(a);
        var seen = new List<string>();
        List<string> made;
        var pids = new HashSet<int>();
        using (var up = System.Diagnostics.Process.Start(psi)!)
        {
            var stderr = up.StandardError.ReadToEndAsync();
            string? line;
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180)))
                while ((line = await up.StandardOutput.ReadLineAsync(cts.Token)) is not null && !line.StartsWith("Ctrl-C", StringComparison.Ordinal)) seen.Add(line);
            Assert.That(seen.FirstOrDefault(), Does.StartWith("reference lab "), string.Join('\n', seen) + (up.HasExited ? await stderr : ""));
            TestContext.Out.WriteLine(string.Join('\n', seen));
            var duts = seen.Where(l => l.StartsWith("  DUT N", StringComparison.Ordinal)).ToList();
            Assert.That(duts, Has.Count.EqualTo(2), "lab up lists both DUTs: " + string.Join('\n', seen));
            made = LabTestSupport.Namespaces().Where(n => !before.Contains(n) && n.StartsWith("s6c-", StringComparison.Ordinal)).ToList();
            // Both DUTs' namespaces and the five lab routers' (N1, N3, N5, N6, N7), in two labs' names.
            Assert.That(made, Has.Count.EqualTo(7), string.Join(", ", made));
            foreach (var ns in made)
                foreach (var pid in LabTestSupport.Run("ip", "netns", "pids", ns).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) pids.Add(int.Parse(pid));
            Assert.That(pids, Is.Not.Empty, "processes run in the lab's namespaces (the DUTs' node daemons and sshd)");
            Conformance.Harness.Lab.Proc.Kill(up.Id, Conformance.Harness.Lab.Proc.SIGKILL);
            await up.WaitForExitAsync();
        }
        var runIds = made.Select(n => n.Split('-')[1]).Distinct().ToList();
        Assert.That(runIds, Has.Count.EqualTo(2), "one lab per DUT: " + string.Join(", ", made));
        Assert.That(LabTestSupport.Namespaces().Where(made.Contains).ToList(), Has.Count.EqualTo(7), "kill -9 runs no teardown: the namespaces stay");
        var cleanup = LabTestSupport.Run("dotnet", cli, "lab", "cleanup");
        Assert.That(cleanup.ExitCode, Is.EqualTo(0), cleanup.Stdout + cleanup.Stderr);
        TestContext.Out.WriteLine(cleanup.Stdout.Trim());
        foreach (var id in runIds)
        {
            Assert.That(cleanup.Stdout, Does.Contain(id), $"lab cleanup names the killed lab {id}");
            LabTestSupport.AssertNothingLeft(id);
        }
        // Killed processes go within moments (a zombie awaiting its reaper counts as gone).
        static bool Alive(int pid)
        {
            try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1].Split(' ')[0] != "Z"; }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pids.Any(Alive) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.That(pids.Where(Alive).Select(p => $"{p} {File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ')}"), Is.Empty, "every process that ran in the lab's namespaces is gone");
    }

    [Test]
    public async Task Figure1Cases_FollowTheDut_WhereverItSits()
    {
        LabTestSupport.RequireLab();
        // The same cases with the DUT as N2 (tests/…/Topology/reference-figure1-n2.yaml): the expectations are walked
        // from the figure, so the DUT's End.X C31 is now the hop judged, and N4 is a lab router.
        var profile = Path.Combine(AppContext.BaseDirectory, "Topology", "reference-figure1-n2.yaml");
        var outcomes = await Cases.CaseRunner.RunAsync("None", purposes: ["TP-LOOP-BV-01", "TP-PING-BV-04", "TP-HYBRID-BV-01"], profile: profile);
        foreach (var id in new[] { "TP-LOOP-BV-01", "TP-PING-BV-04", "TP-HYBRID-BV-01" })
            Assert.That(outcomes[id].Status, Is.EqualTo("passed"), $"{id} with the DUT as N2: {outcomes[id].Message}");
    }

    [Test]
    public async Task Figure1Cases_AreInconclusive_WhenTheLabFailsUpstreamOfTheDut()
    {
        LabTestSupport.RequireLab();
        // link3 of N2 (a lab router before the DUT N4 on the seed's paths) goes down after set-up: the probes never
        // reach the DUT, so the DUT cannot be judged: broken (inconclusive), not failed.
        // A lab router's fault, whatever the DUT at N4: the Linux one where the host builds it, else the reference node.
        var outcomes = await Cases.CaseRunner.RunAsync("None", "lab-link-down:N2:link3", ["TP-LOOP-BV-01", "TP-PING-BV-04", "TP-HYBRID-BV-01", "TP-TRACE-BV-04"], Support.TestbedHost.Figure1Profile);
        foreach (var id in new[] { "TP-LOOP-BV-01", "TP-PING-BV-04", "TP-HYBRID-BV-01", "TP-TRACE-BV-04" })
        {
            Assert.That(outcomes[id].Status, Is.EqualTo("broken"), $"{id}: {outcomes[id].Message}");
            Assert.That(outcomes[id].Message, Does.Contain("outside the DUT"), id);
        }
    }

    [Test]
    public async Task Figure1_ThatFailsToBuild_LeavesNothingBehind()
    {
        LabTestSupport.RequireLinuxLab();
        // A template directory whose lab-router sysctls fail: the build stops half-way.
        var dir = Directory.CreateTempSubdirectory("srv6conf-templates-").FullName;
        try
        {
            var source = ProfileDutConfig.TemplateDirectory("linux");
            foreach (var f in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(dir, Path.GetRelativePath(source, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
            File.AppendAllText(Path.Combine(dir, "topology", "node-sysctls.conf"), "ip -6 route add 2001:db8:ffff::/64 dev nonexistent0\n");
            var spec = ProfileDutConfig.LabSpec(Figure1);
            var lab = await ReferenceLab.StartAsync(spec);
            var runId = lab.RunId;
            try
            {
                Assert.That(() => TopologyLab.Build(lab, Topologies.Find("rfc9259-figure1"), "N4", dir),
                    Throws.TypeOf<TestbedException>().With.Message.Contains("nonexistent0"));
            }
            finally { lab.Dispose(); }
            LabTestSupport.AssertNothingLeft(runId);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
