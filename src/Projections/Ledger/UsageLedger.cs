using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Gateway.Projections.Usage;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Projections.Ledger;

/// <summary>
/// Appends usage events to Marten's event store with group commit: one writer per process drains whatever
/// requests are waiting into one transaction and completes each request's task once committed. While the database refuses writes the ledger reports itself
/// unavailable, and the front refuses new requests with 503 rather than run them unrecorded.
/// </summary>
/// <remarks>
/// The events go into Marten's own tables through <see cref="EventStreamWriter{T}"/>, in a stream each writer alone
/// owns (so appends never conflict), and Marten reads them like any other event.
/// </remarks>
public sealed partial class UsageLedger(IDocumentStore store, LedgerDatabase database, IOptions<LedgerOptions> options, IMeterFactory meters,
    ILogger<UsageLedger> logger)
    : BackgroundService
{
    private const string Schema = LedgerSchema.Schema;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinAttempt = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StreamVersionInterval = TimeSpan.FromSeconds(1);

    private readonly EventStreamWriter<UsageRecorded> _writer = new(store, LedgerSchema.UsageEventType, LedgerSchema.UsageStreamPrefix);
    // A request that finds a writer idle runs it on its own thread up to the database call instead of waking a pool
    // thread for it: one thread hand-off less on the path of every request at low load.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });
    private volatile bool _available = true;
    private readonly LedgerMetrics _metrics = new(meters);

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

    // A few writers, each with its own stream and connection: while one batch waits for its commit to reach the
    // disk, the next one is already being written, and PostgreSQL flushes their commits together.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _metrics.ObserveAvailability(() => _available);
        var cursors = Enumerable.Range(0, Math.Max(1, options.Value.Writers)).Select(_ => new StreamCursor()).ToArray();
        var writing = Task.WhenAll(cursors.Select(cursor => Task.Run(() => WriteLoopAsync(cursor))));
        // The recorded stream versions are bookkeeping for Marten's readers, not the usage itself: no fsync wait.
        return StreamVersions.FollowAsync(database.AsyncCommit, cursors, writing, StreamVersionInterval,
            e => LogStreamVersionFailed(logger, e));
    }

    private async Task WriteLoopAsync(StreamCursor cursor)
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
            if (batch.Count == 0)
            {
                // Another writer took what woke this one.
                continue;
            }
            await CommitAsync(batch, cursor);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Pending> batch, StreamCursor cursor)
    {
        // Every request of the batch waits at most MaxCommitWait from its own append (an earlier batch's stall counts).
        var started = batch.Min(p => p.AppendedAt);
        var committing = Stopwatch.GetTimestamp();
        // A database that stops answering (frozen, a lock, a full disk) must not keep sending requests to providers:
        // past StallAfter the ledger counts as unavailable and new requests are refused before any provider call.
        using var stall = new Timer(_ =>
        {
            if (_available)
            {
                _available = false;
                LogStalled(logger, options.Value.StallAfter.TotalSeconds);
            }
        }, null, options.Value.StallAfter, Timeout.InfiniteTimeSpan);
        for (var attempt = 1; ; attempt++)
        {
            // A batch whose wait is used up still gets one short attempt: its requests reached a provider, whose usage
            // should be recorded if the database answers at all.
            var left = options.Value.MaxCommitWait - Stopwatch.GetElapsedTime(started);
            var attemptFor = left < MinAttempt ? MinAttempt : left < options.Value.AttemptTimeout ? left : options.Value.AttemptTimeout;
            try
            {
                using var timeout = new CancellationTokenSource(attemptFor);
                await _writer.WriteAsync(database.Source, cursor, batch.ConvertAll(p => p.Record), retry: attempt > 1, timeout.Token);
                await stall.DisposeAsync();
                _available = true;
                _metrics.BatchEnded(batch.Count, Stopwatch.GetElapsedTime(committing), committed: true);
                break;
            }
            catch (Exception e) when (attempt < options.Value.Attempts && Stopwatch.GetElapsedTime(started) < options.Value.MaxCommitWait)
            {
                LogRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception e)
            {
                _available = false;
                _metrics.BatchEnded(batch.Count, Stopwatch.GetElapsedTime(committing), committed: false);
                LogFailed(logger, e, batch.Count);
                Complete(batch, new LedgerUnavailableException("The usage ledger could not be written.", e));
                return;
            }
        }
        // Outside the retries: nothing a released request does may make the writer write its batch again.
        Complete(batch, null);
    }

    /// <summary>
    /// Releases the batch's requests. A batch of one (low load) continues its request on this thread, which saves a
    /// hand-off to another; the requests of a larger batch continue on pool threads, side by side, and the writer
    /// is free for the next batch at once.
    /// </summary>
    private static void Complete(List<Pending> batch, Exception? failure)
    {
        if (batch.Count == 1)
        {
            batch[0].Complete(failure);
            return;
        }
        foreach (var pending in batch)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Pending.Complete(state.Failure), (Pending: pending, Failure: failure), preferLocal: false);
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
                using var timeout = new CancellationTokenSource(options.Value.AttemptTimeout);
                await using var connection = await database.Source.OpenConnectionAsync(timeout.Token);
                await using var probe = new NpgsqlCommand($"SELECT 1 FROM {Schema}.mt_events LIMIT 1", connection);
                await probe.ExecuteScalarAsync(timeout.Token);
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

        /// <summary>When the request asked for its commit: its wait is bounded from here, whichever batch it lands in.</summary>
        public long AppendedAt { get; } = Stopwatch.GetTimestamp();

        /// <summary>Continues its awaiter on the completing thread: <see cref="UsageLedger.Complete"/> picks that thread.</summary>
        public TaskCompletionSource Committed { get; } = new();

        public void Complete(Exception? failure)
        {
            if (failure is null)
            {
                Committed.TrySetResult();
            }
            else
            {
                Committed.TrySetException(failure);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger: writing {Count} events failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage ledger unavailable: {Count} events could not be written; new requests are refused until it recovers")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger: recording its streams' versions failed; trying again shortly")]
    private static partial void LogStreamVersionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger stalled: a commit has taken over {Seconds} s; new requests are refused until it completes")]
    private static partial void LogStalled(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Usage ledger available again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage ledger still unavailable: {Reason}")]
    private static partial void LogStillFailing(ILogger logger, string reason);
}

/// <summary>The ledger cannot commit usage events right now.</summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
