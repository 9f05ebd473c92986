namespace Conformance.Harness.Reporting;

/// <summary>RFC 2119 / RFC 8174 requirement level of a test purpose.</summary>
public enum RequirementLevel
{
    Must,
    Should,
    May,
}

public static class RequirementLevelExtensions
{
    /// <summary>Allure severity: MUST → critical, SHOULD → normal, MAY → minor.</summary>
    public static string ToAllureSeverity(this RequirementLevel level) => level switch
    {
        RequirementLevel.Must => "critical",
        RequirementLevel.Should => "normal",
        RequirementLevel.May => "minor",
        _ => "normal",
    };

    public static string ToKeyword(this RequirementLevel level) => level.ToString().ToUpperInvariant();
}
