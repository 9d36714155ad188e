using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// Turns Bedrock's event-stream frames into the Anthropic SSE bytes they carry: each <c>chunk</c> frame's
/// <c>{"bytes": base64}</c> becomes <c>event: {type}\ndata: {json}\n\n</c>; an exception or error frame becomes an
/// Anthropic <c>error</c> event and ends the stream. Frames are translated one at a time as they arrive.
/// </summary>
public sealed class BedrockEventSource(string provider, Stream frames) : AnthropicEventSource
{
    private readonly EventStreamDecoder _decoder = new(frames);
    private byte[] _pending = [];
    private int _pendingOffset;
    private int _pendingLength;
    private bool _ended;

    public override async ValueTask<ProviderError?> PrimeAsync(CancellationToken cancellationToken)
    {
        var error = await NextAsync(cancellationToken);
        return error;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pendingLength == 0)
        {
            if (_ended)
            {
                return 0;
            }
            await NextAsync(cancellationToken);
        }
        var count = Math.Min(buffer.Length, _pendingLength);
        _pending.AsMemory(_pendingOffset, count).CopyTo(buffer);
        _pendingOffset += count;
        _pendingLength -= count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Decodes the next frame into pending SSE bytes; an error frame's mapped error is returned as well.</summary>
    private async ValueTask<ProviderError?> NextAsync(CancellationToken cancellationToken)
    {
        var frame = await _decoder.ReadAsync(cancellationToken);
        if (frame is null)
        {
            _ended = true;
            return null;
        }
        var messageType = frame.MessageType;
        if (messageType is "exception" or "error")
        {
            var (status, type, message) = BedrockErrors.FromFrame(provider, frame);
            SetPending(ErrorEvent(type, message));
            _ended = true;
            return new ProviderError(status, type, message);
        }
        if (frame.EventType != "chunk")
        {
            // Frames Bedrock may add that carry no Anthropic event: nothing to relay.
            return null;
        }
        try
        {
            SetPending(ChunkEvent(frame.Payload.Span));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A chunk that does not hold an Anthropic event: as broken as a bad checksum.
            throw new EventStreamException($"A chunk frame does not carry a JSON event ({e.Message}).");
        }
        return null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decoder.Dispose();
        }
        base.Dispose(disposing);
    }

    private void SetPending(byte[] bytes)
    {
        _pending = bytes;
        _pendingOffset = 0;
        _pendingLength = bytes.Length;
    }

    /// <summary>One SSE event from a chunk payload <c>{"bytes":"base64"}</c>.</summary>
    private static byte[] ChunkEvent(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        ReadOnlySpan<byte> encoded = default;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("bytes"u8))
            {
                reader.Read();
                encoded = reader.ValueSpan;
                break;
            }
        }
        var json = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (Base64.DecodeFromUtf8(encoded, json, out _, out var written) != OperationStatus.Done)
        {
            throw new EventStreamException("A chunk frame's bytes are not valid base64.");
        }
        var data = json.AsSpan(0, written);
        // JSON may put line breaks between tokens (never inside strings); in SSE they would end the data line.
        if (data.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            data.Replace((byte)'\r', (byte)' ');
            data.Replace((byte)'\n', (byte)' ');
        }
        var type = EventType(data);
        var output = new byte[7 + type.Length + 7 + data.Length + 2];
        var span = output.AsSpan();
        "event: "u8.CopyTo(span);
        var at = 7;
        at += Encoding.UTF8.GetBytes(type, span[at..]);
        "\ndata: "u8.CopyTo(span[at..]);
        at += 7;
        data.CopyTo(span[at..]);
        at += data.Length;
        "\n\n"u8.CopyTo(span[at..]);
        return output[..(at + 2)];
    }

    /// <summary>The event's <c>type</c> (Bedrock's chunks put it first; read until found).</summary>
    private static string EventType(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    return reader.GetString() ?? "message";
                }
                reader.Read();
                reader.Skip();
            }
        }
        return "message";
    }

    private static byte[] ErrorEvent(string type, string message)
    {
        var json = AnthropicErrors.Serialize(type, message, null);
        return [.. "event: error\ndata: "u8, .. json, .. "\n\n"u8];
    }
}
