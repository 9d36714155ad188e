using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>
/// The JSON shape of a model and its prices — the same in the shipped data files, the admin API and the catalog's
/// change events — read with every field checked (an admin's typo or a hostile byte must never reach an id, a
/// price or a stored event) and written back.
/// </summary>
public static class ModelJson
{
    public const int MaxNameLength = 128;
    public const int MaxBedrockIdLength = 256;
    public const int MaxDisplayNameLength = 128;
    public const int MaxAliases = 16;
    public const int MaxProviderPrices = 64;

    internal static readonly HashSet<string> ModelFields =
    [
        "id", "alias", "aliases", "display_name", "created_at", "bedrock_id", "bedrock_profile", "bedrock_profiles", "vertex_id",
        "context_window", "max_output_tokens", "prices", "provider_prices",
    ];

    /// <summary>Reads a whole model definition; <paramref name="source"/> and <paramref name="overridden"/> describe where it came from.</summary>
    public static ModelEntry ReadModel(JsonObject json, string source, ImmutableArray<string> overridden)
    {
        CatalogFields.RequireKnown(json, ModelFields, "");
        var id = RequireName(json, "id", MaxNameLength);
        var aliases = new List<string>();
        if (OptionalName(json, "alias", MaxNameLength) is { } alias)
        {
            aliases.Add(alias);
        }
        if (json["aliases"] is { } list)
        {
            if (list is not JsonArray array || array.Count > MaxAliases)
            {
                throw new CatalogException($"aliases: must be an array of at most {MaxAliases} names.");
            }
            foreach (var item in array)
            {
                aliases.Add(CatalogFields.Name(item, "aliases[]", MaxNameLength) ?? throw new CatalogException("aliases[]: must not be null."));
            }
        }
        var displayName = CatalogFields.Text(json["display_name"], "display_name", MaxDisplayNameLength)
            ?? throw new CatalogException("display_name: required.");
        var createdAt = json["created_at"] is { } created ? CatalogFields.Timestamp(created, "created_at") : DateTimeOffset.UnixEpoch;
        var bedrockId = OptionalName(json, "bedrock_id", MaxBedrockIdLength);
        if (bedrockId is not null && BedrockProfiles.Split(bedrockId) is { Prefix: not null })
        {
            throw new CatalogException("bedrock_id: the foundation-model id without an inference-profile prefix (bedrock_profile says which profile to call it through).");
        }
        var profile = CatalogFields.Text(json["bedrock_profile"], "bedrock_profile", 16) ?? BedrockProfiles.None;
        if (!BedrockProfiles.Rules.Contains(profile))
        {
            throw new CatalogException($"bedrock_profile: one of {string.Join(", ", BedrockProfiles.Rules)}.");
        }
        var prefixes = new List<string>();
        if (json["bedrock_profiles"] is { } profileList)
        {
            if (profileList is not JsonArray array)
            {
                throw new CatalogException("bedrock_profiles: must be an array of inference-profile prefixes.");
            }
            foreach (var item in array)
            {
                var prefix = CatalogFields.Text(item, "bedrock_profiles[]", 16);
                if (prefix is null || !BedrockProfiles.Prefixes.Contains(prefix))
                {
                    throw new CatalogException($"bedrock_profiles[]: one of {string.Join(", ", BedrockProfiles.Prefixes)}.");
                }
                prefixes.Add(prefix);
            }
        }
        var vertexId = OptionalName(json, "vertex_id", MaxNameLength);
        var prices = json["prices"] is { } priceJson ? ModelPriceJson.ReadPrice(priceJson, "prices") : null;
        var providerPrices = ImmutableSortedDictionary.CreateBuilder<string, ModelPrice>(StringComparer.Ordinal);
        if (json["provider_prices"] is { } byProvider)
        {
            if (byProvider is not JsonObject map || map.Count > MaxProviderPrices)
            {
                throw new CatalogException($"provider_prices: must be an object of at most {MaxProviderPrices} provider slugs.");
            }
            foreach (var (slug, price) in map)
            {
                if (!CatalogFields.SlugPattern().IsMatch(slug))
                {
                    throw new CatalogException("provider_prices: keys are provider slugs (1-64 characters of a-z, 0-9, '-' or '_').");
                }
                providerPrices[slug] = ModelPriceJson.ReadPrice(price ?? throw new CatalogException($"provider_prices.{slug}: must not be null."), $"provider_prices.{slug}");
            }
        }
        return new ModelEntry(id, [.. aliases.Distinct(StringComparer.Ordinal).Where(a => a != id)], displayName, createdAt,
            bedrockId, profile, [.. prefixes.Distinct(StringComparer.Ordinal)], vertexId,
            OptionalCount(json, "context_window"), OptionalCount(json, "max_output_tokens"),
            prices, providerPrices.ToImmutable(), source, overridden);
    }

    public static string FormatTimestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whether a string could name a model: printable ASCII from a small set, bounded.</summary>
    public static bool IsName(string value, int maxLength = MaxNameLength) => value.Length <= maxLength && CatalogFields.NamePattern().IsMatch(value);

    private static string RequireName(JsonObject json, string field, int maxLength) =>
        CatalogFields.Name(json[field], field, maxLength) ?? throw new CatalogException($"{field}: required.");

    private static string? OptionalName(JsonObject json, string field, int maxLength) => CatalogFields.Name(json[field], field, maxLength);

    private static long? OptionalCount(JsonObject json, string field) => CatalogFields.Count(json[field], field);
}
