using System.Diagnostics;
using System.Text;
using Conformance.Harness.Tests.Profiles;

namespace Conformance.Harness.Tests.Support;

/// <summary>./run-suite.sh started as a user would (built already: --no-build), its output collected, its run folder removed on dispose.</summary>
internal sealed class MainJob : IDisposable
{
    private readonly StringBuilder _output = new();

    public Process Process { get; }
    public string Name { get; }
    /// <summary>reports/&lt;name&gt;.</summary>
    public string Run { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public MainJob(params string[] args)
    {
        var root = ProfileTestSupport.RepoRoot;
        // A testbed this host cannot build: the test is not run (ignored, with the reason), never failed or passed.
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i] == "--profile") TestbedHost.RequireProfile(Path.Combine(root, args[i + 1]));
        Name = "harness-main-" + Guid.NewGuid().ToString("N")[..6];
        Run = Path.Combine(root, "reports", Name);
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "run-suite.sh", "--name", Name, "--no-build" }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["SRV6CONF_HISTORY"] = Path.Combine(Path.GetTempPath(), Name + "-history.jsonl");
        Process = Process.Start(psi)!;
        Process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        Process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(true);
            Sh.Try("dotnet", "src/Conformance.Cli/bin/Release/net10.0/srv6conf.dll", "lab", "cleanup");
        }
        Process.Dispose();
        if (Directory.Exists(Run)) Directory.Delete(Run, true);
    }
}
