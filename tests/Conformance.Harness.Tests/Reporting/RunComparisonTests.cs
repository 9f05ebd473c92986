using System.Text.Json;
using Conformance.Cli.Commands;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>The side-by-side comparison read from statements written here (no lab): rows, differences, PICS, CSV, errors.</summary>
[TestFixture]
public class RunComparisonTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("srv6conf-compare-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private static readonly JsonSerializerOptions Out = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private string Run(string name, string host, string platform, IReadOnlyDictionary<string, string> pics, params TestPurposeVerdict[] purposes) =>
        RunOf(name, name, host, platform, pics, purposes);

    private string RunOf(string name, string profile, string host, string platform, IReadOnlyDictionary<string, string> pics, params TestPurposeVerdict[] purposes)
    {
        var run = Path.Combine(_dir, name);
        Directory.CreateDirectory(run);
        var doc = new ConformanceStatementDocument
        {
            Run = name, GeneratedAt = "2026-12-03T00:00:00Z",
            Environment = new Dictionary<string, string> { ["dut.hostname"] = host, ["dut.platform"] = platform, ["profile"] = profile },
            Pics = pics, TestPurposes = purposes,
        };
        File.WriteAllText(Path.Combine(run, ConformanceStatement.JsonFileName), JsonSerializer.Serialize(doc, Out));
        return run;
    }

    private static TestPurposeVerdict V(string id, string verdict, string section = "4.1", params string[] known) => new()
    {
        TestPurposeId = id, Title = id + " a title, with a comma", Rfc = "RFC 8986", Section = section, Level = "PROCEDURE", Verdict = verdict,
        KnownDeviation = known.Length > 0, KnownDeviationIds = known,
        Evidence = [new EvidenceFile("exchange.pcapng", "allure-results/x-attachment.pcap", "application/vnd.tcpdump.pcap", null)],
    };

    [Test]
    public void RowsAreTheUnionOfPurposes_SortedBySection_AndDifferencesIgnoreARunWithoutThePurpose()
    {
        var a = Run("sample-a", "r1", "linux", new Dictionary<string, string> { ["flavors"] = "PSP", ["hmac"] = "false" },
            V("TP-SAMPLE-X-02", "pass", "4.16.1"), V("TP-SAMPLE-X-01", "fail", "4.2", "DEV-SAMPLE-1"), V("TP-SAMPLE-X-03", "pass", "4.10"));
        var b = Run("sample-b", "r2", "refnode", new Dictionary<string, string> { ["flavors"] = "PSP, USP", ["hmac"] = "false" },
            V("TP-SAMPLE-X-02", "pass", "4.16.1"), V("TP-SAMPLE-X-01", "pass", "4.2"), V("TP-SAMPLE-X-04", "not-applicable", "4.3"));
        var runs = RunComparison.Load([a, b], anonymise: false);
        var rows = RunComparison.Rows(runs);
        Assert.That(rows.Select(r => r.Id), Is.EqualTo(new[] { "TP-SAMPLE-X-01", "TP-SAMPLE-X-04", "TP-SAMPLE-X-03", "TP-SAMPLE-X-02" }), "4.2 < 4.3 < 4.10 < 4.16.1");
        Assert.That(rows.Where(r => r.Differs).Select(r => r.Id), Is.EqualTo(new[] { "TP-SAMPLE-X-01" }), "KNOWN vs PASS differs; a purpose one run lacks does not");
        Assert.That(RunComparison.VerdictText(rows[0].Cells[0]), Is.EqualTo("KNOWN DEV-SAMPLE-1"));
        Assert.That(RunComparison.VerdictText(rows[1].Cells[0]), Is.EqualTo("—"));
        Assert.That(RunComparison.VerdictText(rows[1].Cells[1]), Is.EqualTo("N/A"));
        Assert.That(RunComparison.PicsDifferences(runs).Select(p => p.Key), Is.EqualTo(new[] { "flavors" }));
        Assert.That(runs.Select(r => r.Label), Is.EqualTo(new[] { "r1 (linux, profile sample-a)", "r2 (refnode, profile sample-b)" }));

        var csv = RunComparison.Csv(runs, rows).Split('\n');
        Assert.That(csv[0], Is.EqualTo("test_purpose,rfc,section,level,title,\"r1 (linux, profile sample-a)\",\"r2 (refnode, profile sample-b)\",differs"));
        Assert.That(csv[1], Is.EqualTo("TP-SAMPLE-X-01,RFC 8986,4.2,PROCEDURE,\"a title, with a comma\",KNOWN DEV-SAMPLE-1,PASS,yes"));
    }

    [Test]
    public void AnonymisedColumnsAreLettersAndHideRunFolders_TwoRunsOfOneDutAreToldApart()
    {
        var a = RunOf("sample-a", "same", "r1", "linux", new Dictionary<string, string>(), V("TP-SAMPLE-X-01", "pass"));
        var b = RunOf("sample-b", "same", "r1", "linux", new Dictionary<string, string>(), V("TP-SAMPLE-X-01", "fail"));
        var anon = RunComparison.Load([a, b], anonymise: true);
        Assert.That(anon.Select(r => r.Label), Is.EqualTo(new[] { "DUT A", "DUT B" }));
        var files = RunComparison.Write(anon, Path.Combine(_dir, "out"), anonymise: true);
        var html = File.ReadAllText(files[0]);
        Assert.That(html, Does.Not.Contain(">sample-a<").And.Not.Contain("r1 (linux"));
        // Same hostname and platform in both: the label says which run.
        var named = RunComparison.Load([Path.Combine(a, ConformanceStatement.JsonFileName), b], anonymise: false);
        Assert.That(named.Select(r => r.Label).Distinct().Count(), Is.EqualTo(2));
        Assert.That(named[0].Label, Does.EndWith("[sample-a]"));
    }

    [Test]
    public void ARunWithoutAStatementIsNamedWithWhatToDo_AndOneRunIsNotAComparison()
    {
        var a = Run("sample-a", "r1", "linux", new Dictionary<string, string>(), V("TP-SAMPLE-X-01", "pass"));
        var missing = Path.Combine(_dir, "no-such-run");
        var err = new StringWriter();
        Assert.That(ReportCommands.Compare([a, missing], Path.Combine(_dir, "out"), false, new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain(missing).And.Contain("srv6conf report statement --run"));
        err = new StringWriter();
        Assert.That(ReportCommands.Compare([a], Path.Combine(_dir, "out"), false, new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain("at least two runs"));
        File.WriteAllText(Path.Combine(_dir, "broken.json"), "{ not json");
        err = new StringWriter();
        Assert.That(ReportCommands.Compare([a, Path.Combine(_dir, "broken.json")], Path.Combine(_dir, "out"), false, new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain("broken.json: not a conformance statement"));
    }
}
