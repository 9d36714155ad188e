using System.Collections.Immutable;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;

namespace Gateway.Grains.Configs;

public sealed class ConfigGrain(
    [PersistentState("config", GatewayStorage.Name)] IPersistentState<ConfigState> state,
    TimeProvider clock) : Grain, IConfigGrain
{
    private RouteConfig? _route;
    private ConfigAdmission? _admission;

    private string Slug => this.ResourceId();

    private bool Exists => state.RecordExists && state.State.DeletedAt is null;

    public async Task<ConfigView> CreateAsync(ConfigDraft draft)
    {
        if (Exists)
        {
            throw AdminException.Conflict($"Config '{Slug}'");
        }
        var route = RouteConfigParser.Parse(draft.Json);
        AdminInput.RequireRecordable(draft.Metadata);
        var now = clock.GetUtcNow();
        state.State = new ConfigState
        {
            Workspace = draft.Workspace,
            Json = draft.Json,
            Metadata = draft.Metadata?.ToDictionary(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await state.WriteStateAsync();
        (_route, _admission) = (route, null);
        await GrainFactory.Catalog(Catalogs.Configs).AddAsync(Slug);
        return View();
    }

    public async Task<ConfigView> ReplaceAsync(ConfigDraft draft)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Config '{Slug}'");
        }
        var route = RouteConfigParser.Parse(draft.Json);
        AdminInput.RequireRecordable(draft.Metadata);
        state.State.Workspace = draft.Workspace;
        state.State.Json = draft.Json;
        state.State.Metadata = draft.Metadata?.ToDictionary();
        state.State.UpdatedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        (_route, _admission) = (route, null);
        return View();
    }

    public Task<ConfigView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task DeleteAsync()
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Config '{Slug}'");
        }
        state.State.DeletedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        (_route, _admission) = (null, null);
        await GrainFactory.Catalog(Catalogs.Configs).RemoveAsync(Slug);
    }

    public Task<RouteConfig?> GetRouteAsync(string workspace)
    {
        if (!Exists || (state.State.Workspace is { } owner && owner != workspace))
        {
            return Task.FromResult<RouteConfig?>(null);
        }
        _route ??= RouteConfigParser.Parse(state.State.Json);
        return Task.FromResult<RouteConfig?>(_route);
    }

    public async Task<ConfigAdmission?> AdmitAsync(string workspace) => await GetRouteAsync(workspace) is { } route
        ? _admission ??= new ConfigAdmission(route, Metadata())
        : null;

    private ImmutableDictionary<string, string> Metadata() => state.State.Metadata?.ToImmutableDictionary() ?? ImmutableDictionary<string, string>.Empty;

    private ConfigView View() => new(Slug, state.State.Workspace, state.State.Json, state.State.CreatedAt, state.State.UpdatedAt, Metadata());
}

public sealed class ConfigState
{
    public string? Workspace { get; set; }
    public string Json { get; set; } = "{}";

    /// <summary>Chargeback metadata of the requests it routes (absent in state written before configs had any).</summary>
    public Dictionary<string, string>? Metadata { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}
