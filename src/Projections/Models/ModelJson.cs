using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Projections.Models;

/// <summary>
/// The JSON shape of a model and its prices — the same in the shipped data files, the admin API and the catalog's
/// change events — read with every field checked (an admin's typo or a hostile byte must never reach an id, a
/// price or a stored event) and written back.
/// </summary>
public static partial class ModelJson
{
    public const int MaxNameLength = 128;
    public const int MaxBedrockIdLength = 256;
    public const int MaxDisplayNameLength = 128;
    public const int MaxAliases = 16;
    public const int MaxTiers = 8;
    public const int MaxProviderPrices = 64;
    private const decimal MaxRate = 1_000_000m;

    // Costs are tokens × rate / 10⁶: six decimals here keep every cost, and any sum of them a report reads, within decimal's 28 digits.
    private const int MaxRateDecimals = 6;
    private const long MaxTokens = 100_000_000;

    internal static readonly HashSet<string> ModelFields =
    [
        "id", "alias", "aliases", "display_name", "created_at", "bedrock_id", "bedrock_profile", "bedrock_profiles", "vertex_id",
        "context_window", "max_output_tokens", "prices", "provider_prices",
    ];

    private static readonly HashSet<string> PriceFields = ["input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "tiers"];

    /// <summary>Reads a whole model definition; <paramref name="source"/> and <paramref name="overridden"/> describe where it came from.</summary>
    public static ModelEntry ReadModel(JsonObject json, string source, ImmutableArray<string> overridden)
    {
        RequireKnownFields(json, ModelFields, "");
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
                aliases.Add(Name(item, "aliases[]", MaxNameLength) ?? throw new CatalogException("aliases[]: must not be null."));
            }
        }
        var displayName = Text(json["display_name"], "display_name", MaxDisplayNameLength)
            ?? throw new CatalogException("display_name: required.");
        var createdAt = json["created_at"] is { } created ? Timestamp(created, "created_at") : DateTimeOffset.UnixEpoch;
        var bedrockId = OptionalName(json, "bedrock_id", MaxBedrockIdLength);
        if (bedrockId is not null && BedrockProfiles.Split(bedrockId) is { Prefix: not null })
        {
            throw new CatalogException("bedrock_id: the foundation-model id without an inference-profile prefix (bedrock_profile says which profile to call it through).");
        }
        var profile = Text(json["bedrock_profile"], "bedrock_profile", 16) ?? BedrockProfiles.None;
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
                var prefix = Text(item, "bedrock_profiles[]", 16);
                if (prefix is null || !BedrockProfiles.Prefixes.Contains(prefix))
                {
                    throw new CatalogException($"bedrock_profiles[]: one of {string.Join(", ", BedrockProfiles.Prefixes)}.");
                }
                prefixes.Add(prefix);
            }
        }
        var vertexId = OptionalName(json, "vertex_id", MaxNameLength);
        var prices = json["prices"] is { } priceJson ? ReadPrice(priceJson, "prices") : null;
        var providerPrices = ImmutableSortedDictionary.CreateBuilder<string, ModelPrice>(StringComparer.Ordinal);
        if (json["provider_prices"] is { } byProvider)
        {
            if (byProvider is not JsonObject map || map.Count > MaxProviderPrices)
            {
                throw new CatalogException($"provider_prices: must be an object of at most {MaxProviderPrices} provider slugs.");
            }
            foreach (var (slug, price) in map)
            {
                if (!SlugPattern().IsMatch(slug))
                {
                    throw new CatalogException("provider_prices: keys are provider slugs (1-64 characters of a-z, 0-9, '-' or '_').");
                }
                providerPrices[slug] = ReadPrice(price ?? throw new CatalogException($"provider_prices.{slug}: must not be null."), $"provider_prices.{slug}");
            }
        }
        return new ModelEntry(id, [.. aliases.Distinct(StringComparer.Ordinal).Where(a => a != id)], displayName, createdAt,
            bedrockId, profile, [.. prefixes.Distinct(StringComparer.Ordinal)], vertexId,
            OptionalCount(json, "context_window"), OptionalCount(json, "max_output_tokens"),
            prices, providerPrices.ToImmutable(), source, overridden);
    }

    /// <summary>
    /// Reads prices in USD per million tokens. <c>input</c> and <c>output</c> are required; cache classes left out
    /// take Anthropic's usual multiples of input (5-minute write 1.25×, 1-hour write 2×, read 0.1×).
    /// </summary>
    public static ModelPrice ReadPrice(JsonNode json, string field)
    {
        if (json is not JsonObject price)
        {
            throw new CatalogException($"{field}: must be an object of USD per million tokens.");
        }
        RequireKnownFields(price, PriceFields, field + ".");
        var rates = ReadRates(price, field);
        var tiers = ImmutableArray.CreateBuilder<PriceTier>();
        if (price["tiers"] is { } tierJson)
        {
            if (tierJson is not JsonArray array || array.Count > MaxTiers)
            {
                throw new CatalogException($"{field}.tiers: must be an array of at most {MaxTiers} tiers.");
            }
            long previous = 0;
            for (var i = 0; i < array.Count; i++)
            {
                var where = $"{field}.tiers[{i}]";
                if (array[i] is not JsonObject tier)
                {
                    throw new CatalogException($"{where}: must be an object.");
                }
                RequireKnownFields(tier, [.. PriceFields.Where(f => f != "tiers"), "above_input_tokens"], where + ".");
                var above = Count(tier["above_input_tokens"], $"{where}.above_input_tokens")
                    ?? throw new CatalogException($"{where}.above_input_tokens: required.");
                if (above <= previous)
                {
                    throw new CatalogException($"{where}.above_input_tokens: tiers must be in ascending order of their threshold.");
                }
                previous = above;
                tiers.Add(new PriceTier(above, ReadRates(tier, where)));
            }
        }
        return new ModelPrice(rates, tiers.ToImmutable());
    }

    private static TokenRates ReadRates(JsonObject json, string field)
    {
        var input = Rate(json["input"], $"{field}.input") ?? throw new CatalogException($"{field}.input: required.");
        var output = Rate(json["output"], $"{field}.output") ?? throw new CatalogException($"{field}.output: required.");
        return new TokenRates(
            input,
            Rate(json["cache_write_5m"], $"{field}.cache_write_5m") ?? input * 1.25m,
            Rate(json["cache_write_1h"], $"{field}.cache_write_1h") ?? input * 2m,
            Rate(json["cache_read"], $"{field}.cache_read") ?? input * 0.1m,
            output);
    }

    /// <summary>The model as the admin API shows it.</summary>
    public static JsonObject Write(ModelEntry model, string priceVersion) => new()
    {
        ["id"] = model.Id,
        ["aliases"] = new JsonArray([.. model.Aliases.Select(a => (JsonNode)a)]),
        ["display_name"] = model.DisplayName,
        ["created_at"] = FormatTimestamp(model.CreatedAt),
        ["bedrock_id"] = model.BedrockId,
        ["bedrock_profile"] = model.BedrockProfile,
        ["bedrock_profiles"] = new JsonArray([.. model.BedrockPrefixes.Select(p => (JsonNode)p)]),
        ["vertex_id"] = model.VertexId,
        ["context_window"] = model.ContextWindow,
        ["max_output_tokens"] = model.MaxOutputTokens,
        ["prices"] = model.Price is null ? null : WritePrice(model.Price),
        ["provider_prices"] = new JsonObject(model.ProviderPrices.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)WritePrice(p.Value)))),
        ["price_version"] = model.Price is null && model.ProviderPrices.IsEmpty ? null : priceVersion,
        ["source"] = model.Source,
        ["overridden"] = new JsonArray([.. model.Overridden.Select(f => (JsonNode)f)]),
    };

    public static JsonObject WritePrice(ModelPrice price)
    {
        var json = WriteRates(price.Base);
        if (!price.Tiers.IsEmpty)
        {
            json["tiers"] = new JsonArray([.. price.Tiers.Select(t =>
            {
                var tier = new JsonObject { ["above_input_tokens"] = t.AboveInputTokens };
                foreach (var (name, value) in WriteRates(t.Rates))
                {
                    tier[name] = value?.DeepClone();
                }
                return (JsonNode)tier;
            })]);
        }
        return json;
    }

    private static JsonObject WriteRates(TokenRates rates) => new()
    {
        ["input"] = rates.Input,
        ["cache_write_5m"] = rates.CacheWrite5m,
        ["cache_write_1h"] = rates.CacheWrite1h,
        ["cache_read"] = rates.CacheRead,
        ["output"] = rates.Output,
    };

    public static string FormatTimestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whether a string could name a model: printable ASCII from a small set, bounded.</summary>
    public static bool IsName(string value, int maxLength = MaxNameLength) => value.Length <= maxLength && NamePattern().IsMatch(value);

    internal static void RequireKnownFields(JsonObject json, IReadOnlyCollection<string> known, string prefix)
    {
        foreach (var (name, _) in json)
        {
            if (!known.Contains(name))
            {
                throw new CatalogException($"{prefix}{Printable(name)}: unknown field.");
            }
        }
    }

    private static string RequireName(JsonObject json, string field, int maxLength) =>
        Name(json[field], field, maxLength) ?? throw new CatalogException($"{field}: required.");

    private static string? OptionalName(JsonObject json, string field, int maxLength) => Name(json[field], field, maxLength);

    private static string? Name(JsonNode? node, string field, int maxLength)
    {
        var value = Text(node, field, maxLength);
        if (value is not null && !NamePattern().IsMatch(value))
        {
            throw new CatalogException($"{field}: letters, digits and . _ - : @ / only, starting with a letter or digit, at most {maxLength} characters.");
        }
        return value;
    }

    private static string? Text(JsonNode? node, string field, int maxLength)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw new CatalogException($"{field}: must be a string.");
        }
        string text;
        try
        {
            text = value.GetValue<string>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new CatalogException($"{field}: not valid text.");
        }
        if (text.Length == 0 || text.Length > maxLength)
        {
            throw new CatalogException($"{field}: 1 to {maxLength} characters.");
        }
        for (var i = 0; i < text.Length; i++)
        {
            // Control characters break log lines and NUL breaks PostgreSQL's jsonb; a lone surrogate breaks UTF-8.
            var c = text[i];
            var paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (char.IsControl(c) || char.IsSurrogate(c) && !paired)
            {
                throw new CatalogException($"{field}: control characters and unpaired surrogates are not allowed.");
            }
            if (paired)
            {
                i++;
            }
        }
        return text;
    }

    private static DateTimeOffset Timestamp(JsonNode node, string field)
    {
        var text = Text(node, field, 40)!;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
               && at.Year is >= 2000 and <= 9999
            ? at
            : throw new CatalogException($"{field}: an ISO 8601 date and time (2026-09-22T00:00:00Z).");
    }

    private static long? OptionalCount(JsonObject json, string field) => Count(json[field], field);

    private static long? Count(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var count) && count is > 0 and <= MaxTokens)
        {
            return count;
        }
        throw new CatalogException($"{field}: a whole number of tokens from 1 to {MaxTokens}.");
    }

    private static decimal? Rate(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<decimal>(out var rate) && rate is >= 0 and <= MaxRate
            && decimal.Round(rate, MaxRateDecimals) == rate)
        {
            return rate;
        }
        throw new CatalogException($"{field}: a number of USD per million tokens from 0 to {MaxRate}, with at most {MaxRateDecimals} decimal places.");
    }

    private static string Printable(string name) => name.Length <= 40 && NamePattern().IsMatch(name) ? name : "(a field)";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:@/-]*\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z")]
    private static partial Regex SlugPattern();
}
