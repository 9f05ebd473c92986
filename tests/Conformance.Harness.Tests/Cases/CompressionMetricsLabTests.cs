using System.Text.Json.Nodes;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// TP-CMET-BV-01's table as measured live on the reference node, read from the conformance statement built from the run
/// (its <c>compressionMetrics</c>), against E worked out by hand (<see cref="CompressionMetricsTests.Formula"/>: 40 + 8 +
/// 16·⌈N/k⌉ and the like); and the faulted node (one Segment List entry too many, H.Encaps.Red unreduced) flagged. Both runs
/// are the ones <see cref="CaseVerdictTests"/> already pays for (the plain node's and NodeHeadendsMisprogrammed's): no lab
/// time of their own.
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class CompressionMetricsLabTests
{
    private const string Purpose = "TP-CMET-BV-01";

    private static async Task<(CaseOutcome Outcome, JsonNode Metrics)> Run(string mode)
    {
        var (o, m, _) = await RunWithStatement(mode);
        return (o, m);
    }

    private static async Task<(CaseOutcome Outcome, JsonNode Metrics, ConformanceStatementDocument Statement)> RunWithStatement(string mode)
    {
        var purposes = mode == "None" ? null : CaseVerdictTests.NodeTable.Where(r => r.FailMode == mode).Select(r => r.Purpose).ToList();
        var (outcomes, dir) = await CaseRunner.RunWithDirectoryAsync(mode, purposes, CaseVerdictTests.NodeProfile);
        Assert.That(outcomes, Does.ContainKey(Purpose), $"{Purpose} did not run in mode {mode}");
        var results = Path.Combine(dir, "allure-results");
        var doc = ConformanceStatement.Build(ConformanceStatement.ReadResults(results), null, dir);
        Assert.That(doc.CompressionMetrics, Is.Not.Null, "the statement carries the measured metrics (compressionMetrics)");
        return (outcomes[Purpose], doc.CompressionMetrics!, doc);
    }

    /// <summary>
    /// `srv6conf decode --csid` on the case's own capture (issue #16: decode shows C-SID containers for a capture of the
    /// C-SID cases): text in the C-SID notation, JSON with the containers (README "decode and compressed SIDs").
    /// </summary>
    [Test]
    public async Task DecodeShowsTheContainersOfTheCapture()
    {
        var (_, _, doc) = await RunWithStatement("None");
        var (_, dir) = await CaseRunner.RunWithDirectoryAsync("None", null, CaseVerdictTests.NodeProfile);
        var pcap = doc.TestPurposes.Single(t => t.TestPurposeId == Purpose).Evidence.Single(e => e.Name.EndsWith(".pcapng", StringComparison.Ordinal)).Path;
        var file = Path.Combine(dir, pcap);
        using StringWriter text = new(), json = new(), err = new();
        Assert.That(Conformance.Cli.Commands.DecodeCommand.Run(file, "text", text, err, ["2001:db8::/32,16", "2001:db8:ee::/48,16"]), Is.EqualTo(0), err.ToString());
        Assert.That(text.ToString(), Does.Contain("2001:db8:[0ce1,0ce1,0ce1,0ce1,0ce1,0ce1]"), "an F3216 container of six C-SIDs");
        Assert.That(text.ToString(), Does.Contain("2001:db8:ee:[0ce1,0ce1,0ce1,0ce1,0ce1]"), "an F4816 container of five");
        Assert.That(Conformance.Cli.Commands.DecodeCommand.Run(file, "json", json, err, ["2001:db8::/32,32,replace"]), Is.EqualTo(0), err.ToString());
        var packets = JsonNode.Parse(json.ToString())!.AsArray();
        var packed = packets.SelectMany(p => p!["srh"]?["segments_csid"]?.AsArray() ?? []).Where(c => (string?)c?["form"] == "packed").ToList();
        Assert.That(packed, Is.Not.Empty, "REPLACE-C-SID packed containers in srh.segments_csid");
        Assert.That(packed.Select(c => (string?)c!["flavor"]).Distinct(), Is.EqualTo(new[] { "REPLACE-CSID" }));
        Assert.That(packed.SelectMany(c => c!["csids"]!.AsArray().Select(x => (string?)x)), Has.Member("00cb0ce1"));
    }

    private static IEnumerable<JsonNode> Rows(JsonNode m) => m["rows"]!.AsArray().OfType<JsonNode>();

    [Test]
    public async Task TheMeasuredTableMatchesTheHandComputedOne()
    {
        var (outcome, m) = await Run("None");
        Assert.That(outcome.Status, Is.EqualTo("passed"), outcome.Message);
        var rows = Rows(m).ToList();
        var forms = rows.Select(r => (string)r["form"]!).Distinct().ToList();
        Assert.That(forms, Is.EqualTo(new[] { "H.Encaps", "H.Encaps.Red", "NEXT-C-SID F3216", "NEXT-C-SID F4816", "REPLACE-C-SID 32" }), "every form the node claims");
        Assert.Multiple(() =>
        {
            foreach (var r in rows)
            {
                string form = (string)r["form"]!;
                int n = (int)r["n"]!;
                Assert.That((int?)r["e_measured"], Is.EqualTo(CompressionMetricsTests.Formula(form, n)), $"{form} N={n}: E on the wire");
                var prs = r["d_prs"]!.AsArray().Select(x => (int)x!).ToList();
                Assert.That(prs, Has.Count.EqualTo(Math.Max(1, n - 1)), $"{form} N={n}: one tap after each endpoint");
                Assert.That(prs, Is.All.EqualTo(form == "H.Encaps.Red" && n == 1 ? 1 : 2), $"{form} N={n}: IPv6 header + SRH");
                if (form != "H.Encaps")
                    Assert.That((double?)r["es"], Is.EqualTo(Math.Round(1 - (double)CompressionMetricsTests.Formula(form, n) / CompressionMetricsTests.Formula("H.Encaps", n), 6)).Within(1e-9), $"{form} N={n}: ES");
            }
            foreach (var f in m["forms"]!.AsArray())
                Assert.That((int?)f!["state_entries"], Is.EqualTo(1), $"{f["name"]}: S read from the node's SID table");
        });
        Assert.That(m["not_observable"]!.AsArray().Select(x => (string)x!), Has.Some.StartsWith("D.LKU"));
    }

    [Test]
    public async Task AFaultedNodesWrongContainerCountIsFlagged()
    {
        var (outcome, m) = await Run("NodeHeadendsMisprogrammed");
        Assert.That(outcome.Status, Is.EqualTo("failed"), outcome.Message);
        Assert.That(outcome.Known, Is.False);
        Assert.That(outcome.Message, Does.Contain("computed from the encoding"));
        foreach (var r in Rows(m).Where(r => (string)r["form"]! == "NEXT-C-SID F3216"))
        {
            int n = (int)r["n"]!;
            Assert.That((int?)r["e_measured"], Is.EqualTo(CompressionMetricsTests.Formula("NEXT-C-SID F3216", n) + 16), $"N={n}: one container too many");
            Assert.That(r["problems"]!.AsArray(), Is.Not.Empty, $"N={n}: flagged");
        }
    }
}
