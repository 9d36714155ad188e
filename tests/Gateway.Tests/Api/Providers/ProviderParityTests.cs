using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Anthropic.Models.Models;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Providers;

/// <summary>
/// The official Anthropic .NET SDK through the gateway gets the same answers — content, stop reason, usage with
/// cache tokens — whether the route goes to Anthropic, Bedrock (SigV4, event-stream frames) or Vertex (OAuth
/// token, rawPredict), streaming or not, for text, tool use and thinking.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ProviderParityTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    private const string Model = "claude-sonnet-4-5-20250929";

    /// <summary>Every provider kind with a dated model, today's default (Opus 5.5) and Sonnet 4.6 — by their Anthropic ids, no <c>model_ids</c>.</summary>
    public static TheoryData<string, string> Kinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "anthropic", "bedrock", "vertex" })
        {
            foreach (var model in new[] { Model, "claude-opus-5-5", "claude-sonnet-4-6" })
            {
                data.Add(kind, model);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Text_answers_match_the_direct_provider_streaming_and_not(string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var request = new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            // A cached system prompt: the usage must carry cache-write tokens from every provider.
            System = new List<TextBlockParam> { new() { Text = "You are terse.", CacheControl = new CacheControlEphemeral() } },
            Messages = [new UserMessageParam("[words:30][cache-read:512] Tell me a story")],
        };
        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, secret);

        var expected = await direct.Messages.Create(request);
        Sdk.AssertSameMessage(expected, await through.Messages.Create(request));
        var (streamed, events) = await Sdk.CollectAsync(through.Messages.CreateStreaming(request));
        Sdk.AssertSameMessage(expected, streamed);
        Assert.True(events > 5, "the answer arrived as a stream of events");
        Assert.True(expected.Usage.CacheCreationInputTokens > 0 && expected.Usage.CacheReadInputTokens == 512, "the fake reports cache tokens");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Tool_use_with_thinking_matches_the_direct_provider_streaming_and_not(string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var request = new MessageCreateParams
        {
            Model = model,
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled(1024),
            Tools =
            [
                new Tool
                {
                    Name = "get_weather",
                    Description = "Current weather for a location",
                    InputSchema = new InputSchema
                    {
                        Properties = new Dictionary<string, JsonElement> { ["location"] = JsonSerializer.SerializeToElement(new { type = "string" }) },
                        Required = ["location"],
                    },
                },
            ],
            Messages = [new UserMessageParam("[tool] What is the weather in Paris?")],
        };
        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, secret);

        var expected = await direct.Messages.Create(request);
        Assert.Equal("tool_use", expected.StopReason?.Raw());
        Assert.Contains(expected.Content, b => b.TryPickThinking(out _));
        Sdk.AssertSameMessage(expected, await through.Messages.Create(request));
        var (streamed, _) = await Sdk.CollectAsync(through.Messages.CreateStreaming(request));
        Sdk.AssertSameMessage(expected, streamed);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Count_tokens_and_models_are_served_for_every_kind(string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, secret);
        var count = new MessageCountTokensParams { Model = model, Messages = [new UserMessageParam("How many tokens is this sentence?")] };

        Assert.Equal((await direct.Messages.CountTokens(count)).InputTokens, (await through.Messages.CountTokens(count)).InputTokens);
        var models = new List<string>();
        await foreach (var listed in (await through.Models.List(new ModelListParams { Limit = 100 })).Paginate())
        {
            models.Add(listed.ID);
        }
        Assert.Contains(model, models);
        Assert.Equal(model, (await through.Models.Retrieve(model)).ID);
    }

    [Fact]
    public async Task Anthropic_beta_reaches_bedrock_as_the_body_array_and_vertex_as_the_header()
    {
        var (_, _, bedrockKey) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var (_, _, vertexKey) = await clouds.CreateSingleAsync(gateway, "vertex");
        const string prompt = "beta check ";
        var marker = Guid.NewGuid().ToString("N");

        foreach (var key in new[] { bedrockKey, vertexKey })
        {
            using var request = Requests.Messages(key, Requests.MessagesBody(prompt + marker, model: Model));
            request.Headers.TryAddWithoutValidation("anthropic-beta", "context-1m-2025-08-07,interleaved-thinking-2025-05-14");
            request.Headers.TryAddWithoutValidation("anthropic-beta", "fine-grained-tool-streaming-2025-05-14");
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var atBedrock = clouds.Bedrock.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        var bedrockBody = JsonNode.Parse(atBedrock.Body)!.AsObject();
        Assert.Equal(["context-1m-2025-08-07", "interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14"],
            bedrockBody["anthropic_beta"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("bedrock-2023-05-31", bedrockBody["anthropic_version"]!.GetValue<string>());
        Assert.False(bedrockBody.ContainsKey("model") || bedrockBody.ContainsKey("stream"));
        Assert.Contains("/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke", atBedrock.PathAndQuery);

        var atVertex = clouds.Vertex.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(["context-1m-2025-08-07", "interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14"],
            atVertex.Header("anthropic-beta")!.Split(',', StringSplitOptions.TrimEntries));
        var vertexBody = JsonNode.Parse(atVertex.Body)!.AsObject();
        Assert.Equal("vertex-2023-10-16", vertexBody["anthropic_version"]!.GetValue<string>());
        Assert.False(vertexBody.ContainsKey("model") || vertexBody.ContainsKey("anthropic_beta"));
        Assert.EndsWith("/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict", atVertex.PathAndQuery);
    }

    [Fact]
    public async Task Unknown_fields_and_cache_control_reach_bedrock_byte_for_byte()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var marker = Guid.NewGuid().ToString("N");
        const string system = "[{\"type\":\"text\",\"text\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]";
        const string custom = "{\"nested\":[1.50,2e3,\"\\u00e9\"]}";
        var body = $"{{\"model\":\"{Model}\",\"max_tokens\":64,\"system\":{system},\"future_field\":{custom},\"messages\":[{{\"role\":\"user\",\"content\":\"{marker}\"}}]}}";

        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = clouds.Bedrock.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal)).BodyText;
        Assert.Contains("\"system\":" + system, sent);
        Assert.Contains("\"future_field\":" + custom, sent);
        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!;
        Assert.Equal(2048, usage["cache_creation"]!["ephemeral_1h_input_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_bedrock_api_key_is_sent_as_a_bearer_token_and_vertex_tokens_are_reused()
    {
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        await clouds.CreateProviderAsync(gateway, "bedrock", workspace, extra: new JsonObject
        {
            ["credentials"] = new JsonObject { ["api_key"] = clouds.Bedrock.Options.ApiKey },
        });
        var (_, secret) = await gateway.CreateKeyAsync(workspace);
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("bearer please", model: Model)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (_, _, vertexKey) = await clouds.CreateSingleAsync(gateway, "vertex");
        var before = clouds.OAuth.TokenRequests;
        for (var i = 0; i < 5; i++)
        {
            using var answered = await gateway.Client.SendAsync(Requests.Messages(vertexKey, Requests.MessagesBody($"token reuse {i}", model: Model)));
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        Assert.True(clouds.OAuth.TokenRequests - before <= 1, "one access token serves many requests");
    }
}
