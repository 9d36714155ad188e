using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.SignOn;

/// <summary>A signed-on user is a scope of their own: budget, block, and chargeback by the claims' metadata.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UserScopeTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_users_budget_refuses_them_with_402_naming_the_user_while_the_teams_other_users_keep_working()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject
        {
            ["user_budget"] = new JsonObject { ["limit_usd"] = 50m, ["period"] = "monthly" },
        });
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("team", tenant.Workspace)]);
        var alice = signOn.Token("alice@corp.example", ["team"]);
        var bob = signOn.Token("bob@corp.example", ["team"]);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(alice));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(bob));

        // Alice's own budget replaces the workspace's per-user default.
        using (var patch = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/users/{signOn.UserId("alice@corp.example")}",
            new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 0m, ["period"] = "daily" } }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        using var refused = await gateway.Client.SendAsync(SignOnSetup.Messages(alice));
        var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.PaymentRequired, "billing_error");
        Assert.Contains($"user '{signOn.UserId("alice@corp.example")}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(bob));

        // Bob's budget is the workspace's default, and shows his spend as the ledger has it.
        var bobId = signOn.UserId("bob@corp.example");
        var spent = (await LedgerQueries.SumAsync(gateway.ConnectionString, "user_id", bobId)).Cost;
        Assert.True(spent > 0m);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/users/{bobId}", spent);
        Assert.Equal((50m, "monthly", spent), (budget["limit_usd"]!.GetValue<decimal>(), budget["period"]!.GetValue<string>(),
            budget["spent_usd"]!.GetValue<decimal>()));
    }

    [Fact]
    public async Task A_blocked_user_is_refused_from_their_next_request_and_served_again_once_unblocked()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("team", tenant.Workspace)]);
        var dana = signOn.Token("dana@corp.example", ["team"]);
        var erin = signOn.Token("erin@corp.example", ["team"]);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(dana));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(erin));
        var danaId = signOn.UserId("dana@corp.example");

        (await gateway.Admin.PostAsync($"/admin/v1/users/{danaId}/block", null)).EnsureSuccessStatusCode();

        using (var refused = await gateway.Client.SendAsync(SignOnSetup.Messages(dana)))
        {
            var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.Forbidden, "permission_error");
            Assert.Contains("blocked", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(erin));
        Assert.True((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{danaId}"))["blocked"]!.GetValue<bool>());

        (await gateway.Admin.PostAsync($"/admin/v1/users/{danaId}/unblock", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(dana));
    }

    [Fact]
    public async Task Chargeback_by_the_claims_user_and_department_and_the_users_list_match_the_ledger_to_the_cent()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("team", tenant.Workspace)]);
        var people = new (string Email, string Department)[]
        {
            ("fay@corp.example", "research"), ("gus@corp.example", "research"), ("hal@corp.example", "sales"),
        };
        var sent = new List<Task<HttpStatusCode>>();
        for (var i = 0; i < 24; i++)
        {
            var (email, department) = people[i % 3];
            var markers = (i % 4) switch { 0 => "[cache-read:900]", 1 => "[status:529]", 2 => "[words:30]", _ => "" };
            // A header claiming another user or department changes nothing: the claims win.
            sent.Add(StatusAsync(signOn.Token(email, ["team"], department), $"Question {i} {markers}", stream: i % 2 == 0,
                header: """{"user": "someone-else", "department": "finance"}"""));
        }
        var statuses = await Task.WhenAll(sent);
        Assert.Contains(HttpStatusCode.OK, statuses);
        await AdminReads.CatchUpAsync(gateway);

        using var analyst = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", tenant.Workspace));
        var month = AdminReads.CurrentMonth();
        var byUser = await ChargebackAsync(analyst, month, "metadata.user");
        var ledger = new Dictionary<string, decimal>();
        foreach (var (email, _) in people)
        {
            ledger[email] = (await LedgerQueries.SumAsync(gateway.ConnectionString, "user_id", signOn.UserId(email))).Cost;
        }
        Assert.Equal(ledger.OrderBy(e => e.Key), byUser.OrderBy(e => e.Key));
        Assert.Equal((await LedgerQueries.SumAsync(gateway.ConnectionString, "workspace", tenant.Workspace)).Cost, byUser.Values.Sum());

        var byDepartment = await ChargebackAsync(analyst, month, "metadata.department");
        Assert.Equal(["research", "sales"], byDepartment.Keys.Order());
        Assert.Equal(ledger["fay@corp.example"] + ledger["gus@corp.example"], byDepartment["research"]);
        Assert.Equal(ledger["hal@corp.example"], byDepartment["sales"]);

        // The users list shows each one's spend this month, from the ledger, though no budget limits them.
        var users = (await AdminReads.GetAsync(analyst, $"/admin/v1/users?workspace={tenant.Workspace}"))["data"]!.AsArray();
        Assert.Equal(ledger.OrderBy(e => e.Key), users.Select(u => KeyValuePair.Create(u!["subject"]!.GetValue<string>(),
            u["month_to_date_usd"]!.GetValue<decimal>())).OrderBy(e => e.Key));
        Assert.All(users, u => Assert.Null(u!["budget"]));

        // Spend grouped by the signed-on user (the overview's top users) is each one's ledger total.
        var spendByUser = (await AdminReads.GetAsync(analyst, $"/admin/v1/spend?group_by=user&interval=month&from={month}-01"))["data"]!.AsArray()
            .ToDictionary(r => r!["group"]!.GetValue<string>(), r => r!["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(people.Select(p => KeyValuePair.Create(signOn.UserId(p.Email), ledger[p.Email])).OrderBy(e => e.Key), spendByUser.OrderBy(e => e.Key));

        // The request log filtered by a user holds exactly that user's requests, as many as the ledger has.
        foreach (var (email, _) in people)
        {
            var id = signOn.UserId(email);
            var logged = await AdminReads.AllLogsAsync(analyst, $"user={id}", pageSize: 7);
            Assert.Equal((await LedgerQueries.SumAsync(gateway.ConnectionString, "user_id", id)).Count, logged.Count);
            Assert.All(logged, row => Assert.Equal(id, row["user_id"]!.GetValue<string>()));
        }
    }

    private static async Task<Dictionary<string, decimal>> ChargebackAsync(HttpClient analyst, string month, string dimension) =>
        (await AdminReads.GetAsync(analyst, $"/admin/v1/chargeback?month={month}&dimension={dimension}"))["rows"]!.AsArray()
            .ToDictionary(r => r!["value"]!.GetValue<string>(), r => r!["cost_usd"]!.GetValue<decimal>());

    private async Task<HttpStatusCode> StatusAsync(string token, string prompt = "hello", bool stream = false, string? header = null)
    {
        using var request = SignOnSetup.Messages(token, prompt, stream);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("x-gateway-metadata", header);
        }
        using var response = await gateway.Client.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }
}
