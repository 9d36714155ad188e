using System.Globalization;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary>
/// Key rotation: <c>POST /admin/v1/keys/{id}/rotate {grace_seconds?}</c> issues a new secret (shown once) while the old
/// one works until the grace ends; <c>GET /admin/v1/keys?expiring_within=7d</c> lists the keys whose secret stops
/// working within that time (expiry, or the end of a rotation's grace) — the keys to redistribute.
/// </summary>
public static class KeyRotationApi
{
    public static RouteGroupBuilder MapKeyRotationApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/keys/{id}/rotate", RotateAsync).WithTags("Keys")
            .WithSummary("Rotate a key: a new secret (in this response only); the old one works until the grace ends")
            .AcceptsJson<RotateKeyRequest>().ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceManage, AdminResource.Key);
        return admin;
    }

    /// <param name="GraceSeconds">How long the old secret keeps working: 0 (the default) to 2,592,000 (30 days).</param>
    public sealed record RotateKeyRequest(long? GraceSeconds);

    private static async Task<Results<Ok<KeysApi.KeyResponse>, AnthropicErrorResult>> RotateAsync(string id, HttpContext context, IGrainFactory grains, AuditLog audit, TimeProvider clock)
    {
        if (!KeysApi.IsKeyId(id))
        {
            return new AnthropicErrorResult(404, $"Key '{id}' does not exist.");
        }
        // The body is optional: no grace means the old secret stops now.
        RotateKeyRequest? request = new(null);
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            var (read, error) = await AdminJson.ReadAsync<RotateKeyRequest>(context.Request);
            if (error is not null)
            {
                return error;
            }
            request = read;
        }
        var maxSeconds = (long)ApiKeyGrain.MaxRotationGrace.TotalSeconds;
        if (request?.GraceSeconds is < 0 || request?.GraceSeconds > maxSeconds)
        {
            return new AnthropicErrorResult(400, $"grace_seconds: from 0 to {maxSeconds}.");
        }
        var grace = TimeSpan.FromSeconds(request?.GraceSeconds ?? 0);
        var rotated = await grains.ApiKey(id).RotateAsync(grace);
        await audit.RecordAsync(context, "key", id, "rotated", $"grace_seconds: {(long)grace.TotalSeconds}", rotated.Key.Workspace);
        return TypedResults.Ok(await KeysApi.KeyResponse.FromAsync(grains, rotated.Key, clock.GetUtcNow(), rotated.Secret));
    }

    /// <summary>Reads <c>expiring_within</c>: a number with a unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (e.g. <c>7d</c>).</summary>
    public static bool TryReadWindow(string text, out TimeSpan window)
    {
        window = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count > 3650L * 24 * 3600)
        {
            return false;
        }
        TimeSpan? unit = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null || count * unit.Value.TotalSeconds > 3650.0 * 24 * 3600)
        {
            return false;
        }
        window = count * unit.Value;
        return true;
    }

    /// <summary>Whether a key (not revoked) has a secret that stops working within <paramref name="window"/>: its expiry, or a rotation's grace ending.</summary>
    public static bool StopsWithin(KeyView key, DateTimeOffset now, TimeSpan window)
    {
        var horizon = now + window;
        return key.RevokedAt is null
            && (key.ExpiresAt is { } expires && expires > now && expires <= horizon || key.PreviousKeyExpiresAt is { } graceEnds && graceEnds <= horizon);
    }
}
