using System.Runtime.InteropServices;

namespace Conformance.Harness.Lab;

/// <summary>
/// What this host's kernel offers a Linux reference DUT. The Linux reference lab programs its SIDs and headends as
/// seg6local/seg6 lightweight tunnels; a kernel built without them (CONFIG_IPV6_SEG6_LWTUNNEL not set, as on some
/// sandbox and container kernels) cannot be that DUT, however the lab is set up. Probed once per process by adding an
/// End route in an anonymous network namespace (<c>unshare --net</c>), which disappears with the probe's process: the
/// probe leaves nothing behind, even when killed.
/// </summary>
public static class HostKernel
{
    private static readonly Lazy<string?> LinuxSrv6DutProblem = new(ProbeLinuxSrv6Dut, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The kernel release (uname -r), for messages.</summary>
    public static string Release
    {
        get
        {
            try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return RuntimeInformation.OSDescription; }
        }
    }

    /// <summary>
    /// Null when this kernel can be a Linux reference DUT (a seg6local End route can be added); otherwise one sentence
    /// saying what it lacks and what to do instead, for errors, skipped tests and the main job's console.
    /// </summary>
    public static string? WhyNoLinuxReferenceDut => OperatingSystem.IsLinux() ? LinuxSrv6DutProblem.Value : "the Linux reference lab needs Linux";

    /// <summary>
    /// Null when this host can build a lab with a Linux reference DUT (<c>profiles/reference-lab.yaml</c>, or a Linux DUT node
    /// of a reference topology such as <c>profiles/reference-figure1.yaml</c>): its kernel has SRv6, or the DUT runs in the
    /// opt-in VM (<see cref="DutVm.InUse"/>; a topology's other routers then run as reference nodes,
    /// Topology.TopologyLab.RoutersRunAsReferenceNodes). Otherwise why not, with what the VM would need.
    /// </summary>
    public static string? WhyNoLinuxReferenceLab
    {
        get
        {
            if (WhyNoLinuxReferenceDut is not { } why) return null;
            if (!DutVm.Requested)
                return why + $"; or run the Linux DUT in a qemu VM: {DutVm.EnableVariable}=1 (scripts/setup.sh then fetches qemu and a Debian kernel with SRv6)";
            return DutVm.WhyUnavailable is { } vm ? why + "; " + vm : null;
        }
    }

    /// <summary>Throws <see cref="HostCapabilityException"/> when this kernel cannot be a Linux reference DUT.</summary>
    public static void RequireLinuxReferenceDut()
    {
        if (WhyNoLinuxReferenceDut is { } why) throw new HostCapabilityException(why);
    }

    private static string? ProbeLinuxSrv6Dut()
    {
        const string script = "ip link set lo up && ip -6 route add 2001:db8:ffff::1/128 encap seg6local action End dev lo";
        ProcResult r;
        try
        {
            r = Proc.Run("unshare", ["--net", "--", "sh", "-c", script], timeoutMs: 10000);
        }
        catch (Exception e) when (e is TestbedException or System.ComponentModel.Win32Exception)
        {
            return $"could not probe the kernel's SRv6 support ({e.Message}); the Linux reference lab needs root, unshare and iproute2";
        }
        if (r.ExitCode == 0) return null;
        var err = (r.Stderr + " " + r.Stdout).Trim();
        if (err.Contains("lwt encapsulation type not supported", StringComparison.OrdinalIgnoreCase))
            return $"this host's kernel ({Release}) has no SRv6 lightweight tunnels (CONFIG_IPV6_SEG6_LWTUNNEL not set: " +
                   "'ip -6 route add … encap seg6local action End' answers \"lwt encapsulation type not supported\"), so it cannot be " +
                   "the Linux reference DUT nor a Linux lab router with SIDs; the reference node (profiles/reference-node.yaml, and " +
                   "profiles/reference-figure1-node.yaml whose other routers then run as reference nodes too) needs no kernel SRv6 and " +
                   "runs here; for the Linux DUT use a host whose kernel has CONFIG_IPV6_SEG6_LWTUNNEL";
        return $"this host cannot be the Linux reference DUT: adding a seg6local End route in a scratch network namespace failed: {err}";
    }
}

/// <summary>
/// The host cannot build the testbed asked for (e.g. its kernel lacks SRv6). The verdicts of the cases that needed it are
/// inconclusive: the DUT was never judged.
/// </summary>
public sealed class HostCapabilityException(string message) : TestbedException(message);
