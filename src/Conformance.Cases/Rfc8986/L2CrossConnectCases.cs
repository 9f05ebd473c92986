using System.Net;
using System.Net.NetworkInformation;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4.9 End.DX2: decapsulation and Layer-2 cross-connect. The SID's outgoing interface I is the
/// profile's <c>interface</c> of the End.DX2 SID; the tester port cabled to it receives the exposed
/// Ethernet frame as carried (MAC addresses, EtherType, the IPv6 packet with its hop limit — no L3
/// forwarding happens). The reference lab's OIF is veth-t2 (tester port t2).
/// </summary>
[TestFixture, Category("Decapsulation")]
public sealed class L2CrossConnectCases : ConformanceCase
{
    private const int Probes = 10;
    private const byte TrafficClass = 0x2e;
    private const uint FlowLabel = 0x12345;

    /// <summary>Source MAC of the carried frames: locally administered, owned by no port of the testbed.</summary>
    public static readonly PhysicalAddress CustomerMac = PhysicalAddress.Parse("02-5e-c0-00-d2-01");

    /// <summary>
    /// The stimuli (A,DX2)(DX2;SL=0) next header 143 carrying an Ethernet frame, and the expected frames:
    /// that Ethernet frame byte for byte out of <paramref name="oifPort"/>. Shared with the offline tests.
    /// </summary>
    public static (List<byte[]> Stimuli, List<ExpectedPacket> Expected) Dx2Exchange(Func<PacketBuilder> intoT1, string oifPort, PhysicalAddress oifTesterMac,
        IPAddress a, IPAddress d, IPAddress dx2, ushort echoId, Func<int, byte[]> data, int probes = Probes)
    {
        PacketBuilder Frame(int i) => new PacketBuilder().Ethernet(CustomerMac, oifTesterMac)
            .Ipv6(a, d, 64, TrafficClass, FlowLabel).IcmpEchoRequest(echoId, (ushort)i, data(i));
        var stimuli = Enumerable.Range(0, probes).Select(i => intoT1().Ipv6(a, dx2).Srh([dx2], 0).EncapsulateEthernet(Frame(i)).Build()).ToList();
        var expected = Enumerable.Range(0, probes).Select(i => new ExpectedPacket(oifPort, Frame(i).Build(), $"frame {i} cross-connected to I", [])).ToList();
        return (stimuli, expected);
    }

    [Test]
    [NegativeControl("EndDx2WrongInterface", Why = "End.DX2's OIF is veth-t3: the frame leaves by t3 instead of t2")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "End.DX2's out-interface is another port: the frame leaves by t3 instead of t2")]
    [TestPurpose(Id = "TP-DX2-BV-01", Requires = new[] { "End.DX2" }, Feature = "End.DX2",
        Title = "End.DX2 removes the outer IPv6 header and sends the exposed Ethernet frame, as carried, out of its interface I",
        Requirements = new[] { "RFC8986-4.9-END-DX2-ULH-S01-S03" },
        Stimulus = "10 × (A,DX2)(DX2;SL=0) next header 143 into t1, carrying an Ethernet frame 02:5e:c0:00:d2:01 → (tester MAC of the OIF's port), EtherType 0x86dd, (A,D) ICMPv6 echo request, hop limit 64, traffic class 0x2e, flow label 0x12345 (DX2 = the End.DX2 SID; I = its profile interface, in the reference lab veth-t2, tester port t2)",
        Expected = "10 × the carried Ethernet frame byte for byte (MAC addresses, EtherType, inner hop limit 64: no L3 forwarding) out of I's tester port; every field compared; nothing out of any other port")]
    public async Task EndDx2CrossConnectsTheFrameToItsInterface()
    {
        var sid = Profile.Parameters.Sids.TryGetValue("end_dx2", out var s) ? s
            : throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.sids.end_dx2, which the profile does not define.");
        var oif = Profile.Testbed.TesterPorts.FirstOrDefault(p => p.DutInterface == sid.Interface)
            ?? throw new TestbedException($"{Profile.SourcePath}: parameters.sids.end_dx2.interface {sid.Interface} is not the DUT interface of any tester port; the case cannot see the cross-connected frame.");
        var (stimuli, expected) = Dx2Exchange(() => Into("t1"), oif.Name, TesterMac(oif.Name), Address("A"), Address("D"), sid.Address, EchoId, ProbeData);
        Verdict(await ExchangeAsync("t1", stimuli, expected), $"End.DX2 did not send the carried Ethernet frame, unchanged, out of its interface {sid.Interface} ({oif.Name}) only.");
    }
}
