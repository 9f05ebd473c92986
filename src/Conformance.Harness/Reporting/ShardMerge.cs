namespace Conformance.Harness.Reporting;

/// <summary>
/// Merges the allure-results of the shards of one run (<c>./run-suite.sh --shard i/n</c>, one process or host each) into
/// one run folder, so that one report and one conformance statement cover them all, with the counts an unsharded run
/// would give. The shards must be of one profile (same SHA-256) and one suite commit, and no purpose may be in two
/// shards; a shard that was interrupted makes the merged run interrupted.
/// </summary>
public static class ShardMerge
{
    public sealed record Result(int Shards, int Results, int Files, IReadOnlyList<string> Purposes);

    public static Result Merge(IReadOnlyList<string> shardRuns, string outputRun)
    {
        if (shardRuns.Count == 0) throw new ArgumentException("no shard runs to merge.");
        var outResults = Path.Combine(outputRun, "allure-results");
        if (Directory.Exists(outResults) && Directory.EnumerateFileSystemEntries(outResults).Any())
            throw new IOException($"{outResults} is not empty: merge into a new run folder.");
        string? profileSha = null, commit = null, first = null;
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shard in shardRuns)
        {
            var results = Path.Combine(shard, "allure-results");
            if (!Directory.Exists(results))
                throw new DirectoryNotFoundException($"{shard}: no allure-results (is it a run folder of ./run-suite.sh --shard?).");
            var env = ConformanceStatement.ReadEnvironment(results);
            var sha = env.GetValueOrDefault("profile.sha256");
            var c = env.GetValueOrDefault("suite.commit");
            if (first is null) { first = shard; profileSha = sha; commit = c; }
            else
            {
                if (sha != profileSha)
                    throw new InvalidDataException($"{shard} ran profile sha256 {sha ?? "(none)"}, {first} ran {profileSha ?? "(none)"}: shards of one run use one profile.");
                if (c != commit)
                    throw new InvalidDataException($"{shard} ran suite commit {c ?? "(none)"}, {first} ran {commit ?? "(none)"}: shards of one run use one checkout.");
            }
            foreach (var r in ConformanceStatement.ReadResults(results))
            {
                var id = r.Labels.FirstOrDefault(l => l.Name == "testPurposeId")?.Value;
                if (id is null) continue;
                if (owner.TryGetValue(id, out var other) && other != shard)
                    throw new InvalidDataException($"{id} is in two shards ({other} and {shard}): the shards overlap (same --shard twice?).");
                owner[id] = shard;
            }
        }
        Directory.CreateDirectory(outResults);
        int files = 0, resultFiles = 0;
        foreach (var shard in shardRuns)
        {
            foreach (var f in Directory.EnumerateFiles(Path.Combine(shard, "allure-results")))
            {
                var name = Path.GetFileName(f);
                var target = Path.Combine(outResults, name);
                // Run-level files (environment, executor, categories) are the same in every shard: the first one is kept.
                if (File.Exists(target))
                {
                    if (name.EndsWith("-result.json", StringComparison.Ordinal) || name.Contains("-attachment", StringComparison.Ordinal))
                        throw new InvalidDataException($"{name} is in two shards: uuids collide.");
                    continue;
                }
                File.Copy(f, target);
                files++;
                if (name.EndsWith("-result.json", StringComparison.Ordinal)) resultFiles++;
            }
        }
        return new Result(shardRuns.Count, resultFiles, files, [.. owner.Keys.Order(StringComparer.Ordinal)]);
    }
}
