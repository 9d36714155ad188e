using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Logging;
using Gateway.Grains.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/workspaces</c>.</summary>
public static class WorkspacesApi
{
    public static RouteGroupBuilder MapWorkspacesApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/workspaces");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPatch("/{id}", UpdateAsync);
        group.MapDelete("/{id}", DeleteAsync);
        return admin;
    }

    public sealed record CreateWorkspaceRequest(
        string? Id,
        string? Name,
        Dictionary<string, string>? Metadata,
        string? DefaultConfig,
        JsonElement Budget,
        JsonElement RateLimits,
        JsonElement Logging);

    public sealed record UpdateWorkspaceRequest(
        string? Name,
        Dictionary<string, string>? Metadata,
        JsonElement DefaultConfig,
        JsonElement Budget,
        JsonElement RateLimits,
        JsonElement Logging);

    /// <summary>A workspace as reads show it: its budget with the current period's spend.</summary>
    public sealed record WorkspaceResponse(
        string Id,
        string Name,
        ImmutableDictionary<string, string> Metadata,
        string? DefaultConfig,
        BudgetJson.BudgetView? Budget,
        RateLimits? RateLimits,
        LogPolicy Logging,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt)
    {
        public static async Task<WorkspaceResponse> FromAsync(IGrainFactory grains, WorkspaceView view) => new(
            view.Id, view.Name, view.Metadata, view.DefaultConfig,
            await BudgetJson.ShowAsync(grains, BudgetScopes.Workspace(view.Id), view.Budget, view.RateLimits),
            view.RateLimits, view.Logging, view.CreatedAt, view.UpdatedAt);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateWorkspaceRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Id, "id");
        var (_, budget) = BudgetJson.ReadBudget(request.Budget);
        var (_, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        var logging = LogPolicyJson.Read(request.Logging);
        if (request.DefaultConfig is { } config)
        {
            Slugs.Require(config, "default_config");
        }
        var view = await grains.Workspace(request.Id!).CreateAsync(new WorkspaceDraft(
            string.IsNullOrWhiteSpace(request.Name) ? request.Id! : request.Name,
            request.Metadata?.ToImmutableDictionary() ?? ImmutableDictionary<string, string>.Empty,
            request.DefaultConfig,
            budget,
            limits,
            logging));
        await audit.RecordAsync(context, "workspace", view.Id, "created", budget is null ? null : $"budget: {budget.LimitUsd} USD {budget.Period}");
        return TypedResults.Json(await WorkspaceResponse.FromAsync(grains, view), AdminJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Workspaces), cursor, limit,
            async id => await grains.Workspace(id).GetAsync() is { } view ? await WorkspaceResponse.FromAsync(grains, view) : null);
        return TypedResults.Json(page, AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains) =>
        await grains.Workspace(id).GetAsync() is { } view
            ? TypedResults.Json(await WorkspaceResponse.FromAsync(grains, view), AdminJson.Options)
            : new AnthropicErrorResult(404, $"Workspace '{id}' does not exist.");

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<UpdateWorkspaceRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var (setBudget, budget) = BudgetJson.ReadBudget(request!.Budget);
        var (setLimits, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        var logging = LogPolicyJson.Read(request.Logging);
        string? defaultConfig = null;
        var clear = false;
        switch (request.DefaultConfig.ValueKind)
        {
            case JsonValueKind.Undefined:
                break;
            case JsonValueKind.Null:
                clear = true;
                break;
            case JsonValueKind.String:
                defaultConfig = request.DefaultConfig.GetString();
                Slugs.Require(defaultConfig, "default_config");
                break;
            default:
                return new AnthropicErrorResult(400, "default_config: must be a config slug or null.");
        }
        var view = await grains.Workspace(id).UpdateAsync(new WorkspacePatch(
            request.Name, request.Metadata?.ToImmutableDictionary(), defaultConfig, clear, setBudget, budget, setLimits, limits, logging));
        var changes = new List<string>();
        if (setBudget)
        {
            changes.Add($"budget: {budget?.LimitUsd.ToString() ?? "none"}");
        }
        if (logging is not null)
        {
            changes.Add($"logging: {JsonNamingPolicy.SnakeCaseLower.ConvertName(logging.Mode.ToString())}, retention {logging.RetentionDays?.ToString() ?? "unlimited"} days");
        }
        await audit.RecordAsync(context, "workspace", id, "updated", changes.Count == 0 ? null : string.Join("; ", changes));
        return TypedResults.Json(await WorkspaceResponse.FromAsync(grains, view), AdminJson.Options);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        await grains.Workspace(id).DeleteAsync();
        await audit.RecordAsync(context, "workspace", id, "deleted");
        return TypedResults.NoContent();
    }
}
