using System.Net;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Builds the request to an Anthropic-direct provider: same path and query, the client's body bytes, the
/// client's <c>anthropic-*</c> headers exactly as sent (several values stay several), and the provider's
/// credential in place of the gateway key.
/// </summary>
public static class AnthropicUpstream
{
    public static HttpRequestMessage CreateRequest(ProviderConnection provider, HttpMethod method, string path, HttpRequest client, HttpContent? content)
    {
        var uri = new Uri(provider.BaseUrl.AbsoluteUri.TrimEnd('/') + path + client.QueryString.Value);
        var request = new HttpRequestMessage(method, uri) { Content = content, Version = HttpVersion.Version11 };
        foreach (var (name, values) in client.Headers)
        {
            if (IsForwarded(name))
            {
                if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase))
                {
                    content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }
        }
        request.Headers.TryAddWithoutValidation("x-api-key", provider.Credentials["api_key"]);
        return request;
    }

    /// <summary>Client headers that reach the provider; everything else (gateway key, hop-by-hop, cookies, metadata) stays here.</summary>
    public static bool IsForwarded(string name) =>
        name.StartsWith("anthropic-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("x-stainless-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("accept", StringComparison.OrdinalIgnoreCase)
        || name.Equals("user-agent", StringComparison.OrdinalIgnoreCase);
}
