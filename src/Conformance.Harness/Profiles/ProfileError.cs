using System.Text;

namespace Conformance.Harness.Profiles;

/// <summary>
/// One problem found in a profile. <see cref="Line"/> and <see cref="Column"/> are 1-based;
/// 0 means "not tied to a position" (for example a missing file).
/// </summary>
public sealed record ProfileError(string File, int Line, int Column, string FieldPath, string Message)
{
    /// <summary>Formats as <c>file:line:col: field.path: message</c> (parts that are unknown are left out).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(File);
        if (Line > 0)
        {
            sb.Append(':').Append(Line);
            if (Column > 0) sb.Append(':').Append(Column);
        }
        sb.Append(": ");
        if (FieldPath.Length > 0) sb.Append(FieldPath).Append(": ");
        sb.Append(Message);
        return sb.ToString();
    }
}

/// <summary>
/// Thrown when a profile cannot be loaded or when a test case asks the profile for something it does not
/// provide. Carries every error found (validation does not stop at the first one).
/// </summary>
public sealed class ProfileException : Exception
{
    public const string Hint =
        "hint: the profile format is described in profiles/README.md; profiles/profile.schema.json gives editor completion and checking.";

    public ProfileException(IReadOnlyList<ProfileError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public ProfileException(ProfileError error) : this([error]) { }

    public IReadOnlyList<ProfileError> Errors { get; }

    private static string Format(IReadOnlyList<ProfileError> errors)
    {
        var sb = new StringBuilder();
        sb.Append(errors.Count == 1 ? "profile error:" : $"{errors.Count} profile errors:");
        foreach (var e in errors) sb.AppendLine().Append(e);
        sb.AppendLine().Append(Hint);
        return sb.ToString();
    }
}
