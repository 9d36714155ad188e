namespace Gateway.Api.DataPlane;

/// <summary>What the relay makes of one event.</summary>
internal enum SseEventKind
{
    Other,
    MessageStop,

    /// <summary>Not UTF-8, a line that is no SSE field, or data that is not one JSON value.</summary>
    Malformed,
}
