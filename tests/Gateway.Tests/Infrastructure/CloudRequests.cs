using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Providers.Bedrock;

namespace Gateway.Tests.Infrastructure;

/// <summary>Requests in Bedrock's and Vertex's wire formats, as cloud-configured clients send them to the gateway's fronts.</summary>
public static class CloudRequests
{
    /// <summary>An InvokeModel body: Anthropic's without <c>model</c> and <c>stream</c>, with <c>anthropic_version</c> (and betas when given).</summary>
    public static JsonObject InvokeBody(string prompt, int maxTokens = 256, params string[] betas)
    {
        var body = new JsonObject
        {
            ["anthropic_version"] = "bedrock-2023-05-31",
            ["max_tokens"] = maxTokens,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (betas.Length > 0)
        {
            body["anthropic_beta"] = new JsonArray([.. betas.Select(b => (JsonNode)b)]);
        }
        return body;
    }

    /// <summary>A rawPredict body: Anthropic's without <c>model</c>, with Vertex's <c>anthropic_version</c>.</summary>
    public static JsonObject PredictBody(string prompt, bool stream = false, int maxTokens = 256)
    {
        var body = InvokeBody(prompt, maxTokens);
        body["anthropic_version"] = "vertex-2023-10-16";
        body["stream"] = stream;
        return body;
    }

    /// <summary><c>POST /bedrock/model/{model}/{action}</c> with the key as a Bedrock API key (Bearer).</summary>
    public static HttpRequestMessage Bedrock(string key, string model, string action, JsonObject body) =>
        Post($"/bedrock/model/{Uri.EscapeDataString(model)}/{action}", body, "authorization", "Bearer " + key);

    /// <summary><c>POST /vertex/v1/projects/…/models/{model}:{method}</c> with the key as <c>x-api-key</c>.</summary>
    public static HttpRequestMessage Vertex(string key, string model, string method, JsonObject body) =>
        Post($"/vertex/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/{Uri.EscapeDataString(model)}:{method}", body, "x-api-key", key);

    /// <summary>Reads every frame of an event-stream body; the decoder checks both checksums of each.</summary>
    public static async Task<List<EventStreamMessage>> ReadFramesAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        using var decoder = new EventStreamDecoder(body);
        var frames = new List<EventStreamMessage>();
        while (await decoder.ReadAsync() is { } frame)
        {
            frames.Add(new EventStreamMessage([.. frame.Headers], frame.Payload.ToArray()));
        }
        return frames;
    }

    /// <summary>The Anthropic event a chunk frame carries.</summary>
    public static JsonObject ChunkEvent(EventStreamMessage frame)
    {
        Assert.Equal("chunk", frame.EventType);
        var bytes = JsonNode.Parse(frame.Payload.Span)!["bytes"]!.GetValue<string>();
        return JsonNode.Parse(Convert.FromBase64String(bytes))!.AsObject();
    }

    /// <summary>The text of a streamed answer's deltas.</summary>
    public static string StreamedText(IEnumerable<JsonObject> events) => string.Concat(events
        .Where(e => e["type"]!.GetValue<string>() == "content_block_delta" && e["delta"]!["type"]!.GetValue<string>() == "text_delta")
        .Select(e => e["delta"]!["text"]!.GetValue<string>()));

    private static HttpRequestMessage Post(string path, JsonObject body, string authHeader, string authValue)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(authHeader, authValue);
        return request;
    }
}
