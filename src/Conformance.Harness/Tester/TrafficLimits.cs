namespace Conformance.Harness.Tester;

/// <summary>
/// Hard bounds on what a tester port may transmit. Every injection loop is bounded in count and in
/// time; a request beyond these bounds is rejected, never obeyed. One type for both uses: a profile's
/// <c>parameters.traffic</c> (<see cref="ProfileDefault"/> when the profile says nothing; the reader keeps every value
/// within the <c>*Limit</c> constants) and the harness's own ports (benchmarks, lab tests: <see cref="Default"/>).
/// </summary>
public sealed record TrafficLimits(long MaxPackets = 1_000_000, double MaxRatePps = 1_000_000, TimeSpan? MaxDuration = null)
{
    /// <summary>The largest values a profile may give (max_packets_per_case, max_rate_pps, max_duration_s).</summary>
    public const int MaxPacketsPerCaseLimit = 1_000_000;
    public const int MaxRatePpsLimit = 1_000_000;
    public const int MaxDurationSecondsLimit = 600;

    /// <summary>The harness's own ports (no profile): the upper limits themselves.</summary>
    public static TrafficLimits Default { get; } = new();

    /// <summary>A profile without <c>parameters.traffic</c>: 10,000 packets per case, 1,000 packets/s, 60 s.</summary>
    public static TrafficLimits ProfileDefault { get; } = new(10_000, 1_000, TimeSpan.FromSeconds(60));
    public TimeSpan Duration => MaxDuration ?? TimeSpan.FromSeconds(600);

    public void CheckCount(long count, string what)
    {
        if (count < 0 || count > MaxPackets)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"{what}: {count} packets is outside the allowed 0..{MaxPackets} (traffic.max_packets_per_case).");
    }

    public void CheckRate(double pps, string what)
    {
        if (!(pps > 0) || pps > MaxRatePps)
            throw new ArgumentOutOfRangeException(nameof(pps),
                $"{what}: {pps} packets/s is outside the allowed (0, {MaxRatePps}] (traffic.max_rate_pps).");
    }
}
