using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Providers.Vertex;

/// <summary>
/// Google Vertex AI's Anthropic publisher endpoints: <c>:rawPredict</c> / <c>:streamRawPredict</c> with the model
/// in the path, the body without <c>model</c> and with <c>anthropic_version</c>; <c>anthropic-beta</c> stays a
/// header; an OAuth access token from the connection's service account. Answers are Anthropic's own JSON and SSE.
/// </summary>
public sealed class VertexProtocol(VertexTokens tokens) : IProviderProtocol
{
    public const string AnthropicVersion = "vertex-2023-10-16";
    private static readonly byte[] VersionValue = JsonBody.Quote(AnthropicVersion);
    private static readonly string[] DroppedFromMessages = ["model"];

    public async ValueTask<HttpRequestMessage> CreateRequestAsync(ProviderCall call, CancellationToken cancellationToken)
    {
        var provider = call.Provider;
        var models = $"{provider.BaseUrl.AbsoluteUri.TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(provider.Project!)}/locations/{Uri.EscapeDataString(provider.Region!)}/publishers/anthropic/models/";
        byte[] body;
        Uri address;
        if (call.IsCountTokens)
        {
            // Vertex counts through one shared endpoint and reads the (Vertex) model id from the body.
            body = JsonBody.Rewrite(call.Body.Span, DroppedFromMessages, [("model", JsonBody.Quote(call.ProviderModel)), ("anthropic_version", VersionValue)]);
            address = new Uri(models + "count-tokens:rawPredict");
        }
        else
        {
            body = JsonBody.Rewrite(call.Body.Span, DroppedFromMessages, [("anthropic_version", VersionValue)]);
            address = new Uri(models + Uri.EscapeDataString(call.ProviderModel).Replace("%40", "@", StringComparison.Ordinal) + (call.Stream ? ":streamRawPredict" : ":rawPredict"));
        }

        var token = await tokens.GetAccessTokenAsync(provider.Slug + "@" + provider.Version, provider.Credentials["service_account_json"], provider.TokenUrl, cancellationToken);
        var request = new HttpRequestMessage(HttpMethod.Post, address) { Version = HttpVersion.Version11, Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var beta in call.Client.Headers["anthropic-beta"])
        {
            request.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }
        if (call.Stream)
        {
            request.Headers.TryAddWithoutValidation("accept", "text/event-stream");
        }
        return request;
    }

    public ProviderError MapError(string provider, HttpResponseMessage response, byte[]? body)
    {
        var status = (int)response.StatusCode;
        if (status == 401)
        {
            return new ProviderError(502, "api_error", $"Provider '{provider}' rejected the gateway's credential.");
        }
        // The model's own errors come in Anthropic's shape; Vertex's (quota, permission, routing) in Google's.
        var error = body is null ? default : AnthropicErrorBody.Read(body);
        if (error.Type is { } type)
        {
            return new ProviderError(status, type, error.Message ?? $"Provider '{provider}' answered with status {status}.");
        }
        return new ProviderError(status == 503 ? 529 : status, status == 503 ? "overloaded_error" : AnthropicErrors.TypeFor(status),
            GoogleMessage(body) ?? $"Provider '{provider}' answered with status {status}.");
    }

    /// <summary>The message of Google's error shape <c>{"error":{"code","message","status"}}</c> (sometimes inside an array).</summary>
    private static string? GoogleMessage(byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement.ValueKind == JsonValueKind.Array && document.RootElement.GetArrayLength() > 0
                ? document.RootElement[0]
                : document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
