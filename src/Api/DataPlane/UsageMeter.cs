using System.Text.Json;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Token usage of one response, read as it goes by: from the JSON body, or from <c>message_start</c> and the
/// cumulative <c>message_delta</c> events of a stream (later values replace earlier ones, field by field).
/// </summary>
public sealed class UsageMeter
{
    private bool _toolUsesReported;

    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public long CacheCreationInputTokens { get; private set; }
    public long? CacheCreation5mInputTokens { get; private set; }
    public long? CacheCreation1hInputTokens { get; private set; }
    public long CacheReadInputTokens { get; private set; }
    public string? StopReason { get; private set; }
    public string? MessageId { get; private set; }
    public string? ResponseModel { get; private set; }

    /// <summary>Server tool uses as the usage reported them (<c>usage.server_tool_use</c>).</summary>
    public Projections.Models.ServerToolUses ReportedToolUses { get; private set; }

    /// <summary>Server tool calls seen in the content (<c>server_tool_use</c> blocks), by tool.</summary>
    public Projections.Models.ServerToolUses SeenToolUses { get; private set; }

    /// <summary>
    /// The server tool uses billed: as reported once the answer completed; before that, no fewer than the calls seen
    /// (a search the client saw start is billed even when the final count never came, or a provider did not report it).
    /// </summary>
    public Projections.Models.ServerToolUses ToolUses => Completed && _toolUsesReported
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
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    ReadDelta(ref reader);
                    return;
                }
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Relayed as is; only the count misses it.
        }
    }

    /// <summary>Reads a <c>content_block_start</c> event: a <c>server_tool_use</c> block is a server tool call.</summary>
    public void ReadBlockStart(ReadOnlySpan<byte> data)
    {
        if (data.IndexOf("server_tool_use"u8) < 0)
        {
            return;
        }
        var reader = new Utf8JsonReader(data);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("content_block"u8))
                {
                    reader.Read();
                    ReadBlock(ref reader);
                    return;
                }
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Relayed as is; only the count misses it.
        }
    }

    private void ReadContent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ReadBlock(ref reader);
        }
    }

    /// <summary>One content block: counts it when it is a server tool call (its <c>type</c> and <c>name</c>, in any order).</summary>
    private void ReadBlock(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        var depth = reader.CurrentDepth;
        var isServerTool = false;
        ToolKind tool = ToolKind.None;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            var isType = reader.ValueTextEquals("type"u8);
            var isName = reader.ValueTextEquals("name"u8);
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
            }
            else if (isType)
            {
                isServerTool = reader.ValueTextEquals("server_tool_use"u8);
            }
            else if (isName)
            {
                tool = reader.ValueTextEquals("web_search"u8) ? ToolKind.WebSearch
                    : reader.ValueTextEquals("web_fetch"u8) ? ToolKind.WebFetch
                    : reader.ValueTextEquals("code_execution"u8) || reader.ValueTextEquals("bash_code_execution"u8)
                      || reader.ValueTextEquals("text_editor_code_execution"u8) ? ToolKind.CodeExecution
                    : ToolKind.None;
            }
        }
        if (isServerTool)
        {
            var seen = SeenToolUses;
            SeenToolUses = tool switch
            {
                ToolKind.WebSearch => seen with { WebSearch = seen.WebSearch + 1 },
                ToolKind.WebFetch => seen with { WebFetch = seen.WebFetch + 1 },
                ToolKind.CodeExecution => seen with { CodeExecution = seen.CodeExecution + 1 },
                _ => seen,
            };
        }
    }

    private enum ToolKind : byte
    {
        None,
        WebSearch,
        WebFetch,
        CodeExecution,
    }

    private void ReadMessageObject(ref Utf8JsonReader reader, bool alreadyAtStart = false)
    {
        if (!alreadyAtStart && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
        {
            return;
        }
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
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
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    StopReason = reader.GetString();
                }
            }
            else if (reader.TokenType == JsonTokenType.PropertyName
                     && (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8)))
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
            else if (reader.TokenType == JsonTokenType.PropertyName)
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
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                InputTokens = ReadCount(ref reader) ?? InputTokens;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                OutputTokens = ReadCount(ref reader) ?? OutputTokens;
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                CacheCreationInputTokens = ReadCount(ref reader) ?? CacheCreationInputTokens;
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                CacheReadInputTokens = ReadCount(ref reader) ?? CacheReadInputTokens;
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                reader.Read();
                ReadServerToolUse(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                var inner = reader.CurrentDepth;
                while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == inner))
                {
                    if (reader.TokenType != JsonTokenType.PropertyName)
                    {
                        continue;
                    }
                    if (reader.ValueTextEquals("ephemeral_5m_input_tokens"u8))
                    {
                        CacheCreation5mInputTokens = ReadCount(ref reader) ?? CacheCreation5mInputTokens;
                    }
                    else if (reader.ValueTextEquals("ephemeral_1h_input_tokens"u8))
                    {
                        CacheCreation1hInputTokens = ReadCount(ref reader) ?? CacheCreation1hInputTokens;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadServerToolUse(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        _toolUsesReported = true;
        var depth = reader.CurrentDepth;
        var uses = ReportedToolUses;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.ValueTextEquals("web_search_requests"u8))
            {
                uses = uses with { WebSearch = Math.Max(0, ReadCount(ref reader) ?? uses.WebSearch) };
            }
            else if (reader.ValueTextEquals("web_fetch_requests"u8))
            {
                uses = uses with { WebFetch = Math.Max(0, ReadCount(ref reader) ?? uses.WebFetch) };
            }
            else if (reader.ValueTextEquals("code_execution_requests"u8))
            {
                uses = uses with { CodeExecution = Math.Max(0, ReadCount(ref reader) ?? uses.CodeExecution) };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        ReportedToolUses = uses;
    }

    private void ReadError(ref Utf8JsonReader reader)
    {
        var error = Providers.AnthropicErrorBody.ReadInner(ref reader, new(ErrorType, ErrorMessage));
        (ErrorType, ErrorMessage) = (error.Type, error.Message);
    }

    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
    }
}
