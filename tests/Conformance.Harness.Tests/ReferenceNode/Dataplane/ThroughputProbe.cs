using System.Diagnostics;
using Conformance.ReferenceNode.Dataplane;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>
/// Engine-only throughput of End and H.Encaps on 128-octet frames (no sockets): a probe for the benchmark, not a
/// timed test — [Explicit], it prints its numbers and asserts nothing about speed.
/// </summary>
[TestFixture, Explicit("throughput probe; run by hand")]
public sealed class ThroughputProbe
{
    private sealed class NullSink : IFrameSink { public long Count; public void Send(string i, ReadOnlySpan<byte> f) => Count++; }

    [TestCase("end")]
    [TestCase("hencaps")]
    public void Probe(string what)
    {
        var n = new RefNode();
        var frame = what == "end"
            ? Into("t1").Ipv6(A, Sid("1"), 64).Srh([D, Sid("1")], 1).IcmpEchoRequest(1, 1, new byte[128 - 14 - 40 - 40 - 8]).Build()
            : Into("t1").Ipv6(A, System.Net.IPAddress.Parse("2001:db8:e1::1"), 64).IcmpEchoRequest(1, 1, new byte[128 - 14 - 40 - 8]).Build();
        var sink = new NullSink();
        for (int i = 0; i < 20_000; i++) n.Engine.Receive("t1", frame, sink);
        const int count = 500_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) n.Engine.Receive("t1", frame, sink);
        sw.Stop();
        long alloc = GC.GetAllocatedBytesForCurrentThread() - before;
        TestContext.Out.WriteLine($"{what}: {frame.Length}-octet frames, {count / sw.Elapsed.TotalSeconds / 1000:F0} kpps on one thread, {alloc / count} bytes allocated per packet");
        Assert.That(sink.Count, Is.EqualTo(count + 20_000));
    }
}
