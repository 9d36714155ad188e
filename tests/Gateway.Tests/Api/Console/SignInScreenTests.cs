using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The sign-in screen in a real headless Chromium.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SignInScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_wrong_token_is_refused_in_place_and_the_right_one_signs_in_until_sign_out()
    {
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        var page = console.Page;

        await page.GetByLabel("Admin token").FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sign-in [role=alert]")).ToHaveTextAsync("Invalid admin token.");
        await console.ScreenshotAsync("sign-in");

        await console.SignInAsync(GatewayFixture.AdminToken);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("org_admin");
        // The token is in neither the page, its storage nor a cookie readable by script.
        Assert.DoesNotContain(GatewayFixture.AdminToken, await page.ContentAsync());
        Assert.Equal("", await page.EvaluateAsync<string>("document.cookie"));
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));

        // A reload keeps the session (the cookie); sign-out ends it, and a reload then asks for a token again.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Admin token")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("Admin token")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "gateway_console");
    }
}
