using System.Collections.Immutable;
using System.ComponentModel;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/keys</c>: the secret is in the creation response and nowhere else.</summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/keys").WithTags("Keys").ProducesErrors(StatusCodes.Status403Forbidden);
        group.MapPost("/", CreateAsync).WithSummary("Create a gateway key (its secret is in this response only)").AcceptsJson<CreateKeyRequest>()
            .ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.WorkspaceManage);
        group.MapGet("/", ListAsync).WithSummary("List keys, of one workspace or all (a workspace admin's or analyst's own)")
            .ProducesErrors(StatusCodes.Status400BadRequest).Requires(AdminAccess.WorkspaceRead);
        group.MapGet("/{id}", GetAsync).WithSummary("Get a key, with its budget's current spend").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceRead, AdminResource.Key);
        group.MapPatch("/{id}", UpdateAsync).WithSummary("Change a key's name, metadata, models, expiry, budget or rate limits")
            .AcceptsJson<UpdateKeyRequest>().ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.WorkspaceManage, AdminResource.Key);
        group.MapPost("/{id}/revoke", RevokeAsync).WithSummary("Revoke a key").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceManage, AdminResource.Key);
        return admin;
    }

    /// <summary>The fields of a key an admin sets, on creation and on change.</summary>
    public abstract record KeyFields : BudgetJson.ScopeFields
    {
        /// <summary>Model ids, or prefixes ending in <c>*</c>, the key may use (every model when left out).</summary>
        public List<string>? Models { get; init; }

        public DateTimeOffset? ExpiresAt { get; init; }
    }

    /// <summary>A new key of a workspace (required); the name defaults to the key's id.</summary>
    public sealed record CreateKeyRequest : KeyFields
    {
        public string? Workspace { get; init; }

        /// <summary>The routing config (else the workspace's default).</summary>
        public string? Config { get; init; }
    }

    /// <summary>A change to a key: fields left out stay as they are; budget or rate_limits null clears them.</summary>
    public sealed record UpdateKeyRequest : KeyFields;

    /// <summary>A key as the API shows it; <c>key</c> (the secret) only in the creation response.</summary>
    public sealed record KeyResponse(
        string Id,
        string? Key,
        string Workspace,
        string Name,
        string? Config,
        ImmutableDictionary<string, string> Metadata,
        ImmutableArray<string>? Models,
        DateTimeOffset? ExpiresAt,
        DateTimeOffset CreatedAt,
        DateTimeOffset? RevokedAt,
        string Status,
        string Hint,
        BudgetJson.BudgetView? Budget,
        RateLimits? RateLimits,
        DateTimeOffset? RotatedAt,
        DateTimeOffset? PreviousKeyExpiresAt)
    {
        public static async Task<KeyResponse> FromAsync(IGrainFactory grains, KeyView view, DateTimeOffset now, string? secret = null) => new(
            view.Id, secret, view.Workspace, view.Name, view.Config, view.Metadata, view.Models, view.ExpiresAt, view.CreatedAt,
            view.RevokedAt,
            view.RevokedAt is not null ? "revoked" : view.ExpiresAt <= now ? "expired" : "active",
            view.Hint,
            await BudgetJson.ShowAsync(grains, BudgetScopes.Key(view.Id), view.Budget, view.RateLimits),
            view.RateLimits,
            view.RotatedAt,
            view.PreviousKeyExpiresAt);
    }

    private static async Task<Results<Created<KeyResponse>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit,
        TimeProvider clock)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateKeyRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Workspace, "workspace");
        AdminPolicy.RequireManaged(AdminAuth.Principal(context), request.Workspace, "workspace");
        var (_, budget) = BudgetJson.ReadBudget(request.Budget);
        var (_, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        if (request.Config is { } config)
        {
            Slugs.Require(config, "config");
        }
        if (request.Models?.Any(string.IsNullOrWhiteSpace) == true)
        {
            throw AdminException.Invalid("models: entries must be model ids or prefixes ending in '*'.");
        }
        var keyId = ApiKeySecret.NewKeyId();
        var created = await grains.ApiKey(keyId).CreateAsync(new KeyDraft(
            request.Workspace!,
            string.IsNullOrWhiteSpace(request.Name) ? keyId : request.Name,
            request.Config,
            request.Metadata?.ToImmutableDictionary() ?? ImmutableDictionary<string, string>.Empty,
            request.Models?.ToImmutableArray(),
            request.ExpiresAt,
            budget,
            limits));
        await audit.RecordAsync(context, "key", keyId, "created", $"workspace: {created.Key.Workspace}", created.Key.Workspace);
        return TypedResults.Created($"/admin/v1/keys/{keyId}", await KeyResponse.FromAsync(grains, created.Key, clock.GetUtcNow(), created.Secret));
    }

    private static async Task<Results<Ok<ListPage<KeyResponse>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging,
        [Description("Only this workspace's keys.")] string? workspace,
        [Description("Only keys whose secret stops working within this time (expiry or the end of a rotation's grace): 7d, 12h, 30m, 90s.")]
        [FromQuery(Name = "expiring_within")] string? expiringWithin,
        HttpContext context, IGrainFactory grains, TimeProvider clock)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var window = TimeSpan.MaxValue;
        if (expiringWithin is not null && !KeyRotationApi.TryReadWindow(expiringWithin, out window))
        {
            return new AnthropicErrorResult(400, "expiring_within: a duration such as 7d, 12h, 30m or 90s (at most 10 years).");
        }
        var admin = AdminAuth.Principal(context);
        // Another workspace's keys are an empty list, as a workspace without keys would be.
        if (workspace is not null && !AdminPolicy.MayRead(admin, workspace))
        {
            return TypedResults.Ok(new ListPage<KeyResponse>([], null));
        }
        // An admin of one workspace reads its catalog; of several, the whole one filtered.
        var only = workspace ?? (AdminPolicy.ReadableWorkspaces(admin) is [var single] ? single : null);
        var catalog = grains.Catalog(only is null ? Catalogs.Keys : Catalogs.KeysOf(only));
        var now = clock.GetUtcNow();
        var page = await AdminPaging.LoadAsync(catalog, cursor, limit, async id =>
            await grains.ApiKey(id).GetAsync() is { } view && AdminPolicy.MayRead(admin, view.Workspace)
            && (expiringWithin is null || KeyRotationApi.StopsWithin(view, now, window))
                ? await KeyResponse.FromAsync(grains, view, now)
                : null);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<KeyResponse>, AnthropicErrorResult>> GetAsync(string id, IGrainFactory grains, TimeProvider clock) =>
        IsKeyId(id) && await grains.ApiKey(id).GetAsync() is { } view
            ? TypedResults.Ok(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()))
            : new AnthropicErrorResult(404, $"Key '{id}' does not exist.");

    private static async Task<Results<Ok<KeyResponse>, AnthropicErrorResult>> RevokeAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit, TimeProvider clock)
    {
        if (!IsKeyId(id))
        {
            return new AnthropicErrorResult(404, $"Key '{id}' does not exist.");
        }
        var view = await grains.ApiKey(id).RevokeAsync();
        await audit.RecordAsync(context, "key", id, "revoked", workspace: view.Workspace);
        return TypedResults.Ok(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()));
    }

    private static async Task<Results<Ok<KeyResponse>, AnthropicErrorResult>> UpdateAsync(string id, HttpContext context, IGrainFactory grains,
        AuditLog audit, TimeProvider clock)
    {
        if (!IsKeyId(id))
        {
            return new AnthropicErrorResult(404, $"Key '{id}' does not exist.");
        }
        var (request, error) = await AdminJson.ReadAsync<UpdateKeyRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var (setBudget, budget) = BudgetJson.ReadBudget(request!.Budget);
        var (setLimits, limits) = BudgetJson.ReadRateLimits(request.RateLimits);
        if (request.Models?.Any(string.IsNullOrWhiteSpace) == true)
        {
            throw AdminException.Invalid("models: entries must be model ids or prefixes ending in '*'.");
        }
        var view = await grains.ApiKey(id).UpdateAsync(new KeyPatch(request.Name, request.Metadata?.ToImmutableDictionary(),
            request.Models?.ToImmutableArray(), request.ExpiresAt, setBudget, budget, setLimits, limits));
        await audit.RecordAsync(context, "key", id, "updated", setBudget ? $"budget: {budget?.LimitUsd.ToString() ?? "none"}" : null, view.Workspace);
        return TypedResults.Ok(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()));
    }

    // Only ids the gateway could have issued reach a grain; anything else would activate one for nothing.
    internal static bool IsKeyId(string id) => id.StartsWith("key_", StringComparison.Ordinal) && id.Length == 30;
}
