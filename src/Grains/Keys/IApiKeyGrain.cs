using System.Collections.Immutable;
using Gateway.Grains.Budgets;
using Gateway.Grains.Common;
using Gateway.Grains.Configs;
using Gateway.Grains.Logging;
using Gateway.Grains.Workspaces;

namespace Gateway.Grains.Keys;

/// <summary>
/// One gateway API key: its hashed secret, its workspace, routing and model permissions. Every request
/// authenticates against this grain, so revocation holds on every silo the moment it returns.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Creates the key in an existing workspace; the secret is in the result and nowhere else.</summary>
    Task<CreatedKey> CreateAsync(KeyDraft draft);

    /// <summary>The key without its secret, or null.</summary>
    [ReadOnly]
    Task<KeyView?> GetAsync();

    /// <summary>Revokes the key; requests with it are refused from now on.</summary>
    Task<KeyView> RevokeAsync();

    /// <summary>
    /// Issues a new secret (returned once); the current one keeps working for <paramref name="grace"/> (at most
    /// <see cref="ApiKeyGrain.MaxRotationGrace"/>; zero ends it now), then is refused. Spend, budget and history stay
    /// with the key.
    /// </summary>
    Task<CreatedKey> RotateAsync(TimeSpan grace);

    /// <summary>Changes the fields the patch sets (name, metadata, models, expiry, budget, rate limits).</summary>
    Task<KeyView> UpdateAsync(KeyPatch patch);

    /// <summary>
    /// Authenticates a presented key (by the SHA-256 of the whole key string, compared in constant time),
    /// checks the model against the key's allow-list and resolves the route (hot path).
    /// </summary>
    /// <param name="model">The model as the client named it.</param>
    /// <param name="modelNames">The model's other names in the catalog (id, aliases): the allow-list may name it by any.</param>
    [AlwaysInterleave]
    Task<Admission> AdmitAsync(byte[] secretHash, string? model, string[]? modelNames);

    /// <summary>The key's workspace changed (default config, metadata): resolve it again on the next request.</summary>
    [AlwaysInterleave]
    Task WorkspaceChangedAsync();
}

/// <summary>What an admin asks for when creating a key.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyDraft(
    [property: Id(0)] string Workspace,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Config,
    [property: Id(3)] ImmutableDictionary<string, string> Metadata,
    [property: Id(4)] ImmutableArray<string>? Models,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] Budget? Budget = null,
    [property: Id(7)] RateLimits? RateLimits = null);

/// <summary>A partial update: null fields stay as they are; <c>Set…</c> flags also allow clearing.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyPatch(
    [property: Id(0)] string? Name,
    [property: Id(1)] ImmutableDictionary<string, string>? Metadata,
    [property: Id(2)] ImmutableArray<string>? Models,
    [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] bool SetBudget,
    [property: Id(5)] Budget? Budget,
    [property: Id(6)] bool SetRateLimits,
    [property: Id(7)] RateLimits? RateLimits);

/// <summary>A key as the admin API shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Workspace,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Config,
    [property: Id(4)] ImmutableDictionary<string, string> Metadata,
    [property: Id(5)] ImmutableArray<string>? Models,
    [property: Id(6)] DateTimeOffset? ExpiresAt,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? RevokedAt,
    [property: Id(9)] string Hint,
    [property: Id(10)] Budget? Budget,
    [property: Id(11)] RateLimits? RateLimits,
    [property: Id(12)] DateTimeOffset? RotatedAt = null,
    [property: Id(13)] DateTimeOffset? PreviousKeyExpiresAt = null);

/// <summary>A new key and its secret, returned once.</summary>
[GenerateSerializer, Immutable]
public sealed record CreatedKey([property: Id(0)] KeyView Key, [property: Id(1)] string Secret);

/// <summary>The key's verdict on one request: an admitted request, or why it is refused (and a message saying so).</summary>
[GenerateSerializer, Immutable]
public sealed record Admission(
    [property: Id(0)] AdmittedRequest? Request,
    [property: Id(1)] AdmissionRefusal? Refusal,
    [property: Id(2)] string? Message)
{
    public static Admission Allowed(AdmittedRequest request) => new(request, null, null);

    public static Admission Refused(AdmissionRefusal refusal, string message) => new(null, refusal, message);
}

/// <summary>Why a key does not admit a request.</summary>
public enum AdmissionRefusal
{
    /// <summary>No such key, or a wrong secret.</summary>
    UnknownKey,
    KeyRevoked,
    KeyExpired,

    /// <summary>The key's model list does not include the requested model.</summary>
    ModelNotAllowed,

    /// <summary>The key's workspace was deleted.</summary>
    WorkspaceGone,

    /// <summary>The routing config the request names (or the key's) does not exist or cannot serve.</summary>
    ConfigNotFound,

    /// <summary>A signed-in user an admin blocked.</summary>
    UserBlocked,

    /// <summary>A signed-in user whom no rule of the identity provider places in a workspace.</summary>
    NoWorkspace,
}

/// <summary>Who is asking (a key, or a signed-in user) and where the request goes.</summary>
/// <param name="Metadata">The admins' metadata alone (<see cref="MetadataLayers"/> over nothing): what a request that sends none carries.</param>
/// <param name="MetadataLayers">The admins' metadata by scope, for the front to layer the request's own under.</param>
/// <param name="MetadataPolicy">The workspace's required metadata and the request headers it records as metadata.</param>
[GenerateSerializer, Immutable]
public sealed record AdmittedRequest(
    [property: Id(0)] string? KeyId,
    [property: Id(1)] string Workspace,
    [property: Id(2)] ImmutableDictionary<string, string> Metadata,
    [property: Id(3)] RouteConfig Route,
    [property: Id(4)] ImmutableArray<string>? Models,
    [property: Id(5)] ImmutableArray<ScopedPolicy> Scopes,
    [property: Id(6)] LogPolicy Logging,
    [property: Id(7)] MetadataLayers MetadataLayers,
    [property: Id(8)] MetadataPolicy MetadataPolicy,
    [property: Id(9)] string? UserId = null);
