using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// For the behaviour purposes no Linux configuration passes (DEV-LINUX-010…045), show offline that the
/// expectation the case builds accepts an RFC-conforming reception and rejects what Linux does: the
/// same <see cref="Icmp.Error"/> / expected frames and <see cref="Judge"/>, on hand-made receptions.
/// </summary>
public class BehaviorConformingReceptionTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut1 = IPAddress.Parse("2001:db8:0:1::1"), Dut2 = IPAddress.Parse("2001:db8:0:2::1"),
        X = IPAddress.Parse("2001:db8:b:1:c2::"), Dx6 = IPAddress.Parse("2001:db8:b:1:d66::"), S = IPAddress.Parse("2001:db8:b:1:e::"),
        B6 = IPAddress.Parse("2001:db8:b:1:b6::"), N2 = IPAddress.Parse("2001:db8:b:2:e::"), N3 = IPAddress.Parse("2001:db8:b:3:e::"),
        D = IPAddress.Parse("2001:db8:d::1"), D3 = IPAddress.Parse("2001:db8:d:3::1"), E1 = IPAddress.Parse("2001:db8:e:1::1");
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";

    private static PacketBuilder Into() => new PacketBuilder().Ethernet(TesterMac, DutMac);
    private static PacketBuilder OutOf() => new PacketBuilder().Ethernet(DutMac, TesterMac);

    private static Judgement JudgeReceived(ExpectedPacket expected, params (string Port, byte[] Frame)[] received) =>
        Judge.Exchange(new TrafficResult([], received.Select(r => new Frame(DateTime.UtcNow, r.Frame, r.Port, FrameDirection.Received)).ToList(), [], [], true, TimeSpan.Zero), [expected]);

    private static ExpectedPacket Error(byte[] stimulus, byte type, byte code, uint field) => Icmp.Error(OutOf(), "t1", stimulus, Dut1, type, code, field, "error");
    private static byte[] Reply(byte[] quoted, byte type, byte code, uint field) => Icmp.Error(OutOf(), "t1", quoted, Dut1, type, code, field, "reply").Frame;

    [Test]
    public void EndXTimeExceededQuotingThePacketAsReceivedPassesAndTheLinuxQuoteFails()
    {
        byte[] Stim(IPAddress da, byte sl) => Into().Ipv6(A, da, 1).Srh([D, N3, X], sl).IcmpEchoRequest(7, 1, [1, 2, 3]).Build();
        var expected = Error(Stim(X, 2), 3, 0, 0);
        Assert.That(JudgeReceived(expected, ("t1", Reply(Stim(X, 2), 3, 0, 0))).Pass, Is.True);
        Assert.That(JudgeReceived(expected, ("t1", Reply(Stim(N3, 1), 3, 0, 0))).Pass, Is.False, "DEV-LINUX-010: quote after End.X processing");
    }

    [Test]
    public void DecapsulationParameterProblemPointingAtSegmentsLeftPassesAndSilenceFails()
    {
        var stim = Into().Ipv6(A, Dx6).Srh([N2, Dx6], 1).Encapsulate(new PacketBuilder().Ipv6(A, D3).IcmpEchoRequest(7, 1, [1, 2, 3])).Build();
        var expected = Error(stim, 4, 0, 43);
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 4, 0, 43))).Pass, Is.True);
        Assert.That(JudgeReceived(expected).Pass, Is.False, "DEV-LINUX-011: silent drop");
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 4, 0, 42))).Pass, Is.False, "a wrong pointer fails");
    }

    [Test]
    public void UpperLayerParameterProblemCode4PointingAtTheTcpHeaderPassesAndSilenceFails()
    {
        var stim = Into().Ipv6(A, S).Srh([S, N2], 0).Tcp(40000, 9, TcpFlags.Syn, 1000).Build();
        var expected = Error(stim, 4, 4, 80);
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 4, 4, 80))).Pass, Is.True);
        Assert.That(JudgeReceived(expected).Pass, Is.False, "DEV-LINUX-012: silent drop");
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 4, 0, 80))).Pass, Is.False, "code 0 instead of 4 fails");
    }

    [Test]
    public void PacketTooBigWithTheMtuLeftAfterEncapsulationPassesAndSilenceFails()
    {
        var stim = Into().Ipv6(A, E1).IcmpEchoRequest(7, 1, new byte[1452]).Build();
        var expected = Error(stim, 2, 0, 1420);
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 2, 0, 1420))).Pass, Is.True);
        Assert.That(JudgeReceived(expected).Pass, Is.False, "DEV-LINUX-015: no Packet Too Big");
        Assert.That(JudgeReceived(expected, ("t1", Reply(stim, 2, 0, 1500))).Pass, Is.False, "the link MTU without the encapsulation fails");
    }

    private static readonly string[] OuterLeftToTheDut = ["ipv6.src", "ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"];

    [Test]
    public void EndB6EncapsInnerHopLimit63PassesAndTheLinux64Fails()
    {
        byte[] Out(byte innerHl, byte outerHl) => OutOf().Ipv6(Dut1, N2, outerHl).Srh([N2], 0)
            .Encapsulate(new PacketBuilder().Ipv6(A, N2, innerHl).Srh([D, N2, B6], 1).IcmpEchoRequest(7, 1, [1, 2, 3])).Build();
        var expected = new ExpectedPacket("t2", Out(63, 64), "B6", OuterLeftToTheDut);
        Assert.That(JudgeReceived(expected, ("t2", Out(63, 17))).Pass, Is.True);
        Assert.That(JudgeReceived(expected, ("t2", Out(64, 63))).Pass, Is.False, "DEV-LINUX-013: inner hop limit not decremented");
    }

    [Test]
    public void HEncapsInnerHopLimit63PassesAndTheLinux64Fails()
    {
        byte[] Out(byte innerHl, byte outerHl) => OutOf().Ipv6(Dut2, N2, outerHl).Srh([N3, N2], 1)
            .Encapsulate(new PacketBuilder().Ipv6(A, E1, innerHl, 0x2e, 0x12345).IcmpEchoRequest(7, 1, [1, 2, 3])).Build();
        var expected = new ExpectedPacket("t2", Out(63, 64), "H.Encaps", ["ipv6.hop_limit", "ipv6.traffic_class", "ipv6.flow_label"]);
        Assert.That(JudgeReceived(expected, ("t2", Out(63, 200))).Pass, Is.True);
        Assert.That(JudgeReceived(expected, ("t2", Out(64, 63))).Pass, Is.False, "DEV-LINUX-014: inner hop limit not decremented");
    }
}
