namespace Conformance.Harness.Tester;

/// <summary>
/// Hard bounds on what a tester port may transmit. Every injection loop is bounded in count and in
/// time; a request beyond these bounds is rejected, never obeyed.
/// </summary>
public sealed record TrafficLimits(long MaxPackets = 1_000_000, double MaxRatePps = 1_000_000, TimeSpan? MaxDuration = null)
{
    public static TrafficLimits Default { get; } = new();
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
