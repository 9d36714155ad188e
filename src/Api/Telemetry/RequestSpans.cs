using System.Diagnostics;
using System.Globalization;
using Gateway.Grains.Providers;
using Gateway.Projections.Telemetry;
using Gateway.Projections.Usage;

namespace Gateway.Api.Telemetry;

/// <summary>
/// The spans of one data-plane request, following the GenAI semantic conventions: the request's span
/// (<c>chat {model}</c>), its steps (<see cref="Admission"/>, <see cref="Reservation"/>, <see cref="Relay"/>,
/// <see cref="LedgerCommit"/>) and one client span per provider attempt (<c>chat {provider model}</c>, with
/// <c>gen_ai.provider.name</c>). Every method accepts a null span: without a tracer nothing is created or set.
/// </summary>
public static class RequestSpans
{
    /// <summary>Starts the request's span, named by its operation until its model is known.</summary>
    public static Activity? StartRequest(string endpoint, string requestId)
    {
        var operation = GenAiNames.Operation(endpoint);
        var span = GatewayInstrumentation.Source.StartActivity(operation, ActivityKind.Internal);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GenAiNames.OperationName, operation);
            span.SetTag(RequestIdAttribute, requestId);
        }
        return span;
    }

    /// <summary>Starts one step of the request (a child of whatever span is current).</summary>
    public static Activity? StartStep(string name) => GatewayInstrumentation.Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>Starts one provider attempt's client span.</summary>
    public static Activity? StartAttempt(ProviderAttempt attempt, Uri provider)
    {
        var span = GatewayInstrumentation.Source.StartActivity($"{attempt.Operation} {attempt.ProviderModel}", ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GenAiNames.OperationName, attempt.Operation);
            span.SetTag(GenAiNames.ProviderNameAttribute, attempt.System);
            span.SetTag(GenAiNames.RequestModel, attempt.ProviderModel);
            span.SetTag("gateway.provider", attempt.Provider);
            span.SetTag("server.address", provider.Host);
            span.SetTag("server.port", provider.Port);
        }
        return span;
    }

    /// <summary>An attempt ended: answered (its usage record, when it has one) or failed.</summary>
    public static void AttemptEnded(Activity? span, int status, string outcome, string? errorType, UsageRecorded? answer)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }
        span.SetTag("http.response.status_code", status);
        span.SetTag("gateway.outcome", outcome);
        if (answer is not null)
        {
            SetUsage(span, answer);
        }
        if (errorType is not null)
        {
            span.SetTag("error.type", errorType);
            span.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }

    /// <summary>A target passed over because its circuit is open: an event on the request's span.</summary>
    public static void Skipped(Activity? request, string provider) =>
        request?.AddEvent(new ActivityEvent("gateway.attempt.skipped", tags: new ActivityTagsCollection { ["gateway.provider"] = provider }));

    /// <summary>The request's record: its span takes the model in its name and what the ledger holds of it.</summary>
    public static void Recorded(Activity? request, UsageRecorded record, bool committed)
    {
        if (request is not { IsAllDataRequested: true })
        {
            return;
        }
        var operation = GenAiNames.Operation(record.Endpoint);
        if (record.Model is { } model)
        {
            request.DisplayName = $"{operation} {model}";
            request.SetTag(GenAiNames.RequestModel, model);
        }
        request.SetTag("gateway.workspace", record.Workspace);
        request.SetTag("gateway.provider", record.Provider);
        request.SetTag("gateway.stream", record.Stream);
        request.SetTag("http.response.status_code", committed ? record.Status : 503);
        request.SetTag("gateway.outcome", committed ? record.Outcome : GatewayMetrics.LedgerUnavailable);
        SetUsage(request, record);
        if (record.CostUsd is { } cost)
        {
            request.SetTag("gateway.cost_usd", cost.ToString(CultureInfo.InvariantCulture));
        }
        if (record.TimeToFirstByteMs is { } firstByte)
        {
            request.SetTag("gateway.time_to_first_byte_ms", firstByte);
        }
        if (!committed || record.Status >= 500)
        {
            request.SetTag("error.type", committed ? record.ErrorType ?? record.Status.ToString(CultureInfo.InvariantCulture) : GatewayMetrics.LedgerUnavailable);
            request.SetStatus(ActivityStatusCode.Error, committed ? record.Outcome : GatewayMetrics.LedgerUnavailable);
        }
    }

    /// <summary>The key's grain admitting the request (authentication, model allow-list, route).</summary>
    public const string Admission = "gateway.admission";

    /// <summary>The budgets and rate limits holding the request's cost bound.</summary>
    public const string Reservation = "gateway.reservation";

    /// <summary>The answer on its way to the client (under the attempt that answered), or the failure when every target failed.</summary>
    public const string Relay = "gateway.relay";

    /// <summary>The request's usage event until the ledger committed it.</summary>
    public const string LedgerCommit = "gateway.ledger.commit";

    /// <summary>The gateway's id of the request (<c>request-id</c>), on the request's span.</summary>
    public const string RequestIdAttribute = "gateway.request.id";

    private static void SetUsage(Activity span, UsageRecorded record)
    {
        // The conventions count cached input as input, and name the cached parts separately.
        span.SetTag("gen_ai.usage.input_tokens", record.InputTokens + record.CacheCreationInputTokens + record.CacheReadInputTokens);
        span.SetTag("gen_ai.usage.output_tokens", record.OutputTokens);
        span.SetTag("gen_ai.usage.cache_creation.input_tokens", record.CacheCreationInputTokens);
        span.SetTag("gen_ai.usage.cache_read.input_tokens", record.CacheReadInputTokens);
        if (record.StopReason is { } stop)
        {
            span.SetTag("gen_ai.response.finish_reasons", new[] { stop });
        }
    }
}

/// <summary>Names from the GenAI semantic conventions.</summary>
public static class GenAiNames
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderNameAttribute = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";

    /// <summary><c>gen_ai.operation.name</c>: <c>chat</c> for the Messages API; <c>count_tokens</c> (not a well-known value) for counting.</summary>
    public static string Operation(string endpoint) => endpoint == UsageEndpoints.CountTokens ? UsageEndpoints.CountTokens : "chat";

    /// <summary><c>gen_ai.provider.name</c> of a provider kind (the conventions' well-known values).</summary>
    public static string ProviderName(string kind) => kind switch
    {
        ProviderKinds.Bedrock => "aws.bedrock",
        ProviderKinds.Vertex => "gcp.vertex_ai",
        _ => kind,
    };
}
