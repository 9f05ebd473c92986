using System.CommandLine;
using System.Net;
using Conformance.Harness;
using Conformance.Harness.Oam;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf ping --profile FILE --port t1 --segments S1,S2,... TARGET [--count N] [--interval ms]`:
/// ICMPv6 echo requests from a tester port via an SRv6 segment list (RFC 9259 Appendix A.1), printed like
/// the RFC's Figure 2. The testbed is the profile's: a reference lab is built for the run and torn down after.
/// </summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "the IPv6 address or SID to ping (the last segment)" };
        var profile = new Option<string>("--profile") { Description = "the testbed profile (YAML)", Required = true };
        var port = new Option<string>("--port") { Description = "tester port to send from", DefaultValueFactory = _ => "t1" };
        var segments = new Option<string?>("--segments") { Description = "segment list S1,S2,... in visit order (none: target as DA, no SRH)" };
        var count = new Option<int>("--count") { Description = "number of echo requests", DefaultValueFactory = _ => 5 };
        var interval = new Option<int>("--interval") { Description = "milliseconds between requests", DefaultValueFactory = _ => 200 };
        var timeout = new Option<int>("--timeout") { Description = "milliseconds to wait for each answer", DefaultValueFactory = _ => 2000 };
        var size = new Option<int>("--size") { Description = "ICMPv6 message size in bytes (header + data)", DefaultValueFactory = _ => 100 };
        var cmd = new Command("ping", "SRv6 ping from a tester port via a segment list (RFC 9259 Appendix A.1)") { target, profile, port, segments, count, interval, timeout, size };
        cmd.SetAction(async (pr, ct) =>
        {
            var path = Path(pr.GetValue(target)!, pr.GetValue(segments));
            if (path is null) return 2;
            int n = pr.GetValue(count), sz = pr.GetValue(size);
            var to = TimeSpan.FromMilliseconds(pr.GetValue(timeout));
            return await WithTestbedAsync(pr.GetValue(profile)!, pr.GetValue(port)!, async (t, source) =>
            {
                Console.WriteLine(SrPing.Header(path, n, sz, to));
                var results = await SrPing.RunAsync(t, source, path, n, TimeSpan.FromMilliseconds(pr.GetValue(interval)), to, sz,
                    progress: r => Console.Write(SrPing.Mark(r.Outcome)), ct: ct);
                Console.WriteLine();
                Console.WriteLine(SrPing.Summary(results));
                return results.Any(r => r.Outcome == ProbeOutcome.EchoReply) ? 0 : 1;
            }, ct);
        });
        return cmd;
    }

    /// <summary>Parses TARGET and S1,S2,...; null (after a message) when an address is not IPv6.</summary>
    internal static SrPath? Path(string target, string? segments)
    {
        var list = new List<IPAddress>();
        foreach (var s in (segments ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Append(target))
        {
            if (!IPAddress.TryParse(s, out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                Console.Error.WriteLine($"srv6conf: '{s}' is not an IPv6 address");
                return null;
            }
            list.Add(a);
        }
        return new SrPath(list[^1], list[..^1]);
    }

    /// <summary>Binds the profile's testbed (builds a reference lab), resolves the DUT's MAC on the port, runs, and rolls back.</summary>
    internal static async Task<int> WithTestbedAsync(string profilePath, string portName, Func<IProbeTransport, IPAddress, Task<int>> body, CancellationToken ct)
    {
        Profile profile;
        try { profile = ProfileLoader.Load(profilePath); }
        catch (ProfileException e) { Console.Error.WriteLine($"srv6conf: {e.Message}"); return 2; }
        var spec = profile.Testbed.TesterPorts.FirstOrDefault(p => p.Name == portName);
        if (spec is null) { Console.Error.WriteLine($"srv6conf: the profile has no tester port '{portName}'"); return 2; }
        LiveTestbed tb;
        try { tb = await LiveTestbed.StartAsync(profile, ct: ct); }
        catch (TestbedException e) { Console.Error.WriteLine($"srv6conf: testbed did not come up: {e.Message}"); return 3; }
        try
        {
            var port = tb.Port(portName);
            var mac = await port.ResolveAsync(spec.DutIpv6, spec.TesterIpv6.Address, profile.Parameters.Timeouts.Capture * 3);
            if (tb.Topology is { } topo)
            {
                // In a reference topology the tester plays a node of the figure (N100, CE1, CE2): probes leave from its
                // loopback and answers may come back on any of its attachments (N100: n100a at N1, n100b at N7).
                var node = topo.Figure.Link(portName).B;
                var source = node == "N100" ? topo.Figure.Loopback(node) : spec.TesterIpv6.Address;
                var others = tb.Ports.Values.Where(p => topo.Figure.Link(p.Name).B == node).ToList();
                return await body(new TesterPortTransport(port, mac, others), source);
            }
            // The hosts the profile's addresses stand for (D behind t2, …) answer as real hosts would: from every other
            // tester port, for the addresses that are neither the DUT's nor a tester port's own.
            var own = profile.Testbed.TesterPorts.SelectMany(p => new[] { p.TesterIpv6.Address, p.DutIpv6 }).Concat(profile.Parameters.Sids.Values.Select(s => s.Address)).ToHashSet();
            var hosts = profile.Parameters.Addresses.Values.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !own.Contains(a)).ToHashSet();
            foreach (var other in tb.Ports.Values.Where(p => p.Name != portName))
                other.Responder = Conformance.Harness.Tester.HostEmulator.For(other.Mac, hosts);
            return await body(new TesterPortTransport(port, mac), spec.TesterIpv6.Address);
        }
        catch (TestbedException e) { Console.Error.WriteLine($"srv6conf: {e.Message}"); return 3; }
        finally
        {
            await tb.DisposeAsync();
            if (tb.RollbackDiff is { Count: > 0 } diff) Console.Error.WriteLine($"srv6conf: ROLLBACK INCOMPLETE: {string.Join("; ", diff.Take(5))}");
        }
    }
}
