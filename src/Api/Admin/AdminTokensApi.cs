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
        group.MapGet("/", ListAsync).WithSummary("List admin tokens, newest first (names, roles and workspaces; never their values)")
            .ProducesErrors(StatusCodes.Status400BadRequest);
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

    // The tokens are few and held by one grain: a page is a slice of them, newest first (ids are time-ordered), the
    // cursor the last id shown (a token deleted meanwhile does not break the next page).
    private static async Task<Results<Ok<ListPage<AdminTokenSummary>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var after = (await grains.AdminTokens().ListAsync())
            .Where(t => cursor is null || string.CompareOrdinal(t.Id, cursor) < 0)
            .OrderByDescending(t => t.Id, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var page = after.Take(limit).ToList();
        return TypedResults.Ok(new ListPage<AdminTokenSummary>(page, after.Count > limit ? page[^1].Id : null));
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
