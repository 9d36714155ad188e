using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using Gateway.Grains.Admin;
using Gateway.Grains.Common;

namespace Gateway.Api.Admin.Access;

/// <summary>What an admin is told about a resource it asked for.</summary>
public enum AdminDecision
{
    Allowed,

    /// <summary>The admin may see the resource but not do this (403).</summary>
    Forbidden,

    /// <summary>The resource does not exist, or is another workspace's: answered alike so its existence does not leak (404).</summary>
    NotFound,
}

/// <summary>
/// The one place that decides what an admin may do, from its role and workspaces and the resource's workspace.
/// Org admins may do everything. Workspace admins read and manage their workspaces' resources; analysts read them.
/// Another workspace's resource is answered as missing (404); an org-wide one is readable, not changeable (403).
/// </summary>
public static class AdminPolicy
{
    /// <summary>
    /// The fields of its own workspace a workspace admin may change (JSON names). Anything else — including fields
    /// added later — stays with org admins until it is listed here.
    /// </summary>
    public static readonly FrozenSet<string> WorkspaceAdminWorkspaceFields =
        FrozenSet.Create(StringComparer.Ordinal, "name", "metadata", "default_config", "budget", "rate_limits", "logging",
            "user_budget", "user_rate_limits");

    /// <summary>Whether the admin may use an endpoint that needs <paramref name="access"/> at all.</summary>
    public static bool MayUse(AdminPrincipal admin, AdminAccess access) => admin.IsOrgAdmin || access switch
    {
        AdminAccess.AnyAdmin => true,
        AdminAccess.WorkspaceRead => admin.Role is AdminRoles.WorkspaceAdmin or AdminRoles.Analyst,
        AdminAccess.WorkspaceManage => admin.Role is AdminRoles.WorkspaceAdmin,
        _ => false,
    };

    /// <summary>Whether the admin may do what <paramref name="access"/> names to a resource of <paramref name="owner"/>.</summary>
    public static AdminDecision Decide(AdminPrincipal admin, AdminAccess access, ResourceOwner owner)
    {
        if (!MayUse(admin, access))
        {
            return AdminDecision.Forbidden;
        }
        if (admin.IsOrgAdmin || access == AdminAccess.AnyAdmin)
        {
            return AdminDecision.Allowed;
        }
        if (!owner.Exists)
        {
            return AdminDecision.NotFound;
        }
        if (owner.Workspace is null)
        {
            return access == AdminAccess.WorkspaceRead ? AdminDecision.Allowed : AdminDecision.Forbidden;
        }
        return admin.Sees(owner.Workspace) ? AdminDecision.Allowed : AdminDecision.NotFound;
    }

    /// <summary>Whether the admin may read a row of this workspace's (a resource in a list, a report row).</summary>
    public static bool MayRead(AdminPrincipal admin, string? workspace) =>
        Decide(admin, AdminAccess.WorkspaceRead, new ResourceOwner(true, workspace)) == AdminDecision.Allowed;

    /// <summary>The workspaces whose data the admin reads: null for all (an org admin).</summary>
    public static IReadOnlyList<string>? ReadableWorkspaces(AdminPrincipal admin) => admin.IsOrgAdmin ? null : [.. admin.Workspaces];

    /// <summary>
    /// Refuses a new or changed resource placed in <paramref name="workspace"/> (named by <paramref name="field"/>)
    /// unless the admin manages it: another workspace is answered as a missing one; no workspace (org-wide) is 403.
    /// </summary>
    public static void RequireManaged(AdminPrincipal admin, string? workspace, string field)
    {
        switch (Decide(admin, AdminAccess.WorkspaceManage, new ResourceOwner(true, workspace)))
        {
            case AdminDecision.Forbidden:
                throw new AdminException(AdminProblem.Forbidden, $"{field}: only org admins may manage resources of no workspace; name one of yours.");
            case AdminDecision.NotFound:
                throw AdminException.Invalid($"{field}: '{workspace}' does not exist.");
        }
    }

    /// <summary>Refuses a workspace change that sets a field this admin may not change (see <see cref="WorkspaceAdminWorkspaceFields"/>).</summary>
    public static void RequireChangeableWorkspaceFields(AdminPrincipal admin, object change)
    {
        if (admin.IsOrgAdmin)
        {
            return;
        }
        if (FieldsSet(change).FirstOrDefault(field => !WorkspaceAdminWorkspaceFields.Contains(field)) is { } refused)
        {
            throw new AdminException(AdminProblem.Forbidden, $"{refused}: only org admins may change this field of a workspace.");
        }
    }

    /// <summary>The JSON names of a request record's fields that were sent (not null, not left out).</summary>
    public static IEnumerable<string> FieldsSet(object request) =>
        request.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetValue(request) is not (null or JsonElement { ValueKind: JsonValueKind.Undefined }))
            .Select(property => JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
}
