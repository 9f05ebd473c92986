using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conformance.Harness.Reporting;

/// <summary>JSON settings for allure-results files. Writing redacts every string value.</summary>
internal static class AllureJson
{
    public static readonly JsonSerializerOptions Write = Create(redact: true);
    public static readonly JsonSerializerOptions Read = Create(redact: false);

    private static JsonSerializerOptions Create(bool redact)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNameCaseInsensitive = true,
        };
        if (redact) o.Converters.Add(new RedactingStringConverter());
        return o;
    }

    private sealed class RedactingStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
            writer.WriteStringValue(SecretRedactor.Redact(value));
    }
}
