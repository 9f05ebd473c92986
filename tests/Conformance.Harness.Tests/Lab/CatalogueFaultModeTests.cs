using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;


/// <summary>The fault modes added with the End.DX2 and H.Insert cases (offline: transformations of the profile-rendered configuration).</summary>
[TestFixture]
public class CatalogueFaultModeTests
{
    private static readonly Profile Reference = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
    private static readonly DutConfig Rendered = ProfileDutConfig.Srv6(Reference);

    [Test]
    public void TheReferenceConfigurationProgramsEndDx2AndTheInsertPolicy()
    {
        Assert.That(Rendered.RouteCommandFor("end_dx2"), Is.EqualTo("ip -6 route add 2001:db8:b:1:d2::/128 encap seg6local action End.DX2 oif veth-t2 count dev veth-t1"));
        Assert.That(Rendered.Commands, Has.One.EqualTo("ip -6 route add 2001:db8:e:6::/64 encap seg6 mode inline segs 2001:db8:b:2:e::,2001:db8:b:3:e:: dev veth-t2 metric 1"));
    }

    [Test]
    public void EndDx2WrongInterface_MovesOnlyTheOifToT3()
    {
        var c = ProfileDutConfig.Srv6(Reference, LabFaultMode.EndDx2WrongInterface);
        Assert.That(c.RouteCommandFor("end_dx2"), Is.EqualTo("ip -6 route add 2001:db8:b:1:d2::/128 encap seg6local action End.DX2 oif veth-t3 count dev veth-t1"));
        Assert.That(c.Commands.Where((x, i) => x != Rendered.Commands[i]).ToList(), Has.Count.EqualTo(1));
        Assert.That(LabFaultMode.Parse("enddx2wronginterface"), Is.SameAs(LabFaultMode.EndDx2WrongInterface));
    }

    [Test]
    public void HInsertAsEncap_ReprogramsOnlyTheInlinePolicy()
    {
        var c = ProfileDutConfig.Srv6(Reference, LabFaultMode.HInsertAsEncap);
        Assert.That(c.Commands, Has.None.Contains(" mode inline "));
        Assert.That(c.Commands, Has.One.EqualTo("ip -6 route add 2001:db8:e:6::/64 encap seg6 mode encap segs 2001:db8:b:2:e::,2001:db8:b:3:e:: dev veth-t2 metric 1"));
        Assert.That(c.Commands.Where((x, i) => x != Rendered.Commands[i]).ToList(), Has.Count.EqualTo(1));
        Assert.That(() => LabFaultMode.HInsertAsEncap.Transform(LabFaultMode.HInsertAsEncap.Transform(Conformance.Harness.Intent.IntentBuilder.Build(Reference))), Throws.InvalidOperationException,
            "without an inline policy the mode has nothing to break");
    }
}
