using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Fakes;

/// <summary>
/// A local OpenID Connect issuer: its discovery document (<c>/.well-known/openid-configuration</c>) and its JWKS over
/// HTTP, RSA keys generated per run, a key rollover on demand, and tokens minted with chosen claims — signed as a real
/// identity provider signs them (RS256, <c>kid</c> in the header).
/// </summary>
public sealed partial class FakeOidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly Lock _lock = new();
    private List<RsaSecurityKey> _published = [];
    private RsaSecurityKey _signing;
    private int _keysFetched;

    private FakeOidcIssuer(WebApplication app)
    {
        _app = app;
        _signing = NewKey();
        _published = [_signing];
    }

    /// <summary>The issuer (<c>iss</c>), e.g. <c>http://127.0.0.1:41234</c>; discovery is below it.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>While true, discovery and the JWKS answer 503 (an identity provider having an outage).</summary>
    public bool Unavailable { get; set; }

    /// <summary>How many times the JWKS was fetched.</summary>
    public int KeysFetched => Volatile.Read(ref _keysFetched);

    /// <summary>
    /// Starts an issuer on loopback, named by <paramref name="host"/> in its URLs (<c>localhost</c>: another site than a
    /// gateway on 127.0.0.1, as a real identity provider is, so a browser applies its cross-site cookie rules).
    /// </summary>
    public static async Task<FakeOidcIssuer> StartAsync(string host = "127.0.0.1")
    {
        var app = FakeHost.Create();
        var issuer = new FakeOidcIssuer(app);
        app.MapGet("/.well-known/openid-configuration", issuer.Discovery);
        app.MapGet("/keys", issuer.Keys);
        app.MapGet("/authorize", issuer.Authorize);
        app.MapPost("/token", issuer.TokenAsync);
        var address = await FakeHost.StartAsync(app);
        issuer.Issuer = $"{address.Scheme}://{host}:{address.Port}";
        return issuer;
    }

    /// <summary>Signs with a new key from now on; the old one stays published only when <paramref name="keepOld"/>.</summary>
    public void RollOver(bool keepOld = false)
    {
        lock (_lock)
        {
            _signing = NewKey();
            _published = keepOld ? [.. _published, _signing] : [_signing];
        }
    }

    /// <summary>A token of this issuer with <paramref name="claims"/>, valid for an hour unless told otherwise.</summary>
    public string Mint(string audience, IDictionary<string, object> claims, DateTime? expires = null, DateTime? notBefore = null, string? issuer = null,
        bool unpublishedKey = false)
    {
        var now = DateTime.UtcNow;
        var key = unpublishedKey ? NewKey() : Current();
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? now) < now ? notBefore : now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddHours(1),
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    public string MintUnsigned(string audience, IDictionary<string, object> claims) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = audience,
        Expires = DateTime.UtcNow.AddHours(1),
        Claims = claims,
    });

    private RsaSecurityKey Current()
    {
        lock (_lock)
        {
            return _signing;
        }
    }

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };

    private IResult Discovery() => Unavailable ? Results.StatusCode(503) : Results.Json(new JsonObject
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/keys",
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["response_types_supported"] = new JsonArray("code"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
    });

    private IResult Keys()
    {
        if (Unavailable)
        {
            return Results.StatusCode(503);
        }
        Interlocked.Increment(ref _keysFetched);
        List<RsaSecurityKey> published;
        lock (_lock)
        {
            published = _published;
        }
        var keys = new JsonArray();
        foreach (var key in published)
        {
            var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
            keys.Add(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            });
        }
        return Results.Json(new JsonObject { ["keys"] = keys });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
