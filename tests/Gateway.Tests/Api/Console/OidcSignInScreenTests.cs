using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// The sign-in screen's "Sign in with …" in a real headless Chromium: to the organisation's identity provider (on
/// another site) and back, signed in as the role its groups map to, and the refusal of a user whose groups map to none.
/// </summary>
[Collection(OidcConsoleCollection.Name)]
public sealed partial class OidcSignInScreenTests(OidcConsoleGateway gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Signing_in_with_the_organisation_lands_as_the_mapped_role_on_its_screens_until_sign_out()
    {
        gateway.SignInNext("wanda@example.com", "all-staff", OidcConsoleGateway.AdminsOfA);
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        var page = console.Page;
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Example Corp" })).ToBeVisibleAsync();
        await console.ScreenshotAsync("sign-in-organisation");

        await console.SignInWithProviderAsync("Example Corp");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"wanda@example.com (workspace_admin · {gateway.WorkspaceA})");
        Assert.Equal(gateway.BaseUrl.GetLeftPart(UriPartial.Authority) + "/console/", page.Url.Split('#')[0]);
        // Its screens hold A's data and never B's.
        await console.GoAsync("#/logs");
        var rows = page.Locator("#log-results tbody tr");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        Assert.All(await rows.Locator("td:nth-child(4)").AllTextContentsAsync(), workspace => Assert.Equal(gateway.WorkspaceA, workspace));
        Assert.DoesNotContain(gateway.RequestOfB, await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.request)"));
        // Nothing of the sign-in is readable by script or kept in the page.
        Assert.Equal("", await page.EvaluateAsync<string>("document.cookie"));
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));
        var seen = page.Url + await page.ContentAsync();
        Assert.DoesNotContain(gateway.Issuer.IssuedCodes, code => seen.Contains(code, StringComparison.Ordinal));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Example Corp" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("Admin token")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name.StartsWith("gateway_console", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_user_whose_groups_map_to_no_role_is_told_so_on_the_sign_in_screen()
    {
        gateway.SignInNext("mo@example.com", "marketing");
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        var page = console.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Example Corp" }).ClickAsync();

        await Assertions.Expect(page.Locator("#sign-in [role=alert]")).ToHaveTextAsync(NoGroup());
        await Assertions.Expect(page.Locator("#top")).ToBeHiddenAsync();
        // The code is gone from the address, so a reload does not repeat the message.
        Assert.DoesNotContain("signin_error", page.Url, StringComparison.Ordinal);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#sign-in [role=alert]")).ToBeHiddenAsync();
    }

    [GeneratedRegex("none of your groups may use this console")]
    private static partial Regex NoGroup();
}
