using System.Text.Json;
using Gateway.Projections.Models;

namespace Gateway.Api.Budgets;

/// <summary>
/// The server tools a request offers the model (Anthropic runs them between sampling rounds and bills their results as
/// input): how often each may be used and how many tokens their results may add.
/// </summary>
/// <param name="Offered">Any server tool (or MCP server) is offered.</param>
/// <param name="Uses">The most uses of each tool with a fee (<c>max_uses</c>, or <see cref="CostBound.UsesWithoutLimit"/>).</param>
/// <param name="TotalUses">All tools' <c>max_uses</c> together; null when one has no limit.</param>
/// <param name="BoundedResultTokens">Result tokens of the uses whose size the request bounds (web fetch's <c>max_content_tokens</c>).</param>
/// <param name="UnboundedResultUses">Uses whose results have no stated size.</param>
public readonly record struct ServerToolOffer(bool Offered, ServerToolUses Uses, long? TotalUses, long BoundedResultTokens, long UnboundedResultUses)
{
    /// <summary>The tokens all the tools' results may add; null when one is unbounded and no allowance per use is set.</summary>
    public long? ResultTokens(long? tokensPerUse) => UnboundedResultUses == 0
        ? BoundedResultTokens
        : tokensPerUse is { } each ? BoundedResultTokens + UnboundedResultUses * each : null;

    /// <summary>Reads the <c>tools</c> array (the reader on its start), adding its server tools to <paramref name="offer"/>.</summary>
    internal static ServerToolOffer ReadTools(ref Utf8JsonReader reader, ServerToolOffer offer, ref bool usesCache)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return offer;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            var kind = Kind.None;
            long? maxUses = null, maxContentTokens = null;
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    kind = reader.TokenType != JsonTokenType.String ? Kind.None
                        : reader.ValueSpan.StartsWith("web_search_"u8) ? Kind.WebSearch
                        : reader.ValueSpan.StartsWith("web_fetch_"u8) ? Kind.WebFetch
                        : reader.ValueSpan.StartsWith("code_execution_"u8) ? Kind.CodeExecution
                        : Kind.None;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("max_uses"u8))
                {
                    maxUses = ReadCount(ref reader);
                }
                else if (reader.ValueTextEquals("max_content_tokens"u8))
                {
                    maxContentTokens = ReadCount(ref reader);
                }
                else
                {
                    usesCache |= reader.ValueTextEquals("cache_control"u8);
                    reader.Read();
                    // A tool's schema is text; only a cache_control marker inside it matters here.
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        usesCache |= ContainsCacheControl(ref reader);
                    }
                }
            }
            if (kind != Kind.None)
            {
                offer = offer.With(kind, maxUses, kind == Kind.WebFetch ? maxContentTokens : null);
            }
        }
        return offer;
    }

    /// <summary>Reads <c>mcp_servers</c>: a remote MCP server's tools run on the provider, unbounded and fee-free.</summary>
    internal static ServerToolOffer ReadMcpServers(ref Utf8JsonReader reader, ServerToolOffer offer)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return offer;
        }
        var any = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            any = true;
            reader.Skip();
        }
        return any ? offer.With(Kind.Mcp, null, null) : offer;
    }

    private ServerToolOffer With(Kind kind, long? maxUses, long? resultTokensPerUse)
    {
        var uses = Math.Min(maxUses ?? CostBound.UsesWithoutLimit, CostBound.MaxUsesCeiling);
        var feeUses = kind switch
        {
            Kind.WebSearch => Uses with { WebSearch = Uses.WebSearch + uses },
            Kind.WebFetch => Uses with { WebFetch = Uses.WebFetch + uses },
            Kind.CodeExecution => Uses with { CodeExecution = Uses.CodeExecution + uses },
            _ => Uses,
        };
        long? total = !Offered ? (maxUses is null ? null : uses) : TotalUses is { } sum && maxUses is not null ? sum + uses : null;
        return resultTokensPerUse is { } size
            ? new ServerToolOffer(true, feeUses, total, BoundedResultTokens + uses * Math.Min(size, CostBound.MaxInputTokens), UnboundedResultUses)
            : new ServerToolOffer(true, feeUses, total, BoundedResultTokens, UnboundedResultUses + uses);
    }

    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
            return null;
        }
        // A count the provider will refuse (negative, fractional) bounds nothing: treated as absent.
        return reader.TryGetInt64(out var value) && value >= 0 ? value : null;
    }

    private static bool ContainsCacheControl(ref Utf8JsonReader reader)
    {
        var found = false;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            found |= reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("cache_control"u8);
        }
        return found;
    }

    private enum Kind : byte
    {
        None,
        WebSearch,
        WebFetch,
        CodeExecution,
        Mcp,
    }
}
