using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Conformance.Harness.Lab;

/// <summary>
/// Random packet loss on one link of a lab the suite made (no netem on this kind of host: nftables numgen instead):
/// table <c>netdev s6c_impair</c> in a namespace of the lab (the DUT's, or a lab router's of a reference topology, e.g.
/// N6 of RFC 9259 Figure 1), a chain on the egress hook of one of its interfaces, and
/// while loss is on one rule per SRH position: an IPv6 packet with an SRH (routing type 4) whose Segment List[i]
/// (i = 0..3) is <see cref="Segment"/> is taken off the link with <c>numgen random mod 100 &lt; N</c>. The egress hook
/// runs before the frame reaches the wire (and the tester's capture). The packet is not dropped there but forwarded to
/// the namespace's <c>lo</c> (<c>fwd to "lo"</c>) and dropped on its ingress (chain <c>sink</c>): a drop at the egress
/// hook is reported to an AF_PACKET sender as ENOBUFS, which a sender may retry (the reference node does, as for a full
/// queue), while a lossy link does not tell the sender anything. The table lives only in the lab's namespace (it goes
/// with the namespace) and <see cref="Dispose"/> deletes it at once.
/// </summary>
public sealed partial class LinkLoss : IDisposable
{
    public const string Table = "s6c_impair";
    private const int Positions = 4;
    private readonly string _ns;
    private bool _disposed;

    public string Device { get; }
    public IPAddress Segment { get; }
    /// <summary>The loss in percent now (0: off).</summary>
    public int Percent { get; private set; }
    /// <summary>Every nft command run, for the evidence.</summary>
    public List<string> Log { get; } = [];

    private LinkLoss(string ns, string device, IPAddress segment) { _ns = ns; Device = device; Segment = segment; }

    /// <summary>Creates the (empty) table and chain on the egress of <paramref name="dutInterface"/> in the lab's (DUT) namespace.</summary>
    public static LinkLoss Create(ReferenceLab lab, string dutInterface, IPAddress segment) => Create(lab.Namespace, dutInterface, segment);

    /// <summary>
    /// Creates the (empty) table and chain on the egress of <paramref name="device"/> in the namespace <paramref name="ns"/>
    /// (one the suite's lab made: the DUT's, or a lab router's of a reference topology, TopologyLab.NamespaceOf).
    /// </summary>
    public static LinkLoss Create(string ns, string device, IPAddress segment)
    {
        if (segment.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) throw new ArgumentException("an IPv6 segment", nameof(segment));
        var l = new LinkLoss(ns, device, segment);
        // The sink chain drops on lo's ingress: lo must be up (a lab router's namespace may not have brought it up).
        Proc.Run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
        l.Nft($"add table netdev {Table}\nadd chain netdev {Table} loss {{ type filter hook egress device \"{device}\" priority 0; policy accept; }}\n" +
              $"add chain netdev {Table} sink {{ type filter hook ingress device \"lo\" priority 0; policy accept; }}\n" +
              $"add rule netdev {Table} sink @ll,160,8 43 @ll,448,8 4 counter drop\n");
        return l;
    }

    /// <summary>Sets the loss to <paramref name="percent"/> (0: off); returns when the rules are in place (UTC before and after the nft command).</summary>
    public (DateTime Before, DateTime After) Set(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var hex = "0x" + Convert.ToHexString(Segment.GetAddressBytes()).ToLowerInvariant();
        var script = $"flush chain netdev {Table} loss\n";
        if (percent > 0)
            for (var i = 0; i < Positions; i++)
                // Ethernet 14 + IPv6 40: next header (byte 20) 43, routing type (byte 56) 4, Segment List[i] at 62 + 16 i.
                script += string.Create(CultureInfo.InvariantCulture, $"add rule netdev {Table} loss @ll,160,8 43 @ll,448,8 4 @ll,{(62 + 16 * i) * 8},128 {hex} numgen random mod 100 < {percent} counter fwd to \"lo\"\n");
        if (Percent > 0) _dropped += Counted();
        var before = DateTime.UtcNow;
        Nft(script);
        var after = DateTime.UtcNow;
        Percent = percent;
        return (before, after);
    }

    private long _dropped;

    /// <summary>Packets the rules dropped since <see cref="Create"/> (all loss periods).</summary>
    public long Dropped() => _dropped + (Percent > 0 ? Counted() : 0);

    private long Counted()
    {
        var r = Proc.Run("ip", ["netns", "exec", _ns, "nft", "list", "chain", "netdev", Table, "loss"]);
        Log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} nft list chain netdev {Table} loss:\n{r.Stdout.Trim()}");
        return CounterRx().Matches(r.Stdout).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private void Nft(string script)
    {
        Log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} ip netns exec {_ns} nft -f - <<\n{script.TrimEnd()}");
        Proc.RunChecked("ip", ["netns", "exec", _ns, "nft", "-f", "-"], stdin: script);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // The namespace may already be gone (the lab was torn down): then so is the table.
        var r = Proc.Run("ip", ["netns", "exec", _ns, "nft", "delete", "table", "netdev", Table]);
        Log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} nft delete table netdev {Table}: exit {r.ExitCode}");
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterRx();
}
