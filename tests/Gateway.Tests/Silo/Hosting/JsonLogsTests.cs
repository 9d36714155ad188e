using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>
/// A gateway process as an operator runs it behind a log collector and a Prometheus scraper: JSON log lines, each data-plane
/// line with the request's id in its scope, and <c>/metrics</c> open without the admin token when configured so.
/// </summary>
public sealed class JsonLogsTests
{
    private const string AdminToken = "json-logs-admin-token-0123456789";

    [Fact]
    public async Task A_gateway_set_to_json_writes_one_json_object_a_line_with_the_request_id_in_every_line_of_a_request()
    {
        var fake = await FakeAnthropic.StartAsync();
        var environment = GatewayProcess.Environment(await TestPostgres.CreateDatabaseAsync("jsonlogs"), AdminToken, "jsonlogs");
        environment["Gateway__Logging__Format"] = "json";
        environment["Gateway__Telemetry__PublicMetrics"] = "true";
        await using var gateway = GatewayProcess.Start(environment);
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var (_, secret) = await StandaloneTenant.CreateAsync(gateway.BaseUrl, AdminToken, fake, "jsonlogs");
        using var client = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        using (var answered = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("log me"))))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        // The provider goes away: the request's failure is logged by the sender (its message names no request) and by the usage log.
        await fake.DisposeAsync();
        using var failed = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("nobody home")));
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var requestId = Requests.RequestId(failed);
        Assert.True(await Processes.WaitUntilAsync(() => Lines(gateway).Count(l => RequestIdOf(l) == requestId) >= 2, TimeSpan.FromSeconds(30)),
            $"no log lines of {requestId}:\n{gateway.Output}");

        var lines = Lines(gateway);
        var ofRequest = lines.Where(l => RequestIdOf(l) == requestId).ToList();
        Assert.Contains(ofRequest, l => l["@m"]!.GetValue<string>().Contains("unreachable", StringComparison.Ordinal) && l["@l"]?.GetValue<string>() == "Warning");
        Assert.Contains(ofRequest, l => l["SourceContext"]!.GetValue<string>() == "Gateway.Api.Usage.LoggingUsageSink");
        Assert.All(lines, l => Assert.NotNull(l["@t"]));

        using var metrics = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var scraped = PrometheusText.Parse(await metrics.Content.ReadAsStringAsync());
        Assert.Equal(1, scraped.Sum("gateway_requests_total", ("workspace", "jsonlogs"), ("status", "502"), ("outcome", "provider_failed")));
    }

    /// <summary>Every line the process wrote, each required to be one JSON object.</summary>
    private static List<JsonObject> Lines(GatewayProcess gateway) =>
        [.. gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            try
            {
                return JsonNode.Parse(line) as JsonObject ?? throw new Xunit.Sdk.XunitException($"not a JSON object: {line}");
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"not JSON ({e.Message}): {line}");
            }
        })];

    private static string? RequestIdOf(JsonObject line) => line["RequestId"]?.GetValue<string>();
}
