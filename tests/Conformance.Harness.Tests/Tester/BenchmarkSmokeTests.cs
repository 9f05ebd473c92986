using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

/// <summary>
/// Runs the benchmark's --quick mode: it must complete, report every figure (the harness, tcpreplay
/// and trafgen side by side, with same-run ratios) and tear its lab down.
/// Not a timed test: no figure is compared with a threshold.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class BenchmarkSmokeTests
{
    [Test]
    public void QuickRunReportsEveryFigureAndLeavesNothingBehind()
    {
        var dll = FindBenchmark();
        if (dll is null) Assert.Ignore("tests/Conformance.Benchmarks is not built (dotnet build Conformance.sln -c Release).");
        var json = Path.Combine(Path.GetTempPath(), $"s6c-bench-{Guid.NewGuid():N}.json");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { dll!, "--quick", "--out", json }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(240_000)) { p.Kill(true); Assert.Fail("benchmark --quick did not finish within 240 s"); }
            TestContext.Out.WriteLine(e.Result);
            Assert.That(p.ExitCode, Is.EqualTo(0), e.Result);

            var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
            Assert.That(JsonDocument.Parse(o.Result).RootElement.GetProperty("quick").GetBoolean(), Is.True, "the same JSON goes to stdout");
            var inj = root.GetProperty("injection");
            Assert.That(inj.GetProperty("frames").GetInt32(), Is.EqualTo(20_000));
            int rounds = inj.GetProperty("rounds").GetInt32();
            Assert.That(rounds, Is.GreaterThanOrEqualTo(1));
            // The three tools side by side, each with min/median/max over the same rounds.
            var sbs = inj.GetProperty("side_by_side");
            foreach (var (k, tool) in new[] { ("harness_sendburst", "harness"), ("tcpreplay_fastest", "tcpreplay"), ("trafgen_fastest", "trafgen") })
            {
                var t = sbs.GetProperty(k);
                Assert.That(t.GetProperty("tool").GetString(), Is.EqualTo(tool), k);
                Assert.That(t.GetProperty("samples_pps").GetArrayLength(), Is.EqualTo(rounds), k);
                foreach (var s in new[] { "min_pps", "median_pps", "max_pps" })
                    Assert.That(t.GetProperty(s).GetDouble(), Is.GreaterThan(0), $"{k}.{s}");
                Assert.That(t.GetProperty("min_pps").GetDouble(), Is.LessThanOrEqualTo(t.GetProperty("median_pps").GetDouble()), k);
                Assert.That(t.GetProperty("median_pps").GetDouble(), Is.LessThanOrEqualTo(t.GetProperty("max_pps").GetDouble()), k);
            }
            // Every mode of every tool ran on the interface, each run counted by the interface.
            var tools = inj.GetProperty("tools");
            foreach (var k in new[] { "harness_sendburst", "harness_sendburst_tx_ring", "harness_sendburst_qdisc", "tcpreplay_topspeed", "tcpreplay_topspeed_preload", "tcpreplay_loop_one_frame", "trafgen_1cpu", "trafgen_all_cpus" })
            {
                var t = tools.GetProperty(k);
                Assert.That(t.GetProperty("samples_pps").GetArrayLength(), Is.EqualTo(rounds), k);
                Assert.That(t.GetProperty("if_tx_packets").EnumerateArray().Select(x => x.GetInt64()), Has.All.GreaterThan(0), k);
            }
            var ratios = inj.GetProperty("ratios");
            foreach (var k in new[] { "sendburst_vs_tcpreplay_fastest", "sendburst_vs_trafgen_fastest", "tx_ring_vs_sendburst", "sendburst_vs_previous_default_qdisc_path" })
            {
                Assert.That(ratios.GetProperty(k).GetDouble(), Is.GreaterThan(0), k);
                Assert.That(ratios.GetProperty(k + "_per_round").GetArrayLength(), Is.EqualTo(rounds), k);
            }
            Assert.That(inj.GetProperty("goal").GetProperty("met").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            // Which path the default port used, said in the JSON (sendmmsg on a veth as root).
            Assert.That(inj.GetProperty("default_path").GetString(), Is.EqualTo("sendmmsg"));
            Assert.That(inj.GetProperty("default_path_qdisc_bypass").GetBoolean(), Is.True);
            foreach (var k in new[] { "load_avg_before", "load_avg_after" })
                Assert.That(root.GetProperty("machine").GetProperty(k).GetArrayLength(), Is.EqualTo(3), k);
            foreach (var run in new[] { "paced_100kpps", "top_speed" })
            {
                var c = root.GetProperty("capture").GetProperty(run);
                Assert.That(c.GetProperty("sent").GetInt32(), Is.EqualTo(20_000), run);
                foreach (var k in new[] { "captured", "pcap_received", "pcap_dropped", "if_rx", "if_dropped" })
                    Assert.That(c.TryGetProperty(k, out _), Is.True, $"{run}.{k}");
            }
            Assert.That(root.GetProperty("machine").GetProperty("cores").GetInt32(), Is.GreaterThan(0));

            var ns = Regex.Match(e.Result, @"lab (s6c-[0-9a-f]{6}-bench)").Groups[1].Value;
            Assert.That(ns, Is.Not.Empty, "the benchmark names its lab namespace");
            Assert.That(Sh.Run("ip", "netns", "list"), Does.Not.Contain(ns), "the lab namespace is removed on exit");
        }
        finally { File.Delete(json); }
    }

    private static string? FindBenchmark()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) continue;
            return new[] { "Release", "Debug" }
                .Select(c => Path.Combine(d.FullName, "tests", "Conformance.Benchmarks", "bin", c, "net10.0", "Conformance.Benchmarks.dll"))
                .FirstOrDefault(File.Exists);
        }
        return null;
    }
}
