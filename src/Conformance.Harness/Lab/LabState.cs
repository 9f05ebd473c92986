using System.Text.Json;

namespace Conformance.Harness.Lab;

/// <summary>What a running lab writes to <c>/run/srv6conf/&lt;id&gt;.json</c> so that a later run can clean it up.</summary>
public sealed record LabState(
    string RunId,
    int OwnerPid,
    long OwnerStartTime,
    string Namespace,
    IReadOnlyList<string> RootLinks,
    string RunDirectory,
    DateTimeOffset CreatedUtc,
    IReadOnlyList<string>? ExtraNamespaces = null,
    IReadOnlyList<NicLease>? Nics = null,
    DutVmState? Vm = null)
{
    /// <summary>Every namespace of the lab: the DUT's and, for a topology, the other nodes' (<c>s6c-&lt;id&gt;-&lt;node&gt;</c>).</summary>
    public IEnumerable<string> AllNamespaces => [Namespace, .. ExtraNamespaces ?? []];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static LabState? FromJson(string json)
    {
        try { return JsonSerializer.Deserialize<LabState>(json, Options); }
        catch (JsonException) { return null; }
    }
}

/// <summary>
/// A host NIC the lab took for a link of a real router (a topology's <c>testbed.topology.links</c>): its own name and the
/// network namespace it came from (<see cref="HostNetns"/>, the inode of <c>/proc/self/ns/net</c> of the process that took it),
/// the lab namespace it was moved into and its name there (the link's), and what is restored when it goes back: its MTU
/// and whether it was up. Recorded in the state file before the NIC is moved, so a killed run's NICs are found and given
/// back by <c>srv6conf lab cleanup</c> (or the next run) under their own names.
/// </summary>
public sealed record NicLease(string Link, string Nic, string HostNetns, string LabNamespace, string LabName, int Mtu, bool WasUp);

/// <summary>
/// The Linux DUT's VM (<see cref="DutVm"/>): its taps (inside the DUT namespace), and qemu's pid and start time once it runs.
/// qemu runs in the DUT namespace, so teardown kills it with the namespace's processes; the pid is checked (start time, command
/// line naming the run) and killed too, in case the namespace is already gone.
/// </summary>
public sealed record DutVmState(IReadOnlyList<string> Taps, int? QemuPid = null, long? QemuStartTime = null);

/// <summary>A lab found in the state directory (for the CLI's "list labs").</summary>
public sealed record LabInfo(string RunId, int OwnerPid, bool OwnerAlive, string Namespace, bool NamespaceExists, DateTimeOffset CreatedUtc, string StateFile)
{
    /// <summary>One line for a CLI listing.</summary>
    public override string ToString() =>
        $"{RunId}  {(OwnerAlive ? "live" : "LEFTOVER")}  owner pid {OwnerPid}  {Namespace}{(NamespaceExists ? "" : " (namespace gone)")}  since {CreatedUtc.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}";
}

/// <summary>A sysctl the lab set, where ("dut" namespace or "root" for the tester-side veth ends).</summary>
public sealed record AppliedSysctl(string Scope, string Key, string Value)
{
    public override string ToString() => $"[{Scope}] {Key}={Value}";
}

/// <summary>A tester port as built: the root-namespace interface the harness injects/captures on, and the DUT end.</summary>
public sealed record LabPort(LabPortSpec Spec, string TesterInterface, string TesterMac, string DutInterface, string DutMac);
