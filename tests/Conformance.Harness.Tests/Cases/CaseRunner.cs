using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Conformance.Harness.Reporting;

namespace Conformance.Harness.Tests.Cases;

/// <summary>One test purpose's outcome in a run of the conformance cases, as the Allure results record it.</summary>
public sealed record CaseOutcome(string PurposeId, string Status, bool Known, string Message);

/// <summary>
/// Runs the real conformance cases (src/Conformance.Cases, built alongside these tests) against the
/// reference lab in a separate process, with the lab brought up in a given mode, and reads every
/// test purpose's verdict back from the Allure results. One run per mode, shared by the tests.
/// </summary>
public static class CaseRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, CaseOutcome>>>> Runs = new();
    private static readonly SemaphoreSlim TwoAtATime = new(2);

    public static string CasesAssembly
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory); // tests/Conformance.Harness.Tests/bin/<cfg>/net10.0/
            var tfm = here.Name;
            var cfg = here.Parent!.Name;
            var root = AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Conformance.sln not found");
            var dll = Path.Combine(root, "src", "Conformance.Cases", "bin", cfg, tfm, "Conformance.Cases.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the solution first: {dll} is missing", dll);
        }
    }

    /// <summary>Test purpose id → the case method implementing it, read from the built cases assembly.</summary>
    public static IReadOnlyDictionary<string, MethodInfo> Purposes => _purposes.Value;
    private static readonly Lazy<IReadOnlyDictionary<string, MethodInfo>> _purposes = new(() =>
        Assembly.LoadFrom(CasesAssembly).GetTypes().SelectMany(t => t.GetMethods())
            .Select(m => (m, tp: m.GetCustomAttribute<TestPurposeAttribute>()))
            .Where(x => x.tp is not null)
            .ToDictionary(x => x.tp!.Id, x => x.m));

    /// <summary>
    /// Runs the cases for <paramref name="purposes"/> (all when null) with the lab in
    /// <paramref name="labMode"/>. Runs are cached by mode and purpose set, so tests sharing a mode
    /// share one lab run.
    /// </summary>
    /// <param name="profile">A profile file in profiles/ (null: the cases' default, reference-lab.yaml).</param>
    public static Task<IReadOnlyDictionary<string, CaseOutcome>> RunAsync(string labMode, string? testbedFault = null, IEnumerable<string>? purposes = null, string? profile = null)
    {
        var set = purposes?.Distinct().Order(StringComparer.Ordinal).ToList();
        var key = $"{profile}/{labMode}/{testbedFault}/{(set is null ? "*" : string.Join(',', set))}";
        var env = profile is null ? null : new Dictionary<string, string> { ["SRV6CONF_PROFILE"] = Path.Combine(Profiles.ProfileTestSupport.ProfilesDir, profile) };
        Support.TestbedHost.RequireProfile(profile ?? "reference-lab.yaml");
        return Runs.GetOrAdd(key, _ => new Lazy<Task<IReadOnlyDictionary<string, CaseOutcome>>>(() =>
        {
            var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-cases-{labMode}-{testbedFault ?? "ok"}-{Guid.NewGuid().ToString("N")[..8]}");
            RunDirectories[key] = dir;
            return RunOnceAsync(labMode, testbedFault, set, env, dir);
        })).Value;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> RunDirectories = new();

    /// <summary>
    /// A cached run (<see cref="RunAsync"/>, same arguments) and the folder its allure-results were written to, so a test
    /// can build a statement or a report from a run other tests already paid for.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, CaseOutcome> Outcomes, string Directory)> RunWithDirectoryAsync(string labMode, IEnumerable<string>? purposes = null, string? profile = null)
    {
        var outcomes = await RunAsync(labMode, null, purposes, profile);
        var set = purposes?.Distinct().Order(StringComparer.Ordinal).ToList();
        return (outcomes, RunDirectories[$"{profile}/{labMode}//{(set is null ? "*" : string.Join(',', set))}"]);
    }

    private static string? Filter(IReadOnlyList<string>? purposes)
    {
        if (purposes is null) return null;
        var missing = purposes.Where(p => !Purposes.ContainsKey(p)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"no case implements {string.Join(", ", missing)}");
        return string.Join('|', purposes.Select(p => MethodFilter(Purposes[p])));
    }

    /// <summary>
    /// A parameterised case ([TestCase]) runs as Method(args): its FullyQualifiedName is never equal to
    /// Class.Method, so it is selected by substring (the NUnit adapter's filter parser rejects an
    /// unbalanced "(" even escaped). A longer method name sharing the prefix would also run: harmless,
    /// outcomes are keyed by test purpose.
    /// </summary>
    private static string MethodFilter(MethodInfo m)
    {
        var name = $"{m.DeclaringType!.FullName}.{m.Name}";
        return m.GetParameters().Length == 0 ? $"FullyQualifiedName={name}" : $"FullyQualifiedName~{name}";
    }

    /// <summary>
    /// A run that is not shared or cached, with extra environment variables for the case process (e.g. a secret set
    /// to a known canary), returning the outcomes and the directory every file of the run was written to.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, CaseOutcome> Outcomes, string Directory)> RunWithEnvironmentAsync(
        string labMode, IEnumerable<string> purposes, IReadOnlyDictionary<string, string> environment)
    {
        Support.TestbedHost.RequireProfile(environment.TryGetValue("SRV6CONF_PROFILE", out var p) ? p : "reference-lab.yaml");
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-cases-{labMode}-env-{Guid.NewGuid().ToString("N")[..8]}");
        var outcomes = await RunOnceAsync(labMode, null, purposes.Distinct().Order(StringComparer.Ordinal).ToList(), environment, dir);
        return (outcomes, dir);
    }

    private static async Task<IReadOnlyDictionary<string, CaseOutcome>> RunOnceAsync(string labMode, string? testbedFault, IReadOnlyList<string>? purposes,
        IReadOnlyDictionary<string, string>? environment = null, string? directory = null)
    {
        var filter = Filter(purposes);
        await TwoAtATime.WaitAsync();
        try
        {
            var dir = directory ?? Path.Combine(Path.GetTempPath(), $"srv6conf-cases-{labMode}-{testbedFault ?? "ok"}-{Guid.NewGuid().ToString("N")[..8]}");
            var results = Path.Combine(dir, "allure-results");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(CasesAssembly)! };
            foreach (var a in new[] { "test", CasesAssembly, "--logger", "trx", "--results-directory", dir }) psi.ArgumentList.Add(a);
            if (filter is not null) { psi.ArgumentList.Add("--filter"); psi.ArgumentList.Add(filter); }
            psi.Environment["SRV6CONF_FAULT"] = labMode;
            psi.Environment["SRV6CONF_ALLURE_RESULTS"] = results;
            psi.Environment["SRV6CONF_RUN_ID"] = $"harness-{labMode}";
            psi.Environment.Remove("SRV6CONF_PROFILE");
            if (testbedFault is not null) psi.Environment["SRV6CONF_TESTBED_FAULT"] = testbedFault;
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await p.WaitForExitAsync(cts.Token);
            var outcomes = new Dictionary<string, CaseOutcome>();
            if (Directory.Exists(results))
            {
                foreach (var f in Directory.GetFiles(results, "*-result.json"))
                {
                    using var doc = JsonDocument.Parse(File.ReadAllText(f));
                    var r = doc.RootElement;
                    var id = r.GetProperty("labels").EnumerateArray()
                        .Where(l => l.GetProperty("name").GetString() == "testPurposeId").Select(l => l.GetProperty("value").GetString()).FirstOrDefault();
                    if (id is null) continue;
                    bool known = r.TryGetProperty("statusDetails", out var sd) && sd.TryGetProperty("known", out var k) && k.ValueKind == JsonValueKind.True;
                    string msg = sd.ValueKind == JsonValueKind.Object && sd.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                    var outcome = new CaseOutcome(id, r.GetProperty("status").GetString()!, known, msg);
                    // A parameterised purpose has one result per parameter set: keep the worst (broken >
                    // failed > skipped > passed), known only if every failed set is known.
                    outcomes[id] = outcomes.TryGetValue(id, out var seen) ? Worst(seen, outcome) : outcome;
                }
            }
            if (outcomes.Count == 0)
                throw new InvalidOperationException($"the case run ({labMode}) produced no results; exit {p.ExitCode}\n{await stdout}\n{await stderr}");
            TestContextLog($"case run {labMode}/{testbedFault ?? "-"}: " + string.Join(", ", outcomes.Values.OrderBy(o => o.PurposeId).Select(o => $"{o.PurposeId}={o.Status}{(o.Known ? "(known)" : "")}")));
            return outcomes;
        }
        finally { TwoAtATime.Release(); }
    }

    private static int Rank(string status) => status switch { "passed" => 0, "skipped" => 1, "failed" => 2, _ => 3 };

    private static CaseOutcome Worst(CaseOutcome a, CaseOutcome b)
    {
        var worst = Rank(b.Status) > Rank(a.Status) ? b : a;
        bool known = worst.Status == "failed" && (a.Status != "failed" || a.Known) && (b.Status != "failed" || b.Known);
        return worst with { Known = known, Message = a.Message == b.Message || a.Message.Length == 0 ? b.Message : b.Message.Length == 0 ? a.Message : $"{a.Message}\n{b.Message}" };
    }

    private static void TestContextLog(string line) => NUnit.Framework.TestContext.Progress.WriteLine(line);
}
