using Gateway.Projections;
using Npgsql;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Merges the read side's GIN pending lists into their indexes every <see cref="Interval"/>, on its own connection,
/// so the projections only ever append to the lists (see <see cref="ReadSchema.GinIndexes"/>). Runs on every
/// process that may run the projections; a flush that finds another running waits for it and then has little to do.
/// </summary>
public sealed partial class GinPendingListFlusher(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<GinPendingListFlusher> logger)
    : BackgroundService
{
    /// <summary>
    /// A second of traffic per merge: queries scan what is pending row by row, and a merge costs per distinct word,
    /// so longer gaps save little and slow full-text queries.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await ReadSchema.FlushGinPendingListsAsync(dataSource, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Merging the read side's GIN pending lists failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
