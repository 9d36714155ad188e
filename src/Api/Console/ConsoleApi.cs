using System.Collections.Immutable;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Grains.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Console;

/// <summary>
/// The admin console at <c>/console</c>: static pages embedded in this assembly (<see cref="ConsoleAssets"/>) that
/// talk to <c>/admin/v1</c> only, and the session endpoints that let them do so with a cookie instead of the token.
/// </summary>
public static class ConsoleApi
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup("/console").AddEndpointFilter(ConsoleAssets.AddSecurityHeaders).ExcludeFromDescription();
        // "/console" and "/console/" alike: the page's links are absolute and its screens are in the fragment (#/keys).
        console.MapGet("/", ConsoleAssets.Page);
        console.MapGet("/assets/{name}", ConsoleAssets.Asset);

        // Sign-in goes through the admin API's own authentication: the session is opened only for a token it accepts.
        var session = console.MapGroup("/session").AddEndpointFilter<AdminAuth>().Requires(AdminAccess.AnyAdmin);
        session.MapPost("/", OpenAsync);
        session.MapGet("/", ShowAsync);
        console.MapDelete("/session", CloseAsync);
        console.MapConsoleOidcApi();
        return app;
    }

    /// <summary>The signed-in admin as the console shows it, and the CSRF token its page sends with unsafe requests.</summary>
    public sealed record SessionResponse(string Name, string Role, ImmutableArray<string> Workspaces, string CsrfToken);

    private static async Task<Results<Created<SessionResponse>, AnthropicErrorResult>> OpenAsync(HttpContext http, ConsoleSessions sessions)
    {
        // A session is opened with the token itself, never from another session.
        if (http.Request.Headers.Authorization.ToString() is not { Length: > 7 } authorization)
        {
            return new AnthropicErrorResult(401, "Authorization: Bearer <admin token> is required to sign in.");
        }
        var csrf = await sessions.OpenAsync(http, SecretHash.Of(authorization["Bearer ".Length..].Trim()));
        return TypedResults.Created((string?)null, Describe(http, csrf));
    }

    private static async Task<Results<Ok<SessionResponse>, AnthropicErrorResult>> ShowAsync(HttpContext http, ConsoleSessions sessions) =>
        await sessions.FindAsync(http) is { } session
            ? TypedResults.Ok(Describe(http, session.CsrfToken))
            : new AnthropicErrorResult(401, "There is no console session; sign in with an admin token.");

    private static async Task<Results<NoContent, AnthropicErrorResult>> CloseAsync(HttpContext http, ConsoleSessions sessions) =>
        await sessions.CloseAsync(http)
            ? TypedResults.NoContent()
            : new AnthropicErrorResult(401, $"No console session to end (or no {ConsoleSessions.CsrfHeader} header).");

    private static SessionResponse Describe(HttpContext http, string csrf)
    {
        var principal = AdminAuth.Principal(http);
        return new SessionResponse(principal.Name, principal.Role, principal.Workspaces.IsDefault ? [] : principal.Workspaces, csrf);
    }
}
