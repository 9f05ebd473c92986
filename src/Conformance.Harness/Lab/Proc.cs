using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conformance.Harness.Lab;

internal sealed record ProcResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Small helpers to run local tools (ip, nft, ssh-keygen) and deal with pids.</summary>
internal static partial class Proc
{
    public static ProcResult Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 15000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new TestbedException($"Cannot start {file}.");
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TestbedException($"'{file} {string.Join(' ', args)}' did not finish within {timeoutMs} ms.");
        }
        p.WaitForExit();
        return new ProcResult(p.ExitCode, outTask.Result, errTask.Result);
    }

    public static ProcResult RunChecked(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 15000)
    {
        var argList = args.ToList();
        var r = Run(file, argList, stdin, timeoutMs);
        if (r.ExitCode != 0)
        {
            throw new TestbedException(
                $"'{file} {string.Join(' ', argList)}' failed with exit code {r.ExitCode}: {r.Stderr.Trim()} {r.Stdout.Trim()}".TrimEnd()
                + (stdin is null ? "" : $"\ninput was:\n{stdin}"));
        }
        return r;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public static bool Kill(int pid, int signal) => pid > 1 && SysKill(pid, signal) == 0;

    /// <summary>True when /proc/pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z' && stat.Value.State != 'X';
    }

    /// <summary>Kernel start time (clock ticks since boot) of a process; null when it does not exist.</summary>
    public static long? StartTime(int pid) => ReadStat(pid)?.StartTime;

    private static (char State, int PPid, long StartTime)? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            var f = text[(close + 2)..].Split(' ');
            // f[0] = state (field 3), f[1] = ppid (field 4), f[19] = starttime (field 22)
            return (f[0][0], int.Parse(f[1]), long.Parse(f[19]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    /// <summary>All live pids whose command line contains <paramref name="needle"/>.</summary>
    public static IReadOnlyList<int> FindByCommandLine(string needle)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            if (CommandLine(pid).Contains(needle, StringComparison.Ordinal) && IsAlive(pid)) result.Add(pid);
        }
        return result;
    }

    /// <summary>Waits until none of <paramref name="pids"/> is alive (zombies count as gone).</summary>
    public static bool WaitGone(IEnumerable<int> pids, int timeoutMs)
    {
        var list = pids.ToList();
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (list.All(p => !IsAlive(p))) return true;
            Thread.Sleep(5);
        }
        return list.All(p => !IsAlive(p));
    }
}
