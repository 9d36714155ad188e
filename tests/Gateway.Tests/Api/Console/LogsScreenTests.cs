using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Api.Console;

/// <summary>The Logs screens in a real headless Chromium: filters, search, keyset paging, a request's detail.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LogsScreenTests(GatewayFixture gateway, Chromium chromium) : IClassFixture<Chromium>
{
    private const string Hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 1\">";

    [Fact]
    public async Task The_log_pages_newest_first_finds_a_request_by_a_phrase_and_shows_its_conversation_as_text()
    {
        var tenant = await gateway.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await SendAsync(tenant.Secret, Requests.MessagesBody($"filler {i}")));
        }
        var phrase = $"periwinkle walrus {Guid.NewGuid():N}"[..30];
        var conversation = Conversation($"{Hostile} Where is the {phrase}?");
        ids.Add(await SendAsync(tenant.Secret, conversation));
        await AdminReads.CatchUpAsync(gateway);
        await AdminReads.WaitForBodiesAsync(gateway, ids[^1]);

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, $"#/logs?workspace={tenant.Workspace}&limit=2");
        await console.SignInAsync(GatewayFixture.AdminToken);
        var page = console.Page;
        var rows = page.Locator("#log-results tbody tr");

        // Keyset paging, newest first: two pages of two, no repeats.
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal([ids[3], ids[2]], await RowIdsAsync(rows));
        await page.Locator("#older").ClickAsync();
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-request", ids[1]);
        Assert.Equal([ids[1], ids[0]], await RowIdsAsync(rows));
        await Assertions.Expect(page.Locator("#older")).ToHaveCountAsync(0);

        // Full-text search for a phrase of the prompt finds that request alone.
        await page.GetByLabel("Search prompts and answers").FillAsync(phrase);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal([ids[3]], await RowIdsAsync(rows));
        await console.ScreenshotAsync("logs");

        // The detail reads as a conversation; the hostile prompt is shown as text and runs nothing.
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        var turns = page.Locator("#conversation article");
        await Assertions.Expect(turns).ToHaveCountAsync(5);
        Assert.Equal(["system", "user", "assistant", "user", "answer"], await turns.EvaluateAllAsync<string[]>("ts => ts.map(t => t.dataset.role)"));
        await Assertions.Expect(turns.Nth(0)).ToContainTextAsync("You are a careful assistant.");
        await Assertions.Expect(turns.Nth(1).Locator(".text")).ToHaveTextAsync("Find me an animal.");
        await Assertions.Expect(turns.Nth(2)).ToContainTextAsync("Tool call: find_animal");
        await Assertions.Expect(turns.Nth(2).Locator("pre")).ToContainTextAsync("\"habitat\": \"tundra\"");
        await Assertions.Expect(turns.Nth(3)).ToContainTextAsync("Tool result");
        await Assertions.Expect(turns.Nth(3)).ToContainTextAsync("Seen near the fjord.");
        await Assertions.Expect(turns.Nth(3).Locator(".text")).ToHaveTextAsync($"{Hostile} Where is the {phrase}?");
        await Assertions.Expect(turns.Nth(4)).ToContainTextAsync("Hello from the fake.");
        await Assertions.Expect(turns.Nth(4)).ToContainTextAsync("stop: end_turn");
        Assert.Equal(0, await page.Locator("#conversation script, #conversation img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.__pwned === undefined"));

        var log = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{ids[3]}");
        var summary = page.Locator("#request-summary");
        await Assertions.Expect(summary).ToContainTextAsync($"Input{log["input_tokens"]!.GetValue<long>():N0}");
        await Assertions.Expect(summary).ToContainTextAsync($"Price version{log["price_version"]!.GetValue<string>()}");
        await Assertions.Expect(summary).ToContainTextAsync("Bodieskept");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Attempts" }).Locator("tbody tr")).ToContainTextAsync(tenant.Provider);
        await console.ScreenshotAsync("log-detail");
        Assert.DoesNotContain(console.Answers, a => a.Status >= 400 && a.Path.StartsWith("/admin/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_analyst_of_workspace_a_sees_nothing_of_b_and_no_screen_asks_for_what_the_role_may_not_read()
    {
        var a = await gateway.CreateTenantAsync();
        var b = await gateway.CreateTenantAsync();
        var inA = await SendAsync(a.Secret, Requests.MessagesBody("analyst sees this"));
        var inB = await SendAsync(b.Secret, Requests.MessagesBody("analyst must not see this"));
        await AdminReads.CatchUpAsync(gateway);
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", a.Workspace);

        await using var console = await ConsolePage.OpenAsync(chromium, gateway.BaseUrl, "#/logs");
        await console.SignInAsync(analyst);
        var page = console.Page;
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Logs" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#nav a")).ToHaveTextAsync(["Overview", "Logs", "Spend", "Workspaces", "Users", "Routing", "Models", "Audit"]);
        var rows = page.Locator("#log-results tbody tr");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        Assert.Contains(inA, await RowIdsAsync(rows));
        Assert.DoesNotContain(inB, await RowIdsAsync(rows));
        Assert.All(await rows.Locator("td:nth-child(4)").AllTextContentsAsync(), workspace => Assert.Equal(a.Workspace, workspace));

        // Direct addresses: B's request is answered as missing; the Keys screen is not this role's.
        await console.GoAsync($"#/logs/{inB}");
        await Assertions.Expect(page.Locator("main [role=alert]")).ToContainTextAsync($"No logged request '{inB}'");
        Assert.DoesNotContain("analyst must not see this", await page.ContentAsync());
        await console.GoAsync("#/keys");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        // Spend and chargeback hold A alone.
        await console.GoAsync("#/spend");
        await Assertions.Expect(page.Locator($"#chargeback tr[data-value='{a.Workspace}']")).ToBeVisibleAsync();
        // The chart's report and the chargeback load side by side: wait for both before reading them.
        await Assertions.Expect(page.Locator($"#spend-totals tr[data-group='{a.Workspace}']")).ToBeVisibleAsync();
        Assert.Equal([a.Workspace], await page.Locator("#chargeback tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.value)"));
        Assert.Equal([a.Workspace], await page.Locator("#spend-totals tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.group)"));

        // The only refusal any screen met was the direct address to B's request.
        // (The page's first look for a session, before sign-in, is the console's own 401, not an admin API read.)
        Assert.Equal([$"/admin/v1/logs/{inB}"], console.Answers.Where(x => x.Status >= 400 && x.Path.StartsWith("/admin/", StringComparison.Ordinal)).Select(x => x.Path));
    }

    private async Task<string> SendAsync(string secret, string body)
    {
        using var request = Requests.Messages(secret, body);
        using var response = await gateway.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return Requests.RequestId(response);
    }

    private static async Task<List<string>> RowIdsAsync(ILocator rows) =>
        [.. await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.request)")];

    // A system prompt, a question, a tool call and its result: the turns a person reads in the detail.
    private static string Conversation(string question) => new JsonObject
    {
        ["model"] = Requests.Model,
        ["max_tokens"] = 128,
        ["system"] = "You are a careful assistant.",
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "Find me an animal." },
            new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = new JsonArray(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = "toolu_01",
                    ["name"] = "find_animal",
                    ["input"] = new JsonObject { ["habitat"] = "tundra" },
                }),
            },
            new JsonObject
            {
                ["role"] = "user",
                // The search indexes the last user turn (what the request added), so the question is there.
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_01", ["content"] = "Seen near the fjord." },
                    new JsonObject { ["type"] = "text", ["text"] = question }),
            }),
        ["tools"] = new JsonArray(new JsonObject
        {
            ["name"] = "find_animal",
            ["description"] = "Finds an animal.",
            ["input_schema"] = new JsonObject { ["type"] = "object" },
        }),
    }.ToJsonString();
}
