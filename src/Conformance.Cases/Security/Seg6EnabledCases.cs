using System.Net;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Security;

/// <summary>
/// RFC 8754 §3.3 / §4.3.1.1: SRH processing is on where the node receives SRv6 traffic — an SRH packet to a local SID
/// is processed whichever internal interface it arrives on (a per-interface switch such as Linux's seg6_enabled or the
/// reference node's <c>srv6 enable</c> must not leave one of them off). The probes go to the End SID: an interface
/// address that is not a SID is §4.3.2's case (Parameter Problem, TP-LOCAL-BI-01), not a segment. (This purpose first
/// probed the interface address and expected End processing, Linux's seg6_enabled behaviour; the reference node,
/// following §4.3.2, showed the two purposes contradicted each other.) On Linux seg6local SIDs do not depend on
/// seg6_enabled, so its negative control drops SRH packets at t2's ingress instead.
/// </summary>
[TestFixture, Category("Security"), Category("SRH")]
public sealed class Seg6EnabledCases : SecurityCase
{
    /// <summary>
    /// The other side of an ingress port <paramref name="port"/>: the final destination of its probes and the port it
    /// leaves by. D is behind t2, A behind t1, so a probe into t2 goes to A (out of t1) and any other to D (out of t2):
    /// never back out of the ingress port.
    /// </summary>
    private static (IPAddress Source, IPAddress Destination, string Out) Across(string port) =>
        port == "t2" ? (Address("D"), Address("A"), "t1") : (Address("A"), Address("D"), "t2");

    [Test]
    [NegativeControl("SrhDroppedOnT2", Why = "SRH packets are dropped at t2's ingress (nftables): the probes into t2 are lost, those into t1 pass")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "SRv6 disabled on t2's interface: the probes into t2 are dropped, those into t1 pass")]
    [TestPurpose(Id = "TP-SEG6EN-BV-01", Feature = "SRH",
        Title = "An SRH packet to a local SID is processed on every internal port (SRH processing on for every interface that receives SRv6 traffic)",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8754-3.3-SEGMENT-ENDPOINT" },
        Stimulus = "into every internal tester port P (role internal; the reference lab: t1 and t2), 10 × (Y,S)(Z,S;SL=1) ICMPv6 echo request (S = the End SID; into t1 Y = A, Z = D, into t2 Y = D, Z = A), one exchange per port",
        Expected = "for each port, 10 × (Y,Z)(Z,S;SL=0) out of the other side (t2 for t1, t1 for t2) with hop limit 63, every other field unchanged; nothing else on any port")]
    public async Task SrhToALocalSidIsProcessedOnEveryInternalPort()
    {
        var ports = Profile.Testbed.TesterPorts.Where(p => p.Role == Harness.Profiles.PortRole.Internal).Select(p => p.Name).ToList();
        var failures = new List<string>();
        foreach (var port in ports)
        {
            var (y, z, exit) = Across(port);
            var ip = Sid("end");
            var stimuli = Enumerable.Range(0, Probes).Select(i =>
                Into(port).Ipv6(y, ip).Srh([z, ip], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
            var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket(exit,
                OutOf(exit).Ipv6(y, z, 63).Srh([z, ip], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"probe {i} into {port} at the last segment", [])).ToList();
            var j = await ExchangeAsync(port, stimuli, expected);
            if (!j.Pass) failures.Add($"into {port} (to {ip}):\n{j.Explain()}");
        }
        if (failures.Count > 0)
            Fail($"An SRH packet addressed to the End SID was not moved to the next segment on {failures.Count} of {ports.Count} internal port(s): " + string.Join("\n", failures));
    }
}
