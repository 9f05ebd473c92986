using System.Diagnostics;

namespace Conformance.Harness.Tests.Support;

/// <summary>Runs a host command for test set-up and returns its output; throws with the command's stderr on failure.</summary>
internal static class Sh
{
    public static (int Code, string Out, string Err) Try(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} timed out"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    public static string Run(string file, params string[] args)
    {
        var (code, o, e) = Try(file, args);
        if (code != 0) throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {code}: {e.Trim()}");
        return o;
    }
}
