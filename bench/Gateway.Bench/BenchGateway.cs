using Gateway.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Bench;

/// <summary>A gateway in the benchmark's own process, on a loopback port, over the benchmark's database.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class BenchGateway
{
    public static async Task<WebApplication> StartAsync(string connection, string adminToken, string name)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["GATEWAY_ADMIN_TOKEN"] = adminToken,
            ["GATEWAY_ENCRYPTION_KEY"] = Convert.ToBase64String(new byte[32]),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        var settings = new GatewaySettings
        {
            ConnectionString = connection,
            DataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-{name}-bench-data"),
            ClusterId = $"{name}-bench",
        };
        var app = await GatewayHost.BuildAsync(builder, settings, NullLogger.Instance);
        await app.StartAsync();
        return app;
    }

    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
