using Conformance.Harness.Lab;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Support;

/// <summary>
/// What this host can build. A test that needs a testbed the host cannot build (the Linux reference DUT on a kernel
/// without SRv6 lightweight tunnels) is ignored with the reason — reported as not run, never as passed — while tests about
/// mechanisms that any DUT shows (signals, shards, the console) run on a testbed the host can build.
/// </summary>
internal static class TestbedHost
{
    /// <summary>Ignores the calling test when this host cannot build the testbed of <paramref name="profile"/> (a file in profiles/, or a path).</summary>
    public static void RequireProfile(string profile)
    {
        if (WhyNot(profile) is { } why) Assert.Ignore($"not run on this host: {Path.GetFileName(profile)}: {why}");
    }

    /// <summary>Ignores the calling test when this host's kernel cannot be the Linux reference DUT.</summary>
    public static void RequireLinuxReferenceDut()
    {
        if (HostKernel.WhyNoLinuxReferenceDut is { } why) Assert.Ignore($"not run on this host: {why}");
    }

    /// <summary>
    /// The single-DUT reference profile for a test about a mechanism, not about a DUT: the Linux reference lab where the
    /// host can build it (the testbed these tests were written on), else the reference node's.
    /// </summary>
    public static string SingleDutProfile => WhyNot("reference-lab.yaml") is null ? "reference-lab.yaml" : "reference-node.yaml";

    /// <summary>The Figure 1 profile for a test about the topology lab itself: the Linux N4 where the host builds it, else the node as N4.</summary>
    public static string Figure1Profile => WhyNot("reference-figure1.yaml") is null ? "reference-figure1.yaml" : "reference-figure1-node.yaml";

    private static string? WhyNot(string profile) =>
        ProfileDutConfig.WhyThisHostCannotBuild(ProfileLoader.Load(Path.IsPathRooted(profile) ? profile : Path.Combine(ProfileTestSupport.ProfilesDir, profile)));
}
