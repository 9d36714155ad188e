using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Budgets across separate gateway processes of one cluster: exact under concurrent load, and after processes are
/// killed with SIGKILL no answered request is unrecorded and no budget exceeded.
/// </summary>
public sealed class CrashTests : IAsyncLifetime
{
    private const string AdminToken = "crash-admin-token";
    private const decimal Limit = 1.50m;
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync(new FakeAnthropicOptions { Record = false });

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Two_gateway_processes_sharing_one_budget_admit_exactly_as_many_concurrent_requests_as_fit()
    {
        var environment = Environment(await TestPostgres.CreateDatabaseAsync("split"));
        await using var a = GatewayProcess.Start(environment);
        await using var b = GatewayProcess.Start(environment);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        var (keyId, secret) = await CreateBudgetedKeyAsync(a.BaseUrl, limit: 1.00m);
        var (body, cost) = Requests.ExactCost(maxTokens: 2_100);
        var fit = (int)decimal.Floor(1.00m / cost);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var statuses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(async i =>
        {
            using var request = Requests.Messages(secret, body);
            request.RequestUri = new Uri(i % 2 == 0 ? a.BaseUrl : b.BaseUrl, "/v1/messages");
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }));

        Assert.Equal(fit, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(1_000 - fit, statuses.Count(s => s == HttpStatusCode.PaymentRequired));
        var ledger = await LedgerAsync(environment["ConnectionStrings__Gateway"], keyId);
        Assert.Equal(fit * cost, ledger.Cost);
        Assert.Equal(ledger.Cost, await SpentAsync(b.BaseUrl, keyId, expected: ledger.Cost));
    }

    [Fact]
    public async Task Killing_gateways_under_load_loses_no_answered_request_and_the_budget_restarts_from_the_ledger()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("crash");
        var environment = Environment(connectionString);
        await using var a = GatewayProcess.Start(environment);
        await using var b = GatewayProcess.Start(environment);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        var (keyId, secret) = await CreateBudgetedKeyAsync(a.BaseUrl, Limit);
        // Streams of a few paced events, so requests are in flight on both processes when one dies.
        var (body, reservation) = Requests.ExactCost(maxTokens: 1_500, stream: true, markers: "[words:6][delay:15]");

        var completed = new ConcurrentBag<string>();
        var targets = new[] { a.BaseUrl, b.BaseUrl };
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            while (!stop.IsCancellationRequested)
            {
                var target = Volatile.Read(ref targets)[worker % 2];
                if (await StreamAsync(client, target, secret, body) is { } requestId)
                {
                    completed.Add(requestId);
                }
            }
        })).ToList();

        await Processes.WaitUntilAsync(() => completed.Count >= 30, TimeSpan.FromSeconds(30));
        await a.KillHardAsync();
        Volatile.Write(ref targets, [b.BaseUrl, b.BaseUrl]);
        await Processes.WaitUntilAsync(() => completed.Count >= 70, TimeSpan.FromSeconds(30));
        await b.KillHardAsync();
        await stop.CancelAsync();
        await Task.WhenAll(load);

        // A fresh process: the budget grain activates here, from the ledger and the allowance its predecessor left
        // (all of which counts as reserved until it expires: the dead processes' requests may still have been running).
        await using var c = GatewayProcess.Start(environment);
        var restartedIn = await c.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var ledger = await LedgerAsync(connectionString, keyId);
        var held = await AllowanceAsync(connectionString, keyId);
        Assert.True(held > 0, "the budget left no allowance behind");
        var budget = await BudgetAsync(c.BaseUrl, keyId);
        Assert.Equal(ledger.Cost, budget["spent_usd"]!.GetValue<decimal>());
        Assert.Equal(held, budget["reserved_usd"]!.GetValue<decimal>());

        // Every stream a client received to its end has its usage event.
        var recorded = await LedgerQueries.RecordedAsync(connectionString, completed);
        Assert.Empty(completed.Except(recorded));
        Console.WriteLine($"two gateways SIGKILLed under load (16 streaming clients, settling all the time): {completed.Count} streams answered, " +
                          $"{ledger.Count} requests in the ledger, records lost {completed.Except(recorded).Count()}, budget rebuilt exactly " +
                          $"(spent {ledger.Cost} = ledger, {held} still held from the dead processes), a new process ready in {restartedIn.TotalSeconds:F1} s");

        // Spend what is left through the new process: it stops before the limit, whatever died with its holds.
        using (var client = new HttpClient())
        {
            while (await StreamAsync(client, c.BaseUrl, secret, body) is not null)
            {
            }
        }
        var final = await LedgerAsync(connectionString, keyId);
        Assert.True(final.Cost <= Limit, $"spent {final.Cost} of {Limit}");
        Assert.True(completed.Count >= 70, $"only {completed.Count} answered before the kills");
        Assert.Equal(final.Cost, await SpentAsync(c.BaseUrl, keyId, expected: final.Cost));
        Assert.True(reservation > 0);
    }

    private Task<(string KeyId, string Secret)> CreateBudgetedKeyAsync(Uri gateway, decimal limit) =>
        StandaloneTenant.CreateAsync(gateway, AdminToken, _fake, "crash",
            new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = limit, ["period"] = "monthly" } });

    private static Dictionary<string, string> Environment(string connectionString) => GatewayProcess.Environment(connectionString, AdminToken, "crash");

    /// <summary>One streaming request; its request id when the client read it to <c>message_stop</c>, else null.</summary>
    private static async Task<string?> StreamAsync(HttpClient client, Uri gateway, string secret, string body)
    {
        try
        {
            using var request = Requests.Messages(secret, body);
            request.RequestUri = new Uri(gateway, "/v1/messages");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await Task.Delay(20);
                return null;
            }
            await foreach (var (name, _) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
            {
                if (name == "message_stop")
                {
                    return Requests.RequestId(response);
                }
            }
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            // The process died under this request: the client got no complete answer.
            await Task.Delay(20);
            return null;
        }
    }

    private static async Task<JsonObject> BudgetAsync(Uri gateway, string keyId)
    {
        using var admin = AdminClient(gateway);
        return (await admin.GetFromJsonAsync<JsonObject>($"/admin/v1/keys/{keyId}"))!["budget"]!.AsObject();
    }

    /// <summary>
    /// The key's spend as the gateway shows it, once it reached <paramref name="expected"/> or after 10 s: settles are
    /// one-way calls sent after each answer (from the other process, too), so the last may land just after a read.
    /// </summary>
    private static async Task<decimal> SpentAsync(Uri gateway, string keyId, decimal expected)
    {
        using var admin = AdminClient(gateway);
        return (await BudgetReads.SettledAsync(admin, $"/admin/v1/keys/{keyId}", expected))["spent_usd"]!.GetValue<decimal>();
    }

    private static HttpClient AdminClient(Uri gateway)
    {
        var admin = new HttpClient { BaseAddress = gateway };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return admin;
    }

    private static Task<(long Count, decimal Cost)> LedgerAsync(string connectionString, string keyId) =>
        LedgerQueries.SumAsync(connectionString, "key_id", keyId);

    private static async Task<decimal> AllowanceAsync(string connectionString, string keyId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(sum(amount_usd), 0) FROM gateway.budget_allowances WHERE scope = $1 AND expires_at > now()", connection);
        command.Parameters.AddWithValue("key:" + keyId);
        return (decimal)(await command.ExecuteScalarAsync())!;
    }
}
