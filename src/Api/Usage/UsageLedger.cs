using System.Threading.Channels;
using Gateway.Projections.Usage;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Usage;

/// <summary>
/// Appends usage events to Marten with group commit: one writer drains whatever requests are waiting into one
/// transaction (a stream per request, so appends never conflict), deletes their budget reservation rows in the
/// same transaction, and completes each request's task once committed. While the database refuses writes the
/// ledger reports itself unavailable, and the front refuses new requests with 503 rather than run them unrecorded.
/// </summary>
public sealed partial class UsageLedger(IDocumentStore store, IOptions<LedgerOptions> options, ILogger<UsageLedger> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _available = true;

    /// <summary>False while the database refuses the ledger's writes.</summary>
    public bool Available => _available;

    /// <summary>Completes when the event is committed; throws <see cref="LedgerUnavailableException"/> when it could not be.</summary>
    public Task AppendAsync(UsageRecorded record)
    {
        var pending = new Pending(record);
        return _queue.Writer.TryWrite(pending) ? pending.Committed.Task : Task.FromException(new LedgerUnavailableException("The ledger is shut down."));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests still running may append; what is queued is written before the host stops.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(options.Value.MaxBatch);
        while (true)
        {
            if (!_available && !await WaitOrProbeAsync(reader))
            {
                continue;
            }
            if (!await reader.WaitToReadAsync(CancellationToken.None))
            {
                return;
            }
            while (batch.Count < options.Value.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                foreach (var pending in batch)
                {
                    session.Events.Append(pending.Record.RequestId, pending.Record);
                }
                var held = batch.Where(p => p.Record.ReservedUsd is not null).Select(p => p.Record.RequestId).ToArray();
                if (held.Length > 0)
                {
                    session.QueueSqlCommand($"DELETE FROM {LedgerSchema.Schema}.budget_holds WHERE request_id = ANY(?)", [held]);
                }
                await session.SaveChangesAsync(CancellationToken.None);
                _available = true;
                foreach (var pending in batch)
                {
                    pending.Committed.TrySetResult();
                }
                return;
            }
            catch (Exception e) when (attempt < options.Value.Attempts)
            {
                LogRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception e)
            {
                _available = false;
                LogFailed(logger, e, batch.Count);
                var failure = new LedgerUnavailableException("The usage ledger could not be written.", e);
                foreach (var pending in batch)
                {
                    pending.Committed.TrySetException(failure);
                }
                return;
            }
        }
    }

    /// <summary>While unavailable: write whatever arrives, or check the database each second.</summary>
    private async Task<bool> WaitOrProbeAsync(ChannelReader<Pending> reader)
    {
        using var wait = new CancellationTokenSource(ProbeInterval);
        try
        {
            await reader.WaitToReadAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            try
            {
                await using var session = store.QuerySession();
                await session.QueryAsync<int>("select 1");
                _available = true;
                LogRecovered(logger);
            }
            catch (Exception e)
            {
                LogStillFailing(logger, e.Message);
            }
            return false;
        }
    }

    private sealed class Pending(UsageRecorded record)
    {
        public UsageRecorded Record { get; } = record;
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger: writing {Count} events failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage ledger unavailable: {Count} events could not be written; new requests are refused until it recovers")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Usage ledger available again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger still unavailable: {Reason}")]
    private static partial void LogStillFailing(ILogger logger, string reason);
}

/// <summary>The ledger cannot commit usage events right now.</summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
