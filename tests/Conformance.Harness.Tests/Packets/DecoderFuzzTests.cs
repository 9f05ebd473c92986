using System.Diagnostics;
using System.Net;
using Conformance.Harness.Packets;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Packets;

[TestFixture]
[Category("Fuzz")]
public class DecoderFuzzTests
{
    public const int Iterations = 120_000;

    private static IPAddress RandomV6(Random r)
    {
        var b = new byte[16];
        r.NextBytes(b);
        if (r.Next(4) == 0) Array.Clear(b, 4, 10); // plenty of zero runs for the formatter
        return new IPAddress(b);
    }

    private static byte[] Bytes(Random r, int max)
    {
        var b = new byte[r.Next(max + 1)];
        r.NextBytes(b);
        return b;
    }

    private static byte[] RandomValidFrame(Random r)
    {
        int n = r.Next(0, 9);
        var srh = new SegmentRoutingHeader
        {
            Segments = [.. Enumerable.Range(0, n).Select(_ => RandomV6(r))],
            SegmentsLeft = (byte)(n == 0 ? 0 : r.Next(n)),
            Flags = (byte)r.Next(256),
            Tag = (ushort)r.Next(65536),
        };
        switch (r.Next(5))
        {
            case 0: srh.Tlvs.Add(HmacTlv.Create(r.Next(2) == 0, (uint)r.Next(), Bytes(r, 0).Concat(new byte[8 * r.Next(1, 5)]).ToArray())); break;
            case 1: srh.Tlvs.Add(new RawTlv((byte)r.Next(6, 256), Bytes(r, 20))); break;
            case 2: srh.Tlvs.Add(new PadNTlv(r.Next(6))); break;
        }
        srh.AddPadding();
        var b = new PacketBuilder().Ipv6(RandomV6(r), RandomV6(r), (byte)r.Next(256), (byte)r.Next(256), (uint)r.Next(0x100000));
        if (n > 0 || r.Next(8) == 0) b.Srh(srh);
        switch (r.Next(8))
        {
            case 0: b.IcmpEchoRequest((ushort)r.Next(65536), (ushort)r.Next(65536), Bytes(r, 40)); break;
            case 1: b.Udp((ushort)r.Next(65536), (ushort)r.Next(65536), Bytes(r, 40)); break;
            case 2: b.Tcp((ushort)r.Next(65536), (ushort)r.Next(65536), (TcpFlags)r.Next(256), (uint)r.Next(), data: Bytes(r, 20)); break;
            case 3: b.Encapsulate(new PacketBuilder().Ipv6(RandomV6(r), RandomV6(r)).Srh([RandomV6(r)], 0).IcmpEchoReply(1, 2)); break;
            case 4: b.Encapsulate(new PacketBuilder().Ipv4("192.0.2.1", "198.51.100.7").Udp(1, 2, Bytes(r, 10))); break;
            case 5: b.EncapsulateEthernet(new PacketBuilder().Ipv6(RandomV6(r), RandomV6(r)).Udp(1, 2)); break;
            case 6: b.Payload(new PacketPayload.Icmpv6(1, 0, [0, 0, 0, 0, .. new PacketBuilder().RawIp().Ipv6(RandomV6(r), RandomV6(r)).Srh([RandomV6(r), RandomV6(r)], 1).Udp(3, 4).Build()])); break;
            default: b.NoNextHeader(); break;
        }
        if (r.Next(3) == 0) b.RawIp();
        return b.Build();
    }

    private static byte[] Mutate(Random r, byte[] f)
    {
        var m = (byte[])f.Clone();
        switch (r.Next(7))
        {
            case 0: // bit flips
                for (int i = r.Next(1, 8); i > 0 && m.Length > 0; i--) m[r.Next(m.Length)] ^= (byte)(1 << r.Next(8));
                return m;
            case 1: // truncation
                return m[..r.Next(m.Length + 1)];
            case 2: // length fields: IPv6 payload length, hdr ext len, LE, SL, TLV lengths
            {
                int ip = m.Length > 0 && (m[0] >> 4) == 6 ? 0 : 14;
                int[] spots = [ip + 4, ip + 5, ip + 41, ip + 43, ip + 44, ip + 42, ip + 40, ip + 6];
                for (int i = r.Next(1, 4); i > 0; i--)
                {
                    int at = r.Next(3) == 0 ? r.Next(Math.Max(1, m.Length)) : spots[r.Next(spots.Length)];
                    if (at < m.Length) m[at] = r.Next(3) switch { 0 => 0, 1 => 255, _ => (byte)r.Next(256) };
                }
                return m;
            }
            case 3: // overwrite a run with random bytes
            {
                if (m.Length == 0) return m;
                int start = r.Next(m.Length);
                int len = Math.Min(m.Length - start, r.Next(1, 32));
                r.NextBytes(m.AsSpan(start, len));
                return m;
            }
            case 4: // entirely random
                return Bytes(r, 200);
            case 5: // insert or delete bytes in the middle
            {
                if (m.Length < 2) return m;
                int at = r.Next(m.Length);
                return r.Next(2) == 0 ? [.. m[..at], .. Bytes(r, 16), .. m[at..]] : [.. m[..at], .. m[Math.Min(m.Length, at + r.Next(1, 17))..]];
            }
            default: // append garbage
                return [.. m, .. Bytes(r, 64)];
        }
    }

    [Test]
    public void RandomAndMutatedPacketsNeverBreakTheDecoder()
    {
        var r = new Random(20261125);
        var sw = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        int malformed = 0, withSrh = 0;
        // A pool of valid frames keeps generation cheap; every iteration mutates a pool member differently.
        var pool = Enumerable.Range(0, 4096).Select(_ => RandomValidFrame(r)).ToArray();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] valid = pool[r.Next(pool.Length)];
            byte[] frame = i % 10 == 0 ? valid : Mutate(r, valid);
            var link = frame.Length > 0 && (frame[0] >> 4) == 6 && r.Next(4) != 0 ? LinkKind.RawIp : LinkKind.Ethernet;
            if (i % 2 == 0) link = r.Next(2) == 0 ? LinkKind.RawIp : LinkKind.Ethernet;

            DecodedPacket d;
            try
            {
                d = PacketDecoder.Decode(frame, link);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: decoder threw {ex}\nframe: {Convert.ToHexString(frame)}");
                return;
            }
            if (d.Srh is not null) withSrh++;
            if (d.Malformations.Count > 0) malformed++;
            foreach (var m in d.Malformations)
            {
                if (m.Layer == "decoder" || m.Offset < 0 || m.Offset >= Math.Max(1, frame.Length)
                    || string.IsNullOrEmpty(m.Field) || string.IsNullOrEmpty(m.Problem) || string.IsNullOrEmpty(m.Layer))
                    Assert.Fail($"iteration {i}: bad malformation {m} for frame of {frame.Length} bytes: {Convert.ToHexString(frame)}");
            }
            if (i % 16 == 0)
            {
                // The projections must not throw either.
                _ = d.Notation;
                _ = PacketJson.ToJsonObject(d, i).ToJsonString();
                _ = PacketDiff.Compare(d, d);
                if (d.Srh is not null && d.Srh.HdrExtLen is not null)
                    _ = d.Srh.Encode();
            }
        }
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        TestContext.Out.WriteLine($"{Iterations} frames in {sw.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU; {malformed} with malformations, {withSrh} with an SRH");
        Assert.That(malformed, Is.GreaterThan(Iterations / 2), "the mutator must actually produce malformed frames");
        Assert.That(withSrh, Is.GreaterThan(Iterations / 4));
        // CPU time rather than wall time: the build machine is shared, and wall time measures the neighbours' load.
        Assert.That(cpu, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void DecodedSrhRoundTripsForMutatedHeaders()
    {
        // For any decodable SRH the bytes it covered re-encode identically (malformed or not).
        var r = new Random(20261125);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] f = Mutate(r, RandomValidFrame(r));
            var d = PacketDecoder.Decode(f, LinkKind.Ethernet);
            if (d.Srh is null || d.SrhOffset is not int at) continue;
            int len = Math.Min(8 * (d.Srh.HdrExtLen!.Value + 1), f.Length - at);
            int ipEnd = d.Ipv6 is { } ip ? Math.Min(f.Length, ip.Offset + 40 + ip.PayloadLength) : f.Length;
            len = Math.Min(len, ipEnd - at);
            Assert.That(d.Srh.Encode(), Is.EqualTo(f[at..(at + len)]), $"iteration {i}");
        }
    }
}
