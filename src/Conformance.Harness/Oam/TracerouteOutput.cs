using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Oam;

/// <summary>One probe of a hop as a traceroute tool printed it: who answered (null for "*"), the round trip, a "!" annotation.</summary>
public sealed record PrintedProbe(IPAddress? From, double? RttMs, string? Annotation)
{
    public bool TimedOut => From is null;
}

/// <summary>One hop line: the hop number (the probes' hop limit) and its probes in the order printed.</summary>
public sealed record PrintedHop(int Hop, IReadOnlyList<PrintedProbe> Probes)
{
    /// <summary>The distinct addresses that answered this hop, in the order printed.</summary>
    public IReadOnlyList<IPAddress> From => Probes.Where(p => p.From is not null).Select(p => p.From!).Distinct().ToList();
}

/// <summary>
/// The output of a DUT's own traceroute (Linux traceroute/traceroute6 by Dmitry Butskoy, the Debian package
/// <c>traceroute</c>, as RFC 9259 Appendix A.2.1 has the ingress node run it): the header line
/// <c>traceroute to T (T), N hops max, M byte packets</c> and one line per hop,
/// <c> 2  2001:db8::1  0.412 ms  0.300 ms !N</c>, where "*" is a probe without answer, an address is printed when it
/// changes within the line (<c>name (address)</c> without <c>-n</c>) and "!X" annotates the probe before it.
/// Pure; <see cref="Parse"/> throws <see cref="FormatException"/> on anything else, naming the line.
/// </summary>
public static partial class TracerouteOutput
{
    public sealed record Result(IPAddress Target, int MaxHops, int PacketBytes, IReadOnlyList<PrintedHop> Hops)
    {
        /// <summary>The last printed hop was answered by the target without an annotation (Port Unreachable: the destination was reached).</summary>
        public bool Reached => Hops.Count > 0 && Hops[^1].Probes.Any(p => Target.Equals(p.From) && p.Annotation is null);
    }

    [GeneratedRegex(@"^traceroute6? to (?<name>\S+) \((?<addr>[^)]+)\)(?: from \S+)?, (?<max>\d+) hops max, (?<bytes>\d+) byte packets$")]
    private static partial Regex HeaderRegex();

    [GeneratedRegex(@"^\s*(?<hop>\d+)\s+(?<rest>.*)$")]
    private static partial Regex HopRegex();

    [GeneratedRegex(@"^!(?:[HNPSXVCAUZ]|F-?\d*|<\d+>|\d+)$")]
    private static partial Regex AnnotationRegex();

    public static Result Parse(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        int at = lines.FindIndex(l => l.StartsWith("traceroute", StringComparison.Ordinal));
        if (at < 0) throw new FormatException("no \"traceroute to ...\" header line in the output");
        var h = HeaderRegex().Match(lines[at]);
        if (!h.Success) throw new FormatException($"header line not understood: \"{lines[at]}\"");
        if (!IPAddress.TryParse(h.Groups["addr"].Value, out var target)) throw new FormatException($"header line names no target address: \"{lines[at]}\"");
        var hops = new List<PrintedHop>();
        foreach (var line in lines.Skip(at + 1))
        {
            var m = HopRegex().Match(line);
            if (!m.Success) throw new FormatException($"hop line not understood: \"{line}\"");
            int hop = int.Parse(m.Groups["hop"].Value, CultureInfo.InvariantCulture);
            if (hop != hops.Count + 1) throw new FormatException($"hop {hop} follows hop {hops.Count}: \"{line}\"");
            hops.Add(new PrintedHop(hop, ParseProbes(m.Groups["rest"].Value, line)));
        }
        return new Result(target, int.Parse(h.Groups["max"].Value, CultureInfo.InvariantCulture), int.Parse(h.Groups["bytes"].Value, CultureInfo.InvariantCulture), hops);
    }

    private static List<PrintedProbe> ParseProbes(string rest, string line)
    {
        var probes = new List<PrintedProbe>();
        var t = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IPAddress? from = null;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] == "*") { probes.Add(new PrintedProbe(null, null, null)); continue; }
            if (t[i].StartsWith('!'))
            {
                if (!AnnotationRegex().IsMatch(t[i]) || probes.Count == 0 || probes[^1].TimedOut)
                    throw new FormatException($"annotation \"{t[i]}\" not understood here: \"{line}\"");
                probes[^1] = probes[^1] with { Annotation = t[i] };
                continue;
            }
            if (i + 1 < t.Length && t[i + 1] == "ms" && double.TryParse(t[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                if (from is null) throw new FormatException($"a round trip without an address before it: \"{line}\"");
                probes.Add(new PrintedProbe(from, ms, null));
                i++;
                continue;
            }
            // "name (address)" without -n, else the bare address.
            if (i + 1 < t.Length && t[i + 1].Length > 2 && t[i + 1][0] == '(' && t[i + 1][^1] == ')' && IPAddress.TryParse(t[i + 1][1..^1], out var named))
            {
                from = named;
                i++;
                continue;
            }
            if (t[i].Contains(':', StringComparison.Ordinal) || t[i].Count(c => c == '.') == 3)
            {
                if (IPAddress.TryParse(t[i], out var a)) { from = a; continue; }
            }
            throw new FormatException($"\"{t[i]}\" not understood: \"{line}\"");
        }
        if (probes.Count == 0) throw new FormatException($"a hop line without probes: \"{line}\"");
        return probes;
    }
}
