using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Logging;
using Gateway.Grains.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/workspaces</c>.</summary>
public static class WorkspacesApi
{
    public static RouteGroupBuilder MapWorkspacesApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/workspaces").WithTags("Workspaces").ProducesErrors(StatusCodes.Status403Forbidden);
        group.MapPost("/", CreateAsync).WithSummary("Create a workspace").AcceptsJson<CreateWorkspaceRequest>()
            .ProducesErrors(StatusCodes.Status409Conflict).Requires(AdminAccess.OrgAdmin);
        group.MapGet("/", ListAsync).WithSummary("List workspaces (a workspace admin's or analyst's own)").ProducesErrors(StatusCodes.Status400BadRequest)
            .Requires(AdminAccess.WorkspaceRead);
        group.MapGet("/{id}", GetAsync).WithSummary("Get a workspace, with its budget's current spend").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceRead, AdminResource.Workspace);
        group.MapPatch("/{id}", UpdateAsync).WithSummary("Change a workspace (fields left out stay; budget, rate_limits or default_config null clears)")
            .WithDescription("Workspace admins may change their own workspaces' name, metadata, default_config, budget, rate_limits and logging.")
            .AcceptsJson<UpdateWorkspaceRequest>().ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceManage, AdminResource.Workspace);
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a workspace (its keys are revoked)").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.OrgAdmin);
        return admin;
    }

    /// <summary>The fields of a workspace an admin sets, on creation and on change.</summary>
    public abstract record WorkspaceFields : BudgetJson.ScopeFields
    {
        [DocumentedAs(typeof(LogPolicyJson.LogPolicyRequest))]
        public JsonElement Logging { get; init; }

        /// <summary>Metadata keys every request must carry (from its key, config, workspace or headers), else 400; <c>[]</c> clears.</summary>
        public List<string>? RequiredMetadata { get; init; }

        /// <summary>
        /// Request header name → the metadata key its value is recorded under, e.g. <c>{"x-claude-code-session-id": "session"}</c>;
        /// <c>{}</c> clears.
        /// </summary>
        public Dictionary<string, string>? MetadataHeaders { get; init; }
        /// <summary>The budget each signed-on user of the workspace gets (a user's own budget overrides it).</summary>
        [DocumentedAs(typeof(BudgetJson.BudgetRequest))]
        public JsonElement UserBudget { get; init; }

        /// <summary>The rate limits each signed-on user of the workspace gets (a user's own override them).</summary>
        [DocumentedAs(typeof(BudgetJson.RateLimitsRequest))]
        public JsonElement UserRateLimits { get; init; }
    }

    /// <summary>A new workspace; only <c>id</c> is required (the name defaults to it).</summary>
    public sealed record CreateWorkspaceRequest : WorkspaceFields
    {
        public string? Id { get; init; }

        /// <summary>The routing config of keys that name none.</summary>
        public string? DefaultConfig { get; init; }
    }

    /// <summary>A change to a workspace: fields left out stay as they are; budget, rate_limits or default_config null clears it.</summary>
    public sealed record UpdateWorkspaceRequest : WorkspaceFields
    {
        [DocumentedAs(typeof(string))]
        public JsonElement DefaultConfig { get; init; }
    }

    /// <summary>A workspace as reads show it: its budget with the current period's spend.</summary>
    public sealed record WorkspaceResponse(
        string Id,
        string Name,
        ImmutableDictionary<string, string> Metadata,
        string? DefaultConfig,
        BudgetJson.BudgetView? Budget,
        RateLimits? RateLimits,
        LogPolicy Logging,
        ImmutableArray<string> RequiredMetadata,
        ImmutableDictionary<string, string> MetadataHeaders,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt,
        Budget? UserBudget,
        RateLimits? UserRateLimits)
    {
        public static async Task<WorkspaceResponse> FromAsync(IGrainFactory grains, WorkspaceView view) => new(
            view.Id, view.Name, view.Metadata, view.DefaultConfig,
            await BudgetJson.ShowAsync(grains, BudgetScopes.Workspace(view.Id), view.Budget, view.RateLimits),
            view.RateLimits, view.Logging, view.MetadataPolicy.Required, view.MetadataPolicy.Headers, view.CreatedAt, view.UpdatedAt,
            view.UserPolicy?.Budget, view.UserPolicy?.RateLimits);
    }

    private static async Task<Results<Created<WorkspaceResponse>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
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
        var (_, userBudget) = BudgetJson.ReadBudget(request.UserBudget, "user_budget");
        var (_, userLimits) = BudgetJson.ReadRateLimits(request.UserRateLimits, "user_rate_limits");
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
            logging,
            request.RequiredMetadata?.ToImmutableArray(),
            request.MetadataHeaders?.ToImmutableDictionary(),
            new ScopePolicy(userBudget, userLimits)));
        await audit.RecordAsync(context, "workspace", view.Id, "created", budget is null ? null : $"budget: {budget.LimitUsd} USD {budget.Period}", view.Id);
        return TypedResults.Created($"/admin/v1/workspaces/{view.Id}", await WorkspaceResponse.FromAsync(grains, view));
    }

    private static async Task<Results<Ok<ListPage<WorkspaceResponse>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging, HttpContext context,
        IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var admin = AdminAuth.Principal(context);
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Workspaces), cursor, limit,
            async id => AdminPolicy.MayRead(admin, id) && await grains.Workspace(id).GetAsync() is { } view ? await WorkspaceResponse.FromAsync(grains, view) : null);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<WorkspaceResponse>, AnthropicErrorResult>> GetAsync(string id, IGrainFactory grains) =>
        await grains.Workspace(id).GetAsync() is { } view
            ? TypedResults.Ok(await WorkspaceResponse.FromAsync(grains, view))
            : new AnthropicErrorResult(404, $"Workspace '{id}' does not exist.");

    private static async Task<Results<Ok<WorkspaceResponse>, AnthropicErrorResult>> UpdateAsync(string id, HttpContext context, IGrainFactory grains,
        AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<UpdateWorkspaceRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        AdminPolicy.RequireChangeableWorkspaceFields(AdminAuth.Principal(context), request!);
        var (setBudget, budget) = BudgetJson.ReadBudget(request!.Budget);
        var (setLimits, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        var logging = LogPolicyJson.Read(request.Logging);
        var (setUserBudget, userBudget) = BudgetJson.ReadBudget(request.UserBudget, "user_budget");
        var (setUserLimits, userLimits) = BudgetJson.ReadRateLimits(request.UserRateLimits, "user_rate_limits");
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
                // The workspace's keys route by it: it must be this workspace's or org-wide (so also one its admin may read).
                if (await grains.Config(defaultConfig!).GetRouteAsync(id) is null)
                {
                    return new AnthropicErrorResult(400, $"default_config: '{defaultConfig}' does not exist or belongs to another workspace.");
                }
                break;
            default:
                return new AnthropicErrorResult(400, "default_config: must be a config slug or null.");
        }
        var view = await grains.Workspace(id).UpdateAsync(new WorkspacePatch(
            request.Name, request.Metadata?.ToImmutableDictionary(), defaultConfig, clear, setBudget, budget, setLimits, limits, logging,
            request.RequiredMetadata?.ToImmutableArray(), request.MetadataHeaders?.ToImmutableDictionary(),
            setUserBudget, userBudget, setUserLimits, userLimits));
        var changes = new List<string>();
        if (setBudget)
        {
            changes.Add($"budget: {budget?.LimitUsd.ToString() ?? "none"}");
        }
        if (request.RequiredMetadata is not null)
        {
            changes.Add($"required_metadata: [{string.Join(", ", view.MetadataPolicy.Required)}]");
        }
        if (request.MetadataHeaders is not null)
        {
            changes.Add($"metadata_headers: {{{string.Join(", ", view.MetadataPolicy.Headers.Select(h => $"{h.Key}: {h.Value}"))}}}");
        }
        if (setUserBudget)
        {
            changes.Add($"user_budget: {userBudget?.LimitUsd.ToString() ?? "none"}");
        }
        if (logging is not null)
        {
            changes.Add($"logging: {JsonNamingPolicy.SnakeCaseLower.ConvertName(logging.Mode.ToString())}, retention {logging.RetentionDays?.ToString() ?? "unlimited"} days");
        }
        await audit.RecordAsync(context, "workspace", id, "updated", changes.Count == 0 ? null : string.Join("; ", changes), id);
        return TypedResults.Ok(await WorkspaceResponse.FromAsync(grains, view));
    }

    private static async Task<NoContent> DeleteAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        await grains.Workspace(id).DeleteAsync();
        await audit.RecordAsync(context, "workspace", id, "deleted", workspace: id);
        return TypedResults.NoContent();
    }
}
