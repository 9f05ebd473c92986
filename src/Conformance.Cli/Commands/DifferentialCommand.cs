using System.CommandLine;
using Conformance.Harness;
using Conformance.Harness.Differential;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf differential --a PROFILE --b PROFILE [--fault-a MODE] [--fault-b MODE] [--count N] [--seed S] [--out DIR]`:
/// the same stimuli (a fixed table plus N seeded random valid SRv6 packets over what both profiles claim) into DUT A,
/// then DUT B; every difference in what came out is listed, explained by a known deviation or not.
/// Exit status: 0 every difference explained, 1 otherwise, 2 bad input, 3 a testbed did not come up or a run broke.
/// </summary>
internal static class DifferentialCommand
{
    public static Command Create()
    {
        var a = new Option<string>("--a") { Description = "profile of DUT A", Required = true };
        var b = new Option<string>("--b") { Description = "profile of DUT B", Required = true };
        var faultA = new Option<string>("--fault-a") { Description = "fault mode for A's testbed", DefaultValueFactory = _ => "None" };
        var faultB = new Option<string>("--fault-b") { Description = "fault mode for B's testbed", DefaultValueFactory = _ => "None" };
        var count = new Option<int>("--count") { Description = "number of random stimuli (besides the fixed table)", DefaultValueFactory = _ => StimulusGenerator.DefaultCount };
        var seed = new Option<int>("--seed") { Description = "seed of the random stimuli", DefaultValueFactory = _ => 1 };
        var outDir = new Option<string?>("--out") { Description = "report directory (default reports/<time>-differential)" };
        var explanations = new Option<string?>("--explanations") { Description = "difference-to-known-deviation data (default profiles/differential/explanations.yaml)" };
        var pps = new Option<double>("--rate") { Description = "packets/s for stimuli no conforming DUT answers with ICMP (capped by traffic.max_rate_pps)", DefaultValueFactory = _ => 1000 };
        var interval = new Option<int>("--error-interval") { Description = "milliseconds between stimuli that may draw an ICMP error or O-flag copy", DefaultValueFactory = _ => 260 };
        var oflagInterval = new Option<int?>("--oflag-interval") { Description = "milliseconds between O-flag stimuli (default 1.25 / the profile's o_flag.rate_per_second, at least --error-interval)" };
        var recompare = new Option<string?>("--recompare") { Description = "send nothing: group and explain again the outputs.json of an earlier run (same --a, --b, --count, --seed)" };
        var cmd = new Command("differential", "Send the same stimuli to two DUTs and report every difference in what comes out")
            { a, b, faultA, faultB, count, seed, outDir, explanations, pps, interval, oflagInterval, recompare };
        cmd.SetAction(async (pr, ct) => await RunAsync(pr.GetValue(a)!, pr.GetValue(b)!, pr.GetValue(faultA)!, pr.GetValue(faultB)!, pr.GetValue(count),
            pr.GetValue(seed), pr.GetValue(outDir), pr.GetValue(explanations), pr.GetValue(pps), pr.GetValue(interval), Console.Out, Console.Error, ct,
            pr.GetValue(oflagInterval), pr.GetValue(recompare)));
        return cmd;
    }

    internal static async Task<int> RunAsync(string pathA, string pathB, string faultNameA, string faultNameB, int count, int seed, string? outDir,
        string? explanationsPath, double pps, int intervalMs, TextWriter stdout, TextWriter stderr, CancellationToken ct, int? oflagIntervalMs = null, string? recompareDir = null)
    {
        Profile pa, pb;
        LabFaultMode fa, fb;
        IReadOnlyList<Explanation> explanations;
        var root = AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        explanationsPath ??= Path.Combine(root, "profiles", "differential", "explanations.yaml");
        try
        {
            pa = ProfileLoader.Load(pathA);
            pb = ProfileLoader.Load(pathB);
        }
        catch (ProfileException e) { stderr.WriteLine($"srv6conf differential: {e.Message}"); return 2; }
        try { fa = LabFaultMode.Parse(faultNameA); }
        catch (ArgumentException e) { stderr.WriteLine($"srv6conf differential: --fault-a: {e.Message}"); return 2; }
        try { fb = LabFaultMode.Parse(faultNameB); }
        catch (ArgumentException e) { stderr.WriteLine($"srv6conf differential: --fault-b: {e.Message}"); return 2; }
        if (count < 0 || count > 1_000_000) { stderr.WriteLine($"srv6conf differential: --count {count}: must be 0..1000000"); return 2; }
        if (pps <= 0) { stderr.WriteLine($"srv6conf differential: --rate {pps}: must be > 0"); return 2; }
        if (intervalMs <= 0) { stderr.WriteLine($"srv6conf differential: --error-interval {intervalMs}: must be > 0"); return 2; }
        if (oflagIntervalMs is <= 0) { stderr.WriteLine($"srv6conf differential: --oflag-interval {oflagIntervalMs}: must be > 0"); return 2; }
        try
        {
            explanations = ExplanationsFile.Load(explanationsPath);
            var bad = ExplanationsFile.Check(explanations, pa, pb);
            if (bad.Count > 0) { stderr.WriteLine("srv6conf differential: " + string.Join("\nsrv6conf differential: ", bad)); return 2; }
        }
        catch (ExplanationsException e) { stderr.WriteLine($"srv6conf differential: {e.Message}"); return 2; }
        var plan = StimulusGenerator.CheckSamePlan(pa, pb);
        if (plan.Count > 0)
        {
            stderr.WriteLine("srv6conf differential: the two profiles do not share one address plan, so one stimulus would mean different things:\n  " + string.Join("\n  ", plan));
            return 2;
        }
        StimulusSet set;
        try { set = StimulusGenerator.Generate(pa, pb, seed, count); }
        catch (ArgumentException e) { stderr.WriteLine($"srv6conf differential: {e.Message}"); return 2; }
        if (set.Sids.Count == 0) { stderr.WriteLine($"srv6conf differential: {pathA} and {pathB} share no SID both claim; nothing to compare."); return 2; }
        var dir = outDir ?? Path.Combine(root, "reports", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-differential");
        stdout.WriteLine($"differential: {set.Stimuli.Count} stimuli ({set.FixedCount} fixed + {set.Stimuli.Count - set.FixedCount} random, seed {seed}) over {string.Join(", ", set.Sids)}");
        var pacing = new PacingOptions(pps, TimeSpan.FromMilliseconds(intervalMs),
            OFlagInterval: oflagIntervalMs is { } om ? TimeSpan.FromMilliseconds(om) : null);
        DutRun ra, rb;
        if (recompareDir is not null)
        {
            var file = Path.Combine(recompareDir, "outputs.json");
            if (!File.Exists(file)) { stderr.WriteLine($"srv6conf differential: --recompare: {file}: no such file"); return 2; }
            (ra, rb) = DifferentialReport.ReadOutputs(file);
            if (ra.Sent != set.Stimuli.Count || rb.Sent != set.Stimuli.Count)
            { stderr.WriteLine($"srv6conf differential: --recompare: {file} holds {ra.Sent}/{rb.Sent} stimuli, this --count/--seed gives {set.Stimuli.Count}"); return 2; }
        }
        else try
        {
            ra = await DifferentialRunner.RunAsync("A", pa, fa, set, pacing, stdout.WriteLine, ct);
            rb = await DifferentialRunner.RunAsync("B", pb, fb, set, pacing, stdout.WriteLine, ct);
        }
        catch (TestbedException e) { stderr.WriteLine($"srv6conf differential: {e.Message}"); return 3; }
        catch (OperationCanceledException) { stderr.WriteLine("srv6conf differential: interrupted; no report."); return 3; }
        var report = DifferentialReport.Compare(set, ra, rb, pa, pb, explanations, explanationsPath);
        var (json, md) = report.Write(dir);
        foreach (var c in report.Classes)
            stdout.WriteLine($"  {c.Stimuli.Count,5} × {c.Signature}  → {(c.ExplainedBy is { } x ? "explained: " + x : "UNEXPLAINED: bug in A or B")}");
        stdout.WriteLine($"stimuli {set.Stimuli.Count}, treated differently {report.Differences}, unexplained {report.Unexplained}");
        stdout.WriteLine($"report: {md} (and {Path.GetFileName(json)})");
        return report.ExitCode;
    }
}
