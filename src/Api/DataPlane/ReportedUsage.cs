using System.Text.Json;
using Gateway.Projections.Models;

namespace Gateway.Api.DataPlane;

/// <summary>
/// A response's <c>usage</c> object as reported so far. A stream reports it more than once, cumulatively: each
/// report replaces the fields it carries and leaves the others as they were.
/// </summary>
/// <param name="ToolUses">Server tool uses as reported (<c>usage.server_tool_use</c>).</param>
/// <param name="ToolUsesReported">True once a report carried <c>server_tool_use</c>.</param>
internal readonly record struct ReportedUsage(
    long InputTokens,
    long OutputTokens,
    long CacheCreationInputTokens,
    long? CacheCreation5mInputTokens,
    long? CacheCreation1hInputTokens,
    long CacheReadInputTokens,
    ServerToolUses ToolUses,
    bool ToolUsesReported)
{
    /// <summary>
    /// Reads the usage object that starts at the reader over <paramref name="usage"/>. Each count is kept as soon as
    /// it is read, so what came before a malformed byte still counts.
    /// </summary>
    public static void ReadOver(ref Utf8JsonReader reader, ref ReportedUsage usage)
    {
        var depth = reader.CurrentDepth;
        while (ResponseJson.NextProperty(ref reader, depth))
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                usage = usage with { InputTokens = ReadCount(ref reader) ?? usage.InputTokens };
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                usage = usage with { OutputTokens = ReadCount(ref reader) ?? usage.OutputTokens };
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                usage = usage with { CacheCreationInputTokens = ReadCount(ref reader) ?? usage.CacheCreationInputTokens };
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                usage = usage with { CacheReadInputTokens = ReadCount(ref reader) ?? usage.CacheReadInputTokens };
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                reader.Read();
                ReadToolUses(ref reader, ref usage);
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                reader.Read();
                ReadCacheCreation(ref reader, ref usage);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary><c>server_tool_use</c>: taken whole once read (a negative count reads as none).</summary>
    private static void ReadToolUses(ref Utf8JsonReader reader, ref ReportedUsage usage)
    {
        if (!ResponseJson.EnterObject(ref reader, out var depth))
        {
            return;
        }
        usage = usage with { ToolUsesReported = true };
        var uses = usage.ToolUses;
        while (ResponseJson.NextProperty(ref reader, depth))
        {
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
        usage = usage with { ToolUses = uses };
    }

    /// <summary><c>cache_creation</c>: the cache writes split by how long they live.</summary>
    private static void ReadCacheCreation(ref Utf8JsonReader reader, ref ReportedUsage usage)
    {
        if (!ResponseJson.EnterObject(ref reader, out var depth))
        {
            return;
        }
        while (ResponseJson.NextProperty(ref reader, depth))
        {
            if (reader.ValueTextEquals("ephemeral_5m_input_tokens"u8))
            {
                usage = usage with { CacheCreation5mInputTokens = ReadCount(ref reader) ?? usage.CacheCreation5mInputTokens };
            }
            else if (reader.ValueTextEquals("ephemeral_1h_input_tokens"u8))
            {
                usage = usage with { CacheCreation1hInputTokens = ReadCount(ref reader) ?? usage.CacheCreation1hInputTokens };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
    }
}
