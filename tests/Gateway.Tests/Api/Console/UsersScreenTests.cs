using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The users screen in a real headless Chromium, with a user signed on through a local OpenID Connect issuer.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class UsersScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_workspace_admin_sees_a_users_spend_blocks_and_unblocks_them_and_sets_their_budget()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);
        var dana = signOn.Token("dana@corp.example", ["eng"]);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(dana));
        var admin = await AdminReads.CreateTokenAsync(gateway, "workspace_admin", tenant.Workspace);

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/users?workspace={tenant.Workspace}");
        await console.SignInAsync(admin);
        var page = console.Page;
        var row = page.Locator($"tr[data-user='{signOn.UserId("dana@corp.example")}']");
        await console.ReloadUntilAsync(row.Locator("td").Nth(3), SpentSomething());
        await Assertions.Expect(row.Locator("td").Nth(0)).ToContainTextAsync("dana@corp.example");
        await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync(signOn.Slug);
        await Assertions.Expect(row.Locator("td").Nth(7)).ToHaveTextAsync("active");

        // Blocked: the state shows and the user's next request is refused; unblocked: served again.
        await row.GetByRole(AriaRole.Button, new() { Name = "Block" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(7)).ToContainTextAsync("blocked");
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(dana));
        await console.ScreenshotAsync("users");
        await row.GetByRole(AriaRole.Button, new() { Name = "Unblock" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(7)).ToHaveTextAsync("active");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(dana));

        // Limits: the API's refusal in place, then the user's own budget.
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit limits" }).ClickAsync();
        var form = page.Locator("#user-limits");
        await form.GetByLabel("Requests per minute").FillAsync("many");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("rate_limits.rpm");
        await form.GetByLabel("Requests per minute").FillAsync("");
        await form.GetByLabel("Budget (USD)").FillAsync("7.25");
        await form.GetByLabel("Budget period").SelectOptionAsync("weekly");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(form).ToBeHiddenAsync();
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("$7.25 weeklyown");
        var user = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{signOn.UserId("dana@corp.example")}");
        Assert.Equal(7.25m, user["own_budget"]!["limit_usd"]!.GetValue<decimal>());
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    [Fact]
    public async Task An_analyst_of_another_workspace_sees_none_of_its_users_and_cannot_change_them()
    {
        var tenant = await gateway.CreateTenantAsync();
        var other = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(signOn.Token("eve@corp.example", ["eng"])));
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", other.Workspace);

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/users?workspace={tenant.Workspace}");
        await console.SignInAsync(analyst);
        await Assertions.Expect(console.Page.Locator("#user-list")).ToContainTextAsync("No users.");
        await console.GoAsync("#/users");
        await Assertions.Expect(console.Page.Locator("#user-list")).ToContainTextAsync("No users.");
        Assert.DoesNotContain("eve@corp.example", await console.Page.ContentAsync());
        Assert.DoesNotContain(console.Answers, a => a.Path.StartsWith("/admin/", StringComparison.Ordinal) && a.Status >= 400);
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var response = await gateway.Client.SendAsync(SignOnSetup.Messages(token));
        return response.StatusCode;
    }

    [GeneratedRegex(@"^\$0\.0*[1-9]")]
    private static partial Regex SpentSomething();
}
