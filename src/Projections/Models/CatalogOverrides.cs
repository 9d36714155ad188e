using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>
/// What admins changed in the catalog: per model id, the fields set on a shipped model or the whole definition of a
/// model they added — as JSON in the admin API's shape, so the layer travels and is stored as one document.
/// </summary>
public sealed class CatalogOverrides
{
    private readonly ImmutableSortedDictionary<string, string> _byId;

    private CatalogOverrides(ImmutableSortedDictionary<string, string> byId) => _byId = byId;

    public static CatalogOverrides None { get; } = new(ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    public IEnumerable<string> Ids => _byId.Keys;

    public bool IsEmpty => _byId.IsEmpty;

    /// <summary>A copy of the fields set for <paramref name="id"/>, or null.</summary>
    public JsonObject? For(string id) => _byId.TryGetValue(id, out var json) ? JsonNode.Parse(json)!.AsObject() : null;

    public CatalogOverrides With(string id, JsonObject fields) => new(_byId.SetItem(id, fields.ToJsonString()));

    public CatalogOverrides Without(string id) => new(_byId.Remove(id));

    /// <summary><c>{"&lt;id&gt;": {fields…}, …}</c>.</summary>
    public string ToJson() => new JsonObject(_byId.Select(p => KeyValuePair.Create(p.Key, JsonNode.Parse(p.Value)))).ToJsonString();

    public static CatalogOverrides FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return None;
        }
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (id, fields) in JsonNode.Parse(json)?.AsObject() ?? [])
        {
            builder[id] = (fields as JsonObject ?? throw new InvalidDataException($"The catalog's override of '{id}' is not an object.")).ToJsonString();
        }
        return new CatalogOverrides(builder.ToImmutable());
    }
}
