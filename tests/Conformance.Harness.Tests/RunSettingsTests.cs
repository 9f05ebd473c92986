using System.Xml;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests;

/// <summary>The run selections in runsettings/ are files dotnet test accepts (it rejects malformed XML before running anything).</summary>
[TestFixture]
public class RunSettingsTests
{
    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Path.Combine(ProfileTestSupport.RepoRoot, "runsettings"), "*.runsettings").Select(Path.GetFileName).OfType<string>().Order();

    [TestCaseSource(nameof(Files))]
    public void IsWellFormedRunSettings(string file)
    {
        var doc = new XmlDocument();
        Assert.That(() => doc.Load(Path.Combine(ProfileTestSupport.RepoRoot, "runsettings", file)), Throws.Nothing);
        Assert.That(doc.DocumentElement?.Name, Is.EqualTo("RunSettings"));
    }
}
