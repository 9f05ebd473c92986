using System.Text.Json.Serialization;

namespace Conformance.Harness.Reporting;

/// <summary>Allure result statuses. Serialized lower-case; "none"/"unknown" are never written.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AllureStatus>))]
public enum AllureStatus
{
    [JsonStringEnumMemberName("passed")] Passed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("broken")] Broken,
    [JsonStringEnumMemberName("skipped")] Skipped,
    /// <summary>Not run: the run was interrupted before the case could give a verdict.</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
}

public sealed class AllureStatusDetails
{
    public string? Message { get; set; }
    public string? Trace { get; set; }
    public bool Known { get; set; }
    public bool Flaky { get; set; }
    public bool Muted { get; set; }
}

public sealed record AllureLabel(string Name, string Value);

public sealed record AllureLink(string Name, string Url, string Type = "link");

public sealed class AllureParameter
{
    public required string Name { get; init; }
    public required string Value { get; init; }
    public bool Excluded { get; init; }
    /// <summary>default | masked | hidden.</summary>
    public string Mode { get; init; } = "default";
}

public sealed record AllureAttachment(string Name, string Source, string Type);

/// <summary>Shared shape of results and steps (and container befores/afters).</summary>
public abstract class AllureExecutable
{
    public string Name { get; set; } = "";
    public AllureStatus Status { get; set; } = AllureStatus.Passed;
    public AllureStatusDetails? StatusDetails { get; set; }
    public string Stage { get; set; } = "finished";
    public long Start { get; set; }
    public long Stop { get; set; }
    public List<AllureStep> Steps { get; set; } = [];
    public List<AllureAttachment> Attachments { get; set; } = [];
    public List<AllureParameter> Parameters { get; set; } = [];
}

public sealed class AllureStep : AllureExecutable { }

public sealed class AllureResult : AllureExecutable
{
    public string Uuid { get; set; } = Guid.NewGuid().ToString("N");
    public string? HistoryId { get; set; }
    public string? TestCaseId { get; set; }
    public string FullName { get; set; } = "";
    public List<string> TitlePath { get; set; } = [];
    public string? Description { get; set; }
    public List<AllureLabel> Labels { get; set; } = [];
    public List<AllureLink> Links { get; set; } = [];

    public string? Label(string name) => Labels.FirstOrDefault(l => l.Name == name)?.Value;
}

public sealed class AllureContainer
{
    public string Uuid { get; set; } = Guid.NewGuid().ToString("N");
    public string Name { get; set; } = "";
    public List<string> Children { get; set; } = [];
    public List<AllureStep> Befores { get; set; } = [];
    public List<AllureStep> Afters { get; set; } = [];
    public long Start { get; set; }
    public long Stop { get; set; }
}

/// <summary>Categories entry (Allure 2 categories.json shape; Allure 3 accepts the same rule fields).</summary>
public sealed record AllureCategory(string Name, string Description, IReadOnlyList<string> MatchedStatuses, string? MessageRegex = null);

/// <summary>executor.json.</summary>
public sealed record ExecutorInfo
{
    public string Name { get; init; } = "srv6conf";
    public string Type { get; init; } = "srv6conf";
    public string? Url { get; init; }
    public long? BuildOrder { get; init; }
    public string? BuildName { get; init; }
    public string? BuildUrl { get; init; }
    public string? ReportName { get; init; }
    public string? ReportUrl { get; init; }
}
