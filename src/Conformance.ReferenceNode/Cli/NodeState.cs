using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.ReferenceNode.Cli;

/// <summary>Who the node is, for <c>show version</c>: a stable identity the suite checks against the profile.</summary>
public sealed record NodeIdentity(string Version, string Serial)
{
    public const string Product = "SRv6 reference node";

    public static string AssemblyVersion =>
        typeof(NodeIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The serial: derived from the machine id and the data interfaces, so the same node keeps it across restarts.</summary>
    public static NodeIdentity ForThisMachine(IEnumerable<string> interfaces)
    {
        var machine = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : Environment.MachineName;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(machine + "|" + string.Join(',', interfaces)));
        return new NodeIdentity(AssemblyVersion, "RN" + Convert.ToHexString(hash, 0, 5));
    }
}

/// <summary>One committed configuration in the history (<c>show configuration commits</c>, <c>rollback</c>).</summary>
public sealed record CommitRecord(int Id, DateTimeOffset Time, string By, string Comment, NodeConfig Config);

/// <summary>
/// What every CLI session of one node shares: the running configuration and its commit history, the pending
/// confirmed commit and its timer, the forwarding engine the configuration is applied to, and the frame sink the
/// CLI's ping and traceroute send through. One instance per daemon; thread-safe.
/// </summary>
public sealed class NodeState : IDisposable
{
    /// <summary>
    /// The commits kept for `rollback to N` (IOS XR keeps 100 rollback points by default). A full run of the suite against the
    /// node commits more than 20 times (transient HMAC, O-flag, policy-selector and ping/traceroute configuration), and the
    /// harness rolls back to the checkpoint it took before the first: with 20 kept that checkpoint was gone by then.
    /// </summary>
    public const int HistoryLength = 100;
    private readonly object _lock = new();
    private readonly List<CommitRecord> _history = [];
    private readonly Func<IReadOnlyList<InterfaceInfo>> _interfaces;
    private Timer? _confirmTimer;
    private NodeConfig? _confirmFallback;
    private int _nextId = 1;
    private int _sessions;

    public NodeState(IForwardingEngine engine, IFrameSink sink, Func<IReadOnlyList<InterfaceInfo>> interfaces, NodeIdentity identity,
        SecretBox? secrets = null, Action<string>? log = null)
    {
        Engine = engine;
        Sink = sink;
        _interfaces = interfaces;
        Identity = identity;
        Secrets = secrets ?? new SecretBox();
        Log = log ?? (_ => { });
        Started = DateTimeOffset.UtcNow;
    }

    public IForwardingEngine Engine { get; }
    public IFrameSink Sink { get; }
    public NodeIdentity Identity { get; }
    public SecretBox Secrets { get; }
    public Action<string> Log { get; }
    public DateTimeOffset Started { get; }
    public IReadOnlyList<InterfaceInfo> Interfaces => _interfaces();

    public NodeConfig Running { get { lock (_lock) return _history.Count == 0 ? new NodeConfig() : _history[^1].Config; } }
    public int RunningId { get { lock (_lock) return _history.Count == 0 ? 0 : _history[^1].Id; } }
    public IReadOnlyList<CommitRecord> History { get { lock (_lock) return [.. _history]; } }

    /// <summary>Seconds left before a confirmed commit is rolled back, or null when none is pending.</summary>
    public DateTimeOffset? ConfirmDeadline { get; private set; }

    public int NewSessionNumber() => Interlocked.Increment(ref _sessions);

    /// <summary>Applies <paramref name="config"/> to the engine and records it. With <paramref name="confirmSeconds"/>, it is rolled back unless confirmed in time.</summary>
    public CommitRecord Commit(NodeConfig config, string by, string comment = "", int? confirmSeconds = null)
    {
        lock (_lock)
        {
            var before = Running;
            Engine.Apply(config, _interfaces());
            var record = new CommitRecord(_nextId++, DateTimeOffset.UtcNow, by, comment, config);
            _history.Add(record);
            if (_history.Count > HistoryLength) _history.RemoveAt(0);
            Log($"commit {record.Id} by {by}{(comment.Length > 0 ? " (" + comment + ")" : "")}{(confirmSeconds is { } s ? $", confirmed within {s} s or rolled back" : "")}");
            if (confirmSeconds is { } seconds)
            {
                // A second confirmed commit keeps the first fallback: the rollback goes to the last confirmed configuration.
                _confirmFallback ??= before;
                _confirmTimer?.Dispose();
                ConfirmDeadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
                _confirmTimer = new Timer(_ => ConfirmExpired(), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
            }
            else ClearPending();
            return record;
        }
    }

    /// <summary>Confirms a pending confirmed commit; false when none was pending.</summary>
    public bool Confirm(string by)
    {
        lock (_lock)
        {
            if (ConfirmDeadline is null) return false;
            ClearPending();
            Log($"commit {RunningId} confirmed by {by}");
            return true;
        }
    }

    private void ClearPending()
    {
        _confirmTimer?.Dispose();
        _confirmTimer = null;
        _confirmFallback = null;
        ConfirmDeadline = null;
    }

    private void ConfirmExpired()
    {
        lock (_lock)
        {
            if (_confirmFallback is not { } fallback) return;
            var unconfirmed = RunningId;
            ClearPending();
            Commit(fallback, "system", $"automatic rollback: commit {unconfirmed} was not confirmed");
        }
    }

    /// <summary>The committed configuration <paramref name="id"/>, or null when it is not in the history.</summary>
    public CommitRecord? Find(int id) { lock (_lock) return _history.FirstOrDefault(r => r.Id == id); }

    /// <summary>The commit before the running one.</summary>
    public CommitRecord? Previous { get { lock (_lock) return _history.Count >= 2 ? _history[^2] : null; } }

    public void Dispose()
    {
        lock (_lock) _confirmTimer?.Dispose();
    }
}
