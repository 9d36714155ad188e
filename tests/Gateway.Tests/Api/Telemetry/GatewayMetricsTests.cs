using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Api.Routing;
using Gateway.Api.Telemetry;
using Gateway.Grains.Budgets;
using Gateway.Projections.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Api.Telemetry;

/// <summary>What each usage record, attempt and refusal becomes in the metrics, and which labels it carries.</summary>
[Trait("Category", "Unit")]
public sealed class GatewayMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Labels)> _measured = new();
    private readonly TargetHealth _circuits = new(Options.Create(new RoutingOptions { BreakerFailures = 1 }), TimeProvider.System);

    public GatewayMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        // Meters are process-wide: only this test's factory's instruments are heard.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Measured(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Measured(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Measured(i, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void A_committed_request_counts_its_request_tokens_cost_and_first_byte_by_workspace_model_provider_and_status()
    {
        Metrics().Recorded(Record(), committed: true, knownModel: true, firstByte: TimeSpan.FromMilliseconds(250));

        var request = Assert.Single(Of("gateway.requests"));
        Assert.Equal(1, request.Value);
        Assert.Equal(new Dictionary<string, object?>
        {
            ["workspace"] = "finance",
            ["model"] = "claude-opus-4-5",
            ["provider"] = "anthropic-prod",
            ["status"] = 200,
            ["outcome"] = "completed",
        }, request.Labels);
        Assert.Equal(new Dictionary<string, double> { ["input"] = 100, ["output"] = 40, ["cache_read"] = 7, ["cache_write"] = 3 },
            Of("gateway.tokens").ToDictionary(t => (string)t.Labels["type"]!, t => t.Value));
        Assert.Equal(0.0123, Assert.Single(Of("gateway.cost_usd")).Value, 12);
        var firstByte = Assert.Single(Of("gateway.time_to_first_byte"));
        Assert.Equal((0.25, false), (firstByte.Value, firstByte.Labels["stream"]));
        Assert.DoesNotContain(_measured, m => m.Labels.ContainsKey("key_id"));
    }

    [Fact]
    public void Key_ids_are_labels_only_when_the_setting_asks_for_them()
    {
        Metrics(keyIds: true).Recorded(Record(), committed: true, knownModel: true, firstByte: null);

        Assert.All(Of("gateway.requests").Concat(Of("gateway.tokens")).Concat(Of("gateway.cost_usd")),
            m => Assert.Equal("key-1", m.Labels["key_id"]));
    }

    [Fact]
    public void A_model_no_one_knows_is_no_label_and_an_uncommitted_request_counts_as_refused_by_the_ledger_without_tokens()
    {
        Metrics().Recorded(Record() with { Model = "any string a client sent" }, committed: false, knownModel: false, firstByte: null);

        var request = Assert.Single(_measured);
        Assert.Equal("gateway.requests", request.Instrument);
        Assert.Equal(("", 503, GatewayMetrics.LedgerUnavailable), (request.Labels["model"], request.Labels["status"], request.Labels["outcome"]));
    }

    [Fact]
    public void Attempts_budget_refusals_and_open_circuits_are_measured()
    {
        var metrics = Metrics();
        var attempt = new ProviderAttempt("chat", "aws.bedrock", "bedrock-us", "claude-opus-4-5", "us.anthropic.claude-opus-4-5");
        metrics.AttemptEnded(attempt, TimeSpan.FromSeconds(2), 529, UsageOutcomes.ProviderError, "overloaded_error", answer: null);
        metrics.AttemptEnded(attempt, TimeSpan.FromSeconds(1), 200, UsageOutcomes.Completed, errorType: null, Record());
        metrics.BudgetRefused("finance", BudgetRefusal.BudgetExhausted);
        _circuits.Failed("bedrock-us", _circuits.Enter("bedrock-us"));
        _listener.RecordObservableInstruments();

        Assert.Equal([("provider_error", 2.0), ("completed", 1.0)], Of("gateway.provider.duration").Select(m => ((string)m.Labels["outcome"]!, m.Value)));
        var operations = Of("gen_ai.client.operation.duration");
        Assert.Equal(["overloaded_error", null], operations.Select(m => m.Labels.GetValueOrDefault("error.type")));
        Assert.All(operations, m => Assert.Equal(("aws.bedrock", "us.anthropic.claude-opus-4-5"), (m.Labels["gen_ai.provider.name"], m.Labels["gen_ai.request.model"])));
        // The conventions count cached input as input.
        Assert.Equal(new Dictionary<string, double> { ["input"] = 110, ["output"] = 40 },
            Of("gen_ai.client.token.usage").ToDictionary(m => (string)m.Labels["gen_ai.token.type"]!, m => m.Value));
        var refusal = Assert.Single(Of("gateway.budget.refusals"));
        Assert.Equal(("finance", "budget_exhausted"), (refusal.Labels["workspace"], refusal.Labels["reason"]));
        var circuit = Assert.Single(Of("gateway.circuit.state"));
        Assert.Equal(("bedrock-us", (double)CircuitState.Open), (circuit.Labels["provider"], circuit.Value));
    }

    private GatewayMetrics Metrics(bool keyIds = false) => new(_services.GetRequiredService<IMeterFactory>(), _circuits,
        Options.Create(new TelemetryOptions { KeyIdLabels = keyIds }));

    private List<(string Instrument, double Value, Dictionary<string, object?> Labels)> Of(string instrument) =>
        [.. _measured.Where(m => m.Instrument == instrument)];

    private void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measured.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    private static UsageRecorded Record() => new()
    {
        RequestId = "req_1",
        StartedAt = DateTimeOffset.UnixEpoch,
        Endpoint = UsageEndpoints.Messages,
        KeyId = "key-1",
        Workspace = "finance",
        Provider = "anthropic-prod",
        Model = "claude-opus-4-5",
        Status = 200,
        Outcome = UsageOutcomes.Completed,
        InputTokens = 100,
        OutputTokens = 40,
        CacheReadInputTokens = 7,
        CacheCreationInputTokens = 3,
        CostUsd = 0.0123m,
    };
}
