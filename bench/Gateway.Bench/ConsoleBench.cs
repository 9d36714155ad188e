using System.Diagnostics;
using Gateway.Projections;
using Gateway.Projections.Audit;
using Gateway.Projections.Logs;
using Gateway.Projections.Outcomes;
using Gateway.Projections.Spend;
using Gateway.Silo.Hosting;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// <c>console</c>: every list query the console's screens issue, over N logged requests (<see cref="ConsoleHistory"/>),
/// through the same query classes the admin API calls: p50/p95/max per query, and whether PostgreSQL read a large
/// table (request log, full-text shards, audit trail) sequentially while running it — from its own statistics, so
/// the plan that actually ran is the one judged. Exits 1 when any query scanned one.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ConsoleBench
{
    private static readonly string[] LargeTables = ["request_log", "request_content_0", "request_content_1", "audit_log"];

    public static async Task<int> RunAsync(string? connection, int rows, int calls)
    {
        await using var postgres = await BenchDatabase.OpenAsync(connection, "console");
        connection = postgres.ConnectionString;
        Console.WriteLine($"console benchmark: {rows:N0} logged requests, {calls} calls per query; PostgreSQL {postgres.Description}");
        await using (var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connection)))
        {
            await GatewayHost.MigrateAsync(store, connection, NullLogger.Instance, CancellationToken.None);
        }
        // One connection: the statistics a query leaves are its session's, flushed before they are read.
        await using var database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { MaxPoolSize = 1 }.ConnectionString);
        await ConsoleHistory.LoadAsync(database, rows);

        var logs = new RequestLogQueries(database);
        var spend = new SpendQueries(database);
        var outcomes = new OutcomeQueries(database);
        var audit = new AuditQueries(database);
        var now = DateTimeOffset.UtcNow;
        var month = new DateOnly(now.Year, now.Month, 1);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var analyst = new[] { "ws-03" };
        var firstPage = await logs.ListAsync(new LogFilter { Limit = 50 }, CancellationToken.None);
        LogCursor.TryDecode(firstPage.NextCursor!, out var second);

        Console.WriteLine($"{"query",-62} {"p50_ms",8} {"p95_ms",8} {"max_ms",8} {"rows",6}  large-table seq scans");
        var scanned = 0;
        async Task Measure(string name, Func<Task<int>> query) => scanned += await MeasureAsync(database, name, calls, query);
        await Measure("logs: first page, newest 50", async () => (await logs.ListAsync(new LogFilter { Limit = 50 }, default)).Rows.Count);
        await Measure("logs: next page (keyset)", async () => (await logs.ListAsync(new LogFilter { Limit = 50, After = second }, default)).Rows.Count);
        await Measure("logs: analyst of one workspace, newest 50", async () =>
            (await logs.ListAsync(new LogFilter { Limit = 50, VisibleWorkspaces = analyst }, default)).Rows.Count);
        await Measure("logs: workspace + model + status 402", async () =>
            (await logs.ListAsync(new LogFilter { Limit = 50, Workspace = "ws-16", Model = "claude-opus-4-6", Status = 402 }, default)).Rows.Count);
        await Measure("logs: key + last 24 h", async () =>
            (await logs.ListAsync(new LogFilter { Limit = 50, KeyId = "key-0042", From = now.AddDays(-1) }, default)).Rows.Count);
        await Measure("logs: metadata.user", async () => (await logs.ListAsync(new LogFilter
        {
            Limit = 50,
            Metadata = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("user", "user-0084"),
        }, default)).Rows.Count);
        await Measure("full text: one word", async () => (await logs.ListAsync(new LogFilter { Limit = 50, Search = "word1234" }, default)).Rows.Count);
        await Measure($"full text: phrase \"{ConsoleHistory.Phrase}\"", async () =>
            (await logs.ListAsync(new LogFilter { Limit = 50, Search = $"\"{ConsoleHistory.Phrase}\"" }, default)).Rows.Count);
        await Measure("full text: word, analyst of one workspace", async () =>
            (await logs.ListAsync(new LogFilter { Limit = 50, Search = "topic3", VisibleWorkspaces = analyst }, default)).Rows.Count);
        await Measure("overview: spend by workspace, this month and last", async () =>
            (await spend.SpendAsync(Grouping("workspace"), SpendInterval.Month, month.AddMonths(-1), today, null, 10_000, 0, default)).Rows.Count);
        foreach (var group in new[] { "key", "user", "model" })
        {
            await Measure($"overview: top 5 by {group}, this month", async () =>
                (await spend.SpendAsync(Grouping(group), SpendInterval.Month, month, today, null, 5, 0, default)).Rows.Count);
        }
        await Measure("overview: outcomes per hour, last 7 days", async () =>
            (await outcomes.OutcomesAsync(OutcomeInterval.Hour, now.AddDays(-7), now, null, 10_000, 0, default)).Rows.Count);
        await Measure("spend: by metadata.cost_centre per day, 30 days", async () =>
            (await spend.SpendAsync(Grouping("metadata.cost_centre"), SpendInterval.Day, today.AddDays(-30), today, null, 1_000, 0, default)).Rows.Count);
        await Measure("chargeback: this month by workspace (whole report)", async () =>
            (await spend.ChargebackAsync(month, Grouping("workspace"), null, null, 0, default)).Rows.Count);
        await Measure("chargeback: this month by metadata.user, first 1000", async () =>
            (await spend.ChargebackAsync(month, Grouping("metadata.user"), analyst, 1_000, 0, default)).Rows.Count);
        await Measure("audit: newest 100", async () => (await audit.ListAsync(new AuditFilter(null, null, null, null, null, null, null, 100), default)).Rows.Count);
        await Measure("audit: one key's actions", async () =>
            (await audit.ListAsync(new AuditFilter(null, null, "key", "key-0041", null, null, null, 100), default)).Rows.Count);
        await Measure("audit: analyst of one workspace, newest 100", async () =>
            (await audit.ListAsync(new AuditFilter(null, null, null, null, null, null, null, 100, analyst), default)).Rows.Count);
        Console.WriteLine(scanned == 0 ? "no query read a large table sequentially" : $"{scanned} queries read a large table sequentially");
        return scanned == 0 ? 0 : 1;
    }

    private static SpendGrouping Grouping(string text) =>
        SpendGrouping.TryRead(text, "group_by", out var grouping, out _) ? grouping! : throw new ArgumentException(text);

    /// <summary>Times the query; returns 1 when it read a large table sequentially, else 0.</summary>
    private static async Task<int> MeasureAsync(NpgsqlDataSource database, string name, int calls, Func<Task<int>> query)
    {
        var before = await SequentialScansAsync(database);
        var times = new List<double>();
        var found = 0;
        for (var i = 0; i < calls; i++)
        {
            var clock = Stopwatch.StartNew();
            found = await query();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var scans = (await SequentialScansAsync(database)).Where(t => t.Value > before.GetValueOrDefault(t.Key)).Select(t => t.Key).ToList();
        times.Sort();
        Console.WriteLine($"{name,-62} {BenchDatabase.Percentile(times, 0.5),8:F2} {BenchDatabase.Percentile(times, 0.95),8:F2} {times[^1],8:F2} " +
            $"{found,6}  {(scans.Count == 0 ? "none" : string.Join(", ", scans))}");
        return scans.Count == 0 ? 0 : 1;
    }

    /// <summary>Sequential scans per large table so far, with this session's pending counts flushed first.</summary>
    private static async Task<Dictionary<string, long>> SequentialScansAsync(NpgsqlDataSource database)
    {
        await using (var flush = database.CreateCommand("SELECT pg_stat_force_next_flush()"))
        {
            await flush.ExecuteNonQueryAsync();
        }
        await using (var clear = database.CreateCommand("SELECT pg_stat_clear_snapshot()"))
        {
            await clear.ExecuteNonQueryAsync();
        }
        await using var command = database.CreateCommand(
            $"SELECT relname, seq_scan FROM pg_stat_user_tables WHERE schemaname = '{ReadSchema.Schema}' AND relname = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = LargeTables });
        var scans = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            scans[reader.GetString(0)] = reader.GetInt64(1);
        }
        return scans;
    }
}
