using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Conformance.Harness.Packets;

/// <summary>
/// One encoding of a segment list whose size the compression metrics compare: the SRv6 base (H.Encaps, one 128-bit SRH
/// entry per SID), H.Encaps.Red, or H.Encaps with RFC 9800 C-SID containers of a <see cref="Structure"/>.
/// </summary>
/// <param name="Name">How the table names it: "H.Encaps", "H.Encaps.Red", "NEXT-C-SID F3216", "NEXT-C-SID F4816", "REPLACE-C-SID 32".</param>
/// <param name="Reduced">The headend leaves the first entry out of the SRH (RFC 8986 §5.2).</param>
/// <param name="Structure">The C-SID structure of every SID of the list; null for 128-bit SIDs.</param>
public sealed record EncapsulationForm(string Name, bool Reduced, CsidStructure? Structure)
{
    public static EncapsulationForm HEncaps { get; } = new("H.Encaps", false, null);
    public static EncapsulationForm HEncapsRed { get; } = new("H.Encaps.Red", true, null);
    public static EncapsulationForm NextF3216 { get; } = new("NEXT-C-SID F3216", false, CsidStructure.F3216);
    public static EncapsulationForm NextF4816 { get; } = new("NEXT-C-SID F4816", false, CsidStructure.F4816);
    public static EncapsulationForm Replace32 { get; } = new("REPLACE-C-SID 32", false, CsidStructure.Replace(32, 32));

    /// <summary>Every form the metrics know, the SRv6 base first.</summary>
    public static IReadOnlyList<EncapsulationForm> All { get; } = [HEncaps, HEncapsRed, NextF3216, NextF4816, Replace32];

    public override string ToString() => Name;
}

/// <summary>
/// What a headend is configured with for one form and one list length, and what the wire must then show: the policy's
/// entries (containers and 128-bit SIDs in processing order, RFC 9800 §6.2 through <see cref="CompressedSegmentList"/>),
/// E computed from that encoding, and the destination and Segments Left after each endpoint.
/// </summary>
public sealed record MetricsPlan(EncapsulationForm Form, int N, CompressedSegmentList List)
{
    /// <summary>The segment list the headend policy is configured with (processing order; the first is the outer destination).</summary>
    public IReadOnlyList<IPAddress> PolicySegments => List.Entries;

    /// <summary>SRH Segment List entries the headend pushes (the reduced SRH leaves the first out; none is no SRH).</summary>
    public int SrhEntries => List.Entries.Count - (Form.Reduced ? 1 : 0);

    /// <summary>E computed from the encoding: 40 bytes of outer IPv6 header, plus 8 + 16 per entry when there is an SRH (RFC 8754 §2).</summary>
    public int ExpectedE => CompressionMetrics.EncapsulationBytes(SrhEntries);

    /// <summary>
    /// What leaves the DUT after each endpoint it is (all but the last SID, each one wire hop): destination and Segments Left.
    /// With one SID the headend's own output is the one observation (no endpoint of the DUT on the path).
    /// </summary>
    public IReadOnlyList<CsidHop> ExpectedObservations
    {
        get
        {
            if (N == 1) return [new CsidHop(List.Destination, List.SegmentsLeft, CsidStep.Ultimate)];
            var hops = List.Hops(Form.Reduced);
            return [.. hops.Take(hops.Count - 1)];
        }
    }
}

/// <summary>One packet as a tap saw it between two endpoints.</summary>
/// <param name="E">Bytes before the payload: the IPv6 header and its extension headers (the encapsulation).</param>
/// <param name="HeadersParsed">D.PRS at the next endpoint: the IPv6 header and the extension headers up to and including the Routing header (1 without an SRH).</param>
public sealed record TapObservation(IPAddress Destination, int SegmentsLeft, int HopLimit, int E, int HeadersParsed, string Notation);

/// <summary>The metrics of one form at one list length, measured.</summary>
public sealed record MetricsRow(EncapsulationForm Form, int N, int ExpectedE, int? MeasuredE, double? Savings, IReadOnlyList<TapObservation> Taps,
    IReadOnlyList<string> Problems)
{
    /// <summary>D.PRS summed over the endpoints the taps show.</summary>
    public int HeadersParsedTotal => Taps.Sum(t => t.HeadersParsed);
}

/// <summary>
/// The compression metrics of draft-ietf-spring-compression-requirement-03 §3.1 as the suite measures them on a DUT (E and
/// ES §3.1.1, D.PRS §3.1.2, S §3.1.3): the plans (<see cref="Plan"/>), the reading of a packet's encapsulation
/// (<see cref="Measure"/>), the judgement of a path's taps against its plan (<see cref="Judge"/>), and the published forms
/// of the table (Markdown, SVG chart, JSON for the conformance statement).
/// </summary>
public static class CompressionMetrics
{
    /// <summary>The Allure attachment the live case writes; the conformance statement embeds it as <c>compressionMetrics</c>.</summary>
    public const string AttachmentName = "compression-metrics.json";
    public const string SvgMime = "image/svg+xml";
    public const int MaxSids = 16;

    /// <summary>What cannot be measured from outside the DUT, said with every table.</summary>
    public static IReadOnlyList<string> NotObservable { get; } =
    [
        "D.LKU (§3.1.2): the number and kind (LPM/EM) of FIB lookups per packet happen inside the DUT; no tap shows them.",
        "D.PRS (§3.1.2) as the DUT really parses: the taps show the headers an endpoint must parse to reach the segment list (IPv6 header and extension headers up to the SRH); whether an implementation reads the SRH on a NEXT-C-SID shift is not visible.",
        "S (§3.1.3) beyond the SID table: the FIB entries of the C-SID blocks and locators are not in the pack's SID table reader; S counts the SID entries each form needs.",
        "Processing cost (time, memory) per form: not measured here.",
    ];

    /// <summary>E of an IPv6 encapsulation with an SRH of <paramref name="srhEntries"/> entries (0: no SRH).</summary>
    public static int EncapsulationBytes(int srhEntries) => 40 + (srhEntries == 0 ? 0 : 8 + 16 * srhEntries);

    /// <summary>
    /// The plan of one form for a list of <paramref name="n"/> SIDs: <paramref name="n"/> − 1 times the endpoint SID, then
    /// the final SID (the same node sequence in every form; only the encoding differs).
    /// </summary>
    public static MetricsPlan Plan(EncapsulationForm form, int n, CsidSid endpoint, CsidSid final)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (n < 1 || n > 64) throw new ArgumentOutOfRangeException(nameof(n), n, "a list of 1 to 64 SIDs");
        var sids = Enumerable.Repeat(endpoint, n - 1).Append(final).ToList();
        return new MetricsPlan(form, n, CompressedSegmentList.Compress(sids));
    }

    /// <summary>
    /// Reads the encapsulation of an IPv6 packet (from its first byte): E, D.PRS and the header count; null when the bytes
    /// are not an IPv6 packet or an extension header runs past the end.
    /// </summary>
    public static (int E, int HeadersParsed, byte PayloadNextHeader)? Measure(ReadOnlySpan<byte> ipv6)
    {
        if (ipv6.Length < 40 || ipv6[0] >> 4 != 6) return null;
        byte nh = ipv6[6];
        int off = 40, headers = 1, parsed = 1;
        while (nh is 0 or 43 or 60)
        {
            if (off + 2 > ipv6.Length) return null;
            int len = (ipv6[off + 1] + 1) * 8;
            if (off + len > ipv6.Length) return null;
            headers++;
            if (nh == 43) parsed = headers;
            nh = ipv6[off];
            off += len;
        }
        return (off, parsed, nh);
    }

    /// <summary>
    /// Judges the taps of one path against its plan: as many observations as the plan has hops, each with the planned
    /// destination and Segments Left and E as computed from the encoding, the hop limit one less at each endpoint.
    /// </summary>
    public static MetricsRow Judge(MetricsPlan plan, IReadOnlyList<TapObservation> taps, int? baseE)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<string>();
        var expected = plan.ExpectedObservations;
        if (taps.Count != expected.Count)
            problems.Add($"{taps.Count} packet(s) on the taps, expected {expected.Count} (one after each endpoint of the same node sequence)");
        for (int k = 0; k < Math.Min(taps.Count, expected.Count); k++)
        {
            var (t, x) = (taps[k], expected[k]);
            if (!t.Destination.Equals(x.Destination) || t.SegmentsLeft != x.SegmentsLeft)
                problems.Add($"tap {k + 1}: DA {Rfc5952.Format(t.Destination)} SL={t.SegmentsLeft}, expected DA {Rfc5952.Format(x.Destination)} SL={x.SegmentsLeft}");
            if (t.E != plan.ExpectedE)
                problems.Add($"tap {k + 1}: E = {t.E} bytes on the wire, {plan.ExpectedE} computed from the encoding ({plan.SrhEntries} SRH entr{(plan.SrhEntries == 1 ? "y" : "ies")})");
            if (k > 0 && t.HopLimit != taps[k - 1].HopLimit - 1)
                problems.Add($"tap {k + 1}: hop limit {t.HopLimit} after hop limit {taps[k - 1].HopLimit}: not decremented by exactly 1 at the endpoint");
        }
        int? measured = taps.Count == 0 ? null : taps.Select(t => t.E).Distinct().Count() == 1 ? taps[0].E : taps.Max(t => t.E);
        double? es = measured is { } e && baseE is { } b && b > 0 ? 1.0 - (double)e / b : null;
        return new MetricsRow(plan.Form, plan.N, plan.ExpectedE, measured, es, taps, problems);
    }

    private static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>The table as Markdown: E per form and N (measured, and computed where they differ), ES against H.Encaps, ΣD.PRS.</summary>
    public static string ToMarkdown(IReadOnlyList<MetricsRow> rows, IReadOnlyDictionary<string, int?> state)
    {
        var forms = rows.Select(r => r.Form).Distinct().ToList();
        var sb = new StringBuilder();
        sb.Append("E = bytes before the payload (outer IPv6 header + SRH), measured on the wire; ES = 1 − E/E(H.Encaps); ΣD.PRS = headers parsed over the endpoints of the path\n\n");
        sb.Append("| N |");
        foreach (var f in forms) sb.Append(CultureInfo.InvariantCulture, $" E {f.Name} |");
        foreach (var f in forms.Skip(1)) sb.Append(CultureInfo.InvariantCulture, $" ES {f.Name} |");
        foreach (var f in forms) sb.Append(CultureInfo.InvariantCulture, $" ΣD.PRS {f.Name} |");
        sb.Append('\n').Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", forms.Count * 3 - 1))).Append('\n');
        foreach (var n in rows.Select(r => r.N).Distinct().Order())
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {n} |");
            var at = forms.Select(f => rows.FirstOrDefault(r => r.N == n && r.Form == f)).ToList();
            foreach (var r in at)
                sb.Append(' ').Append(r is null ? "-" : r.MeasuredE is { } e ? (e == r.ExpectedE ? $"{e}" : $"**{e}** (computed {r.ExpectedE})") : $"lost (computed {r.ExpectedE})").Append(" |");
            foreach (var r in at.Skip(1)) sb.Append(' ').Append(r?.Savings is { } s ? F(s) : "-").Append(" |");
            foreach (var r in at) sb.Append(' ').Append(r is null ? "-" : r.HeadersParsedTotal.ToString(CultureInfo.InvariantCulture)).Append(" |");
            sb.Append('\n');
        }
        sb.Append("\nS (§3.1.3), SID table entries each form needs on the DUT (read through the pack's state.sid_table): ");
        sb.Append(string.Join(", ", forms.Select(f => $"{f.Name} {(state.TryGetValue(f.Name, out var s) && s is { } v ? v.ToString(CultureInfo.InvariantCulture) : "not read")}")));
        sb.Append("\n\nNot observable from outside the DUT:\n").Append(string.Concat(NotObservable.Select(x => $"- {x}\n")));
        return sb.ToString();
    }

    private static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

    /// <summary>The chart: E (bytes) against N, one line per form, measured values (a lost row leaves a gap).</summary>
    public static string ToSvg(IReadOnlyList<MetricsRow> rows, string title)
    {
        const int W = 640, H = 400, L = 60, R = 180, T = 40, B = 50;
        var forms = rows.Select(r => r.Form).Distinct().ToList();
        int maxN = Math.Max(2, rows.Count == 0 ? 2 : rows.Max(r => r.N));
        int maxE = Math.Max(100, rows.Select(r => Math.Max(r.MeasuredE ?? 0, r.ExpectedE)).DefaultIfEmpty(100).Max());
        maxE = (maxE + 49) / 50 * 50;
        double X(int n) => L + (double)(n - 1) / (maxN - 1) * (W - L - R);
        double Y(int e) => T + (1 - (double)e / maxE) * (H - T - B);
        string D(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{Escape(title)}</title>\n<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L}\" y=\"20\" font-size=\"13\">{Escape(title)}</text>\n");
        for (int e = 0; e <= maxE; e += maxE / 5 / 50 * 50 == 0 ? 50 : maxE / 5 / 50 * 50)
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" y1=\"{D(Y(e))}\" x2=\"{W - R}\" y2=\"{D(Y(e))}\" stroke=\"#ddd\"/><text x=\"{L - 6}\" y=\"{D(Y(e) + 4)}\" text-anchor=\"end\">{e}</text>\n");
        for (int n = 1; n <= maxN; n++)
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{D(X(n))}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{n}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">N (SIDs in the segment list)</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(T + H - B) / 2}\" transform=\"rotate(-90 14 {(T + H - B) / 2})\" text-anchor=\"middle\">E (bytes before the payload, measured)</text>\n");
        for (int i = 0; i < forms.Count; i++)
        {
            var c = Colours[i % Colours.Length];
            var points = rows.Where(r => r.Form == forms[i] && r.MeasuredE is not null).OrderBy(r => r.N).Select(r => $"{D(X(r.N))},{D(Y(r.MeasuredE!.Value))}");
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"><title>{Escape(forms[i].Name)}</title></polyline>\n");
            foreach (var r in rows.Where(r => r.Form == forms[i] && r.MeasuredE is not null))
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{D(X(r.N))}\" cy=\"{D(Y(r.MeasuredE!.Value))}\" r=\"2.5\" fill=\"{c}\"><title>{Escape(forms[i].Name)} N={r.N}: E={r.MeasuredE}</title></circle>\n");
            int ly = T + 10 + 18 * i;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{W - R + 12}\" y1=\"{ly}\" x2=\"{W - R + 32}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2\"/><text x=\"{W - R + 38}\" y=\"{ly + 4}\">{Escape(forms[i].Name)}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>The table as JSON (the conformance statement's <c>compressionMetrics</c>; README "Conformance statement").</summary>
    public static JsonObject ToJson(IReadOnlyList<MetricsRow> rows, IReadOnlyDictionary<string, int?> state, IReadOnlyDictionary<string, string> sids, string conditions)
    {
        var forms = rows.Select(r => r.Form).Distinct().ToList();
        return new JsonObject
        {
            ["source"] = "draft-ietf-spring-compression-requirement-03 §3.1.1 (E, ES), §3.1.2 (D.PRS), §3.1.3 (S)",
            ["conditions"] = conditions,
            ["forms"] = new JsonArray([.. forms.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f.Name,
                ["reduced"] = f.Reduced,
                ["csid"] = f.Structure is { } s ? new JsonObject { ["flavor"] = s.FlavorName, ["block_bits"] = s.BlockBits, ["csid_bits"] = s.CsidBits } : null,
                ["endpoint_sid"] = sids.TryGetValue(f.Name, out var a) ? a : null,
                ["state_entries"] = state.TryGetValue(f.Name, out var v) ? v : null,
            })]),
            ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
            {
                ["form"] = r.Form.Name,
                ["n"] = r.N,
                ["e_computed"] = r.ExpectedE,
                ["e_measured"] = r.MeasuredE,
                ["es"] = r.Savings is { } s ? Math.Round(s, 6) : null,
                ["d_prs"] = new JsonArray([.. r.Taps.Select(t => (JsonNode)t.HeadersParsed)]),
                ["taps"] = r.Taps.Count,
                ["problems"] = new JsonArray([.. r.Problems.Select(p => (JsonNode)p)]),
            })]),
            ["not_observable"] = new JsonArray([.. NotObservable.Select(x => (JsonNode)x)]),
        };
    }
}
