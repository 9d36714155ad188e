using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Fakes;

/// <summary>A user the fake issuer signs in without asking (its sign-in page always approves).</summary>
public sealed record FakeOidcUser(string Subject, string Email, string[] Groups);

/// <summary>
/// The issuer's authorization code flow with PKCE, as a real provider runs it: <c>/authorize</c> signs in
/// <see cref="User"/> at once and redirects back with a one-time code (only with <c>code_challenge_method=S256</c>);
/// <c>/token</c> redeems the code once, for its client and redirect URI, when the <c>code_verifier</c> hashes to the
/// challenge, answering an ID token with the user's groups and the nonce asked for.
/// </summary>
public sealed partial class FakeOidcIssuer
{
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _tokenRefusals = new();
    private int _tokenRequests;

    private sealed record IssuedCode(string ClientId, string RedirectUri, string Challenge, string? Nonce, FakeOidcUser User);

    /// <summary>The one client registered at this issuer.</summary>
    public string ClientId { get; set; } = "gateway-console";

    /// <summary>When set, the client must authenticate with it (HTTP Basic) at the token endpoint.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Who signs in at <c>/authorize</c>; null: the user declines (<c>error=access_denied</c>).</summary>
    public FakeOidcUser? User { get; set; }

    /// <summary>When set, ID tokens carry this nonce instead of the one the sign-in asked for.</summary>
    public string? NonceOverride { get; set; }

    /// <summary>How many requests the token endpoint got.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Why the token endpoint refused the requests it refused, in order.</summary>
    public IReadOnlyList<string> TokenRefusals => [.. _tokenRefusals];

    /// <summary>Every code issued so far, redeemed or not (the tests look for them in the gateway's logs).</summary>
    public IReadOnlyCollection<string> IssuedCodes => [.. _issued];

    /// <summary>Every ID and access token the token endpoint answered.</summary>
    public IReadOnlyCollection<string> AnsweredTokens => [.. _answered];

    private readonly ConcurrentBag<string> _issued = [];
    private readonly ConcurrentBag<string> _answered = [];

    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query;
        string redirectUri = query["redirect_uri"].ToString(), state = query["state"].ToString(), challenge = query["code_challenge"].ToString();
        if (query["response_type"] != "code" || query["client_id"] != ClientId || query["code_challenge_method"] != "S256"
            || challenge.Length < 43 || redirectUri.Length == 0 || state.Length == 0 || !query["scope"].ToString().Split(' ').Contains("openid"))
        {
            return Results.BadRequest("An authorization request needs response_type=code, the registered client_id, redirect_uri, state, "
                + "scope with openid, and a code_challenge with code_challenge_method=S256.");
        }
        if (User is not { } user)
        {
            return Results.Redirect($"{redirectUri}?error=access_denied&state={Uri.EscapeDataString(state)}");
        }
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new IssuedCode(ClientId, redirectUri, challenge, query["nonce"].FirstOrDefault(), user);
        _issued.Add(code);
        return Results.Redirect($"{redirectUri}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}");
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        Interlocked.Increment(ref _tokenRequests);
        var form = await request.ReadFormAsync();
        if (!ClientAuthenticated(request, form["client_id"].ToString()))
        {
            return Refuse("invalid_client", "the client is not this issuer's client or its secret is wrong");
        }
        if (form["grant_type"] != "authorization_code")
        {
            return Refuse("unsupported_grant_type", "only authorization_code");
        }
        if (!_codes.TryRemove(form["code"].ToString(), out var issued))
        {
            return Refuse("invalid_grant", "the code is unknown or was already redeemed");
        }
        if (form["redirect_uri"] != issued.RedirectUri)
        {
            return Refuse("invalid_grant", "redirect_uri differs from the authorization request's");
        }
        var verifier = form["code_verifier"].ToString();
        if (verifier.Length < 43 || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != issued.Challenge)
        {
            return Refuse("invalid_grant", "the code_verifier does not match the code_challenge");
        }
        var claims = new Dictionary<string, object> { ["sub"] = issued.User.Subject, ["email"] = issued.User.Email, ["groups"] = issued.User.Groups };
        if ((NonceOverride ?? issued.Nonce) is { } nonce)
        {
            claims["nonce"] = nonce;
        }
        var idToken = Mint(issued.ClientId, claims);
        var accessToken = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _answered.Add(idToken);
        _answered.Add(accessToken);
        return Results.Json(new JsonObject
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
            ["id_token"] = idToken,
        });
    }

    private bool ClientAuthenticated(HttpRequest request, string formClientId)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (ClientSecret is null)
        {
            return formClientId == ClientId;
        }
        if (!authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..])).Split(':', 2);
        return pair.Length == 2 && Uri.UnescapeDataString(pair[0]) == ClientId && Uri.UnescapeDataString(pair[1]) == ClientSecret;
    }

    private IResult Refuse(string error, string description)
    {
        _tokenRefusals.Enqueue(description);
        return Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: 400);
    }
}
