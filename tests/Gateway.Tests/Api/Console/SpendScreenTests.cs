using System.Globalization;
using Anthropic.Models.Messages;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The Spend screen in a real headless Chromium: the chart and its totals, the chargeback table and its CSV.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SpendScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Spend_shows_as_a_chart_and_the_chargeback_csv_download_is_the_apis()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var client = Sdk.Through(gateway, tenant.Secret))
        {
            for (var i = 0; i < 2; i++)
            {
                await client.Messages.Create(new MessageCreateParams
                {
                    Model = "claude-sonnet-4-5",
                    MaxTokens = 64,
                    Messages = [new UserMessageParam($"Spend something {i}")],
                });
            }
        }
        await AdminReads.CatchUpAsync(gateway);
        var month = AdminReads.CurrentMonth();
        var apiSpend = (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/spend?group_by=workspace&interval=month&from={month}-01"))["data"]!.AsArray()
            .Single(r => r!["group"]!.GetValue<string>() == tenant.Workspace)!;

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/spend?group_by=workspace&interval=day");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;

        var spendRow = page.Locator($"#spend-totals tr[data-group='{tenant.Workspace}']");
        await Assertions.Expect(spendRow.Locator("td").Nth(1)).ToHaveTextAsync("2");
        await Assertions.Expect(spendRow.Locator("td").Nth(2)).ToHaveTextAsync(Usd(apiSpend["cost_usd"]!.GetValue<decimal>()));
        await Assertions.Expect(page.Locator("#spend-chart canvas")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#spend-chart .u-legend")).ToContainTextAsync(tenant.Workspace);

        var chargebackRow = page.Locator($"#chargeback tr[data-value='{tenant.Workspace}']");
        await Assertions.Expect(chargebackRow.Locator("td").Nth(1)).ToHaveTextAsync("2");
        await console.ScreenshotAsync("spend");

        var downloaded = await ChargebackDownloads.AssertSameAsApiAsync(console, gateway, month);
        Assert.Contains($"{tenant.Workspace},2,", System.Text.Encoding.UTF8.GetString(downloaded));
        Assert.DoesNotContain(console.Answers, a => a.Status >= 400 && a.Path.StartsWith("/admin/", StringComparison.Ordinal));
    }

    // As the page writes amounts: dollars, at least 2 and at most 6 decimals.
    private static string Usd(decimal amount) => "$" + amount.ToString("#,##0.00####", CultureInfo.InvariantCulture);
}
