using System.Net;
using Conformance.Cases.Drafts;
using Conformance.Harness.Packets;
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
/// TP-PSEL-BV-05..08 offline (the Linux reference profile does not claim policy_selector): the refnode pack's selector
/// with the loopback measurement runs in the node's engine on a driven clock; the tester's reflector (the live cases' own)
/// returns the probes, a seeded 80 % loss takes the impaired constituent's packets off the link, and the taps' view is
/// judged with SwitchTimeline as the live cases judge it — a conforming node switches away and back after its
/// wait-to-restore, a faulted one (no wait-to-restore, thresholds ignored) does not.
/// </summary>
public class SwitchTimelineTests
{
    private static Profile NodeProfile => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-node.yaml"));
    private static PlatformPack Pack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));
    private static readonly IPAddress Return = RefNode.Sid("1");

    internal static RefNode Node(params DebugFault[] faults)
    {
        var sel = NodeProfile.Parameters.PolicySelector!;
        var on = PackRenderer.SelectorMeasurementItem(Pack, sel.Parent, sel.Measurement! with { ReturnSid = Return }, on: true);
        var selectors = ConfigEditor.Parse(SelectorConformingReceptionTests.Rendered() + "\n" + string.Join('\n', on.Lines), new SecretBox()).Srv6.Selectors;
        var b = RefNode.BaseConfig();
        return new RefNode(b with
        {
            Routes = [.. b.Routes, new RouteConfig("main", IPNetwork.Parse("2001:db8:b::/48"), RefNode.N2, "t2")],
            Srv6 = b.Srv6 with { Selectors = selectors },
            DebugFaults = new HashSet<DebugFault>(faults),
        });
    }

    /// <summary>
    /// 50 ms steps of simulated time for <paramref name="seconds"/>: the engine's timers, 10 packets of the branch class
    /// (path1b first, path2 second) per step, every frame out of t2 seen by the taps unless the loss takes it (seeded);
    /// probes reflected back into t2. Loss on path1b's packets (last segment 2001:db8:f:3::1) in the spans given.
    /// </summary>
    internal static List<TimedCarry> Simulate(RefNode n, double seconds, IReadOnlyList<(double On, double Off)> loss)
    {
        var sel = NodeProfile.Parameters.PolicySelector!;
        var reflect = PolicySelectorSwitchCases.Reflector(new System.Net.NetworkInformation.PhysicalAddress(RefNode.MacN2), Return);
        var f3 = IPAddress.Parse("2001:db8:f:3::1").GetAddressBytes();
        var rnd = new Random(20261203);
        var t0 = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);
        var seen = new List<TimedCarry>();
        var queue = new List<byte[]>();
        for (var step = 0; step * 0.05 < seconds; step++)
        {
            var now = step * 0.05;
            n.NowMs = step * 50L;
            var lossy = loss.Any(l => now >= l.On && now < l.Off);
            n.Sink.Clear();
            n.Engine.Tick(n.Sink);
            foreach (var q in queue) n.Send("t2", q);
            queue.Clear();
            for (var i = 0; i < 10; i++)
                n.Send("t1", RefNode.Into("t1").Ipv6(IPAddress.Parse("2001:db8:a:1::5"), IPAddress.Parse("2001:db8:e:10::1"), 64, 0, 0)
                    .Udp((ushort)(31000 + i % 4), 9, [(byte)i]).Build());
            foreach (var (ifc, frame) in n.Sink.Frames.ToList())
            {
                if (ifc != "t2") continue;
                var onF3 = Enumerable.Range(0, 4).Any(k => frame.Length >= 62 + 16 * (k + 1) && frame.AsSpan(62 + 16 * k, 16).SequenceEqual(f3));
                if (lossy && onF3 && rnd.Next(100) < 80) continue;
                if (reflect(frame) is { } back) { queue.Add(back); continue; }
                foreach (var o in SelectorJudge.Observe([(ifc, frame)], sel.Constituents))
                    seen.Add(new TimedCarry(t0.AddSeconds(now), o.Constituent));
            }
        }
        return seen;
    }

    [Test]
    public void SwitchesAreReadFromTheCarryingConstituent()
    {
        var t = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);
        var sw = SwitchTimeline.Switches([new(t, "a"), new(t.AddSeconds(1), "a"), new(t.AddSeconds(2), "b"), new(t.AddSeconds(3), null), new(t.AddSeconds(4), "a")]);
        Assert.That(sw.Select(s => (s.From, s.To, (s.At - t).TotalSeconds)), Is.EqualTo(new[] { ("a", "b", 2.0), ("b", "a", 4.0) }));

        // The conforming node: away within the detection bound after the loss starts (1 s), back no earlier than the
        // wait-to-restore (3 s) after it ends (2.5 s), and no later than wait-to-restore + 2.3 s.
        var t0 = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);
        var right = SwitchTimeline.Switches(Simulate(Node(), 9, [(1.0, 2.5)]));
        TestContext.Out.WriteLine("conforming: " + string.Join(", ", right.Select(s => $"{s.From}→{s.To} at {(s.At - t0).TotalSeconds:0.00} s")));
        Assert.That(right, Has.Count.EqualTo(2));
        Assert.That((right[0].From, right[0].To), Is.EqualTo(("path1b", "path2")));
        Assert.That((right[0].At - t0).TotalSeconds, Is.InRange(1.0, 1.0 + 2.3));
        Assert.That((right[1].At - t0).TotalSeconds - 2.5, Is.InRange(3.0, 3.0 + 2.3));

        // No wait-to-restore: back before 3 s. Loss toggled faster than the timer: flaps.
        var noWtr = SwitchTimeline.Switches(Simulate(Node(DebugFault.SelectorNoWaitToRestore), 9, [(1.0, 2.5)]));
        Assert.That(noWtr, Has.Count.EqualTo(2));
        Assert.That((noWtr[1].At - t0).TotalSeconds - 2.5, Is.LessThan(3.0));
        var toggled = new[] { (1.0, 1.6), (3.6, 4.2), (6.2, 6.8) };
        Assert.That(SwitchTimeline.Switches(Simulate(Node(), 13.5, toggled)), Has.Count.EqualTo(2));
        Assert.That(SwitchTimeline.Switches(Simulate(Node(DebugFault.SelectorNoWaitToRestore), 13.5, toggled)), Has.Count.GreaterThan(2));

        // Thresholds ignored: never leaves path1b.
        Assert.That(SwitchTimeline.Switches(Simulate(Node(DebugFault.SelectorThresholdIgnored), 4, [(1.0, 3.5)])), Is.Empty);

        // The chart: one line per constituent, the impairment, the markers.
        var svg = SwitchTimeline.Svg("t", Simulate(Node(), 4, [(1.0, 3.5)]), t0, t0.AddSeconds(4), [new(t0.AddSeconds(1), t0.AddSeconds(3.5), 80)], [(t0.AddSeconds(1.5), "switch")], ["path1b", "path2"]);
        Assert.That(svg, Does.StartWith("<svg").And.Contain("loss 80%").And.Contain("path1b (").And.Contain("path2 (").And.Contain(">switch<"));
    }

    [Test]
    public void TheReportedMeasurementIsReadWithThePacksPatterns()
    {
        var verb = Pack.Verb(DutVerbs.PolicySelectorState);
        // The node's real engine (the management tests' fake one measures nothing).
        var node = new Conformance.ReferenceNode.Cli.NodeState(new Conformance.ReferenceNode.Dataplane.ForwardingEngine(), new NullSink(), () => TestNode.Ports,
            new Conformance.ReferenceNode.Cli.NodeIdentity("0.1.0", "RNTEST00001"), log: _ => { });
        node.Commit(ConfigEditor.Parse(TestNode.Startup, node.Secrets), "startup", "startup configuration");
        var cli = new NodeCli(node);
        var sel = NodeProfile.Parameters.PolicySelector!;
        cli.Execute("configure");
        foreach (var line in (SelectorConformingReceptionTests.Rendered() + "\n" + string.Join('\n', PackRenderer.SelectorMeasurementItem(Pack, sel.Parent, sel.Measurement!, true).Lines)).Split('\n'))
            Assert.That(cli.Execute(line), Is.Empty, line);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
        cli.Execute("end");
        node.Engine.Tick(new RecordingSink()); // the first probes: every constituent has a measurement state
        var output = cli.Execute(verb.Command!);
        TestContext.Out.WriteLine(output);
        var m = verb.Patterns["measurement"].Match(output);
        Assert.That((m.Groups["method"].Value, m.Groups["interval"].Value), Is.EqualTo(("loopback", "100")));
        Assert.That(verb.Patterns["measured"].Matches(output).Select(x => x.Groups["name"].Value), Is.EquivalentTo(sel.Constituents.Select(c => c.Name)));
        // Switched off: "measurement none", no measured rows.
        cli.Execute("configure");
        foreach (var line in PackRenderer.SelectorMeasurementItem(Pack, sel.Parent, sel.Measurement!, false).Lines) Assert.That(cli.Execute(line), Is.Empty, line);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
        cli.Execute("end");
        var off = cli.Execute(verb.Command!);
        Assert.That(verb.Patterns["measurement"].IsMatch(off), Is.False, off);
        Assert.That(off, Does.Contain("measurement none"));
    }
}
