using System.Net.Sockets;
using Gateway.Api.Errors;

namespace Gateway.Api.Providers;

/// <summary>How a provider's failure reaches the client (SPEC: the provider's status and type, mapped).</summary>
public static class ProviderErrors
{
    /// <summary>Response headers a client's retry logic reads; relayed with a provider's error.</summary>
    private static readonly string[] RetryHeaders = ["retry-after", "retry-after-ms", "x-should-retry"];

    /// <summary>The status, type and message for a provider's error answer.</summary>
    public static (int Status, string Type, string Message) Map(string provider, int status, byte[]? body)
    {
        if (status == 401)
        {
            // The provider refused the gateway's credential, not the client's key: the client cannot fix it.
            return (502, "api_error", $"Provider '{provider}' rejected the gateway's credential.");
        }
        var error = body is null ? default : AnthropicErrorBody.Read(body);
        return (status, error.Type ?? AnthropicErrors.TypeFor(status), error.Message ?? $"Provider '{provider}' answered with status {status}.");
    }

    /// <summary>The retry headers a provider's error answer carries, to relay with the error the client finally gets.</summary>
    public static IReadOnlyList<(string Name, string[] Values)> RetryHeadersOf(HttpResponseMessage response)
    {
        var found = new List<(string, string[])>();
        foreach (var name in RetryHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                found.Add((name, values.ToArray()));
            }
        }
        return found;
    }

    /// <summary>Why a provider could not be reached, in words a client can act on.</summary>
    public static string Describe(HttpRequestException e) => e.HttpRequestError switch
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
}
