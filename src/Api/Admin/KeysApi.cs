using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/keys</c>: the secret is in the creation response and nowhere else.</summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/keys");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPatch("/{id}", UpdateAsync);
        group.MapPost("/{id}/revoke", RevokeAsync);
        return admin;
    }

    public sealed record CreateKeyRequest(
        string? Workspace,
        string? Name,
        string? Config,
        Dictionary<string, string>? Metadata,
        List<string>? Models,
        DateTimeOffset? ExpiresAt,
        JsonElement Budget,
        JsonElement RateLimits);

    public sealed record UpdateKeyRequest(
        string? Name,
        Dictionary<string, string>? Metadata,
        List<string>? Models,
        DateTimeOffset? ExpiresAt,
        JsonElement Budget,
        JsonElement RateLimits);

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

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit, TimeProvider clock)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateKeyRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Workspace, "workspace");
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
        await audit.RecordAsync(context, "key", keyId, "created", $"workspace: {created.Key.Workspace}");
        return TypedResults.Json(await KeyResponse.FromAsync(grains, created.Key, clock.GetUtcNow(), created.Secret), AdminJson.Options,
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains, TimeProvider clock)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var workspace = context.Request.Query["workspace"].FirstOrDefault();
        var catalog = grains.Catalog(workspace is null ? Catalogs.Keys : Catalogs.KeysOf(workspace));
        var now = clock.GetUtcNow();
        if (context.Request.Query["expiring_within"].FirstOrDefault() is { } within)
        {
            return KeyRotationApi.TryReadWindow(within, out var window)
                ? TypedResults.Json(await KeyRotationApi.ExpiringAsync(grains, catalog, cursor, limit, window, now), AdminJson.Options)
                : new AnthropicErrorResult(400, "expiring_within: a duration such as 7d, 12h, 30m or 90s (at most 10 years).");
        }
        var page = await AdminPaging.LoadAsync(catalog, cursor, limit,
            async id => await grains.ApiKey(id).GetAsync() is { } view ? await KeyResponse.FromAsync(grains, view, now) : null);
        return TypedResults.Json(page, AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains, TimeProvider clock) =>
        IsKeyId(id) && await grains.ApiKey(id).GetAsync() is { } view
            ? TypedResults.Json(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()), AdminJson.Options)
            : new AnthropicErrorResult(404, $"Key '{id}' does not exist.");

    private static async Task<IResult> RevokeAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit, TimeProvider clock)
    {
        if (!IsKeyId(id))
        {
            return new AnthropicErrorResult(404, $"Key '{id}' does not exist.");
        }
        var view = await grains.ApiKey(id).RevokeAsync();
        await audit.RecordAsync(context, "key", id, "revoked");
        return TypedResults.Json(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()), AdminJson.Options);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit, TimeProvider clock)
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
        await audit.RecordAsync(context, "key", id, "updated", setBudget ? $"budget: {budget?.LimitUsd.ToString() ?? "none"}" : null);
        return TypedResults.Json(await KeyResponse.FromAsync(grains, view, clock.GetUtcNow()), AdminJson.Options);
    }

    // Only ids the gateway could have issued reach a grain; anything else would activate one for nothing.
    internal static bool IsKeyId(string id) => id.StartsWith("key_", StringComparison.Ordinal) && id.Length == 30;
}
