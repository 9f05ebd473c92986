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
    /// <summary>
    /// Every DUT of the testbed: one for a single-DUT profile (<see cref="DutBinding.Node"/> null), or one per
    /// testbed.topology.dut_nodes entry. <see cref="Session"/>, <see cref="Platform"/>, <see cref="Identity"/>… are the first's.
    /// </summary>
    public IReadOnlyList<DutBinding> Duts { get; private init; } = [];
    /// <summary>
    /// The lab around a real router that is a node of the topology (kind ssh with testbed.topology.links): the other routers'
    /// namespaces and the host NICs it took for the router's links (<see cref="ReferenceLab.Nics"/>); null otherwise.
    /// </summary>
    public ReferenceLab? Surroundings { get; private init; }
    /// <summary>The DUT node the fault mode was applied to on a multi-DUT testbed (null: the one DUT, or no fault).</summary>
    public string? FaultedNode { get; private init; }
    /// <summary>The DUT at a node of a multi-DUT testbed.</summary>
    public DutBinding DutAt(string node) => Duts.FirstOrDefault(d => d.Node == node)
        ?? throw new ArgumentException($"{node} is not a DUT node of {Profile.Name} (DUT nodes: {string.Join(", ", Duts.Select(d => d.Node ?? "-"))}).");

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
        foreach (var d in Duts.Skip(1))
            if (await WhyStoppedAsync(d.Lab, d.Platform, d.Session, timeout).ConfigureAwait(false) is { } other) return $"DUT {d.Node}: {other}";
        var first = await WhyStoppedAsync(Lab, Platform, Session, timeout).ConfigureAwait(false);
        return first is null || Duts.Count < 2 ? first : $"DUT {Duts[0].Node}: {first}";
    }

    private static async Task<string?> WhyStoppedAsync(ReferenceLab? Lab, IDutPlatform Platform, SshDutSession Session, TimeSpan timeout)
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

    public static async Task<LiveTestbed> StartAsync(Profile profile, LabFaultMode? fault = null, CancellationToken ct = default) =>
        await StartAsync(profile, fault, faultedNode: null, ct).ConfigureAwait(false);

    /// <summary>
    /// Binds <paramref name="profile"/> to its DUT, or for a multi-DUT testbed (testbed.topology.dut_nodes) to every DUT, each
    /// exactly like a single DUT (identity check, snapshot, configuration; rollback on disposal). <paramref name="fault"/> applies
    /// to the one DUT of a single-DUT profile, or to the DUT at <paramref name="faultedNode"/> of a multi-DUT one (required there).
    /// </summary>
    public static async Task<LiveTestbed> StartAsync(Profile profile, LabFaultMode? fault, string? faultedNode, CancellationToken ct = default)
    {
        var started = DateTime.UtcNow;
        fault ??= LabFaultMode.None;
        var multi = profile.Testbed.Topology is { IsMultiDut: true } mt ? mt : null;
        var dutProfiles = multi is null ? [(Node: profile.Testbed.Topology?.DutNode, Profile: profile)]
            : multi.DutNodes.Select(d => (Node: (string?)d.Node, d.Profile)).ToList();
        if (multi is not null && fault != LabFaultMode.None)
        {
            if (faultedNode is null)
                throw new TestbedException($"{profile.SourcePath}: fault mode {fault.Name} on a testbed of {multi.DutNodes.Count} DUTs must name the DUT node it faults " +
                    $"({fault.Name}@{multi.DutNodes[0].Node}; DUT nodes: {string.Join(", ", multi.DutNodes.Select(d => d.Node))}). Nothing was connected or changed.");
            if (multi.DutNodes.All(d => d.Node != faultedNode))
                throw new TestbedException($"{profile.SourcePath}: fault mode {fault.Name}@{faultedNode}: {faultedNode} is not a DUT node of this testbed " +
                    $"({string.Join(", ", multi.DutNodes.Select(d => d.Node))}). Nothing was connected or changed.");
            var target = multi.DutNodes.First(d => d.Node == faultedNode).Profile;
            if (target.Testbed.Kind == TestbedKind.Ssh && !fault.IsIntentOnly)
                throw new TestbedException($"fault mode {fault.Name}@{faultedNode}: {faultedNode} is a real router ({target.SourcePath}); only a mode that is a configuration through its pack applies to it. Nothing was connected or changed.");
            if (!fault.AppliesTo(Path.GetFileName(target.SourcePath)))
                throw new TestbedException($"fault mode {fault.Name} misconfigures the DUT of profiles/{fault.Profile}, not {faultedNode}'s ({target.SourcePath}). Nothing was connected or changed.");
        }
        else if (faultedNode is not null && faultedNode != profile.Testbed.Topology?.DutNode)
            throw new TestbedException($"{profile.SourcePath}: fault mode {fault.Name}@{faultedNode}: the testbed's one DUT is {profile.Testbed.Topology?.DutNode ?? "not a topology node"}.");
        // Decided before anything is built or connected, for every DUT: its pack, driver and (for a router pack) the whole rendering.
        var prepared = dutProfiles.Select(d => Prepare(d.Profile, multi is null || d.Node == faultedNode ? fault : LabFaultMode.None)).ToList();
        var labs = new List<ReferenceLab>();
        // Per DUT: the lab that built it (null for a real router, reached over SSH).
        var dutLabs = new List<ReferenceLab?>();
        ReferenceLab? surroundings = null;
        Topology.TopologyLab? topology = null;
        var duts = new List<DutBinding>();
        var partial = new List<(IDutPlatform? Platform, DutSnapshot? Baseline, SshDutSession? Session)>();
        var ports = new Dictionary<string, TesterPort>();
        try
        {
            if (profile.Testbed.Kind == TestbedKind.ReferenceLab)
            {
                var allDutNodes = dutProfiles.Select(d => d.Node).OfType<string>().ToHashSet(StringComparer.Ordinal);
                // A multi-DUT testbed's real routers (DUT profiles of kind ssh with testbed.topology.links): no lab of their own.
                var realRouters = dutProfiles.Where(d => d.Profile.Testbed.Kind == TestbedKind.Ssh).Select(d => d.Node!).ToHashSet(StringComparer.Ordinal);
                var others = multi is null ? [] : Harness.Topology.Topologies.Find(multi.Name).Routers.Where(r => !allDutNodes.Contains(r.Name))
                    .Select(r => Harness.Topology.TopologyLab.NamespaceSuffix(r.Name)).ToList();
                for (int i = 0; i < dutProfiles.Count; i++)
                {
                    var dp = dutProfiles[i].Profile;
                    if (realRouters.Contains(dutProfiles[i].Node!)) { dutLabs.Add(null); continue; }
                    var spec = ProfileDutConfig.LabSpec(dp) with { Hostname = dp.Testbed.Identity.Hostname };
                    // With several DUTs the first lab's state owns the namespaces of the routers that are no DUT (and the real
                    // routers' NICs); the others own none.
                    if (multi is not null)
                        spec = spec with { ExtraNamespaceSuffixes = labs.Count > 0 ? [] : others };
                    labs.Add(await ReferenceLab.StartAsync(spec, ct).ConfigureAwait(false));
                    dutLabs.Add(labs[^1]);
                }
                if (labs.Count == 0 && multi is not null)
                {
                    // Every DUT is a real router: the lab is their surroundings only.
                    surroundings = await ReferenceLab.StartAsync(new ReferenceLabSpec([], "", "", [], DutConfig.FromLines([])) { ExternalDut = true, ExtraNamespaceSuffixes = others }, ct).ConfigureAwait(false);
                }
                if (profile.Testbed.Topology is { } t)
                    topology = realRouters.Count == 0
                        ? Harness.Topology.TopologyLab.Build([.. dutProfiles.Select((d, i) => (d.Node!, dutLabs[i]!))], Harness.Topology.Topologies.Find(t.Name), ProfileDutConfig.TemplateDirectory("linux"))
                        : Harness.Topology.TopologyLab.Build([.. dutProfiles.Select((d, i) => (d.Node!, dutLabs[i] ?? labs.FirstOrDefault() ?? surroundings!))], Harness.Topology.Topologies.Find(t.Name),
                            ProfileDutConfig.TemplateDirectory("linux"),
                            dutProfiles.Where(d => realRouters.Contains(d.Node!)).SelectMany(d => d.Profile.Testbed.Topology!.Nics).ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal),
                            realRouters);
            }
            else if (profile.Testbed.Topology is { } rt)
            {
                // A real router as a node of the topology: the lab builds its surroundings (the other routers, the attachments)
                // and takes the host NICs cabled to it (testbed.topology.links); the router itself is reached over SSH below.
                var f = Harness.Topology.Topologies.Find(rt.Name);
                var spec = new ReferenceLabSpec([], "", "", [], DutConfig.FromLines([]))
                {
                    ExternalDut = true,
                    ExtraNamespaceSuffixes = [.. f.Routers.Where(r => r.Name != rt.DutNode).Select(r => Harness.Topology.TopologyLab.NamespaceSuffix(r.Name))],
                };
                surroundings = await ReferenceLab.StartAsync(spec, ct).ConfigureAwait(false);
                topology = Harness.Topology.TopologyLab.BuildAroundRouter(surroundings, f, rt.DutNode, rt.Nics, ProfileDutConfig.TemplateDirectory("linux"));
            }
            for (int i = 0; i < dutProfiles.Count; i++)
            {
                var (node, dp) = dutProfiles[i];
                var lab = dutLabs.Count > i ? dutLabs[i] : null;
                var prep = prepared[i];
                ProfileDutConfig.EnsureLabHmacSecrets(dp);
                foreach (var secret in dp.SecretValues()) Reporting.SecretRedactor.Register(secret);
                var options = lab is not null ? LabSshOptions(lab, dp) : SshOptions(dp);
                var transcript = new Transcript();
                foreach (var secret in dp.SecretValues()) transcript.AddSecret(secret);
                if (options.PrivateKeyPath is { } key && File.Exists(key)) transcript.AddSecretFileContent(File.ReadAllText(key));
                if (multi is not null) transcript.Note($"DUT {node} ({dp.Testbed.Platform}, profile {dp.Name}) at {options.HostPort}");
                partial.Add((null, null, null));
                var session = await SshDutSession.ConnectAsync(options, transcript, ct).ConfigureAwait(false);
                partial[i] = (null, null, session);
                var platform = await ConnectPlatformAsync(prep, session, lab, ct).ConfigureAwait(false);
                partial[i] = (platform, null, session);
                var identity = await platform.ReadIdentityAsync(ct).ConfigureAwait(false);
                CheckIdentity(dp, identity, multi is null ? options.HostPort : $"{options.HostPort} (DUT {node})");
                var baseline = await platform.SnapshotAsync(ct).ConfigureAwait(false);
                partial[i] = (platform, baseline, session);
                var dutFault = multi is null || node == faultedNode ? fault : LabFaultMode.None;
                var config = prep.Rendering is null ? ProfileDutConfig.Srv6(dp, dutFault)
                    : DutConfig.FromLines(prep.Rendering.Lines, prep.Intent!.Sids.ToDictionary(s => s.Name, s => s.Address.ToString()));
                transcript.Note($"applying the suite's configuration (fault mode {dutFault.Name}): {config.Sysctls.Count} sysctls, {config.Commands.Count} commands");
                await platform.ApplyAsync(config, ct).ConfigureAwait(false);
                // SIDs the device allocates itself (pack templates.dynamic_sids): learned now, and the cases read the learned ones.
                if (prep.Intent is not null && prep.Pack.Templates.DynamicSids.Count > 0 && platform is PackCliPlatform cliPlatform)
                    dp = await LearnSidsAsync(dp, prep.Intent, prep.Pack, cliPlatform, transcript, ct).ConfigureAwait(false);
                duts.Add(new DutBinding(multi is null ? null : node, dp, lab, session, platform, prep.Pack, identity, baseline, config, dutFault));
            }

            var limits = profile.Parameters.Traffic;
            var firstLab = labs.FirstOrDefault();
            for (int i = 0; i < profile.Testbed.TesterPorts.Count; i++)
            {
                var p = profile.Testbed.TesterPorts[i];
                string nic = topology is not null ? topology.TesterInterfaces[p.Name]
                    : firstLab is not null ? firstLab.Ports[i].TesterInterface
                    : p.Interface ?? throw new TestbedException($"testbed.tester_ports[{i}].interface is required for an ssh testbed.");
                ports[p.Name] = TesterPort.Open(new TesterPortBinding(p.Name, nic, OwnedAddresses(profile, p), Dedicated: firstLab is not null || topology is not null || p.Dedicated), limits);
            }
            var d0 = duts[0];
            // A single DUT's profile as the cases read it: with the SIDs learned from the device, if any.
            var tb = new LiveTestbed(multi is null ? d0.Profile : profile, d0.Lab, fault, d0.Session, d0.Platform, d0.Identity, d0.Baseline, d0.Config, ports)
            {
                Topology = topology, Pack = d0.Pack, Duts = duts, FaultedNode = multi is null ? null : faultedNode, Surroundings = surroundings,
            };
            tb.StartupDuration = DateTime.UtcNow - started;
            return tb;
        }
        catch
        {
            foreach (var p in ports.Values) p.Dispose();
            foreach (var (platform, baseline, session) in Enumerable.Reverse(partial))
            {
                if (platform is not null && baseline is not null)
                {
                    try { await platform.RollbackAsync(baseline, CancellationToken.None).ConfigureAwait(false); } catch { /* reported by the original error */ }
                }
                session?.Dispose();
            }
            // The later DUTs' labs first: the first one's state owns the lab routers' namespaces.
            foreach (var lab in Enumerable.Reverse(labs)) lab.Dispose();
            surroundings?.Dispose();
            throw;
        }
    }

    /// <summary>What is decided about a DUT before anything is built or connected: its pack and, for a router pack, the rendering of its intent.</summary>
    private sealed record Prepared(Profile Profile, PlatformPack Pack, PackRendering? Rendering, Intent.Srv6Intent? Intent);

    private static Prepared Prepare(Profile profile, LabFaultMode fault)
    {
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
        else if (!(pack.Session.Driver == SessionDriver.Shell && pack.Platform == "linux"))
            throw new TestbedException($"testbed.platform '{pack.Platform}': its pack {pack.DescriptorPath} asks for the {pack.Session.Driver.ToString().ToLowerInvariant()} driver, " +
                "which drives the Linux reference only; a router pack uses session.driver: cli. Nothing was connected or changed.");
        return new Prepared(profile, pack, rendering, intent);
    }

    private static async Task<IDutPlatform> ConnectPlatformAsync(Prepared prep, SshDutSession s, ReferenceLab? lab, CancellationToken ct)
    {
        if (prep.Pack.Session.Driver != SessionDriver.Cli) return new LinuxPlatform(s);
        // A silent or dropped CLI session's error ends with the lab node's state (daemon, shells, log tails).
        var cli = new CliSession(new ShellStreamTransport(s.OpenShell()), prep.Pack.Session, s.Transcript) { DescribePeer = () => lab?.DescribeNode() };
        await cli.StartAsync(ct).ConfigureAwait(false);
        var p = new PackCliPlatform(prep.Pack, cli);
        p.RememberSources(prep.Rendering!);
        return p;
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
        if (Duts.Count > 1)
        {
            await DisposeDutsAsync().ConfigureAwait(false);
            return;
        }
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
            if (Surroundings is not null) await Surroundings.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A multi-DUT testbed: every DUT rolled back and verified like a single one (the later first), then the labs torn down.</summary>
    private async Task DisposeDutsAsync()
    {
        var diffs = new List<string>();
        var notNeeded = new List<string>();
        foreach (var d in Enumerable.Reverse(Duts))
        {
            try
            {
                if (d.Lab?.NodeGoneReason is { } gone)
                {
                    notNeeded.Add($"{d.Node}: not rolled back: {gone}. The lab that held the node is torn down, so nothing of its configuration remains.");
                    continue;
                }
                await d.Platform.RollbackAsync(d.Baseline, CancellationToken.None).ConfigureAwait(false);
                diffs.AddRange((await d.Platform.VerifyRollbackAsync(d.Baseline, CancellationToken.None).ConfigureAwait(false)).Select(x => $"{d.Node}: {x}"));
            }
            catch (Exception e)
            {
                diffs.Add($"{d.Node}: rollback failed: {e.Message}");
                Console.Error.WriteLine($"srv6conf: ROLLBACK FAILED on {d.Session.Options.HostPort} (DUT {d.Node}): {e.Message}");
            }
        }
        RollbackDiff = diffs;
        RollbackNotNeeded = notNeeded.Count == 0 ? null : string.Join("\n", notNeeded);
        foreach (var d in Enumerable.Reverse(Duts)) d.Session.Dispose();
        // The later DUTs' labs first: the first one's state owns the lab routers' namespaces.
        foreach (var d in Enumerable.Reverse(Duts))
            if (d.Lab is not null) await d.Lab.DisposeAsync().ConfigureAwait(false);
        // Every DUT a real router: the lab around them (their NICs go back, the routers' namespaces go).
        if (Surroundings is not null) await Surroundings.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// One DUT of a testbed, bound like any single DUT: its node in a multi-DUT topology (null for a single-DUT profile), its own
/// profile, lab, SSH session, platform driver and pack, the identity it reported, its snapshot before the suite's configuration,
/// the configuration applied and the fault mode it was applied with.
/// </summary>
public sealed record DutBinding(string? Node, Profile Profile, ReferenceLab? Lab, SshDutSession Session, IDutPlatform Platform, PlatformPack Pack,
    DutIdentity Identity, DutSnapshot Baseline, DutConfig Config, LabFaultMode Fault)
{
    /// <summary>How reports name the DUT: its node, platform, host name and profile.</summary>
    public string Label => $"{Node ?? "DUT"} ({Profile.Testbed.Platform}, host {Identity.Hostname}, profile {Path.GetFileName(Profile.SourcePath)})";
}
