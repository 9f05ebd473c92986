using System.Diagnostics;
using System.Text.Json;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>scripts/render-report.sh with the pinned npm Allure 3: single file, stats, history across two runs.</summary>
[TestFixture, Category("ReportingE2E")]
public class RenderReportTests
{
    internal static (int Exit, string Stdout, string Stderr) Render(string repoRoot, string runDir, string historyFile)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(repoRoot, "scripts", "render-report.sh"));
        psi.ArgumentList.Add(runDir);
        psi.Environment["SRV6CONF_HISTORY"] = historyFile;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); Assert.Fail("render-report.sh timed out"); }
        return (p.ExitCode, o.Result.Trim(), e.Result);
    }

    [Test]
    public void TwoRendersShareHistoryAndKeepParameterizedCasesApart()
    {
        var sample = SampleRun.Get();
        var results = ConformanceStatement.ReadResults(sample.ResultsDir);
        var history = Path.Combine(sample.RunDir, "render-history.jsonl");
        var stats = new List<JsonElement>();
        foreach (var run in new[] { "run-a", "run-b" })
        {
            var runDir = Path.Combine(sample.RunDir, run);
            SampleRunTests.CopyDir(sample.ResultsDir, Path.Combine(runDir, "allure-results"));
            var (exit, stdout, stderr) = Render(sample.RepoRoot, runDir, history);
            Assert.That(exit, Is.Zero, stderr);
            var index = Path.Combine(runDir, "html", "index.html");
            Assert.That(stdout.Split('\n').Last(), Is.EqualTo(index), "prints the report path");
            Assert.That(Directory.GetFiles(Path.Combine(runDir, "html"), "*.html"), Has.Length.EqualTo(1), "single file");
            var html = File.ReadAllText(index);
            Assert.That(html, Does.Not.Contain("googletagmanager"));
            Assert.That(html, Does.Not.Contain("hunter2-Sup3rS3cret"));
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "html", "summary.json")));
            stats.Add(summary.RootElement.Clone());
        }
        Assert.Multiple(() =>
        {
            foreach (var s in stats)
            {
                var st = s.GetProperty("stats");
                Assert.That(st.GetProperty("total").GetInt32(), Is.EqualTo(results.Count));
                Assert.That(st.GetProperty("passed").GetInt32(), Is.EqualTo(results.Count(r => r.Status == AllureStatus.Passed)));
                Assert.That(st.GetProperty("failed").GetInt32(), Is.EqualTo(results.Count(r => r.Status == AllureStatus.Failed)));
                Assert.That(st.GetProperty("broken").GetInt32(), Is.EqualTo(results.Count(r => r.Status == AllureStatus.Broken)));
                Assert.That(st.GetProperty("skipped").GetInt32(), Is.EqualTo(results.Count(r => r.Status == AllureStatus.Skipped)));
                Assert.That(s.GetProperty("retryTests").GetArrayLength(), Is.Zero, "no two results may collapse into retries");
            }
            Assert.That(stats[0].GetProperty("stats").GetProperty("new").GetInt32(), Is.EqualTo(results.Count));
            Assert.That(stats[1].GetProperty("stats").TryGetProperty("new", out var n) ? n.GetInt32() : 0, Is.Zero,
                "second run knows every test from the history of the first");
            Assert.That(File.ReadAllLines(history).Count(l => l.Trim().Length > 0), Is.EqualTo(2));
        });
    }
}
