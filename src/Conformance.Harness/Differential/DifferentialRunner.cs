using System.Diagnostics;
using System.Net;
using Conformance.Harness.Lab;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tester;

namespace Conformance.Harness.Differential;

/// <summary>How the stimuli are paced.</summary>
/// <param name="FastRatePps">Rate of the stimuli no conforming DUT answers with an ICMP message (capped by the profile's traffic.max_rate_pps).</param>
/// <param name="RateLimitedInterval">Gap between two stimuli that may draw an ICMP error or an O-flag copy. The default,
/// 260 ms, keeps under Linux's per-destination ICMPv6 limit (net.ipv6.icmp.ratelimit 1 s, shifted by 2 for a /64
/// route: one per 250 ms after a burst of 6) and under the reference lab's O-flag punt rate (10/s).</param>
/// <param name="Quiet">Wait after each batch for stragglers.</param>
/// <param name="FinalWait">Wait after the last batch: a DUT that fails to resolve a neighbour answers Address/Host
/// Unreachable only after MAX_MULTICAST_SOLICIT × RETRANS_TIMER = 3 s (RFC 4861 §10), so 4 s.</param>
/// <param name="OFlagInterval">Gap between two O-flag stimuli (each may draw a punted copy): null = 1.25 / the profile's
/// parameters.o_flag.rate_per_second (125 ms at the labs' 10/s), never shorter than <see cref="Interval"/>.</param>
public sealed record PacingOptions(double FastRatePps = 1000, TimeSpan? RateLimitedInterval = null, TimeSpan? Quiet = null, int BatchSize = 1000,
    TimeSpan? FinalWait = null, TimeSpan? OFlagInterval = null)
{
    /// <summary>The gap between O-flag stimuli for a profile: see <see cref="OFlagInterval"/>.</summary>
    public TimeSpan OFlagGap(Profile profile)
    {
        var gap = OFlagInterval ?? (profile.Parameters.OFlag is { RatePerSecond: > 0 } o ? TimeSpan.FromSeconds(1.25 / o.RatePerSecond) : Interval);
        return gap > Interval ? gap : Interval;
    }

    public TimeSpan Final => FinalWait ?? TimeSpan.FromSeconds(4);
    public TimeSpan Interval => RateLimitedInterval ?? TimeSpan.FromMilliseconds(260);
    public TimeSpan QuietPeriod => Quiet ?? TimeSpan.FromMilliseconds(500);
}

/// <summary>What one DUT did with every stimulus.</summary>
public sealed record DutRun(
    string Label, string ProfilePath, string ProfileName, string Fault,
    IReadOnlyDictionary<int, IReadOnlyList<NormalizedOutput>> Outputs,
    IReadOnlyList<NormalizedOutput> Unattributed,
    int Sent, int Batches, TimeSpan Duration, TimeSpan StartupDuration,
    int IcmpErrors, double MaxIcmpErrorsPerSecond, IReadOnlyList<string> RateLimitState, IReadOnlyList<string> Notes)
{
    public IReadOnlyList<NormalizedOutput> For(int index) => Outputs.TryGetValue(index, out var o) ? o : [];
}

/// <summary>
/// Sends a <see cref="StimulusSet"/> through one DUT: brings the profile's testbed up (with a fault mode, if any),
/// sends every stimulus into its ingress port in bounded, paced batches while capturing on every tester port, waits
/// for stragglers, attributes each captured frame to its stimulus by the tag in its payload, filters ND/ARP/MLD chatter,
/// normalises, and tears the testbed down.
/// </summary>
public static class DifferentialRunner
{
    public static async Task<DutRun> RunAsync(string label, Profile profile, LabFaultMode fault, StimulusSet set, PacingOptions pacing,
        Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        var total = Stopwatch.StartNew();
        var notes = new List<string>();
        log($"{label}: bringing up {profile.Name} (fault mode {fault.Name})");
        await using var tb = await LiveTestbed.StartAsync(profile, fault, ct).ConfigureAwait(false);
        log($"{label}: up in {tb.StartupDuration.TotalSeconds:0.0} s");
        var rateState = new List<string>();
        if (profile.Testbed.Platform == "linux") rateState.Add("before: " + await LinuxRateLimitStateAsync(tb).ConfigureAwait(false));

        var macs = new Dictionary<string, System.Net.NetworkInformation.PhysicalAddress>();
        // Every tester port, not only the ingress ones: the Neighbor Solicitation (RFC 4861 §7.2.3) and an ARP reply to the
        // DUT's IPv4 address (RFC 826) give the DUT the tester's addresses before the first stimulus, so both DUTs start
        // with the neighbours known (the Linux lab has them as permanent entries; a DUT that resolves on demand would
        // otherwise drop what overflows its queue while the first resolution is under way: a difference of set-up, not behaviour).
        foreach (var port in profile.Testbed.TesterPorts)
        {
            var mac = await tb.Port(port.Name).ResolveAsync(port.DutIpv6, port.TesterIpv6.Address, profile.Parameters.Timeouts.Capture * 3).ConfigureAwait(false);
            macs[port.Name] = mac;
            if (port.TesterIpv4 is { } t4 && port.DutIpv4 is { } d4)
            {
                var arp = NeighborDiscovery.BuildArpReply(tb.Port(port.Name).Mac, t4.Address, d4, mac);
                using var session = new TrafficSession(tb.Ports.Values);
                session.SendPaced(port.Name, _ => arp, 1, 100, ct);
                await session.CompleteAsync(_ => false, TimeSpan.Zero, TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            }
        }
        var normalizer = new OutputNormalizer(DutAddresses(profile));
        var outputs = new Dictionary<int, List<NormalizedOutput>>();
        var unattributed = new List<NormalizedOutput>();
        var errorTimes = new List<DateTime>();
        var limits = profile.Parameters.Traffic;
        int sent = 0, batches = 0, fastErrors = 0;
        double fastRate = Math.Min(pacing.FastRatePps, limits.MaxRatePps);
        double slowRate = Math.Min(1.0 / pacing.Interval.TotalSeconds, limits.MaxRatePps);
        // A batch stays within the profile's bounds: traffic.max_packets_per_case, and its duration within max_duration_s.
        int maxByTimeFast = Math.Max(1, (int)(fastRate * limits.Duration.TotalSeconds * 0.8));
        int maxByTimeSlow = Math.Max(1, (int)(slowRate * limits.Duration.TotalSeconds * 0.8));
        int fastBatch = Math.Min(Math.Min(pacing.BatchSize, (int)Math.Min(limits.MaxPackets, int.MaxValue)), maxByTimeFast);
        int slowBatch = Math.Min(Math.Min(pacing.BatchSize, (int)Math.Min(limits.MaxPackets, int.MaxValue)), maxByTimeSlow);

        void Attribute(IEnumerable<Capture.Frame> received)
        {
            foreach (var f in received)
            {
                var o = normalizer.Normalize(f.Port, f.Data);
                if (o.Fields.Any(x => x.Path == "inner.icmpv6.type" && int.TryParse(x.Value, out var t) && t < 128)) errorTimes.Add(f.TimestampUtc);
                int idx = StimulusGenerator.FindTag(f.Data);
                if (idx < 0 || idx >= set.Stimuli.Count) { unattributed.Add(o); continue; }
                bool error = o.Fields.Any(x => (x.Path == "inner.icmpv6.type" && int.TryParse(x.Value, out var t) && t < 128)
                    || (x.Path == "inner.ipv4.protocol" && x.Value == "1" && o.Fields.Any(y => y.Path == "inner.ipv4.src" && y.Value == OutputNormalizer.DutAddressClass)));
                if (error && !set.Stimuli[idx].RateLimited) fastErrors++;
                if (!outputs.TryGetValue(idx, out var l)) outputs[idx] = l = [];
                l.Add(o);
            }
        }

        async Task SendAsync(IReadOnlyList<Stimulus> batch, double pps)
        {
            foreach (var group in batch.GroupBy(s => s.IngressPort))
            {
                var port = tb.Port(group.Key);
                var frames = group.Select(s => Frame(port.Mac, macs[group.Key], s.Ip)).ToList();
                using var session = new TrafficSession(tb.Ports.Values);
                long n = session.SendPaced(group.Key, i => frames[(int)i], frames.Count, pps, ct);
                if (n != frames.Count) throw new TestbedException($"{label}: only {n} of {frames.Count} stimuli were sent in batch {batches + 1} (traffic.max_duration_s?).");
                var result = await session.CompleteAsync(_ => false, TimeSpan.Zero, pacing.QuietPeriod).ConfigureAwait(false);
                sent += (int)n;
                batches++;
                Attribute(result.Received);
            }
        }

        var fast = set.Stimuli.Where(s => !s.RateLimited).ToList();
        // O-flag stimuli apart: each may be punted, and the punt rate limit (RFC 9259 §2.1.1) is usually far below the ICMP one.
        var slow = set.Stimuli.Where(s => s.RateLimited && !s.OFlag).ToList();
        var oflag = set.Stimuli.Where(s => s.RateLimited && s.OFlag).ToList();
        var oflagGap = pacing.OFlagGap(profile);
        double oflagRate = Math.Min(1.0 / oflagGap.TotalSeconds, limits.MaxRatePps);
        int oflagBatch = Math.Min(slowBatch, Math.Max(1, (int)(oflagRate * limits.Duration.TotalSeconds * 0.8)));
        log($"{label}: {fast.Count} stimuli at {fastRate:0} pps, {slow.Count} that may draw an ICMP error one per {pacing.Interval.TotalMilliseconds:0} ms, " +
            $"{oflag.Count} with the O-flag one per {oflagGap.TotalMilliseconds:0} ms " +
            $"(~{fast.Count / fastRate + slow.Count * pacing.Interval.TotalSeconds + oflag.Count * oflagGap.TotalSeconds:0} s of traffic)");
        for (int i = 0; i < fast.Count; i += fastBatch)
        {
            ct.ThrowIfCancellationRequested();
            await SendAsync(fast.Skip(i).Take(fastBatch).ToList(), fastRate).ConfigureAwait(false);
        }
        for (int i = 0; i < slow.Count; i += slowBatch)
        {
            ct.ThrowIfCancellationRequested();
            await SendAsync(slow.Skip(i).Take(slowBatch).ToList(), slowRate).ConfigureAwait(false);
            log($"{label}: {sent}/{set.Stimuli.Count} sent");
        }
        for (int i = 0; i < oflag.Count; i += oflagBatch)
        {
            ct.ThrowIfCancellationRequested();
            await SendAsync(oflag.Skip(i).Take(oflagBatch).ToList(), oflagRate).ConfigureAwait(false);
            log($"{label}: {sent}/{set.Stimuli.Count} sent");
        }
        using (var stragglers = new TrafficSession(tb.Ports.Values))
            Attribute((await stragglers.CompleteAsync(_ => false, TimeSpan.Zero, pacing.Final).ConfigureAwait(false)).Received);
        if (profile.Testbed.Platform == "linux") rateState.Add("after: " + await LinuxRateLimitStateAsync(tb).ConfigureAwait(false));
        double maxPerSecond = 0;
        errorTimes.Sort();
        for (int i = 0, j = 0; i < errorTimes.Count; i++)
        {
            while (errorTimes[i] - errorTimes[j] > TimeSpan.FromSeconds(1)) j++;
            maxPerSecond = Math.Max(maxPerSecond, i - j + 1);
        }
        if (fastErrors > 0)
            notes.Add($"{fastErrors} ICMP error(s) answered stimuli sent at the fast rate (not predicted to draw one): a DUT whose ICMP rate limit bit there would show differences that are pacing, not behaviour.");
        if (unattributed.Count > 0) notes.Add($"{unattributed.Count} captured packet(s) carried no stimulus tag (listed in the report).");
        var startup = tb.StartupDuration;
        await tb.DisposeAsync().ConfigureAwait(false);
        if (tb.RollbackDiff is { Count: > 0 } diff) notes.Add("rollback incomplete: " + string.Join("; ", diff.Take(5)));
        log($"{label}: done in {total.Elapsed.TotalSeconds:0.0} s: {sent} sent, {outputs.Values.Sum(l => l.Count)} outputs attributed, {unattributed.Count} not");
        return new DutRun(label, profile.SourcePath, profile.Name, fault.Name,
            outputs.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<NormalizedOutput>)kv.Value.OrderBy(o => o.Canonical, StringComparer.Ordinal).ToList()),
            unattributed, sent, batches, total.Elapsed, startup, errorTimes.Count, maxPerSecond, rateState, notes);
    }

    /// <summary>The Ethernet frame of a stimulus on one port: the tester's MAC to the DUT's.</summary>
    public static byte[] Frame(System.Net.NetworkInformation.PhysicalAddress src, System.Net.NetworkInformation.PhysicalAddress dst, byte[] ip)
    {
        var f = new byte[14 + ip.Length];
        dst.GetAddressBytes().CopyTo(f, 0);
        src.GetAddressBytes().CopyTo(f, 6);
        f[12] = (byte)((ip[0] >> 4) == 4 ? 0x08 : 0x86);
        f[13] = (byte)((ip[0] >> 4) == 4 ? 0x00 : 0xDD);
        ip.CopyTo(f, 14);
        return f;
    }

    /// <summary>The addresses of the DUT the profile knows: its tester-facing addresses, its loopback (locator::1) and its SIDs.</summary>
    public static IReadOnlySet<IPAddress> DutAddresses(Profile profile)
    {
        var set = new HashSet<IPAddress>();
        foreach (var p in profile.Testbed.TesterPorts)
        {
            set.Add(p.DutIpv6);
            if (p.DutIpv4 is { } v4) set.Add(v4);
        }
        set.Add(ProfileDutConfig.Loopback(profile));
        foreach (var s in profile.Parameters.Sids.Values) set.Add(s.Address);
        return set;
    }

    /// <summary>The Linux DUT's ICMPv6 rate-limit settings and counters (read-only), to record the rate-limit state.</summary>
    private static async Task<string> LinuxRateLimitStateAsync(LiveTestbed tb)
    {
        try
        {
            var r = await tb.Session.RunAsync("sysctl -n net.ipv6.icmp.ratelimit net.ipv6.icmp.ratemask; grep -E 'Icmp6OutErrors|RateLimit' /proc/net/snmp6").ConfigureAwait(false);
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length >= 2
                ? $"net.ipv6.icmp.ratelimit={lines[0]} ms, ratemask={lines[1]}; " + string.Join(", ", lines.Skip(2).Select(l => string.Join('=', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))))
                : r.Stdout.Trim();
        }
        catch (Exception e) when (e is TestbedException or InvalidOperationException or IOException)
        {
            return $"not read ({e.Message})";
        }
    }
}
