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
    public static IEnumerable<TestCaseData> Controls()
    {
        // purpose, a lab mode where it passes, a lab mode where it fails, why it fails there
        yield return Row("TP-END-BV-01", "None", "SidMissing", "the End SID is not programmed");
        yield return Row("TP-END-BV-02", "EndAsLocalAddress", "SidMissing", "the End SID is not programmed");
        yield return Row("TP-PSP-BV-01", "None", "EndWithoutPsp", "the PSP SID is a plain End");
        yield return Row("TP-PSP-BV-02", "None", "PspSidMissing", "the PSP SID is not programmed");
        yield return Row("TP-PSP-BI-01", "None", "EndWithPsp", "the plain End SID pops the SRH");
        yield return Row("TP-SRH-BI-01", "EndAsLocalAddress", "SidMissing", "the End SID is not programmed");
        yield return Row("TP-TRANSIT-BV-01", "None", "ForwardingDisabled", "the DUT does not forward");
    }

    private static TestCaseData Row(string purpose, string passMode, string failMode, string why) =>
        new TestCaseData(purpose, passMode, failMode).SetArgDisplayNames(purpose, passMode, failMode).SetDescription(why);

    [TestCaseSource(nameof(Controls))]
    public async Task PassesOnTheRightLabAndFailsOnTheWrongOne(string purpose, string passMode, string failMode)
    {
        var right = await CaseRunner.RunAsync(passMode);
        var wrong = await CaseRunner.RunAsync(failMode);
        Assert.That(right, Does.ContainKey(purpose), $"{purpose} did not run in mode {passMode}");
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} in mode {passMode}: {right[purpose].Message}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in mode {failMode}: {wrong[purpose].Message}");
        if (!KnownDeviationPurposes.Contains(purpose))
            Assert.That(wrong[purpose].Known, Is.False, "a fault-mode failure is a real failure, not a known deviation");
    }

    private static readonly HashSet<string> KnownDeviationPurposes = ["TP-END-BV-02", "TP-END-BI-01", "TP-SRH-BI-01"];

    [TestCase("TP-END-BV-02")]
    [TestCase("TP-END-BI-01")]
    [TestCase("TP-SRH-BI-01")]
    public async Task KnownDeviationsFailOnThePlainLabAndAreMarkedKnown(string purpose)
    {
        var plain = await CaseRunner.RunAsync("None");
        Assert.That(plain[purpose].Status, Is.EqualTo("failed"), plain[purpose].Message);
        Assert.That(plain[purpose].Known, Is.True, "listed in profiles/reference-lab.yaml known_deviations");
    }

    [Test]
    public async Task TimeExceededFailsWhenTheDutSendsNoIcmpErrors()
    {
        var noErrors = await CaseRunner.RunAsync("NoIcmpErrors");
        Assert.That(noErrors["TP-END-BI-01"].Status, Is.EqualTo("failed"));
        Assert.That(noErrors["TP-END-BI-01"].Message, Does.Contain("missing"), "no Time Exceeded at all");
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
