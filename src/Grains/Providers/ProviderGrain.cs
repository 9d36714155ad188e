using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;

namespace Gateway.Grains.Providers;

public sealed class ProviderGrain(
    [PersistentState("provider", GatewayStorage.Name)] IPersistentState<ProviderState> state,
    ICredentialProtector protector,
    TimeProvider clock) : Grain, IProviderGrain
{
    private SealedProviderConnection? _connection;

    private string Slug => this.ResourceId();

    private bool Exists => state.RecordExists && state.State.DeletedAt is null;

    public async Task<ProviderView> CreateAsync(ProviderDraft draft)
    {
        if (Exists)
        {
            throw AdminException.Conflict($"Provider '{Slug}'");
        }
        var project = draft.Project ?? ProviderRules.DefaultProject(draft.Kind, draft.Credentials);
        var baseUrl = ProviderRules.Validate(draft.Kind, draft.BaseUrl, draft.Credentials, draft.Region, project, draft.TokenUrl, draft.ModelIds);
        var now = clock.GetUtcNow();
        state.State = new ProviderState
        {
            Kind = draft.Kind,
            BaseUrl = baseUrl,
            BaseUrlDerived = draft.BaseUrl is null,
            ProtectedCredentials = Protect(draft.Credentials),
            CredentialFields = [.. draft.Credentials.Keys.Order(StringComparer.Ordinal)],
            Region = draft.Region,
            Project = project,
            TokenUrl = draft.TokenUrl,
            ModelIds = draft.ModelIds?.ToDictionary(),
            Models = draft.Models?.ToList(),
            Workspaces = draft.Workspaces?.ToList(),
            CreatedAt = now,
            UpdatedAt = now,
            Version = now.UtcTicks,
        };
        await state.WriteStateAsync();
        _connection = null;
        await GrainFactory.Catalog(Catalogs.Providers).AddAsync(Slug);
        return View();
    }

    public Task<ProviderView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<ProviderView> UpdateAsync(ProviderPatch patch)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Provider '{Slug}'");
        }
        var current = state.State;
        var credentials = patch.Credentials ?? Unprotect(current.ProtectedCredentials);
        var region = patch.Region ?? current.Region;
        var project = patch.Project ?? current.Project;
        var tokenUrl = patch.TokenUrl ?? current.TokenUrl;
        var modelIds = patch.ModelIds ?? current.ModelIds?.ToImmutableDictionary();
        // A changed base URL is validated as given; an unchanged one that was derived (Bedrock/Vertex) is derived again.
        current.BaseUrl = ProviderRules.Validate(current.Kind, patch.BaseUrl ?? (current.BaseUrlDerived ? null : current.BaseUrl),
            credentials, region, project, tokenUrl, modelIds);
        current.BaseUrlDerived = patch.BaseUrl is null && current.BaseUrlDerived;
        if (patch.Credentials is not null)
        {
            current.ProtectedCredentials = Protect(patch.Credentials);
            current.CredentialFields = [.. patch.Credentials.Keys.Order(StringComparer.Ordinal)];
        }
        current.Region = region;
        current.Project = project;
        current.TokenUrl = tokenUrl;
        current.ModelIds = modelIds?.ToDictionary();
        current.Models = patch.Models?.ToList() ?? current.Models;
        current.Workspaces = patch.Workspaces?.ToList() ?? current.Workspaces;
        current.UpdatedAt = clock.GetUtcNow();
        current.Version = Math.Max(current.Version + 1, current.UpdatedAt.UtcTicks);
        await state.WriteStateAsync();
        _connection = null;
        return View();
    }

    public async Task DeleteAsync()
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Provider '{Slug}'");
        }
        state.State.DeletedAt = clock.GetUtcNow();
        state.State.ProtectedCredentials = "";
        await state.WriteStateAsync();
        _connection = null;
        await GrainFactory.Catalog(Catalogs.Providers).RemoveAsync(Slug);
    }

    public Task<SealedProviderConnection?> GetConnectionAsync()
    {
        if (!Exists)
        {
            return Task.FromResult<SealedProviderConnection?>(null);
        }
        _connection ??= new SealedProviderConnection(
            Slug,
            state.State.Kind,
            new Uri(state.State.BaseUrl),
            state.State.ProtectedCredentials,
            state.State.Models?.ToImmutableArray(),
            state.State.Workspaces?.ToImmutableArray(),
            state.State.Version,
            state.State.Region,
            state.State.Project,
            state.State.TokenUrl,
            state.State.ModelIds?.ToImmutableDictionary());
        return Task.FromResult<SealedProviderConnection?>(_connection);
    }

    /// <summary>What a provider's credential is bound to: a ciphertext moved to another provider's row does not decrypt.</summary>
    public static string CredentialBinding(string slug) => "provider/" + slug;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A credential stored before it was bound to its provider is bound now.
        if (Exists && protector.IsLegacy(state.State.ProtectedCredentials))
        {
            state.State.ProtectedCredentials = Protect(Unprotect(state.State.ProtectedCredentials));
            await state.WriteStateAsync(cancellationToken);
        }
    }

    private string Protect(ImmutableDictionary<string, string> credentials) =>
        protector.Protect(JsonSerializer.Serialize(credentials), CredentialBinding(Slug));

    private ImmutableDictionary<string, string> Unprotect(string protectedValue) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(protectedValue, CredentialBinding(Slug)))!.ToImmutableDictionary();

    private ProviderView View() => new(Slug, state.State.Kind, state.State.BaseUrl, state.State.Region, state.State.Project,
        state.State.Models?.ToImmutableArray(), state.State.Workspaces?.ToImmutableArray(), [.. state.State.CredentialFields],
        state.State.CreatedAt, state.State.UpdatedAt, state.State.TokenUrl, state.State.ModelIds?.ToImmutableDictionary());
}

public sealed class ProviderState
{
    public string Kind { get; set; } = "";
    public string BaseUrl { get; set; } = "";
    public string ProtectedCredentials { get; set; } = "";
    public List<string> CredentialFields { get; set; } = [];
    public string? Region { get; set; }
    public string? Project { get; set; }
    public string? TokenUrl { get; set; }
    public Dictionary<string, string>? ModelIds { get; set; }

    /// <summary>True when <see cref="BaseUrl"/> was derived from the region (no <c>base_url</c> given), so a new region moves it.</summary>
    public bool BaseUrlDerived { get; set; }
    public List<string>? Models { get; set; }
    public List<string>? Workspaces { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public long Version { get; set; }
}
