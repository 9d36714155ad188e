using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;
using static Gateway.Tests.Api.Console.WorkspacesScreenTests;

namespace Gateway.Tests.Api.Console;

/// <summary>What a workspace admin and an analyst get of the console: their workspaces' screens, as the API allows them.</summary>
[Collection(GatewayCollection.Name)]
public sealed class WorkspaceAdminScreensTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_workspace_admin_of_a_manages_a_and_its_keys_and_sees_nothing_of_b()
    {
        var a = await gateway.CreateTenantAsync();
        var b = await gateway.CreateTenantAsync();
        var admin = await AdminReads.CreateTokenAsync(gateway, "workspace_admin", a.Workspace);
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/workspaces");
        await console.SignInAsync(admin);
        var page = console.Page;

        // The screens the API allows the role: no Providers; Workspaces lists A alone, with no creation.
        await Assertions.Expect(page.Locator("#nav a")).ToHaveTextAsync(["Overview", "Logs", "Spend", "Keys", "Workspaces", "Users", "Routing", "Models", "Audit"]);
        await Assertions.Expect(page.Locator("#workspace-list tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"tr[data-workspace='{a.Workspace}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#create-workspace")).ToHaveCountAsync(0);

        // A's budget is the admin's to change; a field only org admins change is the API's 403, in place.
        await page.Locator($"tr[data-workspace='{a.Workspace}'] a").ClickAsync();
        var edit = page.Locator("#edit-workspace");
        await Label(edit, "Budget (USD)").FillAsync("12");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-workspace [role=status]")).ToHaveTextAsync("Saved.");
        await Assertions.Expect(page.Locator("#workspace-budget")).ToContainTextAsync("of $12.00 monthly");
        await Label(page.Locator("#edit-workspace"), "Required metadata").FillAsync("user");
        await page.Locator("#edit-workspace").GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-workspace").GetByRole(AriaRole.Alert))
            .ToHaveTextAsync("required_metadata: only org admins may change this field of a workspace.");

        // B by its address is the API's 404, and nothing of B is drawn.
        await console.GoAsync($"#/workspaces/{b.Workspace}");
        await Assertions.Expect(page.Locator("main [role=alert]").First).ToHaveTextAsync($"Workspace '{b.Workspace}' does not exist.");
        await Assertions.Expect(page.Locator("#edit-workspace")).ToHaveCountAsync(0);

        // Keys: A's are listed and managed; B's are not there, even asked for by address, nor can one be made in B.
        await console.GoAsync($"#/keys?workspace={b.Workspace}");
        await Assertions.Expect(page.Locator("#key-list")).ToContainTextAsync("No keys.");
        Assert.DoesNotContain(b.KeyId, await page.ContentAsync());
        var form = page.Locator("#create-key");
        await form.GetByLabel("Workspace").FillAsync(b.Workspace);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToHaveTextAsync($"workspace: '{b.Workspace}' does not exist.");

        await console.GoAsync("#/keys");
        await Assertions.Expect(page.Locator($"tr[data-key='{a.KeyId}']")).ToBeVisibleAsync();
        Assert.DoesNotContain(b.KeyId, await page.ContentAsync());
        form = page.Locator("#create-key");
        await form.GetByLabel("Workspace").FillAsync(a.Workspace);
        await form.GetByLabel("Name").FillAsync("delegated key");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = await page.Locator("#new-secret").TextContentAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(secret!));
        await page.Locator("#secret-done").ClickAsync();
        var row = page.Locator("tr", new() { Has = page.GetByText("delegated key", new() { Exact = true }) });
        await row.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm rotate" }).ClickAsync();
        var rotated = await page.Locator("#new-secret").TextContentAsync();
        await page.Locator("#secret-done").ClickAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(secret!));
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm revoke" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(rotated!));

        // Providers are the org admins': the address falls back to a screen of the role.
        await console.GoAsync("#/providers");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        // The refusals the admin met are exactly the ones asked for above.
        Assert.Equal(
            [("PATCH", 403), ("GET", 404), ("POST", 400)],
            console.Answers.Where(x => x.Status >= 400 && x.Path.StartsWith("/admin/", StringComparison.Ordinal)).Select(x => (x.Method, x.Status)));
    }

    [Fact]
    public async Task An_analyst_reads_its_workspace_without_a_form_to_change_it_and_not_another()
    {
        var a = await gateway.CreateTenantAsync();
        var b = await gateway.CreateTenantAsync();
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", a.Workspace);
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/workspaces/{a.Workspace}");
        await console.SignInAsync(analyst);
        var page = console.Page;

        await Assertions.Expect(page.Locator("#nav a")).ToHaveTextAsync(["Overview", "Logs", "Spend", "Workspaces", "Users", "Routing", "Models", "Audit"]);
        await Assertions.Expect(Label(page.Locator("#edit-workspace"), "Name")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save changes" })).ToHaveCountAsync(0);
        await console.GoAsync("#/workspaces");
        await Assertions.Expect(page.Locator("#workspace-list tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"tr[data-workspace='{a.Workspace}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);
        await console.GoAsync($"#/workspaces/{b.Workspace}");
        await Assertions.Expect(page.Locator("main [role=alert]").First).ToHaveTextAsync($"Workspace '{b.Workspace}' does not exist.");
        Assert.Equal([$"/admin/v1/workspaces/{b.Workspace}"],
            console.Answers.Where(x => x.Status >= 400 && x.Path.StartsWith("/admin/", StringComparison.Ordinal)).Select(x => x.Path));
    }

    private async Task<HttpStatusCode> StatusAsync(string secret)
    {
        using var request = Requests.Messages(secret, Requests.MessagesBody("a workspace admin's key"));
        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }
}
