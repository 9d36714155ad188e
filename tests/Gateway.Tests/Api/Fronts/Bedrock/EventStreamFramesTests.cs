using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Fronts.Bedrock;
using Gateway.Api.Providers.Bedrock;

namespace Gateway.Tests.Api.Fronts.Bedrock;

/// <summary>The Bedrock front's frames: byte for byte the shared vector, and readable (both checksums) by the gateway's own decoder.</summary>
[Trait("Category", "Unit")]
public sealed class EventStreamFramesTests
{
    // shared/vectors/bedrock.md: a chunk frame carrying {"type":"message_stop"}.
    private const string ChunkVector =
        "000000870000004b87ea2bf30b3a6576656e742d747970650700056368756e6b0d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b226279746573223a2265794a306558426c496a6f696257567a6332466e5a56397a64473977496e303d227dba48ab22";

    [Fact]
    public void A_chunk_frame_is_the_vector_byte_for_byte()
    {
        Assert.Equal(ChunkVector, Convert.ToHexStringLower(EventStreamFrames.Chunk("""{"type":"message_stop"}"""u8)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(70_000)]
    public async Task A_chunk_of_any_length_decodes_to_its_event(int textLength)
    {
        var json = new JsonObject
        {
            ["type"] = "content_block_delta",
            ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = new string('é', textLength) },
        }.ToJsonString();

        var message = await DecodeSingleAsync(EventStreamFrames.Chunk(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("chunk", message.EventType);
        Assert.Equal("event", message.MessageType);
        var bytes = JsonNode.Parse(message.Payload.Span)!["bytes"]!.GetValue<string>();
        Assert.Equal(json, Encoding.UTF8.GetString(Convert.FromBase64String(bytes)));
    }

    [Fact]
    public async Task An_exception_frame_carries_its_type_and_message()
    {
        var frame = EventStreamFrames.Exception("throttlingException", BedrockErrorShape.MessageJson("Slow down \"now\"\n"));

        var message = await DecodeSingleAsync(frame);

        Assert.Equal("exception", message.MessageType);
        Assert.Equal("throttlingException", message.ExceptionType);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("Slow down \"now\"\n", JsonNode.Parse(message.Payload.Span)!["message"]!.GetValue<string>());
    }

    [Fact]
    public void Both_checksums_cover_what_they_should()
    {
        var frame = EventStreamFrames.Chunk("""{"type":"ping"}"""u8);

        Assert.Equal(frame.Length, BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, 8)), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(8)));
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, frame.Length - 4)), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(frame.Length - 4)));
    }

    [Fact]
    public async Task A_flipped_payload_byte_is_caught_by_the_message_checksum()
    {
        var frame = EventStreamFrames.Chunk("""{"type":"ping"}"""u8);
        frame[^8] ^= 0x01;

        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
    }

    private static async Task<EventStreamMessage> DecodeSingleAsync(byte[] frame)
    {
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));
        var message = await decoder.ReadAsync();
        Assert.NotNull(message);
        // The payload lives in the decoder's buffer: copied out before the decoder goes.
        var copy = new EventStreamMessage([.. message.Headers], message.Payload.ToArray());
        Assert.Null(await decoder.ReadAsync());
        return copy;
    }
}
