using System.Net;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>The reference node's configuration language: every NodeConfig field round-trips, errors name the line and token.</summary>
public class ConfigLanguageTests
{
    internal const string Secret1 = "s3cr3t-never-printed";

    /// <summary>A configuration using every statement of the language.</summary>
    internal const string Full = """
        hostname r1
        interface eth1
         ipv6 address 2001:db8:0:1::1/64
         ipv6 address 2001:db8:0:1::/64
         ipv4 address 192.0.2.1/24
         hmac require
        interface eth2
         ipv6 address 2001:db8:0:2::1/64
         srv6 disable
         hmac verify-if-present
         shutdown
        interface eth3
         ipv6 address 2001:db8:0:3::1/64
         sr-domain external
        loopback
         ipv6 address 2001:db8:b:1::1/128
         ipv4 address 10.255.0.1/32
        route 2001:db8:d::/48 via 2001:db8:0:2::2 interface eth2
        route table 100 2001:db8:d:3::/64 via 2001:db8:0:2::2
        route 2001:db8:dead::/48 discard
        route 203.0.113.0/24 interface eth3
        icmp error-interval 100 burst 5
        segment-routing srv6
         source-address 2001:db8:b:1::1
         flow-label zero
         locator main
          prefix 2001:db8:b:1::/64
         locator usid
          prefix fc00:0:1::/48
          compression next-csid block-bits 32 csid-bits 16
         local-sid end
          sid 2001:db8:b:1:e::
          behavior End
         local-sid end_psp
          sid 2001:db8:b:1:e1::/80
          behavior end
          flavors psp usp usd
          in-locator main
         local-sid end_x
          sid 2001:db8:b:1:c2::
          behavior End.X
          next-hop 2001:db8:0:2::2
          out-interface eth2
         local-sid end_t
          sid 2001:db8:b:1:71::
          behavior End.T
          lookup-table 100
         local-sid b6
          sid 2001:db8:b:1:b6::
          behavior End.B6.Encaps.Red
          segment-list 2001:db8:b:2:e::, 2001:db8:b:3:e::
         local-sid un
          sid fc00:0:1:e000::
          behavior End
          flavors next-csid
          in-locator usid
         policy to-d
          mode H.Encaps
          segment-list 2001:db8:b:2:e::,2001:db8:d::1
          steer 2001:db8:d::/48
          install-table 100
         policy l2
          mode h.encaps.l2.red
          segment-list 2001:db8:b:2:e::
          l2-source eth1
         domain
          protect 2001:db8:b::/48
          protect 5f00::/16
          drop-srh-to-local
          source-check eth1 locator 2001:db8:b:1::/64 inside 2001:db8::/33,2001:db8:8000::/34
         hmac-key 1 algorithm sha256 secret s3cr3t-never-printed
         hmac-key 2 algorithm sha1 secret two words
         oam
          o-flag enable
          collector 2001:db8:0:3::2
          punt-rate 10 burst 20
        debug fault hop-limit-not-decremented
        debug fault psp-ignored
        """;

    [Test]
    public void EveryStatementReachesTheModel()
    {
        var box = new SecretBox();
        var c = ConfigEditor.Parse(Full, box);
        Assert.That(c.Hostname, Is.EqualTo("r1"));
        Assert.That(c.Interfaces.Select(i => i.Name), Is.EqualTo(new[] { "eth1", "eth2", "eth3" }));
        var eth1 = c.Interfaces[0];
        Assert.That(eth1.Ipv6HostAddresses, Is.EqualTo(new[] { (IPAddress.Parse("2001:db8:0:1::1"), 64) }));
        Assert.That(eth1.Ipv6Addresses, Is.EqualTo(new[] { IPNetwork.Parse("2001:db8:0:1::/64") }));
        Assert.That(eth1.Ipv4Addresses, Is.EqualTo(new[] { (IPAddress.Parse("192.0.2.1"), 24) }));
        Assert.That(eth1.Hmac, Is.EqualTo(HmacPolicyMode.Require));
        Assert.That(c.Interfaces[1], Has.Property("Srv6Enabled").False.And.Property("Shutdown").True.And.Property("Hmac").EqualTo(HmacPolicyMode.VerifyIfPresent));
        Assert.That(c.Interfaces[2].External, Is.True);
        Assert.That(c.LoopbackAddresses, Has.Count.EqualTo(2));
        Assert.That(c.Routes, Has.Count.EqualTo(4));
        Assert.That(c.Routes[1].Table, Is.EqualTo("100"));
        Assert.That(c.Routes[2].Discard, Is.True);
        Assert.That(c.Routes[3], Has.Property("NextHop").Null.And.Property("Interface").EqualTo("eth3"));
        Assert.That(c.Icmp, Is.EqualTo(new IcmpConfig { ErrorIntervalMs = 100, ErrorBurst = 5 }));
        var s = c.Srv6;
        Assert.That(s.SourceAddress, Is.EqualTo(IPAddress.Parse("2001:db8:b:1::1")));
        Assert.That(s.FlowLabelFromInner, Is.False);
        Assert.That(s.Locators[1].Csid, Is.EqualTo(new CsidStructure(CsidFlavorKind.Next, 32, 16)));
        Assert.That(s.Sids.Select(x => x.Behavior), Is.EqualTo(new[] { Behavior.End, Behavior.End, Behavior.EndX, Behavior.EndT, Behavior.EndB6EncapsRed, Behavior.End }));
        Assert.That(s.Sids[1], Has.Property("PrefixLength").EqualTo(80).And.Property("Flavors").EqualTo(Flavors.Psp | Flavors.Usp | Flavors.Usd).And.Property("Locator").EqualTo("main"));
        Assert.That(s.Sids[2], Has.Property("NextHop").EqualTo(IPAddress.Parse("2001:db8:0:2::2")).And.Property("Interface").EqualTo("eth2"));
        Assert.That(s.Sids[3].Table, Is.EqualTo("100"));
        Assert.That(s.Sids[4].Segments, Has.Count.EqualTo(2));
        Assert.That(s.Policies[0], Has.Property("Mode").EqualTo(HeadendMode.Encaps).And.Property("Table").EqualTo("100"));
        Assert.That(s.Policies[0].Match, Is.EqualTo(IPNetwork.Parse("2001:db8:d::/48")));
        Assert.That(s.Policies[1], Has.Property("Mode").EqualTo(HeadendMode.EncapsL2Red).And.Property("L2Interface").EqualTo("eth1"));
        Assert.That(s.Domain.ProtectedPrefixes, Has.Count.EqualTo(2));
        Assert.That(s.Domain.DropSrhToLocalFromExternal, Is.True);
        Assert.That(s.Domain.SourceChecks.Single().InsideSources, Has.Count.EqualTo(2));
        Assert.That(s.HmacKeys.Select(k => (k.KeyId, k.Algorithm, System.Text.Encoding.UTF8.GetString(k.Secret))),
            Is.EqualTo(new[] { (1u, HmacAlgorithmId.Sha256, Secret1), (2u, HmacAlgorithmId.Sha1, "two words") }));
        Assert.That(s.Oam, Is.EqualTo(new OamConfig { OFlagEnabled = true, Collector = IPAddress.Parse("2001:db8:0:3::2"), PuntRatePerSecond = 10, PuntBurst = 20 }));
        Assert.That(c.DebugFaults, Is.EquivalentTo(new[] { DebugFault.HopLimitNotDecremented, DebugFault.PspIgnored }));
    }

    [Test]
    public void PrintedTextParsesBackToTheSameConfiguration_AndIsStable()
    {
        var box = new SecretBox();
        var c = ConfigEditor.Parse(Full, box);
        var text = ConfigPrinter.Print(c, box);
        var again = ConfigEditor.Parse(text, box);
        Assert.That(ConfigPrinter.Print(again, box), Is.EqualTo(text));
        Assert.That(again.Srv6.HmacKeys[0].Secret, Is.EqualTo(c.Srv6.HmacKeys[0].Secret));
        Assert.That(again.Interfaces[0].Ipv6HostAddresses, Is.EqualTo(c.Interfaces[0].Ipv6HostAddresses));
        Assert.That(again.Srv6.Oam, Is.EqualTo(c.Srv6.Oam));
        Assert.That(text, Does.Not.Contain(Secret1).And.Not.Contain("two words"));
        Assert.That(text, Does.Contain("secret encrypted "));
        // The default configuration prints and parses too.
        var d = ConfigPrinter.Print(new NodeConfig(), box);
        Assert.That(ConfigPrinter.Print(ConfigEditor.Parse(d, box), box), Is.EqualTo(d));
    }

    [Test]
    public void AnEncryptedSecretFromAnotherNodeIsRejected()
    {
        var text = ConfigPrinter.Print(ConfigEditor.Parse(Full, new SecretBox()), new SecretBox());
        var e = Assert.Throws<ConfigException>(() => ConfigEditor.Parse(text, new SecretBox()))!;
        Assert.That(e.ErrorLine, Does.StartWith("% Invalid input at '").And.Contain("(line "));
    }

    [TestCase("hostname r1\ninterface eth1\n ipv6 adress 2001:db8::1/64\n", "adress", 3)]
    [TestCase("hostname r1\nbogus\n", "bogus", 2)]
    [TestCase("segment-routing srv6\n local-sid x\n  behavior End.Y\n", "End.Y", 3)]
    [TestCase("segment-routing srv6\n local-sid x\n  sid 2001:db8::zz\n", "2001:db8::zz", 3)]
    [TestCase("route 2001:db8::1/48 via 2001:db8::2\n", "2001:db8::1/48", 1)]
    [TestCase("interface eth1\n shutdown now\n", "now", 2)]
    [TestCase("debug fault no-such-fault\n", "no-such-fault", 1)]
    [TestCase("segment-routing srv6\n local-sid x\n  flavors psp xsp\n", "xsp", 3)]
    public void AnErrorNamesTheLineAndTheBadToken(string text, string token, int line)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigEditor.Parse(text, new SecretBox()))!;
        Assert.That((e.Token, e.Line), Is.EqualTo((token, (int?)line)), e.ErrorLine);
        Assert.That(e.ErrorLine, Does.StartWith($"% Invalid input at '{token}' (line {line}): "));
    }

    [Test]
    public void AnIncompleteItemIsRejectedAsAWhole()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigEditor.Parse("segment-routing srv6\n local-sid x\n  behavior End.X\n  sid 2001:db8::1\n", new SecretBox()))!;
        Assert.That(e.Message, Does.Contain("local-sid x (line 2)").And.Contain("needs a next-hop"));
        Assert.That(e.ErrorLine, Does.StartWith("% Invalid input at 'x' (line 2): "));
    }

    [Test]
    public void TheDiffShowsChangedStatementsInTheirBlocks()
    {
        var box = new SecretBox();
        var a = ConfigPrinter.Print(ConfigEditor.Parse(Full, box), box);
        var b = ConfigPrinter.Print(ConfigEditor.Parse(Full.Replace(" shutdown\n", "", StringComparison.Ordinal).Replace("lookup-table 100", "lookup-table 200", StringComparison.Ordinal), box), box);
        var diff = ConfigDiff.Diff(a, b);
        Assert.That(diff, Is.EqualTo(new[]
        {
            "  interface eth2", "-  shutdown",
            "  segment-routing srv6", "   local-sid end_t", "-   lookup-table 100",
            "  segment-routing srv6", "   local-sid end_t", "+   lookup-table 200",
        }));
        Assert.That(ConfigDiff.Diff(a, a), Is.Empty);
    }

    [Test]
    public void NoFormsRemoveWhatTheyName()
    {
        var box = new SecretBox();
        var editor = new ConfigEditor(ConfigEditor.Parse(Full, box), box);
        var top = ConfigContext.Top;
        var srv6 = editor.Apply(top, "segment-routing srv6");
        editor.Apply(srv6, "no local-sid end_x");
        editor.Apply(srv6, "no hmac-key 2");
        editor.Apply(top, "no route 2001:db8:dead::/48");
        var eth2 = editor.Apply(top, "interface eth2");
        editor.Apply(eth2, "no shutdown");
        editor.Apply(eth2, "no debug fault psp-ignored"); // a top-level statement typed in a block goes to the top
        var c = editor.Build();
        Assert.That(c.Srv6.Sids.Select(s => s.Name), Does.Not.Contain("end_x"));
        Assert.That(c.Srv6.HmacKeys.Select(k => k.KeyId), Is.EqualTo(new[] { 1u }));
        Assert.That(c.Routes, Has.Count.EqualTo(3));
        Assert.That(c.Interfaces[1].Shutdown, Is.False);
        Assert.That(c.DebugFaults, Is.EquivalentTo(new[] { DebugFault.HopLimitNotDecremented }));
        Assert.Throws<ConfigException>(() => editor.Apply(srv6, "no local-sid end_x"));
    }

    [Test]
    public void ARedactedLogLineHidesAClearSecret()
    {
        Assert.That(ConfigPrinter.Redact(" hmac-key 1 algorithm sha256 secret abc def"), Is.EqualTo(" hmac-key 1 algorithm sha256 secret <secret hidden>"));
        Assert.That(ConfigPrinter.Redact("hostname secret thing"), Is.EqualTo("hostname secret thing"));
    }
}
