using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Telemetry;

/// <summary><c>GET /metrics</c> on a gateway that has served traffic: the series an operator's dashboard reads.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class MetricsApiTests(GatewayFixture gateway)
{
    /// <summary>How long a scrape may take to show what happened (the exporter answers from a short cache; gauges are read every few seconds).</summary>
    private static readonly TimeSpan ShowsWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_scrape_after_traffic_has_the_workspaces_requests_tokens_cost_and_time_to_first_byte_and_no_key_id()
    {
        var tenant = await gateway.CreateTenantAsync();
        var records = new List<Gateway.Projections.Usage.UsageRecorded>();
        foreach (var stream in new[] { false, true })
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("metrics please", stream)));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            records.Add(await gateway.Usage.WaitForAsync(Requests.RequestId(response)));
        }
        (string, string)[] series = [("workspace", tenant.Workspace), ("model", Requests.Model), ("provider", tenant.Provider), ("status", "200")];

        // The exporter may answer from its short cache at first: scrape until both requests show.
        PrometheusText metrics = null!;
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            metrics = await PrometheusText.ScrapeAsync(gateway.BaseUrl, GatewayFixture.AdminToken);
            return metrics.Sum("gateway_requests_total", [.. series, ("outcome", "completed")]) == 2
                && metrics.Sum("gateway_time_to_first_byte_seconds_count", ("workspace", tenant.Workspace)) == 2;
        }, ShowsWithin), "the requests never showed in /metrics:\n" +
            string.Join('\n', metrics.Text.Split('\n').Where(l => l.Contains(tenant.Workspace, StringComparison.Ordinal) || l.StartsWith("# TYPE gateway", StringComparison.Ordinal))));

        Assert.Equal(records.Sum(r => r.InputTokens), metrics.Sum("gateway_tokens_total", [.. series, ("type", "input")]));
        Assert.Equal(records.Sum(r => r.OutputTokens), metrics.Sum("gateway_tokens_total", [.. series, ("type", "output")]));
        Assert.True(records.Sum(r => r.OutputTokens) > 0);
        var cost = (double)records.Sum(r => r.CostUsd!.Value);
        Assert.True(cost > 0);
        Assert.Equal(cost, metrics.Sum("gateway_cost_usd_total", series), 9);
        Assert.Equal(1, metrics.Sum("gateway_time_to_first_byte_seconds_count", ("workspace", tenant.Workspace), ("stream", "true")));
        Assert.Equal(1, metrics.Sum("gateway_time_to_first_byte_seconds_count", ("workspace", tenant.Workspace), ("stream", "false")));
        Assert.True(metrics.Has("gateway_provider_duration_seconds_count", ("provider", tenant.Provider), ("outcome", "completed")));
        Assert.True(metrics.Sum("gen_ai_client_token_usage_sum", ("gen_ai_provider_name", "anthropic"), ("gen_ai_token_type", "output")) > 0);
        Assert.True(metrics.Has("gateway_ledger_commit_duration_seconds_count", ("outcome", "committed")));
        Assert.DoesNotContain(tenant.KeyId, metrics.Text);
        Assert.DoesNotContain("key_id", metrics.Text);
        Assert.DoesNotContain("metrics please", metrics.Text);
    }

    [Fact]
    public async Task The_projections_lag_is_a_gauge_per_projection()
    {
        PrometheusText metrics = null!;
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            metrics = await PrometheusText.ScrapeAsync(gateway.BaseUrl, GatewayFixture.AdminToken);
            return metrics.Has("gateway_projection_lag_seconds", ("projection", "request_log"));
        }, ShowsWithin), "no projection lag in /metrics");

        foreach (var projection in new[] { "request_log", "spend", "audit" })
        {
            var lag = Assert.Single(metrics.Samples, s => s.Name == "gateway_projection_lag_seconds" && s.Labels["projection"] == projection);
            Assert.InRange(lag.Value, 0, 600);
            Assert.True(metrics.Has("gateway_projection_backlog", ("projection", projection)));
        }
    }

    [Fact]
    public async Task Every_series_the_shipped_dashboard_reads_is_one_the_gateway_exports()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "deploy", "grafana", "gateway.json")))!;
        var read = Expressions(dashboard).SelectMany(expr => SeriesName().Matches(Grouping().Replace(expr, "")).Select(m => m.Value)).ToHashSet();
        var tenant = await gateway.CreateTenantAsync();
        using (var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("dashboard"))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // Written only when they happen (a refusal, a failing provider, a request log that falls behind): the gateway defines them.
        var onEvents = new Dictionary<string, string>
        {
            ["gateway_budget_refusals_total"] = "gateway.budget.refusals",
            ["gateway_circuit_state"] = "gateway.circuit.state",
            ["gateway_request_log_bodies_dropped_total"] = "gateway.request_log.bodies_dropped",
        };
        var source = string.Concat(Directory.EnumerateFiles(Path.Combine(RepositoryFiles.Root(), "src"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.All(onEvents.Values, instrument => Assert.Contains($"\"{instrument}\"", source));

        PrometheusText metrics = null!;
        Assert.True(await Processes.WaitUntilAsync(async () =>
        {
            metrics = await PrometheusText.ScrapeAsync(gateway.BaseUrl, GatewayFixture.AdminToken);
            return read.Except(onEvents.Keys).All(name => metrics.Has(name));
        }, ShowsWithin), "the dashboard reads series /metrics does not have: " + string.Join(", ", read.Except(onEvents.Keys).Where(name => !metrics.Has(name))));
        Assert.True(read.Count > 15, $"only {read.Count} series read");
    }

    private static IEnumerable<string> Expressions(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "expr" ? [p.Value!.GetValue<string>()] : Expressions(p.Value)),
        JsonArray a => a.SelectMany(Expressions),
        _ => [],
    };

    [Fact]
    public async Task Metrics_need_an_org_admin_token()
    {
        using var anonymous = await gateway.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("authentication_error", (await AnthropicError.ReadAsync(anonymous)).Type);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-an-admin-token");
        using var refused = await gateway.Client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var admin = await gateway.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.StartsWith("text/plain", admin.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("\\b(gateway|gen_ai|http_server)_[a-z_]+")]
    private static partial Regex SeriesName();

    /// <summary>A PromQL grouping clause (<c>by (label, …)</c>): label names, not series.</summary>
    [GeneratedRegex("by \\([^)]*\\)")]
    private static partial Regex Grouping();
}
