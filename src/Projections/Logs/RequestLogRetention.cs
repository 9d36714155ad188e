using Gateway.Projections.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Projections.Logs;

/// <summary>
/// Removes request bodies past their workspace's retention: from the request log, and from the event store, so a
/// projection rebuild cannot bring them back. Usage, cost and metadata stay. Every gateway process sweeps; the
/// deletes are idempotent and cheap when there is nothing to remove.
/// </summary>
public sealed partial class RequestLogRetention(LedgerDatabase database, IOptions<BodyLogOptions> options, TimeProvider clock,
    ILogger<RequestLogRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionSweepInterval, clock);
        do
        {
            try
            {
                var removed = await SweepAsync(stoppingToken);
                if (removed > 0)
                {
                    LogRemoved(logger, removed);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Removes every body whose retention has run out; returns how many requests lost theirs.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var batch = database.AsyncCommit.CreateBatch();
        for (var shard = 0; shard < ReadSchema.ContentShards; shard++)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {ReadSchema.ContentShard(shard)} WHERE expires_at <= $1")
            {
                Parameters = { new NpgsqlParameter { Value = now } },
            });
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"DELETE FROM {ReadSchema.Schema}.mt_events WHERE type = '{ReadSchema.ContentEventType}' AND (data ->> 'expires_at_ms')::bigint <= $1")
        {
            Parameters = { new NpgsqlParameter { Value = now.ToUnixTimeMilliseconds() } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return Enumerable.Range(0, ReadSchema.ContentShards).Sum(i => batch.BatchCommands[i].RecordsAffected);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request log retention: removed the bodies of {Count} requests")]
    private static partial void LogRemoved(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log retention sweep failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
