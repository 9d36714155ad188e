using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// Maps Bedrock's failures (HTTP error answers, and exception or error frames inside an event stream) to the
/// status, Anthropic error type and message a client gets. Bedrock names the failure (<c>x-amzn-ErrorType</c>,
/// <c>:exception-type</c>, <c>:error-code</c>); the name decides, and the status only when the name is unknown.
/// </summary>
public static class BedrockErrors
{
    /// <summary>What a known exception name becomes; a null type means "the gateway's own credential was refused".</summary>
    private static readonly FrozenDictionary<string, (int Status, string? Type)> ByName =
        new Dictionary<string, (int Status, string? Type)>(StringComparer.OrdinalIgnoreCase)
        {
            ["ValidationException"] = (400, "invalid_request_error"),
            // The gateway signs with its own AWS credential: when AWS refuses it (or it lacks the model's permission,
            // whose message would show the gateway's IAM principal), the client cannot fix anything.
            ["AccessDeniedException"] = (502, null),
            ["UnrecognizedClientException"] = (502, null),
            ["InvalidSignatureException"] = (502, null),
            ["ExpiredTokenException"] = (502, null),
            ["IncompleteSignatureException"] = (502, null),
            ["MissingAuthenticationTokenException"] = (502, null),
            ["ResourceNotFoundException"] = (404, "not_found_error"),
            ["ThrottlingException"] = (429, "rate_limit_error"),
            ["ServiceQuotaExceededException"] = (429, "rate_limit_error"),
            ["ModelTimeoutException"] = (504, "timeout_error"),
            ["InternalServerException"] = (500, "api_error"),
            ["ServiceUnavailableException"] = (529, "overloaded_error"),
            ["ModelNotReadyException"] = (529, "overloaded_error"),
            ["ModelErrorException"] = (502, "api_error"),
            ["ModelStreamErrorException"] = (502, "api_error"),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// An HTTP error answer: its status, the <c>x-amzn-ErrorType</c> header (<c>Name:namespace-uri</c>; the body's
    /// <c>__type</c> stands in when it is missing) and the JSON body, whose <c>message</c> (or <c>Message</c>) is kept.
    /// </summary>
    public static (int Status, string Type, string Message) Map(string providerSlug, int status, string? errorTypeHeader,
        ReadOnlySpan<byte> body)
    {
        var (bodyType, message) = ReadBody(body);
        var name = ErrorName(errorTypeHeader) ?? ErrorName(bodyType);
        message ??= name is null
            ? $"Provider '{providerSlug}' answered with status {status}."
            : $"Provider '{providerSlug}' answered with status {status} ({name}).";
        return Resolve(providerSlug, name, message) ?? ByStatus(providerSlug, status, message);
    }

    /// <summary>
    /// A failure inside an event stream: an <c>exception</c> frame (<c>:exception-type</c>, JSON payload with
    /// <c>message</c>) or an <c>error</c> frame (<c>:error-code</c>, <c>:error-message</c>). A stream has no status of its
    /// own, so an unknown name is the provider's failure: 500 <c>api_error</c>.
    /// </summary>
    public static (int Status, string Type, string Message) FromFrame(string providerSlug, EventStreamMessage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string? name;
        string? message;
        if (string.Equals(frame.MessageType, "error", StringComparison.Ordinal))
        {
            name = frame.ErrorCode;
            message = frame.ErrorMessage;
        }
        else
        {
            name = frame.ExceptionType;
            message = ReadBody(frame.Payload.Span).Message;
        }
        name = ErrorName(name);
        if (string.IsNullOrWhiteSpace(message))
        {
            message = name is null
                ? $"Provider '{providerSlug}' failed mid-stream."
                : $"Provider '{providerSlug}' failed mid-stream ({name}).";
        }
        return Resolve(providerSlug, name, message) ?? (500, "api_error", message);
    }

    private static (int Status, string Type, string Message)? Resolve(string providerSlug, string? name, string message)
    {
        if (name is null || !ByName.TryGetValue(name, out var known))
        {
            return null;
        }
        return known.Type is null
            ? Credential(providerSlug)
            : (known.Status, known.Type, message);
    }

    /// <summary>An unnamed (or unknown) failure: Bedrock's statuses that mean something else to an Anthropic client move.</summary>
    private static (int Status, string Type, string Message) ByStatus(string providerSlug, int status, string message) => status switch
    {
        401 => Credential(providerSlug),
        408 => (504, "timeout_error", message),
        424 => (502, "api_error", message),
        503 => (529, "overloaded_error", message),
        >= 500 => (status, "api_error", message),
        _ => (status, AnthropicErrors.TypeFor(status), message),
    };

    private static (int Status, string Type, string Message) Credential(string providerSlug) =>
        (502, "api_error", $"Provider '{providerSlug}' rejected the gateway's credential.");

    /// <summary>
    /// The bare exception name from <c>ThrottlingException:http://internal.amazon.com/coral/…</c> or
    /// <c>com.amazon.coral.validate#ValidationException</c>.
    /// </summary>
    private static string? ErrorName(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var name = value.AsSpan();
        var colon = name.IndexOf(':');
        if (colon >= 0)
        {
            name = name[..colon];
        }
        name = name[(name.LastIndexOf('#') + 1)..].Trim();
        return name.IsEmpty ? null : name.ToString();
    }

    /// <summary>The body's <c>__type</c> and <c>message</c>/<c>Message</c>, when it is a JSON object carrying them.</summary>
    private static (string? Type, string? Message) ReadBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return default;
        }
        string? type = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessage = reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8);
                var isType = reader.ValueTextEquals("__type"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isMessage)
                    {
                        message ??= reader.GetString();
                    }
                    else if (isType)
                    {
                        type ??= reader.GetString();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON (an HTML page from a proxy, say): the status and header still say what happened.
        }
        return (type, string.IsNullOrWhiteSpace(message) ? null : message);
    }
}
