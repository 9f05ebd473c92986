using System.Net.NetworkInformation;
using System.Net;
using Conformance.Harness.Intent;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Security;

/// <summary>
/// The stimuli and expectations of the HMAC cases, public so that the offline proofs (harness tests) judge
/// RFC-conforming receptions with exactly what the cases use. Stimuli follow RFC 8754: Flags 0 (no flags are
/// defined), one HMAC TLV of 40 octets right after the segment list, computed by <see cref="SrhHmac"/>.
/// </summary>
public static class HmacExpectations
{
    /// <summary>The SRH of the HMAC stimuli: (D,N2,S;SL=<paramref name="sl"/>) with Flags <paramref name="flags"/>, TLVs added by <paramref name="tlvs"/>.</summary>
    public static Action<SegmentRoutingHeader> Srh(Action<SegmentRoutingHeader>? tlvs, byte flags = 0) => h =>
    {
        h.Flags = flags;
        tlvs?.Invoke(h);
    };

    /// <summary>The End behaviour's output for an accepted HMAC stimulus: DA = N2, SL 1, hop limit 63, SRH with its TLVs unchanged.</summary>
    public static ExpectedPacket Forwarded(PacketBuilder outOfT2, IPAddress a, IPAddress d, IPAddress n2, IPAddress s, Action<SegmentRoutingHeader> srh,
        ushort echoId, int i, byte[] data) =>
        new("t2", outOfT2.Ipv6(a, n2, 63).Srh([d, n2, s], 1, srh).IcmpEchoRequest(echoId, (ushort)i, data).Build(), $"probe {i} at the next segment", []);

    /// <summary>RFC 8754 §2.1.2.1: after a failed verification an ICMPv6 Parameter Problem code 0 SHOULD be sent (rate limited); it is tolerated, never required.</summary>
    public static bool ToleratedAfterFailedVerification(DecodedPacket d, string port, string ingressPort, IReadOnlyCollection<IPAddress> dutAddresses) =>
        port == ingressPort && d.Inner is Icmpv6Layer { Type: 4, Code: 0 } && d.Ipv6 is { } ip && dutAddresses.Contains(ip.Src);
}

/// <summary>
/// RFC 8754 §2.1.2: the HMAC TLV, verified at the DUT's End SID on ingress port t1 under each per-interface HMAC
/// policy of the reference (Linux seg6_require_hmac: -1 ignore, 0 verify when present, 1 require); when to check
/// is local configuration (§2.1.2.1). A failed verification: the packet SHOULD be discarded and a Parameter
/// Problem SHOULD be sent (rate limited), so the cases require the discard and tolerate the error. Keys come
/// from parameters.hmac_keys (secrets in environment variables, redacted everywhere).
/// </summary>
[TestFixture, Category("Security"), Category("HMAC")]
public sealed class HmacCases : SecurityCase
{
    private const HmacPolicy Ignore = HmacPolicy.Ignore, VerifyIfPresent = HmacPolicy.VerifyIfPresent, Required = HmacPolicy.Require;

    private static IPAddress A => Address("A");

    private static byte[] Stimulus(int i, Action<SegmentRoutingHeader> srh) =>
        Into("t1").Ipv6(A, Sid("end")).Srh([Address("D"), Address("N2"), Sid("end")], 2, srh).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build();

    private static Action<SegmentRoutingHeader> WithHmac(HmacAlgorithm alg, byte[] key, uint keyId, byte flags = 0) =>
        HmacExpectations.Srh(h => h.AddHmac(alg, key, keyId, A), flags);

    private static async Task ExpectForwardedAsync(Action<SegmentRoutingHeader> srh, string requirementShort)
    {
        IPAddress d = Address("D"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i => Stimulus(i, srh)).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => HmacExpectations.Forwarded(OutOf("t2"), A, d, n2, s, srh, EchoId, i, ProbeData(i))).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), requirementShort);
    }

    private static Task ExpectRejectedAsync(Action<SegmentRoutingHeader> srh, string requirementShort) =>
        ExpectDroppedAsync("t1", Enumerable.Range(0, Probes).Select(i => Stimulus(i, srh)).ToList(), requirementShort,
            (d, p) => HmacExpectations.ToleratedAfterFailedVerification(d, p, "t1", [.. DutAddresses]));


    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-030: with seg6_require_hmac=1 a valid RFC 8754 HMAC TLV is dropped as if absent); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the node has no HMAC key: a valid HMAC fails verification and the packet is dropped")]
    [TestPurpose(Id = "TP-HMAC-BV-01", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "A valid HMAC-SHA256 TLV is accepted where the HMAC is required",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-VERIFY-SUCCESS", "RFC8754-2.1.2.1-HMAC-TEXT", "RFC8754-2.1.2.2-HMAC-SHA256" },
        Stimulus = "HMAC policy of t1: require. 10 × (A,S)(D,N2,S;SL=2; Flags 0; HMAC TLV key id K, SHA-256 over A|LE|Flags|K|segments) into t1",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) with the HMAC TLV unchanged out of t2, hop limit 63; nothing else on any port")]
    public async Task ValidSha256HmacIsAcceptedWhereRequired()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        await WithHmacPolicyAsync("t1", Required, () =>
            ExpectForwardedAsync(WithHmac(alg, key, id), "A packet with a valid HMAC-SHA256 TLV was not processed where the HMAC is required."));
    }

    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-030); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the node has no HMAC key: a valid HMAC fails verification and the packet is dropped")]
    [TestPurpose(Id = "TP-HMAC-BV-02", Requires = new[] { "End", "hmac.sha1", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "A valid HMAC-SHA1 TLV (20-octet digest, zero-padded to 32) is accepted where the HMAC is required",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-VERIFY-SUCCESS", "RFC8754-2.1.2.1-HMAC-TEXT", "RFC8754-2.1.2.1-HMAC-SHORT-DIGEST" },
        Stimulus = "HMAC policy of t1: require. 10 × (A,S)(D,N2,S;SL=2; Flags 0; HMAC TLV key id K, SHA-1 digest in the low-order 20 octets, 12 zero octets) into t1",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) with the HMAC TLV unchanged out of t2, hop limit 63; nothing else on any port")]
    public async Task ValidSha1HmacIsAcceptedWhereRequired()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha1);
        await WithHmacPolicyAsync("t1", Required, () =>
            ExpectForwardedAsync(WithHmac(alg, key, id), "A packet with a valid HMAC-SHA1 TLV was not processed where the HMAC is required."));
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed: Destination Unreachable instead of forwarding")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the packet leaves unprocessed")]
    [TestPurpose(Id = "TP-HMAC-BV-03", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "Where local policy does not check the HMAC, a packet is processed whatever its HMAC TLV",
        Requirements = new[] { "RFC8754-2.1-TLVS-IGNORED-UNLESS-CONFIGURED", "RFC8754-4.3.1.1-S06-TLV-PROCESSING", "RFC8754-2.1.2.1-HMAC-LOCAL-CONFIG", "RFC8754-4.3.1.1.1-TLV-LOCAL-CONFIG-EXAMPLES" },
        Stimulus = "HMAC policy of t1: ignore. 10 × (A,S)(D,N2,S;SL=2; HMAC TLV computed with a wrong secret) into t1",
        Expected = "10 × (A,N2)(D,N2,S;SL=1) with the HMAC TLV unchanged out of t2, hop limit 63; nothing else on any port")]
    public async Task HmacIsNotCheckedWherePolicyIgnoresIt()
    {
        var (id, alg, _) = HmacKeyFor(HmacAlgorithm.Sha256);
        await WithHmacPolicyAsync("t1", Ignore, () =>
            ExpectForwardedAsync(WithHmac(alg, "not-the-secret"u8.ToArray(), id), "With the HMAC policy 'ignore' the packet was not processed."));
    }

    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-031: an invalid RFC 8754 HMAC TLV is not rejected); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the wrong-secret HMAC is accepted and the packet forwarded")]
    [TestPurpose(Id = "TP-HMAC-BI-01", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "An HMAC computed with the wrong secret fails verification: the packet is not processed",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-FAIL-DISCARD", "RFC8754-2.1.2.1-HMAC-TEXT" },
        Stimulus = "HMAC policy of t1: verify when present. 10 × (A,S)(D,N2,S;SL=2; HMAC TLV key id K computed with a secret other than K's) into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 from a DUT address back out of t1 (SHOULD, rate limited); nothing else")]
    public async Task WrongSecretIsRejected()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        var wrong = key.Select(b => (byte)(b ^ 0x5a)).ToArray();
        await WithHmacPolicyAsync("t1", VerifyIfPresent, () =>
            ExpectRejectedAsync(WithHmac(alg, wrong, id), "A packet whose HMAC was computed with the wrong secret was processed."));
    }

    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the unknown key id is accepted and the packet forwarded")]
    [TestPurpose(Id = "TP-HMAC-BI-02", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "An HMAC TLV naming a key id the node does not have fails verification",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-FAIL-DISCARD", "RFC8754-2.1.2.1-HMAC-TEXT" },
        Stimulus = "HMAC policy of t1: verify when present. 10 × (A,S)(D,N2,S;SL=2; HMAC TLV with an unconfigured key id, computed with K's secret over that id) into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 back out of t1; nothing else")]
    public async Task UnknownKeyIdIsRejected()
    {
        var (_, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        var unknown = Enumerable.Range(4242, 100).Select(x => (uint)x).First(x => Profile.Parameters.HmacKeys.All(k => k.KeyId != x));
        await WithHmacPolicyAsync("t1", VerifyIfPresent, () =>
            ExpectRejectedAsync(WithHmac(alg, key, unknown), $"A packet whose HMAC TLV names key id {unknown}, which the node does not have, was processed."));
    }

    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the modified segment is accepted and the packet forwarded")]
    [TestPurpose(Id = "TP-HMAC-BI-03", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "A segment changed after the HMAC was computed fails verification",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-FAIL-DISCARD", "RFC8754-2.1.2.1-HMAC-TEXT" },
        Stimulus = "HMAC policy of t1: verify when present. 10 × (A,S)(D',N2,S;SL=2; valid HMAC TLV computed over D, then Segment List[0] changed to D') into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 back out of t1; nothing else")]
    public async Task ModifiedSegmentIsRejected()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        var tampered = IPAddress.Parse("2001:db8:d::666");
        await WithHmacPolicyAsync("t1", VerifyIfPresent, () => ExpectRejectedAsync(h =>
        {
            WithHmac(alg, key, id)(h);
            h.Segments[0] = tampered;
        }, "A packet whose segment list was changed after the HMAC was computed was processed."));
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed: Destination Unreachable comes back")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the modified flags are accepted and the packet forwarded")]
    [TestPurpose(Id = "TP-HMAC-BI-04", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "Flags changed after the HMAC was computed fail verification",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-FAIL-DISCARD", "RFC8754-2.1.2.1-HMAC-TEXT" },
        Stimulus = "HMAC policy of t1: verify when present. 10 × (A,S)(D,N2,S;SL=2; HMAC TLV computed with Flags 0x00, sent with Flags 0x08) into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 back out of t1; nothing else")]
    public async Task ModifiedFlagsAreRejected()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        await WithHmacPolicyAsync("t1", VerifyIfPresent, () => ExpectRejectedAsync(h =>
        {
            WithHmac(alg, key, id)(h);
            h.Flags = 0x08;
        }, "A packet whose SRH Flags were changed after the HMAC was computed was processed."));
    }

    [Test]
    [NegativeControl("HmacKeyMissing", NoLinuxModePasses = true, OfflineProof = "HmacConformingReceptionTests", Why = "no Linux mode passes (DEV-LINUX-031); offline proof in HmacConformingReceptionTests")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the truncated HMAC is accepted and the packet forwarded")]
    [TestPurpose(Id = "TP-HMAC-BI-05", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "An HMAC field cut to 16 octets (the digest truncated to 32 octets is required) fails verification",
        Requirements = new[] { "RFC8754-2.1.2.1-HMAC-FAIL-DISCARD", "RFC8754-2.1.2.1-HMAC-TEXT" },
        Stimulus = "HMAC policy of t1: verify when present. 10 × (A,S)(D,N2,S;SL=2; HMAC TLV Length 22: the first 16 octets of the valid SHA-256 HMAC, PadN to 8 octets) into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 back out of t1; nothing else")]
    public async Task TruncatedHmacIsRejected()
    {
        var (id, alg, key) = HmacKeyFor(HmacAlgorithm.Sha256);
        await WithHmacPolicyAsync("t1", VerifyIfPresent, () => ExpectRejectedAsync(h =>
        {
            var full = SrhHmac.Tlv(alg, key, id, A, h);
            h.Tlvs.Add(full with { Hmac = full.Hmac[..16] });
        }, "A packet whose HMAC field was truncated to 16 octets was processed."));
    }

    [Test]
    [NegativeControl("SidMissing", Why = "the End SID is not programmed: Destination Unreachable comes back")]
    [NegativeControl("NodeSecurityChecksSkipped", Profile = "reference-node.yaml", Why = "defect hmac-not-checked: the packet without HMAC is accepted where one is required")]
    [TestPurpose(Id = "TP-HMAC-BI-06", Requires = new[] { "End", "hmac.sha256", DutVerbs.HmacPolicy }, Feature = "HMAC",
        Title = "Where local policy requires an HMAC, a packet without the HMAC TLV is not processed",
        Requirements = new[] { "RFC8754-4.3.1.1.1-TLV-LOCAL-CONFIG-EXAMPLES", "RFC8754-2.1.2.1-HMAC-LOCAL-CONFIG", "RFC8754-4.3.1.1-S06-TLV-PROCESSING" },
        Stimulus = "HMAC policy of t1: require. 10 × (A,S)(D,N2,S;SL=2) without any TLV into t1",
        Expected = "nothing out of t2; at most an ICMPv6 Parameter Problem code 0 back out of t1; nothing else")]
    public async Task MissingHmacIsRejectedWhereRequired()
    {
        await WithHmacPolicyAsync("t1", Required, () =>
            ExpectRejectedAsync(HmacExpectations.Srh(null), "A packet without an HMAC TLV was processed where the policy requires one."));
    }
}
