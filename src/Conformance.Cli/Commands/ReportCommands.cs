using System.CommandLine;
using System.Text.Json;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;

namespace Conformance.Cli.Commands;

/// <summary>`srv6conf report statement --run DIR [--profile FILE]`: the conformance statement, its manifest, and the run's verdict gate.</summary>
internal static class ReportCommands
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "the run directory (reports/<run>) holding allure-results", Required = true };
        var profile = new Option<string?>("--profile") { Description = "the profile of the run: its capabilities become the PICS of the statement" };
        var statement = new Command("statement", "Write conformance-statement.json/.md and SHA256SUMS for a run; exit 1 when a test purpose failed (not a listed known deviation) or was inconclusive") { run, profile };
        statement.SetAction(pr => Statement(pr.GetValue(run)!, pr.GetValue(profile), Console.Out, Console.Error));
        var runs = new Argument<string[]>("runs") { Description = "two or more run directories (reports/<run>) with a conformance statement, one per DUT", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "where to write comparison.html, .md and .csv", Required = true };
        var anonymise = new Option<bool>("--anonymise") { Description = "label the DUTs A, B, C… (run order) instead of by hostname, platform and profile; hides run folder names" };
        var compare = new Command("compare", "Side by side: one row per test purpose, one column per run's DUT (verdict, evidence links), PICS differences, summaries by level and RFC, requirement coverage; writes a single-file HTML page, Markdown and CSV") { runs, output, anonymise };
        compare.SetAction(pr => Compare(pr.GetValue(runs)!, pr.GetValue(output)!, pr.GetValue(anonymise), Console.Out, Console.Error));
        var shards = new Argument<string[]>("shards") { Description = "the run folders of the shards (./run-suite.sh --shard i/n)", Arity = ArgumentArity.OneOrMore };
        var mergeOut = new Option<string>("--out") { Description = "the merged run folder (reports/<run>); render and state it like any run", Required = true };
        var merge = new Command("merge", "Merge the allure-results of one run's shards into one run folder (same profile and commit, no purpose twice)") { shards, mergeOut };
        merge.SetAction(pr => Merge(pr.GetValue(shards)!, pr.GetValue(mergeOut)!, Console.Out, Console.Error));
        var regRun = new Option<string>("--run") { Description = "this run's folder (with its conformance statement)", Required = true };
        var baseline = new Option<string>("--baseline") { Description = "the baseline run's folder or conformance-statement.json (the previous nightly of the same profile)", Required = true };
        var regressions = new Command("regressions", "Compare a run's statement with a baseline's: new failures (passed before, not now), fixes, changed evidence; writes regressions.md/.json into the run; exit 1 on a new failure") { regRun, baseline };
        regressions.SetAction(pr => Regressions(pr.GetValue(regRun)!, pr.GetValue(baseline)!, Console.Out, Console.Error));
        var interopRuns = new Argument<string[]>("runs") { Description = "run directories of multi-DUT testbeds (testbed.topology.dut_nodes) with a conformance statement, one per DUT pair and role assignment", Arity = ArgumentArity.OneOrMore };
        var interopOut = new Option<string>("--out") { Description = "where to write interop.html (single file), interop.md and the SVG figures", Required = true };
        var interopAnon = new Option<bool>("--anonymise") { Description = "name the vendors A, B, C… (order of appearance) instead of by platform and operating system; hides host, profile and run folder names" };
        var interopTopology = new Option<string?>("--topology") { Description = "the topology to draw when the runs do not record theirs (topologies/NAME.yaml)" };
        var interop = new Command("interop", "Interop report (EANTC style): per test the purpose, procedure, RFC quotes, a topology figure with the DUTs' roles, the role table and the capture evidence per hop; a matrix of DUT pairs × tests and an issues table naming (or anonymising) the blamed vendor") { interopRuns, interopOut, interopAnon, interopTopology };
        interop.SetAction(pr => Interop(pr.GetValue(interopRuns)!, pr.GetValue(interopOut)!, pr.GetValue(interopAnon), pr.GetValue(interopTopology), null, Console.Out, Console.Error));
        return new Command("report", "Reports of a run") { statement, compare, merge, regressions, interop };
    }

    public static int Merge(IReadOnlyList<string> shards, string output, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var r = ShardMerge.Merge(shards, output);
            stdout.WriteLine($"merged {r.Shards} shards into {output}: {r.Purposes.Count} test purposes, {r.Results} results, {r.Files} files");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or System.Text.Json.JsonException)
        {
            stderr.WriteLine($"srv6conf report merge: {SecretRedactor.Redact(e.Message)}");
            return 2;
        }
    }

    public static int Regressions(string run, string baseline, TextWriter stdout, TextWriter stderr)
    {
        RegressionReport r;
        try { r = RegressionCheck.Write(run, baseline); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stderr.WriteLine($"srv6conf report regressions: {SecretRedactor.Redact(e.Message)}");
            return 2;
        }
        stdout.WriteLine($"against {r.Baseline}: {r.NewFailures.Count} new failure(s), {r.Fixes.Count} fix(es), {r.OtherChanges.Count} other change(s), {r.ChangedEvidence.Count} changed evidence file(s)");
        foreach (var c in r.NewFailures) stdout.WriteLine($"  NEW FAILURE: {c.TestPurposeId} {c.Before} → {c.Now}");
        foreach (var c in r.Fixes) stdout.WriteLine($"  FIXED: {c.TestPurposeId} {c.Before} → {c.Now}");
        stdout.WriteLine(Path.Combine(run, RegressionCheck.MarkdownFileName));
        return r.Regressed ? 1 : 0;
    }

    public static int Compare(IReadOnlyList<string> runs, string output, bool anonymise, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var loaded = RunComparison.Load(runs, anonymise);
            var files = RunComparison.Write(loaded, output, anonymise);
            var rows = RunComparison.Rows(loaded);
            stdout.WriteLine($"compared {loaded.Count} runs: {rows.Count} test purposes, {rows.Count(r => r.Differs)} with different verdicts");
            foreach (var r in loaded) stdout.WriteLine($"  {r.Label}: {Path.GetFileName(r.RunDirectory)}");
            foreach (var f in files) stdout.WriteLine(f);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
        {
            stderr.WriteLine($"srv6conf report compare: {SecretRedactor.Redact(e.Message)}");
            return 2;
        }
    }

    /// <summary>`srv6conf report interop RUN… [--anonymise] --out DIR`: the interop report of multi-DUT runs (purposes read from the built cases assembly, or <paramref name="casesAssembly"/>).</summary>
    public static int Interop(IReadOnlyList<string> runs, string output, bool anonymise, string? topology, string? casesAssembly, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var path = casesAssembly ?? PurposesCommand.DefaultCasesAssembly();
            if (!File.Exists(path)) throw new IOException($"the test purposes are read from the built cases assembly, {path}, which does not exist (dotnet build Conformance.sln -c Release).");
            var purposes = Conformance.Harness.Catalogue.PurposeCatalogue.Read(System.Reflection.Assembly.LoadFrom(path)).Select(p => p.Purpose).ToList();
            var topo = topology is null ? null : Conformance.Harness.Topology.Topologies.Find(topology);
            var report = InteropReport.Build(runs, purposes, anonymise, topo);
            var files = report.Write(output);
            var issues = report.Issues();
            stdout.WriteLine($"interop report: {report.Runs.Count} run(s), {report.Tests.Count} test(s), {report.Tests.Sum(t => t.Results.Count)} result(s), {issues.Count} issue(s){(anonymise ? ", vendors anonymised" : "")}");
            foreach (var l in report.VendorLabels.Values) stdout.WriteLine($"  DUT {l}");
            foreach (var f in files.Take(2)) stdout.WriteLine(f);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or BadImageFormatException)
        {
            stderr.WriteLine($"srv6conf report interop: {SecretRedactor.Redact(e.Message)}");
            return 2;
        }
    }

    public static int Statement(string runDir, string? profilePath, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyDictionary<string, string>? pics = null;
        IReadOnlyList<KnownDeviation>? deviations = null;
        if (profilePath is not null)
        {
            try { var p = ProfileLoader.Load(profilePath); pics = Pics(p); deviations = p.RunDeviations; }
            catch (ProfileException e) { stderr.WriteLine(e.Message); return 2; }
        }
        ConformanceStatementDocument doc;
        try { doc = ConformanceStatement.Write(runDir, pics, deviations); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            stderr.WriteLine($"srv6conf report statement: {SecretRedactor.Redact(e.Message)}");
            return 2;
        }
        foreach (var (level, s) in doc.SummaryByLevel) stdout.WriteLine($"{level,-6} {s.Text}");
        var regressions = doc.TestPurposes.Where(t => (t.Verdict == "fail" && !t.KnownDeviation) || t.Verdict == "inconclusive").ToList();
        var known = doc.TestPurposes.Count(t => t.Verdict == "fail" && t.KnownDeviation);
        int Count(string v) => doc.TestPurposes.Count(t => t.Verdict == v);
        var unexpected = doc.TestPurposes.Count(t => t.Verdict == "fail" && !t.KnownDeviation);
        stdout.WriteLine($"test purposes: {doc.TestPurposes.Count} — pass {Count("pass")}, known deviation {known}, not applicable {Count("not-applicable")}, " +
            $"unexpected fail {unexpected}, inconclusive {Count("inconclusive")}" + (Count("not-run") > 0 ? $", not run {Count("not-run")}" : ""));
        stdout.WriteLine(regressions.Count == 0 && doc.KnownDeviationsNotObserved.Count == 0 && doc.Interrupted is null
            ? (known == 0 ? "verdict: conforms to every applicable requirement tested" : $"verdict: conforms but for the {known} listed known deviation(s)")
            : doc.Interrupted is not null ? "verdict: none (the run was interrupted)" : "verdict: REGRESSION (below)");
        foreach (var r in regressions) stdout.WriteLine($"  {r.Verdict.ToUpperInvariant()}: {r.TestPurposeId} {r.Title}");
        if (doc.Interrupted is { } sig)
            stdout.WriteLine($"  INTERRUPTED ({sig}): {doc.TestPurposes.Count(t => t.Verdict == "not-run")} test purpose(s) not run");
        foreach (var d in doc.KnownDeviationsNotObserved)
            stdout.WriteLine($"  KNOWN DEVIATION NOT OBSERVED: {d.Id} ({string.Join(", ", d.TestPurposes)} passed): the DUT no longer shows it; remove it from {profilePath}");
        stdout.WriteLine(Path.Combine(runDir, ConformanceStatement.MarkdownFileName));
        return regressions.Count == 0 && doc.KnownDeviationsNotObserved.Count == 0 && doc.Interrupted is null ? 0 : 1;
    }

    /// <summary>The PICS: what the profile claims, one line per capability.</summary>
    public static IReadOnlyDictionary<string, string> Pics(Profile p)
    {
        var c = p.Capabilities;
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["behaviors"] = string.Join(", ", c.Behaviors.Select(b => b.Name()).Order(StringComparer.Ordinal)),
            ["flavors"] = string.Join(", ", c.Flavors.Select(f => f.Name()).Order(StringComparer.Ordinal)),
            ["headends"] = string.Join(", ", c.Headends.Select(h => h.Name()).Order(StringComparer.Ordinal)),
            ["oam.o_flag_processing"] = c.Oam.OFlagProcessing.ToString().ToLowerInvariant(),
            ["oam.o_flag_rate_limit"] = c.Oam.OFlagRateLimit.ToString().ToLowerInvariant(),
            ["oam.ping_to_sid"] = c.Oam.PingToSid.ToString().ToLowerInvariant(),
            ["oam.traceroute_to_sid"] = c.Oam.TracerouteToSid.ToString().ToLowerInvariant(),
            ["icmp_errors.parameter_problem"] = c.IcmpErrors.ParameterProblem.ToString().ToLowerInvariant(),
            ["icmp_errors.time_exceeded"] = c.IcmpErrors.TimeExceeded.ToString().ToLowerInvariant(),
            ["icmp_errors.packet_too_big"] = c.IcmpErrors.PacketTooBig.ToString().ToLowerInvariant(),
            ["hmac"] = c.Hmac.Supported ? string.Join(", ", c.Hmac.Algorithms.Select(a => a.Name()).Order(StringComparer.Ordinal)) : "false",
            ["sr_domain_filtering"] = c.SrDomainFiltering.ToString().ToLowerInvariant(),
            ["per_sid_counters"] = c.PerSidCounters.ToString().ToLowerInvariant(),
        };
        return d;
    }
}
