using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Every test purpose must be able to fail and to pass: each row names a lab mode in which the
/// reference DUT behaves as the RFC asks (the case must pass) and a fault mode in which it does not
/// (the case must fail, as a DUT failure — not broken, not skipped). Known deviations of the Linux
/// DUT fail on the plain lab and are marked known there.
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class CaseVerdictTests
{
    /// <summary>
    /// The negative-control table: purpose, a lab mode where it must pass, a lab mode where it must
    /// fail, and why. Every test purpose of src/Conformance.Cases needs a row (a test checks that).
    /// </summary>
    public static readonly (string Purpose, string PassMode, string FailMode, string Why)[] Table =
    [
        ("TP-END-BV-01", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-END-BV-02", "EndAsLocalAddress", "SidMissing", "the End SID is not programmed"),
        ("TP-END-BI-01", "None", "NoIcmpErrors", "no known Linux mode passes (DEV-LINUX-002); the judgement of a conforming reply is shown offline in ConformingReplyTests"),
        ("TP-PSP-BV-01", "None", "EndWithoutPsp", "the PSP SID is a plain End"),
        ("TP-PSP-BV-02", "None", "PspSidMissing", "the PSP SID is not programmed"),
        ("TP-PSP-BI-01", "None", "EndWithPsp", "the plain End SID pops the SRH"),
        ("TP-SRH-BI-01", "EndAsLocalAddress", "SidMissing", "the End SID is not programmed"),
        ("TP-TRANSIT-BV-01", "None", "ForwardingDisabled", "the DUT does not forward"),
        // --- SRH processing (wip/srh) ---
        ("TP-SRH-BV-02", "None", "SidMissing", "the End SID is not programmed (every segments=N parameter set)"),
        ("TP-SRH-BV-03", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-SRH-BI-02", "None", "SidMissing", "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests"),
        ("TP-SRH-BI-03", "None", "SidMissing", "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests"),
        ("TP-SRH-BI-04", "None", "SidMissing", "no known Linux mode passes (DEV-LINUX-040); the judgement of a conforming reply is shown offline in SrhConformingReplyTests"),
        ("TP-SRH-BI-05", "None", "EndSidRoutedOnwards", "the SID's address is routed on as plain IPv6: the truncated SRH is forwarded"),
        ("TP-TLV-BV-01", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-TLV-BV-02", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-TLV-BV-03", "EndAsLocalAddress", "SidMissing", "the End SID is not programmed (plain seg6local drops it: DEV-LINUX-042)"),
        ("TP-TRANSIT-BV-02", "None", "ForwardingDisabled", "the DUT does not forward"),
        ("TP-FLAGS-BV-01", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-FLAGS-BV-02", "None", "SidMissing", "the End SID is not programmed"),
        ("TP-TRANSIT-BV-03", "None", "ForwardingDisabled", "the DUT does not forward"),
        ("TP-LOCAL-BV-01", "None", "Seg6Disabled", "seg6_enabled=0: Linux drops every SRH packet to a local address, even with SL=0"),
        ("TP-LOCAL-BI-01", "None", "Seg6Disabled", "no known Linux mode passes (DEV-LINUX-041: seg6_enabled=1 acts as End, =0 drops silently); the judgement of a conforming reply is shown offline in SrhConformingReplyTests"),
        ("TP-COUNTERS-BV-01", "None", "EndWithoutCounters", "the End SID forwards but keeps no counter"),
        ("TP-COUNTERS-BV-02", "None", "EndWithoutCounters", "the End SID keeps no counter at all"),
    ];

    /// <summary>Purposes for which no lab mode passes: they are judged on the plain lab as known deviations.</summary>
    private static readonly HashSet<string> NeverPassOnLinux = ["TP-END-BI-01",
        // --- SRH processing (wip/srh) ---
        "TP-SRH-BI-02", "TP-SRH-BI-03", "TP-SRH-BI-04", "TP-LOCAL-BI-01"];

    public static IEnumerable<TestCaseData> Controls() => Table
        .Select(r => new TestCaseData(r.Purpose, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.PassMode, r.FailMode).SetDescription(r.Why));

    private static IEnumerable<string> PurposesFor(string mode) =>
        Table.Where(r => r.PassMode == mode || r.FailMode == mode).Select(r => r.Purpose);

    [Test]
    public void EveryTestPurposeHasANegativeControl()
    {
        var missing = CaseRunner.Purposes.Keys.Except(Table.Select(r => r.Purpose)).Order().ToList();
        Assert.That(missing, Is.Empty, "test purposes without a row in CaseVerdictTests.Table");
    }

    [TestCaseSource(nameof(Controls))]
    public async Task PassesOnTheRightLabAndFailsOnTheWrongOne(string purpose, string passMode, string failMode)
    {
        var right = passMode == "None" ? await CaseRunner.RunAsync("None") : await CaseRunner.RunAsync(passMode, purposes: PurposesFor(passMode));
        var wrong = await CaseRunner.RunAsync(failMode, purposes: PurposesFor(failMode));
        Assert.That(wrong, Does.ContainKey(purpose), $"{purpose} did not run in mode {failMode}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in mode {failMode}: {wrong[purpose].Message}");
        if (NeverPassOnLinux.Contains(purpose))
        {
            Assert.That(right[purpose].Status, Is.EqualTo("failed"));
            Assert.That(right[purpose].Known, Is.True, "a purpose no Linux mode passes must be a listed known deviation");
            return;
        }
        Assert.That(right, Does.ContainKey(purpose), $"{purpose} did not run in mode {passMode}");
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} in mode {passMode}: {right[purpose].Message}");
        if (!KnownDeviationPurposes.Contains(purpose))
            Assert.That(wrong[purpose].Known, Is.False, "a fault-mode failure is a real failure, not a known deviation");
    }

    private static readonly HashSet<string> KnownDeviationPurposes =
        ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml")).KnownDeviations.SelectMany(d => d.TestPurposes).ToHashSet();

    public static IEnumerable<string> KnownDeviationCases() => KnownDeviationPurposes.Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(KnownDeviationCases))]
    public async Task KnownDeviationsFailOnThePlainLabAndAreMarkedKnown(string purpose)
    {
        var plain = await CaseRunner.RunAsync("None");
        Assert.That(plain[purpose].Status, Is.EqualTo("failed"), plain[purpose].Message);
        Assert.That(plain[purpose].Known, Is.True, "listed in profiles/reference-lab.yaml known_deviations");
    }

    [Test]
    public async Task EveryCaseIsBrokenNotFailedWhenTheDutsSshDies()
    {
        var dead = await CaseRunner.RunAsync("None", "kill-sshd-after-setup");
        Assert.That(dead.Values, Is.Not.Empty);
        foreach (var o in dead.Values)
            Assert.That(o.Status, Is.EqualTo("broken"), $"{o.PurposeId}: {o.Message}");
    }
}
