using Gateway.Api.Admin;
using Gateway.Grains;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Without <c>GATEWAY_ADMIN_TOKEN</c>, the first gateway to start generates an org-admin token and prints it
/// once to standard output (never to the log).
/// </summary>
internal sealed class AdminBootstrap(IGrainFactory grains, IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<AdminBootstrap> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!string.IsNullOrEmpty(configuration[AdminAuth.ConfiguredTokenKey]))
        {
            return;
        }
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            await started.Task;
        }
        var token = await grains.AdminTokens().EnsureBootstrapTokenAsync();
        if (token is not null)
        {
            Console.Out.WriteLine($"{Environment.NewLine}GATEWAY ADMIN TOKEN (shown once, store it now): {token}{Environment.NewLine}");
            Console.Out.Flush();
        }
        else
        {
            log.LogInformation("No GATEWAY_ADMIN_TOKEN set; using the org-admin token generated on first start");
        }
    }
}
