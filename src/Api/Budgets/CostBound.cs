using System.Text.Json;

namespace Gateway.Api.Budgets;

/// <summary>
/// A true upper bound of a Messages request's tokens, read from its body in one pass:
/// <list type="bullet">
/// <item>input: a token is at least one byte of text, so the body's bytes bound its text tokens (JSON never
/// encodes text in fewer bytes than the text). Base64 media are not text: each image counts
/// <see cref="ImageTokens"/> and each other document or file (PDF, URL, file id) <see cref="DocumentTokens"/> instead
/// of its bytes. <see cref="OverheadTokens"/> covers what the provider adds (message framing, the tool-use system
/// prompt). The total is capped at <see cref="MaxInputTokens"/>, the largest context window any Claude model has.</item>
/// <item>output: <c>max_tokens</c> (thinking included).</item>
/// <item>a request that mentions <c>cache_control</c> anywhere is priced at the dearest input class.</item>
/// </list>
/// </summary>
public readonly record struct CostBound(long InputTokens, long OutputTokens, bool UsesCache)
{
    public const long ImageTokens = 10_000;
    public const long DocumentTokens = 200_000;
    public const long OverheadTokens = 1_000;
    public const long MaxInputTokens = 1_000_000;

    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>The most the request can cost at <paramref name="price"/>.</summary>
    public decimal Cost(Projections.Models.ModelPrice price) => price.Bound(InputTokens, OutputTokens, UsesCache);

    public static CostBound Measure(ReadOnlySpan<byte> body, long maxTokens)
    {
        try
        {
            return MeasureStructure(body, maxTokens);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A body the provider will refuse (an unpaired surrogate escape, say): its bytes bound it, at the dearest class.
            return new CostBound(Math.Min(MaxInputTokens, body.Length + OverheadTokens), maxTokens, UsesCache: true);
        }
    }

    private static CostBound MeasureStructure(ReadOnlySpan<byte> body, long maxTokens)
    {
        long mediaBytes = 0, images = 0, documents = 0;
        var usesCache = false;
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
                    if (reader.ValueTextEquals("cache_control"u8))
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
        var input = Math.Min(MaxInputTokens, textBytes + images * ImageTokens + documents * DocumentTokens + OverheadTokens);
        return new CostBound(input, maxTokens, usesCache);
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
