using System.Security.Cryptography;
using Conformance.ReferenceNode.Config;

namespace Conformance.ReferenceNode.Dataplane;

// SR-domain edge filtering (RFC 8754 §5.1, RFC 9602 §5), HMAC verification (RFC 8754 §2.1.2) and O-flag processing
// (RFC 9259 §2.1.1).
public sealed partial class ForwardingEngine
{
    /// <summary>
    /// RFC 8754 §5.1 rule 1 ("drops any incoming packet with a destination address in S/s", on external interfaces:
    /// <see cref="DomainConfig.ProtectedPrefixes"/>, e.g. the SID block and RFC 9602's 5f00::/16), the node's "SRH to a
    /// local address from outside" drop, and rule 2 (per-interface source checks). A filtered packet is dropped with a
    /// Destination Unreachable code 1, "communication with destination administratively prohibited" (RFC 4443 §3.1).
    /// </summary>
    private bool FilterInbound6(EngineState st, Ctx ctx, byte[] p, UInt128 src, UInt128 dst)
    {
        var ifc = ctx.In!;
        if (st.Fault(DebugFault.EdgeFilterIgnored)) return true;
        if (ifc.Config.External)
        {
            foreach (var (pre, len) in st.Protected)
                if (Wire.In6(dst, pre, len)) return Filtered(st, ctx, p, "edge-protected-prefix");
            if (st.Config.Srv6.Domain.DropSrhToLocalFromExternal && (st.IsOwn6(dst) || st.Sids.Lookup(dst) is not null)
                && Walk(p, 40, p[6], 6, out var c, out _) && c.RoutingOffset >= 0 && p[c.RoutingOffset + SrhRoutingType] == 4)
                return Filtered(st, ctx, p, "edge-srh-to-local");
        }
        foreach (var (name, loc, locLen, inside) in st.SourceChecks)
        {
            if (name != ifc.Name || !Wire.In6(dst, loc, locLen)) continue;
            bool ok = false;
            foreach (var (pre, len) in inside) if (Wire.In6(src, pre, len)) { ok = true; break; }
            if (!ok) return Filtered(st, ctx, p, "edge-source-check");
        }
        return true;
    }

    private bool Filtered(EngineState st, Ctx ctx, byte[] p, string reason)
    {
        IcmpError6(st, ctx, p, 1, 1, 0);
        Drop(reason);
        return false;
    }

    /// <summary>
    /// RFC 8754 §2.1.2.1 HMAC verification under the receiving interface's policy (the "local configuration" that
    /// "determines when to check for an HMAC"): Ignore, VerifyIfPresent, Require. Returns false when the packet was
    /// dropped. A failure sends "an ICMP error message (parameter problem, error code 0, pointing to the HMAC TLV)".
    /// </summary>
    private bool VerifyHmac(EngineState st, Ctx ctx, byte[] p, int r)
    {
        var mode = ctx.In?.Config.Hmac ?? HmacPolicyMode.Ignore;
        if (mode == HmacPolicyMode.Ignore || st.Fault(DebugFault.HmacNotChecked)) return true;
        int end = r + (p[r + SrhHdrExtLen] + 1) * 8;
        int lastEntry = p[r + SrhLastEntry];
        int tlv = r + SrhSegmentList + 16 * (lastEntry + 1);
        int hmac = -1;
        while (tlv < end)
        {
            if (p[tlv] == 0) { tlv++; continue; } // Pad1
            if (tlv + 2 > end || tlv + 2 + p[tlv + 1] > end) break;
            if (p[tlv] == 5) { hmac = tlv; break; }
            tlv += 2 + p[tlv + 1];
        }
        if (hmac < 0)
        {
            if (mode == HmacPolicyMode.VerifyIfPresent) return true;
            Drop("hmac-missing");
            return false;
        }
        if (CheckHmacTlv(st, p, r, hmac)) { Count("hmac.verified"); return true; }
        IcmpError6(st, ctx, p, 4, 0, (uint)hmac);
        Drop("hmac-failed");
        return false;
    }

    private static bool CheckHmacTlv(EngineState st, byte[] p, int r, int t)
    {
        int length = p[t + 1];
        int fieldLength = length - 6; // D|RESERVED (2) + Key ID (4) + HMAC
        if (fieldLength <= 0 || fieldLength > 32 || fieldLength % 8 != 0) return false;
        bool d = (p[t + 2] & 0x80) != 0;
        int sl = p[r + SrhSegmentsLeft], le = p[r + SrhLastEntry];
        // "The HMAC verification begins by checking that the current segment is equal to the destination address of
        //  the IPv6 header. The check is successful when either: HMAC D bit is 1 and Segments Left is greater than Last
        //  Entry, or HMAC Segments Left is less than or equal to Last Entry, and the destination address is equal to
        //  Segment List[Segments Left]."
        bool current = (d && sl > le) || (sl <= le && Wire.A6(p, 24) == Segment(p, r, sl));
        if (!current) return false;
        uint keyId = Wire.U32(p, t + 4);
        if (!st.HmacKeys.TryGetValue(keyId, out var key)) return false;
        // "The HMAC digest is truncated to 32 octets and placed in the HMAC field ... For HMAC algorithms producing
        //  digests less than 32 octets long, the digest is placed in the lowest-order octets of the HMAC field.
        //  Subsequent octets MUST be set to zero such that the HMAC length is a multiple of 8 octets." The field holds
        //  the whole digest truncated to 32 octets (SHA-256: 32; SHA-1: 20, so 24 or 32 with the zero octets checked
        //  below); a shorter field (a digest cut further, TP-HMAC-BI-05) is not the HMAC and fails verification.
        int digestLength = key.Algorithm == HmacAlgorithmId.Sha1 ? HMACSHA1.HashSizeInBytes : HMACSHA256.HashSizeInBytes;
        if (fieldLength < Math.Min(digestLength, 32)) return false;
        // Text: Source address (16) | Last Entry (1) | Flags (1) | "HMAC 16 bits following Length" (2) | Key ID (4) |
        //       "All addresses in the Segment List" (16 each), as received.
        int n = le + 1;
        var text = new byte[16 + 1 + 1 + 2 + 4 + 16 * n];
        p.AsSpan(8, 16).CopyTo(text);
        text[16] = p[r + SrhLastEntry];
        text[17] = p[r + SrhFlags];
        text[18] = p[t + 2];
        text[19] = p[t + 3];
        p.AsSpan(t + 4, 4).CopyTo(text.AsSpan(20));
        p.AsSpan(r + SrhSegmentList, 16 * n).CopyTo(text.AsSpan(24));
        byte[] digest = key.Algorithm == HmacAlgorithmId.Sha1 ? HMACSHA1.HashData(key.Secret, text) : HMACSHA256.HashData(key.Secret, text);
        // "The HMAC digest is truncated to 32 octets ... For HMAC algorithms producing digests less than 32 octets long,
        //  the digest is placed in the lowest-order octets of the HMAC field. Subsequent octets MUST be set to zero"
        Span<byte> expected = stackalloc byte[fieldLength];
        expected.Clear();
        digest.AsSpan(0, Math.Min(digest.Length, fieldLength)).CopyTo(expected);
        return CryptographicOperations.FixedTimeEquals(expected, p.AsSpan(t + 8, fieldLength));
    }

    /// <summary>
    /// RFC 9259 §2.1.1 S01.1: "IF the O-flag is set and local configuration permits O-flag processing { a. Make a copy
    /// of the packet. b. Send the copied packet, along with a timestamp, to the OAM process for telemetry data collection
    /// and export. }" — with the punt rate limit ("The processing node MUST rate-limit the number of packets punted to
    /// the OAM process"). The export on the wire is the copy itself, byte for byte as received, sent to the collector
    /// (through the FIB: a collector behind an SR policy gets it encapsulated); the timestamp goes to <see cref="OamRecord"/>.
    /// The packet itself continues unchanged.
    /// </summary>
    private void OFlag(EngineState st, Ctx ctx, byte[] p, int r)
    {
        var oam = st.Config.Srv6.Oam;
        if ((p[r + SrhFlags] & 0x20) == 0) return;
        // Debug fault OFlagClearedOnForward: the packet does not continue unchanged, it loses its O-flag.
        if (st.Fault(DebugFault.OFlagClearedOnForward)) p[r + SrhFlags] &= unchecked((byte)~0x20);
        if (!oam.OFlagEnabled || st.Fault(DebugFault.OFlagIgnored)) { Count("oam.o-flag-ignored"); return; }
        // Debug fault OFlagCopiesEverything: ProcessSid has punted this packet already, like every other.
        if (st.Fault(DebugFault.OFlagCopiesEverything)) return;
        Punt(st, ctx);
    }

    /// <summary>
    /// Debug fault OFlagCopiesEverything: "IF the O-flag is set" left out, every packet to a local SID (with or without an
    /// SRH, O-flag or not) is punted to the OAM process where O-flag processing is enabled.
    /// </summary>
    private void PuntEverything(EngineState st, Ctx ctx)
    {
        if (st.Fault(DebugFault.OFlagCopiesEverything) && st.Config.Srv6.Oam.OFlagEnabled && !st.Fault(DebugFault.OFlagIgnored)) Punt(st, ctx);
    }

    /// <summary>S01.1 a. and b.: the copy, rate-limited, to the OAM process (and its export to the collector).</summary>
    private void Punt(EngineState st, Ctx ctx)
    {
        var oam = st.Config.Srv6.Oam;
        var stamp = DateTimeOffset.UtcNow; // Ref1: "copy and record the timestamp as soon as possible"
        if (oam.PuntRatePerSecond is { } rate && !st.Fault(DebugFault.OFlagRateLimitIgnored)
            && !Take(_puntBucket, rate, Math.Max(1, oam.PuntBurst)))
        {
            Count("oam.suppressed");
            return;
        }
        var copy = (byte[])ctx.Received.Clone();
        Count("oam.exported");
        OamRecord?.Invoke(stamp, copy);
        if (oam.Collector is null) return;
        var collector = Wire.ToU128(oam.Collector);
        var exportCtx = new Ctx { Sink = ctx.Sink, In = null, Received = copy, NoErrors = true };
        if (!st.Fib6.TryGetValue(MainTable, out var fib) || fib.Lookup(collector) is not { } route) { Drop("oam-no-route"); return; }
        if (route.Policy is { } pol) { HEncaps(st, exportCtx, pol, copy, Wire.NhIpv6, pol.Config.Mode == HeadendMode.EncapsRed); return; }
        if (route.Interface is null) { Drop("oam-no-route"); return; }
        if (copy.Length > route.Interface.Mtu) { Drop("oam-too-big"); return; }
        Transmit6(st, exportCtx, route.Interface, route.Via6 ?? collector, copy);
    }
}
