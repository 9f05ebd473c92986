using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Cases;
using Microsoft.Playwright;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>
/// The report of a real run: two cases against the reference lab brought up with one fault mode
/// (EndWithoutPsp: the PSP case fails, the End case passes), rendered by scripts/render-report.sh
/// and read in Chromium as a person would: the counts, the failed case's field diff, its pcap
/// (downloadable, byte for byte) and the DUT in the environment.
/// </summary>
[TestFixture, Category("Browser"), Category("Lab"), NonParallelizable]
public class LabRunReportBrowserTests
{
    private string _resultsDir = "", _index = "";
    private IPlaywright _pw = null!;
    private IBrowser _browser = null!;

    [OneTimeSetUp]
    public async Task RunRenderAndLaunch()
    {
        var (outcomes, dir) = await CaseRunner.RunWithEnvironmentAsync("EndWithoutPsp", ["TP-PSP-BV-01", "TP-END-BV-01"], new Dictionary<string, string>());
        Assert.That(outcomes["TP-PSP-BV-01"].Status, Is.EqualTo("failed"));
        Assert.That(outcomes["TP-END-BV-01"].Status, Is.EqualTo("passed"));
        _resultsDir = Path.Combine(dir, "allure-results");
        var repo = AllureResultsLocator.FindRepoRoot(AppContext.BaseDirectory)!;
        var (exit, stdout, stderr) = RenderReportTests.Render(repo, dir, Path.Combine(dir, "history.jsonl"));
        Assert.That(exit, Is.Zero, stderr);
        _index = stdout.Trim().Split('\n').Last();
        _pw = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_pw);
    }

    [OneTimeTearDown]
    public async Task Close()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _pw?.Dispose();
    }

    private async Task<IPage> Open()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        await page.GotoAsync(new Uri(_index).AbsoluteUri);
        await page.GetByTestId("metadata-item-total").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        return page;
    }

    [Test]
    public async Task CountsFieldDiffPcapAndDutAreShown()
    {
        var page = await Open();
        async Task<int> Shown(string status) => int.Parse(await page.GetByTestId($"metadata-item-{status}").GetByTestId("metadata-value").InnerTextAsync());
        Assert.That(await Shown("total"), Is.EqualTo(2));
        Assert.That(await Shown("failed"), Is.EqualTo(1));
        Assert.That(await Shown("passed"), Is.EqualTo(1));
        var more = page.GetByText("Show more", new() { Exact = true });
        if (await more.CountAsync() > 0) await more.First.ClickAsync();
        var fault = page.GetByTestId("metadata-item").Filter(new LocatorFilterOptions { Has = page.GetByTestId("metadata-item-key").GetByText("lab.fault_mode", new() { Exact = true }) });
        await Assertions.Expect(fault.GetByTestId("metadata-item-value")).ToHaveTextAsync("EndWithoutPsp");
        var platform = page.GetByTestId("metadata-item").Filter(new LocatorFilterOptions { Has = page.GetByTestId("metadata-item-key").GetByText("dut.platform", new() { Exact = true }) });
        await Assertions.Expect(platform.GetByTestId("metadata-item-value")).ToHaveTextAsync("linux");

        await page.GetByTestId("search-input").FillAsync("TP-PSP-BV-01");
        await page.GetByTestId("tree-leaf").Filter(new LocatorFilterOptions { HasText = "TP-PSP-BV-01" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("test-result-status-failed")).ToBeVisibleAsync();
        // The field-by-field difference: the SRH that PSP should have removed is still there.
        await Assertions.Expect(page.GetByTestId("test-result-error-message").First).ToContainTextAsync("ipv6.next_header: expected 58, received 43");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "lab-report-failed-case.png") });

        await page.GetByTestId("test-result-tab-attachments").ClickAsync();
        var pcapHeader = page.GetByTestId("test-result-attachment-header").Filter(new LocatorFilterOptions { HasText = "exchange.pcapng" });
        await Assertions.Expect(pcapHeader).ToContainTextAsync("application/vnd.tcpdump.pcap");
        var download = await page.RunAndWaitForDownloadAsync(() => pcapHeader.GetByRole(AriaRole.Button).First.ClickAsync());
        var saved = Path.Combine(TestContext.CurrentContext.WorkDirectory, "lab-" + download.SuggestedFilename);
        await download.SaveAsAsync(saved);
        var result = ConformanceStatement.ReadResults(_resultsDir).Single(r => r.Label("testPurposeId") == "TP-PSP-BV-01");
        var source = result.Attachments.Concat(result.Steps.SelectMany(s => s.Attachments)).Single(a => a.Name.EndsWith("exchange.pcapng", StringComparison.Ordinal)).Source;
        Assert.That(await File.ReadAllBytesAsync(saved), Is.EqualTo(await File.ReadAllBytesAsync(Path.Combine(_resultsDir, source))));
        await Assertions.Expect(page.GetByTestId("test-result-attachment-header").Filter(new LocatorFilterOptions { HasText = "Expected vs received" })).ToHaveCountAsync(1);
    }
}
