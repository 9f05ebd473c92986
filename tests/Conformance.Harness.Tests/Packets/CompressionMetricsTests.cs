using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

/// <summary>
/// The compression metrics (draft-ietf-spring-compression-requirement-03 §3.1) offline: E computed from the builder's
/// encoding against the closed forms worked out by hand (40-byte IPv6 header, 8-byte SRH header, 16 bytes per entry;
/// k C-SIDs per NEXT-C-SID container, K per REPLACE-C-SID packed container), the reading of E and D.PRS from bytes, and
/// the judgement flagging a wrong count, a wrong E and a hop limit not decremented.
/// </summary>
[TestFixture]
public class CompressionMetricsTests
{
    private static IPAddress A(string s) => IPAddress.Parse(s);
    private static int Ceil(int a, int b) => (a + b - 1) / b;

    private static readonly CsidBlock B32 = new(A("2001:db8::"), CsidStructure.F3216);
    private static readonly CsidBlock B48 = new(A("2001:db8:ee::"), CsidStructure.F4816);
    private static readonly CsidBlock R32 = new(A("2001:db8::"), CsidStructure.Replace(32, 32));

    /// <summary>The forms and their SIDs as the live case (TP-CMET-BV-01) builds them.</summary>
    internal static (EncapsulationForm Form, CsidSid Endpoint, CsidSid Final)[] Forms =>
    [
        (EncapsulationForm.HEncaps, CsidSid.Classic("2001:db8:b:1:ce1::"), CsidSid.Classic("2001:db8:d::")),
        (EncapsulationForm.HEncapsRed, CsidSid.Classic("2001:db8:b:1:ce1:1::"), CsidSid.Classic("2001:db8:d::")),
        (EncapsulationForm.NextF3216, B32.Sid(0x0ce1), B32.LastSid(0x000d)),
        (EncapsulationForm.NextF4816, B48.Sid(0x0ce1), B48.LastSid(0x000d)),
        (EncapsulationForm.Replace32, new CsidSid(A("2001:db8:cb:ce1::"), R32), new CsidSid(A("2001:db8:d::"), R32, HasFlavor: false)),
    ];

    /// <summary>E by hand: the SRv6 base 40 + 8 + 16N; reduced without the first SID (no SRH for one SID); NEXT-C-SID ⌈N/k⌉
    /// containers (k = 6 for F3216, 5 for F4816); REPLACE-C-SID the first SID whole, then ⌈(N−1)/4⌉ packed containers.</summary>
    public static int Formula(string form, int n) => form switch
    {
        "H.Encaps" => 40 + 8 + 16 * n,
        "H.Encaps.Red" => n == 1 ? 40 : 40 + 8 + 16 * (n - 1),
        "NEXT-C-SID F3216" => 40 + 8 + 16 * Ceil(n, 6),
        "NEXT-C-SID F4816" => 40 + 8 + 16 * Ceil(n, 5),
        "REPLACE-C-SID 32" => n == 1 ? 64 : 40 + 8 + 16 * (1 + Ceil(n - 1, 4)),
        _ => throw new ArgumentException(form),
    };

    [Test]
    public void TheEncodingGivesTheClosedFormForEveryLengthAndForm()
    {
        Assert.Multiple(() =>
        {
            foreach (var (form, endpoint, final) in Forms)
                for (int n = 1; n <= CompressionMetrics.MaxSids; n++)
                    Assert.That(CompressionMetrics.Plan(form, n, endpoint, final).ExpectedE, Is.EqualTo(Formula(form.Name, n)), $"{form} N={n}");
        });
        // A few by hand: 16 SIDs as F3216 fit 3 containers (6 + 6 + 4); as 128-bit SIDs they take 304 bytes.
        Assert.That(CompressionMetrics.Plan(EncapsulationForm.NextF3216, 16, B32.Sid(0x0ce1), B32.LastSid(0x000d)).PolicySegments, Has.Count.EqualTo(3));
        Assert.That(Formula("H.Encaps", 16), Is.EqualTo(304));
    }

    [Test]
    public void ThePathVisitsTheSameNodesInEveryForm()
    {
        foreach (var (form, endpoint, final) in Forms)
            for (int n = 1; n <= CompressionMetrics.MaxSids; n++)
            {
                var obs = CompressionMetrics.Plan(form, n, endpoint, final).ExpectedObservations;
                Assert.That(obs, Has.Count.EqualTo(Math.Max(1, n - 1)), $"{form} N={n}: one tap after each endpoint but the last");
                Assert.That(obs[^1].SegmentsLeft, Is.EqualTo(0), $"{form} N={n}: the last tap is at Segments Left 0");
                var last = obs[^1].Destination;
                var finalPrefix = form == EncapsulationForm.NextF4816 ? "2001:db8:ee:d::/64" : "2001:db8:d::/64";
                Assert.That(IPNetwork.Parse(finalPrefix).Contains(last), Is.True, $"{form} N={n}: the last tap goes to the final destination, not {last}");
            }
        // F3216, 8 SIDs: container 1 holds 6 C-SIDs; after the first endpoint the Argument moved up one C-SID, SL unchanged.
        var p = CompressionMetrics.Plan(EncapsulationForm.NextF3216, 8, B32.Sid(0x0ce1), B32.LastSid(0x000d));
        Assert.That(Rfc5952.Format(p.PolicySegments[0]), Is.EqualTo("2001:db8:ce1:ce1:ce1:ce1:ce1:ce1"));
        Assert.That(Rfc5952.Format(p.ExpectedObservations[0].Destination), Is.EqualTo("2001:db8:ce1:ce1:ce1:ce1:ce1:0"));
        Assert.That(p.ExpectedObservations[0].SegmentsLeft, Is.EqualTo(1));
        Assert.That(Rfc5952.Format(p.ExpectedObservations[5].Destination), Is.EqualTo("2001:db8:ce1:d::"), "the second container, from the SRH");
    }

    private static byte[] Packet(int entries, bool hbh = false)
    {
        var segs = Enumerable.Range(0, entries).Select(i => A($"2001:db8:d::{i + 1}")).ToList();
        var inner = new PacketBuilder().Ipv6(A("2001:db8:0:1::2"), A("2001:db8:e:1::1")).Udp(1, 2, new byte[10]);
        var b = new PacketBuilder().RawIp().Ipv6(A("2001:db8:0:2::1"), entries > 0 ? segs[^1] : A("2001:db8:d::1"), 63);
        if (entries > 0) b = b.Srh(segs, (byte)(entries - 1));
        var p = b.Encapsulate(inner).Build();
        if (!hbh) return p;
        // A Hop-by-Hop header (8 bytes of padding) before the SRH.
        var q = new byte[p.Length + 8];
        p.AsSpan(0, 40).CopyTo(q);
        q[40] = p[6];
        p.AsSpan(40).CopyTo(q.AsSpan(48));
        q[6] = 0;
        int plen = (p[4] << 8 | p[5]) + 8;
        (q[4], q[5]) = ((byte)(plen >> 8), (byte)plen);
        return q;
    }

    [Test]
    public void MeasureReadsEAndTheHeadersParsedFromTheBytes()
    {
        Assert.That(CompressionMetrics.Measure(Packet(3)), Is.EqualTo((40 + 8 + 48, 2, (byte)41)));
        Assert.That(CompressionMetrics.Measure(Packet(0)), Is.EqualTo((40, 1, (byte)41)), "no SRH: E is the IPv6 header, D.PRS 1");
        Assert.That(CompressionMetrics.Measure(Packet(2, hbh: true)), Is.EqualTo((40 + 8 + 8 + 32, 3, (byte)41)), "HBH + SRH: three headers to the segment list");
        Assert.That(CompressionMetrics.Measure(Packet(3).AsSpan(0, 60)), Is.Null, "an SRH running past the end");
        Assert.That(CompressionMetrics.Measure(new byte[40]), Is.Null, "not IPv6");
    }

    private static IReadOnlyList<TapObservation> Taps(MetricsPlan p, int eDelta = 0, bool hopLimitStuck = false, int drop = 0) =>
        [.. p.ExpectedObservations.Take(p.ExpectedObservations.Count - drop).Select((h, k) =>
            new TapObservation(h.Destination, h.SegmentsLeft, hopLimitStuck ? 63 : 63 - k, p.ExpectedE + eDelta, p.SrhEntries > 0 ? 2 : 1, ""))];

    [Test]
    public void JudgeAcceptsTheRightTapsAndFlagsWrongOnes()
    {
        var (form, endpoint, final) = Forms[2];
        var p = CompressionMetrics.Plan(form, 10, endpoint, final);
        var ok = CompressionMetrics.Judge(p, Taps(p), 208);
        Assert.That(ok.Problems, Is.Empty);
        Assert.That(ok.MeasuredE, Is.EqualTo(80));
        Assert.That(ok.Savings, Is.EqualTo(1 - 80.0 / 208).Within(1e-9));
        Assert.That(ok.HeadersParsedTotal, Is.EqualTo(18));
        // The negative controls: one container too many (the uncompressed or padded form), a lost packet, a hop limit not decremented.
        Assert.That(CompressionMetrics.Judge(p, Taps(p, eDelta: 16), 208).Problems, Has.Some.Contains("E = 96 bytes on the wire, 80 computed"));
        Assert.That(CompressionMetrics.Judge(p, Taps(p, drop: 1), 208).Problems, Has.Some.Contains("8 packet(s) on the taps, expected 9"));
        Assert.That(CompressionMetrics.Judge(p, Taps(p, hopLimitStuck: true), 208).Problems, Has.Some.Contains("not decremented by exactly 1"));
        // An uncompressed list sent where F3216 was configured: E of the SRv6 base, flagged at every tap.
        var flat = Taps(p).Select(t => t with { E = Formula("H.Encaps", 10) }).ToList();
        Assert.That(CompressionMetrics.Judge(p, flat, 208).Problems, Has.Count.EqualTo(9));
    }

    [Test]
    public void TheTableChartAndJsonCarryTheRows()
    {
        var rows = Forms.SelectMany(f => Enumerable.Range(1, 16).Select(n =>
        {
            var p = CompressionMetrics.Plan(f.Form, n, f.Endpoint, f.Final);
            return CompressionMetrics.Judge(p, Taps(p), Formula("H.Encaps", n));
        })).ToList();
        var state = Forms.ToDictionary(f => f.Form.Name, f => (int?)1);
        var md = CompressionMetrics.ToMarkdown(rows, state);
        Assert.That(md, Does.Contain("| 16 | 304 | 288 | 96 | 112 | 128 |"));
        Assert.That(md, Does.Contain("D.LKU"), "says what is not observable");
        var svg = XDocument.Parse(CompressionMetrics.ToSvg(rows, "t"));
        Assert.That(svg.Descendants().Count(e => e.Name.LocalName == "polyline"), Is.EqualTo(5));
        var json = CompressionMetrics.ToJson(rows, state, new Dictionary<string, string>(), "offline");
        var round = JsonNode.Parse(json.ToJsonString())!;
        Assert.That(round["rows"]!.AsArray(), Has.Count.EqualTo(80));
        Assert.That((int?)round["rows"]![15]!["e_measured"], Is.EqualTo(304));
        Assert.That((double?)round["rows"]![47]!["es"], Is.EqualTo(Math.Round(1 - 96.0 / 304, 6)), "F3216 N=16");
    }
}
