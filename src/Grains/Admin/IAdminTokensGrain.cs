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

    /// <summary>The token's principal, or null when no token has this hash.</summary>
    [ReadOnly]
    Task<AdminPrincipal?> FindAsync(byte[] tokenHash);
}

/// <summary>Who an admin token speaks for.</summary>
[GenerateSerializer, Immutable]
public sealed record AdminPrincipal(
    [property: Id(0)] string TokenId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Role);

public static class AdminRoles
{
    public const string OrgAdmin = "org_admin";
    public const string WorkspaceAdmin = "workspace_admin";
    public const string Analyst = "analyst";
}
