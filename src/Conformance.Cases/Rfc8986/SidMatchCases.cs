using System.Net;
using Conformance.Cases.Rfc9259;
using Conformance.Cases.Support;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc8986;

/// <summary>
/// RFC 8986 §4 and RFC 8754 §4.3: a behaviour runs for a destination address that is a locally instantiated SID, found
/// by a longest-prefix match. A SID whose FIB entry is shorter than the SID (a /127, the locator's /64) captures its
/// neighbours: every purpose that sends to the SID itself still passes. Here the tester sends each SID's own kind of
/// packet to the address next to it and to a free address of the locator: neither may be processed as the SID.
/// </summary>
[TestFixture, Category("End")]
public sealed class SidMatchCases : ConformanceCase
{
    private const int PerAddress = 2;

    /// <summary>The address that differs from <paramref name="sid"/> in the last bit only: inside a /127 of the SID.</summary>
    internal static IPAddress Neighbour(IPAddress sid) => Neighbour(sid, 128);

    /// <summary>
    /// The address just outside the SID's prefix: the last bit of its first <paramref name="prefixLength"/> bits flipped
    /// (S xor 1 for a /128; for a C-SID SID, whose prefix is LBL + LNFL bits and which accepts any Argument (RFC 9800
    /// §4.1), the neighbouring C-SID, e.g. 2001:db8:c0:: next to the F3216 SID 2001:db8:c1::/48).
    /// </summary>
    internal static IPAddress Neighbour(IPAddress sid, int prefixLength)
    {
        var b = sid.GetAddressBytes();
        int bit = prefixLength - 1;
        b[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        return new IPAddress(b);
    }

    [Test]
    [NegativeControl("SidPrefixTooShort", Why = "the End SID is programmed as a /127: the address next to it is processed as End and forwarded to N2")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID covers the whole locator (/64): the address next to it is processed as End")]
    [TestPurpose(Id = "TP-SIDMATCH-BI-01", Feature = "SID matching",
        Title = "A packet to the address next to a SID, or to a free address of the locator, is not processed as the SID: only the SID itself runs its behaviour",
        Requirements = new[] { "RFC8986-4-LOCAL-SID-PROCESSING", "RFC8754-4.3-LONGEST-PREFIX-MATCH", "RFC9259-A.1.2-PING-SID-NOT-INSTANTIATED-DISCARDED", "RFC8754-4.3.2-LOCAL-SL-NONZERO-PARAM-PROBLEM", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "into t1, for every SID S of parameters.sids: 2 × the packet S's behaviour processes (TP-COUNTERS-BV-03's: (A,T)(D,N2,T;SL=2) ICMPv6 echo request for End, End.X, End.T, End.B6.Encaps; (A,T)(T;SL=0) carrying (A,D3), (A4,D4X) or an Ethernet frame for the decapsulating ones) with T = S xor 1 (the address next to S, no SID, no DUT address; for a C-SID SID, whose prefix is LBL+LNFL bits, the last bit of that prefix flipped: the neighbouring C-SID), and 2 × with T = U (an address of the locator with no SID: parameters.addresses.UNPROGRAMMED_SID, else one derived from the locator, as TP-PING-BI-01's); a distinct payload per probe",
        Expected = "nothing forwarded, decapsulated or answered out of any port; tolerated: at most one ICMPv6 error per probe from a DUT address to A out of t1, quoting the probe: Destination Unreachable (any code but 2 beyond scope and 4 port unreachable; RFC 4443 §3.1, no route) or Parameter Problem code 0 pointing at the Routing Type / code 1 (RFC 8754 §4.3.2, where T is a local address that is not a SID)")]
    public async Task NeighbourOfASidIsNotProcessedAsTheSid()
    {
        var sids = Profile.Parameters.Sids.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (sids.Count == 0) Assert.Ignore($"N/A: the profile {Profile.Name} defines no SID (parameters.sids).");
        var taken = sids.Select(s => s.Address).Concat(DutAddresses).ToHashSet();
        var u = PingCases.UnprogrammedSid();
        var probes = new List<(string What, IPAddress To, byte[] Stimulus)>();
        var skipped = new List<string>();
        foreach (var sid in sids)
        {
            var n = Neighbour(sid.Address, sid.PrefixLength);
            foreach (var (to, what) in new[] { (n, $"next to {sid.Name} ({sid.Address})"), (u, $"free locator address, shaped for {sid.Name}") })
            {
                if (taken.Contains(to)) { skipped.Add($"{to}: {what} is itself a SID or a DUT address"); continue; }
                for (int k = 0; k < PerAddress; k++)
                {
                    var st = PacketProcessedBy(sid, probes.Count, to);
                    if (st is null) { skipped.Add($"{to}: no stimulus for {sid.Behavior.Name()} ({sid.Name})"); break; }
                    probes.Add((what, to, st));
                }
            }
        }
        Evidence.AttachText("Probe addresses", string.Join('\n', probes.Select((p, i) => $"{i,3} {p.To}  {p.What}").Concat(skipped.Select(x => "not sent: " + x))));
        var stimuli = probes.Select(p => p.Stimulus).ToList();
        var j = await ExchangeAsync("t1", stimuli, [], TimeSpan.FromSeconds(1));
        IPAddress a = Address("A");
        var quoted = new HashSet<int>();
        var leaks = new List<string>();
        foreach (var x in j.Unexpected)
        {
            int probe = x.Frame.Port == "t1" ? ErrorFor(x.Frame.Data, x.Decoded, a, stimuli) : -1;
            if (probe >= 0 && quoted.Add(probe)) continue;
            var which = probes.Select((p, i) => (p, i)).FirstOrDefault(t => x.Frame.Data.AsSpan().IndexOf(ProbeData(t.i)) >= 0);
            leaks.Add($"- {x.Frame.Port}: {x.Decoded.Notation}{(probe >= 0 ? " (second error for one probe)" : which.p.To is { } to ? $" (probe to {to}, {which.p.What})" : "")}");
        }
        Evidence.AttachText("Tolerated ICMPv6 errors", $"{quoted.Count} of {stimuli.Count} probes");
        if (leaks.Count > 0)
            Fail($"A packet to an address that is not a SID (next to a SID, or a free address of the locator) was processed or answered as if it were one ({leaks.Count} packet(s) came out of the DUT):\n" + string.Join('\n', leaks.Take(8)));
    }

    /// <summary>
    /// The index of the probe a tolerated ICMPv6 error quotes, or -1: Destination Unreachable (not code 2 or 4), or
    /// Parameter Problem code 0 pointing at the Routing Type (offset 42) or code 1, from a DUT address to
    /// <paramref name="a"/>, quoting the probe from its IPv6 header on.
    /// </summary>
    private static int ErrorFor(byte[] frame, DecodedPacket d, IPAddress a, IReadOnlyList<byte[]> stimuli)
    {
        if (d.Ipv6 is not { } ip || !ip.Dst.Equals(a) || !DutAddresses.Contains(ip.Src)) return -1;
        const int icmp = 14 + 40;
        if (frame.Length < icmp + 8 || frame[14 + 6] != 58) return -1;
        bool tolerated = frame[icmp] switch
        {
            1 => frame[icmp + 1] is not (2 or 4),
            4 => frame[icmp + 1] == 1 || (frame[icmp + 1] == 0 && frame.AsSpan(icmp + 4, 4).SequenceEqual(new byte[] { 0, 0, 0, 42 })),
            _ => false,
        };
        if (!tolerated) return -1;
        var q = frame.AsSpan(icmp + 8);
        for (int i = 0; i < stimuli.Count; i++)
        {
            var p = stimuli[i].AsSpan(14);
            if (q.Length == Math.Min(p.Length, Icmp.MaxQuoted) && q.SequenceEqual(p[..q.Length])) return i;
        }
        return -1;
    }
}
