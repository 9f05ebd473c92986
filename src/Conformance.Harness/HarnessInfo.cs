namespace Conformance.Harness;

/// <summary>Identity of the harness build, used in reports and the CLI's --version.</summary>
public static class HarnessInfo
{
    public static string Version => typeof(HarnessInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
