using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Reports;

/// <summary>Spend and chargeback are read from the ledger's projections and agree with the ledger and the budgets to the cent.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SpendReconciliationTests(GatewayFixture gateway)
{
    private static JsonObject MonthlyBudget() => new()
    {
        ["budget"] = new JsonObject { ["limit_usd"] = 100m, ["period"] = "monthly" },
    };

    [Fact]
    public async Task After_mixed_traffic_chargeback_spend_ledger_and_budgets_agree_to_the_cent()
    {
        var a = await gateway.CreateTenantAsync(
            keyFields: new JsonObject { ["metadata"] = new JsonObject { ["cost_centre"] = "cc-research" } }, workspaceFields: MonthlyBudget());
        var b = await gateway.CreateTenantAsync(
            keyFields: new JsonObject { ["metadata"] = new JsonObject { ["cost_centre"] = "cc-sales" } }, workspaceFields: MonthlyBudget());
        var unattributed = await gateway.CreateKeyAsync(a.Workspace);
        var keys = new[] { a.Secret, b.Secret, unattributed.Secret };
        var users = new[] { "alice", "bob", "carol" };

        var sent = new List<Task<HttpStatusCode>>();
        for (var i = 0; i < 60; i++)
        {
            var markers = (i % 5) switch
            {
                0 => "[cache-read:1200]",
                1 => "[status:529]",
                2 => "[words:40]",
                _ => "",
            };
            sent.Add(SendAsync(keys[i % 3], $"Question {i} {markers}", stream: i % 2 == 0, user: users[i % 3]));
        }
        var statuses = await Task.WhenAll(sent);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains((HttpStatusCode)529, statuses);
        await AdminReads.CatchUpAsync(gateway);

        var ledgerA = (await LedgerQueries.SumAsync(gateway.ConnectionString, "workspace", a.Workspace)).Cost;
        var ledgerB = (await LedgerQueries.SumAsync(gateway.ConnectionString, "workspace", b.Workspace)).Cost;
        var ledger = ledgerA + ledgerB;
        Assert.True(ledger > 0m);

        // An analyst of the two workspaces sees exactly their data, whatever else the shared database holds.
        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", a.Workspace, b.Workspace));
        var month = AdminReads.CurrentMonth();
        var chargeback = await AdminReads.GetAsync(analyst, $"/admin/v1/chargeback?month={month}&dimension=metadata.cost_centre");
        var rows = chargeback["rows"]!.AsArray().Select(r => r!.AsObject()).ToDictionary(r => r["value"]!.GetValue<string>());
        Assert.Equal(["cc-research", "cc-sales", "unattributed"], rows.Keys.Order());
        Assert.Equal(60, rows.Values.Sum(r => r["requests"]!.GetValue<long>()));
        Assert.Equal(20, rows["unattributed"]["requests"]!.GetValue<long>());
        var chargebackTotal = rows.Values.Sum(r => r["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(chargebackTotal, chargeback["total_usd"]!.GetValue<decimal>());

        var spend = await AdminReads.GetAsync(analyst, "/admin/v1/spend?group_by=workspace&interval=month");
        var spendRows = spend["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(new[] { a.Workspace, b.Workspace }.Order(), spendRows.Select(r => r["group"]!.GetValue<string>()).Order());
        var spendTotal = spendRows.Sum(r => r["cost_usd"]!.GetValue<decimal>());

        var budgets = await SpentAsync($"/admin/v1/workspaces/{a.Workspace}", ledgerA) + await SpentAsync($"/admin/v1/workspaces/{b.Workspace}", ledgerB);

        Assert.Equal(ledger, chargebackTotal);
        Assert.Equal(ledger, spendTotal);
        Assert.Equal(ledger, budgets);

        // The same report as CSV: the header the SPEC names, one line per row, the same money.
        using var csv = await analyst.GetAsync($"/admin/v1/chargeback?month={month}&dimension=metadata.cost_centre&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("value,requests,cost_usd", lines[0]);
        Assert.Equal(3, lines.Length - 1);
        Assert.Equal(ledger, lines.Skip(1).Sum(l => decimal.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)));

        // Spend by metadata: the request header's user, per day.
        var byUser = await AdminReads.GetAsync(analyst, "/admin/v1/spend?group_by=metadata.user&interval=day");
        Assert.Equal(users, byUser["data"]!.AsArray().Select(r => r!["group"]!.GetValue<string>()).Distinct().Order());
        Assert.Equal(ledger, byUser["data"]!.AsArray().Sum(r => r!["cost_usd"]!.GetValue<decimal>()));
    }

    [Theory]
    [InlineData("/admin/v1/chargeback?month=2026-13")]
    [InlineData("/admin/v1/chargeback?month=9999-12")]
    [InlineData("/admin/v1/chargeback")]
    [InlineData("/admin/v1/chargeback?month=2026-11&dimension=model")]
    [InlineData("/admin/v1/chargeback?month=2026-11&format=xml")]
    [InlineData("/admin/v1/spend?group_by=colour")]
    [InlineData("/admin/v1/spend?interval=week")]
    [InlineData("/admin/v1/spend?from=yesterday")]
    public async Task Bad_report_parameters_are_a_clear_400(string path)
    {
        using var response = await gateway.Admin.GetAsync(path);
        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Matches("^(month|dimension|format|group_by|interval|from): ", error.Message);
    }

    private async Task<HttpStatusCode> SendAsync(string key, string prompt, bool stream, string user)
    {
        using var request = Requests.Messages(key, Requests.MessagesBody(prompt, stream));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", $"{{\"user\":\"{user}\"}}");
        using var response = await gateway.Client.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }

    private async Task<decimal> SpentAsync(string path, decimal expected) =>
        (await BudgetReads.SettledAsync(gateway.Admin, path, expected))["spent_usd"]!.GetValue<decimal>();
}
