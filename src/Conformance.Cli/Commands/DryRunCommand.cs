using System.CommandLine;
using Conformance.Harness;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf dry-run --profile FILE`: what a run would configure on the DUT and how it would undo it, without
/// connecting to anything. The profile becomes the typed SRv6 intent and the platform pack renders it: the Linux
/// reference through its renderer (exactly what a run applies), a router pack through its templates. HMAC secrets
/// are never printed. Exit 0: everything renders; 3: the pack cannot render some items (listed); 2: bad input.
/// </summary>
internal static class DryRunCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "the profile (YAML)", Required = true };
        var cmd = new Command("dry-run", "Print the configuration a run would apply to the DUT and the rollback it would run, without connecting") { profile };
        cmd.SetAction(pr => Run(pr.GetValue(profile)!, Console.Out, Console.Error));
        return cmd;
    }

    private const string Marker = "SRV6CONF-DRY-RUN-SECRET-";

    public static int Run(string profilePath, TextWriter stdout, TextWriter stderr)
    {
        Profile profile;
        PlatformPack pack;
        try
        {
            profile = ProfileLoader.Load(profilePath, new ProfileLoadOptions { KnownTestPurposes = PurposesCommand.KnownTestPurposeIds() });
            pack = PlatformPacks.Find(profile.Testbed.Platform)
                ?? throw new TestbedException($"{profilePath}: testbed.platform '{profile.Testbed.Platform}' has no platform pack (dut-configs/{profile.Testbed.Platform}/platform.yaml); `srv6conf platforms` lists them.");
        }
        catch (Exception e) when (e is ProfileException or PlatformPackException or TestbedException)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        var intent = IntentBuilder.Build(profile);
        stdout.WriteLine($"# srv6conf dry run: {profilePath} on platform {pack.Platform} ({pack.Vendor} {pack.Os}); pack {Rel(pack.DescriptorPath)}, verification: {pack.VerificationName}");
        stdout.WriteLine($"# nothing is connected. The intent: {intent.Sids.Count} SIDs, {intent.Headends.Count} headend policies, " +
            $"{(intent.EdgeFilter is null ? "no edge filter" : $"{intent.EdgeFilter.Rules.Count} edge rules")}, {intent.HmacKeys.Count} HMAC keys, " +
            $"{(intent.OFlag is null ? "no O-flag settings" : "O-flag settings")}, {intent.Routes.Count} routes to the DUT's surroundings.");
        if (profile.Testbed.Kind == TestbedKind.ReferenceLab)
            stdout.WriteLine("# (the reference lab's own infrastructure, its interfaces and addresses, is built with the lab and not shown)");
        return pack.Session.Driver == SessionDriver.Shell && pack.Platform == "linux"
            ? Linux(profile, intent, stdout, stderr)
            : Cli(pack, intent, stdout);
    }

    private static int Linux(Profile profile, Srv6Intent intent, TextWriter stdout, TextWriter stderr)
    {
        // HMAC secrets: a marker per unset variable (restored afterwards), and every secret replaced in what is printed.
        var set = new List<string>();
        foreach (var k in intent.HmacKeys)
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(k.SecretEnv)))
            {
                Environment.SetEnvironmentVariable(k.SecretEnv, Marker + k.SecretEnv);
                set.Add(k.SecretEnv);
            }
        Harness.Dut.DutConfig config;
        try { config = Harness.Dut.LinuxIntentRenderer.Render(intent, ProfileDutConfig.TemplateDirectory("linux")); }
        catch (TestbedException e) { stderr.WriteLine(e.Message); return 2; }
        finally { foreach (var v in set) Environment.SetEnvironmentVariable(v, null); }
        string Clean(string line)
        {
            foreach (var k in intent.HmacKeys)
            {
                line = line.Replace(Marker + k.SecretEnv, $"<secret from ${k.SecretEnv}>", StringComparison.Ordinal);
                if (Environment.GetEnvironmentVariable(k.SecretEnv) is { Length: > 0 } s) line = line.Replace(s, $"<secret from ${k.SecretEnv}>", StringComparison.Ordinal);
            }
            return line;
        }
        var lines = config.ToLines().Select(Clean).ToList();
        stdout.WriteLine($"## configuration: {lines.Count} commands over SSH (shell driver: each runs as a command; a failing one stops the set-up, which is then rolled back)");
        foreach (var l in lines) stdout.WriteLine(l);
        stdout.WriteLine("## rollback: computed at the end of the run from the snapshot taken before (LinuxPlatform), then verified by a fresh snapshot; for this configuration:");
        var undo = new List<string>();
        foreach (var l in lines)
        {
            var t = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length >= 5 && t[0] == "ip" && t[2] == "route" && t[3] == "add")
            {
                // "table N" of a seg6local action is the action's lookup table, not the route's
                var i = Array.LastIndexOf(t, "table");
                var table = i > 0 && i + 1 < t.Length && !l.Contains("encap seg6local", StringComparison.Ordinal) ? $" table {t[i + 1]}" : "";
                undo.Add($"ip {t[1]} route del {t[4]}{table}");
            }
            else if (t.Length >= 4 && t[0] == "nft" && t[1] == "add" && t[2] == "table") undo.Add($"nft delete table {string.Join(' ', t[3..])}");
            else if (t.Length >= 3 && t[0] == "sysctl" && t[1] == "-w") undo.Add($"sysctl -w {t[2].Split('=')[0]}=<its value before the run>");
            else if (l.Contains("ip sr hmac set", StringComparison.Ordinal) && t.Length >= 6) undo.Add($"printf '\\n' | ip sr hmac set {t[^2]} {t[^1]}   # a blank secret deletes the key");
        }
        undo.Reverse();
        foreach (var u in undo.Distinct()) stdout.WriteLine(u);
        stdout.WriteLine("# (rules inside a table the run created go with the table; nothing else is touched)");
        return 0;
    }

    internal static int Cli(PlatformPack pack, Srv6Intent intent, TextWriter stdout)
    {
        var r = PackRenderer.Render(pack, intent);
        var s = pack.Session;
        stdout.WriteLine($"## configuration: {r.Lines.Count} lines in configuration mode ({s.Driver.ToString().ToLowerInvariant()} driver)");
        if (s.EnterConfig is { } enter) stdout.WriteLine(enter);
        foreach (var item in r.Items)
        {
            stdout.WriteLine($"# {item.Item} ({item.Template})");
            foreach (var l in item.Lines) stdout.WriteLine(l);
        }
        if (s.CommitConfirmed is { } cc)
        {
            stdout.WriteLine(cc.Replace("{{seconds}}", "300", StringComparison.Ordinal).Replace("{{minutes}}", "5", StringComparison.Ordinal)
                + "   # confirmed commit: the router undoes it by itself unless confirmed");
            if (s.Confirm is { } confirm) stdout.WriteLine(confirm + "   # confirmed once the configuration is read back");
        }
        else if (s.Commit is { } commit) stdout.WriteLine(commit);
        if (s.LeaveConfig is { } leave) stdout.WriteLine(leave);
        var dynamic = intent.Sids.Where(x => pack.Templates.DynamicSids.Contains(x.Behavior.Name())).ToList();
        if (dynamic.Count > 0 && pack.State?.SidTable is { } table)
        {
            stdout.WriteLine($"## SIDs the device allocates (templates.dynamic_sids): learned after the commit from `{table.Command}`; the cases use the learned addresses");
            foreach (var d in dynamic) stdout.WriteLine($"# {d.Name} ({d.Behavior.Name()}): the profile gives {d.Address}");
        }
        stdout.WriteLine("## rollback");
        if (s.Abort is { } abort) stdout.WriteLine($"{abort}   # before the commit: discard the candidate configuration");
        stdout.WriteLine(s.Rollback is { } rb
            ? $"{rb}   # after the commit, with the checkpoint read before the change; then the snapshot ({pack.State?.Snapshot ?? "no state.snapshot"}) is compared with the one taken before"
            : $"after the commit: the lines above removed one by one (the pack has no session.rollback), then the snapshot ({pack.State?.Snapshot ?? "no state.snapshot"}) compared with the one taken before");
        if (r.NotRenderable.Count == 0) return 0;
        stdout.WriteLine($"## cannot be configured with this pack ({r.NotRenderable.Count}): the profile must not claim these, or the pack needs the template");
        foreach (var m in r.NotRenderable) stdout.WriteLine($"- {m}");
        return 3;
    }

    private static string Rel(string path) => Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
}
