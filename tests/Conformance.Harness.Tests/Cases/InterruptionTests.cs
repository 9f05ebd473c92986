using System.Diagnostics;
using System.Text.Json;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Ctrl-C on the main job, as a user or a CI cancel does it: SIGINT to ./run-suite.sh in the middle of the reference
/// lab's cases. The case under way finishes, the DUT is rolled back and the lab torn down, the report and the
/// statement are written with the run marked interrupted and the purposes not reached listed as not run, and the
/// script exits 130, leaving nothing behind.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class InterruptionTests
{
    /// <summary>Signals are the main job's business, not the DUT's: the Linux reference lab where the host builds it, else the node's.</summary>
    private static string Profile => "profiles/" + TestbedHost.SingleDutProfile;

    [Test]
    public async Task SigintStopsTheMainJobInOrderWithAPartialStatementAndNothingLeft()
    {
        using var job = new MainJob("--profile", Profile);
        var (p, run) = (job.Process, job.Run);
        {
            // Mid-run: a few cases have a verdict (passed or failed; not-applicable ones come and go in milliseconds).
            var results = Path.Combine(run, "allure-results");
            var wait = Stopwatch.StartNew();
            while (!(Directory.Exists(results) && Verdicts(results) >= 4))
            {
                Assert.That(p.HasExited, Is.False, $"the run ended before it could be interrupted:\n{job.Output}");
                Assert.That(wait.Elapsed, Is.LessThan(TimeSpan.FromMinutes(4)), $"no case results after 4 minutes:\n{job.Output}");
                await Task.Delay(200);
            }
            var pidFile = Path.Combine(run, ".testhost.pid");
            Assert.That(File.Exists(pidFile), Is.True, "the test host writes its process id for the signal");
            var host = int.Parse(File.ReadAllText(pidFile).Trim());
            var ours = LabsOf(host);
            Assert.That(ours, Is.Not.Empty, "the test host's lab is up");
            var clock = Stopwatch.StartNew();
            Sh.Run("kill", "-INT", p.Id.ToString());
            while (Process.GetProcesses().Any(x => x.Id == host) && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
            var hostGone = clock.Elapsed;
            var exited = p.WaitForExit(120_000);
            var total = clock.Elapsed;
            TestContext.Out.WriteLine($"SIGINT → test host gone (case finished, DUT rolled back, lab down) in {hostGone.TotalSeconds:F1} s; run-suite.sh exited in {total.TotalSeconds:F1} s (report rendered)");
            Assert.That(exited, Is.True, $"run-suite.sh did not exit within 2 minutes of SIGINT:\n{job.Output}");
            Assert.Multiple(() =>
            {
                Assert.That(p.ExitCode, Is.EqualTo(130), job.Output);
                Assert.That(hostGone, Is.LessThan(TimeSpan.FromSeconds(15)), "the test host must stop within seconds: the case under way, the rollback and the tear-down");
                Assert.That(Namespaces().Intersect(ours), Is.Empty, "the run's namespaces are left behind");
                Assert.That(LabsOf(host), Is.Empty, "the run's lab state file is left behind");
                Assert.That(Process.GetProcesses().Any(x => x.Id == host), Is.False, "the test host is still running");
            });
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConformanceStatement.JsonFileName)));
            var st = doc.RootElement;
            var verdicts = st.GetProperty("testPurposes").EnumerateArray().Select(t => t.GetProperty("verdict").GetString()).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(st.GetProperty("interrupted").GetString(), Is.EqualTo("SIGINT"));
                Assert.That(verdicts.Count(v => v == "not-run"), Is.GreaterThan(10), "the purposes not reached are listed as not run");
                Assert.That(verdicts.Count(v => v is "pass" or "fail"), Is.GreaterThanOrEqualTo(3), "the purposes run before the signal keep their verdicts: " + string.Join(", ", verdicts.GroupBy(v => v).Select(g => $"{g.Key} {g.Count()}")));
                Assert.That(File.ReadAllText(Path.Combine(run, ConformanceStatement.MarkdownFileName)), Does.Contain("INTERRUPTED (SIGINT)"));
            });
        }
    }

    /// <summary>
    /// Ctrl-C during the longest case (TP-OFLAG-BV-04: paced O-flag streams at three rates, about 25 s): its traffic is
    /// aborted a few seconds later, so the run still stops within 10 s, and that case is reported not run, never failed.
    /// </summary>
    [Test]
    public async Task SigintDuringTheLongestCaseAbortsItsTrafficAndStopsWithinTenSeconds()
    {
        using var job = new MainJob("--profile", Profile, "--tp", "TP-END-BV-01,TP-OFLAG-BV-04");
        var (p, run) = (job.Process, job.Run);
        var results = Path.Combine(run, "allure-results");
        var wait = Stopwatch.StartNew();
        while (!(Directory.Exists(results) && Verdicts(results) >= 1))
        {
            Assert.That(p.HasExited, Is.False, $"the run ended before it could be interrupted:\n{job.Output}");
            Assert.That(wait.Elapsed, Is.LessThan(TimeSpan.FromMinutes(3)), $"no case result after 3 minutes:\n{job.Output}");
            await Task.Delay(100);
        }
        await Task.Delay(2000); // TP-OFLAG-BV-04 is now sending its first stream
        var host = int.Parse(File.ReadAllText(Path.Combine(run, ".testhost.pid")).Trim());
        var ours = LabsOf(host);
        var clock = Stopwatch.StartNew();
        Sh.Run("kill", "-INT", p.Id.ToString());
        while (Process.GetProcesses().Any(x => x.Id == host) && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        var hostGone = clock.Elapsed;
        Assert.That(p.WaitForExit(120_000), Is.True, $"run-suite.sh did not exit within 2 minutes of SIGINT:\n{job.Output}");
        TestContext.Out.WriteLine($"SIGINT during TP-OFLAG-BV-04 → test host gone in {hostGone.TotalSeconds:F1} s; run-suite.sh exited in {clock.Elapsed.TotalSeconds:F1} s");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConformanceStatement.JsonFileName)));
        var verdict = doc.RootElement.GetProperty("testPurposes").EnumerateArray()
            .Where(t => t.GetProperty("testPurposeId").GetString() == "TP-OFLAG-BV-04").Select(t => t.GetProperty("verdict").GetString()).Single();
        Assert.Multiple(() =>
        {
            Assert.That(p.ExitCode, Is.EqualTo(130), job.Output);
            Assert.That(hostGone, Is.LessThan(TimeSpan.FromSeconds(10)), "the case's traffic is aborted, the DUT rolled back and the lab torn down within 10 s");
            Assert.That(verdict, Is.EqualTo("not-run"), "an aborted case has no verdict");
            Assert.That(Namespaces().Intersect(ours), Is.Empty, "the run's namespaces are left behind");
            Assert.That(LabsOf(host), Is.Empty, "the run's lab state file is left behind");
        });
    }

    /// <summary>A second signal stops at once: the lab goes, nothing is left, exit 128 + the signal (here SIGTERM twice, as a CI cancel that escalates).</summary>
    [Test]
    public async Task ASecondSigtermStopsAtOnceAndLeavesNothing()
    {
        using var job = new MainJob("--profile", Profile);
        var (p, run) = (job.Process, job.Run);
        {
            var results = Path.Combine(run, "allure-results");
            var wait = Stopwatch.StartNew();
            while (!(Directory.Exists(results) && Verdicts(results) >= 2) && !p.HasExited && wait.Elapsed < TimeSpan.FromMinutes(4)) await Task.Delay(200);
            var host = int.Parse(File.ReadAllText(Path.Combine(run, ".testhost.pid")).Trim());
            var ours = LabsOf(host);
            var clock = Stopwatch.StartNew();
            Sh.Run("kill", "-TERM", p.Id.ToString());
            await Task.Delay(300);
            Sh.Run("kill", "-TERM", p.Id.ToString());
            Assert.That(p.WaitForExit(60_000), Is.True, "run-suite.sh did not stop after the second SIGTERM");
            TestContext.Out.WriteLine($"SIGTERM twice → run-suite.sh exited in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Multiple(() =>
            {
                Assert.That(p.ExitCode, Is.EqualTo(143));
                Assert.That(Namespaces().Intersect(ours), Is.Empty, "the run's namespaces are left behind");
                Assert.That(LabsOf(host), Is.Empty, "the run's lab state file is left behind");
                Assert.That(Process.GetProcesses().Any(x => x.Id == host), Is.False, "the test host is still running");
            });
        }
    }

    /// <summary>How many distinct test purposes have a passed or failed result so far.</summary>
    private static int Verdicts(string results) =>
        AllureResultFiles.Read(results).Where(r => r.Status is "passed" or "failed").Select(r => r.Purpose).Distinct().Count();

    /// <summary>The namespaces of the labs this test host owns (other labs on the machine are not this test's business).</summary>
    private static List<string> LabsOf(int host) =>
        [.. Conformance.Harness.Lab.ReferenceLab.ListLabs().Where(l => l.OwnerPid == host).Select(l => l.Namespace)];

    private static HashSet<string> Namespaces() =>
        Sh.Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToHashSet();
}
