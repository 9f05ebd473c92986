using System.Text;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Catalogue;

/// <summary>One numbered section of an RFC: "4.3.1.1", "A.1.1" or "A" (Appendix A), its title and its own text (not its subsections').</summary>
public sealed record RfcSection(string Number, string Title, int Line, string RawText)
{
    /// <summary>The section's text with the line breaks and runs of white space folded (see <see cref="RfcText.Normalise"/>).</summary>
    public string Text { get; } = RfcText.Normalise(RawText);
}

/// <summary>
/// A published RFC's plain text (as vendored in docs/rfc/), read into its numbered sections. Handles
/// both RFC Editor formats: the unpaginated v3 text (RFC 8754 and later) and the paginated one
/// (form feeds, "[Page N]" footers, running headers) of older RFCs such as RFC 8200.
/// </summary>
public sealed partial class RfcText
{
    public string Document { get; }
    public IReadOnlyList<RfcSection> Sections { get; }

    private RfcText(string document, IReadOnlyList<RfcSection> sections) { Document = document; Sections = sections; }

    public RfcSection? Section(string number) => Sections.FirstOrDefault(s => s.Number == number);

    /// <summary>Reads docs/rfc/rfcNNNN.txt; <paramref name="document"/> is "RFC NNNN".</summary>
    public static RfcText Load(string path, string document) => Parse(File.ReadAllText(path, Encoding.UTF8), document);

    public static RfcText Parse(string text, string document)
    {
        var lines = text.TrimStart('\uFEFF').Replace("\r\n", "\n").Split('\n');
        var body = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            if (l.Contains('\f')) { l = l.Replace("\f", ""); }
            if (PageFooter().IsMatch(l) || RunningHeader().IsMatch(l)) { body.Add(""); continue; }
            body.Add(l);
        }
        var sections = new List<RfcSection>();
        string? number = null, title = null; int start = 0;
        var sb = new StringBuilder();
        bool pastToc = false;
        for (int i = 0; i < body.Count; i++)
        {
            var m = Heading().Match(body[i]);
            if (m.Success)
            {
                var n = m.Groups["app"].Success ? m.Groups["app"].Value : m.Groups["num"].Value;
                if (n == "1") pastToc = true;
                if (!pastToc) continue;
                if (number is not null) sections.Add(new RfcSection(number, title!, start, sb.ToString()));
                number = n; title = m.Groups["title"].Value.Trim(); start = i + 1; sb.Clear();
                continue;
            }
            if (UnnumberedHeading().IsMatch(body[i]) && pastToc)
            {
                if (number is not null) sections.Add(new RfcSection(number, title!, start, sb.ToString()));
                number = null; sb.Clear();
                continue;
            }
            if (number is not null) sb.Append(body[i]).Append('\n');
        }
        if (number is not null) sections.Add(new RfcSection(number, title!, start, sb.ToString()));
        return new RfcText(document, sections);
    }

    /// <summary>
    /// Folds white space to single spaces, rejoins words the RFC's line filling split after a hyphen
    /// ("8-\nbit" → "8-bit"), and trims. Catalogue texts and RFC texts are compared in this form.
    /// </summary>
    public static string Normalise(string text)
    {
        var t = AsideBar().Replace(text, "$1 "); // the "|" that marks an <aside> (a note) in v3 text is layout, not words
        t = Regex.Replace(t, @"\s+", " ").Trim();
        return Regex.Replace(t, @"(?<=[A-Za-z0-9])- (?=[A-Za-z0-9])", "-");
    }

    /// <summary>The elision mark a catalogue text uses between quoted pieces.</summary>
    public const string Elision = "[…]";

    /// <summary>The quoted pieces of a catalogue text, split at its elisions, each normalised.</summary>
    public static IReadOnlyList<string> Pieces(string quoted) =>
        quoted.Replace("[...]", Elision).Split(Elision).Select(Normalise).Where(p => p.Length > 0).ToList();

    /// <summary>
    /// Where the quoted pieces stand, in order, in <paramref name="haystack"/> (normalised text): the
    /// offset of the first piece and the end of the last, or null when a piece is missing. Each piece
    /// must follow the previous one.
    /// </summary>
    public static (int Start, int End)? Locate(string haystack, string quoted)
    {
        int at = 0, start = -1;
        foreach (var piece in Pieces(quoted))
        {
            var i = haystack.IndexOf(piece, at, StringComparison.Ordinal);
            if (i < 0) return null;
            if (start < 0) start = i;
            at = i + piece.Length;
        }
        return start < 0 ? null : (start, at);
    }

    /// <summary>The section whose own text holds the quote, if any (to name the right section when a citation is wrong).</summary>
    public RfcSection? SectionHolding(string quoted) => Sections.FirstOrDefault(s => Locate(s.Text, quoted) is not null);

    /// <summary>Sentences of a normalised text: split after ". ", "? " or "! " followed by a capital, a digit, "S" labels or a quote.</summary>
    public static IReadOnlyList<string> Sentences(string normalised) =>
        SentenceBreak().Split(normalised).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>
    /// The sentence of the whole document closest to <paramref name="quoted"/> (most shared words, in
    /// any order), with its section: what a drift failure prints so the entry can be corrected.
    /// </summary>
    public (RfcSection Section, string Sentence, double Score)? Closest(string quoted)
    {
        var want = Words(string.Join(' ', Pieces(quoted)));
        if (want.Count == 0) return null;
        (RfcSection, string, double)? best = null;
        foreach (var s in Sections)
            foreach (var sentence in Sentences(s.Text))
            {
                var have = Words(sentence);
                if (have.Count == 0) continue;
                double score = (double)want.Intersect(have).Count() / want.Union(have).Count();
                if (best is null || score > best.Value.Item3) best = (s, sentence, score);
            }
        return best;
    }

    private static HashSet<string> Words(string s) =>
        Regex.Matches(s.ToLowerInvariant(), @"[a-z0-9.\[\]]+").Select(m => m.Value.Trim('.')).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^(?:(?:Appendix (?<app>[A-Z]))|(?<num>(?:\d+|[A-Z])(?:\.\d+)*))\.\s{1,2}(?<title>\S.*)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^(Acknowledgements|Acknowledgments|Contributors|Authors' Addresses|Author's Address|Full Copyright Statement|Intellectual Property)\s*$")]
    private static partial Regex UnnumberedHeading();

    [GeneratedRegex(@"\[Page \d+\]\s*$")]
    private static partial Regex PageFooter();

    [GeneratedRegex(@"^RFC \d{4}\s{2,}.*\s{2,}\w+ \d{4}\s*$")]
    private static partial Regex RunningHeader();

    [GeneratedRegex(@"^([ \t]*)\|(?=[ \t]|$)", RegexOptions.Multiline)]
    private static partial Regex AsideBar();

    [GeneratedRegex(@"(?<=[.?!])\s+(?=[A-Z0-9""(])")]
    private static partial Regex SentenceBreak();
}
