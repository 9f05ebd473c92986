using System.Collections.Concurrent;

namespace Conformance.Harness.Reporting;

/// <summary>
/// Process-wide registry of secrets (passwords, tokens, community strings) that must never reach a report.
/// Every string the Allure writer emits and every text attachment it stores goes through <see cref="Redact"/>.
/// Binary attachments (pcap) are stored as captured.
/// </summary>
public static class SecretRedactor
{
    public const string Mask = "***REDACTED***";
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    /// <summary>Registers a secret. Null, empty and very short values (under 3 chars) are ignored to avoid masking everything.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 3) return;
        Secrets.TryAdd(secret, 0);
    }

    public static bool HasSecrets => !Secrets.IsEmpty;

    /// <summary>Replaces every registered secret in <paramref name="text"/> with <see cref="Mask"/>; longest secrets first.</summary>
    public static string Redact(string text)
    {
        if (Secrets.IsEmpty || string.IsNullOrEmpty(text)) return text;
        foreach (var s in Secrets.Keys.OrderByDescending(k => k.Length))
        {
            if (text.Contains(s, StringComparison.Ordinal))
                text = text.Replace(s, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Removes all registered secrets (tests only).</summary>
    internal static void Clear() => Secrets.Clear();
}
