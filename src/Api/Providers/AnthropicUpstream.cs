using System.Net;
using Gateway.Grains.Providers;

namespace Gateway.Api.Providers;

/// <summary>
/// Builds the request to an Anthropic-direct provider: same path and query, the client's body bytes, the
/// client's <c>anthropic-*</c> headers exactly as sent (several values stay several), and the provider's
/// credential in place of the gateway key.
/// </summary>
public static class AnthropicUpstream
{
    public static HttpRequestMessage CreateRequest(ProviderConnection provider, HttpMethod method, string path, ForwardedRequest client, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, Address(provider, path + client.QueryString)) { Content = content, Version = HttpVersion.Version11 };
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
        Authenticate(request, provider);
        return request;
    }

    /// <summary>A path (and query) under the provider's base URL, which may itself have a path (a proxy).</summary>
    public static Uri Address(ProviderConnection provider, string pathAndQuery) => new(provider.BaseUrl.AbsoluteUri.TrimEnd('/') + pathAndQuery);

    /// <summary>The provider's credential, as Anthropic expects it.</summary>
    public static void Authenticate(HttpRequestMessage request, ProviderConnection provider) =>
        request.Headers.TryAddWithoutValidation("x-api-key", provider.Credentials["api_key"]);

    /// <summary>Client headers that reach the provider; everything else (gateway key, hop-by-hop, cookies, metadata) stays here.</summary>
    public static bool IsForwarded(string name) =>
        name.StartsWith("anthropic-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("x-stainless-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("accept", StringComparison.OrdinalIgnoreCase)
        || name.Equals("user-agent", StringComparison.OrdinalIgnoreCase);
}
