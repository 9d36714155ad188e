using System.Diagnostics;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Gateway.Projections.Usage;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Bench;

/// <summary>The <c>reports</c> benchmark's last part: how far the projections fall behind a sustained stream of requests.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ReportsLag
{
    /// <summary>
    /// Appends usage and body events at <paramref name="rate"/> requests/s through the gateway's own writer (as the
    /// ledger and the body log do) while the gateway's daemon projects them, sampling every second how old the
    /// oldest event not yet in the request log is.
    /// </summary>
    public static async Task MeasureAsync(WebApplication gateway, string connection, int rate, int seconds, string[] vocabulary)
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
                    var requests = Enumerable.Range(appended, due).Select(i => ReportsHistory.Request(10_000_000 + i, random, vocabulary, DateTimeOffset.UtcNow)).ToList();
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
}
