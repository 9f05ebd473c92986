using Conformance.Harness.Catalogue;

namespace Conformance.Harness.Reporting;

/// <summary>
/// Marks a conformance case with its test purpose. The requirement it checks is named by catalogue id
/// (<see cref="Requirements"/>, the first one primary); the text, document, section and level come from
/// the requirement catalogue (Catalogue/requirements/*.yaml), never from the case.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class TestPurposeAttribute : Attribute
{
    /// <summary>Test purpose id, e.g. "TP-END-BV-01".</summary>
    public string Id { get; set; } = "";
    /// <summary>Catalogue ids of the requirements the purpose checks; the first is the primary one (its document, section and level are the purpose's).</summary>
    public string[] Requirements { get; set; } = [];
    /// <summary>
    /// The capabilities the profile must claim for the purpose to apply (behaviours, flavors, headends, "hmac.sha256",
    /// "oam.ping_to_sid", …): the case is not applicable otherwise, and `srv6conf purposes` says so without running it.
    /// </summary>
    public string[] Requires { get; set; } = [];
    public string Stimulus { get; set; } = "";
    public string Expected { get; set; } = "";
    /// <summary>Behaviour / feature name, e.g. "End".</summary>
    public string Feature { get; set; } = "";
    /// <summary>Short human title; defaults to the method name.</summary>
    public string? Title { get; set; }
    /// <summary>
    /// An interoperability purpose (several DUTs): the role of every DUT, one entry per DUT node as
    /// <c>"node|capability|role"</c> (e.g. <c>"N2|End.X|first segment endpoint: End.X C31 towards N3 over link3"</c>). The DUT at
    /// that node must claim the capability in its own profile (the purpose is not applicable otherwise); empty for a single-DUT purpose.
    /// </summary>
    public string[] Roles { get; set; } = [];
    /// <summary>The parsed <see cref="Roles"/>.</summary>
    public IReadOnlyList<(string Node, string Capability, string Role)> DutRoles =>
        [.. Roles.Select(r => r.Split('|', 3) is [var n, var c, var d] ? (n, c, d)
            : throw new FormatException($"{Id}: role '{r}' is not \"node|capability|role\""))];

    /// <summary>The cited catalogue entries, in order (an unknown id throws, naming it).</summary>
    public IReadOnlyList<Requirement> Cited => [.. Requirements.Select(RequirementCatalogue.Default.Get)];

    private Requirement? Primary => Requirements.Length == 0 ? null : RequirementCatalogue.Default.Get(Requirements[0]);

    /// <summary>"RFC 8986", or the draft's name.</summary>
    public string Rfc => Primary?.Document ?? "";
    /// <summary>Section as the document numbers it, e.g. "4.1" or "A.1.2".</summary>
    public string Section => Primary?.Section ?? "";
    public RequirementLevel Level => Primary?.Level ?? RequirementLevel.Informative;
    /// <summary>The cited requirement texts, the RFC's own words, one per entry.</summary>
    public string Requirement => string.Join(" ", Cited.Select(r => r.Text));

    /// <summary>RFC number digits ("8986") or null for an Internet-Draft.</summary>
    public string? RfcNumber => Primary?.RfcNumber;

    /// <summary>The source is an Internet-Draft, not an RFC.</summary>
    public bool IsInternetDraft => Primary is { RfcNumber: null };

    /// <summary>The primary requirement's section on the RFC Editor's site (a draft's: the datatracker).</summary>
    public string? SectionUrl => Primary?.Url;

    /// <summary>Markdown description used in the report.</summary>
    public string ToMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("**Test purpose:** ").Append(Id).Append("\n\n");
        sb.Append("**Requirement level:** ").Append(Level.ToKeyword()).Append(" (").Append(Level.Source()).Append(")\n\n");
        foreach (var r in Cited)
        {
            sb.Append("**").Append(r.Citation).Append("** (").Append(r.Url).Append("), ").Append(r.Id).Append(", level ")
              .Append(r.Keyword).Append(r.Unverified is null ? "" : " — text not verified: " + r.Unverified).Append(":\n\n> ")
              .Append(r.Text).Append("\n\n");
            if (r.Note is { Length: > 0 } note) sb.Append("_Note:_ ").Append(note).Append("\n\n");
        }
        if (!string.IsNullOrWhiteSpace(Stimulus)) sb.Append("**Stimulus:** ").Append(Stimulus).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(Expected)) sb.Append("**Expected:** ").Append(Expected).Append('\n');
        return sb.ToString();
    }
}
