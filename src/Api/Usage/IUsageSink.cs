using Gateway.Projections.Usage;

namespace Gateway.Api.Usage;

/// <summary>
/// Observes each request's usage event once the ledger has committed it (structured logs; tests record them).
/// </summary>
public interface IUsageSink
{
    ValueTask RecordAsync(UsageRecorded record, CancellationToken cancellationToken);
}
