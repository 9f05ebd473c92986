using System.Net;
using System.Text.Json;
using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

[TestFixture]
public class ShippedProfilesTests
{
    private static readonly string[] Shipped = ["reference-lab.yaml", "example-ssh-router.yaml", "reference-figure1.yaml", "reference-figure1-node.yaml"];

    /// <summary>The Linux kernel and the reference node as N4 of Figure 1: the same place, SIDs and attachments.</summary>
    [TestCase("reference-figure1.yaml", false)]
    [TestCase("reference-figure1-node.yaml", false)]
    [TestCase("reference-figure1-node-csid.yaml", true)]
    public void ReferenceFigure1_PlacesTheDutAtN4WithN4sSids(string file, bool csid)
    {
        var p = LoadShipped(file);
        var f = Conformance.Harness.Topology.Topologies.Find("rfc9259-figure1");
        Assert.That(p.Testbed.Topology, Is.EqualTo(new TopologyBinding("rfc9259-figure1", "N4")));
        // The DUT's SIDs in the profile are exactly the ones the figure's plan gives N4 (the lab's other routers use the plan too):
        // the classic ones, and with the C-SID variant its NEXT-C-SID (F3216) ones with their structure too; besides the plan,
        // the classic profiles' End.DT6 end_dt6 (main table, in N4's locator: the decapsulating egress of TP-IOP-BV-09).
        var egress = p.Parameters.Sids.Where(kv => kv.Key == "end_dt6").Select(kv => kv.Value).ToList();
        Assert.That(egress.Select(s => (s.Behavior, s.Address.ToString(), s.Table)), Is.EqualTo(csid ? [] : new[] { (SrBehavior.EndDT6, "2001:db8:b:4:d6::", (string?)null) }));
        Assert.That(p.Parameters.Sids.Values.Except(egress).Select(s => (s.Behavior.ToString(), s.Address, s.NextHop, s.Interface, s.Csid)),
            Is.EquivalentTo(f.SidsOf("N4").Where(s => csid || s.Csid is null).Select(s => (s.Behavior.Replace(".", ""), s.Address, s.NextHop, s.Link, s.Csid))));
        Assert.That(p.Testbed.TesterPorts.Select(t => t.Name), Is.EquivalentTo(f.Attachments.Select(a => a.Name)));
    }

    private static Profile LoadShipped(string name) => ProfileLoader.Load(Path.Combine(ProfilesDir, name));

    [TestCaseSource(nameof(Shipped))]
    public void ShippedProfileLoadsWithoutErrors(string name)
    {
        var p = LoadShipped(name);
        Assert.That(p.Name, Is.EqualTo(Path.GetFileNameWithoutExtension(name)));
        Assert.That(p.Sha256, Does.Match("^[0-9a-f]{64}$"));
    }

    [TestCaseSource(nameof(Shipped))]
    public void ShippedProfilePointsAtTheSchema(string name) =>
        Assert.That(File.ReadLines(Path.Combine(ProfilesDir, name)).First(),
            Is.EqualTo("# yaml-language-server: $schema=./profile.schema.json"));

    [TestCaseSource(nameof(Shipped))]
    public void ShippedProfileUsesDocumentationAddressesOnly(string name)
    {
        var p = LoadShipped(name);
        var v6 = IPNetwork.Parse("2001:db8::/32");
        IPNetwork[] v4 = [IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24")];
        bool Doc(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? v6.Contains(a) : v4.Any(n => n.Contains(a));
        var all = p.Testbed.TesterPorts.SelectMany(t => new[] { t.TesterIpv6.Address, t.DutIpv6, t.TesterIpv4?.Address, t.DutIpv4 })
            .Concat(p.Parameters.Sids.Values.SelectMany(s => s.Segments.Append(s.Address).Append(s.NextHop)))
            .Concat(p.Parameters.Addresses.Values)
            .Append(p.Parameters.SidBlock.BaseAddress).Append(p.Parameters.Locator.BaseAddress)
            .OfType<IPAddress>().ToList();
        Assert.That(all.Where(a => !Doc(a)), Is.Empty);
    }

    [Test]
    public void ReferenceLab_MatchesTheLabPlan()
    {
        var p = LoadShipped("reference-lab.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(p.Testbed.Kind, Is.EqualTo(TestbedKind.ReferenceLab));
            Assert.That(p.Testbed.Ssh?.Host, Is.Null);
            Assert.That(p.Testbed.TesterPorts.Select(t => (t.Name, t.Role)),
                Is.EqualTo(new[] { ("t1", PortRole.Internal), ("t2", PortRole.Internal), ("t3", PortRole.External) }));
            Assert.That(p.Testbed.TesterPorts[1].TesterIpv6.ToString(), Is.EqualTo("2001:db8:0:2::2/64"));
            Assert.That(p.Testbed.TesterPorts[0].DutIpv6, Is.EqualTo(IPAddress.Parse("2001:db8:0:1::1")));
            Assert.That(p.Parameters.SidBlock.ToString(), Is.EqualTo("2001:db8:b::/48"));
            Assert.That(p.Parameters.Locator.ToString(), Is.EqualTo("2001:db8:b:1::/64"));
            Assert.That(p.GetAddress("D"), Is.EqualTo(IPAddress.Parse("2001:db8:d::1")));
            foreach (var (sid, address) in new[]
            {
                ("end", "2001:db8:b:1:e::"), ("end_psp", "2001:db8:b:1:e1::"),
                ("end_x", "2001:db8:b:1:c2::"), ("end_dt6", "2001:db8:b:1:d6::"),
                ("end_dx6", "2001:db8:b:1:d66::"), ("end_dx4", "2001:db8:b:1:d44::"),
                ("end_t", "2001:db8:b:1:71::"), ("end_b6_encaps", "2001:db8:b:1:b6::"),
            })
            {
                Assert.That(p.GetSid(sid).Address, Is.EqualTo(IPAddress.Parse(address)), sid);
            }
            // Claims are what the reference kernel can do: no USP/USD flavors, no End.DT4/DT46 (no vrf module),
            // no End.B6.Encaps.Red action.
            Assert.That(p.Claims("USP") || p.Claims("USD") || p.Claims("End.DT4") || p.Claims("End.DT46") || p.Claims("End.B6.Encaps.Red"), Is.False);
            Assert.That(p.Claims("End") && p.Claims("PSP") && p.Claims("End.X"), Is.True);
            Assert.That(p.Claims("End.DX2") && p.Claims("H.Insert"), Is.True);
            Assert.That(p.GetSid("end_dx2").Interface, Is.EqualTo("veth-t2"));
            Assert.That(p.Claims("NEXT-C-SID"), Is.True);
            Assert.That(p.Claims("REPLACE-C-SID"), Is.False);
            Assert.That(p.Claims("H.Encaps.L2.Red"), Is.True);
            Assert.That(p.Claims("hmac.sha1") && p.Claims("hmac.sha256"), Is.True);
            Assert.That(p.Claims("oam.o_flag_processing") && p.Claims("sr_domain_filtering") && p.Claims("per_sid_counters"), Is.True);
            Assert.That(p.Claims("icmp_errors.packet_too_big"), Is.True);
            Assert.That(p.KnownDeviations.All(d => d.TestPurposes.Count > 0 && d.Observed.Length > 0 && d.Reason.Length > 0), Is.True);
        });
    }

    [Test]
    public void ExampleSshRouter_IsAPhysicalSshBinding()
    {
        var p = LoadShipped("example-ssh-router.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(p.Testbed.Kind, Is.EqualTo(TestbedKind.Ssh));
            Assert.That(p.Testbed.Platform, Is.EqualTo("iosxr"));
            Assert.That(p.Testbed.Ssh!.Auth!.PasswordEnv, Is.EqualTo("DUT_SSH_PASSWORD"));
            Assert.That(p.Testbed.Ssh.HostKeySha256, Does.StartWith("SHA256:"));
            Assert.That(p.Testbed.TesterPorts, Has.All.Matches<PortBinding>(t => t.Dedicated && t.Interface is not null));
            Assert.That(p.Testbed.Identity.PlatformVersionRegex!.IsMatch("Cisco IOS XR Software, Version 7.11.2"), Is.True);
        });
    }

    // ---------------- schema <-> loader drift ----------------

    private static JsonDocument LoadSchema() => JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfilesDir, "profile.schema.json")));

    [Test]
    public void Schema_DeclaresDraft2020_12()
    {
        using var doc = LoadSchema();
        Assert.That(doc.RootElement.GetProperty("$schema").GetString(), Is.EqualTo("https://json-schema.org/draft/2020-12/schema"));
    }

    [Test]
    public void Schema_AndLoader_AcceptTheSameKeys()
    {
        using var doc = LoadSchema();
        // The loader reads its keys from the schema embedded at build time; this is the file on disk (a stale build differs).
        var schema = ProfileKeys.Sections(doc.RootElement);
        Assert.That(schema.Keys, Is.EquivalentTo(ProfileLoader.AcceptedKeys.Keys), "same set of sections");
        Assert.Multiple(() =>
        {
            foreach (var (section, keys) in ProfileLoader.AcceptedKeys)
            {
                if (!schema.TryGetValue(section, out var s)) continue;
                Assert.That(s.Keys, Is.EquivalentTo(keys), $"keys of section '{section}'");
                Assert.That(s.Closed, Is.True, $"section '{section}' must have additionalProperties: false");
            }
        });
    }

    [Test]
    public void Schema_AndLoader_UseTheSameVocabularies()
    {
        using var doc = LoadSchema();
        var caps = doc.RootElement.GetProperty("properties").GetProperty("capabilities").GetProperty("properties");
        string[] Enum(JsonElement e) => e.GetProperty("items").GetProperty("enum").EnumerateArray().Select(x => x.GetString()!).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(Enum(caps.GetProperty("behaviors")), Is.EqualTo(SrVocabulary.BehaviorNames));
            Assert.That(Enum(caps.GetProperty("flavors")), Is.EqualTo(SrVocabulary.FlavorNames));
            Assert.That(Enum(caps.GetProperty("headends")), Is.EqualTo(SrVocabulary.HeadendNames));
            Assert.That(Enum(caps.GetProperty("hmac").GetProperty("properties").GetProperty("algorithms")), Is.EqualTo(SrVocabulary.HmacAlgorithmNames));
        });
    }
}
