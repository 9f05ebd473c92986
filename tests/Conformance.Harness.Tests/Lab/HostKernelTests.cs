using System.IO.Compression;
using Conformance.Harness.Lab;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;

/// <summary>
/// The probe that tells whether this host's kernel can be the Linux reference DUT: it agrees with the kernel's own build
/// configuration where the kernel publishes it, leaves nothing behind, and `profile check --host` turns it into exit 5
/// with the reason for a Linux testbed only.
/// </summary>
[TestFixture, NonParallelizable]
public class HostKernelTests
{
    [Test]
    public void TheProbeAgreesWithTheKernelsBuildConfiguration_AndLeavesNothingBehind()
    {
        LabTestSupport.RequireLab();
        var before = Sh.Run("ip", "netns", "list");
        var why = HostKernel.WhyNoLinuxReferenceDut;
        Assert.That(Sh.Run("ip", "netns", "list"), Is.EqualTo(before), "the probe's namespace is anonymous (unshare) and gone with it");
        TestContext.Out.WriteLine(why ?? $"kernel {HostKernel.Release}: seg6local routes can be added");
        if (!File.Exists("/proc/config.gz")) Assert.Pass("the kernel publishes no build configuration to compare with");
        using var gz = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
        var config = new StreamReader(gz).ReadToEnd();
        if (config.Contains("# CONFIG_IPV6_SEG6_LWTUNNEL is not set"))
            Assert.That(why, Does.Contain("CONFIG_IPV6_SEG6_LWTUNNEL not set").And.Contain(HostKernel.Release).And.Contain("profiles/reference-node.yaml"));
        else if (config.Contains("CONFIG_IPV6_SEG6_LWTUNNEL=y"))
            Assert.That(why, Is.Null, "a kernel built with SRv6 lightweight tunnels can be the Linux reference DUT");
    }

    [TestCase("reference-node.yaml", false)]
    [TestCase("reference-figure1-node.yaml", false)] // its lab routers run as reference nodes where the kernel lacks SRv6
    [TestCase("example-ssh-router.yaml", false)]
    [TestCase("reference-lab.yaml", true)]
    [TestCase("reference-figure1.yaml", true)]
    public void ProfileCheckHostSaysWhetherThisHostCanBuildTheTestbed(string profile, bool needsKernelSrv6)
    {
        LabTestSupport.RequireLab();
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "srv6conf.dll");
        var (code, _, err) = Sh.Try("dotnet", dll, "profile", "check", "--host", Path.Combine(ProfileTestSupport.ProfilesDir, profile));
        // A Linux DUT, alone or a topology's node, may run in the opt-in VM (DutVm); the topology's other routers then run
        // as reference nodes.
        var hostWhy = HostKernel.WhyNoLinuxReferenceLab;
        if (needsKernelSrv6 && hostWhy is { } why)
        {
            Assert.That(code, Is.EqualTo(5), err);
            Assert.That(err, Does.Contain("cannot build its testbed").And.Contain(why));
        }
        else
            Assert.That(code, Is.Zero, err);
    }
}
