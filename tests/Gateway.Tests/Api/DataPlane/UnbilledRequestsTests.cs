using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>Requests that are not billed (count_tokens, model lists) are still requests: rate limits hold for them.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UnbilledRequestsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Count_tokens_counts_against_requests_per_minute()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["rate_limits"] = new JsonObject { ["rpm"] = 2 } });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret,
                """{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"count me"}]}""", "/v1/messages/count_tokens"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(int.Parse(response.Headers.GetValues("retry-after").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
                await AnthropicError.ReadAsync(response, HttpStatusCode.TooManyRequests, "rate_limit_error");
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Model_lists_count_against_requests_per_minute()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["rate_limits"] = new JsonObject { ["rpm"] = 2 } });

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/v1/models", "/v1/models/claude-sonnet-4-5", "/v1/models" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("x-api-key", tenant.Secret);
            using var response = await gateway.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Retrieving_a_model_again_and_again_is_answered_from_the_providers_list_kept_a_few_minutes()
    {
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();

        for (var i = 0; i < 5; i++)
        {
            foreach (var id in new[] { "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "us.anthropic.claude-opus-5-5" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models/" + id);
                request.Headers.TryAddWithoutValidation("x-api-key", tenant.Secret);
                using var response = await gateway.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        // One list fetch (a new provider connection), no per-model call.
        var calls = gateway.Fake.Requests.Select(r => r.PathAndQuery).ToList();
        Assert.All(calls, path => Assert.StartsWith("/v1/models?", path));
        Assert.Single(calls);
    }
}
