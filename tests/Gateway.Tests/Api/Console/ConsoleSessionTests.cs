using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Console;

/// <summary>Console sessions over plain HTTP: the cookie, CSRF, revocation, sign-out, and several gateways.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ConsoleSessionTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Signing_in_sets_an_http_only_strict_cookie_that_holds_neither_the_token_nor_anything_it_can_be_derived_from()
    {
        var (browser, csrf) = await SignInAsync(GatewayFixture.AdminToken);
        using var _ = browser.Client;

        var cookie = Assert.Single(browser.SetCookies);
        Assert.StartsWith("gateway_console=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(GatewayFixture.AdminToken, cookie);
        Assert.Equal(64, csrf.Length);
        // The cookie alone reads the admin API as the token would.
        using var workspaces = await browser.Client.GetAsync("/admin/v1/workspaces");
        Assert.Equal(HttpStatusCode.OK, workspaces.StatusCode);
        var session = await AdminReads.GetAsync(browser.Client, "/console/session");
        Assert.Equal("org_admin", session["role"]!.GetValue<string>());
        Assert.Equal(csrf, session["csrf_token"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_wrong_token_opens_no_session()
    {
        using var client = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal("Invalid admin token.", (await AnthropicError.ReadAsync(response)).Message);
    }

    [Fact]
    public async Task Unsafe_methods_with_the_cookie_need_the_sessions_csrf_token()
    {
        var (browser, csrf) = await SignInAsync(GatewayFixture.AdminToken);
        using var _ = browser.Client;
        var id = "ws-" + Guid.NewGuid().ToString("N")[..10];

        using var without = await browser.Client.PostAsJsonAsync("/admin/v1/workspaces", new JsonObject { ["id"] = id, ["name"] = id });
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Contains("X-CSRF-Token", (await AnthropicError.ReadAsync(without)).Message);
        using var wrong = await PostWithCsrfAsync(browser.Client, id, new string('0', 64));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var missing = await browser.Client.GetAsync($"/admin/v1/workspaces/{id}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var right = await PostWithCsrfAsync(browser.Client, id, csrf);
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
    }

    [Fact]
    public async Task Deleting_the_admin_token_ends_its_sessions()
    {
        var created = await gateway.PostAsync("/admin/v1/admin-tokens", new JsonObject { ["name"] = "console user", ["role"] = "org_admin" });
        var (browser, _) = await SignInAsync(created["token"]!.GetValue<string>());
        using var client = browser.Client;
        using var before = await client.GetAsync("/admin/v1/workspaces");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var deleted = await gateway.Admin.DeleteAsync($"/admin/v1/admin-tokens/{created["id"]!.GetValue<string>()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var after = await client.GetAsync("/admin/v1/workspaces");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Sign_out_needs_the_csrf_token_deletes_the_cookie_and_ends_the_session_for_good()
    {
        var (browser, csrf) = await SignInAsync(GatewayFixture.AdminToken);
        using var client = browser.Client;
        var cookie = browser.Cookies.GetCookies(gateway.BaseUrl)["gateway_console"]!.Value;

        using var forged = await client.DeleteAsync("/console/session");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using var stillIn = await client.GetAsync("/admin/v1/workspaces");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/console/session");
        signOut.Headers.Add("X-CSRF-Token", csrf);
        using var signedOut = await client.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        Assert.Null(browser.Cookies.GetCookies(gateway.BaseUrl)["gateway_console"]);

        // The old cookie, replayed, opens nothing.
        using var replay = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
        replay.Headers.Add("Cookie", $"gateway_console={cookie}");
        using var replayed = await gateway.Client.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    public async Task A_session_opened_on_one_gateway_works_on_another_of_the_cluster()
    {
        var (browser, _) = await SignInAsync(GatewayFixture.AdminToken);
        using var _ = browser.Client;
        var second = await GatewayFixture.StartGatewayAsync(gateway.ConnectionString);
        try
        {
            using var other = new HttpClient { BaseAddress = GatewayFixture.Address(second) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
            request.Headers.Add("Cookie", $"gateway_console={browser.Cookies.GetCookies(gateway.BaseUrl)["gateway_console"]!.Value}");
            using var response = await other.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_session_ends_when_its_lifetime_is_over_and_not_before()
    {
        // Long enough that a loaded machine still reads with the fresh session before it ends.
        var lifetime = TimeSpan.FromSeconds(10);
        var shortLived = await GatewayFixture.StartGatewayAsync(gateway.ConnectionString, runsProjections: false,
            settings: new Dictionary<string, string?> { ["Gateway:Console:SessionLifetime"] = lifetime.ToString() });
        try
        {
            var signedInAt = DateTimeOffset.UtcNow;
            var (browser, _) = await SignInAsync(GatewayFixture.AdminToken, GatewayFixture.Address(shortLived));
            browser.Client.Dispose();
            // The cookie sent as is, also after the browser would have dropped it: the gateway itself must refuse it.
            var cookie = $"gateway_console={browser.Cookies.GetCookies(GatewayFixture.Address(shortLived))["gateway_console"]!.Value}";
            using var client = new HttpClient { BaseAddress = GatewayFixture.Address(shortLived) };
            async Task<HttpStatusCode> ReadAsync(string path)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("Cookie", cookie);
                using var response = await client.SendAsync(request);
                return response.StatusCode;
            }
            Assert.Equal(HttpStatusCode.OK, await ReadAsync("/admin/v1/workspaces"));

            Assert.True(await Processes.WaitUntilAsync(async () => await ReadAsync("/admin/v1/workspaces") == HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(60)), "the session should end once its lifetime is over");
            Assert.True(DateTimeOffset.UtcNow - signedInAt >= lifetime, "the session ended before its lifetime was over");
            Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync("/console/session"));
        }
        finally
        {
            await shortLived.StopAsync();
            await shortLived.DisposeAsync();
        }
    }

    [Fact]
    public async Task Console_pages_forbid_inline_scripts_framing_and_referrers_and_serve_only_their_own_files()
    {
        using var page = await gateway.Client.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync());

        using var script = await gateway.Client.GetAsync("/console/assets/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        using var unknown = await gateway.Client.GetAsync("/console/assets/..%2Fappsettings.json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var withoutSlash = await gateway.Client.GetAsync("/console");
        Assert.Equal(await page.Content.ReadAsStringAsync(), await withoutSlash.Content.ReadAsStringAsync());
    }

    private sealed record Browser(HttpClient Client, CookieContainer Cookies, IReadOnlyList<string> SetCookies);

    /// <summary>Signs in as the page does; the client then holds only the cookie, as a browser would.</summary>
    private async Task<(Browser Browser, string Csrf)> SignInAsync(string token, Uri? at = null)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = at ?? gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"sign-in -> {(int)response.StatusCode}: {text}");
        var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        return (new Browser(client, cookies, setCookies), JsonNode.Parse(text)!["csrf_token"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> PostWithCsrfAsync(HttpClient client, string id, string csrf)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/workspaces")
        {
            Content = JsonContent.Create(new JsonObject { ["id"] = id, ["name"] = id }),
        };
        request.Headers.Add("X-CSRF-Token", csrf);
        return client.SendAsync(request);
    }
}
