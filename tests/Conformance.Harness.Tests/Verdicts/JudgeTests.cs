using System.Net;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Verdicts;

public class JudgeTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), D = IPAddress.Parse("2001:db8:d::1");

    private static byte[] Echo(ushort id, ushort seq, byte hl = 63) =>
        new PacketBuilder().Ethernet("02-00-00-00-00-01", "02-00-00-00-00-02").Ipv6(A, D, hl).IcmpEchoRequest(id, seq, [9, 9]).Build();

    private static TrafficResult Got(params (string Port, byte[] Frame)[] frames) =>
        new([], frames.Select(f => new Frame(DateTime.UtcNow, f.Frame, f.Port, FrameDirection.Received)).ToList(), [], [], true, TimeSpan.Zero);

    [Test]
    public void ExactMissingDuplicateAndLeakAreToldApart()
    {
        var expected = new[] { new ExpectedPacket("t2", Echo(1, 1), "p1", []), new ExpectedPacket("t2", Echo(1, 2), "p2", []) };
        var j = Judge.Exchange(Got(("t2", Echo(1, 1)), ("t2", Echo(1, 1)), ("t3", Echo(1, 2))), expected);
        Assert.Multiple(() =>
        {
            Assert.That(j.Pass, Is.False);
            Assert.That(j.Matched, Has.Count.EqualTo(1));
            Assert.That(j.Missing.Single().Description, Is.EqualTo("p2"));
            Assert.That(j.Unexpected.Select(u => u.Why), Is.EquivalentTo(new[] { "duplicate", "expected on t2, came out of t3" }));
        });
    }

    [Test]
    public void AChangedFieldIsADifference()
    {
        var j = Judge.Exchange(Got(("t2", Echo(1, 1, hl: 64))), [new ExpectedPacket("t2", Echo(1, 1), "p1", [])]);
        Assert.That(j.Pass, Is.False);
        Assert.That(j.Explain(), Does.Contain("ipv6.hop_limit: expected 63, received 64"));
    }

    [Test]
    public void LatePacketsOfAnotherCaseAreSetAsideButOwnExtrasStillFail()
    {
        var expected = new[] { new ExpectedPacket("t2", Echo(1, 1), "p1", []) };
        bool Other(DecodedPacket d) => ProbeKey.Of(d) is { } k && k.StartsWith("echo:2:", StringComparison.Ordinal);
        var j = Judge.Exchange(Got(("t2", Echo(1, 1)), ("t1", Echo(2, 5))), expected, Other);
        Assert.That(j.Pass, Is.True, j.Explain());
        Assert.That(j.LateFromEarlierCases, Has.Count.EqualTo(1));
        var own = Judge.Exchange(Got(("t2", Echo(1, 1)), ("t1", Echo(1, 7))), expected, Other);
        Assert.That(own.Pass, Is.False, "an extra packet carrying this case's own marker is judged");
    }
}
