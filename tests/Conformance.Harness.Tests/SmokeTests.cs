using NUnit.Framework;
namespace Conformance.Harness.Tests;
public class SmokeTests
{
    [Test]
    public void VersionIsSet() => Assert.That(HarnessInfo.Version, Is.Not.Empty);
}
