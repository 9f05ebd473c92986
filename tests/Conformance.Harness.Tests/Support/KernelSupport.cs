using System.Diagnostics;

namespace Conformance.Harness.Tests.Support;

/// <summary>What the running kernel offers the reference labs, probed once in a namespace of our own (removed at once).</summary>
internal static class KernelSupport
{
    private static readonly Lazy<bool> _seg6Local = new(ProbeSeg6Local);

    /// <summary>
    /// Whether the kernel has seg6local (CONFIG_IPV6_SEG6_LWTUNNEL): an End route can be added in a fresh namespace. Without it
    /// the Linux reference DUT and the lab routers' SIDs cannot be built (some CI VMs' kernels lack it).
    /// </summary>
    public static bool Seg6Local => _seg6Local.Value;

    private static bool ProbeSeg6Local()
    {
        var ns = $"s6c-probe{Environment.ProcessId % 100000}";
        static int Ip(params string[] args)
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit(10000);
            return p.ExitCode;
        }
        if (Ip("netns", "add", ns) != 0) return true; // cannot probe: assume the usual kernel
        try
        {
            Ip("-n", ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
            Ip("-n", ns, "link", "set", "p0", "up");
            return Ip("-n", ns, "-6", "route", "add", "2001:db8:ffff::1/128", "encap", "seg6local", "action", "End", "dev", "p0") == 0;
        }
        finally { Ip("netns", "del", ns); }
    }
}
