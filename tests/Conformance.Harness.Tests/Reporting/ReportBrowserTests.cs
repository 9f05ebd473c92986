using System.Diagnostics;
using Conformance.Harness.Reporting;
using Microsoft.Playwright;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>
/// Renders the ReportingSample results with scripts/render-report.sh (pinned npm Allure 3, single-file Awesome report) and
/// checks the page as a person would, in Debian's Chromium driven by Microsoft.Playwright (no Playwright browser download).
/// </summary>
[TestFixture, Category("Browser"), Category("ReportingE2E")]
[NonParallelizable]
public class ReportBrowserTests
{
    private SampleRun.Outcome _run = null!;
    private List<AllureResult> _results = null!;
    private string _index = "";
    private IPlaywright _pw = null!;
    private IBrowser _browser = null!;
    private readonly List<string> _external = [];

    [OneTimeSetUp]
    public async Task RenderAndLaunch()
    {
        if (!File.Exists(HeadlessChromium.ExecutablePath)) Assert.Ignore($"{HeadlessChromium.ExecutablePath} not installed (apt-get install chromium)");
        _run = SampleRun.Get();
        _results = [.. ConformanceStatement.ReadResults(_run.ResultsDir)];

        var runDir = Path.Combine(_run.RunDir, "rendered-run");
        SampleRunTests.CopyDir(_run.ResultsDir, Path.Combine(runDir, "allure-results"));
        var (exit, stdout, stderr) = RenderReportTests.Render(_run.RepoRoot, runDir, Path.Combine(_run.RunDir, "history.jsonl"));
        Assert.That(exit, Is.Zero, "render-report.sh failed:\n" + stderr);
        _index = stdout.Split('\n').Last();
        Assert.That(_index, Is.EqualTo(Path.Combine(runDir, "html", "index.html")));
        Assert.That(File.Exists(_index));

        _pw = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_pw);
    }

    [TearDown]
    public void NoExternalRequests()
    {
        lock (_external) Assert.That(_external, Is.Empty, "the report fetched something from the network: " + string.Join(", ", _external.Distinct()));
    }

    [OneTimeTearDown]
    public async Task Close()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _pw?.Dispose();
    }

    private async Task<IPage> OpenReport()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        // Nothing may leave the machine: the single file must be self-contained (checked, not blocked, to keep it fast).
        page.Request += (_, r) =>
        {
            if (r.Url.StartsWith("http:", StringComparison.Ordinal) || r.Url.StartsWith("https:", StringComparison.Ordinal))
                lock (_external) _external.Add(r.Url);
        };
        await page.GotoAsync(new Uri(_index).AbsoluteUri);
        var sw = Stopwatch.StartNew();
        await page.GetByTestId("metadata-item-total").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        TestContext.Out.WriteLine($"report loaded in {sw.ElapsedMilliseconds} ms");
        return page;
    }

    private static string Shot(string name) => Path.Combine(TestContext.CurrentContext.WorkDirectory, name);

    private int Count(AllureStatus s) => _results.Count(r => r.Status == s);

    private async Task<IPage> OpenTest(string purposeId)
    {
        var page = await OpenReport();
        await page.GetByTestId("search-input").FillAsync(purposeId);
        var leaf = page.GetByTestId("tree-leaf").Filter(new LocatorFilterOptions { HasText = purposeId });
        await Assertions.Expect(leaf).ToHaveCountAsync(1);
        await leaf.ClickAsync();
        await Assertions.Expect(page.GetByTestId("test-result-info-title")).ToContainTextAsync(purposeId);
        return page;
    }

    [Test]
    public async Task SummaryCountsEqualTheResults()
    {
        var page = await OpenReport();
        async Task<int> Shown(string status) =>
            int.Parse(await page.GetByTestId($"metadata-item-{status}").GetByTestId("metadata-value").InnerTextAsync());
        Assert.Multiple(async () =>
        {
            Assert.That(await Shown("total"), Is.EqualTo(_results.Count));
            Assert.That(await Shown("passed"), Is.EqualTo(Count(AllureStatus.Passed)));
            Assert.That(await Shown("failed"), Is.EqualTo(Count(AllureStatus.Failed)));
            Assert.That(await Shown("broken"), Is.EqualTo(Count(AllureStatus.Broken)));
            Assert.That(await Shown("skipped"), Is.EqualTo(Count(AllureStatus.Skipped)));
        });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("report-overview.png") });
        TestContext.Out.WriteLine("screenshot: " + Shot("report-overview.png"));
    }

    [Test]
    public async Task EnvironmentShowsTheDut()
    {
        var page = await OpenReport();
        var model = page.GetByTestId("metadata-item").Filter(new LocatorFilterOptions { Has = page.GetByTestId("metadata-item-key").GetByText("DUT.model", new() { Exact = true }) });
        await Assertions.Expect(model.GetByTestId("metadata-item-value")).ToHaveTextAsync("SampleRouter 9000 / SampleOS 1.2.3");
        var profile = page.GetByTestId("metadata-item").Filter(new LocatorFilterOptions { Has = page.GetByTestId("metadata-item-key").GetByText("Profile", new() { Exact = true }) });
        await Assertions.Expect(profile.GetByTestId("metadata-item-value")).ToHaveTextAsync("sample-profile");
    }

    [Test]
    public async Task FailedCaseShowsMessageCategoryAndDownloadablePcap()
    {
        var page = await OpenTest("SAMPLE-END-BI-02");
        await Assertions.Expect(page.GetByTestId("test-result-status-failed")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("test-result-error-message")).ToContainTextAsync("FAIL: DUT forwarded the packet with Segments Left = 3");
        await Assertions.Expect(page.GetByText("Category: DUT non-conformance")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("test-result-meta-link")).ToContainTextAsync("RFC 8754");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("report-failed-case.png") });
        TestContext.Out.WriteLine("screenshot: " + Shot("report-failed-case.png"));

        await page.GetByTestId("test-result-tab-attachments").ClickAsync();
        var header = page.GetByTestId("test-result-attachment-header").Filter(new LocatorFilterOptions { HasText = "dut-egress" });
        await Assertions.Expect(header).ToContainTextAsync("application/vnd.tcpdump.pcap");
        var download = await page.RunAndWaitForDownloadAsync(() => header.GetByRole(AriaRole.Button).First.ClickAsync());
        var saved = Path.Combine(TestContext.CurrentContext.WorkDirectory, "downloaded-" + download.SuggestedFilename);
        await download.SaveAsAsync(saved);
        var expected = _results.Single(r => r.Label("testPurposeId") == "SAMPLE-END-BI-02").Steps.SelectMany(s => s.Attachments).Single();
        Assert.That(await File.ReadAllBytesAsync(saved), Is.EqualTo(await File.ReadAllBytesAsync(Path.Combine(_run.ResultsDir, expected.Source))));
    }

    [Test]
    public async Task BrokenCaseIsShownAsBrokenWithItsReason()
    {
        var page = await OpenTest("SAMPLE-HMAC-BV-03");
        await Assertions.Expect(page.GetByTestId("test-result-status-broken")).ToBeVisibleAsync();
        // The test's own error comes first; the failing step shows its error too.
        var error = page.GetByTestId("test-result-error-message").First;
        await Assertions.Expect(error).ToContainTextAsync("INCONC:");
        await Assertions.Expect(error).ToContainTextAsync("TestbedException");
        await Assertions.Expect(error).ToContainTextAsync("traffic generator did not answer on the control link");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("report-broken-case.png") });
        await Assertions.Expect(page.GetByText("Category: Testbed or harness problem")).ToBeVisibleAsync();
        Assert.That(await page.ContentAsync(), Does.Not.Contain("hunter2-Sup3rS3cret"));
        Assert.That(await File.ReadAllTextAsync(_index), Does.Not.Contain("hunter2-Sup3rS3cret"));
    }

    [Test]
    public async Task VerdictCategoriesAreListed()
    {
        var page = await OpenReport();
        await page.GetByTestId("nav-tab-categories").ClickAsync();
        var titles = page.GetByTestId("tree-section-title");
        await Assertions.Expect(titles).ToHaveTextAsync(["DUT non-conformance", "Testbed or harness problem", "Not claimed by profile"]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("report-categories.png") });
    }
}
