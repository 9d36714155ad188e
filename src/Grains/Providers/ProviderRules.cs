using System.Collections.Immutable;
using Gateway.Grains.Common;

namespace Gateway.Grains.Providers;

/// <summary>What a provider connection of each kind must hold.</summary>
public static class ProviderRules
{
    public const string AnthropicBaseUrl = "https://api.anthropic.com";

    /// <summary>Checks kind, URL and credential fields; returns the base URL to store.</summary>
    public static string Validate(string kind, string? baseUrl, ImmutableDictionary<string, string> credentials)
    {
        switch (kind)
        {
            case ProviderKinds.Anthropic:
                if (!credentials.TryGetValue("api_key", out var apiKey) || string.IsNullOrWhiteSpace(apiKey))
                {
                    throw AdminException.Invalid("credentials.api_key: required for an anthropic provider.");
                }
                var unknown = credentials.Keys.Where(k => k != "api_key").ToList();
                if (unknown.Count > 0)
                {
                    throw AdminException.Invalid($"credentials: unknown field(s) {string.Join(", ", unknown)} for an anthropic provider.");
                }
                return CheckUrl(baseUrl ?? AnthropicBaseUrl);
            case ProviderKinds.Bedrock or ProviderKinds.Vertex:
                throw AdminException.Invalid($"kind: '{kind}' providers are not supported by this gateway version yet.");
            default:
                throw AdminException.Invalid($"kind: must be one of anthropic, bedrock, vertex (got '{kind}').");
        }
    }

    private static string CheckUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw AdminException.Invalid($"base_url: must be an absolute http(s) URL without query (got '{url}').");
        }
        return uri.ToString().TrimEnd('/');
    }
}
