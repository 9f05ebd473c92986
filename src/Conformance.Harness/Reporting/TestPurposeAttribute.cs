namespace Conformance.Harness.Reporting;

/// <summary>
/// Test-purpose metadata on an NUnit test method: the requirement it checks and how.
/// Read by the Allure writer (labels, description, links, severity) and the conformance statement.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class TestPurposeAttribute : Attribute
{
    /// <summary>Test purpose id, e.g. "SRH-END-BV-01".</summary>
    public string Id { get; set; } = "";
    /// <summary>"RFC 8986".</summary>
    public string Rfc { get; set; } = "";
    /// <summary>Clause, e.g. "4.1".</summary>
    public string Section { get; set; } = "";
    public RequirementLevel Level { get; set; } = RequirementLevel.Must;
    /// <summary>The exact requirement sentence from the RFC.</summary>
    public string Requirement { get; set; } = "";
    public string Stimulus { get; set; } = "";
    public string Expected { get; set; } = "";
    /// <summary>Behaviour / feature name, e.g. "End".</summary>
    public string Feature { get; set; } = "";
    /// <summary>Short human title; defaults to the method name.</summary>
    public string? Title { get; set; }

    /// <summary>RFC number digits ("8986") or null when <see cref="Rfc"/> has none (an Internet-Draft is not an RFC).</summary>
    public string? RfcNumber
    {
        get
        {
            if (IsInternetDraft) return null;
            var digits = new string(Rfc.Where(char.IsDigit).ToArray());
            return digits.Length > 0 ? digits : null;
        }
    }

    /// <summary>The source is an Internet-Draft (<see cref="Rfc"/> = "draft-…"), not an RFC.</summary>
    public bool IsInternetDraft => Rfc.StartsWith("draft-", StringComparison.Ordinal);

    /// <summary>
    /// https://www.rfc-editor.org/rfc/rfcNNNN#section-X.Y; for an Internet-Draft its datatracker page (with the
    /// section anchor when the section is dotted digits); null when no RFC number is known.
    /// </summary>
    public string? SectionUrl
    {
        get
        {
            if (IsInternetDraft)
            {
                var draft = $"https://datatracker.ietf.org/doc/html/{Rfc.Trim()}";
                return System.Text.RegularExpressions.Regex.IsMatch(Section.Trim(), @"^\d+(\.\d+)*$") ? $"{draft}#section-{Section.Trim()}" : draft;
            }
            var n = RfcNumber;
            if (n is null) return null;
            var url = $"https://www.rfc-editor.org/rfc/rfc{n}";
            return string.IsNullOrWhiteSpace(Section) ? url : $"{url}#section-{Section.Trim()}";
        }
    }

    /// <summary>Markdown description used in the report.</summary>
    public string ToMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("**Test purpose:** ").Append(Id).Append("\n\n");
        sb.Append("**Reference:** ").Append(Rfc);
        if (!string.IsNullOrWhiteSpace(Section)) sb.Append(", section ").Append(Section);
        if (SectionUrl is { } u) sb.Append(" (").Append(u).Append(')');
        sb.Append("\n\n");
        sb.Append("**Requirement level:** ").Append(Level.ToKeyword()).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(Requirement)) sb.Append("**Requirement:**\n\n> ").Append(Requirement).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(Stimulus)) sb.Append("**Stimulus:** ").Append(Stimulus).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(Expected)) sb.Append("**Expected:** ").Append(Expected).Append('\n');
        return sb.ToString();
    }
}
