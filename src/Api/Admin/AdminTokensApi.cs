using System.Collections.Immutable;
using Gateway.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/admin-tokens</c>: org admins hand out tokens; the value is in the creation response only.</summary>
public static class AdminTokensApi
{
    public static RouteGroupBuilder MapAdminTokensApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/admin-tokens");
        group.MapPost("/", CreateAsync);
        group.MapDelete("/{id}", DeleteAsync);
        return admin;
    }

    public sealed record CreateAdminTokenRequest(string? Name, string? Role, List<string>? Workspaces);

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
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
        return TypedResults.Json(created, AdminJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        if (!await grains.AdminTokens().DeleteAsync(id))
        {
            return new AnthropicErrorResult(404, $"Admin token '{id}' does not exist.");
        }
        await audit.RecordAsync(context, "admin_token", id, "deleted");
        return TypedResults.NoContent();
    }
}
