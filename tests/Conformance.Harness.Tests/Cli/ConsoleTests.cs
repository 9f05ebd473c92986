using System.Diagnostics;
using System.Text.Json;
using Conformance.Cli.Commands;
using Conformance.Harness.Catalogue;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cli;

/// <summary>
/// The console of a conformance run: `srv6conf purposes` (list, select with globs, count, dotnet filter), the progress
/// lines, and the main job with --tp: one line per case, no NUnit noise on screen (it goes to console.log).
/// </summary>
public class ConsoleTests
{
    private static readonly IReadOnlyList<PurposeInfo> All = PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly);
    private static Profile Lab => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));

    [Test]
    public void PurposesAreListedWithTheirApplicability()
    {
        var lab = Lab;
        Assert.Multiple(() =>
        {
            Assert.That(All.Select(p => p.Id), Is.Unique);
            Assert.That(All.Single(p => p.Id == "TP-USP-BV-01").NotApplicableBecause(lab), Is.EqualTo("USP not claimed"));
            Assert.That(All.Single(p => p.Id == "TP-PSP-BV-01").NotApplicableBecause(lab), Is.Null);
            Assert.That(All.Single(p => p.Id == "TP-LOOP-BV-01").NotApplicableBecause(lab), Does.Contain("reference topology"));
            Assert.That(All.Single(p => p.Id == "TP-SRH-BV-02").Cases, Is.EqualTo(5), "segments 1, 2, 3, 8, 16");
            Assert.That(All.Single(p => p.Id == "TP-OFLAG-BV-04").Cases, Is.EqualTo(3), "the profile's three punt rates");
        });
        var o = new StringWriter();
        Assert.That(PurposesCommand.Run(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"), null, false, false, typeof(Conformance.Cases.CaseRun).Assembly.Location, o, TextWriter.Null), Is.Zero);
        Assert.That(o.ToString(), Does.Contain("TP-END-BV-01").And.Contain("RFC 8986 §4.1").And.Contain("PROCEDURE").And.Contain("applies").And.Contain("N/A: USP not claimed"));
    }

    [Test]
    public void TpSelectsByGlobAndAnUnmatchedIdIsAnError()
    {
        Assert.That(PurposeCatalogue.Select(All, "TP-PSP-*, tp-end-bv-01").Select(p => p.Id), Is.EqualTo(new[] { "TP-END-BV-01", "TP-PSP-BI-01", "TP-PSP-BV-01", "TP-PSP-BV-02" }));
        var e = Assert.Throws<ArgumentException>(() => PurposeCatalogue.Select(All, "TP-PSP-*,TP-NOPE-ZZ-01"));
        Assert.That(e!.Message, Does.Contain("TP-NOPE-ZZ-01").And.Contain("--list"));
        var err = new StringWriter();
        Assert.That(PurposesCommand.Run(null, "TP-NOPE-*", true, false, typeof(Conformance.Cases.CaseRun).Assembly.Location, TextWriter.Null, err), Is.EqualTo(2));
        var filter = PurposeCatalogue.DotnetFilter(PurposeCatalogue.Select(All, "TP-SRH-BV-02"), All);
        Assert.That(filter, Does.StartWith("FullyQualifiedName~Conformance.Cases."));
    }

    [Test]
    public void ProgressLinesNameVerdictPurposeAndDeviation()
    {
        var known = ProgressCommand.Format("KNOWN\tTP-END-BV-02\t2700\tDEV-LINUX-001\tEnd with Segments Left = 0\tKNOWN: DEV-LINUX-001: …", false);
        Assert.That(known, Does.Contain("KNOWN DEV-LINUX-001").And.Contain("TP-END-BV-02").And.Contain("2.7 s"));
        var fail = ProgressCommand.Format("FAIL\tTP-PSP-BV-01\t700\t-\tEnd with PSP\tFAIL: PSP did not remove the SRH", false);
        Assert.That(fail.Split('\n'), Has.Length.EqualTo(2).And.Some.Contains("PSP did not remove the SRH"));
        Assert.That(ProgressCommand.Format("PASS\tTP-X\t1\t-\tt\t-", true), Does.StartWith("\u001b[32m"));
        Assert.That(ProgressCommand.Status(10, 40, TimeSpan.FromSeconds(20)), Is.EqualTo("[ 10/40] 0:20 elapsed, about 1:00 left"));
    }

    /// <summary>The main job on a selection: the console reads like a conformance run and NUnit's own output is in console.log.</summary>
    [Test, Category("Lab"), NonParallelizable]
    public void TheMainJobPrintsOneLinePerCaseAndKeepsNUnitsOutputInConsoleLog()
    {
        // Needs the Linux lab: it is the testbed with a known deviation and a not-applicable purpose to show.
        using var job = new MainJob("--profile", "profiles/reference-lab.yaml", "--tp", "TP-PSP-BV-01,TP-END-BV-02,TP-USP-BV-01");
        var p = job.Process;
        {
            Assert.That(p.WaitForExit(300_000), Is.True);
            p.WaitForExit();
            var output = job.Output;
            TestContext.Out.WriteLine(output);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Multiple(() =>
            {
                Assert.That(p.ExitCode, Is.Zero, "a run whose only failure is a listed known deviation conforms");
                Assert.That(lines, Has.Some.Match(@"^\s+PASS\s+TP-PSP-BV-01\s"));
                Assert.That(lines, Has.Some.Match(@"^\s+KNOWN DEV-LINUX-001\s+TP-END-BV-02\s"));
                Assert.That(lines, Has.Some.Match(@"^\s+N/A\s+TP-USP-BV-01\s"));
                Assert.That(output, Does.Not.Contain("Test Run Failed").And.Not.Contain("   at ").And.Not.Contain("Stack trace"));
                Assert.That(lines, Has.Length.LessThan(30));
                Assert.That(File.ReadAllText(Path.Combine(job.Run, "console.log")), Does.Contain("NUnit Adapter"));
            });
            using var st = JsonDocument.Parse(File.ReadAllText(Path.Combine(job.Run, ConformanceStatement.JsonFileName)));
            Assert.That(st.RootElement.GetProperty("testPurposes").EnumerateArray().Select(t => t.GetProperty("testPurposeId").GetString()).Order(),
                Is.EqualTo(new[] { "TP-END-BV-02", "TP-PSP-BV-01", "TP-USP-BV-01" }));
        }
    }
}
