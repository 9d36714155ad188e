using Gateway.Grains;
using Gateway.Grains.Models;
using Gateway.Projections.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.Catalog;

/// <summary>
/// The model catalog as this process uses it: the cluster's newest revision, asked of the catalog grain once a
/// second in the background, so a request never waits for it (but the very first, which waits for the first load).
/// A change made through this process applies at once; one made through another within about a second.
/// </summary>
public sealed partial class CurrentCatalog(IGrainFactory grains, ILogger<CurrentCatalog> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    // A failure to follow is reported only once it lasts this long (the silo may still be starting).
    private static readonly TimeSpan QuietFailure = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Lock _applying = new();
    private volatile ModelCatalog? _catalog;
    private DateTimeOffset? _failingSince;
    private bool _reported;

    /// <summary>The catalog, or null until the first load.</summary>
    public ModelCatalog? Loaded => _catalog;

    /// <summary>The catalog; the first call waits for it to load (and fails if the cluster cannot answer).</summary>
    public ValueTask<ModelCatalog> GetAsync() => _catalog is { } catalog ? ValueTask.FromResult(catalog) : new(RefreshAsync());

    /// <summary>Takes a revision this process just made (or heard of); an older one than the current changes nothing.</summary>
    public ModelCatalog Apply(CatalogRevision revision)
    {
        lock (_applying)
        {
            if (_catalog is { } current && current.Revision >= revision.Revision)
            {
                return current;
            }
            var next = ModelCatalog.Restore(ShippedModels.Current, CatalogOverrides.FromJson(revision.OverridesJson), revision.Revision,
                revision.PriceRevision, out var skipped);
            foreach (var id in skipped)
            {
                LogSkipped(logger, id);
            }
            _catalog = next;
            return next;
        }
    }

    /// <summary>Asks the catalog grain for anything newer than what this process has.</summary>
    public async Task<ModelCatalog> RefreshAsync()
    {
        await _loading.WaitAsync();
        try
        {
            var known = _catalog;
            var revision = await grains.ModelCatalog().GetAsync(known?.Revision ?? -1);
            return revision is null ? known! : Apply(revision);
        }
        finally
        {
            _loading.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        do
        {
            try
            {
                await RefreshAsync();
                if (_reported)
                {
                    LogRecovered(logger);
                }
                _failingSince = null;
                _reported = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The silo may not be up yet, or the catalog grain is moving: keep what this process has and try again.
                _failingSince ??= DateTimeOffset.UtcNow;
                if (!_reported && DateTimeOffset.UtcNow - _failingSince > QuietFailure)
                {
                    _reported = true;
                    LogRefreshFailed(logger, e);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the model catalog's newest revision; using the one this process has")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The model catalog is followed again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The admins' change to model {ModelId} no longer fits this build's catalog and is left out")]
    private static partial void LogSkipped(ILogger logger, string modelId);
}
