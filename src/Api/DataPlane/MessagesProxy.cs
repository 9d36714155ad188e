using Gateway.Projections.Usage;
using System.Collections.Immutable;
using System.Net.Sockets;
using Gateway.Api.Budgets;
using Gateway.Api.Errors;
using Gateway.Api.Logs;
using Gateway.Grains.Logging;
using Gateway.Api.Usage;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Grains.Pricing;
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
    UpstreamHttp upstream,
    UsageLedger ledger,
    BudgetGate budgets,
    IUsageSink usage,
    ContentLog contentLog,
    IOptions<LogsOptions> logsOptions,
    IOptions<DataPlaneOptions> options,
    ILogger<MessagesProxy> logger)
{
    private const string MessagesPath = "/v1/messages";
    private const string CountTokensPath = "/v1/messages/count_tokens";

    // Bodies up to this size are read before the key is checked (one grain call for both); a larger or
    // undeclared body waits until the key is known to be good, so unknown clients cannot make it buffer 32 MB.
    private const long ReadBeforeAuthenticationBytes = 1024 * 1024;

    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.Messages, MessagesPath);

    public Task HandleCountTokensAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.CountTokens, CountTokensPath);

    private async Task HandleAsync(HttpContext context, MessagesRequest.Shape shape, string path)
    {
        var exchange = new Exchange(context, shape == MessagesRequest.Shape.Messages ? "messages" : "count_tokens");
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
        if (context.Request.ContentLength is not (<= ReadBeforeAuthenticationBytes)
            && await key.AdmitAsync(secretHash, model: null) is { Request: null } early)
        {
            await RefuseAsync(exchange, early.Status, early.ErrorType!, early.Message!);
            return;
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
        exchange.Stream = request.Stream && shape == MessagesRequest.Shape.Messages;
        if (!RequestMetadata.TryRead(context.Request, out var requestMetadata, out problem))
        {
            await RefuseAsync(exchange, 400, "invalid_request_error", problem!);
            return;
        }

        var admission = await key.AdmitAsync(secretHash, request.Model);
        if (admission.Request is not { } admitted)
        {
            await RefuseAsync(exchange, admission.Status, admission.ErrorType!, admission.Message!);
            return;
        }
        exchange.KeyId = admitted.KeyId;
        exchange.Workspace = admitted.Workspace;
        exchange.Metadata = requestMetadata.IsEmpty ? admitted.Metadata : requestMetadata.SetItems(admitted.Metadata);

        var target = admitted.Route.Targets[0];
        var provider = await providers.GetAsync(target.Provider);
        if (provider is null || !provider.Serves(admitted.Workspace))
        {
            await RefuseAsync(exchange, 404, "not_found_error", $"The route's provider '{target.Provider}' does not exist or does not serve this workspace.");
            return;
        }
        exchange.Provider = provider.Slug;
        var model = target.OverrideModel ?? request.Model;
        if (provider.Models is { Length: > 0 } served && !served.Contains(model))
        {
            await RefuseAsync(exchange, 404, "not_found_error", $"model: {model}");
            return;
        }
        exchange.Model = model;
        if (shape == MessagesRequest.Shape.Messages && admitted.Logging.Mode != LogMode.MetadataOnly)
        {
            exchange.Capture = new ContentCapture(admitted.Logging, body.Span, exchange.Stream, logsOptions.Value.MaxBodyBytes);
        }
        exchange.Price = PriceTable.Shipped.Find(model);
        exchange.PriceVersion = PriceTable.Shipped.Version;

        if (shape == MessagesRequest.Shape.Messages && !admitted.Scopes.IsEmpty
            && await ReserveAsync(exchange, admitted.Scopes, CostBound.Measure(body.Span, request.MaxTokens ?? 0)) is { } refusal)
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
            HttpContent content = target.OverrideModel is { } overridden && overridden != request.Model
                ? new ByteArrayContent(request.WithModel(body.Span, overridden))
                : new ReadOnlyMemoryContent(body.Memory);
            using var upstreamRequest = AnthropicUpstream.CreateRequest(provider, HttpMethod.Post, path, context.Request, content);
            await ForwardAsync(exchange, provider, upstreamRequest, TimeSpan.FromMilliseconds(admitted.Route.RequestTimeoutMs));
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

    /// <summary>Holds the request's cost bound in every scope it belongs to; the verdict when one refuses.</summary>
    private async Task<BudgetVerdict?> ReserveAsync(Exchange exchange, ImmutableArray<ScopedPolicy> scopes, CostBound bound)
    {
        var budgeted = scopes.FirstOrDefault(s => s.Policy.Budget is not null);
        if (budgeted is not null && exchange.Price is null)
        {
            return BudgetVerdict.Deny(402, "billing_error",
                $"No price is known for model '{exchange.Model}' (price table {PriceTable.Shipped.Version}), and {BudgetScopes.Describe(budgeted.Scope)} has a budget; " +
                "the request cannot be admitted until the model is priced.");
        }
        var amount = exchange.Price is { } price ? bound.Cost(price) : 0;
        var verdict = await budgets.ReserveAsync(exchange.RequestId, scopes, amount, bound.TotalTokens, exchange.StartedAt);
        if (verdict is null)
        {
            exchange.Holds = scopes;
            exchange.ReservedUsd = budgeted is null ? null : amount;
        }
        return verdict;
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

    private async Task ForwardAsync(Exchange exchange, ProviderConnection provider, HttpRequestMessage upstreamRequest, TimeSpan timeout)
    {
        var context = exchange.Context;
        var aborted = context.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(timeout);

        HttpResponseMessage response;
        try
        {
            response = await upstream.Invoker.SendAsync(upstreamRequest, deadline.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
            return;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await FailAsync(exchange, 504, "timeout_error", UsageOutcomes.ProviderTimeout,
                $"Provider '{provider.Slug}' did not answer within {timeout.TotalMilliseconds:F0} ms.");
            return;
        }
        catch (OperationCanceledException)
        {
            // The handler's own connect timeout: the provider was never reached.
            await FailAsync(exchange, 502, "api_error", UsageOutcomes.ProviderFailed,
                $"Could not reach provider '{provider.Slug}' (connection timed out).");
            return;
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, provider.Slug, e.HttpRequestError, (e.InnerException as SocketException)?.SocketErrorCode);
            await FailAsync(exchange, 502, "api_error", UsageOutcomes.ProviderFailed,
                $"Could not reach provider '{provider.Slug}' ({ProviderErrors.Describe(e)}).");
            return;
        }

        using (response)
        {
            if ((int)response.StatusCode >= 400)
            {
                await RelayErrorAsync(exchange, provider, response, deadline.Token);
                return;
            }
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } contentType)
            {
                context.Response.ContentType = contentType.ToString();
            }
            exchange.MarkFirstByte();
            if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                await RelayStreamAsync(exchange, response, timeout);
            }
            else
            {
                await RelayBodyAsync(exchange, response, deadline);
            }
        }
    }

    private async Task RelayStreamAsync(Exchange exchange, HttpResponseMessage response, TimeSpan idleTimeout)
    {
        var context = exchange.Context;
        context.Response.Headers.CacheControl = "no-cache";
        var meter = new UsageMeter { Capture = exchange.Capture };
        RelayOutcome outcome;
        var recorded = false;
        await using (var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted))
        {
            await context.Response.StartAsync(context.RequestAborted);
            outcome = await SseRelay.RelayAsync(stream, context.Response, meter, async _ =>
            {
                recorded = true;
                return await RecordAsync(exchange, exchange.ToRecord(200, UsageOutcomes.Completed, usage: meter));
            }, idleTimeout, context.RequestAborted);
        }
        if (recorded)
        {
            return;
        }
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

    private async Task RelayBodyAsync(Exchange exchange, HttpResponseMessage response, CancellationTokenSource deadline)
    {
        var context = exchange.Context;
        byte[] bytes;
        try
        {
            bytes = await UpstreamBodies.ReadAsync(response.Content, options.Value.MaxResponseBodyBytes, deadline.Token);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));
            return;
        }
        catch (OperationCanceledException)
        {
            await FailAsync(exchange, 504, "timeout_error", UsageOutcomes.ProviderTimeout, $"Provider '{exchange.Provider}' did not finish its answer in time.");
            return;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException)
        {
            await FailAsync(exchange, 502, "api_error", UsageOutcomes.ProviderFailed, $"Provider '{exchange.Provider}' sent an incomplete answer.");
            return;
        }

        var meter = new UsageMeter();
        if (exchange.Endpoint == "messages")
        {
            meter.ReadMessage(bytes);
        }
        exchange.Capture?.SetResponse(bytes);
        // Recorded before the client can see the body: an answered request always has its record.
        if (!await RecordAsync(exchange, exchange.ToRecord(context.Response.StatusCode, UsageOutcomes.Completed, usage: meter)))
        {
            await AnthropicErrors.WriteAsync(context, 503, "overloaded_error",
                "The gateway could not record this request's usage, so it withholds the answer; try again shortly.");
            return;
        }
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private async Task RelayErrorAsync(Exchange exchange, ProviderConnection provider, HttpResponseMessage response, CancellationToken cancellationToken)
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
        var (status, type, message) = ProviderErrors.Map(provider.Slug, (int)response.StatusCode, body);
        if (body is not null)
        {
            exchange.Capture?.SetResponse(body);
        }
        await RecordAsync(exchange, exchange.ToRecord(status, UsageOutcomes.ProviderError, type, message));
        ProviderErrors.CopyRetryHeaders(response, exchange.Context.Response);
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message);
    }

    private async Task RefuseAsync(Exchange exchange, int status, string type, string message)
    {
        await RecordAsync(exchange, exchange.ToRecord(status, UsageOutcomes.Refused, type, message));
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message);
    }

    private async Task FailAsync(Exchange exchange, int status, string type, string outcome, string message)
    {
        await RecordAsync(exchange, exchange.ToRecord(status, outcome, type, message));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{RequestId} refused: the usage ledger is unavailable")]
    private static partial void LogLedgerUnavailable(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Error} {SocketError}")]
    private static partial void LogUnreachable(ILogger logger, string provider, HttpRequestError error, SocketError? socketError);
}
