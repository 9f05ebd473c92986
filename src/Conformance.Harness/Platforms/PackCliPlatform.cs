using System.Globalization;
using System.Text.RegularExpressions;
using Conformance.Harness.Dut;

namespace Conformance.Harness.Platforms;

/// <summary>
/// A router driven through its platform pack and the generic <see cref="CliSession"/>: configuration as one
/// committed candidate, the snapshot as the output of <c>state.snapshot</c>, the rollback by the pack's
/// <c>session.rollback</c> to the checkpoint read before the change (verified by comparing snapshots), per-SID
/// counters and identity by the pack's commands and patterns. No platform-specific code: everything comes from
/// <c>platform.yaml</c>.
/// </summary>
public sealed class PackCliPlatform(PlatformPack pack, CliSession cli) : IDutPlatform
{
    public const string ConfigSection = "config";
    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);
    private string? _checkpoint;
    /// <summary>The checkpoint read with each snapshot: a rollback returns to the one of the snapshot it is given.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DutSnapshot, string> _checkpoints = new();

    public PlatformPack Pack { get; } = pack;

    /// <summary>Runs one exec-mode command (a verb: ping, traceroute, a show) in the CLI session and returns its output.</summary>
    public Task<string> ExecAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        cli.ExecAsync(command, timeout, cancellationToken: cancellationToken);

    /// <summary>Through the CLI session (an SSH exec channel would start a second CLI, or be refused by a router).</summary>
    public Task<string> ExecVerbAsync(string command, CancellationToken cancellationToken = default) => ExecAsync(command, cancellationToken: cancellationToken);

    /// <summary>Remembers which template file:line each rendered line came from, so a rejected line names it.</summary>
    public void RememberSources(PackRendering rendering)
    {
        // DutConfig.FromLines trims the lines it keeps, so an indented template line is looked up trimmed too.
        foreach (var (line, source) in rendering.LinesWithSources)
            if (source is not null) { _sources.TryAdd(line, source); _sources.TryAdd(line.Trim(), source); }
    }

    public async Task ApplyAsync(DutConfig config, CancellationToken cancellationToken = default)
    {
        if (config.Sysctls.Count > 0)
            throw new TestbedException($"platform {Pack.Platform}: the configuration holds Linux sysctls ({config.Sysctls[0].Key}), which a router pack cannot apply.");
        var lines = config.Commands.Select(l => (l, _sources.GetValueOrDefault(l))).Select(x => (x.l, (string?)x.Item2)).ToList();
        if (lines.Count == 0) return;
        await cli.ApplyAsync(lines, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DutSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var state = Pack.State ?? throw new TestbedException($"{Pack.DescriptorPath}: no state.snapshot, so the suite cannot snapshot and roll back this platform.");
        var text = await cli.ExecAsync(state.Snapshot, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (Pack.Session.Checkpoint is { } cp)
        {
            var m = cp.Pattern.Match(await cli.ExecAsync(cp.Command, cancellationToken: cancellationToken).ConfigureAwait(false));
            _checkpoint = m.Success ? m.Groups["id"].Value : null;
        }
        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var snapshot = new DutSnapshot(DateTimeOffset.UtcNow, new Dictionary<string, IReadOnlyList<string>> { [ConfigSection] = lines });
        if (_checkpoint is { } id) _checkpoints.AddOrUpdate(snapshot, id);
        return snapshot;
    }

    public async Task RollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default)
    {
        // Every snapshot reads the checkpoint again: return to the one read with the snapshot given (the last one read
        // when that snapshot was not taken by this platform).
        var checkpoint = _checkpoints.TryGetValue(before, out var c) ? c : _checkpoint;
        var now = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        _checkpoint = checkpoint;
        if (before.DiffTo(now).Count == 0) return;
        var rollback = Pack.Session.Rollback
            ?? throw new TestbedException($"{Pack.DescriptorPath}: no session.rollback; the DUT differs from its snapshot and the suite cannot undo it:\n{string.Join('\n', before.DiffTo(now))}");
        if (rollback.Contains("{{checkpoint}}", StringComparison.Ordinal) && _checkpoint is null)
            throw new TestbedException($"{Pack.DescriptorPath}: session.rollback needs a checkpoint (session.checkpoint), which was not read; undo by hand:\n{string.Join('\n', before.DiffTo(now))}");
        await cli.ExecAsync(Pack.Session.EnterConfig!, cancellationToken: cancellationToken).ConfigureAwait(false);
        await cli.ExecAsync(rollback.Replace("{{checkpoint}}", _checkpoint ?? "", StringComparison.Ordinal), Pack.Session.CommitTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        await cli.ExecAsync(Pack.Session.Commit!, Pack.Session.CommitTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        await cli.ExecAsync(Pack.Session.LeaveConfig!, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> VerifyRollbackAsync(DutSnapshot before, CancellationToken cancellationToken = default) =>
        before.DiffTo(await SnapshotAsync(cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyDictionary<string, SidCounters>> ReadCountersAsync(CancellationToken cancellationToken = default)
    {
        var c = Pack.State?.Counters ?? throw new TestbedException($"{Pack.DescriptorPath}: no state.counters, so platform {Pack.Platform} offers no per-SID counters.");
        if (c.Format is not ("regex" or "json" or "xml"))
            throw new TestbedException($"{Pack.DescriptorPath}: state.counters.format {c.Format} is read by the Linux platform's own code only (regex, json or xml here).");
        var text = await cli.ExecAsync(c.Command, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Counters(c, text);
    }

    /// <summary>Per-SID counters from a counters command's output (rows with the fields sid, packets, bytes, errors).</summary>
    public static IReadOnlyDictionary<string, SidCounters> Counters(PackCounters c, string text)
    {
        IReadOnlyList<IReadOnlyDictionary<string, string>> rows;
        try { rows = PackTableReader.Read(c, text); }
        catch (PackOutputException e) { throw new TestbedException(e.Message, e); }
        var result = new Dictionary<string, SidCounters>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            long N(string g) => row.TryGetValue(g, out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
            if (row.TryGetValue("sid", out var sidText) && System.Net.IPAddress.TryParse(sidText.Split('/')[0], out var sid))
                result[sid.ToString()] = new SidCounters(N("packets"), N("bytes"), N("errors"));
        }
        return result;
    }

    /// <summary>
    /// The addresses the device allocated for <paramref name="sids"/> (their names as rendered), read from
    /// <c>state.sid_table</c> after the commit (<c>templates.dynamic_sids</c>).
    /// </summary>
    /// <exception cref="TestbedException">The pack has no SID table, or a SID is not in it (names the pack file and the behaviour).</exception>
    public async Task<IReadOnlyDictionary<string, System.Net.IPAddress>> LearnSidsAsync(IReadOnlyList<(string Name, string Behavior)> sids, CancellationToken cancellationToken = default)
    {
        if (sids.Count == 0) return new Dictionary<string, System.Net.IPAddress>();
        var table = Pack.State?.SidTable ?? throw new TestbedException($"{Pack.DescriptorPath}: templates.dynamic_sids needs state.sid_table to learn the SIDs the device allocates.");
        var text = await cli.ExecAsync(table.Command, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Learn(Pack, sids, text);
    }

    /// <summary>The learned SIDs from a SID table's output: every SID by its name; an error naming the pack file and behaviour for each one missing.</summary>
    public static IReadOnlyDictionary<string, System.Net.IPAddress> Learn(PlatformPack pack, IReadOnlyList<(string Name, string Behavior)> sids, string text)
    {
        var table = pack.State!.SidTable!;
        IReadOnlyList<IReadOnlyDictionary<string, string>> rows;
        try { rows = PackTableReader.Read(table, text); }
        catch (PackOutputException e) { throw new TestbedException(e.Message, e); }
        var learned = new Dictionary<string, System.Net.IPAddress>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (name, behavior) in sids)
        {
            var row = rows.FirstOrDefault(r => r.TryGetValue("name", out var n) && n == name);
            if (row is not null && row.TryGetValue("sid", out var a) && System.Net.IPAddress.TryParse(a.Split('/')[0], out var address)
                && (!row.TryGetValue("behavior", out var b) || string.Equals(b, behavior, StringComparison.OrdinalIgnoreCase)))
                learned[name] = address;
            else
                missing.Add(row is null ? $"{behavior} SID '{name}': no row named '{name}'"
                    : $"{behavior} SID '{name}': its row has {(row.TryGetValue("sid", out var s2) ? $"sid '{s2}'" : "no sid")}{(row.TryGetValue("behavior", out var b2) ? $" and behavior '{b2}'" : "")}");
        }
        if (missing.Count > 0)
            throw new TestbedException($"{pack.DescriptorPath}: templates.dynamic_sids: the device allocates these SIDs, but after the commit `{table.Command}` (state.sid_table, {table.DeclaredAt}) does not list them:\n- " +
                string.Join("\n- ", missing) + $"\n{rows.Count} row(s) read; the output:\n{text.Trim()}");
        return learned;
    }

    public async Task<DutIdentity> ReadIdentityAsync(CancellationToken cancellationToken = default)
    {
        var id = Pack.Identity ?? throw new TestbedException($"{Pack.DescriptorPath}: no identity section, so the suite cannot check it is talking to the device the profile names.");
        var text = await cli.ExecAsync(id.Command, cancellationToken: cancellationToken).ConfigureAwait(false);
        string? Group(string name, IEnumerable<Regex> patterns, string output) =>
            patterns.Select(p => p.Match(output)).FirstOrDefault(m => m.Success && m.Groups[name].Success)?.Groups[name].Value;
        var hostname = Group("hostname", id.Patterns, text);
        if (hostname is null && id.Hostname is { } h) hostname = Group("hostname", [h.Pattern], await cli.ExecAsync(h.Command, cancellationToken: cancellationToken).ConfigureAwait(false));
        string? serial = Group("serial", id.Patterns, text);
        if (serial is null && id.Serial is { } s) serial = Group("serial", [s.Pattern], await cli.ExecAsync(s.Command, cancellationToken: cancellationToken).ConfigureAwait(false));
        return new DutIdentity(hostname ?? "", Group("version", id.Patterns, text) ?? "", $"{Pack.Vendor} {Pack.Os}", Group("platform", id.Patterns, text) ?? Pack.Platform, serial);
    }
}
