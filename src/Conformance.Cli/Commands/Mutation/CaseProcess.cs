using System.Diagnostics;
using System.Text.Json;
using Conformance.Harness.Lab;

namespace Conformance.Cli.Commands.Mutation;

/// <summary>One test purpose's outcome in a run of the cases, as its Allure result records it.</summary>
/// <param name="Status">passed, failed, broken, skipped or unknown (not run).</param>
/// <param name="Known">A failure that the profile lists as a known deviation.</param>
internal sealed record PurposeOutcome(string PurposeId, string Status, bool Known, string Message)
{
    /// <summary>The verdict compared between runs: failed-known is told from failed.</summary>
    public string Verdict => Status == "failed" && Known ? "failed-known" : Status;
}

/// <summary>How a run of the cases ended.</summary>
internal sealed record CaseRunResult(IReadOnlyDictionary<string, PurposeOutcome> Outcomes, int? ExitCode, bool TimedOut, bool Cancelled, TimeSpan Duration, string OutputTail);

/// <summary>
/// Runs the conformance cases in a subprocess (<c>dotnet test Conformance.Cases.dll --filter …</c>) against the reference
/// lab brought up in a fault mode, as the harness's tests do (tests/Conformance.Harness.Tests/Cases/CaseRunner.cs), and
/// reads every purpose's verdict from the Allure results. A run that outlives its time-out, or one cancelled with
/// Ctrl-C, is stopped the way run-suite.sh stops one (SIGTERM to the test host, which rolls back and tears the lab
/// down), then killed with its process tree after a grace period; leftover labs of dead runs are then removed.
/// </summary>
internal static class CaseProcess
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public static async Task<CaseRunResult> RunAsync(string casesAssembly, string profilePath, string faultMode, string filter, string runDirectory,
        TimeSpan timeout, CancellationToken cancel)
    {
        Directory.CreateDirectory(runDirectory);
        var results = Path.Combine(runDirectory, "allure-results");
        var pidFile = Path.Combine(runDirectory, "testhost.pid");
        var log = Path.Combine(runDirectory, "dotnet-test.log");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(casesAssembly)! };
        foreach (var a in new[] { "test", casesAssembly, "--results-directory", Path.Combine(runDirectory, "test-results"), "--filter", filter }) psi.ArgumentList.Add(a);
        psi.Environment["SRV6CONF_PROFILE"] = profilePath;
        psi.Environment["SRV6CONF_FAULT"] = faultMode;
        psi.Environment["SRV6CONF_ALLURE_RESULTS"] = results;
        psi.Environment["SRV6CONF_RUN_ID"] = "mutate";
        psi.Environment["SRV6CONF_PID_FILE"] = pidFile;
        psi.Environment["SRV6CONF_RUN_TYPE"] = "manual";
        var started = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var output = new List<string>();
        var sync = new object();
        void Collect(string? line) { if (line is null) return; lock (sync) output.Add(line); }
        p.OutputDataReceived += (_, e) => Collect(e.Data);
        p.ErrorDataReceived += (_, e) => Collect(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();

        bool timedOut = false, cancelled = false;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            limit.CancelAfter(timeout);
            try { await p.WaitForExitAsync(limit.Token); }
            catch (OperationCanceledException)
            {
                cancelled = cancel.IsCancellationRequested;
                timedOut = !cancelled;
                await StopAsync(p, pidFile);
            }
        }
        p.WaitForExit();
        started.Stop();
        string tail;
        lock (sync)
        {
            File.WriteAllLines(log, output);
            tail = string.Join('\n', output.TakeLast(40));
        }
        ReferenceLab.CleanupLeftovers();
        return new CaseRunResult(ReadOutcomes(results), p.HasExited ? p.ExitCode : null, timedOut, cancelled, started.Elapsed, tail);
    }

    /// <summary>SIGTERM to the test host (it finishes the case under way, rolls back, tears down), then the whole tree is killed.</summary>
    private static async Task StopAsync(Process p, string pidFile)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var host))
            Signal(host, "TERM");
        else
            Signal(p.Id, "TERM");
        using var grace = new CancellationTokenSource(Grace);
        try { await p.WaitForExitAsync(grace.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }

    private static void Signal(int pid, string signal)
    {
        try { using var k = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true }); k?.WaitForExit(); }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Every purpose's outcome from a run's Allure results; a parameterised purpose keeps its worst result.</summary>
    public static IReadOnlyDictionary<string, PurposeOutcome> ReadOutcomes(string resultsDirectory)
    {
        var outcomes = new Dictionary<string, PurposeOutcome>(StringComparer.Ordinal);
        if (!Directory.Exists(resultsDirectory)) return outcomes;
        foreach (var f in Directory.GetFiles(resultsDirectory, "*-result.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            var r = doc.RootElement;
            if (!r.TryGetProperty("labels", out var labels)) continue;
            var id = labels.EnumerateArray().Where(l => l.GetProperty("name").GetString() == "testPurposeId").Select(l => l.GetProperty("value").GetString()).FirstOrDefault();
            if (id is null) continue;
            bool known = r.TryGetProperty("statusDetails", out var sd) && sd.ValueKind == JsonValueKind.Object && sd.TryGetProperty("known", out var k) && k.ValueKind == JsonValueKind.True;
            string msg = sd.ValueKind == JsonValueKind.Object && sd.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            var outcome = new PurposeOutcome(id, r.GetProperty("status").GetString() ?? "unknown", known, msg);
            outcomes[id] = outcomes.TryGetValue(id, out var seen) ? Worst(seen, outcome) : outcome;
        }
        return outcomes;
    }

    private static int Rank(string status) => status switch { "passed" => 0, "skipped" => 1, "failed" => 2, _ => 3 };

    private static PurposeOutcome Worst(PurposeOutcome a, PurposeOutcome b)
    {
        var worst = Rank(b.Status) > Rank(a.Status) ? b : a;
        bool known = worst.Status == "failed" && (a.Status != "failed" || a.Known) && (b.Status != "failed" || b.Known);
        return worst with { Known = known, Message = a.Message.Length == 0 ? b.Message : a.Message };
    }
}
