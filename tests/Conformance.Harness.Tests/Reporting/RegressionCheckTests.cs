using System.Text.Json;
using Conformance.Cli.Commands;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>Nightly regression detection and shard merging on runs written here (no lab).</summary>
[TestFixture]
public class RegressionCheckTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("srv6conf-regress-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private static TestPurposeVerdict V(string id, string verdict, bool known = false, string textHash = "aa", string pcapHash = "p1") => new()
    {
        TestPurposeId = id, Verdict = verdict, KnownDeviation = known, KnownDeviationIds = known ? ["DEV-SAMPLE-1"] : [],
        Evidence =
        [
            new EvidenceFile("Received (notation)", "allure-results/r.txt", "text/plain", textHash),
            new EvidenceFile("exchange.pcapng", "allure-results/x.pcap", "application/vnd.tcpdump.pcap", pcapHash),
        ],
    };

    private string Statement(string name, params TestPurposeVerdict[] purposes)
    {
        var run = Path.Combine(_dir, name);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, ConformanceStatement.JsonFileName),
            JsonSerializer.Serialize(new ConformanceStatementDocument { Run = name, TestPurposes = purposes }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        return run;
    }

    [Test]
    public void APurposeThatPassedBeforeAndNotNowIsANewFailure_EvenAsAKnownDeviationOrNotApplicable()
    {
        var before = Statement("night-1", V("TP-SAMPLE-A-01", "pass"), V("TP-SAMPLE-A-02", "pass"), V("TP-SAMPLE-A-03", "pass"),
            V("TP-SAMPLE-A-04", "fail"), V("TP-SAMPLE-A-05", "pass"), V("TP-SAMPLE-A-06", "fail"));
        var now = Statement("night-2", V("TP-SAMPLE-A-01", "pass", textHash: "bb", pcapHash: "p2"), V("TP-SAMPLE-A-02", "fail", known: true),
            V("TP-SAMPLE-A-03", "not-applicable"), V("TP-SAMPLE-A-04", "pass"), V("TP-SAMPLE-A-06", "inconclusive"));
        var stdout = new StringWriter();
        Assert.That(ReportCommands.Regressions(now, before, stdout, new StringWriter()), Is.EqualTo(1), "a new failure fails the nightly");
        var r = JsonSerializer.Deserialize<RegressionReport>(File.ReadAllText(Path.Combine(now, RegressionCheck.JsonFileName)), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        Assert.That(r.NewFailures.Select(c => $"{c.TestPurposeId}:{c.Now}"), Is.EqualTo(new[]
            { "TP-SAMPLE-A-02:known deviation", "TP-SAMPLE-A-03:not-applicable", "TP-SAMPLE-A-05:absent" }));
        Assert.That(r.Fixes.Select(c => c.TestPurposeId), Is.EqualTo(new[] { "TP-SAMPLE-A-04" }));
        Assert.That(r.OtherChanges.Select(c => $"{c.TestPurposeId}:{c.Before}→{c.Now}"), Is.EqualTo(new[] { "TP-SAMPLE-A-06:fail→inconclusive" }));
        Assert.That(r.ChangedEvidence.Select(e => $"{e.TestPurposeId}:{e.Name}"), Is.EqualTo(new[] { "TP-SAMPLE-A-01:Received (notation)" }), "captures are counted, not listed");
        Assert.That(r.CapturesCompared, Is.EqualTo(1));
        Assert.That(stdout.ToString(), Does.Contain("NEW FAILURE: TP-SAMPLE-A-02 pass → known deviation"));
        Assert.That(File.ReadAllText(Path.Combine(now, RegressionCheck.MarkdownFileName)), Does.Contain("REGRESSION: 3 test purpose(s)"));

        var same = Statement("night-3", V("TP-SAMPLE-A-01", "pass"));
        Assert.That(ReportCommands.Regressions(same, Statement("night-0", V("TP-SAMPLE-A-01", "pass"), V("TP-SAMPLE-A-07", "fail")), new StringWriter(), new StringWriter()), Is.Zero);
        var err = new StringWriter();
        Assert.That(ReportCommands.Regressions(same, Path.Combine(_dir, "never-ran"), new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain("never-ran: no conformance-statement.json"));
    }

    private string Shard(string name, string profileSha, params string[] purposes)
    {
        var results = Path.Combine(_dir, name, "allure-results");
        Directory.CreateDirectory(results);
        File.WriteAllText(Path.Combine(results, "environment.properties"), $"profile.sha256={profileSha}\nsuite.commit=abc1234\n");
        foreach (var id in purposes)
        {
            var uuid = Guid.NewGuid().ToString("N");
            File.WriteAllText(Path.Combine(results, $"{uuid}-result.json"),
                $$"""{"uuid":"{{uuid}}","name":"{{id}}","fullName":"Sample.{{id}}","status":"passed","stage":"finished","labels":[{"name":"testPurposeId","value":"{{id}}"}]}""");
        }
        return Path.Combine(_dir, name);
    }

    [Test]
    public void ShardsMergeOnlyWhenTheyAreOfOneProfileAndDoNotOverlap()
    {
        var a = Shard("s1", "f00d", "TP-SAMPLE-B-01", "TP-SAMPLE-B-03");
        var b = Shard("s2", "f00d", "TP-SAMPLE-B-02");
        var stdout = new StringWriter();
        Assert.That(ReportCommands.Merge([a, b], Path.Combine(_dir, "merged"), stdout, new StringWriter()), Is.Zero);
        Assert.That(stdout.ToString(), Does.Contain("3 test purposes, 3 results"));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "merged", "allure-results"), "*-result.json"), Has.Length.EqualTo(3));

        var err = new StringWriter();
        Assert.That(ReportCommands.Merge([a, Shard("s3", "beef", "TP-SAMPLE-B-04")], Path.Combine(_dir, "m2"), new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain("shards of one run use one profile"));
        err = new StringWriter();
        Assert.That(ReportCommands.Merge([a, Shard("s4", "f00d", "TP-SAMPLE-B-01")], Path.Combine(_dir, "m3"), new StringWriter(), err), Is.EqualTo(2));
        Assert.That(err.ToString(), Does.Contain("TP-SAMPLE-B-01 is in two shards"));
        err = new StringWriter();
        Assert.That(ReportCommands.Merge([a, b], Path.Combine(_dir, "merged"), new StringWriter(), err), Is.EqualTo(2), "never into a run that has results");
        Assert.That(err.ToString(), Does.Contain("is not empty"));
    }
}
