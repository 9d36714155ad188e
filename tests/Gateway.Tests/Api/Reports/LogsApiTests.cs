using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Reports;

[Collection(GatewayCollection.Name)]
public sealed class LogsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_request_is_logged_with_its_usage_cost_and_metadata()
    {
        var tenant = await gateway.CreateTenantAsync(keyFields: new JsonObject { ["metadata"] = new JsonObject { ["team"] = "finance" } });
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("Log me [cache-read:300] [output:42]", model: "claude-sonnet-4-5"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", "{\"user\":\"dora\"}");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!;
        var requestId = Requests.RequestId(response);
        await AdminReads.CatchUpAsync(gateway);

        var row = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");

        Assert.Equal(requestId, row["request_id"]!.GetValue<string>());
        Assert.Equal(tenant.Workspace, row["workspace"]!.GetValue<string>());
        Assert.Equal(tenant.KeyId, row["key_id"]!.GetValue<string>());
        Assert.Equal("claude-sonnet-4-5", row["model"]!.GetValue<string>());
        Assert.Equal(tenant.Provider, row["provider"]!.GetValue<string>());
        Assert.Equal(200, row["status"]!.GetValue<int>());
        Assert.False(row["stream"]!.GetValue<bool>());
        Assert.Equal(usage["input_tokens"]!.GetValue<long>(), row["input_tokens"]!.GetValue<long>());
        Assert.Equal(42, row["output_tokens"]!.GetValue<long>());
        Assert.Equal(300, row["cache_read_input_tokens"]!.GetValue<long>());
        // Sonnet 4.5: $3 input, $0.30 cache read, $15 output per million tokens.
        var expected = (usage["input_tokens"]!.GetValue<long>() * 3m + 300 * 0.30m + 42 * 15m) / 1_000_000m;
        Assert.Equal(expected, row["cost_usd"]!.GetValue<decimal>());
        Assert.Equal("finance", row["metadata"]!["team"]!.GetValue<string>());
        Assert.Equal("dora", row["metadata"]!["user"]!.GetValue<string>());
        Assert.True(row["latency_ms"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task Filters_narrow_the_log_and_cursor_paging_walks_it_newest_first_without_gaps_or_repeats()
    {
        var tenant = await gateway.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            using var request = Requests.Messages(tenant.Secret,
                Requests.MessagesBody(i == 3 ? "fail [status:529]" : $"hello {i}", stream: i % 2 == 1, model: i == 5 ? "claude-haiku-4-5" : "claude-sonnet-4-5"));
            request.Headers.TryAddWithoutValidation("x-gateway-metadata", i < 2 ? "{\"user\":\"erin\"}" : "{\"user\":\"finn\"}");
            using var response = await gateway.Client.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            ids.Add(Requests.RequestId(response));
        }
        await AdminReads.CatchUpAsync(gateway);

        var all = await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}", pageSize: 2);
        Assert.Equal(Enumerable.Reverse(ids), all.Select(r => r["request_id"]!.GetValue<string>()));
        var times = all.Select(r => r["created_at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        Assert.Equal([ids[3]], (await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&status=529")).Select(Id));
        Assert.Equal([ids[5]], (await AdminReads.AllLogsAsync(gateway.Admin, $"key={tenant.KeyId}&model=claude-haiku-4-5")).Select(Id));
        Assert.Equal([ids[1], ids[0]], (await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&metadata.user=erin")).Select(Id));
        Assert.Empty(await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&from={DateTime.UtcNow.AddMinutes(5):O}"));
        Assert.Equal(7, (await AdminReads.AllLogsAsync(gateway.Admin, $"provider={tenant.Provider}&to={DateTime.UtcNow.AddMinutes(5):O}")).Count);
    }

    [Fact]
    public async Task An_analyst_of_workspace_a_gets_nothing_of_workspace_b()
    {
        var a = await gateway.CreateTenantAsync();
        var b = await gateway.CreateTenantAsync();
        var inA = await SendAsync(a.Secret);
        var inB = await SendAsync(b.Secret);
        await AdminReads.CatchUpAsync(gateway);
        // Bodies are written behind their requests: both must be searchable before the search may show only A's.
        await AdminReads.WaitForBodiesAsync(gateway, inA);
        await AdminReads.WaitForBodiesAsync(gateway, inB);
        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", a.Workspace));

        var visible = await AdminReads.AllLogsAsync(analyst, "", pageSize: 1000);
        Assert.Contains(inA, visible.Select(Id));
        Assert.All(visible, r => Assert.Equal(a.Workspace, r["workspace"]!.GetValue<string>()));
        Assert.Empty(await AdminReads.AllLogsAsync(analyst, $"workspace={b.Workspace}"));
        // Searching (by a word, by a phrase) stays within the analyst's workspaces too.
        foreach (var q in new[] { "hi", "\"hello from the fake\"" })
        {
            var found = await AdminReads.AllLogsAsync(analyst, $"q={Uri.EscapeDataString(q)}", pageSize: 1000);
            Assert.Contains(inA, found.Select(Id));
            Assert.All(found, r => Assert.Equal(a.Workspace, r["workspace"]!.GetValue<string>()));
            Assert.Empty(await AdminReads.AllLogsAsync(analyst, $"workspace={b.Workspace}&q={Uri.EscapeDataString(q)}"));
        }
        using (var other = await analyst.GetAsync($"/admin/v1/logs/{inB}"))
        {
            await AnthropicError.ReadAsync(other, HttpStatusCode.NotFound, "not_found_error");
        }
        var spend = await AdminReads.GetAsync(analyst, "/admin/v1/spend?group_by=workspace");
        Assert.Equal([a.Workspace], spend["data"]!.AsArray().Select(r => r!["group"]!.GetValue<string>()).Distinct());
        var chargeback = await AdminReads.GetAsync(analyst, $"/admin/v1/chargeback?month={AdminReads.CurrentMonth()}");
        Assert.Equal([a.Workspace], chargeback["rows"]!.AsArray().Select(r => r!["value"]!.GetValue<string>()));

        // An analyst reads its workspaces' resources and their audit trail, never another's; it administers nothing.
        foreach (var path in new[] { "/admin/v1/keys", "/admin/v1/workspaces", "/admin/v1/audit" })
        {
            var list = await AdminReads.GetAsync(analyst, path);
            Assert.Contains(a.Workspace, list.ToJsonString());
            Assert.DoesNotContain(b.Workspace, list.ToJsonString());
        }
        using (var refused = await analyst.PostAsync($"/admin/v1/keys/{a.KeyId}/revoke", null))
        {
            await AnthropicError.ReadAsync(refused, HttpStatusCode.Forbidden, "permission_error");
        }
        // The org admin sees both.
        Assert.Equal(inB, Id(await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{inB}")));
    }

    [Theory]
    [InlineData("status=ok", "status")]
    [InlineData("from=last-week", "from")]
    [InlineData("cursor=bm9wZQ", "cursor")]
    [InlineData("limit=0", "limit")]
    [InlineData("model=a%00b", "model")]
    public async Task Bad_log_filters_are_a_clear_400(string query, string field)
    {
        using var response = await gateway.Admin.GetAsync($"/admin/v1/logs?{query}");
        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith($"{field}: ", error.Message);
    }

    private async Task<string> SendAsync(string key)
    {
        using var response = await gateway.Client.SendAsync(Requests.Messages(key, Requests.MessagesBody("hi")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Requests.RequestId(response);
    }

    private static string Id(JsonObject row) => row["request_id"]!.GetValue<string>();
}
