namespace Conformance.Harness.Verdicts;

/// <summary>
/// The live negative control of a test purpose, next to its case: a lab fault mode in which the reference DUT
/// breaks the requirement (the case must FAIL, as a DUT failure) and the lab mode in which it conforms (the case
/// must PASS). The harness's CaseVerdictTests runs every control it finds on a case. Several may stand on one case.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class NegativeControlAttribute(string failIn) : Attribute
{
    /// <summary>The lab fault mode (<c>LabFaultMode</c> name) in which the case must fail.</summary>
    public string FailIn { get; } = failIn;
    /// <summary>The lab mode in which the case must pass ("None": the plain reference lab).</summary>
    public string PassIn { get; set; } = "None";
    /// <summary>
    /// No mode of the Linux reference DUT conforms: on the plain lab the case fails as a listed known deviation,
    /// and <see cref="OfflineProof"/> shows that its expectation accepts an RFC-conforming reception.
    /// </summary>
    public bool NoLinuxModePasses { get; set; }
    /// <summary>The harness test (Type.Method or Type) that judges a conforming reception offline.</summary>
    public string? OfflineProof { get; set; }
    /// <summary>The profile in profiles/ the control runs with.</summary>
    public string Profile { get; set; } = "reference-lab.yaml";
    /// <summary>What the fault mode breaks, in words.</summary>
    public string Why { get; set; } = "";
}

/// <summary>
/// A purpose the reference profile cannot claim (the reference kernel lacks the capability): its case is not
/// applicable on every lab mode, so its pass and fail sides are shown offline by <see cref="OfflineProof"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NotClaimedByTheReferenceLabAttribute(string capability, string offlineProof) : Attribute
{
    public string Capability { get; } = capability;
    public string OfflineProof { get; } = offlineProof;
}
