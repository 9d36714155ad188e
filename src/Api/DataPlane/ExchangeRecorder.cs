using System.Diagnostics;
using Gateway.Api.Errors;
using Gateway.Api.Logs;
using Gateway.Api.Telemetry;
using Gateway.Api.Usage;
using Gateway.Grains.Logging;
using Gateway.Projections.Ledger;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Api.DataPlane;

/// <summary>
/// What one exchange leaves behind: its usage event (committed to the ledger, then handed to the usage sink) and,
/// where its workspace logs content, its bodies for the request log.
/// </summary>
public sealed class ExchangeRecorder(UsageLedger ledger, IUsageSink usage, ContentLog contentLog, GatewayMetrics metrics, IOptions<LogsOptions> logsOptions)
{
    /// <summary>Whether the ledger takes events now; nothing may run unrecorded.</summary>
    public bool Available => ledger.Available;

    /// <summary>Appends the request's usage event and waits for its commit; false when the ledger could not take it.</summary>
    internal async Task<bool> RecordAsync(Exchange exchange, UsageRecorded record)
    {
        var committed = true;
        using (var committing = RequestSpans.StartStep(RequestSpans.LedgerCommit))
        {
            try
            {
                await ledger.AppendAsync(record);
                exchange.Recorded = record;
            }
            catch (LedgerUnavailableException)
            {
                committed = false;
                committing?.SetStatus(ActivityStatusCode.Error, "the usage ledger could not commit");
            }
        }
        // A model is a metric label only when it exists (catalogued, or a provider answered for it), never just any string a
        // client sent: clients cannot make series without end.
        // A stream's first byte is in its record; a whole answer's leaves right after its commit, now.
        var firstByte = record.TimeToFirstByteMs is { } streamed ? TimeSpan.FromMilliseconds(streamed)
            : committed && !record.Stream && record.Outcome == UsageOutcomes.Completed ? exchange.Elapsed : (TimeSpan?)null;
        metrics.Recorded(record, committed, knownModel: exchange.CatalogedModel || (record.Provider is not null && record.Status < 400), firstByte);
        RequestSpans.Recorded(exchange.Span, record, committed);
        await usage.RecordAsync(record, CancellationToken.None);
        return committed;
    }

    /// <summary>Counts a request refused because the ledger was not taking events (it has no record to count by).</summary>
    internal void CountUnrecorded() => metrics.Unrecorded();

    /// <summary>Records that the client left before it got an answer.</summary>
    internal Task<bool> ClientLeftAsync(Exchange exchange) => RecordAsync(exchange, exchange.ToRecord(499, UsageOutcomes.ClientDisconnected));

    /// <summary>Records a refusal and answers it as an Anthropic error.</summary>
    internal async Task RefuseAsync(Exchange exchange, ApiError error)
    {
        await RecordAsync(exchange, exchange.ToRecord(error.Status, UsageOutcomes.Refused, error.Type, error.Message));
        await AnthropicErrors.WriteAsync(exchange.Context, error);
    }

    /// <summary>Starts keeping the request's bodies when its workspace logs more than metadata.</summary>
    internal void Capture(Exchange exchange, LogPolicy logging, ReadOnlySpan<byte> body)
    {
        if (logging.Mode != LogMode.MetadataOnly)
        {
            exchange.Capture = new ContentCapture(logging, body, exchange.Stream, logsOptions.Value.MaxBodyBytes);
        }
    }

    /// <summary>Hands the kept bodies to the request log, once the request has its usage event.</summary>
    internal void LogContent(Exchange exchange)
    {
        if (exchange.Capture is { } capture && exchange.Recorded is not null)
        {
            contentLog.Enqueue(exchange.RequestId, exchange.Workspace, exchange.StartedAt, capture);
        }
    }
}
