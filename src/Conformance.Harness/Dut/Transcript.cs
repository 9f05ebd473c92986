using System.Globalization;
using System.Text;

namespace Conformance.Harness.Dut;

/// <summary>One command run on the DUT (or a note), as recorded in a <see cref="Transcript"/>.</summary>
public sealed record TranscriptEntry(
    DateTimeOffset StartedUtc,
    string Command,
    int? ExitCode,
    string Stdout,
    string Stderr,
    TimeSpan Duration,
    string? Note = null);

/// <summary>
/// Every command sent to the DUT and what came back, with UTC timestamps, durations and exit codes.
/// Registered secrets (passwords, passphrases, private key material) are replaced by <c>***</c> in
/// everything this class hands out. Thread-safe.
/// </summary>
public sealed class Transcript
{
    public const string Mask = "***";
    private readonly object _lock = new();
    private readonly List<TranscriptEntry> _entries = [];
    private readonly List<string> _secrets = [];

    /// <summary>Registers a secret; empty or very short strings (&lt; 3 chars) are ignored to keep the text readable.</summary>
    public void AddSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 3) return;
        lock (_lock)
        {
            if (_secrets.Contains(secret)) return;
            _secrets.Add(secret);
            // Longest first so that a secret containing another one is masked whole.
            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }

    /// <summary>Registers the content of a private key file: the whole text and each of its lines.</summary>
    public void AddSecretFileContent(string text)
    {
        AddSecret(text.Trim());
        foreach (var line in text.Split('\n'))
        {
            var l = line.Trim();
            if (l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)) AddSecret(l);
        }
    }

    public void Record(TranscriptEntry entry)
    {
        lock (_lock) _entries.Add(entry);
    }

    public void Note(string text) =>
        Record(new TranscriptEntry(DateTimeOffset.UtcNow, "", null, "", "", TimeSpan.Zero, text));

    /// <summary>The entries with secrets redacted.</summary>
    public IReadOnlyList<TranscriptEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.Select(e => e with
                {
                    Command = Redact(e.Command),
                    Stdout = Redact(e.Stdout),
                    Stderr = Redact(e.Stderr),
                    Note = e.Note is null ? null : Redact(e.Note),
                }).ToList();
            }
        }
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        lock (_lock)
        {
            foreach (var s in _secrets) text = text.Replace(s, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    public string ToText() => ToText(0);

    /// <summary>The entries from index <paramref name="from"/> on (e.g. the part of a run that one case caused).</summary>
    public string ToText(int from)
    {
        var sb = new StringBuilder();
        foreach (var e in Entries.Skip(from))
        {
            var ts = e.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            if (e.Note is not null && e.Command.Length == 0)
            {
                sb.Append(ts).Append(" # ").AppendLine(e.Note);
                continue;
            }
            sb.Append(ts).Append(" $ ").AppendLine(e.Command);
            sb.Append("  exit=").Append(e.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none")
              .Append(" duration=").Append(e.Duration.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)).AppendLine("ms");
            if (e.Note is not null) sb.Append("  note: ").AppendLine(e.Note);
            AppendBlock(sb, "stdout", e.Stdout);
            AppendBlock(sb, "stderr", e.Stderr);
        }
        return sb.ToString();
    }

    private static void AppendBlock(StringBuilder sb, string name, string text)
    {
        if (string.IsNullOrEmpty(text)) return;
        sb.Append("  ").Append(name).AppendLine(":");
        foreach (var line in text.TrimEnd('\n').Split('\n')) sb.Append("    | ").AppendLine(line);
    }
}
