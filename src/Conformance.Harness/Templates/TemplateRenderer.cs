using System.Text;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Templates;

/// <summary>A template used a placeholder that was not supplied (or was malformed).</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>
/// Minimal <c>{{placeholder}}</c> renderer for DUT configuration templates.
/// Placeholder names are <c>[A-Za-z0-9_.-]+</c>, surrounding blanks inside the braces are allowed.
/// An unknown placeholder is an error naming the template and the placeholder; there is no escaping,
/// no conditionals and no loops on purpose: templates stay readable by DUT vendors.
/// </summary>
public static partial class TemplateRenderer
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex PlaceholderRegex();

    [GeneratedRegex(@"\{\{|\}\}")]
    private static partial Regex BracesRegex();

    /// <summary>Renders <paramref name="template"/>; <paramref name="templateName"/> is used in error messages.</summary>
    public static string Render(string template, string templateName, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var missing = new List<string>();
        var rendered = PlaceholderRegex().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            if (values.TryGetValue(name, out var v)) return v;
            missing.Add(name);
            return m.Value;
        });
        if (missing.Count > 0)
        {
            throw new TemplateException(
                $"Template '{templateName}' uses unknown placeholder(s) {string.Join(", ", missing.Distinct().Select(n => "{{" + n + "}}"))}; " +
                $"known placeholders: {string.Join(", ", values.Keys.Order(StringComparer.Ordinal))}");
        }
        var leftover = BracesRegex().Match(rendered);
        if (leftover.Success)
        {
            var line = rendered[..leftover.Index].Count(c => c == '\n') + 1;
            throw new TemplateException($"Template '{templateName}' has a malformed placeholder near line {line}.");
        }
        return rendered;
    }

    /// <summary>Reads and renders a template file.</summary>
    public static string RenderFile(string path, IReadOnlyDictionary<string, string> values)
    {
        if (!File.Exists(path)) throw new TemplateException($"Template file '{path}' does not exist.");
        return Render(File.ReadAllText(path, Encoding.UTF8), path, values);
    }

    /// <summary>Splits rendered text into command lines: blank lines and <c>#</c> comments are dropped.</summary>
    public static IReadOnlyList<string> CommandLines(string rendered) =>
        rendered.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
}
