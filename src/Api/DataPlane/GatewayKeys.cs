using Gateway.Grains.Keys;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>Finds the gateway key a client presents: <c>x-api-key</c>, or <c>Authorization: Bearer</c>.</summary>
public static class GatewayKeys
{
    public static bool TryRead(HttpRequest request, out string presented, out string keyId, out string problem)
    {
        presented = "";
        keyId = "";
        problem = "";
        string? value = request.Headers["x-api-key"];
        if (string.IsNullOrEmpty(value))
        {
            string? authorization = request.Headers.Authorization;
            if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                value = authorization["Bearer ".Length..].Trim();
            }
        }
        if (string.IsNullOrEmpty(value))
        {
            problem = "x-api-key header (or Authorization: Bearer) is required";
            return false;
        }
        if (!ApiKeySecret.TryParse(value, out keyId))
        {
            problem = "invalid x-api-key";
            return false;
        }
        presented = value;
        return true;
    }
}
