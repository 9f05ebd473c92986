using System.Text;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Cases;

/// <summary>
/// Runs real cases against the reference lab with the profile's HMAC secrets set to known canaries and greps
/// every file the run wrote (Allure results and attachments — transcripts, pcaps, DUT configuration —, the TRX,
/// and anything new under the repository's reports/) for them, as text and as bytes. One hit fails.
/// The SSH password cannot be a canary here: a reference-lab profile has no ssh.auth (the lab generates a key
/// pair; the loader rejects auth for it); the password path is covered by the redaction tests of the reporter.
/// </summary>
[TestFixture, Category("Lab"), Category("Cases"), NonParallelizable]
public class SecretLeakTests
{
    [Test]
    public async Task NoProfileSecretReachesAnyFileOfARun()
    {
        var canaries = new Dictionary<string, string>
        {
            ["SRV6CONF_HMAC_KEY_1"] = "canary-hmac1-" + Guid.NewGuid().ToString("N")[..12],
            ["SRV6CONF_HMAC_KEY_2"] = "canary-hmac2-" + Guid.NewGuid().ToString("N")[..12],
        };
        var started = DateTime.UtcNow;
        // Two purposes of different kinds: one configures and uses the HMAC key, one the edge filter.
        // The Linux reference lab where this host can build it, else the reference node (same HMAC key variables).
        var environment = new Dictionary<string, string>(canaries)
        {
            ["SRV6CONF_PROFILE"] = Path.Combine(Profiles.ProfileTestSupport.ProfilesDir, Support.TestbedHost.SingleDutProfile),
        };
        var (outcomes, dir) = await CaseRunner.RunWithEnvironmentAsync("None", ["TP-HMAC-BV-03", "TP-EDGE-BI-01"], environment);
        try
        {
            Assert.That(outcomes.Keys, Is.SupersetOf(new[] { "TP-HMAC-BV-03", "TP-EDGE-BI-01" }));
            Assert.That(outcomes["TP-HMAC-BV-03"].Status, Is.EqualTo("passed"), "the HMAC case must have used the key (and passed) for the scan to mean something");
            var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToList();
            var repoReports = Path.Combine(AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory)!, "reports");
            if (Directory.Exists(repoReports))
                files.AddRange(Directory.GetFiles(repoReports, "*", SearchOption.AllDirectories).Where(f => File.GetLastWriteTimeUtc(f) >= started));
            Assert.That(files.Count(f => f.EndsWith("-result.json", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2));
            // The key's configuration line as the profile's pack writes it (Linux: ip sr hmac set; the node: hmac-key).
            var keyLine = Support.TestbedHost.SingleDutProfile == "reference-lab.yaml" ? "ip sr hmac set" : "hmac-key 1 algorithm sha256";
            Assert.That(files.Any(f => File.ReadAllText(f).Contains(keyLine, StringComparison.Ordinal)), Is.True,
                "the HMAC key configuration must be in the evidence (redacted), else the scan proves nothing");
            var hits = new List<string>();
            foreach (var f in files)
            {
                var bytes = File.ReadAllBytes(f);
                foreach (var (name, secret) in canaries)
                {
                    if (bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) >= 0)
                        hits.Add($"{f}: {name}");
                }
            }
            Assert.That(hits, Is.Empty, $"profile secrets found in {files.Count} scanned file(s)");
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }
}
