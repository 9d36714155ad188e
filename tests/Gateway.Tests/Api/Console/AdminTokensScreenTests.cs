using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The admin tokens screen in a real headless Chromium: a token shown once signs in as its role until deleted.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AdminTokensScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    private const string Hostile = "<img src=x onerror=\"window.__pwned=1\">";

    [Fact]
    public async Task A_token_is_shown_once_signs_in_as_its_role_elsewhere_and_ends_that_session_when_deleted()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/admin-tokens");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#create-admin-token");

        // The API's refusal in place: an analyst needs a workspace.
        await form.GetByLabel("Name").FillAsync(Hostile);
        await form.GetByLabel("Role").SelectOptionAsync("analyst");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToHaveTextAsync("workspaces: a analyst token needs at least one workspace.");

        await form.GetByLabel("Workspaces (comma-separated)").FillAsync(tenant.Workspace);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#token-panel h2")).ToHaveTextAsync($"Admin token created: {Hostile}");
        var token = (await page.Locator("#new-admin-token").TextContentAsync())!;
        Assert.StartsWith("gwa_", token);
        await page.Locator("#token-panel").GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-panel")).ToContainTextAsync("Copied.");
        Assert.Equal(token, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));

        // Listed newest first with its role and workspace, its hostile name as text; the value only in the panel.
        var row = page.Locator("#admin-token-list tbody tr").First;
        await Assertions.Expect(row.Locator("td").Nth(0)).ToHaveTextAsync(Hostile);
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("analyst");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(tenant.Workspace);
        Assert.Equal(0, await page.Locator("#admin-token-list img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.__pwned === undefined"));
        await console.ScreenshotAsync("admin-tokens");
        await page.Locator("#token-done").ClickAsync();
        Assert.DoesNotContain(token, await page.ContentAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));

        // The token signs in, in a browser context of its own, as an analyst of that workspace.
        await using var analyst = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/audit");
        await analyst.SignInAsync(token);
        await Assertions.Expect(analyst.Page.Locator("#who")).ToHaveTextAsync($"{Hostile} (analyst · {tenant.Workspace})");
        await Assertions.Expect(analyst.Page.Locator("#nav")).Not.ToContainTextAsync("Admin tokens");
        await Assertions.Expect(analyst.Page.Locator("#audit-list table")).ToBeVisibleAsync();

        // Deleted: the analyst's next read ends that session and shows the sign-in form.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("#admin-token-list")).Not.ToContainTextAsync(Hostile);
        await analyst.GoAsync("#/users");
        await Assertions.Expect(analyst.Page.GetByLabel("Admin token")).ToBeVisibleAsync();
        await Assertions.Expect(analyst.Page.Locator("#top")).ToBeHiddenAsync();
        Assert.Contains(analyst.Answers, a => a.Path.StartsWith("/admin/v1/", StringComparison.Ordinal) && a.Status == 401);
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }
}
