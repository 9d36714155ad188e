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
public sealed partial class ProjectionLag(ProjectionProgress progress, IMeterFactory meters, ILogger<ProjectionLag> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private volatile IReadOnlyList<ProjectionBehind> _projections = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create(GatewayInstrumentation.Name);
        meter.CreateObservableGauge("gateway.projection.lag", () => _projections.Select(p => new Measurement<double>(p.LagSeconds, Label(p))), "s",
            "Age of the oldest event the projection has not processed yet (0 when caught up).");
        meter.CreateObservableGauge("gateway.projection.backlog", () => _projections.Select(p => new Measurement<long>(p.BacklogEvents, Label(p))), "{event}",
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

    private async Task<IReadOnlyList<ProjectionBehind>> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await progress.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No figure rather than a stale one: a gauge that disappears is what an alert on a missing series catches.
            LogUnreadable(logger, e.Message);
            return [];
        }
    }

    private static KeyValuePair<string, object?> Label(ProjectionBehind projection) => new("projection", projection.Name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Projection lag could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
