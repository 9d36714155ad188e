using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Projections.Models;

/// <summary>
/// Single fields of a catalog definition, read checked: an admin's typo or a hostile byte fails with a
/// <see cref="CatalogException"/> naming the field, and never reaches an id, a count or a stored event.
/// </summary>
internal static partial class CatalogFields
{
    private const long MaxTokens = 100_000_000;

    /// <summary>Refuses the first field of <paramref name="json"/> that is not <paramref name="known"/>.</summary>
    public static void RequireKnown(JsonObject json, IReadOnlyCollection<string> known, string prefix)
    {
        foreach (var (name, _) in json)
        {
            if (!known.Contains(name))
            {
                throw new CatalogException($"{prefix}{Printable(name)}: unknown field.");
            }
        }
    }

    /// <summary>Text that could name a model (see <see cref="NamePattern"/>); null when absent.</summary>
    public static string? Name(JsonNode? node, string field, int maxLength)
    {
        var value = Text(node, field, maxLength);
        if (value is not null && !NamePattern().IsMatch(value))
        {
            throw new CatalogException($"{field}: letters, digits and . _ - : @ / only, starting with a letter or digit, at most {maxLength} characters.");
        }
        return value;
    }

    /// <summary>A string of 1 to <paramref name="maxLength"/> characters, safe to log and store; null when absent.</summary>
    public static string? Text(JsonNode? node, string field, int maxLength)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw new CatalogException($"{field}: must be a string.");
        }
        string text;
        try
        {
            text = value.GetValue<string>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new CatalogException($"{field}: not valid text.");
        }
        if (text.Length == 0 || text.Length > maxLength)
        {
            throw new CatalogException($"{field}: 1 to {maxLength} characters.");
        }
        for (var i = 0; i < text.Length; i++)
        {
            // Control characters break log lines and NUL breaks PostgreSQL's jsonb; a lone surrogate breaks UTF-8.
            var c = text[i];
            var paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (char.IsControl(c) || char.IsSurrogate(c) && !paired)
            {
                throw new CatalogException($"{field}: control characters and unpaired surrogates are not allowed.");
            }
            if (paired)
            {
                i++;
            }
        }
        return text;
    }

    public static DateTimeOffset Timestamp(JsonNode node, string field)
    {
        var text = Text(node, field, 40)!;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
               && at.Year is >= 2000 and <= 9999
            ? at
            : throw new CatalogException($"{field}: an ISO 8601 date and time (2026-09-22T00:00:00Z).");
    }

    /// <summary>A token count from 1 to 10⁸; null when absent.</summary>
    public static long? Count(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var count) && count is > 0 and <= MaxTokens)
        {
            return count;
        }
        throw new CatalogException($"{field}: a whole number of tokens from 1 to {MaxTokens}.");
    }

    private static string Printable(string name) => name.Length <= 40 && NamePattern().IsMatch(name) ? name : "(a field)";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:@/-]*\z")]
    internal static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z")]
    internal static partial Regex SlugPattern();
}
