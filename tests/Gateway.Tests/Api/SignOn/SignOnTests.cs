using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Api.SignOn;

/// <summary>Users sign on with their identity provider's JWTs: validated, placed by group, attributed, refused clearly.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SignOnTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_valid_token_is_served_and_attributed_to_its_user_whose_claims_no_header_overrides()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);

        using var request = SignOnSetup.Messages(signOn.Token("alice@corp.example", ["staff", "eng"], department: "research"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", """{"user": "mallory", "department": "sales", "project": "apollo"}""");
        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal((signOn.UserId("alice@corp.example"), null, tenant.Workspace), (record.UserId, record.KeyId, record.Workspace));
        Assert.Equal("alice@corp.example", record.Metadata["user"]);
        Assert.Equal("research", record.Metadata["department"]);
        Assert.Equal("apollo", record.Metadata["project"]);

        var users = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users?workspace={tenant.Workspace}");
        var user = Assert.Single(users["data"]!.AsArray())!;
        Assert.Equal(signOn.UserId("alice@corp.example"), user["id"]!.GetValue<string>());
        Assert.Equal(("alice@corp.example", signOn.Slug, false), (user["subject"]!.GetValue<string>(), user["identity_provider"]!.GetValue<string>(),
            user["blocked"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task An_issuer_whose_keys_cannot_be_fetched_is_a_503_to_retry_and_its_users_are_served_once_it_is_back()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);
        var token = signOn.Token("dana@corp.example", ["eng"]);
        signOn.Issuer.Unavailable = true;

        using (var refused = await gateway.Client.SendAsync(SignOnSetup.Messages(token)))
        {
            await AnthropicError.ReadAsync(refused, HttpStatusCode.ServiceUnavailable, "overloaded_error");
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }

        signOn.Issuer.Unavailable = false;
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            using var served = await gateway.Client.SendAsync(SignOnSetup.Messages(token));
            return served.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(90)), "the issuer's user is served once its keys can be fetched again");
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong audience")]
    [InlineData("wrong issuer")]
    [InlineData("unknown key")]
    [InlineData("alg none")]
    [InlineData("tampered signature")]
    [InlineData("tampered claims")]
    [InlineData("not yet valid")]
    [InlineData("garbage")]
    [InlineData("oversized")]
    public async Task A_bad_token_is_a_401_authentication_error(string flaw)
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);
        var claims = new Dictionary<string, object> { ["email"] = "eve@corp.example", ["groups"] = new[] { "eng" } };
        var now = DateTime.UtcNow;
        var good = signOn.Issuer.Mint(SignOnSetup.Audience, claims);
        var token = flaw switch
        {
            "expired" => signOn.Issuer.Mint(SignOnSetup.Audience, claims, expires: now.AddMinutes(-5), notBefore: now.AddMinutes(-65)),
            "not yet valid" => signOn.Issuer.Mint(SignOnSetup.Audience, claims, expires: now.AddHours(2), notBefore: now.AddMinutes(10)),
            "wrong audience" => signOn.Issuer.Mint("another-app", claims),
            "wrong issuer" => signOn.Issuer.Mint(SignOnSetup.Audience, claims, issuer: signOn.Issuer.Issuer + "/other"),
            "unknown key" => signOn.Issuer.Mint(SignOnSetup.Audience, claims, unpublishedKey: true),
            "alg none" => signOn.Issuer.MintUnsigned(SignOnSetup.Audience, claims),
            "tampered signature" => good[..^4] + (good[^4..] == "AAAA" ? "BBBB" : "AAAA"),
            "tampered claims" => WithPayload(good, p => p.Replace("eve@corp.example", "bob@corp.example", StringComparison.Ordinal)),
            "garbage" => "not.a.jwt",
            _ => good + new string('A', 20_000),
        };

        using var response = await gateway.Client.SendAsync(SignOnSetup.Messages(token));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
        // A good token of the same issuer still works: nothing above poisoned its cached keys.
        using var served = await gateway.Client.SendAsync(SignOnSetup.Messages(good));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task After_the_issuer_rolls_its_keys_over_tokens_of_the_new_key_are_served()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("eng", tenant.Workspace)]);
        using (var before = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token("ravi@corp.example", ["eng"]))))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        var fetched = signOn.Issuer.KeysFetched;

        signOn.Issuer.RollOver();

        using var after = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token("ravi@corp.example", ["eng"])));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(fetched + 1, signOn.Issuer.KeysFetched);
    }

    [Fact]
    public async Task Group_rules_place_each_user_in_their_workspace_and_a_user_no_rule_places_is_refused()
    {
        var engineering = await gateway.CreateTenantAsync();
        var sales = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin,
            [SignOnSetup.Rule("sales-team", sales.Workspace), SignOnSetup.Rule("engineering", engineering.Workspace)]);

        Assert.Equal(engineering.Workspace, await WorkspaceOfAsync(signOn.Token("eng@corp.example", ["everyone", "engineering"])));
        Assert.Equal(sales.Workspace, await WorkspaceOfAsync(signOn.Token("sam@corp.example", ["sales-team"])));
        // The first rule that matches wins.
        Assert.Equal(sales.Workspace, await WorkspaceOfAsync(signOn.Token("both@corp.example", ["engineering", "sales-team"])));

        using var nobody = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token("guest@corp.example", ["visitors"])));
        var error = await AnthropicError.ReadAsync(nobody, HttpStatusCode.Forbidden, "permission_error");
        Assert.Contains(signOn.Slug, error.Message, StringComparison.Ordinal);
    }

    private async Task<string?> WorkspaceOfAsync(string token)
    {
        using var response = await gateway.Client.SendAsync(SignOnSetup.Messages(token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Workspace;
    }

    private static string WithPayload(string token, Func<string, string> change)
    {
        var parts = token.Split('.');
        parts[1] = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(change(Base64UrlEncoder.Decode(parts[1]))));
        return string.Join('.', parts);
    }
}
