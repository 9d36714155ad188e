using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Catalog;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Api.Catalog;

/// <summary>
/// Today's models on the data plane: billed at their own rates on every provider kind, reachable by any cloud's
/// spelling on any route, listed with the catalog's sizes, and priced per provider where an admin says so.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class CatalogDataPlaneTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    public static TheoryData<string> Kinds => new() { "anthropic", "bedrock", "vertex" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Opus_5_5_is_billed_with_its_own_cache_read_rate_on_every_provider_kind(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var body = Requests.CachedPromptBody("claude-opus-5-5", "[input:1234][output:321][cache-read:10111] go", maxTokens: 400);

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        // The fake writes 2,048 tokens to the 1-hour cache: 1234×4 + 2048×8 + 10111×0.20 + 321×20 micro-USD — cache
        // reads at 0.20, a twentieth of input (at Opus 4.5's 0.50 the same request would cost 0.0030333 more).
        Assert.Equal(0.0297622m, record.CostUsd);
        Assert.Equal((1_234, 2_048, 10_111, 321), (record.InputTokens, record.CacheCreationInputTokens, record.CacheReadInputTokens, record.OutputTokens));
        Assert.Equal("claude-opus-5-5", record.Model);
        Assert.Equal(Current.PriceVersion, record.PriceVersion);
    }

    [Fact]
    public async Task A_bedrock_spelling_on_an_anthropic_route_reaches_anthropic_by_its_anthropic_id_and_is_recorded_by_it()
    {
        var tenant = await gateway.CreateTenantAsync();
        var marker = Guid.NewGuid().ToString("N");

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret,
            Requests.MessagesBody(marker, model: "us.anthropic.claude-opus-5-5")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = gateway.Fake.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("claude-opus-5-5", JsonNode.Parse(sent.Body)!["model"]!.GetValue<string>());
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal("claude-opus-5-5", record.Model);
        Assert.Equal("claude-opus-5-5", Assert.Single(record.Attempts).Model);
    }

    [Fact]
    public async Task A_vertex_spelling_on_a_bedrock_route_reaches_bedrock_through_the_regions_profile()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var marker = Guid.NewGuid().ToString("N");

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody(marker, model: "claude-opus-4-5@20251101")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = clouds.Bedrock.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("/model/us.anthropic.claude-opus-4-5-20251101-v1:0/invoke", sent.PathAndQuery);
        Assert.Equal("claude-opus-4-5-20251101", (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Model);
    }

    [Theory]
    [InlineData("bedrock")]
    [InlineData("vertex")]
    public async Task A_model_the_catalog_does_not_know_is_a_clear_404_on_a_cloud_route(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("hi", model: "claude-opus-9")));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.NotFound, "not_found_error");
        Assert.StartsWith("model: claude-opus-9", error.Message);
        Assert.Contains("POST /admin/v1/models", error.Message);
    }

    [Fact]
    public async Task A_keys_model_allow_list_admits_a_model_by_any_of_its_spellings()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["models"] = new JsonArray("claude-opus-5-5", "claude-opus-4-5") });

        foreach (var model in new[] { "us.anthropic.claude-opus-5-5", "claude-opus-5-5", "claude-opus-4-5-20251101", "claude-opus-4-5@20251101" })
        {
            using var allowed = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi", model: model)));
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{model}: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
        }
        using var refused = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi", model: "claude-sonnet-4-6")));
        await AnthropicError.ReadAsync(refused, HttpStatusCode.Forbidden, "permission_error");
    }

    [Fact]
    public async Task A_key_allowed_a_model_by_its_alias_sees_it_in_the_model_list()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["models"] = new JsonArray("claude-opus-4-5", "claude-sonnet-5-5") });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models?limit=100");
        request.Headers.TryAddWithoutValidation("x-api-key", tenant.Secret);

        using var response = await gateway.Client.SendAsync(request);

        var data = (await response.Content.ReadFromJsonAsync<JsonObject>())!["data"]!.AsArray();
        Assert.Equal(["claude-sonnet-5-5", "claude-opus-4-5-20251101"], data.Select(m => m!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_model_list_of_an_anthropic_route_carries_the_catalogs_context_and_output_sizes()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models?limit=100");
        request.Headers.TryAddWithoutValidation("x-api-key", tenant.Secret);

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.Content.ReadFromJsonAsync<JsonObject>())!["data"]!.AsArray();
        var opus = data.Single(m => m!["id"]!.GetValue<string>() == "claude-opus-5-5")!;
        Assert.Equal(1_000_000, opus["max_input_tokens"]!.GetValue<long>());
        Assert.Equal(128_000, opus["max_tokens"]!.GetValue<long>());
        // A model the catalog does not know is listed as the provider gives it.
        Assert.False(data.Single(m => m!["id"]!.GetValue<string>() == "claude-3-haiku-20240307")!.AsObject().ContainsKey("max_input_tokens"));
    }

    [Fact]
    public async Task A_price_set_for_one_provider_bills_requests_served_by_that_provider_only()
    {
        var dear = await gateway.CreateTenantAsync();
        var usual = await gateway.CreateTenantAsync();
        using (var patched = await gateway.Admin.PatchAsJsonAsync("/admin/v1/models/claude-opus-5-5", new JsonObject
        {
            ["provider_prices"] = new JsonObject { [dear.Provider] = new JsonObject { ["input"] = 4.4m, ["output"] = 22m } },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            var model = (await patched.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(4.4m, model["provider_prices"]![dear.Provider]!["input"]!.GetValue<decimal>());
        }

        var body = Requests.MessagesBody("[input:1000][output:100] price", model: "claude-opus-5-5");
        using var throughDear = await gateway.Client.SendAsync(Requests.Messages(dear.Secret, body));
        using var throughUsual = await gateway.Client.SendAsync(Requests.Messages(usual.Secret, body));

        var dearRecord = await gateway.Usage.WaitForAsync(Requests.RequestId(throughDear));
        Assert.Equal((1_000 * 4.4m + 100 * 22m) / 1_000_000m, dearRecord.CostUsd);
        Assert.Equal(Current.PriceVersion, dearRecord.PriceVersion);
        Assert.Equal((1_000 * 4m + 100 * 20m) / 1_000_000m, (await gateway.Usage.WaitForAsync(Requests.RequestId(throughUsual))).CostUsd);
    }

    private Gateway.Projections.Models.ModelCatalog Current => gateway.Services.GetRequiredService<CurrentCatalog>().Loaded!;
}
