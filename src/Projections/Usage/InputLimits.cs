using System.Text;

namespace Gateway.Projections.Usage;

/// <summary>
/// The limits on what a client or an admin may put into anything the gateway records — the usage event, the request
/// log's and spend's rows (whose keys PostgreSQL must be able to index), log lines — stated once and enforced where the
/// value enters (the data plane's edge, the admin API's grains). A value within them can never make a record invalid.
/// </summary>
public static class InputLimits
{
    /// <summary>Longest model name: the longest Bedrock ARN is about 200 characters.</summary>
    public const int ModelMaxLength = 256;

    public const int MetadataMaxEntries = 16;
    public const int MetadataKeyMaxLength = 64;
    public const int MetadataValueMaxLength = 256;

    /// <summary>Keys and values together (UTF-8): a spend row's key holds them and must stay well under an index entry's 2.7 kB.</summary>
    public const int MetadataMaxBytes = 1024;

    /// <summary>Longest provider-supplied text (error message, stop reason) kept in a record; the rest is cut.</summary>
    public const int RecordedTextMaxLength = 2048;

    /// <summary>Why a model name cannot be used (null when it can): printable ASCII without spaces, at most 256 characters.</summary>
    public static string? CheckModel(string model)
    {
        if (model.Length is 0 or > ModelMaxLength)
        {
            return $"String should have 1 to {ModelMaxLength} characters";
        }
        foreach (var c in model)
        {
            if (c is <= ' ' or > '~')
            {
                return "must be printable ASCII without spaces or control characters";
            }
        }
        return null;
    }

    /// <summary>Why metadata cannot be recorded (null when it can), naming the first entry at fault.</summary>
    public static string? CheckMetadata(IReadOnlyCollection<KeyValuePair<string, string>> metadata)
    {
        if (metadata.Count > MetadataMaxEntries)
        {
            return $"at most {MetadataMaxEntries} entries";
        }
        var bytes = 0;
        foreach (var (key, value) in metadata)
        {
            if (CheckMetadataKey(key) is { } badKey)
            {
                return badKey;
            }
            if (value is null)
            {
                // An admin's JSON may hold null where a string belongs.
                return $"value of '{key}': must be a string";
            }
            if (value.Length > MetadataValueMaxLength)
            {
                return $"value of '{key}': at most {MetadataValueMaxLength} characters";
            }
            if (!IsCleanText(value))
            {
                return $"value of '{key}': control characters and unpaired surrogates are not allowed";
            }
            bytes += key.Length + Encoding.UTF8.GetByteCount(value);
        }
        return bytes > MetadataMaxBytes ? $"at most {MetadataMaxBytes} bytes of keys and values together" : null;
    }

    /// <summary>
    /// Metadata cut to the limits if it is over them — possible only where admins' metadata of several scopes (key and
    /// workspace, each within them) meet: entries are kept in key order until the next would not fit.
    /// </summary>
    public static System.Collections.Immutable.ImmutableDictionary<string, string> Fit(System.Collections.Immutable.ImmutableDictionary<string, string> metadata)
    {
        if (CheckMetadata(metadata) is null)
        {
            return metadata;
        }
        var kept = System.Collections.Immutable.ImmutableDictionary.CreateBuilder<string, string>();
        var bytes = 0;
        foreach (var (key, value) in metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var size = key.Length + Encoding.UTF8.GetByteCount(value);
            if (kept.Count == MetadataMaxEntries || bytes + size > MetadataMaxBytes)
            {
                break;
            }
            if (CheckMetadata([KeyValuePair.Create(key, value)]) is null)
            {
                kept[key] = value;
                bytes += size;
            }
        }
        return kept.ToImmutable();
    }

    /// <summary>Text without control characters or unpaired surrogates (which PostgreSQL, UTF-8 and log lines cannot all take).</summary>
    public static bool IsCleanText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Text from outside the gateway's control (a provider's error message) made safe to record and log: control
    /// characters become spaces, unpaired surrogates U+FFFD, and it is cut at <paramref name="maxLength"/>.
    /// </summary>
    public static string? Recordable(string? text, int maxLength = RecordedTextMaxLength)
    {
        if (text is null || text.Length <= maxLength && IsCleanText(text))
        {
            return text;
        }
        var clean = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        for (var i = 0; i < text.Length && clean.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (clean.Length + 2 > maxLength)
                {
                    break;
                }
                clean.Append(c).Append(text[++i]);
                continue;
            }
            clean.Append(char.IsControl(c) ? ' ' : char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        if (clean.Length < text.Length)
        {
            clean.Append('…');
        }
        return clean.ToString();
    }

    /// <summary>A short, safe echo of a rejected value for an error message.</summary>
    public static string Echo(string value) => Recordable(value, 40)!;

    /// <summary>Why a metadata key cannot be used (null when it can): 1 to 64 letters, digits or <c>_ . : -</c>, starting with a letter or digit.</summary>
    public static string? CheckMetadataKey(string key) => IsMetadataKey(key)
        ? null
        : $"key '{Echo(key)}': 1 to {MetadataKeyMaxLength} letters, digits or _ . : - (starting with a letter or digit)";

    private static bool IsMetadataKey(string key)
    {
        if (key.Length is 0 or > MetadataKeyMaxLength || !char.IsAsciiLetterOrDigit(key[0]))
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or ':' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}
