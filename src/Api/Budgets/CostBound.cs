using System.Text.Json;

namespace Gateway.Api.Budgets;

/// <summary>
/// A true upper bound of a Messages request's tokens, read from its body in one pass (<see cref="Within"/> sizes it
/// for the model that serves it):
/// <list type="bullet">
/// <item>input: a token is at least one byte of text, so the body's bytes bound its text tokens (JSON never
/// encodes text in fewer bytes than the text). Base64 media are not text: each image counts
/// <see cref="ImageTokens"/>; a document or file other than plain text (a PDF, a URL, a file id) can hold more tokens
/// than bytes, up to the whole context window, so each counts the model's context window.
/// <see cref="OverheadTokens"/> covers what the provider adds (message framing, the tool-use system prompt). A prompt
/// never exceeds the model's context window (a larger one is refused, unbilled).</item>
/// <item>output: <c>max_tokens</c> (thinking included).</item>
/// <item>a request that mentions <c>cache_control</c> anywhere is priced at the dearest input class.</item>
/// <item>server tools (web search, web fetch, code execution, MCP servers) run a loop of up to
/// <see cref="SamplingIterations"/> sampling rounds on the provider, each billed for its prompt (grown by the tools'
/// results) and its output; their fees are bounded by each tool's <c>max_uses</c> (<see cref="UsesWithoutLimit"/>
/// when it has none).</item>
/// </list>
/// </summary>
public readonly record struct CostBound(long PromptTokens, long Documents, long OutputTokens, bool UsesCache, ServerToolOffer Tools)
{
    public const long ImageTokens = 10_000;
    public const long OverheadTokens = 1_000;

    /// <summary>The context window assumed for a model whose catalog entry states none: the largest any Claude model has.</summary>
    public const long MaxInputTokens = 1_000_000;

    /// <summary>Anthropic's limit on server-side sampling rounds in one request (it then answers <c>pause_turn</c>).</summary>
    public const long SamplingIterations = 10;

    /// <summary>The uses a server tool without <c>max_uses</c> is held for.</summary>
    public const long UsesWithoutLimit = 20;

    /// <summary>The largest <c>max_uses</c> taken at its word (a larger one is held at this).</summary>
    public const long MaxUsesCeiling = 1_000_000;

    /// <summary>The bound of the request's tokens at a model with <paramref name="contextWindow"/> (null: unknown).</summary>
    /// <param name="resultTokensPerUse">
    /// <c>Gateway:Budgets:ServerToolResultTokens</c>: tokens each server tool result is assumed to add when the request does
    /// not bound it (null: a result may fill the context window, the true bound).
    /// </param>
    public RequestBound Within(long? contextWindow, long? resultTokensPerUse = null)
    {
        var window = contextWindow is > 0 ? contextWindow.Value : MaxInputTokens;
        long results = 0;
        if (Tools.Offered)
        {
            results = Tools.ResultTokens(resultTokensPerUse) ?? window;
        }
        var prompt = Math.Min(window, Saturating(PromptTokens, Saturating(Math.Min(Documents, window) * window, results)));
        var rounds = Tools.Offered ? Math.Min(SamplingIterations, 1 + (Tools.TotalUses ?? SamplingIterations)) : 1;
        return new RequestBound(prompt * rounds, OutputTokens * rounds, prompt + OutputTokens, UsesCache, Tools.Offered ? Tools.Uses : default);
    }

    /// <summary>The most the request can cost at <paramref name="price"/> and <paramref name="fees"/> on a model with <paramref name="contextWindow"/>.</summary>
    public decimal Cost(Projections.Models.ModelPrice price, Projections.Models.ServerToolPrices fees, long? contextWindow, long? resultTokensPerUse = null) =>
        Within(contextWindow, resultTokensPerUse).Cost(price, fees);

    private static long Saturating(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    public static CostBound Measure(ReadOnlySpan<byte> body, long maxTokens)
    {
        try
        {
            return MeasureStructure(body, maxTokens);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A body the provider will refuse (an unpaired surrogate escape, say): its bytes bound it, at the dearest class.
            return new CostBound(body.Length + OverheadTokens, 0, maxTokens, UsesCache: true, default);
        }
    }

    private static CostBound MeasureStructure(ReadOnlySpan<byte> body, long maxTokens)
    {
        long mediaBytes = 0, images = 0, documents = 0;
        var usesCache = false;
        var tools = default(ServerToolOffer);
        // Per open object: its "type" value and, when it is a content block's "source", what the source holds.
        Span<Frame> frames = stackalloc Frame[64];
        var depth = -1;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        var nextIsSource = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    depth++;
                    if (depth < frames.Length)
                    {
                        frames[depth] = new Frame { IsSource = nextIsSource };
                    }
                    nextIsSource = false;
                    break;
                case JsonTokenType.EndObject:
                    if (depth >= 0 && depth < frames.Length)
                    {
                        var frame = frames[depth];
                        if (frame.IsSource && frame.Kind != SourceKind.None && depth > 0)
                        {
                            frames[depth - 1].SourceKind = frame.Kind;
                            if (frame.Kind == SourceKind.Base64)
                            {
                                mediaBytes += frame.Base64Bytes;
                            }
                        }
                        else if (frame.SourceKind != SourceKind.None)
                        {
                            if (frame.BlockIsImage)
                            {
                                images++;
                            }
                            else if (frame.SourceKind != SourceKind.Text)
                            {
                                documents++;
                            }
                        }
                    }
                    depth--;
                    break;
                case JsonTokenType.PropertyName:
                    nextIsSource = false;
                    if (depth == 0 && reader.ValueTextEquals("tools"u8))
                    {
                        reader.Read();
                        tools = ServerToolOffer.ReadTools(ref reader, tools, ref usesCache);
                    }
                    else if (depth == 0 && reader.ValueTextEquals("mcp_servers"u8))
                    {
                        reader.Read();
                        tools = ServerToolOffer.ReadMcpServers(ref reader, tools);
                    }
                    else if (reader.ValueTextEquals("cache_control"u8))
                    {
                        usesCache = true;
                    }
                    else if (reader.ValueTextEquals("source"u8))
                    {
                        nextIsSource = true;
                    }
                    else if (depth >= 0 && depth < frames.Length && (reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("data"u8)))
                    {
                        var isType = reader.ValueTextEquals("type"u8);
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            break;
                        }
                        ref var frame = ref frames[depth];
                        if (isType)
                        {
                            if (frame.IsSource)
                            {
                                // Anything else is not a media source (a tool schema's "source" property, say).
                                frame.Kind = reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("content"u8) ? SourceKind.Text
                                    : reader.ValueTextEquals("base64"u8) ? SourceKind.Base64
                                    : reader.ValueTextEquals("url"u8) || reader.ValueTextEquals("file"u8) ? SourceKind.Reference
                                    : SourceKind.None;
                            }
                            else
                            {
                                frame.BlockIsImage = reader.ValueTextEquals("image"u8);
                            }
                        }
                        else if (frame.IsSource)
                        {
                            frame.Base64Bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                        }
                    }
                    break;
            }
        }
        // Only base64 payloads are replaced by their per-item bound; a text source's data is text.
        var textBytes = body.Length - mediaBytes;
        return new CostBound(textBytes + images * ImageTokens + OverheadTokens, documents, maxTokens, usesCache, tools);
    }

    private enum SourceKind : byte
    {
        None,
        Text,
        Base64,
        Reference,
    }

    private struct Frame
    {
        public bool IsSource;
        public SourceKind Kind;
        public long Base64Bytes;
        public SourceKind SourceKind;
        public bool BlockIsImage;
    }
}
