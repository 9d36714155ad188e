using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Grains.Pricing;

/// <summary>
/// The versioned price table shipped with the gateway (<c>prices.json</c>, embedded). A model id matches an
/// entry by its exact name or its name followed by a <c>-YYYYMMDD</c> snapshot date, never by a looser prefix,
/// so a model the table does not know has no price rather than a wrong one.
/// </summary>
public sealed class PriceTable
{
    // Declared before Shipped: static fields initialise in order.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Prices are exact decimals in the file; a float would not be.
        NumberHandling = JsonNumberHandling.Strict,
    };

    private readonly FrozenDictionary<string, ModelPrice> _byName;

    private PriceTable(string version, FrozenDictionary<string, ModelPrice> byName)
    {
        Version = version;
        _byName = byName;
    }

    /// <summary>The table shipped in this build.</summary>
    public static PriceTable Shipped { get; } = LoadShipped();

    /// <summary>Recorded with every cost so history can be re-priced.</summary>
    public string Version { get; }

    public ModelPrice? Find(string model)
    {
        if (_byName.TryGetValue(model, out var price))
        {
            return price;
        }
        return SnapshotBase(model) is { } name && _byName.TryGetValue(name, out price) ? price : null;
    }

    /// <summary>Builds a table from <c>prices.json</c>-shaped JSON (also used for providers' own prices).</summary>
    public static PriceTable Parse(string json)
    {
        var file = JsonSerializer.Deserialize<PriceFile>(json, JsonOptions)
            ?? throw new InvalidDataException("The price table is empty.");
        var byName = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var entry in file.Models)
        {
            var price = new ModelPrice(entry.Input, entry.CacheWrite5m, entry.CacheWrite1h, entry.CacheRead, entry.Output);
            foreach (var name in entry.Names)
            {
                if (!byName.TryAdd(name, price))
                {
                    throw new InvalidDataException($"The price table names '{name}' twice.");
                }
            }
        }
        return new PriceTable(file.Version, byName.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary><c>claude-opus-4-5-20251101</c> → <c>claude-opus-4-5</c>; null when there is no date suffix.</summary>
    private static string? SnapshotBase(string model)
    {
        const int suffix = 9; // "-" + 8 digits
        if (model.Length <= suffix || model[^suffix] != '-')
        {
            return null;
        }
        foreach (var c in model.AsSpan(model.Length - 8))
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }
        return model[..^suffix];
    }

    private static PriceTable LoadShipped()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("Gateway.Grains.Pricing.prices.json")
            ?? throw new InvalidOperationException("prices.json is not embedded in Gateway.Grains.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private sealed record PriceFile(string Version, List<PriceEntry> Models);

    private sealed record PriceEntry(
        List<string> Names,
        decimal Input,
        [property: JsonPropertyName("cache_write_5m")] decimal CacheWrite5m,
        [property: JsonPropertyName("cache_write_1h")] decimal CacheWrite1h,
        decimal CacheRead,
        decimal Output);
}
