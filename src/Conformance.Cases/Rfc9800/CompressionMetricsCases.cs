using System.Globalization;
using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Intent;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9800;

/// <summary>
/// The compression metrics of draft-ietf-spring-compression-requirement-03 §3.1 measured on real packets: the DUT is the
/// headend (a transient H.Encaps / H.Encaps.Red policy per form and list length N = 1…16) and every endpoint of the path
/// but the last. The path is the same node sequence in every form: N − 1 times a transient End.X SID of the DUT towards
/// t2 (one per form: 128-bit, NEXT-C-SID F3216, F4816, REPLACE-C-SID 32-bit), then a final destination behind t2. The
/// tester taps t2 after each endpoint and hands the packet back into t1 unchanged (the link to the next endpoint, which
/// is the DUT again), so each SID is one wire hop between two taps; only the DUT's output is measured, never the
/// tester's send side. E is read from the bytes on the wire and compared with E computed from the encoding (the builder,
/// RFC 9800 §6.2); a mismatch, a wrong destination or Segments Left after an endpoint, a hop limit not decremented by one,
/// or a lost packet fails.
/// </summary>
[TestFixture, Category("C-SID")]
public sealed class CompressionMetricsCases : ConformanceCase
{
    /// <summary>The transient End.X SIDs: a function / C-SID 0ce1 nothing else of the lab uses.</summary>
    private const ushort Function = 0x0ce1;

    private sealed record FormSetup(EncapsulationForm Form, IntentSid Sid, CsidSid Endpoint, CsidSid Final, IntentRoute? FinalRoute, int Index);

    private static IPAddress WithGroup(IPAddress a, int group, ushort value)
    {
        var b = a.GetAddressBytes();
        b[2 * group] = (byte)(value >> 8);
        b[2 * group + 1] = (byte)value;
        return new IPAddress(b);
    }

    /// <summary>The forms the profile can be measured with: the SRv6 base always, the others where claimed.</summary>
    private static IReadOnlyList<FormSetup> Forms()
    {
        var t2 = PortSpec("t2");
        var d = Address("D");
        var finalPrefix = IPNetwork.Parse("2001:db8:d::/64");
        if (!finalPrefix.Contains(d))
            throw new TestbedException($"{Profile.SourcePath}: the metrics' final destination is 2001:db8:d:: (C-SID 000d of the block 2001:db8::/32), routed like D ({d}) via t2; D is not in {finalPrefix}.");
        IntentSid EndX(string name, IPAddress address, CsidStructure? csid) => new(name, SrBehavior.EndX, address)
        {
            PrefixLength = csid is null ? 128 : csid.BlockBits + csid.CsidBits,
            NextHop = t2.TesterIpv6.Address, Interface = t2.DutInterface, Csid = csid,
            Flavors = csid is null ? new HashSet<SrFlavor>() : new HashSet<SrFlavor> { csid.Flavor == CsidFlavor.NextCsid ? SrFlavor.NextCSid : SrFlavor.ReplaceCSid },
        };
        var list = new List<FormSetup>();
        // The SRv6 base: a 128-bit End.X in the profile's locator, then D's 2001:db8:d::.
        var classic = WithGroup(Profile.Parameters.Locator.BaseAddress, 4, Function);
        var finalClassic = IPAddress.Parse("2001:db8:d::");
        list.Add(new(EncapsulationForm.HEncaps, EndX("cmet_classic", classic, null), CsidSid.Classic(classic), CsidSid.Classic(finalClassic), null, 0));
        if (Profile.Claims("H.Encaps.Red"))
            list.Add(new(EncapsulationForm.HEncapsRed, EndX("cmet_classic_red", WithGroup(classic, 5, 1), null), CsidSid.Classic(WithGroup(classic, 5, 1)), CsidSid.Classic(finalClassic), null, 1));
        if (Profile.Claims("NEXT-C-SID"))
        {
            // F3216: block 2001:db8::/32, End.X C-SID 0ce1 (2001:db8:ce1::/48), final C-SID 000d (2001:db8:d::, D's /64).
            var b32 = new CsidBlock(IPAddress.Parse("2001:db8::"), CsidStructure.F3216);
            list.Add(new(EncapsulationForm.NextF3216, EndX("cmet_f3216", b32.Address(Function), CsidStructure.F3216), b32.Sid(Function), b32.LastSid(0x000d), null, 2));
            // F4816: block 2001:db8:ee::/48, End.X C-SID 0ce1 (2001:db8:ee:ce1::/64), final C-SID 000d (2001:db8:ee:d::, routed via t2 for the case).
            var b48 = new CsidBlock(IPAddress.Parse("2001:db8:ee::"), CsidStructure.F4816);
            list.Add(new(EncapsulationForm.NextF4816, EndX("cmet_f4816", b48.Address(Function), CsidStructure.F4816), b48.Sid(Function), b48.LastSid(0x000d),
                new IntentRoute(IPNetwork.Parse("2001:db8:ee:d::/64"), t2.TesterIpv6.Address, t2.DutInterface), 3));
        }
        if (Profile.Claims("REPLACE-C-SID"))
        {
            // REPLACE-C-SID, 32-bit C-SIDs in 2001:db8::/32: End.X C-SID 00cb0ce1 (2001:db8:cb:ce1::/64), final C-SID 000d0000 (2001:db8:d::/64).
            var s = EncapsulationForm.Replace32.Structure!;
            var r32 = new CsidBlock(IPAddress.Parse("2001:db8::"), s);
            var endpoint = IPAddress.Parse("2001:db8:cb:ce1::");
            list.Add(new(EncapsulationForm.Replace32, EndX("cmet_replace32", endpoint, s), new CsidSid(endpoint, r32), new CsidSid(IPAddress.Parse("2001:db8:d::"), r32, HasFlavor: false), null, 4));
        }
        return list;
    }

    /// <summary>The prefix steered into the policy of form <paramref name="f"/> with <paramref name="n"/> SIDs: 2001:db8:e:c{f}{n:x2}::/64.</summary>
    private static IPNetwork Steered(int f, int n) => new(IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"2001:db8:e:c{f}{n:x2}::")), 64);

    private static byte[] Payload(int f, int n) => System.Text.Encoding.ASCII.GetBytes($"cmet f{f} n{n:D2} {Purpose.Id}".PadRight(32, '.'));

    /// <summary>Does the destination address one of the DUT's transient End.X SIDs (its SID prefix)?</summary>
    private static bool AtDut(FormSetup s, IPAddress da) => new IPNetwork(Masked(s.Sid.Address, s.Sid.PrefixLength), s.Sid.PrefixLength).Contains(da);

    private static IPAddress Masked(IPAddress a, int len)
    {
        var b = a.GetAddressBytes();
        for (int bit = len; bit < 128; bit++) b[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(b);
    }

    [Test]
    [NegativeControl("HeadendsNotReduced", Why = "the reduced headend policies are programmed without the reduction: H.Encaps.Red pushes the first SID in the SRH, E is 16 bytes more than computed from the encoding")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the reference node's headend pushes one Segment List entry more than the policy has (debug fault headend-extra-segment, a wrong container count) and H.Encaps.Red without the reduction: every E is 16 bytes more than computed")]
    [TestPurpose(Id = "TP-CMET-BV-01", Requires = new[] { "H.Encaps", "End.X", "NEXT-C-SID" }, Feature = "Compression metrics",
        Title = "Compression metrics measured on the wire for N = 1…16 SIDs: E and ES of H.Encaps, H.Encaps.Red, NEXT-C-SID F3216/F4816 and REPLACE-C-SID 32-bit, D.PRS per hop, S from the DUT",
        Requirements = new[] { "DRAFT-SPRING-COMPREQ-03-3.1.1-E-METRIC", "DRAFT-SPRING-COMPREQ-03-3.1.1-ES-METRIC", "DRAFT-SPRING-COMPREQ-03-3.1.2-D-PRS",
            "DRAFT-SPRING-COMPREQ-03-3.1.3-S-METRIC", "DRAFT-SPRING-COMPREQ-03-3.1.1-REDUCE-ENCAPSULATION", "RFC9800-4.1-NEXT-CSID-F3216", "RFC9800-4.1-NEXT-CSID-NEXT-SID", "RFC8986-5.1-H-ENCAPS-S01-S06" },
        Stimulus = "per claimed form f and N = 1…16: one (A, 2001:db8:e:cfNN::1) UDP packet into t1, steered by a transient headend policy into <N − 1 × the DUT's transient End.X SID of the form (next hop t2), final destination 2001:db8:d:: (F4816: 2001:db8:ee:d::)>, encoded by the suite's builder (RFC 9800 §6.2); every packet out of t2 whose destination is the DUT's End.X SID is handed back into t1 unchanged (the next endpoint is the DUT again)",
        Expected = "for each form and N: N − 1 packets out of t2 (one after each endpoint; N = 1: the headend's own), each with the destination and Segments Left the RFC 8986 / RFC 9800 endpoint gives, E on the wire = 40 + 8 + 16 × SRH entries as computed from the encoding (NEXT-C-SID F3216: 48 + 16·⌈N/6⌉, F4816: 48 + 16·⌈N/5⌉, REPLACE-C-SID 32: 48 + 16·(1 + ⌈(N−1)/4⌉) for N ≥ 2), the hop limit one less after each endpoint; the table (E, ES = 1 − E/E(H.Encaps), ΣD.PRS) and chart attached, S read from the DUT's SID table")]
    public async Task CompressionMetricsMeasuredOnTheWire()
    {
        var forms = Forms();
        IPAddress a = Address("A");
        var plans = forms.ToDictionary(s => s.Form, s => Enumerable.Range(1, CompressionMetrics.MaxSids).Select(n => CompressionMetrics.Plan(s.Form, n, s.Endpoint, s.Final)).ToList());
        var headends = forms.SelectMany(s => plans[s.Form].Select(p => new IntentHeadend($"cmet-{s.Index}-{p.N:D2}",
            s.Form.Reduced ? HeadendBehavior.HEncapsRed : HeadendBehavior.HEncaps, Steered(s.Index, p.N), p.PolicySegments, PortSpec("t2").DutInterface))).ToList();
        var config = ProfileDutConfig.TransientIntent(Profile, [.. forms.Select(s => s.Sid)], headends, [.. forms.Select(s => s.FinalRoute).OfType<IntentRoute>()], Testbed.Fault);
        Evidence.AttachText("Plans: the segment list of each policy (C-SID notation) and E computed from the encoding", string.Join('\n', forms.SelectMany(s => plans[s.Form].Select(p =>
            $"{s.Form.Name,-18} N={p.N,2}  E={p.ExpectedE,3}  {Steered(s.Index, p.N)} → <{p.List}>"))));
        Evidence.AttachText("DUT configuration (transient): End.X SIDs, policies, routes", string.Join('\n', config.ToLines()));

        var stimuli = forms.SelectMany(s => Enumerable.Range(1, CompressionMetrics.MaxSids).Select(n =>
            Into("t1").Ipv6(a, IPAddress.Parse($"{Steered(s.Index, n).BaseAddress}1"), 64).Udp((ushort)(47000 + s.Index), (ushort)(47100 + n), Payload(s.Index, n)).Build())).ToList();
        var taps = forms.SelectMany(s => Enumerable.Range(1, CompressionMetrics.MaxSids).Select(n => (s.Index, n))).ToDictionary(k => k, _ => new List<TapObservation>());
        var state = new Dictionary<string, int?>(StringComparer.Ordinal);
        TrafficResult result = null!;
        int relayed = 0;
        await Testbed.WithTransientConfigAsync(config, async () =>
        {
            await ReadStateAsync(forms, state);
            RunInterruption.ThrowIfCaseAborted();
            using (Evidence.Step($"Inject {stimuli.Count} packets on t1; hand each packet out of t2 for a DUT End.X SID back into t1"))
            {
                using var session = new TrafficSession(Testbed.Ports.Values);
                session.Send("t1", stimuli);
                int seen = 0, open = taps.Count;
                var until = DateTime.UtcNow + Profile.Parameters.Timeouts.Capture + TimeSpan.FromSeconds(2);
                var done = new HashSet<(int, int)>();
                while (open > 0 && DateTime.UtcNow < until)
                {
                    // A Ctrl-C stops the relaying within the abort grace: the case then has no verdict (not run).
                    RunInterruption.ThrowIfCaseAborted();
                    var got = session.ReceivedSoFar("t2");
                    var relay = new List<byte[]>();
                    for (; seen < got.Count; seen++)
                    {
                        var frame = got[seen].Data;
                        if (Observe(frame, forms) is not { } o) continue;
                        taps[o.Key].Add(o.Tap);
                        var setup = forms.First(s => s.Index == o.Key.Index);
                        if (AtDut(setup, o.Tap.Destination) && taps[o.Key].Count < CompressionMetrics.MaxSids + 2)
                        {
                            var copy = frame.ToArray();
                            DutMac("t1").GetAddressBytes().CopyTo(copy, 0);
                            TesterMac("t1").GetAddressBytes().CopyTo(copy, 6);
                            relay.Add(copy);
                        }
                        else if (done.Add(o.Key)) open--;
                    }
                    if (relay.Count > 0) { session.Send("t1", relay, "relay"); relayed += relay.Count; }
                    else await Task.Delay(5);
                }
                result = await session.CompleteAsync(_ => true, TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
                Evidence.AttachText("Capture reconciliation", result.Reconciliation(taps.Values.Sum(t => t.Count)));
            }
        });
        // Anything out of t2 that arrived during the quiet period (a packet a faulted DUT sent late) counts too.
        foreach (var f in result.On("t2").Skip(taps.Values.Sum(t => t.Count)))
            if (Observe(f.Data, forms) is { } o && !taps[o.Key].Contains(o.Tap)) taps[o.Key].Add(o.Tap);

        AttachPcap(result.Received, $"{Purpose.Id} taps (t2, and what the DUT sent elsewhere).pcapng");
        var csid = new CsidTable(forms.Where(s => s.Endpoint.Block is { Structure.Flavor: CsidFlavor.NextCsid }).Select(s => s.Endpoint.Block!).Distinct());
        Evidence.AttachText("Received (C-SID notation, as `srv6conf decode --csid 2001:db8::/32,16 --csid 2001:db8:ee::/48,16` shows it)",
            string.Join('\n', result.Received.Select(f => $"{f.Port}: {csid.Format(NotationPacket.FromDecoded(PacketDecoder.Decode(f.Data, LinkKind.Ethernet, csid)))}")));

        var rows = new List<MetricsRow>();
        foreach (var s in forms)
            foreach (var p in plans[s.Form])
            {
                var baseRow = rows.FirstOrDefault(r => r.Form == EncapsulationForm.HEncaps && r.N == p.N);
                rows.Add(CompressionMetrics.Judge(p, taps[(s.Index, p.N)], s.Form == EncapsulationForm.HEncaps ? null : baseRow?.MeasuredE));
            }
        var conditions = $"{Profile.Name} ({Profile.Testbed.Platform}); DUT = headend and every endpoint but the last (its transient End.X SIDs towards t2); " +
            $"tester relays t2 → t1 unchanged; {stimuli.Count} packets, {relayed} relayed; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
        var sids = forms.ToDictionary(s => s.Form.Name, s => $"{Rfc5952.Format(s.Sid.Address)}/{s.Sid.PrefixLength}");
        var markdown = CompressionMetrics.ToMarkdown(rows, state);
        Evidence.AttachText("Compression metrics (table)", $"{conditions}\n\n{markdown}", Evidence.TextMime);
        Evidence.Attach("Compression metrics (chart).svg", System.Text.Encoding.UTF8.GetBytes(CompressionMetrics.ToSvg(rows, $"E by segment list length, {Profile.Name}")), CompressionMetrics.SvgMime);
        Evidence.AttachText(CompressionMetrics.AttachmentName, CompressionMetrics.ToJson(rows, state, sids, conditions).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), Evidence.JsonMime);
        TestContext.Out.WriteLine(markdown);

        var problems = rows.SelectMany(r => r.Problems.Select(p => $"{r.Form.Name} N={r.N}: {p}")).ToList();
        if (problems.Count > 0)
        {
            Evidence.AttachText("Problems", string.Join('\n', problems));
            Fail($"The encapsulation on the wire is not what the encoding computes, or the endpoints did not process it as RFC 8986 / RFC 9800 say ({problems.Count} problem(s)):\n" +
                string.Join('\n', problems.Take(8)));
        }
    }

    /// <summary>One frame out of t2: which path it belongs to (by the inner destination and ports) and what the tap shows.</summary>
    private static ((int Index, int N) Key, TapObservation Tap)? Observe(byte[] frame, IReadOnlyList<FormSetup> forms)
    {
        var d = PacketDecoder.Decode(frame);
        if (d.Ipv6 is not { } outer || d.Inner is not Ipv6Layer { Packet: { Ipv6: { } inner, Inner: UdpLayer udp } }) return null;
        int f = udp.SrcPort - 47000, n = udp.DstPort - 47100;
        if (f < 0 || n < 1 || n > CompressionMetrics.MaxSids || forms.All(s => s.Index != f) || !inner.Dst.Equals(IPAddress.Parse($"{Steered(f, n).BaseAddress}1"))) return null;
        if (CompressionMetrics.Measure(frame.AsSpan(14)) is not { } m) return null;
        int sl = d.Srh?.SegmentsLeft ?? 0;
        return ((f, n), new TapObservation(outer.Dst, sl, outer.HopLimit, m.E, m.HeadersParsed, d.Notation));
    }

    /// <summary>S (§3.1.3): the rows of the DUT's SID table for each form's SID, through the pack's state.sid_table reader.</summary>
    private static async Task ReadStateAsync(IReadOnlyList<FormSetup> forms, Dictionary<string, int?> state)
    {
        foreach (var s in forms) state[s.Form.Name] = null;
        if (Testbed.Pack.Session.Driver != SessionDriver.Cli || Testbed.Pack.State?.SidTable is not { } table)
        {
            Evidence.AttachText("S (forwarding state)", $"not read: the {Profile.Testbed.Platform} pack has no state.sid_table reader");
            return;
        }
        var text = await Testbed.RunVerbCommandAsync(table.Command);
        var rows = PackTableReader.Read(table, text);
        foreach (var s in forms)
            state[s.Form.Name] = rows.Count(r => r.TryGetValue("name", out var name) && name == s.Sid.Name
                || r.TryGetValue("sid", out var sid) && IPAddress.TryParse(sid.Split('/')[0], out var x) && AtDut(s, x));
        Evidence.AttachText("S (forwarding state): the DUT's SID table during the measurement", $"$ {table.Command}\n{text}\n\n{rows.Count} row(s); per form: " +
            string.Join(", ", forms.Select(s => $"{s.Form.Name} {state[s.Form.Name]}")));
    }
}
