using System.Net;
using System.Text.RegularExpressions;
using Anthropic.Models.Messages;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The Keys screen in a real headless Chromium, with traffic from the official SDK.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class KeysScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_key_is_created_with_a_budget_shown_once_spends_and_is_rotated_and_revoked()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/keys");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;

        // Creation: the API's error in place for a workspace that does not exist, then the key with a budget.
        var form = page.Locator("#create-key");
        await form.GetByLabel("Workspace").FillAsync("no-such-workspace");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("no-such-workspace");
        await form.GetByLabel("Workspace").FillAsync(tenant.Workspace);
        await form.GetByLabel("Name").FillAsync("console key");
        await form.GetByLabel("Budget (USD)").FillAsync("5");
        await form.GetByLabel("Budget period").SelectOptionAsync("monthly");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        var secret = await page.Locator("#new-secret").TextContentAsync();
        Assert.NotNull(secret);
        await Assertions.Expect(page.Locator("#claude-code-snippet")).ToHaveTextAsync(
            $"export ANTHROPIC_BASE_URL={gateway.BaseUrl.GetLeftPart(UriPartial.Authority)}\nexport ANTHROPIC_AUTH_TOKEN={secret}\nclaude");
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#secret-panel")).ToContainTextAsync("Copied.");
        Assert.Equal(secret, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await page.Locator("#secret-done").ClickAsync();
        // Shown once: gone from the page, never in its storage.
        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));

        // The secret works with the official SDK, and its spend shows in the list against the budget.
        await SendAsync(secret);
        await console.GoAsync($"#/keys?workspace={tenant.Workspace}");
        var row = page.Locator("tr", new() { Has = page.GetByText("console key", new() { Exact = true }) });
        await console.ReloadUntilAsync(row.Locator("td").Nth(4), SpentSomething());
        await Assertions.Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("$5.00 monthly");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("active");
        var remaining = decimal.Parse((await row.Locator("td").Nth(6).TextContentAsync())!.TrimStart('$'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 4.9m, 4.999999m);
        await Assertions.Expect(row.Locator("td").Nth(7)).ToHaveTextAsync(NextMonthStart());
        await console.ScreenshotAsync("keys");

        // Rotation: a new secret, shown once; the old one stops at once (no grace).
        await row.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm rotate" }).ClickAsync();
        await Assertions.Expect(page.Locator("#secret-panel h2")).ToHaveTextAsync("Key rotated: console key");
        var rotated = await page.Locator("#new-secret").TextContentAsync();
        Assert.NotEqual(secret, rotated);
        await page.Locator("#secret-done").ClickAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(secret));
        await SendAsync(rotated!);

        // Revocation: the list says so and the secret no longer works.
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm revoke" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(rotated!));
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    private async Task SendAsync(string secret)
    {
        using var client = Sdk.Through(gateway, secret);
        var message = await client.Messages.Create(new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 64,
            Messages = [new UserMessageParam("Hello from the console test")],
        });
        Assert.NotEmpty(message.Content);
    }

    private async Task<HttpStatusCode> StatusAsync(string secret)
    {
        using var request = Requests.Messages(secret, Requests.MessagesBody("Is this key still good?"));
        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static Regex NextMonthStart()
    {
        var now = DateTime.UtcNow;
        var next = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        return new Regex("^" + Regex.Escape(next.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)) + "Z$");
    }

    [GeneratedRegex(@"^\$0\.0*[1-9]")]
    private static partial Regex SpentSomething();
}
