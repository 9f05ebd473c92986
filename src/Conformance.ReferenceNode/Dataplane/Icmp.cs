using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// ICMPv6 (RFC 4443) and ICMP (RFC 792) errors and echo replies, with the RFC 4443 §2.4 (f) token-bucket rate limit.
public sealed partial class ForwardingEngine
{
    /// <summary>RFC 4443 §2.4 (c): "as much of invoking packet as possible without the ICMPv6 packet exceeding the minimum IPv6 MTU".</summary>
    private const int MinMtu6 = 1280;
    /// <summary>IPv4: the error fits in 576 octets (RFC 1812 §4.3.2.3).</summary>
    private const int MinMtu4 = 576;

    private sealed class TokenBucket
    {
        public double Tokens;
        public long LastMs;
    }

    private TokenBucket _icmpBucket = new();
    private TokenBucket _puntBucket = new();

    private void ResetBuckets()
    {
        _icmpBucket = new TokenBucket { Tokens = _state.Config.Icmp.ErrorBurst, LastMs = Now };
        _puntBucket = new TokenBucket { Tokens = _state.Config.Srv6.Oam.PuntBurst, LastMs = Now };
    }

    /// <summary>Takes a token: <paramref name="perSecond"/> tokens a second up to <paramref name="burst"/>.</summary>
    private bool Take(TokenBucket b, double perSecond, int burst)
    {
        long now = Now;
        b.Tokens = Math.Min(burst, b.Tokens + (now - b.LastMs) * perSecond / 1000.0);
        b.LastMs = now;
        if (b.Tokens < 1) return false;
        b.Tokens -= 1;
        return true;
    }

    private bool IcmpAllowed(EngineState st)
    {
        var c = st.Config.Icmp;
        if (c.ErrorIntervalMs <= 0) return true;
        if (Take(_icmpBucket, 1000.0 / c.ErrorIntervalMs, Math.Max(1, c.ErrorBurst))) return true;
        Count("icmp.suppressed");
        return false;
    }

    /// <summary>
    /// Sends an ICMPv6 error about the packet as received (<paramref name="current"/> is the packet as the node has it
    /// now; it is quoted only under <see cref="DebugFault.IcmpQuotesRewrittenPacket"/>).
    /// Source: the destination it answers when <paramref name="fromDestination"/> (RFC 4443 §2.2 (a): "a response to a
    /// message sent to one of the node's unicast addresses"), else the address of the interface the packet came in on.
    /// </summary>
    private void IcmpError6(EngineState st, Ctx ctx, byte[] current, byte type, byte code, uint parameter, bool fromDestination = false, bool quoteCurrent = false)
    {
        if (ctx.NoErrors) return;
        // quoteCurrent: only the debug fault TimeExceededAfterSrhUpdate asks for it (a defect, like the fault below).
        var invoking = quoteCurrent || st.Fault(DebugFault.IcmpQuotesRewrittenPacket) ? current : ctx.Received;
        if (ctx.Received.Length < 40 || ctx.Received[0] >> 4 != 6) return;
        var osrc = Wire.A6(ctx.Received, 8);
        var odst = Wire.A6(ctx.Received, 24);
        // RFC 4443 §2.4 (e): not to an unspecified or multicast source, not about an ICMPv6 error, not (but for Packet
        // Too Big and Parameter Problem code 2) about a packet to a multicast address.
        if (osrc == UInt128.Zero || Wire.IsMulticast6(osrc)) return;
        if (Wire.IsMulticast6(odst) && type != 2 && !(type == 4 && code == 2)) return;
        if (IsIcmpv6Error(ctx.Received)) return;
        if (!IcmpAllowed(st)) return;

        UInt128 src;
        if (fromDestination && (st.IsOwn6(odst) || st.Sids.Lookup(odst) is not null)) src = odst;
        else if (ctx.In is { } i && i.V6.Count > 0) src = i.V6[0].Address;
        else if (st.SourceAddress is { } sa) src = sa;
        else if (ctx.In is { } i2) src = i2.LinkLocal;
        else return;

        int q = Math.Min(invoking.Length, MinMtu6 - 48);
        var p = new byte[48 + q];
        Wire.WriteIpv6Header(p, 0, 0, 8 + q, Wire.NhIcmpv6, 64, src, osrc);
        p[40] = type;
        p[41] = code;
        Wire.U32(p, 44, parameter);
        invoking.AsSpan(0, q).CopyTo(p.AsSpan(48));
        Wire.U16(p, 42, Wire.Checksum6(src, osrc, Wire.NhIcmpv6, p.AsSpan(40)));
        Count($"icmp.sent.type{type}.code{code}");
        Output6(st, new Ctx { Sink = ctx.Sink, In = null, Received = p, NoErrors = true }, p, MainTable);
    }

    /// <summary>
    /// RFC 4443 §2.4 (e.1): is the packet an ICMPv6 error message? Its upper layer is ICMPv6 with a type below 128
    /// ("error messages have message types from 0 to 127") AND a valid checksum (§2.3; the pseudo-header destination is
    /// the final one, RFC 8200 §8.1: Segment List[0] of an SRH, or the current destination). Without the checksum test
    /// a malformed header chain would pass for an error: an SRH whose Hdr Ext Len is too small for its segment list
    /// (RFC 8754 §4.3.1.1 S10, TP-SRH-BI-03) makes the next segment's first octet (0x20 of 2001:db8::/32) look like
    /// an ICMPv6 type 32, and the Parameter Problem S12 asks for was never sent.
    /// </summary>
    private static bool IsIcmpv6Error(byte[] p)
    {
        if (!Walk(p, 40, p[6], 6, out var c, out _)) return false;
        if (c.UpperNh != Wire.NhIcmpv6 || c.UpperOffset + 4 > p.Length || p[c.UpperOffset] >= 128) return false;
        var src = Wire.A6(p, 8);
        var upper = p.AsSpan(c.UpperOffset);
        if (Wire.Checksum6(src, Wire.A6(p, 24), Wire.NhIcmpv6, upper) == 0) return true;
        int r = c.RoutingOffset;
        return r >= 0 && p[r + SrhRoutingType] == 4 && r + SrhSegmentList + 16 <= p.Length
            && Wire.Checksum6(src, Segment(p, r, 0), Wire.NhIcmpv6, upper) == 0;
    }

    /// <summary>IPv4 precedence (the three high bits of the TOS octet) and the four TOS bits (RFC 1349) of that octet.</summary>
    private const byte PrecedenceMask4 = 0xE0, TosBitsMask4 = 0x1E;

    /// <summary>
    /// The TOS octet of an ICMPv4 error message: the TOS bits of the packet that provoked it and precedence 6
    /// (INTERNETWORK CONTROL), as RFC 1812 §4.3.2.5 (TOS and Precedence) recommends for Destination Unreachable, Time
    /// Exceeded and Parameter Problem (the node sends no Source Quench or Redirect). RFC 1812 is not among the texts
    /// vendored in docs/rfc/; the section was read in the RFC Editor's published text.
    /// </summary>
    internal static byte ErrorTos4(byte provokingTos) => (byte)(0xC0 | (provokingTos & TosBitsMask4));

    /// <summary>The TOS octet of an ICMPv4 reply: the request's precedence and TOS bits (RFC 1812 §4.3.2.5, not vendored).</summary>
    internal static byte ReplyTos4(byte requestTos) => (byte)(requestTos & (PrecedenceMask4 | TosBitsMask4));

    private void IcmpError4(EngineState st, Ctx ctx, byte[] current, byte type, byte code, uint parameter)
    {
        if (ctx.NoErrors) return;
        var invoking = st.Fault(DebugFault.IcmpQuotesRewrittenPacket) ? current : ctx.Received;
        if (ctx.Received.Length < 20 || ctx.Received[0] >> 4 != 4) return;
        uint osrc = Wire.U32(ctx.Received, 12);
        uint odst = Wire.U32(ctx.Received, 16);
        int ihl = (ctx.Received[0] & 0xF) * 4;
        if (osrc == 0 || osrc >> 28 == 0xE || odst == 0xFFFFFFFF || odst >> 28 == 0xE) return;
        if ((Wire.U16(ctx.Received, 6) & 0x1FFF) != 0) return; // RFC 1812 §4.3.2.7: not about a non-first fragment
        if (ctx.Received[9] == Wire.ProtoIcmp && ctx.Received.Length > ihl && ctx.Received[ihl] is 3 or 4 or 5 or 11 or 12) return;
        if (!IcmpAllowed(st)) return;
        uint src;
        if (type == 3 && code == 3 && st.Local4.Contains(odst)) src = odst;
        else if (ctx.In is { } i && i.V4.Count > 0) src = i.V4[0].Address;
        else if (st.Local4.Count > 0) src = st.Local4.First();
        else return;
        int q = Math.Min(invoking.Length, MinMtu4 - 28);
        var p = new byte[28 + q];
        p[0] = 0x45;
        p[1] = ErrorTos4(ctx.Received[1]);
        Wire.U16(p, 2, (ushort)p.Length);
        p[8] = 64;
        p[9] = Wire.ProtoIcmp;
        Wire.U32(p, 12, src);
        Wire.U32(p, 16, osrc);
        Wire.FixIpv4Checksum(p);
        p[20] = type;
        p[21] = code;
        if (type == 3 && code == 4) Wire.U16(p, 26, (ushort)parameter); // RFC 1191: Next-Hop MTU
        else if (type == 12) p[24] = (byte)parameter;
        invoking.AsSpan(0, q).CopyTo(p.AsSpan(28));
        Wire.U16(p, 22, Wire.Checksum(p.AsSpan(20)));
        Count($"icmp4.sent.type{type}.code{code}");
        Output4(st, new Ctx { Sink = ctx.Sink, In = null, Received = p, NoErrors = true }, p, MainTable);
    }

    /// <summary>RFC 4443 §4.2: the reply's source is the request's destination (a SID for RFC 9259 §3.1 ping to a SID).</summary>
    private void EchoReply6(EngineState st, Ctx ctx, byte[] p, int off)
    {
        var src = Wire.A6(p, 24);
        var dst = Wire.A6(p, 8);
        if (Wire.IsMulticast6(src)) { Drop("echo-to-multicast"); return; }
        int body = p.Length - off;
        var r = new byte[40 + body];
        Wire.WriteIpv6Header(r, 0, 0, body, Wire.NhIcmpv6, 64, src, dst);
        p.AsSpan(off, body).CopyTo(r.AsSpan(40));
        r[40] = 129;
        r[41] = 0;
        r[42] = 0; r[43] = 0;
        Wire.U16(r, 42, Wire.Checksum6(src, dst, Wire.NhIcmpv6, r.AsSpan(40)));
        Count("tx.echo-reply");
        Output6(st, new Ctx { Sink = ctx.Sink, In = null, Received = r, NoErrors = true }, r, MainTable);
    }

    private void EchoReply4(EngineState st, Ctx ctx, byte[] p)
    {
        int ihl = (p[0] & 0xF) * 4;
        var r = new byte[20 + p.Length - ihl];
        r[0] = 0x45;
        r[1] = ReplyTos4(p[1]);
        Wire.U16(r, 2, (ushort)r.Length);
        r[8] = 64;
        r[9] = Wire.ProtoIcmp;
        Wire.U32(r, 12, Wire.U32(p, 16));
        Wire.U32(r, 16, Wire.U32(p, 12));
        Wire.FixIpv4Checksum(r);
        p.AsSpan(ihl).CopyTo(r.AsSpan(20));
        r[20] = 0;
        r[22] = 0; r[23] = 0;
        Wire.U16(r, 22, Wire.Checksum(r.AsSpan(20)));
        Count("tx.echo-reply");
        Output4(st, new Ctx { Sink = ctx.Sink, In = null, Received = r, NoErrors = true }, r, MainTable);
    }
}
