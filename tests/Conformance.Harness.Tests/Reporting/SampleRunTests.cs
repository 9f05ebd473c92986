using System.Text.Json;
using System.Xml.Linq;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>End to end: [assembly: AllureResults] in tests/ReportingSample, run by `dotnet test` in a subprocess.</summary>
[TestFixture, Category("ReportingE2E")]
public class SampleRunTests
{
    private SampleRun.Outcome _run = null!;
    private List<AllureResult> _results = null!;

    [OneTimeSetUp]
    public void RunSample()
    {
        _run = SampleRun.Get();
        Assert.That(Directory.Exists(_run.ResultsDir), "no allure-results; dotnet test output:\n" + _run.Output);
        _results = [.. ConformanceStatement.ReadResults(_run.ResultsDir)];
    }

    private AllureResult ByPurpose(string id) => _results.Single(r => r.Label("testPurposeId") == id);

    [Test]
    public void SampleRunFailsBecauseOfItsDeliberateFailures() =>
        Assert.That(_run.ExitCode, Is.Not.Zero, "the sample has one failed and one broken test on purpose");

    [Test]
    public void OneResultPerExecutedTestWithTheRightStatuses()
    {
        Assert.That(_results, Has.Count.EqualTo(6), _run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(_results.Count(r => r.Status == AllureStatus.Passed), Is.EqualTo(3));
            Assert.That(_results.Count(r => r.Status == AllureStatus.Failed), Is.EqualTo(1));
            Assert.That(_results.Count(r => r.Status == AllureStatus.Broken), Is.EqualTo(1));
            Assert.That(_results.Count(r => r.Status == AllureStatus.Skipped), Is.EqualTo(1));
            Assert.That(_results.Select(r => r.Uuid).Distinct().Count(), Is.EqualTo(6));
        });
    }

    [Test]
    public void FailedAssertionIsFailWithPcapEvidence()
    {
        var r = ByPurpose("SAMPLE-END-BI-02");
        Assert.Multiple(() =>
        {
            Assert.That(r.Status, Is.EqualTo(AllureStatus.Failed));
            Assert.That(r.StatusDetails!.Message, Does.StartWith("FAIL: DUT forwarded the packet with Segments Left = 3"));
            Assert.That(r.StatusDetails.Trace, Does.Contain("SegmentsLeftZeroIsProcessed"));
            Assert.That(r.StatusDetails.Known, Is.False);
            var capture = r.Steps.SelectMany(s => s.Attachments).Single(a => a.Name == "dut-egress");
            Assert.That(capture.Type, Is.EqualTo("application/vnd.tcpdump.pcap"));
            Assert.That(capture.Source, Does.EndWith("-attachment.pcap"));
            Assert.That(File.ReadAllBytes(Path.Combine(_run.ResultsDir, capture.Source))[..4], Is.EqualTo(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1 }));
            var check = r.Steps.Single(s => s.Name == "Check egress");
            Assert.That(check.Status, Is.EqualTo(AllureStatus.Failed));
        });
    }

    [Test]
    public void TestbedExceptionIsBrokenWithReason()
    {
        var r = ByPurpose("SAMPLE-HMAC-BV-03");
        Assert.Multiple(() =>
        {
            Assert.That(r.Status, Is.EqualTo(AllureStatus.Broken));
            Assert.That(r.StatusDetails!.Message, Does.StartWith("INCONC: ").And.Contain("TestbedException").And.Contain("traffic generator did not answer"));
            Assert.That(r.Steps.Single().Status, Is.EqualTo(AllureStatus.Broken));
            Assert.That(r.Label("severity"), Is.EqualTo("minor"), "RFC 8754 §2.1.2: the HMAC TLV is OPTIONAL (MAY)");
        });
    }

    [Test]
    public void IgnoreIsSkippedWithReason()
    {
        var r = ByPurpose("SAMPLE-ENDX-BV-04");
        Assert.That(r.Status, Is.EqualTo(AllureStatus.Skipped));
        Assert.That(r.StatusDetails!.Message, Is.EqualTo("N/A: capability End.X not claimed by profile sample-profile"));
        Assert.That(r.Label("severity"), Is.EqualTo("critical"), "End.X's S15 is a procedure");
    }

    [Test]
    public void PassedResultCarriesPurposeMetadata()
    {
        var r = ByPurpose("SAMPLE-END-BV-01");
        Assert.Multiple(() =>
        {
            Assert.That(r.Status, Is.EqualTo(AllureStatus.Passed));
            Assert.That(r.FullName, Is.EqualTo("ReportingSample.SampleConformanceTests.EndDecrementsSegmentsLeft"));
            Assert.That(r.TestCaseId, Is.EqualTo(AllureIds.TestCaseId(r.FullName)));
            Assert.That(r.Label("epic"), Is.EqualTo("RFC 8986"));
            Assert.That(r.Label("feature"), Is.EqualTo("End"));
            Assert.That(r.Label("story"), Is.EqualTo("SAMPLE-END-BV-01 EndDecrementsSegmentsLeft"));
            Assert.That(r.Label("severity"), Is.EqualTo("critical"));
            Assert.That(r.Label("framework"), Is.EqualTo("nunit"));
            Assert.That(r.Label("language"), Is.EqualTo("csharp"));
            Assert.That(r.Label("suite"), Is.EqualTo("SampleConformanceTests"));
            Assert.That(r.Label("parentSuite"), Is.EqualTo("ReportingSample"));
            Assert.That(r.Label("testMethod"), Is.EqualTo("EndDecrementsSegmentsLeft"));
            Assert.That(r.Label("host"), Is.Not.Empty);
            Assert.That(r.Links.Single().Url, Is.EqualTo("https://www.rfc-editor.org/rfc/rfc8986#section-4.1"));
            Assert.That(r.Description, Does.Contain("RFC 8986").And.Contain("4.1").And.Contain("PROCEDURE").And.Contain("**Stimulus:**"));
            Assert.That(r.TitlePath, Is.EqualTo(new[] { "ReportingSample", "SampleConformanceTests" }));
            Assert.That(r.Steps.Select(s => s.Name), Is.EqualTo(new[] { "Configure DUT", "Send probe and capture", "Check" }));
            Assert.That(r.Steps.All(s => s.Status == AllureStatus.Passed && s.Stop >= s.Start));
            // Run-specific port is excluded, so the history id depends on the purpose only: stable across runs.
            Assert.That(r.Parameters.Single().Excluded, Is.True);
            Assert.That(r.HistoryId, Is.EqualTo(AllureIds.HistoryId("SAMPLE-END-BV-01", [])));
        });
    }

    [Test]
    public void ParameterizedCasesAreSeparateResultsWithNamedParameters()
    {
        var cases = _results.Where(r => r.Label("testPurposeId") == "SAMPLE-FLV-BV-05").OrderBy(r => r.Name).ToList();
        Assert.That(cases, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(cases.Select(c => string.Join(",", c.Parameters.Select(p => $"{p.Name}={p.Value}"))),
                Is.EqualTo(new[] { "flavour=PSP,segmentsLeft=1", "flavour=USD,segmentsLeft=2" }));
            Assert.That(cases[0].HistoryId, Is.Not.EqualTo(cases[1].HistoryId));
            Assert.That(cases[0].FullName, Is.EqualTo(cases[1].FullName));
            Assert.That(cases.All(c => c.Label("subSuite") == "FlavourBehaviour"));
            Assert.That(cases[0].HistoryId, Is.EqualTo(AllureIds.HistoryId("SAMPLE-FLV-BV-05", cases[0].Parameters)));
        });
    }

    [Test]
    public void FixtureStepsGoIntoAContainerListingTheTests()
    {
        var containers = Directory.GetFiles(_run.ResultsDir, "*-container.json")
            .Select(f => JsonSerializer.Deserialize<AllureContainer>(File.ReadAllText(f), new JsonSerializerOptions(JsonSerializerDefaults.Web))!).ToList();
        var c = containers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(c.Name, Is.EqualTo("ReportingSample.SampleConformanceTests"));
            Assert.That(c.Children, Is.EquivalentTo(_results.Select(r => r.Uuid)));
            Assert.That(c.Befores.Select(s => s.Name), Is.EqualTo(new[] { "Lab up", "Configure DUT" }));
            Assert.That(c.Afters.Select(s => s.Name), Is.EqualTo(new[] { "Rollback DUT", "Lab down" }));
        });
    }

    [Test]
    public void SchemaOfEveryFileAndNoSecretAnywhere()
    {
        AllureSchema.CheckFolder(_run.ResultsDir);
        foreach (var f in Directory.GetFiles(_run.ResultsDir))
            Assert.That(File.ReadAllText(f), Does.Not.Contain("hunter2-Sup3rS3cret"), f);
        var transcript = Directory.GetFiles(_run.ResultsDir, "*-attachment.txt").Select(File.ReadAllText);
        Assert.That(transcript, Has.Some.Contain(SecretRedactor.Mask));
        Assert.That(File.ReadAllText(Path.Combine(_run.ResultsDir, "environment.properties")), Does.Contain("DUT.model=SampleRouter 9000"));
    }

    [Test]
    public void JunitAndTrxAreProducedByTheLoggers()
    {
        var junit = XDocument.Load(Path.Combine(_run.RunDir, "junit", "sample-junit.xml"));
        Assert.That(junit.Descendants("testcase").Count(), Is.EqualTo(6));
        Assert.That(Directory.GetFiles(Path.Combine(_run.RunDir, "trx"), "*.trx"), Is.Not.Empty);
    }

    [Test]
    public void ConformanceStatementSummarizesTheRun()
    {
        var dir = Path.Combine(_run.RunDir, "statement-check");
        CopyDir(_run.ResultsDir, Path.Combine(dir, "allure-results"));
        var pics = new Dictionary<string, string> { ["End"] = "yes", ["End.X"] = "no" };
        var sw = new StringWriter();
        var pf = Path.Combine(dir, "pics.json");
        File.WriteAllText(pf, "{\"End\": true, \"End.X\": false}");
        Assert.That(ReportCommand.Run(["statement", "--run", dir, "--pics", pf], sw, TextWriter.Null), Is.Zero);
        Assert.That(sw.ToString(), Does.Contain("PROCEDURE: 2/3 passed, 1 not applicable"));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ConformanceStatement.JsonFileName)));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("pics").GetProperty("End.X").GetString(), Is.EqualTo("no"));
        var tps = root.GetProperty("testPurposes").EnumerateArray().ToDictionary(t => t.GetProperty("testPurposeId").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(tps, Has.Count.EqualTo(5));
            Assert.That(tps["SAMPLE-END-BI-02"].GetProperty("verdict").GetString(), Is.EqualTo("fail"));
            Assert.That(tps["SAMPLE-HMAC-BV-03"].GetProperty("verdict").GetString(), Is.EqualTo("inconclusive"));
            Assert.That(tps["SAMPLE-ENDX-BV-04"].GetProperty("verdict").GetString(), Is.EqualTo("not-applicable"));
            Assert.That(tps["SAMPLE-FLV-BV-05"].GetProperty("verdict").GetString(), Is.EqualTo("pass"));
            Assert.That(tps["SAMPLE-FLV-BV-05"].GetProperty("results").GetInt32(), Is.EqualTo(2));
            Assert.That(tps["SAMPLE-END-BI-02"].GetProperty("rfc").GetString(), Is.EqualTo("RFC 8754"));
            Assert.That(tps["SAMPLE-END-BI-02"].GetProperty("section").GetString(), Is.EqualTo("4.3.1.1"));
            Assert.That(tps["SAMPLE-END-BI-02"].GetProperty("level").GetString(), Is.EqualTo("PROCEDURE"));
            var ev = tps["SAMPLE-END-BI-02"].GetProperty("evidence").EnumerateArray().Single();
            Assert.That(ev.GetProperty("sha256").GetString(), Is.EqualTo(ConformanceStatement.Sha256File(Path.Combine(dir, ev.GetProperty("path").GetString()!))));
            Assert.That(root.GetProperty("summaryByLevel").GetProperty("PROCEDURE").GetProperty("passed").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("summaryByRfc").GetProperty("RFC 8986").GetProperty("PROCEDURE").GetProperty("notApplicable").GetInt32(), Is.EqualTo(1));
        });
        var md = File.ReadAllText(Path.Combine(dir, ConformanceStatement.MarkdownFileName));
        Assert.That(md, Does.Contain("**PROCEDURE:** 2/3 passed").And.Contain("| SAMPLE-END-BI-02 | RFC 8754 §4.3.1.1 | PROCEDURE | **FAIL** |"));

        // SHA256SUMS covers every file (but itself) and verifies.
        var sums = File.ReadAllLines(Path.Combine(dir, ConformanceStatement.SumsFileName));
        var all = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Where(f => f != "SHA256SUMS");
        Assert.That(sums.Select(l => l[66..]), Is.EquivalentTo(all));
        foreach (var line in sums)
            Assert.That(line[..64], Is.EqualTo(ConformanceStatement.Sha256File(Path.Combine(dir, line[66..]))));
    }

    internal static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }
}
