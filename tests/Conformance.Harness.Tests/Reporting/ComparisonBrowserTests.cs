using Conformance.Cli.Commands;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Cases;
using Conformance.Harness.Tests.Profiles;
using Microsoft.Playwright;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>
/// The RFP side-by-side page over the three reference runs — the Linux lab, Figure 1 and the reference node (the same
/// plain runs CaseVerdictTests pays for) — each with its conformance statement, compared by `srv6conf report compare`
/// and read in Chromium: one row per purpose, one column per DUT, filters by level, RFC and difference, evidence links
/// that open, PICS differences.
/// </summary>
[TestFixture, Category("Browser"), Category("Lab"), NonParallelizable]
public class ComparisonBrowserTests
{
    private IPlaywright _pw = null!;
    private IBrowser _browser = null!;
    private string _out = "";
    private IReadOnlyList<ComparedRun> _runs = [];
    private IReadOnlyList<ComparisonRow> _rows = [];

    [OneTimeSetUp]
    public async Task RunCompareAndLaunch()
    {
        var figure1 = CaseVerdictTests.TopologyTable.Where(r => r.Profile == "reference-figure1.yaml" && (r.PassMode == "None" || r.FailMode == "None")).Select(r => r.Purpose).ToList();
        var runs = new List<(string Dir, string Profile)>
        {
            ((await CaseRunner.RunWithDirectoryAsync("None")).Directory, "reference-lab.yaml"),
            ((await CaseRunner.RunWithDirectoryAsync("None", figure1, "reference-figure1.yaml")).Directory, "reference-figure1.yaml"),
            ((await CaseRunner.RunWithDirectoryAsync("None", profile: CaseVerdictTests.NodeProfile)).Directory, CaseVerdictTests.NodeProfile),
        };
        foreach (var (dir, profile) in runs)
        {
            var err = new StringWriter();
            var rc = ReportCommands.Statement(dir, Path.Combine(ProfileTestSupport.ProfilesDir, profile), new StringWriter(), err);
            Assert.That(rc, Is.EqualTo(0), $"{profile}: a plain reference run conforms (but for its known deviations)\n{err}");
        }
        _out = Directory.CreateTempSubdirectory("srv6conf-comparison-").FullName;
        var stdout = new StringWriter();
        Assert.That(ReportCommands.Compare([.. runs.Select(r => r.Dir)], _out, false, stdout, new StringWriter()), Is.Zero);
        TestContext.Out.WriteLine(stdout);
        _runs = RunComparison.Load([.. runs.Select(r => r.Dir)], false);
        _rows = RunComparison.Rows(_runs);
        _pw = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_pw);
    }

    [OneTimeTearDown]
    public async Task Close()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _pw?.Dispose();
        if (Directory.Exists(_out)) Directory.Delete(_out, true);
    }

    private async Task<IPage> Open()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        await page.GotoAsync(new Uri(Path.Combine(_out, RunComparison.HtmlFileName)).AbsoluteUri);
        return page;
    }

    private static ILocator Visible(IPage page) => page.Locator("tr[data-testid=purpose-row]:visible");

    [Test]
    public async Task OneRowPerPurposeOneColumnPerDut_AndTheSecondImplementationShowsWhereLinuxDeviates()
    {
        var page = await Open();
        var union = _runs.SelectMany(r => r.Statement.TestPurposes.Select(t => t.TestPurposeId)).Distinct().Count();
        await Assertions.Expect(Visible(page)).ToHaveCountAsync(union);
        var header = await page.GetByTestId("purposes").Locator("thead th").AllInnerTextsAsync();
        Assert.That(header.Skip(3), Is.EqualTo(_runs.Select(r => r.Label)), "one column per DUT");
        Assert.That(header.Skip(3).Select(h => h.Split(' ')[0]), Is.EqualTo(new[] { "dut", "n4", "refnode" }));
        // RFC 9800's end-of-carrier purpose: a known deviation of Linux, a pass on the node, not in the Figure 1 run.
        var csid = page.Locator("tr[data-id='TP-CSID-BI-01'] td");
        await Assertions.Expect(csid.Nth(3)).ToContainTextAsync("KNOWN DEV-LINUX-060");
        await Assertions.Expect(csid.Nth(4)).ToContainTextAsync("—");
        await Assertions.Expect(csid.Nth(5)).ToContainTextAsync("PASS");
        await Assertions.Expect(page.Locator("tr[data-id='TP-CSID-BI-01']")).ToHaveAttributeAsync("data-differs", "1");
        await Assertions.Expect(page.GetByTestId("pics")).ToContainTextAsync("flavors");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "comparison.png"), FullPage = false });
    }

    [Test]
    public async Task FiltersByLevelRfcAndDifferenceShowExactlyThoseRows()
    {
        var page = await Open();
        await page.GetByTestId("filter-rfc").SelectOptionAsync("RFC 9259");
        await Assertions.Expect(Visible(page)).ToHaveCountAsync(_rows.Count(r => r.Rfc == "RFC 9259"));
        await page.GetByTestId("filter-level").SelectOptionAsync("MUST");
        await Assertions.Expect(Visible(page)).ToHaveCountAsync(_rows.Count(r => r.Rfc == "RFC 9259" && r.Level == "MUST"));
        await page.GetByTestId("filter-rfc").SelectOptionAsync("");
        await page.GetByTestId("filter-level").SelectOptionAsync("");
        await page.GetByTestId("filter-differs").CheckAsync();
        var differing = _rows.Count(r => r.Differs);
        Assert.That(differing, Is.GreaterThanOrEqualTo(20), "Linux's known deviations and not-applicable purposes pass on the node");
        await Assertions.Expect(Visible(page)).ToHaveCountAsync(differing);
        await Assertions.Expect(page.GetByTestId("shown")).ToHaveTextAsync($"{differing} shown");
    }

    [Test]
    public async Task AnEvidenceLinkOpensTheRunsOwnFile()
    {
        var page = await Open();
        var cell = page.Locator("tr[data-id='TP-END-BV-01'] td[data-run='2']");
        await cell.Locator("summary").ClickAsync();
        var link = cell.Locator("a", new() { HasText = "exchange.pcapng" });
        var href = await link.GetAttributeAsync("href");
        Assert.That(href, Is.Not.Null);
        var file = Path.GetFullPath(Path.Combine(_out, href!));
        Assert.That(file, Does.StartWith(_runs[2].RunDirectory), "the node run's own evidence");
        var evidence = _runs[2].Statement.TestPurposes.Single(t => t.TestPurposeId == "TP-END-BV-01").Evidence.Single(e => e.Name.EndsWith("exchange.pcapng", StringComparison.Ordinal));
        Assert.That(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant(), Is.EqualTo(evidence.Sha256), "the linked file is the one the statement hashed");
    }
}
