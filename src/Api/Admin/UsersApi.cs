using System.Collections.Immutable;
using System.ComponentModel;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary>
/// <c>/admin/v1/users</c>: the users who signed on through an identity provider, with their budgets' spend; a user's
/// own budget and rate limits, and blocks.
/// </summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/users").WithTags("Users").ProducesErrors(StatusCodes.Status403Forbidden);
        group.MapGet("/", ListAsync).WithSummary("List signed-on users, of one workspace or all (a workspace admin's or analyst's own), with their budget's current spend")
            .ProducesErrors(StatusCodes.Status400BadRequest).Requires(AdminAccess.WorkspaceRead);
        group.MapGet("/{id}", GetAsync).WithSummary("Get a user, with their budget's current spend").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceRead, AdminResource.User);
        group.MapPatch("/{id}", UpdateAsync).WithSummary("Set a user's own budget or rate limits (null returns to the workspace's per-user defaults)")
            .AcceptsJson<UpdateUserRequest>().ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.WorkspaceManage, AdminResource.User);
        group.MapPost("/{id}/block", BlockAsync).WithSummary("Block a user: their next request is refused on every gateway process")
            .ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.WorkspaceManage, AdminResource.User);
        group.MapPost("/{id}/unblock", UnblockAsync).WithSummary("Unblock a user").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceManage, AdminResource.User);
        return admin;
    }

    /// <summary>A change to a user: <c>budget</c> or <c>rate_limits</c> left out stay; null returns to the workspace's per-user defaults.</summary>
    public sealed record UpdateUserRequest
    {
        [DocumentedAs(typeof(BudgetJson.BudgetRequest))]
        public System.Text.Json.JsonElement Budget { get; init; }

        [DocumentedAs(typeof(BudgetJson.RateLimitsRequest))]
        public System.Text.Json.JsonElement RateLimits { get; init; }
    }

    /// <summary>
    /// A user as reads show them: <c>budget</c> and <c>rate_limits</c> are what the user's scope enforces (their own, else the
    /// workspace's per-user defaults), the budget with its current period's spend; <c>own_budget</c> and <c>own_rate_limits</c> the user's own.
    /// </summary>
    /// <param name="MonthToDateUsd">What the user spent since the start of the UTC month, from the ledger, with or without a budget.</param>
    public sealed record UserResponse(
        string Id,
        string IdentityProvider,
        string Subject,
        string Workspace,
        ImmutableDictionary<string, string> Metadata,
        bool Blocked,
        DateTimeOffset? BlockedAt,
        BudgetJson.BudgetView? Budget,
        RateLimits? RateLimits,
        Budget? OwnBudget,
        RateLimits? OwnRateLimits,
        DateTimeOffset FirstSeenAt,
        DateTimeOffset PlacedAt,
        decimal MonthToDateUsd)
    {
        public static async Task<UserResponse> FromAsync(IGrainFactory grains, UserView view)
        {
            var defaults = (await grains.Workspace(view.Workspace).GetAsync())?.UserPolicy;
            var effective = UserView.Effective(view.Budget, view.RateLimits, defaults);
            return new(view.Id, view.Provider, view.Subject, view.Workspace, view.Metadata, view.BlockedAt is not null, view.BlockedAt,
                await BudgetJson.ShowAsync(grains, BudgetScopes.User(view.Id), effective.Budget, effective.RateLimits),
                effective.RateLimits, view.Budget, view.RateLimits, view.FirstSeenAt, view.LastPlacedAt,
                await grains.Budget(BudgetScopes.User(view.Id)).GetSpentSinceAsync(MonthStart(DateTimeOffset.UtcNow)));
        }
    }

    private static async Task<Results<Ok<ListPage<UserResponse>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging,
        [Description("Only this workspace's users.")] string? workspace,
        HttpContext context, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var admin = AdminAuth.Principal(context);
        // Another workspace's users are an empty list, as a workspace without users would be.
        if (workspace is not null && !AdminPolicy.MayRead(admin, workspace))
        {
            return TypedResults.Ok(new ListPage<UserResponse>([], null));
        }
        // An admin of one workspace reads its catalog; of several, the whole one filtered.
        var only = workspace ?? (AdminPolicy.ReadableWorkspaces(admin) is [var single] ? single : null);
        var catalog = grains.Catalog(only is null ? Catalogs.Users : Catalogs.UsersOf(only));
        return TypedResults.Ok(await AdminPaging.LoadAsync(catalog, cursor, limit, async id =>
            // A user who moved to another workspace meanwhile is listed there, not here.
            await grains.User(id).GetAsync() is { } view && (only is null || view.Workspace == only) && AdminPolicy.MayRead(admin, view.Workspace)
                ? await UserResponse.FromAsync(grains, view)
                : null));
    }

    private static async Task<Results<Ok<UserResponse>, AnthropicErrorResult>> GetAsync(string id, IGrainFactory grains) =>
        UserIds.IsValid(id) && await grains.User(id).GetAsync() is { } view
            ? TypedResults.Ok(await UserResponse.FromAsync(grains, view))
            : NotFound(id);

    private static async Task<Results<Ok<UserResponse>, AnthropicErrorResult>> UpdateAsync(string id, HttpContext context, IGrainFactory grains,
        AuditLog audit)
    {
        if (!UserIds.IsValid(id))
        {
            return NotFound(id);
        }
        var (request, error) = await AdminJson.ReadAsync<UpdateUserRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var (setBudget, budget) = BudgetJson.ReadBudget(request!.Budget);
        var (setLimits, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        var view = await grains.User(id).UpdateAsync(new UserPatch(setBudget, budget, setLimits, limits));
        await audit.RecordAsync(context, "user", id, "updated", setBudget ? $"budget: {budget?.LimitUsd.ToString() ?? "workspace default"}" : null);
        return TypedResults.Ok(await UserResponse.FromAsync(grains, view));
    }

    private static Task<Results<Ok<UserResponse>, AnthropicErrorResult>> BlockAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit) =>
        SetBlockedAsync(id, blocked: true, context, grains, audit);

    private static Task<Results<Ok<UserResponse>, AnthropicErrorResult>> UnblockAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit) =>
        SetBlockedAsync(id, blocked: false, context, grains, audit);

    private static async Task<Results<Ok<UserResponse>, AnthropicErrorResult>> SetBlockedAsync(string id, bool blocked, HttpContext context,
        IGrainFactory grains, AuditLog audit)
    {
        if (!UserIds.IsValid(id))
        {
            return NotFound(id);
        }
        var view = await grains.User(id).SetBlockedAsync(blocked);
        await audit.RecordAsync(context, "user", id, blocked ? "blocked" : "unblocked");
        return TypedResults.Ok(await UserResponse.FromAsync(grains, view));
    }

    private static DateTimeOffset MonthStart(DateTimeOffset now) => new(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);

    private static AnthropicErrorResult NotFound(string id) => new(404, $"User '{id}' does not exist.");
}
