using System.Text.RegularExpressions;
using Conformance.Harness.Catalogue;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Catalogue;

/// <summary>
/// Sanity of the requirement catalogue.
///
/// Level rule: the level is the strongest upper-case RFC 2119 / RFC 8174 keyword in the text
/// (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT → Must; SHOULD, SHOULD NOT, RECOMMENDED,
/// NOT RECOMMENDED → Should; MAY, OPTIONAL → May). A text with no keyword — normative pseudocode,
/// or RFC 8200 prose with lower-case "must" — is Must.
/// </summary>
[TestFixture]
public class RequirementsTests
{
    private static IEnumerable<TestCaseData> Entries() =>
        Requirements.All.Select(r => new TestCaseData(r).SetName($"Requirement {r.Id}"));

    private static readonly Regex MustWords = new(@"\b(MUST|REQUIRED|SHALL)\b", RegexOptions.CultureInvariant);
    private static readonly Regex ShouldWords = new(@"\b(SHOULD|RECOMMENDED)\b", RegexOptions.CultureInvariant);
    private static readonly Regex MayWords = new(@"\b(MAY|OPTIONAL)\b", RegexOptions.CultureInvariant);

    /// <summary>Level implied by the keywords in the text (the level rule above).</summary>
    internal static RequirementLevel ImpliedLevel(string text)
    {
        if (MustWords.IsMatch(text)) return RequirementLevel.Must;
        if (ShouldWords.IsMatch(text)) return RequirementLevel.Should;
        if (MayWords.IsMatch(text)) return RequirementLevel.May;
        return RequirementLevel.Must;
    }

    [Test]
    public void Catalogue_is_not_empty_and_ids_are_unique()
    {
        Assert.That(Requirements.All, Is.Not.Empty);
        var dup = Requirements.All.GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.That(dup, Is.Empty, "duplicate ids");
    }

    [Test]
    public void Unverified_ids_all_exist()
    {
        var ids = Requirements.All.Select(r => r.Id).ToHashSet();
        Assert.That(Requirements.Unverified.Where(id => !ids.Contains(id)), Is.Empty);
    }

    [TestCaseSource(nameof(Entries))]
    public void Text_is_present_and_whitespace_normalised(Requirement r)
    {
        Assert.That(r.Text, Is.Not.Null.And.Not.Empty);
        Assert.That(string.IsNullOrWhiteSpace(r.Text), Is.False);
        Assert.That(r.Text, Does.Not.Match(@"\s\s|[\t\r\n]"), "whitespace must be single spaces");
        Assert.That(r.Text, Is.EqualTo(r.Text.Trim()));
    }

    [TestCaseSource(nameof(Entries))]
    public void Url_matches_rfc_and_section(Requirement r)
    {
        var m = Regex.Match(r.Rfc, @"^RFC (\d{3,5})$");
        Assert.That(m.Success, Is.True, $"Rfc '{r.Rfc}' must be 'RFC NNNN'");
        Assert.That(r.Section, Does.Match(@"^\d+(\.\d+)*$"), "section must be dotted digits");
        Assert.That(r.Url, Is.EqualTo($"https://www.rfc-editor.org/rfc/rfc{m.Groups[1].Value}#section-{r.Section}"));
        Assert.That(r.Id, Does.StartWith("RFC" + m.Groups[1].Value + "-"), "id names its RFC");
    }

    [TestCaseSource(nameof(Entries))]
    public void Level_is_consistent_with_keywords(Requirement r)
    {
        Assert.That(r.Level, Is.EqualTo(ImpliedLevel(r.Text)),
            "level must be the strongest RFC 2119 keyword in the text; no keyword (pseudocode) means Must");
    }

    [Test]
    public void Level_rule_examples()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ImpliedLevel("It MUST discard and SHOULD originate"), Is.EqualTo(RequirementLevel.Must));
            Assert.That(ImpliedLevel("It SHOULD NOT be a PSP SID"), Is.EqualTo(RequirementLevel.Should));
            Assert.That(ImpliedLevel("The SRH MAY be omitted"), Is.EqualTo(RequirementLevel.May));
            Assert.That(ImpliedLevel("S12. Decrement IPv6 Hop Limit by 1"), Is.EqualTo(RequirementLevel.Must));
            Assert.That(ImpliedLevel("the node must ignore"), Is.EqualTo(RequirementLevel.Must));
            Assert.That(ImpliedLevel("Send an ICMP message MAYBE"), Is.EqualTo(RequirementLevel.Must));
        });
    }

    [Test]
    public void Find_returns_entries_by_id()
    {
        Assert.That(Requirements.Find("RFC8986-4.1-END"), Is.SameAs(Requirements.Rfc8986_4_1_End));
        Assert.That(Requirements.Find("nope"), Is.Null);
    }

    [Test]
    public void End_hop_limit_check_precedes_da_update()
    {
        var t = Requirements.Rfc8986_4_1_End.Text;
        Assert.That(t.IndexOf("S05. If (IPv6 Hop Limit <= 1)", StringComparison.Ordinal),
            Is.LessThan(t.IndexOf("S14. Update IPv6 DA", StringComparison.Ordinal)).And.GreaterThanOrEqualTo(0));
    }
}
