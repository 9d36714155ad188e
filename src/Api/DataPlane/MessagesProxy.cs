using Gateway.Api.Budgets;
using Gateway.Api.Catalog;
using Gateway.Api.Errors;
using Gateway.Api.Telemetry;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Projections.Models;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Api.DataPlane;

/// <summary>
/// <c>POST /v1/messages</c> and <c>POST /v1/messages/count_tokens</c>: authenticate, read the few fields the
/// gateway needs and admit through the key's (or signed-on user's) grain, reserve its budgets (<see cref="BudgetHolds"/>), route it to a
/// provider (<see cref="MessageRouting"/>), answer a failure (<see cref="AnswerRelay"/>), then settle and record.
/// </summary>
public sealed partial class MessagesProxy(
    IGrainFactory grains,
    CurrentCatalog catalogs,
    ExchangeRecorder recorder,
    BudgetHolds holds,
    Callers callers,
    MessageRouting routing,
    AnswerRelay relay,
    IOptions<DataPlaneOptions> options,
    ILogger<MessagesProxy> logger)
{
    // Bodies up to this size are read before the key is checked (one grain call for both); a larger or
    // undeclared body waits until the key is known to be good, so unknown clients cannot make it buffer 32 MB.
    private const long ReadBeforeAuthenticationBytes = 1024 * 1024;

    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.Messages, front: null);

    public Task HandleCountTokensAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.CountTokens, front: null);

    /// <summary>A request of another API's front: the same pipeline, its body translated first and its JSON answer back.</summary>
    public Task HandleFrontAsync(HttpContext context, ClientFront front) => HandleAsync(context, front.Shape, front);

    private async Task HandleAsync(HttpContext context, MessagesRequest.Shape shape, ClientFront? front)
    {
        var exchange = new Exchange(context, UsageEndpoints.Of(shape == MessagesRequest.Shape.CountTokens)) { Front = front };
        using var span = exchange.Span = RequestSpans.StartRequest(exchange.Endpoint, exchange.RequestId);
        var (caller, callerProblem) = await callers.IdentifyAsync(context.Request);
        if (caller is null)
        {
            await RefuseAsync(exchange, callerProblem);
            return;
        }
        if (!recorder.Available)
        {
            // Nothing may run unrecorded; this refusal itself cannot be recorded either, only logged.
            LogLedgerUnavailable(logger, exchange.RequestId);
            recorder.CountUnrecorded();
            context.Response.Headers.RetryAfter = "1";
            await AnthropicErrors.WriteAsync(context, 503, "The gateway cannot record usage right now; try again shortly.");
            return;
        }
        if (context.Request.ContentLength is not (<= ReadBeforeAuthenticationBytes))
        {
            Admission early;
            try
            {
                using var admitting = RequestSpans.StartStep(RequestSpans.Admission);
                early = await caller.AdmitAsync(grains, model: null, modelNames: null);
            }
            catch (Exception e) when (IsClusterFault(e, context))
            {
                await UnavailableAsync(exchange, e);
                return;
            }
            if (early is { Request: null })
            {
                await RefuseAsync(exchange, ApiError.For(early));
                return;
            }
        }

        using var received = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (received is null)
        {
            await RefuseAsync(exchange, 413,
                $"Request exceeds the maximum allowed number of bytes ({options.Value.MaxRequestBodyBytes}).");
            return;
        }
        string? problem = null;
        ReadOnlyMemory<byte> body = front is null ? received.Memory : front.TranslateRequest(received.Memory, context.Request, out problem);
        if (problem is not null)
        {
            await RefuseAsync(exchange, 400, problem);
            return;
        }
        var request = MessagesRequest.TryRead(body.Span, shape, out problem);
        if (request is null)
        {
            await RefuseAsync(exchange, 400, problem!);
            return;
        }
        exchange.Model = request.Model;
        exchange.Body = body;
        exchange.MaxTokens = request.MaxTokens;
        exchange.ServerToolResultTokens = holds.ServerToolResultTokens;
        exchange.Stream = request.Stream && shape == MessagesRequest.Shape.Messages;
        if (!RequestMetadata.TryRead(context.Request, out var requestMetadata, out problem))
        {
            await RefuseAsync(exchange, 400, problem!);
            return;
        }

        ModelCatalog catalog;
        try
        {
            catalog = await catalogs.GetAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Only before this process first reached the cluster's catalog (it is starting): never guess prices.
            LogCatalogUnavailable(logger, e, exchange.RequestId);
            context.Response.Headers.RetryAfter = "1";
            await RefuseAsync(exchange, 503, "The gateway is starting; try again shortly.");
            return;
        }
        exchange.Catalog = catalog;
        exchange.Model = Exchange.RecordedName(catalog, request.Model);
        var named = catalog.Find(request.Model);
        exchange.CatalogedModel = named is not null;
        Admission admission;
        try
        {
            using var admitting = RequestSpans.StartStep(RequestSpans.Admission);
            admission = await caller.AdmitAsync(grains, request.Model, named is { } known ? [known.Model.Id, .. known.Model.Aliases] : null);
        }
        catch (Exception e) when (IsClusterFault(e, context))
        {
            await UnavailableAsync(exchange, e);
            return;
        }
        if (admission.Request is not { } admitted)
        {
            await RefuseAsync(exchange, ApiError.For(admission));
            return;
        }
        exchange.KeyId = admitted.KeyId;
        exchange.UserId = admitted.UserId;
        exchange.Workspace = admitted.Workspace;
        var governed = GovernedMetadata.TryLayer(context.Request, requestMetadata, admitted, out var metadata, out problem);
        exchange.Metadata = metadata;
        if (!governed)
        {
            await RefuseAsync(exchange, 400, problem!);
            return;
        }

        if (shape == MessagesRequest.Shape.Messages)
        {
            recorder.Capture(exchange, admitted.Logging, body.Span);
        }
        if (await ReserveAsync(exchange, admitted, shape, request.Model))
        {
            await RouteAsync(exchange, admitted, request);
        }
    }

    /// <summary>Holds the request's budgets and rate limits; false when one refused it (or could not be reached) and the client has its answer.</summary>
    private async Task<bool> ReserveAsync(Exchange exchange, AdmittedRequest admitted, MessagesRequest.Shape shape, string model)
    {
        BudgetVerdict? refusal;
        try
        {
            refusal = await holds.ReserveAsync(exchange, admitted, shape, model);
        }
        catch (BudgetsUnavailableException e)
        {
            await UnavailableAsync(exchange, e);
            return false;
        }
        if (refusal is null)
        {
            return true;
        }
        if (refusal.RetryAfterSeconds is { } seconds)
        {
            exchange.Context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await RefuseAsync(exchange, ApiError.For(refusal));
        return false;
    }

    /// <summary>Routes the admitted request and answers it; whatever happens, it gets its record and its holds are settled.</summary>
    private async Task RouteAsync(Exchange exchange, AdmittedRequest admitted, MessagesRequest request)
    {
        var context = exchange.Context;
        try
        {
            if (await routing.RouteAsync(exchange, admitted, request) is { } failure)
            {
                using var relaying = RequestSpans.StartStep(RequestSpans.Relay);
                await relay.AnswerFailureAsync(exchange, failure);
            }
        }
        catch (Exception e) when (exchange.Recorded is null)
        {
            // The client left at an awkward moment, or a fault of the gateway's own (a provider answer it could not
            // handle): the request still gets its record and, when nothing was sent yet, an Anthropic-shaped error.
            if (context.RequestAborted.IsCancellationRequested)
            {
                await recorder.ClientLeftAsync(exchange);
                return;
            }
            LogRoutingFailed(logger, e, exchange.RequestId);
            await recorder.RecordAsync(exchange, exchange.ToRecord(502, UsageOutcomes.ProviderFailed, "api_error", "The gateway could not relay the provider's answer."));
            if (!context.Response.HasStarted)
            {
                await AnthropicErrors.WriteAsync(context, 502, "The gateway could not relay the provider's answer.");
            }
        }
        finally
        {
            await holds.SettleAsync(exchange);
            recorder.LogContent(exchange);
        }
    }

    /// <summary>A fault of the cluster's own state (a grain that cannot load, a silo out of reach), not the client's leaving.</summary>
    private static bool IsClusterFault(Exception e, HttpContext context) =>
        e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested;

    /// <summary>The key or a budget could not be reached: nothing was sent to a provider; the client may try again.</summary>
    private async Task UnavailableAsync(Exchange exchange, Exception e)
    {
        LogClusterUnavailable(logger, e, exchange.RequestId);
        exchange.Context.Response.Headers.RetryAfter = "1";
        await RefuseAsync(exchange, 503, "The gateway cannot reach its key or budget state right now; try again shortly.");
    }

    private Task RefuseAsync(Exchange exchange, ApiError error) => recorder.RefuseAsync(exchange, error);

    private Task RefuseAsync(Exchange exchange, int status, string message) => recorder.RefuseAsync(exchange, ApiError.Of(status, message));

    [LoggerMessage(Level = LogLevel.Error, Message = "{RequestId}: relaying the provider's answer failed")]
    private static partial void LogRoutingFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the key's or a budget's state could not be reached")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the model catalog could not be loaded")]
    private static partial void LogCatalogUnavailable(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the usage ledger is unavailable")]
    private static partial void LogLedgerUnavailable(ILogger logger, string requestId);
}
