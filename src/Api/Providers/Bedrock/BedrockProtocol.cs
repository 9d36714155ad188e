using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// AWS Bedrock's InvokeModel API: the model in the path, the body without <c>model</c>/<c>stream</c> but with
/// <c>anthropic_version</c> and the client's betas as <c>anthropic_beta</c>; SigV4 (or a Bedrock API key);
/// streams come back as <c>application/vnd.amazon.eventstream</c> frames that each carry one Anthropic event.
/// </summary>
public sealed class BedrockProtocol(TimeProvider clock) : IProviderProtocol
{
    public const string AnthropicVersion = "bedrock-2023-05-31";
    private const string EventStreamType = "application/vnd.amazon.eventstream";
    private static readonly byte[] VersionValue = JsonBody.Quote(AnthropicVersion);
    private static readonly string[] Dropped = ["model", "stream"];

    public ValueTask<HttpRequestMessage> CreateRequestAsync(ProviderCall call, CancellationToken cancellationToken)
    {
        var add = new List<(string, byte[])>(3) { ("anthropic_version", VersionValue) };
        if (call.BetaValues() is { Count: > 0 } betas)
        {
            add.Add(("anthropic_beta", JsonBody.StringArray(betas)));
        }
        if (call.IsCountTokens)
        {
            // CountTokens takes an InvokeModel body, which must name max_tokens; the count does not depend on it.
            add.Add(("max_tokens", "1"u8.ToArray()));
        }
        var body = JsonBody.Rewrite(call.Body.Span, Dropped, add);
        string action;
        if (call.IsCountTokens)
        {
            body = JsonSerializer.SerializeToUtf8Bytes(new { input = new { invokeModel = new { body = Convert.ToBase64String(body) } } });
            action = "count-tokens";
        }
        else
        {
            action = call.Stream ? "invoke-with-response-stream" : "invoke";
        }

        // CountTokens takes the foundation model, not an inference profile.
        var modelId = call.IsCountTokens ? FoundationModel(call.ProviderModel) : call.ProviderModel;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{call.Provider.BaseUrl.AbsoluteUri.TrimEnd('/')}/model/{PathSegment(modelId)}/{action}"))
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("accept", call.Stream && !call.IsCountTokens ? EventStreamType : "application/json");
        var credentials = call.Provider.Credentials;
        if (credentials.TryGetValue("api_key", out var apiKey))
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + apiKey);
        }
        else
        {
            AwsSigV4.Sign(request, body,
                new AwsCredentials(credentials["access_key_id"], credentials["secret_access_key"], credentials.GetValueOrDefault("session_token")),
                call.Provider.Region!, "bedrock", clock.GetUtcNow());
        }
        return ValueTask.FromResult(request);
    }

    public ProviderError MapError(string provider, HttpResponseMessage response, byte[]? body)
    {
        var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        var (status, type, message) = BedrockErrors.Map(provider, (int)response.StatusCode, errorType, body ?? []);
        return new ProviderError(status, type, message);
    }

    public byte[] TranslateBody(ProviderCall call, byte[] body)
    {
        if (!call.IsCountTokens)
        {
            return body;
        }
        // Bedrock counts as {"inputTokens": n}; Anthropic clients read {"input_tokens": n}.
        using var document = JsonDocument.Parse(body);
        var count = document.RootElement.GetProperty("inputTokens").GetInt64();
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, long> { ["input_tokens"] = count });
    }

    public AnthropicEventSource? OpenEventSource(string provider, HttpResponseMessage response, Stream body) =>
        response.Content.Headers.ContentType?.MediaType == EventStreamType ? new BedrockEventSource(provider, body) : null;

    /// <summary>The foundation model of a geographic inference profile id (<c>us.anthropic.…</c> → <c>anthropic.…</c>).</summary>
    public static string FoundationModel(string modelId)
    {
        var dot = modelId.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && !modelId.StartsWith("arn:", StringComparison.Ordinal) && modelId.AsSpan(dot + 1).StartsWith("anthropic.", StringComparison.Ordinal)
            ? modelId[(dot + 1)..]
            : modelId;
    }

    /// <summary>
    /// A model id as one path segment: ':' stays as it is (SigV4 then encodes it once, as AWS expects), anything
    /// else outside RFC 3986's unreserved set is escaped (an inference-profile ARN's '/').
    /// </summary>
    public static string PathSegment(string modelId) => Uri.EscapeDataString(modelId).Replace("%3A", ":", StringComparison.Ordinal);
}
