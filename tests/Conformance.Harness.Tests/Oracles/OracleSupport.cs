using System.Globalization;
using System.Text.Json.Nodes;
using Conformance.Harness.Capture;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Oracles;

/// <summary>
/// Counts field comparisons between the harness and an independent oracle and collects every mismatch,
/// so that one run reports all disagreements at once.
/// </summary>
internal sealed class FieldChecker
{
    public int Count { get; private set; }
    public List<string> Failures { get; } = [];

    public void Eq(string where, string field, object? harness, object? oracle)
    {
        Count++;
        if (!Equals(Normalize(harness), Normalize(oracle)))
            Failures.Add($"{where}: {field}: harness {Show(harness)} vs oracle {Show(oracle)}");
    }

    /// <summary>Same as <see cref="Eq"/> with the oracle's value first.</summary>
    public void Want(string where, string field, object? oracle, object? harness) => Eq(where, field, harness, oracle);

    public void Fail(string where, string problem) => Failures.Add($"{where}: {problem}");

    public void AssertNoFailures(string oracle) =>
        Assert.That(Failures, Is.Empty, $"disagreements with {oracle}:\n  " + string.Join("\n  ", Failures));

    // Numbers of any integral type compare by value.
    private static object? Normalize(object? v) => v switch
    {
        byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        ulong u => (long)u,
        _ => v,
    };

    private static string Show(object? v) => v is null ? "null" : $"'{v}'";
}

internal static class OracleSupport
{
    public static readonly DateTime T0 = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    /// <summary>A fresh scratch directory for one fixture.</summary>
    public static string NewWorkDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"srv6conf-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void WritePcap(string path, IEnumerable<byte[]> frames) =>
        PcapFile.WritePcap(path, frames.Select((f, i) => new Frame(T0.AddMilliseconds(i), f, "oracle", FrameDirection.Sent)));

    /// <summary>Fails (does not skip) when an oracle tool is missing: scripts/setup.sh installs it.</summary>
    public static void RequireTool(string path, string package)
    {
        if (!File.Exists(path))
            Assert.Fail($"{path} is missing: install Debian package {package} (scripts/setup.sh does).");
    }

    /// <summary>"0x2e", "46", "12:34" (a byte string) → number.</summary>
    public static long Num(string s)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (s.Contains(':'))
            return long.Parse(s.Replace(":", ""), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return long.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>The string values of a key whose value is a string or (for repeated fields) an array of strings.</summary>
    public static List<string> Strings(JsonNode? obj, string key)
    {
        var v = obj?[key];
        return v switch
        {
            null => [],
            JsonArray a => a.Select(x => x!.GetValue<string>()).ToList(),
            _ => [v.GetValue<string>()],
        };
    }

    public static string? Str(JsonNode? obj, string key)
    {
        var l = Strings(obj, key);
        return l.Count == 0 ? null : l[0];
    }

    public static long? N(JsonNode? obj, string key) => Str(obj, key) is { } s ? Num(s) : null;
}
