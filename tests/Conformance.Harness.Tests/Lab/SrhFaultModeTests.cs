using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;

/// <summary>The fault modes added for the SRH processing cases (offline: transformations of the rendered configuration).</summary>
[TestFixture]
public class SrhFaultModeTests
{
    private static readonly Profile Reference = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
    private static readonly DutConfig Rendered = ProfileDutConfig.Srv6(Reference);

    [Test]
    public void EndWithoutCounters_DropsCountOnlyFromTheEndRoute()
    {
        var c = ProfileDutConfig.Srv6(Reference, LabFaultMode.EndWithoutCounters);
        Assert.That(Rendered.RouteCommandFor("end"), Does.Contain(" count "));
        Assert.That(c.RouteCommandFor("end"), Does.Contain("action End").And.Not.Contain(" count"));
        Assert.That(c.RouteCommandFor("end_psp"), Is.EqualTo(Rendered.RouteCommandFor("end_psp")));
        Assert.That(c.Commands, Has.Count.EqualTo(Rendered.Commands.Count));
        Assert.That(LabFaultMode.Parse("EndWithoutCounters"), Is.SameAs(LabFaultMode.EndWithoutCounters));
    }

    [Test]
    public void EndSidRoutedOnwards_ReplacesTheEndSidByAPlainRouteToTheEndXNextHop()
    {
        var c = ProfileDutConfig.Srv6(Reference, LabFaultMode.EndSidRoutedOnwards);
        Assert.That(c.RouteCommandFor("end"), Is.EqualTo($"ip -6 route add {Rendered.Sid("end")}/128 via 2001:db8:0:2::2 dev veth-t2"));
        Assert.That(c.Commands, Has.Count.EqualTo(Rendered.Commands.Count));
    }
}
