using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// What the proxy forwards: the body and headers as sent, the query string, count_tokens, a route's model override,
/// request metadata.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MessagesProxyForwardingTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Non_streaming_answer_reaches_the_client_unchanged_and_its_usage_is_read()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("Hello there")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("message", body["type"]!.GetValue<string>());
        Assert.Equal("Hello from the fake. You said: Hello there", body["content"]![0]!["text"]!.GetValue<string>());
        var requestId = Requests.RequestId(response);
        Assert.StartsWith("req_", requestId);

        var usage = await gateway.Usage.WaitForAsync(requestId);
        Assert.Equal(UsageOutcomes.Completed, usage.Outcome);
        Assert.Equal(body["usage"]!["input_tokens"]!.GetValue<long>(), usage.InputTokens);
        Assert.Equal(body["usage"]!["output_tokens"]!.GetValue<long>(), usage.OutputTokens);
        Assert.Equal("end_turn", usage.StopReason);
        Assert.Equal(tenant.KeyId, usage.KeyId);
        Assert.Equal(tenant.Workspace, usage.Workspace);
        Assert.Equal(tenant.Provider, usage.Provider);
    }

    [Fact]
    public async Task Provider_receives_the_body_bytes_and_anthropic_headers_exactly_as_sent_and_nothing_of_the_gateway()
    {
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();
        // Unknown fields, odd spacing and key order must all survive: the body is forwarded byte for byte.
        const string body = "{ \"max_tokens\" : 64,\"model\":\"claude-sonnet-4-5\",  \"messages\":[{\"role\":\"user\",\"content\":\"fidelity \\u00e9\"}],\n\"future_field\":{\"x\":[1,2.50]} }";
        using var request = Requests.Messages(tenant.Secret, body);
        request.Headers.Remove("x-api-key");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + tenant.Secret);
        request.Headers.TryAddWithoutValidation("anthropic-beta", "prompt-caching-2024-07-31,unknown-beta-2099-01-01");
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", "{\"user\":\"alice\"}");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var received = Assert.Single(gateway.Fake.Requests);
        Assert.Equal(Encoding.UTF8.GetBytes(body), received.Body);
        Assert.Equal("/v1/messages", received.PathAndQuery);
        Assert.Equal("2023-06-01", received.Header("anthropic-version"));
        Assert.Equal("prompt-caching-2024-07-31,unknown-beta-2099-01-01", received.Header("anthropic-beta"));
        Assert.Equal(gateway.Fake.ApiKey, received.Header("x-api-key"));
        Assert.Null(received.Header("authorization"));
        Assert.Null(received.Header("x-gateway-metadata"));
        Assert.Null(received.Header("traceparent"));
        Assert.Null(received.Header("accept-encoding"));
        var anthropicHeaders = received.Headers.Keys.Where(h => h.StartsWith("anthropic-", StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(["anthropic-beta", "anthropic-version"], anthropicHeaders);
    }

    [Fact]
    public async Task Query_string_is_forwarded_as_is()
    {
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("q"), "/v1/messages?beta=true"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/messages?beta=true", Assert.Single(gateway.Fake.Requests).PathAndQuery);
    }

    [Fact]
    public async Task A_large_body_with_a_good_key_is_forwarded_whole()
    {
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();
        var body = Requests.MessagesBody("big " + new string('x', 3 * 1024 * 1024));
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(gateway.Fake.Requests).BodyText);
    }

    [Fact]
    public async Task Count_tokens_is_forwarded_to_the_provider()
    {
        var tenant = await gateway.CreateTenantAsync();
        var body = "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}";
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body, "/v1/messages/count_tokens"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(answer["input_tokens"]!.GetValue<int>() > 0);
        Assert.Contains(gateway.Fake.Requests, r => r.PathAndQuery == "/v1/messages/count_tokens" && r.BodyText == body);
    }

    [Fact]
    public async Task A_route_can_override_the_model_without_touching_the_rest_of_the_body()
    {
        var tenant = await gateway.CreateTenantAsync();
        var config = "ovr-" + tenant.Workspace;
        await gateway.PostAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = config,
            ["config"] = new JsonObject
            {
                ["targets"] = new JsonArray(new JsonObject
                {
                    ["provider"] = "@" + tenant.Provider,
                    ["override_params"] = new JsonObject { ["model"] = "claude-haiku-4-5" },
                }),
            },
        });
        var (_, secret) = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["config"] = config });
        gateway.Fake.ClearRequests();
        const string body = "{\"model\":\"claude-opus-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"metadata\":{\"user_id\":\"u1\"}}";
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Replace("claude-opus-4-5", "claude-haiku-4-5", StringComparison.Ordinal), Assert.Single(gateway.Fake.Requests).BodyText);
        Assert.Equal("claude-haiku-4-5", (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Model);
    }

    [Fact]
    public async Task Request_metadata_header_is_merged_under_the_keys_own_metadata()
    {
        var tenant = await gateway.CreateTenantAsync();
        var (_, secret) = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["department"] = "finance" },
        });
        using var request = Requests.Messages(secret, Requests.MessagesBody("meta"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", "{\"user\":\"bob\",\"department\":\"sales\"}");
        using var response = await gateway.Client.SendAsync(request);

        var usage = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal("bob", usage.Metadata["user"]);
        Assert.Equal("finance", usage.Metadata["department"]);
    }
}
