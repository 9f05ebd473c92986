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
        ("TP-ENDX-BV-01", "None", "EndXAsEnd", "End.X programmed as End: the FIB sends the next segment out of t3"),
        ("TP-ENDX-BI-01", "None", "NoIcmpErrors", "no known Linux mode passes (DEV-LINUX-010); offline proof in BehaviorConformingReceptionTests"),
        ("TP-ENDT-BV-01", "None", "EndTMainTable", "End.T looks up the main table (t3) instead of table 100 (t2)"),
        ("TP-DT6-BV-01", "None", "EndDt6MainTable", "End.DT6 looks up the main table (t3) instead of table 100 (t2)"),
        ("TP-DX6-BV-01", "None", "EndDx6AsDt6", "End.DX6 programmed as a main-table lookup: the inner packet leaves by t3"),
        ("TP-DX4-BV-01", "None", "EndDx4WrongAdjacency", "End.DX4 cross-connects to the next hop behind t3; no Linux mode passes (DEV-LINUX-016: ARP for the inner destination)"),
        ("TP-DECAP-BI-01", "None", "NoIcmpErrors", "no known Linux mode passes (DEV-LINUX-011); offline proof in BehaviorConformingReceptionTests"),
        ("TP-ULH-BI-01", "None", "NoIcmpErrors", "no known Linux mode passes (DEV-LINUX-012); offline proof in BehaviorConformingReceptionTests"),
        ("TP-B6-BV-01", "None", "EndB6AsEnd", "End.B6.Encaps programmed as End: no encapsulation"),
        ("TP-B6-BV-02", "None", "EndB6AsEnd", "no known Linux mode passes (DEV-LINUX-013); offline proof in BehaviorConformingReceptionTests"),
        ("TP-HENCAPS-BV-01", "None", "HeadendsMissing", "no headend policy programmed"),
        ("TP-HENCAPS-BV-02", "None", "HeadendsMissing", "no known Linux mode passes (DEV-LINUX-014); offline proof in BehaviorConformingReceptionTests"),
        ("TP-HENCAPS-BV-03", "None", "FlowLabelZero", "seg6_flowlabel=0: every flow gets outer flow label 0"),
        ("TP-HENCAPS-BV-04", "None", "HeadendsNotReduced", "encap.red programmed as encap: the SRH is pushed"),
        ("TP-HENCAPS-BV-05", "None", "HeadendsNotReduced", "encap.red programmed as encap: the first SID stays in the SRH"),
        ("TP-HENCAPS-BV-06", "None", "HeadendsMissing", "no headend policy programmed"),
        ("TP-HENCAPS-BV-07", "None", "HeadendsNotReduced", "l2encap.red programmed as l2encap: the SRH is pushed"),
        ("TP-MTU-BI-01", "None", "NoIcmpErrors", "no known Linux mode passes (DEV-LINUX-015); offline proof in BehaviorConformingReceptionTests"),
        ("TP-OFLAG-BV-01", "None", "OFlagCleared", "the forwarded data packet loses its O-flag"),
        ("TP-OFLAG-BV-02", "None", "OFlagNotProcessed", "the DUT claims O-flag processing but exports nothing"),
        ("TP-OFLAG-BI-01", "None", "OFlagCopiesAll", "packets without the O-flag are copied too"),
        ("TP-OFLAG-BV-03", "EndAsLocalAddress", "OFlagCopyAnswered", "the copy is evaluated again by the DUT's stack: two echo replies (plain lab: DEV-LINUX-020)"),
        ("TP-OFLAG-BV-04", "None", "OFlagNoRateLimit", "every O-flag packet is punted: no rate limit"),
        ("TP-OFLAG-BV-05", "None", "EndWithoutPsp", "the PSP SID keeps the SRH, so the O-flag reaches the ultimate segment"),
        ("TP-OFLAG-BV-06", "None", "OFlagNotProcessed", "the ultimate segment exports nothing"),
        ("TP-OFLAG-BI-02", "None", "OFlagCopiesAll", "a packet without SRH (no O-flag) is copied"),
        ("TP-PING-BV-01", "EndAsLocalAddress", "SidMissing", "the SID is not programmed (plain lab: DEV-LINUX-021)"),
        ("TP-EDGE-BI-01", "None", "EdgeFilterWithoutSidBlockRule", "the edge rule for the SID block is missing: End forwards the packet from outside"),
        ("TP-EDGE-BI-02", "None", "EdgeFilterWithoutRfc9602Rule", "the edge rule for 5f00::/16 is missing: the DUT answers Destination Unreachable"),
        ("TP-EDGE-BI-03", "None", "EdgeFilterWithoutSrhToLocalRule", "the edge rule for SRH to local addresses is missing: the kernel processes the SRH and forwards to D"),
        ("TP-EDGE-BV-01", "None", "EdgeFilterOnInternalPorts", "the SID-block rule is also on the internal interfaces"),
        ("TP-SRCADDR-BI-01", "None", "EdgeFilterWithoutSourceCheck", "the per-node source check is missing: End forwards the packet"),
        ("TP-HMAC-BV-01", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-030: with seg6_require_hmac=1 a valid RFC 8754 HMAC TLV is dropped as if absent); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BV-02", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-030); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BV-03", "None", "SidMissing", "the End SID is not programmed: Destination Unreachable instead of forwarding"),
        ("TP-HMAC-BI-01", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-031: an invalid RFC 8754 HMAC TLV is not rejected); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BI-02", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BI-03", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BI-04", "None", "SidMissing", "the End SID is not programmed: Destination Unreachable comes back"),
        ("TP-HMAC-BI-05", "None", "HmacKeyMissing", "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests"),
        ("TP-HMAC-BI-06", "None", "SidMissing", "the End SID is not programmed: Destination Unreachable comes back"),
        ("TP-SEG6EN-BV-01", "None", "Seg6Disabled", "SRH processing is off on the ingress interface"),
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
        ("TP-PING-BV-02", "EndAsLocalAddress", "SidMissing", "the target SID is not programmed (plain lab: DEV-LINUX-050)"),
        ("TP-PING-BI-01", "None", "LocatorLocal", "the locator is a local prefix: the uninstantiated SID answers the echo request"),
        ("TP-TRACE-BV-01", "None", "NoIcmpErrors", "the DUT's Time Exceeded errors are dropped"),
        ("TP-TRACE-BV-02", "EndAsLocalAddress", "SidMissing", "the target SID is not programmed: no route instead of Port Unreachable (plain lab: DEV-LINUX-051)"),
        ("TP-PING-BV-03", "None", "DownstreamViaT3", "the DUT's route to N2 points at t3: the SR policy's echo requests leave by the wrong port"),
        ("TP-DX2-BV-01", "None", "EndDx2WrongInterface", "End.DX2's OIF is veth-t3: the frame leaves by t3 instead of t2"),
        ("TP-HINSERT-BV-01", "None", "HInsertAsEncap", "the inline policy is programmed as encap: a new outer header instead of an inserted SRH"),
        // TP-OFLAG-BV-04 (above) runs once per punt rate of the profile (10, 100, 1000/s): CaseRunner keeps the worst
        // outcome per purpose, so the row holds only if every rate passes on the right lab and fails on OFlagNoRateLimit.
        ("TP-TRACE-BV-03", "None", "DownstreamViaT3", "the DUT's route to N2 points at t3: the traceroute probes leave by the wrong port and no hop answers"),
        ("TP-TRACE-BV-03", "None", "IcmpErrorsToDutDropped", "the probes leave right, but the DUT drops the hops' ICMPv6 errors: its traceroute prints no hop"),
    ];

    /// <summary>
    /// The negative controls of the purposes on a reference topology (profile testbed.topology): the
    /// profile they run with, a mode where the case must pass and a fault mode where it must fail.
    /// </summary>
    public static readonly (string Purpose, string Profile, string PassMode, string FailMode, string Why)[] TopologyTable =
    [
        ("TP-LOOP-BV-01", "reference-figure1.yaml", "None", "Figure1Link10Broken", "link10 of the monitored path drops everything: the loopback probes are lost (loss 10/10), a fail, not a harness error"),
        ("TP-PING-BV-04", "reference-figure1.yaml", "None", "Figure1EndXWrongLink", "End.X C52 sends the echo requests over link9 instead of link10"),
        ("TP-HYBRID-BV-01", "reference-figure1.yaml", "None", "Figure1OFlagNotExported", "the DUT's OAM process exports no copy of the sampled packets to N100"),
    ];

    public static IEnumerable<TestCaseData> TopologyControls() => TopologyTable
        .Select(r => new TestCaseData(r.Purpose, r.Profile, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.Profile, r.PassMode, r.FailMode).SetDescription(r.Why));

    [TestCaseSource(nameof(TopologyControls))]
    public async Task PassesOnTheRightTopologyAndFailsOnTheWrongOne(string purpose, string profile, string passMode, string failMode)
    {
        var inProfile = TopologyTable.Where(r => r.Profile == profile).ToList();
        var right = await CaseRunner.RunAsync(passMode, purposes: inProfile.Where(r => r.PassMode == passMode || r.FailMode == passMode).Select(r => r.Purpose), profile: profile);
        var wrong = await CaseRunner.RunAsync(failMode, purposes: inProfile.Where(r => r.PassMode == failMode || r.FailMode == failMode).Select(r => r.Purpose), profile: profile);
        Assert.That(right, Does.ContainKey(purpose), $"{purpose} did not run in mode {passMode}");
        Assert.That(right[purpose].Status, Is.EqualTo("passed"), $"{purpose} in mode {passMode}: {right[purpose].Message}");
        Assert.That(wrong, Does.ContainKey(purpose), $"{purpose} did not run in mode {failMode}");
        Assert.That(wrong[purpose].Status, Is.EqualTo("failed"), $"{purpose} in mode {failMode}: {wrong[purpose].Message}");
        Assert.That(wrong[purpose].Known, Is.False, "a fault-mode failure is a real failure, not a known deviation");
    }

    /// <summary>Purposes for which no lab mode passes: they are judged on the plain lab as known deviations.</summary>
    private static readonly HashSet<string> NeverPassOnLinux = ["TP-END-BI-01",
        "TP-ENDX-BI-01", "TP-DECAP-BI-01", "TP-ULH-BI-01", "TP-B6-BV-02", "TP-HENCAPS-BV-02", "TP-MTU-BI-01", "TP-DX4-BV-01",
        "TP-HMAC-BV-01", "TP-HMAC-BV-02", "TP-HMAC-BI-01", "TP-HMAC-BI-02", "TP-HMAC-BI-03", "TP-HMAC-BI-05",
        "TP-SRH-BI-02", "TP-SRH-BI-03", "TP-SRH-BI-04", "TP-LOCAL-BI-01"];

    /// <summary>
    /// Purposes the reference profile does not claim because the reference kernel cannot do them: their cases are
    /// skipped as not applicable in EVERY lab mode, so no row of <see cref="Table"/> can show them pass or fail (a skip
    /// is never a pass). Instead each names the capability it requires (the reference profile must not claim it) and
    /// the offline test that shows its expectation accepts an RFC-conforming reception and rejects a wrong one.
    /// </summary>
    public static readonly (string Purpose, string Capability, string OfflineProof)[] NotClaimedByTheReferenceProfile =
    [
        ("TP-USP-BV-01", "USP", "CatalogueConformingReceptionTests.UspPortUnreachableQuotingThePacketWithoutItsSrhPassesAndAQuoteWithTheSrhFails"),
        ("TP-USD-BV-01", "USD", "CatalogueConformingReceptionTests.UsdInnerPacketForwardedByTheFibPassesAndTheKeptOuterHeaderFails"),
        ("TP-DT4-BV-01", "End.DT4", "CatalogueConformingReceptionTests.EndDt4InnerIpv4PacketRoutedByItsTablePassesAndTheMainTableFails"),
        ("TP-DT46-BV-01", "End.DT46", "CatalogueConformingReceptionTests.EndDt46InnerIpv4AndIpv6PacketsRoutedByItsTablePassAndTheMainTableFails"),
        ("TP-DT46-BV-02", "End.DT46", "CatalogueConformingReceptionTests.EndDt46InnerIpv4AndIpv6PacketsRoutedByItsTablePassAndTheMainTableFails"),
        ("TP-B6RED-BV-01", "End.B6.Encaps.Red", "CatalogueConformingReceptionTests.EndB6EncapsRedOuterSrhWithoutTheFirstSidPassesAndTheFullSrhFails"),
    ];

    [Test]
    public void NotClaimedPurposesAreUnclaimedAndProvenOffline()
    {
        var reference = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        Assert.Multiple(() =>
        {
            foreach (var (purpose, capability, proof) in NotClaimedByTheReferenceProfile)
            {
                Assert.That(CaseRunner.Purposes, Does.ContainKey(purpose), $"{purpose}: no case implements it");
                Assert.That(Table.Select(r => r.Purpose), Does.Not.Contain(purpose), $"{purpose} is in both lists");
                Assert.That(reference.Claims(capability), Is.False, $"{purpose}: the reference profile claims {capability}, so it needs a pass/fail row in Table");
                var (type, method) = (proof.Split('.')[0], proof.Split('.')[1]);
                var m = typeof(CaseVerdictTests).Assembly.GetTypes().FirstOrDefault(t => t.Name == type)?.GetMethod(method);
                Assert.That(m?.GetCustomAttributes(typeof(TestAttribute), false), Is.Not.Null.And.Not.Empty, $"{purpose}: the offline proof {proof} is not a test");
            }
        });
    }

    /// <summary>On the reference lab they are not applicable: skipped with the reason, never passed.</summary>
    [Test]
    public async Task NotClaimedPurposesAreSkippedOnThePlainLab()
    {
        var plain = await CaseRunner.RunAsync("None");
        Assert.Multiple(() =>
        {
            foreach (var (purpose, capability, _) in NotClaimedByTheReferenceProfile)
            {
                Assert.That(plain, Does.ContainKey(purpose), $"{purpose} did not run");
                if (!plain.TryGetValue(purpose, out var o)) continue;
                Assert.That(o.Status, Is.EqualTo("skipped"), $"{purpose}: {o.Message}");
                Assert.That(o.Message, Does.Contain("N/A").And.Contain(capability), purpose);
            }
        });
    }

    public static IEnumerable<TestCaseData> Controls() => Table
        .Select(r => new TestCaseData(r.Purpose, r.PassMode, r.FailMode).SetArgDisplayNames(r.Purpose, r.PassMode, r.FailMode).SetDescription(r.Why));

    private static IEnumerable<string> PurposesFor(string mode) =>
        Table.Where(r => r.PassMode == mode || r.FailMode == mode).Select(r => r.Purpose);

    [Test]
    public void EveryTestPurposeHasANegativeControl()
    {
        var missing = CaseRunner.Purposes.Keys.Except(Table.Select(r => r.Purpose)).Except(TopologyTable.Select(r => r.Purpose))
            .Except(NotClaimedByTheReferenceProfile.Select(r => r.Purpose)).Order().ToList();
        Assert.That(missing, Is.Empty, "test purposes without a row in CaseVerdictTests.Table, TopologyTable (cases on a reference topology) or, when the reference profile cannot claim them, NotClaimedByTheReferenceProfile");
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
        Assert.That(dead.Values.Where(o => o.Status == "broken"), Is.Not.Empty);
        var notApplicable = NotClaimedByTheReferenceProfile.Select(r => r.Purpose).Concat(TopologyTable.Select(r => r.Purpose)).ToHashSet();
        foreach (var o in dead.Values)
        {
            Assert.That(o.Status, Is.EqualTo(notApplicable.Contains(o.PurposeId) ? "skipped" : "broken"), $"{o.PurposeId}: {o.Message}");
            if (o.Status == "skipped") Assert.That(o.Message, Does.StartWith("N/A:"), o.PurposeId);
        }
    }
}
