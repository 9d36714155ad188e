using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Grains.Common;
using Gateway.Projections.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Models;

/// <summary>
/// The single writer of the catalog's admin layer: it checks each change against the whole catalog (names unique
/// across every spelling, fields valid), journals it, and only then makes it the current revision.
/// </summary>
public sealed partial class ModelCatalogGrain(IModelCatalogJournal journal, TimeProvider clock, ILogger<ModelCatalogGrain> logger)
    : Grain, IModelCatalogGrain
{
    private ModelCatalog _catalog = ModelCatalog.Default;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await journal.LoadAsync(cancellationToken) is { } latest)
        {
            _catalog = ModelCatalog.Restore(ShippedModels.Current, CatalogOverrides.FromJson(latest.OverridesJson), latest.Revision,
                latest.PriceRevision, out var skipped);
            foreach (var id in skipped)
            {
                LogSkipped(logger, id);
            }
        }
    }

    public Task<CatalogRevision?> GetAsync(long knownRevision) =>
        Task.FromResult(knownRevision == _catalog.Revision ? null : Revision(_catalog));

    public Task<CatalogChange> CreateAsync(string definitionJson)
    {
        var definition = Parse(definitionJson);
        return ChangeAsync(catalog => catalog.Create(definition, clock.GetUtcNow()), "created", () => definition["id"]!.GetValue<string>());
    }

    public Task<CatalogChange> UpdateAsync(string name, string patchJson)
    {
        var patch = Parse(patchJson);
        return ChangeAsync(catalog => catalog.Patch(name, patch), "updated", () => _catalog.Find(name)!.Value.Model.Id);
    }

    public Task<CatalogChange> DeleteAsync(string name) =>
        ChangeAsync(catalog => catalog.Delete(name), "deleted", () => _catalog.Find(name)!.Value.Model.Id);

    private async Task<CatalogChange> ChangeAsync(Func<ModelCatalog, ModelCatalog> change, string action, Func<string> modelId)
    {
        ModelCatalog next;
        string id;
        try
        {
            next = change(_catalog);
            id = modelId();
        }
        catch (CatalogException e)
        {
            throw e.Problem switch
            {
                CatalogProblem.NotFound => new AdminException(AdminProblem.NotFound, e.Message),
                CatalogProblem.Conflict => new AdminException(AdminProblem.Conflict, e.Message),
                _ => AdminException.Invalid(e.Message),
            };
        }
        var revision = Revision(next);
        await journal.AppendAsync(revision, id, action, CancellationToken.None);
        _catalog = next;
        return new CatalogChange(revision, id);
    }

    private static JsonObject Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw AdminException.Invalid("The request body must be a JSON object.");
        }
        catch (JsonException)
        {
            throw AdminException.Invalid("body: not valid JSON.");
        }
    }

    private static CatalogRevision Revision(ModelCatalog catalog) => new(catalog.Revision, catalog.PriceRevision, catalog.Overrides.ToJson());

    [LoggerMessage(Level = LogLevel.Warning, Message = "The admins' change to model {ModelId} no longer fits this build's catalog and is left out")]
    private static partial void LogSkipped(ILogger logger, string modelId);
}
