using System.Text.RegularExpressions;
using Conformance.Harness.Reporting;

namespace Conformance.Harness.Catalogue;

/// <summary>The vendored RFC texts (docs/rfc/rfcNNNN.txt), read on demand.</summary>
public sealed class RfcLibrary(string directory)
{
    private readonly Dictionary<string, RfcText?> _cache = new(StringComparer.Ordinal);

    public string Directory { get; } = directory;

    /// <summary>The text of "RFC NNNN", or null when it is not vendored (an Internet-Draft, say).</summary>
    public RfcText? Get(string document)
    {
        if (_cache.TryGetValue(document, out var t)) return t;
        var m = Regex.Match(document, @"^RFC (\d+)$");
        var path = m.Success ? Path.Combine(Directory, $"rfc{m.Groups[1].Value}.txt") : null;
        t = path is not null && File.Exists(path) ? RfcText.Load(path, document) : null;
        _cache[document] = t;
        return t;
    }

    /// <summary>docs/rfc of the checkout that holds <paramref name="start"/> (walking up to Conformance.sln).</summary>
    public static RfcLibrary FromCheckout(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln")))
                return new RfcLibrary(Path.Combine(d.FullName, "docs", "rfc"));
        throw new DirectoryNotFoundException($"No Conformance.sln above {start}: the vendored RFC texts (docs/rfc/) are found from the checkout.");
    }
}

/// <summary>
/// The drift check of a catalogue entry against the vendored RFC text: the cited section exists, the
/// quoted words stand in it in order (white space folded, […] as a gap), and the claimed level is in
/// the words — the keyword itself for a BCP 14 level, no upper-case keyword at all for a procedure or
/// informative text.
/// </summary>
public static partial class CatalogueCheck
{
    /// <summary>What is wrong with the entry, one line each; empty when it holds. Each line names the entry and its file:line.</summary>
    public static IReadOnlyList<string> Problems(Requirement r, RfcLibrary library)
    {
        var where = $"{r.Id} ({r.SourceFile}:{r.SourceLine})";
        var problems = new List<string>();
        var rfc = library.Get(r.Document);
        if (rfc is null)
        {
            if (r.Unverified is null)
                problems.Add($"{where}: {r.Document} is not vendored in {library.Directory}; vendor it or mark the file 'unverified' with the reason.");
            return problems;
        }
        if (r.Unverified is not null)
            problems.Add($"{where}: marked unverified, but {r.Document} is vendored: check it instead.");
        var section = rfc.Section(r.Section);
        if (section is null)
        {
            problems.Add($"{where}: {r.Document} has no section {r.Section} (sections: {string.Join(", ", rfc.Sections.Select(s => s.Number).Take(12))}…).");
        }
        else if (RfcText.Locate(section.Text, r.Text) is null)
        {
            var elsewhere = rfc.SectionHolding(r.Text);
            var msg = elsewhere is not null
                ? $"{where}: the quote is not in {r.Citation} but in section {elsewhere.Number} ({elsewhere.Title})."
                : $"{where}: the quote is not the words of {r.Citation}.";
            var missing = RfcText.Pieces(r.Text).FirstOrDefault(p => !section.Text.Contains(p, StringComparison.Ordinal));
            if (missing is not null && elsewhere is null) msg += $"\n  first piece not found: \"{missing}\"";
            if (rfc.Closest(r.Text) is { } c)
                msg += $"\n  closest RFC sentence (§{c.Section.Number}, {c.Score:P0} of words shared): \"{c.Sentence}\"";
            problems.Add(msg);
        }
        var keywords = Keywords(r.Text);
        switch (r.Level)
        {
            case RequirementLevel.Procedure or RequirementLevel.Informative when keywords.Count > 0:
                problems.Add($"{where}: level '{r.Keyword}' but the text has the BCP 14 keyword(s) {string.Join(", ", keywords)}: claim the keyword.");
                break;
            case RequirementLevel.Must or RequirementLevel.Should or RequirementLevel.May when !keywords.Contains(r.Keyword):
                problems.Add($"{where}: level {r.Keyword} is not a keyword of the quoted text (it has: {(keywords.Count == 0 ? "none" : string.Join(", ", keywords))}).");
                break;
        }
        return problems;
    }

    /// <summary>The BCP 14 keywords (upper case, RFC 8174) in a text, longest form first ("MUST NOT", not "MUST").</summary>
    public static IReadOnlyList<string> Keywords(string text) =>
        [.. KeywordPattern().Matches(text).Select(m => Regex.Replace(m.Value, @"\s+", " ")).Distinct()];

    [GeneratedRegex(@"\b(MUST\s+NOT|MUST|REQUIRED|SHALL\s+NOT|SHALL|SHOULD\s+NOT|SHOULD|NOT\s+RECOMMENDED|RECOMMENDED|MAY|OPTIONAL)\b")]
    private static partial Regex KeywordPattern();
}
