using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The Workspaces screen in a real headless Chromium: the API's validation shown in place, a change sends what changed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class WorkspacesScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    private const string Hostile = "<img src=x onerror=\"window.__pwned = 1\"><script>window.__pwned = 1</script>";

    [Fact]
    public async Task A_workspace_is_created_with_its_policies_edited_and_deleted_with_the_apis_errors_in_place()
    {
        // After a page's worth of others (ids sort so): the list shows it on a later page, reached through Next page.
        var id = "wz-" + Guid.NewGuid().ToString("N")[..10];
        for (var i = 0; i < 25; i++)
        {
            await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = $"ws-pad-{Guid.NewGuid():N}"[..20] });
        }
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/workspaces");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#create-workspace");
        var error = form.GetByRole(AriaRole.Alert);

        // The API judges: a bad id, then a negative budget, each refused in place with its message.
        await Label(form, "Id").FillAsync("Not An Id!");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("id: must be 1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit.");
        await Label(form, "Id").FillAsync(id);
        await Label(form, "Name").FillAsync(Hostile);
        await Label(form, "Budget (USD)").FillAsync("-5");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("budget.limit_usd: required, a non-negative amount in USD.");

        await Label(form, "Budget (USD)").FillAsync("40");
        await Choice(form, "Budget period").SelectOptionAsync("weekly");
        await Label(form, "Budget alerts at (fractions)").FillAsync("0.8, 0.5");
        await Label(form, "Rate limits: requests per minute").FillAsync("60");
        await Label(form, "Rate limits: concurrent requests").FillAsync("4");
        await Label(form, "User budget (USD)").FillAsync("3");
        await Choice(form, "Logging mode").SelectOptionAsync("redacted");
        await Label(form, "Redact (pattern names or expressions)").FillAsync("email, card_number");
        await Label(form, "Retention (days)").FillAsync("30");
        await Label(form, "Metadata (name=value per line)").FillAsync("cost_center=cc-42\nteam=finance");
        await Label(form, "Required metadata").FillAsync("user");
        await Label(form, "Metadata headers (header=key per line)").FillAsync("x-claude-code-session-id=session");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(gateway.BaseUrl, $"/console/#/workspaces/{id}").ToString());

        var created = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{id}");
        Assert.Equal(Hostile, created["name"]!.GetValue<string>());
        Assert.Equal(40m, created["budget"]!["limit_usd"]!.GetValue<decimal>());
        Assert.Equal("weekly", created["budget"]!["period"]!.GetValue<string>());
        Assert.Equal("[0.5,0.8]", created["budget"]!["alert_at"]!.ToJsonString());
        Assert.Equal(60, created["rate_limits"]!["rpm"]!.GetValue<int>());
        Assert.Null(created["rate_limits"]!["tpm"]);
        Assert.Equal(4, created["rate_limits"]!["concurrency"]!.GetValue<int>());
        Assert.Equal(3m, created["user_budget"]!["limit_usd"]!.GetValue<decimal>());
        Assert.Equal("""{"mode":"redacted","redact":["email","card_number"],"retention_days":30}""", created["logging"]!.ToJsonString());
        Assert.Equal("cc-42", created["metadata"]!["cost_center"]!.GetValue<string>());
        Assert.Equal("finance", created["metadata"]!["team"]!.GetValue<string>());
        Assert.Equal(2, created["metadata"]!.AsObject().Count);
        Assert.Equal("""["user"]""", created["required_metadata"]!.ToJsonString());
        Assert.Equal("""{"x-claude-code-session-id":"session"}""", created["metadata_headers"]!.ToJsonString());

        // The change: a bad alert fraction is the API's 400 in place; then the budget alone changes, the rest stays.
        var edit = page.Locator("#edit-workspace");
        await Assertions.Expect(page.Locator("#workspace-budget")).ToContainTextAsync("$40.00 of $40.00 weekly");
        await Label(edit, "Budget alerts at (fractions)").FillAsync("2");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(edit.GetByRole(AriaRole.Alert)).ToHaveTextAsync("budget.alert_at: fractions of the limit, each above 0 and at most 1.");
        await Label(edit, "Budget alerts at (fractions)").FillAsync("0.9");
        await Label(edit, "Budget (USD)").FillAsync("25");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-workspace [role=status]")).ToHaveTextAsync("Saved.");
        await Assertions.Expect(page.Locator("#workspace-budget")).ToContainTextAsync("$25.00 of $25.00 weekly");
        var changed = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{id}");
        Assert.Equal(25m, changed["budget"]!["limit_usd"]!.GetValue<decimal>());
        Assert.Equal(created["rate_limits"]!.ToJsonString(), changed["rate_limits"]!.ToJsonString());
        Assert.Equal(created["logging"]!.ToJsonString(), changed["logging"]!.ToJsonString());
        Assert.Equal("cc-42", changed["metadata"]!["cost_center"]!.GetValue<string>());
        Assert.Equal(2, changed["metadata"]!.AsObject().Count);

        // The list: the hostile name is text, nothing of it ran.
        await console.GoAsync("#/workspaces");
        var row = await PageToAsync(page, $"tr[data-workspace='{id}']");
        await Assertions.Expect(row.Locator("td").Nth(0)).ToContainTextAsync(Hostile);
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("$25.00 weekly");
        await Assertions.Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("60 rpm, 4 in flight");
        await Assertions.Expect(row.Locator("td").Nth(6)).ToHaveTextAsync("redacted");
        Assert.Equal(0, await page.Locator("#workspace-list img, #workspace-list script").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.__pwned === undefined"));
        await console.ScreenshotAsync("workspaces");

        // Deletion asks first, then the workspace is gone.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using var gone = await gateway.Admin.GetAsync($"/admin/v1/workspaces/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    /// <summary>A form's input by its exact label (several labels share words: "Budget (USD)", "User budget (USD)").</summary>
    internal static ILocator Label(ILocator form, string label) => form.GetByLabel(label, new() { Exact = true });

    /// <summary>A list's row, found as a person would: page after page (the list is paged on the server, by id).</summary>
    internal static async Task<ILocator> PageToAsync(IPage page, string rowSelector)
    {
        var row = page.Locator(rowSelector);
        var table = page.Locator("main table tbody");
        while (true)
        {
            await Assertions.Expect(table).ToBeVisibleAsync();
            if (await row.CountAsync() > 0)
            {
                return row;
            }
            var next = page.GetByRole(AriaRole.Link, new() { Name = "Next page" });
            Assert.True(await next.CountAsync() > 0, $"{rowSelector} is on no page of the list");
            // The page drawn is replaced by the next one: wait for it to go, then for its successor.
            var drawn = await table.ElementHandleAsync();
            await next.ClickAsync();
            await drawn.WaitForElementStateAsync(ElementState.Hidden);
        }
    }

    /// <summary>A select by its label (its accessible name goes on with the option chosen).</summary>
    internal static ILocator Choice(ILocator form, string label) => form.GetByLabel(new Regex("^" + Regex.Escape(label)));
}
