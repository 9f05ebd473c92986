using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Catalogue;

/// <summary>One test purpose of the cases assembly, read without running it.</summary>
public sealed record PurposeInfo(TestPurposeAttribute Purpose, MethodInfo Method, bool NeedsTopology, int Cases)
{
    /// <summary>
    /// A single-DUT purpose that also runs with the DUT as one node of a reference topology (its fixture has the category
    /// <c>AlsoInTopology</c>: the policy selector's, with the DUT as the headend N1 of Figure 1). On a topology it starts
    /// only where the profile claims what it requires, so a topology run of another feature does not list it.
    /// </summary>
    public bool AlsoInTopology { get; init; }

    /// <summary>The category that marks a fixture whose purposes also run in a reference topology (run-suite.sh's topology filter).</summary>
    public const string AlsoInTopologyCategory = "AlsoInTopology";

    public string Id => Purpose.Id;
    /// <summary>The method's full name, for a dotnet test filter.</summary>
    public string FullName => $"{Method.DeclaringType!.FullName}.{Method.Name}";

    /// <summary>Null when the purpose applies to <paramref name="profile"/>; otherwise why not (as the case would say it).</summary>
    /// <summary>An interoperability purpose: it names the role of several DUTs and runs on a multi-DUT testbed (testbed.topology.dut_nodes).</summary>
    public bool IsInterop => Purpose.Roles.Length > 0;

    /// <summary>Whether a run on <paramref name="profile"/>'s testbed starts the case at all (its shape: DUT alone, one DUT in a topology, several DUTs).</summary>
    public bool FitsShape(Profile profile) =>
        (NeedsTopology == (profile.Testbed.Topology is not null) || RunsInTopologyOf(profile))
        && IsInterop == (profile.Testbed.Topology?.IsMultiDut ?? false);

    /// <summary>An <see cref="AlsoInTopology"/> purpose on a one-DUT topology profile that claims every capability it requires.</summary>
    private bool RunsInTopologyOf(Profile profile) =>
        AlsoInTopology && profile.Testbed.Topology is { IsMultiDut: false } && Purpose.Requires.All(c => Platforms.DutVerbs.IsVerb(c) || profile.Claims(c));

    public string? NotApplicableBecause(Profile profile)
    {
        if (NeedsTopology && profile.Testbed.Topology is null) return "needs the DUT in a reference topology (testbed.topology)";
        if (!NeedsTopology && profile.Testbed.Topology is not null && !(AlsoInTopology && !profile.Testbed.Topology.IsMultiDut)) return $"needs the DUT alone between tester ports, not in {profile.Testbed.Topology.Name}";
        if (IsInterop && profile.Testbed.Topology is { IsMultiDut: false }) return "needs several DUTs (testbed.topology.dut_nodes)";
        if (!IsInterop && profile.Testbed.Topology is { IsMultiDut: true } t) return $"judges one DUT node; the testbed has {t.DutNodes.Count} ({string.Join(", ", t.AllDutNodes)})";
        if (IsInterop && profile.Testbed.Topology is { IsMultiDut: true } m)
        {
            var roles = Purpose.DutRoles.Select(r => (r, d: m.DutNodes.FirstOrDefault(x => x.Node == r.Node))).ToList();
            var absent = roles.Where(x => x.d is null).Select(x => x.r.Node).ToList();
            if (absent.Count > 0) return $"needs a DUT at {string.Join(", ", absent)}";
            var unclaimed = roles.Where(x => !x.d!.Profile.Claims(x.r.Capability)).Select(x => $"{x.r.Capability} not claimed by the DUT at {x.r.Node}").ToList();
            if (unclaimed.Count > 0) return string.Join(", ", unclaimed);
        }
        var missing = Purpose.Requires.Where(c => !Platforms.DutVerbs.IsVerb(c) && !profile.Claims(c)).ToList();
        if (missing.Count > 0) return $"{string.Join(", ", missing)} not claimed";
        var verbs = Purpose.Requires.Where(c => Platforms.DutVerbs.IsVerb(c) && !Platforms.PlatformPacks.Offers(profile.Testbed.Platform, c)).ToList();
        return verbs.Count == 0 ? null : $"platform {profile.Testbed.Platform} offers no {string.Join(", ", verbs)}";
    }
}

/// <summary>
/// The test purposes of a cases assembly: what `srv6conf purposes` lists, what `--tp` selects (globs over the ids) and
/// how many cases a selection runs (parameterized cases counted by their sources), for the progress line's ETA.
/// </summary>
public static class PurposeCatalogue
{
    public static IReadOnlyList<PurposeInfo> Read(Assembly cases) =>
        [.. cases.GetTypes().Where(t => !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (t, m)))
            .Select(x => (x.t, x.m, tp: x.m.GetCustomAttribute<TestPurposeAttribute>()))
            .Where(x => x.tp is not null)
            .Select(x => new PurposeInfo(x.tp!, x.m, IsTopology(x.t), CountCases(x.t, x.m)) { AlsoInTopology = IsAlsoInTopology(x.t) })
            .OrderBy(p => p.Id, StringComparer.Ordinal)];

    private static bool IsAlsoInTopology(Type t) =>
        t.GetCustomAttributes<CategoryAttribute>(true).Any(c => c.Name == PurposeInfo.AlsoInTopologyCategory);

    private static bool IsTopology(Type t)
    {
        for (var b = t; b is not null; b = b.BaseType) if (b.Name == "TopologyCase") return true;
        return false;
    }

    private static int CountCases(Type fixture, MethodInfo m)
    {
        var cases = m.GetCustomAttributes<TestCaseAttribute>().Count();
        foreach (var src in m.GetCustomAttributes<TestCaseSourceAttribute>())
        {
            var holder = src.SourceType ?? fixture;
            var name = src.SourceName ?? "";
            object? value = null;
            try
            {
                var member = holder.GetMember(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).FirstOrDefault();
                value = member switch
                {
                    MethodInfo mi when mi.GetParameters().Length == 0 => mi.Invoke(null, null),
                    PropertyInfo pi => pi.GetValue(null),
                    FieldInfo fi => fi.GetValue(null),
                    _ => null,
                };
            }
            catch (TargetInvocationException) { value = null; }
            cases += value is IEnumerable e ? e.Cast<object?>().Count() : 1;
        }
        return Math.Max(1, cases);
    }

    /// <summary>The purposes whose id matches one of the comma-separated globs ("TP-PSP-*,TP-END-BV-01"); an unmatched glob is an error.</summary>
    public static IReadOnlyList<PurposeInfo> Select(IReadOnlyList<PurposeInfo> all, string globs)
    {
        var patterns = globs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var chosen = new List<PurposeInfo>();
        foreach (var p in patterns)
        {
            var rx = new Regex("^" + Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase);
            var hit = all.Where(x => rx.IsMatch(x.Id)).ToList();
            if (hit.Count == 0)
                throw new ArgumentException($"--tp {p}: no test purpose matches (ids look like TP-END-BV-01; `./run-suite.sh --list` lists them)");
            chosen.AddRange(hit);
        }
        return [.. chosen.DistinctBy(x => x.Id).OrderBy(x => x.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Shard <paramref name="shard"/> of <paramref name="of"/> (1-based) of a selection: its purposes sorted by id, every
    /// n-th one from the shard's own index. Deterministic (the same checkout gives every host the same split), every purpose
    /// in exactly one shard, shard sizes differing by at most one.
    /// </summary>
    public static IReadOnlyList<PurposeInfo> Shard(IReadOnlyList<PurposeInfo> purposes, int shard, int of)
    {
        if (of < 1 || shard < 1 || shard > of) throw new ArgumentException($"--shard {shard}/{of}: the shard must be i/n with 1 ≤ i ≤ n (e.g. 1/2, 2/2)");
        return [.. purposes.OrderBy(p => p.Id, StringComparer.Ordinal).Where((_, k) => k % of == shard - 1)];
    }

    /// <summary>"2/3" → (2, 3); anything else is an error naming the expected form.</summary>
    public static (int Shard, int Of) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && i >= 1 && i <= n)
            return (i, n);
        throw new ArgumentException($"--shard {text}: the shard must be i/n with 1 ≤ i ≤ n (e.g. 1/2, 2/2)");
    }

    /// <summary>
    /// A dotnet test filter selecting exactly these purposes' cases, parameterized ones with every argument set
    /// ("FullyQualifiedName~Ns.Class.Method" matches "Method(5)" too; vstest's filter cannot say "Method(" literally). Where
    /// another test's name starts with the method's, only the exact name is selected (such a method cannot be parameterized).
    /// </summary>
    public static string DotnetFilter(IEnumerable<PurposeInfo> purposes, IReadOnlyList<PurposeInfo> all) =>
        string.Join('|', purposes.Select(p =>
            all.Any(o => o.FullName != p.FullName && o.FullName.StartsWith(p.FullName, StringComparison.Ordinal)) && p.Cases == 1
                ? $"FullyQualifiedName={p.FullName}" : $"FullyQualifiedName~{p.FullName}"));
}
