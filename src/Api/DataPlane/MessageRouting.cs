using System.Diagnostics;
using Gateway.Api.Providers;
using Gateway.Api.Routing;
using Gateway.Api.Telemetry;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Routes an admitted request over its key's route (<see cref="RouteRunner"/>). Each try names its provider and
/// model for the usage event, passes the target's circuit and is sent by the <see cref="ProviderSender"/>; every
/// try is kept for the usage event.
/// </summary>
public sealed class MessageRouting(RouteRunner runner, ProviderConnections providers, CircuitBreaker breaker, ProviderSender sender,
    ExchangeRecorder recorder, GatewayMetrics metrics, IOptions<RoutingOptions> options, TimeProvider clock)
{
    /// <summary>Routes the request; the failure the client gets when every target failed, or null when it got an answer.</summary>
    internal Task<AttemptFailure?> RouteAsync(Exchange exchange, AdmittedRequest admitted, MessagesRequest request) =>
        runner.RunAsync(admitted.Route, new RoutedMessage(this, exchange, admitted, request, clock.GetUtcNow() + options.Value.MaxRequestDuration));

    /// <summary>One try at one provider target; null when the client got an answer (or left).</summary>
    private async Task<AttemptFailure?> TryAsync(RoutedMessage routed, RouteTarget target, TimeSpan timeout)
    {
        var exchange = routed.Exchange;
        var slug = target.Provider!;
        var model = target.OverrideModel ?? routed.Request.Model;
        exchange.BeginAttempt(slug, null);
        var provider = await providers.GetAsync(slug);
        if (provider is null || !provider.Serves(routed.Admitted.Workspace))
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
        var recordedModel = exchange.Model = Exchange.RecordedName(catalog, model);
        exchange.Price = catalog.Price(model, slug);
        exchange.PriceVersion = catalog.PriceVersion;
        exchange.ContextWindow = catalog.Find(model)?.Model.ContextWindow;

        var attempt = new ProviderAttempt(GenAiNames.Operation(exchange.Endpoint), GenAiNames.ProviderName(provider.Kind), slug, recordedModel, providerModel);
        using var span = RequestSpans.StartAttempt(attempt, provider.BaseUrl);
        var started = Stopwatch.GetTimestamp();
        using var circuit = breaker.Enter(slug);
        var failure = await sender.SendAsync(exchange, new ProviderCall(provider, exchange.Endpoint, model, providerModel, exchange.Body,
            routed.Request.ModelField, exchange.Stream, ForwardedRequest.Of(exchange.Context.Request)), timeout);
        if (failure is null)
        {
            circuit.Answered(exchange.FailedMidStream, clientLeft: exchange.Recorded?.Outcome == UsageOutcomes.ClientDisconnected);
            // Without a record (the ledger could not take it) the provider still answered in full.
            var answer = exchange.Recorded;
            var outcome = answer?.Outcome ?? UsageOutcomes.Completed;
            AttemptEnded(span, attempt, started, answer?.Status ?? 200, outcome,
                answer?.ErrorType ?? (outcome == UsageOutcomes.Completed ? null : outcome), answer);
            return null;
        }
        circuit.Failed(failure);
        exchange.EndAttempt(failure.Error.Status, failure.Outcome, failure.Error.Type);
        AttemptEnded(span, attempt, started, failure.Error.Status, failure.Outcome, failure.Error.Type, answer: null);
        return failure;
    }

    private void AttemptEnded(Activity? span, ProviderAttempt attempt, long started, int status, string outcome, string? errorType, UsageRecorded? answer)
    {
        metrics.AttemptEnded(attempt, Stopwatch.GetElapsedTime(started), status, outcome, errorType, answer);
        RequestSpans.AttemptEnded(span, status, outcome, errorType, answer);
    }

    private TimeSpan Remaining(DateTimeOffset deadline) => deadline - clock.GetUtcNow();

    private Task ClientLeftAsync(Exchange exchange) => recorder.ClientLeftAsync(exchange);

    private static AttemptFailure NotServed(Exchange exchange, string message)
    {
        exchange.EndAttempt(404, UsageOutcomes.Refused, "not_found_error");
        return AttemptFailure.Unserved(message);
    }

    /// <summary>The request as the route sees it.</summary>
    /// <param name="Deadline">When the whole request (every try and wait) must be over (<see cref="RoutingOptions.MaxRequestDuration"/>).</param>
    private sealed record RoutedMessage(MessageRouting Routing, Exchange Exchange, AdmittedRequest Admitted, MessagesRequest Request, DateTimeOffset Deadline)
        : IRoutedRequest
    {
        public TimeSpan Remaining => Routing.Remaining(Deadline);

        public CancellationToken ClientAborted => Exchange.Context.RequestAborted;

        public Task<AttemptFailure?> TryAsync(RouteTarget target, TimeSpan timeout) => Routing.TryAsync(this, target, timeout);

        public void Skip(string provider)
        {
            Exchange.SkipAttempt(provider);
            RequestSpans.Skipped(Exchange.Span, provider);
        }

        public Task ClientLeftAsync() => Routing.ClientLeftAsync(Exchange);
    }
}
