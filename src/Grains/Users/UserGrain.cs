using System.Collections.Immutable;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Gateway.Grains.Workspaces;

namespace Gateway.Grains.Users;

public sealed class UserGrain(
    [PersistentState("user", GatewayStorage.Name)] IPersistentState<UserState> state,
    TimeProvider clock) : Grain, IUserGrain
{
    // As a key's: the workspace, route and metadata are re-resolved at most this often; the block is never cached.
    private static readonly TimeSpan ResolutionLifetime = TimeSpan.FromSeconds(1);

    private Admission? _resolved;
    private DateTimeOffset _resolvedUntil;

    private string Id => this.ResourceId();

    private bool Exists => state.RecordExists && state.State.Provider.Length > 0;

    public async Task<Admission> AdmitAsync(SignOn signOn)
    {
        var now = clock.GetUtcNow();
        if (Exists && state.State.BlockedAt is not null)
        {
            return Admission.Refused(AdmissionRefusal.UserBlocked, $"User '{Id}' ({state.State.Subject}) is blocked.");
        }
        if (!Exists || !state.State.IsPlaced(signOn))
        {
            await PlaceAsync(signOn, now);
        }
        if (_resolved is null || _resolvedUntil <= now)
        {
            var user = state.State;
            _resolved = await WorkspaceResolution.ResolveAsync(GrainFactory, new AdmissionCaller(Id, null, Id, "user"), user.Workspace, user.Config,
                user.ImmutableMetadata,
                workspace => UserView.Effective(user.Budget, user.RateLimits, workspace.UserPolicy) is { IsEmpty: false } own
                    ? new ScopedPolicy(BudgetScopes.User(Id), own)
                    : null,
                models: null);
            _resolvedUntil = now + ResolutionLifetime;
        }
        return _resolved;
    }

    /// <summary>Records the user's first sign-on, or a change of placement or claims (a group moved them), and lists them in their workspace.</summary>
    private async Task PlaceAsync(SignOn signOn, DateTimeOffset now)
    {
        var previous = Exists ? state.State.Workspace : null;
        if (!Exists)
        {
            state.State = new UserState { FirstSeenAt = now };
        }
        var user = state.State;
        user.Provider = signOn.Provider;
        user.Subject = signOn.Subject;
        user.Workspace = signOn.Placement.Workspace;
        user.Config = signOn.Placement.Config;
        // Claims win over the rule's metadata: the user's own identity cannot be renamed by a group rule either.
        user.Metadata = new Dictionary<string, string>(signOn.Placement.Metadata.SetItems(signOn.Metadata));
        user.PlacedBy = signOn;
        user.LastPlacedAt = now;
        user.Refresh();
        await state.WriteStateAsync();
        _resolved = null;
        await GrainFactory.Catalog(Catalogs.Users).AddAsync(Id);
        await GrainFactory.Catalog(Catalogs.UsersOf(user.Workspace)).AddAsync(Id);
        if (previous is not null && previous != user.Workspace)
        {
            await GrainFactory.Catalog(Catalogs.UsersOf(previous)).RemoveAsync(Id);
        }
    }

    public Task<UserView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<UserView> UpdateAsync(UserPatch patch)
    {
        var user = Existing();
        user.Budget = patch.SetBudget ? patch.Budget : user.Budget;
        user.RateLimits = patch.SetRateLimits ? patch.RateLimits : user.RateLimits;
        await state.WriteStateAsync();
        _resolved = null;
        return View();
    }

    public async Task<UserView> SetBlockedAsync(bool blocked)
    {
        var user = Existing();
        if ((user.BlockedAt is not null) != blocked)
        {
            user.BlockedAt = blocked ? clock.GetUtcNow() : null;
            await state.WriteStateAsync();
        }
        return View();
    }

    private UserState Existing() => Exists ? state.State : throw AdminException.NotFound($"User '{Id}'");

    private UserView View() => new(Id, state.State.Provider, state.State.Subject, state.State.Workspace, state.State.ImmutableMetadata,
        state.State.Budget, state.State.RateLimits, state.State.BlockedAt, state.State.FirstSeenAt, state.State.LastPlacedAt);
}

/// <summary>What <see cref="UserGrain"/> persists.</summary>
public sealed class UserState
{
    private ImmutableDictionary<string, string>? _metadata;

    public string Provider { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Workspace { get; set; } = "";
    public string? Config { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = [];

    /// <summary>The sign-on the placement was made from, to see whether a later one changes it.</summary>
    public SignOn? PlacedBy { get; set; }
    public Budget? Budget { get; set; }
    public RateLimits? RateLimits { get; set; }
    public DateTimeOffset? BlockedAt { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastPlacedAt { get; set; }

    internal ImmutableDictionary<string, string> ImmutableMetadata => _metadata ??= Metadata.ToImmutableDictionary();

    internal void Refresh() => _metadata = null;

    /// <summary>Whether <paramref name="signOn"/> places the user as recorded (same provider, workspace, config and metadata).</summary>
    internal bool IsPlaced(SignOn signOn) => PlacedBy is { } placed
        && placed.Provider == signOn.Provider && placed.Subject == signOn.Subject
        && placed.Placement.Workspace == signOn.Placement.Workspace && placed.Placement.Config == signOn.Placement.Config
        && Same(placed.Placement.Metadata, signOn.Placement.Metadata) && Same(placed.Metadata, signOn.Metadata);

    private static bool Same(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var value) && value == entry.Value);
}
