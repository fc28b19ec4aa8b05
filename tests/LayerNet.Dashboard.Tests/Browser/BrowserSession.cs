using PuppeteerSharp;

namespace LayerNet.Dashboard.Tests.Browser;

/// <summary>
/// Debian's headless Chromium (package chromium, installed by .ci/run; never downloaded), driven over the DevTools
/// protocol by PuppeteerSharp. <c>LAYERNET_CHROMIUM</c> names another browser binary.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    private BrowserSession(IBrowser browser) => Browser = browser;

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>The browser binary used.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("LAYERNET_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Launches the browser; a missing browser fails the test with how to install it.</summary>
    public static async Task<BrowserSession> LaunchAsync()
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail($"no browser at {Executable}: install Debian's chromium (apt-get install chromium), as .ci/run does, or set LAYERNET_CHROMIUM");
        }

        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            // Root in CI has no user namespace sandbox; the pages are our own, served on loopback.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,900"],
            DefaultViewport = new PuppeteerSharp.ViewPortOptions { Width = 1280, Height = 900 },
            Timeout = 60_000,
        }).ConfigureAwait(false);
        return new BrowserSession(browser);
    }

    /// <summary>A new page (tab) with a 30 s default time-out.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await Browser.NewPageAsync().ConfigureAwait(false);
        page.DefaultTimeout = 30_000;
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync().ConfigureAwait(false);
        await Browser.DisposeAsync().ConfigureAwait(false);
    }
}
