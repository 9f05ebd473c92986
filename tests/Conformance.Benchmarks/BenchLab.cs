using System.Diagnostics;

namespace Conformance.Benchmarks;

/// <summary>
/// The benchmark's lab: one namespace s6c-&lt;id&gt;-bench holding the far end of one veth pair; the
/// tester end stays in the root namespace with IPv6 off (no addresses: the interlock accepts it).
/// IPv6 is also off on the far end, so frames arriving there are dropped early by the stack.
/// Dispose is idempotent and safe to call from a signal handler.
/// </summary>
internal sealed class BenchLab : IDisposable
{
    private int _disposed;
    public string Id { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
    public string Namespace => $"s6c-{Id}-bench";
    public string TesterIf => $"s6c{Id}t";
    public string FarIf => $"s6c{Id}f";

    public BenchLab()
    {
        try
        {
            Sh.Run("ip", "netns", "add", Namespace);
            Sh.Run("ip", "link", "add", TesterIf, "type", "veth", "peer", "name", FarIf);
            Sh.Run("sysctl", "-qw", $"net.ipv6.conf.{TesterIf}.disable_ipv6=1");
            Sh.Run("ip", "link", "set", FarIf, "netns", Namespace);
            Ns("sysctl", "-qw", $"net.ipv6.conf.{FarIf}.disable_ipv6=1");
            Ns("ip", "link", "set", "lo", "up");
            Ns("ip", "link", "set", FarIf, "up");
            Sh.Run("ip", "link", "set", TesterIf, "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Ns(params string[] args) => Sh.Run("ip", new[] { "netns", "exec", Namespace }.Concat(args).ToArray());
    public string TesterMac => File.ReadAllText($"/sys/class/net/{TesterIf}/address").Trim();
    public string FarMac => Ns("cat", $"/sys/class/net/{FarIf}/address").Trim();

    public long TesterStat(string name) => long.Parse(File.ReadAllText($"/sys/class/net/{TesterIf}/statistics/{name}").Trim());

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Sh.Try("ip", "link", "del", TesterIf);
        Sh.Try("ip", "netns", "del", Namespace);
    }
}

internal static class Sh
{
    public static (int Code, string Out, string Err) Try(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} timed out"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    public static string Run(string file, params string[] args)
    {
        var (code, o, e) = Try(file, args);
        if (code != 0) throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {code}: {e.Trim()}");
        return o;
    }
}
