using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// The secrets that pass through the console — a new key's secret, a new admin token, a provider's credential, the
/// admin token it is signed in with, the session cookies, the identity provider's code, tokens and client secret — in
/// none of the gateway process's log lines, and the created ones nowhere in the page (its HTML, address, storage,
/// inputs or script-readable cookies) once shown.
/// </summary>
[Collection(OidcConsoleCollection.Name)]
public sealed class ConsoleSecretsTests(OidcConsoleGateway gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_key_created_in_the_console_and_the_sign_ins_leave_no_secret_in_the_logs_or_the_page()
    {
        var secrets = new List<string> { OidcConsoleGateway.AdminToken, OidcConsoleGateway.ClientSecret };
        gateway.SignInNext("olga@example.com", OidcConsoleGateway.OrgAdmins);
        await using (var viaProvider = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl))
        {
            await viaProvider.SignInWithProviderAsync("Example Corp");
            secrets.AddRange((await viaProvider.Page.Context.CookiesAsync()).Select(c => c.Value));
        }

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/keys");
        await console.SignInAsync(OidcConsoleGateway.AdminToken);
        var page = console.Page;
        var form = page.Locator("#create-key");
        await form.GetByLabel("Workspace").FillAsync(gateway.WorkspaceA);
        await form.GetByLabel("Name").FillAsync("kept secret");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#new-secret")).ToBeVisibleAsync();
        var secret = (await page.Locator("#new-secret").TextContentAsync())!;
        Assert.StartsWith("gwk_", secret, StringComparison.Ordinal);
        secrets.Add(secret);
        secrets.AddRange((await page.Context.CookiesAsync()).Select(c => c.Value));

        await page.Locator("#secret-done").ClickAsync();
        await Assertions.Expect(page.Locator("#secret-panel")).ToBeHiddenAsync();
        var inPage = await page.ContentAsync() + page.Url + await page.EvaluateAsync<string>(
            "JSON.stringify([document.cookie, Object.entries(localStorage), Object.entries(sessionStorage), history.state])");
        Assert.DoesNotContain(secret, inPage, StringComparison.Ordinal);
        Assert.DoesNotContain(OidcConsoleGateway.AdminToken, inPage, StringComparison.Ordinal);

        // An admin token created in the console: shown once, then nowhere in the page.
        await console.GoAsync("#/admin-tokens");
        var tokenForm = page.Locator("#create-admin-token");
        await tokenForm.GetByLabel("Name").FillAsync("kept secret too");
        await tokenForm.GetByLabel("Role").SelectOptionAsync("analyst");
        await tokenForm.GetByLabel("Workspaces (comma-separated)").FillAsync(gateway.WorkspaceA);
        await tokenForm.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var adminToken = (await page.Locator("#new-admin-token").TextContentAsync())!;
        Assert.True(adminToken.Length >= 16);
        secrets.Add(adminToken);
        await page.Locator("#token-done").ClickAsync();
        await Assertions.Expect(page.Locator("#token-panel")).ToBeHiddenAsync();

        // A provider's credential typed into the console: sent once, never shown back.
        var credential = "sk-ant-console-" + Guid.NewGuid().ToString("N");
        secrets.Add(credential);
        await console.GoAsync("#/providers");
        var providerForm = page.Locator("#create-provider");
        await WorkspacesScreenTests.Label(providerForm, "Slug").FillAsync("secret-" + Guid.NewGuid().ToString("N")[..8]);
        await WorkspacesScreenTests.Label(providerForm, "Base URL").FillAsync(gateway.Fake.BaseUrl.ToString());
        await WorkspacesScreenTests.Label(providerForm, "API key").FillAsync(credential);
        await providerForm.GetByRole(AriaRole.Button, new() { Name = "Create provider" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-provider")).ToContainTextAsync("credentials: api_key");
        var afterCreation = await page.ContentAsync() + page.Url + await page.EvaluateAsync<string>(
            "JSON.stringify([document.cookie, Object.entries(localStorage), Object.entries(sessionStorage), history.state, [...document.querySelectorAll('input')].map(i => i.value)])");
        Assert.DoesNotContain(adminToken, afterCreation, StringComparison.Ordinal);
        Assert.DoesNotContain(credential, afterCreation, StringComparison.Ordinal);

        // The key is used, so the data plane's log lines of its request are there too.
        var request = await gateway.SendAsync(secret, "a request with the console's new key");
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            using var log = await gateway.Admin.GetAsync($"/admin/v1/logs/{request}");
            return log.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60)), $"request {request} was not logged within 60 s");

        secrets.AddRange(gateway.Issuer.IssuedCodes);
        secrets.AddRange(gateway.Issuer.AnsweredTokens);
        Assert.True(gateway.Issuer.IssuedCodes.Count > 0 && gateway.Issuer.AnsweredTokens.Count > 0);
        var output = gateway.Process.Output;
        // These are the live logs: the sign-in through the provider is in them.
        Assert.Contains("Console sign-in of olga@example.com as org_admin", output, StringComparison.Ordinal);
        var leaked = secrets.Where(s => s.Length >= 16 && output.Contains(s, StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, $"{leaked.Count} secrets are in the gateway's logs:\n{output}");
    }
}
