using System.Security.Cryptography;
using Gateway.Api.Console;
using Gateway.Api.Errors;
using Gateway.Grains;
using Gateway.Grains.Admin;
using Gateway.Grains.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Api.Admin;

/// <summary>
/// Endpoint metadata: workspace admins and analysts may use the endpoint too, seeing only their workspaces' data
/// (<see cref="AdminPrincipal.Sees"/>). Every other admin endpoint is for org admins only.
/// </summary>
public sealed class WorkspaceReports
{
    public static readonly WorkspaceReports Instance = new();

    private WorkspaceReports()
    {
    }
}

/// <summary>
/// Admin API authentication (<c>Authorization: Bearer</c>): the org-admin token from <c>GATEWAY_ADMIN_TOKEN</c>,
/// or a token held by the admin-tokens grain. Also turns grain refusals into Anthropic-shaped errors.
/// </summary>
public sealed class AdminAuth(IGrainFactory grains, IConfiguration configuration) : IEndpointFilter
{
    public const string ConfiguredTokenKey = "GATEWAY_ADMIN_TOKEN";
    private static readonly object PrincipalKey = new();

    private readonly byte[]? _configuredHash = configuration[ConfiguredTokenKey] is { Length: > 0 } token ? SecretHash.Of(token) : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? authorization = http.Request.Headers.Authorization;
        // Without the header, a console session cookie may stand for the admin token it was opened with.
        var session = authorization is null ? await http.RequestServices.GetRequiredService<ConsoleSessions>().CheckAsync(http) : null;
        if (session?.Refusal is { } refusal)
        {
            return refusal;
        }
        if (session is null && (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)))
        {
            return new AnthropicErrorResult(401, "Authorization: Bearer <admin token> is required.");
        }
        var hash = session?.TokenHash ?? SecretHash.Of(authorization!["Bearer ".Length..].Trim());
        AdminPrincipal? principal = null;
        if (_configuredHash is not null && CryptographicOperations.FixedTimeEquals(hash, _configuredHash))
        {
            principal = new AdminPrincipal("env", "GATEWAY_ADMIN_TOKEN", AdminRoles.OrgAdmin, []);
        }
        principal ??= await grains.AdminTokens().FindAsync(hash);
        if (principal is null)
        {
            return new AnthropicErrorResult(401, "Invalid admin token.");
        }
        if (!principal.IsOrgAdmin && http.GetEndpoint()?.Metadata.GetMetadata<WorkspaceReports>() is null)
        {
            return new AnthropicErrorResult(403, "This admin token may not use this endpoint.");
        }
        http.Items[PrincipalKey] = principal;
        // PostgreSQL text cannot hold NUL: refused here rather than failing a query later.
        if (http.Request.Query.FirstOrDefault(p => p.Value.Any(v => v?.Contains('\0') == true)) is { Key: { } field })
        {
            return new AnthropicErrorResult(400, $"{field}: must not contain NUL characters.");
        }

        try
        {
            return await next(context);
        }
        catch (AdminException e)
        {
            return new AnthropicErrorResult(ApiError.For(e));
        }
    }

    /// <summary>The authenticated admin of this request.</summary>
    public static AdminPrincipal Principal(HttpContext context) => (AdminPrincipal)context.Items[PrincipalKey]!;
}
