using System.Text.Json;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Token usage of one response, read as it goes by: from the JSON body, or from <c>message_start</c> and the
/// cumulative <c>message_delta</c> events of a stream (later values replace earlier ones, field by field).
/// </summary>
public sealed class UsageMeter
{
    private ReportedUsage _usage;

    public long InputTokens => _usage.InputTokens;
    public long OutputTokens => _usage.OutputTokens;
    public long CacheCreationInputTokens => _usage.CacheCreationInputTokens;
    public long? CacheCreation5mInputTokens => _usage.CacheCreation5mInputTokens;
    public long? CacheCreation1hInputTokens => _usage.CacheCreation1hInputTokens;
    public long CacheReadInputTokens => _usage.CacheReadInputTokens;
    public string? StopReason { get; private set; }
    public string? MessageId { get; private set; }
    public string? ResponseModel { get; private set; }

    /// <summary>Server tool uses as the usage reported them (<c>usage.server_tool_use</c>).</summary>
    public Projections.Models.ServerToolUses ReportedToolUses => _usage.ToolUses;

    /// <summary>Server tool calls seen in the content (<c>server_tool_use</c> blocks), by tool.</summary>
    public Projections.Models.ServerToolUses SeenToolUses { get; private set; }

    /// <summary>
    /// The server tool uses billed: as reported once the answer completed; before that, no fewer than the calls seen
    /// (a search the client saw start is billed even when the final count never came, or a provider did not report it).
    /// </summary>
    public Projections.Models.ServerToolUses ToolUses => Completed && _usage.ToolUsesReported
        ? ReportedToolUses with { CodeExecution = Math.Max(ReportedToolUses.CodeExecution, SeenToolUses.CodeExecution) }
        : ReportedToolUses.AtLeast(SeenToolUses);

    /// <summary>Where a streamed answer's events are copied for the request log, when its workspace logs bodies.</summary>
    public Logs.ContentCapture? Capture { get; set; }

    /// <summary>True once a message's usage has been seen.</summary>
    public bool HasUsage { get; private set; }

    /// <summary>
    /// Bytes of output text, thinking and tool input the provider streamed so far (as JSON-escaped on the wire: at
    /// least the text's own bytes). A token is at least one byte of text, so this bounds the output tokens the client
    /// was sent when the stream ends before the provider's final count.
    /// </summary>
    public long OutputBytesSeen { get; private set; }

    /// <summary>True once a stream's <c>message_stop</c> went by.</summary>
    public bool Completed { get; private set; }

    /// <summary>An <c>error</c> event's or body's error type, when the provider reported one.</summary>
    public string? ErrorType { get; private set; }

    public string? ErrorMessage { get; private set; }

    /// <summary>Reads a non-streaming Messages API response body.</summary>
    public void ReadMessage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            ReadMessageObject(ref reader);
            Completed = HasUsage;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A body the client will see as is; usage stays unknown rather than failing the request.
        }
    }

    /// <summary>Reads one SSE event's <c>data</c> JSON.</summary>
    public void ReadEvent(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("message_stop"u8))
                    {
                        Completed = true;
                    }
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadMessageObject(ref reader, alreadyAtStart: true);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    ReadUsage(ref reader);
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    ReadDelta(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    ReadError(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Passed through untouched (e.g. a field of an unexpected type); only the accounting misses it.
        }
    }

    /// <summary>Adds a <c>content_block_delta</c> event's output (text, thinking or tool input) to <see cref="OutputBytesSeen"/>.</summary>
    public void CountOutput(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        try
        {
            if (ResponseJson.SeekTopLevel(ref reader, "delta"u8))
            {
                ReadDelta(ref reader);
            }
        }
        catch (JsonException)
        {
            // Relayed as is; only the count misses it.
        }
    }

    /// <summary>Reads a <c>content_block_start</c> event: a <c>server_tool_use</c> block is a server tool call.</summary>
    public void ReadBlockStart(ReadOnlySpan<byte> data) => SeenToolUses = ServerToolCalls.CountBlockStart(data, SeenToolUses);

    private void ReadContent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            SeenToolUses = ServerToolCalls.CountBlock(ref reader, SeenToolUses);
        }
    }

    private void ReadMessageObject(ref Utf8JsonReader reader, bool alreadyAtStart = false)
    {
        if (!alreadyAtStart && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
        {
            return;
        }
        var depth = reader.CurrentDepth;
        while (ResponseJson.NextProperty(ref reader, depth))
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                StopReason = reader.TokenType == JsonTokenType.String ? reader.GetString() : StopReason;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                MessageId = reader.TokenType == JsonTokenType.String ? reader.GetString() : MessageId;
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                ResponseModel = reader.TokenType == JsonTokenType.String ? reader.GetString() : ResponseModel;
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                ReadContent(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader)
    {
        if (!ResponseJson.EnterObject(ref reader, out var depth))
        {
            return;
        }
        while (ResponseJson.NextProperty(ref reader, depth))
        {
            if (reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    StopReason = reader.GetString();
                }
            }
            else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    OutputBytesSeen += reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        HasUsage = true;
        ReportedUsage.ReadOver(ref reader, ref _usage);
    }

    private void ReadError(ref Utf8JsonReader reader)
    {
        var error = Providers.AnthropicErrorBody.ReadInner(ref reader, new(ErrorType, ErrorMessage));
        (ErrorType, ErrorMessage) = (error.Type, error.Message);
    }
}
