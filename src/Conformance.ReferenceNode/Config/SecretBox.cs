using System.Security.Cryptography;

namespace Conformance.ReferenceNode.Config;

/// <summary>
/// How an HMAC secret is written in configuration text the node prints (<c>show running-config</c>, diffs, the
/// commit history): never in clear. <c>secret encrypted &lt;base64&gt;</c> is AES-GCM under this node instance's key,
/// with the nonce derived from the key id and the secret (so the same configuration prints the same text and two
/// snapshots compare equal). Only the instance that printed it can read it back (rollback, paste into configuration
/// mode); a startup file types the secret in clear (<c>secret &lt;text&gt;</c>), and it is never printed that way.
/// </summary>
public sealed class SecretBox
{
    private readonly byte[] _key;

    public SecretBox(byte[]? key = null) => _key = key ?? RandomNumberGenerator.GetBytes(32);

    public string Protect(uint keyId, byte[] secret)
    {
        var nonceSource = HMACSHA256.HashData(_key, (byte[])[.. BitConverter.GetBytes(keyId), .. secret]);
        var nonce = nonceSource[..12];
        var cipher = new byte[secret.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(_key, 16)) gcm.Encrypt(nonce, secret, cipher, tag, BitConverter.GetBytes(keyId));
        return Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    /// <summary>The secret, or null when <paramref name="text"/> was not printed by this instance (or was altered).</summary>
    public byte[]? Unprotect(uint keyId, string text)
    {
        byte[] blob;
        try { blob = Convert.FromBase64String(text); } catch (FormatException) { return null; }
        if (blob.Length < 28) return null;
        var plain = new byte[blob.Length - 28];
        try
        {
            using var gcm = new AesGcm(_key, 16);
            gcm.Decrypt(blob[..12], blob[28..], blob[12..28], plain, BitConverter.GetBytes(keyId));
            return plain;
        }
        catch (CryptographicException) { return null; }
    }
}
