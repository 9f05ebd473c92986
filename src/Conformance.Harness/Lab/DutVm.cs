using System.Text;

namespace Conformance.Harness.Lab;

/// <summary>
/// The Linux reference DUT in a virtual machine, for hosts whose kernel has no SRv6 lightweight tunnels
/// (<see cref="HostKernel.WhyNoLinuxReferenceDut"/>). Opt-in: <c>SRV6CONF_LINUX_DUT_VM=1</c>, with qemu and a cached
/// SRv6-capable Debian kernel (<c>scripts/setup-dut-vm.sh</c>, called by <c>scripts/setup.sh</c> when the variable is set).
/// The VM runs inside the lab's DUT namespace under qemu (TCG: no /dev/kvm needed), with the host's root file system over
/// virtio-9p, read-only under a tmpfs overlay, so the DUT has the host's iproute2, nft, sshd and ping. Each DUT interface
/// of the namespace (the veth the tester port is wired to, and mgmt0) is joined to a tap of the VM with tc mirred both
/// ways; inside the VM the virtio NIC carries the same MAC and name, the management address and an sshd with the lab's
/// per-run keys: the Linux pack drives it over SSH exactly as it drives the namespace DUT.
/// </summary>
public static class DutVm
{
    public const string EnableVariable = "SRV6CONF_LINUX_DUT_VM";
    public const string CacheVariable = "SRV6CONF_DUT_VM_CACHE";
    public const string DefaultCache = "/var/cache/srv6conf/dut-vm";
    public const string QemuBinary = "qemu-system-x86_64";

    /// <summary>The operator asked for the VM (the environment variable is 1).</summary>
    public static bool Requested => Environment.GetEnvironmentVariable(EnableVariable) == "1";

    public static string CacheDirectory => Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } c ? c : DefaultCache;

    /// <summary>The cached kernel's release (the cache's READY stamp), or null when the cache is not ready.</summary>
    public static string? KernelRelease
    {
        get
        {
            var stamp = Path.Combine(CacheDirectory, "READY");
            try { return File.Exists(stamp) ? File.ReadAllText(stamp).Split(' ', '\n')[0].Trim() is { Length: > 0 } r ? r : null : null; }
            catch (IOException) { return null; }
        }
    }

    /// <summary>qemu-system-x86_64 on PATH, or null.</summary>
    public static string? QemuPath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, QemuBinary)).FirstOrDefault(File.Exists);

    /// <summary>Null when the VM can be started (qemu on PATH, the cache ready); otherwise what is missing and how to get it.</summary>
    public static string? WhyUnavailable
    {
        get
        {
            var missing = new List<string>();
            if (QemuPath is null) missing.Add($"{QemuBinary} is not on PATH (Debian package qemu-system-x86)");
            if (KernelRelease is not { } release) missing.Add($"no SRv6-capable kernel cached in {CacheDirectory}");
            else
                foreach (var f in new[] { "vmlinuz", "initrd.gz", "busybox", Path.Combine("modules", release, "modules.dep") })
                    if (!File.Exists(Path.Combine(CacheDirectory, f))) missing.Add($"{Path.Combine(CacheDirectory, f)} is missing");
            // The guest runs the host's own programs (its root over 9p): the management filter and the pack's sshd.
            if (!File.Exists("/usr/sbin/sshd")) missing.Add("/usr/sbin/sshd is missing on the host, whose root the VM boots (Debian package openssh-server)");
            if (!new[] { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" }.Any(File.Exists)) missing.Add("nft is missing on the host, whose root the VM boots (Debian package nftables)");
            return missing.Count == 0 ? null
                : $"the Linux reference DUT's VM cannot start: {string.Join("; ", missing)}; run `{EnableVariable}=1 bash scripts/setup.sh` (or scripts/setup-dut-vm.sh) as root";
        }
    }

    /// <summary>Whether the lab runs the Linux DUT in the VM: the host kernel lacks SRv6, the VM is asked for and available.</summary>
    public static bool InUse => HostKernel.WhyNoLinuxReferenceDut is not null && Requested && WhyUnavailable is null;

    /// <summary>The tap of the VM's NIC for DUT interface number <paramref name="index"/> (1-based; 0 = management), in the DUT namespace.</summary>
    public static string TapName(int index) => index == 0 ? "vmm" : $"vmt{index}";

    /// <summary>One NIC of the VM: its tap in the DUT namespace, the namespace interface it is mirrored with, its name and MAC inside the VM.</summary>
    public sealed record Nic(string Tap, string NamespaceInterface, string GuestName, string Mac);

    /// <summary>qemu's arguments (after the binary): TCG, one vCPU, 512 MB, no display, console to the run directory's vm-console.log.</summary>
    public static IReadOnlyList<string> QemuArguments(string runId, string runDirectory, IReadOnlyList<Nic> nics)
    {
        var cache = CacheDirectory;
        var release = KernelRelease ?? throw new TestbedException(WhyUnavailable ?? "the DUT VM's kernel cache is not ready");
        var args = new List<string>
        {
            "-name", $"srv6conf-{runId}-dut",
            "-machine", "pc,accel=tcg", "-cpu", "max", "-smp", "1", "-m", "512",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-pidfile", Path.Combine(runDirectory, "qemu.pid"),
            "-serial", "file:" + Path.Combine(runDirectory, "vm-console.log"),
            "-kernel", Path.Combine(cache, "vmlinuz"), "-initrd", Path.Combine(cache, "initrd.gz"),
            "-append", $"console=ttyS0 net.ifnames=0 panic=-1 quiet vminit={Path.Combine(runDirectory, "vm-init.sh")} vmbusybox={Path.Combine(cache, "busybox")}",
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-fsdev", $"local,id=run,path={runDirectory},security_model=none",
            "-device", "virtio-9p-pci,fsdev=run,mount_tag=run",
            "-fsdev", $"local,id=mods,path={Path.Combine(cache, "modules", release)},security_model=none,readonly=on",
            "-device", "virtio-9p-pci,fsdev=mods,mount_tag=mods",
        };
        for (int i = 0; i < nics.Count; i++)
        {
            args.Add("-netdev"); args.Add($"tap,id=n{i},ifname={nics[i].Tap},script=no,downscript=no");
            // No checksum or segmentation offload: every packet the DUT sends carries its checksum, as a NIC's would.
            args.Add("-device"); args.Add($"virtio-net-pci,netdev=n{i},mac={nics[i].Mac},csum=off,guest_csum=off");
        }
        return args;
    }

    /// <summary>
    /// The VM's init (run by busybox init as sysinit): mounts, the run directory (9p, read-write) and the kernel's modules,
    /// modprobe, host name, the NICs renamed by MAC, the management address and its forwarding filter, then the lab's DUT
    /// configuration script (exit status to dut-config.rc, output to dut-config.out/.err) and sshd.
    /// </summary>
    public static string GuestInit(string runDirectory, string hostname, IReadOnlyList<Nic> nics, string managementAddress, string managementInterface,
        string mgmtFilter, string dutConfigScript, string sshdConfig, string sshdLog)
    {
        var release = KernelRelease ?? throw new TestbedException(WhyUnavailable ?? "the DUT VM's kernel cache is not ready");
        static string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append("# srv6conf: the Linux reference DUT's VM init (written by the lab; see src/Conformance.Harness/Lab/DutVm.cs)\n");
        sb.Append("export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
        sb.Append("exec >/dev/console 2>&1\n");
        sb.Append("mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev 2>/dev/null\n");
        sb.Append("mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm\n");
        sb.Append("mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp; mount -t tmpfs tmpfs /root\n");
        sb.Append($"mkdir -p {Q(runDirectory)} && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 run {Q(runDirectory)} || echo 'srv6conf-vm: cannot mount the run directory'\n");
        sb.Append($"mkdir -p /lib/modules/{release} && mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 mods /lib/modules/{release}\n");
        sb.Append($"mkdir -p /run/srv6conf-vm && ln -s {Q(Path.Combine(CacheDirectory, "busybox"))} /run/srv6conf-vm/modprobe && echo /run/srv6conf-vm/modprobe > /proc/sys/kernel/modprobe\n");
        sb.Append($"hostname {Q(hostname)}\n");
        sb.Append("ip link set lo up\n");
        // By MAC, through temporary names: a profile may name a DUT interface eth1 while the kernel named another NIC so.
        sb.Append("for d in /sys/class/net/*; do n=${d##*/}; case \"$(cat $d/address)\" in\n");
        for (int i = 0; i < nics.Count; i++) sb.Append($"  {nics[i].Mac.ToLowerInvariant()}) ip link set \"$n\" name s6vm{i};;\n");
        sb.Append("esac; done\n");
        for (int i = 0; i < nics.Count; i++) sb.Append($"ip link set s6vm{i} name {Q(nics[i].GuestName)}\n");
        sb.Append($"sysctl -q -w net.ipv6.conf.{managementInterface}.accept_dad=0\n");
        sb.Append($"ip addr add {managementAddress}/64 dev {managementInterface} nodad && ip link set {managementInterface} up\n");
        sb.Append($"nft -f {Q(mgmtFilter)} || echo 'srv6conf-vm: management filter failed'\n");
        sb.Append($"/bin/sh {Q(dutConfigScript)} > {Q(dutConfigScript + ".out")} 2> {Q(dutConfigScript + ".err")}; echo $? > {Q(dutConfigScript + ".rc")}\n");
        sb.Append($"mkdir -p /run/sshd && /usr/sbin/sshd -f {Q(sshdConfig)} -E {Q(sshdLog)} || echo 'srv6conf-vm: sshd failed'\n");
        sb.Append("echo \"srv6conf-vm: ready after $(cut -d' ' -f1 /proc/uptime) s of guest uptime\"\n");
        return sb.ToString();
    }
}
