using System.Net;
using Conformance.Harness.Oam;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Oam;

/// <summary>
/// Parsing a DUT's own traceroute output (TP-TRACE-BV-03, RFC 9259 Appendix A.2.1). The samples are traceroute 2.1.2
/// (Debian 12 package traceroute) output as printed on this host and by the reference DUT.
/// </summary>
[TestFixture]
public class TracerouteOutputTests
{
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    [Test]
    public void LoopbackReachedAtTheFirstHop()
    {
        var r = TracerouteOutput.Parse("traceroute to ::1 (::1), 3 hops max, 80 byte packets\n 1  ::1  0.070 ms  0.005 ms\n");
        Assert.Multiple(() =>
        {
            Assert.That(r.Target, Is.EqualTo(IPAddress.IPv6Loopback));
            Assert.That((r.MaxHops, r.PacketBytes), Is.EqualTo((3, 80)));
            Assert.That(r.Hops, Has.Count.EqualTo(1));
            Assert.That(r.Hops[0].Probes.Select(p => p.RttMs), Is.EqualTo(new double?[] { 0.070, 0.005 }));
            Assert.That(r.Hops[0].From, Is.EqualTo(new[] { IPAddress.IPv6Loopback }));
            Assert.That(r.Reached, Is.True);
        });
    }

    [Test]
    public void UnansweredProbesAreTimeouts()
    {
        var r = TracerouteOutput.Parse("traceroute to 2001:db8:ffff::1 (2001:db8:ffff::1), 2 hops max, 80 byte packets\n 1  * *\n 2  * *\n");
        Assert.That(r.Hops.SelectMany(h => h.Probes).All(p => p.TimedOut), Is.True);
        Assert.That(r.Hops.Select(h => h.From.Count), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(r.Reached, Is.False);
    }

    /// <summary>
    /// Output of the reference DUT's <c>traceroute6 -n -q 2 -w 1 -m 6 2001:db8:d:a::1</c> in TP-TRACE-BV-03 (run 2026-11-29, reports/oam-trace-1),
    /// the tester emulating N2, two routers and the target behind t2.
    /// </summary>
    public const string ReferenceDutSample = """
        traceroute to 2001:db8:d:a::1 (2001:db8:d:a::1), 6 hops max, 80 byte packets
         1  2001:db8:0:2::2  28.389 ms  28.898 ms
         2  2001:db8:d:a1::1  28.902 ms  28.898 ms
         3  2001:db8:d:a2::1  28.891 ms  28.889 ms
         4  2001:db8:d:a::1  28.883 ms  28.878 ms
        """;

    [Test]
    public void ReferenceDutOutput_HopByHop()
    {
        var r = TracerouteOutput.Parse(ReferenceDutSample);
        Assert.That(r.Target, Is.EqualTo(Ip("2001:db8:d:a::1")));
        Assert.That(r.Hops.Select(h => h.Hop), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(r.Hops.Select(h => h.From.Single().ToString()), Is.EqualTo(new[] { "2001:db8:0:2::2", "2001:db8:d:a1::1", "2001:db8:d:a2::1", "2001:db8:d:a::1" }));
        Assert.That(r.Hops.All(h => h.Probes.Count == 2 && h.Probes.All(p => p.RttMs > 0 && p.Annotation is null)), Is.True);
        Assert.That(r.Reached, Is.True);
    }

    [Test]
    public void AddressChangesWithinALine_AnnotationsAndMixedTimeouts()
    {
        var r = TracerouteOutput.Parse("""
            traceroute to 2001:db8:d:9::1 (2001:db8:d:9::1), 8 hops max, 80 byte packets
             1  2001:db8:0:2::2  0.412 ms 2001:db8:0:2::3  0.300 ms  *
             2  2001:db8:d:9::1  0.500 ms !N  0.450 ms !X
            """);
        Assert.That(r.Hops[0].Probes.Select(p => p.From?.ToString()), Is.EqualTo(new[] { "2001:db8:0:2::2", "2001:db8:0:2::3", null }));
        Assert.That(r.Hops[0].From, Has.Count.EqualTo(2));
        Assert.That(r.Hops[1].Probes.Select(p => p.Annotation), Is.EqualTo(new[] { "!N", "!X" }));
        Assert.That(r.Reached, Is.False, "the target answered, but with an unreachable annotation: not a Port Unreachable");
    }

    [Test]
    public void NamesWithAddressesInParentheses()
    {
        var r = TracerouteOutput.Parse("traceroute to t.example (2001:db8:d:9::1), 4 hops max, 80 byte packets\n 1  n2.example (2001:db8:0:2::2)  0.4 ms  0.3 ms\n 2  t.example (2001:db8:d:9::1)  0.5 ms  0.5 ms\n");
        Assert.That(r.Hops.Select(h => h.From.Single()), Is.EqualTo(new[] { Ip("2001:db8:0:2::2"), Ip("2001:db8:d:9::1") }));
        Assert.That(r.Reached, Is.True);
    }

    [Test]
    public void LeadingNoiseBeforeTheHeaderIsSkipped()
    {
        var r = TracerouteOutput.Parse("some banner\ntraceroute to 2001:db8:d:9::1 (2001:db8:d:9::1), 1 hops max, 80 byte packets\n 1  *\n");
        Assert.That(r.Hops.Single().Probes.Single().TimedOut, Is.True);
    }

    [TestCase("", "no \"traceroute to ...\" header")]
    [TestCase("connect: Network is unreachable\n", "no \"traceroute to ...\" header")]
    [TestCase("traceroute to somewhere, lots of hops\n", "header line not understood")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\n 2  *\n", "hop 2 follows hop 0")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\n 1  2001:db8::1  fast\n", "\"fast\" not understood")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\n 1  0.3 ms\n", "a round trip without an address")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\n 1  * !H\n", "annotation \"!H\" not understood here")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\n 1  2001:db8::1\n", "a hop line without probes")]
    [TestCase("traceroute to x (2001:db8::1), 3 hops max, 80 byte packets\nsendto: Operation not permitted\n", "hop line not understood")]
    public void AnythingElseIsAFormatError(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => TracerouteOutput.Parse(text));
        Assert.That(e!.Message, Does.Contain(message));
    }
}
