using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// Console sign-in through the organisation's identity provider, over plain HTTP as a browser follows it: the
/// authorization code flow with PKCE against a real local issuer, and each way it must fail.
/// </summary>
[Collection(OidcConsoleCollection.Name)]
public sealed class OidcSignInTests(OidcConsoleGateway gateway)
{
    [Fact]
    public async Task The_code_flow_with_pkce_signs_in_the_mapped_role_which_reads_only_its_workspace_until_sign_out()
    {
        gateway.SignInNext("ana@example.com", "unrelated", OidcConsoleGateway.AnalystsOfA);
        using var browser = new Browser(gateway.BaseUrl);

        using var start = await browser.GetAsync("/console/oidc/start");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.Equal(gateway.Issuer.Issuer + "/authorize", authorize.GetLeftPart(UriPartial.Path));
        var asked = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal("code", asked["response_type"]);
        Assert.Equal(gateway.Issuer.ClientId, asked["client_id"]);
        Assert.Equal(new Uri(gateway.BaseUrl, "/console/oidc/callback").ToString(), asked["redirect_uri"]);
        Assert.Contains("openid", asked["scope"].ToString().Split(' '));
        Assert.Equal("S256", asked["code_challenge_method"]);
        Assert.Equal(43, asked["code_challenge"].ToString().Length);
        Assert.True(asked["state"].ToString().Length >= 43 && asked["nonce"].ToString().Length >= 43);
        var flowCookie = Assert.Single(start.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gateway_console_signin=", StringComparison.Ordinal));
        Assert.Contains("httponly", flowCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", flowCookie, StringComparison.OrdinalIgnoreCase);

        var callback = await browser.AuthorizeAsync(authorize);
        Assert.Equal(asked["state"], QueryHelpers.ParseQuery(callback.Query)["state"]);
        Assert.Equal("/console/", await browser.CallbackAsync(callback));

        var session = await browser.Json("/console/session");
        Assert.Equal("ana@example.com", session["name"]!.GetValue<string>());
        Assert.Equal("analyst", session["role"]!.GetValue<string>());
        Assert.Equal([gateway.WorkspaceA], session["workspaces"]!.AsArray().Select(w => w!.GetValue<string>()));
        using (var mine = await browser.GetAsync($"/admin/v1/logs/{gateway.RequestOfA}"))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }
        using (var theirs = await browser.GetAsync($"/admin/v1/logs/{gateway.RequestOfB}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }
        var csrf = session["csrf_token"]!.GetValue<string>();
        using (var write = await browser.SendAsync(HttpMethod.Post, "/admin/v1/workspaces", csrf, new { id = "ws-analyst-made" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }

        using (var signOut = await browser.SendAsync(HttpMethod.Delete, "/console/session", csrf))
        {
            Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        }
        using var after = await browser.GetAsync("/console/session");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_callback_with_another_state_is_refused_before_its_code_is_redeemed_and_the_sign_in_is_spent()
    {
        gateway.SignInNext("sam@example.com", OidcConsoleGateway.OrgAdmins);
        using var browser = new Browser(gateway.BaseUrl);
        var callback = await browser.AuthorizeAsync(await browser.StartAsync());
        var redeemed = gateway.Issuer.TokenRequests;

        var forged = QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path), new Dictionary<string, string?>
        {
            ["code"] = QueryHelpers.ParseQuery(callback.Query)["code"],
            ["state"] = "not-the-state-this-browser-sent",
        });
        Assert.Equal("/console/?signin_error=state", await browser.CallbackAsync(new Uri(forged)));
        // The right answer after a wrong one is too late: a sign-in's callback is honoured once.
        Assert.Equal("/console/?signin_error=expired", await browser.CallbackAsync(callback));
        // And a browser that started no sign-in cannot finish this one.
        using var stranger = new Browser(gateway.BaseUrl);
        Assert.Equal("/console/?signin_error=expired", await stranger.CallbackAsync(callback));

        Assert.Equal(redeemed, gateway.Issuer.TokenRequests);
        await browser.AssertSignedOutAsync();
        await stranger.AssertSignedOutAsync();
    }

    [Fact]
    public async Task A_verifier_that_does_not_match_the_challenge_is_refused_by_the_issuer_and_the_sign_in_fails_cleanly()
    {
        gateway.SignInNext("sam@example.com", OidcConsoleGateway.OrgAdmins);
        using var browser = new Browser(gateway.BaseUrl);
        var authorize = await browser.StartAsync();
        // On the way to the issuer the challenge is swapped (as an attacker who injects a stolen code would have it).
        var otherChallenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(new string('x', 43))));
        var asked = QueryHelpers.ParseQuery(authorize.Query).ToDictionary(p => p.Key, p => (string?)p.Value.ToString());
        asked["code_challenge"] = otherChallenge;
        var callback = await browser.AuthorizeAsync(new Uri(QueryHelpers.AddQueryString(authorize.GetLeftPart(UriPartial.Path), asked)));

        Assert.Equal("/console/?signin_error=failed", await browser.CallbackAsync(callback));
        Assert.Equal("the code_verifier does not match the code_challenge", gateway.Issuer.TokenRefusals[^1]);
        await browser.AssertSignedOutAsync();
    }

    [Fact]
    public async Task A_code_is_redeemed_once_even_with_a_fresh_sign_in_of_another_browser()
    {
        gateway.SignInNext("sam@example.com", OidcConsoleGateway.OrgAdmins);
        using var first = new Browser(gateway.BaseUrl);
        var callback = await first.AuthorizeAsync(await first.StartAsync());
        Assert.Equal("/console/", await first.CallbackAsync(callback));

        using var second = new Browser(gateway.BaseUrl);
        var ownCallback = await second.AuthorizeAsync(await second.StartAsync());
        var replayed = QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path), new Dictionary<string, string?>
        {
            ["code"] = QueryHelpers.ParseQuery(callback.Query)["code"],
            ["state"] = QueryHelpers.ParseQuery(ownCallback.Query)["state"],
        });
        Assert.Equal("/console/?signin_error=failed", await second.CallbackAsync(new Uri(replayed)));
        Assert.Equal("the code is unknown or was already redeemed", gateway.Issuer.TokenRefusals[^1]);
        await second.AssertSignedOutAsync();
        Assert.Equal("sam@example.com", (await first.Json("/console/session"))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_id_token_carrying_another_sign_ins_nonce_is_refused()
    {
        gateway.SignInNext("sam@example.com", OidcConsoleGateway.OrgAdmins);
        gateway.Issuer.NonceOverride = "the-nonce-of-some-other-sign-in";
        try
        {
            using var browser = new Browser(gateway.BaseUrl);
            var callback = await browser.AuthorizeAsync(await browser.StartAsync());
            Assert.Equal("/console/?signin_error=failed", await browser.CallbackAsync(callback));
            await browser.AssertSignedOutAsync();
        }
        finally
        {
            gateway.Issuer.NonceOverride = null;
        }
    }

    [Fact]
    public async Task A_user_in_no_mapped_group_or_who_declines_is_refused_with_a_reason_and_no_session()
    {
        gateway.SignInNext("mo@example.com", "marketing", "everyone");
        using var outsider = new Browser(gateway.BaseUrl);
        Assert.Equal("/console/?signin_error=no_role", await outsider.CallbackAsync(await outsider.AuthorizeAsync(await outsider.StartAsync())));
        await outsider.AssertSignedOutAsync();

        gateway.Issuer.User = null;
        using var declining = new Browser(gateway.BaseUrl);
        Assert.Equal("/console/?signin_error=denied", await declining.CallbackAsync(await declining.AuthorizeAsync(await declining.StartAsync())));
        await declining.AssertSignedOutAsync();
    }

    /// <summary>A browser's cookie jar, redirects followed by hand so each step can be looked at.</summary>
    private sealed class Browser(Uri gateway) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = gateway,
            Timeout = TimeSpan.FromSeconds(60),
        };

        public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string csrf, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("X-CSRF-Token", csrf);
            return _http.SendAsync(request);
        }

        /// <summary>The issuer's authorization address the gateway sends this browser to.</summary>
        public async Task<Uri> StartAsync()
        {
            using var start = await _http.GetAsync("/console/oidc/start");
            Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
            return start.Headers.Location!;
        }

        /// <summary>The callback the issuer sends this browser back to.</summary>
        public async Task<Uri> AuthorizeAsync(Uri authorize)
        {
            using var answer = await _http.GetAsync(authorize);
            Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
            return answer.Headers.Location!;
        }

        /// <summary>Where the gateway's callback sends this browser.</summary>
        public async Task<string> CallbackAsync(Uri callback)
        {
            using var answer = await _http.GetAsync(callback);
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            return answer.Headers.Location!.ToString();
        }

        public async Task<JsonObject> Json(string path)
        {
            using var answer = await _http.GetAsync(path);
            Assert.True(answer.IsSuccessStatusCode, $"GET {path} -> {(int)answer.StatusCode}");
            return (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
        }

        public async Task AssertSignedOutAsync()
        {
            using var session = await _http.GetAsync("/console/session");
            Assert.Equal(HttpStatusCode.Unauthorized, session.StatusCode);
        }

        public void Dispose() => _http.Dispose();
    }
}
