using Microsoft.Playwright;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>A page opened in headless system Chromium through Playwright, closed with its browser when disposed.</summary>
public sealed class ChromiumPage : IAsyncDisposable
{
    readonly IPlaywright _playwright;
    readonly IBrowser _browser;

    public IPage Page { get; }

    /// <summary>Every URL the page asked for besides the file itself: a self-contained page asks for none.</summary>
    public List<string> Requests { get; } = [];

    ChromiumPage(IPlaywright playwright, IBrowser browser, IPage page) => (_playwright, _browser, Page) = (playwright, browser, page);

    /// <param name="file">A local HTML file, or an http(s) URL.</param>
    public static async Task<ChromiumPage> OpenAsync(string file)
    {
        string executable = Chromium.Require();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Headless = true });
        var page = await browser.NewPageAsync();
        var b = new ChromiumPage(playwright, browser, page);
        string url = file.StartsWith("http", StringComparison.Ordinal) ? file : new Uri(Path.GetFullPath(file)).AbsoluteUri;
        page.Request += (_, r) => { if (r.Url != url && !r.Url.StartsWith("data:", StringComparison.Ordinal)) b.Requests.Add(r.Url); };
        await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Load });
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
