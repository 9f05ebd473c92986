using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Conformance.Benchmarks;

/// <summary>
/// The node benchmark's lab: namespace s6c-&lt;id&gt;-bench holding the reference node's two data interfaces
/// (s6c&lt;id&gt;n1, s6c&lt;id&gt;n2, kernel IPv6 off), each the peer of a tester end in the root namespace
/// (s6c&lt;id&gt;t1 ingress, s6c&lt;id&gt;t2 egress; IPv6 off, no addresses). Run files under /tmp/s6c-&lt;id&gt;-bench/.
/// Dispose kills the node (by its process id), deletes both veth pairs, the namespace and the run directory;
/// idempotent and safe from a signal handler.
/// </summary>
internal sealed class NodeLab : IDisposable
{
    private int _disposed;
    private Process? _node;
    public string Id { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
    public string Namespace => $"s6c-{Id}-bench";
    public string Tester1 => $"s6c{Id}t1";
    public string Tester2 => $"s6c{Id}t2";
    public string Node1 => $"s6c{Id}n1";
    public string Node2 => $"s6c{Id}n2";
    public string RunDir { get; }
    public string Control => Path.Combine(RunDir, "node.sock");
    public string NodeLog => Path.Combine(RunDir, "node.log");

    public NodeLab()
    {
        RunDir = Path.Combine(Path.GetTempPath(), $"s6c-{Id}-bench");
        try
        {
            Directory.CreateDirectory(RunDir);
            Sh.Run("ip", "netns", "add", Namespace);
            foreach (var (t, n) in new[] { (Tester1, Node1), (Tester2, Node2) })
            {
                Sh.Run("ip", "link", "add", t, "type", "veth", "peer", "name", n);
                Sh.Run("sysctl", "-qw", $"net.ipv6.conf.{t}.disable_ipv6=1");
                Sh.Run("ip", "link", "set", n, "netns", Namespace);
                // The node owns these interfaces: the kernel's IPv6 stays off on them (issue #15).
                Ns("sysctl", "-qw", $"net.ipv6.conf.{n}.disable_ipv6=1");
                Ns("ip", "link", "set", n, "up");
                Sh.Run("ip", "link", "set", t, "up");
            }
            Ns("ip", "link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Ns(params string[] args) => Sh.Run("ip", new[] { "netns", "exec", Namespace }.Concat(args).ToArray());
    public string Mac(string ifname, bool inNs) => (inNs ? Ns("cat", $"/sys/class/net/{ifname}/address") : File.ReadAllText($"/sys/class/net/{ifname}/address")).Trim();
    public long Stat(string ifname, string name) => long.Parse(File.ReadAllText($"/sys/class/net/{ifname}/statistics/{name}").Trim());

    /// <summary>
    /// Starts the daemon as the lab does (ReferenceLab.StartNodeAsync: <c>ip netns exec NS dotnet srv6-refnode.dll
    /// daemon --control … --interfaces … --config … --log …</c>) and waits for its control socket. Returns the time
    /// from the process start to the socket (the startup configuration is committed before the daemon listens).
    /// </summary>
    public TimeSpan StartNode(string assembly, string startupConfig)
    {
        StopNode();
        if (File.Exists(Control)) File.Delete(Control);
        var cfg = Path.Combine(RunDir, "startup.cfg");
        File.WriteAllText(cfg, startupConfig);
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var a in new[] { "netns", "exec", Namespace, "/usr/bin/dotnet", assembly, "daemon", "--control", Control,
                     "--interfaces", $"{Node1},{Node2}", "--config", cfg, "--log", NodeLog })
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        _node = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the reference node");
        _node.StandardInput.Close();
        var output = new StringBuilder();
        _node.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _node.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        while (!File.Exists(Control))
        {
            if (_node.HasExited) { lock (output) throw new InvalidOperationException($"the node exited with {_node.ExitCode}: {output}"); }
            if (sw.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("the node has no control socket after 20 s");
            Thread.Sleep(2);
        }
        return sw.Elapsed;
    }

    public int? NodePid => _node is { HasExited: false } p ? p.Id : null;

    public void StopNode()
    {
        var p = Interlocked.Exchange(ref _node, null);
        if (p is null) return;
        try
        {
            if (!p.HasExited)
            {
                Sh.Try("kill", "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!p.WaitForExit(3000)) p.Kill(true);
                p.WaitForExit(3000);
            }
        }
        catch (Exception) { }
        p.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        StopNode();
        Sh.Try("ip", "link", "del", Tester1);
        Sh.Try("ip", "link", "del", Tester2);
        Sh.Try("ip", "netns", "del", Namespace);
        try { Directory.Delete(RunDir, true); } catch (Exception) { }
    }
}

/// <summary>A CLI session on the daemon's control socket (what <c>srv6-refnode cli</c> relays): a line in, the output up to the next prompt.</summary>
internal sealed class NodeCli : IDisposable
{
    private static readonly Regex Prompt = new(@"(^|\n)[A-Za-z0-9._-]+(\(config[a-z0-9-]*\))?#\s*$", RegexOptions.Compiled);
    private readonly Socket _socket = null!;
    private readonly NetworkStream _stream;
    private readonly byte[] _buf = new byte[65536];

    public NodeCli(string control)
    {
        // The socket file appears at bind(), a moment before listen(): a refused connection is retried (2 s at most).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try { _socket.Connect(new UnixDomainSocketEndPoint(control)); break; }
            catch (SocketException) when (sw.ElapsedMilliseconds < 2000) { _socket.Dispose(); Thread.Sleep(2); }
        }
        _socket.ReceiveTimeout = 10_000;
        _stream = new NetworkStream(_socket, ownsSocket: true);
        ReadToPrompt();
    }

    private string ReadToPrompt()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int n = _stream.Read(_buf, 0, _buf.Length);
            if (n <= 0) throw new IOException("the node closed the CLI session");
            sb.Append(Encoding.UTF8.GetString(_buf, 0, n));
            var text = sb.ToString();
            var m = Prompt.Match(text);
            if (m.Success) return text[..m.Index];
        }
    }

    /// <summary>Runs one line; its output without the prompt. Throws on an error line (<c>% </c>).</summary>
    public string Run(string line)
    {
        _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        var output = ReadToPrompt();
        if (output.Split('\n').FirstOrDefault(l => l.StartsWith("% ", StringComparison.Ordinal)) is { } err)
            throw new InvalidOperationException($"node CLI: `{line}`: {err}");
        return output;
    }

    public void Dispose() => _stream.Dispose();
}
