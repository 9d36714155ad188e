using System.Buffers;
using System.Text.Json;
using Gateway.Api.DataPlane;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts.Bedrock;

/// <summary>
/// The response body of an <c>invoke-with-response-stream</c> request. The pipeline writes the answer as Anthropic SSE
/// (events checked and whole, <see cref="SseRelay"/>); each event leaves here as one event-stream frame the moment it
/// is complete — a <c>chunk</c> with the event's JSON, or for an <c>error</c> event an exception frame. A response
/// that is not an event stream (an error before the stream started) passes through untouched.
/// </summary>
public sealed class EventStreamResponseBody(Stream inner, HttpResponse response) : Stream
{
    /// <summary>The content type of Bedrock's streamed answers.</summary>
    public const string ContentType = "application/vnd.amazon.eventstream";

    private byte[] _pending = [];
    private int _pendingLength;
    private bool? _framing;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Framing())
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        Append(buffer.Span);
        var events = new ReadOnlySequence<byte>(_pending, 0, _pendingLength);
        while (SseEvents.TryTake(ref events, out var evt))
        {
            if (Frame(evt.IsSingleSegment ? evt.FirstSpan : evt.ToArray()) is { } frame)
            {
                await inner.WriteAsync(frame, cancellationToken);
            }
        }
        // What is left is the start of an event whose end has not been written yet.
        var rest = (int)events.Length;
        _pending.AsSpan(_pendingLength - rest, rest).CopyTo(_pending);
        _pendingLength = rest;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Framing();
        return inner.FlushAsync(cancellationToken);
    }

    // Kestrel refuses synchronous I/O; so does this body.
    public override void Flush() => throw new NotSupportedException("Synchronous writes are not supported.");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes are not supported.");
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Decided once, before the first byte leaves: whether the answer is an event stream to frame.</summary>
    private bool Framing()
    {
        if (_framing is { } framing)
        {
            return framing;
        }
        framing = response.StatusCode == StatusCodes.Status200OK
                  && response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        if (framing && !response.HasStarted)
        {
            response.ContentType = ContentType;
        }
        _framing = framing;
        return framing;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_pendingLength + bytes.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pendingLength + bytes.Length, Math.Max(4096, _pending.Length * 2)));
        }
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    /// <summary>The frame for one SSE event; null for an event without data (a comment).</summary>
    public static byte[]? Frame(ReadOnlySpan<byte> evt)
    {
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> data = default;
        foreach (var range in evt.Split((byte)'\n'))
        {
            var line = evt[range].TrimEnd((byte)'\r');
            if (line.StartsWith("event:"u8))
            {
                name = FieldValue(line["event:".Length..]);
            }
            else if (line.StartsWith("data:"u8))
            {
                data = FieldValue(line["data:".Length..]);
            }
        }
        if (data.IsEmpty)
        {
            return null;
        }
        if (!name.SequenceEqual("error"u8))
        {
            return EventStreamFrames.Chunk(data);
        }
        var (type, message) = ErrorOf(data);
        return EventStreamFrames.Exception(BedrockErrorShape.StreamExceptionName(type), BedrockErrorShape.MessageJson(message));
    }

    private static ReadOnlySpan<byte> FieldValue(ReadOnlySpan<byte> value) => !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;

    /// <summary>An Anthropic error event's type and message.</summary>
    private static (string Type, string Message) ErrorOf(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                return (Text(error, "type") ?? "api_error", Text(error, "message") ?? "The provider's stream failed.");
            }
        }
        catch (JsonException)
        {
            // The relay only lets through events with one JSON value; fall through to a generic failure all the same.
        }
        return ("api_error", "The provider's stream failed.");
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
