using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conformance.Harness.Packets;

/// <summary>RFC 5952 canonical text for IPv6 addresses (IPv4 addresses are printed dotted-decimal).</summary>
public static class Rfc5952
{
    public static string Format(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();

        byte[] b = address.GetAddressBytes();
        var groups = new int[8];
        for (int i = 0; i < 8; i++)
            groups[i] = (b[2 * i] << 8) | b[2 * i + 1];

        var sb = new StringBuilder(41);
        // RFC 5952 §5: mixed notation for the well-known embedding prefixes: IPv4-mapped ::ffff:0:0/96 (RFC 4291)
        // and IPv4-translated ::ffff:0:0:0/96 (RFC 2765).
        bool zeroHead = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0;
        if (zeroHead && groups[4] == 0 && groups[5] == 0xFFFF)
            AppendV4(sb.Append("::ffff:"), b);
        else if (zeroHead && groups[4] == 0xFFFF && groups[5] == 0)
            AppendV4(sb.Append("::ffff:0:"), b);
        else
        {
            // §4.2.2/§4.2.3: compress the longest run (length >= 2) of zero groups, the first one on ties.
            int bestStart = -1, bestLen = 0;
            for (int i = 0; i < 8;)
            {
                if (groups[i] != 0) { i++; continue; }
                int j = i;
                while (j < 8 && groups[j] == 0) j++;
                if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
                i = j;
            }
            for (int i = 0; i < 8; i++)
            {
                if (i == bestStart)
                {
                    sb.Append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (sb.Length > 0 && sb[^1] != ':')
                    sb.Append(':');
                sb.Append(groups[i].ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        if (address.ScopeId != 0)
            sb.Append('%').Append(address.ScopeId);
        return sb.ToString();
    }

    private static void AppendV4(StringBuilder sb, byte[] b) =>
        sb.Append(b[12]).Append('.').Append(b[13]).Append('.').Append(b[14]).Append('.').Append(b[15]);
}
