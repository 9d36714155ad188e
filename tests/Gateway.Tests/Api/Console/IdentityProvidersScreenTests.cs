using System.Net;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The identity providers screen in a real headless Chromium, registering a local OpenID Connect issuer.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdentityProvidersScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_issuer_is_registered_after_errors_in_place_its_rules_changed_and_it_is_removed()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var issuer = await FakeOidcIssuer.StartAsync();
        var slug = "console-idp-" + Guid.NewGuid().ToString("N")[..8];
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/identity-providers");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#identity-provider-form");
        var error = form.GetByRole(AriaRole.Alert);

        await form.GetByLabel("Slug").FillAsync(slug);
        await form.GetByLabel("Issuer").FillAsync(issuer.Issuer);
        await form.GetByLabel("Rules (JSON", new() { Exact = false }).FillAsync("[{\"group\": \"eng\",");
        await form.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("rules: not JSON.");

        await form.GetByLabel("Rules (JSON", new() { Exact = false }).FillAsync($"[{{\"group\": \"eng\", \"workspace\": \"{tenant.Workspace}\"}}]");
        await form.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("audience: required.");

        await form.GetByLabel("Audience").FillAsync(SignOnSetup.Audience);
        await form.GetByLabel("User claim").FillAsync("email");
        await form.GetByLabel("Metadata claims", new() { Exact = false }).FillAsync("{\"department\": \"department\"}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(error).ToBeHiddenAsync();

        await console.GoAsync($"#/identity-providers?slug={slug}");
        var row = page.Locator($"tr[data-identity-provider='{slug}']");
        await Assertions.Expect(row.Locator("td").Nth(1)).ToContainTextAsync(issuer.Issuer);
        await Assertions.Expect(row.Locator("td").Nth(2)).ToContainTextAsync("user: email");
        await Assertions.Expect(row.Locator("td").Nth(2)).ToContainTextAsync("department ← department");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync($"eng → {tenant.Workspace}");
        await console.ScreenshotAsync("identity-providers");

        // Changed: a default workspace for users no rule places; a user outside every group now signs on there.
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Assertions.Expect(form.GetByLabel("Slug")).ToHaveValueAsync(slug);
        await form.GetByLabel("Default workspace").FillAsync(tenant.Workspace);
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync(tenant.Workspace);
        var signOn = new SignOnSetup(issuer, slug);
        using (var served = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token("outsider@corp.example", ["sales"]))))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // Removed: its tokens are refused from then on.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("section:has(#identity-provider-list) > p.error")).ToContainTextAsync(slug);
        using (var refused = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token("outsider@corp.example", ["sales"]))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }
}
