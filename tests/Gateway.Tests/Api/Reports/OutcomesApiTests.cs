using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Reports;

/// <summary>
/// <c>/admin/v1/outcomes</c> (requests by status and outcome over time) and <c>/admin/v1/health</c> (ledger and
/// projection lag), as the console's overview reads them.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OutcomesApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_success_a_budget_refusal_and_a_provider_error_are_counted_in_their_hour_for_their_workspace()
    {
        var (body, cost) = Requests.ExactCost(maxTokens: 500);
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = cost * 1.2m, ["period"] = "monthly" } });
        var started = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, await SendAsync(tenant.Secret, body));
        // The spend left is less than the same request's reservation.
        Assert.Equal(HttpStatusCode.PaymentRequired, await SendAsync(tenant.Secret, body));
        var other = await gateway.CreateTenantAsync();
        Assert.Equal((HttpStatusCode)529, await SendAsync(other.Secret, Requests.MessagesBody("[status:529] overloaded now")));
        await AdminReads.CatchUpAsync(gateway);

        var from = Uri.EscapeDataString(started.AddHours(-1).ToString("O"));
        var rows = (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/outcomes?interval=hour&from={from}&limit=10000"))["data"]!.AsArray()
            .Select(r => r!.AsObject()).ToList();
        Assert.Equal([(200, "completed", 1L), (402, "refused", 1L)], Of(rows, tenant.Workspace));
        Assert.Equal([(529, "provider_error", 1L)], Of(rows, other.Workspace));
        var hour = rows.First(r => r["workspace"]!.GetValue<string>() == tenant.Workspace)["period_start"]!.GetValue<DateTimeOffset>();
        Assert.Equal(TimeSpan.Zero, hour.Offset);
        Assert.Equal(0, hour.Minute);
        Assert.InRange(hour, started.AddHours(-1), DateTimeOffset.UtcNow);

        // An analyst of the first workspace reads its counts and nothing of the other's.
        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", tenant.Workspace));
        var daily = (await AdminReads.GetAsync(analyst, $"/admin/v1/outcomes?interval=day&from={from}"))["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal([(200, "completed", 1L), (402, "refused", 1L)], Of(daily, tenant.Workspace));
        Assert.All(daily, r => Assert.Equal(tenant.Workspace, r["workspace"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("interval=week", "interval: must be hour or day.")]
    [InlineData("from=yesterday", "from: ")]
    [InlineData("to=%00", "to: ")]
    [InlineData("from=2026-03-02&to=2026-03-01", "from: must be before to.")]
    [InlineData("from=2026-01-01&to=2026-06-01", "from: the range from from to to is at most 92 days.")]
    [InlineData("from=0001-01-01&to=9999-12-31", "from: the range from from to to is at most 92 days.")]
    [InlineData("limit=0", "limit: ")]
    [InlineData("cursor=%F0%9F%98%80", "cursor: ")]
    public async Task A_bad_query_is_a_400_naming_the_parameter(string queryString, string message)
    {
        using var response = await gateway.Admin.GetAsync($"/admin/v1/outcomes?{queryString}");
        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData("to=0001-01-02T00:00:00Z")]
    [InlineData("from=9999-12-01T00:00:00Z&to=9999-12-31T00:00:00Z")]
    public async Task A_range_at_the_ends_of_time_is_answered_empty(string queryString)
    {
        var page = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/outcomes?{queryString}");
        Assert.Empty(page["data"]!.AsArray());
    }

    [Fact]
    public async Task Health_tells_that_the_ledger_takes_events_and_how_far_each_projection_is_behind()
    {
        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", (await gateway.CreateTenantAsync()).Workspace));
        await AdminReads.CatchUpAsync(gateway);

        var health = await AdminReads.GetAsync(analyst, "/admin/v1/health");

        Assert.True(health["ledger_available"]!.GetValue<bool>());
        Assert.True(health["projections_readable"]!.GetValue<bool>());
        var projections = health["projections"]!.AsArray().Select(p => p!.AsObject()).ToDictionary(p => p["name"]!.GetValue<string>());
        Assert.Superset(new HashSet<string> { "request_log", "spend", "audit" }, projections.Keys.ToHashSet());
        Assert.All(projections.Values, p =>
        {
            Assert.True(p["lag_seconds"]!.GetValue<double>() >= 0);
            Assert.True(p["backlog_events"]!.GetValue<long>() >= 0);
        });
    }

    private async Task<HttpStatusCode> SendAsync(string secret, string body)
    {
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, body));
        return response.StatusCode;
    }

    private static List<(int, string, long)> Of(List<JsonObject> rows, string workspace) =>
    [
        .. rows.Where(r => r["workspace"]!.GetValue<string>() == workspace)
            .Select(r => (r["status"]!.GetValue<int>(), r["outcome"]!.GetValue<string>(), r["requests"]!.GetValue<long>()))
            .OrderBy(r => r.Item1),
    ];
}
