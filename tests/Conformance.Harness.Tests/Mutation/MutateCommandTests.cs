using System.Text.Json;
using Conformance.Cli.Commands;
using Conformance.Cli.Commands.Mutation;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Mutation;

/// <summary>`srv6conf mutate`: selection, --list, how a run's verdicts are classified and reported. Offline: no lab is started.</summary>
[TestFixture]
public class MutateCommandTests
{
    private static string ProfilePath => Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml");

    [Test]
    public void Only_SelectsByGlob_CommaSeparatedOrRepeated()
    {
        var config = ProfileDutConfig.Srv6(ProfileLoader.Load(ProfilePath));
        var ids = MutateCommand.Select(config, ["drop@sid:*", "no-flavors@sid:end_psp,*@hmac:?"]).Select(m => m.Id).ToList();
        Assert.That(ids, Does.Contain("drop@sid:end").And.Contain("drop@sid:end_dx2").And.Contain("no-flavors@sid:end_psp").And.Contain("algo=sha1@hmac:1"));
        Assert.That(ids, Has.All.Matches<string>(i => i.StartsWith("drop@sid:", StringComparison.Ordinal) || i == "no-flavors@sid:end_psp" || i.Contains("@hmac:", StringComparison.Ordinal)));
        Assert.That(MutateCommand.Select(config, []), Has.Count.EqualTo(Harness.Lab.Mutations.ConfigMutator.Generate(config).Count));
    }

    [Test]
    public async Task List_PrintsTheMutationsWithoutRunning()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var rc = await MutateCommand.RunAsync(new MutateCommand.Options(ProfilePath, ["*@sid:end_t"], List: true, null, null, null, null, false), stdout, stderr, CancellationToken.None);
        Assert.That(rc, Is.EqualTo(0), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("drop@sid:end_t\t3\tSID end_t is not configured"), "TP-ENDT-BV-01, and since the survivors work TP-COUNTERS-BV-03 and TP-OFLAG-BV-07");
        Assert.That(lines[^1], Does.StartWith("7 mutations of reference-lab"));
    }

    [Test]
    public async Task NoMatch_IsBadUsage()
    {
        var stderr = new StringWriter();
        var rc = await MutateCommand.RunAsync(new MutateCommand.Options(ProfilePath, ["nothing-like-this"], List: true, null, null, null, null, false), new StringWriter(), stderr, CancellationToken.None);
        Assert.That(rc, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("no mutation matches"));
    }

    private static PurposeOutcome O(string id, string status, bool known = false, string message = "") => new(id, status, known, message);

    private static IReadOnlyDictionary<string, PurposeOutcome> Outcomes(params PurposeOutcome[] o) => o.ToDictionary(x => x.PurposeId);

    private static CaseRunResult Run(IReadOnlyDictionary<string, PurposeOutcome> o, bool timedOut = false) =>
        new(o, timedOut ? null : 0, timedOut, false, TimeSpan.FromSeconds(5), "");

    private static readonly IReadOnlyDictionary<string, PurposeOutcome> Baseline = Outcomes(
        O("TP-A", "passed"), O("TP-B", "failed", known: true), O("TP-C", "skipped"), O("TP-D", "passed"));

    [Test]
    public void Classify_KilledWhenAVerdictChanges()
    {
        var (r, kills, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "failed", message: "FAIL: x\nmore"), O("TP-B", "failed", true), O("TP-C", "skipped"))), ["TP-A", "TP-B", "TP-C"]);
        Assert.That(r, Is.EqualTo(MutationResults.Killed));
        Assert.That(kills, Is.EqualTo(new[] { new Kill("TP-A", "passed", "failed", "FAIL: x") }));

        (r, kills, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "passed"), O("TP-B", "passed"))), ["TP-A", "TP-B"]);
        Assert.That((r, kills.Single().Purpose, kills.Single().Mutant), Is.EqualTo((MutationResults.Killed, "TP-B", "passed")), "a known deviation no longer observed");

        (r, kills, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "broken", message: "INCONC: the DUT did not answer"), O("TP-D", "passed"))), ["TP-A", "TP-D"]);
        Assert.That((r, kills.Single().Mutant), Is.EqualTo((MutationResults.Killed, "broken")), "an inconclusive verdict fails the suite's gate too");
    }

    [Test]
    public void Classify_SurvivedWhenEveryVerdictStays()
    {
        var (r, kills, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "passed"), O("TP-B", "failed", true), O("TP-C", "broken"))), ["TP-A", "TP-B", "TP-C"]);
        Assert.That(r, Is.EqualTo(MutationResults.Survived), "not-applicable purposes are not compared");
        Assert.That(kills, Is.Empty);
        (r, _, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "passed"), O("TP-D", "failed"))), ["TP-A"]);
        Assert.That(r, Is.EqualTo(MutationResults.Survived), "only the purposes the mutation runs count");
    }

    [Test]
    public void Classify_InvalidTimeoutError()
    {
        var setup = "INCONC: OneTimeSetUp: SetUp : Conformance.Harness.TestbedException : DUT command 'nft add chain …' failed";
        var (r, _, detail) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "broken", message: setup), O("TP-D", "broken", message: setup))), ["TP-A", "TP-D"]);
        Assert.That(r, Is.EqualTo(MutationResults.Invalid));
        Assert.That(detail, Does.Contain("nft add chain"));
        (r, _, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "passed")), timedOut: true), ["TP-A", "TP-D"]);
        Assert.That(r, Is.EqualTo(MutationResults.Timeout));
        (r, _, _) = MutationReport.Classify(Baseline, Run(Outcomes(O("TP-A", "failed")), timedOut: true), ["TP-A"]);
        Assert.That(r, Is.EqualTo(MutationResults.Killed), "a verdict change before the time-out still kills");
        (r, _, _) = MutationReport.Classify(Baseline, Run(Outcomes()), ["TP-A"]);
        Assert.That(r, Is.EqualTo(MutationResults.Error));
    }

    [Test]
    public void Report_JsonAndMarkdown()
    {
        MutationEntry E(string id, string result, params Kill[] kills) => new()
        {
            Id = id, Kind = "drop-command", Description = $"what {id} does | wrong", Line = "ip x", MutatedLine = "(dropped)", Purposes = ["TP-A"],
            PurposesReason = "SID end", Reproduce = "srv6conf lab up …", Result = result, KilledBy = [.. kills],
        };
        var doc = new MutationReportDocument
        {
            Profile = "profiles/reference-lab.yaml", ProfileSha256 = new string('a', 64), Started = DateTimeOffset.UnixEpoch, Complete = true,
            Baseline = new Dictionary<string, string> { ["TP-A"] = "passed" },
            Mutations = [E("m1", MutationResults.Killed, new Kill("TP-A", "passed", "failed", "x")), E("m2", MutationResults.Survived), E("m3", MutationResults.Invalid)],
        };
        Assert.That(doc.Score.Text, Does.StartWith("1/3 killed; 1/2 of the viable mutants (50.0 %); 1 survived, 1 invalid"));
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-mutate-report-{Guid.NewGuid():N}");
        try
        {
            var json = Path.Combine(dir, "r.json");
            MutationReport.Write(doc, json);
            using var parsed = JsonDocument.Parse(File.ReadAllText(json));
            var score = parsed.RootElement.GetProperty("score");
            Assert.That((score.GetProperty("killed").GetInt32(), score.GetProperty("survived").GetInt32(), score.GetProperty("total").GetInt32(), score.GetProperty("score").GetDouble()),
                Is.EqualTo((1, 1, 3, 0.5)));
            Assert.That(parsed.RootElement.GetProperty("mutations")[0].GetProperty("killed_by")[0].GetProperty("purpose").GetString(), Is.EqualTo("TP-A"));
            var md = File.ReadAllText(Path.Combine(dir, "r.md"));
            Assert.That(md, Does.Contain("## Survivors (1)").And.Contain("| `m2` | what m2 does \\| wrong | TP-A |").And.Contain("killed by TP-A (passed→failed)"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
