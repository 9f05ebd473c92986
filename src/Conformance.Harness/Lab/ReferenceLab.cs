using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Conformance.Harness.Dut;

namespace Conformance.Harness.Lab;

/// <summary>
/// The reference DUT: a Linux network namespace <c>s6c-&lt;id&gt;-dut</c> with one veth per tester port
/// (tester end in the root namespace, IPv6 disabled, no IPv4 address; DUT end renamed to the spec's
/// interface name), a management veth carrying SSH only (fd00:5e6c:0:XXXX::/64), and an sshd inside the
/// namespace with per-run host and user keys. Everything the lab makes carries the run id; teardown and
/// <see cref="CleanupLeftovers"/> only touch what a state file in <see cref="StateDirectory"/> names.
/// </summary>
public sealed class ReferenceLab : IDisposable, IAsyncDisposable
{
    public const string StateDirectory = "/run/srv6conf";
    public const string NamePrefix = "s6c";
    public const string ManagementPrefix = "fd00:5e6c";
    public const string DutManagementInterface = "mgmt0";
    public const string SshdPath = "/usr/sbin/sshd";
    private const string MgmtFilterTable = "s6c_mgmt";

    private static readonly ConcurrentDictionary<string, ReferenceLab> Live = new();
    private static readonly object HookLock = new();
    private static bool _hooksInstalled;
    private static readonly List<PosixSignalRegistration> SignalRegistrations = [];

    private readonly List<AppliedSysctl> _sysctls = [];
    private LabState _state;
    private readonly object _stateLock = new();
    private Process? _sshd;
    private Process? _node;
    private Process? _qemu;
    private int _disposed;

    private ReferenceLab(string runId, ReferenceLabSpec spec, DutConfig config, LabState state)
    {
        RunId = runId;
        Spec = spec;
        AppliedConfig = config;
        _state = state;
        Namespace = NamespaceName(runId);
        RunDirectory = state.RunDirectory;
        ManagementSubnet = $"{ManagementPrefix}:0:{runId[..4]}::/64";
        HostManagementAddress = IPAddress.Parse($"{ManagementPrefix}:0:{runId[..4]}::1");
        ManagementAddress = IPAddress.Parse($"{ManagementPrefix}:0:{runId[..4]}::2");
        ManagementInterface = $"{NamePrefix}{runId}m";
        PrivateKeyPath = Path.Combine(RunDirectory, "id_ed25519");
        HostKeyPath = Path.Combine(RunDirectory, "ssh_host_ed25519_key");
        SshdConfigPath = Path.Combine(RunDirectory, "sshd_config");
        SshdPidFile = Path.Combine(RunDirectory, "sshd.pid");
        SshdLogPath = Path.Combine(RunDirectory, "sshd.log");
        NodeControlSocket = Path.Combine(RunDirectory, "node.sock");
        NodeLogPath = Path.Combine(RunDirectory, "node.log");
    }

    public string RunId { get; }
    public ReferenceLabSpec Spec { get; }
    /// <summary>The configuration actually applied (the spec's config after the fault mode's transformation).</summary>
    public DutConfig AppliedConfig { get; }
    public string Namespace { get; }
    public string RunDirectory { get; }
    public IReadOnlyList<LabPort> Ports { get; private set; } = [];
    public string ManagementSubnet { get; }
    /// <summary>Root-namespace side of the management veth.</summary>
    public string ManagementInterface { get; }
    public IPAddress HostManagementAddress { get; }
    /// <summary>The DUT's management address (sshd listens here only).</summary>
    public IPAddress ManagementAddress { get; }
    public int SshPort => 22;
    public string SshUser => "root";
    public string PrivateKeyPath { get; }
    public string HostKeyPath { get; }
    public string HostKeySha256 { get; private set; } = "";
    public string SshdConfigPath { get; }
    public string SshdPidFile { get; }
    public string SshdLogPath { get; }
    public int? SshdPid => _sshd is { HasExited: false } p ? p.Id : null;
    /// <summary>The reference node's control socket and log (when <see cref="ReferenceLabSpec.Node"/> is set).</summary>
    public string NodeControlSocket { get; }
    public string NodeLogPath { get; }
    /// <summary>The reference node daemon's process id, while it runs.</summary>
    public int? NodePid => _node is { HasExited: false } p ? p.Id : null;
    public string StateFile => StateFilePath(RunId);
    /// <summary>Every sysctl the lab set (DUT namespace and root-side tester ends), in order.</summary>
    public IReadOnlyList<AppliedSysctl> Sysctls => _sysctls;
    public TimeSpan StartupDuration { get; private set; }
    /// <summary>The Linux DUT runs in a qemu VM inside the DUT namespace (<see cref="DutVm"/>), not in the namespace itself.</summary>
    public bool DutInVm => _state.Vm is not null;
    /// <summary>qemu's process id while the DUT's VM runs.</summary>
    public int? QemuPid => _qemu is { HasExited: false } p ? p.Id : null;
    /// <summary>The DUT VM's serial console (kernel and init messages), in the run directory.</summary>
    public string VmConsoleLogPath => Path.Combine(RunDirectory, "vm-console.log");
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>All root-namespace links of this run.</summary>
    public IEnumerable<string> RootLinks => _state.RootLinks;

    public static string NamespaceName(string runId) => $"{NamePrefix}-{runId}-dut";
    public static string ExtraNamespaceName(string runId, string suffix) => $"{NamePrefix}-{runId}-{suffix}";

    /// <summary>The other namespaces of this lab (a reference topology's non-DUT nodes), as recorded in its state file.</summary>
    public IReadOnlyList<string> ExtraNamespaces => _state.ExtraNamespaces ?? [];
    public static string StateFilePath(string runId) => Path.Combine(StateDirectory, runId + ".json");

    /// <summary>SSH options to reach this lab's DUT with the per-lab key and pinned host key.</summary>
    public SshDutOptions CreateSshOptions() => new()
    {
        Host = ManagementAddress.ToString(),
        Port = SshPort,
        User = SshUser,
        PrivateKeyPath = PrivateKeyPath,
        HostKeySha256 = HostKeySha256,
    };

    // ------------------------------------------------------------------ start

    /// <summary>Brings the lab up (cleaning leftovers of dead runs first). Throws <see cref="TestbedException"/> on failure, after tearing down what was built.</summary>
    public static async Task<ReferenceLab> StartAsync(ReferenceLabSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The reference lab needs Linux network namespaces.");
        Validate(spec);
        // The Linux kernel as the DUT needs the kernel's SRv6 lightweight tunnels: say so before anything is built. A
        // topology's other routers around the reference node need nothing of the kind: where the kernel lacks SRv6 they are
        // reference nodes too (Topology.TopologyLab.RoutersRunAsReferenceNodes).
        // Where the host kernel lacks SRv6, a Linux DUT (alone between tester ports, or a node of a reference topology whose
        // other routers then run as reference nodes) can run in a qemu VM inside its namespace (opt-in, DutVm).
        var inVm = false;
        if (spec.Node is null && !spec.ExternalDut && HostKernel.WhyNoLinuxReferenceDut is not null)
        {
            if (HostKernel.WhyNoLinuxReferenceLab is { } why) throw new HostCapabilityException(why);
            inVm = true;
        }
        var sw = Stopwatch.StartNew();
        CleanupLeftovers();
        EnsureHooks();
        Directory.CreateDirectory(StateDirectory);

        var runId = NewRunId();
        var config = spec.Config;
        var runDir = Path.Combine(StateDirectory, runId);
        Directory.CreateDirectory(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var links = spec.ExternalDut ? [] : spec.Ports.Select((_, i) => $"{NamePrefix}{runId}t{i + 1}").Append($"{NamePrefix}{runId}m").ToList();
        var state = new LabState(runId, Environment.ProcessId, Proc.StartTime(Environment.ProcessId) ?? 0,
            NamespaceName(runId), links, runDir, DateTimeOffset.UtcNow,
            spec.ExtraNamespaceSuffixes.Select(x => ExtraNamespaceName(runId, x)).ToList(),
            Vm: inVm ? new DutVmState([.. Enumerable.Range(0, spec.Ports.Count + 1).Select(DutVm.TapName)]) : null);
        // The state file goes first: if we die half-way, the next run cleans up.
        File.WriteAllText(StateFilePath(runId), state.ToJson());

        var lab = new ReferenceLab(runId, spec, config, state);
        Live[runId] = lab;
        try
        {
            if (spec.ExternalDut)
            {
                // A real router: the lab is its surroundings only (the other routers, the NICs cabled to it, the attachments).
                lab.StartupDuration = sw.Elapsed;
                return lab;
            }
            var keys = Task.Run(lab.GenerateKeys, cancellationToken);
            lab.BuildTopology();
            if (inVm)
            {
                await keys.ConfigureAwait(false);
                await lab.StartVmAsync(cancellationToken).ConfigureAwait(false);
                lab.StartupDuration = sw.Elapsed;
                return lab;
            }
            lab.ApplyDutConfig();
            if (spec.Node is { } node) await lab.StartNodeAsync(node, cancellationToken).ConfigureAwait(false);
            await keys.ConfigureAwait(false);
            await lab.StartSshdAsync(cancellationToken).ConfigureAwait(false);
            lab.StartupDuration = sw.Elapsed;
            return lab;
        }
        catch (Exception e)
        {
            try { lab.Dispose(); } catch (Exception te) { e = new AggregateException(e, te); }
            if (e is TestbedException or OperationCanceledException) throw;
            throw new TestbedException($"Reference lab {runId} failed to start: {e.Message}", e);
        }
    }

    private static void Validate(ReferenceLabSpec spec)
    {
        if (spec.ExternalDut ? spec.Ports.Count != 0 : spec.Ports.Count is < 1 or > 9)
            throw new ArgumentException(spec.ExternalDut ? "A lab around a real router has no tester ports of its own." : "A reference lab needs 1..9 tester ports.", nameof(spec));
        foreach (var p in spec.Ports)
        {
            if (p.DutInterface.Length is 0 or > 15 || p.DutInterface == DutManagementInterface || p.DutInterface.Contains('/') || p.DutInterface.Contains(' '))
                throw new ArgumentException($"Invalid DUT interface name '{p.DutInterface}'.", nameof(spec));
        }
        if (spec.Ports.Select(p => p.DutInterface).Distinct().Count() != spec.Ports.Count)
            throw new ArgumentException("DUT interface names must be unique.", nameof(spec));
        foreach (var x in spec.ExtraNamespaceSuffixes)
            if (x.Length is 0 or > 8 || x == "dut" || !x.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
                throw new ArgumentException($"Invalid extra namespace suffix '{x}' (1-8 lower-case letters or digits, not 'dut').", nameof(spec));
    }

    private static string NewRunId()
    {
        var taken = ListLabs().Select(l => l.RunId[..4]).ToHashSet();
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            if (!taken.Contains(id[..4]) && !File.Exists(StateFilePath(id))) return id;
        }
    }

    private void BuildTopology()
    {
        var ns = Namespace;
        Proc.RunChecked("ip", ["netns", "add", ns]);

        var root = new StringBuilder();
        for (var i = 1; i <= Spec.Ports.Count; i++)
        {
            root.AppendLine($"link add {NamePrefix}{RunId}t{i} type veth peer name {NamePrefix}{RunId}d{i}");
            root.AppendLine($"link set {NamePrefix}{RunId}d{i} netns {ns}");
        }
        root.AppendLine($"link add {ManagementInterface} type veth peer name {NamePrefix}{RunId}n");
        root.AppendLine($"link set {NamePrefix}{RunId}n netns {ns}");
        Proc.RunChecked("ip", ["-batch", "-"], root.ToString());

        // Tester ends: no IPv6 stack (disabled before link up), never answer ARP, no IPv4 address.
        for (var i = 1; i <= Spec.Ports.Count; i++)
        {
            var ifName = $"{NamePrefix}{RunId}t{i}";
            SetRootSysctl($"net.ipv6.conf.{ifName}.disable_ipv6", "1");
            SetRootSysctl($"net.ipv4.conf.{ifName}.arp_ignore", "8");
        }
        SetRootSysctl($"net.ipv4.conf.{ManagementInterface}.arp_ignore", "8");
        var up = new StringBuilder();
        for (var i = 1; i <= Spec.Ports.Count; i++) up.AppendLine($"link set {NamePrefix}{RunId}t{i} up");
        up.AppendLine($"addr add {HostManagementAddress}/64 dev {ManagementInterface} nodad");
        up.AppendLine($"link set {ManagementInterface} up");
        Proc.RunChecked("ip", ["-batch", "-"], up.ToString());

        var inNs = new StringBuilder();
        inNs.AppendLine("link set lo up");
        for (var i = 1; i <= Spec.Ports.Count; i++) inNs.AppendLine($"link set {NamePrefix}{RunId}d{i} name {Spec.Ports[i - 1].DutInterface}");
        inNs.AppendLine($"link set {NamePrefix}{RunId}n name {DutManagementInterface}");
        if (!DutInVm) inNs.AppendLine($"addr add {ManagementAddress}/64 dev {DutManagementInterface} nodad");
        Proc.RunChecked("ip", ["-n", ns, "-batch", "-"], inNs.ToString());
        Ports = Spec.Ports.Select((p, i) => new LabPort(p, $"{NamePrefix}{RunId}t{i + 1}",
            File.ReadAllText($"/sys/class/net/{NamePrefix}{RunId}t{i + 1}/address").Trim(),
            p.DutInterface, "")).ToList();
        if (DutInVm) return; // the VM's init sets the management address and the filter below inside the VM

        // The management link carries SSH only: the DUT never forwards to or from it.
        Proc.RunChecked("ip", ["netns", "exec", ns, "nft", "-f", "-"], ManagementFilter);
    }

    private string ManagementFilter =>
        $$"""
        table inet {{MgmtFilterTable}} {
          chain forward {
            type filter hook forward priority -100; policy accept;
            iifname "{{DutManagementInterface}}" drop
            oifname "{{DutManagementInterface}}" drop
          }
        }
        """;

    private void SetRootSysctl(string key, string value)
    {
        File.WriteAllText("/proc/sys/" + key.Replace('.', '/'), value);
        _sysctls.Add(new AppliedSysctl("root", key, value));
    }

    private void ApplyDutConfig()
    {
        var path = WriteDutConfigScript();
        var r = Proc.Run("ip", ["netns", "exec", Namespace, "/bin/sh", path], timeoutMs: 30000);
        TakeDutConfigResult(r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Writes the DUT's infrastructure configuration (sysctls, commands, static neighbours) as dut-config.sh; it prints the DUT interfaces' MACs.</summary>
    private string WriteDutConfigScript()
    {
        var script = new StringBuilder();
        script.AppendLine("set -e");
        // Management link: no DAD (its link-local would stay tentative for a while and show up in snapshots).
        script.AppendLine($"sysctl -q -w net.ipv6.conf.{DutManagementInterface}.accept_dad=0");
        script.AppendLine($"ip link set {DutManagementInterface} up");
        var sysctls = Spec.Sysctls.Concat(AppliedConfig.Sysctls).ToList();
        if (sysctls.Count > 0) script.AppendLine("sysctl -q -w " + string.Join(' ', sysctls.Select(s => $"{s.Key}={s.Value}")));
        foreach (var c in AppliedConfig.Commands) script.AppendLine($"echo '+ {c.Replace("'", "'\\''")}' >&2; {c}");
        if (Spec.StaticNeighbours)
        {
            foreach (var port in Ports)
            {
                script.AppendLine($"ip -6 neigh replace {StripPrefix(port.Spec.TesterIPv6)} lladdr {port.TesterMac} dev {port.DutInterface} nud permanent");
                if (port.Spec.TesterIPv4 is { } v4)
                    script.AppendLine($"ip -4 neigh replace {StripPrefix(v4)} lladdr {port.TesterMac} dev {port.DutInterface} nud permanent");
            }
        }
        foreach (var port in Ports) script.AppendLine($"cat /sys/class/net/{port.DutInterface}/address");
        var path = Path.Combine(RunDirectory, "dut-config.sh");
        File.WriteAllText(path, script.ToString());
        return path;
    }

    private void TakeDutConfigResult(int exitCode, string stdout, string stderr)
    {
        var where = DutInVm ? $"the DUT's VM (namespace {Namespace})" : Namespace;
        if (exitCode != 0)
        {
            var trace = stderr.Trim().Split('\n');
            throw new TestbedException(
                $"Applying the DUT configuration in {where} failed (exit {exitCode}). Last lines:\n  " +
                string.Join("\n  ", trace.TakeLast(4)));
        }
        _sysctls.Add(new AppliedSysctl("dut", $"net.ipv6.conf.{DutManagementInterface}.accept_dad", "0"));
        foreach (var s in Spec.Sysctls.Concat(AppliedConfig.Sysctls)) _sysctls.Add(new AppliedSysctl("dut", s.Key, s.Value));
        var macs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Ports = Ports.Select((p, i) => p with { DutMac = i < macs.Length ? macs[i].Trim() : "" }).ToList();
    }

    private static string StripPrefix(string address) => address.Split('/')[0];

    private void GenerateKeys()
    {
        var host = Task.Run(() => Proc.RunChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"srv6conf-{RunId}-host", "-f", HostKeyPath]));
        Proc.RunChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"srv6conf-{RunId}-user", "-f", PrivateKeyPath]);
        host.GetAwaiter().GetResult();
        File.Copy(PrivateKeyPath + ".pub", Path.Combine(RunDirectory, "authorized_keys"), overwrite: true);
        HostKeySha256 = SshFingerprint.FromPublicKeyFile(HostKeyPath + ".pub");
    }

    private async Task StartSshdAsync(CancellationToken ct)
    {
        Directory.CreateDirectory("/run/sshd"); // privilege separation directory required by sshd
        WriteSshdConfig();
        var psi = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // sshd runs in the DUT network namespace and in a private mount namespace where root's home is an
        // empty per-run directory: the host's ~/.bashrc (sourced by bash for every SSH command) stays out of the DUT;
        // and in its own UTS namespace, so the DUT has its own host name (the identity the profile pins).
        var home = Path.Combine(RunDirectory, "home");
        Directory.CreateDirectory(home);
        foreach (var a in new[]
                 {
                     "netns", "exec", Namespace, "unshare", "--mount", "--uts", "--propagation", "private", "/bin/sh", "-c",
                     "hostname \"$5\" && mount --bind \"$1\" /root && exec \"$2\" -D -f \"$3\" -E \"$4\"", "sh", home, SshdPath, SshdConfigPath, SshdLogPath, Spec.Hostname,
                 })
            psi.ArgumentList.Add(a);
        _sshd = Process.Start(psi) ?? throw new TestbedException("Cannot start sshd.");
        _sshd.StandardInput.Close();
        _ = _sshd.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = _sshd.StandardError.ReadToEndAsync(CancellationToken.None);
        await WaitForSshAsync(TimeSpan.FromSeconds(10),
            () => _sshd.HasExited ? $"sshd in {Namespace} exited with code {_sshd.ExitCode}: {ReadLogTail()}" : null,
            () => ReadLogTail(), ct).ConfigureAwait(false);
    }

    /// <summary>Waits until the DUT's management address accepts TCP on the SSH port; <paramref name="gone"/> names a DUT that died.</summary>
    private async Task WaitForSshAsync(TimeSpan timeout, Func<string?> gone, Func<string> diagnostics, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var endpoint = new IPEndPoint(ManagementAddress, SshPort);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (gone() is { } why) throw new TestbedException(why);
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(200);
                await probe.ConnectAsync(endpoint, cts.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (sw.Elapsed > timeout)
                    throw new TestbedException($"the DUT in {Namespace} does not accept TCP on [{ManagementAddress}]:{SshPort} after {timeout.TotalSeconds:0} s: {diagnostics()}");
                await Task.Delay(DutInVm ? 200 : 10, ct).ConfigureAwait(false);
            }
        }
    }

    private void WriteSshdConfig()
    {
        File.WriteAllText(SshdConfigPath,
            $"""
            # srv6conf reference lab {RunId}: management access to the DUT namespace only.
            ListenAddress [{ManagementAddress}]:{SshPort}
            HostKey {HostKeyPath}
            PidFile {SshdPidFile}
            AuthorizedKeysFile {Path.Combine(RunDirectory, "authorized_keys")}
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            UseDNS no
            X11Forwarding no
            AllowTcpForwarding no
            PrintMotd no
            LogLevel VERBOSE
            MaxStartups 50
            """ + "\n" + (Spec.Node is { } node
                ? $"# The reference node: its CLI is the login shell.\nForceCommand {ReferenceNodeLaunch.DotnetPath} {node.DaemonAssembly} cli --control {NodeControlSocket}\nSetEnv DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1\n"
                : ""));
    }

    /// <summary>
    /// The Linux DUT in a qemu VM (<see cref="DutVm"/>): in the DUT namespace, each DUT interface (the veth end the tester port
    /// is wired to, and mgmt0) loses its IPv6 stack and is joined to a tap with tc mirred both ways; qemu starts there with
    /// one virtio NIC per tap carrying that interface's MAC (renamed to its name inside the VM), the host's root file system
    /// over 9p and the run directory read-write. The VM's init applies dut-config.sh (exit status and output back in the run
    /// directory), then starts sshd on the management address with the lab's keys. Waits up to 180 s for SSH (TCG is slow).
    /// </summary>
    private async Task StartVmAsync(CancellationToken ct)
    {
        var ifaces = new List<(string Ns, string Guest)> { (DutManagementInterface, DutManagementInterface) };
        ifaces.AddRange(Spec.Ports.Select(p => (p.DutInterface, p.DutInterface)));
        // The namespace's /sys is only visible from inside it.
        var macs = Proc.RunChecked("ip", ["netns", "exec", Namespace, "cat", .. ifaces.Select(x => $"/sys/class/net/{x.Ns}/address")])
            .Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(m => m.Trim()).ToList();
        var nics = ifaces.Select((x, i) => new DutVm.Nic(DutVm.TapName(i), x.Ns, x.Guest, macs[i])).ToList();
        var batch = new StringBuilder();
        foreach (var n in nics) batch.AppendLine($"tuntap add dev {n.Tap} mode tap");
        Proc.RunChecked("ip", ["-n", Namespace, "-batch", "-"], batch.ToString());
        var sh = new StringBuilder("set -e\n");
        foreach (var n in nics)
        {
            // The namespace's own stack stays off the DUT's wires: frames are passed between veth and tap before it sees them.
            sh.AppendLine($"sysctl -q -w net.ipv6.conf.{n.NamespaceInterface}.disable_ipv6=1 net.ipv6.conf.{n.Tap}.disable_ipv6=1");
            sh.AppendLine($"ip link set {n.NamespaceInterface} up; ip link set {n.Tap} up");
            foreach (var (from, to) in new[] { (n.NamespaceInterface, n.Tap), (n.Tap, n.NamespaceInterface) })
            {
                sh.AppendLine($"tc qdisc add dev {from} ingress");
                sh.AppendLine($"tc filter add dev {from} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev {to}");
            }
        }
        var wiring = Path.Combine(RunDirectory, "vm-wiring.sh");
        File.WriteAllText(wiring, sh.ToString());
        var w = Proc.Run("ip", ["netns", "exec", Namespace, "/bin/sh", wiring], timeoutMs: 30000);
        if (w.ExitCode != 0) throw new TestbedException($"wiring the DUT VM's taps in {Namespace} failed (exit {w.ExitCode}): {w.Stderr.Trim()}");

        var config = WriteDutConfigScript();
        WriteSshdConfig();
        File.WriteAllText(Path.Combine(RunDirectory, "known_hosts"), $"{ManagementAddress} {File.ReadAllText(HostKeyPath + ".pub").Trim()}\n");
        var filter = Path.Combine(RunDirectory, "mgmt-filter.nft");
        File.WriteAllText(filter, ManagementFilter + "\n");
        File.WriteAllText(Path.Combine(RunDirectory, "vm-init.sh"), DutVm.GuestInit(RunDirectory, Spec.Hostname, nics,
            ManagementAddress.ToString(), DutManagementInterface, filter, config, SshdConfigPath, SshdLogPath));

        var psi = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "netns", "exec", Namespace, DutVm.QemuPath ?? DutVm.QemuBinary }.Concat(DutVm.QemuArguments(RunId, RunDirectory, nics)))
            psi.ArgumentList.Add(a);
        var qemuOutput = new StringBuilder();
        _qemu = Process.Start(psi) ?? throw new TestbedException("Cannot start qemu.");
        _qemu.StandardInput.Close();
        _qemu.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (qemuOutput) qemuOutput.AppendLine(e.Data); };
        _qemu.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (qemuOutput) qemuOutput.AppendLine(e.Data); };
        _qemu.BeginOutputReadLine();
        _qemu.BeginErrorReadLine();
        // ip netns exec execs qemu: the child's pid is qemu's. Recorded with its start time for cleanup.
        _state = _state with { Vm = _state.Vm! with { QemuPid = _qemu.Id, QemuStartTime = Proc.StartTime(_qemu.Id) } };
        File.WriteAllText(StateFilePath(RunId), _state.ToJson());

        string Console() => $"qemu: {string.Join(" | ", qemuOutput.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3))}; " +
            $"console ends: {ConsoleTail(5)}";
        await WaitForSshAsync(TimeSpan.FromSeconds(180),
            () => _qemu.HasExited ? $"the DUT's VM (qemu) in {Namespace} exited with code {_qemu.ExitCode}: {Console()}" : null,
            Console, ct).ConfigureAwait(false);
        var rcPath = config + ".rc";
        if (!File.Exists(rcPath) || !int.TryParse(File.ReadAllText(rcPath).Trim(), out var rc))
            throw new TestbedException($"the DUT's VM in {Namespace} accepts SSH but left no result of its configuration script ({rcPath}): {Console()}");
        TakeDutConfigResult(rc, File.ReadAllText(config + ".out"), File.ReadAllText(config + ".err"));
    }

    private string ConsoleTail(int lines)
    {
        try { return File.Exists(VmConsoleLogPath) ? string.Join(" | ", File.ReadAllLines(VmConsoleLogPath).Where(l => l.Trim().Length > 0).TakeLast(lines)) : "(no console output)"; }
        catch (IOException) { return "(console log unreadable)"; }
    }

    /// <summary>
    /// Starts <c>srv6-refnode daemon</c> in the DUT namespace on the data interfaces with the lab's startup configuration
    /// and waits (≤ 10 s) for its control socket; a daemon that exits or never listens is a set-up error quoting its log.
    /// </summary>
    private async Task StartNodeAsync(ReferenceNodeLaunch node, CancellationToken ct)
    {
        var started = StartNodeProcess(Namespace, node.DaemonAssembly, Spec.Ports.Select(p => p.DutInterface), node.StartupConfig,
            Path.Combine(RunDirectory, "node-startup.cfg"), NodeControlSocket, NodeLogPath);
        _node = started.Process;
        await WaitForNodesAsync([started], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
    }

    /// <summary>A reference node daemon being started: its process, namespace, control socket, log and early output.</summary>
    private sealed record StartingNode(Process Process, string Namespace, string ControlSocket, string LogPath, StringBuilder Output);

    private static StartingNode StartNodeProcess(string ns, string assembly, IEnumerable<string> interfaces, string startupConfig,
        string startupPath, string controlSocket, string logPath)
    {
        File.WriteAllText(startupPath, startupConfig);
        var psi = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var a in new[]
                 {
                     "netns", "exec", ns, ReferenceNodeLaunch.DotnetPath, assembly, "daemon",
                     "--control", controlSocket, "--interfaces", string.Join(',', interfaces),
                     "--config", startupPath, "--log", logPath,
                 })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new TestbedException($"Cannot start the reference node in {ns}.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new StartingNode(process, ns, controlSocket, logPath, output);
    }

    /// <summary>Waits until every node listens on its control socket; one that exits or never listens is a set-up error quoting its output and log.</summary>
    private static async Task WaitForNodesAsync(IReadOnlyList<StartingNode> nodes, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        foreach (var n in nodes)
        {
            while (!File.Exists(n.ControlSocket))
            {
                ct.ThrowIfCancellationRequested();
                string Tail()
                {
                    string text;
                    lock (n.Output) text = n.Output.ToString();
                    try { text += File.Exists(n.LogPath) ? File.ReadAllText(n.LogPath) : ""; } catch (IOException) { }
                    var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    // The first lines name an unhandled exception, the last ones what the node logged last.
                    return lines.Length == 0 ? "(no output)" : lines.Length <= 10 ? string.Join("\n  ", lines)
                        : string.Join("\n  ", [.. lines.Take(4), "…", .. lines.TakeLast(5)]);
                }
                if (n.Process.HasExited)
                    throw new TestbedException($"The reference node in {n.Namespace} exited with code {n.Process.ExitCode} before listening on {n.ControlSocket}:\n  {Tail()}");
                if (sw.Elapsed > timeout)
                    throw new TestbedException($"The reference node in {n.Namespace} has no control socket {n.ControlSocket} after {timeout.TotalSeconds:0} s:\n  {Tail()}");
                await Task.Delay(20, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts reference node daemons as a reference topology's lab routers (<see cref="Topology.TopologyLab"/> on a host
    /// whose kernel has no SRv6), each in one of this lab's extra namespaces on the interfaces named, with its start-up
    /// configuration (saved as <c>node-&lt;suffix&gt;-startup.cfg</c> in the run directory), all at once, and waits (≤ 20 s)
    /// until all listen. They run in namespaces the state file names: teardown, <c>srv6conf lab cleanup</c> and the next
    /// run's leftover cleanup kill them with everything else in those namespaces. Returns suffix → control socket.
    /// </summary>
    public IReadOnlyDictionary<string, string> StartLabRouterNodes(IReadOnlyList<(string Suffix, IReadOnlyList<string> Interfaces, string StartupConfig)> routers)
    {
        var assembly = ReferenceNodeLaunch.LocateAssembly();
        var starting = new List<StartingNode>();
        var sockets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (suffix, interfaces, config) in routers)
        {
            var ns = ExtraNamespaceName(RunId, suffix);
            if (!ExtraNamespaces.Contains(ns)) throw new TestbedException($"the lab {RunId} has no namespace {ns} in its state.");
            var socket = Path.Combine(RunDirectory, $"node-{suffix}.sock");
            var n = StartNodeProcess(ns, assembly, interfaces, config, Path.Combine(RunDirectory, $"node-{suffix}-startup.cfg"), socket,
                Path.Combine(RunDirectory, $"node-{suffix}.log"));
            lock (_routerNodes) _routerNodes.Add(n.Process);
            starting.Add(n);
            sockets[suffix] = socket;
        }
        WaitForNodesAsync(starting, TimeSpan.FromSeconds(20), CancellationToken.None).GetAwaiter().GetResult();
        return sockets;
    }

    /// <summary>The process ids of the reference nodes running as lab routers (<see cref="StartLabRouterNodes"/>), while they run.</summary>
    public IReadOnlyList<int> LabRouterNodePids
    {
        get { lock (_routerNodes) return _routerNodes.Where(p => !p.HasExited).Select(p => p.Id).ToList(); }
    }

    private readonly List<Process> _routerNodes = [];

    /// <summary>
    /// Why the lab's reference node is no longer there (its daemon exited: killed, crashed), with the last lines of its
    /// log; null while it runs, and for a lab without a node.
    /// </summary>
    public string? NodeGoneReason
    {
        get
        {
            if (_node is not { HasExited: true } p) return null;
            string tail;
            try { tail = File.Exists(NodeLogPath) ? string.Join(" | ", File.ReadAllLines(NodeLogPath).TakeLast(3)) : "(no log)"; }
            catch (IOException) { tail = "(log unreadable)"; }
            return $"the reference node's daemon (pid {p.Id}) in {Namespace} exited with code {p.ExitCode}; its log ends: {tail}";
        }
    }

    /// <summary>
    /// What the lab can tell about its reference node when its CLI goes silent or its SSH shell closes: whether the
    /// daemon runs, how many login shells (<c>srv6-refnode cli</c>) and sshd processes live in the DUT namespace, and the
    /// last lines of the node's log and of sshd's log (both are deleted with the lab, so this is where they are kept).
    /// Null for a lab without a node.
    /// </summary>
    public string? DescribeNode()
    {
        if (_node is not { } p) return null;
        var daemon = p.HasExited ? $"the daemon (pid {p.Id}) exited with code {p.ExitCode}" : $"the daemon (pid {p.Id}) runs";
        int shells = 0, sshds = 0;
        var states = new List<string>();
        var r = Proc.Run("ip", ["netns", "pids", Namespace]);
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(line.Trim(), out var pid)) continue;
            var cmd = Proc.CommandLine(pid);
            if (cmd.Contains(" cli --control ", StringComparison.Ordinal)) shells++;
            else if (cmd.Contains("sshd", StringComparison.Ordinal)) sshds++;
            // Every process with its state (a zombie has no command line: "dotnet Z" is a login shell nobody reaped).
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                states.Add($"{pid} {stat[(open + 1)..close]} {stat[close + 2]}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException) { }
        }
        static string Tail(string path, int n)
        {
            try { return File.Exists(path) ? string.Join(" | ", File.ReadAllLines(path).TakeLast(n)) : "(none)"; }
            catch (IOException) { return "(unreadable)"; }
        }
        return $"{daemon}; {shells} login shell(s) and {sshds} sshd process(es) in {Namespace} (pid, name, state: {string.Join(", ", states)}); " +
            $"node log ends: {Tail(NodeLogPath, 4)}; sshd log ends: {Tail(SshdLogPath, 4)}";
    }

    private string ReadLogTail()
    {
        try { return string.Join(" | ", File.ReadAllLines(SshdLogPath).TakeLast(5)); }
        catch (IOException) { return "(no sshd log)"; }
    }

    // ------------------------------------------------------------------ host NICs of a real router

    /// <summary>The host NICs this lab holds (a real router's links), as recorded in its state file.</summary>
    public IReadOnlyList<NicLease> Nics { get { lock (_stateLock) return _state.Nics ?? []; } }

    /// <summary>The inode of this process's network namespace (<c>/proc/self/ns/net</c> → <c>net:[N]</c>): where host NICs come from and go back to.</summary>
    public static string HostNetns => new FileInfo("/proc/self/ns/net").LinkTarget ?? throw new TestbedException("cannot read /proc/self/ns/net");

    /// <summary>
    /// Takes the host NIC <paramref name="nic"/> for <paramref name="link"/> of a real router: checks it is in this process's network
    /// namespace and free (no master, no IPv4 or global IPv6 address, not a default route's device, not another lab's), records it
    /// in the state file (its name, namespace, MTU and whether it is up), then moves it into <paramref name="ns"/> (one of this
    /// lab's namespaces) and renames it <paramref name="link"/>. <paramref name="field"/> names the profile field in errors.
    /// Teardown, <see cref="CleanupLeftovers"/> and <c>srv6conf lab cleanup</c> give it back under its own name.
    /// </summary>
    public void LeaseNic(string link, string nic, string ns, string field)
    {
        if (ns != Namespace && !ExtraNamespaces.Contains(ns)) throw new TestbedException($"the lab {RunId} has no namespace {ns} in its state.");
        var problem = WhyNicUnusable(nic);
        if (problem is not null) throw new TestbedException($"{field}: NIC {nic} cannot be {link}'s: {problem}. The lab {RunId} built so far is removed, the NICs it took are given back.");
        var mtu = int.Parse(File.ReadAllText($"/sys/class/net/{nic}/mtu").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var flags = Convert.ToInt32(File.ReadAllText($"/sys/class/net/{nic}/flags").Trim(), 16);
        var lease = new NicLease(link, nic, HostNetns, ns, link, mtu, (flags & 1) != 0);
        lock (_stateLock)
        {
            _state = _state with { Nics = [.. _state.Nics ?? [], lease] };
            // Recorded before the NIC moves: a run killed from here on leaves a state file that gives it back.
            File.WriteAllText(StateFilePath(RunId), _state.ToJson());
        }
        Proc.RunChecked("ip", ["link", "set", "dev", nic, "down"]);
        Proc.RunChecked("ip", ["link", "set", "dev", nic, "netns", ns]);
        Proc.RunChecked("ip", ["-n", ns, "link", "set", "dev", nic, "name", link]);
    }

    /// <summary>Why a host NIC cannot be taken for a link (null: it can).</summary>
    private static string? WhyNicUnusable(string nic)
    {
        if (!Directory.Exists($"/sys/class/net/{nic}"))
        {
            var elsewhere = Directory.Exists("/run/netns")
                ? Directory.EnumerateFiles("/run/netns").Select(Path.GetFileName).OfType<string>()
                    .Where(ns => Proc.Run("ip", ["-n", ns, "link", "show", "dev", nic]).ExitCode == 0).ToList()
                : [];
            return elsewhere.Count > 0
                ? $"it is not in this host's network namespace but in {string.Join(", ", elsewhere)} (a lab of another run holds it, or something else moved it there)"
                : "there is no such interface on this host (ip link show lists the NICs)";
        }
        if (nic == "lo" || nic.StartsWith(NamePrefix, StringComparison.Ordinal)) return "it is not a NIC (the loopback or one of the suite's own links)";
        if (File.Exists($"/sys/class/net/{nic}/master") || Directory.Exists($"/sys/class/net/{nic}/master"))
            return $"it is in use: enslaved to {Path.GetFileName(new FileInfo($"/sys/class/net/{nic}/master").LinkTarget ?? "another interface")} (a bridge or bond)";
        var addrs = Proc.Run("ip", ["-o", "addr", "show", "dev", nic]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 3 && (f[2] == "inet" || (f[2] == "inet6" && !f[3].StartsWith("fe80:", StringComparison.OrdinalIgnoreCase))))
            .Select(f => f[3]).ToList();
        if (addrs.Count > 0) return $"it is in use: it has the address(es) {string.Join(", ", addrs)} (a tester NIC cabled to the router carries none)";
        foreach (var family in new[] { "-4", "-6" })
            if (Proc.Run("ip", [family, "route", "show", "default", "dev", nic]).Stdout.Trim().Length > 0)
                return "it is in use: it carries a default route of this host";
        foreach (var lab in ListLabs())
        {
            var s = ReadState(lab.StateFile);
            if (s?.Nics?.FirstOrDefault(n => n.Nic == nic) is { } other)
                return $"it is in use: the lab {s.RunId} ({(lab.OwnerAlive ? "live" : "left over: srv6conf lab cleanup gives it back")}) holds it for {other.Link}";
        }
        return null;
    }

    /// <summary>
    /// Gives a leased NIC back to this process's network namespace (the one it came from) under its own name, with its MTU and
    /// up/down state; a NIC already back (a run killed before it moved) is left as it is. Null when it is back; otherwise why not.
    /// </summary>
    private static string? HandBack(NicLease n)
    {
        if (HostNetns != n.HostNetns)
            return $"NIC {n.Nic} came from network namespace {n.HostNetns}, this process runs in {HostNetns}: run srv6conf lab cleanup where the lab ran";
        bool nsExists = File.Exists($"/run/netns/{n.LabNamespace}");
        string? inLab = null;
        if (nsExists)
            foreach (var name in new[] { n.LabName, n.Nic })
                if (Proc.Run("ip", ["-n", n.LabNamespace, "link", "show", "dev", name]).ExitCode == 0) { inLab = name; break; }
        if (inLab is null)
            return Directory.Exists($"/sys/class/net/{n.Nic}") ? null : $"NIC {n.Nic} ({n.Link}) is neither back in the host namespace nor in {n.LabNamespace} as {n.LabName}";
        if (Directory.Exists($"/sys/class/net/{n.Nic}"))
            return $"NIC {n.Nic} ({n.Link}) cannot go back: the host namespace has another interface named {n.Nic}; it stays in {n.LabNamespace} as {inLab}";
        var steps = new List<string[]>
        {
            new[] { "-n", n.LabNamespace, "link", "set", "dev", inLab, "down" },
            new[] { "-n", n.LabNamespace, "addr", "flush", "dev", inLab },
        };
        if (inLab != n.Nic) steps.Add(["-n", n.LabNamespace, "link", "set", "dev", inLab, "name", n.Nic]);
        steps.Add(["-n", n.LabNamespace, "link", "set", "dev", n.Nic, "netns", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        steps.Add(["link", "set", "dev", n.Nic, "mtu", n.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (n.WasUp) steps.Add(["link", "set", "dev", n.Nic, "up"]);
        foreach (var a in steps)
        {
            var r = Proc.Run("ip", a);
            if (r.ExitCode != 0) return $"NIC {n.Nic} ({n.Link}): ip {string.Join(' ', a)}: {r.Stderr.Trim()}";
        }
        return null;
    }

    // ------------------------------------------------------------------ test helpers

    /// <summary>Kills sshd and every process in the DUT namespace (its SSH sessions): a simulated DUT crash.</summary>
    public void KillSshd()
    {
        KillNamespaceProcesses(Namespace, RunDirectory);
        _sshd?.WaitForExit(2000);
    }

    /// <summary>Runs a command inside the DUT namespace directly (no SSH); for tests and diagnostics.</summary>
    public (int ExitCode, string Stdout, string Stderr) Exec(params string[] command)
    {
        // The DUT in a VM: the same command inside the VM, over SSH with the lab's key and pinned host key.
        var r = DutInVm
            ? Proc.Run("ssh", ["-i", PrivateKeyPath, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={Path.Combine(RunDirectory, "known_hosts")}",
                "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30", $"{SshUser}@{ManagementAddress}", "--",
                string.Join(' ', command.Select(c => "'" + c.Replace("'", "'\\''") + "'"))], timeoutMs: 60000)
            : Proc.Run("ip", ["netns", "exec", Namespace, .. command]);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Test hook: stop treating <paramref name="lab"/> as live in this process (so cleanup may take it).</summary>
    internal static void ForgetLive(ReferenceLab lab) => Live.TryRemove(lab.RunId, out _);

    // ------------------------------------------------------------------ teardown

    public void Dispose()
    {
        // A second caller (the exit hook while a signal handler or the failed start-up tears down) waits for the teardown under
        // way: returning at once would let the process exit half-way through it and leave the namespaces behind.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) { _tornDown.Wait(TimeSpan.FromSeconds(30)); return; }
        try { DisposeOnce(); }
        finally { _tornDown.Set(); }
    }

    private readonly ManualResetEventSlim _tornDown = new();

    private void DisposeOnce()
    {
        Live.TryRemove(RunId, out _);
        var errors = Teardown(_state);
        List<Process> routers;
        lock (_routerNodes) routers = [.. _routerNodes];
        foreach (var p in new[] { _sshd, _node, _qemu }.Concat(routers))
        {
            if (p is null) continue;
            p.WaitForExit(1000);
            p.Dispose();
        }
        if (errors.Count > 0)
            throw new TestbedException($"Teardown of reference lab {RunId} was incomplete:\n  " + string.Join("\n  ", errors));
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes everything a state file names. Returns the problems (empty = clean).</summary>
    private static List<string> Teardown(LabState state)
    {
        var errors = new List<string>();
        void Try(string what, Action action)
        {
            try { action(); }
            catch (Exception e) { errors.Add($"{what}: {e.Message}"); }
        }

        if (!IsOurs(state))
        {
            errors.Add($"state file for '{state.RunId}' does not follow the naming scheme; refusing to touch it");
            return errors;
        }
        // The DUT's VM: qemu runs in the DUT namespace (killed with its processes below); by its recorded pid too, should the
        // namespace be gone already: only if that pid is still the same process (start time) and names this run.
        if (state.Vm is { QemuPid: { } qemuPid } vm && Proc.IsAlive(qemuPid) && Proc.StartTime(qemuPid) == vm.QemuStartTime
            && Proc.CommandLine(qemuPid).Contains($"srv6conf-{state.RunId}-dut", StringComparison.Ordinal))
            Try("kill the DUT's VM", () =>
            {
                Proc.Kill(qemuPid, Proc.SIGKILL);
                if (!Proc.WaitGone([qemuPid], 3000)) throw new TestbedException($"qemu (pid {qemuPid}) still alive");
            });
        Try("kill processes", () => KillNamespaceProcesses(state.Namespace, state.RunDirectory));
        foreach (var extra in state.ExtraNamespaces ?? [])
            Try($"kill processes in {extra}", () => KillNamespaceProcesses(extra, state.RunDirectory));
        // A real router's NICs go back to the host before their namespaces go: a veth would be destroyed with the namespace,
        // a physical NIC would come back under its link name. A namespace still holding a NIC that could not go back stays
        // (so does the state file), for the next cleanup.
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var nic in state.Nics ?? [])
            Try($"give NIC {nic.Nic} back", () =>
            {
                if (HandBack(nic) is { } why) { errors.Add(why); keep.Add(nic.LabNamespace); }
            });
        Try("delete links", () =>
        {
            var prefix = NamePrefix + state.RunId;
            var present = Directory.Exists("/sys/class/net")
                ? Directory.EnumerateFileSystemEntries("/sys/class/net").Select(Path.GetFileName).OfType<string>().ToList()
                : [];
            foreach (var link in present.Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Length <= 15))
            {
                var r = Proc.Run("ip", ["link", "del", link]);
                if (r.ExitCode != 0 && Directory.Exists($"/sys/class/net/{link}")) errors.Add($"ip link del {link}: {r.Stderr.Trim()}");
            }
        });
        foreach (var ns in state.AllNamespaces.Where(x => !keep.Contains(x)))
            Try($"delete namespace {ns}", () =>
            {
                if (File.Exists($"/run/netns/{ns}"))
                {
                    var r = Proc.Run("ip", ["netns", "del", ns]);
                    if (r.ExitCode != 0) errors.Add($"ip netns del {ns}: {r.Stderr.Trim()}");
                }
            });
        Try("remove run directory", () =>
        {
            if (Directory.Exists(state.RunDirectory)) Directory.Delete(state.RunDirectory, recursive: true);
        });
        if (errors.Count == 0) Try("remove state file", () => File.Delete(StateFilePath(state.RunId)));
        return errors;
    }

    private static bool IsOurs(LabState s) =>
        s.RunId.Length == 6 && s.RunId.All(Uri.IsHexDigit)
        && s.Namespace == NamespaceName(s.RunId)
        && (s.ExtraNamespaces ?? []).All(x => x.StartsWith($"{NamePrefix}-{s.RunId}-", StringComparison.Ordinal) && x != s.Namespace)
        && s.RunDirectory == Path.Combine(StateDirectory, s.RunId)
        && s.RootLinks.All(l => l.StartsWith(NamePrefix + s.RunId, StringComparison.Ordinal))
        && (s.Nics ?? []).All(n => s.AllNamespaces.Contains(n.LabNamespace) && n.Nic.Length is > 0 and <= 15 && !n.Nic.Contains('/'))
        && (s.Vm is null || s.Vm.Taps.All(t => t == "vmm" || (t.StartsWith("vmt", StringComparison.Ordinal) && t.Length <= 5 && t[3..].All(char.IsAsciiDigit))));

    /// <summary>Kills every process inside our namespace, plus any sshd started with our run directory's config.</summary>
    private static void KillNamespaceProcesses(string ns, string runDir)
    {
        var pids = new HashSet<int>();
        if (File.Exists($"/run/netns/{ns}"))
        {
            var r = Proc.Run("ip", ["netns", "pids", ns]);
            foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(line.Trim(), out var pid) && pid != Environment.ProcessId) pids.Add(pid);
        }
        var pidFile = Path.Combine(runDir, "sshd.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var sshdPid)
            && Proc.CommandLine(sshdPid).Contains(Path.Combine(runDir, "sshd_config"), StringComparison.Ordinal))
            pids.Add(sshdPid);
        foreach (var pid in Proc.FindByCommandLine(Path.Combine(runDir, "sshd_config"))) pids.Add(pid);
        foreach (var pid in pids) Proc.Kill(pid, Proc.SIGKILL);
        if (!Proc.WaitGone(pids, 3000))
            throw new TestbedException($"processes still alive in {ns}: {string.Join(", ", pids.Where(Proc.IsAlive))}");
    }

    // ------------------------------------------------------------------ leftovers

    /// <summary>
    /// Tears down labs whose owning process is gone (per their state files in <see cref="StateDirectory"/>).
    /// Only names derived from a state file's run id are touched. Returns the run ids removed.
    /// </summary>
    public static IReadOnlyList<string> CleanupLeftovers()
    {
        var removed = new List<string>();
        if (!Directory.Exists(StateDirectory)) return removed;
        foreach (var file in Directory.EnumerateFiles(StateDirectory, "*.json"))
        {
            var state = ReadState(file);
            if (state is null || OwnerAlive(state) || Live.ContainsKey(state.RunId)) continue;
            var errors = Teardown(state);
            if (errors.Count == 0) removed.Add(state.RunId);
            else Console.Error.WriteLine($"srv6conf: cleanup of leftover lab {state.RunId} incomplete: {string.Join("; ", errors)}");
        }
        return removed;
    }

    /// <summary>Every lab with a state file, live or not.</summary>
    public static IReadOnlyList<LabInfo> ListLabs()
    {
        if (!Directory.Exists(StateDirectory)) return [];
        return Directory.EnumerateFiles(StateDirectory, "*.json")
            .Select(f => (File: f, State: ReadState(f)))
            .Where(x => x.State is not null)
            // A lab around a real router has no DUT namespace: its first router's stands for it.
            .Select(x => (x.File, x.State, Ns: x.State!.RootLinks.Count == 0 && x.State.ExtraNamespaces is [var first, ..] ? first : x.State.Namespace))
            .Select(x => new LabInfo(x.State!.RunId, x.State.OwnerPid, OwnerAlive(x.State), x.Ns,
                File.Exists($"/run/netns/{x.Ns}"), x.State.CreatedUtc, x.File))
            .OrderBy(l => l.CreatedUtc)
            .ToList();
    }

    private static LabState? ReadState(string file)
    {
        try
        {
            var s = LabState.FromJson(File.ReadAllText(file));
            return s is not null && IsOurs(s) && Path.GetFileNameWithoutExtension(file) == s.RunId ? s : null;
        }
        catch (IOException) { return null; }
    }

    private static bool OwnerAlive(LabState s) =>
        Proc.IsAlive(s.OwnerPid) && (s.OwnerStartTime == 0 || Proc.StartTime(s.OwnerPid) == s.OwnerStartTime);

    // ------------------------------------------------------------------ signals

    private static void EnsureHooks()
    {
        lock (HookLock)
        {
            if (_hooksInstalled) return;
            _hooksInstalled = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => TeardownAllLive();
            // A conformance run handles SIGINT/SIGTERM/SIGHUP itself (Testbeds.RunInterruption): the first one lets the
            // case under way finish and the run tear down in order; only SIGQUIT (and a second signal) tears down at once.
            var signals = Testbeds.RunInterruption.Installed ? new[] { PosixSignal.SIGQUIT }
                : new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT };
            if (!Testbeds.RunInterruption.Installed) Console.CancelKeyPress += (_, _) => TeardownAllLive();
            foreach (var sig in signals)
                SignalRegistrations.Add(PosixSignalRegistration.Create(sig, _ => TeardownAllLive()));
        }
    }

    /// <summary>Tears down every lab of this process (used by the exit/signal hooks).</summary>
    public static void TeardownAllLive()
    {
        foreach (var lab in Live.Values.ToList())
        {
            try { lab.Dispose(); }
            catch (Exception e) { Console.Error.WriteLine($"srv6conf: {e.Message}"); }
        }
    }
}
