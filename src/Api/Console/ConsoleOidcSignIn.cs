using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Api.SignOn;
using Gateway.Grains.Admin;
using Gateway.Grains.Console;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Api.Console;

/// <summary>How a sign-in through the identity provider ended: the admin it signs in, or why not (a code the sign-in screen explains).</summary>
public sealed record ConsoleSignInResult(AdminPrincipal? Principal, string? Refusal);

/// <summary>
/// Console sign-in with the organisation's OpenID Connect provider: authorization code with PKCE (S256). What the
/// callback must match — state, nonce, verifier — waits in a grain keyed by the hash of a short-lived cookie's id, so
/// the callback is honoured once, in the browser that started it, on any gateway of the cluster. The ID token is
/// checked against the issuer's published keys, issuer, audience (the client id), expiry and nonce; its groups claim
/// decides the role (<see cref="ConsoleSignInOptions.RoleOf"/>). Codes and tokens are never logged.
/// </summary>
public sealed partial class ConsoleOidcSignIn(
    IGrainFactory grains, IdentityProviderDirectory directory, IOptions<ConsoleOptions> options, IOptions<SignOnOptions> signOn,
    TimeProvider clock, ILogger<ConsoleOidcSignIn> logger) : IDisposable
{
    public const string FlowCookie = "gateway_console_signin";
    public const string CallbackPath = "/console/oidc/callback";
    private const int MaxGroups = 1000;
    private const int MaxNameLength = 200;

    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
        MaxResponseContentBufferSize = 256 * 1024,
    };

    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = signOn.Value.MaxTokenBytes };

    private ConsoleSignInOptions Settings => options.Value.SignIn;

    /// <summary>Begins a sign-in for this browser: sets its cookie and returns the provider's authorization address to send it to.</summary>
    public async Task<string> StartAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var configuration = await directory.ConfigurationOf(Settings.Authority!).GetConfigurationAsync(cancellationToken);
        var id = ConsoleSessions.RandomId();
        var redirectUri = Settings.RedirectUri?.ToString() ?? $"{http.Request.Scheme}://{http.Request.Host}{CallbackPath}";
        var pending = new PendingSignIn(ConsoleSessions.RandomId(), ConsoleSessions.RandomId(), ConsoleSessions.RandomId(), redirectUri,
            clock.GetUtcNow() + Settings.SignInTimeout);
        await grains.ConsoleSignIn(ConsoleSessions.IdHash(id)).BeginAsync(pending);
        http.Response.Cookies.Append(FlowCookie, id, FlowCookieOptions(http, pending.ExpiresAt));
        var message = new OpenIdConnectMessage
        {
            IssuerAddress = configuration.AuthorizationEndpoint,
            ClientId = Settings.ClientId,
            ResponseType = OpenIdConnectResponseType.Code,
            Scope = Settings.Scopes,
            RedirectUri = redirectUri,
            State = pending.State,
            Nonce = pending.Nonce,
        };
        message.SetParameter("code_challenge", Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(pending.CodeVerifier))));
        message.SetParameter("code_challenge_method", "S256");
        return message.CreateAuthenticationRequestUrl();
    }

    /// <summary>Finishes the sign-in the provider sent this browser back from (its cookie is spent either way).</summary>
    public async Task<ConsoleSignInResult> FinishAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var id = http.Request.Cookies[FlowCookie];
        http.Response.Cookies.Delete(FlowCookie, FlowCookieOptions(http, null));
        var pending = id is { Length: > 0 and <= 100 } ? await grains.ConsoleSignIn(ConsoleSessions.IdHash(id)).TakeAsync() : null;
        if (pending is null || pending.ExpiresAt <= clock.GetUtcNow())
        {
            return Refuse("expired");
        }
        if (!SameSecret(query["state"].ToString(), pending.State))
        {
            return Refuse("state");
        }
        if (query["error"].Count > 0)
        {
            return Refuse("denied");
        }
        if (query["code"].ToString() is not { Length: > 0 and <= 4096 } code)
        {
            return Refuse("failed");
        }
        try
        {
            return await RedeemAsync(code, pending, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or IOException
            or InvalidOperationException or JsonException)
        {
            LogProviderUnavailable(logger, e.GetType().Name);
            return new ConsoleSignInResult(null, "unavailable");
        }
    }

    private async Task<ConsoleSignInResult> RedeemAsync(string code, PendingSignIn pending, CancellationToken cancellationToken)
    {
        var configurations = directory.ConfigurationOf(Settings.Authority!);
        var configuration = await configurations.GetConfigurationAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = pending.RedirectUri,
                ["code_verifier"] = pending.CodeVerifier,
                ["client_id"] = Settings.ClientId!,
            }),
        };
        if (Settings.ClientSecret is { Length: > 0 } secret)
        {
            var basic = Uri.EscapeDataString(Settings.ClientId!) + ":" + Uri.EscapeDataString(secret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return Refuse("failed", $"the token endpoint answered {(int)response.StatusCode}");
        }
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        if (answer.RootElement.ValueKind != JsonValueKind.Object
            || !answer.RootElement.TryGetProperty("id_token", out var idToken) || idToken.GetString() is not { } token)
        {
            return Refuse("failed", "the token endpoint answered no id_token");
        }
        var validated = await IssuerTokens.ValidateAsync(_handler, token, configurations, Parameters, cancellationToken);
        if (!validated.IsValid)
        {
            return Refuse("failed", validated.Exception?.GetType().Name ?? "invalid ID token");
        }
        var jwt = (JsonWebToken)validated.SecurityToken;
        if (!jwt.TryGetPayloadValue<string>("nonce", out var nonce) || !SameSecret(nonce, pending.Nonce))
        {
            return Refuse("failed", "the ID token's nonce is not this sign-in's");
        }
        return Admit(jwt);
    }

    private ConsoleSignInResult Admit(JsonWebToken token)
    {
        var subject = token.Subject;
        var name = token.TryGetPayloadValue<string>(Settings.NameClaim, out var named) && !string.IsNullOrEmpty(named) ? named : subject;
        if (string.IsNullOrEmpty(subject) || name.Length > MaxNameLength || subject.Length > MaxNameLength
            || !InputLimits.IsCleanText(name) || !InputLimits.IsCleanText(subject))
        {
            return Refuse("failed", "the ID token's sub or name is missing, too long or not clean text");
        }
        var groups = token.Claims.Where(c => c.Type == Settings.GroupsClaim).Take(MaxGroups).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (Settings.RoleOf(groups) is not { } granted)
        {
            return Refuse("no_role", "none of the user's groups is mapped to a role");
        }
        LogSignedIn(logger, name, granted.Role);
        return new ConsoleSignInResult(new AdminPrincipal("oidc:" + subject, name, granted.Role, granted.Workspaces), null);
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => IssuerTokens.Parameters(
        string.IsNullOrEmpty(configuration.Issuer) ? Settings.Authority : configuration.Issuer, Settings.ClientId, configuration, signOn.Value.ClockSkew);

    private ConsoleSignInResult Refuse(string code, string? why = null)
    {
        LogRefused(logger, code, why ?? code);
        return new ConsoleSignInResult(null, code);
    }

    private static bool SameSecret(string sent, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));

    // Lax, not Strict: the browser must send it on the provider's cross-site redirect back to the callback.
    private static CookieOptions FlowCookieOptions(HttpContext http, DateTimeOffset? expiresAt) => new()
    {
        HttpOnly = true,
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/console/oidc",
        Expires = expiresAt,
        IsEssential = true,
    };

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Console sign-in of {Name} as {Role}")]
    private static partial void LogSignedIn(ILogger logger, string name, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "A console sign-in was refused ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console's identity provider could not be reached ({Error})")]
    private static partial void LogProviderUnavailable(ILogger logger, string error);
}
