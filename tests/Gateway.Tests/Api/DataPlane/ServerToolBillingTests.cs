using System.Net;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// Web search and code execution cost fees and input the body does not show: the hold covers what they can cost, the
/// record and the budget carry what they did cost.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ServerToolBillingTests(GatewayFixture gateway)
{
    private const string Haiku = "claude-haiku-4-5";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Searches_are_billed_per_search_on_top_of_their_tokens_in_the_record_and_the_budget(bool stream)
    {
        var tenant = await Budgeted(10);
        var body = Body("[searches:2] what changed this week?", stream, new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = 3 });

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(stream ? "\"server_tool_use\"" : "web_search_tool_result", text, StringComparison.Ordinal);
        var record = await gateway.Usage.WaitForAsync(r => r.KeyId == tenant.KeyId);
        Assert.Equal(2, record.WebSearchRequests);
        Assert.Equal((record.InputTokens * 1m + record.OutputTokens * 5m) / 1_000_000m + 2 * 0.01m, record.CostUsd);
        Assert.True(record.InputTokens > 2 * Markers.SearchResultTokens);
        // Held: four rounds of Haiku 4.5's 200k window, four times max_tokens, three searches.
        Assert.Equal((4 * 200_000 * 1m + 4 * 256 * 5m) / 1_000_000m + 3 * 0.01m, record.ReservedUsd);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}", record.CostUsd!.Value);
        Assert.Equal(record.CostUsd, budget["spent_usd"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_code_run_is_billed_the_minimum_container_time()
    {
        var tenant = await Budgeted(10);
        var body = Body("run it", stream: true, new JsonObject { ["type"] = "code_execution_20250825", ["name"] = "code_execution" });

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.Usage.WaitForAsync(r => r.KeyId == tenant.KeyId);
        Assert.Equal(1, record.CodeExecutionRequests);
        Assert.Equal((record.InputTokens * 1m + record.OutputTokens * 5m) / 1_000_000m + 0.0041666667m, record.CostUsd);
    }

    [Fact]
    public async Task A_budget_too_small_for_what_server_tools_can_cost_refuses_before_the_provider_is_called()
    {
        // Without max_uses: ten rounds of a 200k window at $1 per million, and twenty searches.
        var tenant = await Budgeted(1);
        var marker = Guid.NewGuid().ToString("N")[..8];
        var body = Body(marker, stream: false, new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search" });

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.DoesNotContain(gateway.Fake.Requests, r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        var plain = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("no tools", model: Haiku)));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task The_request_log_shows_the_server_tool_uses()
    {
        var tenant = await Budgeted(10);
        var body = Body("[searches:1] look it up", stream: false, new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = 1 });
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("request-id").Single();

        await AdminReads.CatchUpAsync(gateway);
        var detail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        var listed = await AdminReads.AllLogsAsync(gateway.Admin, $"key={tenant.KeyId}");

        Assert.Equal(1, Assert.Single(listed)["server_tool_use"]!["web_search_requests"]!.GetValue<long>());
        Assert.Equal(1, detail["server_tool_use"]!["web_search_requests"]!.GetValue<long>());
        Assert.Equal(0, detail["server_tool_use"]!["code_execution_requests"]!.GetValue<long>());
    }

    private Task<Tenant> Budgeted(decimal limit) =>
        gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = limit, ["period"] = "daily" } });

    private static string Body(string prompt, bool stream, JsonObject tool) => new JsonObject
    {
        ["model"] = Haiku,
        ["max_tokens"] = 256,
        ["stream"] = stream,
        ["tools"] = new JsonArray(tool),
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
    }.ToJsonString();
}
