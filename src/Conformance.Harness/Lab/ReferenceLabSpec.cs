using Conformance.Harness.Dut;

namespace Conformance.Harness.Lab;

/// <summary>
/// One tester port: the harness end stays in the root namespace (no IP stack), the DUT end is
/// renamed <see cref="DutInterface"/> inside the DUT namespace. Addresses carry their prefix length.
/// </summary>
public sealed record LabPortSpec(
    string Name,
    string DutInterface,
    string TesterIPv6,
    string DutIPv6,
    string? TesterIPv4 = null,
    string? DutIPv4 = null,
    bool Seg6Enabled = true);

/// <summary>
/// Plain description of the reference lab (the YAML profile is mapped onto this).
/// <see cref="Sysctls"/> are extra DUT sysctls applied before <see cref="Config"/> (whose own sysctls come next).
/// With <see cref="StaticNeighbours"/> the lab adds permanent neighbour entries for the tester addresses
/// (the normal path is ND/ARP answered by the harness' tester ports).
/// </summary>
public sealed record ReferenceLabSpec(
    IReadOnlyList<LabPortSpec> Ports,
    string DutLoopback,
    string Locator,
    IReadOnlyList<SysctlSetting> Sysctls,
    DutConfig Config,
    bool StaticNeighbours = false,
    string Hostname = "dut")
{
    /// <summary>
    /// Further namespaces of the lab (suffixes: <c>s6c-&lt;id&gt;-&lt;suffix&gt;</c>), for the other nodes of a
    /// reference topology. Recorded in the state file before they exist, torn down with the DUT's.
    /// </summary>
    public IReadOnlyList<string> ExtraNamespaceSuffixes { get; init; } = [];

    public const string DefaultLocator = "2001:db8:100::/48";
    public const string DefaultLoopback = "2001:db8:ff::1/128";
    public const string FinalPrefix = "2001:db8:d::/64";

    /// <summary>The three standard tester ports t1..t3 (2001:db8:0:N::/64, 192.0.2.(N*64)/26 for IPv4).</summary>
    public static IReadOnlyList<LabPortSpec> DefaultPorts { get; } =
    [
        new("t1", "eth1", "2001:db8:0:1::2/64", "2001:db8:0:1::1/64", "192.0.2.2/26", "192.0.2.1/26"),
        new("t2", "eth2", "2001:db8:0:2::2/64", "2001:db8:0:2::1/64", "192.0.2.66/26", "192.0.2.65/26"),
        new("t3", "eth3", "2001:db8:0:3::2/64", "2001:db8:0:3::1/64", "192.0.2.130/26", "192.0.2.129/26"),
    ];

    /// <summary>
    /// The default reference DUT: ports t1..t3, loopback 2001:db8:ff::1, locator 2001:db8:100::/48 with
    /// End (::1), End+PSP (::2), End.X→t2 (::3), End.T (::4), End.DT6 (::5), End.DX6→t3 (::6), table 100,
    /// final prefix 2001:db8:d::/64 via t2; rendered from dut-configs/linux.
    /// </summary>
    public static ReferenceLabSpec CreateDefault(bool staticNeighbours = false, string? templateDirectory = null)
    {
        var ports = DefaultPorts;
        var config = LinuxConfigTemplates.Render(
            ports.Select(p => new LinuxPortParameters(p.DutInterface, p.DutIPv6, p.DutIPv4, p.Seg6Enabled)).ToList(),
            new LinuxSrv6Parameters(
                DutLoopback: DefaultLoopback,
                SidDevice: "eth1",
                SidEnd: "2001:db8:100::1",
                SidEndPsp: "2001:db8:100::2",
                SidEndX: "2001:db8:100::3",
                EndXNextHop: "2001:db8:0:2::2",
                SidEndT: "2001:db8:100::4",
                SidEndDt6: "2001:db8:100::5",
                SidEndDx6: "2001:db8:100::6",
                EndDx6NextHop: "2001:db8:0:3::2",
                LookupTable: "100",
                FinalPrefix: FinalPrefix,
                FinalNextHop: "2001:db8:0:2::2",
                FinalDevice: "eth2"),
            templateDirectory);
        return new ReferenceLabSpec(ports, DefaultLoopback, DefaultLocator, [], config, staticNeighbours);
    }
}
