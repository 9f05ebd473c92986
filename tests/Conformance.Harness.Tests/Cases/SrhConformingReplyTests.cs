using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// For the SRH purposes no Linux configuration passes (TP-SRH-BI-02/03/04, DEV-LINUX-040;
/// TP-LOCAL-BI-01, DEV-LINUX-041), show offline that the case's expectation — the stimuli as the
/// case builds them, <see cref="Icmp.Error"/> with the case's type, code and pointer, and
/// <see cref="Judge"/> — accepts an RFC-conforming reception of 10 probes and rejects what Linux does
/// (silence, or forwarding to the next segment) and a wrong pointer.
/// </summary>
public class SrhConformingReplyTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut = IPAddress.Parse("2001:db8:0:1::1"),
        S = IPAddress.Parse("2001:db8:b:1:e::"), L = IPAddress.Parse("2001:db8:b:1::1"),
        N2 = IPAddress.Parse("2001:db8:b:2:e::"), D = IPAddress.Parse("2001:db8:d::1");
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";
    private const uint PointerToRoutingType = 42, PointerToSegmentsLeft = 43;

    private static PacketBuilder Into() => new PacketBuilder().Ethernet(TesterMac, DutMac);
    private static PacketBuilder OutOf() => new PacketBuilder().Ethernet(DutMac, TesterMac);

    /// <summary>The stimuli of each purpose, exactly as the case builds them (probe data aside).</summary>
    public static IEnumerable<TestCaseData> Purposes()
    {
        byte[] Data(int i) => System.Text.Encoding.ASCII.GetBytes($"probe {i:D4}".PadRight(40, '.'));
        List<byte[]> Make(Func<int, PacketBuilder> f) => [.. Enumerable.Range(0, 10).Select(i => f(i).IcmpEchoRequest(7, (ushort)i, Data(i)).Build())];
        yield return new TestCaseData("TP-SRH-BI-02", Make(_ => Into().Ipv6(A, S).Srh([D, N2, S], 2, h => h.LastEntry = 5)), PointerToSegmentsLeft).SetArgDisplayNames("TP-SRH-BI-02");
        yield return new TestCaseData("TP-SRH-BI-03", Make(_ => Into().Ipv6(A, S).Srh([D, N2, S], 2, h => h.HdrExtLen = 4)), PointerToSegmentsLeft).SetArgDisplayNames("TP-SRH-BI-03");
        yield return new TestCaseData("TP-SRH-BI-04", Make(_ => Into().Ipv6(A, S).Srh([D, N2, S], 2, h => h.LastEntry = 0)), PointerToSegmentsLeft).SetArgDisplayNames("TP-SRH-BI-04");
        yield return new TestCaseData("TP-LOCAL-BI-01", Make(_ => Into().Ipv6(A, L).Srh([D, N2, L], 2)), PointerToRoutingType).SetArgDisplayNames("TP-LOCAL-BI-01");
    }

    private static List<ExpectedPacket> Expected(List<byte[]> stimuli, uint pointer) =>
        [.. stimuli.Select((st, i) => Icmp.Error(OutOf(), "t1", st, Dut, 4, 0, pointer, $"Parameter Problem {i}"))];

    private static Judgement JudgeReception(List<byte[]> stimuli, uint expectedPointer, IEnumerable<(string Port, byte[] Frame)> received) =>
        Judge.Exchange(new TrafficResult([], [.. received.Select(r => new Frame(DateTime.UtcNow, r.Frame, r.Port, FrameDirection.Received))], [], [], true, TimeSpan.Zero),
            Expected(stimuli, expectedPointer));

    [TestCaseSource(nameof(Purposes))]
    public void AConformingParameterProblemForEveryProbePasses(string purpose, List<byte[]> stimuli, uint pointer)
    {
        var replies = stimuli.Select(st => ("t1", Icmp.Error(OutOf(), "t1", st, Dut, 4, 0, pointer, "reply").Frame));
        var j = JudgeReception(stimuli, pointer, replies);
        Assert.That(j.Pass, Is.True, $"{purpose}: {j.Explain()}");
    }

    [TestCaseSource(nameof(Purposes))]
    public void SilenceFails(string purpose, List<byte[]> stimuli, uint pointer)
    {
        var j = JudgeReception(stimuli, pointer, []);
        Assert.That(j.Pass, Is.False, purpose);
        Assert.That(j.Missing, Has.Count.EqualTo(10));
    }

    [TestCaseSource(nameof(Purposes))]
    public void AWrongPointerFails(string purpose, List<byte[]> stimuli, uint pointer)
    {
        uint wrong = pointer == PointerToSegmentsLeft ? PointerToRoutingType : PointerToSegmentsLeft;
        var replies = stimuli.Select(st => ("t1", Icmp.Error(OutOf(), "t1", st, Dut, 4, 0, wrong, "reply").Frame));
        var j = JudgeReception(stimuli, pointer, replies);
        Assert.That(j.Pass, Is.False, purpose);
        Assert.That(j.Explain(), Does.Contain("pointer").Or.Contain("icmpv6"), purpose);
    }

    [Test]
    public void ForwardingToTheNextSegmentAsLinuxDoesFailsTheLocalAddressCase()
    {
        var stimuli = Purposes().Single(p => (string)p.Arguments[0]! == "TP-LOCAL-BI-01").Arguments[1] as List<byte[]>;
        var forwarded = Enumerable.Range(0, 10).Select(i => ("t2",
            OutOf().Ipv6(A, N2, 63).Srh([D, N2, L], 1).IcmpEchoRequest(7, (ushort)i, System.Text.Encoding.ASCII.GetBytes($"probe {i:D4}".PadRight(40, '.'))).Build()));
        var j = JudgeReception(stimuli!, PointerToRoutingType, forwarded);
        Assert.That(j.Pass, Is.False);
        Assert.That(j.Unexpected, Has.Count.EqualTo(10));
    }
}
