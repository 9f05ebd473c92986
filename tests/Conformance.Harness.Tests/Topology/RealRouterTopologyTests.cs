using System.Diagnostics;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Cases;
using Conformance.Harness.Tests.Lab;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Topology;

/// <summary>
/// A real router as node N4 of RFC 9259 Figure 1 (kind ssh, testbed.topology.links; issue #17), played by the reference node in
/// a namespace of its own (none of the lab's), managed over SSH through its management address as if remote, with the figure's
/// plan for N4 as its start-up configuration. Its five links are veth pairs standing in for the cables: one end in the node's
/// namespace, the other in the host namespace under a NIC-like name (enpXs0fK). The profile is profiles/example-figure1-router.yaml
/// with the node's address, key, host key and those NIC names. The same router is then N4 of a two-DUT testbed
/// (testbed.topology.dut_nodes) with a lab-built reference node as N2: TP-IOP-BV-01 and its negative controls at either DUT.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class RealRouterTopologyTests
{
    // TP-HYBRID-BV-01 is left out: a real router's O-flag export to N100 is its own configuration, never the suite's
    // (IntentBuilder configures O-flag processing on a reference-lab DUT only), and this "router" has none.
    private static readonly string[] Purposes = ["TP-PING-BV-04", "TP-LOOP-BV-01"];

    [Test]
    public async Task ARealRouterAsN4_PassesAndFailsBlamedOnIt_ItsNicsGoBack_AfterTeardownAndAfterAKill()
    {
        LabTestSupport.RequireLab();
        var node = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-figure1-node.yaml"));
        // The "remote" router: the node's lab of reference-figure1-node.yaml without the other routers' namespaces.
        var spec = ProfileDutConfig.LabSpec(node) with { Hostname = "n4", ExtraNamespaceSuffixes = [] };
        var total = Stopwatch.StartNew();
        var router = await ReferenceLab.StartAsync(spec);
        var dir = Directory.CreateTempSubdirectory("srv6conf-realrouter-").FullName;
        try
        {
            // The host ends of its links, renamed like NICs (the links in DutPorts' order: link5, link6, link8, link9, link10).
            var links = router.Ports.Select(p => p.Spec.Name).ToList();
            Assert.That(links, Is.EqualTo(new[] { "link5", "link6", "link8", "link9", "link10" }));
            var bus = Enumerable.Range(100, 150).First(b => links.Select((_, k) => $"enp{b}s0f{k}").All(n => !Directory.Exists($"/sys/class/net/{n}")));
            var nics = links.Select((l, k) => (Link: l, Nic: $"enp{bus}s0f{k}", Veth: router.Ports[k].TesterInterface)).ToList();
            foreach (var (_, nic, veth) in nics)
            {
                Ip("link", "set", "dev", veth, "down");
                Ip("link", "set", "dev", veth, "name", nic);
                Ip("link", "set", "dev", nic, "up");
            }
            var mtus = nics.ToDictionary(n => n.Nic, n => File.ReadAllText($"/sys/class/net/{n.Nic}/mtu").Trim());
            void AssertNicsBack(string when, string labRunId)
            {
                Assert.That(labRunId, Does.Match("^[0-9a-f]{6}$"), $"{when}: the lab's run id");
                LabTestSupport.AssertNothingLeft(labRunId);
                foreach (var (link, nic, _) in nics)
                {
                    Assert.That(Directory.Exists($"/sys/class/net/{nic}"), Is.True, $"{when}: {nic} ({link}) is back in the host namespace under its own name");
                    Assert.That(Directory.Exists($"/sys/class/net/{link}"), Is.False, $"{when}: no {link} in the host namespace");
                    Assert.That((Convert.ToInt32(File.ReadAllText($"/sys/class/net/{nic}/flags").Trim(), 16) & 1) != 0, Is.True, $"{when}: {nic} is up again, as it was");
                    Assert.That(File.ReadAllText($"/sys/class/net/{nic}/mtu").Trim(), Is.EqualTo(mtus[nic]), $"{when}: {nic}'s MTU");
                }
            }

            var text = File.ReadAllText(Path.Combine(ProfilesDir, "example-figure1-router.yaml"))
                .Replace("host: 'fd00:5e6c:ffff::4'", $"host: '{router.ManagementAddress}'")
                .Replace("key_file: keys/n4_ed25519", $"key_file: {router.PrivateKeyPath}")
                .Replace("SHA256:REPLACEwithTheRoutersOwnHostKeyFingerprint0", router.HostKeySha256);
            foreach (var (old, (_, nic, _)) in new[] { "ens1f0", "ens1f1", "ens1f2", "ens1f3", "ens2f0" }.Zip(nics))
                text = text.Replace($"nic: {old} ", $"nic: {nic} ");
            var profile = Path.Combine(dir, "figure1-real-router.yaml");
            File.WriteAllText(profile, text);
            var loaded = ProfileLoader.Load(profile);
            Assert.That(loaded.Testbed.Topology!.Nics.Values, Is.EquivalentTo(nics.Select(n => n.Nic)));
            TestContext.Out.WriteLine($"the router N4 up in {router.StartupDuration.TotalSeconds:0.0} s at {router.ManagementAddress}; NICs {string.Join(", ", nics.Select(n => $"{n.Link}={n.Nic}"))}");

            // Bad bindings fail before anything is configured, naming the field and the NIC; the NICs taken before are given back.
            var sw = Stopwatch.StartNew();
            AssertNicsBack("after a missing NIC",
                await AssertBindingRefused(text.Replace($"nic: {nics[3].Nic} ", "nic: enp999s9f9 "), dir, "testbed.topology.links.link9.nic", "NIC enp999s9f9", "no such interface"));
            // "link5" exists only inside the router's namespace: another namespace.
            AssertNicsBack("after a NIC in another namespace",
                await AssertBindingRefused(text.Replace($"nic: {nics[3].Nic} ", "nic: link5 "), dir, "testbed.topology.links.link9.nic", "NIC link5", router.Namespace));
            Ip("addr", "add", "192.0.2.254/32", "dev", nics[4].Nic);
            string inUse;
            try { inUse = await AssertBindingRefused(text, dir, "testbed.topology.links.link10.nic", $"NIC {nics[4].Nic}", "in use: it has the address(es) 192.0.2.254/32"); }
            finally { Ip("addr", "del", "192.0.2.254/32", "dev", nics[4].Nic); }
            AssertNicsBack("after a NIC in use", inUse);
            TestContext.Out.WriteLine($"three bad bindings refused in {sw.Elapsed.TotalSeconds:0.0} s");

            // The Figure 1 purposes on the router: pass; configured wrong through its pack (End.X C52 over link9): fail at N4.
            sw.Restart();
            var (ok, okDir) = await CaseRunner.RunWithDirectoryAsync("None", purposes: Purposes, profile: profile);
            TestContext.Out.WriteLine($"right router: {string.Join(", ", ok.Values.Select(o => $"{o.PurposeId}={o.Status}"))} in {sw.Elapsed.TotalSeconds:0.0} s");
            foreach (var id in Purposes) Assert.That(ok[id].Status, Is.EqualTo("passed"), $"{id}: {ok[id].Message}");
            AssertNicsBack("after the passing run", LabRunId(okDir));
            sw.Restart();
            var (bad, badDir) = await CaseRunner.RunWithDirectoryAsync("Figure1EndXWrongLink", purposes: Purposes, profile: profile);
            TestContext.Out.WriteLine($"faulted router: {string.Join(", ", bad.Values.Select(o => $"{o.PurposeId}={o.Status}"))} in {sw.Elapsed.TotalSeconds:0.0} s");
            foreach (var id in Purposes)
            {
                Assert.That(bad[id].Status, Is.EqualTo("failed"), $"{id}: {bad[id].Message}");
                Assert.That(bad[id].Message, Does.Contain("N4"), $"{id}: blamed on the router's hop");
            }
            AssertNicsBack("after the faulted run", LabRunId(badDir));

            // The same router as one of two DUTs (testbed.topology.dut_nodes): N2 a lab-built reference node, N4 the real router
            // (its own profile: kind ssh with links). TP-IOP-BV-01 passes with both right and fails blamed on the DUT faulted.
            var multi = Path.Combine(dir, "figure1-n2node-n4realrouter.yaml");
            var multiText = File.ReadAllText(Path.Combine(ProfilesDir, "reference-figure1-n2node-n4node.yaml"))
                .Replace("profile: reference-figure1-n2node-n4node", "profile: figure1-n2node-n4realrouter")
                .Replace("profile: reference-figure1-n2-node.yaml", $"profile: {Path.Combine(ProfilesDir, "reference-figure1-n2-node.yaml")}")
                .Replace("profile: reference-figure1-node.yaml", "profile: figure1-real-router.yaml");
            File.WriteAllText(multi, multiText);
            var two = ProfileLoader.Load(multi).Testbed.Topology!;
            Assert.That(two.DutNodes.Select(d => (d.Node, d.Profile.Testbed.Kind)), Is.EqualTo(new[] { ("N2", TestbedKind.ReferenceLab), ("N4", TestbedKind.Ssh) }));
            string[] interop = ["TP-IOP-BV-01"];
            foreach (var (mode, blamed) in new[] { ("None", (string?)null), ("Figure1EndXWrongLink@N4", "N4"), ("Figure1N2EndXWrongLink@N2", "N2") })
            {
                sw.Restart();
                var (o, oDir) = await CaseRunner.RunWithDirectoryAsync(mode, purposes: interop, profile: multi);
                var r = o["TP-IOP-BV-01"];
                TestContext.Out.WriteLine($"two DUTs (N2 lab-built, N4 real router), {mode}: TP-IOP-BV-01={r.Status} in {sw.Elapsed.TotalSeconds:0.0} s: {r.Message.Split('\n')[0]}");
                if (blamed is null) Assert.That(r.Status, Is.EqualTo("passed"), $"{mode}: {r.Message}");
                else
                {
                    Assert.That(r.Status, Is.EqualTo("failed"), $"{mode}: {r.Message}");
                    Assert.That(r.Message, Does.StartWith($"FAIL: blamed on {blamed} ("), $"{mode}: blamed on the faulted DUT");
                    Assert.That(r.Message, Does.Not.Contain(" and " + (blamed == "N2" ? "N4" : "N2") + " ("), $"{mode}: only the faulted DUT is blamed");
                }
                AssertNicsBack($"after the two-DUT run {mode}", LabRunId(oDir));
            }

            // A run killed with kill -9 while the lab holds the NICs: `srv6conf lab cleanup` gives them back.
            sw.Restart();
            string killedRunId;
            var cli = Path.Combine(AppContext.BaseDirectory, "srv6conf.dll");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { cli, "lab", "up", "--profile", profile }) psi.ArgumentList.Add(a);
            using (var up = Process.Start(psi)!)
            {
                var stderr = up.StandardError.ReadToEndAsync();
                string? line;
                var seen = new List<string>();
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
                    while ((line = await up.StandardOutput.ReadLineAsync(cts.Token)) is not null && !line.StartsWith("Ctrl-C", StringComparison.Ordinal)) seen.Add(line);
                Assert.That(seen.FirstOrDefault(), Does.Contain("around N4"), string.Join('\n', seen) + (up.HasExited ? await stderr : ""));
                foreach (var (link, nic, _) in nics)
                    Assert.That(Directory.Exists($"/sys/class/net/{nic}"), Is.False, $"{nic} ({link}) is in a lab router's namespace while the lab is up");
                TestContext.Out.WriteLine($"srv6conf lab up: {seen[0]}");
                killedRunId = seen[0].Split(' ')[1];
                Proc.Kill(up.Id, Proc.SIGKILL);
                await up.WaitForExitAsync();
            }
            foreach (var (link, nic, _) in nics)
                Assert.That(Directory.Exists($"/sys/class/net/{nic}"), Is.False, $"after kill -9 {nic} ({link}) is still in the lab");
            var cleanup = LabTestSupport.Run("dotnet", cli, "lab", "cleanup");
            Assert.That(cleanup.ExitCode, Is.EqualTo(0), cleanup.Stdout + cleanup.Stderr);
            Assert.That(cleanup.Stdout, Does.StartWith("removed ").And.Contain(killedRunId), cleanup.Stdout + cleanup.Stderr);
            TestContext.Out.WriteLine($"kill -9 of `lab up` and `lab cleanup` ({cleanup.Stdout.Trim()}) in {sw.Elapsed.TotalSeconds:0.0} s");
            AssertNicsBack("after kill -9 and srv6conf lab cleanup", killedRunId);
        }
        finally
        {
            router.Dispose();
            Directory.Delete(dir, recursive: true);
        }
        LabTestSupport.AssertNothingLeft(router.RunId);
        TestContext.Out.WriteLine($"whole test {total.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Starts the testbed of a profile whose binding is bad: refused naming the field and the NIC; returns the lab's run id.</summary>
    private static async Task<string> AssertBindingRefused(string text, string dir, string field, string nic, string why)
    {
        var file = Path.Combine(dir, $"bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, text);
        var p = ProfileLoader.Load(file);
        var e = Assert.ThrowsAsync<TestbedException>(async () => await (await LiveTestbed.StartAsync(p)).DisposeAsync())!;
        Assert.That(e.Message, Does.Contain(field).And.Contain(nic).And.Contain(why), e.Message);
        TestContext.Out.WriteLine(e.Message);
        return System.Text.RegularExpressions.Regex.Match(e.Message, "The lab ([0-9a-f]{6}) ").Groups[1].Value;
    }

    /// <summary>The run id of the lab a case run built (its environment.properties, lab.run_id).</summary>
    private static string LabRunId(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, "allure-results", "environment.properties")).Single(l => l.StartsWith("lab.run_id=", StringComparison.Ordinal))["lab.run_id=".Length..];

    private static void Ip(params string[] args)
    {
        var r = LabTestSupport.Run("ip", args);
        Assert.That(r.ExitCode, Is.EqualTo(0), $"ip {string.Join(' ', args)}: {r.Stderr}");
    }
}
