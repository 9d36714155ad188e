using System.Text;
using Gateway.Api.DataPlane;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>The relay against streams cut at awkward places: bytes must come out exactly as they went in.</summary>
[Trait("Category", "Unit")]
public sealed class SseRelayTests
{
    private const string Stream =
        "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\r\n\r\n" +
        "event: ping\ndata: {\"type\":\"ping\"}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9llo \\n\\n world\"}}\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":42}}\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public async Task Bytes_pass_through_unchanged_and_usage_is_read_whatever_the_chunking(int chunkSize)
    {
        var (output, meter, outcome, stopAt) = await RelayAsync(Stream, chunkSize);

        Assert.Equal(Stream, output);
        Assert.Equal(RelayOutcome.Completed, outcome);
        Assert.Equal(12, meter.InputTokens);
        Assert.Equal(42, meter.OutputTokens);
        Assert.Equal(3, meter.CacheCreationInputTokens);
        Assert.Equal(4, meter.CacheReadInputTokens);
        Assert.Equal("end_turn", meter.StopReason);
        Assert.True(meter.Completed);
        // The usage hook runs before message_stop reaches the client, after everything else did.
        Assert.Equal(Stream.IndexOf("event: message_stop", StringComparison.Ordinal), stopAt);
    }

    [Fact]
    public async Task A_stream_cut_short_gets_an_api_error_event()
    {
        var cut = Stream[..Stream.IndexOf("event: message_delta", StringComparison.Ordinal)];
        var (output, _, outcome, _) = await RelayAsync(cut, 13);
        Assert.Equal(RelayOutcome.ProviderFailed, outcome);
        Assert.StartsWith(cut, output);
        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"", output[cut.Length..]);
    }

    [Fact]
    public async Task A_last_event_without_its_blank_line_is_delivered_with_one_after_its_usage_is_recorded()
    {
        var unterminated = Stream.TrimEnd('\n');
        var (output, meter, outcome, stopAt) = await RelayAsync(unterminated, 5);
        Assert.Equal(unterminated + "\n\n", output);
        Assert.True(meter.Completed);
        Assert.Equal(RelayOutcome.Completed, outcome);
        Assert.Equal(Stream.IndexOf("event: message_stop", StringComparison.Ordinal), stopAt);
    }

    [Fact]
    public async Task Events_of_unexpected_shapes_in_valid_json_pass_through_without_breaking_the_stream()
    {
        var odd = "event: message_start\ndata: {\"type\":5,\"message\":[1,2]}\n\n" +
                  ": a comment\n\n" +
                  "event: something_new\nid: 7\ndata: {\"type\":\"something_new\"}\n\n" +
                  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        var (output, meter, outcome, _) = await RelayAsync(odd, 3);
        Assert.Equal(odd, output);
        Assert.Equal(RelayOutcome.Completed, outcome);
        Assert.Equal(0, meter.InputTokens);
    }

    [Theory]
    [InlineData("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\n\n")]
    [InlineData("event: content_block_delta\ndata: {\"a\":1} trailing\n\n")]
    [InlineData("<html><body>502 Bad Gateway</body></html>\n\n")]
    [InlineData("event: ping\ndata: {}\ndata: {}\n\n")]
    [InlineData("event: bad\u0001name\ndata: {}\n\n")]
    [InlineData("event: content_block_delta\ndata: {\"type\":\"content_block_delta\"")]
    public async Task A_frame_that_is_not_an_anthropic_event_is_not_relayed_and_ends_the_stream_with_an_api_error(string garbage)
    {
        var start = Stream[..Stream.IndexOf("event: content_block_delta", StringComparison.Ordinal)];
        var (output, meter, outcome, _) = await RelayAsync(start + garbage + Stream[start.Length..], 7);

        Assert.Equal(RelayOutcome.ProviderFailed, outcome);
        Assert.Equal(start + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"The provider sent a malformed event; the response ends here.\"},\"request_id\":null}\n\n", output);
        Assert.True(meter.HasUsage);
        Assert.False(meter.Completed);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_not_relayed()
    {
        var start = Encoding.UTF8.GetBytes(Stream[..Stream.IndexOf("event: content_block_delta", StringComparison.Ordinal)]);
        byte[] junk = [0xff, 0xfe, 0x00, (byte)'\n', 0xc3, (byte)'\n', (byte)'\n'];

        var (output, _, outcome, _) = await RelayAsync([.. start, .. junk], 4);

        Assert.Equal(RelayOutcome.ProviderFailed, outcome);
        Assert.DoesNotContain("\ufffd", output);
        Assert.EndsWith("\"The provider sent a malformed event; the response ends here.\"},\"request_id\":null}\n\n", output);
    }

    [Fact]
    public async Task An_event_that_never_ends_is_cut_off_at_the_largest_event_size()
    {
        var endless = new byte[SseRelay.MaxEventBytes + 64 * 1024];
        Array.Fill(endless, (byte)'x');

        var (output, _, outcome, _) = await RelayAsync(endless, 64 * 1024);

        Assert.Equal(RelayOutcome.ProviderFailed, outcome);
        Assert.StartsWith("event: error\n", output);
    }

    [Fact]
    public async Task When_the_usage_cannot_be_recorded_the_client_gets_an_error_event_instead_of_message_stop()
    {
        var (output, _, outcome, _) = await RelayAsync(Stream, 64, recorded: false);

        Assert.Equal(RelayOutcome.NotRecorded, outcome);
        Assert.DoesNotContain("message_stop", output);
        var tail = output[output.LastIndexOf("event: ", StringComparison.Ordinal)..];
        Assert.StartsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",", tail);
    }

    private static Task<(string Output, UsageMeter Meter, RelayOutcome Outcome, int StopAt)> RelayAsync(string input, int chunkSize,
        bool recorded = true) => RelayAsync(Encoding.UTF8.GetBytes(input), chunkSize, recorded);

    private static async Task<(string Output, UsageMeter Meter, RelayOutcome Outcome, int StopAt)> RelayAsync(byte[] input, int chunkSize,
        bool recorded = true)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var meter = new UsageMeter();
        var stopAt = -1;
        var outcome = await SseRelay.RelayAsync(new ChunkedStream(input, chunkSize), context.Response, meter,
            _ =>
            {
                stopAt = Encoding.UTF8.GetString(body.ToArray()).Length;
                return ValueTask.FromResult(recorded);
            }, TimeSpan.FromSeconds(10), CancellationToken.None);
        await context.Response.BodyWriter.FlushAsync();
        return (Encoding.UTF8.GetString(body.ToArray()), meter, outcome, stopAt);
    }

    /// <summary>A stream that hands out at most <c>chunkSize</c> bytes per read, as a network might.</summary>
    private sealed class ChunkedStream(byte[] data, int chunkSize) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunkSize));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunkSize)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunkSize), cancellationToken);
    }
}
