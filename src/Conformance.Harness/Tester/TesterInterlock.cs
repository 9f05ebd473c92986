using System.Diagnostics;
using System.Text.Json;

namespace Conformance.Harness.Tester;

/// <summary>
/// Refuses to transmit on an interface that is not a declared tester port, or that carries the
/// host's default route or an address (management or production), unless the profile marks it
/// dedicated to testing. The reference lab's tester ends have no addresses at all.
/// </summary>
public static class TesterInterlock
{
    public static void Verify(string interfaceName, bool dedicated) =>
        Verify(interfaceName, dedicated, name => Directory.Exists($"/sys/class/net/{name}"), Ip);

    /// <summary>
    /// The check with the host's view injected (tests): <paramref name="exists"/> tells whether an interface exists,
    /// <paramref name="ip"/> runs <c>ip -j ARGS</c> and returns its JSON.
    /// </summary>
    internal static void Verify(string interfaceName, bool dedicated, Func<string, bool> exists, Func<string[], JsonElement> ip)
    {
        if (!exists(interfaceName))
            throw new TestbedException($"tester port interface '{interfaceName}' does not exist on this host. Check the profile's testbed.tester_ports[].interface.");
        if (dedicated) return;
        foreach (var family in new[] { "-4", "-6" })
        {
            var routes = ip([family, "route", "show", "default"]);
            if (routes.EnumerateArray().Any(r => r.TryGetProperty("dev", out var d) && d.GetString() == interfaceName))
                throw new InvalidOperationException(
                    $"refusing to transmit on '{interfaceName}': it carries this host's default route ({family}). " +
                    "Tester ports must be dedicated NICs; if this one really is, mark it `dedicated: true` in the profile.");
        }
        var addrs = ip(["-j", "addr", "show", "dev", interfaceName]);
        foreach (var link in addrs.EnumerateArray())
        {
            if (!link.TryGetProperty("addr_info", out var infos)) continue;
            foreach (var a in infos.EnumerateArray())
            {
                var scope = a.TryGetProperty("scope", out var s) ? s.GetString() : "";
                if (scope is "global" or "site" or "host")
                    throw new InvalidOperationException(
                        $"refusing to transmit on '{interfaceName}': it has the address {a.GetProperty("local").GetString()} (a host or management interface?). " +
                        "Tester ports carry no addresses of the host; if this NIC is dedicated to testing, mark it `dedicated: true` in the profile.");
            }
        }
    }

    private static JsonElement Ip(string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (args[0] != "-j") psi.ArgumentList.Add("-j");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (string.IsNullOrWhiteSpace(text)) text = "[]";
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
