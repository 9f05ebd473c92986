using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Profiles;

/// <summary>Options for <see cref="ProfileLoader"/>.</summary>
public sealed record ProfileLoadOptions
{
    public static ProfileLoadOptions Default { get; } = new();

    /// <summary>
    /// Ids of the test purposes of the suite. When set, every <c>known_deviations[].test_purposes</c> entry must be
    /// one of them; when null only "references at least one test purpose" is checked.
    /// </summary>
    public IReadOnlySet<string>? KnownTestPurposes { get; init; }
}

/// <summary>Loads and validates testbed profiles (YAML, format_version 1).</summary>
public static partial class ProfileLoader
{
    /// <summary>
    /// The keys accepted in each mapping, by section path ("" = top level, "x[]" = items of list x,
    /// "x.*" = values of map x). Mirrors profiles/profile.schema.json.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> AcceptedKeys => ProfileKeys.BySection;

    /// <summary>Loads the profile at <paramref name="path"/>.</summary>
    /// <exception cref="ProfileException">The file is missing, unreadable, not YAML or not a valid profile (all errors are listed).</exception>
    public static Profile Load(string path, ProfileLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ProfileException(new ProfileError(path, 0, 0, "", NotFoundMessage(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProfileException(new ProfileError(path, 0, 0, "", $"cannot read the profile file: {e.Message}"));
        }
        var text = new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        return ParseCore(text, path, directory, Convert.ToHexStringLower(SHA256.HashData(bytes)), options ?? ProfileLoadOptions.Default);
    }

    /// <summary>
    /// Parses profile text. <paramref name="sourceName"/> is used in error messages and as <see cref="Profile.SourcePath"/>;
    /// relative key files are resolved against its directory when it is a path, else the current directory.
    /// </summary>
    public static Profile Parse(string yamlText, string sourceName, ProfileLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var directory = Path.GetDirectoryName(Path.GetFullPath(sourceName));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yamlText)));
        return ParseCore(yamlText, sourceName, directory, hash, options ?? ProfileLoadOptions.Default);
    }

    private static Profile ParseCore(string text, string source, string? directory, string sha256, ProfileLoadOptions options)
    {
        var walker = new YamlWalker(source);
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new ProfileException(new ProfileError(source, (int)e.Start.Line, (int)e.Start.Column, "",
                $"YAML syntax error: {StripMarks(e)}"));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed input (e.g. an unclosed '[' at the end of a line).
            throw new ProfileException(new ProfileError(source, parser.LastLine, parser.LastColumn, "",
                "YAML syntax error after this position: the YAML could not be read (unclosed '[', '{' or quote?)"));
        }

        if (stream.Documents.Count == 0 || YamlWalker.IsNull(stream.Documents[0].RootNode))
            throw new ProfileException(new ProfileError(source, 1, 1, "", "the profile is empty; start from profiles/reference-lab.yaml"));
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new ProfileException(new ProfileError(source, (int)second.Start.Line, (int)second.Start.Column, "",
                "a profile file holds exactly one YAML document; remove the extra '---' section"));
        }

        var read = new ProfileReader(walker, directory, options).Read(stream.Documents[0].RootNode);
        if (walker.Errors.Count > 0 || read is null)
        {
            var sorted = walker.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
            if (sorted.Count == 0)
                sorted.Add(new ProfileError(source, 1, 1, "", "the profile could not be read"));
            throw new ProfileException(sorted);
        }

        var r = read.Value;
        return new Profile
        {
            Name = r.Name, Description = r.Description, FormatVersion = r.FormatVersion, Testbed = r.Testbed,
            Capabilities = r.Capabilities, Parameters = r.Parameters, KnownDeviations = r.Deviations,
            SourcePath = source, Sha256 = sha256,
        };
    }

    private static string StripMarks(YamlException e)
    {
        var m = e.InnerException is YamlException inner && e.Message.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase) ? inner.Message : e.Message;
        m = MarkPrefix().Replace(m, "");
        return m.Length == 0 ? "invalid YAML" : m;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();

    private static string NotFoundMessage(string path)
    {
        var sb = new StringBuilder($"profile file not found (looked for '{Path.GetFullPath(path)}')");
        var dir = FindProfilesDirectory();
        if (dir is not null)
        {
            var names = Directory.GetFiles(dir, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            sb.Append($"; profiles shipped with the suite are in '{dir}'");
            if (names.Length > 0) sb.Append($": {string.Join(", ", names)}");
        }
        else
        {
            sb.Append("; profiles shipped with the suite are in the repository's profiles/ directory (e.g. profiles/reference-lab.yaml)");
        }
        return sb.ToString();
    }

    /// <summary>The nearest "profiles" directory above the current directory that contains a schema.</summary>
    private static string? FindProfilesDirectory()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "profiles");
            if (File.Exists(Path.Combine(candidate, "profile.schema.json"))) return candidate;
        }
        return null;
    }

    /// <summary>Remembers where the last successfully parsed event ended, for errors YamlDotNet reports without a position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public int LastLine { get; private set; } = 1;
        public int LastColumn { get; private set; } = 1;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (moved && inner.Current is { } e)
            {
                LastLine = (int)e.End.Line;
                LastColumn = (int)e.End.Column;
            }
            return moved;
        }
    }
}
