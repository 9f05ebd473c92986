using System.Reflection;
using System.Text.RegularExpressions;
using Conformance.Harness.Reporting;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Catalogue;

/// <summary>
/// One requirement a test purpose cites: the document, the section as the published RFC numbers it,
/// the RFC's exact words (elisions marked […]) and the level with where it comes from.
/// </summary>
/// <param name="Keyword">The BCP 14 keyword the entry claims exactly as the text has it ("MUST", "SHOULD NOT", "MAY"…), or "procedure" / "informative".</param>
/// <param name="Unverified">Null when the text is checked against a vendored copy in docs/rfc/; otherwise why it cannot be.</param>
public sealed record Requirement(string Id, string Document, string Section, string Keyword, RequirementLevel Level, string Text,
    string? Note, string? Unverified, string SourceFile, int SourceLine)
{
    /// <summary>"RFC 8754" → "8754"; null for an Internet-Draft.</summary>
    public string? RfcNumber => Document.StartsWith("RFC ", StringComparison.Ordinal) ? Document[4..] : null;

    /// <summary>The RFC Editor's (or, for a draft, the datatracker's) page of the section.</summary>
    public string Url
    {
        get
        {
            var anchor = Regex.IsMatch(Section, @"^\d+(\.\d+)*$") ? $"section-{Section}"
                : Regex.IsMatch(Section, @"^[A-Z](\.\d+)*$") ? $"appendix-{Section}" : null;
            var page = RfcNumber is { } n ? $"https://www.rfc-editor.org/rfc/rfc{n}" : $"https://datatracker.ietf.org/doc/html/{Document}";
            return anchor is null ? page : $"{page}#{anchor}";
        }
    }

    /// <summary>"RFC 8754 §4.3.1.1" / "RFC 9259 Appendix A.1.2".</summary>
    public string Citation => Regex.IsMatch(Section, "^[A-Z]") ? $"{Document} Appendix {Section}" : $"{Document} §{Section}";
}

/// <summary>
/// The requirement catalogue: the single source of the requirement sentences the test purposes cite.
/// It is data, one YAML file per document in Catalogue/requirements/ (embedded in this assembly);
/// test purposes name entries by id and never carry text of their own. CatalogueDriftTests checks every
/// entry against the vendored RFC texts in docs/rfc/.
/// </summary>
public sealed class RequirementCatalogue
{
    private static readonly Lazy<RequirementCatalogue> Embedded = new(LoadEmbedded);
    private readonly Dictionary<string, Requirement> _byId;

    public IReadOnlyList<Requirement> All { get; }

    private RequirementCatalogue(IReadOnlyList<Requirement> all)
    {
        All = all;
        _byId = new Dictionary<string, Requirement>(StringComparer.Ordinal);
        foreach (var r in all)
            if (!_byId.TryAdd(r.Id, r))
                throw new InvalidDataException($"{r.SourceFile}:{r.SourceLine}: requirement id {r.Id} is already defined in {_byId[r.Id].SourceFile}:{_byId[r.Id].SourceLine}.");
    }

    /// <summary>The catalogue shipped in this assembly.</summary>
    public static RequirementCatalogue Default => Embedded.Value;

    public Requirement? Find(string id) => _byId.GetValueOrDefault(id);

    public Requirement Get(string id) => Find(id)
        ?? throw new KeyNotFoundException($"No requirement {id} in the catalogue (src/Conformance.Harness/Catalogue/requirements/*.yaml).");

    /// <summary>Maps a claimed keyword to the level; null for a word that is neither a BCP 14 keyword nor "procedure"/"informative".</summary>
    public static RequirementLevel? LevelOf(string keyword) => keyword switch
    {
        "MUST" or "MUST NOT" or "REQUIRED" or "SHALL" or "SHALL NOT" => RequirementLevel.Must,
        "SHOULD" or "SHOULD NOT" or "RECOMMENDED" or "NOT RECOMMENDED" => RequirementLevel.Should,
        "MAY" or "OPTIONAL" => RequirementLevel.May,
        "procedure" => RequirementLevel.Procedure,
        "informative" => RequirementLevel.Informative,
        _ => null,
    };

    private static RequirementCatalogue LoadEmbedded()
    {
        var asm = typeof(RequirementCatalogue).Assembly;
        var all = new List<Requirement>();
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("catalogue/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(s);
            all.AddRange(Parse(reader.ReadToEnd(), "src/Conformance.Harness/Catalogue/requirements/" + name["catalogue/".Length..]));
        }
        return new RequirementCatalogue(all);
    }

    /// <summary>Builds a catalogue from YAML texts (file name → text); for tests of the format.</summary>
    public static RequirementCatalogue FromYaml(IEnumerable<(string File, string Yaml)> files) =>
        new(files.SelectMany(f => Parse(f.Yaml, f.File)).ToList());

    /// <summary>Parses one catalogue file; every error names file:line and the field.</summary>
    public static IReadOnlyList<Requirement> Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{file}:1: expected a mapping with 'document' and 'requirements'.");
        string document = Scalar(root, "document", file) ?? throw new InvalidDataException($"{file}:{root.Start.Line}: 'document' is missing.");
        string? unverified = Scalar(root, "unverified", file);
        if (!root.Children.TryGetValue(new YamlScalarNode("requirements"), out var reqNode) || reqNode is not YamlSequenceNode seq)
            throw new InvalidDataException($"{file}:{root.Start.Line}: 'requirements' must be a list.");
        var list = new List<Requirement>();
        foreach (var item in seq)
        {
            var line = (int)item.Start.Line;
            if (item is not YamlMappingNode m) throw new InvalidDataException($"{file}:{line}: a requirement must be a mapping.");
            foreach (var key in m.Children.Keys.Cast<YamlScalarNode>())
                if (key.Value is not ("id" or "section" or "level" or "text" or "note"))
                    throw new InvalidDataException($"{file}:{key.Start.Line}:{key.Start.Column}: unknown field '{key.Value}' (fields: id, section, level, text, note).");
            string Need(string f) => Scalar(m, f, file) is { Length: > 0 } v ? v : throw new InvalidDataException($"{file}:{line}: requirement field '{f}' is missing or empty.");
            var id = Need("id");
            var keyword = Need("level");
            var level = LevelOf(keyword) ?? throw new InvalidDataException(
                $"{file}:{line}: {id}: level '{keyword}' is not a BCP 14 keyword (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD NOT, RECOMMENDED, NOT RECOMMENDED, MAY, OPTIONAL) nor 'procedure' or 'informative'.");
            list.Add(new Requirement(id, document, Need("section"), keyword, level, RfcText.Normalise(Need("text")),
                Scalar(m, "note", file), unverified, file, line));
        }
        return list;
    }

    private static string? Scalar(YamlMappingNode m, string key, string file)
    {
        if (!m.Children.TryGetValue(new YamlScalarNode(key), out var n)) return null;
        return n is YamlScalarNode s ? s.Value : throw new InvalidDataException($"{file}:{n.Start.Line}:{n.Start.Column}: '{key}' must be a single value.");
    }
}
