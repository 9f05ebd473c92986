using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conformance.Harness.Intent;
using Conformance.Harness.Profiles;

namespace Conformance.Harness.Platforms;

/// <summary>
/// One row of the DUT's SID table as the DUT shows it (<c>state.sid_table</c>): the SID, and what the platform's output
/// says of it. A member is null when the output does not show it (the pack declares no such field, or the row lacks it);
/// <see cref="Flavors"/> are the platform's words (e.g. <c>psp</c>, <c>next-csid</c>), empty when the row shows none.
/// </summary>
public sealed record SidTableRow(IPAddress Sid, int? PrefixLength, string? Behavior, IReadOnlyList<string>? Flavors, int? BlockBits, int? CsidBits, string? Name, string Shown)
{
    public override string ToString() => Shown;
}

/// <summary>What <see cref="SidReadBack.Read"/> makes of a read-back: the rows, and which members the output can show at all.</summary>
public sealed record SidTableReadBack(IReadOnlyList<SidTableRow> Rows, bool ShowsBehavior, bool ShowsFlavors, bool ShowsCsidLengths, bool ShowsPrefixLength);

/// <summary>
/// The configuration read-back of the DUT's SIDs (TP-CSID-BV-20): the SID table through the pack's <c>state.sid_table</c>
/// reader (format <c>linux-seg6local</c>: the kernel's <c>ip -6 route show</c> lines; json / xml / regex: the pack's
/// fields <c>sid</c>, <c>name</c>, <c>behavior</c>, <c>flavors</c>, <c>prefix_length</c>, <c>block_bits</c>, <c>csid_bits</c>),
/// and the judgement: each SID configured with a flavor must be there with its behaviour, every flavor and its C-SID
/// structure as configured, the flavor neither dropped nor another one added.
/// </summary>
public static partial class SidReadBack
{
    /// <summary>The table's rows (and what it can show) from <paramref name="output"/> of <c>table.Command</c>.</summary>
    /// <exception cref="PackOutputException">The output is not what the format says.</exception>
    public static SidTableReadBack Read(PackCounters table, string output)
    {
        if (table.Format == "linux-seg6local") return new SidTableReadBack(ParseLinux(output), true, true, true, true);
        var rows = PackTableReader.Read(table, output);
        bool Has(string f) => table.Format == "regex" ? table.Pattern?.GetGroupNames().Contains(f) == true : table.Fields.ContainsKey(f);
        var flavors = Has("flavors");
        return new SidTableReadBack([.. rows.Select(r => FromFields(r, flavors)).OfType<SidTableRow>()], Has("behavior"), flavors, Has("block_bits") && Has("csid_bits"), Has("prefix_length"));
    }

    /// <summary>A row of a table reader's fields; null when its <c>sid</c> is no IPv6 address (a header, a summary line).</summary>
    public static SidTableRow? FromFields(IReadOnlyDictionary<string, string> row, bool showsFlavors)
    {
        if (!row.TryGetValue("sid", out var sid)) return null;
        var parts = sid.Trim().Split('/');
        if (!IPAddress.TryParse(parts[0], out var address)) return null;
        int? length = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pl) ? pl : Int(row, "prefix_length");
        IReadOnlyList<string>? flavors = !showsFlavors ? null
            : row.TryGetValue("flavors", out var f) ? [.. f.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Where(x => x != "-")] : [];
        return new SidTableRow(address, length, row.GetValueOrDefault("behavior"), flavors, Int(row, "block_bits"), Int(row, "csid_bits"), row.GetValueOrDefault("name"),
            string.Join(", ", row.Select(kv => $"{kv.Key}={kv.Value}")));
    }

    private static int? Int(IReadOnlyDictionary<string, string> row, string field) =>
        row.TryGetValue(field, out var v) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static readonly string[] RouteTypes = ["unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw", "nat"];

    [GeneratedRegex(@"\bencap seg6local action (?<action>\S+)")]
    private static partial Regex ActionRegex();

    [GeneratedRegex(@"\bflavors (?<flavors>\S+)")]
    private static partial Regex FlavorsRegex();

    [GeneratedRegex(@"\blblen (?<lblen>\d+)")]
    private static partial Regex BlockRegex();

    [GeneratedRegex(@"\bnflen (?<nflen>\d+)")]
    private static partial Regex NodeFunctionRegex();

    /// <summary>
    /// The seg6local routes of <c>ip -6 route show table all</c> (iproute2 prints a route's prefix length only when it
    /// is not 128, the flavors as <c>flavors psp,next-csid</c> and a NEXT-C-SID structure as <c>lblen B nflen C</c>).
    /// A route of another table is prefixed <c>table N</c> only after the destination, so the destination is the first
    /// token after an optional route type.
    /// </summary>
    public static IReadOnlyList<SidTableRow> ParseLinux(string text)
    {
        var rows = new List<SidTableRow>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var action = ActionRegex().Match(line);
            if (!action.Success) continue;
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var dst = RouteTypes.Contains(tokens[0]) && tokens.Length > 1 ? tokens[1] : tokens[0];
            var parts = dst.Split('/');
            if (!IPAddress.TryParse(parts[0], out var address)) continue;
            var length = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 128;
            // The flavors and lengths are those of the seg6local encap: everything after "encap seg6local" up to the device.
            var encap = line[action.Index..];
            var fl = FlavorsRegex().Match(encap);
            var lb = BlockRegex().Match(encap);
            var nf = NodeFunctionRegex().Match(encap);
            rows.Add(new SidTableRow(address, length, action.Groups["action"].Value,
                fl.Success ? fl.Groups["flavors"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [],
                lb.Success ? int.Parse(lb.Groups["lblen"].Value, CultureInfo.InvariantCulture) : null,
                nf.Success ? int.Parse(nf.Groups["nflen"].Value, CultureInfo.InvariantCulture) : null, null, line));
        }
        return rows;
    }

    /// <summary>
    /// The SIDs a read-back judges: every SID configured with a flavor (PSP, USP, USD, NEXT-C-SID, REPLACE-C-SID; a C-SID
    /// structure brings its compression flavor), by name.
    /// </summary>
    public static IReadOnlyList<IntentSid> Flavored(IEnumerable<IntentSid> sids) => [.. sids.Where(s => s.Flavors.Count > 0 || s.Csid is not null).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Compares the read-back with the configured SIDs; the problems found (empty: every SID as configured).
    /// <paramref name="flavorWords"/> is the pack's templates.flavors (RFC flavor name → the platform's word), by which
    /// the words shown are read back into flavors. A member the output cannot show is not judged (the caller says so).
    /// </summary>
    public static IReadOnlyList<string> Judge(IReadOnlyList<IntentSid> configured, SidTableReadBack readBack, IReadOnlyDictionary<string, string> flavorWords)
    {
        var problems = new List<string>();
        var byWord = flavorWords.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.OrdinalIgnoreCase);
        foreach (var s in configured)
        {
            var what = $"SID {s.Name} ({s.Address}/{s.PrefixLength}, {s.Behavior.Name()}{Describe(s)})";
            var same = readBack.Rows.Where(r => r.Sid.Equals(s.Address)).ToList();
            var row = same.FirstOrDefault(r => r.PrefixLength is null || r.PrefixLength == s.PrefixLength);
            if (row is null)
            {
                problems.Add(same.Count == 0
                    ? $"{what}: not in the DUT's SID table"
                    : $"{what}: in the SID table only as {string.Join(", ", same.Select(r => $"/{r.PrefixLength}"))} ({same[0].Shown})");
                continue;
            }
            var wrong = new List<string>();
            if (readBack.ShowsBehavior && !string.Equals(row.Behavior, s.Behavior.Name(), StringComparison.OrdinalIgnoreCase))
                wrong.Add($"behaviour {row.Behavior ?? "(none shown)"}, configured {s.Behavior.Name()}");
            if (readBack.ShowsFlavors && row.Flavors is { } shownWords)
            {
                var shown = shownWords.Select(w => byWord.TryGetValue(w, out var name) ? name : w).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var want = Expected(s).Select(f => f.Name()).ToList();
                var dropped = want.Where(f => !shown.Contains(f)).ToList();
                var added = shown.Where(f => !want.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList();
                if (dropped.Count > 0) wrong.Add($"flavor {string.Join(", ", dropped)} configured but not in the SID table (dropped)");
                if (added.Count > 0) wrong.Add($"flavor {string.Join(", ", added)} shown but not configured");
            }
            if (readBack.ShowsCsidLengths && s.Csid is { } c && (row.BlockBits != c.BlockBits || row.CsidBits != c.CsidBits))
                wrong.Add(row.BlockBits is null && row.CsidBits is null
                    ? $"no C-SID structure shown, configured Locator-Block {c.BlockBits} bits, C-SID {c.CsidBits} bits"
                    : $"C-SID structure Locator-Block {Bits(row.BlockBits)}, C-SID {Bits(row.CsidBits)}, configured {c.BlockBits} and {c.CsidBits} bits");
            if (wrong.Count > 0) problems.Add($"{what}: {string.Join("; ", wrong)} — the DUT shows: {row.Shown}");
        }
        return problems;
    }

    /// <summary>The flavors a SID must show: its own, and the compression flavor its C-SID structure brings.</summary>
    private static IEnumerable<SrFlavor> Expected(IntentSid s)
    {
        var all = new HashSet<SrFlavor>(s.Flavors);
        if (s.Csid is { } c) all.Add(c.Flavor == Packets.CsidFlavor.NextCsid ? SrFlavor.NextCSid : SrFlavor.ReplaceCSid);
        return all.OrderBy(f => f);
    }

    private static string Describe(IntentSid s)
    {
        var parts = Expected(s).Select(f => f.Name()).ToList();
        var text = parts.Count == 0 ? "" : " " + string.Join("+", parts);
        return s.Csid is { } c ? FormattableString.Invariant($"{text}, Locator-Block {c.BlockBits} bits, C-SID {c.CsidBits} bits") : text;
    }

    private static string Bits(int? b) => b is { } v ? v.ToString(CultureInfo.InvariantCulture) + " bits" : "not shown";
}
