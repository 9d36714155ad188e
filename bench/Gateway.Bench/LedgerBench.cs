using System.Collections.Immutable;
using System.Diagnostics;
using Gateway.Projections.Ledger;
using Gateway.Projections.Usage;
using Gateway.Silo.Hosting;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Bench;

/// <summary>
/// <c>ledger</c>: usage events per second into PostgreSQL, through the gateway's group-committed
/// <see cref="UsageLedger"/> and, as the same run's baseline, one transaction per event. Uses its own durable
/// embedded PostgreSQL (fsync on) unless <c>--connection</c> is given.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class LedgerBench
{
    public static async Task<int> RunAsync(string? connection, int seconds, int writers)
    {
        await using var postgres = await BenchDatabase.OpenAsync(connection, "ledger");
        connection = postgres.ConnectionString;
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connection));
        await GatewayHost.MigrateAsync(store, connection, NullLogger.Instance, CancellationToken.None);

        Console.WriteLine($"ledger benchmark: {writers} concurrent writers, {seconds}s per mode, PostgreSQL {postgres.Description}");
        var baseline = await MeasureAsync("one transaction per event", writers, seconds, async record =>
        {
            await using var session = store.LightweightSession();
            session.Events.Append(record.RequestId, record);
            await session.SaveChangesAsync();
        });
        await using var database = new LedgerDatabase(connection);
        await using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var ledger = new UsageLedger(store, database, Options.Create(new LedgerOptions()), metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);
        var grouped = await MeasureAsync("group-committed ledger", writers, seconds, ledger.AppendAsync);
        await ledger.StopAsync(CancellationToken.None);
        Console.WriteLine($"group commit: {grouped / baseline:F1}x the baseline");
        return 0;
    }

    private static async Task<double> MeasureAsync(string name, int writers, int seconds, Func<UsageRecorded, Task> append)
    {
        // Two seconds of warm-up (JIT, connection pool), then the measured window.
        await RunWritersAsync(writers, TimeSpan.FromSeconds(2), append);
        var (count, latencies, elapsed) = await RunWritersAsync(writers, TimeSpan.FromSeconds(seconds), append);
        latencies.Sort();
        var rate = count / elapsed.TotalSeconds;
        Console.WriteLine($"{name,-28} {rate,9:F0} events/s   append-to-commit p50 {BenchDatabase.Percentile(latencies, 0.50),7:F2} ms  p99 {BenchDatabase.Percentile(latencies, 0.99),7:F2} ms");
        return rate;
    }

    private static async Task<(long Count, List<double> Latencies, TimeSpan Elapsed)> RunWritersAsync(int writers, TimeSpan duration,
        Func<UsageRecorded, Task> append)
    {
        var clock = Stopwatch.StartNew();
        var perWriter = await Task.WhenAll(Enumerable.Range(0, writers).Select(async writer =>
        {
            var latencies = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await append(Sample(writer, latencies.Count));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return latencies;
        }));
        var elapsed = clock.Elapsed;
        var all = perWriter.SelectMany(l => l).ToList();
        return (all.Count, all, elapsed);
    }


    private static UsageRecorded Sample(int writer, int sequence)
    {
        var now = DateTimeOffset.UtcNow;
        return new UsageRecorded
        {
            RequestId = $"req_bench_{Environment.ProcessId}_{writer}_{sequence}_{Guid.NewGuid():N}",
            StartedAt = now,
            StartedAtMs = now.ToUnixTimeMilliseconds(),
            Endpoint = "messages",
            KeyId = $"key_bench{writer % 20:D2}",
            Workspace = "bench",
            Provider = "anthropic",
            Model = "claude-sonnet-4-5",
            Stream = sequence % 2 == 0,
            Status = 200,
            Outcome = UsageOutcomes.Completed,
            InputTokens = 1_200,
            OutputTokens = 350,
            CacheReadInputTokens = 4_000,
            StopReason = "end_turn",
            CostUsd = 0.010050m,
            PriceVersion = "2026-11-01",
            LatencyMs = 812.5,
            TimeToFirstByteMs = 120.25,
            Metadata = ImmutableDictionary<string, string>.Empty.Add("user", $"user{writer}").Add("department", "finance"),
        };
    }
}
