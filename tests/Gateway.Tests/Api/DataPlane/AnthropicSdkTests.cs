using System.Text.Json;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Anthropic.Models.Models;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// The official Anthropic .NET SDK as the client: through the gateway with a gateway key it must get what it
/// gets straight from the provider with the provider's key.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AnthropicSdkTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Non_streaming_answer_matches_the_providers_own()
    {
        var tenant = await gateway.CreateTenantAsync();
        var request = new MessageCreateParams
        {
            Model = Requests.Model,
            MaxTokens = 256,
            Messages = [new UserMessageParam("What is the capital of France?")],
        };

        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, tenant.Secret);
        var expected = await direct.Messages.Create(request);
        var actual = await through.Messages.Create(request);

        Sdk.AssertSameMessage(expected, actual);
        Assert.Equal("Hello from the fake. You said: What is the capital of France?", Sdk.Text(actual));
    }

    [Fact]
    public async Task Streaming_text_matches_the_providers_own()
    {
        var tenant = await gateway.CreateTenantAsync();
        var request = new MessageCreateParams
        {
            Model = Requests.Model,
            MaxTokens = 256,
            Messages = [new UserMessageParam("[words:40] Tell me a story")],
        };

        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, tenant.Secret);
        var expected = await direct.Messages.CreateStreaming(request).Aggregate();
        var (actual, events) = await Sdk.CollectAsync(through.Messages.CreateStreaming(request));

        Sdk.AssertSameMessage(expected, actual);
        Assert.StartsWith("word0 word1", Sdk.Text(actual));
        Assert.True(events > 5, "the answer arrived as a stream of events");
    }

    [Fact]
    public async Task Streaming_tool_use_with_thinking_matches_the_providers_own()
    {
        var tenant = await gateway.CreateTenantAsync();
        var request = new MessageCreateParams
        {
            Model = Requests.Model,
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
                        Properties = new Dictionary<string, JsonElement>
                        {
                            ["location"] = JsonSerializer.SerializeToElement(new { type = "string" }),
                        },
                        Required = ["location"],
                    },
                },
            ],
            ToolChoice = new ToolChoiceAuto(),
            Messages = [new UserMessageParam("[tool] What's the weather in Paris?")],
        };

        using var direct = Sdk.Direct(gateway.Fake);
        using var through = Sdk.Through(gateway, tenant.Secret);
        var expected = await direct.Messages.CreateStreaming(request).Aggregate();
        var actual = await through.Messages.CreateStreaming(request).Aggregate();
        var nonStreaming = await through.Messages.Create(request);

        Sdk.AssertSameMessage(expected, actual);
        Sdk.AssertSameMessage(expected, nonStreaming);
        Assert.Equal("tool_use", actual.StopReason?.Raw());
        Assert.True(actual.Content[0].TryPickThinking(out var thinking));
        Assert.False(string.IsNullOrEmpty(thinking!.Signature));
        var toolUse = actual.Content.Select(b => b.TryPickToolUse(out var t) ? t : null).Single(t => t is not null)!;
        Assert.Equal("get_weather", toolUse.Name);
        Assert.Equal("Paris, France", toolUse.Input["location"].GetString());
    }

    [Fact]
    public async Task Models_list_pages_and_retrieve_and_count_tokens_work()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var client = Sdk.Through(gateway, tenant.Secret);

        var first = await client.Models.List(new ModelListParams { Limit = 2 });
        Assert.Equal(2, first.Items.Count);
        Assert.True(first.HasNext());
        var all = new List<string>();
        await foreach (var model in (await client.Models.List(new ModelListParams { Limit = 4 })).Paginate())
        {
            all.Add(model.ID);
        }
        Assert.Contains("claude-sonnet-4-5-20250929", all);
        Assert.Equal(all.Distinct().Count(), all.Count);
        Assert.Equal(Gateway.Fakes.FakeModels.All.Count, all.Count);

        var retrieved = await client.Models.Retrieve("claude-sonnet-4-5");
        Assert.Equal("claude-sonnet-4-5-20250929", retrieved.ID);

        var count = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = Requests.Model,
            Messages = [new UserMessageParam("count these tokens please")],
        });
        Assert.True(count.InputTokens > 0);
    }

    [Fact]
    public async Task A_key_limited_to_some_models_lists_only_those()
    {
        var tenant = await gateway.CreateTenantAsync();
        var (_, secret) = await gateway.CreateKeyAsync(tenant.Workspace, new System.Text.Json.Nodes.JsonObject
        {
            ["models"] = new System.Text.Json.Nodes.JsonArray("claude-haiku-*"),
        });
        using var client = Sdk.Through(gateway, secret);
        var models = (await client.Models.List(new ModelListParams { Limit = 100 })).Items.Select(m => m.ID).ToList();
        Assert.Equal(["claude-haiku-5-5", "claude-haiku-4-5-20251001"], models);
    }

    [Fact]
    public async Task A_bad_key_and_a_revoked_key_raise_the_sdks_authentication_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        var request = new MessageCreateParams { Model = Requests.Model, MaxTokens = 16, Messages = [new UserMessageParam("hi")] };

        using var wrong = Sdk.Through(gateway, "gwk_not_a_real_key");
        var bad = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => wrong.Messages.Create(request));
        Assert.Equal("authentication_error", bad.Type?.Raw());

        using var client = Sdk.Through(gateway, tenant.Secret);
        await client.Messages.Create(request);
        using (var revoke = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }
        var revoked = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => client.Messages.Create(request));
        Assert.Contains("revoked", revoked.ApiMessage);
        Assert.StartsWith("req_", revoked.RequestID);
    }

    [Fact]
    public async Task A_mid_stream_provider_error_surfaces_as_the_sdks_stream_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var client = Sdk.Through(gateway, tenant.Secret);
        var request = new MessageCreateParams { Model = Requests.Model, MaxTokens = 64, Messages = [new UserMessageParam("[midstream-error] hi")] };
        var error = await Assert.ThrowsAsync<AnthropicSseException>(async () =>
        {
            await foreach (var _ in client.Messages.CreateStreaming(request))
            {
            }
        });
        Assert.Equal("overloaded_error", error.Type?.Raw());
    }
}
