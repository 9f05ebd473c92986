using System.Globalization;

namespace Conformance.Harness.Reporting;

/// <summary>
/// Where a run's allure-results go: <c>$SRV6CONF_ALLURE_RESULTS</c> if set, else
/// <c>&lt;repo&gt;/reports/&lt;run&gt;/allure-results/</c> with the repo root found by walking up to Conformance.sln and
/// the run name from <c>$SRV6CONF_RUN_ID</c> or a UTC timestamp fixed once per process.
/// </summary>
public static class AllureResultsLocator
{
    public const string ResultsDirVariable = "SRV6CONF_ALLURE_RESULTS";
    public const string RunIdVariable = "SRV6CONF_RUN_ID";
    public const string SolutionFile = "Conformance.sln";

    private static readonly Lazy<string> ProcessRunId =
        new(() => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

    /// <summary>The run name: $SRV6CONF_RUN_ID or a timestamp (same for the whole process).</summary>
    public static string RunId
    {
        get
        {
            var env = Environment.GetEnvironmentVariable(RunIdVariable);
            return string.IsNullOrWhiteSpace(env) ? ProcessRunId.Value : env.Trim();
        }
    }

    /// <summary>Nearest folder at or above <paramref name="start"/> that holds Conformance.sln, or null.</summary>
    public static string? FindRepoRoot(string start)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(start)); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, SolutionFile))) return d.FullName;
        return null;
    }

    public static string ResolveResultsDirectory(string startDirectory)
    {
        var env = Environment.GetEnvironmentVariable(ResultsDirVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        var root = FindRepoRoot(startDirectory) ?? Path.GetFullPath(startDirectory);
        return Path.Combine(root, "reports", RunId, "allure-results");
    }
}
