using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Console;

/// <summary>A gateway without an identity provider for its console offers sign-in with admin tokens only.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ConsoleSignInOffTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("/console/oidc")]
    [InlineData("/console/oidc/start")]
    [InlineData("/console/oidc/callback?code=x&state=y")]
    public async Task Without_an_authority_the_identity_provider_endpoints_say_it_is_not_configured(string path)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("Sign-in through an identity provider is not configured (Gateway:Console:SignIn:Authority).", error.Message);
    }
}
