using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Api.Routing;
using Gateway.Grains.Budgets;
using Gateway.Projections.Telemetry;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Telemetry;

/// <summary>
/// The data plane's metrics, on the gateway's meter (<see cref="GatewayInstrumentation.Name"/>): requests, tokens, cost
/// and time to first byte by workspace, model, provider and status (from each request's usage record, so they agree
/// with the ledger), each provider attempt's duration (also as the GenAI semantic conventions'
/// <c>gen_ai.client.*</c> histograms), budget refusals and the circuit breakers' state. Labels never carry prompt text,
/// and key ids only when <see cref="TelemetryOptions.KeyIdLabels"/> says so.
/// </summary>
public sealed class GatewayMetrics
{
    /// <summary>The outcome label of a request refused because the ledger could not record it (it has no usage record).</summary>
    public const string LedgerUnavailable = "ledger_unavailable";

    // The GenAI semantic conventions' advised boundaries for operation durations (seconds) and token counts.
    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] FirstByteBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    // Boxed once: a status or flag label costs no allocation per request.
    private static readonly object[] Statuses = [.. Enumerable.Range(0, 600).Select(status => (object)status)];
    private static readonly object True = true;
    private static readonly object False = false;

    private readonly bool _keyIds;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Histogram<double> _firstByte;
    private readonly Histogram<double> _providerDuration;
    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<long> _tokenUsage;
    private readonly Counter<long> _budgetRefusals;

    public GatewayMetrics(IMeterFactory meters, TargetHealth circuits, IOptions<TelemetryOptions> options)
    {
        _keyIds = options.Value.KeyIdLabels;
        var meter = meters.Create(GatewayInstrumentation.Name);
        _requests = meter.CreateCounter<long>("gateway.requests", "{request}", "Data-plane requests answered, by workspace, model, provider, status and outcome.");
        _tokens = meter.CreateCounter<long>("gateway.tokens", "{token}", "Tokens recorded in the ledger, by type (input, output, cache_read, cache_write).");
        // A metric is a double: fine for a dashboard; the ledger's decimal sums stay the figures to bill from.
        _cost = meter.CreateCounter<double>("gateway.cost_usd", "{USD}", "Cost recorded in the ledger, in US dollars.");
        _firstByte = meter.CreateHistogram("gateway.time_to_first_byte", "s", "Time from a request's arrival to the first byte of its answer (answers only).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = FirstByteBuckets });
        _providerDuration = meter.CreateHistogram("gateway.provider.duration", "s", "Duration of each provider attempt, to the end of its answer.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _operationDuration = meter.CreateHistogram("gen_ai.client.operation.duration", "s", "GenAI operation duration (each provider attempt).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _tokenUsage = meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Tokens per GenAI operation (each answered provider attempt).",
            tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });
        _budgetRefusals = meter.CreateCounter<long>("gateway.budget.refusals", "{request}", "Requests a budget or rate limit refused, by workspace and reason.");
        meter.CreateObservableGauge("gateway.circuit.state", () => circuits.States().Select(s => new Measurement<int>((int)s.Value, Tag("provider", s.Key))),
            unit: null, "Each provider target's circuit in this process: 0 closed, 1 half-open (probing), 2 open (skipped).");
    }

    /// <summary>A request's usage record; tokens and cost count only once the ledger committed it.</summary>
    /// <param name="knownModel">Whether the record's model names a model (catalogued, or answered for by a provider), not any string a client sent.</param>
    /// <param name="firstByte">When the answer's first byte left, for an answer.</param>
    public void Recorded(UsageRecorded record, bool committed, bool knownModel, TimeSpan? firstByte)
    {
        var labels = Labels(record, knownModel);
        labels.Add("status", Status(committed ? record.Status : 503));
        var requests = labels;
        requests.Add("outcome", committed ? record.Outcome : LedgerUnavailable);
        _requests.Add(1, requests);
        if (!committed)
        {
            return;
        }
        AddTokens(labels, "input", record.InputTokens);
        AddTokens(labels, "output", record.OutputTokens);
        AddTokens(labels, "cache_read", record.CacheReadInputTokens);
        AddTokens(labels, "cache_write", record.CacheCreationInputTokens);
        if (record.CostUsd is { } cost && cost > 0)
        {
            _cost.Add((double)cost, labels);
        }
        if (firstByte is { } took)
        {
            var timing = Labels(record, knownModel);
            timing.Add("stream", record.Stream ? True : False);
            _firstByte.Record(took.TotalSeconds, timing);
        }
    }

    /// <summary>A request refused before anything could be recorded: the ledger was not taking events.</summary>
    public void Unrecorded() => _requests.Add(1, new TagList
    {
        { "workspace", "" }, { "model", "" }, { "provider", "" }, { "status", Status(503) }, { "outcome", LedgerUnavailable },
    });

    /// <summary>One provider attempt ended: answered (<paramref name="answer"/> is its record, when it has one) or failed.</summary>
    public void AttemptEnded(ProviderAttempt attempt, TimeSpan took, int status, string outcome, string? errorType, UsageRecorded? answer)
    {
        _providerDuration.Record(took.TotalSeconds, new TagList
        {
            { "provider", attempt.Provider }, { "model", attempt.Model }, { "status", Status(status) }, { "outcome", outcome },
        });
        var operation = new TagList
        {
            { "gen_ai.operation.name", attempt.Operation }, { "gen_ai.provider.name", attempt.System }, { "gen_ai.request.model", attempt.ProviderModel },
        };
        if (errorType is not null)
        {
            var failed = operation;
            failed.Add("error.type", errorType);
            _operationDuration.Record(took.TotalSeconds, failed);
            return;
        }
        _operationDuration.Record(took.TotalSeconds, operation);
        if (answer is not null)
        {
            // The conventions count cached input as input.
            var input = operation;
            input.Add("gen_ai.token.type", "input");
            _tokenUsage.Record(answer.InputTokens + answer.CacheCreationInputTokens + answer.CacheReadInputTokens, input);
            operation.Add("gen_ai.token.type", "output");
            _tokenUsage.Record(answer.OutputTokens, operation);
        }
    }

    public void BudgetRefused(string? workspace, BudgetRefusal reason) => _budgetRefusals.Add(1, Tag("workspace", workspace ?? ""), Tag("reason", reason switch
    {
        BudgetRefusal.BudgetExhausted => "budget_exhausted",
        BudgetRefusal.Unpriced => "unpriced",
        BudgetRefusal.RateLimited => "rate_limited",
        _ => "store_unavailable",
    }));

    private TagList Labels(UsageRecorded record, bool knownModel)
    {
        var labels = new TagList
        {
            { "workspace", record.Workspace ?? "" }, { "model", knownModel ? record.Model ?? "" : "" }, { "provider", record.Provider ?? "" },
        };
        if (_keyIds)
        {
            labels.Add("key_id", record.KeyId ?? "");
        }
        return labels;
    }

    private void AddTokens(TagList labels, string type, long tokens)
    {
        if (tokens > 0)
        {
            labels.Add("type", type);
            _tokens.Add(tokens, labels);
        }
    }

    private static object Status(int status) => (uint)status < Statuses.Length ? Statuses[status] : status;

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}

/// <summary>One try at a provider, as its metrics and span name it.</summary>
/// <param name="Operation"><c>gen_ai.operation.name</c>: <c>chat</c>, or <c>count_tokens</c>.</param>
/// <param name="System"><c>gen_ai.provider.name</c> (<see cref="GenAiNames.ProviderName"/>).</param>
/// <param name="Provider">The provider connection's slug.</param>
/// <param name="Model">The model as the ledger records it.</param>
/// <param name="ProviderModel">The model id sent to the provider.</param>
public sealed record ProviderAttempt(string Operation, string System, string Provider, string Model, string ProviderModel);
