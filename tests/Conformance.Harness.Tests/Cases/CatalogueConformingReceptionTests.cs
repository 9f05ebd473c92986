using System.Buffers.Binary;
using System.Net;
using Conformance.Cases.Rfc8986;
using Conformance.Cases.Support;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;


/// <summary>
/// The purposes the reference profile does not claim (USP, USD, End.DT4, End.DT46, End.B6.Encaps.Red: no Linux
/// lab mode can run them, so they are not applicable on the reference lab and have no pass/fail row in
/// CaseVerdictTests.Table). Offline, with the very expectations the cases build (their public static exchange
/// methods) and the same <see cref="Judge"/>: an RFC-conforming reception — derived here from the stimulus
/// bytes by the RFC's steps, not by the case's builder — passes, and a wrong one fails.
/// </summary>
public class CatalogueConformingReceptionTests
{
    private static readonly IPAddress A = IPAddress.Parse("2001:db8:0:1::2"), A4 = IPAddress.Parse("192.0.2.2"),
        Dut1 = IPAddress.Parse("2001:db8:0:1::1"), Dut2 = IPAddress.Parse("2001:db8:0:2::1"),
        N2 = IPAddress.Parse("2001:db8:b:2:e::"), N3 = IPAddress.Parse("2001:db8:b:3:e::"), N4 = IPAddress.Parse("2001:db8:b:4:e::"),
        D = IPAddress.Parse("2001:db8:d::1"), D3 = IPAddress.Parse("2001:db8:d:3::1"), D4X = IPAddress.Parse("203.0.113.200"),
        Usp = IPAddress.Parse("2001:db8:b:1:e5::"), Usd = IPAddress.Parse("2001:db8:b:1:ed::"), Dt4 = IPAddress.Parse("2001:db8:b:1:d4::"),
        Dt46 = IPAddress.Parse("2001:db8:b:1:d46::"), B6R = IPAddress.Parse("2001:db8:b:1:b7::");
    private const string TesterMac = "02-00-00-00-00-aa", DutMac = "02-00-00-00-00-bb";
    private const ushort EchoId = 0x5eed;
    private const int Ethernet = 14, Ipv6Header = 40;

    private static PacketBuilder Into() => new PacketBuilder().Ethernet(TesterMac, DutMac);
    private static PacketBuilder OutOf() => new PacketBuilder().Ethernet(DutMac, TesterMac);
    private static byte[] Data(int i) => System.Text.Encoding.ASCII.GetBytes($"srv6conf probe {i:D4} offline".PadRight(40, '.'));

    private static Judgement JudgeReceived(IReadOnlyList<ExpectedPacket> expected, IEnumerable<(string Port, byte[] Frame)> received) =>
        Judge.Exchange(new TrafficResult([], received.Select(r => new Frame(DateTime.UtcNow, r.Frame, r.Port, FrameDirection.Received)).ToList(), [], [], true, TimeSpan.Zero), expected);

    private static int SrhLength(byte[] frame) => 8 * (frame[Ethernet + Ipv6Header + 1] + 1);

    /// <summary>RFC 8986 §4.16.2 S03.1–S03.3 on the bytes: next header from the SRH, Payload Length minus the SRH, the SRH cut out.</summary>
    private static byte[] PopSrh(byte[] frame)
    {
        int srh = Ethernet + Ipv6Header, len = SrhLength(frame);
        var popped = frame[..srh].Concat(frame[(srh + len)..]).ToArray();
        popped[Ethernet + 6] = frame[srh];
        BinaryPrimitives.WriteUInt16BigEndian(popped.AsSpan(Ethernet + 4), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(Ethernet + 4)) - len));
        return popped;
    }

    /// <summary>The inner packet after removing the outer IPv6 header with all its extension headers (one SRH), re-framed by the DUT.</summary>
    private static byte[] Decapsulate(byte[] frame, ushort etherType)
    {
        var inner = frame[(Ethernet + Ipv6Header + SrhLength(frame))..];
        var header = OutOf().Ipv6(A, D).NoNextHeader().Build()[..Ethernet]; // DUT → tester MACs
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(12), etherType);
        return [.. header, .. inner];
    }

    /// <summary>One IPv6 forwarding hop on the bytes: hop limit − 1.</summary>
    private static byte[] ForwardIpv6(byte[] frame) { var f = (byte[])frame.Clone(); f[Ethernet + 7]--; return f; }

    /// <summary>One IPv4 forwarding hop on the bytes: TTL − 1 and the header checksum recomputed.</summary>
    private static byte[] ForwardIpv4(byte[] frame)
    {
        var f = (byte[])frame.Clone();
        var ihl = 4 * (f[Ethernet] & 0x0f);
        f[Ethernet + 8]--;
        f[Ethernet + 10] = f[Ethernet + 11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(Ethernet + 10), InternetChecksum.Finish(InternetChecksum.Add(0, f.AsSpan(Ethernet, ihl))));
        return f;
    }

    [Test]
    public void UspPortUnreachableQuotingThePacketWithoutItsSrhPassesAndAQuoteWithTheSrhFails()
    {
        var (stimuli, expected) = FlavorCases.UspExchange(Into, OutOf, A, Usp, N2, Data);
        Assert.That(stimuli, Has.Count.GreaterThanOrEqualTo(10));
        IEnumerable<(string, byte[])> Replies(Func<byte[], byte[]> quoted) =>
            stimuli.Select(s => ("t1", Icmp.Error(OutOf(), "t1", quoted(s), Usp, 1, 4, 0, "reply").Frame));
        Assert.That(JudgeReceived(expected, Replies(PopSrh)).Pass, Is.True, "USP: the UDP layer saw the packet without its SRH");
        Assert.That(JudgeReceived(expected, Replies(s => s)).Pass, Is.False, "SRH still present: no USP");
        Assert.That(JudgeReceived(expected, []).Pass, Is.False, "silence");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t1", Icmp.Error(OutOf(), "t1", PopSrh(s), Usp, 4, 4, 48, "param").Frame))).Pass, Is.False,
            "Parameter Problem code 4 instead of Port Unreachable");
    }

    [Test]
    public void UsdInnerPacketForwardedByTheFibPassesAndTheKeptOuterHeaderFails()
    {
        var (stimuli, expected) = FlavorCases.UsdExchange(Into, OutOf, A, Usd, N2, D, EchoId, Data);
        Assert.That(stimuli, Has.Count.GreaterThanOrEqualTo(10));
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", ForwardIpv6(Decapsulate(s, 0x86dd))))).Pass, Is.True, "USD: decapsulated and forwarded once");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", ForwardIpv6(s)))).Pass, Is.False, "outer header and SRH kept");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", Decapsulate(s, 0x86dd)))).Pass, Is.False, "inner hop limit not decremented");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t3", ForwardIpv6(Decapsulate(s, 0x86dd))))).Pass, Is.False, "wrong port");
        Assert.That(JudgeReceived(expected, []).Pass, Is.False, "dropped (no USD: SL=0 with an IPv6 upper layer)");
    }

    [Test]
    public void EndDt4InnerIpv4PacketRoutedByItsTablePassesAndTheMainTableFails()
    {
        var (stimuli, expected) = VrfLookupCases.Ipv4Exchange(Into, OutOf, A, A4, D4X, Dt4, EchoId, Data);
        Assert.That(stimuli, Has.Count.GreaterThanOrEqualTo(10));
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", ForwardIpv4(Decapsulate(s, 0x0800))))).Pass, Is.True, "table T: via t2, TTL 63, checksum updated");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t3", ForwardIpv4(Decapsulate(s, 0x0800))))).Pass, Is.False, "main table: via t3");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", Decapsulate(s, 0x0800)))).Pass, Is.False, "TTL not decremented");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", ForwardIpv6(s)))).Pass, Is.False, "not decapsulated");
    }

    [Test]
    public void EndDt46InnerIpv4AndIpv6PacketsRoutedByItsTablePassAndTheMainTableFails()
    {
        var (stimuli4, expected4) = VrfLookupCases.Ipv4Exchange(Into, OutOf, A, A4, D4X, Dt46, EchoId, Data);
        var (stimuli6, expected6) = VrfLookupCases.Ipv6Exchange(Into, OutOf, A, D3, Dt46, EchoId, Data);
        Assert.That(stimuli4.Count + stimuli6.Count, Is.GreaterThanOrEqualTo(20));
        Assert.That(JudgeReceived(expected4, stimuli4.Select(s => ("t2", ForwardIpv4(Decapsulate(s, 0x0800))))).Pass, Is.True, "IPv4 via table T");
        Assert.That(JudgeReceived(expected6, stimuli6.Select(s => ("t2", ForwardIpv6(Decapsulate(s, 0x86dd))))).Pass, Is.True, "IPv6 via table T");
        Assert.That(JudgeReceived(expected4, stimuli4.Select(s => ("t3", ForwardIpv4(Decapsulate(s, 0x0800))))).Pass, Is.False, "IPv4 via the main table");
        Assert.That(JudgeReceived(expected6, stimuli6.Select(s => ("t3", ForwardIpv6(Decapsulate(s, 0x86dd))))).Pass, Is.False, "IPv6 via the main table");
        Assert.That(JudgeReceived(expected6, []).Pass, Is.False, "IPv6 dropped (an End.DT4-only SID)");
    }

    [Test]
    public void EndB6EncapsRedOuterSrhWithoutTheFirstSidPassesAndTheFullSrhFails()
    {
        IPAddress[] policy = [N2, N3, N4];
        var (stimuli, expected) = BindingReducedCases.Exchange(Into, OutOf, Dut2, A, D, N2, B6R, policy, EchoId, Data);
        Assert.That(stimuli, Has.Count.GreaterThanOrEqualTo(10));
        // The conforming packet built by hand from the stimulus: End's S12–S14 on the received packet, then the outer header
        // (the DUT's own hop limit, traffic class and flow label) with the SRH (N4, N3; SL=2): Last Entry 1, N2 in the DA only.
        byte[] Received(byte[] s, IPAddress[] outerSrh, bool endProcessing)
        {
            var inner = s[Ethernet..];
            if (endProcessing)
            {
                inner = (byte[])inner.Clone();
                inner[7]--;                                   // S12 hop limit
                inner[Ipv6Header + 3]--;                      // S13 Segments Left 2 → 1
                N2.GetAddressBytes().CopyTo(inner, 24);        // S14 DA = Segment List[1] = N2
            }
            var outer = OutOf().Ipv6(Dut2, N2, 17, 0x08, 0x777).Srh(outerSrh, 2).NoNextHeader().Build();
            outer[Ethernet + Ipv6Header] = 41;                // SRH next header: IPv6
            BinaryPrimitives.WriteUInt16BigEndian(outer.AsSpan(Ethernet + 4), (ushort)(8 * (outer[Ethernet + Ipv6Header + 1] + 1) + inner.Length));
            return [.. outer, .. inner];
        }
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", Received(s, [N4, N3], true)))).Pass, Is.True, "reduced SRH, inner packet processed by End");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", Received(s, [N4, N3, N2], true)))).Pass, Is.False, "the first SID still in the pushed SRH (End.B6.Encaps)");
        Assert.That(JudgeReceived(expected, stimuli.Select(s => ("t2", Received(s, [N4, N3], false)))).Pass, Is.False, "the inner SRH not advanced");
        Assert.That(() => BindingReducedCases.Exchange(Into, OutOf, Dut2, A, D, N2, B6R, [N2], EchoId, Data), Throws.ArgumentException, "one SID: nothing to reduce");
    }
}
