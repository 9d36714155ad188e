using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Providers;

/// <summary>Creating Bedrock and Vertex connections: what each kind needs, clear refusals, no secrets echoed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CloudProviderAdminTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    [Theory]
    [InlineData("""{"kind":"bedrock","credentials":{"access_key_id":"AKID","secret_access_key":"s"}}""", "region")]
    [InlineData("""{"kind":"bedrock","region":"us-east-1","credentials":{"access_key_id":"AKID"}}""", "credentials.secret_access_key")]
    [InlineData("""{"kind":"bedrock","region":"us-east-1","credentials":{"api_key":"k","access_key_id":"AKID"}}""", "access_key_id")]
    [InlineData("""{"kind":"vertex","region":"us-east5","project":"p","credentials":{"service_account_json":"not json"}}""", "service_account_json")]
    [InlineData("""{"kind":"vertex","region":"us-east5","project":"p","credentials":{"service_account_json":"{\"client_email\":\"a@b\",\"private_key\":\"garbage\"}"}}""", "private_key")]
    [InlineData("""{"kind":"anthropic","token_url":"http://127.0.0.1/token","credentials":{"api_key":"k"}}""", "token_url")]
    public async Task A_connection_missing_what_its_kind_needs_is_refused_naming_it(string body, string named)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        request["slug"] = "bad-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/providers", request);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(named, error.Message);
        Assert.DoesNotContain("garbage", error.Message);
    }

    [Fact]
    public async Task Cloud_connections_derive_their_endpoints_and_never_show_their_credentials()
    {
        var slug = "bedrock-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.PostAsync("/admin/v1/providers", new JsonObject
        {
            ["slug"] = slug,
            ["kind"] = "bedrock",
            ["region"] = "eu-central-1",
            ["credentials"] = new JsonObject { ["access_key_id"] = "AKIDEXAMPLE", ["secret_access_key"] = "very-secret-value" },
            ["model_ids"] = new JsonObject { ["claude-opus-4-6"] = "global.anthropic.claude-opus-4-6-v1" },
        });
        Assert.Equal("https://bedrock-runtime.eu-central-1.amazonaws.com", created["base_url"]!.GetValue<string>());
        Assert.Equal("global.anthropic.claude-opus-4-6-v1", created["model_ids"]!["claude-opus-4-6"]!.GetValue<string>());

        var vertex = await gateway.PostAsync("/admin/v1/providers", new JsonObject
        {
            ["slug"] = "vertex-" + Guid.NewGuid().ToString("N")[..8],
            ["kind"] = "vertex",
            ["region"] = "global",
            ["credentials"] = new JsonObject { ["service_account_json"] = clouds.ServiceAccountJson },
        });
        Assert.Equal("https://aiplatform.googleapis.com", vertex["base_url"]!.GetValue<string>());
        Assert.Equal("fake-project", vertex["project"]!.GetValue<string>());

        using var patched = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/providers/{slug}", new JsonObject { ["region"] = "us-west-2" });
        var moved = JsonNode.Parse(await patched.Content.ReadAsStringAsync())!;
        Assert.Equal("https://bedrock-runtime.us-west-2.amazonaws.com", moved["base_url"]!.GetValue<string>());
        foreach (var shown in new[] { created.ToJsonString(), vertex.ToJsonString(), moved.ToJsonString(), await gateway.Admin.GetStringAsync("/admin/v1/providers?limit=100") })
        {
            Assert.DoesNotContain("very-secret-value", shown);
            Assert.DoesNotContain("PRIVATE KEY", shown);
        }
    }
}
