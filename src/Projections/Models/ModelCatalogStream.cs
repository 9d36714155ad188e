using System.Text.Json;
using Marten;

namespace Gateway.Projections.Models;

/// <summary>The catalog's change events in Marten: the newest one is the admins' layer in effect.</summary>
public static class ModelCatalogStream
{
    public const string Id = "model-catalog";

    /// <summary>The newest change, or null when admins never changed the catalog.</summary>
    public static async Task<ModelCatalogRevised?> LatestAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(Id, cancellationToken);
        if (state is null)
        {
            return null;
        }
        var events = await session.Events.FetchStreamAsync(Id, fromVersion: state.Version, token: cancellationToken);
        return events.Select(e => e.Data).OfType<ModelCatalogRevised>().LastOrDefault();
    }

    /// <summary>
    /// Appends revision n as the stream's event n; fails (Marten's concurrency error) when the stream is not at n - 1,
    /// so two writers can never both believe they made the same revision.
    /// </summary>
    public static async Task AppendAsync(IDocumentStore store, ModelCatalogRevised revised, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        if (revised.Revision == 1)
        {
            session.Events.StartStream(Id, revised);
        }
        else
        {
            session.Events.Append(Id, revised.Revision, revised);
        }
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The catalog the newest change describes, on top of this build's shipped files.</summary>
    public static async Task<ModelCatalog> LoadAsync(IDocumentStore store, CancellationToken cancellationToken) =>
        await LatestAsync(store, cancellationToken) is { } latest
            ? ModelCatalog.Restore(ShippedModels.Current, CatalogOverrides.FromJson(latest.Overrides.GetRawText()), latest.Revision, latest.PriceRevision, out _)
            : ModelCatalog.Default;

    /// <summary>The event for a change that made <paramref name="catalog"/>.</summary>
    public static ModelCatalogRevised Revised(ModelCatalog catalog, string modelId, string action, DateTimeOffset at) =>
        Revised(catalog.Revision, catalog.PriceRevision, catalog.Overrides.ToJson(), modelId, action, at);

    /// <summary>The event for revision <paramref name="revision"/>, its admins' layer as <paramref name="overridesJson"/>.</summary>
    public static ModelCatalogRevised Revised(long revision, long priceRevision, string overridesJson, string modelId, string action, DateTimeOffset at)
    {
        using var overrides = JsonDocument.Parse(overridesJson);
        return new ModelCatalogRevised(revision, priceRevision, ModelCatalog.PriceVersionOf(ShippedModels.Current, priceRevision), modelId, action,
            overrides.RootElement.Clone(), at);
    }
}
