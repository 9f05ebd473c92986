using System.Diagnostics;
using System.Text.RegularExpressions;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cli;

/// <summary>
/// Every ping and traceroute example of the README's CLI section, run as written against the reference labs: the
/// ping succeeds (the tester answers as the host the address stands for) and the traceroute reaches its target.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public partial class ReadmeExampleTests
{
    public static IEnumerable<TestCaseData> Examples()
    {
        var readme = File.ReadAllText(Path.Combine(ProfileTestSupport.RepoRoot, "README.md"));
        var block = readme[readme.IndexOf("## CLI", StringComparison.Ordinal)..];
        block = block[..block.IndexOf("```\n\n", StringComparison.Ordinal)];
        foreach (Match m in Example().Matches(block))
            yield return new TestCaseData(m.Groups["verb"].Value, m.Groups["args"].Value.Trim()).SetArgDisplayNames($"{m.Groups["verb"].Value} {m.Groups["args"].Value.Trim()}");
    }

    [TestCaseSource(nameof(Examples))]
    public void TheExampleDoesWhatTheReadmeSays(string verb, string args)
    {
        var root = ProfileTestSupport.RepoRoot;
        if (Regex.Match(args, @"--profile\s+(?<p>\S+)") is { Success: true } pm) Support.TestbedHost.RequireProfile(Path.Combine(root, pm.Groups["p"].Value));
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("src/Conformance.Cli/bin/Release/net10.0/srv6conf.dll");
        psi.ArgumentList.Add(verb);
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True);
        TestContext.Out.WriteLine(output + err.Result);
        Assert.That(p.ExitCode, Is.Zero, err.Result);
        var target = args.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        if (verb == "ping")
            Assert.That(output, Does.Contain("Success rate is 100 percent"));
        else
            Assert.That(output, Does.Match($@"(?s)\n\s*\d+\s+{Regex.Escape(target)}\s.*\(PortUnreachable\)\s*$"), "the last hop is the target, answering Port Unreachable");
    }

    [GeneratedRegex(@"^\$cli (?<verb>ping|traceroute) (?<args>[^#\n]*)", RegexOptions.Multiline)]
    private static partial Regex Example();
}
