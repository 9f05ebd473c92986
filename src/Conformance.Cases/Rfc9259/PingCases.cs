using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>RFC 9259 §2.2 / §3.1.2: ping to a SID. Texts from shared/seeds/draft-ietf-6man-spring-srv6-oam-10.txt.</summary>
[TestFixture, Category("OAM"), Category("Ping")]
public sealed class PingCases : ConformanceCase
{
    private const int Probes = 10;

    [Test]
    [TestPurpose(Id = "TP-PING-BV-01", Rfc = "RFC 9259", Section = "3.1.2", Level = RequirementLevel.Must, Feature = "Ping to a SID",
        Title = "Ping to a locally programmed SID as the IPv6 DA without SRH is answered by the SID",
        Requirement = "If the target SID (2001:db8:B:4::) is locally instantiated, the node processes the upper layer header. As part of the upper layer header processing node N4 respond to the ICMPv6 echo request message and responds with the echo reply message. The echo reply message is IP routed.",
        Stimulus = "10 × (A,S) ICMPv6 echo request without SRH into t1 (S = the End SID: \"the target SID in the IPv6 destination address without SRH\", §2.2)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 with the same identifier, sequence and data (DUT-chosen hop limit, flow label, traffic class not compared); nothing else")]
    public async Task PingToASidAsDestinationIsAnswered()
    {
        Require("End");
        Require("oam.ping_to_sid");
        IPAddress a = Address("A"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i => Into("t1").Ipv6(a, s).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A ping to a locally instantiated SID (DA, no SRH) was not answered by the SID.");
    }
}
