using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Conformance.ReferenceNode.Cli;
using Conformance.ReferenceNode.Config;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>The daemon's command line: <c>srv6-refnode daemon --control PATH --interfaces a,b,c [--config FILE] [--log FILE]</c>.</summary>
public sealed record DaemonOptions(string Control, IReadOnlyList<string> Interfaces, string? Config, string? Log);

/// <summary>
/// The node's process: owns the data interfaces (AF_PACKET), feeds every received frame to the engine from one
/// receive thread that also calls <see cref="IForwardingEngine.Tick"/> at least every 100 ms, and hosts CLI sessions
/// on a Unix socket (<c>srv6-refnode cli</c> relays a terminal to one). SIGTERM/SIGINT: a clean exit, sockets closed
/// and the control socket removed.
/// </summary>
public sealed class Daemon : IFrameSink, IDisposable
{
    private readonly DaemonOptions _options;
    private readonly List<PacketSocket> _ports = [];
    private readonly Dictionary<string, PacketSocket> _byName = new(StringComparer.Ordinal);
    private readonly IForwardingEngine _engine;
    private readonly TextWriter _log;
    private readonly object _logLock = new();
    private NodeState? _node;
    private Socket? _listener;

    public Daemon(DaemonOptions options, IForwardingEngine engine)
    {
        _options = options;
        _engine = engine;
        _log = options.Log is { } path ? new StreamWriter(path, append: true) { AutoFlush = true } : Console.Error;
    }

    public void Log(string line)
    {
        lock (_logLock) _log.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
    }

    public void Send(string interfaceName, ReadOnlySpan<byte> frame)
    {
        if (_byName.TryGetValue(interfaceName, out var p)) p.Send(frame);
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled; 0 on a clean exit, 2 when the node could not start.</summary>
    public int Run(CancellationToken stop)
    {
        var sw = Stopwatch.StartNew();
        NodeConfig startup;
        var secrets = new SecretBox();
        try
        {
            startup = _options.Config is { } file ? ConfigEditor.Parse(File.ReadAllText(file), secrets) : new NodeConfig();
        }
        catch (ConfigException e) { Console.Error.WriteLine($"srv6-refnode: {_options.Config}: {e.ErrorLine}"); return 2; }
        catch (IOException e) { Console.Error.WriteLine($"srv6-refnode: cannot read {_options.Config}: {e.Message}"); return 2; }
        try
        {
            foreach (var name in _options.Interfaces)
            {
                var p = PacketSocket.Open(name);
                _ports.Add(p);
                _byName[name] = p;
            }
        }
        catch (PacketSocketException e) { Console.Error.WriteLine($"srv6-refnode: {e.Message}"); return 2; }

        var infos = _ports.Select(p => p.Info).ToList();
        _node = new NodeState(_engine, this, () => infos, NodeIdentity.ForThisMachine(_options.Interfaces), secrets, Log);
        _node.Commit(startup, "startup", _options.Config is null ? "default configuration" : "startup configuration " + _options.Config);

        try
        {
            if (File.Exists(_options.Control)) File.Delete(_options.Control);
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(_options.Control));
            _listener.Listen(16);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"srv6-refnode: cannot listen on the control socket {_options.Control}: {e.Message}");
            return 2;
        }
        Log($"started: interfaces {string.Join(',', _options.Interfaces)}, control {_options.Control}, ready in {sw.ElapsedMilliseconds} ms");

        var receive = new Thread(() => ReceiveLoop(stop)) { IsBackground = true, Name = "refnode-receive" };
        receive.Start();
        var accept = new Thread(() => AcceptLoop(stop)) { IsBackground = true, Name = "refnode-control" };
        accept.Start();
        stop.WaitHandle.WaitOne();
        Log("stopping");
        try { _listener.Close(); } catch (SocketException) { }
        receive.Join(TimeSpan.FromSeconds(2));
        return 0;
    }

    private void ReceiveLoop(CancellationToken stop)
    {
        var tick = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            foreach (var p in PacketSocket.Poll(_ports, 50))
            {
                // Drain what is queued, a bounded burst per port so that the others and the timers get their turn;
                // frames come in batches of up to PacketSocket.BatchSize per recvmmsg.
                for (var taken = 0; taken < 256;)
                {
                    int n;
                    try { n = p.ReceiveBatch(); }
                    catch (PacketSocketException e) { Log(e.Message); break; }
                    if (n == 0) break;
                    taken += n;
                    for (var i = 0; i < n; i++)
                    {
                        try { _engine.Receive(p.Info.Name, p.Frame(i), this); }
                        catch (Exception e) when (e is not OutOfMemoryException) { Log($"engine failure on a frame from {p.Info.Name}: {e.GetType().Name}: {e.Message}"); }
                    }
                    if (n < PacketSocket.BatchSize) break; // the queue is drained
                }
            }
            if (tick.ElapsedMilliseconds >= 50)
            {
                tick.Restart();
                try { _engine.Tick(this); }
                catch (Exception e) when (e is not OutOfMemoryException) { Log($"engine failure in Tick: {e.GetType().Name}: {e.Message}"); }
            }
        }
    }

    private void AcceptLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try { client = _listener!.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            new Thread(() => Serve(client)) { IsBackground = true, Name = "refnode-cli" }.Start();
        }
    }

    /// <summary>One CLI session over a control connection: the banner and prompt, then a line in, its output and the prompt out.</summary>
    private void Serve(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        var session = new CliSession(_node!);
        Log($"{session.User}: session opened");
        ServeSession(stream, session);
        Log($"{session.User}: session closed");
    }

    /// <summary>The session protocol of the control socket (what <see cref="CliRelay"/> relays): banner and prompt, then
    /// for each line its output and the prompt; ends at <c>exit</c> or the end of input.</summary>
    public static void ServeSession(Stream stream, CliSession session)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
        try
        {
            writer.Write(session.Banner + session.Prompt);
            while (reader.ReadLine() is { } line)
            {
                string output;
                // A defect behind one command must not take the node (and every other session) down with it: the
                // session answers with an error line, as a router's CLI does, and the log keeps the stack.
                try { output = session.Execute(line); }
                catch (Exception e) when (e is not OutOfMemoryException and not IOException)
                {
                    session.LogInternalError(line, e);
                    output = $"% Internal error: {e.GetType().Name}: {e.Message}\n";
                }
                if (session.Closed) { writer.Write(output); break; }
                writer.Write(output + session.Prompt);
            }
        }
        catch (IOException) { }
    }

    public void Dispose()
    {
        foreach (var p in _ports) p.Dispose();
        _listener?.Dispose();
        try { if (File.Exists(_options.Control)) File.Delete(_options.Control); } catch (IOException) { }
        _node?.Dispose();
        if (!ReferenceEquals(_log, Console.Error)) _log.Dispose();
    }

    /// <summary>Entry of <c>srv6-refnode daemon</c>: runs until SIGTERM or SIGINT.</summary>
    public static int RunUntilSignalled(DaemonOptions options)
    {
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var daemon = new Daemon(options, EngineFactory.Create());
        // If a thread still dies of an exception, the log says which and where before the process ends.
        AppDomain.CurrentDomain.UnhandledException += (_, e) => daemon.Log($"FATAL unhandled exception: {e.ExceptionObject}");
        return daemon.Run(stop.Token);
    }
}
