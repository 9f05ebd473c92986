using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

[NonParallelizable]
public class AllureResultsLocatorTests
{
    private string? _dir, _run;

    [SetUp]
    public void Save()
    {
        _dir = Environment.GetEnvironmentVariable(AllureResultsLocator.ResultsDirVariable);
        _run = Environment.GetEnvironmentVariable(AllureResultsLocator.RunIdVariable);
    }

    [TearDown]
    public void Restore()
    {
        Environment.SetEnvironmentVariable(AllureResultsLocator.ResultsDirVariable, _dir);
        Environment.SetEnvironmentVariable(AllureResultsLocator.RunIdVariable, _run);
    }

    [Test]
    public void DefaultsToReportsRunUnderTheRepoRoot()
    {
        Environment.SetEnvironmentVariable(AllureResultsLocator.ResultsDirVariable, null);
        Environment.SetEnvironmentVariable(AllureResultsLocator.RunIdVariable, "run-42");
        var root = AllureResultsLocator.FindRepoRoot(TestContext.CurrentContext.TestDirectory);
        Assert.That(root, Is.Not.Null);
        Assert.That(File.Exists(Path.Combine(root!, "Conformance.sln")));
        Assert.That(AllureResultsLocator.ResolveResultsDirectory(TestContext.CurrentContext.TestDirectory),
            Is.EqualTo(Path.Combine(root!, "reports", "run-42", "allure-results")));
    }

    [Test]
    public void EnvironmentVariableWins()
    {
        Environment.SetEnvironmentVariable(AllureResultsLocator.ResultsDirVariable, "/tmp/somewhere/allure-results");
        Assert.That(AllureResultsLocator.ResolveResultsDirectory("/"), Is.EqualTo("/tmp/somewhere/allure-results"));
    }

    [Test]
    public void RunIdWithoutVariableIsATimestampFixedForTheProcess()
    {
        Environment.SetEnvironmentVariable(AllureResultsLocator.RunIdVariable, null);
        var a = AllureResultsLocator.RunId;
        Assert.That(a, Does.Match(@"^\d{8}T\d{6}Z$"));
        Assert.That(AllureResultsLocator.RunId, Is.EqualTo(a));
    }
}
