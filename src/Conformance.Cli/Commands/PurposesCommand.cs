using System.CommandLine;
using System.Reflection;
using Conformance.Harness.Catalogue;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf purposes`: the test purposes of the built cases assembly with their RFC section, level, title and whether
/// the profile makes them applicable; `--tp` selects (globs), `--dotnet-filter` prints the filter run-suite.sh uses,
/// `--count` the number of cases a selection runs.
/// </summary>
internal static class PurposesCommand
{
    public static Command Create()
    {
        var profile = new Option<string?>("--profile") { Description = "a profile: say which purposes apply to it (and select those of its testbed's shape)" };
        var tp = new Option<string?>("--tp") { Description = "select purposes by id, comma-separated, globs allowed: TP-PSP-*,TP-END-BV-01" };
        var filter = new Option<bool>("--dotnet-filter") { Description = "print the dotnet test filter that runs the selection" };
        var count = new Option<bool>("--count") { Description = "print the number of cases the selection runs on the profile" };
        var cases = new Option<string?>("--cases") { Description = "the cases assembly (default: src/Conformance.Cases/bin/Release/net10.0/Conformance.Cases.dll of this checkout)" };
        var shard = new Option<string?>("--shard") { Description = "i/n: only the i-th of n deterministic shards of the selection (of the profile's testbed shape), by test purpose id" };
        var cmd = new Command("purposes", "List the test purposes: id, RFC section, level, title, and whether the profile makes them applicable") { profile, tp, filter, count, cases, shard };
        cmd.SetAction(pr => Run(pr.GetValue(profile), pr.GetValue(tp), pr.GetValue(filter), pr.GetValue(count), pr.GetValue(cases), Console.Out, Console.Error, pr.GetValue(shard)));
        return cmd;
    }

    public static int Run(string? profilePath, string? tp, bool dotnetFilter, bool count, string? casesPath, TextWriter stdout, TextWriter stderr, string? shard = null)
    {
        Assembly asm;
        try { asm = Assembly.LoadFrom(casesPath ?? DefaultCasesAssembly()); }
        catch (Exception e) when (e is IOException or BadImageFormatException or FileNotFoundException)
        {
            stderr.WriteLine($"srv6conf purposes: cannot load the cases assembly: {e.Message} (build the solution first)");
            return 2;
        }
        Profile? profile = null;
        if (profilePath is not null)
        {
            var ids = PurposeCatalogue.Read(asm).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            try { profile = ProfileLoader.Load(profilePath, new ProfileLoadOptions { KnownTestPurposes = ids }); }
            catch (ProfileException e) { stderr.WriteLine(e.Message); return 2; }
        }
        IReadOnlyList<PurposeInfo> all = PurposeCatalogue.Read(asm), chosen;
        try { chosen = tp is null ? all : PurposeCatalogue.Select(all, tp); }
        catch (ArgumentException e) { stderr.WriteLine($"srv6conf purposes: {e.Message}"); return 2; }
        // A profile's run only ever starts the cases of its testbed's shape.
        IReadOnlyList<PurposeInfo> shaped = profile is null ? chosen : chosen.Where(p => p.FitsShape(profile)).ToList();
        if (shard is not null)
        {
            // Sharded after the shape, so that the shards of one profile's run split exactly what an unsharded run does.
            try { var (i, n) = PurposeCatalogue.ParseShard(shard); shaped = PurposeCatalogue.Shard(shaped, i, n); }
            catch (ArgumentException e) { stderr.WriteLine($"srv6conf purposes: {e.Message}"); return 2; }
            chosen = shaped;
        }
        if (dotnetFilter)
        {
            if (shaped.Count == 0) { stderr.WriteLine($"srv6conf purposes: none of the selected purposes runs on {profilePath}'s testbed"); return 3; }
            stdout.WriteLine(PurposeCatalogue.DotnetFilter(shaped, all));
            return 0;
        }
        if (count) { stdout.WriteLine(shaped.Sum(p => p.Cases)); return 0; }
        foreach (var p in chosen)
        {
            var why = profile is null ? null : p.NotApplicableBecause(profile);
            var applies = profile is null ? "" : why is null ? "applies" : "N/A: " + why;
            var cite = p.Purpose.Cited.FirstOrDefault()?.Citation ?? "";
            stdout.WriteLine($"{p.Id,-18} {cite,-26} {p.Purpose.Level.ToKeyword(),-11} {(profile is null ? "" : applies.PadRight(30))} {p.Purpose.Title ?? p.Method.Name}".TrimEnd());
        }
        if (profile is not null)
            stdout.WriteLine($"{chosen.Count} test purposes, {chosen.Count(p => p.NotApplicableBecause(profile) is null)} applicable to {profile.Name}");
        return 0;
    }

    /// <summary>
    /// The ids of the suite's test purposes, read from the built cases assembly, so that a profile's
    /// <c>known_deviations[].test_purposes</c> are checked against them; null when the cases are not built.
    /// </summary>
    public static IReadOnlySet<string>? KnownTestPurposeIds()
    {
        var path = DefaultCasesAssembly();
        if (!File.Exists(path)) return null;
        try { return PurposeCatalogue.Read(Assembly.LoadFrom(path)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal); }
        catch (Exception e) when (e is IOException or BadImageFormatException) { return null; }
    }

    internal static string DefaultCasesAssembly()
    {
        var root = AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, "src", "Conformance.Cases", "bin", "Release", "net10.0", "Conformance.Cases.dll");
    }
}
