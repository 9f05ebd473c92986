using Conformance.Harness.Catalogue;
using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Conformance.Cli.Commands.Mutation;
using Conformance.Harness;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Lab.Mutations;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf mutate`: the mutation score of the reference DUT's configuration. Every mutation (one line of the rendered
/// configuration dropped or one token changed, <see cref="ConfigMutator"/>) is a fault mode <c>Mutation:&lt;id&gt;</c>;
/// the cases of the purposes that line concerns (<see cref="MutationPurposes"/>) run against the reference lab brought up
/// with it, and the mutation is killed when a verdict differs from the unmutated baseline. Slow (one lab per mutation):
/// not part of CI.
/// </summary>
internal static class MutateCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "a single-DUT reference-lab profile", DefaultValueFactory = _ => "profiles/reference-lab.yaml" };
        var only = new Option<string[]>("--only") { Description = "run only the mutations whose id matches a glob (* and ?; repeatable or comma-separated), e.g. 'drop@sid:*'", AllowMultipleArgumentsPerToken = true };
        var list = new Option<bool>("--list") { Description = "print the mutations (id, purposes, what the mutant does) without running anything" };
        var output = new Option<string?>("--out") { Description = "the JSON report (the Markdown one is written next to it, .md); default reports/mutation/<time>-<profile>.json" };
        var cases = new Option<string?>("--cases") { Description = "the built cases assembly; default src/Conformance.Cases/bin/Release/net10.0/Conformance.Cases.dll" };
        var runTimeout = new Option<int?>("--run-timeout") { Description = "seconds one mutation's run may take before it is stopped (default 120 + 10 per purpose, at most 900)" };
        var budget = new Option<double?>("--budget") { Description = "minutes after which no further mutation is started (the rest are reported not run)" };
        var keep = new Option<bool>("--keep-runs") { Description = "keep every run's Allure results and log (default: deleted after reading)" };
        var jobs = new Option<int>("--jobs") { Description = "mutations run at once, each with its own lab (default 1; timing-sensitive purposes may suffer on a loaded host)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("mutate",
            "Mutation score of the DUT configuration: mutate the reference DUT's rendered configuration one line or token at a time, " +
            "run the purposes each line concerns against the reference lab, report which mutations no purpose catches (survivors) and killed/total. " +
            "A mutation is killed when a purpose it runs gets another verdict than on the unmutated configuration (baseline run first), invalid when the DUT rejects it; " +
            "the purposes of a line: those using the SID it programs, the addresses its prefix covers, its lookup table or headend prefix, the edge-filter/O-flag/HMAC " +
            "purposes for those rules, a per-sysctl group; every purpose when the concern is unknown. " +
            "Slow (a lab per mutation, ~10 s to 3 min each), not for CI; needs root like the lab. Writes reports/mutation/<time>-<profile>.json and .md. " +
            "A mutation is reproducible on its own as the fault mode Mutation:<id> (srv6conf lab up --fault 'Mutation:<id>', or SRV6CONF_FAULT for the cases).")
        { profile, only, list, output, cases, runTimeout, budget, keep, jobs };
        cmd.SetAction(async (pr, ct) => await RunAsync(new Options(pr.GetValue(profile)!, pr.GetValue(only) ?? [], pr.GetValue(list), pr.GetValue(output),
            pr.GetValue(cases), pr.GetValue(runTimeout), pr.GetValue(budget), pr.GetValue(keep), pr.GetValue(jobs)), Console.Out, Console.Error, ct));
        return cmd;
    }

    internal sealed record Options(string Profile, string[] Only, bool List, string? Out, string? Cases, int? RunTimeout, double? Budget, bool KeepRuns, int Jobs = 1);

    /// <summary>The mutations of a profile's configuration selected by <paramref name="only"/> (globs on the id; none = all).</summary>
    internal static IReadOnlyList<ConfigMutation> Select(DutConfig config, IReadOnlyCollection<string> only)
    {
        var globs = only.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var all = ConfigMutator.Generate(config);
        if (globs.Count == 0) return all;
        var regexes = globs.Select(g => new Regex("^" + Regex.Escape(g).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$")).ToList();
        return all.Where(m => regexes.Any(r => r.IsMatch(m.Id))).ToList();
    }

    internal static async Task<int> RunAsync(Options o, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        Profile profile;
        DutConfig config;
        try
        {
            profile = ProfileLoader.Load(o.Profile);
            if (profile.Testbed.Kind != TestbedKind.ReferenceLab)
            {
                stderr.WriteLine($"{o.Profile}: testbed.kind is {profile.Testbed.Kind}: mutations are fault modes of the reference lab only.");
                return 2;
            }
            config = ProfileDutConfig.Srv6(profile);
        }
        catch (Exception e) when (e is ProfileException or TestbedException) { stderr.WriteLine(e.Message); return 2; }
        if (profile.Testbed.Topology is not null)
            stderr.WriteLine($"note: {profile.Name} is a reference topology; the purpose mapping is the single-DUT lab's, so most mutations run every purpose.");

        var mutations = Select(config, o.Only);
        if (mutations.Count == 0) { stderr.WriteLine($"no mutation matches {string.Join(", ", o.Only)} (srv6conf mutate --list shows them)."); return 2; }
        var targets = mutations.ToDictionary(m => m.Id, m => MutationPurposes.For(m, config, profile));

        if (o.List)
        {
            foreach (var m in mutations)
            {
                var t = targets[m.Id];
                stdout.WriteLine($"{m.Id}\t{(t.All ? "all" : t.Purposes!.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))}\t{m.Description}");
            }
            stdout.WriteLine($"{mutations.Count} mutations of {profile.Name} ({mutations.Count(m => targets[m.Id].All)} run every purpose)");
            return 0;
        }

        var root = AllureResultsLocator.FindRepoRoot(Path.GetDirectoryName(Path.GetFullPath(o.Profile))!) ?? AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory)
            ?? Directory.GetCurrentDirectory();
        var casesDll = Path.GetFullPath(o.Cases ?? Path.Combine(root, "src", "Conformance.Cases", "bin", "Release", "net10.0", "Conformance.Cases.dll"));
        if (!File.Exists(casesDll)) { stderr.WriteLine($"{casesDll} is missing: build first (dotnet build Conformance.sln -c Release)."); return 2; }
        var purposesRead = PurposeCatalogue.Read(System.Reflection.Assembly.LoadFrom(casesDll));
        var catalog = purposesRead.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var singleDut = catalog.Values.Where(p => !p.NeedsTopology).Select(p => p.Id).ToList();
        var unknown = targets.Values.Where(t => !t.All).SelectMany(t => t.Purposes!).Where(p => !catalog.ContainsKey(p)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0) stderr.WriteLine($"warning: the purpose mapping names purposes the cases do not implement (skipped): {string.Join(", ", unknown)}");
        IReadOnlyList<string> PurposesOf(ConfigMutation m) => targets[m.Id].Purposes?.Where(catalog.ContainsKey).ToList() ?? singleDut;

        var profilePath = Path.GetFullPath(o.Profile);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var jsonPath = Path.GetFullPath(o.Out ?? Path.Combine(root, "reports", "mutation", $"{started:yyyyMMdd-HHmmss}-{profile.Name}.json"));
        var work = Path.Combine(Path.GetTempPath(), $"srv6conf-mutate-{started:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        ProfileDutConfig.EnsureLabHmacSecrets(profile); // one secret for this process and every run it starts

        var namespacesBefore = NetworkNamespaces();
        // Baseline: every purpose any selected mutation runs, on the unmutated configuration.
        var union = mutations.SelectMany(PurposesOf).Distinct().Order(StringComparer.Ordinal).ToList();
        stdout.WriteLine($"srv6conf mutate: {mutations.Count} mutations of {profile.Name}; baseline run of {union.Count} purposes (fault mode None) …");
        var baselineRun = await CaseProcess.RunAsync(casesDll, profilePath, "None", PurposeCatalogue.DotnetFilter(union.Select(p => catalog[p]), purposesRead), Path.Combine(work, "baseline"),
            TimeSpan.FromSeconds(900), ct);
        if (!o.KeepRuns) TryDelete(Path.Combine(work, "baseline"));
        if (baselineRun.Cancelled) { stderr.WriteLine("interrupted during the baseline run."); return 130; }
        var baseline = baselineRun.Outcomes;
        if (!baseline.Values.Any(b => b.Status == "passed"))
        {
            stderr.WriteLine($"the baseline run passed no purpose (exit {baselineRun.ExitCode}{(baselineRun.TimedOut ? ", timed out" : "")}); is the lab usable (root, built)?\n{baselineRun.OutputTail}");
            return 2;
        }
        var brokenBaseline = baseline.Values.Where(b => b.Status == "broken").Select(b => b.PurposeId).ToList();
        stdout.WriteLine($"baseline in {baselineRun.Duration.TotalSeconds:0} s: " + string.Join(", ", baseline.Values.GroupBy(b => b.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")));
        if (brokenBaseline.Count > 0) stderr.WriteLine($"warning: inconclusive on the baseline (their verdict changes are still compared): {string.Join(", ", brokenBaseline)}");

        var doc = new MutationReportDocument
        {
            Profile = o.Profile, ProfileSha256 = profile.Sha256, Started = started, SuiteCommit = GitCommit(root),
            Selection = o.Only.Length == 0 ? null : string.Join(",", o.Only),
            Baseline = baseline.Values.OrderBy(b => b.PurposeId, StringComparer.Ordinal).ToDictionary(b => b.PurposeId, b => b.Verdict),
            Mutations = mutations.Select(m => new MutationEntry
            {
                Id = m.Id, Kind = m.Kind, Description = m.Description, Line = m.Shown, MutatedLine = m.ShownReplacement,
                Purposes = PurposesOf(m), AllPurposes = targets[m.Id].All, PurposesReason = targets[m.Id].Reason,
                Reproduce = $"srv6conf lab up --profile {o.Profile} --fault 'Mutation:{m.Id}'",
            }).ToList(),
        };
        MutationReport.Write(doc, jsonPath);

        int exit = 0, next = -1;
        var sync = new object();
        async Task WorkerAsync()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= mutations.Count) return;
                var m = mutations[i];
                var entry = doc.Mutations[i];
                lock (sync)
                {
                    if (ct.IsCancellationRequested) { doc.Note = "Interrupted (Ctrl-C): the mutations not run are listed as not-run."; exit = 130; return; }
                    if (o.Budget is { } b && clock.Elapsed.TotalMinutes >= b)
                    {
                        doc.Note = $"The time budget ({b} min) was spent: the mutations not run are listed as not-run.";
                        exit = exit == 0 ? 1 : exit;
                        return;
                    }
                }
                var purposes = entry.Purposes;
                var timeout = TimeSpan.FromSeconds(o.RunTimeout ?? Math.Min(900, 120 + 10 * purposes.Count));
                var dir = Path.Combine(work, $"{i + 1:D3}");
                var run = await CaseProcess.RunAsync(casesDll, profilePath, LabFaultMode.MutationPrefix + m.Id, PurposeCatalogue.DotnetFilter(purposes.Select(p => catalog[p]), purposesRead), dir, timeout, ct);
                if (!o.KeepRuns) TryDelete(dir);
                var (result, kills, detail) = MutationReport.Classify(baseline, run, purposes.ToHashSet(StringComparer.Ordinal));
                lock (sync)
                {
                    entry.Result = result;
                    entry.KilledBy = kills;
                    entry.Detail = detail;
                    entry.DurationSeconds = Math.Round(run.Duration.TotalSeconds, 1);
                    stdout.WriteLine($"[{i + 1}/{mutations.Count}] {m.Id} ({(entry.AllPurposes ? "all " : "")}{purposes.Count} purposes): " +
                        $"{(result == MutationResults.Killed ? "killed by " + string.Join(", ", kills.Select(k => $"{k.Purpose} ({k.Baseline}→{k.Mutant})")) : result + (detail is null ? "" : ": " + detail))} ({run.Duration.TotalSeconds:0} s)");
                    doc.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds);
                    MutationReport.Write(doc, jsonPath);
                    if (run.Cancelled) { doc.Note = "Interrupted (Ctrl-C): the mutations not run are listed as not-run."; exit = 130; }
                    var leftovers = Leftovers(namespacesBefore);
                    if (leftovers.Count > 0) stderr.WriteLine($"warning: left behind after {m.Id}: {string.Join(", ", leftovers)}");
                }
                if (run.Cancelled) return;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, o.Jobs)).Select(_ => Task.Run(WorkerAsync)));
        doc.Complete = doc.Mutations.All(e => e.Result != MutationResults.NotRun);
        doc.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds);
        MutationReport.Write(doc, jsonPath);
        if (!o.KeepRuns) TryDelete(work);
        stdout.WriteLine($"score: {doc.Score.Text}");
        foreach (var s in doc.Mutations.Where(e => e.Result == MutationResults.Survived)) stdout.WriteLine($"  SURVIVED {s.Id}: {s.Description}");
        stdout.WriteLine($"report: {jsonPath} and {Path.ChangeExtension(jsonPath, ".md")}");
        return exit != 0 ? exit : doc.Complete ? 0 : 1;
    }

    /// <summary>`ip netns list`, names only.</summary>
    internal static IReadOnlySet<string> NetworkNamespaces()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ip", ["netns", "list"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            var names = p!.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]);
            p.WaitForExit();
            return names.ToHashSet(StringComparer.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception) { return new HashSet<string>(); }
    }

    /// <summary>
    /// What a run left behind: labs whose owner is dead (after the clean-up, so it failed), and DUT namespaces of the suite
    /// (s6c-*-dut) that appeared since the tool started, are over a minute old and belong to no live lab.
    /// </summary>
    private static List<string> Leftovers(IReadOnlySet<string> before)
    {
        var labs = ReferenceLab.ListLabs();
        var live = labs.Where(l => l.OwnerAlive).Select(l => $"s6c-{l.RunId}-").ToList();
        var dead = labs.Where(l => !l.OwnerAlive).Select(l => $"lab {l.RunId} ({l.Namespace})");
        // A lab still coming up (another job's, or another user's) has its namespace before its state file: skip young ones.
        static bool Settled(string ns) => File.Exists($"/run/netns/{ns}") && DateTime.UtcNow - File.GetLastWriteTimeUtc($"/run/netns/{ns}") > TimeSpan.FromSeconds(60);
        var stray = NetworkNamespaces().Where(n => n.StartsWith("s6c-", StringComparison.Ordinal) && n.EndsWith("-dut", StringComparison.Ordinal) && !before.Contains(n)
                && !live.Any(l => n.StartsWith(l, StringComparison.Ordinal)) && Settled(n))
            .Select(n => $"namespace {n}");
        return [.. dead, .. stray];
    }

    private static string? GitCommit(string root)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", ["-C", root, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            var s = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 && s.Length > 0 ? s : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
