using Conformance.Harness.Reporting;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Conformance.Harness.Tests.Reporting;

public class KnownDeviationTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "srv6conf-known-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private AllureResult Finish(ResultState state, string? message, bool known)
    {
        var w = new AllureResultsWriter(Path.Combine(_dir, "allure-results"));
        var r = new AllureResult { Name = "SAMPLE-X: t", FullName = "A.B.t", Start = 1_790_000_000_000 };
        r.Labels.Add(new("testPurposeId", "SAMPLE-X"));
        r.Labels.Add(new("requirementLevel", "MUST"));
        r.Labels.Add(new("epic", "RFC 8986"));
        var scope = new TestScope(w, r, "SAMPLE-X");
        if (known) scope.MarkKnown("DEV-VENDOR-7", "vendor OS 1.2 keeps SL unchanged");
        scope.Finish(state, message, "trace", 1_790_000_000_100);
        return ConformanceStatement.ReadResults(w.Directory).Single();
    }

    [Test]
    public void KnownDeviationFailureIsFailedKnownWithKnownPrefix()
    {
        var r = Finish(ResultState.Failure, "Expected: 2 But was: 3", known: true);
        Assert.Multiple(() =>
        {
            Assert.That(r.Status, Is.EqualTo(AllureStatus.Failed));
            Assert.That(r.StatusDetails!.Known, Is.True);
            Assert.That(r.StatusDetails.Message, Is.EqualTo("KNOWN: DEV-VENDOR-7: vendor OS 1.2 keeps SL unchanged | Expected: 2 But was: 3"));
            Assert.That(r.Label("knownDeviation"), Is.EqualTo("DEV-VENDOR-7"));
            Assert.That(r.HistoryId, Is.EqualTo(AllureIds.HistoryId("SAMPLE-X", [])));
        });
        var doc = ConformanceStatement.Build([r], null);
        var tp = doc.TestPurposes.Single();
        Assert.That((tp.Verdict, tp.KnownDeviation, tp.KnownDeviationIds.Single()), Is.EqualTo(("fail", true, "DEV-VENDOR-7")));
        Assert.That(doc.SummaryByLevel["MUST"].Text, Is.EqualTo("0/1 passed, 1 known deviation(s)"));
    }

    [Test]
    public void KnownDeviationNeverTurnsAFailureIntoAPassNorHidesAPass()
    {
        var passed = Finish(ResultState.Success, null, known: true);
        Assert.That(passed.Status, Is.EqualTo(AllureStatus.Passed));
        Assert.That(passed.StatusDetails, Is.Null);
    }

    /// <summary>Strict known deviations: a listed deviation whose purpose passes is reported as not observed, and the run's gate is 1.</summary>
    [Test]
    public void AListedDeviationThatTheRunDoesNotObserveIsReportedAndFailsTheGate()
    {
        var passed = Finish(ResultState.Success, null, known: false);
        var deviations = new[]
        {
            new Conformance.Harness.Profiles.KnownDeviation { Id = "DEV-VENDOR-7", TestPurposes = ["SAMPLE-X"], Observed = "o", Reason = "r" },
            new Conformance.Harness.Profiles.KnownDeviation { Id = "DEV-VENDOR-8", TestPurposes = ["SAMPLE-NOT-RUN"], Observed = "o", Reason = "r" },
        };
        var doc = ConformanceStatement.Build([passed], null, deviations: deviations);
        Assert.Multiple(() =>
        {
            Assert.That(doc.TestPurposes.Single().KnownDeviationsNotObserved, Is.EqualTo(new[] { "DEV-VENDOR-7" }));
            Assert.That(doc.KnownDeviationsNotObserved.Single(), Is.EqualTo(new DeviationNotObserved("DEV-VENDOR-7", ["SAMPLE-X"])).Using<DeviationNotObserved>((a, b) => a.Id == b.Id && a.TestPurposes.SequenceEqual(b.TestPurposes)));
            Assert.That(ConformanceStatement.ToMarkdown(doc), Does.Contain("## Known deviations not observed").And.Contain("**DEV-VENDOR-7**: SAMPLE-X passed"));
        });
        // The CLI gate: the same run with a profile listing the deviation exits 1 and says so.
        var profile = Path.Combine(_dir, "p.yaml");
        var text = File.ReadAllText(Path.Combine(Conformance.Harness.Tests.Profiles.ProfileTestSupport.ProfilesDir, "example-ssh-router.yaml"))
            .Replace("known_deviations: []", "known_deviations:\n  - id: DEV-VENDOR-7\n    test_purposes: [SAMPLE-X]\n    observed: o\n    reason: r\n");
        File.WriteAllText(profile, text);
        var o = new StringWriter();
        var rc = Conformance.Cli.Commands.ReportCommands.Statement(_dir, profile, o, TextWriter.Null);
        Assert.That(o.ToString(), Does.Contain("KNOWN DEVIATION NOT OBSERVED: DEV-VENDOR-7 (SAMPLE-X passed)"));
        Assert.That(rc, Is.EqualTo(1));
    }

    [Test]
    public void PlainFailureIsFailWithFailPrefix()
    {
        var r = Finish(ResultState.Failure, "SL not decremented", known: false);
        Assert.That(r.StatusDetails!.Message, Is.EqualTo("FAIL: SL not decremented"));
        Assert.That(r.StatusDetails.Known, Is.False);
    }
}
