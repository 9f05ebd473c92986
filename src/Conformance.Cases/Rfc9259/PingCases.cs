using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Packets;
using Conformance.Harness.Reporting;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>RFC 9259 §2.2 / §3.1.2: ping to a SID. Texts from shared/seeds/draft-ietf-6man-spring-srv6-oam-10.txt.</summary>
[TestFixture, Category("OAM"), Category("Ping")]
public sealed class PingCases : ConformanceCase
{
    private const int Probes = 10;

    [Test]
    [TestPurpose(Id = "TP-PING-BV-01", Rfc = "RFC 9259", Section = "3.1.2", Level = RequirementLevel.Must, Feature = "Ping to a SID",
        Title = "Ping to a locally programmed SID as the IPv6 DA without SRH is answered by the SID",
        Requirement = "If the target SID (2001:db8:B:4::) is locally instantiated, the node processes the upper layer header. As part of the upper layer header processing node N4 respond to the ICMPv6 echo request message and responds with the echo reply message. The echo reply message is IP routed.",
        Stimulus = "10 × (A,S) ICMPv6 echo request without SRH into t1 (S = the End SID: \"the target SID in the IPv6 destination address without SRH\", §2.2)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 with the same identifier, sequence and data (DUT-chosen hop limit, flow label, traffic class not compared); nothing else")]
    public async Task PingToASidAsDestinationIsAnswered()
    {
        Require("End");
        Require("oam.ping_to_sid");
        IPAddress a = Address("A"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i => Into("t1").Ipv6(a, s).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A ping to a locally instantiated SID (DA, no SRH) was not answered by the SID.");
    }

    [Test]
    [TestPurpose(Id = "TP-PING-BV-02", Rfc = "RFC 9259", Section = "3.1.2", Level = RequirementLevel.Must, Feature = "Ping to a SID",
        Title = "Ping to a locally programmed SID as the last segment of a segment list (SRH, Segments Left 0) is answered by the SID",
        Requirement = "When node N4 receives the packet, it processes the target SID (2001:db8:B:4::). [...] If the target SID (2001:db8:B:4::) is locally instantiated, the node processes the upper layer header. As part of the upper layer header processing node N4 respond to the ICMPv6 echo request message and responds with the echo reply message. The echo reply message is IP routed.",
        Stimulus = "10 × (A,S)(S,N2;SL=0) ICMPv6 echo request into t1 (S = the End SID as Segment List[0], the target; N2 = the via SID an upstream node already executed, as N1's (2001:db8:B:4::, 2001:db8:B:2:C31::; SL=1) arrives at N4)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 — source S, the request's destination (RFC 4443 §4.2) — with the same identifier, sequence and data (DUT-chosen hop limit, flow label, traffic class not compared); nothing else")]
    public async Task PingToASidAsLastSegmentIsAnswered()
    {
        // The packet reaches the target SID with SL=0 (RFC 8986 §4.1.1 S01-S02: the upper layer is processed).
        // The Linux seg6local End drops SL=0 packets (DEV-LINUX-001); listed as DEV-LINUX-050, the lab
        // variant EndAsLocalAddress (the SID a local address, kernel SRH processing) answers.
        Require("End");
        Require("oam.ping_to_sid");
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([s, n2], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the target SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A ping to a locally instantiated SID as the last segment (SRH, SL=0) was not answered by the SID.");
    }

    [Test]
    [TestPurpose(Id = "TP-PING-BI-01", Rfc = "RFC 9259", Section = "3.1.2", Level = RequirementLevel.Must, Feature = "Ping to a SID",
        Title = "Ping to an address of the DUT's locator that is not an instantiated SID is discarded: no echo reply, nothing forwarded",
        Requirement = "When node N4 receives the packet, it processes the target SID (2001:db8:B:4::). o If the target SID (2001:db8:B:4::) is not locally instantiated, the packet is discarded",
        Stimulus = "10 × (A,U) ICMPv6 echo request without SRH and 10 × (A,U)(U,N2;SL=0) into t1, interleaved (U = an address inside the DUT's locator with no SID: parameters.addresses.UNPROGRAMMED_SID, else one derived from the locator that is no profile SID and not the loopback)",
        Expected = "no echo reply and nothing forwarded out of any port; tolerated: at most one ICMPv6 Destination Unreachable (any code but 2 beyond scope and 4 port unreachable) per probe, from a DUT address to A out of t1, quoting the probe (RFC 4443 §3.1: a packet that cannot be delivered SHOULD get one)")]
    public async Task PingToAnUninstantiatedSidIsDiscarded()
    {
        Require("oam.ping_to_sid");
        IPAddress a = Address("A"), n2 = Address("N2"), u = UnprogrammedSid();
        Evidence.Parameter("uninstantiated SID", u.ToString());
        var stimuli = Enumerable.Range(0, 2 * Probes).Select(i => (i % 2 == 0
            ? Into("t1").Ipv6(a, u)
            : Into("t1").Ipv6(a, u).Srh([u, n2], 0)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var j = await ExchangeAsync("t1", stimuli, [], TimeSpan.FromSeconds(1));
        var quoted = new HashSet<int>();
        var leaks = new List<string>();
        foreach (var x in j.Unexpected)
        {
            int probe = x.Frame.Port == "t1" ? DestinationUnreachableFor(x.Frame.Data, x.Decoded, a, stimuli) : -1;
            if (probe >= 0 && quoted.Add(probe)) continue;
            leaks.Add($"- {x.Frame.Port}: {x.Decoded.Notation}{(probe >= 0 ? " (second error for one probe)" : "")}");
        }
        Evidence.AttachText("Tolerated Destination Unreachable errors", $"{quoted.Count} of {stimuli.Count} probes");
        if (leaks.Count > 0)
            Fail($"A ping to an address of the locator that is not an instantiated SID was not discarded ({leaks.Count} packet(s) came out of the DUT):\n" + string.Join('\n', leaks.Take(6)));
    }

    /// <summary>
    /// The probe index a frame is an ICMPv6 Destination Unreachable for (from a DUT address to <paramref name="a"/>, no
    /// extension header, code not 2/4, quoting the start of the probe as RFC 4443 §2.4 (c) allows), else -1.
    /// </summary>
    internal static int DestinationUnreachableFor(byte[] frame, DecodedPacket d, IPAddress a, IReadOnlyList<byte[]> stimuli)
    {
        if (d.Ipv6 is not { } ip || !ip.Dst.Equals(a) || !DutAddresses.Contains(ip.Src)) return -1;
        const int icmp = 14 + 40;
        if (frame.Length < icmp + 8 || frame[14 + 6] != 58 || frame[icmp] != 1 || frame[icmp + 1] is 2 or 4) return -1;
        var q = frame.AsSpan(icmp + 8);
        for (int i = 0; i < stimuli.Count; i++)
        {
            var p = stimuli[i].AsSpan(14);
            if (q.Length == Math.Min(p.Length, Icmp.MaxQuoted) && q.SequenceEqual(p[..q.Length])) return i;
        }
        return -1;
    }

    /// <summary>An address inside the locator that the profile does not name as a SID (nor the loopback).</summary>
    internal static IPAddress UnprogrammedSid()
    {
        if (Profile.Parameters.Addresses.TryGetValue("UNPROGRAMMED_SID", out var given)) return given;
        var taken = Profile.Parameters.Sids.Values.Select(s => s.Address).Append(ProfileDutConfig.Loopback(Profile)).ToHashSet();
        var b = Profile.Parameters.Locator.BaseAddress.GetAddressBytes();
        for (int k = 0x0ad0; k < 0x0b00; k++)
        {
            b[8] = (byte)(k >> 8);
            b[9] = (byte)k;
            var x = new IPAddress(b);
            if (!taken.Contains(x) && Profile.Parameters.Locator.Contains(x)) return x;
        }
        throw new TestbedException($"{Profile.SourcePath}: no free address found in the locator {Profile.Parameters.Locator}; set parameters.addresses.UNPROGRAMMED_SID.");
    }
}
