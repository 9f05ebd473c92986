using System.Diagnostics;
using Conformance.Harness.Capture;
using Conformance.Harness.Lab;

namespace Conformance.Harness.Topology;

/// <summary>
/// An observation point inside a reference topology: tcpdump on one interface of a lab router (never the
/// DUT), one direction only, writing a pcap that is read back when the tap stops. The frames carry the
/// port name <c>&lt;node&gt;:&lt;link&gt;:&lt;in|out&gt;</c>. tcpdump runs in the router's namespace, so the lab's
/// teardown ends it with everything else.
/// </summary>
public sealed class LinkTap : IDisposable
{
    private readonly Process _process;
    private readonly string _file;
    private bool _stopped;

    private LinkTap(Process process, string file, string name) { _process = process; _file = file; Name = name; }

    /// <summary>&lt;node&gt;:&lt;link&gt;:&lt;in|out&gt;</summary>
    public string Name { get; }

    public static string NameOf(string node, string link, bool inbound) => $"{node}:{link}:{(inbound ? "in" : "out")}";

    /// <summary>Starts tcpdump and waits until it listens (throws <see cref="TestbedException"/> otherwise).</summary>
    public static async Task<LinkTap> StartAsync(TopologyLab lab, string node, string link, bool inbound, string directory, CancellationToken ct = default)
    {
        if (lab.IsDut(node)) throw new ArgumentException($"a link tap never runs on a DUT ({node}); tap the neighbour's end of {link}");
        var name = NameOf(node, link, inbound);
        var file = Path.Combine(directory, $"tap-{node}-{link}-{(inbound ? "in" : "out")}-{Guid.NewGuid().ToString("N")[..6]}.pcap");
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // A snap length of the link's MTU + 18 (Ethernet header and one VLAN tag) and a 4 MiB kernel buffer: with the default
        // (-s 0: 262144 octets per frame) the ring holds few frames, and a burst of a few hundred frames lost about a
        // quarter of them at the tap (measured on Figure 1: 32 of 128), while the routers forwarded every one.
        var mtu = MtuOf(lab, node, link);
        foreach (var a in new[] { "netns", "exec", lab.NamespaceOf(node), "tcpdump", "-i", link, "-Q", inbound ? "in" : "out", "-U", "-n",
                     "-s", (mtu + 18).ToString(System.Globalization.CultureInfo.InvariantCulture), "-B", "4096",
                     "--immediate-mode", "-w", file, "ip6 or ip" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new TestbedException($"cannot start tcpdump for the tap {name}");
        _ = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        _ = Task.Run(async () =>
        {
            while (await p.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                lock (stderr) stderr.AppendLine(line);
                if (line.Contains("listening on", StringComparison.Ordinal)) listening.TrySetResult();
            }
            listening.TrySetResult();
        }, CancellationToken.None);
        var done = await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(10), ct)).ConfigureAwait(false);
        if (done != listening.Task || p.HasExited)
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            string text; lock (stderr) text = stderr.ToString().Trim();
            throw new TestbedException($"the link tap {name} (tcpdump in {lab.NamespaceOf(node)}) did not start: {text}");
        }
        return new LinkTap(p, file, name);
    }

    /// <summary>The MTU of <paramref name="link"/> in <paramref name="node"/>'s namespace (1500 when it cannot be read).</summary>
    private static int MtuOf(TopologyLab lab, string node, string link)
    {
        var (code, stdout, _) = lab.Exec(node, "cat", $"/sys/class/net/{link}/mtu");
        return code == 0 && int.TryParse(stdout.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var mtu) && mtu > 0 ? mtu : 1500;
    }

    /// <summary>Stops tcpdump (SIGINT: it flushes) and returns what it captured.</summary>
    public async Task<IReadOnlyList<Frame>> StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            // `ip netns exec` execs tcpdump, so the process is tcpdump itself.
            Proc.Kill(_process.Id, 2);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { _process.Kill(); throw new TestbedException($"the link tap {Name} did not stop within 5 s"); }
        }
        if (!File.Exists(_file)) throw new TestbedException($"the link tap {Name} wrote no capture file");
        return PcapFile.Read(_file, Name).Select(f => f with { Direction = FrameDirection.Received }).ToList();
    }

    public void Dispose()
    {
        if (!_stopped) { try { _process.Kill(); } catch (InvalidOperationException) { } }
        _process.Dispose();
        try { File.Delete(_file); } catch (IOException) { }
    }
}
