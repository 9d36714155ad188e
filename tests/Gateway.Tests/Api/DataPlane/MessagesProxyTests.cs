using Gateway.Projections.Usage;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

[Collection(GatewayCollection.Name)]
public sealed class MessagesProxyTests(GatewayFixture gateway)
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
    public async Task Each_stream_event_reaches_the_client_while_the_provider_is_still_sending()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("[gated] step by step", stream: true));
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        var events = Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        var names = new List<string>();
        // The fake holds every event after the first until the test releases it: the client must see each
        // event before the provider sends the next, or the gateway is buffering.
        Assert.True(await events.MoveNextAsync());
        names.Add(events.Current.Name);
        while (true)
        {
            Assert.True(await gateway.Fake.EventWaiting.WaitAsync(TimeSpan.FromSeconds(10)), "the fake never asked to send its next event");
            gateway.Fake.EventGate.Release();
            Assert.True(await events.MoveNextAsync());
            names.Add(events.Current.Name);
            if (events.Current.Name == "message_stop")
            {
                break;
            }
        }
        Assert.Equal("message_start", names[0]);
        Assert.Contains("content_block_delta", names);
        Assert.Equal("message_delta", names[^2]);
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Stream_usage_comes_from_message_start_and_the_cumulative_message_delta()
    {
        var tenant = await gateway.CreateTenantAsync();
        var body = new JsonObject
        {
            ["model"] = Requests.Model,
            ["max_tokens"] = 100,
            ["stream"] = true,
            ["system"] = new JsonArray(new JsonObject
            {
                ["type"] = "text",
                ["text"] = "You are a helpful assistant with a long cached prompt.",
                ["cache_control"] = new JsonObject { ["type"] = "ephemeral", ["ttl"] = "1h" },
            }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "[cache-read:300] hi" }),
        };
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body.ToJsonString()), HttpCompletionOption.ResponseHeadersRead);
        JsonObject? start = null, delta = null;
        await foreach (var (name, data) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            start = name == "message_start" ? data : start;
            delta = name == "message_delta" ? data : delta;
        }

        var usage = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.True(usage.Stream);
        Assert.Equal(start!["message"]!["usage"]!["input_tokens"]!.GetValue<long>(), usage.InputTokens);
        Assert.Equal(delta!["usage"]!["output_tokens"]!.GetValue<long>(), usage.OutputTokens);
        Assert.True(usage.OutputTokens > 1, "output tokens must come from message_delta, not message_start's placeholder");
        Assert.Equal(2048, usage.CacheCreationInputTokens);
        Assert.Equal(2048, usage.CacheCreation1hInputTokens);
        Assert.Equal(0, usage.CacheCreation5mInputTokens);
        Assert.Equal(300, usage.CacheReadInputTokens);
        Assert.Equal(UsageOutcomes.Completed, usage.Outcome);
    }

    [Fact]
    public async Task A_mid_stream_error_event_reaches_the_client_and_is_recorded()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody("[midstream-error] go", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        var (name, data) = events[^1];
        Assert.Equal("error", name);
        Assert.Equal("overloaded_error", data["error"]!["type"]!.GetValue<string>());
        var usage = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal(UsageOutcomes.ProviderError, usage.Outcome);
        Assert.Equal("overloaded_error", usage.ErrorType);
    }

    [Theory]
    [InlineData(529, "overloaded_error")]
    [InlineData(500, "api_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(400, "invalid_request_error")]
    public async Task Provider_errors_keep_their_status_and_type_with_the_gateway_request_id(int status, string type)
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody($"[status:{status}]")));

        Assert.Equal(status, (int)response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal(type, error.Type);
        Assert.Equal(Requests.RequestId(response), error.RequestId);
        if (status is 429 or 529)
        {
            // What SDKs read to decide whether and when to retry.
            Assert.Equal("7", response.Headers.RetryAfter!.ToString());
            Assert.Equal("7000", response.Headers.GetValues("retry-after-ms").Single());
            Assert.Equal("true", response.Headers.GetValues("x-should-retry").Single());
        }
    }

    [Fact]
    public async Task A_provider_that_refuses_the_gateway_credential_is_a_502_not_a_client_auth_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/providers/{tenant.Provider}",
                   JsonContent("{\"credentials\":{\"api_key\":\"sk-ant-wrong\"}}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi")));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("api_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task An_unreachable_provider_is_a_502_api_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/providers/{tenant.Provider}",
                   JsonContent($"{{\"base_url\":\"http://127.0.0.1:{ClosedPort()}\"}}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi")));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("api_error", error.Type);
        Assert.Contains("connection refused", error.Message);
        Assert.Equal(UsageOutcomes.ProviderFailed, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
    }

    [Fact]
    public async Task A_provider_that_does_not_answer_in_time_is_a_504_timeout_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        var secret = await KeyWithTimeoutAsync(tenant, 400);

        var started = DateTime.UtcNow;
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[hang]")));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout_error", (await AnthropicError.ReadAsync(response)).Type);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_stream_cancels_the_provider_call()
    {
        var tenant = await gateway.CreateTenantAsync();
        var prompt = $"[hang-stream] wait {Guid.NewGuid():N}";
        var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody(prompt, stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("message_start", events.Current.Name);
        var requestId = Requests.RequestId(response);
        response.Dispose();

        Assert.True(await Processes.WaitUntilAsync(() => gateway.Fake.CancelledPrompts.Contains(prompt), TimeSpan.FromSeconds(5)),
            "the provider call was not cancelled");
        Assert.Equal(UsageOutcomes.ClientDisconnected, (await gateway.Usage.WaitForAsync(requestId)).Outcome);
    }

    [Fact]
    public async Task A_provider_that_goes_quiet_mid_stream_ends_it_with_a_timeout_error_event()
    {
        var tenant = await gateway.CreateTenantAsync();
        var secret = await KeyWithTimeoutAsync(tenant, 400);
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(secret, Requests.MessagesBody("[hang-stream] then silence", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("timeout_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        Assert.Equal(UsageOutcomes.ProviderTimeout, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
    }

    [Fact]
    public async Task A_provider_connection_that_drops_mid_stream_ends_it_with_an_api_error_event()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody("[drop-stream] bye", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        Assert.Equal(UsageOutcomes.ProviderFailed, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
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

    private async Task<string> KeyWithTimeoutAsync(Tenant tenant, int timeoutMs)
    {
        var config = "cfg-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = config,
            ["workspace"] = tenant.Workspace,
            ["config"] = new JsonObject
            {
                ["strategy"] = new JsonObject { ["mode"] = "single" },
                ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }),
                ["request_timeout_ms"] = timeoutMs,
            },
        });
        return (await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["config"] = config })).Secret;
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
