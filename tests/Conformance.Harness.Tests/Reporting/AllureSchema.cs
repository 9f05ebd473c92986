using System.Text.Json;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>Hand-written structural checks of the allure-results files (required fields, types, names).</summary>
internal static class AllureSchema
{
    private static readonly string[] Statuses = ["passed", "failed", "broken", "skipped"];

    public static void CheckFolder(string dir)
    {
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().ToList();
        Assert.That(files, Is.Not.Empty);
        foreach (var f in files)
        {
            var path = Path.Combine(dir, f);
            if (f.EndsWith("-result.json", StringComparison.Ordinal)) CheckResult(path);
            else if (f.EndsWith("-container.json", StringComparison.Ordinal)) CheckContainer(path);
            else if (f.Contains("-attachment", StringComparison.Ordinal))
                Assert.That(f, Does.Match(AllureResultsWriter.AttachmentNameRegex().ToString()), "attachment name");
            else if (f == "categories.json") CheckCategories(path);
            else if (f == "executor.json") CheckExecutor(path);
            else if (f == "environment.properties") CheckProperties(path);
            else Assert.Fail($"unexpected file in allure-results: {f}");
        }
    }

    public static void CheckResult(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        var uuid = Str(r, "uuid");
        Assert.That(Path.GetFileName(path), Is.EqualTo(uuid + "-result.json"));
        Assert.That(Str(r, "historyId"), Does.Match("^[0-9a-f]{32}$"));
        Assert.That(Str(r, "testCaseId"), Does.Match("^[0-9a-f]{32}$"));
        Str(r, "name"); Str(r, "fullName");
        Assert.That(Arr(r, "titlePath").EnumerateArray().All(e => e.ValueKind == JsonValueKind.String));
        Assert.That(Str(r, "stage"), Is.EqualTo("finished"));
        Foreach(Arr(r, "labels"), l => { Str(l, "name"); Str(l, "value"); });
        Foreach(Arr(r, "links"), l => { Str(l, "name"); Assert.That(Str(l, "url"), Does.StartWith("https://")); Str(l, "type"); });
        Foreach(Arr(r, "parameters"), CheckParameter);
        CheckExecutable(r, path);
    }

    public static void CheckContainer(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var c = doc.RootElement;
        Assert.That(Path.GetFileName(path), Is.EqualTo(Str(c, "uuid") + "-container.json"));
        Str(c, "name");
        Assert.That(Arr(c, "children").EnumerateArray().All(e => e.ValueKind == JsonValueKind.String));
        Num(c, "start"); Num(c, "stop");
        Foreach(Arr(c, "befores"), s => CheckExecutable(s, path));
        Foreach(Arr(c, "afters"), s => CheckExecutable(s, path));
    }

    private static void CheckExecutable(JsonElement e, string path)
    {
        Str(e, "name");
        Assert.That(Str(e, "status"), Is.AnyOf(Statuses), path);
        var start = Num(e, "start"); var stop = Num(e, "stop");
        Assert.That(start, Is.GreaterThan(1_500_000_000_000L), "epoch ms");
        Assert.That(stop, Is.GreaterThanOrEqualTo(start));
        if (e.TryGetProperty("statusDetails", out var sd))
        {
            Assert.That(sd.ValueKind, Is.EqualTo(JsonValueKind.Object));
            if (sd.TryGetProperty("message", out var m)) Assert.That(m.ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(sd.GetProperty("known").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
        }
        Foreach(Arr(e, "attachments"), a =>
        {
            Str(a, "name"); Str(a, "type");
            var src = Str(a, "source");
            Assert.That(src, Does.Match("^[a-zA-Z0-9._-]{1,100}$"));
            Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, src)), $"attachment {src} exists");
        });
        Foreach(Arr(e, "parameters"), CheckParameter);
        Foreach(Arr(e, "steps"), s => CheckExecutable(s, path));
    }

    private static void CheckParameter(JsonElement p)
    {
        Str(p, "name"); Str(p, "value");
        Assert.That(p.GetProperty("excluded").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
        Assert.That(Str(p, "mode"), Is.AnyOf("default", "masked", "hidden"));
    }

    private static void CheckCategories(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.That(doc.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Foreach(doc.RootElement, c =>
        {
            Str(c, "name");
            Assert.That(Arr(c, "matchedStatuses").EnumerateArray().Select(s => s.GetString()), Is.SubsetOf(Statuses));
        });
    }

    private static void CheckExecutor(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Str(doc.RootElement, "name"); Str(doc.RootElement, "type");
    }

    private static void CheckProperties(string path)
    {
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0 && l[0] != '#'))
            Assert.That(line, Does.Match(@"^[^=]+=.*$"), "key=value");
    }

    private static string Str(JsonElement e, string name)
    {
        Assert.That(e.TryGetProperty(name, out var v), $"missing '{name}'");
        Assert.That(v.ValueKind, Is.EqualTo(JsonValueKind.String), name);
        return v.GetString()!;
    }

    private static long Num(JsonElement e, string name)
    {
        Assert.That(e.TryGetProperty(name, out var v), $"missing '{name}'");
        Assert.That(v.ValueKind, Is.EqualTo(JsonValueKind.Number), name);
        return v.GetInt64();
    }

    private static JsonElement Arr(JsonElement e, string name)
    {
        Assert.That(e.TryGetProperty(name, out var v), $"missing '{name}'");
        Assert.That(v.ValueKind, Is.EqualTo(JsonValueKind.Array), name);
        return v;
    }

    private static void Foreach(JsonElement arr, Action<JsonElement> check)
    {
        foreach (var x in arr.EnumerateArray()) check(x);
    }
}
