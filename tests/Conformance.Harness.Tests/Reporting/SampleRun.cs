using System.Diagnostics;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>
/// Runs tests/ReportingSample once per test process with `dotnet test` in a subprocess, writing its allure-results into a
/// temporary run folder (SRV6CONF_ALLURE_RESULTS), plus TRX and JUnit XML (JunitXml.TestLogger).
/// </summary>
internal static class SampleRun
{
    public const string MainFilter = "TestCategory!=SetUpProblems";
    public const string SetUpProblemsFilter = "TestCategory=SetUpProblems";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Outcome>> Runs = new();

    public sealed record Outcome(string RepoRoot, string RunDir, string ResultsDir, int ExitCode, string Output);

    /// <summary>The main sample run (one result of each verdict kind).</summary>
    public static Outcome Get() => Get(MainFilter);

    public static Outcome Get(string filter) =>
        Runs.GetOrAdd(filter, f => new Lazy<Outcome>(() => Execute(f), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public static string RepoRoot =>
        AllureResultsLocator.FindRepoRoot(TestContext.CurrentContext.TestDirectory)
        ?? throw new InvalidOperationException("Conformance.sln not found above the test directory");

    private static Outcome Execute(string filter)
    {
        var root = RepoRoot;
        var runDir = Path.Combine(Path.GetTempPath(), "srv6conf-sample-" + Guid.NewGuid().ToString("N")[..12]);
        var results = Path.Combine(runDir, "allure-results");
        Directory.CreateDirectory(runDir);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "test", Path.Combine(root, "tests", "ReportingSample", "ReportingSample.csproj"), "-nologo",
                     "--disable-build-servers", "--filter", filter, "--logger", "trx;LogFileName=sample.trx",
                     "--logger", $"junit;LogFilePath={Path.Combine(runDir, "junit", "sample-junit.xml")}",
                     "--results-directory", Path.Combine(runDir, "trx"),
                 })
            psi.ArgumentList.Add(a);
        // Do not leak the outer test host's MSBuild/VSTest settings into the inner build.
        foreach (var key in psi.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key == "SRV6CONF_RUN_ID")
                psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment[AllureResultsLocator.ResultsDirVariable] = results;

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("ReportingSample run took longer than 8 minutes");
        }
        var output = stdout.Result + stderr.Result;
        File.WriteAllText(Path.Combine(runDir, "sample-dotnet-test.log"), output);
        return new Outcome(root, runDir, results, p.ExitCode, output);
    }
}
