using System.Collections.Concurrent;

namespace Conformance.Harness.Platforms;

/// <summary>
/// The platform packs of this checkout (<c>dut-configs/&lt;platform&gt;/platform.yaml</c>), loaded once per
/// process. A platform without a pack folder has no verbs; a broken descriptor is an error naming file:line:column.
/// </summary>
public static class PlatformPacks
{
    private static readonly ConcurrentDictionary<string, Lazy<PlatformPack?>> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The <c>dut-configs</c> folder: the <c>SRV6CONF_DUT_CONFIGS</c> environment variable, else the first ancestor of
    /// the application base directory or the current directory that holds <c>dut-configs/linux</c>.
    /// </summary>
    public static string DutConfigsDirectory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SRV6CONF_DUT_CONFIGS");
            if (!string.IsNullOrEmpty(env))
                return Directory.Exists(Path.Combine(env, "linux")) ? env : throw new DirectoryNotFoundException($"SRV6CONF_DUT_CONFIGS={env} has no linux/ subdirectory.");
            foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (Directory.Exists(Path.Combine(dir.FullName, "dut-configs", "linux"))) return Path.Combine(dir.FullName, "dut-configs");
            throw new DirectoryNotFoundException(
                $"Cannot find dut-configs/linux above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'; set SRV6CONF_DUT_CONFIGS.");
        }
    }

    /// <summary>The Linux reference pack's folder, <c>dut-configs/linux</c>.</summary>
    public static string LinuxDirectory => Path.Combine(DutConfigsDirectory, "linux");

    /// <summary>The pack of <paramref name="platform"/>, or null when <c>dut-configs/&lt;platform&gt;/platform.yaml</c> does not exist.</summary>
    /// <exception cref="PlatformPackException">The descriptor exists but is not valid.</exception>
    public static PlatformPack? Find(string platform) => Cache.GetOrAdd(platform, p => new Lazy<PlatformPack?>(() =>
    {
        var dir = Path.Combine(DutConfigsDirectory, p);
        return File.Exists(Path.Combine(dir, PlatformPackLoader.DescriptorName)) ? PlatformPackLoader.Load(dir) : null;
    })).Value;

    /// <summary>True when <paramref name="platform"/>'s pack offers <paramref name="verb"/>.</summary>
    public static bool Offers(string platform, string verb) => Find(platform)?.Offers(verb) ?? false;

    /// <summary>Why <paramref name="platform"/> cannot do <paramref name="verb"/>, for a "not applicable" verdict.</summary>
    public static string MissingVerb(string platform, string verb) => Find(platform) is { } pack
        ? $"platform {platform} offers no {verb} ({DutVerbs.All.GetValueOrDefault(verb, verb)}); its pack {Path.GetRelativePath(Directory.GetCurrentDirectory(), pack.DescriptorPath)} lists {(pack.Verbs.Count == 0 ? "no verbs" : string.Join(", ", pack.Verbs.Keys))}"
        : $"platform {platform} has no pack (dut-configs/{platform}/platform.yaml), so no platform verbs such as {verb}";
}
