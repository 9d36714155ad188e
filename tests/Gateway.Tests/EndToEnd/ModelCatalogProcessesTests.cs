using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Projections.Models;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A model and its prices added through one gateway process serve and bill on another process of the cluster,
/// without a restart; a price change there is a new price version, and both are in the audit trail.
/// </summary>
public sealed class ModelCatalogProcessesTests : IAsyncLifetime
{
    private const string AdminToken = "catalog-admin-token";
    // A model the shipped catalog does not know (retired by Anthropic, still answered by the fakes).
    private const string Model = "claude-3-haiku-20240307";
    private FakeAnthropic _anthropic = null!;
    private FakeBedrock _bedrock = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeAnthropic.StartAsync();
        _bedrock = await FakeBedrock.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _anthropic.DisposeAsync();
        await _bedrock.DisposeAsync();
    }

    [Fact]
    public async Task A_model_and_price_added_on_one_process_serve_and_bill_on_another_without_a_restart()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("catalog");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = connectionString,
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
            ["GATEWAY_ENCRYPTION_KEY"] = GatewayFixture.TestEncryptionKey,
            ["GATEWAY_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "gateway-catalog-keys"),
            ["Gateway__Cluster__Id"] = "catalog-" + Guid.NewGuid().ToString("N")[..8],
        };
        await using var a = GatewayProcess.Start(environment);
        await using var b = GatewayProcess.Start(environment);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        using var adminA = Admin(a.BaseUrl);
        using var adminB = Admin(b.BaseUrl);
        var anthropicKey = await KeyAsync(adminA, "direct", budgeted: true, new JsonObject
        {
            ["kind"] = "anthropic",
            ["base_url"] = _anthropic.BaseUrl.ToString(),
            ["credentials"] = new JsonObject { ["api_key"] = _anthropic.ApiKey },
        });
        var bedrockKey = await KeyAsync(adminA, "cloud", budgeted: false, new JsonObject
        {
            ["kind"] = "bedrock",
            ["base_url"] = _bedrock.BaseUrl.ToString(),
            ["region"] = _bedrock.Options.Region,
            ["credentials"] = new JsonObject
            {
                ["access_key_id"] = _bedrock.Options.AccessKeyId,
                ["secret_access_key"] = _bedrock.Options.SecretAccessKey,
            },
        });
        using var client = new HttpClient { BaseAddress = b.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };

        // Before: B refuses the unpriced model under a budget, saying how to price it, and (without a budget) a Bedrock
        // route has no id for it.
        using (var refused = await client.SendAsync(Request(anthropicKey, Model)))
        {
            var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.PaymentRequired, "billing_error");
            Assert.Contains($"No price is known for model '{Model}'", error.Message);
            Assert.Contains("POST /admin/v1/models", error.Message);
        }
        using (var unknown = await client.SendAsync(Request(bedrockKey, Model)))
        {
            var error = await AnthropicError.ReadAsync(unknown, HttpStatusCode.NotFound, "not_found_error");
            Assert.Contains("the model catalog does not know it", error.Message);
        }

        // Added through A.
        using (var created = await adminA.PostAsJsonAsync("/admin/v1/models", new JsonObject
        {
            ["id"] = Model,
            ["alias"] = "claude-3-haiku",
            ["display_name"] = "Claude Haiku 3",
            ["created_at"] = "2024-03-07T00:00:00Z",
            ["bedrock_id"] = "anthropic.claude-3-haiku-20240307-v1:0",
            ["bedrock_profile"] = "none",
            ["vertex_id"] = "claude-3-haiku@20240307",
            ["context_window"] = 200_000,
            ["max_output_tokens"] = 4_096,
            ["prices"] = new JsonObject { ["input"] = 0.25m, ["cache_write_5m"] = 0.30m, ["cache_write_1h"] = 0.50m, ["cache_read"] = 0.03m, ["output"] = 1.25m },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var model = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(ModelCatalog.Default.PriceVersion + "+1", model["price_version"]!.GetValue<string>());
            Assert.Equal("custom", model["source"]!.GetValue<string>());
        }

        // B serves and bills it, by its id and its alias, on both routes, at the admin's price.
        var first = await AnsweredAsync(client, anthropicKey, "claude-3-haiku");
        var usage = await LedgerQueries.RecordAsync(connectionString, first);
        Assert.Equal((1_000 * 0.25m + 200 * 1.25m) / 1_000_000m, usage!["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(ModelCatalog.Default.PriceVersion + "+1", usage["price_version"]!.GetValue<string>());
        var throughBedrock = await AnsweredAsync(client, bedrockKey, Model);
        Assert.Equal((1_000 * 0.25m + 200 * 1.25m) / 1_000_000m, (await LedgerQueries.RecordAsync(connectionString, throughBedrock))!["cost_usd"]!.GetValue<decimal>());
        Assert.Contains(_bedrock.Requests, r => r.PathAndQuery == "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke");
        var listed = (await adminB.GetFromJsonAsync<JsonObject>($"/admin/v1/models/{Model}"))!;
        Assert.Equal(0.25m, listed["prices"]!["input"]!.GetValue<decimal>());

        // A price change through A: B bills at the new price under the next price version.
        using (var patched = await adminA.PatchAsJsonAsync($"/admin/v1/models/{Model}", new JsonObject { ["prices"] = new JsonObject { ["input"] = 0.5m, ["output"] = 2.5m } }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }
        var repriced = await BilledAtAsync(client, connectionString, anthropicKey, ModelCatalog.Default.PriceVersion + "+2");
        Assert.Equal((1_000 * 0.5m + 200 * 2.5m) / 1_000_000m, repriced["cost_usd"]!.GetValue<decimal>());

        // Both changes are audited, with their prices and price versions.
        var audit = await AuditAsync(adminB, expected: 2);
        Assert.Equal(["model.updated", "model.created"], audit.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Contains("\"input\":0.5", audit[0]!["details"]!.GetValue<string>());
        Assert.Contains(ModelCatalog.Default.PriceVersion + "+2", audit[0]!["details"]!.GetValue<string>());
    }

    /// <summary>Sends until the request is answered (B follows A's change within about a second); its request id.</summary>
    private static async Task<string> AnsweredAsync(HttpClient client, string key, string model)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.SendAsync(Request(key, model));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return Requests.RequestId(response);
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"still {(int)response.StatusCode} after 30 s: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends until a request is billed under <paramref name="priceVersion"/>; its usage event.</summary>
    private static async Task<JsonObject> BilledAtAsync(HttpClient client, string connectionString, string key, string priceVersion)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var usage = (await LedgerQueries.RecordAsync(connectionString, await AnsweredAsync(client, key, Model)))!;
            if (usage["price_version"]?.GetValue<string>() == priceVersion)
            {
                return usage;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"still billed under {usage["price_version"]} after 30 s");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonArray> AuditAsync(HttpClient admin, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var data = (await admin.GetFromJsonAsync<JsonObject>("/admin/v1/audit?resource_type=model"))!["data"]!.AsArray();
            if (data.Count >= expected || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return data;
            }
            await Task.Delay(200);
        }
    }

    private static HttpRequestMessage Request(string key, string model) =>
        Requests.Messages(key, Requests.MessagesBody("[input:1000][output:200] hello", model: model, maxTokens: 200));

    private static async Task<string> KeyAsync(HttpClient admin, string name, bool budgeted, JsonObject provider)
    {
        (await admin.PostAsJsonAsync("/admin/v1/workspaces", new { id = name })).EnsureSuccessStatusCode();
        provider["slug"] = name + "-provider";
        provider["workspaces"] = new JsonArray(name);
        (await admin.PostAsJsonAsync("/admin/v1/providers", provider)).EnsureSuccessStatusCode();
        var body = new JsonObject { ["workspace"] = name, ["name"] = name };
        if (budgeted)
        {
            body["budget"] = new JsonObject { ["limit_usd"] = 10m, ["period"] = "monthly" };
        }
        using var key = await admin.PostAsJsonAsync("/admin/v1/keys", body);
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }

    private static HttpClient Admin(Uri gateway)
    {
        var admin = new HttpClient { BaseAddress = gateway };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return admin;
    }
}
