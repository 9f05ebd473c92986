using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Conformance.Harness.Lab;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;

namespace Conformance.Benchmarks;

/// <summary>
/// <c>--node</c>: the reference node's forwarding rate (End, H.Encaps) and its start times (issue #15, "Numbers to
/// meet"). The node sits between two veth pairs in its own namespace; the harness's tester ports inject on the ingress
/// pair and answer ND for the egress next hop on the egress pair; frames forwarded are counted on the egress tester
/// interface (its rx_packets), the node's own counters are read through its CLI.
/// </summary>
internal static class NodeBench
{
    internal static NodeLab? Lab;

    // Documentation prefixes only (RFC 3849).
    private const string IngressAddr = "2001:db8:0:1::1", IngressPeer = "2001:db8:0:1::2";
    private const string EgressAddr = "2001:db8:0:2::1", EgressPeer = "2001:db8:0:2::2";
    private const string EndSid = "2001:db8:e::1", EncapsSegment = "2001:db8:c::2", SteerPrefix = "2001:db8:d::/48";
    private const string Source = "2001:db8:a::1";

    private static string StartupConfig(NodeLab lab) => $"""
        hostname bench
        interface {lab.Node1}
         ipv6 address {IngressAddr}/64
        interface {lab.Node2}
         ipv6 address {EgressAddr}/64
        end

        """;

    /// <summary>What the lab's pack would render: the SID, the policy and the route, typed into a CLI session and committed.</summary>
    private static string[] ConfigLines(NodeLab lab) =>
    [
        "configure",
        $"route 2001:db8:c::/48 via {EgressPeer} interface {lab.Node2}",
        "segment-routing srv6",
        $" source-address {EgressAddr}",
        " local-sid bench-end",
        $"  sid {EndSid}",
        "  behavior End",
        " policy bench-encaps",
        "  mode H.Encaps",
        $"  segment-list {EncapsSegment}",
        $"  steer {SteerPrefix}",
        "commit comment node benchmark",
        "end",
    ];

    public static JsonObject Run(bool quick, string[] args)
    {
        int frames = Program.ArgInt(args, "--frames", quick ? 20_000 : 100_000);
        int rounds = Math.Max(3, Program.ArgInt(args, "--rounds", 3));
        int maxTrials = Program.ArgInt(args, "--max-trials", quick ? 6 : 8);
        double startRate = Program.ArgInt(args, "--start-rate", 100_000);
        double maxRate = Program.ArgInt(args, "--max-rate", 1_000_000);
        var load0 = Program.LoadAvg();
        // --node-assembly: another build of the node (A/B comparisons of a change); default: this checkout's, as the lab finds it.
        var assembly = Program.ArgStr(args, "--node-assembly") is { } a ? Path.GetFullPath(a) : ReferenceNodeLaunch.LocateAssembly();
        Lab = new NodeLab();
        var lab = Lab;
        Program.Log($"lab {lab.Namespace}: {lab.Tester1} <-> {lab.Node1} [node] {lab.Node2} <-> {lab.Tester2}; node {assembly}; load {load0.ToJsonString()}");
        var limits = new TrafficLimits(MaxPackets: 2_000_000, MaxRatePps: 5_000_000, MaxDuration: TimeSpan.FromSeconds(60));
        string t1Mac = lab.Mac(lab.Tester1, false), t2Mac = lab.Mac(lab.Tester2, false), n1Mac = lab.Mac(lab.Node1, true);

        var endFrames = BuildEndFrames(frames, t1Mac, n1Mac);
        var encFrames = BuildEncapsFrames(frames, t1Mac, n1Mac);

        var listenMs = new List<double>();
        var configuredMs = new List<double>();
        var cliConfigMs = new List<double>();
        var endResults = new List<JsonObject>();
        var encResults = new List<JsonObject>();
        var endBest = new List<double>();
        var encBest = new List<double>();
        JsonObject? verify = null;
        var loads = new JsonArray();

        for (int r = 0; r < rounds; r++)
        {
            // Start and configuration, timed from the process start (as the lab starts it) to the committed configuration.
            var sw = Stopwatch.StartNew();
            var listen = lab.StartNode(assembly, StartupConfig(lab));
            var swCli = Stopwatch.StartNew();
            using var cli = new NodeCli(lab.Control);
            foreach (var line in ConfigLines(lab)) cli.Run(line);
            var configured = sw.Elapsed;
            listenMs.Add(listen.TotalMilliseconds);
            configuredMs.Add(configured.TotalMilliseconds);
            cliConfigMs.Add(swCli.Elapsed.TotalMilliseconds);
            Program.Log($"round {r + 1}/{rounds}: node listening after {listen.TotalMilliseconds:0} ms, configured after {configured.TotalMilliseconds:0} ms (pid {lab.NodePid})");

            using var ingress = TesterPort.Open(new TesterPortBinding("t1", lab.Tester1, [IPAddress.Parse(IngressPeer)]), limits);
            using var egress = TesterPort.Open(new TesterPortBinding("t2", lab.Tester2, [IPAddress.Parse(EgressPeer)]), limits);

            // Warm-up (not counted): resolves the egress next hop through the tester's ND answer, lets the node's JIT tier up.
            foreach (var fs in new[] { endFrames, encFrames })
            {
                Trial(lab, cli, ingress, fs, Math.Min(fs.Count, 20_000), 50_000);
                Trial(lab, cli, ingress, fs, Math.Min(fs.Count, 50_000), 100_000);
            }
            if (r == 0) verify = Verify(lab, cli, ingress, egress, endFrames, encFrames);

            foreach (var (name, fs, results, best) in new[] { ("End", endFrames, endResults, endBest), ("H.Encaps", encFrames, encResults, encBest) })
            {
                var search = Search(lab, cli, ingress, fs, startRate, maxRate, maxTrials);
                search["round"] = r + 1;
                results.Add(search);
                best.Add((double)search["highest_zero_loss_pps"]!);
                Program.Log($"round {r + 1} {name}: highest zero-loss {(double)search["highest_zero_loss_pps"]!:0} pps; trials {search["trials"]!.ToJsonString()}");
            }
            loads.Add(Program.LoadAvg());
            lab.StopNode();
        }
        var load1 = Program.LoadAvg();

        JsonObject Stats(List<double> xs, string unit) => new()
        {
            [$"min_{unit}"] = Math.Round(xs.Min()),
            [$"median_{unit}"] = Math.Round(Program.Median(xs)),
            [$"max_{unit}"] = Math.Round(xs.Max()),
            ["samples"] = Program.Arr(xs),
        };
        double endMedian = Program.Median(endBest), encMedian = Program.Median(encBest);
        return new JsonObject
        {
            ["benchmark"] = "srv6-conformance reference node forwarding",
            ["quick"] = quick,
            ["timestamp_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["command"] = "dotnet run -c Release --project tests/Conformance.Benchmarks -- " + string.Join(' ', args),
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                ["load_avg_before"] = load0,
                ["load_avg_after_each_round"] = loads,
                ["load_avg_after"] = load1,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["conditions"] = new JsonObject
            {
                ["topology"] = "tester t1 (root ns) -veth- node n1 | reference node (namespace, kernel IPv6 off on n1, n2) | node n2 -veth- tester t2 (root ns)",
                ["node"] = $"dotnet {assembly} daemon --control <sock> --interfaces n1,n2 --config <startup> --log <file>, started as ReferenceLab.StartNodeAsync does",
                ["offered_by"] = "harness TesterPort.SendPaced on t1 (AF_PACKET sendmmsg, up to 256 frames per ~1 ms tick), keepEvidence:false",
                ["counted_on"] = "t2's rx_packets (the veth delivered the frame to the tester end), after the stream plus a settle time; the node's rx.frames/tx.frames via `show counters`",
                ["egress_tester_port_open"] = "yes: the egress TesterPort answers ND for the next hop and sees every forwarded frame on its libpcap handle, as in the suite",
                ["frame_bytes_offered"] = 128,
                ["frames_per_trial"] = frames,
                ["trial_time_bound_seconds"] = 60,
                ["rounds"] = rounds,
                ["round"] = "node (re)started and configured, warm-up (per behaviour 20,000 frames at 50 kpps and 50,000 at 100 kpps, not counted), then End's search, then H.Encaps's search",
                ["search"] = $"start at {startRate:0} pps; double after a zero-loss trial, until a loss or {maxRate:0} pps; then bisect between the highest zero-loss and the lowest lossy rate until they are within 5 % or {maxTrials} trials in all; the reported rate is the achieved offered rate (frames / send time) of the best zero-loss trial",
                ["zero_loss"] = "t2 received every frame offered (rx_packets delta ≥ frames) and the node counted no drop",
                ["end"] = $"Eth/IPv6 {Source} -> {EndSid}/SRH(3 segments, SL 2)/UDP, 128 bytes; End SID {EndSid}; out: DA 2001:db8:c::2, SL 1, 128 bytes, via {EgressPeer}",
                ["h_encaps"] = $"Eth/IPv6 {Source} -> 2001:db8:d::1/UDP, 128 bytes; policy H.Encaps steer {SteerPrefix} segment-list {EncapsSegment}; out: outer IPv6 + SRH(1 segment), 192 bytes, via {EgressPeer}",
            },
            ["start"] = new JsonObject
            {
                ["is"] = "process start (ip netns exec … dotnet srv6-refnode.dll daemon) to: the control socket (startup configuration with the interface addresses committed), and to the CLI commit of the SID, policy and route completed",
                ["to_listening_ms"] = Stats(listenMs, "ms"),
                ["to_configured_ms"] = Stats(configuredMs, "ms"),
                ["cli_configuration_only_ms"] = Stats(cliConfigMs, "ms"),
                ["goal_ms_at_most"] = 3000,
                ["met"] = configuredMs.Max() <= 3000,
            },
            ["verification"] = verify,
            ["end"] = new JsonObject
            {
                ["highest_zero_loss_pps"] = Stats(endBest, "pps"),
                ["searches"] = new JsonArray(endResults.Select(x => (JsonNode)x).ToArray()),
            },
            ["h_encaps"] = new JsonObject
            {
                ["highest_zero_loss_pps"] = Stats(encBest, "pps"),
                ["searches"] = new JsonArray(encResults.Select(x => (JsonNode)x).ToArray()),
            },
            ["goal"] = new JsonObject
            {
                ["zero_loss_pps_at_least"] = 100_000,
                ["end_median"] = Math.Round(endMedian),
                ["h_encaps_median"] = Math.Round(encMedian),
                ["met_by_median"] = endMedian >= 100_000 && encMedian >= 100_000,
                ["met_in_every_round"] = endBest.Min() >= 100_000 && encBest.Min() >= 100_000,
            },
        };
    }

    private static JsonObject Search(NodeLab lab, NodeCli cli, TesterPort ingress, List<byte[]> fs, double start, double max, int maxTrials)
    {
        var trials = new JsonArray();
        double bestAchieved = 0, lo = 0, hi = double.PositiveInfinity, rate = start;
        for (int i = 0; i < maxTrials; i++)
        {
            var t = Trial(lab, cli, ingress, fs, fs.Count, rate);
            trials.Add(t);
            bool ok = (bool)t["zero_loss"]!;
            double achieved = (double)t["achieved_pps"]!;
            if (ok) { lo = rate; bestAchieved = Math.Max(bestAchieved, achieved); }
            else hi = Math.Min(hi, rate);
            if (double.IsPositiveInfinity(hi))
            {
                // The sender could not reach the rate asked for: nothing faster to try.
                if (rate >= max || achieved < rate * 0.9) break;
                rate = Math.Min(max, rate * 2);
            }
            else
            {
                if (hi / Math.Max(lo, 1) <= 1.05) break;
                rate = lo == 0 ? hi / 2 : (lo + hi) / 2;
                if (rate < 5_000) break;
            }
        }
        return new JsonObject
        {
            ["highest_zero_loss_pps"] = Math.Round(bestAchieved),
            ["lowest_lossy_requested_pps"] = double.IsPositiveInfinity(hi) ? null : Math.Round(hi),
            ["trials"] = trials,
        };
    }

    /// <summary>One bounded trial: <paramref name="count"/> frames at <paramref name="rate"/>, then counts.</summary>
    private static JsonObject Trial(NodeLab lab, NodeCli cli, TesterPort ingress, List<byte[]> fs, int count, double rate)
    {
        cli.Run("clear counters");
        var cpu0 = NodeCpu(lab);
        long rx0 = lab.Stat(lab.Tester2, "rx_packets");
        long tx0 = lab.Stat(lab.Tester1, "tx_packets"), txd0 = lab.Stat(lab.Tester1, "tx_dropped");
        var sw = Stopwatch.StartNew();
        long sent = ingress.SendPaced(i => fs[(int)i], count, rate, keepEvidence: false);
        double secs = sw.Elapsed.TotalSeconds;
        // Settle: until t2's counter stops moving for 100 ms (at most 2 s).
        long last = -1, rx = 0;
        var settle = Stopwatch.StartNew();
        while (settle.ElapsedMilliseconds < 2000)
        {
            rx = lab.Stat(lab.Tester2, "rx_packets") - rx0;
            if (rx == last && rx >= sent) break;
            if (rx == last && settle.ElapsedMilliseconds > 300) break;
            last = rx;
            Thread.Sleep(100);
        }
        var cpu1 = NodeCpu(lab);
        var counters = ParseCounters(cli.Run("show counters"));
        long nodeRx = counters.GetValueOrDefault("rx.frames"), nodeTx = counters.GetValueOrDefault("tx.frames");
        long drops = counters.Where(kv => kv.Key.StartsWith("drop.", StringComparison.Ordinal)).Sum(kv => kv.Value);
        var dropObj = new JsonObject();
        foreach (var kv in counters.Where(kv => kv.Key.StartsWith("drop.", StringComparison.Ordinal))) dropObj[kv.Key] = kv.Value;
        bool ok = rx >= sent && sent == count && drops == 0;
        return new JsonObject
        {
            ["requested_pps"] = Math.Round(rate),
            ["achieved_pps"] = Math.Round(sent / secs),
            ["sent"] = sent,
            ["t1_tx_packets"] = lab.Stat(lab.Tester1, "tx_packets") - tx0,
            ["t1_tx_dropped"] = lab.Stat(lab.Tester1, "tx_dropped") - txd0,
            ["node_rx_frames"] = nodeRx,
            ["node_tx_frames"] = nodeTx,
            ["node_drops"] = dropObj,
            ["t2_rx_packets"] = rx,
            ["node_cpu_seconds"] = Math.Round(cpu1.Process - cpu0.Process, 2),
            ["node_receive_thread_cpu_seconds"] = Math.Round(cpu1.Receive - cpu0.Receive, 2),
            ["node_receive_thread_cpu_us_per_frame"] = Math.Round((cpu1.Receive - cpu0.Receive) / Math.Max(1, sent) * 1e6, 2),
            ["lost"] = Math.Max(0, sent - rx),
            ["zero_loss"] = ok,
        };
    }

    /// <summary>CPU seconds (user + system) of the node's process and of its receive thread ("refnode-receive"), from /proc (10 ms ticks).</summary>
    private static (double Process, double Receive) NodeCpu(NodeLab lab)
    {
        if (lab.NodePid is not { } pid) return (double.NaN, double.NaN);
        static double Ticks(string statPath)
        {
            try
            {
                var text = File.ReadAllText(statPath);
                var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0; // utime, stime
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return 0; }
        }
        double receive = 0;
        try
        {
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "refnode-receive") receive += Ticks(Path.Combine(task, "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return (Ticks($"/proc/{pid}/stat"), receive);
    }

    private static Dictionary<string, long> ParseCounters(string text)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length == 2 && long.TryParse(p[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) d[p[0]] = v;
        }
        return d;
    }

    /// <summary>A few frames of each behaviour captured on t2 and checked: what the node forwards is what RFC 8986 says.</summary>
    private static JsonObject Verify(NodeLab lab, NodeCli cli, TesterPort ingress, TesterPort egress, List<byte[]> end, List<byte[]> enc)
    {
        var o = new JsonObject();
        string n2Mac = lab.Mac(lab.Node2, true).Replace(":", "", StringComparison.Ordinal);
        foreach (var (name, fs) in new[] { ("end", end), ("h_encaps", enc) })
        {
            using var cap = egress.StartCapture("ip6");
            Thread.Sleep(100);
            ingress.SendBurst(fs.Take(10).ToList(), keepEvidence: false);
            Thread.Sleep(300);
            cap.Stop();
            var got = cap.Frames.Where(f => f.Data.Length > 54 && f.Data[20] == 43).ToList();
            bool good = got.Count == 10;
            foreach (var f in got)
            {
                var d = f.Data;
                var src = Convert.ToHexString(d.AsSpan(6, 6)).ToLowerInvariant();
                var dst6 = new IPAddress(d.AsSpan(38, 16));
                good &= src == n2Mac && dst6.Equals(IPAddress.Parse(EncapsSegment)) && d[21] == 63 + (name == "end" ? 0 : 1);
                if (name == "end") good &= d.Length == 128 && d[54 + 3] == 1; // SL 2 -> 1, hop limit 64 -> 63
                else good &= d.Length == 192 && d[54 + 3] == 0 && d[54 + 2] == 4 && d[78 + 7] == 63 // SRH routing type 4, SL 0, inner hop limit 63
                    && new IPAddress(d.AsSpan(78 + 24, 16)).Equals(IPAddress.Parse("2001:db8:d::1"));
            }
            o[name] = new JsonObject { ["sent"] = 10, ["captured"] = got.Count, ["checked"] = good, ["first_frame_hex"] = got.Count > 0 ? Convert.ToHexString(got[0].Data).ToLowerInvariant() : null };
            Program.Log($"verify {name}: captured {got.Count}/10, {(good ? "as expected" : "NOT as expected")}");
        }
        return o;
    }

    /// <summary>End: Eth/IPv6/SRH(3 segments, SL 2, DA = the End SID)/UDP, 128 bytes, a sequence number in the payload.</summary>
    private static List<byte[]> BuildEndFrames(int count, string srcMac, string dstMac)
    {
        var segs = new[] { IPAddress.Parse("2001:db8:c::3"), IPAddress.Parse(EncapsSegment), IPAddress.Parse(EndSid) };
        var template = new PacketBuilder().Ethernet(srcMac, dstMac).Ipv6(IPAddress.Parse(Source), segs[2])
            .Srh(segs, 2).Udp(1000, 2000, new byte[10]).Build();
        return Sequence(template, count);
    }

    /// <summary>H.Encaps: Eth/IPv6/UDP to the steered prefix, 128 bytes.</summary>
    private static List<byte[]> BuildEncapsFrames(int count, string srcMac, string dstMac)
    {
        var template = new PacketBuilder().Ethernet(srcMac, dstMac).Ipv6(IPAddress.Parse(Source), IPAddress.Parse("2001:db8:d::1"))
            .Udp(1000, 2000, new byte[128 - 14 - 40 - 8]).Build();
        return Sequence(template, count);
    }

    /// <summary>Copies of <paramref name="template"/> with seq and ~seq in the last 10 bytes (the UDP checksum stays right).</summary>
    private static List<byte[]> Sequence(byte[] template, int count)
    {
        if (template.Length != 128) throw new InvalidOperationException($"template is {template.Length} bytes, not 128");
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
}
