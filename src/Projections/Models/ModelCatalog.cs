using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>
/// The catalog in effect: the shipped models and prices with the admins' changes laid over them (immutable; a change
/// makes a new catalog with the next revision). Every spelling of a model finds it — the Anthropic id or alias (also
/// with a <c>-YYYYMMDD</c> snapshot suffix), the Bedrock foundation-model id with or without an inference-profile
/// prefix or as an ARN, the Vertex id — so a client configured for one cloud is understood on any route.
/// </summary>
public sealed class ModelCatalog
{
    private readonly ModelNames _names;
    private readonly FrozenDictionary<string, ModelEntry> _byId;

    private ModelCatalog(ShippedModels shipped, CatalogOverrides overrides, long revision, long priceRevision,
        ImmutableArray<ModelEntry> models, ModelNames names)
    {
        Shipped = shipped;
        Overrides = overrides;
        Revision = revision;
        PriceRevision = priceRevision;
        Models = models;
        _names = names;
        _byId = models.ToFrozenDictionary(m => m.Id, StringComparer.Ordinal);
        PriceVersion = PriceVersionOf(shipped, priceRevision);
    }

    /// <summary>The shipped catalog with no admin change.</summary>
    public static ModelCatalog Default { get; } = Build(ShippedModels.Current, CatalogOverrides.None, 0, 0);

    public ShippedModels Shipped { get; }

    public CatalogOverrides Overrides { get; }

    /// <summary>How many changes admins made (0: as shipped).</summary>
    public long Revision { get; }

    /// <summary>How many of those changed a price.</summary>
    public long PriceRevision { get; }

    /// <summary>
    /// Recorded with every cost: the shipped price table's version, followed by <c>+n</c> once admins changed prices
    /// n times, so every price change is a new version and history priced with an older one can be re-priced.
    /// </summary>
    public string PriceVersion { get; }

    /// <summary>Every model, newest first.</summary>
    public ImmutableArray<ModelEntry> Models { get; }

    /// <summary>The server tools' fees (shipped with the price table, so under its version).</summary>
    public ServerToolPrices ServerTools => Shipped.ServerTools;

    /// <summary>The price version after <paramref name="priceRevision"/> admin price changes on <paramref name="shipped"/>'s table.</summary>
    public static string PriceVersionOf(ShippedModels shipped, long priceRevision) =>
        priceRevision == 0 ? shipped.PriceVersion : $"{shipped.PriceVersion}+{priceRevision}";

    /// <summary>The model <paramref name="name"/> spells, or null.</summary>
    public ModelMatch? Find(string name) => _names.Find(name);

    /// <summary>The model with this exact id, or null.</summary>
    public ModelEntry? Get(string id) => _byId.GetValueOrDefault(id);

    /// <summary>What <paramref name="model"/> (any spelling) costs through <paramref name="provider"/>; null when unpriced.</summary>
    public ModelPrice? Price(string model, string? provider) => Find(model)?.Model.PriceThrough(provider);

    /// <summary>The catalog with the admins' layer replaced; throws <see cref="CatalogException"/> when it does not hold together.</summary>
    public static ModelCatalog Build(ShippedModels shipped, CatalogOverrides overrides, long revision, long priceRevision)
    {
        var models = new List<ModelEntry>();
        var shippedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, definition) in shipped.Models)
        {
            shippedIds.Add(id);
            var fields = overrides.For(id);
            models.Add(ModelJson.ReadModel(fields is null ? definition : Merge(definition, fields), ModelEntry.Shipped,
                fields is null ? [] : [.. fields.Select(f => f.Key == "alias" ? "aliases" : f.Key).Distinct().Order(StringComparer.Ordinal)]));
        }
        foreach (var id in overrides.Ids.Where(id => !shippedIds.Contains(id)))
        {
            models.Add(ModelJson.ReadModel(overrides.For(id)!, ModelEntry.Custom, []));
        }
        var names = ModelNames.Of(models);
        var ordered = models.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.Id, StringComparer.Ordinal).ToImmutableArray();
        return new ModelCatalog(shipped, overrides, revision, priceRevision, ordered, names);
    }

    /// <summary>
    /// Builds a stored admin layer on this build's shipped files. A layer written by another build may no longer fit
    /// (a shipped model now has the name an admin gave a model of theirs): the models whose changes do not fit are
    /// left as shipped (or out) and named in <paramref name="skipped"/>, rather than losing the whole catalog.
    /// </summary>
    public static ModelCatalog Restore(ShippedModels shipped, CatalogOverrides overrides, long revision, long priceRevision, out IReadOnlyList<string> skipped)
    {
        try
        {
            skipped = [];
            return Build(shipped, overrides, revision, priceRevision);
        }
        catch (CatalogException)
        {
            var kept = CatalogOverrides.None;
            var dropped = new List<string>();
            foreach (var id in overrides.Ids)
            {
                var candidate = kept.With(id, overrides.For(id)!);
                try
                {
                    Build(shipped, candidate, revision, priceRevision);
                    kept = candidate;
                }
                catch (CatalogException)
                {
                    dropped.Add(id);
                }
            }
            skipped = dropped;
            return Build(shipped, kept, revision, priceRevision);
        }
    }

    /// <summary>Adds a model an admin defines (its <c>created_at</c> defaults to <paramref name="now"/>).</summary>
    public ModelCatalog Create(JsonObject definition, DateTimeOffset now)
    {
        var id = ModelJson.ReadModel(definition, ModelEntry.Custom, []).Id;
        if (Find(id) is { } existing)
        {
            throw new CatalogException($"Model '{id}' already exists" + (existing.Model.Id == id ? "." : $": it names '{existing.Model.Id}'."), CatalogProblem.Conflict);
        }
        var stored = (JsonObject)definition.DeepClone();
        stored["created_at"] ??= ModelJson.FormatTimestamp(now);
        return Next(Overrides.With(id, stored));
    }

    /// <summary>
    /// Changes fields of a model: a null value restores the shipped value (or, for an added model, removes the field);
    /// <c>provider_prices</c> merges by provider (a null price removes that provider's). A shipped model keeps its own names.
    /// </summary>
    public ModelCatalog Patch(string name, JsonObject patch)
    {
        var model = Require(name);
        CatalogFields.RequireKnown(patch, ModelJson.ModelFields, "");
        if (patch.TryGetPropertyValue("id", out var newId)
            && (newId is not JsonValue idValue || !idValue.TryGetValue<string>(out var idText) || idText != model.Id))
        {
            throw new CatalogException("id: a model's id cannot be changed; add a model with the new id instead.");
        }
        var fields = Overrides.For(model.Id) ?? [];
        foreach (var (field, value) in patch)
        {
            if (field == "id")
            {
                continue;
            }
            if (field == "provider_prices" && value is JsonObject byProvider)
            {
                var merged = fields["provider_prices"] as JsonObject ?? [];
                foreach (var (provider, price) in byProvider)
                {
                    if (price is null)
                    {
                        merged.Remove(provider);
                    }
                    else
                    {
                        merged[provider] = price.DeepClone();
                    }
                }
                fields["provider_prices"] = merged;
                continue;
            }
            if (value is null)
            {
                fields.Remove(field);
            }
            else
            {
                fields[field] = value.DeepClone();
            }
        }
        if (model.Source == ModelEntry.Shipped && fields.Count == 0)
        {
            return Next(Overrides.Without(model.Id));
        }
        return Next(Overrides.With(model.Id, fields));
    }

    /// <summary>Removes a model an admin added; a shipped model can only be changed.</summary>
    public ModelCatalog Delete(string name)
    {
        var model = Require(name);
        if (model.Source == ModelEntry.Shipped)
        {
            throw new CatalogException(
                $"Model '{model.Id}' ships with the gateway: it can be changed (PATCH; a field set to null restores the shipped value), not deleted.");
        }
        return Next(Overrides.Without(model.Id));
    }

    /// <summary>Whether any model's price (or a provider's price for it) differs between the two catalogs.</summary>
    public bool PricesDifferFrom(ModelCatalog other) =>
        Models.Length != other.Models.Length
        || Models.Any(m => other.Get(m.Id) is not { } o || !Equals(m.Price, o.Price)
                           || !m.ProviderPrices.OrderBy(p => p.Key).SequenceEqual(o.ProviderPrices.OrderBy(p => p.Key)));

    private ModelEntry Require(string name) =>
        Find(name)?.Model ?? throw new CatalogException($"Model '{name}' does not exist.", CatalogProblem.NotFound);

    private ModelCatalog Next(CatalogOverrides overrides)
    {
        var next = Build(Shipped, overrides, Revision + 1, PriceRevision);
        return next.PricesDifferFrom(this) ? Build(Shipped, overrides, Revision + 1, PriceRevision + 1) : next;
    }

    /// <summary>A shipped definition with an admin's fields over it; the shipped names stay and the admin's add to them.</summary>
    private static JsonObject Merge(JsonObject shipped, JsonObject fields)
    {
        var merged = (JsonObject)shipped.DeepClone();
        foreach (var (field, value) in fields)
        {
            if (field is "alias" or "aliases")
            {
                var aliases = merged["aliases"] as JsonArray ?? [];
                foreach (var alias in value is JsonArray list ? list : [value?.DeepClone()])
                {
                    aliases.Add(alias?.DeepClone());
                }
                merged["aliases"] = aliases;
                continue;
            }
            merged[field] = value?.DeepClone();
        }
        return merged;
    }
}
