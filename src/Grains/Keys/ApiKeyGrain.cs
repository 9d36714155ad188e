using System.Security.Cryptography;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Workspaces;

namespace Gateway.Grains.Keys;

public sealed class ApiKeyGrain(
    [PersistentState("apikey", GatewayStorage.Name)] IPersistentState<ApiKeyState> state,
    TimeProvider clock) : Grain, IApiKeyGrain
{
    private static readonly Admission InvalidKey = Admission.Refused(AdmissionRefusal.UnknownKey, "invalid x-api-key");

    // The workspace, route and metadata a request of this key resolves to are kept between requests: the
    // workspace pushes its own changes (WorkspaceChangedAsync); routing configs and the provider list are
    // re-read at most this often. Revocation, expiry and model checks are never cached.
    private static readonly TimeSpan ResolutionLifetime = TimeSpan.FromSeconds(1);

    /// <summary>The longest an old secret may keep working after a rotation.</summary>
    public static readonly TimeSpan MaxRotationGrace = TimeSpan.FromDays(30);
    private Admission? _resolved;
    private DateTimeOffset _resolvedUntil;
    private int _generation;

    private string Id => this.ResourceId();

    private bool Exists => state.RecordExists;

    public async Task<CreatedKey> CreateAsync(KeyDraft draft)
    {
        if (Exists)
        {
            throw AdminException.Conflict($"Key '{Id}'");
        }
        if (await GrainFactory.Workspace(draft.Workspace).GetAsync() is null)
        {
            throw AdminException.Invalid($"workspace: '{draft.Workspace}' does not exist.");
        }
        if (draft.Config is { } config && await GrainFactory.Config(config).GetRouteAsync(draft.Workspace) is null)
        {
            throw AdminException.Invalid($"config: '{config}' does not exist or belongs to another workspace.");
        }
        if (draft.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            throw AdminException.Invalid("expires_at: must be in the future.");
        }
        AdminInput.RequireRecordable(draft.Metadata);

        var secret = ApiKeySecret.Create(Id);
        state.State = new ApiKeyState
        {
            Workspace = draft.Workspace,
            Name = draft.Name,
            Config = draft.Config,
            Metadata = new Dictionary<string, string>(draft.Metadata),
            Models = draft.Models?.ToList(),
            ExpiresAt = draft.ExpiresAt,
            Budget = draft.Budget,
            RateLimits = draft.RateLimits,
            CreatedAt = clock.GetUtcNow(),
            SecretHash = ApiKeySecret.Hash(secret),
            Hint = ApiKeySecret.Hint(secret),
        };
        await state.WriteStateAsync();
        await GrainFactory.Catalog(Catalogs.Keys).AddAsync(Id);
        await GrainFactory.Catalog(Catalogs.KeysOf(draft.Workspace)).AddAsync(Id);
        return new CreatedKey(View(), secret);
    }

    public Task<KeyView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<KeyView> RevokeAsync()
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Key '{Id}'");
        }
        if (state.State.RevokedAt is null)
        {
            state.State.RevokedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
        }
        return View();
    }

    public async Task<CreatedKey> RotateAsync(TimeSpan grace)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Key '{Id}'");
        }
        if (grace < TimeSpan.Zero || grace > MaxRotationGrace)
        {
            throw AdminException.Invalid($"grace_seconds: from 0 to {(long)MaxRotationGrace.TotalSeconds}.");
        }
        var key = state.State;
        if (key.RevokedAt is not null)
        {
            throw AdminException.Invalid($"Key '{Id}' is revoked; create a new key instead.");
        }
        var now = clock.GetUtcNow();
        var secret = ApiKeySecret.Create(Id);
        var before = (key.SecretHash, key.Hint, key.PreviousSecretHash, key.PreviousSecretUntil, key.RotatedAt);
        // A rotation during a grace ends the older secret's grace: only the latest two secrets are ever accepted.
        key.PreviousSecretHash = grace > TimeSpan.Zero ? key.SecretHash : null;
        key.PreviousSecretUntil = grace > TimeSpan.Zero ? now + grace : null;
        key.SecretHash = ApiKeySecret.Hash(secret);
        key.Hint = ApiKeySecret.Hint(secret);
        key.RotatedAt = now;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Nobody got the new secret: the key keeps the secrets it had.
            (key.SecretHash, key.Hint, key.PreviousSecretHash, key.PreviousSecretUntil, key.RotatedAt) = before;
            throw;
        }
        return new CreatedKey(View(), secret);
    }

    public async Task<KeyView> UpdateAsync(KeyPatch patch)
    {
        if (!Exists)
        {
            throw AdminException.NotFound($"Key '{Id}'");
        }
        if (patch.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            throw AdminException.Invalid("expires_at: must be in the future.");
        }
        AdminInput.RequireRecordable(patch.Metadata);
        var key = state.State;
        key.Name = patch.Name ?? key.Name;
        key.Metadata = patch.Metadata is null ? key.Metadata : new Dictionary<string, string>(patch.Metadata);
        key.Models = patch.Models is null ? key.Models : [.. patch.Models];
        key.ExpiresAt = patch.ExpiresAt ?? key.ExpiresAt;
        key.Budget = patch.SetBudget ? patch.Budget : key.Budget;
        key.RateLimits = patch.SetRateLimits ? patch.RateLimits : key.RateLimits;
        key.Refresh();
        await state.WriteStateAsync();
        await WorkspaceChangedAsync();
        return View();
    }

    public async Task<Admission> AdmitAsync(byte[] secretHash, string? model, string[]? modelNames)
    {
        if (!Exists)
        {
            // Nothing to keep in memory for a key that does not exist (typos, guessing).
            DeactivateOnIdle();
            return InvalidKey;
        }
        var key = state.State;
        var now = clock.GetUtcNow();
        if (!CryptographicOperations.FixedTimeEquals(secretHash, key.SecretHash) && !IsPreviousSecret(key, secretHash, now))
        {
            return InvalidKey;
        }
        if (key.RevokedAt is not null)
        {
            return Admission.Refused(AdmissionRefusal.KeyRevoked, "This API key has been revoked.");
        }
        if (key.ExpiresAt is { } expires && expires <= now)
        {
            return Admission.Refused(AdmissionRefusal.KeyExpired, "This API key has expired.");
        }
        if (model is not null && key.Models is { Count: > 0 } allowed && !ModelPatterns.Matches(allowed, model)
            && modelNames?.Any(name => ModelPatterns.Matches(allowed, name)) != true)
        {
            return Admission.Refused(AdmissionRefusal.ModelNotAllowed, $"This API key may not use model '{model}'.");
        }

        // A workspace change can interleave with the resolution (WorkspaceChangedAsync is always interleaved, so a
        // workspace calling its keys never waits on a key waiting on it); an answer begun before it is not kept.
        for (var attempt = 0; _resolved is null || _resolvedUntil <= now; attempt++)
        {
            var generation = _generation;
            var resolved = await ResolveAsync(key, now);
            if (generation == _generation || attempt == 2)
            {
                _resolved = resolved;
                _resolvedUntil = now + ResolutionLifetime;
            }
        }
        return _resolved;
    }

    /// <summary>The secret before the last rotation, within its grace.</summary>
    private static bool IsPreviousSecret(ApiKeyState key, byte[] secretHash, DateTimeOffset now) =>
        key.PreviousSecretHash is { } previous && now < key.PreviousSecretUntil
        && CryptographicOperations.FixedTimeEquals(secretHash, previous);

    public Task WorkspaceChangedAsync()
    {
        _generation++;
        _resolved = null;
        return Task.CompletedTask;
    }

    /// <summary>The key's workspace, route and metadata: the part of admission that does not depend on the request.</summary>
    private Task<Admission> ResolveAsync(ApiKeyState key, DateTimeOffset now) =>
        WorkspaceResolution.ResolveAsync(GrainFactory, new AdmissionCaller(Id, Id, null, "key"), key.Workspace, key.Config, key.ImmutableMetadata,
            _ => new ScopePolicy(key.Budget, key.RateLimits) is { IsEmpty: false } own ? new ScopedPolicy(BudgetScopes.Key(Id), own) : null,
            key.ImmutableModels);

    private KeyView View() => new(Id, state.State.Workspace, state.State.Name, state.State.Config, state.State.ImmutableMetadata,
        state.State.ImmutableModels, state.State.ExpiresAt, state.State.CreatedAt, state.State.RevokedAt, state.State.Hint,
        state.State.Budget, state.State.RateLimits, state.State.RotatedAt,
        state.State.PreviousSecretUntil > clock.GetUtcNow() ? state.State.PreviousSecretUntil : null);
}
