using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Lab.Mutations;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Mutation;

/// <summary>
/// Mutations of the rendered DUT configuration (srv6conf mutate): generation is a pure function of the configuration with
/// stable ids, each mutation changes one line, the fault mode Mutation:&lt;id&gt; applies it, and the hand-written
/// purpose mapping names real single-DUT purposes. Offline: no lab.
/// </summary>
[TestFixture]
public class ConfigMutationTests
{
    private static Profile Reference => ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
    private static readonly DutConfig Rendered = ProfileDutConfig.Srv6(Reference);
    private static readonly IReadOnlyList<ConfigMutation> Mutations = ConfigMutator.Generate(Rendered);

    private static ConfigMutation M(string id) => Mutations.SingleOrDefault(m => m.Id == id) ?? throw new AssertionException($"no mutation {id}");

    [Test]
    public void Generation_IsDeterministic_WithUniqueIds()
    {
        var again = ConfigMutator.Generate(ProfileDutConfig.Srv6(Reference));
        Assert.That(again.Select(m => m.Id), Is.EqualTo(Mutations.Select(m => m.Id)));
        Assert.That(again, Is.EqualTo(Mutations), "same lines, same replacements");
        Assert.That(Mutations.Select(m => m.Id), Is.Unique);
        Assert.That(Mutations, Has.Count.GreaterThan(100));
    }

    [Test]
    public void Ids_DoNotDependOnTheHmacSecretOrThePuntRate()
    {
        // TP-OFLAG-BV-04 re-renders the configuration at other punt rates with the run's fault mode: the ids must not move.
        var profile = Reference;
        var atRate = ProfileDutConfig.Srv6(profile with { Parameters = profile.Parameters with { OFlag = profile.Parameters.OFlag! with { RatePerSecond = 1000 } } });
        var otherSecret = Rendered with { Commands = Rendered.Commands.Select(c => c.Contains("ip sr hmac set", StringComparison.Ordinal) ? "printf '%s\\n' 'other' | " + c[(c.IndexOf("| ", StringComparison.Ordinal) + 2)..] : c).ToList() };
        Assert.That(ConfigMutator.Generate(atRate).Select(m => m.Id), Is.EqualTo(Mutations.Select(m => m.Id)));
        Assert.That(ConfigMutator.Generate(otherSecret).Select(m => m.Id), Is.EqualTo(Mutations.Select(m => m.Id)));
        Assert.That(ConfigMutator.Apply(atRate, "rate*2@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy").Commands, Has.Some.Contains("limit rate 2000/second"));
    }

    [Test]
    public void EveryMutation_ChangesExactlyOneLine()
    {
        foreach (var m in Mutations)
        {
            var c = m.Apply(Rendered);
            var before = m.IsSysctl ? Rendered.Sysctls.Select(s => s.ToString()).ToList() : Rendered.Commands.ToList();
            var after = m.IsSysctl ? c.Sysctls.Select(s => s.ToString()).ToList() : c.Commands.ToList();
            if (m.Replacement is null)
            {
                Assert.That(after, Has.Count.EqualTo(before.Count - 1), m.Id);
                Assert.That(after, Is.EqualTo(before.Where((_, i) => i != m.Index).ToList()), m.Id);
            }
            else
            {
                Assert.That(after, Has.Count.EqualTo(before.Count), m.Id);
                Assert.That(Enumerable.Range(0, before.Count).Where(i => before[i] != after[i]), Is.EqualTo(new[] { m.Index }), m.Id);
                Assert.That(after[m.Index], Is.EqualTo(m.Replacement), m.Id);
            }
            Assert.That(m.IsSysctl ? c.Commands : c.Sysctls.Cast<object>(), Is.EqualTo(m.IsSysctl ? Rendered.Commands : Rendered.Sysctls.Cast<object>()), $"{m.Id}: the other list is untouched");
        }
    }

    [Test]
    public void EveryOperatorFamily_IsGenerated()
    {
        var kinds = Mutations.Select(m => m.Kind).ToHashSet();
        Assert.That(kinds, Is.SupersetOf(new[]
        {
            MutationKinds.DropCommand, MutationKinds.DropSysctl, MutationKinds.SysctlValue, MutationKinds.PrefixLength, MutationKinds.SidLength,
            MutationKinds.SwapSegments, MutationKinds.Behaviour, MutationKinds.Flavor, MutationKinds.Numeric, MutationKinds.DropToken, MutationKinds.Other,
        }));
    }

    /// <summary>The hand-written fault modes the suite already has are single mutations: the generator finds the same configuration.</summary>
    [TestCase("drop@sid:end", "SidMissing")]
    [TestCase("drop@sid:end_psp", "PspSidMissing")]
    [TestCase("no-flavors@sid:end_psp", "EndWithoutPsp")]
    [TestCase("add-flavor-psp@sid:end", "EndWithPsp")]
    [TestCase("no-count@sid:end", "EndWithoutCounters")]
    [TestCase("action=End@sid:end_x", "EndXAsEnd")]
    [TestCase("table=254@sid:end_t", "EndTMainTable")]
    [TestCase("table=254@sid:end_dt6", "EndDt6MainTable")]
    [TestCase("action=End.DT6@sid:end_dx6", "EndDx6AsDt6")]
    [TestCase("action=End@sid:end_b6_encaps", "EndB6AsEnd")]
    [TestCase("oif=veth-t3@sid:end_dx2", "EndDx2WrongInterface")]
    [TestCase("mode=encap@headend:2001:db8:e:6::/64", "HInsertAsEncap")]
    [TestCase("drop@nft:srv6conf_edge/ingress/edge-sid-block/veth-t3", "EdgeFilterWithoutSidBlockRule")]
    [TestCase("drop@nft:srv6conf_edge/ingress/edge-rfc9602/veth-t3", "EdgeFilterWithoutRfc9602Rule")]
    [TestCase("drop@nft:srv6conf_edge/ingress/edge-srh-to-local/veth-t3", "EdgeFilterWithoutSrhToLocalRule")]
    [TestCase("prefix+1@nft:srv6conf_edge/ingress/edge-sid-block/veth-t3", "EdgeFilterSidBlockNarrowed")]
    [TestCase("prefix-1@nft:srv6conf_edge/ingress/edge-sid-block/veth-t3", "EdgeFilterSidBlockTooBroad")]
    [TestCase("no-limit@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy", "OFlagNoRateLimit")]
    [TestCase("drop@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy", null)]
    public void AHandWrittenFaultMode_IsOneMutation(string id, string? faultMode)
    {
        var mutated = M(id).Apply(Rendered);
        if (faultMode is not null)
            Assert.That(mutated.ToLines(), Is.EqualTo(ProfileDutConfig.Srv6(Reference, LabFaultMode.Parse(faultMode)).ToLines()));
        Assert.That(ProfileDutConfig.Srv6(Reference, LabFaultMode.Parse(LabFaultMode.MutationPrefix + id)).ToLines(), Is.EqualTo(mutated.ToLines()));
    }

    [Test]
    public void Tokens_AreChangedAsDescribed()
    {
        Assert.That(M("swap-segs@headend:2001:db8:e:1::/64").Replacement,
            Is.EqualTo("ip -6 route add 2001:db8:e:1::/64 encap seg6 mode encap segs 2001:db8:b:3:e::,2001:db8:b:2:e:: dev veth-t2 metric 1"));
        Assert.That(M("prefix-1@route:203.0.113.128/25").Replacement, Does.StartWith("ip -4 route add 203.0.113.0/24 via "), "base address masked");
        Assert.That(M("prefix+1@route:2001:db8:d::/64").Replacement, Does.StartWith("ip -6 route add 2001:db8:d::/65 via "));
        Assert.That(M("len=64@sid:end").Replacement, Does.StartWith("ip -6 route add 2001:db8:b:1::/64 encap seg6local action End count"));
        Assert.That(M("prefix-1@sid:end").Replacement, Does.StartWith("ip -6 route add 2001:db8:b:1:e::/127 "));
        Assert.That(M("prefix+1.2@nft:srv6conf_edge/ingress/node-source-check/veth-t1").Replacement, Does.Contain("ip6 daddr 2001:db8:b:1::/64 ip6 saddr != '{ 2001:db8::/34 }'"));
        Assert.That(M("table+1@sid:end_dt6").Replacement, Does.Contain("action End.DT6 table 101 count"));
        Assert.That(M("nh+1@sid:end_x").Replacement, Does.Contain("action End.X nh6 2001:db8:0:2::3 count"));
        Assert.That(M("nh+1@sid:end_dx4").Replacement, Does.Contain("nh4 198.51.100.3 "));
        Assert.That(M("mode=encap.red@headend:2001:db8:e:1::/64").Replacement, Does.Contain(" mode encap.red segs "));
        Assert.That(M("rate*2@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy").Replacement, Does.Contain("limit rate 20/second burst 10 packets dup to"));
        Assert.That(M("burst*2@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy").Replacement, Does.Contain("limit rate 10/second burst 20 packets dup to"));
        var noEnd = M("no-daddr=2001:db8:b:1:e::@nft:srv6conf_oam/oflag/rfc-9259-s01-1-o-flag-copy").Replacement!;
        Assert.That(noEnd, Does.Contain("ip6 daddr '{ 2001:db8:b:1:71::, 2001:db8:b:1:b6::, "));
        Assert.That(noEnd, Does.Not.Contain("2001:db8:b:1:e::,").And.Not.Contain("2001:db8:b:1:e:: "));
        Assert.That(M("keyid+1@hmac:1").Replacement, Does.EndWith("| ip sr hmac set 2 sha256"));
        Assert.That(M("algo=sha1@hmac:1").Replacement, Does.EndWith("| ip sr hmac set 1 sha1"));
        Assert.That(M("set=1@sysctl:net.ipv6.icmp.ratelimit").Replacement, Is.EqualTo("net.ipv6.icmp.ratelimit=1"));
        Assert.That(M("drop@sysctl:net.ipv6.conf.all.forwarding").Apply(Rendered).Sysctls.Select(s => s.Key), Does.Not.Contain("net.ipv6.conf.all.forwarding"));
        Assert.That(Mutations.Where(m => m.Kind == MutationKinds.SysctlValue).Select(m => m.Original), Has.All.EndWith("=0"), "only 0 → 1: dropping a 1 already gives the default");
    }

    [Test]
    public void TheHmacSecret_AppearsInNoIdDescriptionOrShownLine()
    {
        var secrets = Rendered.Commands.Where(c => c.Contains("ip sr hmac set", StringComparison.Ordinal))
            .Select(c => c.Split('\'')[3]).ToList(); // printf '%s\n' 'SECRET' | …
        Assert.That(secrets, Has.Count.EqualTo(2).And.All.Length.GreaterThan(16));
        foreach (var m in Mutations)
            foreach (var s in secrets)
                Assert.That(new[] { m.Id, m.Description, m.Shown, m.ShownReplacement }, Has.None.Contains(s), m.Id);
        Assert.That(M("drop@hmac:1").Shown, Is.EqualTo("printf '%s\\n' '***' | ip sr hmac set 1 sha256"));
    }

    [Test]
    public void Generation_OnAHandWrittenConfiguration()
    {
        var c = DutConfig.FromLines([
            "sysctl -w net.ipv6.conf.all.forwarding=1",
            "sysctl -w net.ipv6.conf.eth1.seg6_enabled=1",
            "sysctl -w net.ipv6.conf.eth2.seg6_enabled=0",
            "ip -6 route add fc00::/64 encap seg6 mode encap segs fc00:1::1,fc00:2::1,fc00:3::1 dev eth1",
            "ip -6 route add fc00::/64 encap seg6 mode encap segs fc00:1::1 dev eth1",
            "ip -6 route add fc00:a::5/128 encap seg6local action End.DX2 oif eth2 count dev eth1",
            "echo hello",
        ], new Dictionary<string, string> { ["dx2"] = "fc00:a::5" });
        var ids = ConfigMutator.Generate(c).Select(m => m.Id).ToList();
        Assert.That(ids, Is.SupersetOf(new[]
        {
            "drop@sysctl:net.ipv6.conf.all.forwarding", "set=1@sysctl:net.ipv6.conf.eth2.seg6_enabled",
            "swap-segs.0@headend:fc00::/64", "swap-segs.1@headend:fc00::/64", "drop@headend:fc00::/64#2", "mode=encap.red@headend:fc00::/64#2",
            "oif=eth1@sid:dx2", "len=64@sid:dx2", "drop@command:3",
        }));
        Assert.That(ids, Has.None.StartWith("swap-segs@headend:fc00::/64#2"), "a one-segment list has nothing to swap");
        Assert.That(ConfigMutator.Apply(c, "swap-segs.1@headend:fc00::/64").Commands[0], Does.Contain("segs fc00:1::1,fc00:3::1,fc00:2::1 "));
    }

    [Test]
    public void Parse_BuildsAMutationMode()
    {
        var mode = LabFaultMode.Parse("mutation:no-flavors@sid:end_psp");
        Assert.That(mode.Name, Is.EqualTo("Mutation:no-flavors@sid:end_psp"));
        Assert.That(mode.Profile, Is.EqualTo(LabFaultMode.AnyProfile), "a mutation applies to whatever profile's configuration the run renders");
        Assert.That(ProfileDutConfig.Srv6(Reference, mode).RouteCommandFor("end_psp"), Does.Not.Contain("flavors"));
        Assert.That(() => LabFaultMode.Parse("Mutation:"), Throws.ArgumentException.With.Message.Contains("mutation id"));
        Assert.That(() => ProfileDutConfig.Srv6(Reference, LabFaultMode.Parse("Mutation:nope@sid:end")), Throws.InvalidOperationException.With.Message.Contains("nope@sid:end"));
        Assert.That(() => LabFaultMode.Parse("Nope"), Throws.ArgumentException.With.Message.Contains("Mutation:<id>"));
        Assert.That(LabFaultMode.All, Has.None.Matches<LabFaultMode>(m => m.Name.StartsWith(LabFaultMode.MutationPrefix, StringComparison.Ordinal)));
    }

    private static IReadOnlyDictionary<string, bool> CasePurposes => typeof(Conformance.Cases.CaseRun).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods().Select(m => (t, m)))
        .Select(x => (x.t, a: x.m.GetCustomAttributes(typeof(Conformance.Harness.Reporting.TestPurposeAttribute), false).OfType<Conformance.Harness.Reporting.TestPurposeAttribute>().FirstOrDefault()))
        .Where(x => x.a is not null)
        .ToDictionary(x => x.a!.Id, x => typeof(Conformance.Cases.Support.TopologyCase).IsAssignableFrom(x.t));

    [Test]
    public void TheMapping_NamesSingleDutPurposes_AndReachesEveryOne()
    {
        var tables = MutationPurposes.BySid.Values.Concat(MutationPurposes.ByAddress.Values).Concat(MutationPurposes.ByHeadend.Values).Concat(MutationPurposes.Groups.Values)
            .SelectMany(x => x).ToHashSet();
        var purposes = CasePurposes;
        Assert.That(tables.Where(p => !purposes.ContainsKey(p)), Is.Empty, "ids no case implements");
        Assert.That(tables.Where(p => purposes.TryGetValue(p, out var topology) && topology), Is.Empty, "topology purposes do not run on the single-DUT lab");
        Assert.That(purposes.Where(p => !p.Value).Select(p => p.Key).Where(p => !tables.Contains(p)), Is.Empty, "single-DUT purposes no line reaches except through 'all'");
    }

    [TestCase("drop@sid:end_psp", "TP-COUNTERS-BV-03 TP-CSID-BV-20 TP-OFLAG-BV-05 TP-OFLAG-BV-07 TP-PSP-BV-01 TP-PSP-BV-02")]
    [TestCase("len=64@sid:end_t", "TP-COUNTERS-BV-03 TP-ENDT-BV-01 TP-OFLAG-BV-07 TP-PING-BI-01 TP-SIDMATCH-BI-01")]
    [TestCase("drop@route-t100:2001:db8:d:3::/64", "TP-COUNTERS-BV-03 TP-DT6-BV-01 TP-ENDT-BV-01 TP-OFLAG-BI-02 TP-OFLAG-BV-06 TP-OFLAG-BV-07")]
    [TestCase("drop@route:2001:db8:d:3::/64", "TP-COUNTERS-BV-03 TP-CSID-BI-02 TP-CSID-BI-03 TP-CSID-BV-04 TP-CSID-BV-07 TP-CSID-BV-09 TP-CSID-BV-10 TP-CSID-BV-11 TP-DECAP-BI-01 TP-DT6-BV-01 TP-DX6-BV-01 TP-OFLAG-BV-07")]
    [TestCase("drop@headend:2001:db8:e:1::/64", "TP-HENCAPS-BV-01 TP-HENCAPS-BV-02 TP-HENCAPS-BV-03 TP-MTU-BI-01")]
    [TestCase("prefix-1@headend:2001:db8:e:3::/64", "TP-HENCAPS-BV-04 TP-HENCAPS-BV-05")]
    [TestCase("drop@nft:srv6conf_edge/ingress/edge-rfc9602/veth-t3", "TP-EDGE-BI-01 TP-EDGE-BI-02 TP-EDGE-BI-03 TP-EDGE-BV-01 TP-SRCADDR-BI-01")]
    [TestCase("algo=sha1@hmac:1", "TP-HMAC-BI-01 TP-HMAC-BI-02 TP-HMAC-BI-03 TP-HMAC-BI-04 TP-HMAC-BI-05 TP-HMAC-BI-06 TP-HMAC-BV-01 TP-HMAC-BV-02 TP-HMAC-BV-03")]
    [TestCase("drop@sysctl:net.ipv6.conf.veth-t1.seg6_enabled", "TP-LOCAL-BI-01 TP-LOCAL-BV-01 TP-SEG6EN-BV-01")]
    [TestCase("drop@route:2001:db8:a::/64", null)]
    [TestCase("drop@sysctl:net.ipv6.conf.all.forwarding", null)]
    public void TheMapping_ForReferenceLines(string id, string? expected)
    {
        var t = MutationPurposes.For(M(id), Rendered, Reference);
        if (expected is null) Assert.That(t.All, Is.True, t.Reason);
        else Assert.That(t.Purposes, Is.EqualTo(expected.Split(' ')), t.Reason);
        Assert.That(t.Reason, Is.Not.Empty);
    }

    [Test]
    public void TheMapping_OfAWiderRoute_AddsWhatItNowCovers()
    {
        // 2001:db8:b:3::/64 one bit shorter is 2001:db8:b:2::/63: it also covers N2's locator.
        var t = MutationPurposes.For(M("prefix-1@route:2001:db8:b:3::/64"), Rendered, Reference);
        Assert.That(t.Purposes, Does.Contain("TP-END-BV-01").And.Contain("TP-ENDX-BV-01").And.Contain("TP-TRANSIT-BV-01"));
        Assert.That(t.Reason, Does.Contain("addr:N2").And.Contain("addr:N3"));
    }
}
