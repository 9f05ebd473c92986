namespace Conformance.Harness.Reporting;

/// <summary>Run-level allure files: environment.properties, executor.json, categories.json.</summary>
public static class RunReport
{
    /// <summary>Verdict categories keyed on the message prefixes (regexes match the whole message).</summary>
    public static IReadOnlyList<AllureCategory> Categories { get; } =
    [
        new("Known deviation", "Failures declared as documented deviations of this DUT (statusDetails.known).",
            ["failed"], @"^KNOWN:[\s\S]*"),
        new("DUT non-conformance", "An assertion about the DUT's behaviour failed (verdict: fail).",
            ["failed"], @"^FAIL:[\s\S]*"),
        new("Testbed or harness problem", "No verdict could be drawn: testbed/harness error, timeout or inconclusive.",
            ["broken"]),
        new("Not claimed by profile", "Capability not claimed in the PICS/profile, or not run (verdict: not applicable).",
            ["skipped"]),
    ];

    /// <summary>
    /// Writes environment.properties (DUT platform, model/OS, kernel, profile name + SHA-256, suite version, git commit…),
    /// executor.json and categories.json into <paramref name="resultsDirectory"/>. Values are redacted.
    /// </summary>
    public static void WriteRunFiles(string resultsDirectory, IReadOnlyDictionary<string, string> environment, ExecutorInfo executor)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(executor);
        var w = new AllureResultsWriter(resultsDirectory);
        w.WriteEnvironment(environment);
        w.WriteExecutor(executor);
        w.WriteCategories(Categories);
    }

    /// <summary>Same, into the results folder of the current reporting run (the one [assembly: AllureResults] writes to).</summary>
    public static string WriteRunFiles(IReadOnlyDictionary<string, string> environment, ExecutorInfo executor)
    {
        var dir = AllureLifecycle.EnsureInitialized().Directory;
        WriteRunFiles(dir, environment, executor);
        return dir;
    }
}
