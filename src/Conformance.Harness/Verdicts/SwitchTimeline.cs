using System.Globalization;
using System.Net;
using System.Text;

namespace Conformance.Harness.Verdicts;

/// <summary>One data packet seen on a tap: when, and the constituent whose segment list it carried (null: none of the profile's).</summary>
public sealed record TimedCarry(DateTime At, string? Constituent);

/// <summary>A change of the carrying constituent between two consecutive packets seen on the taps.</summary>
public sealed record CarrySwitch(DateTime At, DateTime LastOnFrom, string From, string To);

/// <summary>An impairment interval (loss in percent from On to Off).</summary>
public sealed record ImpairmentSpan(DateTime On, DateTime Off, int Percent);

/// <summary>
/// The policy selector's switch-overs as the taps show them (draft-yang-srv6ops-policy-selector-01 §5.1): the packets of
/// one class in capture order, each labelled with the constituent whose SRH segment list it carried; a switch is a change
/// of that label between consecutive packets. Pure: the live cases and the offline proofs use the same code. Also draws
/// the timeline chart (SVG) of a switch-over case: packets per constituent per time bin, impairments, marked events.
/// </summary>
public static class SwitchTimeline
{
    public static IReadOnlyList<CarrySwitch> Switches(IReadOnlyList<TimedCarry> packets)
    {
        var list = new List<CarrySwitch>();
        TimedCarry? prev = null;
        foreach (var p in packets.Where(p => p.Constituent is not null).OrderBy(p => p.At))
        {
            if (prev is not null && prev.Constituent != p.Constituent) list.Add(new CarrySwitch(p.At, prev.At, prev.Constituent!, p.Constituent!));
            prev = p;
        }
        return list;
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>
    /// The timeline: one line per constituent (packets per <paramref name="binMs"/> bin), shaded impairment spans with their
    /// loss, and vertical markers (label at the top) for the measured events; the time axis in seconds from <paramref name="t0"/>.
    /// </summary>
    public static string Svg(string title, IReadOnlyList<TimedCarry> packets, DateTime t0, DateTime t1, IReadOnlyList<ImpairmentSpan> impairments,
        IReadOnlyList<(DateTime At, string Label)> markers, IReadOnlyList<string> constituents, int binMs = 100)
    {
        const int W = 960, H = 420, L = 60, R = 170, T = 60, B = 50;
        var span = Math.Max(0.1, (t1 - t0).TotalSeconds);
        var bins = (int)Math.Ceiling(span * 1000 / binMs);
        var series = constituents.ToDictionary(c => c, _ => new int[bins], StringComparer.Ordinal);
        foreach (var p in packets)
        {
            if (p.Constituent is null || !series.TryGetValue(p.Constituent, out var s)) continue;
            var i = (int)((p.At - t0).TotalMilliseconds / binMs);
            if (i >= 0 && i < bins) s[i]++;
        }
        var max = Math.Max(1, series.Values.SelectMany(v => v).DefaultIfEmpty(0).Max());
        double X(double sec) => L + (W - L - R) * sec / span;
        double Y(double n) => T + (H - T - B) * (1 - n / max);
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"];
        var o = new StringBuilder();
        o.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        o.Append(CultureInfo.InvariantCulture, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{L}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{Esc(title)}</text>\n");
        foreach (var im in impairments)
        {
            double a = X(Math.Max(0, (im.On - t0).TotalSeconds)), b = X(Math.Min(span, (im.Off - t0).TotalSeconds));
            o.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(a)}\" y=\"{T}\" width=\"{F(Math.Max(1, b - a))}\" height=\"{H - T - B}\" fill=\"#f5b7b1\" opacity=\"0.5\"/>\n");
            o.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(a + 2)}\" y=\"{T + 12}\" fill=\"#922b21\">loss {im.Percent}%</text>\n");
        }
        o.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/>\n<line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        for (var s = 0; s <= (int)span; s++)
            o.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(X(s))}\" y1=\"{H - B}\" x2=\"{F(X(s))}\" y2=\"{H - B + 4}\" stroke=\"black\"/><text x=\"{F(X(s))}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{s}</text>\n");
        o.Append(CultureInfo.InvariantCulture, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">time (s) from the start of the traffic</text>\n");
        o.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(T + H - B) / 2}\" transform=\"rotate(-90 14 {(T + H - B) / 2})\" text-anchor=\"middle\">packets per {binMs} ms on the taps</text>\n");
        o.Append(CultureInfo.InvariantCulture, $"<text x=\"{L - 4}\" y=\"{T + 4}\" text-anchor=\"end\">{max}</text><text x=\"{L - 4}\" y=\"{H - B}\" text-anchor=\"end\">0</text>\n");
        var k = 0;
        foreach (var c in constituents)
        {
            var colour = colours[k % colours.Length];
            var pts = string.Join(' ', series[c].Select((n, i) => $"{F(X((i + 0.5) * binMs / 1000.0))},{F(Y(n))}"));
            o.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{pts}\"/>\n");
            o.Append(CultureInfo.InvariantCulture, $"<rect x=\"{W - R + 12}\" y=\"{T + 16 * k}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{W - R + 26}\" y=\"{T + 9 + 16 * k}\">{Esc(c)} ({series[c].Sum()} pkts)</text>\n");
            k++;
        }
        var m = 0;
        foreach (var (at, label) in markers)
        {
            var x = X((at - t0).TotalSeconds);
            o.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{T - 4}\" x2=\"{F(x)}\" y2=\"{H - B}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n");
            o.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 3)}\" y=\"{30 + 12 * (m % 3)}\">{Esc(label)}</text>\n");
            m++;
        }
        o.Append("</svg>\n");
        return o.ToString();
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
