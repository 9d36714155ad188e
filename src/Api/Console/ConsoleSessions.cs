using System.Security.Cryptography;
using System.Text;
using Gateway.Api.Admin;
using Gateway.Grains.Admin;
using Gateway.Grains.Common;
using Gateway.Grains.Console;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Api.Console;

/// <summary>How long a console session lasts (<c>Gateway:Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Gateway:Console";

    /// <summary>From sign-in; the admin must sign in again after it (default 8 hours).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Sign-in through the organisation's OpenID Connect provider (<c>Gateway:Console:SignIn</c>).</summary>
    public ConsoleSignInOptions SignIn { get; set; } = new();
}

/// <summary>
/// What a session cookie stands for on one request: the admin token's hash (or, signed in through the identity
/// provider, the admin itself), or the reason it is refused.
/// </summary>
public sealed record ConsoleSessionCheck(byte[]? TokenHash, AnthropicErrorResult? Refusal, AdminPrincipal? Principal = null);

/// <summary>
/// Console sessions: an http-only, SameSite=Strict cookie holding a random id (never the admin token), the session
/// itself in a grain keyed by the id's hash. Unsafe methods must also carry the session's CSRF token in a header.
/// </summary>
public sealed class ConsoleSessions(IGrainFactory grains, TimeProvider clock, IOptions<ConsoleOptions> options)
{
    public const string CookieName = "gateway_console";
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>Opens a session for the admin token with <paramref name="tokenHash"/>, sets its cookie, and returns its CSRF token.</summary>
    public Task<string> OpenAsync(HttpContext http, byte[] tokenHash) =>
        OpenAsync(http, (session, csrf, expiresAt) => session.OpenAsync(tokenHash, csrf, expiresAt));

    /// <summary>Opens a session for an admin signed in through the identity provider, sets its cookie, and returns its CSRF token.</summary>
    public Task<string> OpenAsync(HttpContext http, AdminPrincipal principal) =>
        OpenAsync(http, (session, csrf, expiresAt) => session.OpenForAsync(principal, csrf, expiresAt));

    private async Task<string> OpenAsync(HttpContext http, Func<IConsoleSessionGrain, string, DateTimeOffset, Task> open)
    {
        var id = RandomId();
        var csrf = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var expiresAt = clock.GetUtcNow() + options.Value.SessionLifetime;
        await open(grains.ConsoleSession(IdHash(id)), csrf, expiresAt);
        http.Response.Cookies.Append(CookieName, id, Cookie(http, expiresAt));
        return csrf;
    }

    /// <summary>256 random bits, base64url: a cookie's id, a sign-in's state, nonce or PKCE verifier.</summary>
    public static string RandomId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The session of this request's cookie; null when the request has none or it has ended.</summary>
    public async Task<ConsoleSession?> FindAsync(HttpContext http) =>
        http.Request.Cookies[CookieName] is { Length: > 0 and <= 100 } id ? await grains.ConsoleSession(IdHash(id)).GetAsync() : null;

    /// <summary>
    /// The admin API's hook for a request without an <c>Authorization</c> header: null without a session cookie;
    /// else the session's token hash, or a 401 (no session) or 403 (an unsafe method without the session's CSRF token).
    /// </summary>
    public async Task<ConsoleSessionCheck?> CheckAsync(HttpContext http)
    {
        if (!http.Request.Cookies.ContainsKey(CookieName))
        {
            return null;
        }
        if (await FindAsync(http) is not { } session)
        {
            return new(null, new AnthropicErrorResult(401, "The console session has ended; sign in again."));
        }
        return CsrfHolds(http, session)
            ? new(session.TokenHash, null, session.Principal)
            : new(null, new AnthropicErrorResult(403, $"{CsrfHeader}: the console session's CSRF token is required for this method."));
    }

    /// <summary>Ends this request's session (its CSRF token is required) and deletes the cookie; false when there was none to end.</summary>
    public async Task<bool> CloseAsync(HttpContext http)
    {
        if (await FindAsync(http) is not { } session || !CsrfHolds(http, session))
        {
            return false;
        }
        await grains.ConsoleSession(IdHash(http.Request.Cookies[CookieName]!)).CloseAsync();
        http.Response.Cookies.Delete(CookieName, Cookie(http, null));
        return true;
    }

    private static bool CsrfHolds(HttpContext http, ConsoleSession session) =>
        HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method)
        || (http.Request.Headers[CsrfHeader].ToString() is { Length: > 0 } sent
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent), Encoding.ASCII.GetBytes(session.CsrfToken)));

    private static CookieOptions Cookie(HttpContext http, DateTimeOffset? expiresAt) => new()
    {
        HttpOnly = true,
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };

    // Only the id's hash is a grain key (and so a storage row's key): the stored sessions give no cookie away.
    internal static string IdHash(string id) => Convert.ToHexStringLower(SecretHash.Of(id));
}
