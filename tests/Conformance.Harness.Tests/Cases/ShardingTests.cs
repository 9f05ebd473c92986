using System.Text.Json;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Nightly at scale: the main job split into two shards that run at the same time on this host (each its own reference
/// lab), merged into one run whose report and statement give every purpose the verdict an unsharded run of the same
/// selection gives — and a baseline comparison of the merged run against that run finds no regression.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class ShardingTests
{
    // Passing, known-deviation and not-applicable purposes of the Linux reference lab (all pass on the reference node).
    private const string Selection = "TP-END-BV-01,TP-END-BV-02,TP-PSP-BV-01,TP-PSP-BV-02,TP-USP-BV-01,TP-TLV-BV-01,TP-TLV-BV-03,TP-FLAGS-BV-01";

    /// <summary>Sharding is the main job's business: the Linux reference lab where the host builds it, else the node's.</summary>
    private static string Profile => "profiles/" + TestbedHost.SingleDutProfile;

    [Test]
    public async Task TwoShardsInParallelMergeIntoTheVerdictsOfOneRun()
    {
        using var single = new MainJob("--profile", Profile, "--tp", Selection);
        using var one = new MainJob("--profile", Profile, "--tp", Selection, "--shard", "1/2");
        using var two = new MainJob("--profile", Profile, "--tp", Selection, "--shard", "2/2");
        foreach (var job in new[] { single, one, two })
            Assert.That(await Task.Run(() => job.Process.WaitForExit(240_000)), Is.True, $"{job.Name} did not finish:\n{job.Output}");
        Assert.That((single.Process.ExitCode, one.Process.ExitCode, two.Process.ExitCode), Is.EqualTo((0, 0, 0)), $"{single.Output}\n{one.Output}\n{two.Output}");
        var s1 = Verdicts(one.Run);
        var s2 = Verdicts(two.Run);
        Assert.That(s1.Keys.Intersect(s2.Keys), Is.Empty, "no purpose in both shards");
        Assert.That(Math.Abs(s1.Count - s2.Count), Is.LessThanOrEqualTo(1), "shard sizes differ by one at most");

        using var merged = new MainJob("--profile", Profile, "--merge", $"{one.Run},{two.Run}", "--baseline", single.Run);
        Assert.That(await Task.Run(() => merged.Process.WaitForExit(120_000)), Is.True, merged.Output);
        Assert.That(merged.Process.ExitCode, Is.Zero, merged.Output);
        var whole = Verdicts(single.Run);
        var union = Verdicts(merged.Run);
        Assert.That(union, Is.EquivalentTo(whole), "the merged run gives every purpose the unsharded run's verdict");
        // On the Linux lab the selection exercises each kind of verdict; the reference node passes all of it.
        Assert.That(whole.Values.Distinct(), Is.SupersetOf(Profile.EndsWith("reference-lab.yaml", StringComparison.Ordinal)
            ? new[] { "pass", "known deviation", "not-applicable" } : new[] { "pass" }), "the selection's verdicts");
        Assert.That(File.ReadAllText(Path.Combine(merged.Run, RegressionCheck.MarkdownFileName)), Does.Contain("No regression"));
        Assert.That(Directory.GetFiles(Path.Combine(merged.Run, "html"), "index.html", SearchOption.AllDirectories), Is.Not.Empty, "the merged run has its report");
        TestContext.Out.WriteLine($"shard 1: {string.Join(' ', s1.Keys)}\nshard 2: {string.Join(' ', s2.Keys)}\nmerged = single: {string.Join(", ", union.Select(kv => $"{kv.Key} {kv.Value}"))}");
    }

    /// <summary>Per purpose: the statement's verdict ("known deviation" for a listed one).</summary>
    private static Dictionary<string, string> Verdicts(string run)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConformanceStatement.JsonFileName)));
        return doc.RootElement.GetProperty("testPurposes").EnumerateArray().ToDictionary(t => t.GetProperty("testPurposeId").GetString()!,
            t => t.GetProperty("knownDeviation").GetBoolean() ? "known deviation" : t.GetProperty("verdict").GetString()!);
    }
}
