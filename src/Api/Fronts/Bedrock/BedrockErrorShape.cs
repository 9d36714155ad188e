using Gateway.Api.Errors;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts.Bedrock;

/// <summary>
/// Errors as Bedrock's runtime writes them: the status, the exception's name in <c>x-amzn-ErrorType</c> (which AWS
/// SDKs read) and <c>{"message": …}</c>. The status stays the gateway's, so the client gets what the ledger records.
/// </summary>
public sealed class BedrockErrorShape : IErrorShape
{
    public static BedrockErrorShape Instance { get; } = new();

    public Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = ExceptionName(type);
        if (RequestIds.Get(context) is { } requestId)
        {
            context.Response.Headers["x-amzn-RequestId"] = requestId;
        }
        return FrontErrorBodies.WriteAsync(context, status, MessageJson(message));
    }

    /// <summary>Bedrock's error body, also an exception frame's payload: <c>{"message": …}</c>.</summary>
    public static byte[] MessageJson(string message) => FrontErrorBodies.Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("message", message);
        writer.WriteEndObject();
    });

    /// <summary>The Bedrock exception for an Anthropic error type (<c>rate_limit_error</c> → <c>ThrottlingException</c>).</summary>
    public static string ExceptionName(string anthropicType) => anthropicType switch
    {
        "invalid_request_error" or "request_too_large" => "ValidationException",
        "authentication_error" => "UnrecognizedClientException",
        "permission_error" => "AccessDeniedException",
        "not_found_error" => "ResourceNotFoundException",
        "billing_error" => "ServiceQuotaExceededException",
        "rate_limit_error" => "ThrottlingException",
        "timeout_error" => "ModelTimeoutException",
        "overloaded_error" => "ServiceUnavailableException",
        _ => "InternalServerException",
    };

    /// <summary>The same exception as an event-stream frame's <c>:exception-type</c> names it (<c>throttlingException</c>).</summary>
    public static string StreamExceptionName(string anthropicType)
    {
        var name = ExceptionName(anthropicType);
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
