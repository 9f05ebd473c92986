using Conformance.Harness.Platforms;

namespace Conformance.Harness.Lab;

/// <summary>
/// The reference node (src/Conformance.ReferenceNode, issue #15) as the lab's DUT instead of the Linux kernel: the lab
/// turns the kernel's IPv4/IPv6 off on the data interfaces, starts <c>srv6-refnode daemon</c> in the DUT namespace on
/// them with <see cref="StartupConfig"/> (the interfaces' addresses and the host name, in the node's own configuration
/// language, rendered from the pack's <c>lab/</c> templates), and makes <c>srv6-refnode cli</c> the SSH login shell, so
/// the harness configures it like any router: through its platform pack.
/// </summary>
public sealed record ReferenceNodeLaunch(string DaemonAssembly, string StartupConfig)
{
    public const string AssemblyFileName = "srv6-refnode.dll";
    public const string DotnetPath = "/usr/bin/dotnet";

    /// <summary>
    /// The node's build output: the newest <c>srv6-refnode.dll</c> of the one next to the running assembly and
    /// <c>src/Conformance.ReferenceNode/bin/{Release,Debug}/net10.0/</c> of this checkout (a stale Release build next to a
    /// fresh Debug one once made a run judge yesterday's node).
    /// </summary>
    public static string LocateAssembly()
    {
        var repo = Path.GetDirectoryName(PlatformPacks.DutConfigsDirectory)!;
        var candidates = new[] { Path.Combine(AppContext.BaseDirectory, AssemblyFileName) }
            .Concat(new[] { "Release", "Debug" }.Select(c => Path.Combine(repo, "src", "Conformance.ReferenceNode", "bin", c, "net10.0", AssemblyFileName)))
            .Where(File.Exists).ToList();
        if (candidates.Count == 0)
            throw new TestbedException($"The reference node is not built: no {AssemblyFileName} next to {AppContext.BaseDirectory} or under " +
                $"{Path.Combine(repo, "src", "Conformance.ReferenceNode", "bin")}. Build it: dotnet build Conformance.sln -c Release.");
        return candidates.OrderByDescending(File.GetLastWriteTimeUtc).First();
    }
}
