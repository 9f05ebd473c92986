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
    /// <summary>
    /// The other side of an ingress port <paramref name="port"/>: the final destination of its probes and the port it
    /// leaves by. D is behind t2, A behind t1, so a probe into t2 goes to A (out of t1) and any other to D (out of t2):
    /// never back out of the ingress port.
    /// </summary>
    private static (IPAddress Source, IPAddress Destination, string Out) Across(string port) =>
        port == "t2" ? (Address("D"), Address("A"), "t1") : (Address("A"), Address("D"), "t2");

    [Test]
    [NegativeControl("Seg6Disabled", Why = "SRH processing is off on every interface")]
    [NegativeControl("Seg6DisabledOnT2", Why = "SRH processing is off on t2's interface only: the probes into t2 are dropped, those into t1 pass")]
    [TestPurpose(Id = "TP-SEG6EN-BV-01", Feature = "SRH",
        Title = "An SRH packet addressed to an interface address of the node (SRv6 enabled on the ingress interface) moves to the next segment, on every internal port",
        Requirements = new[] { "RFC8754-4.3.1.1-NEXT-SEGMENT", "RFC8754-3.3-SEGMENT-ENDPOINT" },
        Stimulus = "into every internal tester port P (role internal; the reference lab: t1 and t2), 10 × (Y,IP)(Z,IP;SL=1) ICMPv6 echo request (IP = the DUT's own address on P, not a SID; into t1 Y = A, Z = D, into t2 Y = D, Z = A), one exchange per port",
        Expected = "for each port, 10 × (Y,Z)(Z,IP;SL=0) out of the other side (t2 for t1, t1 for t2) with hop limit 63, every other field unchanged; nothing else on any port")]
    public async Task SrhToAnInterfaceAddressIsProcessed()
    {
        var ports = Profile.Testbed.TesterPorts.Where(p => p.Role == Harness.Profiles.PortRole.Internal).Select(p => p.Name).ToList();
        var failures = new List<string>();
        foreach (var port in ports)
        {
            var (y, z, exit) = Across(port);
            var ip = PortSpec(port).DutIpv6;
            var stimuli = Enumerable.Range(0, Probes).Select(i =>
                Into(port).Ipv6(y, ip).Srh([z, ip], 1).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
            var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket(exit,
                OutOf(exit).Ipv6(y, z, 63).Srh([z, ip], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build(),
                $"probe {i} into {port} at the last segment", [])).ToList();
            var j = await ExchangeAsync(port, stimuli, expected);
            if (!j.Pass) failures.Add($"into {port} (to {ip}):\n{j.Explain()}");
        }
        if (failures.Count > 0)
            Fail($"An SRH packet addressed to the node's interface address was not moved to the next segment on {failures.Count} of {ports.Count} internal port(s): " + string.Join("\n", failures));
    }
}
