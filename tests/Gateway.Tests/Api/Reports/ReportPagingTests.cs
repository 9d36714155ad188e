using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Reports;

/// <summary>Spend and chargeback answer page by page, however many groups a dimension has.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ReportPagingTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_dimension_with_a_value_per_request_is_paged_with_the_months_total_on_every_page()
    {
        var key = "pg" + Guid.NewGuid().ToString("N")[..8];
        var tenant = await gateway.CreateTenantAsync();
        for (var i = 0; i < 5; i++)
        {
            using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody($"[input:100][output:{10 + i}] page"));
            request.Headers.TryAddWithoutValidation("x-gateway-metadata", new JsonObject { [key] = $"user-{i}" }.ToJsonString());
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await AdminReads.CatchUpAsync(gateway);

        var spendGroups = await AllPagesAsync($"/admin/v1/spend?group_by=metadata.{key}&interval=month&limit=2", "data");
        Assert.Equal(5, spendGroups.Count(r => r["group"]!.GetValue<string>().StartsWith("user-", StringComparison.Ordinal)));
        Assert.Equal(spendGroups.Count, spendGroups.Select(r => (r["group"]!.GetValue<string>(), r["period_start"]!.GetValue<string>())).Distinct().Count());

        var month = AdminReads.CurrentMonth();
        var whole = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/chargeback?month={month}&dimension=metadata.{key}");
        var pages = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/chargeback?month={month}&dimension=metadata.{key}&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal(whole["total_usd"]!.GetValue<decimal>(), page["total_usd"]!.GetValue<decimal>());
            pages.AddRange(page["rows"]!.AsArray().Select(r => r!.AsObject()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        Assert.Equal(whole["rows"]!.AsArray().Select(r => r!["value"]!.GetValue<string>()), pages.Select(r => r["value"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("/admin/v1/spend?limit=0")]
    [InlineData("/admin/v1/spend?limit=10001")]
    [InlineData("/admin/v1/spend?cursor=bm90LWEtY3Vyc29y")]
    [InlineData("/admin/v1/chargeback?month=2026-12&cursor=%%%")]
    public async Task A_bad_limit_or_cursor_is_a_400(string path)
    {
        using var response = await gateway.Admin.GetAsync(path);

        await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
    }

    private async Task<List<JsonObject>> AllPagesAsync(string path, string field)
    {
        var rows = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await AdminReads.GetAsync(gateway.Admin, path + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var data = page[field]!.AsArray();
            Assert.True(data.Count <= 2);
            rows.AddRange(data.Select(r => r!.AsObject()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return rows;
    }
}
