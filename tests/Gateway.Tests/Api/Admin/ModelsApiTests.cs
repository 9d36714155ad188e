using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

/// <summary>
/// <c>/admin/v1/models</c>: the catalog listed with its prices, models added and priced by admins and served at once,
/// shipped models changed but never deleted, and hostile definitions refused without harming the catalog.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ModelsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task The_catalog_lists_every_model_newest_first_with_its_prices_and_pages()
    {
        var all = await AdminReads.GetAsync(gateway.Admin, "/admin/v1/models?limit=1000");
        var data = all["data"]!.AsArray().Select(m => m!.AsObject()).ToList();

        var opus = data.Single(m => m["id"]!.GetValue<string>() == "claude-opus-5-5");
        Assert.Equal("shipped", opus["source"]!.GetValue<string>());
        Assert.Equal(0.20m, opus["prices"]!["cache_read"]!.GetValue<decimal>());
        Assert.Equal("anthropic.claude-opus-5-5", opus["bedrock_id"]!.GetValue<string>());
        Assert.Equal(all["price_version"]!.GetValue<string>(), opus["price_version"]!.GetValue<string>());
        var haiku = data.Single(m => m["id"]!.GetValue<string>() == "claude-haiku-5-5");
        Assert.Equal(100_000, haiku["prices"]!["tiers"]![0]!["above_input_tokens"]!.GetValue<long>());

        var first = await AdminReads.GetAsync(gateway.Admin, "/admin/v1/models?limit=2");
        Assert.Equal(2, first["data"]!.AsArray().Count);
        var second = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/models?limit=2&cursor={first["next_cursor"]!.GetValue<string>()}");
        Assert.Equal(data.Skip(2).Take(2).Select(m => m["id"]!.GetValue<string>()), second["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("us.anthropic.claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("claude-opus-4-5", "claude-opus-4-5-20251101")]
    [InlineData("claude-opus-4-5@20251101", "claude-opus-4-5-20251101")]
    public async Task A_model_is_found_by_any_of_its_spellings(string name, string id) =>
        Assert.Equal(id, (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/models/{name}"))["id"]!.GetValue<string>());

    [Fact]
    public async Task A_model_added_without_a_price_is_refused_under_a_budget_until_priced_then_served_and_billed_at_once()
    {
        var id = "acme-" + Guid.NewGuid().ToString("N")[..8];
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } });
        // The provider serves the admin's model under one of its own ids.
        using (var mapped = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/providers/{tenant.Provider}",
                   new JsonObject { ["model_ids"] = new JsonObject { [id] = "claude-haiku-4-5" } }))
        {
            mapped.EnsureSuccessStatusCode();
        }
        using (var created = await gateway.Admin.PostAsJsonAsync("/admin/v1/models", new JsonObject { ["id"] = id, ["display_name"] = "Acme tuned" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Null((await created.Content.ReadFromJsonAsync<JsonObject>())!["prices"]);
        }
        var body = Requests.MessagesBody("[input:2000][output:300] hello", model: id);

        using (var refused = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body)))
        {
            var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.PaymentRequired, "billing_error");
            Assert.Contains($"PATCH /admin/v1/models/{id}", error.Message);
            Assert.Contains("\"prices\"", error.Message);
        }
        using (var priced = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/models/{id}", new JsonObject
        {
            ["prices"] = new JsonObject { ["input"] = 1.5m, ["output"] = 7.5m },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, priced.StatusCode);
            var model = (await priced.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(0.15m, model["prices"]!["cache_read"]!.GetValue<decimal>());
        }

        using var served = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(served));
        Assert.Equal((2_000 * 1.5m + 300 * 7.5m) / 1_000_000m, record.CostUsd);
        Assert.Equal(id, record.Model);

        await AdminReads.CatchUpAsync(gateway);
        var audit = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?resource_type=model&resource_id={id}");
        var rows = audit["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["model.updated", "model.created"], rows.Select(r => r["action"]!.GetValue<string>()));
        Assert.Contains("prices: {\"input\":1.5,\"output\":7.5}", rows[0]["details"]!.GetValue<string>());
        Assert.Contains("price version " + record.PriceVersion, rows[0]["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task Shipped_models_are_changed_not_deleted_and_added_ones_are_deleted()
    {
        using (var shipped = await gateway.Admin.DeleteAsync("/admin/v1/models/claude-opus-5-5"))
        {
            var error = await AnthropicError.ReadAsync(shipped, HttpStatusCode.BadRequest, "invalid_request_error");
            Assert.Contains("not deleted", error.Message);
        }
        var id = "acme-" + Guid.NewGuid().ToString("N")[..8];
        await gateway.PostAsync("/admin/v1/models", new JsonObject { ["id"] = id, ["display_name"] = "Acme" });
        using (var again = await gateway.Admin.PostAsJsonAsync("/admin/v1/models", new JsonObject { ["id"] = id, ["display_name"] = "Acme" }))
        {
            await AnthropicError.ReadAsync(again, HttpStatusCode.Conflict, "invalid_request_error");
        }
        using (var deleted = await gateway.Admin.DeleteAsync($"/admin/v1/models/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var gone = await gateway.Admin.GetAsync($"/admin/v1/models/{id}");
        await AnthropicError.ReadAsync(gone, HttpStatusCode.NotFound, "not_found_error");
        using var missing = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/models/{id}", new JsonObject { ["display_name"] = "x" });
        await AnthropicError.ReadAsync(missing, HttpStatusCode.NotFound, "not_found_error");
    }

    [Theory]
    [InlineData("""{"id":"acme-nul","display_name":"a\u0000b"}""", 400, "display_name")]
    [InlineData("""{"id":"acme-crlf","display_name":"a\r\n[00:00:00 INF] forged"}""", 400, "display_name")]
    [InlineData("""{"id":"acme-\u0000","display_name":"x"}""", 400, "id")]
    [InlineData("""{"id":"acme-dup","id":"acme-dup2","display_name":"x"}""", 400, "body")]
    [InlineData("""{"id":"acme-x","display_name":"x","prices":{"input":"free","output":1}}""", 400, "prices.input")]
    [InlineData("""{"id":"acme-x","display_name":"x","prices":{"input":1,"output":1,"currency":"EUR"}}""", 400, "prices.currency")]
    // A rate with 28 decimals made every cost, and the spend report's sums of them, overflow decimal: a 500.
    [InlineData("""{"id":"acme-x","display_name":"x","prices":{"input":0.1234567890123456789012345678,"output":1}}""", 400, "prices.input")]
    [InlineData("""{"id":"acme-sur","display_name":"\udc00"}""", 400, "body")]
    [InlineData("""{"id":"acme-sur","\ud800":"x"}""", 400, "body")]
    [InlineData("""["not","an","object"]""", 400, "The request body")]
    [InlineData("""{"id":""", 400, "body")]
    public async Task A_hostile_or_broken_definition_is_refused_and_the_catalog_keeps_working(string json, int status, string field)
    {
        using var refused = await gateway.Admin.PostAsync("/admin/v1/models", new StringContent(json, Encoding.UTF8, "application/json"));

        var error = await AnthropicError.ReadAsync(refused, (HttpStatusCode)status, "invalid_request_error");
        Assert.StartsWith(field, error.Message);
        Assert.DoesNotContain('\0', error.Message);
        var id = "acme-" + Guid.NewGuid().ToString("N")[..8];
        await gateway.PostAsync("/admin/v1/models", new JsonObject { ["id"] = id, ["display_name"] = "Acme" });
        Assert.Equal(id, (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/models/{id}"))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_oversized_definition_is_refused_before_it_is_read()
    {
        var huge = new JsonObject { ["id"] = "acme-huge", ["display_name"] = new string('x', 100_000) }.ToJsonString();

        // Each refusal, and the request right after it on the same client: its unread body leaves the connection unusable,
        // so the client is told not to reuse it (a reused one failed the next request as "the response ended prematurely").
        for (var i = 0; i < 10; i++)
        {
            using var refused = await gateway.Admin.PostAsync("/admin/v1/models", new StringContent(huge, Encoding.UTF8, "application/json"));
            await AnthropicError.ReadAsync(refused, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
            Assert.True(refused.Headers.ConnectionClose);
            using var next = await gateway.Admin.GetAsync("/admin/v1/models/claude-opus-5-5");
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
    }

    [Fact]
    public async Task Every_admin_may_read_the_catalog_and_only_org_admins_change_it()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", tenant.Workspace));

        var read = await AdminReads.GetAsync(analyst, "/admin/v1/models");
        Assert.NotEmpty(read["data"]!.AsArray());
        using var write = await analyst.PatchAsJsonAsync("/admin/v1/models/claude-opus-5-5", new JsonObject { ["prices"] = new JsonObject { ["input"] = 0, ["output"] = 0 } });
        await AnthropicError.ReadAsync(write, HttpStatusCode.Forbidden, "permission_error");
    }
}
