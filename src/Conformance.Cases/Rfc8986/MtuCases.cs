using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// An encapsulating headend whose result exceeds the egress link MTU (1500 on t2): the packet cannot
/// be forwarded, and the node must say so to the source with a Packet Too Big (RFC 4443 §3.2); the
/// usable MTU is the link MTU less the encapsulation (the tunnel MTU of RFC 2473, not vendored here).
/// </summary>
[TestFixture, Category("MTU")]
public sealed class MtuCases : ConformanceCase
{
    private const int Probes = 10;
    private const int LinkMtu = 1500;

    [Test]
    [NegativeControl("NoIcmpErrors", NoLinuxModePasses = true, OfflineProof = "BehaviorConformingReceptionTests", Why = "no known Linux mode passes (DEV-LINUX-015); offline proof in BehaviorConformingReceptionTests")]
    [NegativeControl("NodeErrorHandlingBroken", Profile = "reference-node.yaml", Why = "defect packet-too-big-not-sent: the encapsulated packet beyond the MTU is discarded without Packet Too Big")]
    [TestPurpose(Id = "TP-MTU-BI-01", Requires = new[] { "H.Encaps", "icmp_errors.packet_too_big" }, Feature = "H.Encaps",
        Title = "H.Encaps of a packet that no longer fits the egress MTU: Packet Too Big to the source with the MTU left after encapsulation",
        Requirements = new[] { "RFC4443-3.2-PACKET-TOO-BIG" },
        Stimulus = "10 × (A,E1) ICMPv6 echo request of 1500 octets (the t1/t2 link MTU) into t1 (E1 steered into the H.Encaps policy <N2, N3>: +80 octets of outer header and SRH)",
        Expected = "10 × ICMPv6 Packet Too Big code 0, MTU 1420 (1500 − 40 − 40), to A out of t1 from a DUT address, quoting the packet as received; nothing out of t2 or t3")]
    public async Task EncapsulationBeyondTheMtuSendsPacketTooBig()
    {
        IPAddress a = Address("A"), e1 = IPAddress.Parse("2001:db8:e:1::1");
        var data = Enumerable.Range(0, Probes).Select(i => ProbeData(i).Concat(new byte[LinkMtu - 40 - 8 - ProbeData(i).Length]).ToArray()).ToList();
        var stimuli = Enumerable.Range(0, Probes).Select(i => Into("t1").Ipv6(a, e1).IcmpEchoRequest(EchoId, (ushort)i, data[i]).Build()).ToList();
        const uint mtuAfterEncapsulation = LinkMtu - 40 - (8 + 2 * 16);
        var expected = stimuli.Select((st, i) => Icmp.Error(OutOf("t1"), "t1", st, PortSpec("t1").DutIpv6, 2, 0, mtuAfterEncapsulation, $"Packet Too Big for probe {i}")).ToList();
        var j = await ExchangeAsync("t1", stimuli, expected);
        EndCases.CheckErrorSources(j);
        Verdict(j, "The oversized encapsulation was not answered with Packet Too Big (MTU 1420) to the source, or was forwarded.");
    }
}
