using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Conformance.Harness.Platforms;
using Renci.SshNet;

namespace Conformance.Harness.Dut;

/// <summary>The character stream of an interactive router CLI: an SSH shell channel, or a scripted peer in tests.</summary>
public interface ICliTransport : IDisposable
{
    void Write(string text);
    /// <summary>What the peer printed since the last read; empty when nothing came within <paramref name="wait"/>.</summary>
    /// <exception cref="CliSessionDroppedException">The peer closed the session.</exception>
    Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken);
}

/// <summary>The router closed the CLI session (or the connection dropped) while the suite waited for it.</summary>
public sealed class CliSessionDroppedException(string message) : Exception(message);

/// <summary>The router printed an error line (one of the pack's <c>session.error_patterns</c>) for a command.</summary>
public sealed class CliCommandRejectedException(string command, string errorLine, string? source, string output)
    : TestbedException($"{(source is null ? "" : source + ": ")}the DUT rejected `{command}`: {errorLine}")
{
    public string Command { get; } = command;
    public string ErrorLine { get; } = errorLine;
    public string? TemplateSource { get; } = source;
    public string Output { get; } = output;
}

/// <summary>An SSH.NET shell channel as a <see cref="ICliTransport"/> (the session's host key is verified by the client that opened it).</summary>
public sealed class ShellStreamTransport : ICliTransport
{
    private volatile bool _closed;
    private volatile string? _closedBecause;
    private readonly ShellStream _stream;

    public ShellStreamTransport(ShellStream stream)
    {
        _stream = stream;
        // SSH.NET keeps ShellStream.CanRead true after the server closed the channel (the login shell ended): without
        // these events a closed session looked like a silent DUT until the command timeout ("no prompt within 30 s").
        _stream.Closed += (_, _) => { _closedBecause ??= "the SSH shell channel was closed by the DUT"; _closed = true; };
        _stream.ErrorOccurred += (_, e) => { _closedBecause ??= $"the SSH session failed: {e.Exception.Message}"; _closed = true; };
    }

    public void Write(string text)
    {
        if (_closed) throw new CliSessionDroppedException("the SSH shell channel is closed");
        try { _stream.Write(text); _stream.Flush(); }
        catch (Exception e) when (e is ObjectDisposedException or IOException or Renci.SshNet.Common.SshException)
        {
            _closed = true;
            throw new CliSessionDroppedException($"the SSH shell channel is closed ({e.Message})");
        }
    }

    public async Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = Stopwatch.StartNew();
        // Looks at least once, and once more after the last delay: a continuation that resumes late (a starved
        // harness process) must still see what arrived meanwhile instead of reporting nothing.
        while (true)
        {
            if (_stream.DataAvailable) return _stream.Read();
            if (_closed || !_stream.CanRead) { _closed = true; throw new CliSessionDroppedException(_closedBecause ?? "the SSH shell channel was closed by the DUT"); }
            if (until.Elapsed >= wait) return "";
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>
/// The generic router-CLI session driver every <c>cli</c> pack uses (docs/platform-packs.md, <c>session</c>): prompt
/// detection per mode from the pack's regexes, paging turned off (and a pager prompt answered anyway), command echo
/// removed, the pack's interactive questions answered, every line checked against the pack's error patterns, the
/// candidate configuration committed (confirmed where the pack can, as a safety net) or discarded on the first
/// rejected line, and every exchange in the redacted transcript.
/// </summary>
public sealed partial class CliSession : IDisposable
{
    private readonly ICliTransport _transport;
    private readonly PackSession _pack;
    private readonly Transcript _transcript;

    public CliSession(ICliTransport transport, PackSession pack, Transcript transcript)
    {
        if (pack.Driver != SessionDriver.Cli) throw new ArgumentException("the pack's session driver is not cli", nameof(pack));
        _transport = transport;
        _pack = pack;
        _transcript = transcript;
    }

    /// <summary>The mode the last prompt showed: <c>exec</c> or <c>config</c>.</summary>
    public string Mode { get; private set; } = "exec";

    /// <summary>Seconds a confirmed commit stays pending before the router undoes it by itself.</summary>
    public int ConfirmSeconds { get; init; } = 300;

    /// <summary>
    /// What the testbed can tell about the peer when the session goes silent or drops (for a lab's reference node: whether
    /// its daemon and login shells run, the tails of its log and of sshd's log), appended to the error; null when nothing.
    /// </summary>
    public Func<string?>? DescribePeer { get; init; }

    private string PeerState()
    {
        string? d;
        try { d = DescribePeer?.Invoke(); }
        catch (Exception e) when (e is not OutOfMemoryException) { d = $"(describing the DUT failed: {e.Message})"; }
        return string.IsNullOrWhiteSpace(d) ? "" : $" The DUT side: {d}";
    }

    [GeneratedRegex(@"-+\s*\(?[Mm]ore\b[^\n]*$|^\s*--More--\s*$")]
    private static partial Regex Pager();

    /// <summary>Terminal control sequences some CLIs print (colours, bracketed paste, cursor moves, window titles).</summary>
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|[\x07\x08]")]
    private static partial Regex Ansi();

    /// <summary>Waits for the first prompt, then turns paging off.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await ReadUntilPromptAsync("(login)", _pack.ConnectTimeout, ct).ConfigureAwait(false);
        foreach (var c in _pack.DisablePaging) await ExecAsync(c, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>Runs one line and returns what it printed (echo and prompt removed); an error line throws <see cref="CliCommandRejectedException"/>.</summary>
    public async Task<string> ExecAsync(string command, TimeSpan? timeout = null, string? source = null, CancellationToken cancellationToken = default)
    {
        var started = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        string output;
        try
        {
            _transport.Write(command + "\n");
            output = await ReadUntilPromptAsync(command, timeout ?? _pack.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (CliSessionDroppedException e)
        {
            var peer = PeerState();
            _transcript.Record(new TranscriptEntry(started, command, null, "", "", sw.Elapsed, "session dropped: " + e.Message + peer));
            if (peer.Length == 0) throw;
            throw new CliSessionDroppedException(e.Message + "." + peer);
        }
        var error = output.Split('\n').FirstOrDefault(l => _pack.ErrorPatterns.Any(p => p.IsMatch(l)));
        _transcript.Record(new TranscriptEntry(started, command, error is null ? 0 : 1, output, "", sw.Elapsed, $"cli {Mode}"));
        if (error is not null) throw new CliCommandRejectedException(command, error.Trim(), source, output);
        return output;
    }

    /// <summary>
    /// Applies configuration lines as one candidate: enter configuration mode, type each line, commit (confirmed where
    /// the pack has <c>commit_confirmed</c>, then confirmed), leave. On a rejected line or commit the candidate is
    /// discarded (<c>abort</c>) and a <see cref="TestbedException"/> names the template file and line; nothing is
    /// committed. A session that drops during the commit is reported with what the router will do by itself.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<(string Line, string? Source)> lines, CancellationToken ct = default)
    {
        await ExecAsync(_pack.EnterConfig!, cancellationToken: ct).ConfigureAwait(false);
        if (Mode != "config") throw new TestbedException($"`{_pack.EnterConfig}` did not reach configuration mode (the prompt did not match session.prompts.config).");
        foreach (var (line, source) in lines)
        {
            try { await ExecAsync(line, source: source, cancellationToken: ct).ConfigureAwait(false); }
            catch (CliCommandRejectedException e)
            {
                await DiscardAsync(ct).ConfigureAwait(false);
                throw new TestbedException($"{e.Message}. The candidate configuration was discarded (`{_pack.Abort}`); nothing was committed. Fix the template ({source ?? "the line above"}) or the profile.", e);
            }
        }
        var confirmed = _pack.CommitConfirmed is not null && _pack.Confirm is not null;
        var commit = confirmed
            ? _pack.CommitConfirmed!.Replace("{{seconds}}", ConfirmSeconds.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{{minutes}}", ((ConfirmSeconds + 59) / 60).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            : _pack.Commit!;
        try
        {
            await ExecAsync(commit, _pack.CommitTimeout, cancellationToken: ct).ConfigureAwait(false);
            if (confirmed) await ExecAsync(_pack.Confirm!, _pack.CommitTimeout, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (CliCommandRejectedException e)
        {
            await DiscardAsync(ct).ConfigureAwait(false);
            throw new TestbedException($"the DUT refused the commit: {e.ErrorLine}. The candidate configuration was discarded (`{_pack.Abort}`); nothing was committed.", e);
        }
        catch (CliSessionDroppedException e)
        {
            throw new TestbedException(confirmed
                ? $"the session dropped during `{commit}` ({e.Message}): the commit was not confirmed, so the router undoes it by itself within {ConfirmSeconds} s. Reconnect and compare the configuration with the snapshot before going on."
                : $"the session dropped during `{commit}` ({e.Message}): whether the router committed is unknown. Reconnect and compare the configuration with the snapshot; roll back with the pack's rollback if it did.", e);
        }
        await ExecAsync(_pack.LeaveConfig!, cancellationToken: ct).ConfigureAwait(false);
    }

    private async Task DiscardAsync(CancellationToken ct)
    {
        try
        {
            if (_pack.Abort is { } abort) await ExecAsync(abort, cancellationToken: ct).ConfigureAwait(false);
            if (Mode == "config" && _pack.LeaveConfig is { } leave) await ExecAsync(leave, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (TestbedException e) { _transcript.Note($"discarding the candidate configuration failed: {e.Message}"); }
    }

    private async Task<string> ReadUntilPromptAsync(string command, TimeSpan timeout, CancellationToken ct)
    {
        var buffer = new StringBuilder();
        var sw = Stopwatch.StartNew();
        var lookedAfterDeadline = false;
        while (true)
        {
            var left = timeout - sw.Elapsed;
            // Past the deadline, one last look without waiting: what arrived while this process was not scheduled counts.
            var final = left <= TimeSpan.Zero;
            if (final && lookedAfterDeadline)
                throw new TestbedException($"no prompt within {timeout.TotalSeconds:0.#} s after `{command}` (session.timeouts; the prompts are session.prompts); last output: \"{Tail(buffer.ToString())}\".{PeerState()}");
            var chunk = await _transport.ReadAsync(final ? TimeSpan.Zero : left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            lookedAfterDeadline |= final;
            if (chunk.Length == 0) continue;
            buffer.Append(Ansi().Replace(chunk, "").Replace("\r", "", StringComparison.Ordinal));
            var text = buffer.ToString();
            var lastBreak = text.LastIndexOf('\n');
            var last = text[(lastBreak + 1)..];
            var previous = lastBreak <= 0 ? "" : text[..lastBreak].Split('\n')[^1];
            if (Pager().IsMatch(last))
            {
                buffer.Length = lastBreak + 1;
                _transport.Write(" ");
                continue;
            }
            if (_pack.Questions.FirstOrDefault(q => q.Pattern.IsMatch(last)) is { } question)
            {
                _transcript.Note($"the DUT asked \"{last.Trim()}\"; answered \"{question.Answer}\" (session.questions)");
                buffer.Length = lastBreak + 1;
                _transport.Write(question.Answer + "\n");
                continue;
            }
            if (PromptMode(last, previous) is not { } mode) continue;
            Mode = mode;
            var lines = text[..(lastBreak + 1)].Split('\n').ToList();
            if (lines.Count > 0 && lines[0].Trim() == command.Trim()) lines.RemoveAt(0);
            if (mode == "config" && lines.Count > 0 && _pack.Prompts.TryGetValue("config", out var cp) && cp.IsMatch(lines[^1])) lines.RemoveAt(lines.Count - 1);
            return string.Join('\n', lines).Trim('\n');
        }
    }

    private string? PromptMode(string last, string previous)
    {
        _pack.Prompts.TryGetValue("exec", out var exec);
        _pack.Prompts.TryGetValue("config", out var config);
        var isExec = exec?.IsMatch(last) == true;
        var isConfig = config?.IsMatch(last) == true;
        // A router whose configuration prompt is two lines (a context line, then the plain prompt) shows config mode
        // in the line before; a one-line prompt decides by itself.
        if (isConfig && (!isExec || config!.IsMatch(previous))) return "config";
        if (isExec) return "exec";
        return null;
    }

    private static string Tail(string s) => s.Length <= 120 ? s : "…" + s[^120..];

    public void Dispose() => _transport.Dispose();
}
