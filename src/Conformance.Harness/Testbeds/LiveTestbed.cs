using System.Net;
using System.Text.RegularExpressions;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tester;

namespace Conformance.Harness.Testbeds;

/// <summary>
/// A profile bound to a running DUT: for the reference lab the harness builds the DUT first; then,
/// for any DUT, it connects over SSH (host key pinned), checks the device is the one the profile
/// names before touching anything, snapshots its state, applies the suite's configuration, and
/// opens the tester ports. Disposal rolls the DUT back and verifies the rollback by diffing a
/// fresh snapshot against the first; a lab is torn down.
/// </summary>
public sealed class LiveTestbed : IAsyncDisposable
{
    private bool _disposed;

    public Profile Profile { get; }
    public ReferenceLab? Lab { get; }
    /// <summary>The reference topology around the DUT (profile testbed.topology), or null.</summary>
    public Topology.TopologyLab? Topology { get; private init; }
    public LabFaultMode Fault { get; }
    public SshDutSession Session { get; }
    public IDutPlatform Platform { get; }
    /// <summary>The platform pack (dut-configs/&lt;platform&gt;/platform.yaml): its verbs are what cases may ask the DUT to do.</summary>
    public PlatformPack Pack { get; private init; } = null!;
    public Transcript Transcript => Session.Transcript;
    public DutIdentity Identity { get; }
    public DutSnapshot Baseline { get; }
    /// <summary>The suite's configuration as applied (after the fault mode, if any).</summary>
    public DutConfig Config { get; }
    public IReadOnlyDictionary<string, TesterPort> Ports { get; }
    /// <summary>What differed after rollback (empty when the DUT is back as it was); set on disposal.</summary>
    public IReadOnlyList<string>? RollbackDiff { get; private set; }
    /// <summary>Why no rollback was done at the end (the lab's reference node had died with its configuration); null otherwise.</summary>
    public string? RollbackNotNeeded { get; private set; }
    public TimeSpan StartupDuration { get; private set; }

    private LiveTestbed(Profile profile, ReferenceLab? lab, LabFaultMode fault, SshDutSession session, IDutPlatform platform,
        DutIdentity identity, DutSnapshot baseline, DutConfig config, IReadOnlyDictionary<string, TesterPort> ports)
    {
        Profile = profile; Lab = lab; Fault = fault; Session = session; Platform = platform;
        Identity = identity; Baseline = baseline; Config = config; Ports = ports;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with <paramref name="config"/> applied on top of the run's configuration, then puts
    /// the DUT back to what it was just before (a snapshot and the platform's rollback, verified): how a case makes a
    /// transient change (an SR policy it originates traffic with, an interface's HMAC policy) on any platform.
    /// </summary>
    public async Task WithTransientConfigAsync(DutConfig config, Func<Task> body, CancellationToken ct = default)
    {
        var before = await Platform.SnapshotAsync(ct).ConfigureAwait(false);
        try
        {
            await Platform.ApplyAsync(config, ct).ConfigureAwait(false);
            await body().ConfigureAwait(false);
        }
        finally
        {
            await Platform.RollbackAsync(before, CancellationToken.None).ConfigureAwait(false);
            var left = await Platform.VerifyRollbackAsync(before, CancellationToken.None).ConfigureAwait(false);
            if (left.Count > 0)
                throw new TestbedException($"the DUT did not return to its state before the case's transient change:\n{string.Join('\n', left)}");
        }
    }

    /// <summary>
    /// Whether the DUT still answers, asked after a case failed: a lab's reference node must still run, and any DUT must
    /// answer its identity read over SSH within <paramref name="timeout"/>. Null when it answers; otherwise why not. A
    /// failure seen while the DUT was going away is no verdict about its SRv6 processing (the case is inconclusive).
    /// </summary>
    public async Task<string?> WhyTheDutStoppedAnsweringAsync(TimeSpan timeout)
    {
        if (Lab?.NodeGoneReason is { } gone) return gone;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var read = Platform.ReadIdentityAsync(cts.Token);
            if (await Task.WhenAny(read, Task.Delay(timeout, CancellationToken.None)).ConfigureAwait(false) != read)
                return $"the DUT {Session.Options.HostPort} did not answer its identity read within {timeout.TotalSeconds:0} s";
            await read.ConfigureAwait(false);
            return Lab?.NodeGoneReason;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Lab?.NodeGoneReason ?? $"the DUT {Session.Options.HostPort} did not answer its identity read: {e.Message}";
        }
    }

    /// <summary>The DUT prints what <paramref name="command"/> printed (standard output and error), for the command verbs.</summary>
    public Task<string> RunVerbCommandAsync(string command) => Platform.ExecVerbAsync(command);

    private static string NoPack(Profile profile) =>
        $"{profile.SourcePath}: testbed.platform '{profile.Testbed.Platform}' has no platform pack (dut-configs/{profile.Testbed.Platform}/platform.yaml). " +
        $"Packs here: {string.Join(", ", PlatformPackLoader.LoadAll(PlatformPacks.DutConfigsDirectory).Select(p => p.Platform))}; docs/platform-packs.md says how to write one.";

    /// <summary>The tester port bound to a profile port name (t1, t2…).</summary>
    public TesterPort Port(string name) => Ports.TryGetValue(name, out var p) ? p
        : throw new ArgumentException($"the profile {Profile.Name} has no tester port '{name}' (have {string.Join(", ", Ports.Keys)}).");

    public static async Task<LiveTestbed> StartAsync(Profile profile, LabFaultMode? fault = null, CancellationToken ct = default)
    {
        var started = DateTime.UtcNow;
        fault ??= LabFaultMode.None;
        ReferenceLab? lab = null;
        Topology.TopologyLab? topology = null;
        SshDutSession? session = null;
        IDutPlatform? platform = null;
        DutSnapshot? baseline = null;
        var ports = new Dictionary<string, TesterPort>();
        PlatformPack pack;
        try { pack = PlatformPacks.Find(profile.Testbed.Platform) ?? throw new TestbedException(NoPack(profile)); }
        catch (PlatformPackException e) { throw new TestbedException(e.Message, e); }
        // Decided before anything is built or connected: the driver, and for a router pack the whole rendering of the
        // intent (a profile claiming what the pack cannot configure fails here, naming what is missing).
        PackRendering? rendering = null;
        Intent.Srv6Intent? intent = null;
        if (pack.Session.Driver == SessionDriver.Cli)
        {
            intent = Intent.IntentBuilder.Build(profile);
            // The reference lab draws its own HMAC secrets where the environment has none (the rendering needs them).
            if (profile.Testbed.Kind == TestbedKind.ReferenceLab) ProfileDutConfig.EnsureLabHmacSecrets(profile);
            if (!fault.IsIntentOnly)
                throw new TestbedException($"fault mode {fault.Name} breaks the Linux reference lab below its configuration (nftables or its O-flag emulation); " +
                    $"it cannot be applied through the {pack.Platform} pack. Nothing was connected or changed.");
            rendering = PackRenderer.Render(pack, fault.Transform(intent), k => Environment.GetEnvironmentVariable(k.SecretEnv)
                ?? throw new TestbedException($"HMAC key {k.KeyId}: the environment variable {k.SecretEnv} (parameters.hmac_keys[].secret_env) is not set."));
            if (rendering.NotRenderable.Count > 0)
                throw new TestbedException($"{profile.SourcePath}: the pack {pack.DescriptorPath} cannot configure what the profile asks, so nothing was connected or changed:\n- " +
                    string.Join("\n- ", rendering.NotRenderable) + "\nRemove the claim from the profile or add the template to the pack (`srv6conf dry-run --profile` shows the rest).");
        }
        Func<SshDutSession, Task<IDutPlatform>> driverFor = pack.Session.Driver switch
        {
            SessionDriver.Shell when pack.Platform == "linux" => s => Task.FromResult<IDutPlatform>(new LinuxPlatform(s)),
            SessionDriver.Cli => async s =>
            {
                var cli = new CliSession(new ShellStreamTransport(s.OpenShell()), pack.Session, s.Transcript) { DescribePeer = () => lab?.DescribeNode() };
                await cli.StartAsync(ct).ConfigureAwait(false);
                var p = new PackCliPlatform(pack, cli);
                p.RememberSources(rendering!);
                return p;
            },
            var driver => throw new TestbedException($"testbed.platform '{pack.Platform}': its pack {pack.DescriptorPath} asks for the {driver.ToString().ToLowerInvariant()} driver, " +
                "which drives the Linux reference only; a router pack uses session.driver: cli. Nothing was connected or changed."),
        };
        try
        {
            if (profile.Testbed.Kind == TestbedKind.ReferenceLab)
            {
                var spec = ProfileDutConfig.LabSpec(profile) with { Hostname = profile.Testbed.Identity.Hostname };
                lab = await ReferenceLab.StartAsync(spec, ct).ConfigureAwait(false);
                if (profile.Testbed.Topology is { } t)
                    topology = Harness.Topology.TopologyLab.Build(lab, Harness.Topology.Topologies.Find(t.Name), t.DutNode, ProfileDutConfig.TemplateDirectory("linux"));
            }
            ProfileDutConfig.EnsureLabHmacSecrets(profile);
            foreach (var secret in profile.SecretValues()) Reporting.SecretRedactor.Register(secret);
            var options = lab is not null ? LabSshOptions(lab, profile) : SshOptions(profile);
            var transcript = new Transcript();
            foreach (var secret in profile.SecretValues()) transcript.AddSecret(secret);
            if (options.PrivateKeyPath is { } key && File.Exists(key)) transcript.AddSecretFileContent(File.ReadAllText(key));
            session = await SshDutSession.ConnectAsync(options, transcript, ct).ConfigureAwait(false);
            platform = await driverFor(session).ConfigureAwait(false);
            var identity = await platform.ReadIdentityAsync(ct).ConfigureAwait(false);
            CheckIdentity(profile, identity, options.HostPort);

            baseline = await platform.SnapshotAsync(ct).ConfigureAwait(false);
            var config = rendering is null ? ProfileDutConfig.Srv6(profile, fault)
                : DutConfig.FromLines(rendering.Lines, intent!.Sids.ToDictionary(s => s.Name, s => s.Address.ToString()));
            transcript.Note($"applying the suite's configuration (fault mode {fault.Name}): {config.Sysctls.Count} sysctls, {config.Commands.Count} commands");
            await platform.ApplyAsync(config, ct).ConfigureAwait(false);
            // SIDs the device allocates itself (pack templates.dynamic_sids): learned now, and the cases read the learned ones.
            if (intent is not null && pack.Templates.DynamicSids.Count > 0 && platform is PackCliPlatform cliPlatform)
                profile = await LearnSidsAsync(profile, intent, pack, cliPlatform, transcript, ct).ConfigureAwait(false);

            var limits = profile.Parameters.Traffic;
            for (int i = 0; i < profile.Testbed.TesterPorts.Count; i++)
            {
                var p = profile.Testbed.TesterPorts[i];
                string nic = topology is not null ? topology.TesterInterfaces[p.Name]
                    : lab is not null ? lab.Ports[i].TesterInterface
                    : p.Interface ?? throw new TestbedException($"testbed.tester_ports[{i}].interface is required for an ssh testbed.");
                ports[p.Name] = TesterPort.Open(new TesterPortBinding(p.Name, nic, OwnedAddresses(profile, p), Dedicated: lab is not null || p.Dedicated), limits);
            }
            var tb = new LiveTestbed(profile, lab, fault, session, platform, identity, baseline, config, ports) { Topology = topology, Pack = pack };
            tb.StartupDuration = DateTime.UtcNow - started;
            return tb;
        }
        catch
        {
            foreach (var p in ports.Values) p.Dispose();
            if (platform is not null && baseline is not null)
            {
                try { await platform.RollbackAsync(baseline, CancellationToken.None).ConfigureAwait(false); } catch { /* reported by the original error */ }
            }
            session?.Dispose();
            lab?.Dispose();
            throw;
        }
    }

    /// <summary>The SIDs learned from the device (<see cref="Profiles.SidDefinition.Learned"/>), by name; empty when none was.</summary>
    public IReadOnlyDictionary<string, SidDefinition> LearnedSids =>
        Profile.Parameters.Sids.Where(s => s.Value.Learned is not null).ToDictionary(s => s.Key, s => s.Value);

    /// <summary>
    /// Reads the addresses the device gave the SIDs whose behaviour its pack lists in <c>templates.dynamic_sids</c> and
    /// returns the profile with those addresses (each marked as learned), so every case uses what the device allocated.
    /// </summary>
    private static async Task<Profile> LearnSidsAsync(Profile profile, Intent.Srv6Intent intent, PlatformPack pack, PackCliPlatform platform, Transcript transcript, CancellationToken ct)
    {
        var dynamic = intent.Sids.Where(s => pack.Templates.DynamicSids.Contains(s.Behavior.Name()))
            .Select(s => (s.Name, Behavior: s.Behavior.Name())).ToList();
        if (dynamic.Count == 0) return profile;
        var learned = await platform.LearnSidsAsync(dynamic, ct).ConfigureAwait(false);
        var command = pack.State!.SidTable!.Command;
        var descriptor = Path.GetRelativePath(Path.GetDirectoryName(PlatformPacks.DutConfigsDirectory)!, pack.DescriptorPath);
        var sids = profile.Parameters.Sids.ToDictionary(kv => kv.Key, kv => learned.TryGetValue(kv.Key, out var a)
            ? kv.Value with { Address = a, Learned = new LearnedSid(kv.Value.Address, command, descriptor) } : kv.Value);
        foreach (var (name, address) in learned)
            transcript.Note($"SID {name} ({dynamic.First(d => d.Name == name).Behavior}) allocated by the device: {address}, {sids[name].Learned}");
        return profile with { Parameters = profile.Parameters with { Sids = sids } };
    }

    private static SshDutOptions LabSshOptions(ReferenceLab lab, Profile profile)
    {
        var ssh = profile.Testbed.Ssh;
        var o = lab.CreateSshOptions();
        return ssh is null ? o : o with { ConnectTimeout = ssh.ConnectTimeout, CommandTimeout = ssh.CommandTimeout, KeepAliveInterval = ssh.KeepAlive };
    }

    private static SshDutOptions SshOptions(Profile profile)
    {
        var ssh = profile.Testbed.Ssh ?? throw new TestbedException($"{profile.SourcePath}: testbed.ssh is required for a DUT of kind ssh.");
        var auth = ssh.Auth ?? throw new TestbedException($"{profile.SourcePath}: testbed.ssh.auth is required.");
        var o = new SshDutOptions
        {
            Host = ssh.Host ?? throw new TestbedException($"{profile.SourcePath}: testbed.ssh.host is required."),
            Port = ssh.Port,
            User = ssh.User ?? throw new TestbedException($"{profile.SourcePath}: testbed.ssh.user is required."),
            HostKeySha256 = ssh.HostKeySha256 ?? throw new TestbedException($"{profile.SourcePath}: testbed.ssh.host_key_sha256 is required (pin the router's host key)."),
            ConnectTimeout = ssh.ConnectTimeout,
            CommandTimeout = ssh.CommandTimeout,
            KeepAliveInterval = ssh.KeepAlive,
        };
        if (auth.KeyFilePath is { } keyFile)
        {
            if (!File.Exists(keyFile))
                throw new TestbedException($"{profile.SourcePath}: testbed.ssh.auth.key_file '{keyFile}' does not exist.");
            return o with { PrivateKeyPath = keyFile, PrivateKeyPassphrase = auth.KeyPassphraseEnv is null ? null : auth.ResolveKeyPassphrase() };
        }
        return o with { Password = auth.ResolvePassword() };
    }

    /// <summary>Stops before configuring anything if the device is not the one the profile names.</summary>
    public static void CheckIdentity(Profile profile, DutIdentity identity, string where)
    {
        var want = profile.Testbed.Identity;
        var problems = new List<string>();
        if (!string.Equals(want.Hostname, identity.Hostname, StringComparison.Ordinal))
            problems.Add($"hostname is '{identity.Hostname}', the profile names '{want.Hostname}' (testbed.identity.hostname)");
        var version = $"{identity.Platform} {identity.KernelRelease} {identity.OperatingSystem}";
        if (want.PlatformVersionPattern is { } pattern && !Regex.IsMatch(version, pattern))
            problems.Add($"platform/version '{version}' does not match testbed.identity.platform_version_pattern '{pattern}'");
        if (want.Serial is { } serial)
        {
            if (identity.Serial is null)
                problems.Add($"the profile names serial '{serial}' (testbed.identity.serial) but the device reports none");
            else if (!string.Equals(serial.Trim(), identity.Serial.Trim(), StringComparison.OrdinalIgnoreCase))
                problems.Add($"serial is '{identity.Serial}', the profile names '{serial}' (testbed.identity.serial)");
        }
        if (problems.Count > 0)
            throw new TestbedException($"{where} is not the device the profile {profile.Name} names, so nothing was configured: " +
                string.Join("; ", problems) + ". Check the address in the profile, or correct testbed.identity.");
    }

    /// <summary>Addresses the tester answers ND/ARP for on a port: its own, and the profile's named addresses in its subnets.</summary>
    public static IReadOnlyList<IPAddress> OwnedAddresses(Profile profile, PortBinding p)
    {
        var owned = new List<IPAddress> { p.TesterIpv6.Address };
        if (p.TesterIpv4 is { } v4) owned.Add(v4.Address);
        foreach (var a in profile.Parameters.Addresses.Values)
        {
            bool inV6 = p.TesterIpv6.Network.Contains(a);
            bool inV4 = p.TesterIpv4 is { } n4 && a.AddressFamily == n4.Address.AddressFamily && n4.Network.Contains(a);
            if ((inV6 || inV4) && !owned.Contains(a)) owned.Add(a);
        }
        return owned;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in Ports.Values) p.Dispose();
        try
        {
            if (Lab?.NodeGoneReason is { } gone)
            {
                // A lab's node that died holds no configuration: there is nothing to roll back, and the lab goes below.
                RollbackDiff = [];
                RollbackNotNeeded = $"not rolled back: {gone}. The lab that held the node is torn down, so nothing of its configuration remains.";
                return;
            }
            await Platform.RollbackAsync(Baseline, CancellationToken.None).ConfigureAwait(false);
            RollbackDiff = await Platform.VerifyRollbackAsync(Baseline, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RollbackDiff = [$"rollback failed: {e.Message}"];
            Console.Error.WriteLine($"srv6conf: ROLLBACK FAILED on {Session.Options.HostPort}: {e.Message}");
        }
        finally
        {
            Session.Dispose();
            if (Lab is not null) await Lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}
