using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Grains.Users;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A local OpenID Connect issuer registered with a gateway as an identity provider (<c>email</c> names the user,
/// <c>department</c> is metadata), and the data-plane requests its users make.
/// </summary>
public sealed class SignOnSetup(FakeOidcIssuer issuer, string slug) : IAsyncDisposable
{
    public const string Audience = "gateway-tests";

    public FakeOidcIssuer Issuer { get; } = issuer;
    public string Slug { get; } = slug;

    /// <summary>Starts an issuer and registers it through <paramref name="admin"/> with these group rules and default workspace.</summary>
    public static async Task<SignOnSetup> RegisterAsync(HttpClient admin, JsonArray rules, string? defaultWorkspace = null)
    {
        var issuer = await FakeOidcIssuer.StartAsync();
        var slug = "idp-" + Guid.NewGuid().ToString("N")[..10];
        await GatewayFixture.PostAsync(admin, "/admin/v1/identity-providers", new JsonObject
        {
            ["slug"] = slug,
            ["issuer"] = issuer.Issuer,
            ["audience"] = Audience,
            ["user_claim"] = "email",
            ["metadata_claims"] = new JsonObject { ["department"] = "department" },
            ["rules"] = rules,
            ["default_workspace"] = defaultWorkspace,
        });
        return new SignOnSetup(issuer, slug);
    }

    /// <summary>A rule placing members of <paramref name="group"/> in <paramref name="workspace"/>.</summary>
    public static JsonObject Rule(string group, string workspace) => new() { ["group"] = group, ["workspace"] = workspace };

    /// <summary>A token of <paramref name="email"/> in <paramref name="groups"/>, of <paramref name="department"/> when given.</summary>
    public string Token(string email, string[] groups, string? department = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "sub-" + email, ["email"] = email, ["groups"] = groups };
        if (department is not null)
        {
            claims["department"] = department;
        }
        return Issuer.Mint(Audience, claims);
    }

    /// <summary>The gateway's id for a user of this provider.</summary>
    public string UserId(string email) => UserIds.Of(Slug, email);

    /// <summary>A <c>/v1/messages</c> request with <c>Authorization: Bearer</c>, as Claude Code sends <c>ANTHROPIC_AUTH_TOKEN</c>.</summary>
    public static HttpRequestMessage Messages(string token, string prompt = "hello", bool stream = false)
    {
        var request = Requests.Messages("", Requests.MessagesBody(prompt, stream));
        request.Headers.Remove("x-api-key");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public ValueTask DisposeAsync() => Issuer.DisposeAsync();
}
