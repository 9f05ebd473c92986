using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Templates;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Dut;

public class TemplateAndConfigTests
{
    [Test]
    public void Render_FillsPlaceholders()
    {
        var r = TemplateRenderer.Render("ip addr add {{ addr }} dev {{dev}}", "t.conf", new Dictionary<string, string> { ["addr"] = "2001:db8::1/64", ["dev"] = "eth1" });
        Assert.That(r, Is.EqualTo("ip addr add 2001:db8::1/64 dev eth1"));
    }

    [Test]
    public void UnknownPlaceholder_NamesTemplateAndPlaceholder()
    {
        var ex = Assert.Throws<TemplateException>(() =>
            TemplateRenderer.Render("ip route add {{sid}} dev {{nope}}", "dut-configs/linux/x.conf", new Dictionary<string, string> { ["sid"] = "x" }));
        Assert.That(ex!.Message, Does.Contain("dut-configs/linux/x.conf").And.Contain("{{nope}}"));
    }

    [Test]
    public void DefaultConfig_ProgramsEverySidWithCount_AndSplitsSysctls()
    {
        var c = ReferenceLabSpec.CreateDefault().Config;
        Assert.That(c.Sids.Keys, Is.EquivalentTo(new[] { "end", "end_psp", "end_x", "end_t", "end_dt6", "end_dx6" }));
        foreach (var role in c.Sids.Keys) Assert.That(c.RouteCommandFor(role), Does.Contain("encap seg6local").And.Contain(" count "), role);
        Assert.That(c.Sysctls, Does.Contain(new SysctlSetting("net.ipv6.conf.all.forwarding", "1")));
        Assert.That(c.Sysctls, Does.Contain(new SysctlSetting("net.ipv6.conf.eth3.accept_dad", "0")));
        Assert.That(c.Commands, Has.None.StartsWith("sysctl"));
        Assert.That(c.Commands, Does.Contain("ip -6 route add 2001:db8:d::/64 via 2001:db8:0:2::2 dev eth2"));
    }

    [Test]
    public void AllLabAddressesAreDocumentationPrefixes()
    {
        var spec = ReferenceLabSpec.CreateDefault();
        var text = string.Join("\n", spec.Config.ToLines());
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7}\b"))
            Assert.That(m.Value, Does.StartWith("2001:db8:"), m.Value);
        foreach (var p in spec.Ports)
        {
            Assert.That(p.TesterIPv4, Does.StartWith("192.0.2."));
            Assert.That(p.DutIPv4, Does.StartWith("192.0.2."));
        }
    }
}
