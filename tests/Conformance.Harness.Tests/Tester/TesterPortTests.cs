using System.Net;
using Conformance.Harness.Tester;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

[TestFixture, Category("Lab"), NonParallelizable]
public class TesterPortTests
{
    [Test]
    public async Task NdResponderLetsTheFarEndResolveAndCaptureSeesItsPackets()
    {
        using var veth = new VethPair();
        using var port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, [IPAddress.Parse(VethPair.TesterAddress)]));
        using var cap = port.StartCapture("icmp6 and ip6[40] == 128");
        // The far end pings the tester's address: it must first resolve it through our ND responder.
        var ping = Task.Run(() => Sh.Try("ip", "netns", "exec", veth.Namespace, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", VethPair.TesterAddress));
        bool got = await cap.WaitAsync(f => f.Count >= 3, TimeSpan.FromSeconds(5));
        await ping;
        var counters = cap.Stop();
        TestContext.Out.WriteLine($"ping: {(await ping).Out}\n{counters}; nd answered {port.NdAnswered}; seqs {string.Join(",", cap.Frames.Select(f => f.Data[14 + 40 + 7]))}");
        Assert.Multiple(() =>
        {
            Assert.That(got, Is.True, "three echo requests should reach the tester port once ND resolved it");
            Assert.That(port.NdAnswered, Is.GreaterThanOrEqualTo(1));
            Assert.That(counters.Captured, Is.EqualTo(3));
            Assert.That(counters.Lossless, Is.True, counters.ToString());
        });
        var neigh = veth.Ns("ip", "-6", "neigh", "show", VethPair.TesterAddress);
        Assert.That(neigh.ToLowerInvariant(), Does.Contain(port.Mac.ToString().ToLowerInvariant() is var m && m.Length == 12
            ? string.Join(':', Enumerable.Range(0, 6).Select(i => m.Substring(i * 2, 2))) : m));
    }

    /// <summary>
    /// Evidence is in causal order: a stimulus is stamped before it is handed to the kernel, so the far end's echo
    /// reply is never stamped (nor placed in the exchange pcapng) before the request that caused it, for a burst and
    /// for single sends alike.
    /// </summary>
    [Test]
    public async Task StimuliAreStampedBeforeTheResponsesTheyCause()
    {
        using var veth = new VethPair();
        using var port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, [IPAddress.Parse(VethPair.TesterAddress)]));
        var farMac = System.Net.NetworkInformation.PhysicalAddress.Parse(veth.FarMac.Replace(':', '-').ToUpperInvariant());
        veth.Ns("ip", "-6", "neigh", "replace", VethPair.TesterAddress, "lladdr", string.Join(':', Enumerable.Range(0, 6).Select(i => port.Mac.ToString().Substring(i * 2, 2))), "dev", veth.FarIf);
        var frames = Enumerable.Range(0, 20).Select(i => new Conformance.Harness.Packets.PacketBuilder().Ethernet(port.Mac, farMac)
            .Ipv6(IPAddress.Parse(VethPair.TesterAddress), IPAddress.Parse(VethPair.FarAddress), 64)
            .IcmpEchoRequest(0x5a5a, (ushort)i, new byte[16]).Build()).ToList();
        using var session = new TrafficSession([port]);
        session.Send("t1", frames.Take(10).ToList());
        foreach (var f in frames.Skip(10)) session.Send("t1", [f]);
        static bool IsReply(Conformance.Harness.Capture.Frame f) => f.Data.Length > 62 && f.Data[12] == 0x86 && f.Data[13] == 0xdd && f.Data[20] == 58 && f.Data[54] == 129;
        var result = await session.CompleteAsync(got => got.Count(IsReply) >= 20, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
        var replies = result.Received.Where(IsReply).ToList();
        Assert.That(replies, Has.Count.EqualTo(20), result.Reconciliation(20));
        static int Seq(Conformance.Harness.Capture.Frame f) => (f.Data[14 + 40 + 6] << 8) | f.Data[14 + 40 + 7];
        var all = result.All.ToList();
        foreach (var r in replies)
        {
            var request = result.Sent.Single(s => Seq(s) == Seq(r));
            Assert.That(request.TimestampUtc, Is.LessThanOrEqualTo(r.TimestampUtc), $"probe {Seq(r)}: request stamped {request.TimestampUtc:O}, reply {r.TimestampUtc:O}");
            Assert.That(all.IndexOf(request), Is.LessThan(all.IndexOf(r)), $"the exchange order puts probe {Seq(r)}'s reply before its request");
        }
    }

    [Test]
    public void NoAnswerForAddressesThePortDoesNotOwn()
    {
        using var veth = new VethPair();
        using var port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, [IPAddress.Parse("2001:db8:0:9::3")]));
        var (code, _, _) = Sh.Try("ip", "netns", "exec", veth.Namespace, "ping", "-6", "-c", "1", "-W", "1", VethPair.TesterAddress);
        Assert.That(code, Is.Not.EqualTo(0), "nobody owns the pinged address, so it must stay unresolved");
        Assert.That(port.NdAnswered, Is.EqualTo(0));
    }

    [Test]
    public void InterlockRefusesAnInterfaceWithAnAddress()
    {
        // The loopback interface carries host addresses: a tester port must never be opened on it.
        var e = Assert.Throws<InvalidOperationException>(() => TesterInterlock.Verify("lo", dedicated: false));
        Assert.That(e!.Message, Does.Contain("'lo'").And.Contain("dedicated: true"));
        var missing = Assert.Throws<TestbedException>(() => TesterInterlock.Verify("s6cnonexist0", dedicated: false));
        Assert.That(missing!.Message, Does.Contain("s6cnonexist0").And.Contain("tester_ports"));
    }

    [Test]
    public void LimitsRejectUnboundedInjection()
    {
        var limits = new TrafficLimits(MaxPackets: 100, MaxRatePps: 1000);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.CheckCount(101, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.CheckRate(1001, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.CheckRate(0, "x"));
        Assert.DoesNotThrow(() => limits.CheckCount(100, "x"));
    }
}

[TestFixture, Category("Lab"), NonParallelizable]
public class ArpResponderTests
{
    [Test]
    public void ArpResponderLetsTheFarEndResolveAnIpv4NextHop()
    {
        using var veth = new VethPair();
        veth.Ns("ip", "-4", "addr", "add", "198.51.100.1/24", "dev", veth.FarIf);
        using var port = TesterPort.Open(new TesterPortBinding("t2", veth.TesterIf, [IPAddress.Parse("198.51.100.2")]));
        Sh.Try("ip", "netns", "exec", veth.Namespace, "ping", "-4", "-c", "2", "-i", "0.3", "-W", "1", "198.51.100.2");
        var neigh = veth.Ns("ip", "-4", "neigh", "show", "198.51.100.2");
        var mac = string.Join(':', Enumerable.Range(0, 6).Select(i => port.Mac.ToString().Substring(i * 2, 2))).ToLowerInvariant();
        Assert.That(neigh, Does.Contain(mac), $"the far end resolved 198.51.100.2 to the tester port's MAC: {neigh}");
        Assert.That(port.NdAnswered, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void ArpIsControlPlaneChatter()
    {
        var req = new byte[42];
        req[12] = 0x08; req[13] = 0x06;
        Assert.That(NeighborDiscovery.IsControlPlaneNoise(req), Is.True);
    }
}
