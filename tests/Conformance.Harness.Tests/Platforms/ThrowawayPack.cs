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

    /// <summary>The pack's folder (its name is the platform).</summary>
    public string Dir { get; }

    /// <summary>Writes (or overwrites) a file of the pack, path relative to its folder.</summary>
    public void Write(string path, string text) => File.WriteAllText(Path.Combine(Dir, path), text);

    public void Dispose() => Directory.Delete(_root, true);
}
