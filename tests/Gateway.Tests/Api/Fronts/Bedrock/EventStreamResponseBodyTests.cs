using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Fronts.Bedrock;
using Gateway.Api.Providers.Bedrock;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.Fronts.Bedrock;

/// <summary>The streamed answer's body: the pipeline's SSE events leave as event-stream frames, however the writes are cut.</summary>
[Trait("Category", "Unit")]
public sealed class EventStreamResponseBodyTests
{
    private const string Events =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":5}}}\n\n"
        + ": a comment line only\n\n"
        + "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9llo\\n\"}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public async Task Each_event_becomes_one_chunk_frame_whatever_the_write_sizes(int writeSize)
    {
        var (response, output) = SseResponse();
        var body = new EventStreamResponseBody(output, response);
        var bytes = Encoding.UTF8.GetBytes(Events);

        for (var at = 0; at < bytes.Length; at += writeSize)
        {
            await body.WriteAsync(bytes.AsMemory(at, Math.Min(writeSize, bytes.Length - at)));
        }
        await body.FlushAsync();

        Assert.Equal("application/vnd.amazon.eventstream", response.ContentType);
        var frames = await DecodeAsync(output);
        Assert.All(frames, f => Assert.Equal("chunk", f.Headers.Single(h => h.Key == ":event-type").Value));
        Assert.Equal(["message_start", "ping", "content_block_delta", "message_stop"], frames.Select(f => ChunkEvent(f)["type"]!.GetValue<string>()));
        Assert.Equal("h\u00e9llo\n", ChunkEvent(frames[2])["delta"]!["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("overloaded_error", "serviceUnavailableException")]
    [InlineData("api_error", "internalServerException")]
    [InlineData("timeout_error", "modelTimeoutException")]
    [InlineData("rate_limit_error", "throttlingException")]
    public async Task An_error_event_becomes_an_exception_frame(string type, string exception)
    {
        var (response, output) = SseResponse();
        var body = new EventStreamResponseBody(output, response);

        await body.WriteAsync(Encoding.UTF8.GetBytes(
            $"event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"{type}\",\"message\":\"The stream broke.\"}}}}\n\n"));

        var frame = Assert.Single(await DecodeAsync(output));
        Assert.Equal("exception", frame.Headers.Single(h => h.Key == ":message-type").Value);
        Assert.Equal(exception, frame.Headers.Single(h => h.Key == ":exception-type").Value);
        Assert.Equal("The stream broke.", JsonNode.Parse(frame.Payload)!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_answer_that_is_not_an_event_stream_passes_untouched()
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = 429;
        context.Response.ContentType = "application/json";
        var output = new MemoryStream();
        var body = new EventStreamResponseBody(output, context.Response);
        var error = """{"message":"Too many requests."}"""u8.ToArray();

        await body.WriteAsync(error);

        Assert.Equal(error, output.ToArray());
        Assert.Equal("application/json", context.Response.ContentType);
    }

    [Fact]
    public async Task An_event_whose_end_has_not_arrived_waits()
    {
        var (response, output) = SseResponse();
        var body = new EventStreamResponseBody(output, response);

        await body.WriteAsync("event: ping\ndata: {\"type\":\"ping\"}\n"u8.ToArray());
        Assert.Equal(0, output.Length);
        await body.WriteAsync("\n"u8.ToArray());

        Assert.Single(await DecodeAsync(output));
    }

    private static (HttpResponse Response, MemoryStream Output) SseResponse()
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        return (context.Response, new MemoryStream());
    }

    private static JsonNode ChunkEvent((IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Payload) frame) =>
        JsonNode.Parse(Convert.FromBase64String(JsonNode.Parse(frame.Payload)!["bytes"]!.GetValue<string>()))!;

    private static async Task<List<(IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Payload)>> DecodeAsync(MemoryStream output)
    {
        using var decoder = new EventStreamDecoder(new MemoryStream(output.ToArray()));
        var frames = new List<(IReadOnlyList<KeyValuePair<string, string>>, byte[])>();
        while (await decoder.ReadAsync() is { } message)
        {
            frames.Add((message.Headers, message.Payload.ToArray()));
        }
        return frames;
    }
}
