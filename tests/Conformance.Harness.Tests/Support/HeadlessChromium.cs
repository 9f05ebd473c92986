using Microsoft.Playwright;

namespace Conformance.Harness.Tests.Support;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium, package chromium) driven by Playwright, headless and offline: Playwright's own
/// browser download does not work here, and the reports are read from files.
/// </summary>
internal static class HeadlessChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = Args });
}
