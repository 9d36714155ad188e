using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;
using static Gateway.Tests.Api.Console.WorkspacesScreenTests;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// Issue 20's walkthrough in a real headless Chromium: everything an org admin sets up is done in the browser, the
/// traffic comes from the official SDK, and what it cost is followed to the spend chart, the logs and the chargeback.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WalkthroughTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_workspace_provider_and_key_set_up_in_the_console_serve_the_sdk_and_its_request_is_found_charged_and_its_key_retired()
    {
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        var provider = "p-" + workspace;
        var phrase = $"saffron lighthouse {Guid.NewGuid():N}"[..34];
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;

        // Set-up, all in the browser: a workspace with a budget, a provider to the fake upstream, a key with a budget.
        await console.GoAsync("#/workspaces");
        var workspaceForm = page.Locator("#create-workspace");
        await Label(workspaceForm, "Id").FillAsync(workspace);
        await Label(workspaceForm, "Budget (USD)").FillAsync("50");
        await workspaceForm.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(page.Locator("#workspace-budget")).ToContainTextAsync("$50.00 of $50.00 monthly");

        await console.GoAsync("#/providers");
        var providerForm = page.Locator("#create-provider");
        await Label(providerForm, "Slug").FillAsync(provider);
        await Label(providerForm, "Base URL").FillAsync(gateway.Fake.BaseUrl.ToString());
        await Label(providerForm, "API key").FillAsync(gateway.Fake.ApiKey);
        await Label(providerForm, "Workspaces (empty: every workspace)").FillAsync(workspace);
        await providerForm.GetByRole(AriaRole.Button, new() { Name = "Create provider" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Provider {provider}" })).ToBeVisibleAsync();

        await console.GoAsync("#/keys");
        var keyForm = page.Locator("#create-key");
        await keyForm.GetByLabel("Workspace").FillAsync(workspace);
        await keyForm.GetByLabel("Name").FillAsync("walkthrough key");
        await keyForm.GetByLabel("Budget (USD)").FillAsync("5");
        await keyForm.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = (await page.Locator("#new-secret").TextContentAsync())!;
        await page.Locator("#secret-done").ClickAsync();

        // Traffic with the official SDK.
        await SendAsync(secret, $"Tell me about the {phrase}.");
        await AdminReads.CatchUpAsync(gateway);
        var logged = Assert.Single(await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={workspace}"));
        var requestId = logged["request_id"]!.GetValue<string>();
        Assert.Equal(provider, logged["provider"]!.GetValue<string>());
        await AdminReads.WaitForBodiesAsync(gateway, requestId);

        // The overview: the new workspace's spend this month, as the spend report has it, and the ledger taking events.
        var spent = (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/spend?group_by=workspace&interval=month&from={AdminReads.CurrentMonth()}-01"))["data"]!
            .AsArray().Single(r => r!["group"]!.GetValue<string>() == workspace)!["cost_usd"]!.GetValue<decimal>();
        Assert.True(spent > 0);
        await console.GoAsync("#/overview");
        await Assertions.Expect(page.Locator($"#overview-spend tr[data-group='{workspace}'] td").Nth(2))
            .ToHaveTextAsync("$" + spent.ToString("#,##0.00####", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#ledger-state")).ToHaveTextAsync("Ledger: takes usage events");

        // The spend chart and its totals.
        await console.GoAsync("#/spend?group_by=workspace&interval=day");
        var spendRow = page.Locator($"#spend-totals tr[data-group='{workspace}']");
        await Assertions.Expect(spendRow.Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#spend-chart canvas")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#spend-chart .u-legend")).ToContainTextAsync(workspace);

        // The chargeback CSV the page downloads is the API's, byte for byte.
        var csv = await ChargebackDownloads.AssertSameAsApiAsync(console, gateway, AdminReads.CurrentMonth());
        Assert.Contains($"{workspace},1,", System.Text.Encoding.UTF8.GetString(csv));

        // The request found by a phrase of its prompt, and its detail.
        await console.GoAsync("#/logs");
        await page.GetByLabel("Search prompts and answers").FillAsync(phrase);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var rows = page.Locator("#log-results tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-request", requestId);
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.Locator("#conversation")).ToContainTextAsync($"Tell me about the {phrase}.");
        await Assertions.Expect(page.Locator("#request-summary")).ToContainTextAsync($"Workspace{workspace}");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Attempts" }).Locator("tbody tr")).ToContainTextAsync(provider);

        // Rotation: the old secret is refused by the SDK as an authentication error; revocation ends the new one.
        await console.GoAsync($"#/keys?workspace={workspace}");
        var keyRow = page.Locator("tr", new() { Has = page.GetByText("walkthrough key", new() { Exact = true }) });
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Confirm rotate" }).ClickAsync();
        await Assertions.Expect(page.Locator("#secret-panel h2")).ToHaveTextAsync("Key rotated: walkthrough key");
        var rotated = (await page.Locator("#new-secret").TextContentAsync())!;
        await page.Locator("#secret-done").ClickAsync();
        await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => SendAsync(secret, "the old secret"));
        await SendAsync(rotated, "the new secret");
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Confirm revoke" }).ClickAsync();
        await Assertions.Expect(keyRow.Locator("td").Nth(3)).ToHaveTextAsync("revoked");
        var revoked = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => SendAsync(rotated, "a revoked secret"));
        Assert.Contains("revoked", revoked.ApiMessage);

        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.DoesNotContain(rotated, await page.ContentAsync());
        Assert.DoesNotContain(console.Answers, a => a.Status >= 400 && a.Path.StartsWith("/admin/", StringComparison.Ordinal));
    }

    private async Task SendAsync(string secret, string prompt)
    {
        using var client = Sdk.Through(gateway, secret);
        var message = await client.Messages.Create(new MessageCreateParams
        {
            Model = Requests.Model,
            MaxTokens = 64,
            Messages = [new UserMessageParam(prompt)],
        });
        Assert.NotEmpty(message.Content);
    }
}
