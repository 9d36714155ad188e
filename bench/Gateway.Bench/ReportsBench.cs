using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Gateway.Projections.Usage;
using Gateway.Silo.Hosting;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// <c>reports</c>: the read side at scale. Appends N logged requests (a usage event and a body event each) to its
/// own embedded PostgreSQL, rebuilds the projections from them, starts a gateway on that database, and measures
/// through the admin API: a filtered log query, a full-text query, a month's chargeback (p50/p95 over repeated
/// calls), then the projections' lag while usage and body events arrive at a sustained rate.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ReportsBench
{
    private const string AdminToken = "bench-reports-admin-token";

    public static async Task<int> RunAsync(string? connection, int rows, int queries, int rate, int rateSeconds)
    {
        await using var postgres = await BenchDatabase.OpenAsync(connection, "reports");
        connection = postgres.ConnectionString;
        Console.WriteLine($"reports benchmark: {rows:N0} logged requests, {queries} calls per query, then {rate:N0} requests/s for {rateSeconds} s; " +
            $"PostgreSQL {postgres.Description}");
        var vocabulary = ReportsHistory.Vocabulary();
        var month = DateTime.UtcNow.AddDays(-15);
        var monthText = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

        await LoadAsync(connection, rows, vocabulary);
        await VacuumAsync(connection);

        await using var gateway = await BenchGateway.StartAsync(connection, AdminToken, "reports");
        using var client = new HttpClient { BaseAddress = BenchGateway.Address(gateway) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var random = new Random(7);

        Console.WriteLine($"{"query",-58} {"p50_ms",8} {"p95_ms",8} {"max_ms",8}  rows");
        await MeasureAsync(client, "logs: workspace + model, newest 50", queries,
            () => $"/admin/v1/logs?workspace=ws-{random.Next(ReportsHistory.Workspaces):D2}&model={ReportsHistory.Models[random.Next(ReportsHistory.Models.Length)]}&limit=50");
        await MeasureAsync(client, "logs: key + metadata.user + status, newest 50", queries,
            () => $"/admin/v1/logs?key=key-{random.Next(ReportsHistory.Workspaces * ReportsHistory.KeysPerWorkspace):D4}&metadata.user=user-{random.Next(ReportsHistory.Users):D4}&status=200&limit=50");
        await MeasureAsync(client, "logs: provider + last 24 h, newest 50", queries,
            () => $"/admin/v1/logs?provider=bedrock&from={DateTime.UtcNow.AddDays(-1):O}&limit=50");
        await MeasureAsync(client, "full text: one word, newest 50", queries,
            () => $"/admin/v1/logs?q={vocabulary[500 + random.Next(2_000)]}&limit=50");
        await MeasureAsync(client, "full text: two-word phrase + workspace, newest 50", queries,
            () => $"/admin/v1/logs?workspace=ws-{random.Next(ReportsHistory.Workspaces):D2}&q={Uri.EscapeDataString($"\"{vocabulary[random.Next(200)]} {vocabulary[random.Next(200)]}\"")}&limit=50");
        await MeasureAsync(client, $"chargeback {monthText} by metadata.cost_centre (JSON)", Math.Max(5, queries / 10),
            () => $"/admin/v1/chargeback?month={monthText}&dimension=metadata.cost_centre");
        await MeasureAsync(client, $"chargeback {monthText} by workspace (CSV)", Math.Max(5, queries / 10),
            () => $"/admin/v1/chargeback?month={monthText}&dimension=workspace&format=csv");
        await MeasureAsync(client, "spend: by model per day, all time", Math.Max(5, queries / 10),
            () => "/admin/v1/spend?group_by=model&interval=day");

        await ReportsLag.MeasureAsync(gateway, connection, rate, rateSeconds, vocabulary);
        await gateway.StopAsync();
        return 0;
    }

    /// <summary>
    /// Appends the history and rebuilds every projection from it (timed), unless the database (from
    /// <c>--connection</c>) already holds that many logged requests from an earlier run.
    /// </summary>
    private static async Task LoadAsync(string connection, int rows, string[] vocabulary)
    {
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connection));
        await GatewayHost.MigrateAsync(store, connection, NullLogger.Instance, CancellationToken.None);
        if (await CountAsync(connection, "SELECT count(*) FROM gateway.request_log") >= rows)
        {
            Console.WriteLine("the database already holds that many logged requests: reusing them");
            return;
        }
        var clock = Stopwatch.StartNew();
        await AppendAsync(store, connection, rows, vocabulary);
        Console.WriteLine($"appended {rows:N0} usage + {rows:N0} body events in {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var projection in ProjectionRebuild.Names)
        {
            clock.Restart();
            var exit = await ProjectionRebuild.RunAsync(connection, [projection], NullLogger.Instance, CancellationToken.None);
            Console.WriteLine($"rebuild of {projection}: exit {exit}, {clock.Elapsed.TotalSeconds:F1} s ({rows / clock.Elapsed.TotalSeconds:N0} events/s)");
        }
    }

    /// <summary>Appends the history with four writers in batches of 1,000 (usage events, then body events).</summary>
    private static async Task AppendAsync(IDocumentStore store, string connection, int rows, string[] vocabulary)
    {
        await using var database = new LedgerDatabase(connection);
        var usageWriter = new EventStreamWriter<UsageRecorded>(store, LedgerSchema.UsageEventType, "usage");
        var contentWriter = new EventStreamWriter<RequestContentRecorded>(store, Gateway.Projections.ReadSchema.ContentEventType, "content");
        const int Batch = 1_000;
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            var usageCursor = new StreamCursor();
            var contentCursor = new StreamCursor();
            int start;
            while ((start = Interlocked.Add(ref next, Batch) - Batch) < rows)
            {
                var count = Math.Min(Batch, rows - start);
                var requests = Enumerable.Range(start, count).Select(i => ReportsHistory.Request(i, random, vocabulary, DateTimeOffset.UtcNow.AddSeconds(-random.Next(60 * 86_400)))).ToList();
                await usageWriter.WriteAsync(database.AsyncCommit, usageCursor, requests.ConvertAll(r => r.Usage));
                await contentWriter.WriteAsync(database.AsyncCommit, contentCursor, requests.ConvertAll(r => r.Content));
            }
        })));
    }


    private static async Task MeasureAsync(HttpClient client, string name, int calls, Func<string> path)
    {
        var latencies = new List<double>(calls);
        long rows = 0;
        for (var i = 0; i < calls + 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(path());
            var body = await response.Content.ReadAsStringAsync();
            clock.Stop();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {body}");
            }
            if (i >= 3)
            {
                // The first calls warm the JIT and the connection pool.
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                rows += body.StartsWith('{') ? CountRows(body) : body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
            }
        }
        latencies.Sort();
        Console.WriteLine($"{name,-58} {BenchDatabase.Percentile(latencies, 0.50),8:F1} {BenchDatabase.Percentile(latencies, 0.95),8:F1} {latencies[^1],8:F1}  {rows / (double)calls:F1}");
    }

    private static int CountRows(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("data", out var data) ? data.GetArrayLength()
            : document.RootElement.TryGetProperty("rows", out var rows) ? rows.GetArrayLength() : 0;
    }

    private static async Task<long> CountAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task VacuumAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        foreach (var table in new[] { "mt_events", "mt_streams", "request_log", "request_content_0", "request_content_1", "spend_daily" })
        {
            // After a bulk load, as autovacuum would do a little later: fresh statistics and a visibility map.
            await using var command = new NpgsqlCommand($"VACUUM ANALYZE gateway.{table}", db);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }
}
