using Conformance.Harness.Templates;

namespace Conformance.Harness.Dut;

/// <summary>One tester-facing DUT interface as the Linux templates need it.</summary>
public sealed record LinuxPortParameters(string DutInterface, string DutIPv6, string? DutIPv4, bool Seg6Enabled);

/// <summary>Values for the SRv6 endpoint and route templates.</summary>
public sealed record LinuxSrv6Parameters(
    string DutLoopback,
    string SidDevice,
    string SidEnd,
    string SidEndPsp,
    string SidEndX,
    string EndXNextHop,
    string SidEndT,
    string SidEndDt6,
    string SidEndDx6,
    string EndDx6NextHop,
    string LookupTable,
    string FinalPrefix,
    string FinalNextHop,
    string FinalDevice);

/// <summary>
/// Renders <c>dut-configs/linux/*.conf</c> into a <see cref="DutConfig"/>:
/// base.conf, sysctls.conf, port.conf and port-sysctls.conf per port (+ port-ipv4.conf where the port has IPv4), srv6-endpoints.conf, routes.conf.
/// </summary>
public static class LinuxConfigTemplates
{
    /// <summary>SID roles programmed by srv6-endpoints.conf.</summary>
    public static class Roles
    {
        public const string End = "end";
        public const string EndPsp = "end_psp";
        public const string EndX = "end_x";
        public const string EndT = "end_t";
        public const string EndDt6 = "end_dt6";
        public const string EndDx6 = "end_dx6";
    }

    /// <summary>
    /// Finds <c>dut-configs/linux</c>: the <c>SRV6CONF_DUT_CONFIGS</c> environment variable (pointing at the
    /// <c>dut-configs</c> directory), else the first ancestor of the application base directory or the current
    /// directory that contains it.
    /// </summary>
    public static string FindDirectory()
    {
        var env = Environment.GetEnvironmentVariable("SRV6CONF_DUT_CONFIGS");
        if (!string.IsNullOrEmpty(env))
        {
            var d = Path.Combine(env, "linux");
            return Directory.Exists(d) ? d : throw new DirectoryNotFoundException($"SRV6CONF_DUT_CONFIGS={env} has no linux/ subdirectory.");
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "dut-configs", "linux");
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"Cannot find dut-configs/linux above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'; set SRV6CONF_DUT_CONFIGS.");
    }

    public static DutConfig Render(IReadOnlyList<LinuxPortParameters> ports, LinuxSrv6Parameters p, string? directory = null)
    {
        var dir = directory ?? FindDirectory();
        var lines = new List<string>();
        void Add(string file, Dictionary<string, string> values) =>
            lines.AddRange(TemplateRenderer.CommandLines(TemplateRenderer.RenderFile(Path.Combine(dir, file), values)));

        Add("base.conf", new() { ["dut_loopback"] = p.DutLoopback });
        lines.AddRange(LinuxIntentRenderer.KnobLines(new Intent.IntentKnobs { Srv6Enabled = ports.Any(x => x.Seg6Enabled) }, dir));
        foreach (var port in ports)
        {
            var values = new Dictionary<string, string>
            {
                ["dut_if"] = port.DutInterface,
                ["dut_ipv6"] = port.DutIPv6,
                ["seg6_enabled"] = port.Seg6Enabled ? "1" : "0",
            };
            Add("port.conf", values);
            Add("port-sysctls.conf", values);
            if (port.DutIPv4 is not null)
            {
                values["dut_ipv4"] = port.DutIPv4;
                Add("port-ipv4.conf", values);
            }
        }
        var srv6 = new Dictionary<string, string>
        {
            ["sid_dev"] = p.SidDevice,
            ["sid_end"] = p.SidEnd,
            ["sid_end_psp"] = p.SidEndPsp,
            ["sid_end_x"] = p.SidEndX,
            ["end_x_nexthop"] = p.EndXNextHop,
            ["sid_end_t"] = p.SidEndT,
            ["sid_end_dt6"] = p.SidEndDt6,
            ["sid_end_dx6"] = p.SidEndDx6,
            ["end_dx6_nexthop"] = p.EndDx6NextHop,
            ["dt6_table"] = p.LookupTable,
            ["final_prefix"] = p.FinalPrefix,
            ["final_nexthop"] = p.FinalNextHop,
            ["final_dev"] = p.FinalDevice,
        };
        Add("srv6-endpoints.conf", srv6);
        Add("routes.conf", srv6);

        var sids = new Dictionary<string, string>
        {
            [Roles.End] = p.SidEnd,
            [Roles.EndPsp] = p.SidEndPsp,
            [Roles.EndX] = p.SidEndX,
            [Roles.EndT] = p.SidEndT,
            [Roles.EndDt6] = p.SidEndDt6,
            [Roles.EndDx6] = p.SidEndDx6,
        };
        return DutConfig.FromLines(lines, sids);
    }
}
