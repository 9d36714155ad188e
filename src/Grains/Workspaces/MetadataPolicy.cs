using System.Collections.Immutable;
using Gateway.Grains.Common;
using Gateway.Projections.Usage;

namespace Gateway.Grains.Workspaces;

/// <summary>
/// A workspace's rules for its requests' metadata: keys every request must carry (<c>required_metadata</c>) and request
/// headers read into metadata (<c>metadata_headers</c>, header name → metadata key).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MetadataPolicy(
    [property: Id(0)] ImmutableArray<string> Required,
    [property: Id(1)] ImmutableDictionary<string, string> Headers)
{
    /// <summary>Most header names an admin may map; also the most metadata keys a workspace may require.</summary>
    public const int MaxEntries = InputLimits.MetadataMaxEntries;

    public const int HeaderNameMaxLength = 64;

    public static readonly MetadataPolicy None = new([], ImmutableDictionary<string, string>.Empty);

    // Headers that carry credentials: what a client sends in them must never become recorded metadata.
    private static readonly string[] SecretHeaders = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];
    private static readonly string[] SecretWords = ["auth", "cookie", "token", "secret", "password", "passwd", "credential", "api-key", "apikey", "signature"];

    /// <summary>The required keys <paramref name="metadata"/> lacks or holds only blank.</summary>
    public ImmutableArray<string> MissingFrom(IReadOnlyDictionary<string, string> metadata) =>
        [.. Required.Where(key => !metadata.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))];

    /// <summary>Checks an admin's <c>required_metadata</c> (null: left out); 400 naming the entry at fault.</summary>
    public static void RequireValidKeys(IReadOnlyCollection<string>? required)
    {
        if (required is null)
        {
            return;
        }
        if (required.Count > MaxEntries)
        {
            throw AdminException.Invalid($"required_metadata: at most {MaxEntries} keys.");
        }
        foreach (var key in required)
        {
            if ((key is null ? "keys must be strings" : InputLimits.CheckMetadataKey(key)) is { } invalid)
            {
                throw AdminException.Invalid($"required_metadata: {invalid}.");
            }
        }
        if (required.Distinct(StringComparer.Ordinal).Count() != required.Count)
        {
            throw AdminException.Invalid("required_metadata: each key once.");
        }
    }

    /// <summary>
    /// Checks an admin's <c>metadata_headers</c> (null: left out) and returns it with lower-case header names; 400 naming the
    /// entry at fault: not an HTTP header name, a header that carries credentials, or a metadata key that cannot be recorded.
    /// </summary>
    public static ImmutableDictionary<string, string>? RequireValidHeaders(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return null;
        }
        if (headers.Count > MaxEntries)
        {
            throw AdminException.Invalid($"metadata_headers: at most {MaxEntries} headers.");
        }
        var checkedHeaders = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (name, key) in headers)
        {
            var header = name.ToLowerInvariant();
            if (header.Length is 0 or > HeaderNameMaxLength || !header.All(IsTokenChar))
            {
                throw AdminException.Invalid(
                    $"metadata_headers: '{InputLimits.Echo(name)}' is not a header name (1 to {HeaderNameMaxLength} letters, digits or !#$%&'*+-.^_`|~).");
            }
            if (SecretHeaders.Contains(header) || SecretWords.Any(word => header.Contains(word, StringComparison.Ordinal))
                || header == "x-gateway-metadata")
            {
                throw AdminException.Invalid($"metadata_headers: '{header}' may carry a credential (or is the gateway's own); it cannot be recorded.");
            }
            var invalidKey = key is null ? "a metadata key is required" : InputLimits.CheckMetadataKey(key);
            if (key is null || invalidKey is not null)
            {
                throw AdminException.Invalid($"metadata_headers: '{header}': {invalidKey}.");
            }
            if (!checkedHeaders.TryAdd(header, key))
            {
                throw AdminException.Invalid($"metadata_headers: '{header}' is named twice.");
            }
            if (checkedHeaders.Count(entry => entry.Value == key) > 1)
            {
                throw AdminException.Invalid($"metadata_headers: more than one header maps to '{key}'.");
            }
        }
        return checkedHeaders.ToImmutable();
    }

    // RFC 9110's tchar: a header name is a token.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
