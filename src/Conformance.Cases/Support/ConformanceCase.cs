using System.Net;
using System.Net.NetworkInformation;
using System.Reflection;
using Conformance.Harness;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tester;
using Conformance.Harness.Testbeds;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Support;

/// <summary>
/// What every conformance case shares: the run's testbed and profile, capability checks (an
/// unclaimed capability skips the case with the reason), the profile's SIDs and addresses, frame
/// builders addressed to and from the DUT, one stimulus/response exchange over all tester ports
/// with its evidence, and the verdict (a listed known deviation is marked known, still failed).
/// </summary>
public abstract class ConformanceCase
{
    private int _transcriptStart;
    private Dictionary<string, int> _otherTranscriptStarts = [];

    protected static LiveTestbed Testbed => CaseRun.Testbed;
    protected static Profile Profile => Testbed.Profile;

    /// <summary>The [TestPurpose] of the running case.</summary>
    protected static TestPurposeAttribute Purpose =>
        TestContext.CurrentContext.Test.Method?.GetCustomAttributes<TestPurposeAttribute>(false).FirstOrDefault()
        ?? throw new InvalidOperationException($"{TestContext.CurrentContext.Test.FullName} has no [TestPurpose].");

    /// <summary>True for a case on a reference topology (<see cref="TopologyCase"/>), false for one with the DUT alone between tester ports.</summary>
    protected virtual bool NeedsTopology => false;

    /// <summary>
    /// True for a single-DUT case that also runs with the DUT as one node of a reference topology (fixture category
    /// <c>AlsoInTopology</c>, e.g. the policy selector's, observed on link taps there): it runs on both shapes.
    /// </summary>
    protected virtual bool AlsoInTopology => false;

    [SetUp]
    public void BeginCase()
    {
        if (RunInterruption.Signal is { } signal)
        {
            // Never a pass, never a skip: the purpose has no verdict in this run.
            Evidence.MarkNotRun($"the run was interrupted ({signal}) before this case started");
            Assert.Ignore($"NOT RUN: the run was interrupted ({signal}) before this case started.");
        }
        _transcriptStart = Testbed.Transcript.Entries.Count;
        _otherTranscriptStarts = Testbed.Duts.Skip(1).ToDictionary(d => d.Node!, d => d.Session.Transcript.Entries.Count);
        Evidence.Parameter("profile", Profile.Name, excluded: true);
        if (NeedsTopology && Profile.Testbed.Topology is null)
            Assert.Ignore($"N/A: the case needs the DUT in a reference topology (testbed.topology in the profile); {Profile.Name} has the DUT alone between tester ports. Run it with profiles/reference-figure1.yaml.");
        if (!NeedsTopology && Profile.Testbed.Topology is not null && !(AlsoInTopology && !Profile.Testbed.Topology.IsMultiDut))
            Assert.Ignore(Profile.Testbed.Topology.IsMultiDut
                ? $"N/A: the case needs the DUT alone between tester ports; {Profile.Name} places {Profile.Testbed.Topology.DutNodes.Count} DUTs in {Profile.Testbed.Topology.Name} (nodes {string.Join(", ", Profile.Testbed.Topology.AllDutNodes)})."
                : $"N/A: the case needs the DUT alone between tester ports; {Profile.Name} places it in {Profile.Testbed.Topology.Name} (node {Profile.Testbed.Topology.DutNode}).");
        foreach (var capability in Purpose.Requires) Require(capability);
        // (A TestbedException, not Assert.Inconclusive: NUnit 4.4 runs the body after an Inconclusive in set-up.)
        if (CaseRun.DutGone is { } dead)
            throw new TestbedException($"the DUT stopped answering during {dead.Purpose} ({dead.Reason}); no later case can be judged.");
    }

    [TearDown]
    public void EndCase()
    {
        // A case aborted in the middle of its traffic by an interruption has no verdict: not run, never a fail.
        // (Whatever the failure looks like: the abort cut its traffic, so what it saw is no verdict.)
        if (RunInterruption.Signal is { } signal && RunInterruption.CaseAbort.IsCancellationRequested
            && TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
            Evidence.MarkNotRun($"the run was interrupted ({signal}) and this case was aborted in the middle of its traffic");
        if (CaseRunIsUp)
        {
            // A failure is a verdict about the DUT only if the DUT was there to be judged: after a failed case, ask it
            // whether it still answers (a killed or crashed DUT, a lab node that died). If not, this case and every later
            // one is inconclusive, never failed.
            if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && RunInterruption.Signal is null
                && CaseRun.DutGone is null && Testbed.WhyTheDutStoppedAnsweringAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult() is { } gone)
                CaseRun.DutGone = (Purpose.Id, gone);
            if (CaseRun.DutGone is { } dead && TestContext.CurrentContext.Result.Message?.Contains("the DUT stopped answering", StringComparison.Ordinal) != true)
                Evidence.MarkInconclusive($"the DUT stopped answering (found after {dead.Purpose} failed: {dead.Reason}), so this failure is no verdict about the DUT");
            if (Testbed.Transcript.Entries.Count > _transcriptStart)
                Evidence.AttachText(Testbed.Duts.Count > 1 ? $"DUT transcript (this case, {Testbed.Duts[0].Label})" : "DUT transcript (this case)", Testbed.Transcript.ToText(_transcriptStart));
            foreach (var d in Testbed.Duts.Skip(1))
                if (_otherTranscriptStarts.TryGetValue(d.Node!, out var from) && d.Session.Transcript.Entries.Count > from)
                    Evidence.AttachText($"DUT transcript (this case, {d.Label})", d.Session.Transcript.ToText(from));
        }
    }

    private static bool CaseRunIsUp { get { try { _ = CaseRun.Testbed; return true; } catch (TestbedException) { return false; } } }

    /// <summary>
    /// Skips the case (verdict: not applicable) unless the profile claims the capability, or, for a platform verb
    /// (<c>dut.*</c>), unless the profile's platform pack offers it.
    /// </summary>
    protected static void Require(string capability)
    {
        if (Conformance.Harness.Platforms.DutVerbs.IsVerb(capability))
        {
            if (!Testbed.Pack.Offers(capability))
                Assert.Ignore($"N/A: {Conformance.Harness.Platforms.PlatformPacks.MissingVerb(Profile.Testbed.Platform, capability)}.");
            return;
        }
        if (!Profile.Claims(capability))
            Assert.Ignore($"N/A: the profile {Profile.Name} does not claim {capability} (capabilities in {Path.GetFileName(Profile.SourcePath)}).");
    }

    /// <summary>The address of a SID the profile defines; a claimed capability without its SID is a profile problem (broken).</summary>
    protected static IPAddress Sid(string name) =>
        Profile.Parameters.Sids.TryGetValue(name, out var s) ? s.Address
        : throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.sids.{name}, which the profile does not define.");

    protected static IPAddress Address(string name) =>
        Profile.Parameters.Addresses.TryGetValue(name, out var a) ? a
        : throw new TestbedException($"{Profile.SourcePath}: the case needs parameters.addresses.{name}, which the profile does not define.");

    protected static Conformance.Harness.Profiles.PortBinding PortSpec(string port) => Profile.GetTesterPort(port);
    protected static PhysicalAddress TesterMac(string port) => Testbed.Port(port).Mac;
    protected static PhysicalAddress DutMac(string port) => CaseRun.DutMac(port);

    /// <summary>The DUT's own addresses (interfaces and the loopback) — valid sources for packets the DUT originates.</summary>
    protected static IReadOnlyList<IPAddress> DutAddresses =>
        [.. Profile.Testbed.TesterPorts.Select(p => p.DutIpv6), ProfileDutConfig.Loopback(Profile), .. Profile.Parameters.Sids.Values.Select(s => s.Address)];

    /// <summary>A frame the tester sends into the DUT on <paramref name="port"/>.</summary>
    protected static PacketBuilder Into(string port) => new PacketBuilder().Ethernet(TesterMac(port), DutMac(port));

    /// <summary>A frame the DUT sends out of <paramref name="port"/> to the tester.</summary>
    protected static PacketBuilder OutOf(string port) => new PacketBuilder().Ethernet(DutMac(port), TesterMac(port));

    /// <summary>Attaches <paramref name="frames"/> to the case's evidence as a pcapng named <paramref name="name"/> (written to a temporary file, then removed).</summary>
    protected static void AttachPcap(IEnumerable<Frame> frames, string name)
    {
        var pcap = Path.Combine(Path.GetTempPath(), $"srv6conf-{Guid.NewGuid():N}.pcapng");
        try
        {
            PcapFile.WritePcapNg(pcap, frames);
            Evidence.AttachFile(name, pcap, Evidence.PcapMime);
        }
        finally { File.Delete(pcap); }
    }

    /// <summary>A distinct echo payload for probe <paramref name="i"/>, so each reception ties to its stimulus.</summary>
    protected static byte[] ProbeData(int i) => System.Text.Encoding.ASCII.GetBytes($"srv6conf probe {i:D4} {Purpose.Id}".PadRight(40, '.'));

    /// <summary>Echo identifier for this case (stable per test purpose, so captures of reruns line up).</summary>
    protected static ushort EchoId => (ushort)(Purpose.Id.Aggregate(17, (h, c) => h * 31 + c) & 0xffff);

    /// <summary>
    /// A packet the SID <paramref name="sid"/> processes as its behaviour's pseudocode says (no error path), probe
    /// <paramref name="i"/> with its own payload: for a behaviour that acts on the SRH and forwards, (A,S)(D,N2,S;SL=2) ((A,S)(D,P,S;SL=2) with P the packed container of N2's C-SID for a REPLACE-C-SID SID);
    /// for a decapsulating one, (A,S)(S;SL=0) carrying an IPv6 (A,D3), IPv4 (A4,D4X) or Ethernet frame. Null for a
    /// behaviour there is no stimulus for. <paramref name="to"/>: the same packet addressed to another address
    /// instead of the SID (the SID's own address in the SRH too); <paramref name="oFlag"/>: the SRH's O-flag set.
    /// </summary>
    protected static byte[]? PacketProcessedBy(SidDefinition sid, int i, IPAddress? to = null, bool oFlag = false)
    {
        IPAddress a = Address("A"), s = to ?? sid.Address;
        var echo = new PacketBuilder();
        switch (sid.Behavior)
        {
            case SrBehavior.End or SrBehavior.EndX or SrBehavior.EndT when sid.Csid is { Flavor: CsidFlavor.ReplaceCsid } c:
                // REPLACE-C-SID (RFC 9800 §4.2.1): S with index 0 at SL=2 moves to the packed container at SL=1 and writes its
                // position K-1, N2's C-SID (R13-R21), so the packet is processed without error towards N2's route.
                var packed = CsidCodec.EncodePacked(c, [Rfc9800.ReplaceCsidCases.CsidOf(Address("N2"), sid.Address, c)]);
                return Into("t1").Ipv6(a, s).Srh([Address("D"), packed, s], 2, h => h.OFlag = oFlag).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build();
            case SrBehavior.End or SrBehavior.EndX or SrBehavior.EndT or SrBehavior.EndB6Encaps or SrBehavior.EndB6EncapsRed:
                return Into("t1").Ipv6(a, s).Srh([Address("D"), Address("N2"), s], 2, h => h.OFlag = oFlag).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i)).Build();
            case SrBehavior.EndDX6 or SrBehavior.EndDT6 or SrBehavior.EndDT46:
                return Into("t1").Ipv6(a, s).Srh([s], 0, h => h.OFlag = oFlag)
                    .Encapsulate(echo.Ipv6(a, Address("D3")).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build();
            case SrBehavior.EndDX4 or SrBehavior.EndDT4:
                return Into("t1").Ipv6(a, s).Srh([s], 0, h => h.OFlag = oFlag)
                    .Encapsulate(echo.Ipv4(Address("A4"), Address("D4X"), 64, 0, (ushort)(0x4242 + i)).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build();
            case SrBehavior.EndDX2:
                var oif = Profile.Testbed.TesterPorts.FirstOrDefault(p => p.DutInterface == sid.Interface)?.Name ?? "t2";
                return Into("t1").Ipv6(a, s).Srh([s], 0, h => h.OFlag = oFlag).EncapsulateEthernet(new PacketBuilder().Ethernet(Rfc8986.L2CrossConnectCases.CustomerMac, TesterMac(oif))
                    .Ipv6(a, Address("D")).IcmpEchoRequest(EchoId, (ushort)i, ProbeData(i))).Build();
            default:
                return null;
        }
    }

    /// <summary>
    /// Sends the stimuli on <paramref name="port"/> while capturing on every tester port, waits for
    /// the expected packets (deadline: the profile's capture time-out) and a quiet period for
    /// anything unexpected, then judges. Evidence: pcapng of the exchange, stimuli and receptions in
    /// notation, the expected packets, and the capture reconciliation.
    /// </summary>
    protected static async Task<Judgement> ExchangeAsync(string port, IReadOnlyList<byte[]> stimuli, IReadOnlyList<ExpectedPacket> expected, TimeSpan? quiet = null) =>
        (await ExchangeWithCountersAsync(port, stimuli, expected, quiet)).Judgement;

    /// <summary>
    /// <see cref="ExchangeAsync"/>, also returning how much each per-SID packet counter rose during the
    /// exchange (normalised SID address → after − before; a SID whose counter is absent afterwards is
    /// not listed, one that appeared during the exchange counts from 0).
    /// </summary>
    protected static async Task<(Judgement Judgement, IReadOnlyDictionary<string, long> CounterDeltas)> ExchangeWithCountersAsync(
        string port, IReadOnlyList<byte[]> stimuli, IReadOnlyList<ExpectedPacket> expected, TimeSpan? quiet = null)
    {
        TrafficResult result;
        var countersBefore = await Evidence.StepAsync("Read the DUT's per-SID counters", () => Testbed.Platform.ReadCountersAsync());
        using (Evidence.Step($"Inject {stimuli.Count} packet(s) on {port}, capture on {string.Join(", ", Testbed.Ports.Keys)}"))
        {
            using var session = new TrafficSession(Testbed.Ports.Values);
            session.Send(port, stimuli);
            result = await session.CompleteAsync(got => Judge.Exchange(new TrafficResult([], got, [], [], false, TimeSpan.Zero), expected).Missing.Count == 0,
                Profile.Parameters.Timeouts.Capture, quiet ?? TimeSpan.FromMilliseconds(300));
            Evidence.AttachText("Capture reconciliation", result.Reconciliation(expected.Count));
        }
        var countersAfter = await Evidence.StepAsync("Read the DUT's per-SID counters again", () => Testbed.Platform.ReadCountersAsync());
        Evidence.AttachText("Per-SID counters (packets before → after)", string.Join('\n', countersAfter.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => $"{c.Key}: {(countersBefore.TryGetValue(c.Key, out var b) ? b.Packets : 0)} → {c.Value.Packets} (errors {c.Value.Errors})")));
        AttachPcap(result.All, $"{Purpose.Id} exchange.pcapng");
        Evidence.AttachText("Stimuli (notation)", string.Join('\n', stimuli.Select((s, i) => $"{i,3} {port}: {PacketDecoder.Decode(s).Notation}")));
        Evidence.AttachText("Expected (notation)", expected.Count == 0 ? "nothing on any port"
            : string.Join('\n', expected.Select(e => $"{e.Port}: {e.Decoded.Notation}  ({e.Description}; not compared: {(e.IgnoredFields.Count == 0 ? "-" : string.Join(", ", e.IgnoredFields))})")));
        Evidence.AttachText("Received (notation)", result.Received.Count == 0 ? "nothing on any port"
            : string.Join('\n', result.Received.Select(f => $"{f.Port}: {PacketDecoder.Decode(f.Data).Notation}")));
        var fields = new System.Text.Json.Nodes.JsonArray(result.Received.Select((f, i) =>
        {
            var o = PacketJson.ToJsonObject(PacketDecoder.Decode(f.Data), i);
            o["port"] = f.Port;
            return (System.Text.Json.Nodes.JsonNode?)o;
        }).ToArray());
        Evidence.AttachText("Received (decoded fields).json", fields.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), Evidence.JsonMime);
        var judgement = Judge.Exchange(result, expected, FromAnotherCase);
        if (judgement.LateFromEarlierCases.Count > 0)
            Evidence.AttachText("Late packets of earlier cases (not judged here)", string.Join('\n', judgement.LateFromEarlierCases.Select(l => $"{l.Frame.Port}: {l.Decoded.Notation} {ProbeKey.Of(l.Decoded)}")));
        using (var step = Evidence.Step("Compare field by field"))
        {
            if (!judgement.Pass)
            {
                Evidence.AttachText("Expected vs received (field differences)", judgement.Explain(400));
                step.Fail(judgement.Explain(3));
            }
        }
        var deltas = countersAfter.ToDictionary(c => c.Key, c => c.Value.Packets - (countersBefore.TryGetValue(c.Key, out var b) ? b.Packets : 0), StringComparer.Ordinal);
        return (judgement, deltas);
    }

    /// <summary>
    /// A reception whose probe marker is another case's echo identifier (each test purpose has its
    /// own): a straggler of an earlier case, such as an ICMP error the DUT sent seconds after that
    /// case ended. Anything without a marker, or with this case's, is judged.
    /// </summary>
    protected static bool FromAnotherCase(DecodedPacket d)
    {
        var key = ProbeKey.Of(d);
        if (key is null) return false;
        var ids = System.Text.RegularExpressions.Regex.Matches(key, @"echo:(\d+):").Select(m => ushort.Parse(m.Groups[1].Value)).ToList();
        return ids.Count > 0 && !ids.Contains(EchoId);
    }

    /// <summary>Fails the case unless the exchange went exactly as expected.</summary>
    protected static void Verdict(Judgement j, string requirementShort)
    {
        if (!j.Pass) Fail($"{requirementShort}\n{j.Explain()}");
    }

    /// <summary>A DUT non-conformance: FAIL, marked known when the profile lists it as a known deviation.</summary>
    protected static void Fail(string message) => Fail(message, [Profile]);

    /// <summary>
    /// A non-conformance blamed on the DUTs whose profiles are <paramref name="blamed"/> (a multi-DUT testbed: each DUT node's
    /// own profile, which lists its implementation's known deviations): FAIL, marked known only when every blamed DUT's
    /// profile lists it for this purpose; a deviation of one DUT never excuses another's.
    /// </summary>
    protected static void Fail(string message, IReadOnlyCollection<Profile> blamed)
    {
        var deviations = blamed.Select(p => p.DeviationsFor(Purpose.Id).FirstOrDefault()).ToList();
        if (deviations.Count > 0 && deviations.All(d => d is not null))
            foreach (var d in deviations.DistinctBy(d => d!.Id))
                Evidence.MarkKnownDeviation(d!.Id, $"{d.Observed} — {d.Reason}");
        Assert.Fail(message);
    }
}
