using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>Finds the credential a client presents: <c>x-api-key</c>, or <c>Authorization: Bearer</c>.</summary>
public static class GatewayKeys
{
    /// <summary>The presented credential (a gateway key or a JWT), or null with the problem to answer.</summary>
    public static string? Presented(HttpRequest request, out string problem)
    {
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
            return null;
        }
        return value;
    }
}
