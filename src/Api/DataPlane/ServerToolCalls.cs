using System.Text.Json;
using Gateway.Projections.Models;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Counts server tool calls as the content shows them: a <c>server_tool_use</c> block is one call of the tool it names
/// (code execution under any of its tool names).
/// </summary>
internal static class ServerToolCalls
{
    /// <summary>Reads a <c>content_block_start</c> event's data: <paramref name="seen"/> with its block counted.</summary>
    public static ServerToolUses CountBlockStart(ReadOnlySpan<byte> data, ServerToolUses seen)
    {
        if (data.IndexOf("server_tool_use"u8) < 0)
        {
            return seen;
        }
        var reader = new Utf8JsonReader(data);
        try
        {
            if (ResponseJson.SeekTopLevel(ref reader, "content_block"u8))
            {
                return CountBlock(ref reader, seen);
            }
        }
        catch (JsonException)
        {
            // Relayed as is; only the count misses it.
        }
        return seen;
    }

    /// <summary>
    /// Reads the content block that starts at the reader: <paramref name="seen"/> with one more call when the block is
    /// a server tool call (its <c>type</c> and <c>name</c>, in any order), else as it was.
    /// </summary>
    public static ServerToolUses CountBlock(ref Utf8JsonReader reader, ServerToolUses seen)
    {
        if (!ResponseJson.EnterObject(ref reader, out var depth))
        {
            return seen;
        }
        var isServerTool = false;
        ToolKind tool = ToolKind.None;
        while (ResponseJson.NextProperty(ref reader, depth))
        {
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
        if (!isServerTool)
        {
            return seen;
        }
        return tool switch
        {
            ToolKind.WebSearch => seen with { WebSearch = seen.WebSearch + 1 },
            ToolKind.WebFetch => seen with { WebFetch = seen.WebFetch + 1 },
            ToolKind.CodeExecution => seen with { CodeExecution = seen.CodeExecution + 1 },
            _ => seen,
        };
    }

    private enum ToolKind : byte
    {
        None,
        WebSearch,
        WebFetch,
        CodeExecution,
    }
}
