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

    /// <summary>A screenshot into <c>docs/screenshots</c>, where the README shows it.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(RepositoryFiles.Root(), "docs", "screenshots");
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
