namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// One decoded <c>application/vnd.amazon.eventstream</c> frame: its string-valued headers, in frame order, and its
/// payload. Headers of other types (bool, integers, bytes, timestamp, uuid) are checked but not kept: Bedrock's
/// frames carry only strings.
/// </summary>
/// <remarks>
/// From <see cref="EventStreamDecoder"/>, <see cref="Payload"/> points into the decoder's buffer: it is valid
/// only until the next <see cref="EventStreamDecoder.ReadAsync"/> (or the decoder's disposal). Copy it to keep it.
/// </remarks>
public sealed class EventStreamMessage
{
    /// <summary>The header naming the kind of frame: <c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public const string MessageTypeHeader = ":message-type";

    /// <summary>The header naming an event (Bedrock's streaming answers use <c>chunk</c>).</summary>
    public const string EventTypeHeader = ":event-type";

    /// <summary>The header naming the exception of an <c>exception</c> frame, e.g. <c>throttlingException</c>.</summary>
    public const string ExceptionTypeHeader = ":exception-type";

    /// <summary>The header carrying the code of an <c>error</c> frame.</summary>
    public const string ErrorCodeHeader = ":error-code";

    /// <summary>The header carrying the message of an <c>error</c> frame.</summary>
    public const string ErrorMessageHeader = ":error-message";

    /// <summary>The header giving the payload's media type.</summary>
    public const string ContentTypeHeader = ":content-type";

    /// <summary>A frame from its string headers (in frame order) and payload.</summary>
    public EventStreamMessage(IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Headers = headers;
        Payload = payload;
    }

    /// <summary>The string-valued headers, in the order the frame carried them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The payload bytes; see the remarks on how long they stay valid.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The <c>:message-type</c> header.</summary>
    public string? MessageType => GetHeader(MessageTypeHeader);

    /// <summary>The <c>:event-type</c> header.</summary>
    public string? EventType => GetHeader(EventTypeHeader);

    /// <summary>The <c>:exception-type</c> header.</summary>
    public string? ExceptionType => GetHeader(ExceptionTypeHeader);

    /// <summary>The <c>:error-code</c> header.</summary>
    public string? ErrorCode => GetHeader(ErrorCodeHeader);

    /// <summary>The <c>:error-message</c> header.</summary>
    public string? ErrorMessage => GetHeader(ErrorMessageHeader);

    /// <summary>The <c>:content-type</c> header.</summary>
    public string? ContentType => GetHeader(ContentTypeHeader);

    /// <summary>The first string header with this name (names compare exactly, as the protocol defines them).</summary>
    public string? GetHeader(string name)
    {
        // A handful of headers per frame: a scan beats building a dictionary.
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return value;
            }
        }
        return null;
    }
}
