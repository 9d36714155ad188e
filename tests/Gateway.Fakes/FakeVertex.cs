using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fakes;

/// <summary>
/// A local HTTP server that answers like Vertex AI's Anthropic publisher endpoints: <c>:rawPredict</c>,
/// <c>:streamRawPredict</c> and <c>count-tokens:rawPredict</c> under
/// <c>/v1/projects/{project}/locations/{region}/publishers/anthropic/models/</c>. It accepts only access tokens its
/// <see cref="FakeGoogleOAuth"/> issued, refuses a body with <c>model</c> or without
/// <c>anthropic_version: vertex-2023-10-16</c>, and answers with <see cref="FakeClaude"/>'s JSON and SSE;
/// quota errors come in Google's error shape, model errors in Anthropic's.
/// </summary>
public sealed partial class FakeVertex : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeGoogleOAuth _oauth;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _waiting = new(0);

    private FakeVertex(WebApplication app, FakeGoogleOAuth oauth, string project, string region)
    {
        _app = app;
        _oauth = oauth;
        Project = project;
        Region = region;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public string Project { get; }

    public string Region { get; }

    /// <summary>Every request received, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>When set, every prediction is answered with this error status.</summary>
    public int? FailAllWith { get; set; }

    public static async Task<FakeVertex> StartAsync(FakeGoogleOAuth oauth, string project = "fake-project", string region = "us-east5")
    {
        var app = FakeHost.Create();
        var fake = new FakeVertex(app, oauth, project, region);
        app.MapPost("/v1/{**rest}", fake.HandleAsync);
        fake.BaseUrl = await FakeHost.StartAsync(app);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _gate.Dispose();
        _waiting.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var recorded = await FakeHost.ReadAsync(context);
        _requests.Enqueue(recorded);
        var rawTarget = recorded.PathAndQuery;
        var bytes = recorded.Body;

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_oauth.IsValid(authorization["Bearer ".Length..]))
        {
            await WriteGoogleErrorAsync(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.");
            return;
        }
        var match = PredictPath().Match(Uri.UnescapeDataString(rawTarget));
        if (!match.Success || match.Groups["project"].Value != Project || match.Groups["region"].Value != Region)
        {
            await WriteGoogleErrorAsync(context, 404, "NOT_FOUND", $"Unknown endpoint {rawTarget}.");
            return;
        }
        JsonObject body;
        try
        {
            body = JsonNode.Parse(bytes)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
            return;
        }
        if (body["anthropic_version"]?.GetValue<string>() != "vertex-2023-10-16")
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "anthropic_version: must be vertex-2023-10-16");
            return;
        }

        var modelPart = match.Groups["model"].Value;
        var action = match.Groups["action"].Value;
        if (modelPart == "count-tokens")
        {
            if (AnthropicModel(body["model"]?.GetValue<string>() ?? "") is null)
            {
                await FakeClaude.WriteErrorAsync(context, 404, "not_found_error", $"model: {body["model"]}");
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["input_tokens"] = FakeClaude.InputTokens(body) }.ToJsonString());
            return;
        }
        if (body.ContainsKey("model"))
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "model: Extra inputs are not permitted");
            return;
        }
        if (AnthropicModel(modelPart) is not { } model)
        {
            await WriteGoogleErrorAsync(context, 404, "NOT_FOUND", $"Publisher Model `projects/{Project}/locations/{Region}/publishers/anthropic/models/{modelPart}` not found.");
            return;
        }

        var prompt = FakeClaude.LastUserText(body);
        var markers = Markers.Parse(prompt);
        if (FakeClaude.FailureStatus(markers, prompt, _failures, FailAllWith) is { } status)
        {
            if (status == 429)
            {
                await WriteGoogleErrorAsync(context, 429, "RESOURCE_EXHAUSTED", "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.");
            }
            else
            {
                await FakeClaude.WriteErrorAsync(context, status, FakeClaude.ErrorType(status), $"Fake failure with status {status}.");
            }
            return;
        }
        var reply = FakeClaude.BuildReply(body, model, prompt, markers, fixedText: null);
        try
        {
            if (action == "streamRawPredict")
            {
                await FakeClaude.StreamAsync(context, reply, markers, _gate, _waiting);
            }
            else
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(reply.ToMessage().ToJsonString(), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The gateway went away; nothing to finish.
        }
    }

    /// <summary>The Anthropic model a Vertex id names (<c>claude-sonnet-4-5@20250929</c> → <c>claude-sonnet-4-5-20250929</c>).</summary>
    private static string? AnthropicModel(string vertexId) => FakeModels.ResolveVertex(vertexId)?.Id;

    private static async Task WriteGoogleErrorAsync(HttpContext context, int status, string googleStatus, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = googleStatus },
        }.ToJsonString());
    }

    [GeneratedRegex(@"^/v1/projects/(?<project>[^/]+)/locations/(?<region>[^/]+)/publishers/anthropic/models/(?<model>[^/:]+):(?<action>rawPredict|streamRawPredict)$")]
    private static partial Regex PredictPath();
}
