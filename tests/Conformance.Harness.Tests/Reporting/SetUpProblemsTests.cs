using System.Text.Json;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>ReportingSample's SetUpProblems fixtures: a lab that does not come up, SetUp errors, NUnit 4.4 Inconclusive in SetUp.</summary>
[TestFixture, Category("ReportingE2E")]
public class SetUpProblemsTests
{
    private SampleRun.Outcome _run = null!;
    private List<AllureResult> _results = null!;

    [OneTimeSetUp]
    public void RunSample()
    {
        _run = SampleRun.Get(SampleRun.SetUpProblemsFilter);
        Assert.That(Directory.Exists(_run.ResultsDir), "no allure-results; dotnet test output:\n" + _run.Output);
        _results = [.. ConformanceStatement.ReadResults(_run.ResultsDir)];
    }

    private AllureResult ByPurpose(string id) => _results.Single(r => r.Label("testPurposeId") == id);

    [Test]
    public void TestsCutOffByAFailedOneTimeSetUpAreBrokenNotAbsent()
    {
        foreach (var id in new[] { "SAMPLE-LAB-BV-06", "SAMPLE-LAB-BV-07" })
        {
            var r = ByPurpose(id);
            Assert.That(r.Status, Is.EqualTo(AllureStatus.Broken), id);
            Assert.That(r.StatusDetails!.Message, Does.StartWith("INCONC: ").And.Contain("namespace r1 could not be created"), id);
        }
        var container = Directory.GetFiles(_run.ResultsDir, "*-container.json")
            .Select(f => JsonSerializer.Deserialize<AllureContainer>(File.ReadAllText(f), new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
            .Single(c => c.Name == "ReportingSample.LabDoesNotComeUp");
        Assert.That(container.Children, Is.EquivalentTo(new[] { ByPurpose("SAMPLE-LAB-BV-06").Uuid, ByPurpose("SAMPLE-LAB-BV-07").Uuid }));
        var labUp = container.Befores.Single();
        Assert.That(labUp.Name, Is.EqualTo("Lab up"));
        Assert.That(labUp.Status, Is.EqualTo(AllureStatus.Broken), "a fixture step left open by the exception takes the fixture's outcome");
        AllureSchema.CheckFolder(_run.ResultsDir);
    }

    [Test]
    public void TestbedExceptionInSetUpIsBroken()
    {
        var r = ByPurpose("SAMPLE-SETUP-BV-08");
        Assert.That(r.Status, Is.EqualTo(AllureStatus.Broken));
        Assert.That(r.StatusDetails!.Message, Does.StartWith("INCONC: ").And.Contain("DUT management address did not answer"));
    }

    [Test]
    public void NUnit44ReportsInconclusiveInSetUpAsPassed()
    {
        // Pins NUnit 4.4 behaviour (the body runs and NUnit's own outcome is Passed); the writer reports NUnit's
        // outcome. If this starts failing, NUnit changed again: map the new outcome (it should become broken).
        Assert.That(ByPurpose("SAMPLE-SETUP-BV-09").Status, Is.EqualTo(AllureStatus.Passed));
    }
}
