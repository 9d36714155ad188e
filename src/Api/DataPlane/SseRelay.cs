using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

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
                while (SseEvents.TryTake(ref buffer, out var evt))
                {
                    var kind = SseEvents.Inspect(evt, meter);
                    if (kind == SseEventKind.Malformed)
                    {
                        return await MalformedAsync(writer, clientAborted);
                    }
                    if (kind == SseEventKind.MessageStop)
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
                    var kind = SseEvents.Inspect(last, meter);
                    if (kind == SseEventKind.Malformed)
                    {
                        return await MalformedAsync(writer, clientAborted);
                    }
                    if (kind == SseEventKind.MessageStop && !await beforeStop(clientAborted))
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

    private static void Write(PipeWriter writer, in ReadOnlySequence<byte> evt)
    {
        foreach (var segment in evt)
        {
            writer.Write(segment.Span);
        }
    }
}
