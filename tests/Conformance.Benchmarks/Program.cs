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
///   dotnet run -c Release --project tests/Conformance.Benchmarks [-- --quick] [--frames N] [--rounds R] [--out FILE]
/// Prints one JSON object on stdout and writes it to reports/benchmarks/latest.json.
/// </summary>
internal static class Program
{
    private static BenchLab? _lab;
    private static string? _pcapPath;

    private static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        int frames = ArgInt(args, "--frames", quick ? 20_000 : 200_000);
        int rounds = ArgInt(args, "--rounds", quick ? 1 : 3);
        int captureFrames = ArgInt(args, "--capture-frames", quick ? 20_000 : 500_000);
        string? outPath = ArgStr(args, "--out");
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Log("warning: not root? creating namespaces and AF_PACKET sockets needs CAP_NET_ADMIN/CAP_NET_RAW.");

        Console.CancelKeyPress += (_, e) => { Log("interrupted: tearing down the lab"); Teardown(); Environment.Exit(130); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Teardown();
        try
        {
            var result = Run(quick, frames, rounds, captureFrames);
            var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            Console.WriteLine(json);
            outPath ??= Path.Combine(RepoRoot(), "reports", "benchmarks", quick ? "quick.json" : "latest.json");
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
        Log($"lab {lab.Namespace}: {lab.TesterIf} (tester, root ns) <-> {lab.FarIf} (in {lab.Namespace})");
        string testerMac = lab.TesterMac, farMac = lab.FarMac;

        // ---- 1. injection: harness vs tcpreplay, same frames, same interface ----
        var outbound = BuildFrames(n, testerMac, farMac);
        _pcapPath = Path.Combine(Path.GetTempPath(), $"s6c-{lab.Id}-bench.pcap");
        var t0 = DateTime.UtcNow;
        PcapFile.WritePcap(_pcapPath, outbound.Select((f, i) => new Frame(t0.AddTicks(i * 10), f, "t1", FrameDirection.Sent)));

        using var port = TesterPort.Open(new TesterPortBinding("t1", lab.TesterIf, []),
            new TrafficLimits(MaxPackets: 2_000_000, MaxRatePps: 5_000_000, MaxDuration: TimeSpan.FromSeconds(120)));
        if (!port.FastPath) Log("warning: tester port has no fast path (S6C_NO_FAST_TX=1 or AF_PACKET unavailable)");

        var harness = new List<double>();
        var replay = new List<double>();
        var replayPreload = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            replay.Add(Tcpreplay(lab.TesterIf, _pcapPath, n, preload: false));
            replayPreload.Add(Tcpreplay(lab.TesterIf, _pcapPath, n, preload: true));
            var sw = Stopwatch.StartNew();
            port.SendBurst(outbound, keepEvidence: false);
            harness.Add(n / sw.Elapsed.TotalSeconds);
            Log($"round {r + 1}/{rounds}: tcpreplay {replay[^1]:0} pps (preloaded {replayPreload[^1]:0}), harness {harness[^1]:0} pps");
        }

        var swE = Stopwatch.StartNew();
        port.SendBurst(outbound, keepEvidence: true);
        double withEvidence = n / swE.Elapsed.TotalSeconds;
        int evidence = port.TakeSent().Count;

        double bypassPps;
        using (var raw = RawSocketInjector.Open(lab.TesterIf, qdiscBypass: true))
        {
            var sw = Stopwatch.StartNew();
            raw.Send(outbound);
            bypassPps = n / sw.Elapsed.TotalSeconds;
            if (!raw.QdiscBypass) Log("note: PACKET_QDISC_BYPASS was refused; that figure is without bypass");
        }

        // TesterPort.SendPaced (fast path, one batch per tick) at 100 kpps: how close to the rate it stays.
        int pacedN = Math.Min(n, 100_000);
        var swP = Stopwatch.StartNew();
        long pacedSent = port.SendPaced(i => outbound[(int)i], pacedN, 100_000, keepEvidence: false);
        double pacedPps = pacedSent / swP.Elapsed.TotalSeconds;

        int slowN = Math.Min(n, 50_000);
        var swS = Stopwatch.StartNew();
        for (int i = 0; i < slowN; i++) port.Send(outbound[i]);
        double pcapPps = slowN / swS.Elapsed.TotalSeconds;
        port.TakeSent();
        Log($"harness paced at 100 kpps: {pacedPps:0} pps; harness with evidence {withEvidence:0} pps, raw+qdisc bypass {bypassPps:0} pps, pcap_sendpacket {pcapPps:0} pps");
        outbound = null!;

        // ---- 2. capture completeness: frames injected from the namespace arrive inbound on the tester port ----
        var inbound = BuildFrames(captureN, farMac, testerMac);
        using var sender = RawSocketInjector.OpenInNamespace(lab.Namespace, lab.FarIf, qdiscBypass: false);
        var paced = Capture(lab, port, sender, inbound, 100_000);
        Log($"paced 100 kpps: {paced.ToJsonString()}");
        var top = Capture(lab, port, sender, inbound, null);
        Log($"top speed: {top.ToJsonString()}");
        var load1 = LoadAvg();

        // The ratio is taken against the faster of tcpreplay's two modes (reading the file, or preloaded).
        double hMed = Median(harness), rMed = Math.Max(Median(replay), Median(replayPreload));
        return new JsonObject
        {
            ["benchmark"] = "srv6-conformance tester port",
            ["quick"] = quick,
            ["timestamp_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                ["load_avg_before"] = load0,
                ["load_avg_after"] = load1,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["injection"] = new JsonObject
            {
                ["frames"] = n,
                ["frame_bytes"] = 128,
                ["rounds"] = rounds,
                ["harness_pps"] = Math.Round(hMed),
                ["tcpreplay_pps"] = Math.Round(rMed),
                ["ratio"] = Math.Round(hMed / rMed, 2),
                ["goal_ratio"] = 1.5,
                ["harness_samples_pps"] = Arr(harness),
                ["tcpreplay_samples_pps"] = Arr(replay),
                ["tcpreplay_preload_samples_pps"] = Arr(replayPreload),
                ["tcpreplay_pps_is"] = Median(replay) >= Median(replayPreload) ? "median of tcpreplay --topspeed" : "median of tcpreplay --topspeed --preload-pcap",
                ["harness_paced_100kpps_achieved_pps"] = Math.Round(pacedPps),
                ["harness_paced_frames"] = pacedSent,
                ["harness_path"] = port.FastPath ? "AF_PACKET sendmmsg (TesterPort.SendBurst, keepEvidence:false)" : "libpcap",
                ["harness_with_evidence_pps"] = Math.Round(withEvidence),
                ["harness_with_evidence_frames_kept"] = evidence,
                ["raw_injector_qdisc_bypass_pps"] = Math.Round(bypassPps),
                ["pcap_sendpacket_pps"] = Math.Round(pcapPps),
                ["pcap_sendpacket_frames"] = slowN,
                ["tcpreplay_version"] = (Sh.Try("tcpreplay", "-V") is var v ? v.Out + v.Err : "").Split('\n')[0].Trim(),
            },
            ["capture"] = new JsonObject { ["paced_100kpps"] = paced, ["top_speed"] = top },
        };
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

    /// <summary>Runs tcpreplay --topspeed and returns its packets per second (Actual packets / seconds, else its Rated pps).</summary>
    private static double Tcpreplay(string ifname, string pcap, int expected, bool preload)
    {
        var (code, o, e) = preload
            ? Sh.Try("tcpreplay", "--topspeed", "--preload-pcap", "-i", ifname, pcap)
            : Sh.Try("tcpreplay", "--topspeed", "-i", ifname, pcap);
        var text = o + e;
        if (code != 0) throw new InvalidOperationException($"tcpreplay exited {code}: {text.Trim()}");
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

    private static void Teardown()
    {
        try { _lab?.Dispose(); } catch { }
        try { if (_pcapPath is not null) File.Delete(_pcapPath); } catch { }
    }

    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) return d.FullName;
        return Environment.CurrentDirectory;
    }

    private static JsonArray LoadAvg()
    {
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return new JsonArray(parts.Take(3).Select(p => (JsonNode)double.Parse(p, CultureInfo.InvariantCulture)).ToArray());
    }

    private static JsonArray Arr(IEnumerable<double> xs) => new(xs.Select(x => (JsonNode)Math.Round(x)).ToArray());
    private static double Median(List<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
    private static int ArgInt(string[] a, string name, int dflt) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1], CultureInfo.InvariantCulture) : dflt; }
    private static string? ArgStr(string[] a, string name) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : null; }
    private static void Log(string s) => Console.Error.WriteLine($"[bench] {s}");
}
