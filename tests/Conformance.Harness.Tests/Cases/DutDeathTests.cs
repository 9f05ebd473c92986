using System.Diagnostics;
using System.Text.Json;
using Conformance.Harness.Lab;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// The DUT dies in the middle of a run: the reference node's daemon is killed (SIGKILL, as a crash) while the main job
/// runs its cases. The case under way and every later one are inconclusive — a packet a dead DUT did not forward says
/// nothing about its SRv6 processing — never failed; the run ends by itself, says why, and leaves nothing behind.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class DutDeathTests
{
    private const string Purposes = "TP-END-BV-01,TP-PSP-BV-01,TP-USP-BV-01,TP-USD-BV-01,TP-ENDX-BV-01,TP-ENDT-BV-01,TP-DT6-BV-01,TP-DX6-BV-01,TP-HENCAPS-BV-01,TP-HINSERT-BV-01";

    [Test]
    public async Task AKilledNodeMakesTheRestOfTheRunInconclusive_NeverFailed_AndLeavesNothing()
    {
        using var job = new MainJob("--profile", "profiles/reference-node.yaml", "--tp", Purposes);
        var (p, run) = (job.Process, job.Run);
        var results = Path.Combine(run, "allure-results");
        var wait = Stopwatch.StartNew();
        while (!(Directory.Exists(results) && Statuses(results).Count(s => s.Status == "passed") >= 2))
        {
            Assert.That(p.HasExited, Is.False, $"the run ended before its node could be killed:\n{job.Output}");
            Assert.That(wait.Elapsed, Is.LessThan(TimeSpan.FromMinutes(3)), $"no passing case after 3 minutes:\n{job.Output}");
            await Task.Delay(100);
        }
        var host = int.Parse(File.ReadAllText(Path.Combine(run, ".testhost.pid")).Trim());
        var lab = ReferenceLab.ListLabs().Single(l => l.OwnerPid == host);
        var runDirectory = LabState.FromJson(File.ReadAllText(lab.StateFile))!.RunDirectory;
        var daemon = Proc.FindByCommandLine($"daemon --control {runDirectory}");
        Assert.That(daemon, Has.Count.EqualTo(1), $"the node daemon of lab {lab.Namespace}");
        var passedBefore = Statuses(results).Where(s => s.Status == "passed").Select(s => s.Purpose).ToHashSet();
        Sh.Run("kill", "-KILL", daemon[0].ToString());
        var clock = Stopwatch.StartNew();
        Assert.That(p.WaitForExit(180_000), Is.True, $"the run did not end within 3 minutes of the node's death:\n{job.Output}");
        TestContext.Out.WriteLine($"node killed after {passedBefore.Count} passes → run ended in {clock.Elapsed.TotalSeconds:F1} s, exit {p.ExitCode}");

        var after = Statuses(results).Where(s => !passedBefore.Contains(s.Purpose)).ToList();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConformanceStatement.JsonFileName)));
        var verdicts = doc.RootElement.GetProperty("testPurposes").EnumerateArray()
            .ToDictionary(t => t.GetProperty("testPurposeId").GetString()!, t => t.GetProperty("verdict").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(p.ExitCode, Is.Not.Zero, "a run with inconclusive purposes is no conforming run");
            Assert.That(after.Where(s => s.Status == "failed"), Is.Empty, "a case judged while the DUT was dead must not fail");
            Assert.That(after.Where(s => s.Status == "broken"), Is.Not.Empty, "the cases after the kill are inconclusive");
            Assert.That(after.Where(s => s.Status == "broken").Select(s => s.Message), Has.All.Contain("the DUT stopped answering"));
            Assert.That(after.Where(s => s.Status == "broken").Select(s => s.Message), Has.Some.Contain("exited with code"), "the reason names the node's death");
            Assert.That(verdicts.Where(v => !passedBefore.Contains(v.Key)).Select(v => v.Value), Has.None.EqualTo("fail"));
            Assert.That(ReferenceLab.ListLabs().Where(l => l.OwnerPid == host), Is.Empty, "the lab's state file is left behind");
            Assert.That(Sh.Run("ip", "netns", "list"), Does.Not.Contain(lab.Namespace), "the lab's namespace is left behind");
            Assert.That(Proc.FindByCommandLine(runDirectory), Is.Empty, "a process of the lab is left behind");
            Assert.That(Process.GetProcesses().Any(x => x.Id == host), Is.False, "the test host is still running");
        });
    }

    private static List<AllureResultFiles.Result> Statuses(string results) => AllureResultFiles.Read(results);
}
