using System.Collections.Immutable;

namespace Gateway.Grains.Admin;

/// <summary>
/// The organisation's admin tokens (stored as SHA-256 hashes). Holds the bootstrap org-admin token that is
/// generated when no <c>GATEWAY_ADMIN_TOKEN</c> is configured.
/// </summary>
public interface IAdminTokensGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the bootstrap org-admin token unless one exists; returns its value only to the caller that
    /// created it (null otherwise), so it is shown once.
    /// </summary>
    Task<string?> EnsureBootstrapTokenAsync();

    /// <summary>
    /// Creates a token; the value is returned here only. Workspace admins and analysts need at least one workspace;
    /// an org admin's token names none (it sees everything).
    /// </summary>
    Task<CreatedAdminToken> CreateAsync(string name, string role, ImmutableArray<string> workspaces);

    /// <summary>The tokens, oldest first, without their values (only hashes are kept).</summary>
    [ReadOnly]
    Task<ImmutableArray<AdminTokenSummary>> ListAsync();

    /// <summary>Deletes a token; false when there is none with this id. The bootstrap token cannot be deleted.</summary>
    Task<bool> DeleteAsync(string id);

    /// <summary>The token's principal, or null when no token has this hash.</summary>
    [ReadOnly]
    Task<AdminPrincipal?> FindAsync(byte[] tokenHash);
}

/// <summary>Who an admin token speaks for.</summary>
/// <param name="Workspaces">The workspaces a workspace admin or analyst may see; empty for an org admin (all).</param>
[GenerateSerializer, Immutable]
public sealed record AdminPrincipal(
    [property: Id(0)] string TokenId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Role,
    [property: Id(3)] ImmutableArray<string> Workspaces = default)
{
    public bool IsOrgAdmin => Role == AdminRoles.OrgAdmin;

    /// <summary>Whether this admin may see the workspace's data.</summary>
    public bool Sees(string? workspace) => IsOrgAdmin || (workspace is not null && !Workspaces.IsDefault && Workspaces.Contains(workspace));
}

/// <summary>A new admin token: its id and, this once, its value.</summary>
[GenerateSerializer, Immutable]
public sealed record CreatedAdminToken(
    [property: Id(0)] string Id,
    [property: Id(1)] string Token,
    [property: Id(2)] string Name,
    [property: Id(3)] string Role,
    [property: Id(4)] ImmutableArray<string> Workspaces,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>An admin token as lists show it: who it speaks for, never its value.</summary>
/// <param name="Bootstrap">The generated first org-admin token (it cannot be deleted).</param>
[GenerateSerializer, Immutable]
public sealed record AdminTokenSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Role,
    [property: Id(3)] ImmutableArray<string> Workspaces,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] bool Bootstrap);

public static class AdminRoles
{
    public const string OrgAdmin = "org_admin";
    public const string WorkspaceAdmin = "workspace_admin";
    public const string Analyst = "analyst";

    public static bool IsKnown(string role) => role is OrgAdmin or WorkspaceAdmin or Analyst;
}
