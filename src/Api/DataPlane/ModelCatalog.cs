using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Grains.Providers;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The models each provider connection serves: its configured <c>models</c> list, or else the provider's own
/// <c>/v1/models</c>, fetched with the provider credential and kept for a few minutes.
/// </summary>
public sealed class ModelCatalog(UpstreamHttp upstream, TimeProvider clock)
{
    private const string CatalogApiVersion = "2023-06-01";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<(string Slug, long Version), (IReadOnlyList<JsonObject> Models, DateTimeOffset Until)> _cache = new();

    /// <summary>The provider's models, newest first as the provider orders them.</summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(ProviderConnection provider, CancellationToken cancellationToken)
    {
        if (provider.Models is { Length: > 0 } configured)
        {
            return [.. configured.Select(Describe)];
        }
        var key = (provider.Slug, provider.Version);
        if (_cache.TryGetValue(key, out var cached) && cached.Until > clock.GetUtcNow())
        {
            return cached.Models;
        }

        var models = new List<JsonObject>();
        string? after = null;
        do
        {
            var page = await FetchAsync(provider, "/v1/models?limit=1000" + (after is null ? "" : "&after_id=" + Uri.EscapeDataString(after)), cancellationToken);
            models.AddRange(page["data"]!.AsArray().Select(m => m!.AsObject()));
            after = page["has_more"]?.GetValue<bool>() == true ? page["last_id"]?.GetValue<string>() : null;
        }
        while (after is not null);

        _cache[key] = (models, clock.GetUtcNow() + Lifetime);
        return models;
    }

    private async Task<JsonObject> FetchAsync(ProviderConnection provider, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, provider.BaseUrl.AbsoluteUri.TrimEnd('/') + pathAndQuery);
        request.Headers.TryAddWithoutValidation("x-api-key", provider.Credentials["api_key"]);
        request.Headers.TryAddWithoutValidation("anthropic-version", CatalogApiVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await upstream.Invoker.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProviderCatalogException(provider.Slug, (int)response.StatusCode, body);
        }
        return JsonNode.Parse(body)?.AsObject() ?? throw new JsonException("empty model list");
    }

    private static JsonObject Describe(string id) => new()
    {
        ["type"] = "model",
        ["id"] = id,
        ["display_name"] = id,
        ["created_at"] = "1970-01-01T00:00:00Z",
    };
}

/// <summary>A provider refused or failed the model-list call.</summary>
public sealed class ProviderCatalogException(string provider, int status, byte[] body)
    : Exception($"Provider '{provider}' answered {status} to its model list.")
{
    public string Provider { get; } = provider;
    public int Status { get; } = status;
    public byte[] Body { get; } = body;
}
