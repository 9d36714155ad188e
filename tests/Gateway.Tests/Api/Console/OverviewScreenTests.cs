using System.Globalization;
using System.Text.Json.Nodes;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// The Overview screen in a real headless Chromium, after traffic from the official SDK that includes a budget refusal
/// and a provider error: this month's spend, the top key, the refusal and the error counted, the budget close to its
/// limit, projection lag — and, for an analyst of one workspace, nothing of another.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OverviewScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task The_overview_shows_spend_top_keys_refusals_errors_budgets_and_lag_of_the_roles_workspaces_only()
    {
        // A monthly budget whose first alert is at half of it: the first answer (700 output tokens of Haiku, $0.0035 and a
        // little input) passes it, and the same request again cannot reserve what it might cost (about $0.0046).
        var a = await gateway.CreateTenantAsync(new JsonObject
        {
            ["budget"] = new JsonObject { ["limit_usd"] = 0.005m, ["period"] = "monthly", ["alert_at"] = new JsonArray(0.5m, 0.9m) },
        });
        var b = await gateway.CreateTenantAsync();
        using (var client = Sdk.Through(gateway, a.Secret))
        {
            var failed = await Assert.ThrowsAnyAsync<Anthropic5xxException>(() => client.Messages.Create(Message("[status:529] overview overloaded")));
            Assert.Equal(529, (int)failed.StatusCode);
            await client.Messages.Create(Message("[output:700] overview spend"));
            var refused = await Assert.ThrowsAnyAsync<Anthropic4xxException>(() => client.Messages.Create(Message("[output:700] overview spend")));
            Assert.Equal(402, (int)refused.StatusCode);
        }
        using (var client = Sdk.Through(gateway, b.Secret))
        {
            await client.Messages.Create(Message("[output:10] the other workspace"));
        }
        await AdminReads.CatchUpAsync(gateway);
        var month = AdminReads.CurrentMonth();
        var spendOfA = (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/spend?group_by=workspace&interval=month&from={month}-01"))["data"]!.AsArray()
            .Single(r => r!["group"]!.GetValue<string>() == a.Workspace)!["cost_usd"]!.GetValue<decimal>();

        // The org admin lands on the overview after signing in; A's spend is this month's.
        await using (var admin = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl))
        {
            await admin.SignInAsync(GatewayFixture.AdminToken);
            var page = admin.Page;
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#nav a").First).ToHaveTextAsync("Overview");
            var spendRow = page.Locator($"#overview-spend tr[data-group='{a.Workspace}']");
            await Assertions.Expect(spendRow.Locator("td").Nth(2)).ToHaveTextAsync(Usd(spendOfA));
            await Assertions.Expect(page.Locator("#outcomes-chart canvas")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#overview-health tr[data-projection='spend'] td").Nth(1)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d s$"));
            await Assertions.Expect(page.Locator("#ledger-state")).ToHaveTextAsync("Ledger: takes usage events");
            await admin.ScreenshotAsync("overview");
            Assert.DoesNotContain(admin.Answers, x => x.Status >= 400 && x.Path.StartsWith("/admin/", StringComparison.Ordinal));
        }

        // An analyst of A: A's figures, exactly, and nothing of B anywhere on the screen.
        var analystToken = await AdminReads.CreateTokenAsync(gateway, "analyst", a.Workspace);
        await using var analyst = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        await analyst.SignInAsync(analystToken);
        var view = analyst.Page;
        await Assertions.Expect(view.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(view.Locator($"#overview-spend tr[data-group='{a.Workspace}'] td").Nth(2)).ToHaveTextAsync(Usd(spendOfA));
        await Assertions.Expect(view.Locator("#overview-top-keys tbody tr").First).ToHaveAttributeAsync("data-group", a.KeyId);
        await Assertions.Expect(view.Locator("#overview-outcomes tr[data-kind='budget'] td").Nth(1)).ToHaveTextAsync("1");
        await Assertions.Expect(view.Locator("#overview-outcomes tr[data-kind='provider_error'] td").Nth(1)).ToHaveTextAsync("1");
        await Assertions.Expect(view.Locator("#overview-outcomes tr[data-kind='completed'] td").Nth(1)).ToHaveTextAsync("1");
        var budget = view.Locator($"#overview-budgets tr[data-scope='key'][data-id='{a.KeyId}']");
        await Assertions.Expect(budget.Locator("td").Nth(3)).ToHaveTextAsync("$0.005 monthly");
        await Assertions.Expect(budget.Locator("td").Nth(4)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(5\d|6\d|7\d|8\d|9\d|100) %$"));
        await Assertions.Expect(view.Locator("#overview-health tr[data-projection='request_log']")).ToBeVisibleAsync();

        Assert.Equal([a.Workspace], await view.Locator("#overview-spend tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.group)"));
        var content = await view.ContentAsync();
        Assert.DoesNotContain(b.Workspace, content);
        Assert.DoesNotContain(b.KeyId, content);
        Assert.DoesNotContain(analyst.Answers, x => x.Status >= 400 && x.Path.StartsWith("/admin/", StringComparison.Ordinal));
    }

    private static MessageCreateParams Message(string prompt) => new()
    {
        Model = "claude-haiku-4-5",
        MaxTokens = 700,
        Messages = [new UserMessageParam(prompt)],
    };

    // As the page writes amounts: dollars, at least 2 and at most 6 decimals.
    private static string Usd(decimal amount) => "$" + amount.ToString("#,##0.00####", CultureInfo.InvariantCulture);
}
