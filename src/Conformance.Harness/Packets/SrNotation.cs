using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conformance.Harness.Packets;

/// <summary>Notation syntax error. <see cref="Column"/> is 1-based.</summary>
public sealed class NotationException : FormatException
{
    public NotationException(string reason, int column, string text)
        : base($"{reason} at column {column} in \"{text}\"")
    {
        Reason = reason;
        Column = column;
        Text = text;
    }

    public string Reason { get; }
    public int Column { get; }
    public string Text { get; }
}

public abstract record NotationHeader;

/// <summary>An IP header "(SA,DA)"; IPv4 when both addresses are IPv4.</summary>
public sealed record NotationIpHeader(IPAddress Source, IPAddress Destination) : NotationHeader
{
    public bool IsIpv4 => Source.AddressFamily == AddressFamily.InterNetwork;
}

/// <summary>An SRH "(S3,S2,S1;SL=n)": segments in header order, [0] = final segment (RFC 8986 §2).</summary>
public sealed record NotationSrh(IReadOnlyList<IPAddress> Segments, int SegmentsLeft) : NotationHeader
{
    public bool Equals(NotationSrh? other) =>
        other is not null && SegmentsLeft == other.SegmentsLeft && Segments.SequenceEqual(other.Segments);

    public override int GetHashCode() => HashCode.Combine(SegmentsLeft, Segments.Count);
}

/// <summary>An encapsulated Ethernet frame, written "[L2]".</summary>
public sealed record NotationL2 : NotationHeader;

/// <summary>A parsed notation: the packet's headers outermost first.</summary>
public sealed class NotationPacket
{
    public NotationPacket(IEnumerable<NotationHeader> headers) => Headers = [.. headers];

    public IReadOnlyList<NotationHeader> Headers { get; }

    public static NotationPacket FromDecoded(DecodedPacket packet)
    {
        var list = new List<NotationHeader>();
        Walk(packet, list, 0);
        return new NotationPacket(list);

        static void Walk(DecodedPacket p, List<NotationHeader> list, int depth)
        {
            if (depth > PacketDecoder.MaxDepth) return;
            if (p.Ipv6 is not null)
                list.Add(new NotationIpHeader(p.Ipv6.Src, p.Ipv6.Dst));
            if (p.Srh is not null)
                list.Add(new NotationSrh(p.Srh.Segments.ToList(), p.Srh.SegmentsLeft));
            switch (p.Inner)
            {
                case Ipv6Layer v6:
                    Walk(v6.Packet, list, depth + 1);
                    break;
                case Ipv4Layer v4:
                    list.Add(new NotationIpHeader(v4.Src, v4.Dst));
                    break;
                case EthernetLayer eth:
                    list.Add(new NotationL2());
                    Walk(eth.Packet, list, depth + 1);
                    break;
            }
        }
    }

    /// <summary>Differences between this (expected) notation and a decoded packet; paths are "headers[i].field".</summary>
    public IReadOnlyList<FieldDifference> Compare(DecodedPacket received) => Compare(FromDecoded(received));

    public IReadOnlyList<FieldDifference> Compare(NotationPacket received)
    {
        var diffs = new List<FieldDifference>();
        int n = Math.Max(Headers.Count, received.Headers.Count);
        for (int i = 0; i < n; i++)
        {
            var e = i < Headers.Count ? Headers[i] : null;
            var r = i < received.Headers.Count ? received.Headers[i] : null;
            string path = $"headers[{i}]";
            if (e is null || r is null || e.GetType() != r.GetType())
            {
                diffs.Add(new FieldDifference(path, e is null ? "<absent>" : SrNotation.Format(e), r is null ? "<absent>" : SrNotation.Format(r)));
                continue;
            }
            switch (e, r)
            {
                case (NotationIpHeader ei, NotationIpHeader ri):
                    if (!ei.Source.Equals(ri.Source)) diffs.Add(new(path + ".src", Rfc5952.Format(ei.Source), Rfc5952.Format(ri.Source)));
                    if (!ei.Destination.Equals(ri.Destination)) diffs.Add(new(path + ".dst", Rfc5952.Format(ei.Destination), Rfc5952.Format(ri.Destination)));
                    break;
                case (NotationSrh es, NotationSrh rs):
                    if (es.SegmentsLeft != rs.SegmentsLeft) diffs.Add(new(path + ".segments_left", es.SegmentsLeft.ToString(), rs.SegmentsLeft.ToString()));
                    for (int k = 0; k < Math.Max(es.Segments.Count, rs.Segments.Count); k++)
                    {
                        string ev = k < es.Segments.Count ? Rfc5952.Format(es.Segments[k]) : "<absent>";
                        string rv = k < rs.Segments.Count ? Rfc5952.Format(rs.Segments[k]) : "<absent>";
                        if (ev != rv) diffs.Add(new($"{path}.segments[{k}]", ev, rv));
                    }
                    break;
            }
        }
        return diffs;
    }

    public bool Matches(DecodedPacket received) => Compare(received).Count == 0;

    public string ToString(IReadOnlyDictionary<IPAddress, string>? names) => SrNotation.Format(this, names);

    public override string ToString() => SrNotation.Format(this);
}

/// <summary>
/// RFC 8986 / RFC 9259 style notation: "(SA,DA)" for an IP header, "(S3,S2,S1;SL=n)" for an SRH with segments in
/// header order ([0] first), "[L2]" for an encapsulated Ethernet frame, headers outermost first.
/// </summary>
public static class SrNotation
{
    public static NotationPacket Parse(string text, IReadOnlyDictionary<string, IPAddress>? symbols = null, bool allowMalformed = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var headers = new List<NotationHeader>();
        int i = 0;
        void Fail(string reason, int index) => throw new NotationException(reason, index + 1, text);
        void SkipWs() { while (i < text.Length && char.IsWhiteSpace(text[i])) i++; }

        SkipWs();
        if (i >= text.Length) Fail("empty notation", i);
        while (true)
        {
            SkipWs();
            if (i >= text.Length) break;
            char c = text[i];
            if (c == ')')
                Fail("unbalanced parentheses: ')' has no matching '('", i);
            if (c == '[')
            {
                int close = text.IndexOf(']', i);
                if (close < 0) Fail("unbalanced brackets: '[' is never closed", i);
                string tag = text[(i + 1)..close].Trim();
                if (!tag.Equals("L2", StringComparison.OrdinalIgnoreCase)) Fail($"unknown tag '[{tag}]' (only [L2] is defined)", i);
                headers.Add(new NotationL2());
                i = close + 1;
                continue;
            }
            if (c != '(')
                Fail($"expected '(' but found '{c}'", i);
            int open = i;
            int closeParen = -1;
            for (int k = i + 1; k < text.Length; k++)
            {
                if (text[k] == '(') Fail($"unbalanced parentheses: '(' at column {open + 1} is not closed before this '('", k);
                if (text[k] == ')') { closeParen = k; break; }
            }
            if (closeParen < 0) Fail("unbalanced parentheses: '(' is never closed", open);

            // Split the group into address tokens and an optional ";SL=n" part.
            int semi = text.IndexOf(';', open, closeParen - open);
            int listEnd = semi >= 0 ? semi : closeParen;
            var tokens = new List<(string Token, int Index)>();
            int start = open + 1;
            for (int k = open + 1; k <= listEnd; k++)
            {
                if (k == listEnd || text[k] == ',')
                {
                    string raw = text[start..k];
                    int lead = raw.Length - raw.TrimStart().Length;
                    tokens.Add((raw.Trim(), start + lead));
                    start = k + 1;
                }
            }
            if (tokens.Count == 1 && tokens[0].Token.Length == 0)
                tokens.Clear();
            var addresses = new List<IPAddress>();
            foreach (var (tok, at) in tokens)
            {
                if (tok.Length == 0) Fail("empty address (stray ',')", at);
                addresses.Add(ResolveAddress(tok, at));
            }

            if (semi >= 0)
            {
                if (headers.Count == 0 || headers[^1] is not NotationIpHeader { IsIpv4: false })
                    Fail("an SRH must follow an IPv6 header", open);
                if (addresses.Count == 0) Fail("empty segment list", open);
                foreach (var (a, (tok, at)) in addresses.Zip(tokens))
                    if (a.AddressFamily != AddressFamily.InterNetworkV6) Fail($"segment '{tok}' is not an IPv6 address", at);
                string rest = text[(semi + 1)..closeParen];
                int restLead = rest.Length - rest.TrimStart().Length;
                string slPart = rest.Trim();
                int slAt = semi + 1 + restLead;
                int eq = slPart.IndexOf('=');
                if (eq < 0 || !slPart[..eq].Trim().Equals("SL", StringComparison.OrdinalIgnoreCase))
                    Fail("expected 'SL=<n>' after ';'", slAt);
                string num = slPart[(eq + 1)..].Trim();
                if (!int.TryParse(num, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int sl) || sl > 255)
                    Fail($"SL value '{num}' is not a number in 0..255", slAt);
                if (sl >= addresses.Count && !allowMalformed)
                    Fail($"SL out of range: SL={sl} but the segment list has {addresses.Count} entries (SL must be 0..{addresses.Count - 1})", slAt);
                headers.Add(new NotationSrh(addresses, sl));
            }
            else
            {
                if (addresses.Count != 2)
                    Fail($"an IP header needs exactly two addresses (SA,DA), found {addresses.Count}", open);
                if (addresses[0].AddressFamily != addresses[1].AddressFamily)
                    Fail("source and destination mix IPv4 and IPv6", open);
                headers.Add(new NotationIpHeader(addresses[0], addresses[1]));
            }
            i = closeParen + 1;
        }
        if (headers[0] is not NotationIpHeader)
            Fail("the first header must be an IP header (SA,DA)", 0);
        return new NotationPacket(headers);

        IPAddress ResolveAddress(string tok, int at)
        {
            bool looksLiteral = tok.Contains(':') || (tok.Contains('.') && char.IsDigit(tok[0]));
            if (looksLiteral)
            {
                if (!IPAddress.TryParse(tok, out var a) || (a.AddressFamily == AddressFamily.InterNetworkV6 && a.ScopeId != 0))
                    Fail($"bad address '{tok}'", at);
                return a!;
            }
            if (symbols is not null && symbols.TryGetValue(tok, out var s))
                return s;
            Fail(symbols is null ? $"unknown symbol '{tok}' (no symbol table given)" : $"unknown symbol '{tok}'", at);
            return null!;
        }
    }

    public static bool TryParse(string text, IReadOnlyDictionary<string, IPAddress>? symbols, out NotationPacket? packet, out NotationException? error)
    {
        try
        {
            packet = Parse(text, symbols);
            error = null;
            return true;
        }
        catch (NotationException ex)
        {
            packet = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Prints the notation; addresses found in <paramref name="names"/> are printed by name.</summary>
    public static string Format(NotationPacket packet, IReadOnlyDictionary<IPAddress, string>? names = null)
    {
        var sb = new StringBuilder();
        foreach (var h in packet.Headers)
            sb.Append(Format(h, names));
        return sb.ToString();
    }

    /// <summary>Prints the notation with the addresses of <paramref name="csid"/>'s blocks as C-SID containers
    /// (<see cref="CsidTable.Format(NotationPacket, IReadOnlyDictionary{IPAddress, string}?)"/>); without blocks, as <see cref="Format(NotationPacket, IReadOnlyDictionary{IPAddress, string}?)"/>.</summary>
    public static string Format(NotationPacket packet, IReadOnlyDictionary<IPAddress, string>? names, CsidTable? csid) =>
        csid is null || csid.IsEmpty ? Format(packet, names) : csid.Format(packet, names);

    public static string Format(NotationHeader header, IReadOnlyDictionary<IPAddress, string>? names = null)
    {
        string A(IPAddress a) => names is not null && names.TryGetValue(a, out var n) ? n : Rfc5952.Format(a);
        return header switch
        {
            NotationIpHeader ip => $"({A(ip.Source)},{A(ip.Destination)})",
            NotationSrh srh => $"({string.Join(",", srh.Segments.Select(A))};SL={srh.SegmentsLeft})",
            NotationL2 => "[L2]",
            _ => "?",
        };
    }

    /// <summary>Reverse symbol table for printing (first name wins when two names share an address).</summary>
    public static IReadOnlyDictionary<IPAddress, string> Invert(IReadOnlyDictionary<string, IPAddress> symbols)
    {
        var d = new Dictionary<IPAddress, string>();
        foreach (var (k, v) in symbols)
            d.TryAdd(v, k);
        return d;
    }
}
