using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Grains.Logging;
using Gateway.Projections.Logs;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.Logs;

/// <summary>
/// Hands a request's captured bodies to the request log's writer (<see cref="BodyLogWriter"/>). On the writer's
/// thread, not the request's, they become their event: streamed answers assembled, the workspace's redaction applied,
/// the retention's end stamped.
/// </summary>
public sealed partial class ContentLog(BodyLogWriter writer, TimeProvider clock, ILogger<ContentLog> logger)
{
    /// <summary>Queues a request's bodies; the writer drops them (and counts it) when it is too far behind.</summary>
    public void Enqueue(string requestId, string? workspace, DateTimeOffset startedAt, ContentCapture capture) =>
        writer.Enqueue(new CapturedBodies(this, requestId, workspace, startedAt, capture));

    private RequestContentRecorded ToEvent(CapturedBodies bodies)
    {
        var capture = bodies.Capture;
        var policy = capture.Policy;
        var omitted = capture.Omitted;
        var request = Parse(capture.Request, ref omitted, "request");
        JsonNode? response = null;
        if (capture.Response is { } answer)
        {
            response = capture.Stream ? StreamedMessage.Assemble(answer.Span) : Parse(answer.ToArray(), ref omitted, "response");
        }
        JsonStrings.RemoveNul(request);
        JsonStrings.RemoveNul(response);
        if (bodies.Redacted)
        {
            var budget = RedactionBudget.PerBody();
            if (!Redactor.Apply(request, policy.Redact, budget) | !Redactor.Apply(response, policy.Redact, budget))
            {
                LogRedactionCut(logger, bodies.RequestId);
            }
        }
        return new RequestContentRecorded
        {
            RequestId = bodies.RequestId,
            Workspace = bodies.Workspace,
            StartedAt = bodies.StartedAt,
            ExpiresAtMs = policy.RetentionDays is { } days ? clock.GetUtcNow().AddDays(days).ToUnixTimeMilliseconds() : null,
            Redacted = bodies.Redacted,
            Request = ToElement(request),
            Response = ToElement(response),
            Omitted = omitted,
        };
    }

    private static JsonNode? Parse(byte[]? body, ref string? omitted, string what)
    {
        if (body is null)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            omitted = omitted is null ? $"{what} is not JSON" : $"{omitted}; {what} is not JSON";
            return null;
        }
    }

    private static JsonElement? ToElement(JsonNode? node) => node is null ? null : JsonSerializer.SerializeToElement(node);

    private sealed record CapturedBodies(ContentLog Log, string RequestId, string? Workspace, DateTimeOffset StartedAt, ContentCapture Capture)
        : IPendingBody
    {
        public long Bytes => Capture.Bytes;

        public bool Redacted => Capture.Policy.Mode == LogMode.Redacted;

        public RequestContentRecorded ToEvent() => Log.ToEvent(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log: redacting the bodies of {RequestId} took too long; the strings left were masked whole")]
    private static partial void LogRedactionCut(ILogger logger, string requestId);
}
