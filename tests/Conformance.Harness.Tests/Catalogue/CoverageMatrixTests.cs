using System.Text.Json;
using Conformance.Harness.Catalogue;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Catalogue;

/// <summary>
/// The requirement coverage matrix (docs/coverage.md and docs/coverage.json) is generated from the vendored
/// RFC texts, the catalogue and the test purposes. This test regenerates it and fails when the committed files
/// differ; `scripts/update-docs.sh` (SRV6CONF_UPDATE_DOCS=1) writes them.
/// </summary>
[TestFixture]
public class CoverageMatrixTests
{
    private static readonly RfcLibrary Library = RfcLibrary.FromCheckout(TestContext.CurrentContext.TestDirectory);
    private static string Root => Path.GetDirectoryName(Library.Directory)!;

    internal static IReadOnlyList<(string TestPurpose, IReadOnlyList<string> Requirements)> Purposes() =>
        [.. PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly).Select(p => (p.Id, (IReadOnlyList<string>)p.Purpose.Requirements))];

    internal static IReadOnlyList<CoverageRow> Matrix() =>
        CoverageMatrix.Build(Library, RequirementCatalogue.Default, Purposes(), CoverageMatrix.LoadReasons());

    [Test]
    public void Committed_coverage_files_are_what_the_generator_makes()
    {
        var rows = Matrix();
        var md = CoverageMatrix.ToMarkdown(rows, Library);
        var json = CoverageMatrix.ToJson(rows);
        var mdPath = Path.Combine(Root, "coverage.md");
        var jsonPath = Path.Combine(Root, "coverage.json");
        if (Environment.GetEnvironmentVariable("SRV6CONF_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(mdPath, md);
            File.WriteAllText(jsonPath, json);
        }
        Assert.That(File.Exists(mdPath) ? File.ReadAllText(mdPath) : "", Is.EqualTo(md), "docs/coverage.md is stale: run scripts/update-docs.sh");
        Assert.That(File.Exists(jsonPath) ? File.ReadAllText(jsonPath) : "", Is.EqualTo(json), "docs/coverage.json is stale: run scripts/update-docs.sh");
    }

    [Test]
    public void Statements_are_found_in_their_sections_and_ids_are_unique()
    {
        var rows = Matrix();
        Assert.That(rows.Where(r => r.Statement.Start < 0).Select(r => r.Statement.Id), Is.Empty, "every statement is located in its section's text");
        Assert.That(rows.GroupBy(r => r.Statement.Id).Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty);
        foreach (var d in CoverageMatrix.Documents)
            Assert.That(rows.Count(r => r.Statement.Document == d), Is.GreaterThanOrEqualTo(5), d);
    }

    [Test]
    public void Known_statements_are_enumerated_with_their_level()
    {
        var byText = Matrix().Select(r => r.Statement).ToList();
        Assert.Multiple(() =>
        {
            // RFC 8754 §4.3.1.1's pseudocode is one procedure block; §2.1.2 has "The keyed HMAC TLV is OPTIONAL".
            Assert.That(byText.Single(s => s.Id == "RFC8754-4.3.1.1-P1").Text, Does.StartWith("S01. When an SRH is processed {").And.EndWith("S26. }"));
            Assert.That(byText.Any(s => s.Section == "2.1.2" && s.Document == "RFC 8754" && s.Level == "MAY" && s.Text.Contains("is OPTIONAL")));
            // RFC 9800's N and R labelled pseudocode is enumerated; its Appendix A calls itself informative and is left out.
            Assert.That(byText.Single(s => s.Id == "RFC9800-4.1.1-P1").Text, Does.StartWith("N01. If (DA.Argument != 0) {").And.EndWith("N09. }"));
            Assert.That(byText.Where(s => s.Document == "RFC 9800" && s.Section.StartsWith('A')), Is.Empty);
            // The BCP 14 boilerplate of §1.2 is not a statement.
            Assert.That(byText.Any(s => s.Text.Contains("are to be interpreted as described in BCP 14")), Is.False);
        });
    }

    [Test]
    public void Reasons_name_statements_that_exist_and_are_not_covered()
    {
        var rows = Matrix().ToDictionary(r => r.Statement.Id);
        foreach (var (id, _) in CoverageMatrix.LoadReasons())
        {
            Assert.That(rows.ContainsKey(id), Is.True, $"coverage reason for {id}, which is no statement");
            Assert.That(rows[id].Status, Is.Not.EqualTo(CoverageMatrix.Covered), $"{id} is covered by {string.Join(", ", rows[id].TestPurposes)}: drop its reason");
        }
    }

    [Test]
    public void A_purpose_citing_part_of_a_statement_covers_it()
    {
        var rows = CoverageMatrix.Build(Library, RequirementCatalogue.Default, [("TP-X", ["RFC8754-4.3.1.1-SL-ZERO"])], new Dictionary<string, (string, string)>());
        var cov = rows.Single(r => r.Statement.Id == "RFC8754-4.3.1.1-P1");
        Assert.That((cov.Status, cov.TestPurposes.Single()), Is.EqualTo((CoverageMatrix.Covered, "TP-X")));
        Assert.That(cov.Requirements, Does.Contain("RFC8754-4.3.1.1-SL-ZERO"));
        Assert.That(rows.Where(r => r.Statement.Id != cov.Statement.Id && r.Status == CoverageMatrix.Covered), Is.Empty, "nothing else is quoted by TP-X");
        using var doc = JsonDocument.Parse(CoverageMatrix.ToJson(Matrix()));
        Assert.That(doc.RootElement.GetProperty("summary").GetProperty("RFC 8754").GetProperty("covered").GetInt32(), Is.GreaterThan(0));
    }
}
