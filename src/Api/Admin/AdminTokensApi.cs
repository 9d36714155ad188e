using System.Collections.Immutable;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/admin-tokens</c>: org admins hand out tokens; the value is in the creation response only.</summary>
public static class AdminTokensApi
{
    public static RouteGroupBuilder MapAdminTokensApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/admin-tokens").WithTags("Admin tokens").ProducesErrors(StatusCodes.Status403Forbidden).Requires(AdminAccess.OrgAdmin);
        group.MapPost("/", CreateAsync).WithSummary("Create an admin token (its value is in this response only)").AcceptsJson<CreateAdminTokenRequest>();
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete an admin token").ProducesErrors(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <param name="Role"><c>org_admin</c>, <c>workspace_admin</c> or <c>analyst</c>.</param>
    /// <param name="Workspaces">The workspaces a workspace admin or analyst may read the reports of.</param>
    public sealed record CreateAdminTokenRequest(string? Name, string? Role, List<string>? Workspaces = null);

    private static async Task<Results<Created<CreatedAdminToken>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateAdminTokenRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var created = await grains.AdminTokens().CreateAsync(request!.Name ?? "", request.Role ?? "",
            request.Workspaces?.ToImmutableArray() ?? []);
        await audit.RecordAsync(context, "admin_token", created.Id, "created",
            created.Workspaces.Length == 0 ? $"role: {created.Role}" : $"role: {created.Role}; workspaces: {string.Join(", ", created.Workspaces)}");
        return TypedResults.Created((string?)null, created);
    }

    private static async Task<Results<NoContent, AnthropicErrorResult>> DeleteAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        if (!await grains.AdminTokens().DeleteAsync(id))
        {
            return new AnthropicErrorResult(404, $"Admin token '{id}' does not exist.");
        }
        await audit.RecordAsync(context, "admin_token", id, "deleted");
        return TypedResults.NoContent();
    }
}
