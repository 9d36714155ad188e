using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>Builds data-plane requests the way Anthropic clients send them.</summary>
public static class Requests
{
    public const string Model = "claude-sonnet-4-5";

    public static string MessagesBody(string prompt, bool stream = false, string model = Model, int maxTokens = 256) =>
        new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        }.ToJsonString();

    public static HttpRequestMessage Messages(string key, string body, string path = "/v1/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("x-api-key", key);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    /// <summary>
    /// A Haiku 4.5 request whose answer reports exactly the tokens the gateway reserves for it (its body's bytes
    /// plus the stated overhead, and max_tokens), or <paramref name="outputTokens"/> when given; returns it with the
    /// cost of its reservation.
    /// </summary>
    public static (string Body, decimal Reservation) ExactCost(int maxTokens, int? outputTokens = null, bool stream = false, string markers = "")
    {
        string Build(int input) =>
            MessagesBody($"[input:{input}][output:{outputTokens ?? maxTokens}]{markers} exact", stream, "claude-haiku-4-5", maxTokens);
        var input = Encoding.UTF8.GetByteCount(Build(1_000)) + (int)Gateway.Api.Budgets.CostBound.OverheadTokens;
        var body = Build(input);
        Assert.Equal(input, Encoding.UTF8.GetByteCount(body) + Gateway.Api.Budgets.CostBound.OverheadTokens);
        return (body, (input * 1m + maxTokens * 5m) / 1_000_000m);
    }

    /// <summary>A body whose system prompt asks for the one-hour cache (the fake writes 2,048 tokens to it).</summary>
    public static string CachedPromptBody(string model, string prompt, int maxTokens) => new JsonObject
    {
        ["model"] = model,
        ["max_tokens"] = maxTokens,
        ["system"] = new JsonArray(new JsonObject
        {
            ["type"] = "text",
            ["text"] = "cached context",
            ["cache_control"] = new JsonObject { ["type"] = "ephemeral", ["ttl"] = "1h" },
        }),
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
    }.ToJsonString();

    public static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("request-id").Single();

    /// <summary>Reads SSE events (name and data) from a response body as they arrive.</summary>
    public static async IAsyncEnumerable<(string Name, JsonObject Data)> ReadEventsAsync(Stream body)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null && data is not null)
                {
                    yield return (name, JsonNode.Parse(data)!.AsObject());
                }
                name = null;
                data = null;
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }
    }
}
