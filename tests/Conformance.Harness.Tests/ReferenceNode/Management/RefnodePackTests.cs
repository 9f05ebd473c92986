using System.Net;
using System.Text;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Platforms;
using Conformance.Harness.Tests.Profiles;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using NodeCli = Conformance.ReferenceNode.Cli.CliSession;

namespace Conformance.Harness.Tests.ReferenceNode.Management;

/// <summary>
/// The node's CLI as the harness sees it over SSH: a character stream with the terminal's echo (the login shell's
/// pty echoes what is typed), the node's output and its prompt after each line.
/// </summary>
internal sealed class InProcessNodeTransport : ICliTransport
{
    private readonly NodeCli _cli;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _in = new();
    private bool _closed;
    public List<string> Typed { get; } = [];

    public InProcessNodeTransport(NodeCli cli)
    {
        _cli = cli;
        _out.Append(cli.Banner).Append(cli.Prompt);
    }

    public void Write(string text)
    {
        if (_closed) throw new CliSessionDroppedException("closed");
        _in.Append(text);
        while (_in.ToString().IndexOf('\n') is var i and >= 0)
        {
            var line = _in.ToString(0, i);
            _in.Remove(0, i + 1);
            Typed.Add(line);
            _out.Append(line).Append('\n');
            _out.Append(_cli.Execute(line));
            if (_cli.Closed) { _closed = true; return; }
            _out.Append(_cli.Prompt);
        }
    }

    public Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_out.Length == 0 && _closed) throw new CliSessionDroppedException("the node closed the session");
        var s = _out.ToString();
        _out.Clear();
        return Task.FromResult(s);
    }

    public void Dispose() { }
}

/// <summary>The refnode platform pack: renders the reference lab's whole intent, and the harness's generic driver runs it on the node's CLI.</summary>
public class RefnodePackTests
{
    private static PlatformPack Pack => PlatformPackLoader.Load(Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs", "refnode"));

    /// <summary>profiles/reference-lab.yaml on platform refnode (its intent as the Linux reference claims it).</summary>
    internal static Srv6Intent ReferenceLabIntent()
    {
        var p = ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml"));
        return IntentBuilder.Build(p with { Testbed = p.Testbed with { Platform = "refnode" } });
    }

    private static string Secret(IntentHmacKey k) => $"lab-secret-{k.KeyId}";

    /// <summary>The startup configuration the lab gives the node: its interfaces and addresses (not part of the intent).</summary>
    internal const string Startup = """
        hostname dut
        interface veth-t1
         ipv6 address 2001:db8:0:1::1/64
        interface veth-t2
         ipv6 address 2001:db8:0:2::1/64
         ipv4 address 198.51.100.1/24
        interface veth-t3
         ipv6 address 2001:db8:0:3::1/64
        """;

    [Test]
    public void TheReferenceLabIntentRendersCompletely_AndEveryLineIsAStatementOfTheNode()
    {
        var intent = ReferenceLabIntent();
        var r = PackRenderer.Render(Pack, intent, Secret);
        Assert.That(r.NotRenderable, Is.Empty);
        var items = r.Items.Select(i => i.Item).ToList();
        foreach (var sid in intent.Sids) Assert.That(items, Has.Some.StartsWith($"sid {sid.Name} "));
        Assert.That(items.Count(i => i.StartsWith("headend", StringComparison.Ordinal)), Is.EqualTo(intent.Headends.Count));
        Assert.That(r.Lines, Does.Contain("  drop-srh-to-local"), "the SRH-to-local rule is rendered");
        Assert.That(r.Lines, Has.Some.StartsWith("  source-check veth-t1 locator 2001:db8:b:1::/64 inside 2001:db8::/33"));

        // Typed into the node's CLI, every line is accepted and the commit takes all of it.
        var (node, engine, _) = TestNode.Start(Startup);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var (line, source) in r.LinesWithSources)
            Assert.That(cli.Execute(line), Is.Empty, $"{source}: {line}");
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit 2 applied"));
        var c = engine.Last!;
        Assert.That(c.Srv6.Sids.Select(s => s.Name), Is.EquivalentTo(intent.Sids.Select(s => s.Name)));
        Assert.That(c.Srv6.Sids.Single(s => s.Name == "end_psp").Flavors, Is.EqualTo(Flavors.Psp));
        Assert.That(c.Srv6.Sids.Single(s => s.Name == "end_t").Table, Is.EqualTo("100"));
        Assert.That(c.Srv6.Policies.Select(p => p.Mode), Is.EquivalentTo(new[] { HeadendMode.Encaps, HeadendMode.EncapsRed, HeadendMode.EncapsRed, HeadendMode.EncapsL2, HeadendMode.EncapsL2Red, HeadendMode.Insert }));
        Assert.That(c.Srv6.Domain.DropSrhToLocalFromExternal, Is.True);
        Assert.That(c.Srv6.Domain.ProtectedPrefixes, Has.Count.EqualTo(2));
        Assert.That(c.Interfaces.Single(i => i.Name == "veth-t3").External, Is.True);
        Assert.That(c.Srv6.HmacKeys.Select(k => Encoding.UTF8.GetString(k.Secret)), Is.EqualTo(new[] { "lab-secret-1", "lab-secret-2" }));
        Assert.That(c.Srv6.Oam, Has.Property("OFlagEnabled").True.And.Property("PuntRatePerSecond").EqualTo(10));
        Assert.That(c.Routes, Has.Count.EqualTo(intent.Routes.Count));
        Assert.That(c.Routes.Count(x => x.Table == "100"), Is.EqualTo(intent.Routes.Count(x => x.Table == "100")));
    }

    [Test]
    public void EveryBehaviourAndFlavorOfTheNodeRenders_AndTheNodeTakesIt()
    {
        var intent = ReferenceLabIntent();
        IPAddress A(string s) => IPAddress.Parse(s);
        HashSet<SrFlavor> F(params SrFlavor[] f) => [.. f];
        intent = intent with
        {
            Sids =
            [
                .. intent.Sids,
                new IntentSid("end_usp_usd", SrBehavior.End, A("2001:db8:b:1:e2::")) { Flavors = F(SrFlavor.Psp, SrFlavor.Usp, SrFlavor.Usd) },
                new IntentSid("end_x_usd", SrBehavior.EndX, A("2001:db8:b:1:c3::")) { Flavors = F(SrFlavor.Usd), NextHop = A("2001:db8:0:2::2"), Interface = "veth-t2" },
                new IntentSid("end_t_psp", SrBehavior.EndT, A("2001:db8:b:1:72::")) { Flavors = F(SrFlavor.Psp, SrFlavor.Usp), Table = "100" },
                new IntentSid("end_ncsid", SrBehavior.End, A("2001:db8:b:1:e3::")) { Flavors = F(SrFlavor.NextCSid) },
                new IntentSid("end_rcsid", SrBehavior.End, A("2001:db8:b:1:e4::")) { Flavors = F(SrFlavor.ReplaceCSid) },
                new IntentSid("end_dt4", SrBehavior.EndDT4, A("2001:db8:b:1:d4::")) { Table = "100" },
                new IntentSid("end_dt46", SrBehavior.EndDT46, A("2001:db8:b:1:d46::")),
                new IntentSid("end_b6_red", SrBehavior.EndB6EncapsRed, A("2001:db8:b:1:b7::")) { Segments = [A("2001:db8:b:2:e::"), A("2001:db8:b:3:e::")] },
            ],
        };
        var r = PackRenderer.Render(Pack, intent, Secret);
        Assert.That(r.NotRenderable, Is.Empty);
        var (node, engine, _) = TestNode.Start(Startup);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var (line, source) in r.LinesWithSources) Assert.That(cli.Execute(line), Is.Empty, $"{source}: {line}");
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit 2 applied"));
        var sids = engine.Last!.Srv6.Sids.ToDictionary(x => x.Name);
        Assert.That(sids.Values.Select(x => x.Behavior).Distinct(), Is.EquivalentTo(Enum.GetValues<Behavior>()), "every behaviour of the node");
        Assert.That(sids["end_usp_usd"].Flavors, Is.EqualTo(Flavors.Psp | Flavors.Usp | Flavors.Usd));
        Assert.That(sids["end_x_usd"].Flavors, Is.EqualTo(Flavors.Usd));
        Assert.That(sids["end_ncsid"].Flavors, Is.EqualTo(Flavors.NextCsid));
        Assert.That(sids["end_rcsid"].Flavors, Is.EqualTo(Flavors.ReplaceCsid));
        Assert.That(sids["end_dt46"].Table, Is.Null, "no table: the main table");
        Assert.That(sids["end_b6_red"].Segments, Has.Count.EqualTo(2));
    }

    [Test]
    public void TheOFlagItemWithoutAClaimedRateRendersNoRateLimit_AndTheNodeTakesIt()
    {
        var intent = ReferenceLabIntent();
        Assert.That(intent.OFlag!.RatePerSecond, Is.EqualTo(10), "the reference lab claims a rate");
        var withRate = PackRenderer.Render(Pack, intent, Secret).Items.Single(i => i.Item == "O-flag").Lines;
        Assert.That(withRate, Does.Contain("  punt-rate 10 burst " + intent.OFlag.Burst).And.None.Contains("no punt-rate"));
        var noRate = intent with { OFlag = intent.OFlag with { RatePerSecond = null } };
        var lines = PackRenderer.Render(Pack, noRate, Secret).Items.Single(i => i.Item == "O-flag").Lines;
        Assert.That(lines, Does.Contain("  no punt-rate").And.None.Contains("punt-rate  burst"), string.Join('\n', lines));
        Assert.That(lines.Where(l => l.TrimStart().StartsWith("punt-rate", StringComparison.Ordinal)), Is.Empty);

        // The node takes both, and the rate a first commit set is gone after the second.
        var (node, engine, _) = TestNode.Start(Startup);
        var cli = new NodeCli(node);
        foreach (var rendered in new[] { withRate, lines })
        {
            cli.Execute("configure");
            foreach (var l in rendered) Assert.That(cli.Execute(l), Is.Empty, l);
            Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
            cli.Execute("end");
        }
        Assert.That(engine.Last!.Srv6.Oam, Has.Property("OFlagEnabled").True.And.Property("PuntRatePerSecond").Null);
    }

    [Test]
    public void DryRunOfAReferenceNodeProfilePrintsACompleteConfiguration()
    {
        var text = File.ReadAllText(Path.Combine(ProfileTestSupport.ProfilesDir, "reference-lab.yaml")).Replace("platform: linux", "platform: refnode", StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), $"refnode-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, text);
        try
        {
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.That(Conformance.Cli.Commands.DryRunCommand.Run(file, o, e), Is.EqualTo(0), e.ToString() + o);
            var output = o.ToString();
            Assert.That(output, Does.Not.Contain("cannot be configured"));
            Assert.That(output, Does.Contain("platform refnode").And.Contain("\nconfigure\n"));
            Assert.That(output, Does.Contain("  drop-srh-to-local\n").And.Contain("commit confirmed 300").And.Contain("rollback to {{checkpoint}}"));
            Assert.That(output, Does.Contain("behavior End.DX2").And.Contain("mode H.Insert").And.Contain("hmac-key 1 algorithm sha256 secret <secret from the environment>"));
        }
        finally { File.Delete(file); }
    }

    [Test]
    public void TheVerbsTemplatesRenderForTheNode()
    {
        var intent = ReferenceLabIntent();
        var hmac = PackRenderer.HmacPolicyItem(Pack, "veth-t1", HmacPolicy.Require);
        Assert.That(hmac.Lines, Is.EqualTo(new[] { "interface veth-t1", " hmac require" }));
        var headend = PackRenderer.HeadendItem(Pack, intent.Headends[0]);
        Assert.That(headend.Lines, Has.Some.StartsWith("  mode H.Encaps"));
        var (node, engine, _) = TestNode.Start(Startup);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var l in hmac.Lines.Concat(headend.Lines)) Assert.That(cli.Execute(l), Is.Empty, l);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
        Assert.That(engine.Last!.Interfaces.Single(i => i.Name == "veth-t1").Hmac, Is.EqualTo(HmacPolicyMode.Require));
        Assert.That(PackVerbRunner.Render(Pack, DutVerbs.Ping, new Dictionary<string, string> { ["target"] = "2001:db8:0:2::2", ["source"] = "2001:db8:0:2::1", ["count"] = "3" }),
            Is.EqualTo("ping 2001:db8:0:2::2 source 2001:db8:0:2::1 count 3"));
    }

    [Test]
    public async Task TheHarnessDriverConfiguresCommitsSnapshotsAndRollsBackTheNode()
    {
        var (node, engine, _) = TestNode.Start(Startup);
        var pack = Pack;
        var transport = new InProcessNodeTransport(new NodeCli(node));
        var transcript = new Transcript();
        transcript.AddSecret("lab-secret-1");
        transcript.AddSecret("lab-secret-2");
        using var cli = new CliSession(transport, pack.Session, transcript) { ConfirmSeconds = 60 };
        await cli.StartAsync();
        var platform = new PackCliPlatform(pack, cli);

        var identity = await platform.ReadIdentityAsync();
        Assert.That((identity.Hostname, identity.KernelRelease, identity.Serial), Is.EqualTo(("dut", "0.1.0", "RNTEST00001")));

        var before = await platform.SnapshotAsync();
        var rendering = PackRenderer.Render(pack, ReferenceLabIntent(), Secret);
        platform.RememberSources(rendering);
        await platform.ApplyAsync(DutConfig.FromLines(rendering.Lines));
        Assert.That(node.ConfirmDeadline, Is.Null, "the confirmed commit was confirmed");
        Assert.That(engine.Last!.Srv6.Sids, Has.Count.EqualTo(14), "the reference lab's 9 classic SIDs and its 5 C-SID SIDs (each in a locator of its own)");
        var after = await platform.SnapshotAsync();
        var diff = before.DiffTo(after);
        Assert.That(diff, Is.Not.Empty);
        Assert.That(string.Join('\n', after.Sections[PackCliPlatform.ConfigSection]), Does.Not.Contain("lab-secret"));

        var counters = await platform.ReadCountersAsync();
        Assert.That(counters.Keys, Does.Contain("2001:db8:b:1:e::"));
        Assert.That(counters["2001:db8:b:1:e::"].Packets, Is.GreaterThan(0));

        var ping = await PackVerbRunner.PingAsync(pack, c => cli.ExecAsync(c), IPAddress.Parse("2001:db8:0:2::2"), IPAddress.Parse("2001:db8:0:2::1"), 3);
        Assert.That((ping.Sent, ping.Received), Is.EqualTo((3, 3)));
        var trace = await PackVerbRunner.TracerouteAsync(pack, c => cli.ExecAsync(c), IPAddress.Parse("2001:db8:d::1"), IPAddress.Parse("2001:db8:0:2::1"), 5, 1);
        Assert.That(trace.Parsed.Hops.Select(h => h.Probes[0].From), Is.EqualTo(new[] { FakeEngine.FirstHop, IPAddress.Parse("2001:db8:d::1") }));

        await platform.RollbackAsync(before);
        Assert.That(await platform.VerifyRollbackAsync(before), Is.Empty, "rolled back, verified by diff");
        Assert.That(engine.Last!.Srv6.Sids, Is.Empty);
        Assert.That(transcript.ToText(), Does.Not.Contain("lab-secret"));
    }

    /// <summary>
    /// The pack reads the node's counters from `show srv6 sid | json`; the regex form over the table `show srv6 sid`
    /// prints (the pack's former reader) reads the same counters, so both readers stay tested.
    /// </summary>
    [Test]
    public void TheJsonAndTheRegexFormOfTheCountersReadTheSameNumbers()
    {
        var pack = Pack;
        Assert.That((pack.State!.Counters!.Format, pack.State.Counters.Command), Is.EqualTo(("json", "show srv6 sid | json")));
        var (node, _, _) = TestNode.Start(Startup);
        var cli = new NodeCli(node);
        cli.Execute("configure");
        foreach (var line in PackRenderer.Render(pack, ReferenceLabIntent(), Secret).Lines) Assert.That(cli.Execute(line), Is.Empty, line);
        Assert.That(cli.Execute("commit"), Does.StartWith("Commit"));
        cli.Execute("end");
        var json = PackCliPlatform.Counters(pack.State.Counters, cli.Execute(pack.State.Counters.Command));
        var regex = new PackCounters("show srv6 sid", "regex",
            new System.Text.RegularExpressions.Regex(@"^(?<sid>[0-9a-fA-F:]+)/\d+\s+\S+\s+\S+\s+\S+\s+(?<packets>\d+)\s+(?<bytes>\d+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline));
        var table = PackCliPlatform.Counters(regex, cli.Execute("show srv6 sid"));
        Assert.That(json.Count, Is.EqualTo(14), "every SID of the reference lab");
        Assert.That(table, Is.EquivalentTo(json));
        Assert.That(json.Values.Any(c => c.Packets > 0 && c.Bytes > 0), "the fake engine's counters are read, not zeros");
    }

    [Test]
    public async Task ARejectedLineNamesTheTemplateLine_AndNothingIsCommitted()
    {
        var (node, engine, _) = TestNode.Start(Startup);
        var pack = Pack;
        using var cli = new CliSession(new InProcessNodeTransport(new NodeCli(node)), pack.Session, new Transcript());
        await cli.StartAsync();
        var platform = new PackCliPlatform(pack, cli);
        var before = await platform.SnapshotAsync();
        var intent = ReferenceLabIntent();
        // A SID whose interface is missing renders `out-interface ` (an incomplete statement): the node rejects it.
        intent = intent.WithSid("end_x", s => s with { Interface = "" });
        var rendering = PackRenderer.Render(pack, intent, Secret);
        platform.RememberSources(rendering);
        var e = Assert.ThrowsAsync<TestbedException>(() => platform.ApplyAsync(DutConfig.FromLines(rendering.Lines)))!;
        Assert.That(e.Message, Does.Contain("sid-end-x.cfg:").And.Contain("% Invalid input at 'out-interface'").And.Contain("nothing was committed"));
        Assert.That(before.DiffTo(await platform.SnapshotAsync()), Is.Empty);
        Assert.That(engine.Applied, Has.Count.EqualTo(1), "only the startup configuration was ever applied");
        Assert.That(cli.Mode, Is.EqualTo("exec"));
    }

    [Test]
    public void TheSrhToLocalRuleNeedsItsPlaceholder_APackWithoutItCannotClaimIt()
    {
        using var pack = new ThrowawayPack("acme", ThrowawayPack.AcmeHead + """
            templates:
              edge_filter: templates/edge.cfg
            """, ("templates/edge.cfg", "# src: doc 1\nfilter {{interface}} deny {{sid_block}}\n"));
        var intent = ReferenceLabIntent() with { Sids = [], Headends = [], HmacKeys = [], OFlag = null, Routes = [] };
        var without = PackRenderer.Render(PlatformPackLoader.Load(pack.Dir), intent);
        Assert.That(without.NotRenderable, Has.Some.Contains("SRH-to-local"));
        pack.Write("templates/edge.cfg", "# src: doc 1\nfilter {{interface}} deny {{sid_block}}\nfilter {{interface}} deny-srh-to-self{{srh_to_local}}\n");
        var with = PackRenderer.Render(PlatformPackLoader.Load(pack.Dir), intent);
        Assert.That(with.NotRenderable, Is.Empty);
        Assert.That(with.Lines, Is.EqualTo(new[] { "filter veth-t3 deny 2001:db8:b::/48", "filter veth-t3 deny-srh-to-self" }));
        var noRule = intent with { EdgeFilter = intent.EdgeFilter! with { Rules = [.. intent.EdgeFilter!.Rules.Where(r => r.Kind != EdgeRuleKind.SrhToLocal)] } };
        Assert.That(PackRenderer.Render(PlatformPackLoader.Load(pack.Dir), noRule).Lines, Is.EqualTo(new[] { "filter veth-t3 deny 2001:db8:b::/48" }));
    }
}
