using Microsoft.AspNetCore.Builder;

namespace Gateway.Api.Admin.Access;

/// <summary>What an admin endpoint needs of the admin calling it (see <see cref="AdminPolicy"/> for who has it).</summary>
public enum AdminAccess
{
    /// <summary>Org admins only: the organisation's own resources (providers, admin tokens, workspaces' existence, catalog writes).</summary>
    OrgAdmin,

    /// <summary>Every admin: org-wide reference data that is no workspace's (the model catalog's reads).</summary>
    AnyAdmin,

    /// <summary>Reading a workspace's data: org admins; workspace admins and analysts for their own workspaces.</summary>
    WorkspaceRead,

    /// <summary>Changing a workspace's resources: org admins; workspace admins for their own workspaces.</summary>
    WorkspaceManage,
}

/// <summary>
/// Endpoint metadata: the access the endpoint needs and, for an endpoint about one resource, which resource (named by
/// a route value) — its workspace decides. Every admin endpoint carries one; one without is for org admins only.
/// </summary>
public sealed record AdminRequirement(AdminAccess Access, AdminResource? Resource = null);

/// <summary>Declares endpoints' <see cref="AdminRequirement"/>.</summary>
public static class AdminRequirements
{
    /// <summary>The endpoints need <paramref name="access"/>, on the <paramref name="resource"/> their route names, if any.</summary>
    public static TBuilder Requires<TBuilder>(this TBuilder builder, AdminAccess access, AdminResource? resource = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AdminRequirement(access, resource));
}
