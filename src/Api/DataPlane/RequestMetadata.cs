using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The metadata a request sends: the optional <c>x-gateway-metadata</c> header (a JSON object of strings for chargeback) and
/// the headers its workspace records as metadata (<c>metadata_headers</c>).
/// </summary>
public static class RequestMetadata
{
    public const string Header = "x-gateway-metadata";

    // Well above what InputLimits lets through (16 entries, 1 kB), so only hostile headers are refused unread.
    private const int MaxHeaderLength = 8 * 1024;

    /// <summary>
    /// The values of the headers <paramref name="headers"/> maps to metadata keys, each held to <see cref="InputLimits"/>
    /// (a value that breaks them is a problem naming its header, never cut or cleaned: the client should know).
    /// </summary>
    public static bool TryReadMapped(HttpRequest request, ImmutableDictionary<string, string> headers, out ImmutableDictionary<string, string> metadata,
        out string? problem)
    {
        metadata = ImmutableDictionary<string, string>.Empty;
        problem = null;
        foreach (var (header, key) in headers)
        {
            var values = request.Headers[header];
            if (values.Count > 1)
            {
                problem = $"{header}: send it once (it is recorded as metadata '{key}').";
                return false;
            }
            string? value = values;
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }
            // The key was checked when an admin mapped the header; the value is the client's.
            var invalid = value.Length > InputLimits.MetadataValueMaxLength ? $"at most {InputLimits.MetadataValueMaxLength} characters"
                : !InputLimits.IsCleanText(value) ? "control characters and unpaired surrogates are not allowed"
                : null;
            if (invalid is not null)
            {
                problem = $"{header}: {invalid} (it is recorded as metadata '{key}').";
                return false;
            }
            metadata = metadata.SetItem(key, value);
        }
        return true;
    }

    public static bool TryRead(HttpRequest request, out ImmutableDictionary<string, string> metadata, out string? problem)
    {
        metadata = ImmutableDictionary<string, string>.Empty;
        problem = null;
        string? raw = request.Headers[Header];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return true;
        }
        if (raw.Length > MaxHeaderLength)
        {
            problem = $"{Header}: at most {InputLimits.MetadataMaxBytes} bytes of keys and values together.";
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(raw);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = $"{Header}: must be a JSON object of strings.";
                return false;
            }
            var builder = ImmutableDictionary.CreateBuilder<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    problem = $"{Header}: value of '{InputLimits.Echo(property.Name)}' must be a string.";
                    return false;
                }
                builder[property.Name] = property.Value.GetString()!;
            }
            if (InputLimits.CheckMetadata(builder) is { } invalid)
            {
                problem = $"{Header}: {invalid}.";
                return false;
            }
            metadata = builder.ToImmutable();
            return true;
        }
        catch (JsonException)
        {
            problem = $"{Header}: must be a JSON object of strings.";
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on an unpaired surrogate escape ("\ud800").
            problem = $"{Header}: must be valid text (an unpaired surrogate cannot be recorded).";
            return false;
        }
    }
}
