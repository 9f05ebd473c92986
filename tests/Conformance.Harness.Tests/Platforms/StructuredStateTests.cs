using Conformance.Harness.Dut;
using Conformance.Harness.Platforms;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Platforms;

/// <summary>
/// Structured state output (docs/platform-packs.md, "state"): a pack reads per-SID counters and its SID table from JSON or
/// XML with paths declared as data, as an alternative to a regex with named groups; a bad reader is an error with
/// file:line:column.
/// </summary>
public class StructuredStateTests
{
    private const string Head = ThrowawayPack.AcmeHead + """
        state:
          snapshot: show running-config
        """;

    private static PlatformPack Load(string state, string templates = "")
    {
        using var pack = new ThrowawayPack("acme", Head + "\n" + state + "\ntemplates:\n  sid:\n    End.DT6: templates/sid.cfg\n" + templates,
            ("templates/sid.cfg", "# src: doc 1\nsid {{name}} dynamic end-dt6 {{vrf}}\n"));
        return PlatformPackLoader.Load(pack.Dir);
    }

    private static PlatformPackException Broken(string state, string templates = "") => Assert.Throws<PlatformPackException>(() => Load(state, templates))!;

    [Test]
    public void JsonCountersAndSidTableLoad_AndReadTheNodesForm()
    {
        var p = Load("""
              counters: { command: show srv6 sid | json, format: json, rows: sids, fields: { sid: sid, packets: counters.packets, bytes: counters.bytes } }
              sid_table: { command: show srv6 sid | json, format: json, rows: sids, fields: { sid: sid, name: name, behavior: behavior } }
            """, "  dynamic_sids: [End.DT6]\n");
        Assert.That(p.Templates.DynamicSids, Is.EquivalentTo(new[] { "End.DT6" }));
        Assert.That(p.State!.Counters!.DeclaredAt, Does.EndWith("platform.yaml:16:13"));
        const string output = """
            {
              "sids": [
                { "sid": "2001:db8:b:1:e::", "prefix-length": 128, "behavior": "End", "name": "end", "counters": { "packets": 7, "bytes": 840 } },
                { "sid": "2001:db8:b:1:e000::", "prefix-length": 128, "behavior": "End.DT6", "name": "vpn", "counters": { "packets": 0, "bytes": 0 } }
              ]
            }
            """;
        var counters = PackCliPlatform.Counters(p.State.Counters, output);
        Assert.That(counters["2001:db8:b:1:e::"], Is.EqualTo(new SidCounters(7, 840, 0)));
        Assert.That(counters["2001:db8:b:1:e000::"].Packets, Is.Zero);
        var learned = PackCliPlatform.Learn(p, [("vpn", "End.DT6")], output);
        Assert.That(learned["vpn"].ToString(), Is.EqualTo("2001:db8:b:1:e000::"));
    }

    [Test]
    public void JunosStyleJsonWithDataWrappersAndXmlAreReadByTheSamePaths()
    {
        // Junos `| display json` wraps every element in a one-element array and every value in {"data": …}.
        const string junos = """
            { "srv6-sid-information" : [ { "srv6-sid" : [
                { "sid" : [ { "data" : "2001:db8:b:1::e" } ], "packets" : [ { "data" : "12" } ] },
                { "sid" : [ { "data" : "2001:db8:b:1::f" } ], "packets" : [ { "data" : "3" } ] } ] } ] }
            {master}
            """;
        var json = new PackCounters("show x | display json", "json", null) { Rows = "srv6-sid-information.srv6-sid", Fields = new Dictionary<string, string> { ["sid"] = "sid", ["packets"] = "packets" } };
        Assert.That(PackCliPlatform.Counters(json, junos).ToDictionary(k => k.Key, k => k.Value.Packets),
            Is.EquivalentTo(new Dictionary<string, long> { ["2001:db8:b:1::e"] = 12, ["2001:db8:b:1::f"] = 3 }));
        const string xml = """
            <rpc-reply xmlns:junos="http://xml.juniper.net/junos/*/junos">
              <srv6-sid-information xmlns="http://xml.juniper.net/junos/*/junos-routing">
                <srv6-sid name="end"><sid>2001:db8:b:1::e</sid><statistics><packets>12</packets></statistics></srv6-sid>
                <srv6-sid name="end2"><sid>2001:db8:b:1::f</sid><statistics><packets>3</packets></statistics></srv6-sid>
              </srv6-sid-information>
            </rpc-reply>
            """;
        var x = new PackCounters("show x | display xml", "xml", null) { Rows = "srv6-sid-information.srv6-sid", Fields = new Dictionary<string, string> { ["sid"] = "sid", ["packets"] = "statistics.packets", ["name"] = "@name" } };
        var rows = PackTableReader.Read(x, xml);
        Assert.That(rows.Select(r => (r["sid"], r["packets"], r["name"])), Is.EqualTo(new[] { ("2001:db8:b:1::e", "12", "end"), ("2001:db8:b:1::f", "3", "end2") }));
    }

    [Test]
    public void OutputTheReaderCannotReadIsAnErrorNamingTheDescriptorLine()
    {
        var p = Load("  counters: { command: show srv6 sid | json, format: json, rows: sids, fields: { sid: sid, packets: p } }\n");
        var e = Assert.Throws<TestbedException>(() => PackCliPlatform.Counters(p.State!.Counters!, "% Invalid input at 'json'"))!;
        Assert.That(e.Message, Does.Contain("platform.yaml:16:13").And.Contain("printed no JSON").And.Contain("% Invalid input"));
        e = Assert.Throws<TestbedException>(() => PackCliPlatform.Counters(p.State!.Counters!, "{\"entries\": []}"))!;
        Assert.That(e.Message, Does.Contain("rows 'sids' is not in the JSON"));
    }

    [TestCase("  counters: { command: c, format: json, rows: sids }", "state.counters", "needs 'fields'")]
    [TestCase("  counters: { command: c, format: json, fields: { sid: sid, pakets: p } }", "state.counters.fields.pakets", "did you mean 'packets'?")]
    [TestCase("  counters: { command: c, format: json, fields: { sid: sid } }", "state.counters.fields", "has no field 'packets'")]
    [TestCase("  counters: { command: c, format: json, pattern: 'x', fields: { sid: sid, packets: p } }", "state.counters.pattern", "not a regex 'pattern'")]
    [TestCase("  counters: { command: c, format: regex, pattern: '(?<sid>\\S+) (?<pkts>\\d+)' }", "state.counters.pattern", "has no named group 'packets'")]
    [TestCase("  counters: { command: c, format: regex, pattern: '(?<sid>\\S+) (?<packets>\\d+)', rows: sids }", "state.counters.rows", "belongs to the structured formats")]
    [TestCase("  counters: { command: c, format: yaml, pattern: 'x' }", "state.counters.format", "unknown format 'yaml'")]
    [TestCase("  sid_table: { command: c, format: json, fields: { sid: 'a..b', name: n } }", "state.sid_table.fields.sid", "is not a path")]
    [TestCase("  sid_table: { command: c, format: regex, pattern: '(?<sid>\\S+)' }", "state.sid_table.pattern", "has no named group 'name'")]
    public void ABadTableReaderIsAnErrorWithFileLineColumn(string line, string field, string message)
    {
        var e = Broken(line + "\n");
        var err = e.Errors.FirstOrDefault(x => x.FieldPath == field);
        Assert.That(err, Is.Not.Null, e.Message);
        Assert.That(err!.Message, Does.Contain(message), e.Message);
        Assert.That((err.Line, err.File.EndsWith("platform.yaml", StringComparison.Ordinal)), Is.EqualTo((16, true)), e.Message);
        Assert.That(err.Column, Is.GreaterThan(0));
    }

    /// <summary>dut-configs/platform.schema.json (editor completion) accepts the keys the loader accepts, section by section.</summary>
    [Test]
    public void ThePlatformSchemaListsTheKeysTheLoaderAccepts()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Profiles.ProfileTestSupport.RepoRoot, "dut-configs", "platform.schema.json")));
        foreach (var (section, keys) in PlatformPackLoader.AcceptedKeys)
        {
            var node = schema.RootElement;
            foreach (var part in section.Split('.', StringSplitOptions.RemoveEmptyEntries))
                node = part == "*" ? node.GetProperty("additionalProperties") : node.GetProperty("properties").GetProperty(part);
            Assert.That(node.GetProperty("properties").EnumerateObject().Select(p => p.Name), Is.EquivalentTo(keys), $"section '{section}'");
            Assert.That(node.GetProperty("additionalProperties").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.False), $"section '{section}' is closed");
        }
    }

    [Test]
    public void DynamicSidsNeedASidTableAndKnownBehaviours()
    {
        var e = Broken("", "  dynamic_sids: [End.DT6, End.DT7]\n");
        Assert.That(e.Errors.Select(x => (x.FieldPath, x.Line)), Does.Contain(("templates.dynamic_sids", 20)).And.Contain(("templates.dynamic_sids[1]", 20)), e.Message);
        Assert.That(e.Message, Does.Contain("define state.sid_table").And.Contain("unknown behaviour 'End.DT7'; did you mean 'End.DT6'?"));
    }

    [Test]
    public void AMissingLearnedSidNamesThePackFileAndTheBehaviour()
    {
        var p = Load("  sid_table: { command: show srv6 sid | json, format: json, rows: sids, fields: { sid: sid, name: name, behavior: behavior } }\n", "  dynamic_sids: [End.DT6]\n");
        const string output = """{ "sids": [ { "sid": "2001:db8:b:1:e000::", "behavior": "End", "name": "vpn" } ] }""";
        var e = Assert.Throws<TestbedException>(() => PackCliPlatform.Learn(p, [("vpn", "End.DT6"), ("vpn2", "End.DT6")], output))!;
        Assert.That(e.Message, Does.Contain(Path.Combine("acme", "platform.yaml")).And.Contain("templates.dynamic_sids")
            .And.Contain("End.DT6 SID 'vpn2': no row named 'vpn2'")
            .And.Contain("End.DT6 SID 'vpn': its row has sid '2001:db8:b:1:e000::' and behavior 'End'"));
    }
}
