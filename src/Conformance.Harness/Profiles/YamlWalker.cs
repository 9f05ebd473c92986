using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conformance.Harness.Profiles;

/// <summary>Typed reads over YamlDotNet's representation model that record errors with line/column and field path.</summary>
internal sealed partial class YamlWalker(string file)
{
    public string File { get; } = file;
    public List<ProfileError> Errors { get; } = [];

    public void Error(Mark mark, string path, string message) =>
        Errors.Add(new ProfileError(File, (int)mark.Line, (int)mark.Column, path, message));

    public void Error(YamlNode node, string path, string message) => Error(node.Start, path, message);

    public SourceLocation Location(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Short description of a node for "got …" messages. Never used on secret-bearing fields.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "nothing",
        YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s => $"'{Truncate(s.Value)}'",
        YamlScalarNode s => $"the quoted string \"{Truncate(s.Value)}\"",
        _ => "an unsupported node",
    };

    private static string Truncate(string? v) => v is null ? "" : v.Length <= 40 ? v : v[..37] + "...";

    // ---------- structure ----------

    /// <summary>Reads a mapping and checks its keys. Returns null (after recording an error) when the node is not a mapping.</summary>
    public Section? Mapping(YamlNode node, string path, IReadOnlyList<string> allowed, Func<string, string?>? forbidden = null)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, path, $"expected a mapping with the keys {string.Join(", ", allowed)}; got {Describe(node)}");
            return null;
        }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var misspelled = new HashSet<string>(StringComparer.Ordinal);
        var hadForbidden = false;
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error(keyNode, path, "keys must be plain names");
                continue;
            }
            if (allowed.Contains(key, StringComparer.Ordinal))
            {
                values[key] = value;
                continue;
            }
            var special = forbidden?.Invoke(key);
            if (special is not null)
            {
                Error(keyNode, Join(path, key), special);
                hadForbidden = true;
                continue;
            }
            var suggestion = Suggest(key, allowed);
            if (suggestion is not null) misspelled.Add(suggestion);
            Error(keyNode, Join(path, key),
                $"unknown key '{key}'{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} " +
                $"(allowed here: {string.Join(", ", allowed)})");
        }
        return new Section(this, map, path, values) { Misspelled = misspelled, HadForbiddenKey = hadForbidden };
    }

    /// <summary>The items of a list, with their field paths (<c>path[i]</c>).</summary>
    public List<(YamlNode Node, string Path)>? Sequence(YamlNode node, string path, string itemDescription)
    {
        if (IsNull(node)) return [];
        if (node is not YamlSequenceNode seq)
        {
            Error(node, path, $"expected a list of {itemDescription} (e.g. [a, b] or '- a' lines); got {Describe(node)}");
            return null;
        }
        return seq.Children.Select((n, i) => (n, $"{path}[{i}]")).ToList();
    }

    // ---------- scalars ----------

    public string? String(YamlNode node, string path, string expected = "a non-empty string")
    {
        if (node is not YamlScalarNode s)
        {
            Error(node, path, $"expected {expected}; got {Describe(node)}");
            return null;
        }
        if (IsNull(node) || string.IsNullOrWhiteSpace(s.Value))
        {
            Error(node, path, $"is empty; expected {expected}");
            return null;
        }
        return s.Value;
    }

    public long? Integer(YamlNode node, string path, long min, long max, string unit = "", string? boundNote = null)
    {
        if (node is not YamlScalarNode s)
        {
            Error(node, path, $"expected a whole number{unit}; got {Describe(node)}");
            return null;
        }
        if (s.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            Error(node, path, $"expected a whole number{unit}; got {Describe(node)} (remove the quotes)");
            return null;
        }
        var text = (s.Value ?? "").Replace("_", "", StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            Error(node, path, $"expected a whole number{unit}; got {Describe(node)}");
            return null;
        }
        if (v < min || v > max)
        {
            Error(node, path, v > max
                ? $"{v} exceeds the maximum of {max}{unit}{(boundNote is null ? "" : $" ({boundNote})")}"
                : $"{v} is below the minimum of {min}{unit}");
            return null;
        }
        return v;
    }

    public bool? Boolean(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: { } v })
        {
            if (v.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
        }
        Error(node, path, $"expected true or false; got {Describe(node)}");
        return null;
    }

    public IPAddress? Address(YamlNode node, string path, AddressFamily family)
    {
        var what = family == AddressFamily.InterNetworkV6 ? "an IPv6 address such as 2001:db8:0:1::1" : "an IPv4 address such as 192.0.2.1";
        var text = String(node, path, what);
        if (text is null) return null;
        if (text.Contains('/'))
        {
            Error(node, path, $"expected {what} without a prefix length; got '{Truncate(text)}'");
            return null;
        }
        if (!TryParseStrictAddress(text, out var address))
        {
            Error(node, path, $"'{Truncate(text)}' is not a valid IP address; expected {what}");
            return null;
        }
        if (address.AddressFamily != family)
        {
            Error(node, path, $"'{text}' is an {FamilyName(address.AddressFamily)} address; expected {what}");
            return null;
        }
        return address;
    }

    public IPNetwork? Prefix(YamlNode node, string path, AddressFamily family)
    {
        var what = family == AddressFamily.InterNetworkV6 ? "an IPv6 prefix such as 2001:db8:b::/48" : "an IPv4 prefix such as 192.0.2.0/24";
        var text = String(node, path, what);
        if (text is null) return null;
        var parsed = ParseAddressAndLength(text, out var address, out var length);
        if (!parsed)
        {
            Error(node, path, $"'{Truncate(text)}' is not a valid prefix; expected {what}");
            return null;
        }
        if (address!.AddressFamily != family)
        {
            Error(node, path, $"'{text}' is an {FamilyName(address.AddressFamily)} prefix; expected {what}");
            return null;
        }
        var masked = Profiles.InterfaceAddress.Mask(address, length);
        if (!masked.Equals(address))
        {
            Error(node, path, $"'{text}' has host bits set after /{length}; did you mean '{masked}/{length}'?");
            return null;
        }
        return new IPNetwork(masked, length);
    }

    public InterfaceAddress? InterfaceAddress(YamlNode node, string path, AddressFamily family)
    {
        var what = family == AddressFamily.InterNetworkV6
            ? "an IPv6 address with prefix length such as 2001:db8:0:1::2/64"
            : "an IPv4 address with prefix length such as 192.0.2.2/24";
        var text = String(node, path, what);
        if (text is null) return null;
        if (!ParseAddressAndLength(text, out var address, out var length))
        {
            Error(node, path, $"'{Truncate(text)}' is not valid; expected {what}");
            return null;
        }
        if (address!.AddressFamily != family)
        {
            Error(node, path, $"'{text}' is {FamilyName(address.AddressFamily)}; expected {what}");
            return null;
        }
        return new Profiles.InterfaceAddress(address, length);
    }

    private static string FamilyName(AddressFamily f) => f == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

    private static bool ParseAddressAndLength(string text, out IPAddress? address, out int length)
    {
        address = null;
        length = 0;
        var slash = text.IndexOf('/');
        if (slash < 0) return false;
        if (!TryParseStrictAddress(text[..slash], out var a)) return false;
        var max = a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max) return false;
        address = a;
        return true;
    }

    /// <summary>IPAddress.TryParse accepts "1" or "10.1" as IPv4; require dotted quads or a colon form.</summary>
    public static bool TryParseStrictAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
            return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        return DottedQuad().IsMatch(text) && IPAddress.TryParse(text, out address!);
    }

    [GeneratedRegex(@"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")]
    private static partial Regex DottedQuad();

    // ---------- suggestions ----------

    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        var limit = Math.Max(2, word.Length / 3);
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transposition).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

/// <summary>A mapping whose keys have been checked; typed accessors record errors.</summary>
internal sealed class Section(YamlWalker walker, YamlMappingNode node, string path, Dictionary<string, YamlNode> values)
{
    public YamlWalker W { get; } = walker;
    public YamlMappingNode Node { get; } = node;
    public string Path { get; } = path;

    /// <summary>Allowed keys that an unknown key was reported as a likely misspelling of (no second "missing" error for them).</summary>
    public IReadOnlySet<string> Misspelled { get; init; } = new HashSet<string>();

    /// <summary>A forbidden key (e.g. a literal password) was found in this mapping.</summary>
    public bool HadForbiddenKey { get; init; }

    public string P(string key) => YamlWalker.Join(Path, key);

    /// <summary>True when the key is written (even with an empty value).</summary>
    public bool Contains(string key) => values.ContainsKey(key);

    /// <summary>The value node, or null when the key is absent or its value is null/empty.</summary>
    public YamlNode? Get(string key) => values.TryGetValue(key, out var v) && !YamlWalker.IsNull(v) ? v : null;

    /// <summary>The value node; records a "missing required field" error when absent.</summary>
    public YamlNode? Require(string key, string expected)
    {
        var n = Get(key);
        if (n is not null) return n;
        if (values.TryGetValue(key, out var empty))
            W.Error(empty, P(key), $"is empty; expected {expected}");
        else if (!Misspelled.Contains(key))
            W.Error(Node, P(key), $"required field '{key}' is missing in '{(Path.Length == 0 ? "(top level)" : Path)}'; expected {expected}");
        return null;
    }

    private YamlNode? Pick(string key, bool required, string expected) => required ? Require(key, expected) : Get(key);

    public string? String(string key, bool required, string expected = "a non-empty string") =>
        Pick(key, required, expected) is { } n ? W.String(n, P(key), expected) : null;

    public long? Integer(string key, bool required, long min, long max, string unit = "", string? boundNote = null) =>
        Pick(key, required, $"a whole number{unit}") is { } n ? W.Integer(n, P(key), min, max, unit, boundNote) : null;

    public bool? Boolean(string key, bool required) =>
        Pick(key, required, "true or false") is { } n ? W.Boolean(n, P(key)) : null;

    public IPAddress? Address(string key, bool required, AddressFamily family) =>
        Pick(key, required, family == AddressFamily.InterNetworkV6 ? "an IPv6 address" : "an IPv4 address") is { } n
            ? W.Address(n, P(key), family) : null;

    public IPNetwork? Prefix(string key, bool required, AddressFamily family) =>
        Pick(key, required, family == AddressFamily.InterNetworkV6 ? "an IPv6 prefix" : "an IPv4 prefix") is { } n
            ? W.Prefix(n, P(key), family) : null;

    public InterfaceAddress? InterfaceAddress(string key, bool required, AddressFamily family) =>
        Pick(key, required, family == AddressFamily.InterNetworkV6 ? "an IPv6 address/prefix-length" : "an IPv4 address/prefix-length") is { } n
            ? W.InterfaceAddress(n, P(key), family) : null;

    public Section? Mapping(string key, bool required, IReadOnlyList<string> allowed, Func<string, string?>? forbidden = null) =>
        Pick(key, required, $"a mapping with the keys {string.Join(", ", allowed)}") is { } n ? W.Mapping(n, P(key), allowed, forbidden) : null;

    public List<(YamlNode Node, string Path)>? Sequence(string key, bool required, string itemDescription)
    {
        if (!required && !values.ContainsKey(key)) return null;
        if (required && !values.ContainsKey(key))
        {
            Require(key, $"a list of {itemDescription} (may be empty: [])");
            return null;
        }
        return W.Sequence(values[key], P(key), itemDescription);
    }
}
