using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fakes;

/// <summary>
/// A local Google OAuth2 token endpoint for service accounts: <c>POST /token</c> with the JWT bearer grant. It
/// checks the assertion the way Google does (RS256 signature against the public key of a service account it
/// created, <c>kid</c>, <c>iss</c>, <c>aud</c> (see <see cref="Audience"/>), <c>scope</c>, <c>iat</c>/<c>exp</c>) and answers with an access
/// token a Vertex fake can later accept, or with Google's <c>invalid_grant</c> error.
/// </summary>
public sealed class FakeGoogleOAuth : IAsyncDisposable
{
    /// <summary>The scope Vertex AI needs; an assertion without it is refused.</summary>
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>
    /// The only <c>aud</c> Google accepts in an assertion, whichever URL it was posted to (a private or proxied
    /// token endpoint included): Google.Apis.Auth has put exactly this there since 2025 (1.7x), not the token URL.
    /// </summary>
    public const string Audience = "https://oauth2.googleapis.com/token";

    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    // Google tolerates a few minutes of clock difference between the signer and itself.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ServiceAccount> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _rejections = new();
    private int _tokenRequests;
    private int _tokenCounter;
    private int _accountCounter;

    private FakeGoogleOAuth(WebApplication app) => _app = app;

    /// <summary>Where the fake listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The token endpoint, as <c>token_uri</c> or a provider's <c>token_url</c> names it.</summary>
    public string TokenUrl => new Uri(BaseUrl, "/token").ToString();

    /// <summary>The <c>expires_in</c> of tokens issued from now on (default one hour, as Google).</summary>
    public int ExpiresInSeconds { get; set; } = 3600;

    /// <summary>How long the endpoint takes to answer, so tests can overlap callers with a request in flight.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>When set, every request is answered with this status and a server error, whatever it carries.</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>How many requests reached <c>POST /token</c>, accepted or not.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Every access token issued so far.</summary>
    public IReadOnlySet<string> IssuedTokens => _issued.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Why requests were refused, oldest first (the <c>error_description</c> sent back).</summary>
    public IReadOnlyList<string> Rejections => [.. _rejections];

    public static async Task<FakeGoogleOAuth> StartAsync(int port = 0)
    {
        var app = FakeHost.Create(port);
        var fake = new FakeGoogleOAuth(app);
        app.MapPost("/token", fake.TokenAsync);
        fake.BaseUrl = await FakeHost.StartAsync(app);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var account in _accounts.Values)
        {
            account.PublicKey.Dispose();
        }
    }

    /// <summary>True when <paramref name="accessToken"/> was issued here and has not expired.</summary>
    public bool IsValid(string accessToken) =>
        _issued.TryGetValue(accessToken, out var expires) && expires > DateTimeOffset.UtcNow;

    /// <summary>
    /// A new service account with a fresh RSA-2048 key, registered here, as the key-file JSON Google's console
    /// hands out, with <c>token_uri</c> pointing at this fake.
    /// </summary>
    public string CreateServiceAccountJson(string projectId)
    {
        using var rsa = RSA.Create(2048);
        var n = Interlocked.Increment(ref _accountCounter);
        var email = $"gateway-test-{n}@{projectId}.iam.gserviceaccount.com";
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var publicKey = RSA.Create();
        publicKey.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
        _accounts[email] = new ServiceAccount(keyId, publicKey);
        return new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = projectId,
            ["private_key_id"] = keyId,
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = email,
            ["client_id"] = (100000000000000000000m + n).ToString(CultureInfo.InvariantCulture),
            ["token_uri"] = TokenUrl,
        }.ToJsonString(Relaxed);
    }

    private async Task TokenAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenRequests);
        if (ResponseDelay > TimeSpan.Zero)
        {
            await Task.Delay(ResponseDelay, context.RequestAborted);
        }
        if (ForcedStatus is { } forced)
        {
            await WriteAsync(context, forced, new JsonObject { ["error"] = "internal_failure", ["error_description"] = "Forced failure." });
            return;
        }
        if (!context.Request.HasFormContentType)
        {
            await RefuseAsync(context, "invalid_request", "Expected a form-encoded body.");
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["grant_type"] != JwtBearerGrant)
        {
            await RefuseAsync(context, "unsupported_grant_type", $"Invalid grant_type: {form["grant_type"]}");
            return;
        }
        if (Check(form["assertion"].ToString()) is { } problem)
        {
            await RefuseAsync(context, "invalid_grant", problem);
            return;
        }

        var token = "ya29.fake-" + Interlocked.Increment(ref _tokenCounter).ToString(CultureInfo.InvariantCulture);
        var expiresIn = ExpiresInSeconds;
        _issued[token] = DateTimeOffset.UtcNow.AddSeconds(expiresIn);
        await WriteAsync(context, 200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_in"] = expiresIn,
            ["token_type"] = "Bearer",
        });
    }

    /// <summary>What is wrong with the assertion, or null when Google would accept it.</summary>
    private string? Check(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "Invalid JWT: expected header.payload.signature.";
        }
        JsonObject header, claims;
        byte[] signature;
        try
        {
            header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!.AsObject();
            claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException)
        {
            return "Invalid JWT: not base64url-encoded JSON.";
        }

        if (Text(header, "alg") != "RS256")
        {
            return "Invalid JWT: alg must be RS256.";
        }
        var issuer = Text(claims, "iss");
        if (issuer is null || !_accounts.TryGetValue(issuer, out var account))
        {
            return "Invalid JWT: unknown issuer (iss).";
        }
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!account.PublicKey.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return "Invalid JWT Signature.";
        }
        if (Text(header, "kid") != account.KeyId)
        {
            return "Invalid JWT: kid does not name this service account's key.";
        }
        if (Text(claims, "aud") is var audience && audience != Audience)
        {
            return $"Invalid JWT: Failed audience check (aud must be {Audience}, got {audience ?? "none"}).";
        }
        if (!(Text(claims, "scope") ?? "").Split(' ').Contains(CloudPlatformScope))
        {
            return $"Invalid JWT: scope must include {CloudPlatformScope}.";
        }
        if (Seconds(claims, "iat") is not { } iat || Seconds(claims, "exp") is not { } exp)
        {
            return "Invalid JWT: iat and exp are required.";
        }
        var now = DateTimeOffset.UtcNow;
        if (iat > now + ClockSkew || exp <= now - ClockSkew || exp <= iat || exp - iat > TimeSpan.FromHours(1))
        {
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
        }
        return null;
    }

    private static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static DateTimeOffset? Seconds(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<long>(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private Task RefuseAsync(HttpContext context, string error, string description)
    {
        _rejections.Enqueue(description);
        return WriteAsync(context, 400, new JsonObject { ["error"] = error, ["error_description"] = description });
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private sealed record ServiceAccount(string KeyId, RSA PublicKey);
}
