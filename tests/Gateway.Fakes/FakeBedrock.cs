using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Api.Providers.Bedrock;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fakes;

/// <summary>
/// A local HTTP server that answers like AWS Bedrock Runtime's InvokeModel API for Anthropic models: it checks
/// the SigV4 signature from the wire (raw path, received headers, body bytes) or a Bedrock API key, refuses a
/// body Bedrock would refuse (a <c>model</c> or <c>stream</c> field, a missing <c>anthropic_version</c>), and
/// streams <c>application/vnd.amazon.eventstream</c> frames, each carrying one Anthropic event as base64.
/// Answers are <see cref="FakeClaude"/>'s, steered by the same markers.
/// </summary>
public sealed partial class FakeBedrock : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly FakeBedrockOptions _options;
    private int _invocations;

    private FakeBedrock(WebApplication app, FakeBedrockOptions options)
    {
        _app = app;
        _options = options;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public FakeBedrockOptions Options => _options;

    /// <summary>Every request received, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Model invocations received (signed or not).</summary>
    public int Invocations => _invocations;

    public static async Task<FakeBedrock> StartAsync(FakeBedrockOptions? options = null)
    {
        options ??= new FakeBedrockOptions();
        var app = FakeHost.Create();
        var fake = new FakeBedrock(app, options);
        app.MapPost("/model/{**rest}", fake.HandleAsync);
        fake.BaseUrl = await FakeHost.StartAsync(app);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _invocations);
        var recorded = await FakeHost.ReadAsync(context);
        var rawTarget = recorded.PathAndQuery;
        var bodyBytes = recorded.Body;
        if (_options.Record)
        {
            _requests.Enqueue(recorded);
        }

        if (Authenticate(context, rawTarget, bodyBytes) is { } refusal)
        {
            await WriteErrorAsync(context, 403, refusal.Type, refusal.Message);
            return;
        }
        var match = ModelPath().Match(rawTarget);
        if (!match.Success)
        {
            await WriteErrorAsync(context, 404, "UnknownOperationException", "Unknown operation.");
            return;
        }
        var modelId = Uri.UnescapeDataString(match.Groups["model"].Value);
        var action = match.Groups["action"].Value;

        JsonObject body;
        try
        {
            body = JsonNode.Parse(bodyBytes)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            await WriteErrorAsync(context, 400, "ValidationException", "Malformed input request, please reformat your input and try again.");
            return;
        }
        if (action == "count-tokens")
        {
            body = JsonNode.Parse(Convert.FromBase64String(body["input"]!["invokeModel"]!["body"]!.GetValue<string>()))!.AsObject();
        }
        if (Validate(body) is { } invalid)
        {
            await WriteErrorAsync(context, 400, "ValidationException", invalid);
            return;
        }
        var model = AnthropicModel(modelId);
        if (model is null)
        {
            await WriteErrorAsync(context, 404, "ResourceNotFoundException", $"The provided model identifier is invalid: {modelId}");
            return;
        }
        if (action == "count-tokens")
        {
            if (!modelId.StartsWith("anthropic.", StringComparison.Ordinal))
            {
                await WriteErrorAsync(context, 400, "ValidationException", "The provided model doesn't support counting tokens: use a foundation model id.");
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["inputTokens"] = FakeClaude.InputTokens(body) }.ToJsonString());
            return;
        }

        var prompt = FakeClaude.LastUserText(body);
        var markers = Markers.Parse(prompt);
        if (FakeClaude.FailureStatus(markers, prompt, _failures, _options.FailAllWith) is { } status)
        {
            var (type, message) = status switch
            {
                429 => ("ThrottlingException", "Too many requests, please wait before trying again."),
                503 or 529 => ("ServiceUnavailableException", "Bedrock is unable to process your request."),
                400 => ("ValidationException", "Fake validation failure."),
                _ => ("InternalServerException", "The server encountered an internal error."),
            };
            await WriteErrorAsync(context, status == 529 ? 503 : status, type, message);
            return;
        }

        var reply = FakeClaude.BuildReply(body, model, prompt, markers, fixedText: null);
        try
        {
            if (action == "invoke-with-response-stream")
            {
                await StreamAsync(context, reply, markers);
            }
            else
            {
                context.Response.ContentType = "application/json";
                context.Response.Headers["x-amzn-bedrock-input-token-count"] = reply.Usage["input_tokens"]!.ToJsonString();
                await context.Response.WriteAsync(reply.ToMessage().ToJsonString(), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The gateway went away; nothing to finish.
        }
    }

    private async Task StreamAsync(HttpContext context, FakeReply reply, Markers markers)
    {
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        await context.Response.StartAsync(context.RequestAborted);
        if (markers.ExceptionFirst)
        {
            await WriteFrameAsync(context, EventStreamEncoder.Exception("throttlingException", "Too many tokens, please wait before trying again."));
            return;
        }
        var first = true;
        foreach (var (name, data) in reply.ToEvents(errorMidStream: false))
        {
            if (!first && markers.EventDelayMs > 0)
            {
                await Task.Delay(markers.EventDelayMs, context.RequestAborted);
            }
            if (name == "message_stop")
            {
                // Bedrock adds its invocation metrics to the last event.
                data["amazon-bedrock-invocationMetrics"] = new JsonObject
                {
                    ["inputTokenCount"] = reply.Usage["input_tokens"]!.DeepClone(),
                    ["outputTokenCount"] = reply.Usage["output_tokens"]!.DeepClone(),
                    ["invocationLatency"] = 42,
                    ["firstByteLatency"] = 7,
                };
            }
            await WriteFrameAsync(context, EventStreamEncoder.Chunk(Encoding.UTF8.GetBytes(data.ToJsonString())));
            if (markers.MidStreamError && name == "content_block_delta")
            {
                await WriteFrameAsync(context, EventStreamEncoder.Exception("modelStreamErrorException", "The model stream failed mid-answer."));
                return;
            }
            first = false;
        }
    }

    private static async Task WriteFrameAsync(HttpContext context, byte[] frame)
    {
        await context.Response.Body.WriteAsync(frame, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Null when the request carries a valid SigV4 signature (or the Bedrock API key); else the refusal.</summary>
    private (string Type, string Message)? Authenticate(HttpContext context, string rawTarget, byte[] body)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (_options.ApiKey is { } apiKey && authorization == "Bearer " + apiKey)
        {
            return null;
        }
        var parsed = AuthorizationHeader().Match(authorization);
        if (!parsed.Success)
        {
            return ("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        var scope = parsed.Groups["credential"].Value.Split('/');
        if (scope.Length != 5 || scope[0] != _options.AccessKeyId || scope[2] != _options.Region || scope[3] != "bedrock" || scope[4] != "aws4_request")
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        var amzDate = context.Request.Headers["x-amz-date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AssumeUniversal, out var signedAt)
            || Math.Abs((DateTimeOffset.UtcNow - signedAt).TotalMinutes) > 5 || scope[1] != amzDate[..8])
        {
            return ("InvalidSignatureException", "Signature expired or the credential scope date does not match x-amz-date.");
        }
        if (_options.SessionToken is { } token && context.Request.Headers["x-amz-security-token"] != token)
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        var signedHeaders = parsed.Groups["signed"].Value.Split(';');
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date") || (_options.SessionToken is not null && !signedHeaders.Contains("x-amz-security-token")))
        {
            return ("InvalidSignatureException", "host, x-amz-date (and x-amz-security-token) must be signed.");
        }
        var headers = signedHeaders.Select(name => new KeyValuePair<string, string>(name, context.Request.Headers[name].ToString())).ToArray();
        var path = rawTarget.Split('?')[0];
        var expected = AwsSigV4.ComputeSignature(context.Request.Method, AwsSigV4.CanonicalUri(path), "", headers,
            AwsSigV4.PayloadHash(body), amzDate, _options.Region, "bedrock", _options.SecretAccessKey);
        return expected == parsed.Groups["signature"].Value
            ? null
            : ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
    }

    /// <summary>What Bedrock's Anthropic models refuse in a body; null when it is acceptable.</summary>
    private static string? Validate(JsonObject body)
    {
        foreach (var extraneous in new[] { "model", "stream" })
        {
            if (body.ContainsKey(extraneous))
            {
                return $"Malformed input request: #: extraneous key [{extraneous}] is not permitted, please reformat your input and try again.";
            }
        }
        return body["anthropic_version"]?.GetValue<string>() == "bedrock-2023-05-31"
            ? null
            : "Malformed input request: #: required key [anthropic_version] not found or invalid, please reformat your input and try again.";
    }

    /// <summary>The Anthropic model a Bedrock id names (<c>us.anthropic.claude-…-v1:0</c> → <c>claude-…</c>), if the fake knows it.</summary>
    private static string? AnthropicModel(string modelId)
    {
        var match = BedrockModelId().Match(modelId);
        return match.Success && FakeModels.ResolveBedrock(match.Groups["id"].Value) is { } model ? model.Id : null;
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
        await context.Response.WriteAsync(new JsonObject { ["message"] = message }.ToJsonString());
    }

    [GeneratedRegex(@"^/model/(?<model>[^/]+)/(?<action>invoke|invoke-with-response-stream|count-tokens)$")]
    private static partial Regex ModelPath();

    [GeneratedRegex(@"^(?:(?:us|us-gov|eu|apac|jp|au|ca|global)\.)?(?<id>anthropic\.claude-[a-z0-9\-]+(?:-v\d+:\d+)?)$")]
    private static partial Regex BedrockModelId();

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<credential>[^,]+), SignedHeaders=(?<signed>[^,]+), Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationHeader();
}

/// <summary>The credentials a <see cref="FakeBedrock"/> accepts, and how it misbehaves.</summary>
public sealed class FakeBedrockOptions
{
    public string AccessKeyId { get; init; } = "AKIDFAKEBEDROCK";
    public string SecretAccessKey { get; init; } = "fake/secret+KEY/for/bedrock/tests";
    public string? SessionToken { get; init; }
    public string Region { get; init; } = "us-east-1";

    /// <summary>A Bedrock API key accepted as a Bearer token, when set.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Keep every request for assertions; benchmarks turn it off.</summary>
    public bool Record { get; init; } = true;

    /// <summary>When set, every invocation is answered with this error status.</summary>
    public int? FailAllWith { get; set; }
}
