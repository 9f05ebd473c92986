namespace Conformance.Harness.Tests.Platforms;

/// <summary>A platform pack folder written to a temporary directory for one test (descriptor and files), removed on dispose.</summary>
internal sealed class ThrowawayPack : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"srv6conf-pack-{Guid.NewGuid():N}");

    public ThrowawayPack(string platform, string descriptor, params (string Path, string Text)[] files)
    {
        Dir = Path.Combine(_root, platform);
        Directory.CreateDirectory(Path.Combine(Dir, "templates"));
        Write("platform.yaml", descriptor);
        foreach (var (path, text) in files) Write(path, text);
    }

    /// <summary>
    /// The descriptor's head of a made-up router platform "acme" (identity and a CLI session with prompts, commit, abort
    /// and an error pattern), ending with a newline: a test appends the sections it is about.
    /// </summary>
    public const string AcmeHead = """
        format_version: 1
        platform: acme
        vendor: ACME
        os: RouterOS
        verification: documentation
        session:
          driver: cli
          prompts: { exec: '^\S+>$', config: '^\S+\(config\)#$' }
          enter_config: configure
          leave_config: end
          commit: commit
          abort: abort
          error_patterns: ['^% Invalid']

        """;

    /// <summary>The pack's folder (its name is the platform).</summary>
    public string Dir { get; }

    /// <summary>Writes (or overwrites) a file of the pack, path relative to its folder.</summary>
    public void Write(string path, string text) => File.WriteAllText(Path.Combine(Dir, path), text);

    public void Dispose() => Directory.Delete(_root, true);
}
