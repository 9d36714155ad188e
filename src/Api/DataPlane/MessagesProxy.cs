using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net.Sockets;
using Gateway.Api.Errors;
using Gateway.Api.Usage;
using Gateway.Grains;
using Gateway.Grains.Keys;
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
    IUsageSink usage,
    IOptions<DataPlaneOptions> options,
    ILogger<MessagesProxy> logger)
{
    private const string MessagesPath = "/v1/messages";
    private const string CountTokensPath = "/v1/messages/count_tokens";

    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.Messages, MessagesPath);

    public Task HandleCountTokensAsync(HttpContext context) => HandleAsync(context, MessagesRequest.Shape.CountTokens, CountTokensPath);

    private async Task HandleAsync(HttpContext context, MessagesRequest.Shape shape, string path)
    {
        var exchange = new Exchange(context, shape == MessagesRequest.Shape.Messages ? "messages" : "count_tokens");
        var aborted = context.RequestAborted;

        if (!GatewayKeys.TryRead(context.Request, out var presented, out var keyId, out var keyProblem))
        {
            await RefuseAsync(exchange, 401, "authentication_error", keyProblem);
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, aborted);
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

        var admission = await grains.ApiKey(keyId).AdmitAsync(ApiKeySecret.Hash(presented), request.Model);
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

        HttpContent content = target.OverrideModel is { } overridden && overridden != request.Model
            ? new ByteArrayContent(request.WithModel(body.Span, overridden))
            : new ReadOnlyMemoryContent(body.Memory);
        using var upstreamRequest = AnthropicUpstream.CreateRequest(provider, HttpMethod.Post, path, context.Request, content);
        await ForwardAsync(exchange, provider, upstreamRequest, TimeSpan.FromMilliseconds(admitted.Route.RequestTimeoutMs));
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
            await RecordAsync(exchange with { Outcome = UsageOutcomes.ClientDisconnected, Status = 499 });
            return;
        }
        catch (OperationCanceledException)
        {
            await FailAsync(exchange, 504, "timeout_error", UsageOutcomes.ProviderTimeout,
                $"Provider '{provider.Slug}' did not answer within {timeout.TotalMilliseconds:F0} ms.");
            return;
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, provider.Slug, e.HttpRequestError, (e.InnerException as SocketException)?.SocketErrorCode);
            await FailAsync(exchange, 502, "api_error", UsageOutcomes.ProviderFailed,
                $"Could not reach provider '{provider.Slug}' ({Describe(e)}).");
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status >= 400)
            {
                await RelayErrorAsync(exchange, provider, response, deadline.Token);
                return;
            }

            var isEventStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            context.Response.StatusCode = status;
            if (response.Content.Headers.ContentType is { } contentType)
            {
                context.Response.ContentType = contentType.ToString();
            }
            exchange.FirstByteAt = Stopwatch.GetTimestamp();

            if (isEventStream)
            {
                await RelayStreamAsync(exchange, response, timeout);
            }
            else
            {
                await RelayBodyAsync(exchange, response, deadline.Token);
            }
        }
    }

    private async Task RelayStreamAsync(Exchange exchange, HttpResponseMessage response, TimeSpan idleTimeout)
    {
        var context = exchange.Context;
        context.Response.Headers.CacheControl = "no-cache";
        var meter = new UsageMeter();
        RelayOutcome outcome;
        var recorded = false;
        await using (var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted))
        {
            await context.Response.StartAsync(context.RequestAborted);
            outcome = await SseRelay.RelayAsync(stream, context.Response, meter, async ct =>
            {
                recorded = true;
                await RecordAsync(exchange.WithUsage(meter) with { Status = 200, Outcome = UsageOutcomes.Completed });
            }, idleTimeout, context.RequestAborted);
        }

        if (recorded)
        {
            return;
        }
        var record = exchange.WithUsage(meter) with
        {
            Status = 200,
            Outcome = outcome switch
            {
                RelayOutcome.ClientDisconnected => UsageOutcomes.ClientDisconnected,
                RelayOutcome.ProviderFailed => UsageOutcomes.ProviderFailed,
                RelayOutcome.ProviderTimedOut => UsageOutcomes.ProviderTimeout,
                _ when meter.ErrorType is not null => UsageOutcomes.ProviderError,
                _ => UsageOutcomes.Completed,
            },
        };
        await RecordAsync(record);
    }

    private async Task RelayBodyAsync(Exchange exchange, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var context = exchange.Context;
        byte[] bytes;
        try
        {
            bytes = await ReadLimitedAsync(response.Content, options.Value.MaxResponseBodyBytes, cancellationToken);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await RecordAsync(exchange with { Outcome = UsageOutcomes.ClientDisconnected, Status = 499 });
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
        // Recorded before the client can see the body: an answered request always has its record.
        await RecordAsync(exchange.WithUsage(meter) with { Status = context.Response.StatusCode, Outcome = UsageOutcomes.Completed });
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private async Task RelayErrorAsync(Exchange exchange, ProviderConnection provider, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var meter = new UsageMeter();
        try
        {
            meter.ReadErrorBody(await ReadLimitedAsync(response.Content, 1024 * 1024, cancellationToken));
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
        {
            // The status alone still says what happened.
        }

        string type;
        string message;
        if (status == 401)
        {
            // The provider refused the gateway's credential, not the client's key: the client cannot fix it.
            status = 502;
            type = "api_error";
            message = $"Provider '{provider.Slug}' rejected the gateway's credential.";
        }
        else
        {
            type = meter.ErrorType ?? AnthropicErrors.TypeFor(status);
            message = meter.ErrorMessage ?? $"Provider '{provider.Slug}' answered with status {status}.";
        }
        var retryAfter = response.Headers.RetryAfter?.ToString();
        await RecordAsync(exchange with { Status = status, Outcome = UsageOutcomes.ProviderError, ErrorType = type, ErrorMessage = message });
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message, retryAfter);
    }

    private async Task RefuseAsync(Exchange exchange, int status, string type, string message)
    {
        await RecordAsync(exchange with { Status = status, Outcome = UsageOutcomes.Refused, ErrorType = type, ErrorMessage = message });
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message);
    }

    private async Task FailAsync(Exchange exchange, int status, string type, string outcome, string message)
    {
        await RecordAsync(exchange with { Status = status, Outcome = outcome, ErrorType = type, ErrorMessage = message });
        await AnthropicErrors.WriteAsync(exchange.Context, status, type, message);
    }

    private ValueTask RecordAsync(Exchange exchange) => usage.RecordAsync(exchange.ToRecord(), CancellationToken.None);

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > limit)
        {
            throw new InvalidDataException($"The provider's answer is larger than {limit} bytes.");
        }
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (declared is { } length)
        {
            var exact = new byte[length];
            await stream.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new InvalidDataException($"The provider's answer is larger than {limit} bytes.");
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private static string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => (e.InnerException as SocketException)?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.TryAgain => "host not found",
            SocketError.TimedOut => "connection timed out",
            _ => "connection failed",
        },
        HttpRequestError.NameResolutionError => "host not found",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        _ => "request failed",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Error} {SocketError}")]
    private static partial void LogUnreachable(ILogger logger, string provider, HttpRequestError error, SocketError? socketError);

    /// <summary>What is known of one request so far; becomes its <see cref="UsageRecord"/>.</summary>
    private sealed record Exchange(HttpContext Context, string Endpoint)
    {
        public long StartedTimestamp { get; } = Stopwatch.GetTimestamp();
        public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
        public string? KeyId { get; set; }
        public string? Workspace { get; set; }
        public string? Provider { get; set; }
        public string? Model { get; set; }
        public bool Stream { get; set; }
        public ImmutableDictionary<string, string> Metadata { get; set; } = ImmutableDictionary<string, string>.Empty;
        public long? FirstByteAt { get; set; }
        public int Status { get; init; }
        public string Outcome { get; init; } = UsageOutcomes.Completed;
        public string? ErrorType { get; init; }
        public string? ErrorMessage { get; init; }
        private UsageMeter? Meter { get; init; }

        public Exchange WithUsage(UsageMeter meter) => this with
        {
            Meter = meter,
            ErrorType = meter.ErrorType ?? ErrorType,
            ErrorMessage = meter.ErrorMessage ?? ErrorMessage,
        };

        public UsageRecord ToRecord() => new()
        {
            RequestId = RequestIds.Get(Context) ?? "",
            StartedAt = StartedAt,
            Endpoint = Endpoint,
            KeyId = KeyId,
            Workspace = Workspace,
            Provider = Provider,
            Model = Model,
            Stream = Stream,
            Status = Status,
            Outcome = Outcome,
            ErrorType = ErrorType,
            ErrorMessage = ErrorMessage,
            InputTokens = Meter?.InputTokens ?? 0,
            OutputTokens = Meter?.OutputTokens ?? 0,
            CacheCreationInputTokens = Meter?.CacheCreationInputTokens ?? 0,
            CacheCreation5mInputTokens = Meter?.CacheCreation5mInputTokens,
            CacheCreation1hInputTokens = Meter?.CacheCreation1hInputTokens,
            CacheReadInputTokens = Meter?.CacheReadInputTokens ?? 0,
            StopReason = Meter?.StopReason,
            LatencyMs = Stopwatch.GetElapsedTime(StartedTimestamp).TotalMilliseconds,
            TimeToFirstByteMs = FirstByteAt is { } first ? Stopwatch.GetElapsedTime(StartedTimestamp, first).TotalMilliseconds : null,
            Metadata = Metadata,
        };
    }
}
