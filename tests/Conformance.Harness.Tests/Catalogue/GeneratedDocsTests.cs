using System.Text;
using System.Text.RegularExpressions;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Catalogue;

/// <summary>
/// One home for each fact of a test purpose: the README's deviation table is generated from the profile and the
/// catalogue (scripts/update-docs.sh; this test fails while it is stale), and every test-purpose and deviation id
/// that a file names exists where it is defined.
/// </summary>
[TestFixture]
public partial class GeneratedDocsTests
{
    private static string Root => ProfileTestSupport.RepoRoot;

    private static IReadOnlyDictionary<string, TestPurposeAttribute> Purposes { get; } =
        Conformance.Harness.Catalogue.PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly).ToDictionary(p => p.Id, p => p.Purpose, StringComparer.Ordinal);

    private static IReadOnlyList<Profile> ShippedProfiles() =>
        [.. Directory.GetFiles(ProfileTestSupport.ProfilesDir, "*.yaml").Order(StringComparer.Ordinal).Select(f => ProfileLoader.Load(f))];

    /// <summary>The README's table of the reference lab's known deviations.</summary>
    public static string DeviationTable()
    {
        var p = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        var sb = new StringBuilder("| id | test purposes | requirement (level) | what the Linux DUT does |\n|---|---|---|---|\n");
        foreach (var d in p.KnownDeviations)
        {
            var reqs = d.TestPurposes.Select(t => Purposes[t]).Select(t => $"{t.Cited[0].Citation} ({t.Level.ToKeyword()})").Distinct();
            sb.Append($"| {d.Id} | {string.Join(", ", d.TestPurposes)} | {string.Join("; ", reqs)} | {d.Observed.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>The README's coverage table: docs/coverage.json's summary.</summary>
    public static string CoverageTable()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "docs", "coverage.json")));
        var sb = new StringBuilder("| RFC | statements | covered | observable, not yet covered | not observable | out of scope |\n|---|---|---|---|---|---|\n");
        foreach (var d in doc.RootElement.GetProperty("summary").EnumerateObject())
        {
            int N(string k) => d.Value.GetProperty(k).GetInt32();
            sb.Append($"| {d.Name} | {N("statements")} | {N("covered")} | {N("observable")} | {N("not-observable")} | {N("out-of-scope")} |\n");
        }
        return sb.ToString().TrimEnd('\n');
    }

    [Test]
    public void GeneratedDocs_readme_deviation_table_is_the_profiles() => CheckGenerated(GeneratedTable(), DeviationTable(), "deviation table");

    [Test]
    public void GeneratedDocs_readme_coverage_table_is_the_matrix() => CheckGenerated(GeneratedCoverage(), CoverageTable(), "coverage table");

    private static void CheckGenerated(Regex section, string table, string what)
    {
        var readme = Path.Combine(Root, "README.md");
        var text = File.ReadAllText(readme);
        var m = section.Match(text);
        Assert.That(m.Success, Is.True, $"README.md lacks the generated {what}'s markers");
        if (Environment.GetEnvironmentVariable("SRV6CONF_UPDATE_DOCS") == "1" && m.Groups["body"].Value.Trim() != table)
        {
            text = text[..m.Groups["body"].Index] + table + "\n" + text[(m.Groups["body"].Index + m.Groups["body"].Length)..];
            File.WriteAllText(readme, text);
            m = section.Match(text);
        }
        Assert.That(m.Groups["body"].Value.Trim(), Is.EqualTo(table), $"README.md's {what} is stale: run scripts/update-docs.sh");
    }

    [Test]
    public void Every_deviation_id_a_file_names_is_a_profiles()
    {
        var defined = ShippedProfiles().SelectMany(p => p.KnownDeviations).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var problems = Mentions(DeviationId()).Where(x => !defined.Contains(x.Id)).Select(x => $"{x.File}:{x.Line}: {x.Id} is in no profile's known_deviations").ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void Every_test_purpose_id_a_file_or_profile_names_exists()
    {
        var problems = Mentions(PurposeId()).Where(x => !Purposes.ContainsKey(x.Id)).Select(x => $"{x.File}:{x.Line}: {x.Id} is no test purpose").ToList();
        foreach (var p in ShippedProfiles())
            foreach (var d in p.KnownDeviations)
                problems.AddRange(d.TestPurposes.Where(t => !Purposes.ContainsKey(t)).Select(t => $"{p.SourcePath}: {d.Id} names {t}, no test purpose"));
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void Shipped_profiles_load_with_the_check_of_test_purpose_ids_on()
    {
        var options = new ProfileLoadOptions { KnownTestPurposes = Conformance.Cases.CaseRun.TestPurposeIds };
        foreach (var f in Directory.GetFiles(ProfileTestSupport.ProfilesDir, "*.yaml"))
            Assert.DoesNotThrow(() => ProfileLoader.Load(f, options), f);
        var typo = File.ReadAllText(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml")).Replace("[TP-END-BV-02]", "[TP-END-BV-2]");
        var e = Assert.Throws<ProfileException>(() => ProfileLoader.Parse(typo, "reference-lab.yaml", options));
        Assert.That(e!.Message, Does.Contain("TP-END-BV-2").And.Contain("does not exist in the test suite").And.Contain("TP-END-BV-02"));
    }

    /// <summary>Work-stream markers of earlier sessions ("// --- catalogue: … ---", "(wip/…)") stay out of the tree.</summary>
    [Test]
    public void No_work_stream_markers_are_left()
    {
        var problems = Files().Where(f => !f.EndsWith("GeneratedDocsTests.cs", StringComparison.Ordinal)).SelectMany(f => File.ReadLines(f).Select((l, i) => (f, l, i)))
            .Where(x => Marker().IsMatch(x.l)).Select(x => $"{Path.GetRelativePath(Root, x.f)}:{x.i + 1}: {x.l.Trim()}").ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    private static IEnumerable<string> Files()
    {
        foreach (var dir in new[] { "src", "tests", "profiles", "dut-configs", "runsettings", "scripts" })
            foreach (var f in Directory.EnumerateFiles(Path.Combine(Root, dir), "*", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(Root, f).Replace('\\', '/');
                if (rel.Contains("/bin/", StringComparison.Ordinal) || rel.Contains("/obj/", StringComparison.Ordinal) || rel.Contains("node_modules", StringComparison.Ordinal)) continue;
                if (Path.GetExtension(f) is ".cs" or ".md" or ".yaml" or ".conf" or ".sh" or ".runsettings" or ".json") yield return f;
            }
        yield return Path.Combine(Root, "README.md");
    }

    private static IEnumerable<(string File, int Line, string Id)> Mentions(Regex id) =>
        Files().Where(f => !f.EndsWith("GeneratedDocsTests.cs", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).SelectMany((l, i) => id.Matches(l).Select(m => (Path.GetRelativePath(Root, f), i + 1, m.Value))));

    [GeneratedRegex(@"<!-- generated from profiles/reference-lab\.yaml[^\n]*-->\n(?<body>.*?)<!-- end of generated table -->", RegexOptions.Singleline)]
    private static partial Regex GeneratedTable();

    [GeneratedRegex(@"<!-- generated from docs/coverage\.json[^\n]*-->\n(?<body>.*?)<!-- end of generated coverage -->", RegexOptions.Singleline)]
    private static partial Regex GeneratedCoverage();

    [GeneratedRegex(@"\bDEV-LINUX-\d{3}\b")]
    private static partial Regex DeviationId();

    [GeneratedRegex(@"\bTP-[A-Z0-9]+(?:-[A-Z0-9]+)*-B[VI]-\d{2}\b")]
    private static partial Regex PurposeId();

    [GeneratedRegex(@"(//|#|<!--)\s*---\s+\S.*---|\(wip/\w+\)|--- catalogue:")]
    private static partial Regex Marker();
}
