using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Gateway.Fakes;
using Gateway.Projections;
using Gateway.Projections.Logs;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The request log's bodies cannot be written (PostgreSQL answers "No space left on device" to them): requests keep
/// being answered and recorded, the request log keeps its rows, the bodies are dropped and counted, and they are logged
/// again as soon as the writes succeed — without a restart.
/// </summary>
/// <remarks>
/// Bodies and the ledger share one database, so a disk that is full for both stops the ledger (the frozen and
/// stopped database tests cover that); this fails the body writes alone, with the error PostgreSQL gives for a full disk.
/// </remarks>
public sealed class BodyLogDiskFullTests : IAsyncLifetime
{
    private const int RequestCount = 60;
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Usage_keeps_flowing_while_bodies_cannot_be_written_and_the_bodies_dropped_are_counted()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("bodyfull");
        using var dropped = new DroppedBodies();
        await using var gateway = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "bodyfull");
        var baseUrl = GatewayFixture.Address(gateway);
        var (keyId, secret) = await StandaloneTenant.CreateAsync(baseUrl, GatewayFixture.AdminToken, _fake, "bodyfull");
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

        await FillDiskForBodiesAsync(connectionString, full: true);
        var answered = new ConcurrentBag<string>();
        var work = new ConcurrentQueue<int>(Enumerable.Range(0, RequestCount));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (work.TryDequeue(out var i))
            {
                using var response = await client.SendAsync(Requests.Messages(secret,
                    Requests.MessagesBody($"[words:20] body {i}", stream: i % 2 == 0)));
                await response.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answered.Add(Requests.RequestId(response)!);
            }
        })));

        // Answered and recorded, all of them; the bodies are counted as dropped once the writer gives up on them.
        Assert.Equal(RequestCount, answered.Count);
        Assert.Empty(answered.Except(await LedgerQueries.RecordedAsync(connectionString, answered)));
        Assert.True(await Processes.WaitUntilAsync(() => dropped.Count >= RequestCount, TimeSpan.FromSeconds(60)),
            $"{dropped.Count} of {RequestCount} dropped bodies counted");
        Assert.Equal(RequestCount, dropped.Count);
        // The request log keeps moving: every request is listed, without bodies.
        Assert.True(await Processes.WaitUntilAsync(async () => await CountAsync(connectionString, ReadSchema.RequestLog, keyId) == RequestCount, TimeSpan.FromSeconds(60)),
            "the request log did not list every request");
        Assert.Equal(0, await CountAsync(connectionString, ReadSchema.RequestContent, keyId));

        // Space again: bodies are logged from the next request on.
        var freed = Stopwatch.StartNew();
        await FillDiskForBodiesAsync(connectionString, full: false);
        using var after = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[words:5] after")));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var afterId = Requests.RequestId(after)!;
        Assert.True(await Processes.WaitUntilAsync(async () => await HasBodiesAsync(connectionString, afterId), TimeSpan.FromSeconds(60)),
            "bodies were not logged again once they could be written");
        Console.WriteLine($"body log full: {RequestCount} requests answered, {RequestCount} recorded (0 lost), {dropped.Count} bodies dropped and counted; " +
                          $"bodies logged again {freed.Elapsed.TotalSeconds:F1} s after space came back");
        Assert.Equal(RequestCount, dropped.Count);
    }

    /// <summary>Makes PostgreSQL refuse the request log's body events as a full disk would (SQLSTATE 53100), or stops it.</summary>
    private static async Task FillDiskForBodiesAsync(string connectionString, bool full)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var sql = full
            ? $"""
               CREATE FUNCTION {ReadSchema.Schema}.test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   RAISE EXCEPTION USING ERRCODE = 'disk_full', MESSAGE = 'could not extend file "base/16384/16400": No space left on device';
               END $$;
               CREATE TRIGGER test_disk_full BEFORE INSERT ON {ReadSchema.Schema}.mt_events
                   FOR EACH ROW WHEN (NEW.type = '{ReadSchema.ContentEventType}') EXECUTE FUNCTION {ReadSchema.Schema}.test_disk_full();
               """
            : $"DROP TRIGGER test_disk_full ON {ReadSchema.Schema}.mt_events; DROP FUNCTION {ReadSchema.Schema}.test_disk_full();";
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string table, string keyId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var sql = table == ReadSchema.RequestContent
            ? $"SELECT count(*) FROM {ReadSchema.RequestContent} c JOIN {ReadSchema.RequestLog} l ON l.request_id = c.request_id WHERE l.key_id = $1"
            : $"SELECT count(*) FROM {table} WHERE key_id = $1";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(keyId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> HasBodiesAsync(string connectionString, string requestId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {ReadSchema.RequestContent} WHERE request_id = $1", connection);
        command.Parameters.AddWithValue(requestId);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>The gateway's count of dropped bodies, as a metrics exporter would read it.</summary>
    private sealed class DroppedBodies : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public DroppedBodies()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BodyLogWriter.MeterName && instrument.Name == BodyLogWriter.DroppedCounterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
