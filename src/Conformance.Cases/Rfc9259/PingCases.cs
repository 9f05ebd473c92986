using System.Net;
using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Intent;
using Conformance.Harness.Packets;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9259;

/// <summary>RFC 9259 §2.2 (illustrated in Appendix A.1.1 and A.1.2): ping to a SID and ping via a segment list; the echo reply is RFC 4443 §4.2.</summary>
[TestFixture, Category("OAM"), Category("Ping")]
public sealed class PingCases : ConformanceCase
{
    private const int Probes = 10;

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the SID is not programmed (plain lab: DEV-LINUX-021)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the echo request is routed on, not answered")]
    [TestPurpose(Id = "TP-PING-BV-01", Requires = new[] { "End", "oam.ping_to_sid" }, Feature = "Ping to a SID",
        Title = "Ping to a locally programmed SID as the IPv6 DA without SRH is answered by the SID",
        Requirements = new[] { "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC9259-2.2-OAM-TO-TARGET-SID", "RFC9259-A.1.2-PING-SID-ECHO-REPLY", "RFC4443-4.2-ECHO-REPLY" },
        Stimulus = "10 × (A,S) ICMPv6 echo request without SRH into t1 (S = the End SID: \"the target SID in the IPv6 destination address without an SRH\", RFC 9259 §2.2)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 with the same identifier, sequence and data (DUT-chosen hop limit, flow label, traffic class not compared); nothing else")]
    public async Task PingToASidAsDestinationIsAnswered()
    {
        IPAddress a = Address("A"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i => Into("t1").Ipv6(a, s).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A ping to a locally instantiated SID (DA, no SRH) was not answered by the SID.");
    }

    [Test]
    [NegativeControl("SidMissing", PassIn = "EndAsLocalAddress", Why = "the target SID is not programmed (plain lab: DEV-LINUX-050)")]
    [NegativeControl("NodeSidsMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID is not instantiated: the echo request is routed on, not answered")]
    [TestPurpose(Id = "TP-PING-BV-02", Requires = new[] { "End", "oam.ping_to_sid" }, Feature = "Ping to a SID",
        Title = "Ping to a locally programmed SID as the last segment of a segment list (SRH, Segments Left 0) is answered by the SID",
        Requirements = new[] { "RFC8986-4.1.1-ULH-S01-S02-ALLOWED", "RFC9259-2.2-OAM-TO-TARGET-SID", "RFC9259-A.1.2-PING-SID-ECHO-REPLY", "RFC4443-4.2-ECHO-REPLY" },
        Stimulus = "10 × (A,S)(S,N2;SL=0) ICMPv6 echo request into t1 (S = the End SID as Segment List[0], the target; N2 = the via SID an upstream node already executed, as N1's (2001:db8:K:4::, 2001:db8:K:2:X31::; SL=1) reaches N4 with SL=0 after N2's End.X in RFC 9259 Appendix A.1.2)",
        Expected = "10 × ICMPv6 echo reply (S,A) out of t1 — source S, the request's destination (RFC 4443 §4.2) — with the same identifier, sequence and data (DUT-chosen hop limit, flow label, traffic class not compared); nothing else")]
    public async Task PingToASidAsLastSegmentIsAnswered()
    {
        // The packet reaches the target SID with SL=0 (RFC 8986 §4.1 S02-S03, §4.1.1 S01-S02: the upper layer is processed).
        // The Linux seg6local End drops SL=0 packets (DEV-LINUX-001); listed as DEV-LINUX-050, the lab
        // variant EndAsLocalAddress (the SID a local address, kernel SRH processing) answers.
        IPAddress a = Address("A"), n2 = Address("N2"), s = Sid("end");
        var stimuli = Enumerable.Range(0, Probes).Select(i =>
            Into("t1").Ipv6(a, s).Srh([s, n2], 0).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build()).ToList();
        var expected = Enumerable.Range(0, Probes).Select(i => new ExpectedPacket("t1",
            OutOf("t1").Ipv6(s, a).IcmpEchoReply(EchoId, (ushort)i, ProbeData(i)).Build(),
            $"echo reply {i} from the target SID", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class"])).ToList();
        Verdict(await ExchangeAsync("t1", stimuli, expected), "A ping to a locally instantiated SID as the last segment (SRH, SL=0) was not answered by the SID.");
    }

    [Test]
    [NegativeControl("LocatorLocal", Why = "the locator is a local prefix: the uninstantiated SID answers the echo request")]
    [NegativeControl("NodeEndMisprogrammed", Profile = "reference-node.yaml", Why = "the End SID covers the whole locator (/64): the uninstantiated SID answers the echo request")]
    [TestPurpose(Id = "TP-PING-BI-01", Requires = new[] { "oam.ping_to_sid" }, Feature = "Ping to a SID",
        Title = "Ping to an address of the DUT's locator that is not an instantiated SID is discarded: no echo reply, nothing forwarded",
        Requirements = new[] { "RFC9259-A.1.2-PING-SID-NOT-INSTANTIATED-DISCARDED", "RFC9259-2.2-PING-SID-LOCALLY-PROGRAMMED", "RFC4443-3.1-DEST-UNREACHABLE" },
        Stimulus = "10 × (A,U) ICMPv6 echo request without SRH and 10 × (A,U)(U,N2;SL=0) into t1, interleaved (U = an address inside the DUT's locator with no SID: parameters.addresses.UNPROGRAMMED_SID, else one derived from the locator that is no profile SID and not the loopback)",
        Expected = "no echo reply and nothing forwarded out of any port; tolerated: at most one ICMPv6 Destination Unreachable (any code but 2 beyond scope and 4 port unreachable) per probe, from a DUT address to A out of t1, quoting the probe (RFC 4443 §3.1: a packet that cannot be delivered SHOULD get one)")]
    public async Task PingToAnUninstantiatedSidIsDiscarded()
    {
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

    private const string OriginatedPrefix = "2001:db8:d:9::/64";
    private const string OriginatedTarget = "2001:db8:d:9::1";

    [Test]
    [NegativeControl("DownstreamViaT3", Why = "the DUT's route to N2 points at t3: the SR policy's echo requests leave by the wrong port")]
    [NegativeControl("NodeHeadendsMisprogrammed", Profile = "reference-node.yaml", Why = "the route to N2 points at t3: the echo requests leave by the wrong port")]
    [TestPurpose(Id = "TP-PING-BV-03", Requires = new[] { "H.Encaps", DutVerbs.SrPolicy, DutVerbs.Ping }, Feature = "Ping via a segment list",
        Title = "The DUT as ingress pings an address via a segment list: its echo requests carry an SRH with the SID list",
        Requirements = new[] { "RFC9259-A.1.1-PING-VIA-SEGMENT-LIST", "RFC4443-4.1-ECHO-REQUEST-INTERFACE" },
        Stimulus = "on the DUT (over SSH, platform verbs dut.sr_policy and dut.ping): a transient SR policy 2001:db8:d:9::/64 → H.Encaps segs <N2> out of t2 (the pack's H.Encaps template; Linux: ip -6 route ... encap seg6 mode encap), then the pack's ping of 2001:db8:d:9::1, 3 echo requests (Linux: `ping -6 -c 3 -i 0.5 -W 1`); the tester does not answer",
        Expected = "3 × (P,N2)(N2;SL=0)(P,T) ICMPv6 echo request out of t2 (P = a DUT address, T = 2001:db8:d:9::1), one identifier, sequences 1, 2, 3; outer/inner hop limit, flow label, traffic class, echo identifier and data not compared (the DUT's choice); nothing else on any port; the DUT's ping reports 3 packets transmitted")]
    public async Task DutPingsViaASegmentList()
    {
        IPAddress n2 = Address("N2"), target = IPAddress.Parse(OriginatedTarget);
        var policy = new IntentHeadend("srv6conf-ping", HeadendBehavior.HEncaps, IPNetwork.Parse(OriginatedPrefix), [n2], PortSpec("t2").DutInterface);
        var config = ProfileDutConfig.TransientHeadend(Profile, policy);
        const int Count = 3;
        TrafficResult result = null!;
        DutPingOutcome ping = null!;
        Evidence.AttachText($"DUT configuration (transient): the SR policy {OriginatedPrefix} → segs {n2}", string.Join('\n', config.ToLines()));
        await Testbed.WithTransientConfigAsync(config, async () =>
        {
            using (Evidence.Step($"Ping {OriginatedTarget} from the DUT, capture on {string.Join(", ", Testbed.Ports.Keys)}"))
            {
                using var session = new TrafficSession(Testbed.Ports.Values);
                ping = await PackVerbRunner.PingAsync(Testbed.Pack, Testbed.RunVerbCommandAsync, target, ProfileDutConfig.Loopback(Profile), Count);
                Evidence.AttachText("DUT ping output", $"$ {ping.Command}\n{ping.Output}");
                result = await session.CompleteAsync(got => got.Count(f => f.Port == "t2") >= Count, Profile.Parameters.Timeouts.Capture, TimeSpan.FromMilliseconds(500));
                Evidence.AttachText("Capture reconciliation", result.Reconciliation(Count));
            }
        });
        AttachPcap(result.All, $"{Purpose.Id} exchange.pcapng");
        Evidence.AttachText("Received (notation)", result.Received.Count == 0 ? "nothing on any port"
            : string.Join('\n', result.Received.Select(f => $"{f.Port}: {PacketDecoder.Decode(f.Data).Notation}")));

        // The expected frames take what the RFC leaves to the DUT from the first probe seen (sources, echo
        // identifier, data) and fix everything else: outer DA N2, the SRH <N2> with SL=0, the inner destination.
        var first = result.Received.Select(f => PacketDecoder.Decode(f.Data))
            .FirstOrDefault(d => d.Inner is Ipv6Layer { Packet.Inner: Icmpv6Layer { Type: 128 } });
        var problems = new List<string>();
        var expected = new List<ExpectedPacket>();
        if (first is { Ipv6: { } outer, Inner: Ipv6Layer { Packet: { Ipv6: { } inner, Inner: Icmpv6Layer echo } } })
        {
            if (!DutAddresses.Contains(outer.Src)) problems.Add($"outer source {outer.Src} is not an address of the DUT");
            if (!DutAddresses.Contains(inner.Src)) problems.Add($"inner source {inner.Src} is not an address of the DUT");
            var id = echo.EchoId ?? 0;
            foreach (var f in result.Received.Select(f => PacketDecoder.Decode(f.Data)))
                if (f.Inner is Ipv6Layer { Packet.Inner: Icmpv6Layer { Type: 128 } e } && e.EchoId == id && e.EchoSeq is >= 1 and <= Count)
                    expected.Add(new ExpectedPacket("t2", OutOf("t2").Ipv6(outer.Src, n2, 64).Srh([n2], 0)
                        .Encapsulate(new PacketBuilder().Ipv6(inner.Src, target, 64).IcmpEchoRequest(id, e.EchoSeq.Value, e.Data)).Build(),
                        $"echo request {e.EchoSeq} in the SR policy", ["ipv6.hop_limit", "ipv6.flow_label", "ipv6.traffic_class", "inner.ipv6.hop_limit", "inner.ipv6.flow_label", "inner.ipv6.traffic_class"]));
            var seqs = expected.Select(x => ((Icmpv6Layer)((Ipv6Layer)x.Decoded.Inner).Packet.Inner).EchoSeq!.Value).Order().ToList();
            if (!seqs.SequenceEqual(Enumerable.Range(1, Count).Select(i => (ushort)i)))
                problems.Add($"echo requests with identifier {id} had sequences [{string.Join(", ", seqs)}], expected 1..{Count} once each");
        }
        else problems.Add("no encapsulated ICMPv6 echo request was captured");
        var j = Judge.Exchange(result, expected);
        if (!j.Pass) problems.Add(j.Explain(8));
        if (ping.Sent != Count)
            problems.Add($"the DUT's ping reports {ping.Sent} echo requests sent, expected {Count}");
        if (problems.Count > 0)
            Fail("The DUT's ping via a segment list did not send its echo requests with an SRH containing the SID list:\n" + string.Join('\n', problems));
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
