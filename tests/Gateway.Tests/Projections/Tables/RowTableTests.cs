using System.Collections.Immutable;
using Gateway.Projections.Logs;
using Gateway.Projections.Tables;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.Projections.Tables;

public sealed class RowTableTests
{
    /// <summary>A table as an earlier version declared it.</summary>
    private sealed record NoteV1(string Id, DateTimeOffset At, string? Author, long Words);

    /// <summary>The same table one version later: two columns more, one of them a nested record.</summary>
    private sealed record NoteV2(string Id, DateTimeOffset At, string? Author, long Words, NoteScore Score,
        ImmutableDictionary<string, string> Tags, decimal? CostUsd, IReadOnlyList<NoteScore>? History);

    private sealed record NoteScore(int Stars, bool Pinned);

    [Fact]
    public void The_request_log_columns_are_the_row_records_parameters_with_their_types_and_nullability()
    {
        var columns = RequestLogTable.Table.Columns.ToDictionary(c => c.Name);

        Assert.Equal("request_id", RequestLogTable.Table.Key.Name);
        Assert.Equal(29, columns.Count);
        Assert.Equal(("timestamptz", false), (columns["created_at"].SqlType, columns["created_at"].Nullable));
        Assert.Equal(("numeric", true), (columns["cost_usd"].SqlType, columns["cost_usd"].Nullable));
        Assert.Equal(("text", true), (columns["workspace"].SqlType, columns["workspace"].Nullable));
        Assert.Equal(("double precision", true), (columns["time_to_first_byte_ms"].SqlType, columns["time_to_first_byte_ms"].Nullable));
        Assert.Equal(("jsonb", false), (columns["metadata"].SqlType, columns["metadata"].Nullable));
        Assert.Equal(("jsonb", true), (columns["attempts"].SqlType, columns["attempts"].Nullable));
        Assert.Equal(("text", true), (columns["front"].SqlType, columns["front"].Nullable));
        Assert.Equal(("text", true), (columns["user_id"].SqlType, columns["user_id"].Nullable));
        // A nested record is spread into its own columns.
        Assert.Equal(("bigint", false), (columns["web_search_requests"].SqlType, columns["web_search_requests"].Nullable));
        Assert.DoesNotContain("server_tool_use", columns.Keys);
    }

    [Fact]
    public async Task Rows_round_trip_and_a_newer_declaration_adds_its_columns_to_a_table_with_rows()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("rowtable");
        var v1 = new RowTable<NoteV1>("public.notes", ["CREATE INDEX IF NOT EXISTS notes_by_at ON public.notes (at DESC)"]);
        var v2 = new RowTable<NoteV2>("public.notes", ["CREATE INDEX IF NOT EXISTS notes_by_at ON public.notes (at DESC)"]);
        var at = new DateTimeOffset(2026, 12, 3, 14, 0, 0, TimeSpan.FromHours(2));
        await using var database = NpgsqlDataSource.Create(connectionString);

        await ExecuteAsync(database, v1.Ddl());
        await InsertAsync(database, v1, [new NoteV1("old", at, null, 3)]);
        // Every start applies the newest declaration; applying it twice changes nothing.
        await ExecuteAsync(database, v2.Ddl());
        await ExecuteAsync(database, v2.Ddl());
        NoteV2 written = new("new", at, "Ada \u00e9\u2028", long.MaxValue, new NoteScore(5, true),
            ImmutableDictionary<string, string>.Empty.Add("team", "finance").Add("quote", "\"x\""), 0.000001m, [new NoteScore(1, false)]);
        await InsertAsync(database, v2, [written]);
        // A row inserted again (a page of events applied twice) leaves the first as it was.
        await InsertAsync(database, v2, [written with { Words = 1 }]);

        await using var command = database.CreateCommand($"SELECT {v2.Select("n")} FROM public.notes n ORDER BY n.id");
        var rows = await v2.ReadAllAsync(command, CancellationToken.None);

        Assert.Equal(2, rows.Count);
        var read = rows[0];
        Assert.Equal(("new", "Ada \u00e9\u2028", long.MaxValue, new NoteScore(5, true), 0.000001m), (read.Id, read.Author, read.Words, read.Score, read.CostUsd));
        Assert.Equal(at, read.At);
        Assert.Equal(TimeSpan.Zero, read.At.Offset);
        Assert.Equal(written.Tags.OrderBy(t => t.Key), read.Tags.OrderBy(t => t.Key));
        Assert.Equal([new NoteScore(1, false)], read.History);
        // The row from before the upgrade reads with the new columns' zero values.
        Assert.Equal(new NoteV2("old", at, null, 3, new NoteScore(0, false), ImmutableDictionary<string, string>.Empty, null, null),
            rows[1] with { Tags = ImmutableDictionary<string, string>.Empty });
        Assert.Empty(rows[1].Tags);
    }

    private static async Task InsertAsync<TRow>(NpgsqlDataSource database, RowTable<TRow> table, IReadOnlyList<TRow> rows)
        where TRow : class
    {
        // The projections send the statement through Marten with '^' placeholders; plain Npgsql takes positional ones.
        var position = 0;
        var sql = string.Concat(table.Insert.Select(c => c == '^' ? $"${++position}" : c.ToString()));
        await using var command = database.CreateCommand(sql);
        foreach (var values in table.Parameters(rows))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = values });
        }
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
