using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// For a purpose no Linux configuration passes (TP-END-BI-01, DEV-LINUX-002), show offline that the
/// case's expectation accepts an RFC-conforming reply and rejects the Linux one: the same
/// <see cref="Icmp.Error"/> and <see cref="Judge"/> the case uses, on hand-made receptions.
/// </summary>
public class ConformingReplyTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut = IPAddress.Parse("2001:db8:0:1::1"),
        S = IPAddress.Parse("2001:db8:b:1:e::"), N2 = IPAddress.Parse("2001:db8:b:2:e::"), D = IPAddress.Parse("2001:db8:d::1");
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";

    private static byte[] Stimulus(byte hopLimit, IPAddress da, byte sl) =>
        new PacketBuilder().Ethernet(TesterMac, DutMac).Ipv6(A, da, hopLimit).Srh([D, N2, S], sl).IcmpEchoRequest(7, 1, [1, 2, 3, 4]).Build();

    private static Judgement JudgeReply(byte[] quotedStimulus)
    {
        var stimulus = Stimulus(1, S, 2);
        var expected = Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", stimulus, Dut, 3, 0, 0, "Time Exceeded");
        var reply = Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", quotedStimulus, Dut, 3, 0, 0, "reply").Frame;
        var received = new TrafficResult([], [new Frame(DateTime.UtcNow, reply, "t1", FrameDirection.Received)], [], [], true, TimeSpan.Zero);
        return Judge.Exchange(received, [expected]);
    }

    [Test]
    public void AConformingTimeExceededQuotingThePacketAsReceivedPasses()
    {
        var j = JudgeReply(Stimulus(1, S, 2));
        Assert.That(j.Pass, Is.True, j.Explain());
    }

    [Test]
    public void TheLinuxTimeExceededQuotingThePacketAfterEndProcessingFails()
    {
        var j = JudgeReply(Stimulus(1, N2, 1)); // DA already the next segment, SL decremented (DEV-LINUX-002)
        Assert.That(j.Pass, Is.False);
        Assert.That(j.Explain(), Does.Contain("inner.icmpv6.invoking.ipv6.dst").And.Contain("inner.icmpv6.invoking.srh.segments_left"));
    }
}
