using System.Net;
using Conformance.Harness.Tester;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

public class PrefixProbesTests
{
    [Test]
    public void ProbesCoverTheWholePrefixAndStepJustOutside()
    {
        var p = PrefixProbes.Across(IPNetwork.Parse("5f00::/16"), seed: 7, random: 3, IPAddress.Parse("5f00:0:1:e::"));
        Assert.Multiple(() =>
        {
            Assert.That(p.Single(x => x.Place == ProbePlace.First).Address, Is.EqualTo(IPAddress.Parse("5f00::")));
            Assert.That(p.Single(x => x.Place == ProbePlace.Last).Address, Is.EqualTo(IPAddress.Parse("5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
            Assert.That(p.Single(x => x.Place == ProbePlace.JustBelow).Address, Is.EqualTo(IPAddress.Parse("5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
            Assert.That(p.Single(x => x.Place == ProbePlace.JustAbove).Address, Is.EqualTo(IPAddress.Parse("5f01::")));
            Assert.That(p.Count(x => x.Place == ProbePlace.Random), Is.EqualTo(3));
            Assert.That(p.Where(x => x.Inside).All(x => IPNetwork.Parse("5f00::/16").Contains(x.Address)));
            Assert.That(p.Where(x => !x.Inside).Any(x => IPNetwork.Parse("5f00::/16").Contains(x.Address)), Is.False);
            // Seeded: the same seed gives the same addresses; the random ones spread beyond the first /32 (which is
            // what a 5f00::/32 rule would cover).
            var again = PrefixProbes.Across(IPNetwork.Parse("5f00::/16"), 7, 3, IPAddress.Parse("5f00:0:1:e::"));
            Assert.That(again.Select(x => x.Address), Is.EqualTo(p.Select(x => x.Address)));
            Assert.That(PrefixProbes.Across(IPNetwork.Parse("5f00::/16"), 8).Where(x => x.Place == ProbePlace.Random).Select(x => x.Address),
                Is.Not.EqualTo(p.Where(x => x.Place == ProbePlace.Random).Select(x => x.Address)), "another seed, other random addresses");
            Assert.That(p.Where(x => x.Inside).Count(x => !IPNetwork.Parse("5f00::/32").Contains(x.Address)), Is.GreaterThanOrEqualTo(2));
        });
        Assert.Throws<ArgumentException>(() => PrefixProbes.Across(IPNetwork.Parse("2001:db8:b::/48"), 1, 1, IPAddress.Parse("2001:db8:c::1")));
        var v4 = PrefixProbes.Across(IPNetwork.Parse("192.0.2.0/24"), 1, 0);
        Assert.That(v4.Select(x => x.Address.ToString()), Is.EqualTo(new[] { "192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0" }));
    }
}
