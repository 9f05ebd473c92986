using System.Reflection;
using Conformance.Harness.Reporting;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Conformance.Harness.Tests.Reporting;

public class AllureStatusMapperTests
{
    // Every public static ResultState NUnit 4.4 defines, with the Allure status and prefix it must map to.
    private static readonly Dictionary<string, (AllureStatus Status, string Prefix)> Expected = new()
    {
        ["Success"] = (AllureStatus.Passed, ""),
        ["Failure"] = (AllureStatus.Failed, "FAIL:"),
        ["Error"] = (AllureStatus.Broken, "INCONC:"),
        ["SetUpError"] = (AllureStatus.Broken, "INCONC:"),
        ["SetUpFailure"] = (AllureStatus.Broken, "INCONC:"),
        ["TearDownError"] = (AllureStatus.Broken, "INCONC:"),
        ["Cancelled"] = (AllureStatus.Broken, "INCONC:"),
        ["Inconclusive"] = (AllureStatus.Broken, "INCONC:"),
        ["Ignored"] = (AllureStatus.Skipped, "N/A:"),
        ["Skipped"] = (AllureStatus.Skipped, "N/A:"),
        ["Explicit"] = (AllureStatus.Skipped, "N/A:"),
        ["NotRunnable"] = (AllureStatus.Broken, "INCONC:"),
        ["ChildFailure"] = (AllureStatus.Broken, "INCONC:"),
        ["ChildWarning"] = (AllureStatus.Broken, "INCONC:"),
        ["ChildIgnored"] = (AllureStatus.Skipped, "N/A:"),
        ["Warning"] = (AllureStatus.Broken, "INCONC:"),
    };

    private static IEnumerable<TestCaseData> AllResultStates() =>
        typeof(ResultState).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ResultState))
            .Select(f => new TestCaseData(f.Name, (ResultState)f.GetValue(null)!).SetArgDisplayNames(f.Name));

    [TestCaseSource(nameof(AllResultStates))]
    public void EveryNUnitResultStateIsMapped(string name, ResultState state)
    {
        Assert.That(Expected.ContainsKey(name), $"ResultState.{name} ({state}) has no expected mapping in this test: decide it");
        var v = AllureStatusMapper.Map(state);
        Assert.Multiple(() =>
        {
            Assert.That(v.Status, Is.EqualTo(Expected[name].Status), name);
            Assert.That(v.Prefix, Is.EqualTo(Expected[name].Prefix), name);
            Assert.That(v.Known, Is.False);
        });
    }

    [Test]
    public void EveryExpectedNameExistsInNUnit()
    {
        var names = typeof(ResultState).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToHashSet();
        Assert.That(Expected.Keys.Where(k => !names.Contains(k)), Is.Empty);
    }

    [Test]
    public void ParentSiteFailureIsBroken() =>
        Assert.That(AllureStatusMapper.Map(ResultState.Failure.WithSite(FailureSite.Parent)).Status, Is.EqualTo(AllureStatus.Broken));

    [Test]
    public void KnownDeviationTurnsFailureIntoKnownFailedOnly()
    {
        var failed = AllureStatusMapper.Map(ResultState.Failure, knownDeviation: true);
        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.EqualTo(new AllureVerdict(AllureStatus.Failed, "KNOWN:", true)));
            Assert.That(AllureStatusMapper.Map(ResultState.Success, true).Status, Is.EqualTo(AllureStatus.Passed));
            Assert.That(AllureStatusMapper.Map(ResultState.Error, true), Is.EqualTo(new AllureVerdict(AllureStatus.Broken, "INCONC:", false)));
        });
    }

    [Test]
    public void ExceptionsMapForSteps()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AllureStatusMapper.MapException(new AssertionException("x")), Is.EqualTo(AllureStatus.Failed));
            Assert.That(AllureStatusMapper.MapException(new IgnoreException("x")), Is.EqualTo(AllureStatus.Skipped));
            Assert.That(AllureStatusMapper.MapException(new InconclusiveException("x")), Is.EqualTo(AllureStatus.Broken));
            Assert.That(AllureStatusMapper.MapException(new TestbedException("x", null)), Is.EqualTo(AllureStatus.Broken));
            Assert.That(AllureStatusMapper.MapException(new TimeoutException()), Is.EqualTo(AllureStatus.Broken));
        });
    }

    [TestCase("FAIL:", "boom", "FAIL: boom")]
    [TestCase("FAIL:", "FAIL: boom", "FAIL: boom")]
    [TestCase("KNOWN:", "FAIL: boom", "KNOWN: boom")]
    [TestCase("INCONC:", null, "INCONC:")]
    [TestCase("", "msg", "msg")]
    public void PrefixIsAppliedOnce(string prefix, string? message, string expected) =>
        Assert.That(AllureStatusMapper.WithPrefix(prefix, message), Is.EqualTo(expected));

    [TestCase(RequirementLevel.Must, "critical")]
    [TestCase(RequirementLevel.Should, "normal")]
    [TestCase(RequirementLevel.May, "minor")]
    public void SeverityFollowsLevel(RequirementLevel level, string severity) =>
        Assert.That(level.ToAllureSeverity(), Is.EqualTo(severity));
}
