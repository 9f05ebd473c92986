using System.Collections.Concurrent;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>Where the daemon gets its forwarding engine: the RFC data plane, <c>Dataplane/ForwardingEngine</c>.</summary>
public static class EngineFactory
{
    public static IForwardingEngine Create() => new ForwardingEngine();
}
