using Conformance.Harness.Dut;

namespace Conformance.Harness.Lab.Mutations;

/// <summary>
/// One mutation of a rendered DUT configuration: a single sysctl or command line dropped or changed in one token.
/// <see cref="Id"/> is <c>&lt;operator&gt;@&lt;subject&gt;</c>: the subject names the line by what it programs
/// (<c>sid:end_psp</c>, <c>route:2001:db8:d::/64</c>, <c>sysctl:net.ipv6.conf.all.forwarding</c>…), never by its
/// position, so the id of a mutation stays the same for a given profile whatever else the configuration holds.
/// </summary>
/// <param name="Id">Stable id, e.g. <c>no-flavors@sid:end_psp</c>.</param>
/// <param name="Kind">The mutation operator's family (see <see cref="MutationKinds"/>).</param>
/// <param name="Subject">What the line programs (the part of the id after '@').</param>
/// <param name="Description">What the mutant DUT does wrong, in words.</param>
/// <param name="IsSysctl">The line is a sysctl (<see cref="Index"/> indexes <see cref="DutConfig.Sysctls"/>), else a command.</param>
/// <param name="Index">Position of the line in the configuration it was generated from.</param>
/// <param name="Original">The line as rendered (<c>key=value</c> for a sysctl); secrets redacted in <see cref="Shown"/> only.</param>
/// <param name="Replacement">The mutated line, or null when the line is dropped.</param>
public sealed record ConfigMutation(
    string Id, string Kind, string Subject, string Description, bool IsSysctl, int Index, string Original, string? Replacement)
{
    /// <summary>The original line with HMAC secrets replaced by <c>'***'</c>, for listings and reports.</summary>
    public string Shown => ConfigMutator.Redact(IsSysctl ? "sysctl -w " + Original : Original);

    /// <summary>The mutated line (redacted), or "(dropped)".</summary>
    public string ShownReplacement => Replacement is null ? "(dropped)" : ConfigMutator.Redact(IsSysctl ? "sysctl -w " + Replacement : Replacement);

    /// <summary>
    /// The configuration with this one line dropped or replaced. The line at <see cref="Index"/> must still be
    /// <see cref="Original"/> (mutations are applied to the configuration they were generated from).
    /// </summary>
    public DutConfig Apply(DutConfig config)
    {
        if (IsSysctl)
        {
            if (Index >= config.Sysctls.Count || config.Sysctls[Index].ToString() != Original)
                throw new InvalidOperationException($"mutation {Id}: sysctl {Index} of the configuration is not '{Original}'.");
            var sysctls = config.Sysctls.ToList();
            if (Replacement is null) sysctls.RemoveAt(Index);
            else
            {
                var eq = Replacement.IndexOf('=', StringComparison.Ordinal);
                sysctls[Index] = new SysctlSetting(Replacement[..eq], Replacement[(eq + 1)..]);
            }
            return config with { Sysctls = sysctls };
        }
        if (Index >= config.Commands.Count || config.Commands[Index] != Original)
            throw new InvalidOperationException($"mutation {Id}: command {Index} of the configuration is not the mutated line.");
        var commands = config.Commands.ToList();
        if (Replacement is null) commands.RemoveAt(Index);
        else commands[Index] = Replacement;
        return config with { Commands = commands };
    }

    public override string ToString() => Id;
}

/// <summary>The mutation operators' families (<see cref="ConfigMutation.Kind"/>).</summary>
public static class MutationKinds
{
    /// <summary>A command line is not configured.</summary>
    public const string DropCommand = "drop-command";
    /// <summary>A sysctl is not set (the kernel's default stays).</summary>
    public const string DropSysctl = "drop-sysctl";
    /// <summary>A sysctl that is set to 0 is set to 1.</summary>
    public const string SysctlValue = "sysctl-value";
    /// <summary>A prefix one bit longer or shorter (base address masked to the new length).</summary>
    public const string PrefixLength = "prefix-length";
    /// <summary>A /128 SID route widened to a /64 (the usual locator length).</summary>
    public const string SidLength = "sid-length";
    /// <summary>Two adjacent segments of a segment list swapped.</summary>
    public const string SwapSegments = "swap-segments";
    /// <summary>Another behaviour for a SID or headend (End.X→End, End.DX6→End.DT6, encap→encap.red…).</summary>
    public const string Behaviour = "behaviour";
    /// <summary>A flavor removed from or added to a SID.</summary>
    public const string Flavor = "flavor";
    /// <summary>A number changed: table id, next-hop address, punt rate, burst, HMAC key id.</summary>
    public const string Numeric = "numeric";
    /// <summary>One token dropped (per-SID counters, the punt rate limit, one SID of an address set).</summary>
    public const string DropToken = "drop-token";
    /// <summary>Another interface or algorithm than configured.</summary>
    public const string Other = "other-value";
}
