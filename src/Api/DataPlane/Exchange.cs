using Gateway.Projections.Usage;
using System.Collections.Immutable;
using System.Diagnostics;
using Gateway.Api.Errors;
using Gateway.Grains.Budgets;
using Gateway.Projections.Models;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>What is known of one data-plane request so far; becomes its <see cref="UsageRecorded"/>.</summary>
internal sealed class Exchange(HttpContext context, string endpoint)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private long? _firstByte;

    public HttpContext Context { get; } = context;

    /// <summary>The gateway's id for the request (the <c>request-id</c> header, the ledger's key).</summary>
    public string RequestId { get; } = RequestIds.Get(context) ?? "";
    public string Endpoint { get; } = endpoint;
    public string? KeyId { get; set; }
    public string? Workspace { get; set; }
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public bool Stream { get; set; }
    public ImmutableDictionary<string, string> Metadata { get; set; } = ImmutableDictionary<string, string>.Empty;

    public DateTimeOffset StartedAt => _startedAt;

    /// <summary>The model catalog the request is served with (one revision for all its attempts).</summary>
    public ModelCatalog? Catalog { get; set; }

    /// <summary>The price the request is billed at, and the table (or provider override) it comes from.</summary>
    public ModelPrice? Price { get; set; }

    public string? PriceVersion { get; set; }

    /// <summary>The scopes holding a reservation for the request, and the amount (when a budget applies).</summary>
    public ImmutableArray<ScopedPolicy> Holds { get; set; } = [];

    public decimal? ReservedUsd { get; set; }

    /// <summary>The event the ledger committed for the request, once it has.</summary>
    public UsageRecorded? Recorded { get; set; }

    /// <summary>The request's bodies for the request log; null when its workspace logs metadata only.</summary>
    public Logs.ContentCapture? Capture { get; set; }

    public void MarkFirstByte() => _firstByte = Stopwatch.GetTimestamp();

    /// <summary>The provider's stream broke or went quiet after the client got its first byte (counts against the target).</summary>
    public bool FailedMidStream { get; set; }

    private readonly List<UsageAttempt> _attempts = [];
    private (string Provider, string? Model, long Started)? _attempt;

    /// <summary>A try at a provider target starts; it ends with <see cref="EndAttempt"/> or, when it answers the client, with the record.</summary>
    public void BeginAttempt(string provider, string? providerModel) => _attempt = (provider, providerModel, Stopwatch.GetTimestamp());

    /// <summary>The current try failed without reaching the client.</summary>
    public void EndAttempt(int status, string outcome, string? errorType)
    {
        if (_attempt is { } current)
        {
            _attempts.Add(new UsageAttempt(current.Provider, current.Model, status, outcome, errorType, Stopwatch.GetElapsedTime(current.Started).TotalMilliseconds));
            _attempt = null;
        }
    }

    /// <summary>A target passed over because its circuit is open.</summary>
    public void SkipAttempt(string provider) => _attempts.Add(new UsageAttempt(provider, null, 0, UsageOutcomes.SkippedCircuitOpen, null, 0));

    private ImmutableArray<UsageAttempt> Attempts(int status, string outcome, string? errorType) => _attempt is { } current
        ? [.. _attempts, new UsageAttempt(current.Provider, current.Model, status, outcome, errorType, Stopwatch.GetElapsedTime(current.Started).TotalMilliseconds)]
        : [.. _attempts];

    /// <param name="usage">Usage read from the answer, when there was one; its error (an SSE error event) wins.</param>
    public UsageRecorded ToRecord(int status, string outcome, string? errorType = null, string? errorMessage = null, UsageMeter? usage = null)
    {
        var tokens = usage is null ? default : TokenUsage.FromAnthropic(usage.InputTokens, usage.CacheCreationInputTokens,
            usage.CacheCreation5mInputTokens, usage.CacheCreation1hInputTokens, usage.CacheReadInputTokens, usage.OutputTokens);
        return ToRecord(status, outcome, errorType, errorMessage, usage, tokens);
    }

    private UsageRecorded ToRecord(int status, string outcome, string? errorType, string? errorMessage, UsageMeter? usage, TokenUsage tokens) => new()
    {
        RequestId = RequestId,
        StartedAt = _startedAt,
        StartedAtMs = _startedAt.ToUnixTimeMilliseconds(),
        Endpoint = Endpoint,
        KeyId = KeyId,
        Workspace = Workspace,
        Provider = Provider,
        Model = Model,
        Stream = Stream,
        Status = status,
        Outcome = outcome,
        ErrorType = usage?.ErrorType ?? errorType,
        ErrorMessage = usage?.ErrorMessage ?? errorMessage,
        InputTokens = usage?.InputTokens ?? 0,
        OutputTokens = usage?.OutputTokens ?? 0,
        CacheCreationInputTokens = usage?.CacheCreationInputTokens ?? 0,
        CacheCreation5mInputTokens = usage?.CacheCreation5mInputTokens,
        CacheCreation1hInputTokens = usage?.CacheCreation1hInputTokens,
        CacheReadInputTokens = usage?.CacheReadInputTokens ?? 0,
        StopReason = usage?.StopReason,
        CostUsd = tokens.Total == 0 ? 0 : Price?.Cost(tokens),
        PriceVersion = Price is null ? null : PriceVersion,
        PriceMissing = tokens.Total > 0 && Price is null,
        ReservedUsd = ReservedUsd,
        LatencyMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
        TimeToFirstByteMs = _firstByte is { } first ? Stopwatch.GetElapsedTime(_started, first).TotalMilliseconds : null,
        Metadata = Metadata,
        Attempts = Attempts(status, outcome, usage?.ErrorType ?? errorType),
    };
}
