using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Gateway.Fakes;

namespace Gateway.Tests.Infrastructure;

/// <summary>The official Anthropic .NET SDK as tests use it: through the gateway, or straight to the fake provider.</summary>
public static class Sdk
{
    /// <summary>A client of the gateway with a gateway key (no retries: a test sees every answer).</summary>
    public static AnthropicClient Through(GatewayFixture gateway, string key) => new(new ClientOptions
    {
        BaseUrl = gateway.BaseUrl.ToString(),
        ApiKey = key,
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>Straight to the fake provider with its own key (sent as x-api-key, as Anthropic expects).</summary>
    public static AnthropicClient Direct(FakeAnthropic fake) => new(new ClientOptions
    {
        BaseUrl = fake.BaseUrl.ToString(),
        ApiKey = null,
        ExtraHeaders = new Dictionary<string, string> { ["x-api-key"] = fake.ApiKey },
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>Reads a stream to its end; the message it assembles to and how many events carried it.</summary>
    public static async Task<(Message Message, int Events)> CollectAsync(IAsyncEnumerable<RawMessageStreamEvent> stream)
    {
        var events = new List<RawMessageStreamEvent>();
        await foreach (var evt in stream)
        {
            events.Add(evt);
        }
        return (await Replay(events).Aggregate(), events.Count);

        static async IAsyncEnumerable<RawMessageStreamEvent> Replay(IEnumerable<RawMessageStreamEvent> items)
        {
            foreach (var item in items)
            {
                yield return item;
            }
            await Task.CompletedTask;
        }
    }

    /// <summary>Same content blocks, stop reason, model and usage (cache tokens included); ids may differ.</summary>
    public static void AssertSameMessage(Message expected, Message actual)
    {
        Assert.Equal(expected.Content.Select(Describe), actual.Content.Select(Describe));
        Assert.Equal(expected.StopReason?.Raw(), actual.StopReason?.Raw());
        Assert.Equal(expected.Usage.InputTokens, actual.Usage.InputTokens);
        Assert.Equal(expected.Usage.OutputTokens, actual.Usage.OutputTokens);
        Assert.Equal(expected.Usage.CacheCreationInputTokens, actual.Usage.CacheCreationInputTokens);
        Assert.Equal(expected.Usage.CacheReadInputTokens, actual.Usage.CacheReadInputTokens);
        Assert.Equal(expected.Model.Raw(), actual.Model.Raw());
    }

    /// <summary>The text blocks of a message, joined.</summary>
    public static string Text(Message message) =>
        new StringBuilder().AppendJoin("", message.Content.Select(b => b.TryPickText(out var t) ? t.Text : "")).ToString();

    private static string Describe(ContentBlock block) =>
        block.TryPickText(out var text) ? "text:" + text.Text
        : block.TryPickThinking(out var thinking) ? "thinking:" + thinking.Thinking
        : block.TryPickToolUse(out var tool) ? $"tool_use:{tool.Name}:{JsonSerializer.Serialize(tool.Input)}"
        : block.Type.Raw();
}
