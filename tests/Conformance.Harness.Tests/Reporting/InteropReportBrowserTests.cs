using Conformance.Cli.Commands;
using Conformance.Harness.Reporting;
using Conformance.Harness.Tests.Cases;
using Conformance.Harness.Tests.Profiles;
using Conformance.Harness.Tests.Support;
using Microsoft.Playwright;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>
/// The interop report of two real runs of the two-DUT Figure 1 testbed (the reference node as N2 and N4): both DUTs right, and
/// N4 faulted (End.X C52 over the wrong link) — the same runs InteropVerdictTests pays for — written by `srv6conf report
/// interop`, named and anonymised, and read in Chromium: the pair matrix, the issues blaming N4's vendor, the figures with the
/// DUTs' roles, the evidence per hop; the anonymised page names no vendor.
/// </summary>
[TestFixture, Category("Browser"), Category("Lab"), NonParallelizable]
public class InteropReportBrowserTests
{
    private const string Profile = "reference-figure1-n2node-n4node.yaml";
    private const string Fault = "Figure1EndXWrongLink@N4";
    private IPlaywright _pw = null!;
    private IBrowser _browser = null!;
    private string _named = "", _anonymous = "";
    private InteropReport _report = null!;

    [OneTimeSetUp]
    public async Task RunReportAndLaunch()
    {
        // The purpose sets of InteropVerdictTests' runs (so the cached runs are shared when both fixtures run).
        var table = CaseVerdictTests.TopologyTable.Where(r => r.Profile == Profile).ToList();
        IEnumerable<string> Set(string mode) => table.Where(r => r.PassMode == mode || r.FailMode == mode).Select(r => r.Purpose);
        var runs = new[] { (await CaseRunner.RunWithDirectoryAsync("None", Set("None"), Profile)).Directory, (await CaseRunner.RunWithDirectoryAsync(Fault, Set(Fault), Profile)).Directory };
        foreach (var dir in runs)
            ReportCommands.Statement(dir, Path.Combine(ProfileTestSupport.ProfilesDir, Profile), new StringWriter(), new StringWriter());
        _named = Directory.CreateTempSubdirectory("srv6conf-interop-named-").FullName;
        _anonymous = Directory.CreateTempSubdirectory("srv6conf-interop-anon-").FullName;
        var err = new StringWriter();
        Assert.That(ReportCommands.Interop(runs, _named, false, null, null, new StringWriter(), err), Is.Zero, err.ToString());
        Assert.That(ReportCommands.Interop(runs, _anonymous, true, null, null, new StringWriter(), err), Is.Zero, err.ToString());
        _report = InteropReport.Build(runs, [.. CaseRunner.Purposes.Values.SelectMany(m => m.GetCustomAttributes(typeof(TestPurposeAttribute), false).Cast<TestPurposeAttribute>())], false);
        _pw = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_pw);
    }

    [OneTimeTearDown]
    public async Task Close()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _pw?.Dispose();
        foreach (var d in new[] { _named, _anonymous }.Where(Directory.Exists)) Directory.Delete(d, true);
    }

    private async Task<IPage> Open(string dir)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        await page.GotoAsync(new Uri(Path.Combine(dir, InteropReport.HtmlFileName)).AbsoluteUri);
        return page;
    }

    [Test]
    public async Task TheMatrixHasOneRowPerDutPair_TheFaultedRowFailsEveryTestBlamedOnN4()
    {
        var page = await Open(_named);
        var ids = _report.Tests.Select(t => t.Purpose.Id).ToList();
        Assert.That(ids, Is.SupersetOf(new[] { "TP-IOP-BV-01", "TP-IOP-BV-02", "TP-IOP-BV-03", "TP-IOP-BV-04" }));
        var rows = page.GetByTestId("pair-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0).Locator("td").Nth(0)).ToHaveTextAsync("N2 = refnode · N4 = refnode");
        await Assertions.Expect(rows.Nth(1).Locator("td").Nth(0)).ToHaveTextAsync($"N2 = refnode · N4 = refnode (fault {Fault})");
        // The faulted run has the purposes that fault controls (the fault runs of InteropVerdictTests); the others show "—".
        var faultedIds = _report.Tests.Where(t => t.Results.Any(r => r.Run == 1)).Select(t => t.Purpose.Id).ToList();
        Assert.That(faultedIds, Is.SupersetOf(new[] { "TP-IOP-BV-01", "TP-IOP-BV-02", "TP-IOP-BV-03", "TP-IOP-BV-04" }));
        foreach (var id in ids.Except(faultedIds))
            await Assertions.Expect(rows.Nth(1).Locator($"td[data-test='{id}']")).ToHaveTextAsync("—");
        foreach (var id in faultedIds)
        {
            await Assertions.Expect(rows.Nth(0).Locator($"td[data-test='{id}']")).ToHaveTextAsync("PASS");
            await Assertions.Expect(rows.Nth(1).Locator($"td[data-test='{id}']")).ToHaveTextAsync("FAIL (refnode@N4)");
        }
        var blamed = await page.GetByTestId("issues").GetByTestId("blamed").AllInnerTextsAsync();
        Assert.That(blamed, Has.Count.EqualTo(faultedIds.Count).And.All.EqualTo("refnode (srv6conf SRv6 reference node (srv6-refnode) 0.1.0) at N4"), "the issues name the vendor of the faulted DUT");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "interop-report.png"), FullPage = false });
    }

    [Test]
    public async Task EachTestShowsItsFigureWithTheDutsRoles_ItsRoleTable_AndTheEvidencePerHop()
    {
        var page = await Open(_named);
        var section = page.Locator("section#TP-IOP-BV-03");
        await Assertions.Expect(section.Locator("svg [data-dut='1']")).ToHaveCountAsync(2);
        await Assertions.Expect(section.Locator("svg text[data-role='N2']").First).ToContainTextAsync("transit endpoint");
        await Assertions.Expect(section.GetByTestId("procedure")).ToContainTextAsync("O-flag");
        await Assertions.Expect(section.GetByTestId("role-row")).ToHaveCountAsync(2);
        await Assertions.Expect(section.Locator("blockquote").First).ToContainTextAsync("RFC 9259 §2.1.1");
        await section.Locator("figure").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "interop-figure.png") });
        var faulted = page.Locator("section#TP-IOP-BV-01").GetByTestId("evidence").Nth(1);
        await faulted.Locator("summary").ClickAsync();
        await Assertions.Expect(faulted).ToContainTextAsync("probe 0 on link10 (N4→N5): missing");
        await Assertions.Expect(faulted).ToContainTextAsync("Received on tester ports and link taps");
        await Assertions.Expect(faulted.Locator("a", new() { HasText = "pcapng" })).ToHaveCountAsync(1);
    }

    [Test]
    public async Task TheAnonymisedReportNamesNoVendorAnywhere()
    {
        var page = await Open(_anonymous);
        var text = await page.Locator("body").InnerTextAsync();
        var html = await page.ContentAsync();
        foreach (var name in new[] { "refnode", "srv6conf SRv6 reference node", "reference-figure1", "n2node-n4node" })
        {
            Assert.That(text, Does.Not.Contain(name).IgnoreCase, $"the page shows {name}");
            Assert.That(html, Does.Not.Contain(name).IgnoreCase, $"the page's source holds {name}");
        }
        foreach (var f in Directory.GetFiles(_anonymous))
            Assert.That(File.ReadAllText(f), Does.Not.Contain("refnode").IgnoreCase, Path.GetFileName(f));
        await Assertions.Expect(page.GetByTestId("participant")).ToHaveCountAsync(1);
        var blamed = await page.GetByTestId("issues").GetByTestId("blamed").AllInnerTextsAsync();
        Assert.That(blamed, Is.Not.Empty.And.All.EqualTo("A at N4"));
        await Assertions.Expect(page.GetByTestId("pair-row").Nth(0).Locator("td").Nth(0)).ToHaveTextAsync("N2 = A · N4 = A");
    }
}
