using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Grains.Providers;
using Gateway.Projections.Models;

namespace Gateway.Api.Providers;

/// <summary>
/// The models each provider connection serves: its configured <c>models</c> list, or else (Anthropic) the
/// provider's own <c>/v1/models</c>, fetched with the provider credential and kept for a few minutes, or
/// (Bedrock, Vertex) the Claude models the gateway's catalog maps for that kind. Models the catalog knows carry its
/// names, dates, context window and largest output.
/// </summary>
public sealed class ProviderModelLists(UpstreamHttp upstream, TimeProvider clock)
{
    private const string CatalogApiVersion = "2023-06-01";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const int MaxPages = 100;
    private readonly ConcurrentDictionary<(string Slug, long Version), (IReadOnlyList<JsonObject> Models, DateTimeOffset Until)> _cache = new();

    /// <summary>The provider's models, newest first as the provider orders them.</summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(ModelCatalog models, ProviderConnection provider, CancellationToken cancellationToken)
    {
        if (provider.Kind != ProviderKinds.Anthropic)
        {
            // Bedrock and Vertex list every foundation model of every vendor; the gateway's catalog says which Claude models map.
            return ProviderModels.Describe(models, provider);
        }
        if (provider.Models is { Length: > 0 } configured)
        {
            return [.. configured.Select(id => models.Find(id) is { } known ? ProviderModels.Describe(known.Model) : Describe(id))];
        }
        return [.. (await FetchAllAsync(provider, cancellationToken)).Select(m => WithSizes(models, m))];
    }

    /// <summary>The provider's entry, with the catalog's context window and largest output where it gives none.</summary>
    private static JsonObject WithSizes(ModelCatalog models, JsonObject listed)
    {
        if (listed.ContainsKey("max_input_tokens") || listed["id"] is not JsonValue id || !id.TryGetValue<string>(out var name)
            || models.Find(name) is not { } known)
        {
            return listed;
        }
        var enriched = (JsonObject)listed.DeepClone();
        foreach (var (field, value) in ProviderModels.Describe(known.Model).Where(f => f.Key is "max_input_tokens" or "max_tokens"))
        {
            enriched[field] = value?.DeepClone();
        }
        return enriched;
    }

    private async Task<IReadOnlyList<JsonObject>> FetchAllAsync(ProviderConnection provider, CancellationToken cancellationToken)
    {
        var key = (provider.Slug, provider.Version);
        if (_cache.TryGetValue(key, out var cached) && cached.Until > clock.GetUtcNow())
        {
            return cached.Models;
        }

        var models = new List<JsonObject>();
        string? after = null;
        for (var pages = 0; pages < MaxPages; pages++)
        {
            var page = await FetchAsync(provider, "/v1/models?limit=1000" + (after is null ? "" : "&after_id=" + Uri.EscapeDataString(after)), cancellationToken);
            if (page["data"] is not JsonArray data)
            {
                throw new JsonException("a model list without data");
            }
            models.AddRange(data.OfType<JsonObject>());
            var next = page["has_more"] is JsonValue more && more.TryGetValue<bool>(out var hasMore) && hasMore
                && page["last_id"] is JsonValue last && last.TryGetValue<string>(out var lastId) ? lastId : null;
            if (next is null || next == after)
            {
                break;
            }
            after = next;
        }

        _cache[key] = (models, clock.GetUtcNow() + Lifetime);
        return models;
    }

    private async Task<JsonObject> FetchAsync(ProviderConnection provider, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AnthropicUpstream.Address(provider, pathAndQuery));
        AnthropicUpstream.Authenticate(request, provider);
        request.Headers.TryAddWithoutValidation("anthropic-version", CatalogApiVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await upstream.Invoker.SendAsync(request, cancellationToken);
        var body = await UpstreamBodies.ReadAsync(response.Content, 16 * 1024 * 1024, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProviderCatalogException(provider.Slug, (int)response.StatusCode, body);
        }
        return JsonNode.Parse(body) as JsonObject ?? throw new JsonException("a model list that is not an object");
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
