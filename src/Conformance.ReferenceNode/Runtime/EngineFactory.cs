using System.Collections.Concurrent;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>
/// Where the daemon gets its forwarding engine. The engine (<c>Dataplane/ForwardingEngine</c>, parameterless
/// constructor) is written in parallel against <see cref="IForwardingEngine"/>; until it is in the build, the daemon
/// runs with <see cref="FramesOnlyEngine"/> and says so in its log and in <c>show version</c>.
/// When it merges, replace the body of <see cref="Create"/> with <c>new ForwardingEngine()</c> (one line).
/// </summary>
public static class EngineFactory
{
    public static IForwardingEngine Create()
    {
        // One line to change when Dataplane/ForwardingEngine merges: `return new ForwardingEngine();`
        var type = typeof(IForwardingEngine).Assembly.GetType("Conformance.ReferenceNode.Dataplane.ForwardingEngine");
        return type is not null && Activator.CreateInstance(type) is IForwardingEngine engine ? engine : new FramesOnlyEngine();
    }
}

/// <summary>
/// The stand-in engine of a build without the forwarding engine: it forwards nothing and answers nothing, it only
/// counts the frames each data interface receives (<c>show counters</c>: <c>rx.frames.&lt;interface&gt;</c>), so the
/// runtime (sockets, receive loop, CLI) can be run and checked on its own.
/// </summary>
public sealed class FramesOnlyEngine : IForwardingEngine
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public event Action<ReadOnlyMemory<byte>>? Delivered { add { } remove { } }

    public void Apply(NodeConfig config, IReadOnlyList<InterfaceInfo> interfaces) { }
    public void Receive(string interfaceName, ReadOnlySpan<byte> frame, IFrameSink sink) => _counters.AddOrUpdate("rx.frames." + interfaceName, 1, (_, v) => v + 1);
    public void Tick(IFrameSink sink) { }
    public void Originate(ReadOnlySpan<byte> ipPacket, IFrameSink sink, string? table = null) => _counters.AddOrUpdate("originated.dropped.no-engine", 1, (_, v) => v + 1);
    public IReadOnlyList<SidCounters> SidCounters() => [];
    public EngineCounters Counters() => new(new Dictionary<string, long>(_counters));
    public IReadOnlyList<string> DescribeFib() => ["(no forwarding engine in this build)"];
    public IReadOnlyList<string> DescribeNeighbours() => [];
    public void ClearCounters() => _counters.Clear();
}
