using Npgsql;
using NpgsqlTypes;

namespace Gateway.Projections.Audit;

/// <summary>Reads the audit trail, newest first, paged by sequence number.</summary>
public sealed class AuditQueries(NpgsqlDataSource database)
{
    /// <summary>A page of actions matching every filter set; <see cref="AuditPage.NextBefore"/> continues it.</summary>
    public async Task<AuditPage> ListAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        var table = AuditLogTable.Table;
        await using var command = database.CreateCommand($"""
            SELECT {table.Select("a")} FROM {table.Name} a
            WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
              AND ($3::text IS NULL OR resource_type = $3) AND ($4::text IS NULL OR resource_id = $4)
              AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
              AND ($7::bigint IS NULL OR seq_id < $7) AND ($8::text[] IS NULL OR workspace = ANY($8))
            ORDER BY seq_id DESC LIMIT {filter.Limit + 1}
            """);
        foreach (var text in new[] { filter.Actor, filter.Action, filter.ResourceType, filter.ResourceId })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.From?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.To?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)filter.VisibleWorkspaces?.ToArray() ?? DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        var rows = await table.ReadAllAsync(command, cancellationToken);
        var hasMore = rows.Count > filter.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new AuditPage(rows, hasMore ? rows[^1].SeqId : null);
    }
}

/// <summary>What a page of the audit trail is filtered by.</summary>
/// <param name="Before">Only actions recorded before this sequence number (the previous page's <see cref="AuditPage.NextBefore"/>).</param>
/// <param name="VisibleWorkspaces">Only actions on these workspaces' resources (null: every action, org-wide ones too).</param>
public sealed record AuditFilter(string? Actor, string? Action, string? ResourceType, string? ResourceId, DateTimeOffset? From,
    DateTimeOffset? To, long? Before, int Limit, IReadOnlyList<string>? VisibleWorkspaces = null);

public sealed record AuditPage(IReadOnlyList<AuditLogRow> Rows, long? NextBefore);
