using System.Net;
using System.Text;
using Conformance.Harness.Dut;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Tests.Profiles;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>
/// A scripted router CLI for one pack: prints the vendor's prompts, echoes what it is sent, keeps a candidate and a
/// committed configuration, rejects lines containing "bogus" with the vendor's error line, may page an output, ask
/// the pack's question on leaving with uncommitted changes, or drop the session at the commit.
/// </summary>
internal sealed class ScriptedRouter(PackSession pack, string execPrompt, string configPrompt, string errorLine) : ICliTransport
{
    private readonly StringBuilder _out = new("Welcome (scripted peer)\n" + execPrompt);
    private readonly StringBuilder _in = new();
    private bool _config, _pendingQuestion, _closed;
    public List<string> Received { get; } = [];
    public List<string> Candidate { get; } = [];
    public List<string> Committed { get; } = [];
    public bool PageNextShow { get; set; }
    public bool DropAtCommit { get; set; }
    public string? QuestionOnLeave { get; set; }
    public bool Confirmed { get; private set; }
    private bool _paging;

    public void Write(string text)
    {
        if (_closed) throw new CliSessionDroppedException("closed");
        if (_paging && text == " ") { _paging = false; _out.Append("line 2 of the output\n").Append(_config ? configPrompt : execPrompt); return; }
        _in.Append(text);
        while (_in.ToString().IndexOf('\n') is var i and >= 0)
        {
            var line = _in.ToString(0, i);
            _in.Remove(0, i + 1);
            Received.Add(line);
            _out.Append(line).Append('\n');
            Handle(line);
        }
    }

    private void Handle(string line)
    {
        if (_pendingQuestion)
        {
            _pendingQuestion = false;
            if (line.Trim() is "no" or "N" or "yes" or "Y") { Candidate.Clear(); _config = false; _out.Append(execPrompt); return; }
            _out.Append("invalid answer\n").Append(QuestionOnLeave);
            _pendingQuestion = true;
            return;
        }
        if (line.Contains("bogus", StringComparison.Ordinal)) { _out.Append(errorLine).Append('\n').Append(_config ? configPrompt : execPrompt); return; }
        if (!_config && line == pack.EnterConfig) { _config = true; _out.Append(configPrompt); return; }
        if (_config && line == pack.Commit || _config && pack.CommitConfirmed is { } cc && line.StartsWith(cc.Split(' ')[0] + " " + cc.Split(' ').ElementAtOrDefault(1), StringComparison.Ordinal) && line != pack.Commit)
        {
            if (DropAtCommit) { _closed = true; return; }
            if (line == pack.Commit && Committed.Count > 0 && Candidate.Count == 0) Confirmed = true;
            Committed.AddRange(Candidate);
            Candidate.Clear();
            _out.Append(configPrompt);
            return;
        }
        if (_config && line == pack.Abort) { Candidate.Clear(); _out.Append(configPrompt); return; }
        if (_config && line == pack.LeaveConfig)
        {
            if (Candidate.Count > 0 && QuestionOnLeave is not null) { _pendingQuestion = true; _out.Append(QuestionOnLeave); return; }
            _config = false;
            _out.Append(execPrompt);
            return;
        }
        if (_config) { Candidate.Add(line); _out.Append(configPrompt); return; }
        if (line.StartsWith("show", StringComparison.Ordinal) && PageNextShow)
        {
            PageNextShow = false;
            _paging = true;
            _out.Append("line 1 of the output\n --More-- ");
            return;
        }
        _out.Append(execPrompt);
    }

    public Task<string> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_out.Length == 0 && _closed) throw new CliSessionDroppedException("the scripted peer closed the session");
        var s = _out.ToString();
        _out.Clear();
        return Task.FromResult(s);
    }

    public void Dispose() { }
}

/// <summary>The generic CLI session driver against a scripted peer per vendor pack.</summary>
public class CliSessionTests
{
    private static string DutConfigs => Path.Combine(ProfileTestSupport.RepoRoot, "dut-configs");

    /// <summary>Per vendor: a real-looking exec prompt, config prompt and error line (each must match the pack's own regexes).</summary>
    public static IEnumerable<TestCaseData> Vendors()
    {
        yield return new TestCaseData("iosxr", "RP/0/RP0/CPU0:r1#", "RP/0/RP0/CPU0:r1(config)#", "% Invalid input detected at '^' marker.").SetArgDisplayNames("iosxr");
        yield return new TestCaseData("junos", "lab@r1> ", "[edit]\nlab@r1# ", "syntax error.").SetArgDisplayNames("junos");
        yield return new TestCaseData("sros", "[/]\nA:admin@r1# ", "*(ex)[/configure]\nA:admin@r1# ", "MINOR: CLI #2069: Invalid element - bogus").SetArgDisplayNames("sros");
        yield return new TestCaseData("eos", "r1#", "r1(config-s-srv6co)#", "% Invalid input").SetArgDisplayNames("eos");
        yield return new TestCaseData("vrp", "<r1>", "[~r1]", "Error: Unrecognized command found at '^' position.").SetArgDisplayNames("vrp");
    }

    private static (PlatformPack Pack, ScriptedRouter Peer, CliSession Cli, Transcript Transcript) Open(string vendor, string exec, string config, string error)
    {
        var pack = PlatformPackLoader.Load(Path.Combine(DutConfigs, vendor));
        var peer = new ScriptedRouter(pack.Session, exec, config, error);
        var transcript = new Transcript();
        return (pack, peer, new CliSession(peer, pack.Session, transcript), transcript);
    }

    private static Srv6Intent ExampleIntent(string vendor) => IntentBuilder.Build(ProfileLoader.Load(Path.Combine(ProfileTestSupport.ProfilesDir, "examples", vendor + ".yaml")));

    [TestCaseSource(nameof(Vendors))]
    public async Task ThePacksRenderingIsTypedInConfigurationModeAndCommitted(string vendor, string exec, string config, string error)
    {
        var (pack, peer, cli, transcript) = Open(vendor, exec, config, error);
        Assert.That(pack.Session.Prompts["exec"].IsMatch(exec.Split('\n')[^1]), "the sample exec prompt matches the pack's regex");
        Assert.That(pack.Session.Prompts["config"].IsMatch(config.Split('\n')[^1]), "the sample config prompt matches the pack's regex");
        Assert.That(pack.Session.ErrorPatterns.Any(p => p.IsMatch(error)), "the sample error line matches one of the pack's error patterns");
        await cli.StartAsync();
        Assert.That(peer.Received, Is.EqualTo(pack.Session.DisablePaging), "paging is turned off first");
        var rendering = PackRenderer.Render(pack, ExampleIntent(vendor));
        Assert.That(rendering.Lines, Is.Not.Empty);
        await cli.ApplyAsync(rendering.LinesWithSources);
        Assert.That(peer.Committed, Is.EqualTo(rendering.Lines), "every rendered line reached the candidate and was committed");
        Assert.That(cli.Mode, Is.EqualTo("exec"));
        if (pack.Session.CommitConfirmed is not null)
        {
            Assert.That(peer.Received, Has.Some.StartsWith(pack.Session.CommitConfirmed.Split(' ')[0] + " " + pack.Session.CommitConfirmed.Split(' ')[1]), "a confirmed commit first");
            Assert.That(peer.Confirmed, "then confirmed");
        }
        Assert.That(transcript.Entries.Count(e => e.Command.Length > 0), Is.EqualTo(peer.Received.Count), "every line sent is in the transcript");
    }

    [TestCaseSource(nameof(Vendors))]
    public async Task ARejectedLineDiscardsTheCandidateAndNamesTheTemplateLine(string vendor, string exec, string config, string error)
    {
        var (pack, peer, cli, _) = Open(vendor, exec, config, error);
        await cli.StartAsync();
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.ApplyAsync([("good line 1", "templates/a.cfg:3"), ("bogus line", "templates/a.cfg:4"), ("good line 2", "templates/a.cfg:5")]));
        Assert.That(e!.Message, Does.Contain("templates/a.cfg:4").And.Contain("bogus line").And.Contain(error.Split('\n')[0].Trim()).And.Contain("nothing was committed"));
        Assert.That(peer.Committed, Is.Empty);
        Assert.That(peer.Received, Does.Contain(pack.Session.Abort), "the candidate is discarded");
        Assert.That(peer.Received, Has.None.EqualTo("good line 2"), "nothing after the rejected line is typed");
    }

    [TestCaseSource(nameof(Vendors))]
    public async Task ADroppedSessionDuringTheCommitSaysWhatTheRouterWillDo(string vendor, string exec, string config, string error)
    {
        var (pack, peer, cli, _) = Open(vendor, exec, config, error);
        await cli.StartAsync();
        peer.DropAtCommit = true;
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.ApplyAsync([("good line", "t.cfg:1")]));
        Assert.That(e!.Message, Does.Contain("the session dropped during"));
        Assert.That(e.Message, pack.Session.CommitConfirmed is null ? Does.Contain("unknown") : Does.Contain("undoes it by itself"));
    }

    [Test]
    public async Task APagedOutputIsReadToTheEnd_AndAQuestionGetsThePacksAnswer()
    {
        var (pack, peer, cli, transcript) = Open("iosxr", "RP/0/RP0/CPU0:r1#", "RP/0/RP0/CPU0:r1(config)#", "% Invalid input detected");
        await cli.StartAsync();
        peer.PageNextShow = true;
        var output = await cli.ExecAsync("show running-config segment-routing");
        Assert.That(output, Is.EqualTo("line 1 of the output\nline 2 of the output"));
        // leaving configuration mode with uncommitted changes: IOS XR asks; the pack answers "no"
        peer.QuestionOnLeave = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:";
        await cli.ExecAsync(pack.Session.EnterConfig!);
        await cli.ExecAsync("segment-routing srv6");
        await cli.ExecAsync(pack.Session.LeaveConfig!);
        Assert.That(cli.Mode, Is.EqualTo("exec"));
        Assert.That(peer.Received[^1], Is.EqualTo("no"));
        Assert.That(transcript.ToText(), Does.Contain("answered \"no\""));
    }

    [Test]
    public async Task ASilentRouterTimesOutNamingTheLastOutput()
    {
        var pack = PlatformPackLoader.Load(Path.Combine(DutConfigs, "junos"));
        var silent = new ScriptedRouter(pack.Session with { ConnectTimeout = TimeSpan.FromMilliseconds(300) }, "lab@r1 (no prompt yet)", "", "");
        var cli = new CliSession(silent, pack.Session with { ConnectTimeout = TimeSpan.FromMilliseconds(300) }, new Transcript());
        var e = Assert.ThrowsAsync<TestbedException>(() => cli.StartAsync());
        Assert.That(e!.Message, Does.Contain("no prompt within").And.Contain("lab@r1 (no prompt yet)"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task ANewPlatformIsDrivenWithNoCode_AThrowawayPackAgainstTheScriptedPeer()
    {
        using var throwaway = new ThrowawayPack("acme", """
            format_version: 1
            platform: acme
            vendor: ACME
            os: AcmeOS
            verification: documentation
            session: { driver: cli, prompts: { exec: '^acme>$', config: '^acme\(cfg\)#$' }, disable_paging: [no pager], enter_config: conf, leave_config: end, commit: commit, abort: abort, error_patterns: ['^ERR '] }
            templates: { locator: templates/locator.cfg, sid: { End: templates/end.cfg } }
            """);
        throwaway.Write("templates/locator.cfg", "srv6 locator {{locator_name}} prefix {{locator}}\n");
        throwaway.Write("templates/end.cfg", "srv6 sid {{sid}} end\n");
        var pack = PlatformPackLoader.Load(throwaway.Dir);
        var intent = new Srv6Intent
        {
            Platform = "acme", Interfaces = [new IntentInterface("eth1", PortRole.Internal)], Knobs = new IntentKnobs(),
            SidBlock = IPNetwork.Parse("2001:db8:b::/48"), Locator = IPNetwork.Parse("2001:db8:b:1::/64"),
            Sids = [new IntentSid("end", SrBehavior.End, IPAddress.Parse("2001:db8:b:1::e"))],
        };
        var peer = new ScriptedRouter(pack.Session, "acme>", "acme(cfg)#", "ERR bad");
        var cli = new CliSession(peer, pack.Session, new Transcript());
        await cli.StartAsync();
        await cli.ApplyAsync(PackRenderer.Render(pack, intent).LinesWithSources);
        Assert.That(peer.Committed, Is.EqualTo(new[] { "srv6 locator srv6conf prefix 2001:db8:b:1::/64", "srv6 sid 2001:db8:b:1::e end" }));
        Assert.That(peer.Received, Is.EqualTo(new[] { "no pager", "conf", "srv6 locator srv6conf prefix 2001:db8:b:1::/64", "srv6 sid 2001:db8:b:1::e end", "commit", "end" }));
    }

    [Test]
    public async Task SecretsTypedIntoTheCliAreRedactedInTheTranscript()
    {
        var (pack, peer, cli, transcript) = Open("eos", "r1#", "r1(config)#", "% Invalid input");
        transcript.AddSecret("s3cr3t-hmac-key");
        await cli.StartAsync();
        await cli.ApplyAsync([("hmac key 1 s3cr3t-hmac-key", "t.cfg:1")]);
        Assert.That(peer.Committed, Does.Contain("hmac key 1 s3cr3t-hmac-key"));
        Assert.That(transcript.ToText(), Does.Not.Contain("s3cr3t-hmac-key").And.Contain("***"));
    }
}
