using System.Text;
using Gateway.Api.Providers.Bedrock;
using Gateway.Fakes;

namespace Gateway.Tests.Api.Providers.Bedrock;

/// <summary>The event stream decoder (and the fakes' encoder) against known frames, corruption and awkward reads.</summary>
[Trait("Category", "Unit")]
public sealed class EventStreamDecoderTests
{
    // {"foo": "bar"}, no headers.
    private const string PlainFrame = "0000001e00000000baf2f68a7b22666f6f223a2022626172227dae7258e4";

    // A Bedrock chunk carrying {"type":"message_stop"}.
    private const string ChunkFrame =
        "000000870000004b87ea2bf30b3a6576656e742d747970650700056368756e6b0d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b226279746573223a2265794a306558426c496a6f696257567a6332466e5a56397a64473977496e303d227dba48ab22";

    private const string ChunkPayload = """{"bytes":"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0="}""";

    [Fact]
    public async Task A_frame_without_headers_decodes()
    {
        using var decoder = new EventStreamDecoder(new MemoryStream(Convert.FromHexString(PlainFrame)));

        var message = await decoder.ReadAsync();

        Assert.NotNull(message);
        Assert.Empty(message.Headers);
        Assert.Equal("""{"foo": "bar"}""", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Null(await decoder.ReadAsync());
    }

    [Fact]
    public async Task A_bedrock_chunk_decodes_with_its_headers()
    {
        using var decoder = new EventStreamDecoder(new MemoryStream(Convert.FromHexString(ChunkFrame)));

        var message = await decoder.ReadAsync();

        Assert.NotNull(message);
        Assert.Equal(
            [new(":event-type", "chunk"), new(":content-type", "application/json"), new(":message-type", "event")],
            message.Headers);
        Assert.Equal("event", message.MessageType);
        Assert.Equal("chunk", message.EventType);
        Assert.Equal("application/json", message.ContentType);
        Assert.Null(message.ExceptionType);
        Assert.Equal(ChunkPayload, Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Null(await decoder.ReadAsync());
    }

    [Fact]
    public void The_encoder_reproduces_both_frames_byte_for_byte()
    {
        Assert.Equal(PlainFrame, Convert.ToHexStringLower(EventStreamEncoder.Encode([], """{"foo": "bar"}"""u8)));
        Assert.Equal(ChunkFrame, Convert.ToHexStringLower(EventStreamEncoder.Encode(
            [new(":event-type", "chunk"), new(":content-type", "application/json"), new(":message-type", "event")],
            Encoding.UTF8.GetBytes(ChunkPayload))));
        Assert.Equal(ChunkFrame, Convert.ToHexStringLower(EventStreamEncoder.Chunk("""{"type":"message_stop"}"""u8)));
    }

    [Fact]
    public async Task A_flipped_payload_byte_fails_the_message_checksum()
    {
        var frame = Convert.FromHexString(ChunkFrame);
        frame[^10] ^= 0x01;
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var error = await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
        Assert.Contains("message checksum", error.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task A_flipped_prelude_byte_fails_the_prelude_checksum(int index)
    {
        var frame = Convert.FromHexString(ChunkFrame);
        frame[index] ^= 0x40;
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var error = await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
        Assert.Contains("prelude checksum", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(100)]
    [InlineData(134)]
    public async Task A_stream_ending_inside_a_frame_throws(int length)
    {
        var frame = Convert.FromHexString(ChunkFrame)[..length];
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var error = await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
        Assert.Contains("ended inside a frame", error.Message);
    }

    [Fact]
    public async Task A_stream_ending_inside_the_second_frame_throws_after_the_first()
    {
        var bytes = Convert.FromHexString(PlainFrame + ChunkFrame[..40]);
        using var decoder = new EventStreamDecoder(new MemoryStream(bytes));

        Assert.NotNull(await decoder.ReadAsync());
        await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
    }

    [Fact]
    public async Task Lengths_beyond_the_cap_are_refused_even_with_a_valid_prelude_checksum()
    {
        // A prelude claiming 16 MiB + 1 bytes, its checksum correct: the length itself is refused.
        var frame = EventStreamEncoder.Encode([], []);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame, EventStreamDecoder.MaxMessageLength + 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var error = await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
        Assert.Contains("outside", error.Message);
    }

    [Fact]
    public async Task Frames_split_across_tiny_reads_decode_and_payloads_larger_than_the_buffer_grow_it()
    {
        var large = Encoding.UTF8.GetBytes(new string('x', 40_000));
        var frames = new[]
        {
            Convert.FromHexString(ChunkFrame),
            EventStreamEncoder.Encode([new(":message-type", "event"), new("h\u00e9", "v\u00e4lue")], large),
            Convert.FromHexString(PlainFrame),
            EventStreamEncoder.Exception("throttlingException", "Too many requests, please wait before trying again."),
        };
        using var decoder = new EventStreamDecoder(new TrickleStream(frames.SelectMany(f => f).ToArray()), initialBufferSize: 64);

        var chunk = await decoder.ReadAsync();
        Assert.Equal(ChunkPayload, Encoding.UTF8.GetString(chunk!.Payload.Span));
        var big = await decoder.ReadAsync();
        Assert.Equal("v\u00e4lue", big!.GetHeader("h\u00e9"));
        Assert.True(big.Payload.Span.SequenceEqual(large));
        var plain = await decoder.ReadAsync();
        Assert.Equal("""{"foo": "bar"}""", Encoding.UTF8.GetString(plain!.Payload.Span));
        var exception = await decoder.ReadAsync();
        Assert.Equal("exception", exception!.MessageType);
        Assert.Equal("throttlingException", exception.ExceptionType);
        Assert.Equal("""{"message":"Too many requests, please wait before trying again."}""", Encoding.UTF8.GetString(exception.Payload.Span));
        Assert.Null(await decoder.ReadAsync());
        Assert.Null(await decoder.ReadAsync());
    }

    [Fact]
    public async Task Many_frames_back_to_back_in_one_read_decode_in_order()
    {
        var events = Enumerable.Range(0, 200).Select(i => $$"""{"type":"content_block_delta","index":{{i}}}""").ToArray();
        var bytes = events.SelectMany(e => EventStreamEncoder.Chunk(Encoding.UTF8.GetBytes(e))).ToArray();
        using var decoder = new EventStreamDecoder(new MemoryStream(bytes), initialBufferSize: 1024);

        var decoded = new List<string>();
        while (await decoder.ReadAsync() is { } message)
        {
            using var json = System.Text.Json.JsonDocument.Parse(message.Payload);
            decoded.Add(Encoding.UTF8.GetString(Convert.FromBase64String(json.RootElement.GetProperty("bytes").GetString()!)));
        }

        Assert.Equal(events, decoded);
    }

    [Fact]
    public async Task Headers_of_every_type_are_skipped_and_string_headers_kept()
    {
        // name, type, value for each non-string type, then one string header.
        var headers = new List<byte>();
        void Add(string name, byte type, params byte[] value)
        {
            headers.Add((byte)name.Length);
            headers.AddRange(Encoding.ASCII.GetBytes(name));
            headers.Add(type);
            headers.AddRange(value);
        }
        Add("t", 0);
        Add("f", 1);
        Add("b", 2, 0x7f);
        Add("s", 3, 0, 1);
        Add("i", 4, 0, 0, 0, 1);
        Add("l", 5, new byte[8]);
        Add("y", 6, 0, 3, 1, 2, 3);
        Add("d", 8, new byte[8]);
        Add("u", 9, new byte[16]);
        Add(":error-code", 7, [0, 2, (byte)'o', (byte)'k']);
        var frame = Frame(headers.ToArray(), "{}"u8.ToArray());
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var message = await decoder.ReadAsync();

        Assert.Equal([new(":error-code", "ok")], message!.Headers);
        Assert.Equal("ok", message.ErrorCode);
    }

    [Fact]
    public async Task An_unknown_header_type_is_refused()
    {
        var frame = Frame([1, (byte)'x', 42], []);
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        var error = await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
        Assert.Contains("unknown type 42", error.Message);
    }

    [Fact]
    public async Task A_header_running_past_its_section_is_refused()
    {
        var frame = Frame([1, (byte)'x', 7, 0, 9, (byte)'a'], []);
        using var decoder = new EventStreamDecoder(new MemoryStream(frame));

        await Assert.ThrowsAsync<EventStreamException>(async () => await decoder.ReadAsync());
    }

    [Fact]
    public async Task An_empty_stream_is_a_clean_end()
    {
        using var decoder = new EventStreamDecoder(new MemoryStream());
        Assert.Null(await decoder.ReadAsync());
    }

    /// <summary>A frame with raw header bytes, checksums computed here (independently of both encoder and decoder).</summary>
    private static byte[] Frame(byte[] headers, byte[] payload)
    {
        var total = 12 + headers.Length + payload.Length + 4;
        var frame = new byte[total];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, total);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), headers.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        headers.CopyTo(frame, 12);
        payload.CopyTo(frame, 12 + headers.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, total - 4)));
        return frame;
    }

    /// <summary>Hands out 1 to 3 bytes per read, asynchronously, as a slow network would.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;
        private int _turn;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return Read(buffer.Span);
        }

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(buffer.Length, 1 + _turn++ % 3), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
