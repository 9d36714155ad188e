using System.Net;
using System.Net.Sockets;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Hosting;

/// <summary><c>dotnet Gateway.Silo.dll healthcheck</c>, the container's HEALTHCHECK: 0 while the gateway answers /healthz, 1 when not.</summary>
[Collection(GatewayCollection.Name)]
public sealed class HealthCheckTests(GatewayFixture gateway)
{
    /// <summary>The gateway's binary as the image's HEALTHCHECK runs it.</summary>
    private static Task<CommandLine.Run> RunAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        CommandLine.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Gateway.Silo.dll"), HealthCheck.Command, .. arguments], environment);

    [Fact]
    public async Task A_running_gateway_is_healthy_at_the_address_it_listens_on()
    {
        var port = gateway.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var given = await RunAsync([gateway.BaseUrl.ToString()]);
        Assert.True(given.ExitCode == 0, given.Output);
        // In the image no address is given: it is read from ASPNETCORE_URLS, whose wildcard host is asked on loopback.
        var fromSettings = await RunAsync([], new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}" });
        Assert.True(fromSettings.ExitCode == 0, fromSettings.Output);
    }

    [Fact]
    public async Task Nothing_listening_is_unhealthy_and_says_why()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await RunAsync([$"http://127.0.0.1:{closed}"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("did not answer /healthz", run.Output);
    }
}

/// <summary>Which address the health check asks when none is given.</summary>
[Trait("Category", "Unit")]
public sealed class HealthCheckAddressTests
{
    [Theory]
    [InlineData(null, "http://127.0.0.1:8080")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080")]
    [InlineData("http://+:9000;https://+:9443", "http://127.0.0.1:9000")]
    [InlineData("http://*:80", "http://127.0.0.1:80")]
    [InlineData("http://[::]:8080", "http://127.0.0.1:8080")]
    [InlineData("http://gateway1:8080", "http://gateway1:8080")]
    public void The_address_asked_is_the_first_one_listened_on(string? urls, string expected) =>
        Assert.Equal(expected, HealthCheck.LocalAddress(urls));
}
