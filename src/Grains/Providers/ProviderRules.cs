using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains.Common;

namespace Gateway.Grains.Providers;

/// <summary>What a provider connection of each kind must hold, and where each kind is reached by default.</summary>
public static class ProviderRules
{
    public const string AnthropicBaseUrl = "https://api.anthropic.com";

    /// <summary>Checks kind, URLs, region/project and credential fields; returns the base URL to store.</summary>
    public static string Validate(string kind, string? baseUrl, ImmutableDictionary<string, string> credentials,
        string? region = null, string? project = null, string? tokenUrl = null, ImmutableDictionary<string, string>? modelIds = null)
    {
        if (modelIds is not null && modelIds.Any(m => string.IsNullOrWhiteSpace(m.Key) || string.IsNullOrWhiteSpace(m.Value)))
        {
            throw AdminException.Invalid("model_ids: maps model ids (or aliases) to the provider's model ids; neither may be empty.");
        }
        if (tokenUrl is not null && kind != ProviderKinds.Vertex)
        {
            throw AdminException.Invalid("token_url: only a vertex provider has a token endpoint.");
        }
        switch (kind)
        {
            case ProviderKinds.Anthropic:
                RequireOnly(kind, credentials, ["api_key"], ["api_key"]);
                return CheckUrl(baseUrl ?? AnthropicBaseUrl, "base_url");
            case ProviderKinds.Bedrock:
                if (credentials.ContainsKey("api_key"))
                {
                    RequireOnly(kind, credentials, ["api_key"], ["api_key"]);
                }
                else
                {
                    RequireOnly(kind, credentials, ["access_key_id", "secret_access_key"], ["access_key_id", "secret_access_key", "session_token"]);
                }
                // The region is part of every SigV4 signature, even behind a base_url.
                var bedrockRegion = RequireRegion(kind, region);
                return CheckUrl(baseUrl ?? $"https://bedrock-runtime.{bedrockRegion}.amazonaws.com", "base_url");
            case ProviderKinds.Vertex:
                RequireOnly(kind, credentials, ["service_account_json"], ["service_account_json"]);
                CheckServiceAccount(credentials["service_account_json"]);
                var vertexRegion = RequireRegion(kind, region);
                if (string.IsNullOrWhiteSpace(project))
                {
                    throw AdminException.Invalid("project: required for a vertex provider (or a project_id in the service account JSON).");
                }
                if (tokenUrl is not null)
                {
                    CheckUrl(tokenUrl, "token_url", allowPath: true);
                }
                return CheckUrl(baseUrl ?? (vertexRegion == "global" ? "https://aiplatform.googleapis.com" : $"https://{vertexRegion}-aiplatform.googleapis.com"), "base_url");
            default:
                throw AdminException.Invalid($"kind: must be one of anthropic, bedrock, vertex (got '{kind}').");
        }
    }

    /// <summary>A vertex connection without <c>project</c> takes the service account's own project.</summary>
    public static string? DefaultProject(string kind, ImmutableDictionary<string, string> credentials)
    {
        if (kind != ProviderKinds.Vertex || !credentials.TryGetValue("service_account_json", out var json))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("project_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void RequireOnly(string kind, ImmutableDictionary<string, string> credentials, string[] required, string[] allowed)
    {
        foreach (var field in required)
        {
            if (!credentials.TryGetValue(field, out var value) || string.IsNullOrWhiteSpace(value))
            {
                throw AdminException.Invalid($"credentials.{field}: required for a {kind} provider.");
            }
        }
        var unknown = credentials.Keys.Where(k => !allowed.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw AdminException.Invalid($"credentials: unknown field(s) {string.Join(", ", unknown)} for a {kind} provider (expected {string.Join(", ", allowed)}).");
        }
    }

    private static string RequireRegion(string kind, string? region)
    {
        if (string.IsNullOrWhiteSpace(region) || !region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw AdminException.Invalid($"region: required for a {kind} provider, e.g. \"{(kind == ProviderKinds.Bedrock ? "us-east-1" : "us-east5")}\".");
        }
        return region;
    }

    private static void CheckServiceAccount(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            foreach (var field in new[] { "client_email", "private_key" })
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(field, out var value)
                    || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    throw AdminException.Invalid($"credentials.service_account_json: has no {field}.");
                }
            }
        }
        catch (JsonException)
        {
            throw AdminException.Invalid("credentials.service_account_json: not valid JSON (paste the key file's contents as a string).");
        }
    }

    private static string CheckUrl(string url, string field, bool allowPath = false)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw AdminException.Invalid($"{field}: must be an absolute http(s) URL without query (got '{url}').");
        }
        return allowPath ? uri.ToString() : uri.ToString().TrimEnd('/');
    }
}
