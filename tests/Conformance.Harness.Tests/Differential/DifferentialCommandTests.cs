using System.Diagnostics;
using System.Text.Json.Nodes;
using Conformance.Cli.Commands;
using Conformance.Harness.Tests.Lab;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Differential;

[TestFixture]
public class DifferentialCommandTests
{
    private static string Lab => Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml");

    private static async Task<(int Code, string Out, string Err)> Run(string a, string b, string faultA = "None", string faultB = "None", int count = 0,
        string? outDir = null, string? explanations = null, int interval = 260)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await DifferentialCommand.RunAsync(a, b, faultA, faultB, count, 1, outDir, explanations, 1000, interval, o, e, CancellationToken.None);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public async Task BadInputExitsTwoNamingTheFileOrOption()
    {
        var missing = await Run(Lab, "/nonexistent/profile.yaml");
        Assert.That(missing.Code, Is.EqualTo(2));
        Assert.That(missing.Err, Does.Contain("/nonexistent/profile.yaml"));
        var fault = await Run(Lab, Lab, faultB: "NoSuchMode");
        Assert.That(fault.Code, Is.EqualTo(2));
        Assert.That(fault.Err, Does.Contain("--fault-b").And.Contain("NoSuchMode"));
        var count = await Run(Lab, Lab, count: -1);
        Assert.That(count.Code, Is.EqualTo(2));
        Assert.That(count.Err, Does.Contain("--count"));
        var expl = Path.Combine(Path.GetTempPath(), $"srv6conf-expl-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(expl, "explanations:\n  - deviation: DEV-NOSUCH-404\n    profile: reference-lab\n    behavior: End\n    stimulus: x\n    deviating: x\n    why: y\n");
        try
        {
            var bad = await Run(Lab, Lab, explanations: expl);
            Assert.That(bad.Code, Is.EqualTo(2));
            Assert.That(bad.Err, Does.Contain($"{expl}:2").And.Contain("DEV-NOSUCH-404"));
        }
        finally { File.Delete(expl); }
    }

    // ------------------------------------------------------------------ live, on the Linux reference lab

    private const int LiveCount = 200;

    private static async Task<(int Code, JsonNode Report, string Out, TimeSpan Took)> Live(string faultB)
    {
        LabTestSupport.RequireLinuxLab();
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-differential-{Guid.NewGuid():N}");
        var sw = Stopwatch.StartNew();
        // 20 ms between the stimuli that may draw an ICMP error (the lab DUT has net.ipv6.icmp.ratelimit=0); the O-flag
        // ones go apart, one per 125 ms (the lab's O-flag emulation punts 10/s).
        var (code, o, e) = await Run(Lab, Lab, faultB: faultB, count: LiveCount, outDir: dir, interval: 20);
        var took = sw.Elapsed;
        Assert.That(Conformance.Harness.Lab.ReferenceLab.ListLabs().Where(l => l.OwnerPid == Environment.ProcessId && l.NamespaceExists), Is.Empty,
            "both testbeds were torn down");
        TestContext.Out.WriteLine(o);
        TestContext.Out.WriteLine(e);
        try
        {
            Assert.That(File.Exists(Path.Combine(dir, "differential.md")), Is.True, e);
            TestContext.Out.WriteLine(File.ReadAllText(Path.Combine(dir, "differential.md")));
            return (code, JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "differential.json")))!, o, took);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Test, Category("Lab"), NonParallelizable]
    public async Task LinuxAgainstItselfShowsNoDifference()
    {
        var (code, r, _, took) = await Live("None");
        TestContext.Out.WriteLine($"took {took.TotalSeconds:0.0} s");
        Assert.That((int)r["stimuli"]!, Is.EqualTo((int)r["fixed"]! + LiveCount));
        Assert.That((int)r["a"]!["outputs_attributed"]!, Is.GreaterThan(LiveCount / 2), "the stimuli do come out");
        Assert.That((int)r["stimuli_differing"]!, Is.EqualTo(0), r["differences"]!.ToJsonString());
        Assert.That(code, Is.EqualTo(0));
    }

    [Test, Category("Lab"), NonParallelizable]
    public async Task PspFaultOnBIsReportedOnThePspSidOnlyAndExitsOne()
    {
        var (code, r, _, took) = await Live("EndWithoutPsp");
        TestContext.Out.WriteLine($"took {took.TotalSeconds:0.0} s");
        var rows = r["differences"]!.AsArray();
        Assert.That((int)r["stimuli_differing"]!, Is.GreaterThan(0));
        Assert.That(rows.Select(x => (string)x!["path"]!), Has.All.Contains("end_psp"), "every difference is on a path through the PSP SID");
        Assert.That(rows.Select(x => (string)x!["explanation"]!), Has.All.EqualTo("unexplained: bug in A or B"));
        // The fixed table's PSP row: A pops the SRH at SL=1, B (plain End) keeps it.
        var psp = rows.FirstOrDefault(x => (string)x!["stimulus_kind"]! == "SL=1,icmpv6,PSP");
        Assert.That(psp, Is.Not.Null);
        Assert.That((string)psp!["a_did"]!, Is.EqualTo("t2 ipv6/icmpv6 128"));
        Assert.That((string)psp["b_did"]!, Is.EqualTo("t2 ipv6/srh(SL=0)/icmpv6 128"));
        Assert.That(code, Is.EqualTo(1));
    }
}
