using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The routing configs screen in a real headless Chromium: the API's validation in place, create, replace, delete.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ConfigsScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_config_is_refused_in_place_then_created_replaced_from_its_pretty_printed_json_and_deleted()
    {
        var tenant = await gateway.CreateTenantAsync();
        var slug = "console-cfg-" + Guid.NewGuid().ToString("N")[..8];
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/configs");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#config-form");
        var error = form.GetByRole(AriaRole.Alert);

        await form.GetByLabel("Slug").FillAsync(slug);
        await form.GetByLabel("Workspace").FillAsync(tenant.Workspace);
        await form.GetByLabel("Config (JSON)").FillAsync("{\"targets\": [");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create config" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("config: not JSON.");

        // Valid JSON, an invalid config: the API's own message.
        await form.GetByLabel("Config (JSON)").FillAsync("{\"targets\": [{\"provider\": \"@no-such-provider\"}]}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create config" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("config.targets: provider '@no-such-provider' does not exist.");

        await form.GetByLabel("Config (JSON)").FillAsync($"{{\"targets\": [{{\"provider\": \"@{tenant.Provider}\"}}]}}");
        await form.GetByLabel("Metadata (JSON object)").FillAsync("{\"team\": \"<b>search</b>\"}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create config" }).ClickAsync();
        await Assertions.Expect(error).ToBeHiddenAsync();
        var created = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{slug}");
        Assert.Equal(tenant.Workspace, created["workspace"]!.GetValue<string>());
        Assert.Equal("<b>search</b>", created["metadata"]!["team"]!.GetValue<string>());

        // Replaced from the pretty-printed JSON the page loaded.
        await console.GoAsync($"#/configs?slug={slug}");
        var row = page.Locator($"tr[data-config='{slug}']");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("team: <b>search</b>");
        await console.ScreenshotAsync("configs");
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var loaded = await form.GetByLabel("Config (JSON)").InputValueAsync();
        Assert.Equal(new JsonObject { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }) }.ToJsonString(
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }), loaded);
        await form.GetByLabel("Config (JSON)").FillAsync(loaded.Replace("\"targets\"", "\"request_timeout_ms\": 30000,\n  \"targets\"", StringComparison.Ordinal));
        await form.GetByRole(AriaRole.Button, new() { Name = "Replace config" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(2)).ToContainTextAsync("\"request_timeout_ms\": 30000");
        var replaced = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{slug}");
        Assert.Equal(30000, replaced["config"]!["request_timeout_ms"]!.GetValue<int>());

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("section:has(#config-list) > p.error")).ToContainTextAsync(slug);
        using var gone = await gateway.Admin.GetAsync($"/admin/v1/configs/{slug}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    [Fact]
    public async Task A_workspace_admin_creates_in_its_workspace_and_is_refused_in_place_for_an_org_wide_one()
    {
        var tenant = await gateway.CreateTenantAsync();
        var token = await AdminReads.CreateTokenAsync(gateway, "workspace_admin", tenant.Workspace);
        var slug = "console-wa-" + Guid.NewGuid().ToString("N")[..8];
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/configs");
        await console.SignInAsync(token);
        var form = console.Page.Locator("#config-form");

        await form.GetByLabel("Slug").FillAsync(slug);
        await form.GetByLabel("Config (JSON)").FillAsync($"{{\"targets\": [{{\"provider\": \"@{tenant.Provider}\"}}]}}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create config" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("workspace: only org admins may manage resources of no workspace");

        await form.GetByLabel("Workspace").FillAsync(tenant.Workspace);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create config" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await console.GoAsync($"#/configs?slug={slug}");
        await Assertions.Expect(console.Page.Locator($"tr[data-config='{slug}']").GetByRole(AriaRole.Button, new() { Name = "Edit" })).ToBeVisibleAsync();
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }
}
