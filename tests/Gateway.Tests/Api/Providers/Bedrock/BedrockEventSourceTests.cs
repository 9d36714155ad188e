using System.Text;
using Gateway.Api.Providers.Bedrock;
using Gateway.Fakes;

namespace Gateway.Tests.Api.Providers.Bedrock;

/// <summary>Bedrock's event-stream frames become the Anthropic SSE events they carry, one at a time.</summary>
[Trait("Category", "Unit")]
public sealed class BedrockEventSourceTests
{
    [Fact]
    public async Task Chunk_frames_become_sse_events_named_by_their_type()
    {
        var frames = Concat(
            EventStreamEncoder.Chunk("""{"type":"message_start","message":{"id":"msg_1"}}"""u8),
            EventStreamEncoder.Chunk("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\u00e9"}}"""u8),
            EventStreamEncoder.Chunk("""{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":3}}"""u8));
        await using var source = new BedrockEventSource("bedrock-test", new MemoryStream(frames));

        Assert.Null(await source.PrimeAsync(CancellationToken.None));
        var text = await new StreamReader(source, Encoding.UTF8).ReadToEndAsync();

        Assert.Equal(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n" +
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"h\\u00e9\"}}\n\n" +
            "event: message_stop\ndata: {\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":3}}\n\n",
            text);
    }

    [Fact]
    public async Task An_exception_first_is_reported_by_prime_and_one_later_becomes_an_error_event_that_ends_the_stream()
    {
        await using (var refused = new BedrockEventSource("bedrock-test", new MemoryStream(EventStreamEncoder.Exception("throttlingException", "Too many tokens"))))
        {
            var error = await refused.PrimeAsync(CancellationToken.None);
            Assert.Equal((429, "rate_limit_error"), (error!.Value.Status, error.Value.Type));
        }

        var frames = Concat(
            EventStreamEncoder.Chunk("""{"type":"message_start","message":{"id":"msg_1"}}"""u8),
            EventStreamEncoder.Exception("modelStreamErrorException", "The model stream broke"),
            EventStreamEncoder.Chunk("""{"type":"message_stop"}"""u8));
        await using var source = new BedrockEventSource("bedrock-test", new MemoryStream(frames));
        Assert.Null(await source.PrimeAsync(CancellationToken.None));
        var text = await new StreamReader(source, Encoding.UTF8).ReadToEndAsync();

        Assert.StartsWith("event: message_start\n", text);
        var last = text.TrimEnd('\n').Split("\n\n")[^1];
        Assert.StartsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"The model stream broke\"}", last);
        Assert.DoesNotContain("message_stop", text);
    }

    [Fact]
    public async Task A_corrupt_frame_fails_the_read()
    {
        var frame = EventStreamEncoder.Chunk("""{"type":"ping"}"""u8);
        frame[^6] ^= 0x01;
        await using var source = new BedrockEventSource("bedrock-test", new MemoryStream(frame));

        await Assert.ThrowsAsync<EventStreamException>(async () => await source.PrimeAsync(CancellationToken.None));
    }

    private static byte[] Concat(params byte[][] frames) => [.. frames.SelectMany(f => f)];
}
