using Gateway.Projections.Usage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Logs;

/// <summary>
/// One <c>request_log</c> row per <see cref="UsageRecorded"/> event: what the logs API filters and pages. Writes a
/// whole page of events with one statement (the async daemon hands them over in pages), idempotently.
/// </summary>
public sealed class RequestLogProjection(Repricing repricing) : IProjection
{
    public const string Name = "request_log";

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Select(e => e.Data).OfType<UsageRecorded>().Select(usage => RequestLogRow.From(usage, repricing.CostOf(usage))).ToList();
        if (rows.Count > 0)
        {
            operations.QueueSqlCommand('^', RequestLogTable.Table.Insert, RequestLogTable.Table.Parameters(rows));
        }
        return Task.CompletedTask;
    }
}
