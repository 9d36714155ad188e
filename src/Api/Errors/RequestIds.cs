using Gateway.Grains.Common;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Errors;

/// <summary>
/// Every response carries <c>request-id</c>: the gateway's id for the request, also the id of its log entry.
/// Ids are time-ordered (<c>req_</c> + 26 base32 characters).
/// </summary>
public static class RequestIds
{
    private static readonly object Key = new();

    /// <summary>Assigns the id before anything else runs, so even early errors carry it.</summary>
    public static Task AssignAsync(HttpContext context, RequestDelegate next)
    {
        var id = GatewayIds.NewRequestId();
        context.Items[Key] = id;
        context.Response.Headers["request-id"] = id;
        return next(context);
    }

    public static string? Get(HttpContext context) => context.Items.TryGetValue(Key, out var id) ? (string?)id : null;
}
