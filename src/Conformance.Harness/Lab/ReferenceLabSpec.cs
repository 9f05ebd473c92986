using System.Net;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Profiles;
using Conformance.Harness.Templates;

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

    /// <summary>
    /// The reference node as the DUT (null: the Linux kernel). <see cref="Config"/> then holds only the namespace's
    /// infrastructure (the kernel's stack off on the data interfaces); the node is configured over SSH through its pack.
    /// </summary>
    public ReferenceNodeLaunch? Node { get; init; }

    /// <summary>
    /// The DUT is a real router outside the host (a topology's node of kind ssh): the lab then builds no DUT namespace, no
    /// tester ports, no sshd; it owns the topology's other routers (<see cref="ExtraNamespaceSuffixes"/>) and the host NICs
    /// cabled to the router (<see cref="ReferenceLab.LeaseNic"/>), all in its state file.
    /// </summary>
    public bool ExternalDut { get; init; }

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
    /// The default reference DUT of the harness's own lab tests (SSH, platform, rollback): ports t1..t3, loopback
    /// 2001:db8:ff::1, locator 2001:db8:100::/48 with End (::1), End+PSP (::2), End.X→t2 (::3), End.T (::4),
    /// End.DT6 (::5), End.DX6→t3 (::6), table 100, final prefix 2001:db8:d::/64 via t2 in the main table and table 100.
    /// The same path as a profile's: a typed <see cref="Srv6Intent"/> rendered by the Linux pack
    /// (<see cref="LinuxIntentRenderer"/>), with the lab's infrastructure (base.conf, port.conf, port-ipv4.conf).
    /// </summary>
    public static ReferenceLabSpec CreateDefault(bool staticNeighbours = false, string? templateDirectory = null)
    {
        var ports = DefaultPorts;
        var dir = templateDirectory ?? Platforms.PlatformPacks.LinuxDirectory;
        var lines = new List<string>();
        void Add(string file, Dictionary<string, string> values) =>
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, file), values)));
        Add("base.conf", new() { ["dut_loopback"] = DefaultLoopback });
        foreach (var p in ports)
        {
            Add("port.conf", new() { ["dut_if"] = p.DutInterface, ["dut_ipv6"] = p.DutIPv6 });
            if (p.DutIPv4 is not null) Add("port-ipv4.conf", new() { ["dut_if"] = p.DutInterface, ["dut_ipv4"] = p.DutIPv4 });
        }
        IPAddress A(string s) => IPAddress.Parse(s);
        IPAddress t2 = A("2001:db8:0:2::2"), t3 = A("2001:db8:0:3::2");
        var final = IPNetwork.Parse(FinalPrefix);
        var intent = new Srv6Intent
        {
            Platform = "linux",
            Interfaces = [.. ports.Select(p => new IntentInterface(p.DutInterface, PortRole.Internal) { Srv6Enabled = p.Seg6Enabled })],
            Knobs = new IntentKnobs { Srv6Enabled = ports.Any(p => p.Seg6Enabled) },
            SidBlock = IPNetwork.Parse("2001:db8:100::/40"),
            Locator = IPNetwork.Parse(DefaultLocator),
            Sids =
            [
                new IntentSid("end", SrBehavior.End, A("2001:db8:100::1")),
                new IntentSid("end_psp", SrBehavior.End, A("2001:db8:100::2")) { Flavors = new HashSet<SrFlavor> { SrFlavor.Psp } },
                new IntentSid("end_x", SrBehavior.EndX, A("2001:db8:100::3")) { NextHop = t2, Interface = "eth2" },
                new IntentSid("end_t", SrBehavior.EndT, A("2001:db8:100::4")) { Table = "100" },
                new IntentSid("end_dt6", SrBehavior.EndDT6, A("2001:db8:100::5")) { Table = "100" },
                new IntentSid("end_dx6", SrBehavior.EndDX6, A("2001:db8:100::6")) { NextHop = t3, Interface = "eth3" },
            ],
            Routes = [new IntentRoute(final, t2, "eth2"), new IntentRoute(final, t2, "eth2", "100")],
        };
        var srv6 = LinuxIntentRenderer.Render(intent, dir);
        var config = DutConfig.FromLines([.. lines, .. srv6.ToLines()], srv6.Sids);
        return new ReferenceLabSpec(ports, DefaultLoopback, DefaultLocator, [], config, staticNeighbours);
    }
}
