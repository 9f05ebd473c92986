using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

/// <summary>What the headend accounted on one constituent (for <c>show srv6 policy-selector</c>).</summary>
public sealed record ConstituentRate(string Selector, string Constituent, double RateKbps, long Bytes, long Overflowed);

/// <summary>
/// Bandwidth overflow of the policy selector (draft-yang-srv6ops-policy-selector-01 §6: "When the remaining bandwidth of
/// Path2 is less than the bandwidth guarantee threshold, if Path1 still has enough remaining bandwidth, the CRM traffic
/// exceeding the bandwidth will be directed to Path1."). The node knows no link capacity, so it reads a constituent's
/// <c>threshold remaining-bandwidth-mbps N</c> as the bandwidth guaranteed on that constituent: its remaining bandwidth is
/// N minus the rate the node itself sends on it. The node accounts every data packet it encapsulates into the constituent
/// (the inner IPv6 packet's bytes) in a token bucket of rate N and depth 200 ms × N; a packet the bucket cannot pay for is
/// the traffic exceeding the bandwidth and goes to the next eligible constituent of its class (per packet: the excess,
/// not whole flows). The rate it sends (bytes in the last full second) is shown per constituent.
/// Debug fault selector-threshold-ignored ignores this threshold too: nothing overflows.
/// </summary>
public sealed partial class ForwardingEngine
{
    /// <summary>The token bucket's depth in milliseconds of the guaranteed rate.</summary>
    public const int BandwidthBucketMs = 200;

    private sealed class RateState
    {
        public double Tokens = -1;
        public long LastMs;
        public long Bytes, Overflowed;
        public long WindowStartMs, WindowBytes, LastWindowBytes;
    }

    private readonly Dictionary<(string Selector, string Constituent), RateState> _rates = [];

    private RateState RateOf(string selector, string constituent, long now)
    {
        if (!_rates.TryGetValue((selector, constituent), out var r)) _rates[(selector, constituent)] = r = new RateState { LastMs = now, WindowStartMs = now };
        if (now - r.WindowStartMs >= 1000)
        {
            r.LastWindowBytes = now - r.WindowStartMs >= 2000 ? 0 : r.WindowBytes;
            r.WindowBytes = 0;
            r.WindowStartMs = now - (now - r.WindowStartMs) % 1000;
        }
        return r;
    }

    /// <summary>Whether the constituent's guaranteed bandwidth can carry <paramref name="bytes"/> more now (no threshold, or the fault: always); takes the tokens if so, counts an overflow if not.</summary>
    private bool BandwidthAllows(EngineState st, string selector, ConstituentConfig c, int bytes)
    {
        if (c.RemainingBandwidthMbps is not { } mbps || st.Config.DebugFaults.Contains(DebugFault.SelectorThresholdIgnored)) return true;
        var now = Now;
        var r = RateOf(selector, c.Name, now);
        var perMs = mbps * 1_000_000.0 / 8 / 1000;
        var depth = perMs * BandwidthBucketMs;
        r.Tokens = r.Tokens < 0 ? depth : Math.Min(depth, r.Tokens + (now - r.LastMs) * perMs);
        r.LastMs = now;
        if (r.Tokens < bytes) { r.Overflowed++; return false; }
        r.Tokens -= bytes;
        return true;
    }

    /// <summary>Accounts a packet sent on a constituent (every constituent, for the shown rate).</summary>
    private void AccountSent(string selector, string constituent, int bytes)
    {
        var r = RateOf(selector, constituent, Now);
        r.Bytes += bytes;
        r.WindowBytes += bytes;
    }

    /// <summary>The rate each constituent carried in the last full second, its bytes and its overflowed packets.</summary>
    public IReadOnlyList<ConstituentRate> SelectorRates()
    {
        lock (_gate)
        {
            var now = Now;
            return [.. _rates.Select(kv =>
            {
                var r = RateOf(kv.Key.Selector, kv.Key.Constituent, now);
                return new ConstituentRate(kv.Key.Selector, kv.Key.Constituent, r.LastWindowBytes * 8 / 1000.0, r.Bytes, r.Overflowed);
            })];
        }
    }
}
