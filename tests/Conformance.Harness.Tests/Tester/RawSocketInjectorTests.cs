using System.Diagnostics;
using System.Net;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Tester;

/// <summary>
/// The raw-socket injector sends exactly the bytes it is given, every frame, and refuses what it
/// cannot use. Functional only: no timing or rate assertions (the benchmark measures rates).
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class RawSocketInjectorTests
{
    internal const string SrcMac = "02:00:00:00:5c:01";

    /// <summary>Distinct SRv6 frames of varying length; the UDP payload starts with the index.</summary>
    internal static List<byte[]> Frames(int count, string dstMac)
    {
        var segs = new[] { IPAddress.Parse("2001:db8:b::3"), IPAddress.Parse("2001:db8:b::2"), IPAddress.Parse("2001:db8:b::1") };
        return Enumerable.Range(0, count).Select(i =>
        {
            var data = new byte[8 + i % 300];
            BitConverter.TryWriteBytes(data, i);
            for (int k = 4; k < data.Length; k++) data[k] = (byte)(i * 7 + k);
            return new PacketBuilder().Ethernet(SrcMac, dstMac).Ipv6(IPAddress.Parse("2001:db8:a::1"), segs[2])
                .Srh(segs, 2).Udp((ushort)(1000 + i), 2000, data).Build();
        }).ToList();
    }

    internal static void AssertSameFrames(IReadOnlyList<byte[]> sent, IReadOnlyList<Frame> got)
    {
        Assert.That(got, Has.Count.EqualTo(sent.Count), "every injected frame, and nothing else, should arrive");
        for (int i = 0; i < sent.Count; i++)
            Assert.That(got[i].Data, Is.EqualTo(sent[i]), $"frame #{i} differs from what was injected");
    }

    [Test]
    public void InjectsByteExactFramesSeenByTcpdumpOnTheFarEnd()
    {
        using var veth = new VethPair();
        var frames = Frames(1000, veth.FarMac);
        using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", frames.Count);
        using (var inj = RawSocketInjector.Open(veth.TesterIf))
        {
            var r = inj.Send(frames);
            Assert.That(r.Sent, Is.EqualTo(frames.Count));
            Assert.That(inj.FramesSent, Is.EqualTo(frames.Count));
        }
        AssertSameFrames(frames, tcpdump.Finish());
    }

    [Test]
    public void InjectorOpenedInANamespaceReachesThePortCapture()
    {
        using var veth = new VethPair();
        using var port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, []));
        var frames = Frames(1000, port.Mac.ToString());
        using var cap = port.StartCapture($"ether src {SrcMac}");
        using (var inj = RawSocketInjector.OpenInNamespace(veth.Namespace, veth.FarIf))
            inj.Send(frames);
        var counters = cap.Stop();
        Assert.That(counters.Lossless, Is.True, counters.ToString());
        AssertSameFrames(frames, cap.Frames);
    }

    /// <summary>
    /// The default fast path bypasses the qdisc; S6C_TX_QDISC=1 keeps it on the qdisc. Either way the
    /// far end receives every frame, byte for byte, and the evidence is the port's own record.
    /// </summary>
    [TestCase(false), TestCase(true)]
    public void TesterPortBurstUsesTheFastPathAndKeepsEvidence(bool qdiscPath)
    {
        using var veth = new VethPair();
        var before = Environment.GetEnvironmentVariable("S6C_TX_QDISC");
        Environment.SetEnvironmentVariable("S6C_TX_QDISC", qdiscPath ? "1" : null);
        TesterPort port;
        try { port = TesterPort.Open(new TesterPortBinding("t1", veth.TesterIf, [])); }
        finally { Environment.SetEnvironmentVariable("S6C_TX_QDISC", before); }
        using var _ = port;
        Assert.That(port.FastPath, Is.True, "an AF_PACKET socket should open on a veth as root");
        Assert.That(port.QdiscBypass, Is.EqualTo(!qdiscPath), "qdisc bypass by default, off with S6C_TX_QDISC=1");
        Assert.That(port.FastPathMethod, Is.EqualTo("sendmmsg"), "sendmmsg (the TX ring only with S6C_TX_RING=1)");
        var frames = Frames(1000, veth.FarMac);
        using var tcpdump = new NsTcpdump(veth, $"ether src {SrcMac}", frames.Count + 500);
        Assert.That(port.SendBurst(frames, "burst"), Is.EqualTo(frames.Count));
        Assert.That(port.SendBurst(frames.Take(500).ToList(), keepEvidence: false), Is.EqualTo(500));
        var evidence = port.TakeSent();
        Assert.That(evidence, Has.Count.EqualTo(frames.Count), "the load stream (keepEvidence:false) leaves no evidence");
        Assert.That(evidence.Select(f => f.Data), Is.EqualTo(frames));
        Assert.That(evidence[7].Comment, Is.EqualTo("burst #7"));
        var got = tcpdump.Finish();
        AssertSameFrames(frames.Concat(frames.Take(500)).ToList(), got);
    }

    [Test]
    public void RefusesAnInterfaceThatDoesNotExist()
    {
        var e = Assert.Throws<TestbedException>(() => RawSocketInjector.Open("s6cnonexist0"));
        Assert.That(e!.Message, Does.Contain("'s6cnonexist0'").And.Contain("does not exist"));
        var ns = Assert.Throws<TestbedException>(() => RawSocketInjector.OpenInNamespace("s6c-nonexist-ns", "eth0"));
        Assert.That(ns!.Message, Does.Contain("s6c-nonexist-ns").And.Contain("does not exist"));
        Assert.Throws<TestbedException>(() => RawSocketInjector.Open("bad/name"));
    }

    /// <summary>tcpdump -w inside the namespace on the far end, inbound only; bounded in count and time.</summary>
    internal sealed class NsTcpdump : IDisposable
    {
        private readonly Process _p;
        private readonly string _file = Path.Combine(Path.GetTempPath(), $"s6c-inj-{Guid.NewGuid():N}.pcap");

        private readonly VethPair _veth;

        public NsTcpdump(VethPair veth, string filter, int count)
        {
            _veth = veth;
            var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "netns", "exec", veth.Namespace, "tcpdump", "-i", veth.FarIf, "-Q", "in", "-U",
                         "-B", "65536", "-s", "0", "-c", count.ToString(), "-w", _file, filter })
                psi.ArgumentList.Add(a);
            _p = Process.Start(psi)!;
            // Wait for "listening on …" (bounded), so nothing is sent before the capture runs.
            var ready = Task.Run(() => _p.StandardError.ReadLine());
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result is null || !ready.Result.Contains("listening"))
                throw new InvalidOperationException($"tcpdump did not start: {ready.Result}");
            Thread.Sleep(100);
        }

        public IReadOnlyList<Frame> Finish()
        {
            if (!_p.WaitForExit(10_000)) { Sh.Try("kill", "-INT", _p.Id.ToString()); _p.WaitForExit(5_000); }
            TestContext.Out.WriteLine($"tcpdump: {_p.StandardError.ReadToEnd().Trim()}; far end rx_dropped {_veth.Ns("cat", $"/sys/class/net/{_veth.FarIf}/statistics/rx_dropped").Trim()}");
            return PcapFile.Read(_file);
        }

        public void Dispose()
        {
            if (!_p.HasExited) { try { _p.Kill(true); } catch { } }
            _p.Dispose();
            try { File.Delete(_file); } catch { }
        }
    }
}
