using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Gateway.Projections.Usage;
using Gateway.Silo.Database;
using Gateway.Silo.Hosting;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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
    private const int Workspaces = 40;
    private const int KeysPerWorkspace = 10;
    private const int Users = 2_000;
    private const int CostCentres = 25;

    // Request ids are unique per run: on a database from an earlier run (--connection) the same ids would be taken
    // already, every projection insert would skip its row (ON CONFLICT DO NOTHING), and the lag would measure nothing.
    private static readonly string Run = DateTime.UtcNow.Ticks.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly string[] Models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-6", "claude-3-5-haiku-20241022"];
    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu", "he", "ja", "ko", "le", "mo", "nu", "ri"];

    public static async Task<int> RunAsync(string? connection, int rows, int queries, int rate, int rateSeconds)
    {
        await using var postgres = await BenchDatabase.OpenAsync(connection, "reports");
        connection = postgres.ConnectionString;
        Console.WriteLine($"reports benchmark: {rows:N0} logged requests, {queries} calls per query, then {rate:N0} requests/s for {rateSeconds} s; " +
            $"PostgreSQL {postgres.Description}");
        var vocabulary = Vocabulary();
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
            () => $"/admin/v1/logs?workspace=ws-{random.Next(Workspaces):D2}&model={Models[random.Next(Models.Length)]}&limit=50");
        await MeasureAsync(client, "logs: key + metadata.user + status, newest 50", queries,
            () => $"/admin/v1/logs?key=key-{random.Next(Workspaces * KeysPerWorkspace):D4}&metadata.user=user-{random.Next(Users):D4}&status=200&limit=50");
        await MeasureAsync(client, "logs: provider + last 24 h, newest 50", queries,
            () => $"/admin/v1/logs?provider=bedrock&from={DateTime.UtcNow.AddDays(-1):O}&limit=50");
        await MeasureAsync(client, "full text: one word, newest 50", queries,
            () => $"/admin/v1/logs?q={vocabulary[500 + random.Next(2_000)]}&limit=50");
        await MeasureAsync(client, "full text: two-word phrase + workspace, newest 50", queries,
            () => $"/admin/v1/logs?workspace=ws-{random.Next(Workspaces):D2}&q={Uri.EscapeDataString($"\"{vocabulary[random.Next(200)]} {vocabulary[random.Next(200)]}\"")}&limit=50");
        await MeasureAsync(client, $"chargeback {monthText} by metadata.cost_centre (JSON)", Math.Max(5, queries / 10),
            () => $"/admin/v1/chargeback?month={monthText}&dimension=metadata.cost_centre");
        await MeasureAsync(client, $"chargeback {monthText} by workspace (CSV)", Math.Max(5, queries / 10),
            () => $"/admin/v1/chargeback?month={monthText}&dimension=workspace&format=csv");
        await MeasureAsync(client, "spend: by model per day, all time", Math.Max(5, queries / 10),
            () => "/admin/v1/spend?group_by=model&interval=day");

        await MeasureLagAsync(gateway, connection, rate, rateSeconds, vocabulary);
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
                var requests = Enumerable.Range(start, count).Select(i => Request(i, random, vocabulary, DateTimeOffset.UtcNow.AddSeconds(-random.Next(60 * 86_400)))).ToList();
                await usageWriter.WriteAsync(database.AsyncCommit, usageCursor, requests.ConvertAll(r => r.Usage));
                await contentWriter.WriteAsync(database.AsyncCommit, contentCursor, requests.ConvertAll(r => r.Content));
            }
        })));
    }

    private static (UsageRecorded Usage, RequestContentRecorded Content) Request(int i, Random random, string[] vocabulary, DateTimeOffset at)
    {
        var key = random.Next(Workspaces * KeysPerWorkspace);
        var model = Models[random.Next(Models.Length)];
        var input = 200 + random.Next(4_000);
        var output = 50 + random.Next(800);
        var failed = random.Next(50) == 0;
        var id = $"req_bench_{Run}_{i:D9}_{random.Next():x8}";
        var metadata = ImmutableDictionary<string, string>.Empty.Add("user", $"user-{random.Next(Users):D4}");
        if (random.Next(10) > 0)
        {
            metadata = metadata.Add("cost_centre", $"cc-{random.Next(CostCentres):D2}");
        }
        var prompt = Sentence(random, vocabulary, 30 + random.Next(40));
        var answer = Sentence(random, vocabulary, 30 + random.Next(60));
        var usage = new UsageRecorded
        {
            RequestId = id,
            StartedAt = at,
            StartedAtMs = at.ToUnixTimeMilliseconds(),
            Endpoint = "messages",
            KeyId = $"key-{key:D4}",
            Workspace = $"ws-{key / KeysPerWorkspace:D2}",
            Provider = random.Next(3) == 0 ? "bedrock" : "anthropic",
            Model = model,
            Stream = random.Next(2) == 0,
            Status = failed ? 529 : 200,
            Outcome = failed ? UsageOutcomes.ProviderError : UsageOutcomes.Completed,
            InputTokens = failed ? 0 : input,
            OutputTokens = failed ? 0 : output,
            CostUsd = failed ? 0m : (input * 3m + output * 15m) / 1_000_000m,
            PriceVersion = Gateway.Projections.Models.ModelCatalog.Default.PriceVersion,
            LatencyMs = 200 + random.Next(20_000),
            TimeToFirstByteMs = 100 + random.Next(900),
            Metadata = metadata,
        };
        var content = new RequestContentRecorded
        {
            RequestId = id,
            Workspace = usage.Workspace,
            StartedAt = at,
            Request = JsonSerializer.SerializeToElement(new { model, max_tokens = 1024, messages = new[] { new { role = "user", content = prompt } } }),
            Response = JsonSerializer.SerializeToElement(new
            {
                id = "msg_" + id,
                type = "message",
                role = "assistant",
                model,
                content = new[] { new { type = "text", text = answer } },
                stop_reason = "end_turn",
                usage = new { input_tokens = input, output_tokens = output },
            }),
        };
        return (usage, content);
    }

    /// <summary>Words drawn with a Zipf-like skew: a few are everywhere, most are rare.</summary>
    private static string Sentence(Random random, string[] vocabulary, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))]));

    private static string[] Vocabulary()
    {
        var words = new HashSet<string>();
        var random = new Random(11);
        while (words.Count < 20_000)
        {
            words.Add(string.Concat(Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Syllables[random.Next(Syllables.Length)])));
        }
        return [.. words];
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

    /// <summary>
    /// Appends usage and body events at <paramref name="rate"/> requests/s through the gateway's own writer (as the
    /// ledger and the body log do) while the gateway's daemon projects them, sampling every second how old the
    /// oldest event not yet in the request log is.
    /// </summary>
    private static async Task MeasureLagAsync(WebApplication gateway, string connection, int rate, int seconds, string[] vocabulary)
    {
        var store = gateway.Services.GetRequiredService<IDocumentStore>();
        await using var database = new LedgerDatabase(connection);
        var usageWriter = new EventStreamWriter<UsageRecorded>(store, LedgerSchema.UsageEventType, "usage");
        var contentWriter = new EventStreamWriter<RequestContentRecorded>(store, Gateway.Projections.ReadSchema.ContentEventType, "content");
        var usageCursor = new StreamCursor();
        var contentCursor = new StreamCursor();
        var random = new Random(3);
        var appended = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var load = Task.Run(async () =>
        {
            // Every 20 ms, the requests due by now (group commit writes what has arrived, as the ledger does).
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                var due = (int)(clock.Elapsed.TotalSeconds * rate) - appended;
                if (due > 0)
                {
                    var requests = Enumerable.Range(appended, due).Select(i => Request(10_000_000 + i, random, vocabulary, DateTimeOffset.UtcNow)).ToList();
                    await usageWriter.WriteAsync(database.Source, usageCursor, requests.ConvertAll(r => r.Usage));
                    await contentWriter.WriteAsync(database.AsyncCommit, contentCursor, requests.ConvertAll(r => r.Content));
                    appended += due;
                }
                await Task.Delay(20);
            }
        });
        var lags = new List<double>();
        await using var probe = new NpgsqlConnection(connection);
        await probe.OpenAsync();
        while (!load.IsCompleted)
        {
            await Task.Delay(1_000);
            lags.Add(await LagSecondsAsync(probe));
            if (Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1")
            {
                await using var state = new NpgsqlCommand(
                    "SELECT string_agg(name || '=' || last_seq_id, ' ' ORDER BY name) || ' max=' || (SELECT max(seq_id) FROM gateway.mt_events) FROM gateway.mt_event_progression", probe);
                Console.WriteLine($"  lag {lags[^1]:F2} s  {await state.ExecuteScalarAsync()}");
            }
        }
        await load;
        var caughtUp = Stopwatch.StartNew();
        while (await LagSecondsAsync(probe) > 0 && caughtUp.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }
        lags.Sort();
        Console.WriteLine($"projection lag at {appended / (double)seconds:N0} requests/s ({2 * appended / (double)seconds:N0} events/s) for {seconds} s: " +
            $"p50 {BenchDatabase.Percentile(lags, 0.50):F2} s, p95 {BenchDatabase.Percentile(lags, 0.95):F2} s, max {lags[^1]:F2} s; caught up {caughtUp.Elapsed.TotalSeconds:F1} s after the load stopped");
    }

    /// <summary>
    /// Age of the oldest event that some projection (a shard, <c>name:All</c>) has not processed yet (0 when all are
    /// done): the first event after the slowest shard's mark, found by the sequence index (a <c>min(timestamp)</c>
    /// over the backlog cost the machine a sixth of a core at 1M events and skewed what it measured).
    /// </summary>
    private static async Task<double> LagSecondsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT coalesce((SELECT extract(epoch FROM now() - e.timestamp) FROM gateway.mt_events e
                WHERE e.seq_id > (SELECT min(last_seq_id) FROM gateway.mt_event_progression WHERE name LIKE '%:%')
                ORDER BY e.seq_id LIMIT 1), 0)::float8
            """, connection);
        return (double)(await command.ExecuteScalarAsync())!;
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
