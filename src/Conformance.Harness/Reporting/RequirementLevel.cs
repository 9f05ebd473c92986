namespace Conformance.Harness.Reporting;

/// <summary>
/// The level of what a test purpose checks, as the cited text gives it: a BCP 14 keyword (MUST, SHOULD,
/// MAY and their variants), or <see cref="Procedure"/> — the pseudocode of a behaviour, which has no
/// keyword but is normative once the DUT claims the behaviour — or <see cref="Informative"/>: text with
/// no BCP 14 keyword at all (a lower-case "should" is not a requirement).
/// </summary>
public enum RequirementLevel
{
    Must,
    Should,
    May,
    Procedure,
    Informative,
}

public static class RequirementLevelExtensions
{
    /// <summary>Allure severity: MUST and PROCEDURE → critical, SHOULD → normal, MAY → minor, INFORMATIVE → trivial.</summary>
    public static string ToAllureSeverity(this RequirementLevel level) => level switch
    {
        RequirementLevel.Must => "critical",
        RequirementLevel.Procedure => "critical",
        RequirementLevel.Should => "normal",
        RequirementLevel.May => "minor",
        RequirementLevel.Informative => "trivial",
        _ => "normal",
    };

    public static string ToKeyword(this RequirementLevel level) => level.ToString().ToUpperInvariant();

    /// <summary>Where the level comes from, in words, for reports and the statement.</summary>
    public static string Source(this RequirementLevel level) => level switch
    {
        RequirementLevel.Procedure => "normative procedure: the behaviour's pseudocode has no BCP 14 keyword; conformance is required once the DUT claims the behaviour",
        RequirementLevel.Informative => "no BCP 14 keyword in the cited text: informative, not a requirement",
        _ => $"BCP 14 keyword {level.ToKeyword()} in the cited sentence",
    };
}
