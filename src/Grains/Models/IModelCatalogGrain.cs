namespace Gateway.Grains.Models;

/// <summary>
/// The model catalog's admin layer for the whole cluster: models admins added, and the fields and prices they changed
/// on shipped ones. Every change is journaled before it is acknowledged; every process follows the revisions and
/// prices with the newest it has seen.
/// </summary>
public interface IModelCatalogGrain : IGrainWithStringKey
{
    /// <summary>The current revision, or null when it is <paramref name="knownRevision"/> (nothing new).</summary>
    [ReadOnly]
    Task<CatalogRevision?> GetAsync(long knownRevision);

    /// <summary>Adds a model (its definition as the admin API's JSON); fails with 409 when any of its names is taken.</summary>
    Task<CatalogChange> CreateAsync(string definitionJson);

    /// <summary>Changes the fields the patch (admin API JSON) sets on the model <paramref name="name"/> names.</summary>
    Task<CatalogChange> UpdateAsync(string name, string patchJson);

    /// <summary>Removes a model an admin added; shipped models can be changed, not deleted.</summary>
    Task<CatalogChange> DeleteAsync(string name);
}

/// <summary>The admins' layer at one revision, as its JSON document.</summary>
/// <param name="PriceRevision">How many revisions up to this one changed a price.</param>
[GenerateSerializer, Immutable]
public sealed record CatalogRevision(
    [property: Id(0)] long Revision,
    [property: Id(1)] long PriceRevision,
    [property: Id(2)] string OverridesJson);

/// <summary>A change made: the revision it produced and the id of the model it touched.</summary>
[GenerateSerializer, Immutable]
public sealed record CatalogChange(
    [property: Id(0)] CatalogRevision Revision,
    [property: Id(1)] string ModelId);

/// <summary>Where the catalog grain keeps its revisions (the event store); the newest one is the catalog.</summary>
public interface IModelCatalogJournal
{
    /// <summary>The newest revision, or null when the catalog was never changed.</summary>
    Task<CatalogRevision?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Records a revision; fails when another writer recorded that revision first.</summary>
    Task AppendAsync(CatalogRevision revision, string modelId, string action, CancellationToken cancellationToken);
}
