using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>The optional <c>x-gateway-metadata</c> header: a JSON object of strings for chargeback.</summary>
public static class RequestMetadata
{
    public const string Header = "x-gateway-metadata";
    private const int MaxEntries = 32;

    public static bool TryRead(HttpRequest request, out ImmutableDictionary<string, string> metadata, out string? problem)
    {
        metadata = ImmutableDictionary<string, string>.Empty;
        problem = null;
        string? raw = request.Headers[Header];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return true;
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
                    problem = $"{Header}: value of '{property.Name}' must be a string.";
                    return false;
                }
                builder[property.Name] = property.Value.GetString()!;
            }
            if (builder.Count > MaxEntries)
            {
                problem = $"{Header}: at most {MaxEntries} entries.";
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
    }
}
