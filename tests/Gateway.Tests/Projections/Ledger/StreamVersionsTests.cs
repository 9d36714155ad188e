using Gateway.Projections.Ledger;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Projections.Ledger;

/// <summary>The version Marten reports for the ledger's streams, recorded off the requests' path.</summary>
[Collection(GatewayCollection.Name)]
public sealed class StreamVersionsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_writers_last_versions_are_recorded_when_it_stops()
    {
        var (writer, database) = Writer(out var prefix);
        var cursor = new StreamCursor();
        await writer.WriteAsync(database, cursor, Events(3));
        await writer.WriteAsync(database, cursor, Events(2));
        // Appends leave the recorded version alone: it is still the stream's creation's.
        Assert.Equal(0, await RecordedVersionAsync(cursor.Stream!));

        var failures = new List<Exception>();
        await StreamVersions.FollowAsync(database, [cursor], Task.CompletedTask, TimeSpan.FromHours(1), failures.Add);

        Assert.Empty(failures);
        Assert.Equal(5, await RecordedVersionAsync(cursor.Stream!));
        await using var session = gateway.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(5, (await session.Events.FetchStreamStateAsync(cursor.Stream!))!.Version);
        Assert.StartsWith(prefix + ":", cursor.Stream);
    }

    [Fact]
    public async Task A_full_stream_is_left_with_its_final_version_recorded()
    {
        var (writer, database) = Writer(out _, eventsPerStream: 4);
        var cursor = new StreamCursor();
        await writer.WriteAsync(database, cursor, Events(3));
        var full = cursor.Stream!;

        await writer.WriteAsync(database, cursor, Events(2));

        Assert.NotEqual(full, cursor.Stream);
        Assert.Equal(3, await RecordedVersionAsync(full));
        Assert.Equal(2, await EventCountAsync(cursor.Stream!));
    }

    [Fact]
    public async Task Start_up_repairs_the_versions_a_killed_process_left_behind_and_never_moves_one_down()
    {
        var (writer, database) = Writer(out var prefix);
        var lagging = new StreamCursor();
        await writer.WriteAsync(database, lagging, Events(4));
        var ahead = new StreamCursor();
        await writer.WriteAsync(database, ahead, Events(1));
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using (var bump = new NpgsqlCommand("UPDATE gateway.mt_streams SET version = 9 WHERE id = $1", connection))
        {
            bump.Parameters.AddWithValue(ahead.Stream!);
            await bump.ExecuteNonQueryAsync();
        }

        await StreamVersions.RepairAsync(connection, [prefix], CancellationToken.None);

        Assert.Equal(4, await RecordedVersionAsync(lagging.Stream!));
        Assert.Equal(9, await RecordedVersionAsync(ahead.Stream!));
    }

    private (EventStreamWriter<UsageRecorded> Writer, NpgsqlDataSource Database) Writer(out string prefix, long eventsPerStream = 1_000_000)
    {
        // A prefix of its own: the gateway's ledger writes "usage:" streams into the same tables meanwhile.
        prefix = $"usage-test-{Guid.NewGuid():N}";
        var writer = new EventStreamWriter<UsageRecorded>(gateway.Services.GetRequiredService<IDocumentStore>(), LedgerSchema.UsageEventType, prefix,
            eventsPerStream);
        return (writer, gateway.Services.GetRequiredService<LedgerDatabase>().Source);
    }

    private static List<UsageRecorded> Events(int count) => [.. Enumerable.Range(0, count).Select(_ => new UsageRecorded
    {
        RequestId = $"req_{Guid.NewGuid():N}",
        StartedAt = DateTimeOffset.UtcNow,
        Endpoint = "messages",
        Outcome = UsageOutcomes.Completed,
    })];

    private async Task<long> RecordedVersionAsync(string stream) =>
        (long)(await ScalarAsync("SELECT version FROM gateway.mt_streams WHERE id = $1", stream))!;

    private async Task<long> EventCountAsync(string stream) =>
        (long)(await ScalarAsync("SELECT count(*) FROM gateway.mt_events WHERE stream_id = $1", stream))!;

    private async Task<object?> ScalarAsync(string sql, string stream)
    {
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(stream);
        return await command.ExecuteScalarAsync();
    }
}
