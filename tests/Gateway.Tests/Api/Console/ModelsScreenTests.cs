using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The model catalog screen in a real headless Chromium: add, override, delete, and the API's refusals in place.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ModelsScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    private const string Hostile = "<img src=x onerror=\"window.__pwned=1\">";

    [Fact]
    public async Task A_model_is_added_with_exact_prices_a_shipped_one_overridden_and_only_the_added_one_deleted()
    {
        var id = "console-model-" + Guid.NewGuid().ToString("N")[..8];
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/models");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#model-form");

        // A price the API refuses: its message in place, nothing added.
        await form.GetByLabel("Model id").FillAsync(id);
        await form.GetByLabel("Display name").FillAsync(Hostile);
        await form.GetByLabel("Input", new() { Exact = true }).FillAsync("-1");
        await form.GetByLabel("Output", new() { Exact = true }).FillAsync("15");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add model" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("prices.input: a number of USD per million tokens");
        using (var missing = await gateway.Admin.GetAsync($"/admin/v1/models/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // Corrected: added with the decimal digits typed, its hostile name shown as text.
        await form.GetByLabel("Input", new() { Exact = true }).FillAsync("0.123456");
        await form.GetByLabel("Alias").FillAsync(id + "-latest");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add model" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        var added = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/models/{id}");
        Assert.Equal("0.123456", added["prices"]!["input"]!.ToJsonString());
        Assert.Equal(Hostile, added["display_name"]!.GetValue<string>());

        await console.GoAsync($"#/models?name={id}-latest");
        var row = page.Locator($"tr[data-model='{id}']");
        await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync(Hostile);
        await Assertions.Expect(row.Locator("td").Nth(0)).ToContainTextAsync($"aliases: {id}-latest");
        await Assertions.Expect(row.Locator("td").Nth(6)).ToHaveTextAsync("0.123456");
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("custom");
        Assert.Equal(0, await row.Locator("img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.__pwned === undefined"));

        // A shipped model overridden in place, then its delete refused by the API beside the button.
        await console.GoAsync("#/models?name=claude-haiku-5-5");
        var shipped = page.Locator("tr[data-model='claude-haiku-5-5']");
        var shippedName = await shipped.Locator("td").Nth(1).TextContentAsync();
        try
        {
            await shipped.GetByRole(AriaRole.Button, new() { Name = "Override" }).ClickAsync();
            await Assertions.Expect(form.GetByLabel("Model id")).ToHaveValueAsync("claude-haiku-5-5");
            await form.GetByLabel("Display name").FillAsync("Haiku (console override)");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Assertions.Expect(shipped.Locator("td").Nth(1)).ToHaveTextAsync("Haiku (console override)");
            await Assertions.Expect(shipped.Locator("td").Nth(2)).ToContainTextAsync("overridden: display_name");
            await console.GoAsync("#/models");
            await Assertions.Expect(page.Locator("#model-list tr[data-model]").First).ToBeVisibleAsync();
            await console.ScreenshotAsync("models");
            await console.GoAsync("#/models?name=claude-haiku-5-5");

            await shipped.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
            await shipped.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
            await Assertions.Expect(shipped.GetByRole(AriaRole.Alert)).ToContainTextAsync("claude-haiku-5-5");
        }
        finally
        {
            // Shipped fields come back with null: the rest of the suite sees the catalog as shipped.
            using var restore = await gateway.Admin.PatchAsync("/admin/v1/models/claude-haiku-5-5",
                new StringContent(new JsonObject { ["display_name"] = null }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        }
        var restored = await AdminReads.GetAsync(gateway.Admin, "/admin/v1/models/claude-haiku-5-5");
        Assert.Equal(shippedName, restored["display_name"]!.GetValue<string>());

        // The added model is deleted.
        await console.GoAsync($"#/models?name={id}");
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("section:has(#model-list) > p.error")).ToHaveTextAsync($"Model '{id}' does not exist.");
        using (var deleted = await gateway.Admin.GetAsync($"/admin/v1/models/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        }
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    [Fact]
    public async Task An_analyst_reads_the_catalog_without_the_forms_that_would_change_it()
    {
        var tenant = await gateway.CreateTenantAsync();
        var token = await AdminReads.CreateTokenAsync(gateway, "analyst", tenant.Workspace);
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/models?name=claude-opus-5-5");
        await console.SignInAsync(token);

        await Assertions.Expect(console.Page.Locator("tr[data-model='claude-opus-5-5']")).ToBeVisibleAsync();
        await Assertions.Expect(console.Page.Locator("#model-form")).ToHaveCountAsync(0);
        await Assertions.Expect(console.Page.Locator("#model-list button")).ToHaveCountAsync(0);
        await Assertions.Expect(console.Page.Locator("#nav")).Not.ToContainTextAsync("Admin tokens");
        await Assertions.Expect(console.Page.Locator("#nav")).Not.ToContainTextAsync("Identity providers");
        Assert.DoesNotContain(console.Answers, a => a.Path.StartsWith("/admin/", StringComparison.Ordinal) && a.Status >= 400);
    }
}
