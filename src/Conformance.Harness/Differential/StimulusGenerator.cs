using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Differential;

/// <summary>
/// One stimulus of a differential run: an IPv6 packet (from the IP header up; the Ethernet header is added per DUT when
/// it is sent) entering the DUT on <see cref="IngressPort"/>. <see cref="Tag"/> is in its payload (the innermost one for
/// an encapsulated packet), so every output it causes, a forwarded packet or an ICMP error quoting it, is attributed to it.
/// </summary>
/// <param name="Kind">What is notable about the stimulus, coarse enough to group differences (e.g. "SL=1,icmpv6,hl=1").</param>
/// <param name="Sid">The profile name of the SID the packet is addressed to ("-" for an address that is no SID).</param>
/// <param name="Behavior">The behaviour at the destination, with its flavors ("End+PSP"); "no SID" for none.</param>
/// <param name="RateLimited">True when a conforming DUT may answer with an ICMP error or an O-flag copy: such stimuli are
/// paced slowly enough that the DUT's own rate limits (RFC 4443 §2.4 (f), RFC 9259 §2.1.1) never bite.</param>
public sealed record Stimulus(int Index, string Id, string Kind, string Sid, string Behavior, string IngressPort, byte[] Ip, bool RateLimited)
{
    /// <summary>The DUT's SIDs the packet is processed by, in order: the destination SID, then, while that SID is an End that
    /// forwards by a FIB lookup, the next segment if it is a SID of the DUT too ("end → end_psp").</summary>
    public IReadOnlyList<string> Path { get; init; } = [];

    /// <summary>The behaviour of the last SID on <see cref="Path"/>: where the packet's processing at the DUT ends (equal to
    /// <see cref="Behavior"/> for a one-SID path).</summary>
    public string LastBehavior { get; init; } = "";

    /// <summary><see cref="Kind"/> as the packet arrives at the last SID on the path, as RFC 8986 processes it: the Segments
    /// Left token ("SL=0", "SL=1", "SL>1") is the one at that SID, "no SRH" after a PSP pop on the way.</summary>
    public string LastKind { get; init; } = "";

    public string Tag => StimulusGenerator.TagOf(Index);
    public string Notation => PacketDecoder.Decode(Ip, LinkKind.RawIp).Notation;
    public bool Fixed => Id.StartsWith('F');
    /// <summary>The packet carries an SRH with the O-flag set (it may be punted to the OAM process: paced by the punt rate).</summary>
    public bool OFlag => PacketDecoder.Decode(Ip, LinkKind.RawIp).Srh is { OFlag: true };
}

/// <summary>The stimuli of one differential run: the fixed table, then <see cref="Count"/> random packets from <see cref="Seed"/>.</summary>
public sealed record StimulusSet(int Seed, int Count, IReadOnlyList<Stimulus> Stimuli, IReadOnlyList<string> Sids, IReadOnlyList<string> Excluded)
{
    public int FixedCount => Stimuli.Count(s => s.Fixed);
}

/// <summary>
/// Builds the stimuli of a differential run over what BOTH profiles define and claim: a SID is used only when both
/// profiles name it with the same address, behaviour and flavors, and both claim the behaviour and the flavors. The
/// address plan (A, D, N2, N3, D3, A4, D4, D4X and the tester ports) is taken from profile A; the run refuses two
/// profiles whose plans differ (<see cref="CheckSamePlan"/>). Deterministic for a seed: a private SplitMix64 generator,
/// not <see cref="Random"/>, so a seed gives the same packets on every runtime.
/// </summary>
public static class StimulusGenerator
{
    public const string TagPrefix = "s6diff-";
    public const int DefaultCount = 10_000;
    private static readonly byte[] TagPrefixBytes = Encoding.ASCII.GetBytes(TagPrefix);
    public static readonly PhysicalAddress InnerSourceMac = PhysicalAddress.Parse("02-00-5E-00-53-01");
    public static readonly PhysicalAddress InnerDestinationMac = PhysicalAddress.Parse("02-00-5E-00-53-02");

    public static string TagOf(int index) => $"{TagPrefix}{index:D6}";

    /// <summary>The stimulus index whose tag the bytes carry (the first tag found), or -1.</summary>
    public static int FindTag(ReadOnlySpan<byte> bytes)
    {
        int at = bytes.IndexOf(TagPrefixBytes);
        if (at < 0 || at + TagPrefixBytes.Length + 6 > bytes.Length) return -1;
        int v = 0;
        foreach (var c in bytes.Slice(at + TagPrefixBytes.Length, 6))
        {
            if (c is < (byte)'0' or > (byte)'9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static readonly SrBehavior[] SrhBehaviors = [SrBehavior.End, SrBehavior.EndX, SrBehavior.EndT, SrBehavior.EndB6Encaps, SrBehavior.EndB6EncapsRed];
    private static readonly SrBehavior[] DecapBehaviors = [SrBehavior.EndDX6, SrBehavior.EndDT6, SrBehavior.EndDX4, SrBehavior.EndDT4, SrBehavior.EndDT46, SrBehavior.EndDX2];

    public static string BehaviorLabel(SidDefinition s) =>
        s.Behavior.Name() + string.Concat(s.Flavors.OrderBy(f => f).Select(f => "+" + f.Name()));

    /// <summary>The problems that make two profiles' address plans differ (empty when the same stimuli mean the same to both).</summary>
    public static IReadOnlyList<string> CheckSamePlan(Profile a, Profile b)
    {
        var problems = new List<string>();
        foreach (var (name, addr) in a.Parameters.Addresses)
            if (b.Parameters.Addresses.TryGetValue(name, out var other) && !other.Equals(addr))
                problems.Add($"parameters.addresses.{name}: {addr} in {a.SourcePath}, {other} in {b.SourcePath}");
        foreach (var p in a.Testbed.TesterPorts)
        {
            var q = b.Testbed.TesterPorts.FirstOrDefault(x => x.Name == p.Name);
            if (q is null) { problems.Add($"testbed.tester_ports: {p.Name} is in {a.SourcePath}, not in {b.SourcePath}"); continue; }
            if (!q.TesterIpv6.Equals(p.TesterIpv6) || !q.DutIpv6.Equals(p.DutIpv6))
                problems.Add($"testbed.tester_ports.{p.Name}: addresses differ ({p.TesterIpv6}/{p.DutIpv6} vs {q.TesterIpv6}/{q.DutIpv6})");
        }
        foreach (var need in new[] { "A", "D", "N2" })
            if (!a.Parameters.Addresses.ContainsKey(need) || !b.Parameters.Addresses.ContainsKey(need))
                problems.Add($"parameters.addresses.{need} is needed in both profiles");
        return problems;
    }

    /// <summary>The SIDs both profiles define identically and both claim (behaviour and every flavor), and why the others are left out.</summary>
    public static (IReadOnlyList<SidDefinition> Common, IReadOnlyList<string> Excluded) CommonSids(Profile a, Profile b)
    {
        var common = new List<SidDefinition>();
        var excluded = new List<string>();
        foreach (var s in a.Parameters.Sids.Values.Concat(b.Parameters.Sids.Values.Where(x => !a.Parameters.Sids.ContainsKey(x.Name))).OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            if (!a.Parameters.Sids.TryGetValue(s.Name, out var sa) || !b.Parameters.Sids.TryGetValue(s.Name, out var sb))
            { excluded.Add($"{s.Name} ({BehaviorLabel(s)}): defined in one profile only"); continue; }
            if (!sa.Address.Equals(sb.Address) || sa.Behavior != sb.Behavior || !sa.Flavors.SetEquals(sb.Flavors))
            { excluded.Add($"{s.Name}: defined differently ({BehaviorLabel(sa)} {sa.Address} vs {BehaviorLabel(sb)} {sb.Address})"); continue; }
            if (!a.Capabilities.Supports(s.Behavior) || !b.Capabilities.Supports(s.Behavior) || s.Flavors.Any(f => !a.Capabilities.SupportsFlavor(f) || !b.Capabilities.SupportsFlavor(f)))
            { excluded.Add($"{s.Name} ({BehaviorLabel(s)}): not claimed by both profiles"); continue; }
            if (s.Behavior == SrBehavior.EndBM)
            { excluded.Add($"{s.Name} ({BehaviorLabel(s)}): the generator has no stimuli for it (End.BM)"); continue; }
            if (IsCsid(sa) || IsCsid(sb))
            {
                if (!Equals(sa.Csid, sb.Csid))
                { excluded.Add($"{s.Name}: C-SID structures differ ({sa.Csid?.ToString() ?? "none"} vs {sb.Csid?.ToString() ?? "none"})"); continue; }
                if (sa.Csid is null || sa.Behavior is not (SrBehavior.End or SrBehavior.EndX or SrBehavior.EndT))
                { excluded.Add($"{s.Name} ({BehaviorLabel(s)}): the generator has C-SID stimuli only for End, End.X and End.T SIDs with a csid structure"); continue; }
            }
            common.Add(sa);
        }
        return (common, excluded);
    }

    /// <summary>A SID with a compression flavor (RFC 9800): its stimuli are the C-SID families, not the classic ones.</summary>
    public static bool IsCsid(SidDefinition s) => s.Csid is not null || s.Flavors.Contains(SrFlavor.NextCSid) || s.Flavors.Contains(SrFlavor.ReplaceCSid);

    /// <summary>One in <see cref="CsidEvery"/> of the random stimuli (all of them when no classic SID is shared) is drawn from
    /// the C-SID families when both profiles share C-SID SIDs, after the classic ones and from a generator of its own.</summary>
    public const int CsidEvery = 4;

    public static StimulusSet Generate(Profile a, Profile b, int seed, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "--count must be 0 or more");
        var (all, excluded) = CommonSids(a, b);
        var sids = all.Where(s => !IsCsid(s)).ToList();
        var csids = all.Where(IsCsid).ToList();
        var ctx = new Plan(a, sids) { CsidSids = csids };
        var list = new List<Stimulus>();
        foreach (var row in FixedTable(ctx))
        {
            int i = list.Count;
            var st = (row with { Index = i, Ip = row.Build(i), Id = $"F{i + 1:D2}" }).ToStimulus();
            var path = PathOf(sids, st.Ip);
            var lastKind = LastKindOf(sids, path, st.Ip, st.Kind);
            list.Add(st with { Path = path, RateLimited = st.RateLimited || MayDrawError(sids, path, st.Ip[7], lastKind),
                LastBehavior = LastBehaviorOf(sids, path, st.Behavior), LastKind = lastKind });
        }
        // The C-SID families come after the classic random stimuli (a share of --count) and their fixed rows last, so that a
        // seed and count give the classic stimuli of earlier runs, tags included, for as many as there still are.
        int csidCount = csids.Count == 0 ? 0 : sids.Count == 0 ? count : count / CsidEvery;
        var rng = new SplitMix64((ulong)(uint)seed);
        int first = list.Count;
        for (int i = 0; i < count - csidCount && sids.Count > 0; i++)
        {
            int index = first + i;
            var st = RandomStimulus(ctx, rng, index);
            var path = PathOf(sids, st.Ip);
            // Each SID on the path may decrement the hop limit, and End.T looks the next segment up in another table
            // (Destination Unreachable where it has no route): such packets may draw an ICMP error too.
            var lastKind = LastKindOf(sids, path, st.Ip, st.Kind);
            list.Add(st with { Id = $"R{i + 1:D5}", Path = path, RateLimited = st.RateLimited || MayDrawError(sids, path, st.Ip[7], lastKind),
                LastBehavior = LastBehaviorOf(sids, path, st.Behavior), LastKind = lastKind });
        }
        var csidRng = new SplitMix64((ulong)(uint)seed ^ 0xC51D_C51D_C51D_C51DUL);
        for (int i = 0; i < csidCount; i++)
        {
            int index = list.Count;
            var cs = RandomCsidStimulus(ctx, csidRng, index);
            list.Add(cs with { Id = $"R{index - first + 1:D5}", LastBehavior = cs.Behavior, LastKind = cs.Kind });
        }
        foreach (var row in CsidFixedTable(ctx))
        {
            int i = list.Count;
            var st = (row with { Index = i, Ip = row.Build(i), Id = $"F{i + 1:D2}" }).ToStimulus();
            list.Add(st with { Path = row.SidDef is null ? [] : [row.SidDef.Name], LastBehavior = st.Behavior, LastKind = st.Kind });
        }
        return new StimulusSet(seed, count, list, all.Select(s => s.Name).ToList(), excluded);
    }

    /// <summary>
    /// True when a conforming DUT may answer with an ICMP error although nothing about the packet is wrong: each SID on
    /// the path may decrement the hop limit (Time Exceeded), and End.T looks the next segment up in another table
    /// (Destination Unreachable where that table has no route). On a path of two or more SIDs also: the last SID reached
    /// at Segments Left 0 or without SRH (its upper-layer processing answers, RFC 8986 §4.1.1), or a decapsulating last SID
    /// (Parameter Problem at Segments Left &gt; 0, §4.4 S02-S03; else an upper layer that is not its own).
    /// </summary>
    private static bool MayDrawError(IReadOnlyList<SidDefinition> sids, IReadOnlyList<string> path, byte hopLimit, string lastKind) =>
        hopLimit <= path.Count + 1 || path.Any(n => sids.First(x => x.Name == n).Behavior == SrBehavior.EndT)
        || (path.Count > 1 && (lastKind.StartsWith("SL=0", StringComparison.Ordinal) || lastKind.StartsWith("no SRH", StringComparison.Ordinal)
            || DecapBehaviors.Contains(sids.First(x => x.Name == path[^1]).Behavior)));

    private static string LastBehaviorOf(IReadOnlyList<SidDefinition> sids, IReadOnlyList<string> path, string behavior) =>
        path.Count == 0 ? behavior : BehaviorLabel(sids.First(x => x.Name == path[^1]));

    /// <summary>See <see cref="Stimulus.LastKind"/>: each End on the way decrements Segments Left (S13); an End with PSP
    /// that leaves Segments Left 0 removes the SRH (RFC 8986 §4.16.1).</summary>
    public static string LastKindOf(IReadOnlyList<SidDefinition> sids, IReadOnlyList<string> path, byte[] ip, string kind)
    {
        if (path.Count <= 1) return kind;
        var srh = PacketDecoder.Decode(ip, LinkKind.RawIp).Srh;
        if (srh is null) return kind;
        int sl = srh.SegmentsLeft;
        bool popped = false;
        foreach (var name in path.Take(path.Count - 1))
        {
            sl--;
            if (sl == 0 && sids.First(x => x.Name == name).Has(SrFlavor.Psp)) popped = true;
        }
        string token = popped ? "no SRH" : sl switch { 0 => "SL=0", 1 => "SL=1", _ => "SL>1" };
        var parts = kind.Split(',').ToList();
        if (parts.Count > 0 && parts[0].StartsWith("SL", StringComparison.Ordinal)) parts[0] = token;
        else parts.Insert(0, token);
        return string.Join(',', parts);
    }

    /// <summary>See <see cref="Stimulus.Path"/>.</summary>
    public static IReadOnlyList<string> PathOf(IReadOnlyList<SidDefinition> sids, byte[] ip)
    {
        var d = PacketDecoder.Decode(ip, LinkKind.RawIp);
        var path = new List<string>();
        if (d.Ipv6 is null) return path;
        var sid = sids.FirstOrDefault(s => s.Address.Equals(d.Ipv6.Dst));
        int sl = d.Srh?.SegmentsLeft ?? 0;
        while (sid is not null && path.Count < 16)
        {
            path.Add(sid.Name);
            if (sid.Behavior != SrBehavior.End || d.Srh is null || sl == 0 || sl - 1 >= d.Srh.Segments.Count) break;
            sl--;
            var next = d.Srh.Segments[sl];
            sid = sids.FirstOrDefault(s => s.Address.Equals(next));
        }
        return path;
    }

    // ------------------------------------------------------------------ the plan both profiles share

    private sealed class Plan(Profile p, IReadOnlyList<SidDefinition> sids)
    {
        public Profile Profile { get; } = p;
        public IReadOnlyList<SidDefinition> Sids { get; } = sids;
        /// <summary>The shared SIDs with a C-SID structure (End, End.X, End.T): the C-SID families' SIDs.</summary>
        public IReadOnlyList<SidDefinition> CsidSids { get; init; } = [];
        public IPAddress Addr(string name) => Profile.Parameters.Addresses.TryGetValue(name, out var v) ? v
            : throw new ArgumentException($"{Profile.SourcePath}: parameters.addresses.{name} is needed by the differential stimuli");
        public IPAddress? TryAddr(string name) => Profile.Parameters.Addresses.GetValueOrDefault(name);
        public SidDefinition? Sid(string name) => Sids.FirstOrDefault(s => s.Name == name);
        public IEnumerable<SidDefinition> OfBehavior(SrBehavior b, bool? psp = null) =>
            Sids.Where(s => s.Behavior == b && (psp is null || s.Has(SrFlavor.Psp) == psp));
        public IPAddress A => Addr("A");
        /// <summary>Downstream addresses a segment list may name: N2, N3, D, D3 (those the profile defines).</summary>
        public IReadOnlyList<IPAddress> Downstream => new[] { "N2", "N3", "D", "D3" }.Select(TryAddr).OfType<IPAddress>().ToList();
        /// <summary>A locator address that is neither a SID nor the DUT's loopback (locator::1).</summary>
        public IPAddress LocatorNoSid
        {
            get
            {
                var bytes = Profile.Parameters.Locator.BaseAddress.GetAddressBytes();
                bytes[14] = 0xff; bytes[15] = 0x5e;
                return new IPAddress(bytes);
            }
        }
    }

    // ------------------------------------------------------------------ the fixed table

    /// <summary>A row of the fixed table before it has its index (the tag depends on it).</summary>
    private sealed record Row(string Kind, SidDefinition? SidDef, bool RateLimited, Func<int, byte[]> Build, int Index = 0, byte[]? Ip = null, string Id = "")
    {
        public Stimulus ToStimulus() => new(Index, Id, Kind, SidDef?.Name ?? "-", SidDef is null ? "no SID" : BehaviorLabel(SidDef), "t1", Ip!, RateLimited);
    }

    private static byte[] Data(int index, int extra = 0) => Encoding.ASCII.GetBytes(TagOf(index) + new string('.', 3 + extra));

    private static IEnumerable<Row> FixedTable(Plan p)
    {
        IPAddress a = p.A, d = p.Addr("D"), n2 = p.Addr("N2");
        var n3 = p.TryAddr("N3") ?? n2;
        var d3 = p.TryAddr("D3") ?? d;
        PacketBuilder V6(IPAddress dst, byte hl = 64) => new PacketBuilder().RawIp().Ipv6(a, dst, hl, 0, 0);
        Func<int, byte[]> Echo(IPAddress dst, IReadOnlyList<IPAddress> segs, byte sl, byte hl = 64, Action<SegmentRoutingHeader>? srh = null) =>
            i => V6(dst, hl).Srh(segs, sl, srh).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp();

        if (p.OfBehavior(SrBehavior.End, psp: false).FirstOrDefault() is { } end)
        {
            var s = end.Address;
            yield return new("SL=2,icmpv6", end, false, Echo(s, [d, n2, s], 2));
            yield return new("SL=2,udp", end, false, i => V6(s).Srh([d, n2, s], 2).Udp(40001, 33434, Data(i)).BuildIp());
            yield return new("SL=2,tcp-syn", end, false, i => V6(s).Srh([d, n2, s], 2).Tcp(40002, 179, TcpFlags.Syn, 1000, 0, Data(i)).BuildIp());
            yield return new("SL=0,icmpv6", end, true, Echo(s, [s, n2], 0));
            yield return new("SL>LE,icmpv6", end, true, i => V6(s).Srh([n2, s], 3).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
            yield return new("SL=2,icmpv6,hl=1", end, true, Echo(s, [d, n2, s], 2, 1));
            yield return new("SL=2,icmpv6,hl=2", end, false, Echo(s, [d, n2, s], 2, 2));
            yield return new("SL=2,icmpv6,tlv=PadN", end, false, Echo(s, [d, n2, s], 2, srh: h => h.Tlvs.Add(new PadNTlv(6))));
            yield return new("SL=2,icmpv6,tlv=Pad1+PadN", end, false, Echo(s, [d, n2, s], 2, srh: h => h.Tlvs.AddRange([new Pad1Tlv(), new PadNTlv(5)])));
            yield return new("SL=2,icmpv6,tlv=PadN+Pad1", end, false, Echo(s, [d, n2, s], 2, srh: h => h.Tlvs.AddRange([new PadNTlv(5), new Pad1Tlv()])));
            yield return new("SL=2,icmpv6,O-flag", end, true, Echo(s, [d, n2, s], 2, srh: h => h.OFlag = true));
            yield return new("SL=1,icmpv6", end, false, Echo(s, [d, s], 1));
            yield return new("SL=3,icmpv6,via N3", end, false, Echo(s, [d3, n3, n2, s], 3));
        }
        if (p.OfBehavior(SrBehavior.End, psp: true).FirstOrDefault() is { } psp)
        {
            var s = psp.Address;
            yield return new("SL=1,icmpv6,PSP", psp, false, Echo(s, [d, s], 1));
            yield return new("SL=2,icmpv6", psp, false, Echo(s, [d, n2, s], 2));
            yield return new("SL=1,udp,PSP,tlv=PadN", psp, false, i => V6(s).Srh([d, s], 1, h => h.Tlvs.Add(new PadNTlv(6))).Udp(40003, 33435, Data(i)).BuildIp());
        }
        foreach (var b in new[] { SrBehavior.EndX, SrBehavior.EndT, SrBehavior.EndB6Encaps, SrBehavior.EndB6EncapsRed })
            if (p.OfBehavior(b).FirstOrDefault() is { } x)
            {
                yield return new("SL=2,icmpv6", x, false, Echo(x.Address, [d, n2, x.Address], 2));
                yield return new("SL=2,icmpv6,hl=1", x, true, Echo(x.Address, [d, n2, x.Address], 2, 1));
                yield return new("SL=1,udp,to D3", x, false, i => V6(x.Address).Srh([d3, x.Address], 1).Udp(40004, 7, Data(i)).BuildIp());
            }
        foreach (var x in p.Sids.Where(s => DecapBehaviors.Contains(s.Behavior)))
        {
            foreach (var inner in InnerKinds(x.Behavior))
            {
                yield return new($"SL=0,inner={inner}", x, false, i => V6(x.Address).Srh([x.Address], 0).Payload(Inner(p, x, inner, i, 64, 0, 0)).BuildIp());
                yield return new($"no SRH,inner={inner}", x, false, i => V6(x.Address).Payload(Inner(p, x, inner, i, 64, 0, 0)).BuildIp());
            }
            yield return new($"SL=0,inner={InnerKinds(x.Behavior)[0]},hl=1", x, true, i => V6(x.Address, 1).Srh([x.Address, n2], 0).Payload(Inner(p, x, InnerKinds(x.Behavior)[0], i, 64, 0, 0)).BuildIp());
            yield return new($"SL=0,inner={InnerKinds(x.Behavior)[0]},inner hl=1", x, true, i => V6(x.Address).Srh([x.Address], 0).Payload(Inner(p, x, InnerKinds(x.Behavior)[0], i, 1, 0, 0)).BuildIp());
            // An inner IPv4 destination behind another port than the adjacency (D4X, routed via t3): the cross-connect
            // still sends it to the adjacency (RFC 8986 §4.5 S04); Linux resolves D4X itself (DEV-LINUX-016) and, when that
            // fails, answers Host Unreachable, so the row is paced like the other stimuli that may draw an ICMP error.
            if (InnerKinds(x.Behavior).Contains("ipv4") && p.TryAddr("D4X") is { } d4x)
                yield return new("SL=0,inner=ipv4 to D4X", x, true, i => V6(x.Address).Srh([x.Address], 0).Payload(Inner(p, x, "ipv4", i, 64, 0, 0, dst: d4x)).BuildIp());
        }
        var nosid = p.LocatorNoSid;
        yield return new("locator address, no SID,SL=1,icmpv6", null, true, Echo(nosid, [d, nosid], 1));
        yield return new("locator address, no SID,no SRH,udp", null, true, i => V6(nosid).Udp(40005, 33434, Data(i)).BuildIp());
    }

    /// <summary>The inner packets a decapsulating behaviour accepts: ipv6, ipv4 or ethernet.</summary>
    private static string[] InnerKinds(SrBehavior b) => b switch
    {
        SrBehavior.EndDX4 or SrBehavior.EndDT4 => ["ipv4"],
        SrBehavior.EndDX2 => ["ethernet"],
        SrBehavior.EndDT46 => ["ipv6", "ipv4"],
        _ => ["ipv6"],
    };

    /// <summary>The inner packet of a decapsulating SID's stimulus, the tag in its payload.</summary>
    private static PacketPayload Inner(Plan p, SidDefinition sid, string kind, int index, byte hl, byte tc, uint fl, int upper = 0, IPAddress? dst = null)
    {
        var data = Data(index);
        switch (kind)
        {
            case "ipv4":
            {
                var b = new PacketBuilder().RawIp().Ipv4(p.Addr("A4"), dst ?? p.Addr("D4"), hl, tc, (ushort)(index & 0xffff));
                return new PacketPayload.Ip(upper switch
                {
                    1 => b.Udp(40010, 33434, data),
                    2 => b.Tcp(40011, 80, TcpFlags.Syn, 7, 0, data),
                    _ => b.IcmpEchoRequest(0xd1f, (ushort)index, data),
                });
            }
            case "ethernet":
            {
                var b = new PacketBuilder().Ethernet(InnerSourceMac, InnerDestinationMac).Ipv6(p.A, dst ?? p.Addr("D"), hl, tc, fl);
                return new PacketPayload.Ethernet(upper switch
                {
                    1 => b.Udp(40012, 33434, data),
                    2 => b.Tcp(40013, 80, TcpFlags.Syn, 7, 0, data),
                    _ => b.IcmpEchoRequest(0xd1f, (ushort)index, data),
                });
            }
            default:
            {
                var b = new PacketBuilder().RawIp().Ipv6(p.A, dst ?? p.TryAddr("D3") ?? p.Addr("D"), hl, tc, fl);
                return new PacketPayload.Ip(upper switch
                {
                    1 => b.Udp(40014, 33434, data),
                    2 => b.Tcp(40015, 80, TcpFlags.Syn, 7, 0, data),
                    _ => b.IcmpEchoRequest(0xd1f, (ushort)index, data),
                });
            }
        }
    }

    // ------------------------------------------------------------------ C-SID families (RFC 9800)

    private static UInt128 U(IPAddress a) => CsidBits.ToUInt128(a);

    /// <summary>The downstream addresses inside <paramref name="sid"/>'s Locator-Block, so their C-SIDs can follow its own.</summary>
    private static IReadOnlyList<IPAddress> InBlock(Plan p, SidDefinition sid) =>
        [.. p.Downstream.Where(t => CsidBits.Field(U(t), 0, sid.Csid!.BlockBits) == CsidBits.Field(U(sid.Address), 0, sid.Csid.BlockBits))];

    /// <summary>
    /// A NEXT-CSID container on <paramref name="sid"/>: its own C-SID, then <paramref name="target"/>'s bits [LBL..64) (so the
    /// shifted destination lands in the target's /64, which the labs route), then <paramref name="tail"/> in the bits left.
    /// </summary>
    private static IPAddress NextContainer(SidDefinition sid, IPAddress target, UInt128 tail)
    {
        var c = sid.Csid!;
        int p = c.BlockBits + c.CsidBits, carried = Math.Max(0, Math.Min(64 - c.BlockBits, 128 - p)), tailBits = 128 - p - carried;
        var v = CsidBits.With(U(sid.Address), p, carried, CsidBits.Field(U(target), c.BlockBits, carried));
        return CsidBits.ToAddress(CsidBits.With(v, p + carried, tailBits, tail & CsidBits.Mask(tailBits)));
    }

    /// <summary>A REPLACE-CSID SID with Argument index <paramref name="index"/> and the Argument bits above it <paramref name="high"/>.</summary>
    private static IPAddress WithIndex(SidDefinition sid, int index, UInt128 high = default)
    {
        var c = sid.Csid!;
        int above = c.ArgumentBits - c.IndexBits;
        var v = CsidBits.With(U(sid.Address), c.BlockBits + c.CsidBits, above, high & CsidBits.Mask(above));
        return CsidBits.ToAddress(CsidBits.With(v, 128 - c.IndexBits, c.IndexBits, (UInt128)index));
    }

    /// <summary>The packed REPLACE-CSID containers of <paramref name="targets"/>' C-SIDs (bits [LBL..LBL+LNFL)), in processing order.</summary>
    private static List<IPAddress> Packed(SidDefinition sid, IReadOnlyList<IPAddress> targets) =>
        [.. targets.Select(t => (ulong)CsidBits.Field(U(t), sid.Csid!.BlockBits, sid.Csid.CsidBits)).Chunk(sid.Csid!.K).Select(ch => CsidCodec.EncodePacked(sid.Csid, ch))];

    private static string CsidLabel(SidDefinition s) => s.Csid!.Flavor == CsidFlavor.NextCsid ? "C-SID next" : "C-SID replace";

    /// <summary>A few notable C-SID stimuli, for the first shared NEXT-CSID and REPLACE-CSID SID of each behaviour.</summary>
    private static IEnumerable<Row> CsidFixedTable(Plan p)
    {
        IPAddress a = p.A, d = p.Addr("D"), n2 = p.Addr("N2");
        PacketBuilder V6(IPAddress dst, byte hl = 64) => new PacketBuilder().RawIp().Ipv6(a, dst, hl, 0, 0);
        foreach (var g in p.CsidSids.GroupBy(s => (s.Csid!.Flavor, s.Behavior)).Select(g => g.First()))
        {
            var s = g.Address;
            var label = CsidLabel(g);
            if (g.Csid!.Flavor == CsidFlavor.NextCsid)
            {
                if (InBlock(p, g).FirstOrDefault() is not { } t) continue;
                var c = NextContainer(g, t, 0);
                yield return new($"{label},Argument,SL=1,icmpv6", g, false, i => V6(c).Srh([d, c], 1).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
                yield return new($"{label},Argument,no SRH,udp", g, false, i => V6(c).Udp(40021, 33434, Data(i)).BuildIp());
                yield return new($"{label},Argument,SL=1,icmpv6,hl=1", g, true, i => V6(c, 1).Srh([d, c], 1).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
                yield return new($"{label},Argument 0,SL=2,icmpv6", g, false, i => V6(s).Srh([d, n2, s], 2).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
                yield return new($"{label},Argument 0,no SRH,icmpv6", g, true, i => V6(s).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
            }
            else
            {
                var targets = InBlock(p, g);
                if (targets.Count == 0) continue;
                var packed = Packed(g, targets);
                var list = Enumerable.Reverse(packed).Append(s).ToList();
                int last = list.Count - 1;
                yield return new($"{label},index 0,SL>0,icmpv6", g, false, i => V6(s).Srh(list, (byte)last).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
                yield return new($"{label},index 1,SL>0,udp", g, false, i => V6(WithIndex(g, 1)).Srh(list, (byte)Math.Max(0, last - 1)).Udp(40022, 33434, Data(i)).BuildIp());
                yield return new($"{label},index 0,SL=0,icmpv6", g, true, i => V6(s).Srh([s], 0).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
                yield return new($"{label},index 1,SL>LE,icmpv6", g, true, i => V6(WithIndex(g, 1)).Srh(list, (byte)(last + 1)).IcmpEchoRequest(0xd1f, (ushort)i, Data(i)).BuildIp());
            }
        }
    }

    /// <summary>
    /// A random C-SID stimulus: a shared C-SID SID, then for NEXT-CSID a container with a non-zero Argument (its next C-SID a
    /// routed downstream /64, the tail random or 0) with or without SRH, Argument 0 at Segments Left 0, 1 or more or
    /// without SRH, or an address just outside the SID's prefix; for REPLACE-CSID the SID with an index and random
    /// Argument bits above it, before a list of packed containers of downstream C-SIDs at a random Segments Left
    /// (sometimes beyond Last Entry). Hop limit, traffic class, flow label and upper layer as the classic stimuli.
    /// </summary>
    private static Stimulus RandomCsidStimulus(Plan p, SplitMix64 r, int index)
    {
        var sid = p.CsidSids[r.Next(p.CsidSids.Count)];
        var c = sid.Csid!;
        int hlPick = r.Next(100);
        byte hl = hlPick < 8 ? (byte)1 : hlPick < 16 ? (byte)2 : hlPick < 46 ? (byte)64 : (byte)(1 + r.Next(255));
        byte tc = (byte)r.Next(256);
        uint fl = r.Next(5) == 0 ? 0u : (uint)r.Next(0x100000);
        UInt128 Random128() => new(r.NextULong(), r.NextULong());
        var targets = InBlock(p, sid);
        // Other segments: downstream addresses only (a SID of the DUT after a C-SID would make the path, and its errors, longer).
        var pool = p.Downstream;
        var kind = new List<string> { CsidLabel(sid) };
        bool rateLimited = hl <= 2 || sid.Behavior == SrBehavior.EndT;
        IPAddress da;
        List<IPAddress>? segs = null;
        int sl = 0;
        if (c.Flavor == CsidFlavor.NextCsid)
        {
            int v = targets.Count == 0 ? 2 + r.Next(4) : r.Next(10);
            switch (v)
            {
                case 0: case 1: case 2: case 3: case 4: // a non-zero Argument: with SRH (4 in 5) or without
                {
                    var t = targets[r.Next(targets.Count)];
                    da = NextContainer(sid, t, r.Next(3) == 0 ? 0 : Random128());
                    kind.Add("Argument");
                    if (r.Next(5) != 0)
                    {
                        int len = 2 + r.Next(4);
                        sl = 1 + r.Next(len - 1);
                        segs = [.. Enumerable.Range(0, len).Select(k => k == sl ? da : pool[r.Next(pool.Count)])];
                    }
                    break;
                }
                case 5: case 6: case 7: // Argument 0: Segments Left 0, 1 or more, or no SRH
                {
                    da = sid.Address;
                    kind.Add("Argument 0");
                    int form = r.Next(4);
                    if (form > 0)
                    {
                        int len = form == 1 ? 1 + r.Next(3) : 2 + r.Next(4);
                        sl = form == 1 ? 0 : 1 + r.Next(len - 1);
                        segs = [.. Enumerable.Range(0, len).Select(k => k == sl ? da : pool[r.Next(pool.Count)])];
                    }
                    rateLimited |= form <= 1; // the upper layer is processed: an echo reply, Port Unreachable or Parameter Problem
                    break;
                }
                default: // just outside the SID's prefix: no SID (no route: Destination Unreachable)
                {
                    int prefix = c.BlockBits + c.CsidBits;
                    var first = U(sid.Address) & ~CsidBits.Mask(128 - prefix);
                    da = CsidBits.ToAddress(r.Next(2) == 0 ? first - 1 : first + (UInt128.One << (128 - prefix)));
                    kind.Add("outside the prefix");
                    segs = [p.Addr("D"), da];
                    sl = 1;
                    rateLimited = true;
                    break;
                }
            }
        }
        else
        {
            var hops = targets.Count > 0 ? targets : [p.Addr("D")];
            var picked = Enumerable.Range(0, 1 + r.Next(2 * c.K)).Select(_ => hops[r.Next(hops.Count)]).ToList();
            var list = Enumerable.Reverse(Packed(sid, picked)).ToList();
            if (r.Next(3) == 0) list.Insert(0, pool[r.Next(pool.Count)]); // an uncompressed last entry
            list.Add(sid.Address);                                        // non-reduced: the SID itself, Segments Left = Last Entry
            int last = list.Count - 1;
            int idx = r.Next(c.K);
            sl = r.Next(12) == 0 ? last + 1 + r.Next(2) : r.Next(last + 1);
            da = WithIndex(sid, idx, r.Next(3) == 0 ? Random128() : 0);
            segs = list;
            kind.Add($"index {(idx == 0 ? "0" : "≠0")}");
            // Any step may write a C-SID or a whole entry no route covers (Destination Unreachable), or answer (S02, R03, R14).
            rateLimited = true;
        }
        var b = new PacketBuilder().RawIp().Ipv6(p.A, da, hl, tc, fl);
        if (segs is not null)
        {
            b.Srh(segs, (byte)sl);
            kind.Add(sl == 0 ? "SL=0" : sl == 1 ? "SL=1" : sl >= segs.Count ? "SL>LE" : "SL>1");
        }
        else kind.Add("no SRH");
        int upper = r.Next(3);
        string[] upperNames = ["icmpv6", "udp", "tcp-syn"];
        kind.Add(upperNames[upper]);
        var data = Data(index, r.Next(24));
        switch (upper)
        {
            case 0: b.IcmpEchoRequest((ushort)r.Next(65536), (ushort)index, data); break;
            case 1: b.Udp((ushort)(1024 + r.Next(60000)), (ushort)(33434 + r.Next(100)), data); break;
            default: b.Tcp((ushort)(1024 + r.Next(60000)), (ushort)(1 + r.Next(65535)), TcpFlags.Syn, (uint)r.Next(int.MaxValue), 0, data); break;
        }
        if (hl <= 2) kind.Add($"hl={hl}");
        bool outside = kind.Contains("outside the prefix");
        return new Stimulus(index, "", string.Join(',', kind), outside ? "-" : sid.Name, outside ? "no SID" : BehaviorLabel(sid), "t1", b.BuildIp(), rateLimited)
            { Path = outside ? [] : [sid.Name] };
    }

    // ------------------------------------------------------------------ random valid packets

    private static Stimulus RandomStimulus(Plan p, SplitMix64 r, int index)
    {
        var sid = p.Sids[r.Next(p.Sids.Count)];
        // Hop limit: weight on 1 (Time Exceeded), 2 (leaves with 1) and 64; else uniform over 1..255.
        int hlPick = r.Next(100);
        byte hl = hlPick < 8 ? (byte)1 : hlPick < 16 ? (byte)2 : hlPick < 46 ? (byte)64 : (byte)(1 + r.Next(255));
        byte tc = (byte)r.Next(256);
        uint fl = r.Next(5) == 0 ? 0u : (uint)r.Next(0x100000);
        bool oflag = r.Next(100) < 6;
        int tlvPick = r.Next(100);
        (string Name, SrhTlv[] Tlvs) tlv = tlvPick < 65 ? ("", []) : tlvPick < 85 ? ("PadN", [new PadNTlv(6)])
            : tlvPick < 95 ? ("Pad1+PadN", [new Pad1Tlv(), new PadNTlv(5)]) : ("PadN+Pad1", [new PadNTlv(5), new Pad1Tlv()]);
        var pool = p.Downstream.Concat(p.Sids.Select(s => s.Address)).ToList();
        IPAddress Pick() => pool[r.Next(pool.Count)];
        var kind = new List<string>();
        bool rateLimited = hl <= 1 || oflag;
        var b = new PacketBuilder().RawIp().Ipv6(p.A, sid.Address, hl, tc, fl);
        int upper = r.Next(3);
        string[] upperNames = ["icmpv6", "udp", "tcp-syn"];
        var data = Data(index, r.Next(24));
        if (DecapBehaviors.Contains(sid.Behavior))
        {
            int len = 1 + r.Next(8);
            bool noSrh = !oflag && tlv.Name.Length == 0 && r.Next(10) == 0;
            var innerKinds = InnerKinds(sid.Behavior);
            var innerKind = innerKinds[r.Next(innerKinds.Length)];
            // IPv4: the adjacency's own address (D4X, which Linux mishandles, is a fixed row: its ICMPv4 errors after a failed
            // ARP would meet Linux's 1/s per-destination ICMP limit and make the run depend on timing).
            IPAddress? innerDst = innerKind switch
            {
                "ipv4" => p.TryAddr("D4"),
                "ethernet" => p.TryAddr("D"),
                _ => p.Downstream[r.Next(p.Downstream.Count)],
            };
            // Inner hop limit 1 for IPv6 only: the decapsulating DUT owes an ICMPv6 Time Exceeded (paced as such); the
            // IPv4 equivalent (ICMP rate-limited to 1/s per destination by Linux) is a fixed row.
            byte innerHl = innerKind != "ipv4" && r.Next(5) == 0 ? (byte)1 : (byte)64;
            if (noSrh) kind.Add("no SRH");
            else
            {
                var segs = new List<IPAddress> { sid.Address };
                for (int k = 1; k < len; k++) segs.Add(Pick());
                var t = tlv.Tlvs;
                b.Srh(segs, 0, h => { h.OFlag = oflag; h.Tlvs.AddRange(t.Select(Clone)); });
                kind.Add("SL=0");
            }
            kind.Add($"inner={innerKind}/{upperNames[upper]}");
            if (innerHl == 1) kind.Add("inner hl=1");
            b.Payload(Inner(p, sid, innerKind, index, innerHl, (byte)r.Next(256), (uint)r.Next(0x100000), upper, innerDst));
            // An inner packet with hop limit / TTL 1 is forwarded by a decapsulating DUT, which then owes it an ICMP error.
            rateLimited |= innerHl == 1;
        }
        else
        {
            int len = 1 + r.Next(8);
            int sl;
            if (len == 1 || r.Next(100) < 6) sl = 0;
            else sl = 1 + r.Next(len - 1);
            var segs = new List<IPAddress>();
            for (int k = 0; k < len; k++) segs.Add(k == sl ? sid.Address : Pick());
            var t = tlv.Tlvs;
            b.Srh(segs, (byte)sl, h => { h.OFlag = oflag; h.Tlvs.AddRange(t.Select(Clone)); });
            kind.Add(sl switch { 0 => "SL=0", 1 => "SL=1", _ => "SL>1" });
            kind.Add(upperNames[upper]);
            // At SL=0 a conforming End answers an echo or sends Parameter Problem (RFC 8986 §4.1.1): both ICMPv6.
            rateLimited |= sl == 0;
            switch (upper)
            {
                case 0: b.IcmpEchoRequest((ushort)r.Next(65536), (ushort)index, data); break;
                // UDP to the traceroute ports (33434 + n): a port no dissector or DUT service claims, so the payload is just the tag.
                case 1: b.Udp((ushort)(1024 + r.Next(60000)), (ushort)(33434 + r.Next(100)), data); break;
                default: b.Tcp((ushort)(1024 + r.Next(60000)), (ushort)(1 + r.Next(65535)), TcpFlags.Syn, (uint)r.Next(int.MaxValue), 0, data); break;
            }
        }
        if (hl <= 2) kind.Add($"hl={hl}");
        if (tlv.Name.Length > 0 && b.SrhHeader is not null) kind.Add($"tlv={tlv.Name}");
        if (oflag && b.SrhHeader is not null) kind.Add("O-flag");
        return new Stimulus(index, "", string.Join(',', kind), sid.Name, BehaviorLabel(sid), "t1", b.BuildIp(), rateLimited);
    }

    private static SrhTlv Clone(SrhTlv t) => t switch
    {
        PadNTlv n => new PadNTlv((byte[])n.Padding.Clone()),
        _ => t,
    };

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): small, fast and fixed forever, so a seed means the same packets everywhere.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong NextULong()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, n) (n &gt; 0), by rejection so there is no modulo bias.</summary>
        public int Next(int n)
        {
            ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)n;
            ulong v;
            do v = NextULong(); while (v >= limit);
            return (int)(v % (ulong)n);
        }
    }

    /// <summary>True when the address is in a documentation prefix (2001:db8::/32, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).</summary>
    public static bool IsDocumentationAddress(IPAddress a)
    {
        var b = a.GetAddressBytes();
        if (a.AddressFamily == AddressFamily.InterNetworkV6) return b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;
        return (b[0], b[1], b[2]) is (192, 0, 2) or (198, 51, 100) or (203, 0, 113);
    }
}
