using System.Security.Cryptography;
using Gateway.Api.Admin.Access;
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
/// Admin API authentication (<c>Authorization: Bearer</c>): the org-admin token from <c>GATEWAY_ADMIN_TOKEN</c>,
/// or a token held by the admin-tokens grain. Also turns grain refusals into Anthropic-shaped errors.
/// </summary>
public sealed class AdminAuth(IGrainFactory grains, IConfiguration configuration) : IEndpointFilter
{
    public const string ConfiguredTokenKey = "GATEWAY_ADMIN_TOKEN";
    private static readonly object PrincipalKey = new();
    private static readonly AdminRequirement OrgAdminsOnly = new(AdminAccess.OrgAdmin);

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
        // A session opened through the identity provider speaks for its admin directly; there is no token to look up.
        var principal = session?.Principal;
        if (principal is null && _configuredHash is not null && CryptographicOperations.FixedTimeEquals(hash, _configuredHash))
        {
            principal = new AdminPrincipal("env", "GATEWAY_ADMIN_TOKEN", AdminRoles.OrgAdmin, []);
        }
        principal ??= await grains.AdminTokens().FindAsync(hash);
        if (principal is null)
        {
            return new AnthropicErrorResult(401, "Invalid admin token.");
        }
        if (await AuthorizeAsync(http, principal) is { } refused)
        {
            return refused;
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

    /// <summary>
    /// Applies the endpoint's <see cref="AdminRequirement"/> (none: org admins only) through <see cref="AdminPolicy"/>,
    /// finding the workspace of the resource its route names; null when allowed, else the refusal.
    /// </summary>
    private async Task<AnthropicErrorResult?> AuthorizeAsync(HttpContext http, AdminPrincipal principal)
    {
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<AdminRequirement>() ?? OrgAdminsOnly;
        if (!AdminPolicy.MayUse(principal, requirement.Access))
        {
            return new AnthropicErrorResult(403, "This admin token may not use this endpoint.");
        }
        if (principal.IsOrgAdmin || requirement.Resource is not { } resource)
        {
            return null;
        }
        var id = http.Request.RouteValues[resource.RouteValue] as string ?? "";
        return AdminPolicy.Decide(principal, requirement.Access, await resource.FindOwnerAsync(grains, id)) switch
        {
            AdminDecision.Allowed => null,
            AdminDecision.NotFound => new AnthropicErrorResult(404, resource.NotFound(id)),
            _ => new AnthropicErrorResult(403, $"This admin token may read {resource.Label.ToLowerInvariant()} '{id}' but not change it."),
        };
    }

    /// <summary>The authenticated admin of this request.</summary>
    public static AdminPrincipal Principal(HttpContext context) => (AdminPrincipal)context.Items[PrincipalKey]!;
}
