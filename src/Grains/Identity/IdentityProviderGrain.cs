using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Projections.Usage;

namespace Gateway.Grains.Identity;

public sealed class IdentityProviderGrain(
    [PersistentState("identityprovider", GatewayStorage.Name)] IPersistentState<IdentityProviderState> state,
    TimeProvider clock) : Grain, IIdentityProviderGrain
{
    private const int MaxRules = 200;
    private const int MaxNameLength = 256;

    private string Slug => this.ResourceId();

    private bool Exists => state.RecordExists && state.State.Definition is not null;

    public async Task<IdentityProviderView> CreateAsync(IdentityProviderDefinition definition)
    {
        if (Exists)
        {
            throw AdminException.Conflict($"Identity provider '{Slug}'");
        }
        await CheckAsync(definition);
        var now = clock.GetUtcNow();
        state.State = new IdentityProviderState { Definition = definition, CreatedAt = now, UpdatedAt = now };
        await state.WriteStateAsync();
        await GrainFactory.Catalog(Catalogs.IdentityProviders).AddAsync(Slug);
        return View();
    }

    public Task<IdentityProviderView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<IdentityProviderView> ReplaceAsync(IdentityProviderDefinition definition)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Identity provider '{Slug}'");
        }
        await CheckAsync(definition);
        state.State.Definition = definition;
        state.State.UpdatedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        return View();
    }

    public async Task DeleteAsync()
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Identity provider '{Slug}'");
        }
        await state.ClearStateAsync();
        await GrainFactory.Catalog(Catalogs.IdentityProviders).RemoveAsync(Slug);
    }

    /// <summary>Names within bounds, and every workspace and config a rule names exists (a config in its workspace).</summary>
    private async Task CheckAsync(IdentityProviderDefinition definition)
    {
        RequireName(definition.Audience, "audience");
        if (!IdentityProviderDefinition.UserClaims.Contains(definition.UserClaim))
        {
            throw AdminException.Invalid($"user_claim: one of {string.Join(", ", IdentityProviderDefinition.UserClaims)}.");
        }
        RequireName(definition.GroupsClaim, "groups_claim");
        foreach (var (key, claim) in definition.MetadataClaims)
        {
            RequireName(claim, $"metadata_claims.{InputLimits.Echo(key)}");
        }
        // The claims' values are not known yet; their keys must be recordable metadata keys.
        AdminInput.RequireRecordable(definition.MetadataClaims.ToDictionary(c => c.Key, _ => ""));
        if (definition.MetadataClaims.ContainsKey(SignOnMetadata.User))
        {
            throw AdminException.Invalid($"metadata_claims: '{SignOnMetadata.User}' is always the user claim's value.");
        }
        if (definition.Rules.Length > MaxRules)
        {
            throw AdminException.Invalid($"rules: at most {MaxRules}.");
        }
        foreach (var (rule, i) in definition.Rules.Select((r, i) => (r, i)))
        {
            RequireName(rule.Group, $"rules[{i}].group");
            AdminInput.RequireRecordable(rule.Metadata);
            await RequireWorkspaceAsync(rule.Workspace, $"rules[{i}].workspace");
            if (rule.Config is { } config && await GrainFactory.Config(config).GetRouteAsync(rule.Workspace) is null)
            {
                throw AdminException.Invalid($"rules[{i}].config: '{config}' does not exist or belongs to another workspace.");
            }
        }
        if (definition.DefaultWorkspace is { } fallback)
        {
            await RequireWorkspaceAsync(fallback, "default_workspace");
        }
    }

    private async Task RequireWorkspaceAsync(string workspace, string field)
    {
        if (await GrainFactory.Workspace(workspace).GetAsync() is null)
        {
            throw AdminException.Invalid($"{field}: workspace '{workspace}' does not exist.");
        }
    }

    private static void RequireName(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxNameLength || !InputLimits.IsCleanText(value))
        {
            throw AdminException.Invalid($"{field}: required, 1-{MaxNameLength} characters of text.");
        }
    }

    private IdentityProviderView View() => new(Slug, state.State.Definition!, state.State.CreatedAt, state.State.UpdatedAt);
}

/// <summary>What <see cref="IdentityProviderGrain"/> persists.</summary>
public sealed class IdentityProviderState
{
    public IdentityProviderDefinition? Definition { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The metadata keys sign-on sets from a user's claims, which no request header can override.</summary>
public static class SignOnMetadata
{
    /// <summary>The user claim's value (an email, UPN or subject id).</summary>
    public const string User = "user";
}
