using System.Globalization;
using System.Net;
using Conformance.Harness.Oam;
using Conformance.Harness.Templates;

namespace Conformance.Harness.Platforms;

/// <summary>What the DUT's own ping printed: the command, its output and the counts read with the pack's <c>success</c> regex.</summary>
public sealed record DutPingOutcome(string Command, string Output, int Sent, int Received);

/// <summary>What the DUT's own traceroute printed, read with the pack's output reader or <c>hop</c> regex.</summary>
public sealed record DutTracerouteOutcome(string Command, string Output, TracerouteOutput.Result Parsed);

/// <summary>
/// Runs the command verbs of a platform pack: renders the verb's command with its placeholders, runs it on the DUT
/// through <c>run</c> (the session; returns what the DUT printed; <c>source</c> is the address a router sources its
/// probes from, the DUT's loopback in the cases, where the pack's command names one) and reads the output with the verb's patterns.
/// An output the patterns cannot read is a <see cref="TestbedException"/> (inconclusive), quoting the output.
/// </summary>
public static class PackVerbRunner
{
    public static string Render(PlatformPack pack, string verb, IReadOnlyDictionary<string, string> values)
    {
        var v = pack.Verb(verb);
        if (v.Command is null) throw new InvalidOperationException($"{pack.DescriptorPath}: verbs.{verb} has no command (use: {v.Use}).");
        return TemplateRenderer.Render(v.Command, $"{pack.DescriptorPath}: verbs.{verb}", values);
    }

    public static async Task<DutPingOutcome> PingAsync(PlatformPack pack, Func<string, Task<string>> run, IPAddress target, IPAddress source, int count)
    {
        var command = Render(pack, DutVerbs.Ping, new Dictionary<string, string>
        {
            ["target"] = target.ToString(), ["source"] = source.ToString(), ["count"] = count.ToString(CultureInfo.InvariantCulture),
        });
        var output = await run(command).ConfigureAwait(false);
        var m = pack.Verb(DutVerbs.Ping).Patterns["success"].Match(output);
        if (!m.Success || !int.TryParse(m.Groups["sent"].Value, CultureInfo.InvariantCulture, out var sent)
            || !int.TryParse(m.Groups["received"].Value, CultureInfo.InvariantCulture, out var received))
            throw new TestbedException($"the DUT's ping output does not match verbs.dut.ping.success of {pack.DescriptorPath} (groups sent, received):\n$ {command}\n{output}");
        return new DutPingOutcome(command, output, sent, received);
    }

    public static async Task<DutTracerouteOutcome> TracerouteAsync(PlatformPack pack, Func<string, Task<string>> run, IPAddress target, IPAddress source, int maxHops, int queries)
    {
        var command = Render(pack, DutVerbs.Traceroute, new Dictionary<string, string>
        {
            ["target"] = target.ToString(),
            ["source"] = source.ToString(),
            ["max_hops"] = maxHops.ToString(CultureInfo.InvariantCulture),
            ["queries"] = queries.ToString(CultureInfo.InvariantCulture),
        });
        var output = await run(command).ConfigureAwait(false);
        var verb = pack.Verb(DutVerbs.Traceroute);
        try
        {
            var parsed = verb.Output == "linux-traceroute" ? TracerouteOutput.Parse(output) : FromHopLines(verb, output, target, maxHops);
            return new DutTracerouteOutcome(command, output, parsed);
        }
        catch (FormatException e)
        {
            throw new TestbedException($"the DUT's traceroute output cannot be read with {pack.DescriptorPath} verbs.dut.traceroute ({e.Message}):\n$ {command}\n{output}", e);
        }
    }

    /// <summary>Generic reader: every line matching the <c>hop</c> regex gives a hop number and the address that answered it.</summary>
    private static TracerouteOutput.Result FromHopLines(PackVerb verb, string output, IPAddress target, int maxHops)
    {
        var hops = new List<PrintedHop>();
        foreach (var line in output.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var m = verb.Patterns["hop"].Match(line);
            if (!m.Success) continue;
            var hop = int.Parse(m.Groups["hop"].Value, CultureInfo.InvariantCulture);
            if (hop != hops.Count + 1) throw new FormatException($"hop {hop} follows hop {hops.Count}: \"{line}\"");
            IPAddress? from = IPAddress.TryParse(m.Groups["address"].Value, out var a) ? a : null;
            hops.Add(new PrintedHop(hop, [new PrintedProbe(from, null, null)]));
        }
        return new TracerouteOutput.Result(target, maxHops, 0, hops);
    }
}
