using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Tester;

namespace Conformance.Harness.Oam;

/// <summary>
/// An SRv6 OAM probe path (RFC 9259 Appendix A.1.1, A.1.2): the target reached via the segment list
/// &lt;S1, ..., Sn&gt; (visit order). The target is the last segment: DA = S1 and SRH
/// (Target, Sn, ..., S1; SL = n); with no segments the target is the DA and there is no SRH
/// ("with the target SID in the IPv6 destination address without SRH", §2.2).
/// </summary>
public sealed record SrPath(IPAddress Target, IReadOnlyList<IPAddress> Segments)
{
    public bool HasSrh => Segments.Count > 0;
    public IPAddress FirstDestination => Segments.Count == 0 ? Target : Segments[0];
    /// <summary>The SRH segment list in header order ([0] = the last segment = the target).</summary>
    public IReadOnlyList<IPAddress> SrhOrder => [Target, .. Segments.Reverse()];
    public byte SegmentsLeft => (byte)Segments.Count;

    /// <summary>Adds the IPv6 header (and the SRH when there are segments) to a frame being built.</summary>
    public PacketBuilder Apply(PacketBuilder b, IPAddress source, byte hopLimit = 64)
    {
        b.Ipv6(source, FirstDestination, hopLimit);
        return HasSrh ? b.Srh(SrhOrder, SegmentsLeft) : b;
    }

    public string SegmentListText => string.Join(", ", Segments.Select(Rfc5952.Format));
}

/// <summary>What came back for one probe.</summary>
public enum ProbeOutcome { Timeout, EchoReply, TimeExceeded, PortUnreachable, DestinationUnreachable, ParameterProblem, OtherError }

/// <summary>One probe's result: who answered, how, the RTT (capture timestamps), and what the answer quoted.</summary>
public sealed record ProbeResult(int Index, byte HopLimit, ProbeOutcome Outcome, IPAddress? From, TimeSpan? Rtt, DecodedPacket? Reply)
{
    /// <summary>The invoking packet an ICMPv6 error quoted (its DA and SRH show where the probe was, RFC 9259 Appendix A.2.1).</summary>
    public DecodedPacket? Quoted => (Reply?.Inner as Icmpv6Layer)?.Invoking;
}

/// <summary>Sends one probe frame and returns it (with its send time) and the frames that came back within the time-out.</summary>
public interface IProbeTransport
{
    PhysicalAddress LocalMac { get; }
    PhysicalAddress NextHopMac { get; }
    Task<(Frame Sent, IReadOnlyList<Frame> Received)> ExchangeAsync(byte[] frame, Func<Frame, bool> isAnswer, TimeSpan timeout, CancellationToken ct = default);
}

/// <summary>A probe transport over a tester port: RTT = the answer's capture (kernel) timestamp − the clock read just before the probe was sent.</summary>
/// <remarks>In a reference topology the answers may come back on another tester port (N100 is attached to N1 and N7):
/// <paramref name="alsoListen"/> names the ports whose receptions count as well.</remarks>
public sealed class TesterPortTransport(Tester.TesterPort port, PhysicalAddress nextHopMac, IReadOnlyList<Tester.TesterPort>? alsoListen = null) : IProbeTransport
{
    public PhysicalAddress LocalMac => port.Mac;
    public PhysicalAddress NextHopMac => nextHopMac;

    public async Task<(Frame Sent, IReadOnlyList<Frame> Received)> ExchangeAsync(byte[] frame, Func<Frame, bool> isAnswer, TimeSpan timeout, CancellationToken ct = default)
    {
        using var session = new TrafficSession([port, .. (alsoListen ?? []).Where(p => p != port)]);
        // The capture is inbound only, and on a veth the answer can be captured (kernel timestamp)
        // before the send call returns: the probe's time is the clock just before the send.
        var before = DateTime.UtcNow;
        session.Send(port.Name, [frame], "oam probe");
        var result = await session.CompleteAsync(got => got.Any(isAnswer), timeout, TimeSpan.Zero).ConfigureAwait(false);
        return (result.Sent[0] with { TimestampUtc = before }, result.Received);
    }
}

/// <summary>Classifies an answer to a probe (pure; unit-tested without a lab).</summary>
public static class ProbeMatch
{
    /// <summary>The outcome if <paramref name="reply"/> answers the echo (id, seq) or a probe whose key is <paramref name="probeKey"/>; null if it is unrelated.</summary>
    public static ProbeOutcome? Classify(DecodedPacket reply, string probeKey)
    {
        if (reply.Inner is not Icmpv6Layer icmp) return null;
        if (icmp.IsEcho)
            return icmp.Type == 129 && $"echo:{icmp.EchoId}:{icmp.EchoSeq}" == probeKey ? ProbeOutcome.EchoReply : null;
        if (icmp.Invoking is not { } inv || Verdicts.ProbeKey.Of(inv) != probeKey) return null;
        return (icmp.Type, icmp.Code) switch
        {
            (3, _) => ProbeOutcome.TimeExceeded,
            (1, 4) => ProbeOutcome.PortUnreachable,
            (1, _) => ProbeOutcome.DestinationUnreachable,
            (4, _) => ProbeOutcome.ParameterProblem,
            _ => ProbeOutcome.OtherError,
        };
    }

    public static ProbeResult Result(int index, byte hopLimit, string probeKey, Frame sent, IReadOnlyList<Frame> received)
    {
        foreach (var f in received.OrderBy(f => f.TimestampUtc))
        {
            var d = PacketDecoder.Decode(f.Data);
            if (Classify(d, probeKey) is { } o)
                return new ProbeResult(index, hopLimit, o, d.Ipv6?.Src, f.TimestampUtc - sent.TimestampUtc, d);
        }
        return new ProbeResult(index, hopLimit, ProbeOutcome.Timeout, null, null, null);
    }

    internal static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);
}
