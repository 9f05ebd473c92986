using System.Net.NetworkInformation;
using Conformance.Harness;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;
using NUnit.Framework;

[assembly: AllureResults]
[assembly: NonParallelizable]

namespace Conformance.Cases;

/// <summary>
/// One testbed for the whole run: the profile named by SRV6CONF_PROFILE (default
/// profiles/reference-lab.yaml) is bound to its DUT once — for the reference lab the harness builds
/// the DUT — and every case reconfigures only what it needs. SRV6CONF_FAULT brings the reference
/// lab up deliberately wrong (negative controls). At the end the DUT is rolled back and the rollback
/// verified; a lab is torn down.
/// </summary>
[SetUpFixture]
public sealed class CaseRun
{
    private static LiveTestbed? _testbed;
    private static Exception? _setupError;
    private static readonly Dictionary<string, PhysicalAddress> DutMacs = new();

    public static Profile? Profile { get; private set; }

    /// <summary>
    /// Set when the DUT was found not answering after a failed case (the case's purpose, and why): from then on no case
    /// has a verdict (inconclusive), and the end of the run says so.
    /// </summary>
    public static (string Purpose, string Reason)? DutGone { get; internal set; }

    public static LiveTestbed Testbed => _testbed ?? throw new TestbedException(
        "the testbed did not come up, so no case can be judged: " + (_setupError?.Message ?? "set-up did not run"), _setupError);

    public static PhysicalAddress DutMac(string port) => DutMacs.TryGetValue(port, out var m) ? m
        : throw new TestbedException($"the DUT's MAC address on {port} was not resolved.");

    public static string ProfilePath =>
        Environment.GetEnvironmentVariable("SRV6CONF_PROFILE") is { Length: > 0 } p ? Path.GetFullPath(p)
        : Path.Combine(AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory(), "profiles", "reference-lab.yaml");

    /// <summary>The ids of every test purpose in this assembly: a profile's known deviation must name one of them.</summary>
    public static IReadOnlySet<string> TestPurposeIds { get; } =
        Conformance.Harness.Catalogue.PurposeCatalogue.Read(typeof(CaseRun).Assembly).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

    public static LabFaultMode Fault =>
        Environment.GetEnvironmentVariable("SRV6CONF_FAULT") is { Length: > 0 } f ? LabFaultMode.Parse(SplitFault(f).Mode) : LabFaultMode.None;

    /// <summary>The DUT node a fault mode is applied to on a multi-DUT testbed: SRV6CONF_FAULT=&lt;mode&gt;@&lt;node&gt; (e.g. Figure1EndXWrongLink@N4).</summary>
    public static string? FaultedNode =>
        Environment.GetEnvironmentVariable("SRV6CONF_FAULT") is { Length: > 0 } f ? SplitFault(f).Node : null;

    private static (string Mode, string? Node) SplitFault(string f) =>
        f.LastIndexOf('@') is var at and > 0 ? (f[..at], f[(at + 1)..]) : (f, null);

    [OneTimeSetUp]
    public async Task BringUpAsync()
    {
        // Ctrl-C / a CI cancel: the first signal lets the case under way finish, the rest are reported as not run,
        // and the tear-down below rolls back and removes the lab (see RunInterruption). run-suite.sh sends the signal to
        // this process, whose id it reads from SRV6CONF_PID_FILE.
        RunInterruption.Install(Path.Combine(AllureResultsLocator.ResolveResultsDirectory(AppContext.BaseDirectory), ConformanceStatement.InterruptedFileName));
        if (Environment.GetEnvironmentVariable("SRV6CONF_PID_FILE") is { Length: > 0 } pidFile)
            File.WriteAllText(pidFile, $"{Environment.ProcessId}\n");
        try
        {
            using (Evidence.FixtureStep($"Load profile {ProfilePath}", FixturePhase.SetUp))
                Profile = ProfileLoader.Load(ProfilePath, new ProfileLoadOptions { KnownTestPurposes = TestPurposeIds });
            ProfileDutConfig.EnsureLabHmacSecrets(Profile);
            foreach (var s in Profile.SecretValues()) SecretRedactor.Register(s);
            var fault = Fault;
            // A real router in a reference topology may be configured deliberately wrong through its pack (an intent-only mode,
            // rolled back like any configuration): the negative control of a Figure 1 purpose on that router.
            if (fault != LabFaultMode.None && Profile.Testbed.Kind != TestbedKind.ReferenceLab && !(Profile.Testbed.Topology is not null && fault.IsIntentOnly))
                throw new TestbedException($"SRV6CONF_FAULT={fault.Name} only applies to the reference lab (or, configured through the pack, to a real router in a reference topology), not to {Profile.Name}.");
            bool multi = Profile.Testbed.Topology is { IsMultiDut: true };
            if (fault != LabFaultMode.None && !multi && !fault.AppliesTo(Path.GetFileName(ProfilePath)))
                throw new TestbedException($"SRV6CONF_FAULT={fault.Name} misconfigures the DUT of profiles/{fault.Profile} (its SIDs and links), not of {ProfilePath}.");
            var faultName = FaultedNode is { } fn ? $"{fault.Name}@{fn}" : fault.Name;
            using (var step = Evidence.FixtureStep($"Bring up the testbed ({Profile.Testbed.Kind}, fault mode {faultName})", FixturePhase.SetUp))
            {
                _testbed = await LiveTestbed.StartAsync(Profile, fault, FaultedNode);
                // The profile with the SIDs the device allocated itself (its pack's templates.dynamic_sids), as the cases read it.
                Profile = _testbed.Profile;
                foreach (var (name, sid) in _testbed.LearnedSids)
                    Evidence.AttachText($"SID {name} learned from the DUT", $"{name} ({sid.Behavior.Name()}): {sid.Address}, {sid.Learned}");
                foreach (var d in _testbed.Duts)
                {
                    var who = d.Node is null ? "" : $" ({d.Label})";
                    Evidence.AttachText($"DUT configuration applied{who}", string.Join('\n', d.Config.ToLines()));
                    Evidence.AttachText($"DUT state before (snapshot){who}", d.Baseline.ToText());
                }
            }
            using (Evidence.FixtureStep("Resolve the DUT's MAC address on every tester port (ND)", FixturePhase.SetUp))
            {
                foreach (var p in Profile.Testbed.TesterPorts)
                    DutMacs[p.Name] = await _testbed.Port(p.Name).ResolveAsync(p.DutIpv6, p.TesterIpv6.Address, Profile.Parameters.Timeouts.Capture * 3);
            }
            // For the harness's own tests: make the DUT's management access die after set-up, so every
            // case that needs the DUT must end broken (inconclusive), never failed.
            if (Environment.GetEnvironmentVariable("SRV6CONF_TESTBED_FAULT") == "kill-sshd-after-setup")
                _testbed.Lab?.KillSshd();
            // Likewise for a reference topology: a link of a lab router (not the DUT) goes down after set-up, so a
            // path through it must come out inconclusive, never failed ("lab-link-down:N2:link3").
            if (Environment.GetEnvironmentVariable("SRV6CONF_TESTBED_FAULT") is { } tf && tf.StartsWith("lab-link-down:", StringComparison.Ordinal)
                && tf.Split(':') is [_, var node, var link] && _testbed.Topology is { } topology && !topology.IsDut(node))
                topology.Exec(node, "ip", "link", "set", link, "down");
            RunReport.WriteRunFiles(RunEnvironment(), new ExecutorInfo
            {
                Name = "srv6conf",
                Type = Environment.GetEnvironmentVariable("SRV6CONF_RUN_TYPE") ?? "manual",
                BuildName = AllureResultsLocator.RunId,
                ReportName = $"SRv6 conformance: {Profile.Name}",
                BuildUrl = Environment.GetEnvironmentVariable("SRV6CONF_BUILD_URL"),
            });
        }
        catch (Exception e)
        {
            _setupError = e;
            throw;
        }
    }

    private static Dictionary<string, string> RunEnvironment()
    {
        var tb = _testbed!;
        var env = new Dictionary<string, string>
        {
            ["profile"] = Profile!.Name,
            ["profile.sha256"] = Profile.Sha256,
            ["dut.kind"] = Profile.Testbed.Kind.ToString(),
            ["dut.platform"] = Profile.Testbed.Platform,
            ["dut.hostname"] = tb.Identity.Hostname,
            ["dut.os"] = tb.Identity.OperatingSystem,
            ["dut.kernel"] = tb.Identity.KernelRelease,
            ["dut.machine"] = tb.Identity.Platform,
            ["lab.fault_mode"] = tb.FaultedNode is { } fn ? $"{tb.Fault.Name}@{fn}" : tb.Fault.Name,
            ["suite.version"] = HarnessInfo.Version,
            ["suite.commit"] = Environment.GetEnvironmentVariable("SRV6CONF_GIT_COMMIT") ?? "unknown",
        };
        // A real router in a topology: the lab around it (its state file holds the NICs it took).
        if (tb.Surroundings is { } around) env["lab.run_id"] = around.RunId;
        if (tb.Lab is { } lab)
        {
            env["lab.run_id"] = lab.RunId;
            env["lab.sysctls"] = string.Join(' ', lab.Sysctls.Select(s => s.ToString()));
        }
        env["dut.sysctls"] = string.Join(' ', tb.Config.Sysctls.Select(s => s.ToString()));
        if (tb.LearnedSids.Count > 0)
            env["dut.learned_sids"] = string.Join("; ", tb.LearnedSids.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value.Address} ({s.Value.Learned})"));
        if (Profile.Testbed.Topology is { } topology) env["topology"] = topology.Name;
        // A multi-DUT testbed: every DUT by its node (the dut.* entries above are the first's).
        foreach (var d in tb.Duts.Where(d => d.Node is not null))
        {
            env[$"dut.{d.Node}.profile"] = d.Profile.Name;
            env[$"dut.{d.Node}.platform"] = d.Profile.Testbed.Platform;
            env[$"dut.{d.Node}.hostname"] = d.Identity.Hostname;
            env[$"dut.{d.Node}.os"] = $"{d.Identity.OperatingSystem} {d.Identity.KernelRelease}".Trim();
            if (d.Lab is { } l) env[$"dut.{d.Node}.lab_run_id"] = l.RunId;
        }
        return env;
    }

    [OneTimeTearDown]
    public async Task TearDownAsync()
    {
        if (_testbed is null) return;
        using (Evidence.FixtureStep("Roll the DUT back and verify; tear the lab down", FixturePhase.TearDown))
        {
            await _testbed.DisposeAsync();
            if (_testbed.Duts.Count > 1)
                foreach (var d in _testbed.Duts) Evidence.AttachText($"DUT transcript (whole run, {d.Label})", d.Session.Transcript.ToText());
            else
                Evidence.AttachText("DUT transcript (whole run)", _testbed.Transcript.ToText());
            var diff = _testbed.RollbackDiff ?? [];
            Evidence.AttachText("Rollback verification", _testbed.RollbackNotNeeded is { } why ? why : diff.Count == 0 ? "DUT state after rollback equals the snapshot taken before the run." : string.Join('\n', diff));
            if (diff.Count > 0)
                throw new TestbedException($"ROLLBACK INCOMPLETE on the DUT: {diff.Count} difference(s): {string.Join("; ", diff.Take(5))}");
        }
        _testbed = null;
    }
}
