using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The audit trail screen in a real headless Chromium: newest first, paged on the server, filtered, and per workspace.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AuditScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_admins_actions_are_listed_newest_first_page_by_page_and_hidden_from_another_workspaces_analyst()
    {
        var tenant = await gateway.CreateTenantAsync();
        var other = await gateway.CreateTenantAsync();
        var created = await gateway.PostAsync("/admin/v1/admin-tokens",
            new JsonObject { ["name"] = "auditor test", ["role"] = "workspace_admin", ["workspaces"] = new JsonArray(tenant.Workspace) });
        var actor = created["id"]!.GetValue<string>();
        using var admin = AdminReads.AdminClient(gateway, created["token"]!.GetValue<string>());
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var key = await GatewayFixture.PostAsync(admin, "/admin/v1/keys", new JsonObject { ["workspace"] = tenant.Workspace, ["name"] = $"<i>audited {i}</i>" });
            keys.Add(key["id"]!.GetValue<string>());
        }
        await AdminReads.CatchUpAsync(gateway);

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/audit?actor={actor}&limit=2");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var rows = page.Locator("#audit-list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        for (var i = 0; i < 2; i++)
        {
            await Assertions.Expect(rows.Nth(i).Locator("td").Nth(1)).ToHaveTextAsync(actor);
            await Assertions.Expect(rows.Nth(i).Locator("td").Nth(2)).ToHaveTextAsync("key.created");
            await Assertions.Expect(rows.Nth(i).Locator("td").Nth(3)).ToHaveTextAsync($"key {keys[2 - i]}");
            await Assertions.Expect(rows.Nth(i).Locator("td").Nth(4)).ToHaveTextAsync(tenant.Workspace);
        }
        Assert.Equal(0, await page.Locator("#audit-list i").CountAsync());
        await console.ScreenshotAsync("audit");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync($"key {keys[0]}");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // The filter form: one resource's history.
        await page.Locator("#audit-filter").GetByLabel("Actor (token id)").FillAsync("");
        await page.Locator("#audit-filter").GetByLabel("Resource id").FillAsync(keys[1]);
        await page.Locator("#audit-filter").GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync($"key {keys[1]}");

        // An analyst of another workspace: none of it, on the list or by a direct address.
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", other.Workspace);
        await using var outsider = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/audit?actor={actor}");
        await outsider.SignInAsync(analyst);
        await Assertions.Expect(outsider.Page.Locator("#audit-list")).ToContainTextAsync("No actions match.");
        await outsider.GoAsync($"#/audit?resource_id={keys[0]}");
        await Assertions.Expect(outsider.Page.Locator("#audit-filter").GetByLabel("Resource id")).ToHaveValueAsync(keys[0]);
        await Assertions.Expect(outsider.Page.Locator("#audit-list")).ToContainTextAsync("No actions match.");
        Assert.DoesNotContain(tenant.Workspace, await outsider.Page.Locator("#main").TextContentAsync());
        Assert.DoesNotContain(outsider.Answers, a => a.Path.StartsWith("/admin/", StringComparison.Ordinal) && a.Status >= 400);
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }
}
