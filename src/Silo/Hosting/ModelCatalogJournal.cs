using Gateway.Grains.Models;
using Gateway.Projections.Models;
using Marten;

namespace Gateway.Silo.Hosting;

/// <summary>The catalog grain's revisions as <see cref="ModelCatalogRevised"/> events in Marten.</summary>
internal sealed class ModelCatalogJournal(IDocumentStore store, TimeProvider clock) : IModelCatalogJournal
{
    public async Task<CatalogRevision?> LoadAsync(CancellationToken cancellationToken) =>
        await ModelCatalogStream.LatestAsync(store, cancellationToken) is { } latest
            ? new CatalogRevision(latest.Revision, latest.PriceRevision, latest.Overrides.GetRawText())
            : null;

    public Task AppendAsync(CatalogRevision revision, string modelId, string action, CancellationToken cancellationToken) =>
        ModelCatalogStream.AppendAsync(store,
            ModelCatalogStream.Revised(revision.Revision, revision.PriceRevision, revision.OverridesJson, modelId, action, clock.GetUtcNow()), cancellationToken);
}
