using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Gateway.Grains.Budgets;
using Gateway.Grains.Identity;
using Gateway.Grains.Keys;

namespace Gateway.Grains.Users;

/// <summary>
/// A user signed on through an identity provider: a budget scope of its own (the workspace's per-user defaults, or
/// the user's own), and a block that refuses the user's next request on every silo, since every request of the user is
/// admitted by this grain's single activation.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>
    /// Admits a request of the user whose token the front validated: refused when blocked, else resolved like a
    /// key's (workspace, route, metadata, scopes). The first sign-on (or a move to another workspace) is recorded.
    /// </summary>
    Task<Admission> AdmitAsync(SignOn signOn);

    /// <summary>The user, or null when the user never signed on.</summary>
    [ReadOnly]
    Task<UserView?> GetAsync();

    /// <summary>Sets or clears the user's own budget and rate limits (over the workspace's defaults).</summary>
    Task<UserView> UpdateAsync(UserPatch patch);

    /// <summary>Blocks or unblocks the user; a block holds from the user's next request on.</summary>
    Task<UserView> SetBlockedAsync(bool blocked);
}

/// <summary>What a validated token says: who, through which provider, placed where, with which claim metadata.</summary>
/// <param name="Metadata">Metadata from the claims (<c>user</c>, and the provider's metadata claims): no header overrides it.</param>
[GenerateSerializer, Immutable]
public sealed record SignOn(
    [property: Id(0)] string Provider,
    [property: Id(1)] string Subject,
    [property: Id(2)] Placement Placement,
    [property: Id(3)] ImmutableDictionary<string, string> Metadata);

/// <summary>A partial update: <c>Set…</c> says the field is changed (null clears the user's own value).</summary>
[GenerateSerializer, Immutable]
public sealed record UserPatch(
    [property: Id(0)] bool SetBudget,
    [property: Id(1)] Budget? Budget,
    [property: Id(2)] bool SetRateLimits,
    [property: Id(3)] RateLimits? RateLimits);

/// <summary>A user as the admin API shows it; <c>Budget</c> and <c>RateLimits</c> are the user's own (null: the workspace's defaults).</summary>
[GenerateSerializer, Immutable]
public sealed record UserView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Provider,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Workspace,
    [property: Id(4)] ImmutableDictionary<string, string> Metadata,
    [property: Id(5)] Budget? Budget,
    [property: Id(6)] RateLimits? RateLimits,
    [property: Id(7)] DateTimeOffset? BlockedAt,
    [property: Id(8)] DateTimeOffset FirstSeenAt,
    [property: Id(9)] DateTimeOffset LastPlacedAt)
{
    /// <summary>What the user's scope enforces: the user's own budget and rate limits, else the workspace's per-user defaults.</summary>
    public static ScopePolicy Effective(Budget? budget, RateLimits? limits, ScopePolicy? workspaceDefaults) =>
        new(budget ?? workspaceDefaults?.Budget, limits ?? workspaceDefaults?.RateLimits);
}

/// <summary>
/// User ids: <c>usr_</c> and 24 hex digits of the SHA-256 of the provider's slug and the user claim's value, so every
/// silo names the same user's grain alike and the id is safe in a URL whatever the claim holds.
/// </summary>
public static class UserIds
{
    public static string Of(string provider, string subject) =>
        "usr_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(provider + "\n" + subject)))[..24];

    /// <summary>Whether <paramref name="id"/> could be a user id (anything else never reaches a grain).</summary>
    public static bool IsValid(string id) =>
        id.Length == 28 && id.StartsWith("usr_", StringComparison.Ordinal) && id.AsSpan(4).ContainsAnyExcept("0123456789abcdef") is false;
}
