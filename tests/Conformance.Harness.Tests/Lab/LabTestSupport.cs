using System.Diagnostics;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;

/// <summary>Helpers for tests that need root, network namespaces and the lab's tools.</summary>
internal static class LabTestSupport
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (Environment.UserName != "root") return "not root";
        foreach (var tool in new[] { "/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/sbin/nft" })
            if (!File.Exists(tool) && !File.Exists("/bin/" + Path.GetFileName(tool)) && !File.Exists("/usr/bin/" + Path.GetFileName(tool)))
                return $"{tool} missing";
        return Run("ip", "netns", "list").ExitCode == 0 ? null : "ip netns unusable";
    });

    /// <summary>Skips (Ignore) the test when the machine cannot run the reference lab.</summary>
    public static void RequireLab()
    {
        if (Missing.Value is { } why) Assert.Ignore($"Reference lab unavailable: {why}");
    }

    /// <summary>Skips (Ignore) the test when the machine cannot run the reference lab with the Linux kernel as its DUT (no kernel SRv6).</summary>
    public static void RequireLinuxLab()
    {
        RequireLab();
        Support.TestbedHost.RequireLinuxReferenceDut();
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    public static IReadOnlyList<string> Namespaces() =>
        Run("ip", "netns", "list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();

    public static IReadOnlyList<string> RootLinks() =>
        Directory.EnumerateFileSystemEntries("/sys/class/net").Select(Path.GetFileName).OfType<string>().ToList();

    /// <summary>Pids whose command line mentions <paramref name="needle"/> (excluding zombies).</summary>
    public static IReadOnlyList<int> ProcessesMentioning(string needle)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cmd = File.ReadAllText($"{dir}/cmdline").Replace('\0', ' ');
                if (cmd.Contains(needle, StringComparison.Ordinal)) result.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>Asserts that nothing of run <paramref name="runId"/> is left on the machine.</summary>
    public static void AssertNothingLeft(string runId)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Namespaces().Where(n => n.StartsWith($"s6c-{runId}", StringComparison.Ordinal)), Is.Empty, "namespaces left");
            Assert.That(RootLinks().Where(n => n.StartsWith($"s6c{runId}", StringComparison.Ordinal)), Is.Empty, "links left");
            Assert.That(ProcessesMentioning($"/srv6conf/{runId}/"), Is.Empty, "sshd (or other) processes of the run left");
            Assert.That(Directory.Exists($"/run/srv6conf/{runId}"), Is.False, "run directory left");
            Assert.That(File.Exists($"/run/srv6conf/{runId}.json"), Is.False, "state file left");
        });
    }
}
