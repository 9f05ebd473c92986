using System.Globalization;

namespace Conformance.Harness.Reporting;

/// <summary>
/// The run's progress, one line per finished case, appended to the file <c>$SRV6CONF_PROGRESS</c> names (run-suite.sh
/// shows it live with `srv6conf progress`). A line is tab-separated: verdict, test purpose id, duration in ms, known
/// deviation id (or "-"), the case's name, and the first line of its message (or "-").
/// </summary>
public static class RunProgress
{
    public const string Variable = "SRV6CONF_PROGRESS";
    private static readonly object Sync = new();

    /// <summary>The verdict word of an Allure result: PASS, FAIL, KNOWN, INCONC, N/A, NOT-RUN.</summary>
    public static string Verdict(AllureResult r) => r.Status switch
    {
        AllureStatus.Passed => "PASS",
        AllureStatus.Failed => r.StatusDetails?.Known == true ? "KNOWN" : "FAIL",
        AllureStatus.Broken => "INCONC",
        AllureStatus.Skipped => "N/A",
        AllureStatus.Unknown => "NOT-RUN",
        _ => "?",
    };

    public static string Line(AllureResult r)
    {
        static string Clean(string? s) => string.IsNullOrWhiteSpace(s) ? "-" : s.Split('\n')[0].Replace('\t', ' ').Trim();
        var known = r.Labels.FirstOrDefault(l => l.Name == "knownDeviation")?.Value;
        var args = r.Parameters.Where(p => !p.Excluded).Select(p => $"{p.Name}={p.Value}").ToList();
        var id = r.Label("testPurposeId");
        var title = r.Label("story") is { } story && id is not null && story.StartsWith(id + " ", StringComparison.Ordinal) ? story[(id.Length + 1)..] : r.Name;
        return string.Join('\t', Verdict(r), id ?? "-", Math.Max(0, r.Stop - r.Start).ToString(CultureInfo.InvariantCulture),
            known ?? "-", Clean(args.Count == 0 ? title : $"[{string.Join(", ", args)}] {title}"), Clean(r.StatusDetails?.Message));
    }

    /// <summary>Appends the result's line when the run asked for progress; never throws into the case.</summary>
    public static void Append(AllureResult r)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } path) return;
        try { lock (Sync) File.AppendAllText(path, SecretRedactor.Redact(Line(r)) + "\n"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
