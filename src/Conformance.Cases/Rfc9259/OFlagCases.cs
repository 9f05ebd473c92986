using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Dut;
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
/// RFC 9259 §2.1 / §2.1.1: the O-flag (SRH Flags bit 2, mask 0x20) and its processing (S01.1).
/// The export is observed on the profile's collector port (parameters.o_flag.collector_port): the
/// expected export is the packet as received by the SID (its hop limit is not compared — the RFC
/// does not define the export's format, and the reference lab's nf_dup decrements it).
/// </summary>
[TestFixture, Category("OAM"), Category("O-flag")]
public sealed class OFlagCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    private static string Collector => Profile.Parameters.OFlag?.CollectorPort
        ?? throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.o_flag.collector_port.");

    private static bool ClaimsOFlag => Profile.Claims("oam.o_flag_processing");

    /// <summary>The export of one received packet on the collector port: the packet as the SID received it.</summary>
    private static ExpectedPacket Export(byte[] stimulusFrame, string what) =>
        new(Collector, [.. TesterMac(Collector).GetAddressBytes(), .. DutMac(Collector).GetAddressBytes(), .. stimulusFrame.AsSpan(12)],
            $"O-flag export of {what}", ["ipv6.hop_limit"]);

    /// <summary>
    /// Waits until a token-bucket punt limiter has refilled (burst / rate seconds), so that a case
    /// expecting up to `burst` exports is not judged on a bucket an earlier case drained.
    /// </summary>
    private static Task RefillAsync()
    {
        var o = Profile.Parameters.OFlag;
        if (o is null || o.RatePerSecond <= 0 || !Profile.Claims("oam.o_flag_rate_limit")) return Task.CompletedTask;
        return Task.Delay(TimeSpan.FromSeconds((double)Math.Max(o.Burst, Probes) / o.RatePerSecond + 0.3));
    }

    [Test]
    [NegativeControl("OFlagCleared", Why = "the forwarded data packet loses its O-flag")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect o-flag-cleared-on-forward: the forwarded data packet loses its O-flag")]
    [TestPurpose(Id = "TP-OFLAG-BV-01", Requires = new[] { "End" }, Feature = "O-flag",
        Title = "A packet with the O-flag is forwarded exactly like one without it, the flag unchanged",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED", "RFC9259-2.1.1-OFLAG-OPTIONAL-IGNORED", "RFC9259-2.1.1-S01.1-COPY-TO-OAM" },
        Stimulus = "10 × (A,S)(D,S;SL=1) and 10 × (A,S)(D,S;SL=1;O-flag) ICMPv6 echo requests, interleaved, into t1 (S = the End SID)",
        Expected = "20 × (A,D)(D,S;SL=0) out of t2, hop limit 63, Flags as sent (O-flag still set where it was), nothing else changed; if the profile claims oam.o_flag_processing, also one export of each O-flag packet on the collector port; nothing else")]
    public async Task OFlagPacketIsForwardedLikeAnyOther()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end");
        await RefillAsync();
        var stimuli = new List<byte[]>();
        var expected = new List<ExpectedPacket>();
        for (int i = 0; i < 2 * Probes; i++)
        {
            bool o = i % 2 == 1;
            var st = Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1, h => h.OFlag = o).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build();
            stimuli.Add(st);
            expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).Srh([d, s], 0, h => h.OFlag = o)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"probe {i}{(o ? " (O-flag)" : "")} forwarded", []));
            if (o && ClaimsOFlag) expected.Add(Export(st, $"probe {i}"));
        }
        Evidence.Parameter("o_flag_processing claimed", ClaimsOFlag);
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A packet with the O-flag was not forwarded exactly like one without it (flag, header or payload changed, or packet lost).");
    }

    [Test]
    [NegativeControl("OFlagNotProcessed", Why = "the DUT claims O-flag processing but exports nothing")]
    [NegativeControl("NodeOFlagIgnored", Profile = "reference-node.yaml", Why = "defect o-flag-ignored: nothing is copied to the OAM process")]
    [TestPurpose(Id = "TP-OFLAG-BV-02", Requires = new[] { "End.X", "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "At a local SID, a packet with the O-flag is copied to the OAM process and the original forwarded unchanged",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED" },
        Stimulus = "10 × (A,S)(D,N2,S;SL=2;O-flag) ICMPv6 echo request into t1 (S = the End.X SID towards t2)",
        Expected = "10 × (A,N2)(D,N2,S;SL=1;O-flag) out of t2, hop limit 63, nothing else changed; 10 exports (the packet as received) on the collector port; nothing else")]
    public async Task OFlagPacketIsCopiedAndForwardedUnchanged()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end_x");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, n2, s], 2, h => h.OFlag = true).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).SelectMany(i => new[]
        {
            new ExpectedPacket("t2", OutOf("t2").Ipv6(a, n2, 63, TrafficClass, FlowLabel).Srh([d, n2, s], 1, h => h.OFlag = true)
                .IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"probe {i} forwarded with the O-flag", []),
            Export(stimuli[i], $"probe {i}"),
        }).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "O-flag packets at a local SID were not each exported once to the collector with the original forwarded unchanged.");
    }

    [Test]
    [NegativeControl("OFlagCopiesAll", Why = "packets without the O-flag are copied too")]
    [NegativeControl("NodeOFlagMisprocessed", Profile = "reference-node.yaml", Why = "defect o-flag-copies-everything: packets without the O-flag are copied too")]
    [TestPurpose(Id = "TP-OFLAG-BI-01", Requires = new[] { "End" }, Feature = "O-flag",
        Title = "A packet without the O-flag is not copied to the OAM process",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM" },
        Stimulus = "10 × (A,S)(D,S;SL=1) ICMPv6 echo request, O-flag clear, into t1 (S = the End SID)",
        Expected = "10 × (A,D)(D,S;SL=0) out of t2, hop limit 63; nothing on the collector port or anywhere else")]
    public async Task PacketWithoutOFlagIsNotCopied()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).Srh([d, s], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} forwarded", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A packet without the O-flag was copied (or not forwarded as End requires).");
    }

    [Test]
    [NegativeControl("OFlagCopyAnswered", PassIn = "EndAsLocalAddress", Why = "the copy is evaluated again by the DUT's stack: two echo replies (plain lab: DEV-LINUX-020)")]
    [NegativeControl("NodeOFlagMisprocessed", Profile = "reference-node.yaml", Why = "defect o-flag-copy-answered: the copy is answered too, two echo replies")]
    [TestPurpose(Id = "TP-OFLAG-BV-03", Requires = new[] { "End", "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "The OAM process does not answer the copy: an O-flag echo request gets exactly one reply, from the ultimate destination",
        Requirements = new[] { "RFC9259-2.1.1-OAM-NO-UPPER-LAYER-RESPONSE", "RFC9259-2.1.1-S01.1-COPY-TO-OAM" },
        Stimulus = "10 × (A,S)(S,N2;SL=0;O-flag) ICMPv6 echo request into t1 (S = the End SID as the final segment: the DUT is the ultimate destination)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1, exactly one per request (DUT-chosen hop limit, flow label, traffic class not compared); 10 exports on the collector port; nothing else")]
    public async Task OFlagCopyIsNotAnswered()
    {
        // The DUT must be the ultimate destination and the packet must reach it at a local SID with
        // the O-flag: the End SID at SL=0 (RFC 8986 §4.1.1 S01-S02 answers the echo). The Linux
        // seg6local End does not process the upper layer at SL=0 (DEV-LINUX-001), so on the plain lab
        // this fails as a known deviation (DEV-LINUX-020); the lab variant EndAsLocalAddress passes.
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([s, n2], 0, h => h.OFlag = true).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).SelectMany(i => new[]
        {
            new ExpectedPacket("t1", OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"the one echo reply {i} from the ultimate destination", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"]),
            Export(stimuli[i], $"probe {i}"),
        }).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "An O-flag echo request was not answered exactly once by the ultimate destination (a second reply means the copy was evaluated).");
    }

    /// <summary>How long the rate-limit case offers its load, per rate.</summary>
    private const double LoadSeconds = 5;
    /// <summary>The offered load as a multiple of the configured punt rate.</summary>
    private const int Overload = 10;
    /// <summary>The goal for measured / configured rate (informative: the MUST is about staying within rate + burst, the RFC sets no accuracy).</summary>
    private const double RatioGoal = 0.05;
    /// <summary>Timing slack between the tester's send timestamps and the DUT's arrivals, for the whole-interval bound.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The punt rates of the profile the run will load (parameters.o_flag.rates_per_second; SRV6CONF_PROFILE or the
    /// reference lab), read when NUnit discovers the cases. 0 stands for "the profile's configured rate" when the
    /// profile cannot be read here (the run's set-up then reports why).
    /// </summary>
    public static IEnumerable<TestCaseData> PuntRates()
    {
        IReadOnlyList<int> rates;
        try { rates = Conformance.Harness.Profiles.ProfileLoader.Load(CaseRun.ProfilePath).Parameters.OFlag?.RatesPerSecond ?? []; }
        catch (Exception) { rates = []; }
        if (rates.Count == 0) return [new TestCaseData(0).SetArgDisplayNames("configured rate")];
        return rates.Select(r => new TestCaseData(r));
    }

    [TestCaseSource(nameof(PuntRates))]
    [NegativeControl("OFlagNoRateLimit", Why = "every O-flag packet is punted: no rate limit")]
    [NegativeControl("NodeOFlagMisprocessed", Profile = "reference-node.yaml", Why = "defect o-flag-rate-limit-ignored: every O-flag packet is punted")]
    [TestPurpose(Id = "TP-OFLAG-BV-04", Requires = new[] { "End", "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "Packets punted to the OAM process are rate-limited to the configured rate, at each configured rate; the data path loses nothing",
        Requirements = new[] { "RFC9259-2.1.1-PUNT-RATE-LIMIT", "RFC9259-2.1.1-S01.1-COPY-TO-OAM" },
        Stimulus = "per punt rate R of parameters.o_flag.rates_per_second (reference lab: 10, 100, 1000/s; the DUT reconfigured to R over SSH and back afterwards): (A,S)(D,S;SL=1;O-flag) UDP probes into t1 at 10 × R for 5 s (reference lab at 1000/s: 10,000 pps, 50,000 probes; S = the End SID)",
        Expected = "per R: every probe forwarded (A,D)(D,S;SL=0;O-flag) out of t2 unchanged but for the hop limit; on the collector port at most R × (duration + 50 ms) + burst exports over the interval, at most R × 1.05 s + burst in any one-second bin (50 ms of timing slack in both), and at least one; each export a copy of a probe; nothing else. Reported per R (informative, goal 1.00 ± 0.05): the sustained export rate beyond the burst / R. A profile that claims oam.o_flag_processing but not oam.o_flag_rate_limit fails without traffic (the rate limit is a MUST)")]
    public async Task OFlagPuntsAreRateLimited(int ratePerSecond)
    {
        // RFC 9259 §2.1.1: the node processing the O-flag MUST rate-limit its punts to a configurable rate, so O-flag
        // processing claimed without the rate limit is a declared non-conformance, not "not applicable".
        if (!Profile.Claims("oam.o_flag_rate_limit"))
            Fail($"The profile {Profile.Name} claims oam.o_flag_processing but not oam.o_flag_rate_limit: a node that processes the O-flag must rate-limit the packets punted to the OAM process to a configurable rate.");
        var o = Profile.Parameters.OFlag ?? throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.o_flag.");
        int rate = ratePerSecond == 0 ? o.RatePerSecond : ratePerSecond;
        if (rate <= 0) throw new TestbedException($"{Profile.SourcePath}: parameters.o_flag.rate_per_second must be positive.");
        if (!o.RatesPerSecond.Contains(rate) && rate != o.RatePerSecond)
            throw new TestbedException($"{Profile.SourcePath}: {rate}/s is not in parameters.o_flag.rates_per_second [{string.Join(", ", o.RatesPerSecond)}] (did the profile change during the run?).");
        double pps = (double)Overload * rate;
        long count = (long)(pps * LoadSeconds);
        var traffic = Profile.Parameters.Traffic;
        if (pps > traffic.MaxRatePps || count > traffic.MaxPackets)
            throw new TestbedException($"{Profile.SourcePath}: the punt rate {rate}/s needs {pps} pps and {count} packets ({Overload} × the rate for {LoadSeconds} s), " +
                $"beyond parameters.traffic (max_rate_pps {traffic.MaxRatePps}, max_packets_per_case {traffic.MaxPackets}); raise them or drop the rate from o_flag.rates_per_second.");
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end");
        Evidence.Parameter("configured punt rate (pps)", rate);
        Evidence.Parameter("configured burst", o.Burst);
        Evidence.Parameter("offered rate (pps)", pps);

        // Probe i carries i in its first 8 data octets: a unique probe key (UDP ports + 8 octets) for any count.
        var tail = System.Text.Encoding.ASCII.GetBytes($"srv6conf {Purpose.Id} {rate}/s".PadRight(32, '.'));
        byte[] Data(long i) { var b = new byte[8 + tail.Length]; System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(b, i); tail.CopyTo(b, 8); return b; }
        const ushort SrcPort = 33434, DstPort = 40000;
        var stimuli = new byte[count][];
        for (long i = 0; i < count; i++)
            stimuli[i] = Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1, h => h.OFlag = true).Udp(SrcPort, DstPort, Data(i)).Build();

        TrafficResult result;
        var restore = await ConfigurePuntRateAsync(rate);
        try
        {
            var countersBefore = await Evidence.StepAsync("Read the DUT's per-SID counters", () => Testbed.Platform.ReadCountersAsync());
            using (Evidence.Step($"Offer {count} O-flag probes at {pps} pps on t1 for {LoadSeconds} s, capture on {string.Join(", ", Testbed.Ports.Keys)}"))
            {
                using var session = new TrafficSession(Testbed.Ports.Values);
                session.SendPaced("t1", i => stimuli[i], count, pps);
                result = await session.CompleteAsync(got => got.Count(f => f.Port == "t2") >= count, Profile.Parameters.Timeouts.Capture * 2, TimeSpan.FromMilliseconds(500));
                Evidence.AttachText("Capture reconciliation", result.Reconciliation((int)count));
            }
            var countersAfter = await Evidence.StepAsync("Read the DUT's per-SID counters again", () => Testbed.Platform.ReadCountersAsync());
            Evidence.AttachText("Per-SID counters (packets before → after)", string.Join('\n', countersAfter.OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => $"{c.Key}: {(countersBefore.TryGetValue(c.Key, out var b) ? b.Packets : 0)} → {c.Value.Packets} (errors {c.Value.Errors})")));
        }
        finally
        {
            await restore();
        }
        AttachPcap(result.All, $"{Purpose.Id} {rate} per s exchange.pcapng");

        // The tester must have offered what the purpose says, or nothing can be concluded about the DUT.
        var sentAt = result.Sent.Select(f => f.TimestampUtc).ToList();
        if (sentAt.Count != count)
            throw new TestbedException($"the tester sent {sentAt.Count} of {count} probes (paced stream cut short by the port's bounds), so the rate limit cannot be judged.");
        DateTime t0 = sentAt.Min(), t1 = sentAt.Max();
        double duration = Math.Max((t1 - t0).TotalSeconds, 1e-3);
        double offered = (count - 1) / duration;
        if (Math.Abs(offered / pps - 1) > 0.10)
            throw new TestbedException($"the tester offered {offered:F0} pps instead of {pps} (more than 10 % off: host too busy?), so the stimulus is not the purpose's.");

        // Data path: every probe forwarded exactly; exports judged separately by count. Fast path for a load run: each
        // frame off the collector port is byte-compared with the forwarded form of the probe its data names, each probe
        // once. Anything else (a difference, a loss, a duplicate, a frame on another port) is judged field by field.
        var data = result with { Received = result.Received.Where(f => f.Port != Collector).ToList() };
        byte[] Forwarded(long i) => OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).Srh([d, s], 0, h => h.OFlag = true).Udp(SrcPort, DstPort, Data(i)).Build();
        var first = Forwarded(0);
        int indexAt = first.Length - Data(0).Length;
        var seen = new bool[count];
        bool exact = data.Received.Count == count && data.Received.All(f =>
        {
            if (f.Port != "t2" || f.Data.Length != first.Length) return false;
            long i = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(f.Data.AsSpan(indexAt));
            if (i < 0 || i >= count || seen[i]) return false;
            seen[i] = true;
            return f.Data.AsSpan().SequenceEqual(Forwarded(i));
        });
        var dataJudgement = exact ? null : Judge.Exchange(data, Enumerable.Range(0, (int)count)
            .Select(i => new ExpectedPacket("t2", Forwarded(i), $"probe {i} forwarded", [])).ToList());

        var exports = result.On(Collector);
        var notCopies = exports.Where(f => !IsCopyOfAProbe(f.Data, stimuli)).ToList();
        // A token bucket exports at most burst + rate × (first to last arrival); the arrivals span the send interval
        // give or take the tester's and the DUT's scheduling, allowed for with ClockSlack.
        double allowed = Math.Ceiling(rate * (duration + ClockSlack.TotalSeconds)) + o.Burst;
        var bins = exports.GroupBy(f => Math.Max(0, (int)Math.Floor((f.TimestampUtc - t0).TotalSeconds))).OrderBy(g => g.Key).Select(g => (Second: g.Key, Count: g.Count())).ToList();
        // Per one-second bin the same timing slack: the bins start at the tester's first send timestamp, a little after
        // the kernel timestamps of the first arrivals, so bin 0 may hold a few milliseconds more than one second.
        double perBin = Math.Ceiling(rate * (1 + ClockSlack.TotalSeconds)) + o.Burst;
        var overfullBins = bins.Where(b => b.Count > perBin).ToList();
        // Measured sustained export rate: what was exported beyond the initial burst, over the offered interval.
        double measured = Math.Max(exports.Count - o.Burst, 0) / duration;
        double ratio = measured / rate;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Evidence.Parameter("exports", exports.Count);
        Evidence.Parameter("measured/configured rate", ratio.ToString("F3", inv));
        Evidence.AttachText($"Rate-limit measurement at {rate} per s",
            $"configured punt rate {rate}/s, burst {o.Burst}; offered {result.Sent.Count} O-flag probes at {offered.ToString("F0", inv)} pps (target {pps}) over {duration.ToString("F3", inv)} s; " +
            $"forwarded on t2 {data.On("t2").Count}; exports on {Collector}: {exports.Count} " +
            $"(allowed at most ⌈rate × (duration + {ClockSlack.TotalMilliseconds} ms)⌉ + burst = {allowed})\n" +
            $"sustained export rate beyond the burst: {measured.ToString("F2", inv)}/s vs configured {rate}/s → ratio {ratio.ToString("F3", inv)} " +
            $"({(Math.Abs(ratio - 1) <= RatioGoal ? "within" : "outside")} the goal 1.00 ± {RatioGoal.ToString("F2", inv)}; informative, not judged)\n" +
            "exports per one-second bin (from the first probe): " + string.Join(", ", bins.Select(b => $"[{b.Second}] {b.Count}")) + $" (allowed per bin: ⌈rate × (1 s + {ClockSlack.TotalMilliseconds} ms)⌉ + burst = {perBin})\n" +
            $"frames on {Collector} that are no copy of a probe: {notCopies.Count}");
        TestContext.Progress.WriteLine($"{Purpose.Id} at {rate}/s: offered {offered.ToString("F0", inv)} pps for {duration.ToString("F2", inv)} s, {exports.Count} exports, measured/configured {ratio.ToString("F3", inv)}");

        var problems = new List<string>();
        if (dataJudgement is { Pass: false }) problems.Add("data path: " + dataJudgement.Explain(6));
        if (exports.Count == 0) problems.Add("no export at all: O-flag packets were not punted to the OAM process");
        if (exports.Count > allowed) problems.Add($"{exports.Count} exports in {duration:F2} s exceed ⌈rate × (duration + {ClockSlack.TotalMilliseconds} ms)⌉ + burst = {allowed}");
        if (overfullBins.Count > 0) problems.Add($"one-second bins over ⌈rate × (1 s + {ClockSlack.TotalMilliseconds} ms)⌉ + burst = {perBin}: " + string.Join(", ", overfullBins.Take(6).Select(b => $"[{b.Second}] {b.Count}")));
        if (notCopies.Count > 0) problems.Add($"{notCopies.Count} frame(s) on {Collector} are not copies of a probe");
        if (problems.Count > 0) Fail($"At {rate}/s, O-flag punts were not rate-limited to the configured rate (or the data path suffered):\n" + string.Join('\n', problems));
    }

    /// <summary>
    /// Sets the DUT's punt rate to <paramref name="rate"/> for one run of the rate-limit case and returns what puts the
    /// run's configuration back, where the platform offers the verb dut.set_oflag_rate (the Linux reference: its O-flag
    /// emulation re-rendered for the rate, the run's fault mode included, so a negative control stays wrong at every
    /// rate; a fresh rule also starts with a full bucket). A platform without the verb runs only at its configured rate
    /// (parameters.o_flag.rate_per_second): another rate is inconclusive.
    /// </summary>
    private static async Task<Func<Task>> ConfigurePuntRateAsync(int rate)
    {
        var o = Profile.Parameters.OFlag!;
        if (!Testbed.Pack.Offers(DutVerbs.SetOFlagRate))
        {
            if (rate != o.RatePerSecond)
                throw new TestbedException($"{Profile.SourcePath}: the DUT is configured for {o.RatePerSecond}/s (parameters.o_flag.rate_per_second) and the suite cannot reconfigure " +
                    $"the punt rate of a {Profile.Testbed.Platform} router, so {rate}/s cannot be measured; list only the configured rate in o_flag.rates_per_second.");
            await RefillAsync();
            return () => Task.CompletedTask;
        }
        // The platform verb dut.set_oflag_rate: the pack renders the policer at the rate, replacing the applied one.
        var applied = ProfileDutConfig.OFlagAtRate(Profile, null, Testbed.Fault);
        var atRate = ProfileDutConfig.OFlagAtRate(Profile, rate, Testbed.Fault);
        Task PutAsync(DutConfig config) => Testbed.Platform.ApplyAsync(config);
        await Evidence.StepAsync($"Configure the DUT's O-flag punt rate to {rate}/s", async () =>
        {
            Evidence.AttachText($"O-flag punt policer at {rate} per s", string.Join('\n', atRate.Commands));
            try { await PutAsync(atRate); }
            catch
            {
                try { await PutAsync(applied); } catch (Exception) { /* the first error says why */ }
                throw;
            }
        });
        return () => Evidence.StepAsync($"Put the run's O-flag punt rate ({o.RatePerSecond}/s) back", () => PutAsync(applied));
    }

    private static bool IsCopyOfAProbe(byte[] frame, byte[][] stimuli)
    {
        if (frame.Length < 14 + 40) return false;
        // The probe's index is its first 8 UDP data octets; compare with that probe only.
        if (PacketDecoder.Decode(frame).Inner is not UdpLayer { Data.Length: >= 8 } u) return false;
        long i = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(u.Data);
        if (i < 0 || i >= stimuli.Length) return false;
        var ip = frame.AsSpan(14);
        var p = stimuli[i].AsSpan(14);
        // The whole IPv6 packet but the hop limit (byte 7), which the export may change.
        return ip.Length == p.Length && ip[..7].SequenceEqual(p[..7]) && ip[8..].SequenceEqual(p[8..]);
    }

    [Test]
    [NegativeControl("EndWithoutPsp", Why = "the PSP SID keeps the SRH, so the O-flag reaches the ultimate segment")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the PSP SID is programmed without PSP: the SRH, and its O-flag, reach the ultimate segment")]
    [TestPurpose(Id = "TP-OFLAG-BV-05", Requires = new[] { "End", "PSP", "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "At a PSP SID as penultimate segment the O-flag packet is copied and the SRH removed, so the ultimate segment sees no O-flag",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-BEFORE-SID-PROCESSING", "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-PSP-NO-ULTIMATE-TELEMETRY" },
        Stimulus = "10 × (A,S)(D,S;SL=1;O-flag) ICMPv6 echo request into t1 (S = the End SID with the PSP flavor; the DUT is the penultimate node, D behind t2 the ultimate)",
        Expected = "10 × (A,D) without SRH out of t2, hop limit 63 (nothing the ultimate segment could process); 10 exports of the packet as received on the collector port (the DUT's own processing of S); nothing else")]
    public async Task PspPenultimateRemovesTheOFlagWithTheSrh()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end_psp");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([d, s], 1, h => h.OFlag = true).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).SelectMany(i => new[]
        {
            new ExpectedPacket("t2", OutOf("t2").Ipv6(a, d, 63, TrafficClass, FlowLabel).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"probe {i} with the SRH (and its O-flag) popped", []),
            Export(stimuli[i], $"probe {i} at the PSP SID"),
        }).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "At a PSP penultimate SID the O-flag packet was not copied once and forwarded without its SRH.");
    }

    [Test]
    [NegativeControl("OFlagNotProcessed", Why = "the ultimate segment exports nothing")]
    [NegativeControl("NodeOFlagIgnored", Profile = "reference-node.yaml", Why = "defect o-flag-ignored: the ultimate segment exports nothing")]
    [TestPurpose(Id = "TP-OFLAG-BV-06", Requires = new[] { "End.DT6", "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "The ultimate segment processes the O-flag when the penultimate segment was not a PSP SID",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-S01.1-BEFORE-SID-PROCESSING", "RFC9259-2.1.1-PSP-NO-ULTIMATE-TELEMETRY" },
        Stimulus = "10 × (A,S)(S,N2;SL=0;O-flag)(A,D) ICMPv6 echo request into t1 (S = the End.DT6 SID, the ultimate segment; the penultimate N2 kept the SRH)",
        Expected = "10 × inner (A,D) out of t2, hop limit 63; 10 exports of the packet as received on the collector port; nothing else")]
    public async Task UltimateSegmentProcessesTheOFlag()
    {
        IPAddress a = Address("A"), d = Address("D"), n2 = Address("N2"), s = Sid("end_dt6");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel).Srh([s, n2], 0, h => h.OFlag = true)
                .Encapsulate(new PacketBuilder().Ipv6(a, d, 64).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).SelectMany(i => new[]
        {
            new ExpectedPacket("t2", OutOf("t2").Ipv6(a, d, 63).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"inner packet {i} decapsulated", []),
            Export(stimuli[i], $"probe {i} at the ultimate segment"),
        }).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The ultimate segment did not export each O-flag packet it received with an SRH.");
    }

    [Test]
    [NegativeControl("OFlagCopiesAll", Why = "a packet without SRH (no O-flag) is copied")]
    [NegativeControl("NodeOFlagMisprocessed", Profile = "reference-node.yaml", Why = "defect o-flag-copies-everything: the packet without SRH at the ultimate segment is copied")]
    [TestPurpose(Id = "TP-OFLAG-BI-02", Requires = new[] { "End.DT6" }, Feature = "O-flag",
        Title = "The ultimate segment exports nothing for a packet whose SRH a PSP penultimate segment removed",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-BEFORE-SID-PROCESSING", "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-PSP-NO-ULTIMATE-TELEMETRY" },
        Stimulus = "10 × (A,S)(A,D) ICMPv6 echo request without SRH into t1 (S = the End.DT6 SID, the ultimate segment, after a PSP penultimate segment)",
        Expected = "10 × inner (A,D) out of t2, hop limit 63; nothing on the collector port or anywhere else")]
    public async Task UltimateSegmentAfterPspExportsNothing()
    {
        IPAddress a = Address("A"), d = Address("D"), s = Sid("end_dt6");
        await RefillAsync();
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s, 64, TrafficClass, FlowLabel)
                .Encapsulate(new PacketBuilder().Ipv6(a, d, 64).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d, 63).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(), $"inner packet {i} decapsulated", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "The ultimate segment exported (or mishandled) a packet that carried no SRH and so no O-flag.");
    }

    [Test]
    [NegativeControl("OFlagOnlyForEnd", Why = "the O-flag is processed at the End SID only: the other SIDs' O-flag packets are not exported")]
    [NegativeControl("NodeOFlagIgnored", Profile = "reference-node.yaml", Why = "defect o-flag-ignored: no SID exports its O-flag packets")]
    [TestPurpose(Id = "TP-OFLAG-BV-07", Requires = new[] { "oam.o_flag_processing" }, Feature = "O-flag",
        Title = "At every local SID of a claimed behaviour, a packet with the O-flag is copied to the OAM process once and forwarded like the same packet without the O-flag",
        Requirements = new[] { "RFC9259-2.1.1-S01.1-COPY-TO-OAM", "RFC9259-2.1.1-S01.1-NO-METADATA-FORWARDED" },
        Stimulus = "into t1, for every SID S of parameters.sids whose behaviour the profile claims: 1 packet S processes (TP-COUNTERS-BV-03's: (A,S)(D,N2,S;SL=2) for End, End.X, End.T, End.B6.Encaps; (A,S)(S;SL=0) carrying (A,D3), (A4,D4X) or an Ethernet frame for the decapsulating ones) with the O-flag set, and its twin without the O-flag (another payload); in batches of at most parameters.o_flag.burst O-flag packets, each after the punt rate limiter has refilled",
        Expected = "one export of each O-flag packet (the packet as received, hop limit not compared) on the collector port; every O-flag packet otherwise leaves the DUT like its twin (the same ports, as many packets, the same lengths: no metadata added, nothing lost; where it leaves is judged by the behaviour's own purpose); the twins are not exported")]
    public async Task EverySidCopiesOFlagPacketsAndForwardsThemUnchanged()
    {
        var sids = Profile.Parameters.Sids.Values.Where(x => Profile.Claims(x.Behavior.Name())).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        var o = Profile.Parameters.OFlag;
        int batch = o is not null && o.RatePerSecond > 0 && Profile.Claims("oam.o_flag_rate_limit") ? Math.Max(o.Burst, 1) : Math.Max(sids.Count, 1);
        var problems = new List<string>();
        var judged = 0;
        for (int first = 0; first < sids.Count; first += batch)
        {
            var stimuli = new List<byte[]>();
            var expected = new List<ExpectedPacket>();
            var pairs = new List<(SidDefinition Sid, int Flagged, int Twin)>();
            foreach (var sid in sids.Skip(first).Take(batch))
            {
                int k = 2 * (first + pairs.Count);
                var flagged = PacketProcessedBy(sid, k, oFlag: true);
                var twin = PacketProcessedBy(sid, k + 1);
                if (flagged is null || twin is null) continue;
                stimuli.Add(flagged);
                stimuli.Add(twin);
                expected.Add(Export(flagged, $"the O-flag packet to {sid.Name}"));
                pairs.Add((sid, k, k + 1));
            }
            if (pairs.Count == 0) continue;
            judged += pairs.Count;
            await RefillAsync();
            var j = await ExchangeAsync("t1", stimuli, expected, TimeSpan.FromSeconds(1));
            foreach (var m in j.Missing) problems.Add($"no export: {m.Description}");
            foreach (var d in j.Matched.Where(m => !m.Exact)) problems.Add($"export differs from the packet as received: {d.Expected.Description}");
            List<string> Out(int index) => [.. j.Unexpected.Where(u => u.Frame.Data.AsSpan().IndexOf(ProbeData(index)) >= 0)
                .Select(u => $"{u.Frame.Port}:{u.Frame.Data.Length}").Order(StringComparer.Ordinal)];
            foreach (var (sid, flagged, twin) in pairs)
            {
                List<string> withFlag = Out(flagged), without = Out(twin);
                if (!withFlag.SequenceEqual(without))
                    problems.Add($"{sid.Name} ({sid.Behavior.Name()}): the O-flag packet left as [{string.Join(", ", withFlag)}], its twin without the O-flag as [{string.Join(", ", without)}] (port:frame length, exports excluded)");
            }
        }
        if (judged == 0) Assert.Ignore($"N/A: the profile {Profile.Name} has no SID of a claimed behaviour the purpose can send to.");
        if (problems.Count > 0)
            Fail($"O-flag packets at the local SIDs were not each exported once and otherwise processed like packets without the O-flag ({problems.Count} problem(s)):\n" + string.Join('\n', problems.Take(12)));
    }
}
