using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Errors;

/// <summary>
/// Writes errors in Anthropic's shape: <c>{"type":"error","error":{"type","message"},"request_id"}</c> — or in the shape of
/// the front the request came through (<see cref="IErrorShape"/>).
/// </summary>
public static class AnthropicErrors
{
    public static Task WriteAsync(HttpContext context, ApiError error) => WriteAsync(context, error.Status, error.Type, error.Message);

    /// <summary>Answers <paramref name="status"/> with its Anthropic error type.</summary>
    public static Task WriteAsync(HttpContext context, int status, string message) => WriteAsync(context, ApiError.Of(status, message));

    public static async Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body is never read, so the connection cannot carry another request: the client must not
            // reuse it (else its next request meets the close and fails as "the response ended prematurely").
            context.Response.Headers.Connection = "close";
        }
        if (context.Features.Get<IErrorShape>() is { } shape)
        {
            await shape.WriteAsync(context, status, type, message);
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = Serialize(type, message, RequestIds.Get(context));
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, CancellationToken.None);
    }

    /// <summary>The error body as UTF-8 JSON.</summary>
    public static byte[] Serialize(string type, string message, string? requestId)
    {
        using var buffer = new MemoryStream(128 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", type);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteString("request_id", requestId);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The error type Anthropic uses for an HTTP status.</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        405 => "invalid_request_error",
        409 => "invalid_request_error",
        413 => "request_too_large",
        415 => "invalid_request_error",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        _ when status < 500 => "invalid_request_error",
        _ => "api_error",
    };
}
