using System.Text.Json;
using Conformance.Harness.Tester;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

/// <summary>
/// The tester interlock with the host's view injected, for the cases a test must not create on the real host
/// (a second default route, a management address on a NIC): each refusal names the interface and the reason,
/// and <c>dedicated: true</c> is the only way past it. TesterPortTests covers lo and a missing NIC for real.
/// </summary>
public class TesterInterlockTests
{
    private static Func<string[], JsonElement> Host(string? v4Default = null, string? v6Default = null, params (string If, string Addr, string Scope)[] addrs) => args =>
    {
        string json;
        if (args.Contains("route"))
        {
            var dev = args[0] == "-4" ? v4Default : v6Default;
            json = dev is null ? "[]" : $"[{{\"dst\":\"default\",\"gateway\":\"192.0.2.254\",\"dev\":\"{dev}\"}}]";
        }
        else
        {
            var name = args[^1];
            var infos = string.Join(',', addrs.Where(a => a.If == name).Select(a => $"{{\"local\":\"{a.Addr}\",\"scope\":\"{a.Scope}\"}}"));
            json = $"[{{\"ifname\":\"{name}\",\"addr_info\":[{infos}]}}]";
        }
        return JsonDocument.Parse(json).RootElement.Clone();
    };

    private static readonly Func<string, bool> Exists = _ => true;

    [Test]
    public void RefusesTheInterfaceWithTheIpv4DefaultRouteAndSaysSo()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TesterInterlock.Verify("eno1", false, Exists, Host(v4Default: "eno1")));
        Assert.That(e!.Message, Does.Contain("'eno1'").And.Contain("default route (-4)").And.Contain("dedicated: true"));
    }

    [Test]
    public void RefusesTheInterfaceWithTheIpv6DefaultRouteAndSaysSo()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TesterInterlock.Verify("eno2", false, Exists, Host(v6Default: "eno2")));
        Assert.That(e!.Message, Does.Contain("'eno2'").And.Contain("default route (-6)"));
    }

    [TestCase("global")]
    [TestCase("site")]
    [TestCase("host")]
    public void RefusesAnInterfaceWithAHostAddressAndNamesTheAddress(string scope)
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            TesterInterlock.Verify("mgmt0", false, Exists, Host(null, null, ("mgmt0", "2001:db8:ffff::10", scope))));
        Assert.That(e!.Message, Does.Contain("'mgmt0'").And.Contain("2001:db8:ffff::10").And.Contain("dedicated: true"));
    }

    [Test]
    public void AllowsAnInterfaceWithOnlyALinkLocalAddressAndNoDefaultRoute()
    {
        Assert.DoesNotThrow(() => TesterInterlock.Verify("tp0", false, Exists, Host("eno1", "eno1", ("tp0", "fe80::1", "link"), ("eno1", "192.0.2.10", "global"))));
    }

    [Test]
    public void ADefaultRouteOnAnotherInterfaceDoesNotBlockThisOne()
    {
        Assert.DoesNotThrow(() => TesterInterlock.Verify("tp1", false, Exists, Host("eno1", "eno1")));
    }

    [Test]
    public void DedicatedSkipsTheRouteAndAddressChecksButNotTheExistenceCheck()
    {
        var asked = 0;
        Assert.DoesNotThrow(() => TesterInterlock.Verify("eno1", true, Exists, args => { asked++; return Host("eno1", "eno1", ("eno1", "192.0.2.10", "global"))(args); }));
        Assert.That(asked, Is.Zero, "a dedicated port is not inspected");
        var e = Assert.Throws<TestbedException>(() => TesterInterlock.Verify("gone0", true, _ => false, Host()));
        Assert.That(e!.Message, Does.Contain("'gone0'").And.Contain("does not exist"));
    }
}
