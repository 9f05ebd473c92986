using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using Conformance.Harness;
using NUnit.Framework;

namespace Conformance.Cases.Security;

/// <summary>
/// What the SR-domain filtering and HMAC cases share: "the DUT must drop these" exchanges (nothing
/// may come out of any tester port; an ICMPv6 error the RFC allows may be named as tolerated), the
/// DUT-side drop counters as evidence where the platform exposes them, and the HMAC policy of an
/// ingress interface for the duration of a case.
/// </summary>
public abstract class SecurityCase : ConformanceCase
{
    protected const int Probes = 10;

    /// <summary>Settle time after the last stimulus before "nothing came out" is believed.</summary>
    protected static readonly TimeSpan DropQuiet = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Sends <paramref name="stimuli"/> into <paramref name="port"/> and fails unless nothing at all comes out of any
    /// tester port, except frames <paramref name="tolerated"/> accepts (e.g. an ICMPv6 error the RFC says SHOULD be sent).
    /// </summary>
    protected static async Task ExpectDroppedAsync(string port, IReadOnlyList<byte[]> stimuli, string requirementShort,
        Func<DecodedPacket, string, bool>? tolerated = null)
    {
        var j = await ExchangeAsync(port, stimuli, [], DropQuiet);
        await AttachFilterCountersAsync();
        var leaks = j.Unexpected.Where(u => tolerated is null || !tolerated(u.Decoded, u.Frame.Port)).ToList();
        if (leaks.Count > 0)
            Fail($"{requirementShort}\n{leaks.Count} packet(s) came out of the DUT:\n" +
                 string.Join('\n', leaks.Take(5).Select(u => $"- {u.Frame.Port}: {u.Decoded.Notation}")));
    }

    /// <summary>
    /// The notice a filtering node may send instead of dropping silently: an ICMPv6 Destination Unreachable, code 1
    /// (administratively prohibited, "e.g., a 'firewall filter'"), 5 (source address failed ingress/egress policy) or
    /// 6 (reject route), from a DUT address to <paramref name="source"/>, back out of the ingress port (RFC 4443 §3.1:
    /// such a message SHOULD be generated for a packet that cannot be delivered). Code 0 (no route) is not a filter's.
    /// </summary>
    protected static Func<DecodedPacket, string, bool> FilterNotice(string port, IPAddress source) => (d, p) =>
        p == port && d.Inner is Icmpv6Layer { Type: 1, Code: 1 or 5 or 6 } && d.Ipv6 is { } ip && ip.Dst.Equals(source) && DutAddresses.Contains(ip.Src);

    /// <summary>Both predicates' frames are tolerated.</summary>
    protected static Func<DecodedPacket, string, bool> Either(Func<DecodedPacket, string, bool> a, Func<DecodedPacket, string, bool> b) => (d, p) => a(d, p) || b(d, p);

    /// <summary>The probe addresses of a purpose about a prefix, recorded in the evidence with the seed that chose the random ones.</summary>
    protected static IReadOnlyList<Harness.Tester.PrefixProbe> ProbesAcross(IPNetwork prefix, int seed, params IPAddress[] given)
    {
        var probes = Harness.Tester.PrefixProbes.Across(prefix, seed, 3, given);
        Evidence.AttachText($"Probe addresses across {prefix} (seed {seed})", string.Join('\n', probes));
        return probes;
    }

    /// <summary>
    /// The control of a prefix purpose: stimuli to addresses just outside the prefix must not be treated like those
    /// inside: each must come out of the DUT in some form (forwarded, or quoted by an ICMPv6 error), recognised by its
    /// probe data. A filter wider than its prefix fails here.
    /// </summary>
    protected static async Task ExpectEachReachedAsync(string port, IReadOnlyList<(byte[] Stimulus, byte[] Marker, IPAddress To)> controls, string requirementShort)
    {
        var j = await ExchangeAsync(port, [.. controls.Select(c => c.Stimulus)], [], DropQuiet);
        var seen = j.Unexpected.Select(u => u.Frame.Data).ToList();
        var silent = controls.Where(c => !seen.Any(f => f.AsSpan().IndexOf(c.Marker) >= 0)).Select(c => c.To).Distinct().ToList();
        if (silent.Count > 0)
            Fail($"{requirementShort}\nNothing came out of the DUT for the address(es) just outside the prefix: {string.Join(", ", silent)} (the filter covers more than its prefix).");
    }

    /// <summary>An ICMPv6 Parameter Problem code 0 from a DUT address back out of the ingress port (RFC 8754 §2.1.2.1: SHOULD, rate limited).</summary>
    protected static Func<DecodedPacket, string, bool> ParameterProblemBackOut(string port) => (d, p) =>
        p == port && d.Inner is Icmpv6Layer { Type: 4, Code: 0 } && d.Ipv6 is { } ip && DutAddresses.Contains(ip.Src);

    /// <summary>
    /// Evidence only (the verdict is what the tester ports saw): the DUT's own drop counters of the suite's filters,
    /// where its platform pack offers the verb dut.filter_counters (the Linux reference: its nftables table).
    /// </summary>
    protected static async Task AttachFilterCountersAsync()
    {
        if (!Testbed.Pack.Offers(DutVerbs.FilterCounters)) return;
        var command = PackVerbRunner.Render(Testbed.Pack, DutVerbs.FilterCounters, new Dictionary<string, string>());
        Evidence.AttachText("DUT filter counters", $"$ {command}\n{await Testbed.RunVerbCommandAsync(command)}");
    }

    /// <summary>
    /// Runs <paramref name="body"/> with the DUT's HMAC policy on <paramref name="port"/>'s interface set to
    /// <paramref name="policy"/> (platform verb dut.hmac_policy: the pack's hmac_policy template; Linux:
    /// net.ipv6.conf.IF.seg6_require_hmac, -1 ignore, 0 verify if present, 1 require), and puts the DUT back afterwards
    /// (its snapshot from just before, restored and verified).
    /// </summary>
    protected static async Task WithHmacPolicyAsync(string port, HmacPolicy policy, Func<Task> body)
    {
        var iface = PortSpec(port).DutInterface;
        var config = ProfileDutConfig.TransientHmacPolicy(Profile, iface, policy);
        using (Evidence.Step($"Set the HMAC policy of {iface} to {policy} for this case"))
            Evidence.AttachText("DUT configuration (transient)", string.Join('\n', config.ToLines()));
        await Testbed.WithTransientConfigAsync(config, body);
    }

    /// <summary>The profile's HMAC key for <paramref name="algorithm"/>; a claimed algorithm without a key is a profile problem (broken).</summary>
    protected static (uint KeyId, HmacAlgorithm Algorithm, byte[] Secret) HmacKeyFor(HmacAlgorithm algorithm)
    {
        var k = Profile.Parameters.HmacKeys.FirstOrDefault(k => k.Algorithm == algorithm)
            ?? throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.hmac_keys with algorithm {algorithm.Name()}, which the profile does not define.");
        return (k.KeyId, k.Algorithm, System.Text.Encoding.UTF8.GetBytes(k.ResolveSecret()));
    }
}
