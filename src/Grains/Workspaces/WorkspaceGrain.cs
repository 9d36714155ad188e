using System.Collections.Immutable;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Gateway.Grains.Logging;

namespace Gateway.Grains.Workspaces;

public sealed class WorkspaceGrain(
    [PersistentState("workspace", GatewayStorage.Name)] IPersistentState<WorkspaceState> state,
    TimeProvider clock) : Grain, IWorkspaceGrain
{
    private static readonly WorkspaceAdmission Inactive = new(false, null, ImmutableDictionary<string, string>.Empty, ScopePolicy.None, LogPolicy.Default,
        MetadataPolicy.None);

    private WorkspaceAdmission? _admission;

    private string Id => this.ResourceId();

    private bool Exists => state.RecordExists && state.State.DeletedAt is null;

    public async Task<WorkspaceView> CreateAsync(WorkspaceDraft draft)
    {
        if (Exists)
        {
            throw AdminException.Conflict($"Workspace '{Id}'");
        }
        AdminInput.RequireRecordable(draft.Metadata);
        MetadataPolicy.RequireValidKeys(draft.RequiredMetadata);
        var headers = MetadataPolicy.RequireValidHeaders(draft.MetadataHeaders);
        var now = clock.GetUtcNow();
        state.State = new WorkspaceState
        {
            Name = draft.Name,
            Metadata = new Dictionary<string, string>(draft.Metadata),
            DefaultConfig = draft.DefaultConfig,
            Budget = draft.Budget,
            RateLimits = draft.RateLimits,
            Logging = draft.Logging,
            RequiredMetadata = draft.RequiredMetadata?.ToList(),
            MetadataHeaders = headers?.ToDictionary(),
            UserBudget = draft.UserPolicy?.Budget,
            UserRateLimits = draft.UserPolicy?.RateLimits,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await state.WriteStateAsync();
        _admission = null;
        await GrainFactory.Catalog(Catalogs.Workspaces).AddAsync(Id);
        return View();
    }

    public Task<WorkspaceView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<WorkspaceView> UpdateAsync(WorkspacePatch patch)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Workspace '{Id}'");
        }
        AdminInput.RequireRecordable(patch.Metadata);
        MetadataPolicy.RequireValidKeys(patch.RequiredMetadata);
        var headers = MetadataPolicy.RequireValidHeaders(patch.MetadataHeaders);
        var current = state.State;
        current.Name = patch.Name ?? current.Name;
        current.Metadata = patch.Metadata is null ? current.Metadata : new Dictionary<string, string>(patch.Metadata);
        current.DefaultConfig = patch.ClearDefaultConfig ? null : patch.DefaultConfig ?? current.DefaultConfig;
        current.Budget = patch.SetBudget ? patch.Budget : current.Budget;
        current.RateLimits = patch.SetRateLimits ? patch.RateLimits : current.RateLimits;
        current.Logging = patch.Logging ?? current.Logging;
        current.RequiredMetadata = patch.RequiredMetadata?.ToList() ?? current.RequiredMetadata;
        current.MetadataHeaders = headers?.ToDictionary() ?? current.MetadataHeaders;
        current.UserBudget = patch.SetUserBudget ? patch.UserBudget : current.UserBudget;
        current.UserRateLimits = patch.SetUserRateLimits ? patch.UserRateLimits : current.UserRateLimits;
        current.UpdatedAt = clock.GetUtcNow();
        _admission = null;
        await state.WriteStateAsync();
        // Keys keep their resolved workspace between requests; tell them before the change is acknowledged.
        await ForEachKeyAsync(key => key.WorkspaceChangedAsync());
        return View();
    }

    public async Task DeleteAsync()
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Workspace '{Id}'");
        }
        // Kept as a tombstone, and its keys revoked, so re-creating the id later does not revive old keys.
        state.State.DeletedAt = clock.GetUtcNow();
        _admission = null;
        await state.WriteStateAsync();
        await GrainFactory.Catalog(Catalogs.Workspaces).RemoveAsync(Id);
        await ForEachKeyAsync(key => key.RevokeAsync());
    }

    private async Task ForEachKeyAsync(Func<IApiKeyGrain, Task> action)
    {
        var keys = GrainFactory.Catalog(Catalogs.KeysOf(Id));
        for (string? after = null; ;)
        {
            var page = await keys.ListAsync(after, 500);
            await Task.WhenAll(page.Ids.Select(k => action(GrainFactory.ApiKey(k))));
            if (!page.HasMore)
            {
                break;
            }
            after = page.Ids[^1];
        }
    }

    public Task<WorkspaceAdmission> AdmitAsync(string keyId) => Task.FromResult(
        !Exists ? Inactive : _admission ??= new WorkspaceAdmission(true, state.State.DefaultConfig, state.State.Metadata.ToImmutableDictionary(),
            new ScopePolicy(state.State.Budget, state.State.RateLimits), state.State.Logging ?? LogPolicy.Default, Policy(), UserPolicy()));

    private WorkspaceView View() => new(Id, state.State.Name, state.State.Metadata.ToImmutableDictionary(), state.State.DefaultConfig,
        state.State.CreatedAt, state.State.UpdatedAt, state.State.Budget, state.State.RateLimits, state.State.Logging ?? LogPolicy.Default, Policy(),
        UserPolicy());

    private MetadataPolicy Policy() => state.State is { RequiredMetadata: null or [], MetadataHeaders: null or { Count: 0 } }
        ? MetadataPolicy.None
        : new MetadataPolicy([.. state.State.RequiredMetadata ?? []], (state.State.MetadataHeaders ?? []).ToImmutableDictionary());

    /// <summary>The default budget and rate limits of each signed-in user of the workspace; null when none.</summary>
    private ScopePolicy? UserPolicy() =>
        new ScopePolicy(state.State.UserBudget, state.State.UserRateLimits) is { IsEmpty: false } policy ? policy : null;
}

public sealed class WorkspaceState
{
    public string Name { get; set; } = "";
    public Dictionary<string, string> Metadata { get; set; } = [];
    public string? DefaultConfig { get; set; }
    public Budget? Budget { get; set; }
    public RateLimits? RateLimits { get; set; }
    public LogPolicy? Logging { get; set; }

    /// <summary>Keys every request's metadata must hold (absent in state written before governance existed).</summary>
    public List<string>? RequiredMetadata { get; set; }

    /// <summary>Lower-case request header name → the metadata key its value is recorded under.</summary>
    public Dictionary<string, string>? MetadataHeaders { get; set; }

    public Budget? UserBudget { get; set; }
    public RateLimits? UserRateLimits { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}
