using System.Net;
using Conformance.Cases.Drafts;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.ReferenceNode.Dataplane;
using Conformance.Harness.Tests.ReferenceNode.Management;
using Conformance.Harness.Verdicts;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using NodeCli = Conformance.ReferenceNode.Cli.CliSession;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// The policy-selector purposes (TP-PSEL-BV-01..04, draft-yang-srv6ops-policy-selector-01) offline: profiles/reference-node.yaml's
/// selector rendered by the refnode pack, parsed by the node's configuration language, run through the node's engine in
/// process, and judged with the same SelectorJudge / read-back as the live cases — a conforming selector passes, a faulted
/// one fails. The Linux reference profile does not claim policy_selector, so these are its purposes' offline proofs.
/// </summary>
public class SelectorConformingReceptionTests
{
    private static Profile NodeProfile => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"));
    private static PolicySelectorParameters Selector => NodeProfile.Parameters.PolicySelector!;
    private static PlatformPack Pack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));

    /// <summary>The selector's configuration lines as the refnode pack renders them (what the live lab types into the node).</summary>
    internal static string Rendered(IntentPolicySelector? change = null)
    {
        var intent = IntentBuilder.Build(NodeProfile);
        if (change is not null) intent = intent with { PolicySelector = change };
        var r = PackRenderer.Render(Pack, intent, _ => "x");
        return string.Join('\n', r.Items.Where(i => i.Item.StartsWith("policy selector", StringComparison.Ordinal)).SelectMany(i => i.Lines));
    }

    private static RefNode Node(string selectorText, params DebugFault[] faults)
    {
        var selectors = ConfigEditor.Parse(selectorText, new SecretBox()).Srv6.Selectors;
        var b = RefNode.BaseConfig();
        var config = b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("2001:db8:b::/48"), RefNode.N2, "t2")],
            Srv6 = b.Srv6 with { Selectors = selectors },
            DebugFaults = new HashSet<DebugFault>(faults),
        };
        return new RefNode(config);
    }

    private static SelectorFlow Flow(int id, IPAddress src, IPAddress dst, int dscp, int port, uint label, bool steered = true)
    {
        var (cls, best, _) = PolicySelectorCases.Expect(Selector, src, dscp, port, label);
        return new SelectorFlow(30000 + id, src, dst, dscp, port, label, 2, steered ? best : new HashSet<string>(), $"class {cls}");
    }

    private static SelectorJudgement Run(RefNode n, IReadOnlyList<SelectorFlow> flows)
    {
        var received = new List<(string, byte[])>();
        foreach (var f in flows)
            for (var i = 0; i < f.Packets; i++)
                received.AddRange(n.Exchange("t1", RefNode.Into("t1").Ipv6(f.Source, f.Destination, 64, (byte)(f.Dscp << 2), f.FlowLabel)
                    .Udp((ushort)f.Id, (ushort)f.DestinationPort, [(byte)i]).Build()));
        return SelectorJudge.Judge(flows, SelectorJudge.Observe(received, Selector.Constituents));
    }

    /// <summary>The classification flows of TP-PSEL-BV-01 in small: one per class, the source-prefix probes, unclassified, outside the steered prefix.</summary>
    private static List<SelectorFlow> ClassificationFlows()
    {
        IPAddress a = IPAddress.Parse("2001:db8:0:1::2"), dst = IPAddress.Parse("2001:db8:e:10::1"), last = IPAddress.Parse("2001:db8:e:10:ffff:ffff:ffff:ffff");
        return
        [
            Flow(0, a, dst, 46, 9, 0), Flow(1, a, last, 46, 9, 0),                                      // conference
            Flow(2, a, dst, 0, 8443, 0),                                                                 // crm
            Flow(3, IPAddress.Parse("2001:db8:a:1::"), dst, 0, 9, 0),                                    // branch, first source
            Flow(4, IPAddress.Parse("2001:db8:a:1:ffff:ffff:ffff:ffff"), dst, 0, 9, 0),                  // branch, last source
            Flow(5, IPAddress.Parse("2001:db8:a:2::"), dst, 0, 9, 0),                                    // just above: unclassified
            Flow(6, IPAddress.Parse("2001:db8:a:0:ffff:ffff:ffff:ffff"), dst, 0, 9, 0),                  // just below: unclassified
            Flow(7, a, dst, 0, 9, 0x54321),                                                              // labelled
            Flow(8, a, dst, 0, 9, 0),                                                                    // unclassified
            Flow(9, a, IPAddress.Parse("2001:db8:e:11::"), 0, 9, 0, steered: false),                     // outside the steered prefix
        ];
    }

    /// <summary>
    /// TP-PSEL-BV-09 offline: crm (best constituent path2, remaining-bandwidth threshold 1 Mbit/s) at half the threshold for
    /// 1 s, then at twice it for 1.5 s, 1000-byte packets on a driven clock: below, everything on path2; above, the excess on
    /// path1 (the case's expectation 43.3 %); with selector-threshold-ignored nothing overflows.
    /// </summary>
    [Test]
    public void TrafficAboveTheGuaranteedBandwidthOverflows()
    {
        Assert.That(Selector.Constituent("path2").Thresholds.RemainingBandwidthMbps, Is.EqualTo(1));
        (int Low, int High, int HighOnPath1, int Other) Burst(RefNode n)
        {
            var (low, high, over, other) = (0, 0, 0, 0);
            var t = 0.0;
            void One(int sport, bool above)
            {
                n.NowMs = (long)t;
                var pkt = RefNode.Into("t1").Ipv6(IPAddress.Parse("2001:db8:0:1::2"), IPAddress.Parse("2001:db8:e:10::1"), 64, 0, 0)
                    .Udp((ushort)sport, 8443, new byte[1000 - 48]).Build();
                foreach (var o in SelectorJudge.Observe(n.Exchange("t1", pkt), Selector.Constituents))
                {
                    if (!above) { low++; if (o.Constituent != "path2") other++; }
                    else { high++; if (o.Constituent == "path1") over++; else if (o.Constituent != "path2") other++; }
                }
            }
            for (var i = 0; i < 62; i++, t += 16) One(33000 + i % 4, false);
            for (var i = 0; i < 375; i++, t += 4) One(33100 + i % 4, true);
            return (low, high, over, other);
        }
        var right = Burst(Node(Rendered()));
        Assert.That((right.Low, right.High, right.Other), Is.EqualTo((62, 375, 0)));
        Assert.That(right.HighOnPath1 / 375.0, Is.EqualTo(0.433).Within(0.03), $"overflow {right.HighOnPath1}/375");
        var faulted = Burst(Node(Rendered(), DebugFault.SelectorThresholdIgnored));
        Assert.That(faulted.HighOnPath1, Is.Zero);
        var n = Node(Rendered());
        Burst(n);
        // What show srv6 policy-selector prints per constituent: path2 sent about its 1 Mbit/s in the last full second, the rest overflowed.
        var rates = n.Engine.SelectorRates().ToDictionary(r => r.Constituent);
        Assert.That(rates["path2"].Overflowed, Is.EqualTo(right.HighOnPath1));
        Assert.That(rates["path2"].RateKbps, Is.InRange(900, 1210)); // the guaranteed 1 Mbit/s, plus at most the bucket depth (200 ms of it)
        Assert.That(rates["path1"].Bytes, Is.EqualTo(right.HighOnPath1 * 1000L));
    }

    [Test]
    public void TheExpectationFollowsTheProfile()
    {
        Assert.That(PolicySelectorCases.Expect(Selector, IPAddress.Parse("2001:db8:0:1::2"), 46, 9, 0).Best, Is.EquivalentTo(new[] { "path1", "path1b" }));
        Assert.That(PolicySelectorCases.Expect(Selector, IPAddress.Parse("2001:db8:0:1::2"), 0, 8443, 0).Best, Is.EquivalentTo(new[] { "path2" }));
        Assert.That(PolicySelectorCases.Expect(Selector, IPAddress.Parse("2001:db8:a:1::5"), 0, 9, 0).Best, Is.EquivalentTo(new[] { "path1b" }));
        Assert.That(PolicySelectorCases.Expect(Selector, IPAddress.Parse("2001:db8:0:1::2"), 0, 9, 0x54321).Best, Is.EquivalentTo(new[] { "path1" }));
        var u = PolicySelectorCases.Expect(Selector, IPAddress.Parse("2001:db8:0:1::2"), 0, 9, 0);
        Assert.That((u.Class, string.Join(",", u.Best)), Is.EqualTo(("unclassified", "backup")));
    }

    [Test]
    public void AConformingSelectorPassesAndAWrongOneFails()
    {
        var flows = ClassificationFlows();
        var right = Run(Node(Rendered()), flows);
        Assert.That(right.Problems, Is.Empty);
        // Misconfigured as NodeSelectorMisconfigured does it: crm's port one higher, branch's prefix two bits longer.
        var wrongConfig = Harness.Lab.LabFaultMode.NodeSelectorMisconfigured.Transform(IntentBuilder.Build(NodeProfile)).PolicySelector;
        var wrong = Run(Node(Rendered(wrongConfig)), flows);
        Assert.That(wrong.Problems, Has.Some.Contains("flow 30002").And.Some.Contains("flow 30004"), string.Join('\n', wrong.Problems));
        // Priorities ignored: crm, branch and labelled flows spread over lower priorities (with 16 flows each at least one does).
        var many = Enumerable.Range(0, 16).Select(i => Flow(100 + i, IPAddress.Parse("2001:db8:0:1::2"), IPAddress.Parse("2001:db8:e:10::1"), 0, 8443, 0)).ToList();
        Assert.That(Run(Node(Rendered()), many).Problems, Is.Empty);
        Assert.That(Run(Node(Rendered(), DebugFault.SelectorPriorityIgnored), many).Problems, Is.Not.Empty);
        // A flow that leaves with a segment list of no constituent, or split over two, fails.
        var seen = new List<SelectorObservation> { new("t2", 30000, [IPAddress.Parse("2001:db8::1")], null), new("t2", 30000, [IPAddress.Parse("2001:db8::1")], null) };
        Assert.That(SelectorJudge.Judge([flows[0]], seen).Problems, Has.Some.Contains("no constituent"));
        var split = new List<SelectorObservation> { new("t2", 30000, [], "path1"), new("t2", 30000, [], "path1b") };
        Assert.That(SelectorJudge.Judge([flows[0]], split).Problems, Has.Some.Contains("split over"));
    }

    [Test]
    public void TheWeightedSplitIsJudgedAgainstTheWeights()
    {
        var flows = Enumerable.Range(0, 200).Select(i => Flow(i, IPAddress.Parse("2001:db8:0:1::2"), IPAddress.Parse("2001:db8:e:10::1"), 46, 9, 0)).ToList();
        var weights = new Dictionary<string, int> { ["path1"] = 3, ["path1b"] = 1 };
        var right = Run(Node(Rendered()), flows);
        var rightSplit = SelectorJudge.Split(weights, right.CarriedBy);
        TestContext.Out.WriteLine("weights 3:1, 200 flows: " + string.Join("; ", rightSplit));
        Assert.That(right.Problems, Is.Empty);
        Assert.That(rightSplit.All(s => s.Within), Is.True, string.Join("; ", rightSplit));
        var wrong = Run(Node(Rendered(), DebugFault.SelectorWeightsIgnored), flows);
        var wrongSplit = SelectorJudge.Split(weights, wrong.CarriedBy);
        TestContext.Out.WriteLine("weights ignored, 200 flows: " + string.Join("; ", wrongSplit));
        Assert.That(wrongSplit.Any(s => !s.Within), Is.True, string.Join("; ", wrongSplit));
    }

    [Test]
    public void TheReadBackIsComparedWithTheProfile()
    {
        var verb = Pack.Verb(DutVerbs.PolicySelectorState);
        string Show(string text)
        {
            var (node, _, _) = TestNode.Start();
            var cli = new NodeCli(node);
            cli.Execute("configure");
            foreach (var line in text.Split('\n')) Assert.That(cli.Execute(line), Is.Empty, line);
            Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
            cli.Execute("end");
            return cli.Execute(verb.Command!);
        }
        var output = Show(Rendered());
        TestContext.Out.WriteLine(output);
        Assert.That(PolicySelectorCases.ReadBack(Selector, output, verb.Patterns["pattern"], verb.Patterns["class"]), Is.Empty, output);
        var wrongConfig = Harness.Lab.LabFaultMode.NodeSelectorMisconfigured.Transform(IntentBuilder.Build(NodeProfile)).PolicySelector;
        var wrong = PolicySelectorCases.ReadBack(Selector, Show(Rendered(wrongConfig)), verb.Patterns["pattern"], verb.Patterns["class"]);
        Assert.That(wrong, Has.Some.Contains("path1b: priority 3"));
    }

    [Test]
    public void TheRunningConfigRoundTrips()
    {
        var parsed = ConfigEditor.Parse(Rendered(), new SecretBox());
        var printed = ConfigPrinter.Print(parsed, new SecretBox());
        Assert.That(ConfigPrinter.Print(ConfigEditor.Parse(printed, new SecretBox()), new SecretBox()), Is.EqualTo(printed));
        var s = parsed.Srv6.Selectors.Single();
        Assert.That(s.Constituents.Select(c => (c.Name, c.Priority, c.Weight)), Is.EqualTo(Selector.Constituents.Select(c => (c.Name, (int?)c.Priority, c.Weight))));
        Assert.That(printed, Does.Contain("   threshold delay-ms 1000").And.Contain("   wait-to-restore 3").And.Contain("   match flow-label 344865"));
    }
}
