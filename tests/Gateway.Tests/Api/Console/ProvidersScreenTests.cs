using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;
using static Gateway.Tests.Api.Console.WorkspacesScreenTests;

namespace Gateway.Tests.Api.Console;

/// <summary>The Providers screen in a real headless Chromium: credentials go in once and are nowhere in the page after.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ProvidersScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_provider_to_the_fake_upstream_is_created_edited_and_deleted_and_its_credential_never_shows()
    {
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = workspace });
        var slug = "p-" + workspace;
        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/providers");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var form = page.Locator("#create-provider");

        // The API's refusal in place, and the credential typed is cleared from the form whatever the answer.
        await Label(form, "Slug").FillAsync(slug);
        await Label(form, "Base URL").FillAsync("http://169.254.169.254/");
        await Label(form, "API key").FillAsync(gateway.Fake.ApiKey);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create provider" }).ClickAsync();
        await Assertions.Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("base_url:");
        await Assertions.Expect(Label(form, "API key")).ToHaveValueAsync("");

        await Label(form, "Base URL").FillAsync(gateway.Fake.BaseUrl.ToString());
        await Label(form, "API key").FillAsync(gateway.Fake.ApiKey);
        await Label(form, "Workspaces (empty: every workspace)").FillAsync(workspace);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create provider" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Provider {slug}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#edit-provider")).ToContainTextAsync("Kind: anthropic · credentials: api_key");
        await AssertNoSecretAsync(page, gateway.Fake.ApiKey);

        // The connection works: a key of the workspace is served through it by the fake upstream.
        var (_, secret) = await gateway.CreateKeyAsync(workspace);
        using (var request = Requests.Messages(secret, Requests.MessagesBody("through the console's provider")))
        using (var response = await gateway.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A change: the API's error in place, then new credentials replace the old ones and are cleared too.
        var edit = page.Locator("#edit-provider");
        await Label(edit, "Token URL (Vertex)").FillAsync("http://169.254.169.254/token");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(edit.GetByRole(AriaRole.Alert)).ToContainTextAsync("token_url:");
        await Label(edit, "Token URL (Vertex)").FillAsync("");
        await Label(edit, "API key").FillAsync("sk-ant-rotated-" + Guid.NewGuid().ToString("N"));
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-provider [role=status]")).ToHaveTextAsync("Saved.");
        await Assertions.Expect(Label(page.Locator("#edit-provider"), "API key")).ToHaveValueAsync("");
        await AdminReads.CatchUpAsync(gateway);
        var audit = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?resource_type=provider&resource_id={slug}");
        Assert.Contains(audit["data"]!.AsArray(), e => e!["action"]!.GetValue<string>().EndsWith("credentials_rotated", StringComparison.Ordinal));

        // The list: no credential, only the names of its fields.
        await console.GoAsync("#/providers");
        var row = await PageToAsync(page, $"tr[data-provider='{slug}']");
        await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("anthropic");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(workspace);
        await Assertions.Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("api_key");
        await AssertNoSecretAsync(page, gateway.Fake.ApiKey);
        await console.ScreenshotAsync("providers");

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm delete" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using var gone = await gateway.Admin.GetAsync($"/admin/v1/providers/{slug}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(console.Answers, a => a.Status >= 500);
    }

    /// <summary>The credential is in no markup, no input's value and no storage of the page.</summary>
    private static async Task AssertNoSecretAsync(IPage page, string secret)
    {
        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.DoesNotContain(secret, await page.EvaluateAsync<string>("[...document.querySelectorAll('input, textarea')].map(i => i.value).join('\\n')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));
    }
}
