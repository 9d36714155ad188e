using Microsoft.Extensions.Options;

namespace Gateway.Silo.Hosting;

/// <summary><c>Gateway:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Gateway:Shutdown";

    /// <summary>
    /// How long a stopping process keeps serving while <c>/readyz</c> already says unready, so a load balancer polling it
    /// stops sending requests before the listener closes (0: stop at once, as on a developer's Ctrl+C).
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// The first step of stopping: readiness goes unready (<see cref="IsDraining"/>), then the process keeps serving for
/// <see cref="ShutdownOptions.DrainDelay"/> before the HTTP listener and the silo stop.
/// </summary>
internal sealed partial class Draining(IOptions<ShutdownOptions> options, ILogger<Draining> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (options.Value.DrainDelay > TimeSpan.Zero)
        {
            LogDraining(logger, options.Value.DrainDelay.TotalSeconds);
            try
            {
                await Task.Delay(options.Value.DrainDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's shutdown timeout ended the wait: stop now.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: /readyz is unready; serving for {Seconds} s more before the listener closes")]
    private static partial void LogDraining(ILogger logger, double seconds);
}
