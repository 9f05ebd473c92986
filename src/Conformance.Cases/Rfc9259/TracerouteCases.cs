using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Intent;
using Conformance.Harness.Oam;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>
/// RFC 9259 §2.2, illustrated in Appendix A.2.1 / A.2.2: traceroute through and to a SID with UDP probes (destination
/// ports from the IANA "traceroute use" range 33434+); the ICMPv6 errors are RFC 4443's.
/// </summary>
[TestFixture, Category("OAM"), Category("Traceroute")]
public sealed class TracerouteCases : ConformanceCase
{
    private const int Probes = 10;
    private const ushort SourcePort = 49152;
    private const ushort TracerouteBase = 33434;

    [Test]
    [NegativeControl("NoIcmpErrors", Why = "the DUT's Time Exceeded errors are dropped")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect hop-limit-not-decremented: a transit packet with hop limit 1 is forwarded, no Time Exceeded")]
    [TestPurpose(Id = "TP-TRACE-BV-01", Requires = new[] { "oam.traceroute_to_sid", "icmp_errors.time_exceeded" }, Feature = "Traceroute",
        Title = "A transit hop answers a hop-limited traceroute probe with Time Exceeded quoting the probe (SRH included) and forwards probes with more hops",
        Requirements = new[] { "RFC4443-3.3-TIME-EXCEEDED", "RFC4443-2.4-ERROR-INCLUDES-INVOKING-PACKET", "RFC8200-3-HOP-LIMIT", "RFC9259-A.2.2-TRACE-TRANSIT-HOP", "RFC9259-A.2.1-SRH-IN-TIME-EXCEEDED" },
        Stimulus = "10 × (A,N2)(D,N2;SL=1) UDP A:49152+i → 33434+i with hop limit 1, interleaved with 10 such probes with hop limit 2, into t1 (N2 = a SID of the downstream node behind t2: the DUT is a transit hop, the DA is not a local SID)",
        Expected = "for each hop-limit-1 probe one ICMPv6 Time Exceeded code 0 to A out of t1 from a DUT address (RFC 9259 Appendix A.2.1: e.g. the address of the interface the probe came in on), quoting the probe as received (SRH included, Appendix A.2.1); each hop-limit-2 probe forwarded unchanged but for hop limit 1 out of t2; nothing else")]
    public async Task TransitHopAnswersTimeExceeded()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2");
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        for (int i = 0; i < 2 * Probes; i++)
        {
            byte hops = (byte)(i % 2 == 0 ? 1 : 2);
            var probe = Into("t1").Ipv6(a, n2, hops).Srh([d, n2], 1).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build();
            stimuli.Add(probe);
            expected.Add(hops == 1
                ? Icmp.Error(OutOf("t1"), "t1", probe, PortSpec("t1").DutIpv6, 3, 0, 0, $"Time Exceeded for probe {i} (hop limit 1)")
                : new ExpectedPacket("t2", OutOf("t2").Ipv6(a, n2, 1).Srh([d, n2], 1).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build(),
                    $"probe {i} (hop limit 2) forwarded", []));
        }
        var j = await ExchangeAsync("t1", stimuli, expected);
        // Only the errors (back out of t1) come from the DUT; the forwarded probes keep A as their source.
        EndCases.CheckErrorSources(j with { Matched = j.Matched.Where(m => m.Expected.Port == "t1").ToList() });
        Verdict(j, "A transit hop did not answer hop-limit-1 traceroute probes with Time Exceeded (code 0) quoting the probe, or did not forward the others.");
    }

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the target SID is not programmed: no route instead of Port Unreachable (plain lab: DEV-LINUX-051)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the target SID is not instantiated: the probe is routed on, no Port Unreachable")]
    [TestPurpose(Id = "TP-TRACE-BV-02", Requires = new[] { "End", "oam.traceroute_to_sid" }, Feature = "Traceroute",
        Title = "A traceroute probe to a locally instantiated SID (last segment, SL=0) is answered with Destination Unreachable, Port Unreachable",
        Requirements = new[] { "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC9259-2.2-OAM-TO-TARGET-SID", "RFC9259-A.2.2-TRACE-SID-PORT-UNREACHABLE", "RFC4443-3.1-PORT-UNREACHABLE", "RFC4443-2.4-ERROR-INCLUDES-INVOKING-PACKET", "RFC8200-3-HOP-LIMIT" },
        Stimulus = "10 × (A,S)(S,N2;SL=0) UDP A:49152+i → 33434+i into t1, hop limit alternately 1 (the last probe of a traceroute arrives with one hop left) and 64 (S = the End SID, the target; N2 = the via SID already executed upstream)",
        Expected = "10 × ICMPv6 Destination Unreachable code 4 (Port Unreachable) to A out of t1 from a DUT address, quoting the probe as received; no Time Exceeded (the target does not forward: RFC 8986 §4.1 S02-S03 hands the upper layer over at SL=0 before the hop-limit check of S05); nothing else")]
    public async Task TargetSidAnswersPortUnreachable()
    {
        // RFC 8986 §4.1.1 S01-S04: at SL=0 an allowed upper-layer header is processed, otherwise Parameter
        // Problem code 4. A DUT claiming oam.traceroute_to_sid allows UDP at its SIDs, so RFC 9259 Appendix A.2.2's
        // Port Unreachable is the expectation (TP-ULH-BI-01 covers the other branch). The Linux seg6local End
        // drops SL=0 packets (DEV-LINUX-001): listed as DEV-LINUX-051; EndAsLocalAddress answers.
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, (byte)(i % 2 == 0 ? 1 : 64)).Srh([s, n2], 0).Udp((ushort)(SourcePort + i), (ushort)(TracerouteBase + i), ProbeData(i)).Build()).ToList();
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, s, 1, 4, 0, $"Port Unreachable for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "A traceroute probe to a locally instantiated SID was not answered with Destination Unreachable / Port Unreachable quoting the probe.");
    }

    private const string OriginatedPrefix = "2001:db8:d:a::/64";
    private const string OriginatedTarget = "2001:db8:d:a::1";
    /// <summary>The path the tester emulates behind t2, hop by hop: N2's interface (the tunnel end: it decapsulates), two routers, the target.</summary>
    private static IReadOnlyList<IPAddress> EmulatedHops => [PortSpec("t2").TesterIpv6.Address, IPAddress.Parse("2001:db8:d:a1::1"), IPAddress.Parse("2001:db8:d:a2::1"), IPAddress.Parse(OriginatedTarget)];
    private const int QueriesPerHop = 2;
    private const int MaxHops = 6;

    /// <summary>One probe the tester saw on t2 and how it answered it as the emulated hop would.</summary>
    private sealed record Answer(Conformance.Harness.Capture.Frame Probe, byte InnerHopLimit, int Hop, IPAddress From, string Kind, byte[] Reply, TimeSpan Delay);

    [Test]
    [NegativeControl("DownstreamViaT3", Why = "the DUT's route to N2 points at t3: the traceroute probes leave by the wrong port and no hop answers")]
    [NegativeControl("IcmpErrorsToDutDropped", Why = "the probes leave right, but the DUT drops the hops' ICMPv6 errors: its traceroute prints no hop")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the route to N2 points at t3: the probes leave by the wrong port and no hop answers")]
    [TestPurpose(Id = "TP-TRACE-BV-03", Requires = new[] { "H.Encaps", DutVerbs.SrPolicy, DutVerbs.Traceroute }, Feature = "Traceroute via a segment list",
        Title = "The DUT as ingress traceroutes an address via a segment list: its probes carry an SRH with the SID list and increasing hop limits, and it reports the hops that answered",
        Requirements = new[] { "RFC9259-A.2.1-TRACE-VIA-SEGMENT-LIST" },
        Stimulus = "on the DUT (over SSH, platform verbs dut.sr_policy and dut.traceroute): a transient SR policy 2001:db8:d:a::/64 → H.Encaps segs <N2> out of t2 (the pack's H.Encaps template; Linux: ip -6 route ... encap seg6 mode encap), then the pack's traceroute of 2001:db8:d:a::1, 2 probes per hop, at most 6 hops (Linux: `traceroute6 -n -q 2 -w 1 -m 6`, UDP probes); the tester behind t2 emulates the path N2 (tunnel end, decapsulates; hop 1, answers from its t2 address) → 2001:db8:d:a1::1 → 2001:db8:d:a2::1 → T = 2001:db8:d:a::1 (hop 4): a probe whose inner hop limit h < 4 gets ICMPv6 Time Exceeded code 0 from hop h, one with h ≥ 4 Port Unreachable from T, each quoting the inner probe as that hop received it",
        Expected = "probes (P,N2)(N2;SL=0)(P',T) UDP out of t2 (P, P' DUT addresses; outer hop limit, flow label, traffic class, the UDP ports, data and checksum not compared: a veth leaves an offloaded checksum unfinished), inner hop limits non-decreasing in sending order with 2 probes for each of 1..4 (more for 5..6 only if sent before the answer from T); nothing else on any port; the DUT's traceroute prints 4 hops, each probe of hop k from the address the tester answered hop k from, hop 4 = T without annotation")]
    public async Task DutTraceroutesViaASegmentList()
    {
        IPAddress n2 = Address("N2"), target = IPAddress.Parse(OriginatedTarget);
        var hops = EmulatedHops;
        var policy = new IntentHeadend("srv6conf-traceroute", HeadendBehavior.HEncaps, IPNetwork.Parse(OriginatedPrefix), [n2], PortSpec("t2").DutInterface);
        var config = ProfileDutConfig.TransientHeadend(Profile, policy);
        var answers = new List<Answer>();
        TrafficResult result = null!;
        DutTracerouteOutcome trace = null!;
        Evidence.AttachText($"DUT configuration (transient): the SR policy {OriginatedPrefix} → segs {n2}", string.Join('\n', config.ToLines()));
        await Testbed.WithTransientConfigAsync(config, async () =>
        {
            using (Evidence.Step($"Traceroute {OriginatedTarget} from the DUT, the tester answering as the hops behind t2; capture on {string.Join(", ", Testbed.Ports.Keys)}"))
            {
                using var session = new TrafficSession(Testbed.Ports.Values);
                using var stop = new CancellationTokenSource();
                var responder = Task.Run(() => AnswerAsHops(session, n2, hops, answers, stop.Token));
                try
                {
                    trace = await PackVerbRunner.TracerouteAsync(Testbed.Pack, Testbed.RunVerbCommandAsync, target, ProfileDutConfig.Loopback(Profile), MaxHops, QueriesPerHop);
                    Evidence.AttachText("DUT traceroute output", $"$ {trace.Command}\n{trace.Output}");
                }
                finally
                {
                    stop.Cancel();
                    await responder;
                }
                result = await session.CompleteAsync(_ => true, TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
                Evidence.AttachText("Capture reconciliation", result.Reconciliation(answers.Count));
            }
        });
        AttachPcap(result.All, $"{Purpose.Id} exchange.pcapng");
        Evidence.AttachText("Received (notation)", result.Received.Count == 0 ? "nothing on any port"
            : string.Join('\n', result.Received.Select(f => $"{f.Port}: {PacketDecoder.Decode(f.Data).Notation}")));
        Evidence.AttachText("Tester's answers as the emulated hops", answers.Count == 0 ? "no probe reached the emulated hops on t2"
            : string.Join('\n', answers.Select(x => $"probe with inner hop limit {x.InnerHopLimit} → hop {x.Hop} {x.From}: {x.Kind} after {x.Delay.TotalMilliseconds:F1} ms")));
        // The tool waits 1 s per probe (-w 1): an answer the tester sent much later than the probe would be the testbed's fault.
        if (answers.FirstOrDefault(x => x.Delay > TimeSpan.FromMilliseconds(500)) is { } slow)
            throw new TestbedException($"the tester answered a probe {slow.Delay.TotalMilliseconds:F0} ms after it was captured (the DUT's traceroute waits 1 s), so a missing hop could be the testbed's.");

        var problems = new List<string>();
        // On the wire: the expected frames take what the RFC leaves to the DUT from each probe seen (sources, ports,
        // data, hop limits) and fix the rest: outer DA N2, the SRH <N2> with SL=0, the inner destination, UDP.
        var expected = new List<ExpectedPacket>();
        var innerHopLimits = new List<byte>();
        foreach (var f in result.Received.Where(f => f.Port == "t2"))
        {
            if (PacketDecoder.Decode(f.Data) is not { Ipv6: { } outer, Inner: Ipv6Layer { Packet: { Ipv6: { } inner, Inner: UdpLayer udp } } }) continue;
            if (!DutAddresses.Contains(outer.Src)) problems.Add($"outer source {outer.Src} is not an address of the DUT");
            if (!DutAddresses.Contains(inner.Src)) problems.Add($"inner source {inner.Src} is not an address of the DUT");
            innerHopLimits.Add(inner.HopLimit);
            var received = PacketDecoder.Decode(f.Data);
            foreach (var m in received.Malformations.Where(m => !m.IsNote && !(m.Layer == "inner.udp" && m.Field == "checksum")))
                problems.Add($"probe with inner hop limit {inner.HopLimit} is malformed: {m}");
            expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(outer.Src, n2, outer.HopLimit).Srh([n2], 0)
                .Encapsulate(new PacketBuilder().Ipv6(inner.Src, target, inner.HopLimit).Udp(udp.SrcPort, udp.DstPort, udp.Data)).Build(),
                $"traceroute probe, inner hop limit {inner.HopLimit}, in the SR policy", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class", "inner.ipv6.flow_label", "inner.ipv6.traffic_class",
                 // A DUT-originated UDP checksum is left to the NIC (checksum offload, CHECKSUM_PARTIAL): over the reference lab's
                 // veth nothing completes it, so the tester sees the pseudo-header sum. Not the requirement's subject; any other
                 // malformation is still reported above.
                 "inner.inner.udp.checksum", "inner.inner.udp.checksum_valid", "malformations"]));
        }
        int k = hops.Count;
        Evidence.AttachText("Probes' inner hop limits (sending order)", innerHopLimits.Count == 0 ? "no probe in the SR policy on t2" : string.Join(", ", innerHopLimits));
        if (innerHopLimits.Count == 0) problems.Add("no UDP traceroute probe encapsulated towards N2 was captured on t2");
        else
        {
            if (!innerHopLimits.Zip(innerHopLimits.Skip(1)).All(p => p.First <= p.Second))
                problems.Add($"the probes' hop limits do not increase monotonically: {string.Join(", ", innerHopLimits)}");
            var perHop = innerHopLimits.GroupBy(h => (int)h).ToDictionary(g => g.Key, g => g.Count());
            var wrong = Enumerable.Range(1, k).Where(h => perHop.GetValueOrDefault(h) != QueriesPerHop).ToList();
            if (wrong.Count > 0 || perHop.Keys.Any(h => h < 1 || h > MaxHops) || perHop.Where(p => p.Key > k).Any(p => p.Value > QueriesPerHop))
                problems.Add($"expected {QueriesPerHop} probes for each hop limit 1..{k} (at most {QueriesPerHop} for {k + 1}..{MaxHops}); got " +
                    string.Join(", ", perHop.OrderBy(p => p.Key).Select(p => $"{p.Value} × {p.Key}")));
        }
        var j = Judge.Exchange(result, expected);
        if (!j.Pass) problems.Add(j.Explain(8));

        // The DUT's own report: hop k must show the address the tester answered hop k from (per probe: the tool prints
        // every probe's answer or "*"), the last hop the target reached with Port Unreachable.
        var printed = trace.Parsed;
        Evidence.AttachText("DUT traceroute output (parsed)", string.Join('\n', printed.Hops.Select(h =>
            $"hop {h.Hop}: " + string.Join(", ", h.Probes.Select(p => p.TimedOut ? "*" : $"{p.From} {p.RttMs:F3} ms{(p.Annotation is null ? "" : " " + p.Annotation)}")))));
        if (!printed.Target.Equals(target)) problems.Add($"the DUT's traceroute traced {printed.Target}, not {target}");
        var answeredFrom = answers.GroupBy(x => (int)x.InnerHopLimit).ToDictionary(g => g.Key, g => g.Select(x => x.From).Distinct().ToList());
        for (int h = 1; h <= Math.Max(k, printed.Hops.Count); h++)
        {
            var line = printed.Hops.FirstOrDefault(x => x.Hop == h);
            var want = answeredFrom.GetValueOrDefault(h) ?? [];
            if (h > k) { if (line is not null) problems.Add($"the DUT's traceroute printed hop {h} after the target, which the tester answered at hop {k}"); continue; }
            if (line is null) { problems.Add($"the DUT's traceroute printed no hop {h} (the tester answered it from {(want.Count == 0 ? "nobody" : string.Join(", ", want))})"); continue; }
            if (want.Count == 0) problems.Add($"hop {h}: the tester answered no probe with hop limit {h}; the DUT printed {Describe(line)}");
            else if (line.Probes.Any(p => p.TimedOut || !want.Contains(p.From!)))
                problems.Add($"hop {h}: the DUT printed {Describe(line)}, the tester answered from {string.Join(", ", want)} (expected hop {h}: {hops[h - 1]})");
            if (line.Probes.Any(p => p.Annotation is not null)) problems.Add($"hop {h}: the DUT printed an annotation ({Describe(line)}) for a Time Exceeded or Port Unreachable");
        }
        if (!printed.Reached) problems.Add($"the DUT's traceroute does not report reaching {target}");
        if (problems.Count > 0)
            Fail("The DUT's traceroute via a segment list did not send SRH probes with increasing hop limits or did not report the hops that answered:\n" + string.Join('\n', problems.Distinct()));
    }

    private static string Describe(PrintedHop h) => string.Join(" ", h.Probes.Select(p => p.TimedOut ? "*" : $"{p.From}{(p.Annotation is null ? "" : " " + p.Annotation)}"));

    /// <summary>
    /// The tester as the network behind t2 while the DUT's traceroute runs: every probe encapsulated to N2 (the SRv6 tunnel end
    /// the tester emulates) is answered as the hop its inner hop limit expires at would: hop h &lt; the last with Time Exceeded
    /// (code 0), the target with Port Unreachable, each quoting the inner packet as that hop received it and sent back on t2
    /// to the probe's source. Anything else (not to N2, no SRH, not IPv6 inside) is not for the emulated path: no answer.
    /// </summary>
    private static async Task AnswerAsHops(TrafficSession session, IPAddress n2, IReadOnlyList<IPAddress> hops, List<Answer> answers, CancellationToken stop)
    {
        int seen = 0;
        while (true)
        {
            var got = session.ReceivedSoFar("t2");
            for (; seen < got.Count; seen++)
            {
                var f = got[seen];
                var d = PacketDecoder.Decode(f.Data);
                if (d is not { Ipv6: { } outer, Srh: not null, Inner: Ipv6Layer { Packet: { Ipv6: { } inner } innerPacket } } || !outer.Dst.Equals(n2)) continue;
                var invoking = f.Data.AsSpan(innerPacket.Offset, Math.Min(innerPacket.Length, f.Data.Length - innerPacket.Offset)).ToArray();
                byte hl = inner.HopLimit;
                int hop = Math.Clamp((int)hl, 1, hops.Count);
                bool last = hop == hops.Count;
                if (last && innerPacket.Inner is not UdpLayer) continue;
                invoking[7] = (byte)Math.Max(hl - (hop - 1), 0); // the hop limit as hop `hop` received it
                var quoted = invoking.AsSpan(0, Math.Min(invoking.Length, Icmp.MaxQuoted));
                var body = new byte[4 + quoted.Length];
                quoted.CopyTo(body.AsSpan(4));
                var (type, code, kind) = last ? ((byte)1, (byte)4, "Port Unreachable") : ((byte)3, (byte)0, "Time Exceeded");
                var reply = Into("t2").Ipv6(hops[hop - 1], inner.Src, (byte)(64 - (hop - 1))).Payload(new PacketPayload.Icmpv6(type, code, body)).Build();
                session.Send("t2", [reply], $"hop {hop} {kind}");
                answers.Add(new Answer(f, hl, hop, hops[hop - 1], kind, reply, DateTime.UtcNow - f.TimestampUtc));
            }
            if (stop.IsCancellationRequested) return;
            try { await Task.Delay(5, stop); } catch (OperationCanceledException) { }
        }
    }
}
