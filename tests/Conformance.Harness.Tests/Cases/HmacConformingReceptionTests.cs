using System.Net;
using Conformance.Cases.Security;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// For the HMAC purposes no Linux mode passes (DEV-LINUX-030/041), show offline that the cases' expectations
/// accept what an RFC 8754 node does and reject what Linux does, with the same helpers and Judge the cases use:
/// a valid HMAC packet forwarded by End (DA = next segment, SL and hop limit decremented, TLV untouched) passes
/// the acceptance expectation and "nothing" fails it; a failed verification that drops the packet (optionally
/// with the Parameter Problem the RFC says SHOULD be sent) passes the rejection expectation, forwarding fails it.
/// </summary>
public class HmacConformingReceptionTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), Dut = IPAddress.Parse("2001:db8:0:1::1"),
        S = IPAddress.Parse("2001:db8:b:1:e::"), N2 = IPAddress.Parse("2001:db8:b:2:e::"), D = IPAddress.Parse("2001:db8:d::1");
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";
    private static readonly byte[] Key = "lab-secret-for-the-proof"u8.ToArray();
    private static readonly byte[] Data = [1, 2, 3, 4, 5, 6, 7, 8];
    private static Action<SegmentRoutingHeader> Hmac => HmacExpectations.Srh(h => h.AddHmac(HmacAlgorithm.Sha256, Key, 1, A));

    private static byte[] Stimulus() => new PacketBuilder().Ethernet(TesterMac, DutMac).Ipv6(A, S).Srh([D, N2, S], 2, Hmac).IcmpEchoRequest(7, 1, Data).Build();

    /// <summary>What an RFC 8754/8986 End node sends: the stimulus patched on the wire, not rebuilt by the helper.</summary>
    private static byte[] ConformingForward()
    {
        var f = Stimulus();
        var dst = f.AsSpan(0, 6).ToArray(); var src = f.AsSpan(6, 6).ToArray();
        src.CopyTo(f, 0); dst.CopyTo(f, 6);            // DUT → tester
        f[14 + 7] = 63;                                  // hop limit
        N2.GetAddressBytes().CopyTo(f, 14 + 24);         // DA = Segment List[1]
        f[14 + 40 + 3] = 1;                              // Segments Left
        return f;
    }

    private static Judgement JudgeAccept(params (string Port, byte[] Frame)[] got)
    {
        var expected = HmacExpectations.Forwarded(new PacketBuilder().Ethernet(DutMac, TesterMac), A, D, N2, S, Hmac, 7, 1, Data);
        return Judge.Exchange(Received(got), [expected]);
    }

    private static TrafficResult Received((string Port, byte[] Frame)[] got) =>
        new([], got.Select(g => new Frame(DateTime.UtcNow, g.Frame, g.Port, FrameDirection.Received)).ToList(), [], [], true, TimeSpan.Zero);

    [Test]
    public void TheForwardedPacketOfAConformingNodePassesTheAcceptanceExpectation()
    {
        var j = JudgeAccept(("t2", ConformingForward()));
        Assert.That(j.Pass, Is.True, j.Explain());
        Assert.That(PacketDecoder.Decode(ConformingForward()).Srh!.Tlvs.OfType<HmacTlv>().Single().Length, Is.EqualTo(38));
    }

    [Test]
    public void TheLinuxDropFailsTheAcceptanceExpectation() => Assert.That(JudgeAccept().Pass, Is.False);

    private static bool Rejected(params (string Port, byte[] Frame)[] got)
    {
        var j = Judge.Exchange(Received(got), []);
        return j.Unexpected.All(u => HmacExpectations.ToleratedAfterFailedVerification(u.Decoded, u.Frame.Port, "t1", [Dut]));
    }

    [Test]
    public void ADropWithOrWithoutTheParameterProblemPassesTheRejectionExpectation()
    {
        Assert.That(Rejected(), Is.True, "silent drop");
        var pp = Conformance.Cases.Support.Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", Stimulus(), Dut, 4, 0, 40 + 8 + 48, "PP").Frame;
        Assert.That(Rejected(("t1", pp)), Is.True, "Parameter Problem code 0 back to the source (SHOULD)");
    }

    [Test]
    public void TheLinuxForwardingFailsTheRejectionExpectation()
    {
        Assert.That(Rejected(("t2", ConformingForward())), Is.False);
        var pp = Conformance.Cases.Support.Icmp.Error(new PacketBuilder().Ethernet(DutMac, TesterMac), "t1", Stimulus(), IPAddress.Parse("2001:db8:99::1"), 4, 0, 88, "PP").Frame;
        Assert.That(Rejected(("t1", pp)), Is.False, "an error from a foreign source is not tolerated");
    }
}
