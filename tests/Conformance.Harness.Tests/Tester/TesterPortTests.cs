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
