using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// For TP-CSID-BI-01, which no Linux configuration passes (DEV-LINUX-060), show offline that the case's expectation
/// accepts an RFC-conforming Time Exceeded (RFC 9800 §4.1.1 N02–N03: the packet as received, before N05–N07) and
/// rejects the Linux one (quoting the shifted destination): the same <see cref="Icmp.Error"/> and <see cref="Judge"/>.
/// </summary>
public class CsidConformingReplyTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut = IPAddress.Parse("2001:db8:0:1::1"),
        D = IPAddress.Parse("2001:db8:d::1");
    private static readonly CsidBlock Block = new(IPAddress.Parse("2001:db8::"), CsidStructure.F3216);
    private static readonly IPAddress Container = CsidCodec.EncodeNext(Block, [0xc1, 0x0d, 0x0000, 0x1234, 0xabcd, 0x5678]);
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";

    private static byte[] Stimulus(IPAddress da) =>
        new PacketBuilder().Ethernet(TesterMac, DutMac).Ipv6(A, da, 1).Srh([D, Container], 1).WithPseudoHeaderDestination(D).IcmpEchoRequest(7, 1, [1, 2, 3, 4]).Build();

    private static Judgement JudgeReply(byte[] quotedStimulus)
    {
        var expected = Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", Stimulus(Container), Dut, 3, 0, 0, "Time Exceeded");
        var reply = Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", quotedStimulus, Dut, 3, 0, 0, "reply").Frame;
        var received = new TrafficResult([], [new Frame(DateTime.UtcNow, reply, "t1", FrameDirection.Received)], [], [], true, TimeSpan.Zero);
        return Judge.Exchange(received, [expected]);
    }

    [Test]
    public void AConformingTimeExceededQuotingTheContainerAsReceivedPasses()
    {
        Assert.That(Container, Is.EqualTo(IPAddress.Parse("2001:db8:c1:d:0:1234:abcd:5678")));
        var j = JudgeReply(Stimulus(Container));
        Assert.That(j.Pass, Is.True, j.Explain());
    }

    [Test]
    public void TheLinuxTimeExceededQuotingTheShiftedDestinationFails()
    {
        var shifted = CsidEndpoint.NextCsid(Container, CsidStructure.F3216);
        Assert.That(shifted, Is.EqualTo(IPAddress.Parse("2001:db8:d:0:1234:abcd:5678:0")));
        var j = JudgeReply(Stimulus(shifted)); // DEV-LINUX-060: the DA already shifted
        Assert.That(j.Pass, Is.False);
        Assert.That(j.Explain(), Does.Contain("inner.icmpv6.invoking.ipv6.dst"));
    }
}
