using System.CommandLine;
using Conformance.Harness.Oam;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf traceroute --profile FILE --port t1 --segments S1,S2,... TARGET [--max-hops N] [--probes N]`:
/// hop-limited UDP probes via an SRv6 segment list (RFC 9259 Appendix A.2), printed like the RFC's Figures 3 and 4.
/// </summary>
internal static class TracerouteCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "the IPv6 address or SID to trace to (the last segment)" };
        var profile = new Option<string>("--profile") { Description = "the testbed profile (YAML)", Required = true };
        var port = new Option<string>("--port") { Description = "tester port to send from", DefaultValueFactory = _ => "t1" };
        var segments = new Option<string?>("--segments") { Description = "segment list S1,S2,... in visit order" };
        var maxHops = new Option<int>("--max-hops") { Description = "largest hop limit", DefaultValueFactory = _ => 8 };
        var probes = new Option<int>("--probes") { Description = "probes per hop", DefaultValueFactory = _ => 3 };
        var timeout = new Option<int>("--timeout") { Description = "milliseconds to wait for each answer", DefaultValueFactory = _ => 1000 };
        var sid = new Option<bool>("--sid") { Description = "say 'to SID' (RFC 9259 Figure 4) — the target is a SID" };
        var cmd = new Command("traceroute", "SRv6 traceroute from a tester port via a segment list (RFC 9259 Appendix A.2)") { target, profile, port, segments, maxHops, probes, timeout, sid };
        cmd.SetAction(async (pr, ct) =>
        {
            var path = PingCommand.Path(pr.GetValue(target)!, pr.GetValue(segments));
            if (path is null) return 2;
            return await PingCommand.WithTestbedAsync(pr.GetValue(profile)!, pr.GetValue(port)!, async (t, source) =>
            {
                Console.WriteLine(SrTraceroute.Header(path, pr.GetValue(sid)));
                await SrTraceroute.RunAsync(t, source, path, pr.GetValue(maxHops), pr.GetValue(probes), TimeSpan.FromMilliseconds(pr.GetValue(timeout)),
                    hop => Console.WriteLine(SrTraceroute.FormatHop(hop)), ct);
                return 0;
            }, ct);
        });
        return cmd;
    }
}
