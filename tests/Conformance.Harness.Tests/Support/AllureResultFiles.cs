using System.Text.Json;

namespace Conformance.Harness.Tests.Support;

/// <summary>
/// Reads the allure-results a run under test wrote, possibly while it is still writing them: one entry per
/// <c>*-result.json</c> that names a test purpose; a file that cannot be read yet (half written) is skipped.
/// </summary>
internal static class AllureResultFiles
{
    public readonly record struct Result(string Purpose, string Status, string Message);

    public static List<Result> Read(string resultsDirectory) => [.. Directory.GetFiles(resultsDirectory, "*-result.json").Select(f =>
    {
        try
        {
            using var d = JsonDocument.Parse(File.ReadAllText(f));
            var r = d.RootElement;
            var id = r.GetProperty("labels").EnumerateArray().Where(l => l.GetProperty("name").GetString() == "testPurposeId")
                .Select(l => l.GetProperty("value").GetString()).FirstOrDefault();
            var message = r.TryGetProperty("statusDetails", out var sd) && sd.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            return id is null ? (Result?)null : new Result(id, r.GetProperty("status").GetString()!, message);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException) { return null; }
    }).OfType<Result>()];
}
