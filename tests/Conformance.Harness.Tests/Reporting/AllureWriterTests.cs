using System.Text;
using System.Text.Json;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

public class AllureWriterTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "srv6conf-writer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static AllureParameter P(string n, string v, bool excluded = false) => new() { Name = n, Value = v, Excluded = excluded };

    [Test]
    public void HistoryIdIsStableForSamePurposeAndParameters()
    {
        var a = AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "PSP"), P("sl", "1")]);
        var b = AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "PSP"), P("sl", "1")]);
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a, Does.Match("^[0-9a-f]{32}$"));
            // Pinned value: the same purpose + parameters must give the same id in every run and on every machine.
            Assert.That(a, Is.EqualTo(AllureResultsWriter.Md5Hex("SRH-END-BV-01\u001fflavour=PSP\u001fsl=1")));
        });
    }

    [Test]
    public void HistoryIdDiffersForDifferentParametersAndIgnoresExcludedOnes()
    {
        var psp = AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "PSP")]);
        Assert.Multiple(() =>
        {
            Assert.That(AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "USD")]), Is.Not.EqualTo(psp));
            Assert.That(AllureIds.HistoryId("SRH-END-BV-02", [P("flavour", "PSP")]), Is.Not.EqualTo(psp));
            Assert.That(AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "PSP"), P("port", "40123", excluded: true)]), Is.EqualTo(psp));
            Assert.That(AllureIds.HistoryId("SRH-END-BV-01", [P("flavour", "PSP"), P("port", "40999", excluded: true)]), Is.EqualTo(psp));
        });
    }

    [Test]
    public void TestCaseIdIsMd5OfFullName() =>
        Assert.That(AllureIds.TestCaseId("A.B.C"), Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes("A.B.C")))));

    private static AllureResult Synthetic(string secret)
    {
        var r = new AllureResult
        {
            Name = $"SRH-END-BV-01: step with {secret}",
            FullName = "Cases.End.EndBehaviour",
            Status = AllureStatus.Failed,
            StatusDetails = new AllureStatusDetails { Message = $"FAIL: login {secret} refused", Trace = $"at Foo({secret})" },
            Start = 1_790_000_000_000, Stop = 1_790_000_000_500,
            Description = $"token {secret}",
        };
        r.TitlePath.AddRange(["Cases", "End"]);
        r.Labels.Add(new("testPurposeId", "SRH-END-BV-01"));
        r.Labels.Add(new("epic", "RFC 8986"));
        r.Labels.Add(new("requirementLevel", "MUST"));
        r.Labels.Add(new("host", secret));
        r.Links.Add(new AllureLink("RFC 8986 §4.1", "https://www.rfc-editor.org/rfc/rfc8986#section-4.1"));
        r.Parameters.Add(new AllureParameter { Name = "password", Value = secret, Excluded = true });
        r.Steps.Add(new AllureStep { Name = $"ssh admin:{secret}@dut", Start = r.Start, Stop = r.Stop, Status = AllureStatus.Passed });
        r.HistoryId = AllureIds.HistoryId("SRH-END-BV-01", r.Parameters);
        r.TestCaseId = AllureIds.TestCaseId(r.FullName);
        return r;
    }

    [Test]
    public void RegisteredSecretAppearsInNoWrittenFile()
    {
        var secret = "S3cr3t-" + Guid.NewGuid().ToString("N");
        SecretRedactor.Register(secret);
        var w = new AllureResultsWriter(Path.Combine(_dir, "allure-results"));
        var r = Synthetic(secret);
        r.Attachments.Add(w.WriteAttachment("transcript", Encoding.UTF8.GetBytes($"> enable\npassword {secret}\n"), "text/plain"));
        r.Attachments.Add(w.WriteAttachment("config", Encoding.UTF8.GetBytes($"{{\"pw\":\"{secret}\"}}"), "application/json"));
        var pcapPath = Path.Combine(_dir, "cap.pcap");
        File.WriteAllBytes(pcapPath, [0xd4, 0xc3, 0xb2, 0xa1, 1, 2, 3]);
        r.Attachments.Add(w.WriteAttachmentFile("capture", pcapPath, Evidence.PcapMime));
        w.WriteResult(r);
        var c = new AllureContainer { Name = $"fixture {secret}", Start = r.Start, Stop = r.Stop };
        c.Children.Add(r.Uuid);
        c.Befores.Add(new AllureStep { Name = $"lab up with {secret}", Start = r.Start, Stop = r.Stop });
        w.WriteContainer(c);
        RunReport.WriteRunFiles(w.Directory, new Dictionary<string, string> { ["DUT.password"] = secret, ["DUT.model"] = "X" },
            new ExecutorInfo { BuildName = $"build {secret}" });
        File.Delete(pcapPath);
        ConformanceStatement.Write(_dir, new Dictionary<string, string> { ["End"] = "yes" });

        var files = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories);
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(10));
        foreach (var f in files)
            Assert.That(File.ReadAllText(f), Does.Not.Contain(secret), f);
        var texts = files.Where(f => f.EndsWith(".txt") || f.EndsWith("-attachment.json")).ToList();
        Assert.That(texts, Has.Count.EqualTo(2));
        Assert.That(texts.Select(File.ReadAllText), Has.All.Contain(SecretRedactor.Mask));
        var pcap = files.Single(f => f.EndsWith(".pcap"));
        Assert.That(File.ReadAllBytes(pcap), Is.EqualTo(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1, 1, 2, 3 }), "binary written as is");
    }

    [Test]
    public void EveryWrittenFileMatchesTheSchema()
    {
        var w = new AllureResultsWriter(Path.Combine(_dir, "allure-results"));
        var r = Synthetic("not-a-registered-value");
        r.Attachments.Add(w.WriteAttachment("capture with spaces/and slashes", [1, 2, 3], Evidence.PcapMime));
        r.Steps[0].Attachments.Add(w.WriteAttachment("odd", [1], "application/x-weird"));
        w.WriteResult(r);
        var c = new AllureContainer { Name = "fixture", Start = r.Start, Stop = r.Stop, Children = [r.Uuid] };
        c.Afters.Add(new AllureStep { Name = "rollback", Start = r.Start, Stop = r.Stop });
        w.WriteContainer(c);
        RunReport.WriteRunFiles(w.Directory, new Dictionary<string, string> { ["DUT model"] = "Router=X: ü", ["#k"] = "v\nw" }, new ExecutorInfo());
        AllureSchema.CheckFolder(w.Directory);

        var env = ConformanceStatement.ReadEnvironment(w.Directory);
        Assert.That(env, Does.ContainKey("DUT model").WithValue("Router=X: ü"));
        Assert.That(env, Does.ContainKey("#k").WithValue("v\nw"));
        using var cats = JsonDocument.Parse(File.ReadAllText(Path.Combine(w.Directory, "categories.json")));
        Assert.That(cats.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()),
            Is.EquivalentTo(new[] { "DUT non-conformance", "Known deviation", "Testbed or harness problem", "Not claimed by profile" }));
    }

    [Test]
    public void EvidenceOutsideAReportingRunIsANoOp()
    {
        Assert.That(Evidence.IsActive, Is.False);
        Assert.DoesNotThrow(() =>
        {
            using (var s = Evidence.Step("x")) s.Fail("nothing recorded");
            Evidence.Attach("a", [1], Evidence.PcapMime);
            Evidence.Parameter("p", 1);
            Evidence.MarkKnownDeviation("DEV-1", "r");
        });
        Assert.That(Evidence.Step("y", () => 42), Is.EqualTo(42));
        Assert.Throws<TestbedException>(() => Evidence.Step("z", () => throw new TestbedException("lab", null)));
    }

    [Test]
    public void TestPurposeDescribesTheRequirement()
    {
        var entry = Conformance.Harness.Catalogue.RequirementCatalogue.Default.All.First(r => r.Document == "RFC 8986" && r.Level == RequirementLevel.Must);
        var tp = new TestPurposeAttribute { Id = "SRH-END-BV-01", Requirements = [entry.Id], Stimulus = "s", Expected = "e" };
        Assert.Multiple(() =>
        {
            Assert.That(tp.SectionUrl, Is.EqualTo($"https://www.rfc-editor.org/rfc/rfc8986#section-{entry.Section}"));
            Assert.That(tp.ToMarkdown(), Does.Contain("> " + entry.Text).And.Contain("MUST").And.Contain("BCP 14 keyword").And.Contain("**Stimulus:** s").And.Contain("**Expected:** e"));
        });
    }
}
