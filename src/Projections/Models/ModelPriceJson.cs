using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>
/// The JSON shape of a model's price: USD per million tokens for each token class, with optional tiers that apply
/// above an input size — read with every rate checked and written back.
/// </summary>
public static class ModelPriceJson
{
    public const int MaxTiers = 8;
    private const decimal MaxRate = 1_000_000m;

    // Costs are tokens × rate / 10⁶: six decimals here keep every cost, and any sum of them a report reads, within decimal's 28 digits.
    private const int MaxRateDecimals = 6;

    private static readonly HashSet<string> PriceFields = ["input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "tiers"];

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
        CatalogFields.RequireKnown(price, PriceFields, field + ".");
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
                CatalogFields.RequireKnown(tier, [.. PriceFields.Where(f => f != "tiers"), "above_input_tokens"], where + ".");
                var above = CatalogFields.Count(tier["above_input_tokens"], $"{where}.above_input_tokens")
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
}
