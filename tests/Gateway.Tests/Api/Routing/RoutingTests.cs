using System.Net;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Routing;

/// <summary>
/// Routing configs end to end: fallback on statuses, refused connections and a Bedrock exception frame before the
/// first byte; retries; load balancing; nesting; the circuit breaker; and the attempts in the request log.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RoutingTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    private const string Model = "claude-sonnet-4-5-20250929";

    [Fact]
    public async Task Anthropic_answering_529_falls_back_to_bedrock_and_the_log_shows_both_attempts()
    {
        await using var down = await FakeAnthropic.StartAsync();
        down.FailAllWith = 529;
        string anthropic = "", bedrock = "";
        var (_, secret) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
        {
            anthropic = await clouds.CreateProviderAsync(gateway, "anthropic", ws, down);
            bedrock = await clouds.CreateProviderAsync(gateway, "bedrock", ws);
            return Fallback(Target(anthropic), Target(bedrock));
        });

        foreach (var stream in new[] { false, true })
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[words:5] fall back please", stream, Model)));
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("word4", text);

            var attempts = await AttemptsAsync(Requests.RequestId(response));
            Assert.Equal([(anthropic, 529, "provider_error"), (bedrock, 200, "completed")],
                attempts.Select(a => (a["provider"]!.GetValue<string>(), a["status"]!.GetValue<int>(), a["outcome"]!.GetValue<string>())));
            Assert.Equal("us.anthropic.claude-sonnet-4-5-20250929-v1:0", attempts[1]["model"]!.GetValue<string>());

            // The log keeps the answer the client got, not the failed attempt's error.
            await AdminReads.WaitForBodiesAsync(gateway, Requests.RequestId(response));
            var logged = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{Requests.RequestId(response)}");
            Assert.Contains("word4", logged["response"]!["content"]![0]!["text"]!.GetValue<string>());
            Assert.Equal(bedrock, logged["provider"]!.GetValue<string>());
        }
        Assert.Equal(2, down.MessageRequests);
    }

    [Fact]
    public async Task A_refused_connection_falls_back_to_bedrock()
    {
        string bedrock = "";
        var (_, secret) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
        {
            var refused = await clouds.CreateProviderAsync(gateway, "anthropic", ws, extra: new JsonObject { ["base_url"] = CloudProviders.ClosedPort().ToString() });
            bedrock = await clouds.CreateProviderAsync(gateway, "bedrock", ws);
            return Fallback(Target(refused), Target(bedrock));
        });

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("nobody home", true, Model)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message_stop", await response.Content.ReadAsStringAsync());
        var attempts = await AttemptsAsync(Requests.RequestId(response));
        Assert.Equal(["provider_failed", "completed"], attempts.Select(a => a["outcome"]!.GetValue<string>()));
        Assert.Equal(bedrock, attempts[1]["provider"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bedrock_exception_frame_mid_stream_reaches_the_client_as_an_error_event()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[midstream-error] break please", true, Model)),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }
        Assert.Equal("content_block_delta", events[^2].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        Assert.Contains("stream failed", events[^1].Data["error"]!["message"]!.GetValue<string>());
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
        var attempts = await AttemptsAsync(Requests.RequestId(response));
        Assert.Equal("provider_error", Assert.Single(attempts)["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bedrock_exception_before_the_first_byte_falls_back_and_a_lone_one_is_an_anthropic_error()
    {
        var (_, secret) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
            Fallback(Target(await clouds.CreateProviderAsync(gateway, "bedrock", ws)), Target(await clouds.CreateProviderAsync(gateway, "anthropic", ws))));
        using var fellBack = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[exception-first] busy", true, Model)));
        Assert.Equal(HttpStatusCode.OK, fellBack.StatusCode);
        Assert.Contains("event: message_stop", await fellBack.Content.ReadAsStringAsync());
        Assert.Equal(["provider_error", "completed"], (await AttemptsAsync(Requests.RequestId(fellBack))).Select(a => a["outcome"]!.GetValue<string>()));

        var (_, _, alone) = await clouds.CreateSingleAsync(gateway, "bedrock");
        using var refused = await gateway.Client.SendAsync(Requests.Messages(alone, Requests.MessagesBody("[exception-first] busy", true, Model)));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("rate_limit_error", (await AnthropicError.ReadAsync(refused)).Type);
    }

    [Fact]
    public async Task Bedrock_errors_map_to_anthropic_errors()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        foreach (var (status, expectedStatus, type) in new[] { (429, 429, "rate_limit_error"), (503, 529, "overloaded_error"), (400, 400, "invalid_request_error") })
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody($"[status:{status}] fail", model: Model)));
            Assert.Equal(expectedStatus, (int)response.StatusCode);
            Assert.Equal(type, (await AnthropicError.ReadAsync(response)).Type);
        }

        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        await clouds.CreateProviderAsync(gateway, "bedrock", workspace, extra: new JsonObject
        {
            ["credentials"] = new JsonObject { ["access_key_id"] = clouds.Bedrock.Options.AccessKeyId, ["secret_access_key"] = "wrong-secret" },
        });
        var (_, badSigner) = await gateway.CreateKeyAsync(workspace);
        using var rejected = await gateway.Client.SendAsync(Requests.Messages(badSigner, Requests.MessagesBody("signed wrong", model: Model)));
        Assert.Equal(HttpStatusCode.BadGateway, rejected.StatusCode);
        Assert.Contains("rejected the gateway's credential", (await AnthropicError.ReadAsync(rejected)).Message);
    }

    [Fact]
    public async Task A_target_retries_with_backoff_before_the_route_moves_on()
    {
        var (_, secret) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
        {
            var target = Target(await clouds.CreateProviderAsync(gateway, "anthropic", ws));
            target["retry"] = new JsonObject { ["attempts"] = 2, ["on_status_codes"] = new JsonArray(500) };
            return new JsonObject { ["targets"] = new JsonArray(target) };
        });
        var prompt = $"[status:500][fail-first:2] retry me {Guid.NewGuid():N}";

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody(prompt, model: Model)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([500, 500, 200], (await AttemptsAsync(Requests.RequestId(response))).Select(a => a["status"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Loadbalance_spreads_by_weight_and_nested_groups_fall_back_as_a_whole()
    {
        string anthropic = "", bedrock = "";
        var (_, balanced) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
        {
            anthropic = await clouds.CreateProviderAsync(gateway, "anthropic", ws);
            bedrock = await clouds.CreateProviderAsync(gateway, "bedrock", ws);
            var light = Target(anthropic);
            light["weight"] = 1;
            var heavy = Target(bedrock);
            heavy["weight"] = 3;
            return new JsonObject { ["strategy"] = new JsonObject { ["mode"] = "loadbalance" }, ["targets"] = new JsonArray(light, heavy) };
        });
        var requestIds = new List<string>();
        // The pick is random: at 80 requests and weights 1:3 the check below fails about once in a million runs (1 in 1,700 at 40).
        for (var i = 0; i < 80; i++)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(balanced, Requests.MessagesBody($"spread {i}", model: Model)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestIds.Add(Requests.RequestId(response));
        }
        await AdminReads.CatchUpAsync(gateway);
        var served = new Dictionary<string, int>();
        foreach (var requestId in requestIds)
        {
            var provider = (await AttemptsAsync(requestId, catchUp: false)).Single()["provider"]!.GetValue<string>();
            served[provider] = served.GetValueOrDefault(provider) + 1;
        }
        Assert.True(served.GetValueOrDefault(anthropic) > 0 && served[bedrock] > served[anthropic], $"anthropic {served.GetValueOrDefault(anthropic)}, bedrock {served.GetValueOrDefault(bedrock)}");

        await using var down = await FakeAnthropic.StartAsync();
        down.FailAllWith = 503;
        string vertex = "";
        var (_, nested) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws =>
        {
            var first = await clouds.CreateProviderAsync(gateway, "anthropic", ws, down);
            var second = await clouds.CreateProviderAsync(gateway, "anthropic", ws, down);
            vertex = await clouds.CreateProviderAsync(gateway, "vertex", ws);
            var group = new JsonObject { ["strategy"] = new JsonObject { ["mode"] = "fallback" }, ["targets"] = new JsonArray(Target(first), Target(second)) };
            return Fallback(group, Target(vertex));
        });
        using var rescued = await gateway.Client.SendAsync(Requests.Messages(nested, Requests.MessagesBody("nested", model: Model)));
        Assert.Equal(HttpStatusCode.OK, rescued.StatusCode);
        Assert.Equal([503, 503, 200], (await AttemptsAsync(Requests.RequestId(rescued))).Select(a => a["status"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_failing_target_is_skipped_until_its_probe_succeeds()
    {
        await using var flaky = await FakeAnthropic.StartAsync();
        flaky.FailAllWith = 503;
        var (_, secret) = await CloudProviders.CreateRoutedKeyAsync(gateway, async ws => Fallback(
            Target(await clouds.CreateProviderAsync(gateway, "anthropic", ws, flaky)),
            Target(await clouds.CreateProviderAsync(gateway, "bedrock", ws))));
        // Requests first, their log entries afterwards: the open period must not pass while the log catches up.
        var expected = new List<(string RequestId, string[] Outcomes)>();
        async Task SendAsync(string prompt, params string[] outcomes)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody(prompt, model: Model)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            expected.Add((Requests.RequestId(response), outcomes));
        }

        // Three failures (the test gateway's threshold) open the circuit for 3 s, within which the three skips must fit.
        for (var i = 0; i < 3; i++)
        {
            await SendAsync($"failing {i}", "provider_error", "completed");
        }
        Assert.Equal(3, flaky.MessageRequests);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync($"skipped {i}", "skipped_circuit_open", "completed");
        }
        Assert.Equal(3, flaky.MessageRequests);

        // After the open period one request probes; a failed probe opens it again (for 6 s), a good one closes it.
        await Task.Delay(TimeSpan.FromSeconds(3.3));
        await SendAsync("probe fails", "provider_error", "completed");
        Assert.Equal(4, flaky.MessageRequests);
        await SendAsync("skipped again", "skipped_circuit_open", "completed");
        flaky.FailAllWith = null;
        await Task.Delay(TimeSpan.FromSeconds(6.6));
        await SendAsync("probe succeeds", "completed");
        await SendAsync("closed again", "completed");
        Assert.Equal(6, flaky.MessageRequests);

        await AdminReads.CatchUpAsync(gateway);
        foreach (var (requestId, outcomes) in expected)
        {
            Assert.Equal(outcomes, (await AttemptsAsync(requestId, catchUp: false)).Select(a => a["outcome"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_budget_reserves_at_the_dearest_model_a_fallback_may_use_and_charges_the_one_that_answered()
    {
        await using var down = await FakeAnthropic.StartAsync();
        down.FailAllWith = 529;
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        var dearer = Target(await clouds.CreateProviderAsync(gateway, "bedrock", workspace));
        dearer["override_params"] = new JsonObject { ["model"] = "claude-opus-4-1" };
        var slug = "cfg-" + workspace;
        await gateway.PostAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = slug,
            ["workspace"] = workspace,
            ["config"] = Fallback(Target(await clouds.CreateProviderAsync(gateway, "anthropic", workspace, down)), dearer),
        });
        var (keyId, secret) = await gateway.CreateKeyAsync(workspace, new JsonObject
        {
            ["config"] = slug,
            ["budget"] = new JsonObject { ["limit_usd"] = 10, ["period"] = "monthly" },
        });
        // Haiku 4.5 asked for; the route may end on Opus 4.1 (15× the input price, 15× the output price).
        var (body, haikuReservation) = Requests.ExactCost(maxTokens: 100, outputTokens: 40);

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal(haikuReservation * 15, record.ReservedUsd);
        Assert.Equal("claude-opus-4-1", record.Model);
        Assert.Equal((record.InputTokens * 15m + 40 * 75m) / 1_000_000m, record.CostUsd);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{keyId}", record.CostUsd!.Value);
        Assert.Equal(record.CostUsd, budget["spent_usd"]!.GetValue<decimal>());
        Assert.Equal(0m, budget["reserved_usd"]!.GetValue<decimal>());
    }

    private static JsonObject Target(string provider) => new() { ["provider"] = "@" + provider };

    private static JsonObject Fallback(params JsonObject[] targets) => new()
    {
        ["strategy"] = new JsonObject { ["mode"] = "fallback" },
        ["targets"] = new JsonArray([.. targets]),
    };

    /// <summary>The request's attempts as its log entry shows them.</summary>
    private async Task<List<JsonObject>> AttemptsAsync(string requestId, bool catchUp = true)
    {
        if (catchUp)
        {
            await AdminReads.CatchUpAsync(gateway);
        }
        var detail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        return [.. detail["attempts"]!.AsArray().Select(a => a!.AsObject())];
    }
}
