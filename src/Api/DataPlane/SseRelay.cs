using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>How a relayed stream ended.</summary>
public enum RelayOutcome
{
    /// <summary>The provider's stream ended (normally with <c>message_stop</c>).</summary>
    Completed,

    /// <summary>The client went away; the upstream call was cancelled.</summary>
    ClientDisconnected,

    /// <summary>The provider's connection failed mid-stream; the client got an <c>error</c> event.</summary>
    ProviderFailed,

    /// <summary>The provider sent nothing for longer than the request timeout; the client got an <c>error</c> event.</summary>
    ProviderTimedOut,

    /// <summary>The usage could not be recorded, so the end of the response was withheld.</summary>
    NotRecorded,
}

/// <summary>
/// Relays a provider's SSE stream to the client event by event: every complete event is written and flushed
/// as soon as it has arrived (no buffering of the response), its bytes untouched, while the events that
/// carry usage (<c>message_start</c>, <c>message_delta</c>) or an error are read on the way.
/// </summary>
public static class SseRelay
{
    /// <param name="beforeStop">Awaited before <c>message_stop</c> is written, so the request's usage can be recorded
    /// before the client sees the end of the response; when it answers false (not recorded) the client gets an
    /// <c>overloaded_error</c> event instead of the end.</param>
    public static async Task<RelayOutcome> RelayAsync(Stream upstream, HttpResponse response, UsageMeter meter,
        Func<CancellationToken, ValueTask<bool>> beforeStop, TimeSpan idleTimeout, CancellationToken clientAborted)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        var reader = PipeReader.Create(upstream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        var writer = response.BodyWriter;
        try
        {
            while (true)
            {
                idle.CancelAfter(idleTimeout);
                var result = await reader.ReadAsync(idle.Token);
                var buffer = result.Buffer;
                var wrote = false;
                while (TryTakeEvent(ref buffer, out var evt))
                {
                    var kind = Inspect(evt, meter);
                    if (kind == EventKind.Malformed)
                    {
                        return await MalformedAsync(writer, clientAborted);
                    }
                    if (kind == EventKind.MessageStop)
                    {
                        if (wrote)
                        {
                            await writer.FlushAsync(clientAborted);
                        }
                        if (!await beforeStop(clientAborted))
                        {
                            await WriteErrorEventAsync(writer, "overloaded_error",
                                "The gateway could not record this request's usage, so the response ends here; try again shortly.", clientAborted);
                            return RelayOutcome.NotRecorded;
                        }
                    }
                    Write(writer, evt);
                    wrote = true;
                }
                if (buffer.Length > MaxEventBytes)
                {
                    // An event without end: relaying it would mean holding it whole.
                    return await MalformedAsync(writer, clientAborted);
                }
                if (result.IsCompleted && !buffer.IsEmpty)
                {
                    // A last event without its blank line: relayed with one, so the client's parser dispatches it.
                    var last = new byte[buffer.Length + 2];
                    buffer.CopyTo(last);
                    last[^2] = (byte)'\n';
                    last[^1] = (byte)'\n';
                    buffer = buffer.Slice(buffer.End);
                    var kind = Inspect(last, meter);
                    if (kind == EventKind.Malformed)
                    {
                        return await MalformedAsync(writer, clientAborted);
                    }
                    if (kind == EventKind.MessageStop && !await beforeStop(clientAborted))
                    {
                        await WriteErrorEventAsync(writer, "overloaded_error",
                            "The gateway could not record this request's usage, so the response ends here; try again shortly.", clientAborted);
                        return RelayOutcome.NotRecorded;
                    }
                    writer.Write(last);
                    wrote = true;
                }
                if (wrote)
                {
                    await writer.FlushAsync(clientAborted);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!meter.Completed && meter.ErrorType is null)
                    {
                        // Cut short without saying why: the client must not take a truncated answer for a whole one.
                        await WriteErrorEventAsync(writer, "api_error", "The provider ended the stream before message_stop.", clientAborted);
                        return RelayOutcome.ProviderFailed;
                    }
                    return RelayOutcome.Completed;
                }
            }
        }
        catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
        {
            return RelayOutcome.ClientDisconnected;
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            await WriteErrorEventAsync(writer, "timeout_error", "The provider sent nothing within the request timeout.", clientAborted);
            return RelayOutcome.ProviderTimedOut;
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !clientAborted.IsCancellationRequested)
        {
            await WriteErrorEventAsync(writer, "api_error", "The connection to the provider failed during the response.", clientAborted);
            return RelayOutcome.ProviderFailed;
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>
    /// The largest event relayed. Anthropic's largest (a server tool's result in its <c>content_block_start</c>) are far
    /// below it; an event that grows past it is not a well-formed stream.
    /// </summary>
    public const int MaxEventBytes = 8 * 1024 * 1024;

    /// <summary>The provider sent something that is not an Anthropic event: the client gets an error in its place, and the end.</summary>
    private static async Task<RelayOutcome> MalformedAsync(PipeWriter writer, CancellationToken clientAborted)
    {
        await WriteErrorEventAsync(writer, "api_error", "The provider sent a malformed event; the response ends here.", clientAborted);
        return RelayOutcome.ProviderFailed;
    }

    /// <summary>An SSE <c>error</c> event in Anthropic's shape, for failures after the response has started.</summary>
    public static async Task WriteErrorEventAsync(PipeWriter writer, string type, string message, CancellationToken cancellationToken)
    {
        try
        {
            var json = Errors.AnthropicErrors.Serialize(type, message, null);
            writer.Write("event: error\ndata: "u8);
            writer.Write(json);
            writer.Write("\n\n"u8);
            await writer.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client is gone too; nothing left to tell.
        }
    }

    private enum EventKind
    {
        Other,
        MessageStop,

        /// <summary>Not UTF-8, a line that is no SSE field, or data that is not one JSON value.</summary>
        Malformed,
    }

    /// <summary>Cuts the first complete event (up to and including its blank line) off the buffer.</summary>
    private static bool TryTakeEvent(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> evt)
    {
        long offset = 0;
        var lineHasContent = false;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length; i++)
            {
                var b = span[i];
                if (b == (byte)'\n')
                {
                    if (!lineHasContent)
                    {
                        var end = buffer.GetPosition(offset + i + 1);
                        evt = buffer.Slice(0, end);
                        buffer = buffer.Slice(end);
                        return true;
                    }
                    lineHasContent = false;
                }
                else if (b != (byte)'\r')
                {
                    lineHasContent = true;
                    // Skip ahead to the end of this line.
                    var next = span[i..].IndexOf((byte)'\n');
                    if (next < 0)
                    {
                        break;
                    }
                    i += next - 1;
                }
            }
            offset += span.Length;
        }
        evt = default;
        return false;
    }

    private static EventKind Inspect(in ReadOnlySequence<byte> evt, UsageMeter meter)
    {
        if (evt.IsSingleSegment)
        {
            return Inspect(evt.FirstSpan, meter);
        }
        var copy = ArrayPool<byte>.Shared.Rent((int)evt.Length);
        try
        {
            evt.CopyTo(copy);
            return Inspect(copy.AsSpan(0, (int)evt.Length), meter);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static EventKind Inspect(ReadOnlySpan<byte> evt, UsageMeter meter)
    {
        if (!Utf8.IsValid(evt))
        {
            return EventKind.Malformed;
        }
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> data = default;
        var rest = evt;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (line.StartsWith("event:"u8))
            {
                name = Field(line["event:".Length..]);
            }
            else if (line.StartsWith("data:"u8))
            {
                // Anthropic sends one data line per event; a second one is not its format.
                if (!data.IsEmpty)
                {
                    return EventKind.Malformed;
                }
                data = Field(line["data:".Length..]);
            }
            else if (!line.IsEmpty && line[0] != (byte)':' && !line.StartsWith("id:"u8) && !line.StartsWith("retry:"u8))
            {
                return EventKind.Malformed;
            }
        }
        if (!data.IsEmpty && !IsOneJsonValue(data) || name.IndexOfAnyInRange((byte)0, (byte)0x1f) >= 0)
        {
            return EventKind.Malformed;
        }

        meter.Capture?.AddEvent(data);
        var wasCompleted = meter.Completed;
        if (name.IsEmpty || name.SequenceEqual("message_start"u8) || name.SequenceEqual("message_delta"u8)
            || name.SequenceEqual("message_stop"u8) || name.SequenceEqual("error"u8))
        {
            meter.ReadEvent(data);
        }
        else if (name.SequenceEqual("content_block_delta"u8))
        {
            meter.CountOutput(data);
        }
        else if (name.SequenceEqual("content_block_start"u8))
        {
            meter.ReadBlockStart(data);
        }
        return name.SequenceEqual("message_stop"u8) || (!wasCompleted && meter.Completed) ? EventKind.MessageStop : EventKind.Other;
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> value) => !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;

    private static void Write(PipeWriter writer, in ReadOnlySequence<byte> evt)
    {
        foreach (var segment in evt)
        {
            writer.Write(segment.Span);
        }
    }
}
