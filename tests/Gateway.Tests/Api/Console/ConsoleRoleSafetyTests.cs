using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// For each role, signed in through the organisation's identity provider: every screen the shell offers (read from
/// its navigation, so screens added later are walked too) and the detail its first row leads to asks the admin API
/// nothing it refuses; and a role of workspace A given addresses of B's objects is shown nothing of B.
/// </summary>
[Collection(OidcConsoleCollection.Name)]
public sealed class ConsoleRoleSafetyTests(OidcConsoleGateway gateway, Chromium chromium) : IClassFixture<Chromium>
{
    public static TheoryData<string, string> Roles => new()
    {
        { "org_admin", OidcConsoleGateway.OrgAdmins },
        { "workspace_admin", OidcConsoleGateway.AdminsOfA },
        { "analyst", OidcConsoleGateway.AnalystsOfA },
    };

    public static TheoryData<string, string> RolesOfA => new()
    {
        { "workspace_admin", OidcConsoleGateway.AdminsOfA },
        { "analyst", OidcConsoleGateway.AnalystsOfA },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task No_screen_of_the_shell_nor_the_detail_of_its_first_row_asks_for_what_the_api_refuses_the_role(string role, string group)
    {
        await using var console = await SignInAsync(role, group);
        var page = console.Page;
        var links = page.Locator("#nav a");
        var count = await links.CountAsync();
        Assert.True(count >= 2, $"the shell offers {role} {count} screens");
        var visited = new List<string>();
        for (var i = 0; i < count; i++)
        {
            visited.Add((await links.Nth(i).GetAttributeAsync("href"))!);
            await links.Nth(i).ClickAsync();
            await console.SettledAsync();
            await AssertNothingOfBUnlessOrgAdminAsync(role, page.Locator("main"));
            var detail = page.Locator("main tbody tr a[href^='#/']").First;
            if (await detail.CountAsync() > 0)
            {
                visited.Add((await detail.GetAttributeAsync("href"))!);
                await detail.ClickAsync();
                await console.SettledAsync();
                await Assertions.Expect(page.Locator("main [role=alert]:visible")).ToHaveCountAsync(0);
                await AssertNothingOfBUnlessOrgAdminAsync(role, page.Locator("main"));
            }
        }

        var reads = console.Answers.Where(a => a.Path.StartsWith("/admin/", StringComparison.Ordinal)).ToList();
        var refused = reads.Where(a => a.Status is 401 or 403 or 404 || a.Status >= 500).ToList();
        Assert.True(refused.Count == 0, $"{role} on {string.Join(", ", visited)} was refused: {string.Join("; ", refused)}");
        Assert.Contains(visited, href => href.Contains('/', StringComparison.Ordinal) && href.Count(c => c == '/') >= 2);
        Assert.True(reads.Count >= count, $"{role}'s screens made {reads.Count} admin API calls: {string.Join("; ", reads)}");
    }

    [Theory]
    [MemberData(nameof(RolesOfA))]
    public async Task Addresses_of_workspace_bs_objects_show_a_role_of_a_a_refusal_and_nothing_of_b(string role, string group)
    {
        await using var console = await SignInAsync(role, group);
        var page = console.Page;
        var main = page.Locator("main");

        await console.GoAsync($"#/logs/{gateway.RequestOfB}");
        await Assertions.Expect(page.Locator("main [role=alert]")).ToContainTextAsync("No logged request");
        await AssertNothingOfBAsync(main);

        foreach (var address in new[]
        {
            $"#/keys?workspace={gateway.WorkspaceB}", $"#/logs?workspace={gateway.WorkspaceB}", $"#/spend?workspace={gateway.WorkspaceB}",
            $"#/logs?key={gateway.KeyOfB}", $"#/workspaces/{gateway.WorkspaceB}", $"#/users?workspace={gateway.WorkspaceB}",
            $"#/audit?workspace={gateway.WorkspaceB}", $"#/configs?workspace={gateway.WorkspaceB}",
        })
        {
            await console.GoAsync(address);
            await console.SettledAsync();
            await AssertNothingOfBAsync(main);
        }
        // Whatever the screens asked for B was answered as for something that does not exist, or not at all.
        Assert.DoesNotContain(console.Answers, a => a.Path.StartsWith("/admin/", StringComparison.Ordinal) && a.Status is 401 or 403 or >= 500);
    }

    private async Task<ConsolePage> SignInAsync(string role, string group)
    {
        gateway.SignInNext($"{role}-{Guid.NewGuid():N}@example.com"[..40], group);
        var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl);
        await console.SignInWithProviderAsync("Example Corp");
        await Assertions.Expect(console.Page.Locator("#who")).ToContainTextAsync($"({role}");
        await console.SettledAsync();
        return console;
    }

    // An org admin reads every workspace; the workspace-scoped roles must find nothing of B on any screen.
    private async Task AssertNothingOfBUnlessOrgAdminAsync(string role, ILocator main)
    {
        if (role != "org_admin")
        {
            await AssertNothingOfBAsync(main);
        }
    }

    private async Task AssertNothingOfBAsync(ILocator main)
    {
        var text = await main.InnerTextAsync();
        Assert.DoesNotContain(gateway.PhraseOfB, text, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.KeyOfB, text, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.KeyNameOfB, text, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.WorkspaceB, await main.Locator("td, dd, option").AllInnerTextsAsync());
    }
}
