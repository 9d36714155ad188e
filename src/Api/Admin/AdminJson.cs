using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Api.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Api.Admin;

/// <summary>The admin API's JSON: snake_case, unknown fields refused (a typo must not be silently ignored).</summary>
public static class AdminJson
{
    /// <summary>How requests are read: <see cref="Configure"/>'s names and types, and unknown fields refused.</summary>
    public static readonly JsonSerializerOptions Options =
        Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });

    /// <summary>
    /// The API's JSON names and types (snake_case, enums as snake_case strings, numbers as numbers). The application's
    /// HTTP JSON options get them too, so typed results are written — and the OpenAPI document describes them — this way.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }

    private const long MaxBodyBytes = 1024 * 1024;

    /// <summary>Reads a request body as <typeparamref name="T"/>; on failure the result is the 400 to return.</summary>
    public static async Task<(T? Value, AnthropicErrorResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        // Kestrel enforces the limit also for bodies that do not declare their length (a 413 through the error handler).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, new AnthropicErrorResult(413, $"Admin request bodies are limited to {MaxBodyBytes} bytes."));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, new AnthropicErrorResult(400, "The request body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            var what = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field"
                : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "wrong type"
                : "not valid JSON";
            return (null, new AnthropicErrorResult(400, $"{where}: {what}."));
        }
    }
}

/// <summary>An Anthropic-shaped error as a minimal-API result.</summary>
public sealed class AnthropicErrorResult(ApiError error) : IResult
{
    /// <summary>An error of <paramref name="status"/> with its Anthropic error type.</summary>
    public AnthropicErrorResult(int status, string message) : this(ApiError.Of(status, message))
    {
    }

    public Task ExecuteAsync(HttpContext httpContext) => AnthropicErrors.WriteAsync(httpContext, error);
}
