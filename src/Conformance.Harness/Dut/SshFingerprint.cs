using System.Security.Cryptography;

namespace Conformance.Harness.Dut;

/// <summary>OpenSSH-style SHA256 fingerprints (<c>SHA256:</c> + unpadded base64 of SHA-256 over the key blob).</summary>
public static class SshFingerprint
{
    public const string Prefix = "SHA256:";

    public static string FromBlob(ReadOnlySpan<byte> keyBlob) =>
        Prefix + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>From an OpenSSH public key line: <c>type base64-blob [comment]</c>.</summary>
    public static string FromPublicKeyLine(string line)
    {
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new FormatException("Not an OpenSSH public key line (expected 'type base64 [comment]').");
        return FromBlob(Convert.FromBase64String(parts[1]));
    }

    public static string FromPublicKeyFile(string path) => FromPublicKeyLine(File.ReadAllText(path));

    /// <summary>Accepts "SHA256:xxx" or "xxx" (with or without padding) and returns "SHA256:xxx" without padding.</summary>
    public static string Normalize(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) f = f[Prefix.Length..];
        return Prefix + f.TrimEnd('=');
    }
}
