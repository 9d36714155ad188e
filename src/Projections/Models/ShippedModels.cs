using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>
/// The catalog and price table shipped in this build (<c>models.json</c> and <c>prices.json</c>, embedded): each
/// model's definition with its price, as the JSON an admin's override is laid over.
/// </summary>
public sealed class ShippedModels
{
    private ShippedModels(string catalogVersion, string priceVersion, ImmutableArray<(string Id, JsonObject Definition)> models,
        ServerToolPrices serverTools)
    {
        ServerTools = serverTools;
        CatalogVersion = catalogVersion;
        PriceVersion = priceVersion;
        Models = models;
    }

    public static ShippedModels Current { get; } = Load(ReadFile("models.json"), ReadFile("prices.json"));

    /// <summary>The version of <c>models.json</c>.</summary>
    public string CatalogVersion { get; }

    /// <summary>The version of <c>prices.json</c>: the price version of every cost no admin price touched.</summary>
    public string PriceVersion { get; }

    /// <summary>The server tools' fees under <see cref="PriceVersion"/>.</summary>
    public ServerToolPrices ServerTools { get; }

    /// <summary>Each model's definition, its price under <c>prices</c>, in file order.</summary>
    public ImmutableArray<(string Id, JsonObject Definition)> Models { get; }

    /// <summary>
    /// Joins the two files: every price names catalogued ids, every catalogued model has exactly one price.
    /// </summary>
    public static ShippedModels Load(string catalogJson, string pricesJson)
    {
        var catalog = JsonNode.Parse(catalogJson) as JsonObject ?? throw new InvalidDataException("models.json is not an object.");
        var prices = JsonNode.Parse(pricesJson) as JsonObject ?? throw new InvalidDataException("prices.json is not an object.");
        var definitions = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var node in catalog["models"]?.AsArray() ?? throw new InvalidDataException("models.json has no models."))
        {
            var definition = node?.DeepClone().AsObject() ?? throw new InvalidDataException("models.json holds a null model.");
            var id = definition["id"]?.GetValue<string>() ?? throw new InvalidDataException("models.json holds a model without an id.");
            if (!definitions.TryAdd(id, definition))
            {
                throw new InvalidDataException($"models.json lists '{id}' twice.");
            }
            order.Add(id);
        }
        foreach (var node in prices["models"]?.AsArray() ?? throw new InvalidDataException("prices.json has no models."))
        {
            var price = node?.DeepClone().AsObject() ?? throw new InvalidDataException("prices.json holds a null entry.");
            var names = price["names"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? throw new InvalidDataException("a price without names");
            price.Remove("names");
            foreach (var name in names)
            {
                if (!definitions.TryGetValue(name, out var definition))
                {
                    throw new InvalidDataException($"prices.json prices '{name}', which models.json does not list by that id.");
                }
                if (definition.ContainsKey("prices"))
                {
                    throw new InvalidDataException($"prices.json prices '{name}' twice.");
                }
                definition["prices"] = price.DeepClone();
            }
        }
        if (order.FirstOrDefault(id => !definitions[id].ContainsKey("prices")) is { } unpriced)
        {
            throw new InvalidDataException($"models.json lists '{unpriced}', which prices.json does not price.");
        }
        return new ShippedModels(
            catalog["version"]?.GetValue<string>() ?? throw new InvalidDataException("models.json has no version."),
            prices["version"]?.GetValue<string>() ?? throw new InvalidDataException("prices.json has no version."),
            [.. order.Select(id => (id, definitions[id]))],
            ServerToolPrices.Read(prices["server_tools"] as JsonObject ?? throw new InvalidDataException("prices.json has no server_tools.")));
    }

    /// <summary>A shipped file's text (also for tests and tools that read the data files themselves).</summary>
    public static string ReadFile(string file)
    {
        using var stream = typeof(ShippedModels).Assembly.GetManifestResourceStream($"Gateway.Projections.Models.{file}")
            ?? throw new InvalidOperationException($"{file} is not embedded in Gateway.Projections.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
