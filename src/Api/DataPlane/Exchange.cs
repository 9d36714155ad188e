using System.Collections.Immutable;
using System.Diagnostics;
using Gateway.Api.Errors;
using Gateway.Grains.Budgets;
using Gateway.Projections.Models;
using Gateway.Projections.Usage;
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

    /// <summary>The front of another API the request came through (Bedrock's, Vertex's); null for the Anthropic API.</summary>
    public ClientFront? Front { get; init; }
    public string? KeyId { get; set; }

    /// <summary>The signed-on user the request was admitted for (null for a gateway key).</summary>
    public string? UserId { get; set; }
    public string? Workspace { get; set; }
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public bool Stream { get; set; }
    public ImmutableDictionary<string, string> Metadata { get; set; } = ImmutableDictionary<string, string>.Empty;

    public DateTimeOffset StartedAt => _startedAt;

    /// <summary>Time since the request arrived.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    /// <summary>The request's span, when a tracer samples it (<see cref="Telemetry.RequestSpans"/>).</summary>
    public Activity? Span { get; set; }

    /// <summary>Whether the model the client named is in the model catalog.</summary>
    public bool CatalogedModel { get; set; }

    /// <summary>The model catalog the request is served with (one revision for all its attempts).</summary>
    public ModelCatalog? Catalog { get; set; }

    /// <summary>The price the request is billed at, and the table (or provider override) it comes from.</summary>
    public ModelPrice? Price { get; set; }

    public string? PriceVersion { get; set; }

    /// <summary>The served model's context window (null: not stated), which bounds the request's prompt.</summary>
    public long? ContextWindow { get; set; }

    /// <summary>The request's bound as read from its body (measured once, when first needed).</summary>
    public Budgets.CostBound Bound => _bound ??= Budgets.CostBound.Measure(Body.Span, MaxTokens ?? 0);

    private Budgets.CostBound? _bound;

    /// <summary><see cref="Budgets.BudgetOptions.ServerToolResultTokens"/>.</summary>
    public long? ServerToolResultTokens { get; set; }

    /// <summary>The scopes holding a reservation for the request, and the amount (when a budget applies).</summary>
    public ImmutableArray<ScopedPolicy> Holds { get; set; } = [];

    public decimal? ReservedUsd { get; set; }

    /// <summary>The event the ledger committed for the request, once it has.</summary>
    public UsageRecorded? Recorded { get; set; }

    /// <summary>The request's bodies for the request log; null when its workspace logs metadata only.</summary>
    public Logs.ContentCapture? Capture { get; set; }

    /// <summary>
    /// The model as the ledger records it: a cloud's spelling of a catalogued model by its Anthropic id, so spend and
    /// logs group one model under one name whichever cloud its client was configured for.
    /// </summary>
    public static string RecordedName(ModelCatalog catalog, string model) =>
        catalog.Find(model) is { Spelling: not ModelSpelling.Anthropic } cloud ? cloud.Model.Id : model;

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
            _attempts.Add(new UsageAttempt(current.Provider, current.Model, status, outcome, InputLimits.Recordable(errorType, 64),
                Stopwatch.GetElapsedTime(current.Started).TotalMilliseconds));
            _attempt = null;
        }
    }

    /// <summary>A target passed over because its circuit is open.</summary>
    public void SkipAttempt(string provider) => _attempts.Add(new UsageAttempt(provider, null, 0, UsageOutcomes.SkippedCircuitOpen, null, 0));

    private ImmutableArray<UsageAttempt> Attempts(int status, string outcome, string? errorType) => _attempt is { } current
        ? [.. _attempts, new UsageAttempt(current.Provider, current.Model, status, outcome, errorType, Stopwatch.GetElapsedTime(current.Started).TotalMilliseconds)]
        : [.. _attempts];

    /// <summary>The client's body and <c>max_tokens</c>: what a request the client left is billed by when the provider's count is unknown.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    public int? MaxTokens { get; set; }

    /// <param name="usage">Usage read from the answer, when there was one; its error (an SSE error event) wins.</param>
    public UsageRecorded ToRecord(int status, string outcome, string? errorType = null, string? errorMessage = null, UsageMeter? usage = null)
    {
        var billed = Billed(outcome, usage);
        var tokens = TokenUsage.FromAnthropic(billed.Input, billed.CacheCreation, billed.CacheCreation5m, billed.CacheCreation1h, billed.CacheRead, billed.Output);
        return new UsageRecorded
        {
            RequestId = RequestId,
            StartedAt = _startedAt,
            StartedAtMs = _startedAt.ToUnixTimeMilliseconds(),
            Endpoint = Endpoint,
            Front = Front?.Name ?? UsageFronts.Anthropic,
            KeyId = KeyId,
            UserId = UserId,
            Workspace = Workspace,
            Provider = Provider,
            Model = Model,
            Stream = Stream,
            Status = status,
            Outcome = outcome,
            // What providers say is bounded and cleaned: it must never make the event, its row or a log line invalid.
            ErrorType = InputLimits.Recordable(usage?.ErrorType ?? errorType, 64),
            ErrorMessage = InputLimits.Recordable(usage?.ErrorMessage ?? errorMessage),
            InputTokens = billed.Input,
            OutputTokens = billed.Output,
            CacheCreationInputTokens = billed.CacheCreation,
            CacheCreation5mInputTokens = billed.CacheCreation5m,
            CacheCreation1hInputTokens = billed.CacheCreation1h,
            CacheReadInputTokens = billed.CacheRead,
            Billing = billed.Billing,
            StopReason = InputLimits.Recordable(usage?.StopReason, 64),
            WebSearchRequests = billed.ToolUses.WebSearch,
            WebFetchRequests = billed.ToolUses.WebFetch,
            CodeExecutionRequests = billed.ToolUses.CodeExecution,
            CostUsd = tokens.Total == 0 && billed.ToolUses.IsEmpty ? 0 : Price?.Cost(tokens) + Catalog?.ServerTools.Fees(billed.ToolUses),
            PriceVersion = Price is null ? null : PriceVersion,
            PriceMissing = (tokens.Total > 0 || !billed.ToolUses.IsEmpty) && Price is null,
            ReservedUsd = ReservedUsd,
            LatencyMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
            TimeToFirstByteMs = _firstByte is { } first ? Stopwatch.GetElapsedTime(_started, first).TotalMilliseconds : null,
            Metadata = InputLimits.Fit(Metadata),
            Attempts = Attempts(status, outcome, InputLimits.Recordable(usage?.ErrorType ?? errorType, 64)),
        };
    }

    /// <summary>
    /// The tokens a request is billed for. As the provider reported them, except where the answer ended before the
    /// provider's final count (the rule never bills less than the client could have received):
    /// <list type="bullet">
    /// <item>a stream that stopped early (the client left, the provider failed or went quiet): output is at least the
    /// bytes of output the provider had streamed (a token is at least one byte), at most <c>max_tokens</c>;</item>
    /// <item>a client that left while a provider call was in flight with no usage seen yet (a non-streamed answer,
    /// a stream before its first event): the request's reservation bound — every input token the body could hold at
    /// the dearest input class it asked for, and <c>max_tokens</c> of output.</item>
    /// </list>
    /// </summary>
    private BilledTokens Billed(string outcome, UsageMeter? usage)
    {
        if (usage is { HasUsage: true })
        {
            var reported = new BilledTokens(usage.InputTokens, usage.OutputTokens, usage.CacheCreationInputTokens,
                usage.CacheCreation5mInputTokens, usage.CacheCreation1hInputTokens, usage.CacheReadInputTokens, usage.ToolUses, null);
            if (usage.Completed || !Stream || usage.OutputBytesSeen <= usage.OutputTokens)
            {
                return reported;
            }
            return reported with { Output = Math.Min(MaxTokens ?? long.MaxValue, usage.OutputBytesSeen), Billing = UsageBilling.OutputSeen };
        }
        if (outcome != UsageOutcomes.ClientDisconnected || _attempt is null || Endpoint != UsageEndpoints.Messages)
        {
            return default;
        }
        var bound = Bound.Within(ContextWindow, ServerToolResultTokens);
        // Cache writes for one hour are the dearest input class a request can ask for.
        return bound.UsesCache
            ? new BilledTokens(0, bound.OutputTokens, bound.InputTokens, 0, bound.InputTokens, 0, bound.ToolUses, UsageBilling.Reservation)
            : new BilledTokens(bound.InputTokens, bound.OutputTokens, 0, null, null, 0, bound.ToolUses, UsageBilling.Reservation);
    }

    private readonly record struct BilledTokens(
        long Input, long Output, long CacheCreation, long? CacheCreation5m, long? CacheCreation1h, long CacheRead, ServerToolUses ToolUses, string? Billing);
}
