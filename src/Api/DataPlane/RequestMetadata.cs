using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>The optional <c>x-gateway-metadata</c> header: a JSON object of strings for chargeback.</summary>
public static class RequestMetadata
{
    public const string Header = "x-gateway-metadata";

    // Well above what InputLimits lets through (16 entries, 1 kB), so only hostile headers are refused unread.
    private const int MaxHeaderLength = 8 * 1024;

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
