using System.Collections.Immutable;
using Gateway.Grains.Budgets;
using Gateway.Grains.Logging;

namespace Gateway.Grains.Workspaces;

/// <summary>
/// A workspace: a team's unit of keys, routing default, budget and rate limits. Every admitted request passes
/// through its workspace grain, the single writer of the workspace's state.
/// </summary>
public interface IWorkspaceGrain : IGrainWithStringKey
{
    /// <summary>Creates the workspace; fails with 409 when it exists.</summary>
    Task<WorkspaceView> CreateAsync(WorkspaceDraft draft);

    /// <summary>The workspace, or null when it does not exist (or was deleted).</summary>
    [ReadOnly]
    Task<WorkspaceView?> GetAsync();

    /// <summary>Changes the fields the patch sets.</summary>
    Task<WorkspaceView> UpdateAsync(WorkspacePatch patch);

    /// <summary>Deletes the workspace; its keys stop working at once.</summary>
    Task DeleteAsync();

    /// <summary>
    /// Admits one request of one of its keys. Interleaved with everything: an update or delete waits on the
    /// workspace's keys, which may be waiting here.
    /// </summary>
    [AlwaysInterleave]
    Task<WorkspaceAdmission> AdmitAsync(string keyId);
}

/// <summary>What an admin asks for when creating a workspace.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkspaceDraft(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableDictionary<string, string> Metadata,
    [property: Id(2)] string? DefaultConfig,
    [property: Id(3)] Budget? Budget = null,
    [property: Id(4)] RateLimits? RateLimits = null,
    [property: Id(5)] LogPolicy? Logging = null,
    [property: Id(6)] ImmutableArray<string>? RequiredMetadata = null,
    [property: Id(7)] ImmutableDictionary<string, string>? MetadataHeaders = null,
    [property: Id(8)] ScopePolicy? UserPolicy = null);

/// <summary>A partial update: null fields stay as they are.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkspacePatch(
    [property: Id(0)] string? Name,
    [property: Id(1)] ImmutableDictionary<string, string>? Metadata,
    [property: Id(2)] string? DefaultConfig,
    [property: Id(3)] bool ClearDefaultConfig,
    [property: Id(4)] bool SetBudget = false,
    [property: Id(5)] Budget? Budget = null,
    [property: Id(6)] bool SetRateLimits = false,
    [property: Id(7)] RateLimits? RateLimits = null,
    [property: Id(8)] LogPolicy? Logging = null,
    [property: Id(9)] ImmutableArray<string>? RequiredMetadata = null,
    [property: Id(10)] ImmutableDictionary<string, string>? MetadataHeaders = null,
    [property: Id(11)] bool SetUserBudget = false,
    [property: Id(12)] Budget? UserBudget = null,
    [property: Id(13)] bool SetUserRateLimits = false,
    [property: Id(14)] RateLimits? UserRateLimits = null);

/// <summary>A workspace as the admin API shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkspaceView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableDictionary<string, string> Metadata,
    [property: Id(3)] string? DefaultConfig,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] Budget? Budget,
    [property: Id(7)] RateLimits? RateLimits,
    [property: Id(8)] LogPolicy Logging,
    [property: Id(9)] MetadataPolicy MetadataPolicy,
    [property: Id(10)] ScopePolicy? UserPolicy = null);

/// <summary>The workspace's answer for one request; <c>UserPolicy</c> is the default budget and rate limits of each signed-in user.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkspaceAdmission(
    [property: Id(0)] bool Active,
    [property: Id(1)] string? DefaultConfig,
    [property: Id(2)] ImmutableDictionary<string, string> Metadata,
    [property: Id(3)] ScopePolicy Policy,
    [property: Id(4)] LogPolicy Logging,
    [property: Id(5)] MetadataPolicy MetadataPolicy,
    [property: Id(6)] ScopePolicy? UserPolicy = null);
