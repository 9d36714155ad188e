using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Util;

namespace Gateway.Api.Providers.Vertex;

/// <summary>
/// OAuth2 access tokens for Vertex AI from a Google service-account key, by the JWT bearer grant against the
/// token endpoint. One Google.Apis.Auth credential is kept per provider and key: it caches its token, refreshes
/// it ahead of expiry and lets concurrent callers share one token request.
/// </summary>
/// <remarks>
/// Google.Apis.Auth 1.78 refreshes a token 225 s before <c>expires_in</c> runs out (in the background, still serving
/// the current one) and stops serving it 60 s before. The assertion's <c>aud</c> is always
/// <c>https://oauth2.googleapis.com/token</c>, whichever token URL it is posted to, as Google requires for private
/// (PSC) or proxied token endpoints.
/// </remarks>
public sealed class VertexTokens : IDisposable
{
    /// <summary>The OAuth2 scope Vertex AI accepts.</summary>
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>Google's token endpoint, used when neither the provider nor the key names another.</summary>
    public const string DefaultTokenUrl = "https://oauth2.googleapis.com/token";

    /// <summary>
    /// How long a caller waits for a token. The library's own retry budget (12 s, then 1 min, then 5 min attempts)
    /// is far longer than a client request should hang; the refresh itself carries on in the background.
    /// </summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After a failed token request, callers with the same key fail at once for this long rather than each
    /// asking the token endpoint again (a revoked key under load would otherwise hammer it).
    /// </summary>
    public static readonly TimeSpan FailureHoldOff = TimeSpan.FromSeconds(5);

    private static readonly string[] Scopes = [CloudPlatformScope];
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IClock _clock;
    private readonly bool _allowLinkLocal;

    /// <summary>Creates the service; <paramref name="time"/> drives token expiry and the failure hold-off.</summary>
    /// <param name="allowLinkLocal">Whether a token endpoint may be a link-local address (<see cref="ProviderAddresses"/>).</param>
    public VertexTokens(TimeProvider time, bool allowLinkLocal = false)
    {
        _time = time;
        _clock = new TimeProviderClock(time);
        _allowLinkLocal = allowLinkLocal;
    }

    /// <summary>
    /// An access token for <paramref name="serviceAccountJson"/>, from cache while it is fresh.
    /// <paramref name="cacheKey"/> identifies the provider; a changed key or token URL under the same cache key
    /// replaces the cached credential.
    /// </summary>
    /// <exception cref="VertexCredentialException">The key is unusable or the token endpoint failed.</exception>
    public async ValueTask<string> GetAccessTokenAsync(string cacheKey, string serviceAccountJson, string? tokenUrl, CancellationToken ct)
    {
        var entry = GetEntry(cacheKey, serviceAccountJson, tokenUrl);
        entry.ThrowIfHeldOff(_time.GetUtcNow());
        try
        {
            return await entry.Credential.GetAccessTokenForRequestAsync(cancellationToken: ct)
                .WaitAsync(WaitLimit, _time, ct)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Describe(e, entry.Credential.TokenServerUrl) is { } failure)
        {
            entry.Fail(failure, _time.GetUtcNow() + FailureHoldOff);
            throw failure;
        }
    }

    /// <summary>
    /// Why <paramref name="serviceAccountJson"/> cannot be used as a Vertex credential, or null when it can. For the
    /// admin API, to refuse a bad key when the provider is created rather than on its first request.
    /// </summary>
    public static string? Validate(string serviceAccountJson)
    {
        try
        {
            var key = ServiceAccountKey.Parse(serviceAccountJson);
            key.CreateInitializer(key.TokenUri ?? DefaultTokenUrl, Scopes).Key.Dispose();
            return null;
        }
        catch (VertexCredentialException e)
        {
            return e.Message;
        }
    }

    /// <summary>Disposes the HTTP clients of the cached credentials.</summary>
    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Credential.HttpClient.Dispose();
        }
        _entries.Clear();
    }

    private Entry GetEntry(string cacheKey, string json, string? tokenUrl)
    {
        var fingerprint = Fingerprint(json, tokenUrl);
        if (_entries.TryGetValue(cacheKey, out var existing) && existing.Fingerprint == fingerprint)
        {
            return existing;
        }

        // Parsed before touching the cache, so a bad key throws every time and is never cached.
        var created = new Entry(fingerprint, CreateCredential(json, tokenUrl));
        // Racing first callers all parse, but the update keeps whichever credential landed first, so they share
        // one credential and one token request. A replaced credential is left to the GC rather than disposed:
        // a caller may still be waiting on its refresh.
        return _entries.AddOrUpdate(cacheKey, created, (_, current) => current.Fingerprint == fingerprint ? current : created);
    }

    private ServiceAccountCredential CreateCredential(string json, string? tokenUrl)
    {
        var key = ServiceAccountKey.Parse(json);
        string url;
        if (!string.IsNullOrWhiteSpace(tokenUrl))
        {
            url = ServiceAccountKey.IsHttpUrl(tokenUrl)
                ? tokenUrl
                : throw new VertexCredentialException("token_url must be an absolute http(s) URL.");
        }
        else
        {
            url = key.TokenUri ?? DefaultTokenUrl;
        }
        // The key file's token_uri is an address too: it must not lead to the host's metadata service.
        if (!_allowLinkLocal && ProviderAddresses.Check(url) is { } problem)
        {
            throw new VertexCredentialException($"The token endpoint {problem}.");
        }
        var initializer = key.CreateInitializer(url, Scopes);
        initializer.Clock = _clock;
        return new ServiceAccountCredential(initializer);
    }

    private static string Fingerprint(string json, string? tokenUrl) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json + "\n" + tokenUrl)));

    /// <summary>The caller-facing failure for what the library threw, or null to let it through unchanged.</summary>
    private static VertexCredentialException? Describe(Exception e, string tokenUrl)
    {
        var endpoint = Uri.TryCreate(tokenUrl, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : tokenUrl;
        return e switch
        {
            VertexCredentialException known => known,
            TokenResponseException refused => new VertexCredentialException(
                $"The token endpoint {endpoint} refused the service account: {Explain(refused.Error)}"
                + (refused.StatusCode is { } status ? $" (HTTP {(int)status})." : "."),
                (int?)refused.StatusCode, refused),
            HttpRequestException unreachable => new VertexCredentialException(
                $"The token endpoint {endpoint} could not be reached: {unreachable.Message}",
                (int?)unreachable.StatusCode, unreachable),
            TimeoutException => new VertexCredentialException(
                $"The token endpoint {endpoint} did not issue a token within {WaitLimit.TotalSeconds:0} s."),
            // The library's refresh gives up with InvalidOperationException after its own timeouts.
            InvalidOperationException or OperationCanceledException => new VertexCredentialException(
                $"The token endpoint {endpoint} did not issue a token: {e.Message}", null, e),
            _ => null,
        };
    }

    private static string Explain(TokenErrorResponse? error) =>
        error is null ? "no error given"
        : string.IsNullOrEmpty(error.ErrorDescription) ? error.Error ?? "no error given"
        : $"{error.Error}: {error.ErrorDescription}";

    /// <summary>One cached credential and, for a short while after a failure, that failure.</summary>
    private sealed class Entry(string fingerprint, ServiceAccountCredential credential)
    {
        private volatile Failure? _failure;

        public string Fingerprint { get; } = fingerprint;
        public ServiceAccountCredential Credential { get; } = credential;

        public void Fail(VertexCredentialException error, DateTimeOffset until) => _failure = new Failure(error, until);

        public void ThrowIfHeldOff(DateTimeOffset now)
        {
            if (_failure is { } failure && failure.Until > now)
            {
                // A fresh exception per caller: one instance thrown from many threads would have its trace overwritten.
                throw new VertexCredentialException(failure.Error.Message, failure.Error.TokenEndpointStatus);
            }
        }
    }

    private sealed record Failure(VertexCredentialException Error, DateTimeOffset Until);

    /// <summary>Lets the library's expiry checks run on the gateway's clock.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;
        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }
}
