using System.Diagnostics;
using Conformance.Harness.Capture;
using Conformance.Harness.Tester;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;
using static Conformance.Harness.Tests.Tester.RawSocketInjectorTests;

namespace Conformance.Harness.Tests.Tester;

/// <summary>
/// The TX ring (the tester port's burst path with S6C_TX_RING=1) sends exactly the frames it is given, byte for
/// byte and in order, across ring wrap-around; a refused frame fails its batch and the ring recovers;
/// the port falls back to sendmmsg when the ring cannot be set up; the port's traffic limits still bound
/// it. Functional only: no rate assertions (the benchmark measures rates).
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class PacketTxRingTests
{
    /// <summary>Opens a tester port with S6C_TX_RING=1 (the ring is not the default path).</summary>
    private static TesterPort OpenRingPort(VethPair veth, TrafficLimits? limits = null)
    {
        var before = Environment.GetEnvironmentVariable("S6C_TX_RING");
        Environment.SetEnvironmentVariable("S6C_TX_RING", "1");
        try { return TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, []), limits); }
        finally { Environment.SetEnvironmentVariable("S6C_TX_RING", before); }
    }

    private static long TxPackets(VethPair veth) => long.Parse(File.ReadAllText($"/sys/class/net/{veth.TesterIf}/statistics/tx_packets"));

    [Test]
    public void RingSendsExactlyTheFramesInOrderAcrossWrapAround()
    {
        using var veth = new VethPair();
        using var ring = PacketTxRing.Open(veth.TesterIf);
        Assert.That(ring.Slots, Is.EqualTo(PacketTxRing.MinSlots), "a 1500-byte MTU gives 2 KiB slots, 16 batches");
        Assert.That(ring.QdiscBypass, Is.True);
        // Three times round the ring, in batches that do not divide it evenly.
        var frames = Frames(3 * ring.Slots + 77, veth.FarMac);
        using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", frames.Count);
        long tx0 = TxPackets(veth);
        int sent = 0;
        while (sent < frames.Count)
        {
            int n = Math.Min(200, frames.Count - sent);
            Assert.That(ring.SendBatch(frames, sent, n).Sent, Is.EqualTo(n));
            sent += n;
        }
        Assert.That(ring.FramesSent, Is.EqualTo(frames.Count));
        Assert.That(TxPackets(veth) - tx0, Is.EqualTo(frames.Count), "the interface counted every frame, and no other");
        AssertSameFrames(frames, tcpdump.Finish());
    }

    /// <summary>
    /// A slot is released when the kernel frees its packet, while a plain AF_PACKET reader on the far end may still hold
    /// a clone of it. A reader that reads only after the sender has gone three times round the ring still gets every frame
    /// as it was sent.
    /// </summary>
    [Test]
    public void LatePlainSocketReaderOnTheFarEndGetsTheFramesAsSent()
    {
        using var veth = new VethPair();
        using var ring = PacketTxRing.Open(veth.TesterIf);
        var frames = Frames(3 * ring.Slots, veth.FarMac);
        var outFile = Path.Combine(Path.GetTempPath(), $"s6c-txr-{veth.Id}.bin");
        var script = Path.Combine(Path.GetTempPath(), $"s6c-txr-{veth.Id}.py");
        File.WriteAllText(script, """
            import socket, struct, sys
            ifname, src, out = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3]
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)  # SO_RCVBUFFORCE
            s.bind((ifname, 0))
            print("ready", flush=True)
            sys.stdin.readline()  # the sender is done: only now read what was queued
            s.setblocking(False)
            n = 0
            with open(out, "wb") as f:
                while True:
                    try:
                        d, addr = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] == socket.PACKET_OUTGOING or d[6:12] != src:
                        continue
                    f.write(struct.pack("<I", len(d)) + d)
                    n += 1
            print(n, flush=True)
            """);
        var psi = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", veth.Namespace, "/usr/bin/python3", script, veth.FarIf, SrcMac, outFile }) psi.ArgumentList.Add(a);
        using var reader = Process.Start(psi)!;
        try
        {
            var ready = reader.StandardOutput.ReadLine(); // "ready" once the socket is bound
            if (ready != "ready") Assert.Fail($"the reader did not start: {ready} {reader.StandardError.ReadToEnd()}");
            ring.Send(frames);
            reader.StandardInput.WriteLine("go");
            reader.StandardInput.Flush();
            Assert.That(reader.WaitForExit(30_000), Is.True, "the reader should finish");
            var got = new List<byte[]>();
            var bytes = File.ReadAllBytes(outFile);
            for (int o = 0; o < bytes.Length;)
            {
                int len = BitConverter.ToInt32(bytes, o);
                got.Add(bytes[(o + 4)..(o + 4 + len)]);
                o += 4 + len;
            }
            Assert.That(got, Has.Count.EqualTo(frames.Count), "the reader's queue held every frame");
            for (int i = 0; i < frames.Count; i++)
                Assert.That(got[i], Is.EqualTo(frames[i]), $"frame #{i} as read late differs from what was sent");
        }
        finally
        {
            if (!reader.HasExited) reader.Kill(true);
            File.Delete(script);
            File.Delete(outFile);
        }
    }

    /// <summary>A frame longer than the MTU allows fails its batch as on the sendmmsg path (EMSGSIZE); the frames before it are sent, the ring goes on.</summary>
    [Test]
    public void FrameLongerThanTheMtuFailsItsBatchAndTheRingGoesOn()
    {
        using var veth = new VethPair();
        using var ring = PacketTxRing.Open(veth.TesterIf);
        Assert.That(ring.CopiesFrames, Is.True, "PACKET_VNET_HDR accepted: every frame copied whole into its packet");
        var frames = Frames(300, veth.FarMac);
        var tooLong = new byte[1600]; // fits a slot (2,006 bytes), longer than MTU 1500 + the Ethernet header
        frames[0].AsSpan(0, 14).CopyTo(tooLong);
        using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", 251);
        ring.SendBatch(frames, 0, 100);
        var e = Assert.Throws<TestbedException>(() => ring.SendBatch([frames[100], tooLong, frames[101]], 0, 3));
        Assert.That(e!.Message, Does.Contain(veth.TesterIf).And.Contain("Message too long"));
        ring.SendBatch(frames, 150, 150);
        var expected = frames.Take(101).Concat(frames.Skip(150)).ToList();
        AssertSameFrames(expected, tcpdump.Finish());
    }

    [Test]
    public void FrameLongerThanASlotGoesThroughSendmmsgInItsPlace()
    {
        using var veth = new VethPair();
        using var ring = PacketTxRing.Open(veth.TesterIf);
        Sh.Run("ip", "link", "set", veth.TesterIf, "mtu", "3000");
        veth.Ns("ip", "link", "set", veth.FarIf, "mtu", "3000");
        var frames = Frames(40, veth.FarMac);
        var big = new byte[2500];
        frames[0].AsSpan(0, 14).CopyTo(big);
        for (int k = 14; k < big.Length; k++) big[k] = (byte)k;
        var mixed = frames.Take(10).Append(big).Concat(frames.Skip(10).Take(10)).Append(big).Concat(frames.Skip(20)).ToList();
        using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", mixed.Count);
        Assert.That(ring.SendBatch(mixed, 0, mixed.Count).Sent, Is.EqualTo(mixed.Count));
        AssertSameFrames(mixed, tcpdump.Finish());
    }

    [Test]
    public void PortUsesSendmmsgByDefaultTheRingOnRequestAndFallsBackWhenTheRingFails()
    {
        using var veth = new VethPair();
        var frames = Frames(600, veth.FarMac);
        using (var port = OpenRingPort(veth))
        {
            Assert.That(port.FastPathMethod, Is.EqualTo("tx_ring"));
            Assert.That(port.QdiscBypass, Is.True);
            Assert.That(port.FastPathFallbackReason, Is.Null);
        }
        foreach (var (env, value, bypass) in new[] { ("S6C_TX_RING", "", true), ("S6C_TX_RING", "0", true), ("S6C_TX_QDISC", "1", false) })
        {
            var before = Environment.GetEnvironmentVariable(env);
            Environment.SetEnvironmentVariable(env, value == "" ? null : value);
            try
            {
                using var port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, []));
                Assert.That(port.FastPathMethod, Is.EqualTo("sendmmsg"), $"{env}={value}");
                Assert.That(port.QdiscBypass, Is.EqualTo(bypass), $"{env}={value}");
            }
            finally { Environment.SetEnvironmentVariable(env, before); }
        }
        TesterPort.RingOpener = _ => throw new TestbedException("TX ring on 'x': PACKET_TX_RING refused (simulated).");
        TesterPort fallback;
        try { fallback = OpenRingPort(veth); }
        finally { TesterPort.RingOpener = null; }
        using (fallback)
        {
            Assert.That(fallback.FastPathMethod, Is.EqualTo("sendmmsg"));
            Assert.That(fallback.QdiscBypass, Is.True);
            Assert.That(fallback.FastPathFallbackReason, Does.Contain("simulated"));
            using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", frames.Count);
            Assert.That(fallback.SendBurst(frames, "burst"), Is.EqualTo(frames.Count));
            Assert.That(fallback.TakeSent().Select(f => f.Data), Is.EqualTo(frames));
            AssertSameFrames(frames, tcpdump.Finish());
        }
    }

    [Test]
    public void PortBurstAndPacedStreamOnTheRingAreExactAndStayWithinTheLimits()
    {
        using var veth = new VethPair();
        var limits = new TrafficLimits(MaxPackets: 5_000, MaxRatePps: 50_000, MaxDuration: TimeSpan.FromSeconds(10));
        using var port = OpenRingPort(veth, limits);
        Assert.That(port.FastPathMethod, Is.EqualTo("tx_ring"));
        var frames = Frames(5_000, veth.FarMac);
        using (var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", 5_000 + 2_000))
        {
            var t0 = DateTime.UtcNow;
            Assert.That(port.SendBurst(frames, "burst"), Is.EqualTo(frames.Count));
            Assert.That(port.SendPaced(i => frames[(int)i], 2_000, 20_000), Is.EqualTo(2_000));
            var evidence = port.TakeSent();
            Assert.That(evidence.Select(f => f.Data), Is.EqualTo(frames.Concat(frames.Take(2_000))));
            Assert.That(evidence[0].TimestampUtc, Is.GreaterThanOrEqualTo(t0));
            Assert.That(evidence.Zip(evidence.Skip(1)).All(p => p.First.TimestampUtc <= p.Second.TimestampUtc), "evidence time stamps in send order");
            AssertSameFrames(frames.Concat(frames.Take(2_000)).ToList(), tcpdump.Finish());
        }
        long tx0 = TxPackets(veth);
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendBurst(Frames(5_001, veth.FarMac)));
        Assert.Throws<ArgumentOutOfRangeException>(() => port.SendPaced(i => frames[0], 10, 50_001));
        Assert.That(TxPackets(veth) - tx0, Is.Zero, "a request beyond the limits sends nothing");
    }

    [Test]
    public void RingBurstStopsAtTheDurationLimit()
    {
        using var veth = new VethPair();
        var limits = new TrafficLimits(MaxPackets: 1_000_000, MaxRatePps: 1_000_000, MaxDuration: TimeSpan.FromMilliseconds(5));
        using var port = OpenRingPort(veth, limits);
        Assert.That(port.FastPathMethod, Is.EqualTo("tx_ring"));
        var one = Frames(1, veth.FarMac)[0];
        var frames = Enumerable.Repeat(one, 1_000_000).ToList();
        long tx0 = TxPackets(veth);
        var e = Assert.Throws<TestbedException>(() => port.SendBurst(frames, keepEvidence: false));
        Assert.That(e!.Message, Does.Contain("exceeded"));
        long sent = TxPackets(veth) - tx0;
        TestContext.Out.WriteLine($"sent {sent} of {frames.Count} before the 5 ms limit");
        Assert.That(sent, Is.LessThan(frames.Count).And.EqualTo(sent / PacketTxRing.BatchSize * PacketTxRing.BatchSize), "whole batches, then the limit");
    }
}
