using System.Diagnostics.Metrics;
using Gateway.Projections.Telemetry;

namespace Gateway.Projections.Ledger;

/// <summary>The usage ledger's instruments: how long its group commits take, how many events each carries, whether it takes events.</summary>
internal sealed class LedgerMetrics
{
    private readonly Meter _meter;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _batchSize;

    public LedgerMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(GatewayInstrumentation.Name);
        // A commit takes about a millisecond; a checkpoint's flush, rarely, a second; a database that stops answering, up to MaxCommitWait.
        _commitDuration = _meter.CreateHistogram("gateway.ledger.commit.duration", "s",
            "Time from a batch's first commit attempt to its outcome (outcome: committed or failed).", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _batchSize = _meter.CreateHistogram("gateway.ledger.batch.size", "{event}", "Usage events per ledger transaction.", tags: null,
            new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] });
    }

    /// <summary>Reports <paramref name="available"/> as a gauge: 1 while the ledger commits, 0 while it cannot (new requests are refused).</summary>
    public void ObserveAvailability(Func<bool> available) =>
        _meter.CreateObservableGauge("gateway.ledger.available", () => available() ? 1 : 0, unit: null,
            "1 while the usage ledger commits events, 0 while it cannot (new requests are refused with 503).");

    public void BatchEnded(int events, TimeSpan took, bool committed)
    {
        _batchSize.Record(events);
        _commitDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", committed ? "committed" : "failed"));
    }
}
