using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Conformance.Harness.Reporting;

/// <summary>Outcome of mapping an NUnit result to an Allure status with the conformance-verdict prefix.</summary>
/// <param name="Status">Allure status.</param>
/// <param name="Prefix">Message prefix (<c>FAIL:</c>, <c>INCONC:</c>, <c>N/A:</c>, <c>KNOWN:</c>) or empty for passed.</param>
/// <param name="Known">True when the failure is a declared known deviation.</param>
public readonly record struct AllureVerdict(AllureStatus Status, string Prefix, bool Known)
{
    /// <summary>Conformance verdict word: pass, fail, inconclusive, not-applicable.</summary>
    public string ConformanceVerdict => Status switch
    {
        AllureStatus.Passed => "pass",
        AllureStatus.Failed => "fail",
        AllureStatus.Broken => "inconclusive",
        _ => "not-applicable",
    };
}

/// <summary>
/// Pure mapping from NUnit outcomes to Allure statuses that keeps conformance-verdict meaning:
/// pass → passed; an assertion about the DUT failed (ResultState.Failure in the test body) → failed (FAIL:);
/// anything that prevents a verdict (non-assertion exception, Inconclusive, Warning, set-up/tear-down/parent
/// problems, cancellation/timeout, not runnable) → broken (INCONC:); ignored/skipped/explicit → skipped (N/A:).
/// A failure declared as known deviation → failed with known = true (KNOWN:).
/// </summary>
public static class AllureStatusMapper
{
    public const string FailPrefix = "FAIL:";
    public const string InconclusivePrefix = "INCONC:";
    public const string NotApplicablePrefix = "N/A:";
    public const string KnownPrefix = "KNOWN:";
    public const string NotRunPrefix = "NOT RUN:";

    public static readonly IReadOnlyList<string> AllPrefixes = [FailPrefix, InconclusivePrefix, NotApplicablePrefix, KnownPrefix, NotRunPrefix];

    public static AllureVerdict Map(ResultState state, bool knownDeviation = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Map(state.Status, state.Label, state.Site, knownDeviation);
    }

    public static AllureVerdict Map(TestStatus status, string? label, FailureSite site, bool knownDeviation = false)
    {
        label ??= "";
        switch (status)
        {
            case TestStatus.Passed:
                return new(AllureStatus.Passed, "", false);
            case TestStatus.Skipped:
                // Ignored (Assert.Ignore / capability not claimed), Skipped, Explicit: not applicable in this run.
                return new(AllureStatus.Skipped, NotApplicablePrefix, false);
            case TestStatus.Inconclusive:
                return new(AllureStatus.Broken, InconclusivePrefix, false);
            case TestStatus.Warning:
                // Assert.Warn / ChildWarning / ChildIgnored: no clean verdict.
                if (site == FailureSite.Child && label == "Ignored")
                    return new(AllureStatus.Skipped, NotApplicablePrefix, false);
                return new(AllureStatus.Broken, InconclusivePrefix, false);
            case TestStatus.Failed:
                bool assertionInBody = label.Length == 0 && site == FailureSite.Test;
                if (assertionInBody)
                {
                    return knownDeviation
                        ? new(AllureStatus.Failed, KnownPrefix, true)
                        : new(AllureStatus.Failed, FailPrefix, false);
                }
                // Error (exception), Cancelled (timeout/cancel), Invalid (NotRunnable), SetUp/TearDown/Parent sites,
                // ChildFailure (aggregate of a suite, never a verdict by itself).
                return new(AllureStatus.Broken, InconclusivePrefix, false);
            default:
                return new(AllureStatus.Broken, InconclusivePrefix, false);
        }
    }

    /// <summary>Status of a step whose body threw <paramref name="ex"/>.</summary>
    public static AllureStatus MapException(Exception ex) => ex switch
    {
        AssertionException => AllureStatus.Failed,
        MultipleAssertException => AllureStatus.Failed,
        IgnoreException => AllureStatus.Skipped,
        InconclusiveException => AllureStatus.Broken,
        SuccessException => AllureStatus.Passed,
        _ => AllureStatus.Broken,
    };

    /// <summary>Prefix of the category a status belongs to (for steps and messages built outside NUnit).</summary>
    public static string PrefixFor(AllureStatus status, bool known = false) => status switch
    {
        AllureStatus.Failed => known ? KnownPrefix : FailPrefix,
        AllureStatus.Broken => InconclusivePrefix,
        AllureStatus.Skipped => NotApplicablePrefix,
        AllureStatus.Unknown => NotRunPrefix,
        _ => "",
    };

    /// <summary>Returns <paramref name="message"/> with <paramref name="prefix"/> in front exactly once (other verdict prefixes are replaced).</summary>
    public static string? WithPrefix(string prefix, string? message)
    {
        if (string.IsNullOrEmpty(prefix)) return message;
        var m = (message ?? "").TrimStart();
        foreach (var p in AllPrefixes)
        {
            if (m.StartsWith(p, StringComparison.Ordinal)) { m = m[p.Length..].TrimStart(); break; }
        }
        return m.Length == 0 ? prefix : prefix + " " + m;
    }
}
