using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace Conformance.Harness.Platforms;

/// <summary>
/// Reads a show command's output into rows of named fields as a pack's table reader says (<see cref="PackCounters"/>):
/// regex with named groups, or structured output (json, xml) with a path to the rows and a path per field, so a
/// platform's <c>| json</c> / <c>| display json</c> / <c>| display xml</c> form needs no code (docs/platform-packs.md).
/// </summary>
/// <remarks>
/// Paths are names joined by '.'. Walking a path, an array met on the way is walked element by element (so
/// <c>rows: sids</c> reads every element of <c>{"sids": [...]}</c>, and a list wrapped in one-element arrays, as Junos
/// prints it, is read the same way). A field whose value is an object with a <c>data</c> member (Junos JSON) reads that
/// member. In xml the root element is the start, element names are matched without their namespace, and <c>@name</c> reads
/// an attribute. Text before the first <c>{</c>/<c>[</c> (json) or <c>&lt;</c> (xml) and after the document is ignored
/// (a banner, a trailing marker such as <c>{master}</c>).
/// </remarks>
public static class PackTableReader
{
    /// <summary>The rows of <paramref name="output"/>; each maps a field name to its text (a field that is absent is left out).</summary>
    /// <exception cref="PackOutputException">The output is not what the format says (not JSON, not XML, no rows path).</exception>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Read(PackCounters table, string output) => table.Format switch
    {
        "regex" => Regex(table, output),
        "json" => Json(table, output),
        "xml" => Xml(table, output),
        var f => throw new PackOutputException($"{table.DeclaredAt}: format {f} is read by the platform's own code, not by the table reader."),
    };

    private static List<IReadOnlyDictionary<string, string>> Regex(PackCounters table, string output)
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        var pattern = table.Pattern ?? throw new PackOutputException($"{table.DeclaredAt}: format regex without a pattern.");
        var names = pattern.GetGroupNames().Where(n => !int.TryParse(n, out _)).ToList();
        foreach (System.Text.RegularExpressions.Match m in pattern.Matches(output))
            rows.Add(names.Where(n => m.Groups[n].Success).ToDictionary(n => n, n => m.Groups[n].Value, StringComparer.Ordinal));
        return rows;
    }

    private static List<IReadOnlyDictionary<string, string>> Json(PackCounters table, string output)
    {
        var start = output.IndexOfAny(['{', '[']);
        if (start < 0) throw new PackOutputException($"{table.DeclaredAt}: `{table.Command}` printed no JSON: {Quote(output)}");
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output[start..]), new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e) { throw new PackOutputException($"{table.DeclaredAt}: `{table.Command}` printed JSON the suite cannot read ({e.Message}): {Quote(output)}"); }
        using (doc)
        {
            var rows = Walk([doc.RootElement], table.Rows);
            if (table.Rows.Length > 0 && rows.Count == 0 && !PathExists(doc.RootElement, table.Rows))
                throw new PackOutputException($"{table.DeclaredAt}: rows '{table.Rows}' is not in the JSON `{table.Command}` printed: {Quote(output)}");
            var result = new List<IReadOnlyDictionary<string, string>>();
            foreach (var row in rows)
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                // A field whose path ends in a list of scalars (the node's "flavors": ["psp", "next-csid"]) reads them all, joined by ','.
                foreach (var (field, path) in table.Fields)
                    if (Walk([row], path).Select(Scalar).OfType<string>().ToList() is { Count: > 0 } v) d[field] = string.Join(',', v);
                result.Add(d);
            }
            return result;
        }
    }

    private static List<JsonElement> Walk(List<JsonElement> from, string path)
    {
        var current = Flatten(from);
        foreach (var seg in path.Length == 0 ? [] : path.Split('.'))
            current = Flatten([.. current.Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(seg, out _)).Select(e => e.GetProperty(seg))]);
        return current;
    }

    private static List<JsonElement> Flatten(IEnumerable<JsonElement> elements)
    {
        var list = new List<JsonElement>();
        foreach (var e in elements)
            if (e.ValueKind == JsonValueKind.Array) list.AddRange(Flatten(e.EnumerateArray()));
            else list.Add(e);
        return list;
    }

    private static bool PathExists(JsonElement root, string path)
    {
        var current = Flatten([root]);
        foreach (var seg in path.Split('.'))
        {
            current = Flatten([.. current.Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(seg, out _)).Select(e => e.GetProperty(seg))]);
            if (current.Count == 0) return false;
        }
        return true;
    }

    private static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object when e.TryGetProperty("data", out var d) => Scalar(d),
        _ => null,
    };

    private static List<IReadOnlyDictionary<string, string>> Xml(PackCounters table, string output)
    {
        var start = output.IndexOf('<');
        var end = output.LastIndexOf('>');
        if (start < 0 || end < start) throw new PackOutputException($"{table.DeclaredAt}: `{table.Command}` printed no XML: {Quote(output)}");
        XElement root;
        try { root = XDocument.Parse(output[start..(end + 1)]).Root!; }
        catch (System.Xml.XmlException e) { throw new PackOutputException($"{table.DeclaredAt}: `{table.Command}` printed XML the suite cannot read ({e.Message}): {Quote(output)}"); }
        IEnumerable<XElement> rows = [root];
        foreach (var seg in table.Rows.Length == 0 ? [] : table.Rows.Split('.'))
            rows = rows.SelectMany(r => r.Elements().Where(x => x.Name.LocalName == seg)).ToList();
        var result = new List<IReadOnlyDictionary<string, string>>();
        foreach (var row in rows)
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (field, path) in table.Fields)
            {
                var segs = path.Split('.');
                IEnumerable<XElement> at = [row];
                foreach (var seg in segs[..^1]) at = at.SelectMany(r => r.Elements().Where(x => x.Name.LocalName == seg));
                var last = segs[^1];
                var value = last.StartsWith('@')
                    ? at.Select(x => x.Attributes().FirstOrDefault(a => a.Name.LocalName == last[1..])?.Value).FirstOrDefault(v => v is not null)
                    : at.SelectMany(x => x.Elements().Where(e => e.Name.LocalName == last)).Select(e => e.Value.Trim()).FirstOrDefault();
                if (value is not null) d[field] = value;
            }
            result.Add(d);
        }
        return result;
    }

    private static string Quote(string output)
    {
        var t = output.Trim();
        return t.Length <= 300 ? $"'{t}'" : $"'{t[..300]}…' ({t.Length} characters)";
    }
}

/// <summary>A device printed something its pack's table reader cannot read (names the descriptor's file:line:column).</summary>
public sealed class PackOutputException(string message) : Exception(message);
