using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

public class HostEmulatorTests
{
    private static readonly PhysicalAddress Port = PhysicalAddress.Parse("02-00-00-00-00-aa"), Dut = PhysicalAddress.Parse("02-00-00-00-00-bb");
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), D = IPAddress.Parse("2001:db8:d::1"), S = IPAddress.Parse("2001:db8:b:1:e::");
    private static readonly Func<byte[], byte[]?> Host = HostEmulator.For(Port, [D]);

    [Test]
    public void AnswersAnEchoRequestAndAUdpProbeToItsHostOnly()
    {
        var echo = Host(new PacketBuilder().Ethernet(Dut, Port).Ipv6(A, D, 63).Srh([D, S], 0).IcmpEchoRequest(9, 3, [1, 2, 3]).Build());
        var reply = PacketDecoder.Decode(echo!);
        Assert.That((reply.Ipv6!.Src, reply.Ipv6.Dst, ((Icmpv6Layer)reply.Inner).Type, ((Icmpv6Layer)reply.Inner).EchoSeq, ((Icmpv6Layer)reply.Inner).ChecksumValid),
            Is.EqualTo((D, A, (byte)129, (ushort?)3, true)));
        Assert.That(reply.Ethernet!.Destination, Is.EqualTo(Dut), "back to the sender (the DUT)");
        var probe = new PacketBuilder().Ethernet(Dut, Port).Ipv6(A, D, 1).Udp(40000, 33434, [0]).Build();
        var unreachable = PacketDecoder.Decode(Host(probe)!);
        Assert.That(unreachable.Inner, Is.TypeOf<Icmpv6Layer>().With.Property("Type").EqualTo((byte)1).And.Property("Code").EqualTo((byte)4));
        Assert.That(((Icmpv6Layer)unreachable.Inner).Invoking!.Ipv6!.Dst, Is.EqualTo(D), "quotes the probe");
        Assert.That(Host(new PacketBuilder().Ethernet(Dut, Port).Ipv6(A, D).Srh([D, S], 1).IcmpEchoRequest(1, 1).Build()), Is.Null, "not yet at its final destination");
        Assert.That(Host(new PacketBuilder().Ethernet(Dut, Port).Ipv6(A, S).IcmpEchoRequest(1, 1).Build()), Is.Null, "not a host of this port");
    }
}
