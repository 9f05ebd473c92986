using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Reporting;

/// <summary>
/// Writes the allure-results format into one folder: <c>&lt;uuid&gt;-result.json</c>, <c>&lt;uuid&gt;-container.json</c>,
/// <c>&lt;uuid&gt;-attachment.&lt;ext&gt;</c>, environment.properties, executor.json, categories.json.
/// All strings pass through <see cref="SecretRedactor"/>; text attachments too; binary attachments are written as is.
/// Thread-safe: each file is written once under its own unique name (containers are rewritten atomically).
/// </summary>
public sealed partial class AllureResultsWriter
{
    [GeneratedRegex("^[a-zA-Z0-9._-]{1,100}$")]
    public static partial Regex AttachmentNameRegex();

    public AllureResultsWriter(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string WriteResult(AllureResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return WriteJson($"{result.Uuid}-result.json", result);
    }

    public string WriteContainer(AllureContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return WriteJson($"{container.Uuid}-container.json", container);
    }

    /// <summary>Stores attachment content; text MIME types are redacted. Returns the entry to put in a result or step.</summary>
    public AllureAttachment WriteAttachment(string name, byte[] content, string mimeType)
    {
        ArgumentNullException.ThrowIfNull(content);
        var source = $"{Guid.NewGuid():N}-attachment{ExtensionFor(mimeType, name)}";
        var bytes = IsTextMime(mimeType) ? Encoding.UTF8.GetBytes(SecretRedactor.Redact(DecodeText(content))) : content;
        WriteAtomic(source, bytes);
        return new AllureAttachment(name, source, mimeType);
    }

    /// <summary>Copies a file (pcap, transcript) into the results folder as an attachment.</summary>
    public AllureAttachment WriteAttachmentFile(string name, string path, string mimeType)
    {
        if (IsTextMime(mimeType)) return WriteAttachment(name, File.ReadAllBytes(path), mimeType);
        var source = $"{Guid.NewGuid():N}-attachment{ExtensionFor(mimeType, Path.GetFileName(path))}";
        File.Copy(path, Path.Combine(Directory, source), overwrite: false);
        return new AllureAttachment(name, source, mimeType);
    }

    public string WriteEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in environment.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(EscapeProperty(SecretRedactor.Redact(k), key: true)).Append('=')
              .Append(EscapeProperty(SecretRedactor.Redact(v), key: false)).Append('\n');
        WriteAtomic("environment.properties", Encoding.UTF8.GetBytes(sb.ToString()));
        return Path.Combine(Directory, "environment.properties");
    }

    public string WriteExecutor(ExecutorInfo executor) => WriteJson("executor.json", executor);

    public string WriteCategories(IEnumerable<AllureCategory> categories) => WriteJson("categories.json", categories.ToList());

    public static bool IsTextMime(string mimeType)
    {
        var m = mimeType.ToLowerInvariant();
        return m.StartsWith("text/", StringComparison.Ordinal) || m is "application/json" or "application/xml"
            or "application/yaml" or "application/x-yaml" or "image/svg+xml" || m.EndsWith("+json", StringComparison.Ordinal)
            || m.EndsWith("+xml", StringComparison.Ordinal);
    }

    /// <summary>File extension (with dot) for a MIME type; falls back to a sanitized extension of <paramref name="name"/>.</summary>
    public static string ExtensionFor(string mimeType, string? name = null)
    {
        var ext = mimeType.ToLowerInvariant() switch
        {
            "application/vnd.tcpdump.pcap" => ".pcap",
            "application/x-pcapng" or "application/vnd.tcpdump.pcapng" => ".pcapng",
            "text/plain" => ".txt",
            "application/json" => ".json",
            "text/html" => ".html",
            "text/csv" => ".csv",
            "application/xml" or "text/xml" => ".xml",
            "application/yaml" or "application/x-yaml" or "text/yaml" => ".yaml",
            "image/png" => ".png",
            "image/jpeg" => ".jpg",
            "image/svg+xml" => ".svg",
            _ => null,
        };
        if (ext is not null) return ext;
        var fromName = Path.GetExtension(name ?? "");
        var clean = new string(fromName.Where(c => char.IsAsciiLetterOrDigit(c)).Take(10).ToArray());
        return clean.Length > 0 ? "." + clean : ".bin";
    }

    /// <summary>md5 hex of UTF-8 text (Allure's usual id hash).</summary>
    public static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private string WriteJson<T>(string fileName, T value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, AllureJson.Write);
        WriteAtomic(fileName, bytes);
        return Path.Combine(Directory, fileName);
    }

    private void WriteAtomic(string fileName, byte[] bytes)
    {
        var final = Path.Combine(Directory, fileName);
        var tmp = Path.Combine(Directory, "." + fileName + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, final, overwrite: true);
    }

    private static string DecodeText(byte[] content) => new UTF8Encoding(false, false).GetString(content);

    private static string EscapeProperty(string s, bool key)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '=' or ':' when key: sb.Append('\\').Append(c); break;
                case ' ' when key || i == 0: sb.Append(@"\ "); break;
                case '#' or '!' when i == 0: sb.Append('\\').Append(c); break;
                default:
                    if (c < 0x20 || c > 0x7e) sb.Append(@"\u").Append(((int)c).ToString("x4"));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
