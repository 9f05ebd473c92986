using System.Net;
using Conformance.Harness.Differential;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Differential;

[TestFixture]
public class NormalizerAndReportTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), D = IPAddress.Parse("2001:db8:d::1"), N2 = IPAddress.Parse("2001:db8:b:2:e::"),
        S = IPAddress.Parse("2001:db8:b:1:e::"), Dut1 = IPAddress.Parse("2001:db8:0:1::1"), Dut2 = IPAddress.Parse("2001:db8:0:2::1");
    private static readonly OutputNormalizer Norm = new(new HashSet<IPAddress> { Dut1, Dut2, S, IPAddress.Parse("192.0.2.1") });
    private static byte[] Tag => System.Text.Encoding.ASCII.GetBytes(StimulusGenerator.TagOf(5) + "...");

    private static byte[] Forwarded(byte hl = 63, uint fl = 0x12345, string mac = "02:00:00:00:00:aa") =>
        new PacketBuilder().Ethernet(mac, "02:00:00:00:00:bb").Ipv6(A, N2, hl, 0x2e, fl).Srh([D, N2, S], 1).IcmpEchoRequest(1, 5, Tag).Build();

    private static byte[] TimeExceeded(IPAddress from, byte hl = 64, uint fl = 0, ushort? checksum = null)
    {
        var invoking = new PacketBuilder().RawIp().Ipv6(A, S, 1).Srh([D, N2, S], 2).IcmpEchoRequest(1, 5, Tag).BuildIp();
        var body = new byte[4 + invoking.Length];
        invoking.CopyTo(body, 4);
        var b = new PacketBuilder().Ethernet("02:00:00:00:00:aa", "02:00:00:00:00:bb").Ipv6(from, A, hl, 0, fl).Payload(new PacketPayload.Icmpv6(3, 0, body));
        if (checksum is { } c) b.WithChecksum(c);
        return b.Build();
    }

    [Test]
    public void EthernetAddressesAreDropped()
    {
        Assert.That(Norm.Normalize("t2", Forwarded(mac: "02:00:00:00:00:01")).Canonical, Is.EqualTo(Norm.Normalize("t2", Forwarded(mac: "02:00:00:00:00:02")).Canonical));
        Assert.That(Norm.Normalize("t2", Forwarded()).Canonical, Does.Not.Contain("ethernet."));
    }

    [Test]
    public void AForwardedPacketIsComparedByValueEvenItsFlowLabelAndHopLimit()
    {
        var x = Norm.Normalize("t2", Forwarded());
        Assert.That(Norm.Normalize("t2", Forwarded(hl: 62)).Canonical, Is.Not.EqualTo(x.Canonical));
        Assert.That(Norm.Normalize("t2", Forwarded(fl: 1)).Canonical, Is.Not.EqualTo(x.Canonical));
        Assert.That(Norm.Normalize("t3", Forwarded()).Canonical, Is.Not.EqualTo(x.Canonical), "the egress port counts");
        Assert.That(x.Shape, Is.EqualTo("t2 ipv6/srh/icmpv6 128"));
    }

    [Test]
    public void AnIcmpErrorIsComparedByClassForItsSourceFlowLabelAndHopLimitButItsQuoteByValue()
    {
        var x = Norm.Normalize("t1", TimeExceeded(Dut1));
        Assert.That(Norm.Normalize("t1", TimeExceeded(Dut2, 255, 0xabcde)).Canonical, Is.EqualTo(x.Canonical), "another DUT address, hop limit and flow label");
        Assert.That(x.Fields, Has.Member(("ipv6.src", OutputNormalizer.DutAddressClass)).And.Member(("inner.icmpv6.checksum", OutputNormalizer.ValidChecksumClass)));
        Assert.That(Norm.Normalize("t1", TimeExceeded(IPAddress.Parse("2001:db8:0:1::99"))).Canonical, Is.Not.EqualTo(x.Canonical), "a source that is not the DUT's");
        Assert.That(Norm.Normalize("t1", TimeExceeded(Dut1, checksum: 0x1234)).Canonical, Is.Not.EqualTo(x.Canonical), "an invalid checksum stays a difference");
        Assert.That(x.Shape, Is.EqualTo("t1 ipv6/icmpv6 3/0 quoting ipv6/srh/icmpv6 128"));
        Assert.That(x.Canonical, Does.Contain("inner.icmpv6.invoking.ipv6.dst=2001:db8:b:1:e::"), "the quoted packet by value");
    }

    [Test]
    public void AnIpv4ErrorTheDutOriginatesIsComparedByClassForItsIdentificationAndTtl()
    {
        byte[] Unreach(ushort id, byte ttl) => new PacketBuilder().Ethernet("02:00:00:00:00:aa", "02:00:00:00:00:bb")
            .Ipv4(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"), ttl, 0, id).Payload(new PacketPayload.Raw(1, [3, 1, 0, 0, 0, 0, 0, 0, .. Tag])).Build();
        Assert.That(Norm.Normalize("t1", Unreach(1, 64)).Canonical, Is.EqualTo(Norm.Normalize("t1", Unreach(999, 255)).Canonical));
    }

    private static (StimulusSet Set, Profile P) OneStimulus()
    {
        var p = StimulusGeneratorTests.Lab();
        var set = StimulusGenerator.Generate(p, p, 1, 0);
        return (set, p);
    }

    private static DutRun Run(string label, Dictionary<int, IReadOnlyList<NormalizedOutput>> outputs) =>
        new(label, "p.yaml", "reference-lab", "None", outputs, [], 1, 1, TimeSpan.Zero, TimeSpan.Zero, 0, 0, [], []);

    [Test]
    public void EqualOutputsGiveNoDifferenceAndExitZero()
    {
        var (set, p) = OneStimulus();
        var o = new Dictionary<int, IReadOnlyList<NormalizedOutput>> { [0] = [Norm.Normalize("t2", Forwarded())] };
        var r = DifferentialReport.Compare(set, Run("A", o), Run("B", new(o)), p, p, [], "x.yaml");
        Assert.That(r.Classes, Is.Empty);
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.ToMarkdown(), Does.Contain("None: A and B did the same"));
    }

    [Test]
    public void ADifferenceIsUnexplainedUnlessAnEntryOfTheDeviatingProfileCoversIt()
    {
        var (set, p) = OneStimulus();
        var sl0 = set.Stimuli.First(s => s.Kind == "SL=0,icmpv6" && s.Sid == "end");
        var reply = Norm.Normalize("t1", new PacketBuilder().Ethernet("02:00:00:00:00:aa", "02:00:00:00:00:bb").Ipv6(S, A).IcmpEchoReply(0xd1f, (ushort)sl0.Index, Tag).Build());
        var a = Run("A", new());                                            // Linux: nothing (DEV-LINUX-001)
        var b = Run("B", new() { [sl0.Index] = [reply] });                  // an RFC-exact node: the echo reply
        var none = DifferentialReport.Compare(set, a, b, p, p, [], "x.yaml");
        Assert.That(none.Classes, Has.Count.EqualTo(1));
        Assert.That(none.Classes[0].WhatA, Is.EqualTo("nothing"));
        Assert.That(none.Classes[0].WhatB, Is.EqualTo("t1 ipv6/icmpv6 129"));
        Assert.That(none.ExitCode, Is.EqualTo(1));
        var md = none.ToMarkdown();
        Assert.That(md, Does.Contain("unexplained: bug in A or B"));
        // The example: the stimulus and both DUTs' outputs in the suite's notation.
        Assert.That(md, Does.Contain($"in  t1: {sl0.Notation}").And.Contain("A   (nothing on any port)").And.Contain($"B   t1: {reply.Notation}"));
        Assert.That(none.ToJson()["differences"]![0]!["example"]!["b"]![0]!.GetValue<string>(), Is.EqualTo($"t1: {reply.Notation}"));

        var shipped = ExplanationsFile.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "differential", "explanations.yaml"));
        var r = DifferentialReport.Compare(set, a, b, p, p, shipped, "differential-explanations.yaml");
        Assert.That(r.Classes.Single().ExplainedBy, Is.EqualTo("DEV-LINUX-001 of reference-lab (A)"));
        Assert.That(r.ExitCode, Is.EqualTo(0));
        // The same difference the other way round is explained on B's side.
        Assert.That(DifferentialReport.Compare(set, b with { Label = "A" }, a with { Label = "B" }, p, p, shipped, "e").Classes.Single().ExplainedBy, Is.EqualTo("DEV-LINUX-001 of reference-lab (B)"));
        // A profile without that deviation does not get it.
        var clean = p with { Name = "reference-node", KnownDeviations = [] };
        Assert.That(DifferentialReport.Compare(set, a, b, clean, clean, shipped, "e").ExitCode, Is.EqualTo(1));
    }

    [Test]
    public void SameShapeDifferentFieldsNamesTheFields()
    {
        var (set, p) = OneStimulus();
        var a = Run("A", new() { [0] = [Norm.Normalize("t2", Forwarded(hl: 63))] });
        var b = Run("B", new() { [0] = [Norm.Normalize("t2", Forwarded(hl: 64))] });
        var c = DifferentialReport.Compare(set, a, b, p, p, [], "e").Classes.Single();
        Assert.That(c.FieldsDiffering, Is.EqualTo("ipv6.hop_limit"));
        Assert.That(c.WhatA, Is.EqualTo(c.WhatB));
    }

    [Test]
    public void ShippedExplanationsNameKnownDeviationsOfTheirProfile()
    {
        var file = Path.Combine(ProfileTestSupport.ProfilesDir, "differential", "explanations.yaml");
        var entries = ExplanationsFile.Load(file);
        Assert.That(entries, Is.Not.Empty);
        Assert.That(ExplanationsFile.Check(entries, StimulusGeneratorTests.Lab()), Is.Empty);
    }

    private static readonly Lazy<IReadOnlyList<Explanation>> Shipped = new(() =>
        ExplanationsFile.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "differential", "explanations.yaml")));

    /// <summary>The deviation of the lab (as A) the shipped file explains a class with, or null.</summary>
    private static string? ExplainedBy(DifferenceClass c) =>
        Shipped.Value.FirstOrDefault(e => e.AppliesTo(StimulusGeneratorTests.Lab()) && e.Covers(c, c.WhatA, c.WhatB))?.Deviation;

    private static DifferenceClass Class(string behavior, string path, string kind, string a, string b, string fields = "", string? lastBehavior = null, string? lastKind = null) =>
        new(behavior, path, kind, a, b, fields, []) { LastBehavior = lastBehavior ?? behavior, LastKind = lastKind ?? kind };

    [Test]
    public void AMultiSidPathIsExplainedAtTheSidWhereTheDutsFirstDiffer()
    {
        // End, then End.DX6 reached with Segments Left 1: the DX6 SID is where Linux drops (DEV-LINUX-011).
        const string pp = "t1 ipv6/icmpv6 4/0 quoting ipv6/srh/udp";
        Assert.That(ExplainedBy(Class("End", "end → end_dx6", "SL>1,udp", "nothing", pp, lastBehavior: "End.DX6", lastKind: "SL=1,udp")), Is.EqualTo("DEV-LINUX-011"));
        // The same outputs where the DX6 SID is reached at Segments Left 0 predict no Parameter Problem code 0: not explained.
        Assert.That(ExplainedBy(Class("End", "end → end_dx6", "SL=1,udp", "nothing", pp, lastBehavior: "End.DX6", lastKind: "SL=0,udp")), Is.Null);
        // End → End at Segments Left 0: DEV-LINUX-001 at the second SID; with the echo reply's counterpart something else: not explained.
        Assert.That(ExplainedBy(Class("End", "end → end", "SL=1,icmpv6", "nothing", "t1 ipv6/icmpv6 129", lastKind: "SL=0,icmpv6")), Is.EqualTo("DEV-LINUX-001"));
        Assert.That(ExplainedBy(Class("End", "end → end", "SL=1,icmpv6", "nothing", "t2 ipv6/srh/icmpv6 128", lastKind: "SL=0,icmpv6")), Is.Null);
        // A PSP pop on the way leaves no SRH at the last SID: the echo request is DEV-LINUX-021's.
        Assert.That(ExplainedBy(Class("End+PSP", "end_psp → end", "SL=1,icmpv6", "nothing", "t1 ipv6/icmpv6 129", lastBehavior: "End", lastKind: "no SRH,icmpv6")), Is.EqualTo("DEV-LINUX-021"));
    }

    [Test]
    public void HopLimitDifferencesAreExplainedOnlyWhereTheDeviationPredictsThem()
    {
        // Two SIDs, same packet out, hop limit differs: the chain's one decrement (DIFF-LINUX-001).
        Assert.That(ExplainedBy(Class("End", "end → end_x", "SL>1,udp", "t2 ipv6/srh/udp", "t2 ipv6/srh/udp", "ipv6.hop_limit", "End.X", "SL>1,udp")), Is.EqualTo("DIFF-LINUX-001"));
        // One SID: a forwarded packet's hop limit must agree; no entry explains it.
        Assert.That(ExplainedBy(Class("End", "end", "SL>1,udp", "t2 ipv6/srh/udp", "t2 ipv6/srh/udp", "ipv6.hop_limit")), Is.Null);
        // End.B6.Encaps alone: only the inner hop limit may differ (DEV-LINUX-013), not the outer one.
        const string enc = "t2 ipv6/srh(SL=0)/ipv6/srh/udp";
        Assert.That(ExplainedBy(Class("End.B6.Encaps", "end_b6_encaps", "SL>1,udp", enc, enc, "inner.ipv6.hop_limit")), Is.EqualTo("DEV-LINUX-013"));
        Assert.That(ExplainedBy(Class("End.B6.Encaps", "end_b6_encaps", "SL>1,udp", enc, enc, "inner.ipv6.hop_limit, inner.udp.payload")), Is.Null);
        // Time Exceeded quoting another DA and Segments Left: DEV-LINUX-002 for End, but not when the quoted payload differs.
        const string te = "t1 ipv6/icmpv6 3/0 quoting ipv6/srh/udp";
        Assert.That(ExplainedBy(Class("End", "end", "SL>1,udp,hl=1", te, te, "inner.icmpv6.invoking.ipv6.dst, inner.icmpv6.invoking.srh.segments_left")), Is.EqualTo("DEV-LINUX-002"));
        Assert.That(ExplainedBy(Class("End", "end", "SL>1,udp,hl=1", te, te, "inner.icmpv6.invoking.udp.payload")), Is.Null);
    }

    [Test]
    public void DeviationsDocumentedInTheFileNeedTheirRfcTextAndNoTestPurpose()
    {
        var file = Path.Combine(ProfileTestSupport.ProfilesDir, "differential", "explanations.yaml");
        var (entries, deviations) = ExplanationsFile.LoadAll(file);
        Assert.That(deviations, Is.Not.Empty);
        foreach (var d in deviations)
        {
            Assert.That(d.Id, Does.Match(@"^DIFF-LINUX-\d{3}$"));
            Assert.That(entries.Any(e => e.Deviation == d.Id), Is.True, $"{d.Id} explains something");
            AssertQuotedFromRfc(d.Id, d.Rfc, d.Quote);
        }
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-expl-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var f = Path.Combine(dir, "e.yaml");
            const string entry = "explanations:\n  - deviation: {0}\n    profile: reference-lab\n    behavior: End\n    stimulus: x\n    deviating: x\n    why: y\n";
            File.WriteAllText(f, string.Format(System.Globalization.CultureInfo.InvariantCulture, entry, "DIFF-LINUX-900"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.Contain("not documented"));
            File.WriteAllText(f, "deviations:\n  - id: DIFF-LINUX-900\n    profile: reference-lab\n    rfc: x\n    quote: x\n    observed: x\n    test_purposes: TP-X\n"
                + string.Format(System.Globalization.CultureInfo.InvariantCulture, entry, "DIFF-LINUX-900"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:7").And.Contain("known_deviations"));
            File.WriteAllText(f, "deviations:\n  - id: DEV-NOSUCH-901\n    profile: reference-lab\n    rfc: x\n    quote: x\n    observed: x\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, entry, "DEV-NOSUCH-901"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:2").And.Contain("DIFF-"));
            File.WriteAllText(f, "deviations:\n  - id: DIFF-LINUX-900\n    profile: reference-lab\n    rfc: x\n    quote: x\n    observed: x\n    test_purposes: none\n"
                + string.Format(System.Globalization.CultureInfo.InvariantCulture, entry, "DIFF-LINUX-900"));
            var ok = ExplanationsFile.Load(f);
            Assert.That(ExplanationsFile.Check(ok, StimulusGeneratorTests.Lab()), Is.Empty, "a documented deviation needs no known_deviations entry");
            Assert.That(ok.Single().AppliesTo(StimulusGeneratorTests.Lab()), Is.True);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void TheLocatorConfigurationDifferenceExplainsOnlyTheLocatorRowsOfTheLabAgainstTheNode()
    {
        var lab = StimulusGeneratorTests.Lab();
        var node = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"));
        string? By(DifferenceClass c, Profile a, Profile b) =>
            Shipped.Value.FirstOrDefault(e => e.AppliesTo(a, b) && e.Covers(c, c.WhatA, c.WhatB))?.Deviation
            ?? Shipped.Value.FirstOrDefault(e => e.AppliesTo(b, a) && e.Covers(c, c.WhatB, c.WhatA))?.Deviation;
        const string q = " quoting ipv6/srh/icmpv6 128", u = " quoting ipv6/udp";
        var f43 = Class("no SID", "-", "locator address, no SID,SL=1,icmpv6", "t1 ipv6/icmpv6 1/0" + q, "t1 ipv6/icmpv6 1/3" + q);
        var f44 = Class("no SID", "-", "locator address, no SID,no SRH,udp", "t1 ipv6/icmpv6 1/0" + u, "t1 ipv6/icmpv6 1/3" + u);
        Assert.That(By(f43, lab, node), Is.EqualTo("CONFIG-DIFF-001"));
        Assert.That(By(f44, lab, node), Is.EqualTo("CONFIG-DIFF-001"));
        // The node as A, Linux as B.
        Assert.That(By(f43 with { WhatA = f43.WhatB, WhatB = f43.WhatA }, node, lab), Is.EqualTo("CONFIG-DIFF-001"));
        // Not its neighbours: the codes the other way round, one DUT silent, another code, the same codes for a SID or a
        // downstream address, and a run of the lab against itself (one configuration) or against another profile.
        Assert.That(By(f43 with { WhatA = f43.WhatB, WhatB = f43.WhatA }, lab, node), Is.Null, "Linux code 3, the node code 0");
        Assert.That(By(f43 with { WhatA = "nothing" }, lab, node), Is.Null);
        Assert.That(By(f43 with { WhatB = "t1 ipv6/icmpv6 1/1" + q }, lab, node), Is.Null);
        Assert.That(By(Class("End", "end", "SL=1,icmpv6", f43.WhatA, f43.WhatB), lab, node), Is.Null);
        Assert.That(By(Class("no SID", "-", "SL=1,icmpv6", f43.WhatA, f43.WhatB), lab, node), Is.Null);
        Assert.That(By(f43, lab, lab), Is.Null);
        Assert.That(By(f43, lab, node with { Name = "some-other-node" }), Is.Null);
        // What the report says.
        var e = Shipped.Value.Single(x => x.Deviation == "CONFIG-DIFF-001");
        Assert.That(e.Describe(node, lab, "B"), Is.EqualTo("CONFIG-DIFF-001: configuration difference of reference-node (B) and reference-lab, documented in the explanations file"));
        Assert.That(e.AppliesTo(node), Is.False, "a configuration difference needs both profiles");
        Assert.That(ExplanationsFile.Check(Shipped.Value, lab, node), Is.Empty);
    }

    [Test]
    public void ConfigurationDifferencesQuoteTheRfcAndAreCheckedWithFileAndLine()
    {
        var file = Path.Combine(ProfileTestSupport.ProfilesDir, "differential", "explanations.yaml");
        var confs = ExplanationsFile.LoadConfigurationDifferences(file);
        Assert.That(confs.Select(c => c.Id), Is.EqualTo(new[] { "CONFIG-DIFF-001" }));
        foreach (var d in confs)
        {
            AssertQuotedFromRfc(d.Id, d.Rfc, d.Quote);
        }
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-expl-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var f = Path.Combine(dir, "e.yaml");
            const string conf = "configuration_differences:\n  - id: {0}\n    profiles: {1}\n    rfc: x\n    quote: x\n    observed: x\n";
            const string entry = "explanations:\n  - configuration_difference: CONFIG-DIFF-900\n    profile: {0}\n    behavior: x\n    stimulus: x\n    deviating: x\n    why: y\n";
            string F(string a, params object[] b) => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, b);
            File.WriteAllText(f, F(entry, "reference-lab"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:2").And.Contain("not documented"));
            File.WriteAllText(f, F(conf, "CONF-900", "reference-lab, reference-node") + F(entry, "reference-lab"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:2").And.Contain("CONFIG-DIFF-NNN"));
            File.WriteAllText(f, F(conf, "CONFIG-DIFF-900", "reference-lab") + F(entry, "reference-lab"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:3").And.Contain("profiles"));
            File.WriteAllText(f, F(conf, "CONFIG-DIFF-900", "reference-lab, reference-node") + F(entry, "some-other"));
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:9").And.Contain("not some-other"));
            File.WriteAllText(f, F(conf, "CONFIG-DIFF-900", "reference-lab, reference-node") + F(entry, "reference-lab") + "    deviation: DEV-LINUX-001\n");
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:8").And.Contain("not both"));
            File.WriteAllText(f, F(conf, "CONFIG-DIFF-900", "reference-lab, reference-node") + F(entry, "reference-lab"));
            Assert.That(ExplanationsFile.Load(f).Single().Configuration!.Profiles, Is.EqualTo(new[] { "reference-lab", "reference-node" }));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The quote is the published RFC's text (whitespace folded, page breaks removed; "[…]" separates excerpts).</summary>
    private static void AssertQuotedFromRfc(string id, string rfcReference, string quote)
    {
        var rfc = System.Text.RegularExpressions.Regex.Match(rfcReference, @"^RFC (\d+)").Groups[1].Value;
        var text = Fold(System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(Path.Combine(ProfileTestSupport.ProfilesDir, "..", "docs", "rfc", $"rfc{rfc}.txt")),
            @"\n[^\n]*\[Page \d+\]\n\f?\n?RFC [^\n]*\n", "\n"));
        foreach (var part in quote.Split("[…]").Select(Fold).Where(x => x.Length > 0))
            Assert.That(text, Does.Contain(part), $"{id}: quote from RFC {rfc}");
    }

    private static string Fold(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"\s+", " ").Trim();

    [Test]
    public void BadExplanationsNameFileAndLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-expl-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var f = Path.Combine(dir, "e.yaml");
            File.WriteAllText(f, "explanations:\n  - deviation: DEV-LINUX-001\n    profile: reference-lab\n    behavior: End\n    stimulus: '(('\n    deviating: x\n    why: y\n");
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:5").And.Contain("stimulus"));
            File.WriteAllText(f, "explanations:\n  - deviation: DEV-NOSUCH-999\n    profile: reference-lab\n    behavior: End\n    stimulus: x\n    deviating: x\n    why: y\n");
            Assert.That(ExplanationsFile.Check(ExplanationsFile.Load(f), StimulusGeneratorTests.Lab()).Single(), Does.StartWith($"{f}:2").And.Contain("DEV-NOSUCH-999"));
            File.WriteAllText(f, "explanations:\n  - deviation: DEV-LINUX-001\n    colour: red\n");
            Assert.That(Assert.Throws<ExplanationsException>(() => ExplanationsFile.Load(f))!.Message, Does.StartWith($"{f}:3").And.Contain("colour"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
