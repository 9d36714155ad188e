using System.Net.Sockets;
using Gateway.Api.Providers;
using Gateway.Api.Providers.Vertex;
using Gateway.Api.Routing;
using Gateway.Api.Telemetry;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Sends one try to one provider and sorts out what came back: an error answer or a transport failure becomes an
/// <see cref="AttemptFailure"/> the route can act on; a good answer goes to the <see cref="AnswerRelay"/>.
/// </summary>
public sealed partial class ProviderSender(ProviderProtocols protocols, UpstreamHttp upstream, AnswerRelay relay, ExchangeRecorder recorder,
    TimeProvider clock, ILogger<ProviderSender> logger)
{
    /// <summary>The most of a provider's error body that is read (for its error message and the request log).</summary>
    private const int MaxErrorBodyBytes = 1024 * 1024;

    /// <summary>Sends <paramref name="call"/> within <paramref name="timeout"/>; null when the client got an answer (or left).</summary>
    internal async Task<AttemptFailure?> SendAsync(Exchange exchange, ProviderCall call, TimeSpan timeout)
    {
        var provider = call.Provider;
        var aborted = exchange.Context.RequestAborted;
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
            await recorder.ClientLeftAsync(exchange);
            return null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return AttemptFailure.TransportFault(504, UsageOutcomes.ProviderTimeout,
                $"Provider '{provider.Slug}' did not answer within {timeout.TotalMilliseconds:F0} ms.");
        }
        catch (OperationCanceledException)
        {
            // The handler's own connect timeout: the provider was never reached.
            return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Could not reach provider '{provider.Slug}' (connection timed out).");
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, provider.Slug, e.HttpRequestError, (e.InnerException as SocketException)?.SocketErrorCode);
            return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Could not reach provider '{provider.Slug}' ({ProviderErrors.Describe(e)}).");
        }
        catch (VertexCredentialException e)
        {
            LogNoToken(logger, provider.Slug, e.Message);
            return AttemptFailure.TransportFault(502, UsageOutcomes.ProviderFailed, $"Provider '{provider.Slug}': the gateway could not obtain an access token.");
        }

        using (response)
        {
            if ((int)response.StatusCode >= 400)
            {
                return await ErrorAnswerAsync(protocol, provider.Slug, response, deadline.Token);
            }
            using var relaying = RequestSpans.StartStep(RequestSpans.Relay);
            if (exchange.Stream && call.Endpoint == UsageEndpoints.Messages)
            {
                return await relay.StreamAsync(exchange, protocol, provider.Slug, response, timeout, deadline.Token);
            }
            return await relay.RelayBodyAsync(exchange, protocol, call, response, deadline);
        }
    }

    private async Task<AttemptFailure> ErrorAnswerAsync(IProviderProtocol protocol, string provider, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[]? body = null;
        try
        {
            body = await UpstreamBodies.ReadAsync(response.Content, MaxErrorBodyBytes, cancellationToken);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
        {
            // The status alone still says what happened.
        }
        return AttemptFailure.Answered(protocol.MapError(provider, response, body), (int)response.StatusCode,
            RetryAfterHeader.Read(response.Headers, clock.GetUtcNow()), ProviderErrors.RetryHeadersOf(response), body);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Error} {SocketError}")]
    private static partial void LogUnreachable(ILogger logger, string provider, HttpRequestError error, SocketError? socketError);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider}: no access token ({Problem})")]
    private static partial void LogNoToken(ILogger logger, string provider, string problem);
}
