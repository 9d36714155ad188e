using Gateway.Api.Errors;
using Gateway.Api.Providers;
using Gateway.Api.Routing;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Relays a provider's successful answer to the client (a stream event by event, a body whole) with its usage
/// event, and answers the client when every target failed.
/// </summary>
public sealed class AnswerRelay(ExchangeRecorder recorder, IOptions<DataPlaneOptions> options)
{
    /// <summary>Relays a streamed answer; a failure when the stream could not be opened or refused before its first event.</summary>
    internal async Task<AttemptFailure?> StreamAsync(Exchange exchange, IProviderProtocol protocol, string provider, HttpResponseMessage response,
        TimeSpan timeout, CancellationToken deadline)
    {
        var context = exchange.Context;
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(deadline);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Provider '{provider}' sent an incomplete answer.");
        }
        await using (body)
        {
            var events = body;
            var contentType = response.Content.Headers.ContentType?.ToString();
            await using var source = protocol.OpenEventSource(provider, response, body);
            if (source is not null)
            {
                events = source;
                contentType = "text/event-stream; charset=utf-8";
                ProviderError? refused;
                try
                {
                    refused = await source.PrimeAsync(deadline);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    await recorder.ClientLeftAsync(exchange);
                    return null;
                }
                catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
                {
                    return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Provider '{provider}' sent an unreadable stream.");
                }
                if (refused is { } error)
                {
                    // The stream's first frame is an exception: nothing has reached the client, so the route may move on.
                    return AttemptFailure.RefusedStream(error);
                }
            }
            context.Response.StatusCode = (int)response.StatusCode;
            if (contentType is not null)
            {
                context.Response.ContentType = contentType;
            }
            exchange.MarkFirstByte();
            await RelayEventsAsync(exchange, events, timeout);
            return null;
        }
    }

    /// <summary>Relays a whole answer, recorded before the client sees it; a failure when it is incomplete or not a Messages API response.</summary>
    internal async Task<AttemptFailure?> RelayBodyAsync(Exchange exchange, IProviderProtocol protocol, ProviderCall call, HttpResponseMessage response,
        CancellationTokenSource deadline)
    {
        var context = exchange.Context;
        byte[] bytes;
        try
        {
            bytes = protocol.TranslateBody(call, await UpstreamBodies.ReadAsync(response.Content, options.Value.MaxResponseBodyBytes, deadline.Token));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await recorder.ClientLeftAsync(exchange);
            return null;
        }
        catch (OperationCanceledException)
        {
            return AttemptFailure.TransportFault(504, UsageOutcomes.ProviderTimeout, $"Provider '{call.Provider.Slug}' did not finish its answer in time.");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or System.Text.Json.JsonException
                                      or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Provider '{call.Provider.Slug}' sent an incomplete answer.");
        }

        var meter = new UsageMeter();
        if (exchange.Endpoint == UsageEndpoints.Messages)
        {
            meter.ReadMessage(bytes);
            if (!meter.Completed)
            {
                // Not a Messages API response (cut JSON, a proxy's page): the client gets an error, not the bytes.
                return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed,
                    $"Provider '{call.Provider.Slug}' answered with something that is not a Messages API response.");
            }
        }
        exchange.Capture?.SetResponse(bytes);
        context.Response.StatusCode = (int)response.StatusCode;
        // Recorded before the client can see the body: an answered request always has its record.
        if (!await recorder.RecordAsync(exchange, exchange.ToRecord(context.Response.StatusCode, UsageOutcomes.Completed, usage: meter)))
        {
            context.Response.Headers.RetryAfter = "1";
            await AnthropicErrors.WriteAsync(context, 503,
                "The gateway could not record this request's usage, so it withholds the answer; try again shortly.");
            return null;
        }
        if (exchange.Front is { } front)
        {
            bytes = front.TranslateAnswer(bytes);
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        exchange.MarkFirstByte();
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        return null;
    }

    /// <summary>Every target failed: the client gets the last provider's answer, mapped, with its retry headers.</summary>
    internal async Task AnswerFailureAsync(Exchange exchange, AttemptFailure failure)
    {
        var context = exchange.Context;
        if (failure.Body is { } errorBody)
        {
            exchange.Capture?.SetResponse(errorBody);
        }
        await recorder.RecordAsync(exchange, exchange.ToRecord(failure.Error.Status, failure.Outcome, failure.Error.Type, failure.Error.Message));
        foreach (var (name, values) in failure.RetryHeaders)
        {
            context.Response.Headers[name] = values;
        }
        await AnthropicErrors.WriteAsync(context, failure.Error.Status, failure.Error.Type, failure.Error.Message);
    }

    private async Task RelayEventsAsync(Exchange exchange, Stream events, TimeSpan idleTimeout)
    {
        var context = exchange.Context;
        context.Response.Headers.CacheControl = "no-cache";
        var meter = new UsageMeter { Capture = exchange.Capture };
        var recorded = false;
        await context.Response.StartAsync(context.RequestAborted);
        var outcome = await SseRelay.RelayAsync(events, context.Response, meter, async _ =>
        {
            recorded = true;
            return await recorder.RecordAsync(exchange, exchange.ToRecord(200, UsageOutcomes.Completed, usage: meter));
        }, idleTimeout, context.RequestAborted);
        if (recorded)
        {
            return;
        }
        exchange.FailedMidStream = outcome is RelayOutcome.ProviderFailed or RelayOutcome.ProviderTimedOut;
        var result = outcome switch
        {
            RelayOutcome.ClientDisconnected => UsageOutcomes.ClientDisconnected,
            RelayOutcome.ProviderTimedOut => UsageOutcomes.ProviderTimeout,
            RelayOutcome.ProviderFailed => UsageOutcomes.ProviderFailed,
            _ when meter.ErrorType is not null => UsageOutcomes.ProviderError,
            _ => UsageOutcomes.Completed,
        };
        await recorder.RecordAsync(exchange, exchange.ToRecord(200, result, usage: meter));
    }
}
