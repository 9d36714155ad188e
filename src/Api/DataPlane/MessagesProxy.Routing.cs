using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Gateway.Api.Errors;
using Gateway.Api.Providers;
using Gateway.Api.Providers.Bedrock;
using Gateway.Api.Providers.Vertex;
using Gateway.Api.Routing;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;
using Gateway.Projections.Models;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Routing: walks the key's config (single, fallback, loadbalance, nested), retrying a target with backoff and
/// moving on to the next only while nothing has reached the client; every try is kept for the usage event.
/// </summary>
public sealed partial class MessagesProxy
{
    /// <summary>What every attempt of one request shares.</summary>
    /// <param name="Deadline">When the whole request (every attempt and wait) must be over (<see cref="RoutingOptions.MaxRequestDuration"/>).</param>
    private sealed record Dispatch(Exchange Exchange, AdmittedRequest Admitted, MessagesRequest Request, ReadOnlyMemory<byte> Body, string Endpoint, DateTimeOffset Deadline)
    {
        public TimeSpan Remaining(TimeProvider clock) => Deadline - clock.GetUtcNow();
    }

    /// <summary>A try that failed before anything reached the client, so the route may go on.</summary>
    /// <param name="RawStatus">The provider's own status (0 when there was no answer).</param>
    /// <param name="Transport">Connection failure, timeout or broken answer: always worth another target.</param>
    /// <param name="TargetFault">Counts against the target's circuit.</param>
    /// <param name="NotServed">The target cannot serve this request at all (no such provider or model): move on, never retry.</param>
    /// <param name="Body">The provider's error body, for the request log when this failure is the one the client gets.</param>
    private sealed record AttemptFailure(
        ProviderError Error,
        string Outcome,
        int RawStatus,
        bool Transport,
        bool TargetFault,
        bool NotServed,
        TimeSpan? RetryAfter,
        IReadOnlyList<(string Name, string[] Values)> RetryHeaders,
        byte[]? Body = null);

    private async Task<AttemptFailure?> RunGroupAsync(Dispatch dispatch, RouteConfig group)
    {
        switch (group.Mode)
        {
            case RouteModes.LoadBalance:
            {
                // Load balancing spreads requests; it does not fall back. An open circuit only steers the choice.
                var order = WeightedOrder(group.Targets);
                var chosen = order.FirstOrDefault(Available) ?? order[0];
                return await RunTargetAsync(dispatch, chosen, group);
            }
            case RouteModes.Fallback:
            {
                AttemptFailure? last = null;
                var anyAvailable = group.Targets.Any(Available);
                foreach (var target in group.Targets)
                {
                    if (last is not null && dispatch.Remaining(clock) <= TimeSpan.Zero)
                    {
                        return last;
                    }
                    if (anyAvailable && !Available(target))
                    {
                        foreach (var provider in Leaves(target))
                        {
                            dispatch.Exchange.SkipAttempt(provider);
                        }
                        continue;
                    }
                    last = await RunTargetAsync(dispatch, target, group);
                    if (last is null || !MovesOn(group, last))
                    {
                        return last;
                    }
                }
                return last;
            }
            default:
                return await RunTargetAsync(dispatch, group.Targets[0], group);
        }
    }

    private async Task<AttemptFailure?> RunTargetAsync(Dispatch dispatch, RouteTarget target, RouteConfig group)
    {
        if (target.Group is { } nested)
        {
            return await RunGroupAsync(dispatch, nested);
        }
        var retries = target.Retry?.Attempts ?? 0;
        for (var attempt = 0; ; attempt++)
        {
            // The attempt's own timeout, or what is left of the request's, whichever ends first (at least 1 ms).
            var timeout = TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(group.RequestTimeoutMs, dispatch.Remaining(clock).TotalMilliseconds)));
            var failure = await AttemptAsync(dispatch, target, timeout);
            if (failure is null || attempt >= retries || failure.NotServed || !Retries(target.Retry!, failure))
            {
                return failure;
            }
            var delay = failure.RetryAfter ?? Backoff(attempt);
            if (delay > routing.Value.MaxRetryAfter || delay >= dispatch.Remaining(clock))
            {
                return failure;
            }
            try
            {
                await Task.Delay(delay, dispatch.Exchange.Context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                await RecordAsync(dispatch.Exchange, dispatch.Exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
                return null;
            }
        }
    }

    /// <summary>One try at one provider target; null when the client got an answer (or left).</summary>
    private async Task<AttemptFailure?> AttemptAsync(Dispatch dispatch, RouteTarget target, TimeSpan timeout)
    {
        var exchange = dispatch.Exchange;
        var slug = target.Provider!;
        var model = target.OverrideModel ?? dispatch.Request.Model;
        exchange.BeginAttempt(slug, null);
        var provider = await providers.GetAsync(slug);
        if (provider is null || !provider.Serves(dispatch.Admitted.Workspace))
        {
            return NotServed(exchange, $"The route's provider '{slug}' does not exist or does not serve this workspace.");
        }
        var catalog = exchange.Catalog!;
        if (!ProviderModels.Allows(catalog, provider, model))
        {
            return NotServed(exchange, $"model: {model}");
        }
        if (ProviderModels.Resolve(catalog, provider, model) is not { } providerModel)
        {
            return NotServed(exchange, catalog.Find(model) is { } known
                ? $"model: {model} (the model catalog has no {provider.Kind} id for '{known.Model.Id}': set it with PATCH /admin/v1/models/{known.Model.Id}, or map it in the model_ids of provider '{slug}')"
                : $"model: {model} (the model catalog does not know it: add it with POST /admin/v1/models, or map it in the model_ids of provider '{slug}')");
        }
        exchange.BeginAttempt(slug, providerModel);
        exchange.Provider = slug;
        exchange.Model = RecordedName(catalog, model);
        exchange.Price = catalog.Price(model, slug);
        exchange.PriceVersion = catalog.PriceVersion;
        exchange.ContextWindow = catalog.Find(model)?.Model.ContextWindow;

        var entry = health.Enter(slug);
        var judged = false;
        try
        {
            var failure = await SendAsync(dispatch, provider, new ProviderCall(provider, dispatch.Endpoint, model, providerModel, dispatch.Body,
                dispatch.Request.ModelField, exchange.Stream, ForwardedRequest.Of(exchange.Context.Request)), timeout);
            if (failure is null)
            {
                if (exchange.FailedMidStream)
                {
                    health.Failed(slug, entry);
                    judged = true;
                }
                else if (exchange.Recorded?.Outcome != UsageOutcomes.ClientDisconnected)
                {
                    health.Succeeded(slug);
                    judged = true;
                }
                return null;
            }
            if (failure.TargetFault)
            {
                health.Failed(slug, entry);
            }
            else
            {
                health.Succeeded(slug);
            }
            judged = true;
            exchange.EndAttempt(failure.Error.Status, failure.Outcome, failure.Error.Type);
            return failure;
        }
        finally
        {
            if (!judged)
            {
                // No verdict on the target (the client left, or the gateway itself failed): a claimed probe is given back.
                health.Released(slug, entry);
            }
        }
    }

    private async Task<AttemptFailure?> SendAsync(Dispatch dispatch, Grains.Providers.ProviderConnection provider, ProviderCall call, TimeSpan timeout)
    {
        var exchange = dispatch.Exchange;
        var context = exchange.Context;
        var aborted = context.RequestAborted;
        var protocol = protocols.For(provider.Kind);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(timeout);

        HttpResponseMessage response;
        try
        {
            using var upstreamRequest = await protocol.CreateRequestAsync(call, deadline.Token);
            response = await upstream.Invoker.SendAsync(upstreamRequest, deadline.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
            return null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return TransportFailure(504, "timeout_error", UsageOutcomes.ProviderTimeout,
                $"Provider '{provider.Slug}' did not answer within {timeout.TotalMilliseconds:F0} ms.");
        }
        catch (OperationCanceledException)
        {
            // The handler's own connect timeout: the provider was never reached.
            return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Could not reach provider '{provider.Slug}' (connection timed out).");
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, provider.Slug, e.HttpRequestError, (e.InnerException as SocketException)?.SocketErrorCode);
            return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Could not reach provider '{provider.Slug}' ({ProviderErrors.Describe(e)}).");
        }
        catch (VertexCredentialException e)
        {
            LogNoToken(logger, provider.Slug, e.Message);
            return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{provider.Slug}': the gateway could not obtain an access token.");
        }

        using (response)
        {
            if ((int)response.StatusCode >= 400)
            {
                return await ErrorAnswerAsync(protocol, provider.Slug, response, deadline.Token);
            }
            if (exchange.Stream && call.Endpoint == UsageEndpoints.Messages)
            {
                return await StreamAsync(exchange, protocol, provider.Slug, response, timeout, deadline.Token);
            }
            return await RelayBodyAsync(exchange, protocol, call, response, deadline);
        }
    }

    private async Task<AttemptFailure?> StreamAsync(Exchange exchange, IProviderProtocol protocol, string provider, HttpResponseMessage response, TimeSpan timeout, CancellationToken deadline)
    {
        var context = exchange.Context;
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(deadline);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{provider}' sent an incomplete answer.");
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
                    await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
                    return null;
                }
                catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
                {
                    return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{provider}' sent an unreadable stream.");
                }
                if (refused is { } error)
                {
                    // The stream's first frame is an exception: nothing has reached the client, so the route may move on.
                    return new AttemptFailure(error, UsageOutcomes.ProviderError, error.Status, Transport: false,
                        TargetFault: error.Status >= 500, NotServed: false, RetryAfter: null, RetryHeaders: []);
                }
            }
            context.Response.StatusCode = (int)response.StatusCode;
            if (contentType is not null)
            {
                context.Response.ContentType = contentType;
            }
            exchange.MarkFirstByte();
            await RelayStreamAsync(exchange, events, timeout);
            return null;
        }
    }

    private async Task RelayStreamAsync(Exchange exchange, Stream events, TimeSpan idleTimeout)
    {
        var context = exchange.Context;
        context.Response.Headers.CacheControl = "no-cache";
        var meter = new UsageMeter { Capture = exchange.Capture };
        var recorded = false;
        await context.Response.StartAsync(context.RequestAborted);
        var outcome = await SseRelay.RelayAsync(events, context.Response, meter, async _ =>
        {
            recorded = true;
            return await RecordAsync(exchange, exchange.ToRecord(200, UsageOutcomes.Completed, usage: meter));
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
        await RecordAsync(exchange, exchange.ToRecord(200, result, usage: meter));
    }

    private async Task<AttemptFailure?> RelayBodyAsync(Exchange exchange, IProviderProtocol protocol, ProviderCall call, HttpResponseMessage response, CancellationTokenSource deadline)
    {
        var context = exchange.Context;
        byte[] bytes;
        try
        {
            bytes = protocol.TranslateBody(call, await UpstreamBodies.ReadAsync(response.Content, options.Value.MaxResponseBodyBytes, deadline.Token));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
            return null;
        }
        catch (OperationCanceledException)
        {
            return TransportFailure(504, "timeout_error", UsageOutcomes.ProviderTimeout, $"Provider '{call.Provider.Slug}' did not finish its answer in time.");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or System.Text.Json.JsonException
                                      or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{call.Provider.Slug}' sent an incomplete answer.");
        }

        var meter = new UsageMeter();
        if (exchange.Endpoint == UsageEndpoints.Messages)
        {
            meter.ReadMessage(bytes);
            if (!meter.Completed)
            {
                // Not a Messages API response (cut JSON, a proxy's page): the client gets an error, not the bytes.
                return TransportFailure(502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{call.Provider.Slug}' answered with something that is not a Messages API response.");
            }
        }
        exchange.Capture?.SetResponse(bytes);
        context.Response.StatusCode = (int)response.StatusCode;
        // Recorded before the client can see the body: an answered request always has its record.
        if (!await RecordAsync(exchange, exchange.ToRecord(context.Response.StatusCode, UsageOutcomes.Completed, usage: meter)))
        {
            context.Response.Headers.RetryAfter = "1";
            await AnthropicErrors.WriteAsync(context, 503, "overloaded_error",
                "The gateway could not record this request's usage, so it withholds the answer; try again shortly.");
            return null;
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        exchange.MarkFirstByte();
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        return null;
    }

    private static async Task<AttemptFailure> ErrorAnswerAsync(IProviderProtocol protocol, string provider, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[]? body = null;
        try
        {
            body = await UpstreamBodies.ReadAsync(response.Content, 1024 * 1024, cancellationToken);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
        {
            // The status alone still says what happened.
        }
        var error = protocol.MapError(provider, response, body);
        var raw = (int)response.StatusCode;
        return new AttemptFailure(error, UsageOutcomes.ProviderError, raw, Transport: false,
            TargetFault: raw >= 500 || error.Status >= 500 && error.Status != 501, NotServed: false, RetryAfter(response.Headers), ProviderErrors.RetryHeadersOf(response), body);
    }

    private static AttemptFailure TransportFailure(int status, string type, string outcome, string message) =>
        new(new ProviderError(status, type, message), outcome, 0, Transport: true, TargetFault: true, NotServed: false, RetryAfter: null, RetryHeaders: []);

    private static AttemptFailure NotServed(Exchange exchange, string message)
    {
        exchange.EndAttempt(404, UsageOutcomes.Refused, "not_found_error");
        return new AttemptFailure(new ProviderError(404, "not_found_error", message), UsageOutcomes.Refused, 0, Transport: false,
            TargetFault: false, NotServed: true, RetryAfter: null, RetryHeaders: []);
    }

    private static bool MovesOn(RouteConfig group, AttemptFailure failure) =>
        failure.Transport || failure.NotServed || group.OnStatusCodes.Contains(failure.RawStatus) || group.OnStatusCodes.Contains(failure.Error.Status);

    private static bool Retries(RetryPolicy policy, AttemptFailure failure) =>
        failure.Transport || policy.OnStatusCodes.Contains(failure.RawStatus) || policy.OnStatusCodes.Contains(failure.Error.Status);

    private bool Available(RouteTarget target) => target.Group is { } group ? group.Targets.Any(Available) : !health.IsOpen(target.Provider!);

    private static IEnumerable<string> Leaves(RouteTarget target) => target.Group is { } group ? group.Providers() : [target.Provider!];

    /// <summary>The targets in a random order where each comes first with probability weight / total.</summary>
    private static List<RouteTarget> WeightedOrder(IReadOnlyList<RouteTarget> targets)
    {
        var remaining = targets.ToList();
        var order = new List<RouteTarget>(remaining.Count);
        while (remaining.Count > 0)
        {
            var pick = Random.Shared.Next(remaining.Sum(t => t.Weight));
            var index = 0;
            while (pick >= remaining[index].Weight)
            {
                pick -= remaining[index++].Weight;
            }
            order.Add(remaining[index]);
            remaining.RemoveAt(index);
        }
        return order;
    }

    /// <summary>Exponential backoff with jitter: base, 2×base, 4×base… each ±25 %.</summary>
    private TimeSpan Backoff(int attempt) =>
        routing.Value.RetryBaseDelay * Math.Pow(2, attempt) * (0.75 + Random.Shared.NextDouble() / 2);

    /// <summary>The provider's requested wait: <c>retry-after-ms</c>, else <c>retry-after</c> in seconds or as a date.</summary>
    private static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms) && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            // Any wait longer than a day is as good as "do not retry" (and Infinity would not fit a TimeSpan).
            return TimeSpan.FromMilliseconds(Math.Min(milliseconds, TimeSpan.FromDays(1).TotalMilliseconds));
        }
        if (headers.RetryAfter is { } retryAfter)
        {
            return retryAfter.Delta ?? (retryAfter.Date is { } date ? (date - DateTimeOffset.UtcNow) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero : null);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider}: no access token ({Problem})")]
    private static partial void LogNoToken(ILogger logger, string provider, string problem);
}
