using Gateway.Projections.Usage;
using System.Collections.Immutable;
using System.Net.Sockets;
using Gateway.Api.Budgets;
using Gateway.Api.Errors;
using Gateway.Api.Logs;
using Gateway.Grains.Logging;
using Gateway.Api.Usage;
using Gateway.Projections.Ledger;
using Gateway.Api.Providers;
using Gateway.Api.Routing;
using Gateway.Grains.Configs;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Api.Catalog;
using Gateway.Projections.Models;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Api.DataPlane;

/// <summary>
/// <c>POST /v1/messages</c> and <c>POST /v1/messages/count_tokens</c>: authenticate, read the few fields the
/// gateway needs, admit through the key's grain, forward to the routed provider and relay its answer.
/// </summary>
public sealed partial class MessagesProxy(
    IGrainFactory grains,
    ProviderConnections providers,
    ProviderProtocols protocols,
    TargetHealth health,
    IOptions<RoutingOptions> routing,
    UpstreamHttp upstream,
    UsageLedger ledger,
    BudgetGate budgets,
    IUsageSink usage,
    ContentLog contentLog,
    CurrentCatalog catalogs,
    IOptions<LogsOptions> logsOptions,
    IOptions<DataPlaneOptions> options,
    TimeProvider clock,
    ILogger<MessagesProxy> logger)
{
    // Bodies up to this size are read before the key is checked (one grain call for both); a larger or
    // undeclared body waits until the key is known to be good, so unknown clients cannot make it buffer 32 MB.
    private const long ReadBeforeAuthenticationBytes = 1024 * 1024;

    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.Messages);

    public Task HandleCountTokensAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.CountTokens);

    private async Task HandleAsync(HttpContext context, MessagesRequest.Shape shape)
    {
        var exchange = new Exchange(context, UsageEndpoints.Of(shape == MessagesRequest.Shape.CountTokens));
        if (!GatewayKeys.TryRead(context.Request, out var presented, out var keyId, out var keyProblem))
        {
            await RefuseAsync(exchange, 401, "authentication_error", keyProblem);
            return;
        }
        if (!ledger.Available)
        {
            // Nothing may run unrecorded; this refusal itself cannot be recorded either, only logged.
            LogLedgerUnavailable(logger, exchange.RequestId);
            context.Response.Headers.RetryAfter = "1";
            await AnthropicErrors.WriteAsync(context, 503, "overloaded_error", "The gateway cannot record usage right now; try again shortly.");
            return;
        }
        var key = grains.ApiKey(keyId);
        var secretHash = ApiKeySecret.Hash(presented);
        if (context.Request.ContentLength is not (<= ReadBeforeAuthenticationBytes))
        {
            Admission early;
            try
            {
                early = await key.AdmitAsync(secretHash, model: null, modelNames: null);
            }
            catch (Exception e) when (IsClusterFault(e, context))
            {
                await UnavailableAsync(exchange, e);
                return;
            }
            if (early is { Request: null })
            {
                await RefuseAsync(exchange, early.Status, early.ErrorType!, early.Message!);
                return;
            }
        }

        using var body = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await RefuseAsync(exchange, 413, "request_too_large",
                $"Request exceeds the maximum allowed number of bytes ({options.Value.MaxRequestBodyBytes}).");
            return;
        }
        var request = MessagesRequest.TryRead(body.Span, shape, out var problem);
        if (request is null)
        {
            await RefuseAsync(exchange, 400, "invalid_request_error", problem!);
            return;
        }
        exchange.Model = request.Model;
        exchange.Body = body.Memory;
        exchange.MaxTokens = request.MaxTokens;
        exchange.ServerToolResultTokens = budgets.ServerToolResultTokens;
        exchange.Stream = request.Stream && shape == MessagesRequest.Shape.Messages;
        if (!RequestMetadata.TryRead(context.Request, out var requestMetadata, out problem))
        {
            await RefuseAsync(exchange, 400, "invalid_request_error", problem!);
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
            await RefuseAsync(exchange, 503, "overloaded_error", "The gateway is starting; try again shortly.");
            return;
        }
        exchange.Catalog = catalog;
        exchange.Model = RecordedName(catalog, request.Model);
        var named = catalog.Find(request.Model);
        Admission admission;
        try
        {
            admission = await key.AdmitAsync(secretHash, request.Model, named is { } known ? [known.Model.Id, .. known.Model.Aliases] : null);
        }
        catch (Exception e) when (IsClusterFault(e, context))
        {
            await UnavailableAsync(exchange, e);
            return;
        }
        if (admission.Request is not { } admitted)
        {
            await RefuseAsync(exchange, admission.Status, admission.ErrorType!, admission.Message!);
            return;
        }
        exchange.KeyId = admitted.KeyId;
        exchange.Workspace = admitted.Workspace;
        exchange.Metadata = admitted.Metadata;
        if (!requestMetadata.IsEmpty)
        {
            var merged = requestMetadata.SetItems(admitted.Metadata);
            if (InputLimits.CheckMetadata(merged) is { } invalid)
            {
                // Each part is within the limits; together they are not. The refusal records the key's own metadata.
                await RefuseAsync(exchange, 400, "invalid_request_error", $"{RequestMetadata.Header}: together with the key's metadata, {invalid}.");
                return;
            }
            exchange.Metadata = merged;
        }

        if (shape == MessagesRequest.Shape.Messages && admitted.Logging.Mode != LogMode.MetadataOnly)
        {
            exchange.Capture = new ContentCapture(admitted.Logging, body.Span, exchange.Stream, logsOptions.Value.MaxBodyBytes);
        }

        BudgetVerdict? refusal = null;
        try
        {
            if (shape == MessagesRequest.Shape.Messages && !admitted.Scopes.IsEmpty)
            {
                refusal = await ReserveAsync(exchange, admitted.Scopes, admitted.Route, request.Model);
            }
            else if (BudgetGate.RateLimitsOnly(admitted.Scopes) is { IsEmpty: false } limited)
            {
                // count_tokens is not billed, but it is a request: requests per minute and concurrency hold for it.
                refusal = await budgets.ReserveAsync(exchange.RequestId, limited, 0, 0, exchange.StartedAt);
                exchange.Holds = refusal is null ? limited : [];
            }
        }
        catch (BudgetsUnavailableException e)
        {
            await UnavailableAsync(exchange, e);
            return;
        }
        if (refusal is not null)
        {
            if (refusal.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await RefuseAsync(exchange, refusal.Status, refusal.ErrorType!, refusal.Message!);
            return;
        }

        try
        {
            var dispatch = new Dispatch(exchange, admitted, request, body.Memory, exchange.Endpoint,
                clock.GetUtcNow() + routing.Value.MaxRequestDuration);
            if (await RunGroupAsync(dispatch, admitted.Route) is { } failure)
            {
                // Every target failed: the client gets the last provider's answer, mapped.
                if (failure.Body is { } errorBody)
                {
                    exchange.Capture?.SetResponse(errorBody);
                }
                await RecordAsync(exchange, exchange.ToRecord(failure.Error.Status, failure.Outcome, failure.Error.Type, failure.Error.Message));
                foreach (var (name, values) in failure.RetryHeaders)
                {
                    context.Response.Headers[name] = values;
                }
                await AnthropicErrors.WriteAsync(context, failure.Error.Status, failure.Error.Type, failure.Error.Message);
            }
        }
        catch (Exception e) when (exchange.Recorded is null)
        {
            // The client left at an awkward moment, or a fault of the gateway's own (a provider answer it could not
            // handle): the request still gets its record and, when nothing was sent yet, an Anthropic-shaped error.
            if (context.RequestAborted.IsCancellationRequested)
            {
                await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
                return;
            }
            LogRoutingFailed(logger, e, exchange.RequestId);
            await RecordAsync(exchange, exchange.ToRecord(502, UsageOutcomes.ProviderFailed, "api_error", "The gateway could not relay the provider's answer."));
            if (!context.Response.HasStarted)
            {
                await AnthropicErrors.WriteAsync(context, 502, "api_error", "The gateway could not relay the provider's answer.");
            }
        }
        finally
        {
            await SettleAsync(exchange);
            if (exchange.Capture is { } capture && exchange.Recorded is not null)
            {
                contentLog.Enqueue(exchange.RequestId, exchange.Workspace, exchange.StartedAt, capture);
            }
        }
    }

    /// <summary>
    /// Holds the request's cost bound in every scope it belongs to — at the dearest model any target of the route
    /// may use, since a fallback can land on it; the verdict when one refuses.
    /// </summary>
    private async Task<BudgetVerdict?> ReserveAsync(Exchange exchange, ImmutableArray<ScopedPolicy> scopes, RouteConfig route, string model)
    {
        var budgeted = scopes.FirstOrDefault(s => s.Policy.Budget is not null);
        var catalog = exchange.Catalog!;
        decimal amount = 0;
        long tokens = 0;
        foreach (var (provider, candidate) in route.Candidates(model))
        {
            var bound = exchange.Bound.Within(catalog.Find(candidate)?.Model.ContextWindow, exchange.ServerToolResultTokens);
            tokens = Math.Max(tokens, bound.TokensPerRound);
            if (catalog.Price(candidate, provider) is { } price)
            {
                amount = Math.Max(amount, bound.Cost(price, catalog.ServerTools));
            }
            else if (budgeted is not null)
            {
                return BudgetVerdict.Deny(402, "billing_error", Unpriced(catalog, candidate, BudgetScopes.Describe(budgeted.Scope)));
            }
        }
        var verdict = await budgets.ReserveAsync(exchange.RequestId, scopes, amount, tokens, exchange.StartedAt);
        if (verdict is null)
        {
            exchange.Holds = scopes;
            exchange.ReservedUsd = budgeted is null ? null : amount;
        }
        return verdict;
    }

    /// <summary>The refusal of a model without a price under a budget, telling the admin how to price it.</summary>
    private static string Unpriced(ModelCatalog catalog, string model, string scope)
    {
        var known = catalog.Find(model)?.Model.Id;
        var how = known is not null
            ? $"an admin can price it with PATCH /admin/v1/models/{known} {{\"prices\": {{\"input\": …, \"output\": …}}}} (USD per million tokens)"
            : "an admin can add it with its prices through POST /admin/v1/models {\"id\": …, \"display_name\": …, \"prices\": {\"input\": …, \"output\": …}} (USD per million tokens)";
        return $"No price is known for model '{model}' (price version {catalog.PriceVersion}), and {scope} has a budget, so the request cannot be admitted; {how}.";
    }

    /// <summary>
    /// The model as the ledger records it: a cloud's spelling of a catalogued model by its Anthropic id, so spend and
    /// logs group one model under one name whichever cloud its client was configured for.
    /// </summary>
    private static string RecordedName(ModelCatalog catalog, string model) =>
        catalog.Find(model) is { Spelling: not ModelSpelling.Anthropic } cloud ? cloud.Model.Id : model;

    /// <summary>A fault of the cluster's own state (a grain that cannot load, a silo out of reach), not the client's leaving.</summary>
    private static bool IsClusterFault(Exception e, HttpContext context) =>
        e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested;

    /// <summary>The key or a budget could not be reached: nothing was sent to a provider; the client may try again.</summary>
    private async Task UnavailableAsync(Exchange exchange, Exception e)
    {
        LogClusterUnavailable(logger, e, exchange.RequestId);
        exchange.Context.Response.Headers.RetryAfter = "1";
        await RefuseAsync(exchange, 503, "overloaded_error", "The gateway cannot reach its key or budget state right now; try again shortly.");
    }

    /// <summary>Settles the holds to the recorded cost, or leaves them to their lease when nothing was recorded.</summary>
    private async Task SettleAsync(Exchange exchange)
    {
        if (exchange.Holds.IsEmpty)
        {
            return;
        }
        if (exchange.Recorded is not { } record)
        {
            budgets.Abandon(exchange.RequestId);
            return;
        }
        var tokens = record.InputTokens + record.CacheCreationInputTokens + record.CacheReadInputTokens + record.OutputTokens;
        await budgets.SettleAsync(exchange.RequestId, exchange.Holds, record.CostUsd ?? 0, tokens);
    }

    private async Task RefuseAsync(Exchange exchange, int status, string type, string message)
    {
        await RecordAsync(exchange, exchange.ToRecord(status, UsageOutcomes.Refused, type, message));
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message);
    }

    /// <summary>Appends the request's usage event and waits for its commit; false when the ledger could not take it.</summary>
    private async Task<bool> RecordAsync(Exchange exchange, UsageRecorded record)
    {
        var committed = true;
        try
        {
            await ledger.AppendAsync(record);
            exchange.Recorded = record;
        }
        catch (LedgerUnavailableException)
        {
            committed = false;
        }
        await usage.RecordAsync(record, CancellationToken.None);
        return committed;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{RequestId}: relaying the provider's answer failed")]
    private static partial void LogRoutingFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the key's or a budget's state could not be reached")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the model catalog could not be loaded")]
    private static partial void LogCatalogUnavailable(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the usage ledger is unavailable")]
    private static partial void LogLedgerUnavailable(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Error} {SocketError}")]
    private static partial void LogUnreachable(ILogger logger, string provider, HttpRequestError error, SocketError? socketError);
}
