using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.Projections.Telemetry;

/// <summary>
/// How far each read-side projection is behind the event store, as two gauges labelled <c>projection</c>: the age of the
/// oldest event it has not processed yet (<c>gateway.projection.lag</c>, seconds, 0 when caught up) and the events past its mark
/// (<c>gateway.projection.backlog</c>). Read from Marten's progression table every few seconds on every process, whichever one
/// runs the projections, so the figures keep growing while no process projects.
/// </summary>
public sealed partial class ProjectionLag(NpgsqlDataSource database, IMeterFactory meters, ILogger<ProjectionLag> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    // The first event after a projection's mark is found through the sequence index, never by scanning the backlog.
    private const string Query = $"""
        SELECT split_part(p.name, ':', 1),
               greatest(coalesce((SELECT max(seq_id) FROM {ReadSchema.Schema}.mt_events), 0) - p.last_seq_id, 0),
               coalesce(extract(epoch FROM now() - (SELECT e.timestamp FROM {ReadSchema.Schema}.mt_events e
                   WHERE e.seq_id > p.last_seq_id ORDER BY e.seq_id LIMIT 1)), 0)::float8
        FROM {ReadSchema.Schema}.mt_event_progression p
        WHERE p.name LIKE '%:%'
        """;

    private volatile IReadOnlyList<Behind> _projections = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create(GatewayInstrumentation.Name);
        meter.CreateObservableGauge("gateway.projection.lag", () => _projections.Select(p => new Measurement<double>(p.Seconds, Label(p))), "s",
            "Age of the oldest event the projection has not processed yet (0 when caught up).");
        meter.CreateObservableGauge("gateway.projection.backlog", () => _projections.Select(p => new Measurement<long>(p.Events, Label(p))), "{event}",
            "Events in the store past the projection's mark.");
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                _projections = await ReadAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<IReadOnlyList<Behind>> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = database.CreateCommand(Query);
            command.CommandTimeout = 5;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<Behind>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new Behind(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
            }
            return rows;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No figure rather than a stale one: a gauge that disappears is what an alert on a missing series catches.
            LogUnreadable(logger, e.Message);
            return [];
        }
    }

    private static KeyValuePair<string, object?> Label(Behind projection) => new("projection", projection.Name);

    private sealed record Behind(string Name, long Events, double Seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Projection lag could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
