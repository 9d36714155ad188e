using Gateway.Api.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Console;

/// <summary>
/// The console's sign-in through the organisation's identity provider (<see cref="ConsoleOidcSignIn"/>): whether it is
/// offered, its start (a redirect to the provider) and its callback (a session, then the console; or the sign-in
/// screen with a refusal code it explains).
/// </summary>
public static class ConsoleOidcApi
{
    /// <summary>The identity provider as the sign-in screen names it.</summary>
    public sealed record ProviderResponse(string DisplayName);

    public static RouteGroupBuilder MapConsoleOidcApi(this RouteGroupBuilder console)
    {
        console.MapGet("/oidc", Describe);
        console.MapGet("/oidc/start", StartAsync);
        console.MapGet("/oidc/callback", CallbackAsync);
        return console;
    }

    private static Results<Ok<ProviderResponse>, AnthropicErrorResult> Describe(IOptions<ConsoleOptions> options) =>
        options.Value.SignIn.Enabled
            ? TypedResults.Ok(new ProviderResponse(options.Value.SignIn.DisplayName))
            : NotConfigured();

    private static async Task<Results<RedirectHttpResult, AnthropicErrorResult>> StartAsync(
        HttpContext http, ConsoleOidcSignIn signIn, IOptions<ConsoleOptions> options)
    {
        if (!options.Value.SignIn.Enabled)
        {
            return NotConfigured();
        }
        try
        {
            return TypedResults.Redirect(await signIn.StartAsync(http, http.RequestAborted));
        }
        catch (InvalidOperationException)
        {
            // The provider's discovery document cannot be fetched (the configuration manager's failure).
            return BackToSignIn("unavailable");
        }
    }

    private static async Task<Results<RedirectHttpResult, AnthropicErrorResult>> CallbackAsync(
        HttpContext http, ConsoleOidcSignIn signIn, ConsoleSessions sessions, IOptions<ConsoleOptions> options)
    {
        if (!options.Value.SignIn.Enabled)
        {
            return NotConfigured();
        }
        var result = await signIn.FinishAsync(http, http.RequestAborted);
        if (result.Principal is not { } principal)
        {
            return BackToSignIn(result.Refusal ?? "failed");
        }
        await sessions.OpenAsync(http, principal);
        return TypedResults.Redirect("/console/");
    }

    // A code, not a message: the sign-in screen says what it means, so a crafted link cannot put words on it.
    private static RedirectHttpResult BackToSignIn(string code) => TypedResults.Redirect("/console/?signin_error=" + code);

    private static AnthropicErrorResult NotConfigured() =>
        new(404, "Sign-in through an identity provider is not configured (Gateway:Console:SignIn:Authority).");
}
