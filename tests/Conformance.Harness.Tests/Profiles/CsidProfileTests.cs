using System.Net;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

/// <summary>
/// Per-SID C-SID structure in a profile: <c>csid: { flavor: next|replace, block_bits, csid_bits }</c> (RFC 9800), its
/// errors with file:line:column, and the shipped profiles loading as before.
/// </summary>
[TestFixture]
public class CsidProfileTests
{
    /// <summary>The base profile with NEXT-C-SID claimed and an F3216 End SID (written in block style so each key has its line).</summary>
    private static string WithCsid(string csidBlock = "        flavor: next\n        block_bits: 32\n        csid_bits: 16", string flavors = "[PSP, NEXT-C-SID]") =>
        Mutate(Mutate(ValidSsh, "  flavors: [PSP]", "  flavors: " + flavors),
            "    end: { behavior: End, address: '2001:db8:b:1:e::' }",
            "    end: { behavior: End, address: '2001:db8:b:1:e::' }\n    end_csid:\n      behavior: End\n      address: '2001:db8:c1::'\n      csid:\n" + csidBlock);

    [Test]
    public void F3216EndSidLoadsWithItsStructure()
    {
        var p = ProfileLoader.Parse(WithCsid(), Source);
        var sid = p.Parameters.Sids["end_csid"];
        Assert.Multiple(() =>
        {
            Assert.That(sid.Csid, Is.EqualTo(CsidStructure.F3216));
            Assert.That(sid.PrefixLength, Is.EqualTo(48), "LBL + LNFL: the SID accepts any Argument");
            Assert.That(sid.Has(SrFlavor.NextCSid), Is.True, "csid.flavor adds the flavor");
            Assert.That(p.Parameters.Sids["end"].Csid, Is.Null);
            Assert.That(p.Parameters.Sids["end"].PrefixLength, Is.EqualTo(128));
        });
    }

    [Test]
    public void FlavorListedTooIsAccepted()
    {
        var yaml = Mutate(WithCsid(), "      behavior: End\n      address: '2001:db8:c1::'", "      behavior: End\n      flavors: [NEXT-C-SID]\n      address: '2001:db8:c1::'");
        Assert.That(ProfileLoader.Parse(yaml, Source).Parameters.Sids["end_csid"].Flavors, Is.EquivalentTo(new[] { SrFlavor.NextCSid }));
    }

    [Test]
    public void UnknownKeyInCsid_IsRejectedWithItsPosition()
    {
        var yaml = WithCsid("        flavor: next\n        block_bits: 32\n        csid_bits: 16\n        arg_bits: 80");
        var e = AssertError(ParseFails(yaml), LineOf(yaml, "arg_bits"), "parameters.sids.end_csid.csid.arg_bits");
        Assert.That(e.Column, Is.EqualTo(9));
    }

    [Test]
    public void MissingLengthAndUnknownFlavor_AreRejected()
    {
        var yaml = WithCsid("        flavor: nxt\n        block_bits: 32");
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "flavor: nxt"), "parameters.sids.end_csid.csid.flavor", "unknown C-SID flavor 'nxt'");
        AssertError(e, LineOf(yaml, "flavor: nxt"), "parameters.sids.end_csid.csid.csid_bits", "required field 'csid_bits' is missing");
    }

    [TestCase(0, 16, "block_bits", "below the minimum of 1")]
    [TestCase(32, 0, "csid_bits", "below the minimum of 1")]
    [TestCase(128, 16, "block_bits", "exceeds the maximum of 127")]
    public void ZeroOrOversizedLengths_AreRejected(int b, int c, string field, string message)
    {
        var yaml = WithCsid($"        flavor: next\n        block_bits: {b}\n        csid_bits: {c}");
        AssertError(ParseFails(yaml), LineOf(yaml, $"{field}: "), $"parameters.sids.end_csid.csid.{field}", message);
    }

    [Test]
    public void BlockPlusCsidOver128_IsRejected()
    {
        var yaml = WithCsid("        flavor: next\n        block_bits: 96\n        csid_bits: 64");
        AssertError(ParseFails(yaml), LineOf(yaml, "flavor: next"), "parameters.sids.end_csid.csid", "96 + csid_bits 64 = 160 exceeds");
    }

    [Test]
    public void ReplaceWithA24BitCsid_IsRejected()
    {
        var yaml = WithCsid("        flavor: replace\n        block_bits: 48\n        csid_bits: 24", "[PSP, REPLACE-C-SID]");
        AssertError(ParseFails(yaml), LineOf(yaml, "flavor: replace"), "parameters.sids.end_csid.csid", "16- and 32-bit C-SIDs only (RFC 9800 §4.2)");
    }

    [Test]
    public void UnclaimedFlavor_IsRejected()
    {
        var yaml = WithCsid(flavors: "[PSP]");
        AssertError(ParseFails(yaml), LineOf(yaml, "flavor: next"), "parameters.sids.end_csid.csid.flavor", "NEXT-C-SID is not claimed in capabilities.flavors");
    }

    [Test]
    public void ContradictingFlavorsList_IsRejected()
    {
        var yaml = Mutate(WithCsid(flavors: "[NEXT-C-SID, REPLACE-C-SID]"), "      behavior: End\n      address: '2001:db8:c1::'",
            "      behavior: End\n      flavors: [REPLACE-C-SID]\n      address: '2001:db8:c1::'");
        AssertError(ParseFails(yaml), LineOf(yaml, "flavors: [REPLACE-C-SID]"), "parameters.sids.end_csid.flavors", "contradicts csid.flavor");
    }

    [Test]
    public void AddressWithArgumentBits_IsRejected()
    {
        var yaml = Mutate(WithCsid(), "'2001:db8:c1::'", "'2001:db8:c1:d::'");
        AssertError(ParseFails(yaml), LineOf(yaml, "2001:db8:c1:d::"), "parameters.sids.end_csid.address", "Argument bits set");
    }

    [Test]
    public void NextCsidOnEndDt6_IsRejected()
    {
        var yaml = Mutate(WithCsid(), "  behaviors: [End, End.X]", "  behaviors: [End, End.X, End.DT6]");
        yaml = Mutate(yaml, "      behavior: End\n      address: '2001:db8:c1::'", "      behavior: End.DT6\n      table: '100'\n      address: '2001:db8:c1::'");
        AssertError(ParseFails(yaml), LineOf(yaml, "flavor: next"), "parameters.sids.end_csid.csid.flavor", "RFC 9800 §4");
    }

    [Test]
    public void ReferenceLabHasF3216EndAndEndX()
    {
        var p = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-lab.yaml"));
        var csid = p.Parameters.Sids.Values.Where(s => s.Csid is not null).ToList();
        Assert.That(csid.Select(s => (s.Behavior, s.Csid)), Is.EquivalentTo(new[]
        {
            (SrBehavior.End, CsidStructure.F3216), (SrBehavior.EndX, CsidStructure.F3216),
            (SrBehavior.End, CsidStructure.F3216), (SrBehavior.End, CsidStructure.Next(32, 32)), // end_csid_psp (TP-CSID-BV-05), end_csid_f3232 (TP-CSID-BV-06)
            (SrBehavior.End, CsidStructure.Next(48, 16)), // end_csid_f4816 (TP-CSID-BV-12)
        }));
        Assert.That(csid.All(s => IPNetwork.Parse("2001:db8::/32").Contains(s.Address)), Is.True, "documentation prefix only");
    }

    /// <summary>
    /// "Behaviour+FLAVOR" (TP-CSID-BV-17..19's Requires) is claimed where the behaviour and the compression flavor are claimed
    /// and a SID of that behaviour has that csid flavor: the reference node instantiates End.T and End.B6.Encaps with
    /// NEXT-C-SID and End.DT6 with REPLACE-C-SID; the Linux lab (seg6local: next-csid on End and End.X only) does not.
    /// </summary>
    [Test]
    public void ABehaviourWithACompressionFlavorIsClaimedWhereASidInstantiatesIt()
    {
        var node = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-node.yaml"));
        var linux = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-lab.yaml"));
        string[] combos = ["End+NEXT-C-SID", "End.X+NEXT-C-SID", "End.T+NEXT-C-SID", "End.B6.Encaps+NEXT-C-SID", "End.DT6+REPLACE-C-SID", "End.DX6+REPLACE-C-SID", "End.T+REPLACE-C-SID", "End.DT4+REPLACE-C-SID"];
        Assert.Multiple(() =>
        {
            Assert.That(combos.Select(node.Claims), Is.EqualTo(new[] { true, true, true, true, true, true, true, false }), "node: End.DT4 and REPLACE-C-SID claimed, but no such SID");
            Assert.That(combos.Select(linux.Claims), Is.EqualTo(new[] { true, true, false, false, false, false, false, false }));
            Assert.That(() => node.Claims("End.T+PSP"), Throws.ArgumentException, "only the compression flavors combine");
        });
    }

    /// <summary>The intent carries the structure; the Linux pack renders it as the kernel's next-csid flavor on the /48.</summary>
    [Test]
    public void ReferenceLabRendersNextCsidWithItsLengths()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-lab.yaml"));
        var intent = Conformance.Harness.Intent.IntentBuilder.Build(profile);
        Assert.That((intent.Sid("end_csid").Csid, intent.Sid("end_csid").PrefixLength), Is.EqualTo((CsidStructure.F3216, 48)));
        Assert.That(intent.Sid("end").Csid, Is.Null);
        var cfg = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile);
        Assert.Multiple(() =>
        {
            Assert.That(cfg.RouteCommandFor("end_csid"), Is.EqualTo(
                "ip -6 route add 2001:db8:c1::/48 encap seg6local action End flavors next-csid lblen 32 nflen 16 count dev veth-t1"));
            Assert.That(cfg.RouteCommandFor("end_x_csid"), Is.EqualTo(
                "ip -6 route add 2001:db8:c3::/48 encap seg6local action End.X nh6 2001:db8:0:2::2 flavors next-csid lblen 32 nflen 16 count dev veth-t2"));
            Assert.That(cfg.RouteCommandFor("end_psp"), Does.Contain("flavors psp count"), "classic SIDs unchanged");
        });
        var replace = intent.WithSid("end_csid", x => x with { Csid = CsidStructure.Replace(48, 32) });
        Assert.That(() => Conformance.Harness.Dut.LinuxIntentRenderer.CsidLengths(replace.Sid("end_csid")),
            Throws.TypeOf<TestbedException>().With.Message.Contains("no REPLACE-C-SID"));
        var odd = intent.WithSid("end_csid", x => x with { Csid = CsidStructure.Next(36, 12) });
        Assert.That(() => Conformance.Harness.Dut.LinuxIntentRenderer.CsidLengths(odd.Sid("end_csid")),
            Throws.TypeOf<TestbedException>().With.Message.Contains("multiples of 8"));
    }

    /// <summary>The C-SID fault modes change exactly the SID route they name, as their descriptions say.</summary>
    [TestCase("CsidEndWithoutFlavor", "end_csid", "ip -6 route add 2001:db8:c1::/48 encap seg6local action End count dev veth-t1")]
    [TestCase("CsidEndXAsEnd", "end_x_csid", "ip -6 route add 2001:db8:c3::/48 encap seg6local action End flavors next-csid lblen 32 nflen 16 count dev veth-t1")]
    public void CsidFaultModesChangeOneRoute(string mode, string sid, string route)
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-lab.yaml"));
        var right = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile);
        var faulty = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile, Conformance.Harness.Lab.LabFaultMode.Parse(mode));
        Assert.That(faulty.RouteCommandFor(sid), Is.EqualTo(route));
        Assert.That(faulty.Commands.Except(right.Commands), Is.EqualTo(new[] { route }));
        Assert.That(right.Commands.Except(faulty.Commands), Is.EqualTo(new[] { right.RouteCommandFor(sid) }));
    }

    [Test]
    public void CsidBlockLengthWrongProgramsLblen16OnBothCsidSids()
    {
        var profile = ProfileLoader.Load(Path.Combine(ProfilesDir, "reference-lab.yaml"));
        var right = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile);
        var faulty = Conformance.Harness.Testbeds.ProfileDutConfig.Srv6(profile, Conformance.Harness.Lab.LabFaultMode.Parse("CsidBlockLengthWrong"));
        Assert.That(faulty.Commands.Except(right.Commands), Is.EqualTo(new[]
        {
            "ip -6 route add 2001:db8:c1::/48 encap seg6local action End flavors next-csid lblen 16 nflen 16 count dev veth-t1",
            "ip -6 route add 2001:db8:c3::/48 encap seg6local action End.X nh6 2001:db8:0:2::2 flavors next-csid lblen 16 nflen 16 count dev veth-t2",
        }));
    }
}
