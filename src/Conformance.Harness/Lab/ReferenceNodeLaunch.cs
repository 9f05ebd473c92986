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
    /// The node's build output: next to the running assembly when it was copied there, else
    /// <c>src/Conformance.ReferenceNode/bin/&lt;configuration&gt;/net10.0/</c> of this checkout (Release first).
    /// </summary>
    public static string LocateAssembly()
    {
        var here = Path.Combine(AppContext.BaseDirectory, AssemblyFileName);
        if (File.Exists(here)) return here;
        var repo = Path.GetDirectoryName(PlatformPacks.DutConfigsDirectory)!;
        foreach (var config in new[] { "Release", "Debug" })
        {
            var p = Path.Combine(repo, "src", "Conformance.ReferenceNode", "bin", config, "net10.0", AssemblyFileName);
            if (File.Exists(p)) return p;
        }
        throw new TestbedException($"The reference node is not built: no {AssemblyFileName} next to {AppContext.BaseDirectory} or under " +
            $"{Path.Combine(repo, "src", "Conformance.ReferenceNode", "bin")}. Build it: dotnet build Conformance.sln -c Release.");
    }
}
