using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Gateway.Projections.Ledger;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Projections.Logs;

/// <summary>
/// Writes requests' bodies to the event store as <see cref="RequestContentRecorded"/> events, in batches, behind
/// the requests: nobody waits for it, and its commits do not wait for the disk (a body lost in a crash costs the
/// log a body; the request's usage is in the ledger either way). Each body becomes its event here
/// (<see cref="IPendingBody.ToEvent"/>), so the proxy only copies bytes.
/// </summary>
public sealed partial class BodyLogWriter(IDocumentStore store, LedgerDatabase database, IOptions<BodyLogOptions> options, TimeProvider clock,
    IMeterFactory meters, ILogger<BodyLogWriter> logger) : BackgroundService
{
    /// <summary>The meter of the request log's body writer.</summary>
    public const string MeterName = "Gateway.RequestLog";

    /// <summary>Requests whose bodies were not logged, by <c>reason</c>: <c>queue_full</c> (the writer is behind) or <c>write_failed</c>.</summary>
    public const string DroppedCounterName = "gateway.request_log.bodies_dropped";

    private readonly Counter<long> _droppedCounter = meters.Create(MeterName)
        .CreateCounter<long>(DroppedCounterName, "{request}", "Requests whose bodies were not written to the request log (their usage is recorded).");

    private const int MaxBatch = 200;
    private readonly Channel<IPendingBody> _queue = Channel.CreateBounded<IPendingBody>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private static readonly TimeSpan StreamVersionInterval = TimeSpan.FromSeconds(1);
    private readonly EventStreamWriter<RequestContentRecorded> _writer = new(store, ReadSchema.ContentEventType, LedgerSchema.ContentStreamPrefix);
    private long _dropped;
    private long _queuedBytes;

    /// <summary>Queues a request's bodies; drops them (and counts it) when the writer is too far behind.</summary>
    public void Enqueue(IPendingBody body)
    {
        // Bounded by bytes as well as by count: a writer that falls behind must not hold gigabytes of bodies.
        var bytes = body.Bytes;
        if (Interlocked.Add(ref _queuedBytes, bytes) > options.Value.QueueBytes || !_queue.Writer.TryWrite(body))
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
            _droppedCounter.Add(1, new KeyValuePair<string, object?>("reason", "queue_full"));
            if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            {
                LogDropped(logger, Interlocked.Read(ref _dropped));
            }
        }
    }

    /// <summary>Requests whose bodies this process did not log (the writer was behind, or their write failed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cursor = new StreamCursor();
        return StreamVersions.FollowAsync(database.AsyncCommit, [cursor], WriteLoopAsync(cursor), StreamVersionInterval,
            e => LogStreamVersionFailed(logger, e));
    }

    private async Task WriteLoopAsync(StreamCursor cursor)
    {
        var batch = new List<RequestContentRecorded>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            Take(reader, batch);
            if (batch.Count < MaxBatch && options.Value.BatchWindow > TimeSpan.Zero)
            {
                // Bodies are not waited for, so a light load can gather a few before writing them: one transaction
                // (and one daemon page later) for many requests instead of one each.
                await Task.Delay(options.Value.BatchWindow, clock);
                Take(reader, batch);
            }
            await WriteAsync(batch, cursor);
            batch.Clear();
        }
    }

    private void Take(ChannelReader<IPendingBody> reader, List<RequestContentRecorded> batch)
    {
        while (batch.Count < MaxBatch && reader.TryRead(out var entry))
        {
            Interlocked.Add(ref _queuedBytes, -entry.Bytes);
            batch.Add(ToEventOrOmitted(entry));
        }
    }

    private async Task WriteAsync(List<RequestContentRecorded> batch, StreamCursor cursor)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _writer.WriteAsync(database.AsyncCommit, cursor, batch, retry: attempt > 1);
                return;
            }
            catch (Exception e) when (attempt < 3)
            {
                LogRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (Exception e)
            {
                LogLost(logger, e, batch.Count);
                Interlocked.Add(ref _dropped, batch.Count);
                _droppedCounter.Add(batch.Count, new KeyValuePair<string, object?>("reason", "write_failed"));
                return;
            }
        }
    }

    /// <summary>A body the writer cannot read (its JSON is valid yet not representable) is logged as omitted, never fatal.</summary>
    private RequestContentRecorded ToEventOrOmitted(IPendingBody body)
    {
        try
        {
            return body.ToEvent();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnreadable(logger, body.RequestId, e.GetType().Name);
            return new RequestContentRecorded
            {
                RequestId = body.RequestId,
                Workspace = body.Workspace,
                StartedAt = body.StartedAt,
                Redacted = body.Redacted,
                Omitted = "bodies could not be read as JSON objects",
            };
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log: the bodies of {RequestId} could not be read ({Error}); logged without them")]
    private static partial void LogUnreadable(ILogger logger, string requestId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log: the body writer is behind; {Dropped} requests' bodies dropped so far (their usage is recorded)")]
    private static partial void LogDropped(ILogger logger, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log: recording its stream's version failed; trying again shortly")]
    private static partial void LogStreamVersionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log: writing {Count} requests' bodies failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request log: {Count} requests' bodies could not be written and are lost (their usage is recorded)")]
    private static partial void LogLost(ILogger logger, Exception exception, int count);
}
