using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One browser tab on the gateway's console, in a context of its own, that records every admin API answer the page
/// got (to show that no screen asks for what its role may not read) and saves screenshots for the README.
/// </summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<(string Method, string Path, int Status)> _answers = [];

    private ConsolePage(IBrowserContext context, IPage page, Uri baseUrl)
    {
        _context = context;
        Page = page;
        BaseUrl = baseUrl;
        page.Request += (_, request) => Count(request, +1);
        page.RequestFinished += (_, request) => Count(request, -1);
        page.RequestFailed += (_, request) => Count(request, -1);
        page.Response += (_, response) =>
        {
            var path = new Uri(response.Url).PathAndQuery;
            if (path.StartsWith("/admin/", StringComparison.Ordinal) || path.StartsWith("/console/session", StringComparison.Ordinal))
            {
                lock (_answers)
                {
                    _answers.Add((response.Request.Method, path, response.Status));
                }
            }
        };
    }

    public IPage Page { get; }

    private int _fetching;

    /// <summary>
    /// Waits until the page has no request to the gateway's API in flight, twice in a row around a turn of its event
    /// loop (a screen asks for its data as it is drawn, and may ask again when the answer arrives).
    /// </summary>
    public async Task SettledAsync()
    {
        var quiet = 0;
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            await Page.EvaluateAsync("() => new Promise(resolve => setTimeout(resolve, 0))");
            quiet = Volatile.Read(ref _fetching) == 0 ? quiet + 1 : 0;
            return quiet >= 2;
        }, TimeSpan.FromSeconds(60)), "the page's requests did not end within 60 s");
    }

    public Uri BaseUrl { get; }

    /// <summary>The admin API calls the page made so far, with their statuses.</summary>
    public IReadOnlyList<(string Method, string Path, int Status)> Answers
    {
        get
        {
            lock (_answers)
            {
                return [.. _answers];
            }
        }
    }

    private void Count(Microsoft.Playwright.IRequest request, int change)
    {
        if (request.ResourceType is "fetch" or "xhr")
        {
            Interlocked.Add(ref _fetching, change);
        }
    }

    public static async Task<ConsolePage> OpenAsync(Chromium chromium, Uri baseUrl, string hash = "")
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            // The Copy buttons write the clipboard; tests read it back.
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        // CI shares two cores: generous waits, each still bounded.
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var console = new ConsolePage(context, page, baseUrl);
        await page.GotoAsync("/console/" + hash);
        return console;
    }

    /// <summary>Signs in with <paramref name="token"/> through the sign-in form and waits for the first screen.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GetByLabel("Admin token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#who")).ToBeVisibleAsync();
    }

    public Task GoAsync(string hash) => Page.GotoAsync("/console/" + hash);

    /// <summary>
    /// Signs in through the organisation's identity provider: its button, the provider's redirect back, and the first screen.
    /// </summary>
    public async Task SignInWithProviderAsync(string displayName)
    {
        await Page.GetByRole(AriaRole.Link, new() { Name = $"Sign in with {displayName}" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#who")).ToBeVisibleAsync();
    }

    /// <summary>Set to 1 to refresh the README's screenshots in <c>docs/screenshots</c>; otherwise they go to a temporary folder.</summary>
    public const string ScreenshotsVariable = "GATEWAY_SCREENSHOTS";

    /// <summary>
    /// A screenshot: into <c>docs/screenshots</c>, where the README shows it, when <see cref="ScreenshotsVariable"/> is 1;
    /// else into a temporary folder, so a test run leaves the tracked images alone while still taking them.
    /// </summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Environment.GetEnvironmentVariable(ScreenshotsVariable) == "1"
            ? Path.Combine(RepositoryFiles.Root(), "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "gateway-screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    /// <summary>Reloads a screen until <paramref name="locator"/> shows text matching <paramref name="pattern"/> (data arrives behind requests).</summary>
    public async Task ReloadUntilAsync(ILocator locator, Regex pattern, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await Assertions.Expect(locator).ToHaveTextAsync(pattern, new() { Timeout = 2_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
                await Page.ReloadAsync();
            }
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
