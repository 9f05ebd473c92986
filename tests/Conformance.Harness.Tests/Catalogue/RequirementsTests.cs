using Conformance.Harness.Catalogue;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Catalogue;

/// <summary>
/// The drift test of the requirement catalogue: every entry's text is the vendored RFC's own words, in
/// the section it cites, at the level its keyword gives (or a procedure with no keyword); every test
/// purpose cites entries that exist; the vendored texts are the ones SOURCES.md names.
/// </summary>
[TestFixture]
public class RequirementsTests
{
    private static readonly RfcLibrary Library = RfcLibrary.FromCheckout(TestContext.CurrentContext.TestDirectory);

    private static IEnumerable<TestCaseData> Entries() =>
        RequirementCatalogue.Default.All.Select(r => new TestCaseData(r).SetName($"Requirement {r.Id}"));

    [TestCaseSource(nameof(Entries))]
    public void Entry_is_the_rfcs_own_words_in_the_cited_section_at_its_level(Requirement r)
    {
        var problems = CatalogueCheck.Problems(r, Library);
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void Catalogue_is_not_empty_and_only_unvendored_documents_are_unverified()
    {
        Assert.That(RequirementCatalogue.Default.All, Is.Not.Empty);
        var unverified = RequirementCatalogue.Default.All.Where(r => r.Unverified is not null).Select(r => r.Document).Distinct().ToList();
        Assert.That(unverified.Where(d => Library.Get(d) is not null), Is.Empty, "a vendored document cannot be unverified");
    }

    [Test]
    public void Breaking_one_word_of_a_quote_fails_the_check()
    {
        var r = RequirementCatalogue.Default.All.First(e => e.Unverified is null && CatalogueCheck.Problems(e, Library).Count == 0);
        var words = r.Text.Split(' ');
        var i = Array.FindIndex(words, w => w.Length > 3 && w.All(char.IsLetter));
        words[i] = words[i] + "x";
        var broken = r with { Text = string.Join(' ', words) };
        Assert.That(CatalogueCheck.Problems(broken, Library), Has.Some.Contains("is not the words of").And.Some.Contains("closest RFC sentence"));
        var wrongSection = r with { Section = r.Document == "RFC 8754" ? "7.1" : "1" };
        Assert.That(CatalogueCheck.Problems(wrongSection, Library), Has.Some.Contains($"but in section {r.Section}"));
        var noSection = r with { Section = "99.9" };
        Assert.That(CatalogueCheck.Problems(noSection, Library), Has.Some.Contains("has no section 99.9"));
        var wrongLevel = r.Level == RequirementLevel.May ? r with { Keyword = "MUST", Level = RequirementLevel.Must } : r with { Keyword = "MAY", Level = RequirementLevel.May };
        Assert.That(CatalogueCheck.Problems(wrongLevel, Library), Has.Some.Contains("is not a keyword of the quoted text").Or.Some.Contains("claim the keyword"));
    }

    [Test]
    public void Elisions_are_gaps_and_pieces_must_keep_their_order()
    {
        const string text = "S01. When an SRH is processed { S02. If Segments Left is equal to zero {";
        Assert.Multiple(() =>
        {
            Assert.That(RfcText.Locate(text, "S01. When an SRH […] equal to zero {"), Is.Not.Null);
            Assert.That(RfcText.Locate(text, "S01. When an SRH [...] equal to zero {"), Is.Not.Null);
            Assert.That(RfcText.Locate(text, "equal to zero […] S01. When"), Is.Null);
            Assert.That(RfcText.Normalise("An 8-\n   bit value"), Is.EqualTo("An 8-bit value"));
        });
    }

    [Test]
    public void Every_test_purpose_cites_catalogue_entries_that_exist()
    {
        var purposes = PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly).Select(p => (m: p.Method, tp: (TestPurposeAttribute?)p.Purpose)).ToList();
        Assert.That(purposes, Has.Count.GreaterThan(50));
        var problems = new List<string>();
        foreach (var (m, tp) in purposes)
        {
            if (tp!.Requirements.Length == 0) problems.Add($"{tp.Id} ({m.DeclaringType!.Name}.{m.Name}) cites no requirement");
            foreach (var id in tp.Requirements)
                if (RequirementCatalogue.Default.Find(id) is null) problems.Add($"{tp.Id} cites {id}, which the catalogue does not have");
        }
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    /// <summary>An entry no test purpose cites is dead text that drifts unseen: every entry is cited by a case (or by the reporting fixture).</summary>
    [Test]
    public void Every_catalogue_entry_is_cited_by_a_test_purpose()
    {
        var cited = PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly).SelectMany(p => p.Purpose.Requirements).ToHashSet(StringComparer.Ordinal);
        var sample = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Library.Directory)!, "..", "tests", "ReportingSample", "SampleConformanceTests.cs"));
        var unused = RequirementCatalogue.Default.All.Where(r => !cited.Contains(r.Id) && !sample.Contains($"\"{r.Id}\"", StringComparison.Ordinal))
            .Select(r => $"{r.Id} ({r.SourceFile}:{r.SourceLine})").ToList();
        Assert.That(unused, Is.Empty, "catalogue entries no test purpose cites:\n" + string.Join("\n", unused));
    }

    [Test]
    public void Vendored_texts_match_their_sources_file()
    {
        var sources = File.ReadAllText(Path.Combine(Library.Directory, "SOURCES.md"));
        foreach (var f in Directory.GetFiles(Library.Directory, "rfc*.txt"))
        {
            var sha = Conformance.Harness.Reporting.ConformanceStatement.Sha256File(f);
            Assert.That(sources, Does.Contain(sha), $"{Path.GetFileName(f)}: its SHA-256 {sha} is not the one docs/rfc/SOURCES.md gives");
        }
    }

    [Test]
    public void Catalogue_errors_name_the_file_and_line()
    {
        const string yaml = "document: RFC 8754\nrequirements:\n  - id: X\n    section: \"4\"\n    level: SHALL-ISH\n    text: t\n";
        var e = Assert.Throws<InvalidDataException>(() => RequirementCatalogue.Parse(yaml, "cat.yaml"));
        Assert.That(e!.Message, Does.StartWith("cat.yaml:3:").And.Contain("SHALL-ISH"));
        var e2 = Assert.Throws<InvalidDataException>(() => RequirementCatalogue.Parse("document: RFC 8754\nrequirements:\n  - id: X\n    sectoin: \"4\"\n", "cat.yaml"));
        Assert.That(e2!.Message, Does.StartWith("cat.yaml:4:").And.Contain("sectoin"));
    }
}
