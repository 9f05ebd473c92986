using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;

namespace Conformance.Benchmarks;

/// <summary>
/// Injection and capture benchmark on a veth pair (not a test: it asserts nothing, it reports).
///   dotnet run -c Release --project tests/Conformance.Benchmarks [-- --quick] [--frames N] [--rounds R] [--capture-frames N] [--out FILE]
/// Prints one JSON object on stdout and writes it to reports/benchmarks/latest.json.
/// </summary>
internal static class Program
{
    private static BenchLab? _lab;
    private static string? _pcapPath, _pcap1Path, _trafgenPath;

    private static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        int frames = ArgInt(args, "--frames", quick ? 20_000 : 200_000);
        int rounds = Math.Max(1, ArgInt(args, "--rounds", quick ? 3 : 5));
        int captureFrames = ArgInt(args, "--capture-frames", quick ? 20_000 : 500_000);
        string? outPath = ArgStr(args, "--out");
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Log("warning: not root? creating namespaces and AF_PACKET sockets needs CAP_NET_ADMIN/CAP_NET_RAW.");

        Console.CancelKeyPress += (_, e) => { Log("interrupted: tearing down the lab"); Teardown(); Environment.Exit(130); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Teardown();
        try
        {
            bool node = args.Contains("--node");
            var result = node ? NodeBench.Run(quick, args) : Run(quick, frames, rounds, captureFrames);
            var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            Console.WriteLine(json);
            outPath ??= Path.Combine(RepoRoot(), "reports", "benchmarks", node ? (quick ? "node-quick.json" : "node.json") : quick ? "quick.json" : "latest.json");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            File.WriteAllText(outPath, json + "\n");
            Log($"written to {outPath}");
            return 0;
        }
        catch (Exception e)
        {
            Log($"benchmark failed: {e}");
            return 1;
        }
        finally { Teardown(); }
    }

    private static JsonObject Run(bool quick, int n, int rounds, int captureN)
    {
        var load0 = LoadAvg();
        _lab = new BenchLab();
        var lab = _lab;
        Log($"lab {lab.Namespace}: {lab.TesterIf} (tester, root ns) <-> {lab.FarIf} (in {lab.Namespace}); load {load0.ToJsonString()}");
        string testerMac = lab.TesterMac, farMac = lab.FarMac;
        var limits = new TrafficLimits(MaxPackets: 2_000_000, MaxRatePps: 5_000_000, MaxDuration: TimeSpan.FromSeconds(120));
        var binding = new TesterPortBinding("t1", lab.TesterIf, []);

        // ---- 1. injection: harness vs tcpreplay vs trafgen, same frame size, same interface, same run ----
        var outbound = BuildFrames(n, testerMac, farMac);
        _pcapPath = Path.Combine(Path.GetTempPath(), $"s6c-{lab.Id}-bench.pcap");
        _pcap1Path = Path.Combine(Path.GetTempPath(), $"s6c-{lab.Id}-bench-1.pcap");
        _trafgenPath = Path.Combine(Path.GetTempPath(), $"s6c-{lab.Id}-bench.trafgen");
        var t0 = DateTime.UtcNow;
        PcapFile.WritePcap(_pcapPath, outbound.Select((f, i) => new Frame(t0.AddTicks(i * 10), f, "t1", FrameDirection.Sent)));
        PcapFile.WritePcap(_pcap1Path, [new Frame(t0, outbound[0], "t1", FrameDirection.Sent)]);
        File.WriteAllText(_trafgenPath, TrafgenConfig(outbound[0]));
        string tcpreplayVersion = FirstLine(Sh.Try("tcpreplay", "-V"));
        string trafgenVersion = FirstLine(Sh.Try("trafgen", "-v"));
        bool defaultBypass;
        string defaultMethod;
        string? fallbackReason;

        using (var probe = TesterPort.Open(binding, limits))
        {
            if (!probe.FastPath) Log("warning: tester port has no fast path (S6C_NO_FAST_TX=1 or AF_PACKET unavailable)");
            defaultBypass = probe.QdiscBypass;
            defaultMethod = probe.FastPathMethod;
            fallbackReason = probe.FastPathFallbackReason;
            if (fallbackReason is not null) Log($"note: the TX ring could not be set up, the default path is {defaultMethod}: {fallbackReason}");
        }
        string defaultWhat = defaultMethod switch
        {
            "tx_ring" => $"AF_PACKET PACKET_TX_RING (TPACKET_V2), {PacketTxRing.BatchSize} frames per send()",
            "sendmmsg" => $"AF_PACKET sendmmsg, {RawSocketInjector.BatchSize} frames per syscall",
            _ => "libpcap, one frame per call (no fast path)",
        };

        // Each tool runs alone on the interface: a harness port is opened for its own measurement
        // and closed before the external tools run, so their figures carry none of its taps.
        var tools = new List<Tool>
        {
            new("harness_sendburst", "harness", $"TesterPort.SendBurst(keepEvidence:false), default path: {defaultWhat}, {(defaultBypass ? "PACKET_QDISC_BYPASS" : "through the qdisc")}",
                () => HarnessBurst(binding, limits, outbound, null, defaultMethod, defaultBypass)),
            new("harness_sendburst_tx_ring", "harness", $"TesterPort.SendBurst(keepEvidence:false) with S6C_TX_RING=1: AF_PACKET PACKET_TX_RING (TPACKET_V2, PACKET_VNET_HDR: frames copied whole), {PacketTxRing.BatchSize} frames per send(MSG_DONTWAIT), PACKET_QDISC_BYPASS",
                () => HarnessBurst(binding, limits, outbound, "S6C_TX_RING", "tx_ring", true)),
            new("harness_sendburst_qdisc", "harness", "TesterPort.SendBurst(keepEvidence:false) with S6C_TX_QDISC=1: sendmmsg through the qdisc (the default before the bypass)",
                () => HarnessBurst(binding, limits, outbound, "S6C_TX_QDISC", "sendmmsg", false)),
            new("tcpreplay_topspeed", "tcpreplay", $"tcpreplay --topspeed -i IF <{n} frames>.pcap",
                () => Tcpreplay(n, "--topspeed", "-i", lab.TesterIf, _pcapPath)),
            new("tcpreplay_topspeed_preload", "tcpreplay", $"tcpreplay --topspeed --preload-pcap -i IF <{n} frames>.pcap",
                () => Tcpreplay(n, "--topspeed", "--preload-pcap", "-i", lab.TesterIf, _pcapPath)),
            new("tcpreplay_loop_one_frame", "tcpreplay", $"tcpreplay --topspeed --preload-pcap --loop={n} -i IF <1 frame>.pcap",
                () => Tcpreplay(n, "--topspeed", "--preload-pcap", $"--loop={n}", "-i", lab.TesterIf, _pcap1Path)),
            new("trafgen_1cpu", "trafgen", $"trafgen --cpus 1 -n {n} (TX_RING, qdisc bypass: its defaults) --no-sock-mem --notouch-irq -o IF -i <1 frame>.cfg",
                () => Trafgen(n, lab.TesterIf, cpus: 1)),
            new("trafgen_all_cpus", "trafgen", $"trafgen -n {n} (one process per CPU: {Environment.ProcessorCount}) --no-sock-mem --notouch-irq -o IF -i <1 frame>.cfg",
                () => Trafgen(n, lab.TesterIf, cpus: null)),
        };

        // One warm-up round first (JIT tiers, page cache, a build server still exiting after
        // `dotnet run`: measured, the first round's early runs were the slowest): recorded, not counted.
        foreach (var tool in tools) tool.Warmup = tool.Run();
        Log("warm-up round: " + string.Join(", ", tools.Select(t => $"{t.Key} {t.Warmup:0}")) + $"; load {LoadAvg().ToJsonString()}");

        for (int r = 0; r < rounds; r++)
        {
            // Rotate the order each round so that no tool always runs first or last.
            for (int k = 0; k < tools.Count; k++)
            {
                var tool = tools[(k + r) % tools.Count];
                long tx0 = lab.TesterStat("tx_packets"), txd0 = lab.TesterStat("tx_dropped");
                _cpu = double.NaN;
                double pps = tool.Run();
                tool.Samples.Add(pps);
                tool.CpuSeconds.Add(_cpu);
                tool.TxPackets.Add(lab.TesterStat("tx_packets") - tx0);
                tool.TxDropped.Add(lab.TesterStat("tx_dropped") - txd0);
                if (tool.TxPackets[^1] != n || tool.TxDropped[^1] != 0)
                    Log($"warning: {tool.Key} round {r + 1}: the interface counted {tool.TxPackets[^1]} frames sent, {tool.TxDropped[^1]} dropped, of {n}");
            }
            Log($"round {r + 1}/{rounds}: " + string.Join(", ", tools.Select(t => $"{t.Key} {t.Samples[^1]:0}")) + $"; load {LoadAvg().ToJsonString()}");
        }

        Tool Get(string key) => tools.First(t => t.Key == key);
        // Per round, the fastest mode of each reference tool; the ratio is taken round by round.
        var harness = Get("harness_sendburst").Samples;
        var legacy = Get("harness_sendburst_qdisc").Samples;
        var ring = Get("harness_sendburst_tx_ring").Samples;
        var replayBest = Enumerable.Range(0, rounds).Select(r => tools.Where(t => t.Family == "tcpreplay").Max(t => t.Samples[r])).ToList();
        var trafgenBest = Enumerable.Range(0, rounds).Select(r => tools.Where(t => t.Family == "trafgen").Max(t => t.Samples[r])).ToList();
        var vsReplay = Enumerable.Range(0, rounds).Select(r => harness[r] / replayBest[r]).ToList();
        var vsTrafgen = Enumerable.Range(0, rounds).Select(r => harness[r] / trafgenBest[r]).ToList();
        var vsLegacy = Enumerable.Range(0, rounds).Select(r => harness[r] / legacy[r]).ToList();
        var ringVsDefault = Enumerable.Range(0, rounds).Select(r => ring[r] / harness[r]).ToList();
        var ringCpuVsDefault = Enumerable.Range(0, rounds).Select(r => PerCpu(Get("harness_sendburst_tx_ring"))[r] / PerCpu(Get("harness_sendburst"))[r]).ToList();
        double ratioReplay = Median(vsReplay), ratioTrafgen = Median(vsTrafgen);
        // Supplementary, less sensitive to other load on the machine: frames per CPU second of the sender.
        List<double> PerCpu(Tool t) => t.CpuSeconds.Select(c => n / c).ToList();
        List<double> CpuRatio(string family) => Enumerable.Range(0, rounds)
            .Select(r => PerCpu(Get("harness_sendburst"))[r] / tools.Where(t => t.Family == family).Max(t => PerCpu(t)[r])).ToList();
        var cpuVsReplay = CpuRatio("tcpreplay");
        var cpuVsTrafgen = CpuRatio("trafgen");

        // Evidence kept, single frames through libpcap, and pacing, on a port of the default kind.
        double withEvidence, pcapPps, pacedPps;
        int evidence, slowN = Math.Min(n, 50_000), pacedN = Math.Min(n, 100_000);
        long pacedSent;
        using (var port = TesterPort.Open(binding, limits))
        {
            var swE = Stopwatch.StartNew();
            port.SendBurst(outbound, keepEvidence: true);
            withEvidence = n / swE.Elapsed.TotalSeconds;
            evidence = port.TakeSent().Count;

            // TesterPort.SendPaced (fast path, one batch per tick) at 100 kpps: how close to the rate it stays.
            var swP = Stopwatch.StartNew();
            pacedSent = port.SendPaced(i => outbound[(int)i], pacedN, 100_000, keepEvidence: false);
            pacedPps = pacedSent / swP.Elapsed.TotalSeconds;

            var swS = Stopwatch.StartNew();
            for (int i = 0; i < slowN; i++) port.Send(outbound[i]);
            pcapPps = slowN / swS.Elapsed.TotalSeconds;
            port.TakeSent();
        }
        Log($"harness with evidence {withEvidence:0} pps, paced at 100 kpps {pacedPps:0} pps, pcap_sendpacket {pcapPps:0} pps");
        outbound = null!;

        // ---- 2. capture completeness: frames injected from the namespace arrive inbound on the tester port ----
        JsonObject paced, top;
        using (var port = TesterPort.Open(binding, limits))
        using (var sender = RawSocketInjector.OpenInNamespace(lab.Namespace, lab.FarIf, qdiscBypass: false))
        {
            var inbound = BuildFrames(captureN, farMac, testerMac);
            paced = Capture(lab, port, sender, inbound, 100_000);
            Log($"paced 100 kpps: {paced.ToJsonString()}");
            top = Capture(lab, port, sender, inbound, null);
            Log($"top speed: {top.ToJsonString()}");
        }
        var load1 = LoadAvg();

        var toolsJson = new JsonObject();
        foreach (var t in tools)
            toolsJson[t.Key] = new JsonObject
            {
                ["tool"] = t.Family,
                ["what"] = t.What,
                ["min_pps"] = Math.Round(t.Samples.Min()),
                ["median_pps"] = Math.Round(Median(t.Samples)),
                ["max_pps"] = Math.Round(t.Samples.Max()),
                ["samples_pps"] = Arr(t.Samples),
                ["warmup_round_pps_not_counted"] = Math.Round(t.Warmup),
                ["if_tx_packets"] = new JsonArray(t.TxPackets.Select(x => (JsonNode)x).ToArray()),
                ["if_tx_dropped"] = new JsonArray(t.TxDropped.Select(x => (JsonNode)x).ToArray()),
                ["cpu_seconds"] = Arr(t.CpuSeconds, 3),
                ["frames_per_cpu_second_median"] = Math.Round(Median(t.CpuSeconds.Select(c => n / c).ToList())),
            };
        JsonObject Summary(string family, List<double> xs) => new()
        {
            ["tool"] = family,
            ["min_pps"] = Math.Round(xs.Min()),
            ["median_pps"] = Math.Round(Median(xs)),
            ["max_pps"] = Math.Round(xs.Max()),
            ["samples_pps"] = Arr(xs),
        };
        return new JsonObject
        {
            ["benchmark"] = "srv6-conformance tester port",
            ["quick"] = quick,
            ["timestamp_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["command"] = ("dotnet run -c Release --project tests/Conformance.Benchmarks" + (Environment.GetCommandLineArgs().Length > 1 ? " -- " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)) : "")),
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                ["load_avg_before"] = load0,
                ["load_avg_after"] = load1,
                ["dotnet"] = Environment.Version.ToString(),
                ["tcpreplay_version"] = tcpreplayVersion,
                ["trafgen_version"] = trafgenVersion,
            },
            ["injection"] = new JsonObject
            {
                ["frames"] = n,
                ["frame_bytes"] = 128,
                ["rounds"] = rounds,
                ["order"] = "one warm-up round (not counted), then every tool once per round, the order rotated by one each round; each tool alone on the interface",
                // The three tools side by side: the harness's default burst path and, per round, the fastest mode of each reference tool.
                ["side_by_side"] = new JsonObject
                {
                    ["harness_sendburst"] = Summary("harness", harness),
                    ["tcpreplay_fastest"] = Summary("tcpreplay", replayBest),
                    ["trafgen_fastest"] = Summary("trafgen", trafgenBest),
                },
                ["ratios"] = new JsonObject
                {
                    ["is"] = "median over rounds of (harness_sendburst / fastest mode of the tool in that round)",
                    ["sendburst_vs_tcpreplay_fastest"] = Math.Round(ratioReplay, 2),
                    ["sendburst_vs_tcpreplay_fastest_per_round"] = Arr(vsReplay, 3),
                    ["sendburst_vs_trafgen_fastest"] = Math.Round(ratioTrafgen, 2),
                    ["sendburst_vs_trafgen_fastest_per_round"] = Arr(vsTrafgen, 3),
                    ["tx_ring_vs_sendburst"] = Math.Round(Median(ringVsDefault), 2),
                    ["tx_ring_vs_sendburst_per_round"] = Arr(ringVsDefault, 3),
                    ["sendburst_vs_previous_default_qdisc_path"] = Math.Round(Median(vsLegacy), 2),
                    ["sendburst_vs_previous_default_qdisc_path_per_round"] = Arr(vsLegacy, 3),
                    ["per_cpu_second_is"] = "supplementary: the same ratios on frames per CPU second of the sender (getrusage: the harness thread, the tool's processes)",
                    ["per_cpu_second_sendburst_vs_tcpreplay_fastest"] = Math.Round(Median(cpuVsReplay), 2),
                    ["per_cpu_second_sendburst_vs_trafgen_fastest"] = Math.Round(Median(cpuVsTrafgen), 2),
                    ["per_cpu_second_tx_ring_vs_sendburst"] = Math.Round(Median(ringCpuVsDefault), 2),
                },
                ["goal"] = new JsonObject
                {
                    ["vs_tcpreplay_fastest_at_least"] = 1.5,
                    ["vs_trafgen_fastest_at_least"] = 0.5,
                    ["met"] = ratioReplay >= 1.5 && ratioTrafgen >= 0.5,
                },
                ["default_path"] = defaultMethod,
                ["default_path_fallback_reason"] = fallbackReason,
                ["default_path_qdisc_bypass"] = defaultBypass,
                ["tools"] = toolsJson,
                ["harness_with_evidence_pps"] = Math.Round(withEvidence),
                ["harness_with_evidence_frames_kept"] = evidence,
                ["harness_paced_100kpps_achieved_pps"] = Math.Round(pacedPps),
                ["harness_paced_frames"] = pacedSent,
                ["pcap_sendpacket_pps"] = Math.Round(pcapPps),
                ["pcap_sendpacket_frames"] = slowN,
            },
            ["capture"] = new JsonObject { ["paced_100kpps"] = paced, ["top_speed"] = top },
        };
    }

    private sealed record Tool(string Key, string Family, string What, Func<double> Run)
    {
        public List<double> Samples { get; } = new();
        public double Warmup { get; set; }
        public List<long> TxPackets { get; } = new();
        public List<long> TxDropped { get; } = new();
        /// <summary>CPU time (user + system) of the sender per run: the harness thread around SendBurst, or the tool's process(es).</summary>
        public List<double> CpuSeconds { get; } = new();
    }

    /// <summary>The CPU time of the last measured send (set by <see cref="HarnessBurst"/>, <see cref="Tcpreplay"/>, <see cref="Trafgen"/>).</summary>
    private static double _cpu;

    /// <summary>getrusage(2) user + system seconds: who = 1 (RUSAGE_THREAD) or -1 (RUSAGE_CHILDREN, children waited for).</summary>
    private static double CpuTime(int who)
    {
        var ru = new long[18]; // struct rusage: two timevals, then 14 longs
        if (getrusage(who, ru) != 0) return double.NaN;
        return ru[0] + ru[1] / 1e6 + ru[2] + ru[3] / 1e6;
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int getrusage(int who, [System.Runtime.InteropServices.Out] long[] usage);

    /// <summary>
    /// Opens a tester port (with S6C_TX_RING=0 or S6C_TX_QDISC=1 when <paramref name="env"/> names one), times one
    /// SendBurst of every frame, closes the port. Logs when the port's path is not the one expected.
    /// </summary>
    private static double HarnessBurst(TesterPortBinding binding, TrafficLimits limits, IReadOnlyList<byte[]> frames, string? env, string method, bool bypass)
    {
        string? before = env is null ? null : Environment.GetEnvironmentVariable(env);
        if (env is not null) Environment.SetEnvironmentVariable(env, "1");
        try
        {
            using var port = TesterPort.Open(binding, limits);
            if (port.FastPathMethod != method || port.QdiscBypass != bypass)
                Log($"note: the port opened with {env ?? "defaults"} uses {port.FastPathMethod}, qdisc bypass {port.QdiscBypass}");
            double c0 = CpuTime(1);
            var sw = Stopwatch.StartNew();
            port.SendBurst(frames, keepEvidence: false);
            double secs = sw.Elapsed.TotalSeconds;
            _cpu = CpuTime(1) - c0;
            return frames.Count / secs;
        }
        finally { if (env is not null) Environment.SetEnvironmentVariable(env, before); }
    }

    /// <summary>Sends <paramref name="frames"/> from the namespace (paced, or at top speed when rate is null) and captures them on the tester port.</summary>
    private static JsonObject Capture(BenchLab lab, TesterPort port, RawSocketInjector sender, IReadOnlyList<byte[]> frames, double? rate)
    {
        long rx0 = lab.TesterStat("rx_packets"), drop0 = lab.TesterStat("rx_dropped");
        var cap = port.StartCapture("ip6");
        CaptureCounters counters;
        int captured, matched = 0;
        double secs;
        try
        {
            Thread.Sleep(200);
            var sw = Stopwatch.StartNew();
            if (rate is null) sender.Send(frames);
            else SendPaced(sender, frames, rate.Value, TimeSpan.FromSeconds(frames.Count / rate.Value * 3 + 10));
            secs = sw.Elapsed.TotalSeconds;
            Thread.Sleep(300);
            counters = cap.Stop();
            var got = cap.Frames;
            captured = got.Count;
            // Byte-exact check: payload carries the sequence number at the end.
            var seen = new bool[frames.Count];
            foreach (var f in got)
            {
                if (f.Data.Length != frames[0].Length) continue;
                int seq = BitConverter.ToInt32(f.Data, f.Data.Length - 10);
                if (seq >= 0 && seq < frames.Count && !seen[seq] && f.Data.AsSpan().SequenceEqual(frames[seq])) { seen[seq] = true; matched++; }
            }
        }
        finally { cap.Dispose(); }
        long rx = lab.TesterStat("rx_packets") - rx0, drop = lab.TesterStat("rx_dropped") - drop0;
        return new JsonObject
        {
            ["target_pps"] = rate,
            ["sent"] = frames.Count,
            ["send_seconds"] = Math.Round(secs, 3),
            ["achieved_pps"] = Math.Round(frames.Count / secs),
            ["captured"] = captured,
            ["captured_byte_exact_distinct"] = matched,
            ["pcap_received"] = counters.PcapReceived,
            ["pcap_dropped"] = counters.PcapDropped,
            ["pcap_if_dropped"] = counters.InterfaceDropped,
            ["if_rx"] = rx,
            ["if_dropped"] = drop,
            ["lossless"] = matched == frames.Count && counters.Lossless && drop == 0,
        };
    }

    /// <summary>Paced sending, one batch per tick (bounded in count and time).</summary>
    private static void SendPaced(RawSocketInjector inj, IReadOnlyList<byte[]> frames, double pps, TimeSpan maxDuration)
    {
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (sent < frames.Count && clock.Elapsed < maxDuration)
        {
            long due = Math.Min(frames.Count, (long)(clock.Elapsed.TotalSeconds * pps) + 1);
            if (due <= sent) { Thread.Sleep(1); continue; }
            int k = (int)Math.Min(RawSocketInjector.BatchSize, due - sent);
            inj.SendBatch(frames, sent, k);
            sent += k;
        }
    }

    /// <summary>
    /// Ethernet/IPv6/SRH(3 segments)/UDP frames of 128 bytes. The 10-byte UDP payload is seq, ~seq
    /// and two zero octets: seq and its complement cancel in the one's-complement sum, so one
    /// template's UDP checksum is right for every frame.
    /// </summary>
    internal static List<byte[]> BuildFrames(int count, string srcMac, string dstMac)
    {
        var segs = new[] { IPAddress.Parse("2001:db8:b::3"), IPAddress.Parse("2001:db8:b::2"), IPAddress.Parse("2001:db8:b::1") };
        var template = new PacketBuilder().Ethernet(srcMac, dstMac).Ipv6(IPAddress.Parse("2001:db8:a::1"), segs[2])
            .Srh(segs, 2).Udp(1000, 2000, new byte[10]).Build();
        var list = new List<byte[]>(count);
        int off = template.Length - 10;
        for (int i = 0; i < count; i++)
        {
            var f = (byte[])template.Clone();
            BitConverter.TryWriteBytes(f.AsSpan(off), i);
            BitConverter.TryWriteBytes(f.AsSpan(off + 4), ~i);
            list.Add(f);
        }
        return list;
    }

    private static readonly Regex Actual = new(@"Actual:\s+(\d+)\s+packets.*?sent in\s+([\d.]+)\s+seconds", RegexOptions.Compiled);
    private static readonly Regex Rated = new(@"Rated:.*?([\d.]+)\s+pps", RegexOptions.Compiled);

    /// <summary>Runs tcpreplay with <paramref name="args"/>; returns its packets per second (Actual packets / seconds, else its Rated pps).</summary>
    private static double Tcpreplay(int expected, params string[] args)
    {
        double c0 = CpuTime(-1);
        var (code, o, e) = Sh.Try("tcpreplay", args);
        _cpu = CpuTime(-1) - c0;
        var text = o + e;
        if (code != 0) throw new InvalidOperationException($"tcpreplay {string.Join(' ', args)} exited {code}: {text.Trim()}");
        var a = Actual.Match(text);
        if (a.Success)
        {
            long pk = long.Parse(a.Groups[1].Value, CultureInfo.InvariantCulture);
            double s = double.Parse(a.Groups[2].Value, CultureInfo.InvariantCulture);
            if (pk != expected) Log($"warning: tcpreplay sent {pk} of {expected} packets");
            if (s > 0) return pk / s;
        }
        var r = Rated.Match(text);
        if (r.Success) return double.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"cannot parse tcpreplay output: {text.Trim()}");
    }

    private static readonly Regex TrafgenCpu = new(@"(\d+)\s+sec,\s+(\d+)\s+usec on CPU(\d+)\s+\((\d+) packets\)", RegexOptions.Compiled);

    /// <summary>
    /// Runs trafgen (netsniff-ng) for <paramref name="n"/> frames: its defaults (TX_RING, PACKET_QDISC_BYPASS,
    /// one process per CPU unless <paramref name="cpus"/>), without touching the host's socket memory
    /// sysctls or IRQ affinity (the machine is shared). Returns packets / the slowest process's send time,
    /// both as trafgen reports them (its timer stops before its last ring flush, at most one ring of frames).
    /// </summary>
    private static double Trafgen(int n, string ifname, int? cpus)
    {
        var args = new List<string> { "--no-sock-mem", "--notouch-irq", "-n", n.ToString(CultureInfo.InvariantCulture), "-o", ifname, "-i", _trafgenPath! };
        if (cpus is not null) args.InsertRange(0, ["--cpus", cpus.Value.ToString(CultureInfo.InvariantCulture)]);
        double c0 = CpuTime(-1);
        var (code, o, e) = Sh.Try("trafgen", args.ToArray());
        _cpu = CpuTime(-1) - c0;
        var text = o + e;
        if (code != 0) throw new InvalidOperationException($"trafgen {string.Join(' ', args)} exited {code}: {text.Trim()}");
        long packets = 0;
        double secs = 0;
        foreach (Match m in TrafgenCpu.Matches(text))
        {
            packets += long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
            secs = Math.Max(secs, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / 1e6);
        }
        if (packets == 0 || secs <= 0) throw new InvalidOperationException($"cannot parse trafgen output: {text.Trim()}");
        if (packets != n) Log($"warning: trafgen sent {packets} of {n} packets");
        return packets / secs;
    }

    /// <summary>A trafgen packet configuration holding exactly <paramref name="frame"/>, byte by byte.</summary>
    internal static string TrafgenConfig(byte[] frame)
    {
        var sb = new System.Text.StringBuilder("/* one 128-byte Ethernet/IPv6/SRH/UDP frame, the benchmark's frame #0 */\n{\n");
        for (int i = 0; i < frame.Length; i += 16)
            sb.Append("  ").Append(string.Join(", ", frame.Skip(i).Take(16).Select(b => $"0x{b:x2}"))).Append(",\n");
        sb.Length -= 2;
        return sb.Append("\n}\n").ToString();
    }

    private static string FirstLine((int Code, string Out, string Err) r) => (r.Out + r.Err).Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";

    private static void Teardown()
    {
        try { _lab?.Dispose(); } catch { }
        try { NodeBench.Lab?.Dispose(); } catch { }
        foreach (var f in new[] { _pcapPath, _pcap1Path, _trafgenPath })
            try { if (f is not null) File.Delete(f); } catch { }
    }

    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) return d.FullName;
        return Environment.CurrentDirectory;
    }

    internal static JsonArray LoadAvg()
    {
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return new JsonArray(parts.Take(3).Select(p => (JsonNode)double.Parse(p, CultureInfo.InvariantCulture)).ToArray());
    }

    internal static JsonArray Arr(IEnumerable<double> xs, int digits = 0) => new(xs.Select(x => (JsonNode)Math.Round(x, digits)).ToArray());
    internal static double Median(List<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
    internal static int ArgInt(string[] a, string name, int dflt) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1], CultureInfo.InvariantCulture) : dflt; }
    internal static string? ArgStr(string[] a, string name) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : null; }
    internal static void Log(string s) => Console.Error.WriteLine($"[bench] {s}");
}
