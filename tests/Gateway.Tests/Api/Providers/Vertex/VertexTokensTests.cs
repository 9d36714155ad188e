using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Gateway.Api.Providers.Vertex;
using Gateway.Fakes;

namespace Gateway.Tests.Api.Providers.Vertex;

/// <summary>
/// Service-account tokens through Google.Apis.Auth against a local token endpoint that verifies the JWT assertion
/// as Google does: caching, one request for many callers, refresh of short-lived tokens, and the failures.
/// </summary>
public sealed class VertexTokensTests : IAsyncLifetime
{
    // Nothing listens on the discard port: a token_uri that must not be used.
    private const string UnusedTokenUrl = "http://127.0.0.1:9/token";

    private readonly VertexTokens _tokens = new(TimeProvider.System);
    private FakeGoogleOAuth _google = null!;

    public async Task InitializeAsync() => _google = await FakeGoogleOAuth.StartAsync();

    public async Task DisposeAsync()
    {
        _tokens.Dispose();
        await _google.DisposeAsync();
    }

    [Fact]
    public async Task A_token_comes_from_the_token_endpoint_which_verified_the_assertion()
    {
        var json = _google.CreateServiceAccountJson("acme-prod");

        var token = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);

        // An access token from the endpoint, not a self-signed JWT: the exchange really happened.
        Assert.StartsWith("ya29.fake-", token, StringComparison.Ordinal);
        Assert.True(_google.IsValid(token));
        Assert.Equal(1, _google.TokenRequests);
        Assert.Empty(_google.Rejections);
    }

    [Fact]
    public async Task Concurrent_and_sequential_callers_share_one_token_request()
    {
        var json = _google.CreateServiceAccountJson("acme-prod");
        // Keep the one request in flight while every caller arrives.
        _google.ResponseDelay = TimeSpan.FromMilliseconds(300);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(async () => await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default))));
        var sequential = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            sequential.Add(await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default));
        }

        Assert.Single(concurrent.Concat(sequential).Distinct());
        Assert.Equal(1, _google.TokenRequests);
    }

    [Fact]
    public async Task A_token_inside_the_libraries_last_minute_is_replaced_on_the_next_call()
    {
        // Google.Apis.Auth will not hand out a token within 60 s of its expiry: one of 60 s is spent on arrival.
        _google.ExpiresInSeconds = 60;
        var json = _google.CreateServiceAccountJson("acme-prod");

        var first = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);
        var second = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);

        Assert.NotEqual(first, second);
        Assert.Equal(2, _google.TokenRequests);
        Assert.True(_google.IsValid(second));
    }

    [Fact]
    public async Task A_token_inside_the_refresh_window_is_still_served_while_a_new_one_is_fetched()
    {
        // 120 s: already inside the 225 s refresh window, but usable for another 60 s.
        _google.ExpiresInSeconds = 120;
        var json = _google.CreateServiceAccountJson("acme-prod");
        var first = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);
        _google.ExpiresInSeconds = 3600;

        var second = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);
        Assert.Equal(first, second);

        // The pre-emptive refresh runs in the background; its token shows up on a later call.
        var latest = second;
        var clock = Stopwatch.StartNew();
        while (latest == first && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            latest = await _tokens.GetAccessTokenAsync("vertex-eu", json, null, default);
        }
        Assert.NotEqual(first, latest);
        Assert.Equal(2, _google.TokenRequests);
    }

    [Fact]
    public async Task A_private_key_that_does_not_match_the_registered_one_is_refused()
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        using (var other = RSA.Create(2048))
        {
            account["private_key"] = other.ExportPkcs8PrivateKeyPem();
        }
        var json = account.ToJsonString();

        var error = await Assert.ThrowsAsync<VertexCredentialException>(
            () => _tokens.GetAccessTokenAsync("vertex-eu", json, null, default).AsTask());

        Assert.Equal(400, error.TokenEndpointStatus);
        Assert.Contains("invalid_grant", error.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid JWT Signature", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", error.Message, StringComparison.Ordinal);

        // Straight after a failure the same key fails again without asking the endpoint.
        var again = await Assert.ThrowsAsync<VertexCredentialException>(
            () => _tokens.GetAccessTokenAsync("vertex-eu", json, null, default).AsTask());
        Assert.Equal(error.Message, again.Message);
        Assert.Equal(1, _google.TokenRequests);
    }

    [Fact]
    public async Task A_token_endpoint_server_error_surfaces_with_its_status()
    {
        var json = _google.CreateServiceAccountJson("acme-prod");
        _google.ForcedStatus = 500;

        var error = await Assert.ThrowsAsync<VertexCredentialException>(
            () => _tokens.GetAccessTokenAsync("vertex-eu", json, null, default).AsTask());

        Assert.Equal(500, error.TokenEndpointStatus);
        // The library retries 408, 429, 500 and 503 itself, with backoff, before giving up (1.78: three attempts).
        Assert.InRange(_google.TokenRequests, 2, 4);
    }

    [Fact]
    public async Task The_providers_token_url_wins_over_the_keys_token_uri()
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        account["token_uri"] = UnusedTokenUrl;
        var json = account.ToJsonString();

        var token = await _tokens.GetAccessTokenAsync("vertex-eu", json, _google.TokenUrl, default);
        Assert.True(_google.IsValid(token));
        Assert.Equal(1, _google.TokenRequests);

        // Without the override the key's token_uri is used, and there nothing answers.
        var error = await Assert.ThrowsAsync<VertexCredentialException>(
            () => _tokens.GetAccessTokenAsync("vertex-us", json, null, default).AsTask());
        Assert.Contains("could not be reached", error.Message, StringComparison.Ordinal);
        Assert.Null(error.TokenEndpointStatus);
        Assert.Equal(1, _google.TokenRequests);
    }

    [Fact]
    public async Task A_changed_key_under_the_same_cache_key_gets_its_own_token()
    {
        var before = _google.CreateServiceAccountJson("acme-prod");
        var after = _google.CreateServiceAccountJson("acme-prod");

        var old = await _tokens.GetAccessTokenAsync("vertex-eu", before, null, default);
        var rotated = await _tokens.GetAccessTokenAsync("vertex-eu", after, null, default);

        Assert.NotEqual(old, rotated);
        Assert.Equal(2, _google.TokenRequests);
    }

    [Fact]
    public async Task A_key_without_client_email_is_refused_without_a_token_request()
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        account.Remove("client_email");

        var error = await Assert.ThrowsAsync<VertexCredentialException>(
            () => _tokens.GetAccessTokenAsync("vertex-eu", account.ToJsonString(), null, default).AsTask());

        Assert.Equal("service_account_json: client_email is missing.", error.Message);
        Assert.Null(error.TokenEndpointStatus);
        Assert.Equal(0, _google.TokenRequests);
    }

    [Fact]
    public void Validate_accepts_a_service_account_key()
    {
        Assert.Null(VertexTokens.Validate(_google.CreateServiceAccountJson("acme-prod")));
    }

    [Fact]
    public void Validate_names_a_missing_client_email()
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        account.Remove("client_email");

        Assert.Equal("service_account_json: client_email is missing.", VertexTokens.Validate(account.ToJsonString()));
    }

    [Theory]
    [InlineData("not a key at all")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWdhcmJhZ2U=\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n")]
    public void Validate_refuses_a_garbage_private_key_without_echoing_it(string privateKey)
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        account["private_key"] = privateKey;

        var problem = VertexTokens.Validate(account.ToJsonString());

        Assert.NotNull(problem);
        Assert.Contains("private_key", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("garbage", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_a_pkcs1_key_the_library_cannot_read()
    {
        var account = JsonNode.Parse(_google.CreateServiceAccountJson("acme-prod"))!.AsObject();
        using var rsa = RSA.Create(2048);
        account["private_key"] = rsa.ExportRSAPrivateKeyPem();

        Assert.Contains("PKCS#8", VertexTokens.Validate(account.ToJsonString()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"client_email\": \"a@b.c\", ")]
    [InlineData("[]")]
    [InlineData("{\"type\": \"authorized_user\", \"client_email\": \"a@b.c\", \"private_key\": \"x\"}")]
    [InlineData("{\"client_email\": \"a@b.c\"}")]
    public void Validate_refuses_json_that_is_not_a_service_account_key(string json)
    {
        Assert.NotNull(VertexTokens.Validate(json));
    }
}
