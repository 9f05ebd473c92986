using System.Net;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Security;

/// <summary>
/// RFC 8754 §3.3: a node whose own interface address is the DA of an SRH packet is a segment endpoint. This case
/// expects the SID processing of §4.3.1.1 (S14–S23), which is RFC 8754's where the address is locally configured as
/// a segment; where it is a local interface not instantiated as a SID, §4.3.2 asks for a Parameter Problem instead
/// (TP-LOCAL-BI-01). On the Linux reference this is the kernel's SRH processing, which is only on where
/// net.ipv6.conf.*.seg6_enabled is 1 (see README.md next to this file); seg6local SIDs do not depend on it.
/// </summary>
[TestFixture, Category("Security"), Category("SRH")]
public sealed class Seg6EnabledCases : SecurityCase
{
    [Test]
    [NegativeControl("Seg6Disabled", Why = "SRH processing is off on the ingress interface")]
    [TestPurpose(Id = "TP-SEG6EN-BV-01", Feature = "SRH",
        Title = "An SRH packet addressed to an interface address of the node (SRv6 enabled on the ingress interface) moves to the next segment",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8754-3.3-SEGMENT-ENDPOINT" },
        Stimulus = "10 × (A,I1)(D,I1;SL=1) ICMPv6 echo request into the internal port t1 (I1 = the DUT's own address on t1, not a SID)",
        Expected = "10 × (A,D)(D,I1;SL=0) out of t2 with hop limit 63, every other field unchanged; nothing else on any port")]
    public async Task SrhToAnInterfaceAddressIsProcessed()
    {
        IPAddress a = Address("A"), d = Address("D"), i1 = PortSpec("t1").DutIpv6;
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, i1).Srh([d, i1], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t2",
            OutOf("t2").Ipv6(a, d, 63).Srh([d, i1], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"probe {i} at the last segment", [])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "An SRH packet addressed to the node's interface address was not moved to the next segment.");
    }
}
