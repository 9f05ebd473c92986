using System.CommandLine;
using Conformance.Harness;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf lab up|list|cleanup`: the reference lab by hand. `up` builds the lab from a profile,
/// configures the DUT over SSH exactly as a run does, prints how to reach it, and on Ctrl-C rolls
/// back and removes everything.
/// </summary>
internal static class LabCommands
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "a reference-lab profile", DefaultValueFactory = _ => "profiles/reference-lab.yaml" };
        var fault = new Option<string>("--fault") { Description = $"bring the lab up deliberately wrong: {string.Join(", ", LabFaultMode.All.Select(f => f.Name))}", DefaultValueFactory = _ => "None" };
        var up = new Command("up", "Build the reference lab and configure its DUT; Ctrl-C rolls back and tears down") { profile, fault };
        up.SetAction(async (pr, ct) => await UpAsync(pr.GetValue(profile)!, pr.GetValue(fault)!, ct));
        var list = new Command("list", "List reference labs on this host (live and leftover)");
        list.SetAction(_ =>
        {
            var labs = ReferenceLab.ListLabs();
            if (labs.Count == 0) Console.WriteLine("no reference labs");
            foreach (var l in labs) Console.WriteLine(l);
            return 0;
        });
        var cleanup = new Command("cleanup", "Remove labs left behind by runs that died (only the suite's own s6c-* names)");
        cleanup.SetAction(_ =>
        {
            var removed = ReferenceLab.CleanupLeftovers();
            Console.WriteLine(removed.Count == 0 ? "nothing to clean up" : $"removed {string.Join(", ", removed)}");
            return 0;
        });
        return new Command("lab", "The reference lab (Linux seg6 DUT in network namespaces)") { up, list, cleanup };
    }

    private static async Task<int> UpAsync(string profilePath, string faultName, CancellationToken ct)
    {
        Profile p;
        LabFaultMode fault;
        try
        {
            p = ProfileLoader.Load(profilePath);
            fault = LabFaultMode.Parse(faultName);
        }
        catch (Exception e) when (e is ProfileException or ArgumentException) { Console.Error.WriteLine(e.Message); return 2; }
        if (p.Testbed.Kind != TestbedKind.ReferenceLab && p.Testbed.Topology is null)
        { Console.Error.WriteLine($"{profilePath}: testbed.kind is {p.Testbed.Kind}, not reference-lab (nor a real router in a reference topology)."); return 2; }
        LiveTestbed tb;
        try { tb = await LiveTestbed.StartAsync(p, fault, ct); }
        catch (TestbedException e) { Console.Error.WriteLine($"srv6conf lab up: {e.Message}"); return 1; }
        await using (tb)
        {
            if (tb.Surroundings is { } around)
            {
                // A real router as a node of the topology: the lab is its surroundings and the host NICs cabled to it.
                Console.WriteLine($"lab {around.RunId} around {p.Testbed.Topology!.DutNode} ({tb.Identity.Hostname} at {tb.Session.Options.HostPort}) is up in {tb.StartupDuration.TotalSeconds:0.0} s (fault mode {fault.Name})");
                foreach (var n in around.Nics) Console.WriteLine($"  NIC {n.Nic} → {n.LabNamespace} as {n.Link}");
                foreach (var (name, port) in tb.Ports) Console.WriteLine($"  tester port {name}: {port.Interface} ({port.Mac})");
                Console.WriteLine("Ctrl-C rolls the router back, gives the NICs back and removes the lab.");
            }
            else
            {
                var lab = tb.Lab!;
                Console.WriteLine($"reference lab {lab.RunId} is up in {tb.StartupDuration.TotalSeconds:0.0} s (fault mode {fault.Name}{(tb.FaultedNode is { } fn ? " at " + fn : "")})");
                // A multi-DUT testbed: one lab per DUT (the first one's state file owns the lab routers' namespaces).
                if (tb.Duts.Count > 1)
                    foreach (var d in tb.Duts)
                        Console.WriteLine($"  DUT {d.Label}: lab {d.Lab?.RunId ?? "-"}, ssh {d.Session.Options.HostPort}");
                Console.WriteLine($"  DUT: {tb.Identity.Hostname}, {tb.Identity.OperatingSystem}, kernel {tb.Identity.KernelRelease}");
                Console.WriteLine($"  ssh -i {lab.PrivateKeyPath} -o StrictHostKeyChecking=no {lab.SshUser}@{lab.ManagementAddress}   (host key {lab.HostKeySha256})");
                Console.WriteLine(lab.DutInVm
                    ? $"  the DUT is a qemu VM (pid {lab.QemuPid}) in {lab.Namespace}; its console: {lab.VmConsoleLogPath}"
                    : $"  shell without SSH: ip netns exec {lab.Namespace} bash");
                foreach (var (name, port) in tb.Ports) Console.WriteLine($"  tester port {name}: {port.Interface} ({port.Mac})");
                Console.WriteLine("Ctrl-C rolls the DUT back and removes the lab.");
            }
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
        }
        Console.WriteLine(tb.RollbackDiff is { Count: 0 } ? "rolled back and removed." : $"rollback differences: {string.Join("; ", tb.RollbackDiff ?? [])}");
        return 0;
    }
}
